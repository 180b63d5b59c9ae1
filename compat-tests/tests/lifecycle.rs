//! Workflow lifecycle on a real Temporal server: timers, typed failures, bad input, unknown
//! types, panics, graceful shutdown, and a worker killed mid-run.

use ironflow::Worker;
use ironflow::client::{StartWorkflowOptions, WorkflowExecutionError};
use ironflow_compat_tests::fixtures::*;
use ironflow_compat_tests::{
    RunningWorker, attributes, client, server_address, unique, wait_until, within, workflow_task_failures,
};
use std::process::{Command, Stdio};
use std::time::Duration;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

const LIMIT: Duration = Duration::from_secs(90);

#[tokio::test]
async fn durable_timer_fires() {
    let client = client().await;
    let tq = unique("timer");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let handle = client
        .start_workflow::<TimerWorkflow>(1500, StartWorkflowOptions::new(unique("timer"), &tq))
        .await
        .unwrap();
    let elapsed = within("the timer workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert!(
        elapsed >= 1500,
        "workflow time advanced {elapsed} ms for a 1500 ms timer"
    );
    let history = handle.fetch_history().await.unwrap();
    let kinds: Vec<_> = attributes(&history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::TimerStartedEventAttributes(t) => {
                let d = Duration::try_from(t.start_to_fire_timeout.unwrap()).unwrap();
                Some(format!("started {}ms", d.as_millis()))
            }
            Attributes::TimerFiredEventAttributes(_) => Some("fired".to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["started 1500ms".to_string(), "fired".to_string()]);
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn workflow_failure_reaches_the_client_as_a_typed_error() {
    let client = client().await;
    let tq = unique("fail");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let id = unique("reject");
    let err = within(
        "the failing workflow",
        LIMIT,
        client.execute_workflow::<RejectWorkflow>("out of stock".into(), StartWorkflowOptions::new(&id, &tq)),
    )
    .await
    .unwrap_err();
    let WorkflowExecutionError::Failed {
        workflow_id,
        workflow_type,
        failure,
    } = &err
    else {
        panic!("expected a workflow failure, got {err}")
    };
    assert_eq!(workflow_id, &id);
    assert_eq!(workflow_type.as_deref(), Some("RejectWorkflow"));
    assert!(
        err.to_string()
            .starts_with(&format!("workflow `RejectWorkflow` (id `{id}`) failed")),
        "{err}"
    );
    assert_eq!(failure.application_type(), Some("OrderRejected"));
    assert_eq!(failure.message, "order rejected: out of stock");
    assert!(failure.is_non_retryable());
    assert_eq!(failure.source, "IronflowSDK");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn malformed_input_fails_the_workflow_with_a_clear_error() {
    let client = client().await;
    let tq = unique("badinput");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    // GreetWorkflow takes a string; send an object.
    let handle = client
        .start_workflow_by_name::<_, String>(
            "GreetWorkflow",
            serde_json::json!({"name": 42}),
            StartWorkflowOptions::new(unique("badinput"), &tq),
        )
        .await
        .unwrap();
    let err = within("the workflow with bad input", LIMIT, handle.get_result())
        .await
        .unwrap_err();
    let failure = err
        .failure()
        .unwrap_or_else(|| panic!("expected a failure, got {err}"));
    assert_eq!(failure.application_type(), Some("PayloadDecodeError"));
    for needle in [
        "GreetWorkflow",
        "json/plain",
        "alloc::string::String",
        "invalid type: map",
    ] {
        assert!(
            failure.message.contains(needle),
            "`{needle}` missing from: {}",
            failure.message
        );
    }
    // The input is still in history, untouched.
    let history = handle.fetch_history().await.unwrap();
    let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) =
        attributes(&history).first().copied()
    else {
        panic!("no start event")
    };
    assert_eq!(
        started.input.as_ref().unwrap().payloads[0].data,
        br#"{"name":42}"#
    );
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_workflow_type_fails_the_task_naming_the_registered_types() {
    let client = client().await;
    let tq = unique("unknown");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<GreetWorkflow>()
            .register_activity(Echo),
    );
    let handle = client
        .start_workflow_by_name::<_, ()>(
            "NoSuchWorkflow",
            (),
            StartWorkflowOptions::new(unique("unknown"), &tq),
        )
        .await
        .unwrap();
    let message = wait_until("a failed workflow task", LIMIT, || async {
        let history = handle.fetch_history().await.ok()?;
        workflow_task_failures(&history).into_iter().next()
    })
    .await;
    assert!(
        message.contains("`NoSuchWorkflow` is not registered"),
        "{message}"
    );
    assert!(message.contains("[GreetWorkflow]"), "{message}");
    handle.terminate("test done").await.unwrap();
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_workflow_fails_its_task_and_the_worker_keeps_serving() {
    let client = client().await;
    let tq = unique("panic");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let key = unique("k");
    let handle = client
        .start_workflow::<PanicOnceWorkflow>(key.clone(), StartWorkflowOptions::new(unique("panic"), &tq))
        .await
        .unwrap();
    // The panic fails the first workflow task; the server retries it and the second one succeeds.
    assert_eq!(
        within("the panicking workflow", LIMIT, handle.get_result())
            .await
            .unwrap(),
        "recovered"
    );
    let failures = workflow_task_failures(&handle.fetch_history().await.unwrap());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("panicked: deliberate panic in workflow code"),
        "{}",
        failures[0]
    );
    // The same worker still serves other workflows.
    let other = client
        .execute_workflow::<GreetWorkflow>("after".into(), StartWorkflowOptions::new(unique("after"), &tq))
        .await
        .unwrap();
    assert_eq!(other, "Hello, after!");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn graceful_shutdown_lets_the_running_activity_finish() {
    let client = client().await;
    let tq = unique("graceful");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let key = unique("nap");
    let handle = client
        .start_workflow::<NapWorkflow>(
            NapInput {
                key: key.clone(),
                ms: 1500,
            },
            StartWorkflowOptions::new(unique("nap"), &tq),
        )
        .await
        .unwrap();
    wait_until("the activity to start", LIMIT, || async {
        is_marked(&key).then_some(())
    })
    .await;
    // Shut down while the activity sleeps: `run` must wait for it and report its completion.
    within("the graceful shutdown", LIMIT, worker.stop())
        .await
        .unwrap();
    let history = handle.fetch_history().await.unwrap();
    assert!(
        attributes(&history)
            .iter()
            .any(|a| matches!(a, Attributes::ActivityTaskCompletedEventAttributes(_))),
        "the in-flight activity must complete during shutdown"
    );
    // A new worker finishes the workflow.
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    assert_eq!(
        within("the workflow after restart", LIMIT, handle.get_result())
            .await
            .unwrap(),
        1500
    );
    worker.stop().await.unwrap();
}

/// Kills the child process when dropped (a failing test must not leave it running).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_second_worker_finishes_what_a_killed_worker_started() {
    let client = client().await;
    let tq = unique("killed");
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_test-worker"))
            .args([server_address(), &tq])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the test-worker process"),
    );
    let handle = client
        .start_workflow::<TwoStepWorkflow>(2000, StartWorkflowOptions::new(unique("two-step"), &tq))
        .await
        .unwrap();
    // Wait until the first worker has done step one and started the timer, then kill it hard.
    wait_until("the first worker to start the timer", LIMIT, || async {
        let history = handle.fetch_history().await.ok()?;
        attributes(&history)
            .iter()
            .any(|a| matches!(a, Attributes::TimerStartedEventAttributes(_)))
            .then_some(())
    })
    .await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let out = within(
        "the second worker to finish the workflow",
        LIMIT,
        handle.get_result(),
    )
    .await
    .unwrap();
    assert_eq!(out, "first+second");
    let history = handle.fetch_history().await.unwrap();
    let identities: std::collections::HashSet<_> = attributes(&history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::WorkflowTaskCompletedEventAttributes(c) => Some(c.identity.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        identities.len(),
        2,
        "two different workers must have completed tasks: {identities:?}"
    );
    worker.stop().await.unwrap();
}
