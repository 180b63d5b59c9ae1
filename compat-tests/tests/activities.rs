//! Activities on a real Temporal server: results, server-side retries, non-retryable errors,
//! timeouts, local activities.

use ironflow::Worker;
use ironflow::client::StartWorkflowOptions;
use ironflow::converter::{FailureKind, RetryState};
use ironflow_compat_tests::fixtures::*;
use ironflow_compat_tests::{RunningWorker, attributes, client, unique, within};
use std::time::Duration;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

const LIMIT: Duration = Duration::from_secs(90);

async fn worker(task_queue: &str) -> (ironflow::client::Client, RunningWorker) {
    let client = client().await;
    let worker = RunningWorker::start(register_all(Worker::builder(&client, task_queue)));
    (client, worker)
}

/// The `attempt` of every ActivityTaskStarted event.
fn started_attempts(history: &temporalio_common::protos::temporal::api::history::v1::History) -> Vec<i32> {
    attributes(history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::ActivityTaskStartedEventAttributes(s) => Some(s.attempt),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn activity_result_reaches_the_workflow() {
    let tq = unique("act-ok");
    let (client, worker) = worker(&tq).await;
    let handle = client
        .start_workflow::<GreetWorkflow>("Ironflow".into(), StartWorkflowOptions::new(unique("greet"), &tq))
        .await
        .unwrap();
    let out = within("the greeting", LIMIT, handle.get_result()).await.unwrap();
    assert_eq!(out, "Hello, Ironflow!");
    let history = handle.fetch_history().await.unwrap();
    let scheduled: Vec<_> = attributes(&history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::ActivityTaskScheduledEventAttributes(s) => Some((
                s.activity_type.as_ref().unwrap().name.clone(),
                s.start_to_close_timeout.unwrap().seconds,
            )),
            _ => None,
        })
        .collect();
    // The activity's own defaults were used: its name and its 60 s timeout.
    assert_eq!(scheduled, vec![("echo".to_string(), 60)]);
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn server_retries_until_attempt_three_succeeds() {
    let tq = unique("act-retry");
    let (client, worker) = worker(&tq).await;
    let handle = client
        .start_workflow::<RetryWorkflow>(3, StartWorkflowOptions::new(unique("retry"), &tq))
        .await
        .unwrap();
    let attempt = within("the retried activity", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(attempt, 3);
    let history = handle.fetch_history().await.unwrap();
    // The server records the attempt that completed.
    assert_eq!(started_attempts(&history), vec![3]);
    let policy = attributes(&history)
        .into_iter()
        .find_map(|a| match a {
            Attributes::ActivityTaskScheduledEventAttributes(s) => s.retry_policy.clone(),
            _ => None,
        })
        .unwrap();
    assert_eq!(policy.maximum_attempts, 5);
    assert_eq!(policy.initial_interval.unwrap().nanos, 100_000_000);
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn non_retryable_errors_stop_retrying() {
    let tq = unique("act-nonretry");
    let (client, worker) = worker(&tq).await;
    for (explicit, error_type) in [(true, "PaymentDeclined"), (false, "AccountClosed")] {
        let handle = client
            .start_workflow::<DeclineWorkflow>(explicit, StartWorkflowOptions::new(unique("decline"), &tq))
            .await
            .unwrap();
        let err = within("the declined workflow", LIMIT, handle.get_result())
            .await
            .unwrap_err();
        let failure = err
            .failure()
            .unwrap_or_else(|| panic!("expected a failure, got {err}"));
        // The workflow failure carries the activity failure, which carries the application error.
        let FailureKind::Activity {
            activity_type,
            retry_state,
            ..
        } = &failure.kind
        else {
            panic!("expected an activity failure, got {failure}");
        };
        assert_eq!(activity_type, "decline");
        assert_eq!(*retry_state, RetryState::NonRetryableFailure, "{failure}");
        let cause = failure.cause.as_deref().unwrap();
        assert_eq!(cause.application_type(), Some(error_type));
        assert!(cause.is_non_retryable());
        let history = handle.fetch_history().await.unwrap();
        assert_eq!(started_attempts(&history), vec![1], "only one attempt may run");
    }
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn start_to_close_timeout_is_retried() {
    let tq = unique("act-timeout");
    let (client, worker) = worker(&tq).await;
    let handle = client
        .start_workflow::<TimeoutRetryWorkflow>((), StartWorkflowOptions::new(unique("timeout"), &tq))
        .await
        .unwrap();
    let attempt = within(
        "the activity retried after its timeout",
        LIMIT,
        handle.get_result(),
    )
    .await
    .unwrap();
    assert_eq!(attempt, 2);
    let history = handle.fetch_history().await.unwrap();
    assert_eq!(started_attempts(&history), vec![2]);
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn local_activity_result_is_recorded_as_a_marker() {
    let tq = unique("act-local");
    let (client, worker) = worker(&tq).await;
    let handle = client
        .start_workflow::<LocalEchoWorkflow>("local".into(), StartWorkflowOptions::new(unique("local"), &tq))
        .await
        .unwrap();
    assert_eq!(
        within("the local activity", LIMIT, handle.get_result())
            .await
            .unwrap(),
        "local"
    );
    let history = handle.fetch_history().await.unwrap();
    let markers: Vec<_> = attributes(&history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::MarkerRecordedEventAttributes(m) => Some(m.marker_name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(markers, vec!["core_local_activity".to_string()]);
    assert!(
        !attributes(&history)
            .iter()
            .any(|a| matches!(a, Attributes::ActivityTaskScheduledEventAttributes(_))),
        "a local activity must not be scheduled through the server"
    );
    worker.stop().await.unwrap();
}
