//! Signals, queries and updates on a real Temporal server.

use ironflow::Worker;
use ironflow::client::{IdConflictPolicy, QueryError, StartWorkflowOptions, WorkflowHandle};
use ironflow_compat_tests::fixtures::*;
use ironflow_compat_tests::{RunningWorker, attributes, client, unique, wait_until, within};
use std::time::Duration;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

const LIMIT: Duration = Duration::from_secs(90);

async fn start_order(client: &ironflow::client::Client, tq: &str, n: usize) -> WorkflowHandle<String> {
    client
        .start_workflow::<OrderWorkflow>(n, StartWorkflowOptions::new(unique("order"), tq))
        .await
        .unwrap()
}

/// Waits until the workflow has `n` items (queried).
async fn wait_items(handle: &WorkflowHandle<String>, n: usize) -> Vec<String> {
    wait_until(&format!("{n} items"), LIMIT, || async {
        let items = handle.query::<Items>(()).await.ok()?;
        (items.len() >= n).then_some(items)
    })
    .await
}

#[tokio::test]
async fn a_signal_sent_before_the_workflow_waits_is_buffered_not_lost() {
    let client = client().await;
    let tq = unique("sig-early");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let handle = start_order(&client, &tq, 2).await;
    // `approve` arrives while the workflow still waits for items.
    handle.signal::<Approve>("alice".to_string()).await.unwrap();
    handle.signal::<AddItem>("apple".to_string()).await.unwrap();
    handle.signal::<AddItem>("pear".to_string()).await.unwrap();
    let out = within("the order", LIMIT, handle.get_result()).await.unwrap();
    assert_eq!(out, "2 items approved by alice");
    assert_eq!(handle.query::<Items>(()).await.unwrap(), vec!["apple", "pear"]);
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn a_burst_of_150_signals_arrives_exactly_once_in_order() {
    let client = client().await;
    let tq = unique("sig-burst");
    // No cache: every workflow task replays the history from the start, so delivery must also
    // be right on replay.
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)).max_cached_workflows(0));
    let handle = client
        .start_workflow::<CollectWorkflow>(150, StartWorkflowOptions::new(unique("burst"), &tq))
        .await
        .unwrap();
    for i in 0..150u32 {
        handle.signal::<Num>(i).await.unwrap();
    }
    let got = within("150 signals", LIMIT, handle.get_result()).await.unwrap();
    assert_eq!(got, (0..150).collect::<Vec<_>>());
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn signal_with_start_and_workflow_to_workflow_signals() {
    let client = client().await;
    let tq = unique("sig-start");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let id = unique("collect");
    let handle = client
        .signal_with_start::<CollectWorkflow, Num>(2, 42, StartWorkflowOptions::new(&id, &tq))
        .await
        .unwrap();
    // A second signal-with-start on the running workflow only signals it.
    client
        .signal_with_start::<CollectWorkflow, Num>(2, 43, StartWorkflowOptions::new(&id, &tq))
        .await
        .unwrap();
    assert_eq!(
        within("signal-with-start", LIMIT, handle.get_result())
            .await
            .unwrap(),
        vec![42, 43]
    );

    let target = client
        .start_workflow::<CollectWorkflow>(1, StartWorkflowOptions::new(unique("target"), &tq))
        .await
        .unwrap();
    let sent = client
        .execute_workflow::<SignalSenderWorkflow>(
            target.workflow_id().to_string(),
            StartWorkflowOptions::new(unique("sender"), &tq),
        )
        .await
        .unwrap();
    assert_eq!(sent, "sent");
    assert_eq!(
        within("the signalled workflow", LIMIT, target.get_result())
            .await
            .unwrap(),
        vec![7]
    );
    let missing = client
        .execute_workflow::<SignalSenderWorkflow>(
            unique("nobody"),
            StartWorkflowOptions::new(unique("sender"), &tq),
        )
        .await
        .unwrap();
    assert!(missing.starts_with("failed:"), "{missing}");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn queries_on_running_completed_and_restarted_workflows() {
    let client = client().await;
    let tq = unique("query");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let handle = start_order(&client, &tq, 2).await;
    handle.signal::<AddItem>("apple".to_string()).await.unwrap();
    assert_eq!(wait_items(&handle, 1).await, vec!["apple"]);
    // With an argument.
    assert_eq!(
        handle.query::<ItemAt>(0).await.unwrap(),
        Some("apple".to_string())
    );
    assert_eq!(handle.query::<ItemAt>(5).await.unwrap(), None);
    // Unknown query: the error lists the known ones.
    let err = handle.query_by_name::<_, String>("nope", ()).await.unwrap_err();
    let QueryError::Failed { message, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        message.contains("known queries: [item_at, items, sneaky, __stack_trace]"),
        "{message}"
    );
    // A query handler that tries to issue a command fails and records nothing.
    let err = handle.query::<Sneaky>(()).await.unwrap_err();
    assert!(err.to_string().contains("must be read-only"), "{err}");

    // Restart the worker: the new one has an empty cache and rebuilds the state by replay.
    worker.stop().await.unwrap();
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    assert_eq!(handle.query::<Items>(()).await.unwrap(), vec!["apple"]);

    handle.signal::<AddItem>("pear".to_string()).await.unwrap();
    handle.signal::<Approve>("bob".to_string()).await.unwrap();
    within("the order", LIMIT, handle.get_result()).await.unwrap();
    // A completed workflow still answers.
    assert_eq!(handle.query::<Items>(()).await.unwrap(), vec!["apple", "pear"]);
    let history = handle.fetch_history().await.unwrap();
    assert!(
        !attributes(&history)
            .iter()
            .any(|a| matches!(a, Attributes::WorkflowPropertiesModifiedEventAttributes(_))),
        "the read-only query must not have upserted the memo"
    );
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn updates_accepted_rejected_failing_and_deduplicated() {
    let client = client().await;
    let tq = unique("update");
    // No cache: the validator-rejected update must also replay cleanly.
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)).max_cached_workflows(0));
    let handle = start_order(&client, &tq, 3).await;

    assert_eq!(
        handle
            .execute_update::<AddItemChecked>("apple".to_string())
            .await
            .unwrap(),
        1
    );
    let err = handle
        .execute_update::<AddItemChecked>("forbidden".to_string())
        .await
        .unwrap_err();
    let failure = err.failure().unwrap_or_else(|| panic!("{err}"));
    assert_eq!(failure.application_type(), Some("InvalidItem"), "{failure}");
    let err = handle.execute_update::<Explode>(()).await.unwrap_err();
    assert_eq!(
        err.failure().and_then(|f| f.application_type()),
        Some("Exploded"),
        "{err}"
    );
    // Unknown update: rejected, naming the known ones.
    let err = handle
        .update_by_name::<_, ()>("nope", (), None)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("known updates: [add_item_checked, explode]"),
        "{err}"
    );

    // The same update id twice: the handler runs once, both callers get its result.
    let first = handle
        .execute_update_with_id::<AddItemChecked>("dedup-1", "pear".to_string())
        .await
        .unwrap();
    let second = handle
        .execute_update_with_id::<AddItemChecked>("dedup-1", "pear".to_string())
        .await
        .unwrap();
    assert_eq!((first, second), (2, 2));
    assert_eq!(handle.query::<Items>(()).await.unwrap(), vec!["apple", "pear"]);

    assert_eq!(
        handle
            .execute_update::<AddItemChecked>("plum".to_string())
            .await
            .unwrap(),
        3
    );
    handle.signal::<Approve>("carol".to_string()).await.unwrap();
    assert_eq!(
        within("the order", LIMIT, handle.get_result()).await.unwrap(),
        "3 items approved by carol"
    );

    // Rejected updates leave no trace in history; accepted ones do.
    let history = handle.fetch_history().await.unwrap();
    let accepted = attributes(&history)
        .iter()
        .filter(|a| matches!(a, Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_)))
        .count();
    assert_eq!(accepted, 4, "apple, explode, pear (once), plum");
    let rejected = attributes(&history)
        .iter()
        .filter(|a| matches!(a, Attributes::WorkflowExecutionUpdateRejectedEventAttributes(_)))
        .count();
    assert_eq!(rejected, 0);
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn update_with_start() {
    let client = client().await;
    let tq = unique("uws");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let id = unique("uws");
    let options = StartWorkflowOptions::new(&id, &tq).id_conflict_policy(IdConflictPolicy::UseExisting);
    let (handle, count) = client
        .execute_update_with_start::<OrderWorkflow, AddItemChecked>(
            1,
            options.clone(),
            "first".to_string(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(count, 1);
    // Again: the running workflow is used, not a new one.
    let (again, count) = client
        .execute_update_with_start::<OrderWorkflow, AddItemChecked>(1, options, "second".to_string(), None)
        .await
        .unwrap();
    assert_eq!(count, 2);
    assert_eq!(again.run_id(), handle.run_id());
    handle.signal::<Approve>("dave".to_string()).await.unwrap();
    assert_eq!(
        within("the order", LIMIT, handle.get_result()).await.unwrap(),
        "2 items approved by dave"
    );
    worker.stop().await.unwrap();
}
