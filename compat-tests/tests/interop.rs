//! Other Temporal tools drive Ironflow workflows: the `temporal` CLI and the Python SDK client.

use ironflow::Worker;
use ironflow::client::StartWorkflowOptions;
use ironflow_compat_tests::fixtures::{AddItem, AddItemChecked, Approve, Items, register_all};
use ironflow_compat_tests::peers::{cli, python_script, python_worker};
use ironflow_compat_tests::{RunningWorker, client, unique, wait_until, within};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

#[tokio::test]
async fn the_cli_starts_an_ironflow_workflow_with_json_and_reads_its_json_result() {
    let client = client().await;
    let tq = unique("cli");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let id = unique("cli-wf");
    let out = cli(&[
        "workflow",
        "execute",
        "--type",
        "GreetWorkflow",
        "--task-queue",
        &tq,
        "--workflow-id",
        &id,
        "--input",
        r#""CLI""#,
        "--output",
        "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["status"], "COMPLETED", "{json}");
    assert_eq!(json["result"], "Hello, CLI!", "{json}");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn the_python_sdk_client_runs_an_ironflow_workflow_and_reads_its_failure() {
    let client = client().await;
    let tq = unique("py");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let out = python_script("client_greet.py", &[&tq, &unique("py-ok"), &unique("py-fail")]).await;
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["result"], "Hello, Python!", "{json}");
    assert_eq!(json["failure"]["type"], "OrderRejected", "{json}");
    assert_eq!(json["failure"]["message"], "order rejected: no stock", "{json}");
    assert_eq!(json["failure"]["non_retryable"], true, "{json}");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn the_cli_signals_queries_and_updates_an_ironflow_workflow() {
    let client = client().await;
    let tq = unique("cli-msg");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let id = unique("cli-order");
    cli(&[
        "workflow",
        "start",
        "--type",
        "OrderWorkflow",
        "--task-queue",
        &tq,
        "--workflow-id",
        &id,
        "--input",
        "2",
    ])
    .await;
    cli(&[
        "workflow",
        "signal",
        "--workflow-id",
        &id,
        "--name",
        "add_item",
        "--input",
        r#""cli-signal""#,
    ])
    .await;
    let out = cli(&[
        "workflow",
        "update",
        "execute",
        "--workflow-id",
        &id,
        "--name",
        "add_item_checked",
        "--input",
        r#""cli-update""#,
        "--output",
        "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["result"], 2, "{json}");
    let out = cli(&[
        "workflow",
        "query",
        "--workflow-id",
        &id,
        "--name",
        "items",
        "--output",
        "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        json["queryResult"][0],
        serde_json::json!(["cli-signal", "cli-update"]),
        "{json}"
    );
    let out = cli(&[
        "workflow",
        "query",
        "--workflow-id",
        &id,
        "--name",
        "item_at",
        "--input",
        "1",
        "--output",
        "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["queryResult"][0], "cli-update", "{json}");
    cli(&[
        "workflow",
        "signal",
        "--workflow-id",
        &id,
        "--name",
        "approve",
        "--input",
        r#""cli""#,
    ])
    .await;
    let handle = client.workflow_handle::<String>(&id, None);
    assert_eq!(
        within("the order", LIMIT, handle.get_result()).await.unwrap(),
        "2 items approved by cli"
    );
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn the_python_sdk_client_signals_queries_and_updates_an_ironflow_workflow() {
    let client = client().await;
    let tq = unique("py-msg");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let out = python_script("client_order.py", &[&tq, &unique("py-order")]).await;
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json["count"], 2, "{json}");
    assert_eq!(json["rejected"], "InvalidItem", "{json}");
    assert_eq!(
        json["items"],
        serde_json::json!(["py-signal", "py-update"]),
        "{json}"
    );
    assert_eq!(json["first"], "py-signal", "{json}");
    assert_eq!(json["result"], "2 items approved by python", "{json}");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn the_ironflow_client_signals_queries_and_updates_a_python_workflow() {
    let client = client().await;
    let tq = unique("py-worker");
    let _python = python_worker("worker_order.py", &[&tq], LIMIT).await;
    let handle = client
        .start_workflow_by_name::<_, String>("PyOrder", 2, StartWorkflowOptions::new(unique("py-order"), &tq))
        .await
        .unwrap();
    handle.signal::<AddItem>("from-rust".to_string()).await.unwrap();
    assert_eq!(
        handle
            .execute_update::<AddItemChecked>("via-update".to_string())
            .await
            .unwrap(),
        2
    );
    let err = handle
        .execute_update::<AddItemChecked>("forbidden".to_string())
        .await
        .unwrap_err();
    assert_eq!(
        err.failure().and_then(|f| f.application_type()),
        Some("InvalidItem"),
        "{err}"
    );
    let items = wait_until("the Python workflow's items", LIMIT, || async {
        handle.query::<Items>(()).await.ok().filter(|i| i.len() == 2)
    })
    .await;
    assert_eq!(items, vec!["from-rust", "via-update"]);
    handle.signal::<Approve>("rust".to_string()).await.unwrap();
    assert_eq!(
        within("the Python workflow", LIMIT, handle.get_result())
            .await
            .unwrap(),
        "2 items approved by rust"
    );
}
