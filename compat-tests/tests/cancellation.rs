//! Cancellation and workflow-control semantics on a real server: cleanup commands passed directly
//! to `non_cancellable`, cancellation scopes, waits that observe cancellation, a child cancelled
//! while it is awaited, worker shutdown with a grace period, per-call options that clear the
//! definition's defaults, failing a workflow task on purpose, heartbeats without details, and
//! messages with zero or several arguments.

use ironflow::client::{StartWorkflowOptions, WorkflowExecutionError};
use ironflow::converter::Args;
use ironflow::workflow::{QueryDefinition, SignalDefinition};
use ironflow::{
    Activity, ActivityContext, ActivityDefinition, ApplicationError, RetryPolicy, Worker, Workflow,
    WorkflowContext, WorkflowError, WorkflowResult,
};
use ironflow_compat_tests::fixtures::{CollectWorkflow, Echo, GreetWorkflow, Num, is_marked, mark};
use ironflow_compat_tests::peers::python_script;
use ironflow_compat_tests::{RunningWorker, attributes, client, unique, wait_until, within};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

const LIMIT: Duration = Duration::from_secs(90);

/// Waits for its own cancellation, then reports itself cancelled.
struct WaitForCancel;
impl Workflow for WaitForCancel {
    const NAME: &'static str = "WaitForCancel";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.cancelled().await;
        Err(WorkflowError::Cancelled)
    }
}

/// After its cancellation, cleans up with one command of each kind, each passed directly to
/// `non_cancellable`: a timer, an activity, a child, a signal and a cancellation request to
/// another workflow.
struct CleanupEveryKind;
impl Workflow for CleanupEveryKind {
    const NAME: &'static str = "CleanupEveryKind";
    type Input = String;
    type Output = ();
    async fn run(ctx: WorkflowContext, target: String) -> WorkflowResult<()> {
        ctx.cancelled().await;
        ctx.non_cancellable(ctx.sleep(Duration::from_millis(50))).await?;
        ctx.non_cancellable(ctx.activity::<Echo>("cleanup".into()))
            .await?;
        ctx.non_cancellable(ctx.child_workflow::<GreetWorkflow>("cleanup".into()))
            .await?;
        ctx.non_cancellable(ctx.external_workflow(target.clone()).signal::<Num>(7))
            .await?;
        ctx.non_cancellable(ctx.external_workflow(target).cancel("cleanup"))
            .await?;
        Err(WorkflowError::Cancelled)
    }
}

fn event_kinds(history: &ironflow::history::History) -> Vec<&'static str> {
    attributes(history)
        .into_iter()
        .map(|a| match a {
            Attributes::WorkflowExecutionCancelRequestedEventAttributes(_) => "CancelRequested",
            Attributes::TimerStartedEventAttributes(_) => "TimerStarted",
            Attributes::ActivityTaskScheduledEventAttributes(_) => "ActivityTaskScheduled",
            Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(_) => "StartChildInitiated",
            Attributes::SignalExternalWorkflowExecutionInitiatedEventAttributes(_) => {
                "SignalExternalInitiated"
            }
            Attributes::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(_) => {
                "RequestCancelExternalInitiated"
            }
            Attributes::WorkflowExecutionCanceledEventAttributes(_) => "WorkflowExecutionCanceled",
            _ => "",
        })
        .filter(|k| !k.is_empty())
        .collect()
}

#[tokio::test]
async fn every_kind_of_command_passed_directly_to_non_cancellable_is_sent_after_the_cancellation() {
    let client = client().await;
    let tq = unique("cleanup");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<CleanupEveryKind>()
            .register_workflow::<GreetWorkflow>()
            .register_workflow::<CollectWorkflow>()
            .register_activity(Echo),
    );
    let target = client
        .start_workflow::<CollectWorkflow>(2, StartWorkflowOptions::new(unique("target"), &tq))
        .await
        .unwrap();
    let handle = client
        .start_workflow::<CleanupEveryKind>(
            target.workflow_id().to_string(),
            StartWorkflowOptions::new(unique("cleanup"), &tq),
        )
        .await
        .unwrap();
    handle.cancel("stop").await.unwrap();
    let err = within("the cancelled workflow", LIMIT, handle.get_result())
        .await
        .unwrap_err();
    assert!(matches!(err, WorkflowExecutionError::Cancelled { .. }), "{err}");
    let kinds = event_kinds(&handle.fetch_history().await.unwrap());
    assert_eq!(
        kinds,
        vec![
            "CancelRequested",
            "TimerStarted",
            "ActivityTaskScheduled",
            "StartChildInitiated",
            "SignalExternalInitiated",
            "RequestCancelExternalInitiated",
            "WorkflowExecutionCanceled",
        ]
    );
    target.terminate("test done").await.unwrap();
    worker.stop().await.unwrap();
}

/// A long activity that heartbeats, so a cancellation reaches it.
struct Linger;
impl ActivityDefinition for Linger {
    const NAME: &'static str = "linger";
    type Input = ();
    type Output = ();
    fn heartbeat_timeout() -> Option<Duration> {
        Some(Duration::from_secs(5))
    }
    fn timeout() -> Option<Duration> {
        Some(Duration::from_secs(300))
    }
}
impl Activity for Linger {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        loop {
            ctx.heartbeat();
            tokio::select! {
                _ = ctx.cancelled() => return Err(ApplicationError::new("cancelled")),
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }
}

struct CancelScope;
impl SignalDefinition for CancelScope {
    const NAME: &'static str = "cancel_scope";
    type Data = ();
}

/// Runs a timer, an activity, a child and a wait in a scope, and cancels the scope on a signal.
struct ScopedWork;
impl Workflow for ScopedWork {
    const NAME: &'static str = "ScopedWork";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let scope = ctx.cancellation_scope();
        let work = scope.run(async {
            let (timer, activity, child) = futures::join!(
                ctx.sleep(Duration::from_secs(3600)),
                ctx.activity::<Linger>(()),
                ctx.child_workflow::<WaitForCancel>(()),
            );
            let wait = ctx.wait_condition(|| false).await;
            format!(
                "timer cancelled: {}, activity cancelled: {}, child cancelled: {}, wait cancelled: {}",
                timer.is_err(),
                activity.is_err_and(|e| e.is_cancelled()),
                child.is_err_and(|e| e.is_cancelled()),
                wait.is_err()
            )
        });
        let signal = ctx.await_signal::<CancelScope>();
        futures::pin_mut!(work, signal);
        match futures::future::select(work, signal).await {
            futures::future::Either::Left((done, _)) => Ok(format!("finished before the signal: {done}")),
            futures::future::Either::Right((_, work)) => {
                scope.cancel();
                Ok(work.await)
            }
        }
    }
}

#[tokio::test]
async fn cancelling_a_scope_cancels_its_timer_activity_child_and_wait() {
    let client = client().await;
    let tq = unique("scope");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<ScopedWork>()
            .register_workflow::<WaitForCancel>()
            .register_activity(Linger),
    );
    let handle = client
        .start_workflow::<ScopedWork>((), StartWorkflowOptions::new(unique("scope"), &tq))
        .await
        .unwrap();
    // Wait until the child is running, so its cancellation goes through the server.
    wait_until("the child to start", LIMIT, || async {
        let history = handle.fetch_history().await.ok()?;
        attributes(&history)
            .iter()
            .any(|a| matches!(a, Attributes::ChildWorkflowExecutionStartedEventAttributes(_)))
            .then_some(())
    })
    .await;
    handle.signal::<CancelScope>(()).await.unwrap();
    let out = within("the scoped workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(
        out,
        "timer cancelled: true, activity cancelled: true, child cancelled: true, wait cancelled: true"
    );
    worker.stop().await.unwrap();
}

struct CleanupDone;
impl SignalDefinition for CleanupDone {
    const NAME: &'static str = "cleanup_done";
    type Data = ();
}

/// Waits on a condition that never holds; its cancellation ends the wait. Cleanup then waits,
/// in a non-cancellable scope, for a signal saying it is done.
struct WaitThenClean;
impl Workflow for WaitThenClean {
    const NAME: &'static str = "WaitThenClean";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let done = ctx.state(false);
        done.on_signal::<CleanupDone>(|done, ()| *done = true);
        let waited = ctx.wait_condition(|| false).await;
        let cleanup = ctx.non_cancellable(done.wait(|done| *done)).await;
        Ok(format!("wait: {waited:?}, cleanup wait: {cleanup:?}"))
    }
}

#[tokio::test]
async fn wait_condition_observes_the_workflow_cancellation() {
    let client = client().await;
    let tq = unique("wait-cancel");
    let worker = RunningWorker::start(Worker::builder(&client, &tq).register_workflow::<WaitThenClean>());
    let handle = client
        .start_workflow::<WaitThenClean>((), StartWorkflowOptions::new(unique("wait"), &tq))
        .await
        .unwrap();
    handle.cancel("stop waiting").await.unwrap();
    handle.signal::<CleanupDone>(()).await.unwrap();
    let out = within("the waiting workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(out, "wait: Err(Cancelled), cleanup wait: Ok(())");
    worker.stop().await.unwrap();
}

struct StopChild;
impl SignalDefinition for StopChild {
    const NAME: &'static str = "stop_child";
    type Data = ();
}

/// Awaits a child's result in its main routine; a signal handler cancels the child meanwhile.
struct ParentOfCancelled;
impl Workflow for ParentOfCancelled {
    const NAME: &'static str = "ParentOfCancelled";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let child = ctx.child_workflow::<WaitForCancel>(()).start().await?;
        let handler_child = child.clone();
        ctx.state(())
            .on_signal::<StopChild>(move |_, ()| handler_child.cancel());
        match child.result().await {
            Err(e) if e.is_cancelled() => {
                Ok(format!("child {} cancelled while awaited", child.workflow_id()))
            }
            other => Ok(format!("unexpected: {other:?}")),
        }
    }
}

#[tokio::test]
async fn a_child_awaited_in_the_main_routine_is_cancelled_from_a_signal_handler() {
    let client = client().await;
    let tq = unique("child-cancel");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<ParentOfCancelled>()
            .register_workflow::<WaitForCancel>(),
    );
    let handle = client
        .start_workflow::<ParentOfCancelled>((), StartWorkflowOptions::new(unique("parent"), &tq))
        .await
        .unwrap();
    wait_until("the child to start", LIMIT, || async {
        let history = handle.fetch_history().await.ok()?;
        attributes(&history)
            .iter()
            .any(|a| matches!(a, Attributes::ChildWorkflowExecutionStartedEventAttributes(_)))
            .then_some(())
    })
    .await;
    handle.signal::<StopChild>(()).await.unwrap();
    let out = within("the parent", LIMIT, handle.get_result()).await.unwrap();
    assert!(out.ends_with("cancelled while awaited"), "{out}");
    worker.stop().await.unwrap();
}

/// What the shutdown test's activity saw.
static SHUTDOWN_SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Runs until cancelled; records when it learns of the worker's shutdown and why it stops.
struct UntilShutdown;
impl ActivityDefinition for UntilShutdown {
    const NAME: &'static str = "until_shutdown";
    type Input = String;
    type Output = ();
    fn timeout() -> Option<Duration> {
        Some(Duration::from_secs(300))
    }
}
impl Activity for UntilShutdown {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, key: String) -> Result<(), ApplicationError> {
        let record = |s: String| SHUTDOWN_SEEN.lock().unwrap_or_else(|p| p.into_inner()).push(s);
        mark(&key);
        ctx.worker_shutdown().await;
        record(format!(
            "noticed the shutdown, shutting down: {}",
            ctx.is_worker_shutting_down()
        ));
        ctx.cancelled().await;
        record(format!("cancelled: {:?}", ctx.cancel_reason()));
        Err(ApplicationError::new("stopped by the worker's shutdown"))
    }
}

struct RunsUntilShutdown;
impl Workflow for RunsUntilShutdown {
    const NAME: &'static str = "RunsUntilShutdown";
    type Input = String;
    type Output = ();
    async fn run(ctx: WorkflowContext, key: String) -> WorkflowResult<()> {
        Ok(ctx.activity::<UntilShutdown>(key).await?)
    }
}

#[tokio::test]
async fn worker_shutdown_tells_running_activities_then_cancels_them_after_the_grace_period() {
    let client = client().await;
    let tq = unique("shutdown");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<RunsUntilShutdown>()
            .register_activity(UntilShutdown)
            .graceful_shutdown_period(Duration::from_secs(1)),
    );
    let key = unique("shutdown-key");
    let handle = client
        .start_workflow::<RunsUntilShutdown>(key.clone(), StartWorkflowOptions::new(unique("shutdown"), &tq))
        .await
        .unwrap();
    wait_until("the activity to run", LIMIT, || async {
        is_marked(&key).then_some(())
    })
    .await;
    let started = Instant::now();
    within("the worker's shutdown", LIMIT, worker.stop())
        .await
        .unwrap();
    let took = started.elapsed();
    let seen = SHUTDOWN_SEEN.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert_eq!(
        seen,
        vec![
            "noticed the shutdown, shutting down: true".to_string(),
            "cancelled: Some(WorkerShutdown)".to_string()
        ]
    );
    assert!(
        took >= Duration::from_millis(900),
        "the grace period was not awaited: {took:?}"
    );
    handle.terminate("test done").await.unwrap();
}

/// Calls `echo` once with the definition's defaults and once with every default cleared.
struct ClearedDefaults;
impl Workflow for ClearedDefaults {
    const NAME: &'static str = "ClearedDefaults";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.activity::<Echo>("defaults".into()).await?;
        ctx.activity::<Echo>("cleared".into())
            .retry_policy(None)
            .start_to_close_timeout(None)
            .schedule_to_close_timeout(Duration::from_secs(30))
            .await?;
        Ok(())
    }
}

#[tokio::test]
async fn per_call_options_can_clear_the_definitions_defaults() {
    let client = client().await;
    let tq = unique("cleared");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<ClearedDefaults>()
            .register_activity(Echo),
    );
    let handle = client
        .start_workflow::<ClearedDefaults>((), StartWorkflowOptions::new(unique("cleared"), &tq))
        .await
        .unwrap();
    within("the workflow", LIMIT, handle.get_result()).await.unwrap();
    let history = handle.fetch_history().await.unwrap();
    let scheduled: Vec<_> = attributes(&history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::ActivityTaskScheduledEventAttributes(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let [defaults, cleared] = scheduled.as_slice() else {
        panic!("expected two activities, got {scheduled:?}")
    };
    // The definition's defaults: the seed's 3 attempts, 60 s max interval, 60 s start-to-close.
    let policy = defaults.retry_policy.as_ref().unwrap();
    assert_eq!(policy.maximum_attempts, 3);
    assert_eq!(policy.maximum_interval.as_ref().map(|d| d.seconds), Some(60));
    assert_eq!(
        defaults.start_to_close_timeout.as_ref().map(|d| d.seconds),
        Some(60)
    );
    // Cleared: the server's defaults (unlimited attempts, 100 × the initial interval), and the
    // start-to-close timeout derived from the schedule-to-close one.
    let policy = cleared.retry_policy.as_ref().unwrap();
    assert_eq!(policy.maximum_attempts, 0);
    assert_eq!(policy.maximum_interval.as_ref().map(|d| d.seconds), Some(100));
    assert_eq!(
        cleared.start_to_close_timeout.as_ref().map(|d| d.seconds),
        Some(30)
    );
    worker.stop().await.unwrap();
}

/// Fails its first workflow task on purpose (a dependency "is not deployed yet"), then succeeds.
struct NotYet;
impl Workflow for NotYet {
    const NAME: &'static str = "NotYet";
    type Input = String;
    type Output = String;
    async fn run(_ctx: WorkflowContext, key: String) -> WorkflowResult<String> {
        if mark(&key) {
            return Err(WorkflowError::fail_task("the pricing table is not deployed yet"));
        }
        Ok("ran once the dependency was there".into())
    }
}

#[tokio::test]
async fn a_workflow_fails_its_task_on_purpose_and_the_server_retries_it() {
    let client = client().await;
    let tq = unique("fail-task");
    let worker = RunningWorker::start(Worker::builder(&client, &tq).register_workflow::<NotYet>());
    let handle = client
        .start_workflow::<NotYet>(
            unique("not-yet-key"),
            StartWorkflowOptions::new(unique("not-yet"), &tq),
        )
        .await
        .unwrap();
    let out = within("the retried workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(out, "ran once the dependency was there");
    let failures = ironflow_compat_tests::workflow_task_failures(&handle.fetch_history().await.unwrap());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("failed its workflow task on purpose: the pricing table is not deployed yet"),
        "{failures:?}"
    );
    worker.stop().await.unwrap();
}

/// Heartbeats (with or without details) on its first attempt, fails, and on its second attempt
/// reports what the server gave back.
struct HeartbeatThenFail;
impl ActivityDefinition for HeartbeatThenFail {
    const NAME: &'static str = "heartbeat_then_fail";
    type Input = bool;
    type Output = String;
    fn retry_policy() -> Option<RetryPolicy> {
        Some(RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        })
    }
    fn heartbeat_timeout() -> Option<Duration> {
        Some(Duration::from_secs(10))
    }
}
impl Activity for HeartbeatThenFail {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, with_details: bool) -> Result<String, ApplicationError> {
        if ctx.info().attempt == 1 {
            if with_details {
                ctx.heartbeat_with("half way")
                    .map_err(|e| ApplicationError::new(e.to_string()))?;
            } else {
                ctx.heartbeat();
            }
            // Give the (throttled) heartbeat time to reach the server before failing.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            return Err(ApplicationError::new("first attempt fails"));
        }
        Ok(format!("{:?}", ctx.heartbeat_details::<serde_json::Value>()))
    }
}

struct Heartbeats;
impl Workflow for Heartbeats {
    const NAME: &'static str = "Heartbeats";
    type Input = ();
    type Output = (String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String)> {
        let with = ctx.activity::<HeartbeatThenFail>(true).await?;
        let without = ctx.activity::<HeartbeatThenFail>(false).await?;
        Ok((with, without))
    }
}

#[tokio::test]
async fn a_heartbeat_without_details_records_none() {
    let client = client().await;
    let tq = unique("heartbeats");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<Heartbeats>()
            .register_activity(HeartbeatThenFail),
    );
    let (with, without) = within(
        "the heartbeating workflow",
        LIMIT,
        client.execute_workflow::<Heartbeats>((), StartWorkflowOptions::new(unique("hb"), &tq)),
    )
    .await
    .unwrap();
    assert_eq!(
        with, r#"Some(Ok(String("half way")))"#,
        "details reach the next attempt"
    );
    assert_eq!(
        without, "None",
        "a heartbeat without details records none (not a null payload)"
    );
    worker.stop().await.unwrap();
}

struct Pair;
impl SignalDefinition for Pair {
    const NAME: &'static str = "pair";
    type Data = Args<(String, u32)>;
}

struct Ping;
impl SignalDefinition for Ping {
    const NAME: &'static str = "ping";
    type Data = ();
}

struct Received;
impl QueryDefinition for Received {
    const NAME: &'static str = "received";
    type Args = ();
    type Result = Vec<String>;
}

/// Collects `pair` (two arguments) and `ping` (none) signals until it has `n`.
struct Arguments;
impl Workflow for Arguments {
    const NAME: &'static str = "Arguments";
    type Input = usize;
    type Output = Vec<String>;
    async fn run(ctx: WorkflowContext, n: usize) -> WorkflowResult<Vec<String>> {
        let seen = ctx.state(Vec::<String>::new());
        seen.on_signal::<Pair>(|s, Args((name, count))| s.push(format!("pair({name}, {count})")))
            .on_signal::<Ping>(|s, ()| s.push("ping()".into()))
            .on_query::<Received>(|s, ()| s.clone());
        seen.wait(move |s| s.len() >= n).await?;
        Ok(seen.get(Vec::clone))
    }
}

#[tokio::test]
async fn signals_and_queries_carry_zero_or_several_arguments_across_sdks() {
    let client = client().await;
    let tq = unique("arguments");
    let worker = RunningWorker::start(Worker::builder(&client, &tq).register_workflow::<Arguments>());
    let id = unique("arguments");
    let handle = client
        .start_workflow::<Arguments>(3, StartWorkflowOptions::new(&id, &tq))
        .await
        .unwrap();
    handle.signal::<Pair>(Args(("rust".into(), 2))).await.unwrap();
    handle.signal::<Ping>(()).await.unwrap();
    // The Python SDK sends `pair` with two arguments, as `handle.signal("pair", args=[..])`.
    python_script("signal_args.py", &[&id, "pair", r#"["python", 3]"#]).await;
    let out = within("the workflow", LIMIT, handle.get_result()).await.unwrap();
    assert_eq!(out, vec!["pair(rust, 2)", "ping()", "pair(python, 3)"]);
    assert_eq!(
        handle.query::<Received>(()).await.unwrap().len(),
        3,
        "a query with no argument"
    );
    let history = handle.fetch_history().await.unwrap();
    let payload_counts: Vec<(String, usize)> = attributes(&history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::WorkflowExecutionSignaledEventAttributes(s) => Some((
                s.signal_name.clone(),
                s.input.as_ref().map_or(0, |i| i.payloads.len()),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        payload_counts,
        vec![("pair".into(), 2), ("ping".into(), 0), ("pair".into(), 2)]
    );
    worker.stop().await.unwrap();
}
