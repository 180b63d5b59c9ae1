//! Ironflow workflows in the Temporal Web UI, in a real browser (headless Chromium driven over
//! the DevTools protocol): the workflow list shows them; a workflow's page shows its decoded
//! input and result and `Workflow SDK` Ironflow; the Call Stack tab of a running workflow shows
//! the answer of Ironflow's `__stack_trace` query. Screenshots go to `target/ci-artifacts/`.
//!
//! This binary runs its own dev server (with the UI), not the shared headless one.

use ironflow::Worker;
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::testing::{DevServer, DevServerOptions};
use ironflow_compat_tests::browser::Browser;
use ironflow_compat_tests::fixtures::{Approve, EchoApproveEchoWorkflow, GreetWorkflow, register_all};
use ironflow_compat_tests::{RunningWorker, artifact, unique, wait_until, within};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn png_ok(path: &std::path::Path) {
    let png = std::fs::read(path).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot at {}",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_shows_ironflow_workflows_their_payloads_sdk_and_call_stack() {
    let server = DevServer::start_with(DevServerOptions {
        ui: true,
        die_with_parent_thread: true,
        ..Default::default()
    })
    .await
    .expect("a dev server with its UI");
    let ui = server.ui_address().expect("the UI's address").to_string();
    let ns = server.namespace().to_string();
    let client: Client = server.client().await.expect("connect");
    let tq = unique("web-ui-workflows");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));

    // A finished workflow with a recognisable input and result, and a running one that waits
    // for a signal (so it has a call stack to show).
    let name = format!("ui-{}", &unique("name")[..16]);
    let done_id = unique("ui-greet");
    within(
        "the greeting",
        LIMIT,
        client.execute_workflow::<GreetWorkflow>(name.clone(), StartWorkflowOptions::new(&done_id, &tq)),
    )
    .await
    .expect("the greeting");
    let waiting_id = unique("ui-waiting");
    let waiting = client
        .start_workflow::<EchoApproveEchoWorkflow>((), StartWorkflowOptions::new(&waiting_id, &tq))
        .await
        .expect("start the waiting workflow");
    let stack: String = wait_until("the waiting workflow to block on its signal", LIMIT, || async {
        let stack: String = waiting.query_by_name("__stack_trace", ()).await.ok()?;
        stack.contains("signal").then_some(stack)
    })
    .await;
    let run_id = waiting.describe().await.expect("describe").run_id;

    let mut browser = tokio::task::block_in_place(Browser::start);
    tokio::task::block_in_place(|| {
        // The list.
        browser.goto(&format!("{ui}/namespaces/{ns}/workflows"));
        let text = browser.wait_for_text(
            &[&done_id, &waiting_id, "GreetWorkflow", "EchoApproveEchoWorkflow"],
            LIMIT,
        );
        let statuses = text.to_uppercase();
        assert!(
            statuses.contains("RUNNING") && statuses.contains("COMPLETED"),
            "{text}"
        );
        let shot = artifact("web-ui-workflow-list.png");
        browser.screenshot(&shot);
        png_ok(&shot);

        // A workflow's page: decoded input and result, and the SDK that ran it.
        browser.goto(&format!("{ui}/namespaces/{ns}/workflows/{done_id}"));
        let text = browser.wait_for_text(&[&name, &format!("Hello, {name}!"), "Workflow SDK"], LIMIT);
        let sdk = text
            .lines()
            .skip_while(|l| !l.contains("Workflow SDK"))
            .nth(1)
            .unwrap_or_default()
            .to_string();
        assert!(
            text.contains("Ironflow"),
            "the page names the SDK: `{sdk}`\n{text}"
        );
        let shot = artifact("web-ui-workflow-page.png");
        browser.screenshot(&shot);
        png_ok(&shot);

        // The Call Stack tab of the running workflow shows what `__stack_trace` answers.
        browser.goto(&format!(
            "{ui}/namespaces/{ns}/workflows/{waiting_id}/{run_id}/call-stack"
        ));
        let first_line = stack.lines().next().unwrap_or_default().trim().to_string();
        let text = browser.wait_for_text(&["Call Stack", &first_line], LIMIT);
        assert!(
            !first_line.is_empty(),
            "the stack trace has content: {stack:?}\n{text}"
        );
        let shot = artifact("web-ui-call-stack.png");
        browser.screenshot(&shot);
        png_ok(&shot);
    });

    waiting.signal::<Approve>("ui".into()).await.expect("approve");
    within("the waiting workflow", LIMIT, waiting.get_result())
        .await
        .expect("its result");
    worker.stop().await.expect("stop the worker");
}
