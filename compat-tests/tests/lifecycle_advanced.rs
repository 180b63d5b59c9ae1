//! Child workflows, continue-as-new, cancellation, heartbeats, async completion, search
//! attributes and memo, side effects, dynamic registration and deadlock detection, on a real
//! Temporal server.

use ironflow::client::{StartWorkflowOptions, WorkflowExecutionError, WorkflowStatus};
use ironflow::converter::{FailureKind, SearchAttributeType, SearchAttributeValue, TimeoutType};
use ironflow::dynamic::DynamicInput;
use ironflow::workflow::{
    ActivityCancellationType, ChildWorkflowError, ChildWorkflowOptions, ParentClosePolicy, SignalDefinition,
    StartChildFailedCause,
};
use ironflow::{
    Activity, ActivityContext, ActivityDefinition, ActivityError, ApplicationError, RetryPolicy, Worker,
    Workflow, WorkflowContext, WorkflowError, WorkflowResult,
};
use ironflow_compat_tests::fixtures::{Echo, GreetWorkflow, fast_retries, is_marked, mark};
use ironflow_compat_tests::peers::cli;
use ironflow_compat_tests::{
    RunningWorker, attributes, client, unique, wait_until, within, workflow_task_failures,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

const LIMIT: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------- children

struct Poke;
impl SignalDefinition for Poke {
    const NAME: &'static str = "poke";
    type Data = String;
}

/// What the child does.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum ChildMode {
    Ok(String),
    Fail,
    WaitForPoke,
    SleepLong,
    ReportTimeout,
}

struct Child;
impl Workflow for Child {
    type Input = ChildMode;
    type Output = String;
    const NAME: &'static str = "ChildWorkflow";
    async fn run(ctx: WorkflowContext, mode: ChildMode) -> WorkflowResult<String> {
        match mode {
            ChildMode::Ok(s) => Ok(format!("child:{s}")),
            ChildMode::Fail => Err(ApplicationError::non_retryable("child broke")
                .with_type("ChildBoom")
                .into()),
            ChildMode::WaitForPoke => Ok(format!("poked:{}", ctx.await_signal::<Poke>().await?)),
            ChildMode::SleepLong => {
                ctx.sleep(Duration::from_secs(300)).await?;
                Ok("slept".into())
            }
            ChildMode::ReportTimeout => Ok(format!(
                "{}",
                ctx.info().execution_timeout.unwrap_or_default().as_secs()
            )),
        }
    }
}

/// What the parent does with its child.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum ParentMode {
    Result,
    FailPropagates,
    FailHandled,
    SignalChild,
    CancelChild,
    AlreadyStarted(String),
    Abandon { child_id: String, policy: String },
    InheritTimeout,
}

struct Parent;
impl Workflow for Parent {
    type Input = ParentMode;
    type Output = String;
    const NAME: &'static str = "ParentWorkflow";
    async fn run(ctx: WorkflowContext, mode: ParentMode) -> WorkflowResult<String> {
        match mode {
            ParentMode::Result => Ok(ctx.child_workflow::<Child>(ChildMode::Ok("a".into())).await?),
            ParentMode::FailPropagates => {
                ctx.child_workflow::<Child>(ChildMode::Fail).await?;
                Ok("unreachable".into())
            }
            ParentMode::FailHandled => match ctx.child_workflow::<Child>(ChildMode::Fail).await {
                Err(ChildWorkflowError::Failed(f)) => {
                    Ok(format!("handled {}", f.application_type().unwrap_or("?")))
                }
                other => Ok(format!("unexpected {other:?}")),
            },
            ParentMode::SignalChild => {
                let child = ctx
                    .child_workflow::<Child>(ChildMode::WaitForPoke)
                    .start()
                    .await?;
                child.signal::<Poke>("hi".into()).await?;
                Ok(child.result().await?)
            }
            ParentMode::CancelChild => {
                let child = ctx.child_workflow::<Child>(ChildMode::SleepLong).start().await?;
                ctx.sleep(Duration::from_millis(200)).await?;
                child.cancel();
                match child.result().await {
                    Err(ChildWorkflowError::Cancelled(_)) => Ok("child cancelled".into()),
                    other => Ok(format!("unexpected {other:?}")),
                }
            }
            ParentMode::AlreadyStarted(id) => {
                match ctx
                    .child_workflow::<Child>(ChildMode::SleepLong)
                    .id(id)
                    .start()
                    .await
                {
                    Err(ChildWorkflowError::StartFailed {
                        workflow_id,
                        cause: StartChildFailedCause::WorkflowAlreadyExists,
                        ..
                    }) => Ok(format!("already started: {workflow_id}")),
                    Ok(_) => Ok("started?".into()),
                    Err(e) => Ok(format!("unexpected {e}")),
                }
            }
            ParentMode::Abandon { child_id, policy } => {
                let policy = match policy.as_str() {
                    "terminate" => ParentClosePolicy::Terminate,
                    "abandon" => ParentClosePolicy::Abandon,
                    _ => ParentClosePolicy::RequestCancel,
                };
                let _child = ctx
                    .child_workflow::<Child>(ChildMode::SleepLong)
                    .id(child_id)
                    .options(ChildWorkflowOptions {
                        parent_close_policy: policy,
                        ..Default::default()
                    })
                    .start()
                    .await?;
                Ok("parent done".into())
            }
            ParentMode::InheritTimeout => Ok(ctx
                .child_workflow::<Child>(ChildMode::ReportTimeout)
                .options(ChildWorkflowOptions {
                    inherit_parent_timeout: true,
                    ..Default::default()
                })
                .await?),
        }
    }
}

fn family_worker(client: &ironflow::client::Client, tq: &str) -> RunningWorker {
    RunningWorker::start(
        Worker::builder(client, tq)
            .register_workflow::<Parent>()
            .register_workflow::<Child>()
            .register_workflow::<ChainWorkflow>()
            .register_workflow::<CancelAware>()
            .register_workflow::<CancelOther>()
            .register_activity(Echo)
            .register_activity(Spin),
    )
}

async fn run_parent(
    client: &ironflow::client::Client,
    tq: &str,
    mode: ParentMode,
) -> Result<String, WorkflowExecutionError> {
    let handle = client
        .start_workflow::<Parent>(mode, StartWorkflowOptions::new(unique("parent"), tq))
        .await
        .unwrap();
    within("the parent", LIMIT, handle.get_result()).await
}

#[tokio::test]
async fn child_results_failures_signals_and_cancellation() {
    let client = client().await;
    let tq = unique("children");
    let worker = family_worker(&client, &tq);

    assert_eq!(
        run_parent(&client, &tq, ParentMode::Result).await.unwrap(),
        "child:a"
    );

    // A child failure propagated with `?` fails the parent with the child's chain.
    let err = run_parent(&client, &tq, ParentMode::FailPropagates)
        .await
        .unwrap_err();
    let failure = err.failure().unwrap_or_else(|| panic!("{err}"));
    assert!(
        matches!(failure.kind, FailureKind::ChildWorkflow { ref workflow_type, .. } if workflow_type == "ChildWorkflow"),
        "{failure}"
    );
    assert_eq!(failure.application_type(), Some("ChildBoom"));
    // ... or is handled.
    assert_eq!(
        run_parent(&client, &tq, ParentMode::FailHandled).await.unwrap(),
        "handled ChildBoom"
    );

    assert_eq!(
        run_parent(&client, &tq, ParentMode::SignalChild).await.unwrap(),
        "poked:hi"
    );
    assert_eq!(
        run_parent(&client, &tq, ParentMode::CancelChild).await.unwrap(),
        "child cancelled"
    );

    // A child id that is already running: a typed start error.
    let busy = client
        .start_workflow::<Child>(
            ChildMode::SleepLong,
            StartWorkflowOptions::new(unique("busy"), &tq),
        )
        .await
        .unwrap();
    let out = run_parent(
        &client,
        &tq,
        ParentMode::AlreadyStarted(busy.workflow_id().into()),
    )
    .await
    .unwrap();
    assert_eq!(out, format!("already started: {}", busy.workflow_id()));
    busy.terminate("test done").await.unwrap();

    // inherit_parent_timeout: the child's execution timeout is the parent's remaining time.
    let handle = client
        .start_workflow::<Parent>(
            ParentMode::InheritTimeout,
            StartWorkflowOptions::new(unique("inherit"), &tq).execution_timeout(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let secs: u64 = within("inherit", LIMIT, handle.get_result())
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&secs), "child timeout {secs}s");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn parent_close_policies_are_observed_on_the_child() {
    let client = client().await;
    let tq = unique("parent-close");
    let worker = family_worker(&client, &tq);
    let mut children = Vec::new();
    for policy in ["terminate", "abandon", "request_cancel"] {
        let child_id = unique(&format!("child-{policy}"));
        let out = run_parent(
            &client,
            &tq,
            ParentMode::Abandon {
                child_id: child_id.clone(),
                policy: policy.into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(out, "parent done");
        children.push((policy, client.workflow_handle::<String>(child_id, None)));
    }
    for (policy, child) in &children {
        let expected = match *policy {
            "terminate" => WorkflowStatus::Terminated,
            "abandon" => WorkflowStatus::Running,
            _ => WorkflowStatus::Cancelled,
        };
        wait_until(
            &format!("the {policy} child to be {expected:?}"),
            LIMIT,
            || async {
                let status = child.describe().await.ok()?.status;
                (status == expected).then_some(())
            },
        )
        .await;
    }
    children[1].1.terminate("test done").await.unwrap();
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- continue-as-new

struct ChainWorkflow;
impl Workflow for ChainWorkflow {
    type Input = (u32, Vec<String>);
    type Output = Vec<String>;
    const NAME: &'static str = "ChainWorkflow";
    async fn run(ctx: WorkflowContext, (run, mut seen): (u32, Vec<String>)) -> WorkflowResult<Vec<String>> {
        seen.push(format!("run{run}:{}", ctx.info().continued_from_run_id.is_some()));
        if run < 2 {
            return Err(ctx.continue_as_new((run + 1, seen)));
        }
        Ok(seen)
    }
}

#[tokio::test]
async fn continue_as_new_chain_of_three_runs_carries_state() {
    let client = client().await;
    let tq = unique("can");
    let worker = family_worker(&client, &tq);
    let handle = client
        .start_workflow::<ChainWorkflow>((0, vec![]), StartWorkflowOptions::new(unique("chain"), &tq))
        .await
        .unwrap();
    let out = within("the chain", LIMIT, handle.get_result()).await.unwrap();
    assert_eq!(out, vec!["run0:false", "run1:true", "run2:true"]);
    let runs = wait_until("three runs in visibility", LIMIT, || async {
        let runs = client
            .list_workflows(&format!("WorkflowId = '{}'", handle.workflow_id()))
            .await
            .ok()?;
        (runs.len() == 3).then_some(runs)
    })
    .await;
    let continued = runs
        .iter()
        .filter(|r| r.status == WorkflowStatus::ContinuedAsNew)
        .count();
    assert_eq!(continued, 2);
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- cancellation

/// Heartbeats every 50 ms until cancelled; returns the number of beats if never cancelled.
struct Spin;
impl ActivityDefinition for Spin {
    const NAME: &'static str = "spin";
    type Input = String;
    type Output = u32;
    fn retry_policy() -> Option<RetryPolicy> {
        Some(RetryPolicy::no_retries())
    }
}
impl Activity for Spin {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, key: String) -> Result<u32, ApplicationError> {
        mark(&format!("{key}-started"));
        for beat in 0..2000 {
            if ctx.is_cancelled() {
                mark(&format!("{key}-saw-cancel"));
                return Err(ApplicationError::new("cancelled while spinning"));
            }
            let _ = ctx.heartbeat_with(beat);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(2000)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum CancelTarget {
    Timer,
    Activity { key: String, cancellation: String },
    Child,
}

/// Waits on a timer, an activity or a child until the workflow is cancelled, then runs a
/// cleanup activity in a non-cancellable scope and reports itself cancelled.
struct CancelAware;
impl Workflow for CancelAware {
    type Input = CancelTarget;
    type Output = String;
    const NAME: &'static str = "CancelAware";
    async fn run(ctx: WorkflowContext, target: CancelTarget) -> WorkflowResult<String> {
        let outcome = match target {
            CancelTarget::Timer => match ctx.sleep(Duration::from_secs(300)).await {
                Ok(()) => "timer fired".to_string(),
                Err(_) => "timer cancelled".to_string(),
            },
            CancelTarget::Activity { key, cancellation } => {
                let cancellation = match cancellation.as_str() {
                    "try" => ActivityCancellationType::TryCancel,
                    "wait" => ActivityCancellationType::WaitCancellationCompleted,
                    _ => ActivityCancellationType::Abandon,
                };
                match ctx
                    .activity::<Spin>(key)
                    .heartbeat_timeout(Duration::from_secs(5))
                    .cancellation_type(cancellation)
                    .await
                {
                    Ok(_) => "activity finished".to_string(),
                    Err(ActivityError::Cancelled(_)) => "activity cancelled".to_string(),
                    Err(e) => format!("activity failed: {e}"),
                }
            }
            CancelTarget::Child => match ctx.child_workflow::<Child>(ChildMode::SleepLong).await {
                Err(ChildWorkflowError::Cancelled(_)) => "child cancelled".to_string(),
                other => format!("unexpected {other:?}"),
            },
        };
        // Cleanup still runs: this scope is not cancelled.
        let cleaned = ctx
            .non_cancellable(ctx.activity::<Echo>(format!("cleanup after {outcome}")))
            .await?;
        assert!(ctx.is_cancel_requested());
        let _ = cleaned;
        Err(WorkflowError::Cancelled)
    }
}

/// Asks the server to cancel another workflow.
struct CancelOther;
impl Workflow for CancelOther {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "CancelOther";
    async fn run(ctx: WorkflowContext, target: String) -> WorkflowResult<String> {
        ctx.external_workflow(target)
            .cancel("asked by CancelOther")
            .await?;
        Ok("requested".into())
    }
}

fn kinds(history: &temporalio_common::protos::temporal::api::history::v1::History) -> Vec<&'static str> {
    attributes(history)
        .into_iter()
        .map(|a| match a {
            Attributes::TimerCanceledEventAttributes(_) => "TimerCanceled",
            Attributes::ActivityTaskCancelRequestedEventAttributes(_) => "ActivityCancelRequested",
            Attributes::ActivityTaskCanceledEventAttributes(_) => "ActivityCanceled",
            Attributes::WorkflowExecutionCancelRequestedEventAttributes(_) => "CancelRequested",
            Attributes::WorkflowExecutionCanceledEventAttributes(_) => "WorkflowCanceled",
            Attributes::ActivityTaskScheduledEventAttributes(_) => "ActivityScheduled",
            Attributes::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(_) => {
                "RequestCancelChild"
            }
            _ => "",
        })
        .filter(|k| !k.is_empty())
        .collect()
}

async fn start_cancel_aware(
    client: &ironflow::client::Client,
    tq: &str,
    target: CancelTarget,
) -> ironflow::client::WorkflowHandle<String> {
    client
        .start_workflow::<CancelAware>(target, StartWorkflowOptions::new(unique("cancel"), tq))
        .await
        .unwrap()
}

/// The cleanup activity's input, from history.
fn cleanup_input(history: &temporalio_common::protos::temporal::api::history::v1::History) -> String {
    attributes(history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::ActivityTaskScheduledEventAttributes(s)
                if s.activity_type.as_ref().unwrap().name == "echo" =>
            {
                Some(
                    ironflow::converter::from_payloads::<String>(&s.input.as_ref().unwrap().payloads)
                        .unwrap(),
                )
            }
            _ => None,
        })
        .next_back()
        .unwrap_or_default()
}

#[tokio::test]
async fn cancelling_a_workflow_waiting_on_a_timer_runs_cleanup() {
    let client = client().await;
    let tq = unique("cancel-timer");
    let worker = family_worker(&client, &tq);
    let handle = start_cancel_aware(&client, &tq, CancelTarget::Timer).await;
    wait_until("the timer to start", LIMIT, || async {
        let h = handle.fetch_history().await.ok()?;
        attributes(&h)
            .iter()
            .any(|a| matches!(a, Attributes::TimerStartedEventAttributes(_)))
            .then_some(())
    })
    .await;
    handle.cancel("test").await.unwrap();
    let err = within("the cancelled workflow", LIMIT, handle.get_result())
        .await
        .unwrap_err();
    assert!(matches!(err, WorkflowExecutionError::Cancelled { .. }), "{err}");
    let history = handle.fetch_history().await.unwrap();
    let k = kinds(&history);
    assert!(
        k.contains(&"TimerCanceled") && k.ends_with(&["WorkflowCanceled"]),
        "{k:?}"
    );
    assert_eq!(cleanup_input(&history), "cleanup after timer cancelled");
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn cancelling_a_workflow_waiting_on_an_activity_for_each_cancellation_type() {
    let client = client().await;
    let tq = unique("cancel-act");
    let worker = family_worker(&client, &tq);
    for cancellation in ["try", "wait", "abandon"] {
        let key = unique(cancellation);
        let handle = start_cancel_aware(
            &client,
            &tq,
            CancelTarget::Activity {
                key: key.clone(),
                cancellation: cancellation.into(),
            },
        )
        .await;
        wait_until("the activity to start", LIMIT, || async {
            is_marked(&format!("{key}-started")).then_some(())
        })
        .await;
        handle.cancel("test").await.unwrap();
        within("the cancelled workflow", LIMIT, handle.get_result())
            .await
            .unwrap_err();
        let history = handle.fetch_history().await.unwrap();
        let k = kinds(&history);
        assert_eq!(
            cleanup_input(&history),
            "cleanup after activity cancelled",
            "{cancellation}"
        );
        match cancellation {
            // The activity heard of the cancellation (through its heartbeat) and acknowledged it
            // before the workflow went on: its cancellation is recorded before the cleanup.
            "wait" => {
                assert!(is_marked(&format!("{key}-saw-cancel")));
                let canceled = k
                    .iter()
                    .position(|x| *x == "ActivityCanceled")
                    .expect("ActivityCanceled");
                let cleanup = k.iter().rposition(|x| *x == "ActivityScheduled").unwrap();
                assert!(canceled < cleanup, "{k:?}");
            }
            // The cancellation was requested, but the workflow did not wait for it.
            "try" => assert!(k.contains(&"ActivityCancelRequested"), "{k:?}"),
            // The activity was not even told.
            _ => assert!(!k.contains(&"ActivityCancelRequested"), "{k:?}"),
        }
    }
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn cancelling_a_workflow_cancels_its_child_and_external_cancellation() {
    let client = client().await;
    let tq = unique("cancel-child");
    let worker = family_worker(&client, &tq);
    let handle = start_cancel_aware(&client, &tq, CancelTarget::Child).await;
    let child_id = wait_until("the child to start", LIMIT, || async {
        let h = handle.fetch_history().await.ok()?;
        attributes(&h).into_iter().find_map(|a| match a {
            Attributes::ChildWorkflowExecutionStartedEventAttributes(c) => {
                Some(c.workflow_execution.as_ref()?.workflow_id.clone())
            }
            _ => None,
        })
    })
    .await;
    handle.cancel("test").await.unwrap();
    within("the cancelled parent", LIMIT, handle.get_result())
        .await
        .unwrap_err();
    assert_eq!(
        cleanup_input(&handle.fetch_history().await.unwrap()),
        "cleanup after child cancelled"
    );
    let child = client.workflow_handle::<String>(child_id, None);
    assert_eq!(child.describe().await.unwrap().status, WorkflowStatus::Cancelled);

    // One workflow asks the server to cancel another (not its child).
    let victim = start_cancel_aware(&client, &tq, CancelTarget::Timer).await;
    let out = client
        .execute_workflow::<CancelOther>(
            victim.workflow_id().to_string(),
            StartWorkflowOptions::new(unique("canceller"), &tq),
        )
        .await
        .unwrap();
    assert_eq!(out, "requested");
    let err = within("the victim", LIMIT, victim.get_result())
        .await
        .unwrap_err();
    assert!(matches!(err, WorkflowExecutionError::Cancelled { .. }), "{err}");
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- heartbeats, async completion

/// Counts to 5, heartbeating each step; on attempt 1 it fails after step 3. Returns
/// (attempt, the step it resumed from).
struct Resume;
impl ActivityDefinition for Resume {
    const NAME: &'static str = "resume";
    type Input = ();
    type Output = (u32, u32);
    fn retry_policy() -> Option<RetryPolicy> {
        Some(fast_retries(3))
    }
}
impl Activity for Resume {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(u32, u32), ApplicationError> {
        let from = ctx
            .heartbeat_details::<u32>()
            .transpose()
            .map_err(|e| ApplicationError::non_retryable(e.to_string()))?
            .unwrap_or(0);
        for step in from..5 {
            let _ = ctx.heartbeat_with(step + 1);
            if ctx.info().attempt == 1 && step == 2 {
                // Let the throttled heartbeat reach the server before failing.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                return Err(ApplicationError::new("transient failure after step 3"));
            }
        }
        Ok((ctx.info().attempt, from))
    }
}

/// Heartbeats once then, on attempt 1, stops heartbeating for longer than its heartbeat timeout.
struct GoesQuiet;
impl ActivityDefinition for GoesQuiet {
    const NAME: &'static str = "goes_quiet";
    type Input = ();
    type Output = u32;
    fn retry_policy() -> Option<RetryPolicy> {
        Some(fast_retries(3))
    }
}
impl Activity for GoesQuiet {
    type Error = std::convert::Infallible;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<u32, Self::Error> {
        let _ = ctx.heartbeat_with("alive");
        if ctx.info().attempt == 1 {
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        Ok(ctx.info().attempt)
    }
}

/// Task tokens of activities completing asynchronously, by key.
static TOKENS: LazyLock<Mutex<HashMap<String, Vec<u8>>>> = LazyLock::new(Default::default);

/// Hands its task token to the test and completes asynchronously.
struct Deferred;
impl ActivityDefinition for Deferred {
    const NAME: &'static str = "deferred";
    type Input = String;
    type Output = String;
}
impl Activity for Deferred {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, key: String) -> Result<String, ApplicationError> {
        TOKENS.lock().unwrap().insert(key, ctx.info().task_token.clone());
        ctx.complete_async();
        Err(ApplicationError::new("completed elsewhere"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum HeartbeatCase {
    Resume,
    GoesQuiet,
    Deferred(String),
}

struct HeartbeatWorkflow;
impl Workflow for HeartbeatWorkflow {
    type Input = HeartbeatCase;
    type Output = String;
    const NAME: &'static str = "HeartbeatWorkflow";
    async fn run(ctx: WorkflowContext, case: HeartbeatCase) -> WorkflowResult<String> {
        Ok(match case {
            HeartbeatCase::Resume => {
                let (attempt, from) = ctx
                    .activity::<Resume>(())
                    .heartbeat_timeout(Duration::from_secs(10))
                    .await?;
                format!("attempt {attempt} resumed from {from}")
            }
            HeartbeatCase::GoesQuiet => {
                let attempt = ctx
                    .activity::<GoesQuiet>(())
                    .heartbeat_timeout(Duration::from_secs(1))
                    .await?;
                format!("attempt {attempt}")
            }
            HeartbeatCase::Deferred(key) => ctx.activity::<Deferred>(key).await?,
        })
    }
}

#[tokio::test]
async fn heartbeats_survive_retries_time_out_and_activities_complete_asynchronously() {
    let client = client().await;
    let tq = unique("heartbeat");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<HeartbeatWorkflow>()
            .register_activity(Resume)
            .register_activity(GoesQuiet)
            .register_activity(Deferred),
    );
    let run = |case| {
        let client = client.clone();
        let tq = tq.clone();
        async move {
            let h = client
                .start_workflow::<HeartbeatWorkflow>(case, StartWorkflowOptions::new(unique("hb"), &tq))
                .await
                .unwrap();
            (
                h.clone(),
                within("the heartbeat workflow", LIMIT, h.get_result()).await,
            )
        }
    };
    // The second attempt reads the last heartbeat of the first.
    let (_, out) = run(HeartbeatCase::Resume).await;
    assert_eq!(out.unwrap(), "attempt 2 resumed from 3");

    // A missed heartbeat times the attempt out; the retry succeeds.
    let (h, out) = run(HeartbeatCase::GoesQuiet).await;
    assert_eq!(out.unwrap(), "attempt 2");
    let history = h.fetch_history().await.unwrap();
    let last_failure = attributes(&history).into_iter().find_map(|a| match a {
        Attributes::ActivityTaskStartedEventAttributes(s) => s.last_failure.clone(),
        _ => None,
    });
    let last_failure =
        ironflow::converter::Failure::from_proto(&last_failure.expect("lastFailure on the retried attempt"));
    assert_eq!(
        last_failure.timeout_type(),
        Some(TimeoutType::Heartbeat),
        "{last_failure}"
    );

    // Completed from outside the worker, by task token.
    let key = unique("deferred");
    let handle = client
        .start_workflow::<HeartbeatWorkflow>(
            HeartbeatCase::Deferred(key.clone()),
            StartWorkflowOptions::new(unique("hb"), &tq),
        )
        .await
        .unwrap();
    let token = wait_until("the task token", LIMIT, || async {
        TOKENS.lock().unwrap().get(&key).cloned()
    })
    .await;
    let activity = client.async_activity_handle(token);
    assert!(!activity.heartbeat(&"still working").await.unwrap());
    activity.complete(&"done elsewhere").await.unwrap();
    assert_eq!(
        within("the deferred workflow", LIMIT, handle.get_result())
            .await
            .unwrap(),
        "done elsewhere"
    );
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- search attributes, memo

struct Tagged;
impl Workflow for Tagged {
    type Input = String;
    type Output = Vec<String>;
    const NAME: &'static str = "TaggedWorkflow";
    async fn run(ctx: WorkflowContext, tag: String) -> WorkflowResult<Vec<String>> {
        ctx.upsert_search_attributes(
            [(
                "CustomKeywordField".to_string(),
                SearchAttributeValue::Keyword(tag),
            )]
            .into(),
        )?;
        ctx.upsert_memo([("stage".to_string(), serde_json::json!("tagged"))].into())?;
        let mut seen: Vec<String> = ctx.search_attributes().keys().cloned().collect();
        seen.extend(ctx.memo().keys().map(|k| format!("memo:{k}")));
        Ok(seen)
    }
}

#[tokio::test]
async fn search_attributes_and_memo_are_set_upserted_and_queryable() {
    let client = client().await;
    client
        .ensure_search_attributes(&[
            ("CustomKeywordField", SearchAttributeType::Keyword),
            ("CustomIntField", SearchAttributeType::Int),
        ])
        .await
        .unwrap();
    let tq = unique("sa");
    let worker = RunningWorker::start(Worker::builder(&client, &tq).register_workflow::<Tagged>());
    let tag = unique("tag");
    let handle = client
        .start_workflow::<Tagged>(
            tag.clone(),
            StartWorkflowOptions::new(unique("tagged"), &tq)
                .search_attribute("CustomIntField", SearchAttributeValue::Int(7))
                .memo_field("origin", serde_json::json!({"by": "test"})),
        )
        .await
        .unwrap();
    let seen = within("the tagged workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(
        seen,
        vec![
            "CustomIntField",
            "CustomKeywordField",
            "memo:origin",
            "memo:stage"
        ]
    );

    let d = handle.describe().await.unwrap();
    assert_eq!(
        d.search_attributes.get("CustomKeywordField"),
        Some(&SearchAttributeValue::Keyword(tag.clone()))
    );
    assert_eq!(
        d.search_attributes.get("CustomIntField"),
        Some(&SearchAttributeValue::Int(7))
    );
    assert_eq!(d.memo.get("origin"), Some(&serde_json::json!({"by": "test"})));
    assert_eq!(d.memo.get("stage"), Some(&serde_json::json!("tagged")));

    let query = format!("WorkflowType='TaggedWorkflow' AND CustomKeywordField='{tag}'");
    let listed = wait_until("visibility to index the workflow", LIMIT, || async {
        let l = client.list_workflows(&query).await.ok()?;
        (l.len() == 1).then_some(l)
    })
    .await;
    assert_eq!(listed[0].workflow_id, handle.workflow_id());
    assert_eq!(client.count_workflows(&query).await.unwrap(), 1);
    let out = cli(&["workflow", "list", "--query", &query, "--output", "json"]).await;
    assert!(out.contains(handle.workflow_id()), "{out}");
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- side effects, dynamic

static SIDE_EFFECT_RUNS: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Default::default);

struct SideEffects;
impl Workflow for SideEffects {
    type Input = String;
    type Output = (u64, u64, u64);
    const NAME: &'static str = "SideEffects";
    async fn run(ctx: WorkflowContext, key: String) -> WorkflowResult<(u64, u64, u64)> {
        let k = key.clone();
        let first: u64 = ctx
            .side_effect(move || {
                *SIDE_EFFECT_RUNS.lock().unwrap().entry(k).or_default() += 1;
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            .await?;
        ctx.sleep(Duration::from_millis(100)).await?;
        // After the timer the run replays from the start (no cache): `first` must come back the same.
        let again = first;
        let k = key.clone();
        let second: u64 = ctx
            .side_effect(move || {
                *SIDE_EFFECT_RUNS.lock().unwrap().entry(k).or_default() += 1;
                42
            })
            .await?;
        Ok((first, again, second))
    }
}

#[tokio::test]
async fn side_effects_run_once_and_replay_their_recorded_value() {
    let client = client().await;
    let tq = unique("side");
    // Only a workflow is registered (no activities), and the cache is off: every task replays.
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<SideEffects>()
            .max_cached_workflows(0),
    );
    let key = unique("se");
    let handle = client
        .start_workflow::<SideEffects>(key.clone(), StartWorkflowOptions::new(unique("side"), &tq))
        .await
        .unwrap();
    let (first, again, second) = within("the side effects", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(second, 42);
    assert_eq!(
        SIDE_EFFECT_RUNS.lock().unwrap().get(&key),
        Some(&2),
        "each closure runs exactly once"
    );
    worker.stop().await.unwrap();
}

async fn any_workflow(ctx: WorkflowContext, input: DynamicInput) -> WorkflowResult<serde_json::Value> {
    let args: serde_json::Value = input.decode()?;
    let from_activity: serde_json::Value = ctx
        .activity_by_name("whatever_activity", args)
        .start_to_close_timeout(Duration::from_secs(10))
        .await?;
    Ok(serde_json::json!({ "workflow": input.type_name, "activity": from_activity }))
}

async fn any_activity(
    _ctx: ActivityContext,
    input: DynamicInput,
) -> Result<serde_json::Value, ApplicationError> {
    let args: serde_json::Value = input
        .decode()
        .map_err(|e| ApplicationError::non_retryable(e.to_string()))?;
    Ok(serde_json::json!({ "type": input.type_name, "args": args }))
}

#[tokio::test]
async fn dynamic_workflows_and_activities_catch_unregistered_types() {
    let client = client().await;
    let tq = unique("dynamic");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<GreetWorkflow>()
            .register_activity(Echo)
            .register_dynamic_workflow(any_workflow)
            .register_dynamic_activity(any_activity),
    );
    let handle = client
        .start_workflow_by_name::<_, serde_json::Value>(
            "AnythingAtAll",
            serde_json::json!({"x": 1}),
            StartWorkflowOptions::new(unique("dyn"), &tq),
        )
        .await
        .unwrap();
    let out = within("the dynamic workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(
        out,
        serde_json::json!({"workflow": "AnythingAtAll", "activity": {"type": "whatever_activity", "args": {"x": 1}}})
    );
    // Registered types still go to their own implementations.
    let greeting = client
        .execute_workflow::<GreetWorkflow>("dyn".into(), StartWorkflowOptions::new(unique("greet"), &tq))
        .await
        .unwrap();
    assert_eq!(greeting, "Hello, dyn!");
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- deadlock detection

struct Blocker;
impl Workflow for Blocker {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "Blocker";
    async fn run(ctx: WorkflowContext, key: String) -> WorkflowResult<String> {
        if mark(&format!("block-{key}")) {
            // Well past the 2 s deadlock limit, so a loaded machine still sees it.
            std::thread::sleep(Duration::from_secs(6));
        }
        Ok(ctx.activity::<Echo>("unblocked".to_string()).await?)
    }
}

#[tokio::test]
async fn a_deadlocked_workflow_fails_its_task_and_the_worker_keeps_serving() {
    let client = client().await;
    let tq = unique("deadlock");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<Blocker>()
            .register_workflow::<GreetWorkflow>()
            .register_activity(Echo),
    );
    let blocker = client
        .start_workflow::<Blocker>(unique("k"), StartWorkflowOptions::new(unique("blocker"), &tq))
        .await
        .unwrap();
    let message = wait_until("the deadlock to be reported", LIMIT, || async {
        workflow_task_failures(&blocker.fetch_history().await.ok()?)
            .into_iter()
            .next()
    })
    .await;
    assert!(
        message.contains("deadlock detected: workflow `Blocker`"),
        "{message}"
    );
    // Other workflows keep being served while the blocked thread is still asleep.
    let greeting = within(
        "another workflow",
        LIMIT,
        client.execute_workflow::<GreetWorkflow>(
            "still here".into(),
            StartWorkflowOptions::new(unique("greet"), &tq),
        ),
    )
    .await
    .unwrap();
    assert_eq!(greeting, "Hello, still here!");
    // The blocked workflow's retried task (not blocking this time) completes it.
    assert_eq!(
        within("the blocker", LIMIT, blocker.get_result()).await.unwrap(),
        "unblocked"
    );
    worker.stop().await.unwrap();
}

// ---------------------------------------------------------------- replay of these histories

#[tokio::test]
async fn histories_of_these_workflows_round_trip_and_replay() {
    use ironflow_compat_tests::{check_history, temp_dir};
    let client = client().await;
    let tq = unique("adv-replay");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<Parent>()
            .register_workflow::<Child>()
            .register_workflow::<ChainWorkflow>()
            .register_workflow::<CancelAware>()
            .register_workflow::<HeartbeatWorkflow>()
            .register_workflow::<Tagged>()
            .register_workflow::<SideEffects>()
            .register_activity(Echo)
            .register_activity(Resume)
            .register_dynamic_workflow(any_workflow)
            .register_dynamic_activity(any_activity),
    );
    let opts = |p: &str| StartWorkflowOptions::new(unique(p), &tq);
    let parent = client
        .start_workflow::<Parent>(ParentMode::SignalChild, opts("p"))
        .await
        .unwrap();
    let chain = client
        .start_workflow::<ChainWorkflow>((0, vec![]), opts("chain"))
        .await
        .unwrap();
    let resume = client
        .start_workflow::<HeartbeatWorkflow>(HeartbeatCase::Resume, opts("hb"))
        .await
        .unwrap();
    let tagged = client
        .start_workflow::<Tagged>(unique("t"), opts("tag"))
        .await
        .unwrap();
    let side = client
        .start_workflow::<SideEffects>(unique("s"), opts("side"))
        .await
        .unwrap();
    let dynamic = client
        .start_workflow_by_name::<_, serde_json::Value>("Whatever", 1, opts("dyn"))
        .await
        .unwrap();
    let cancelled = client
        .start_workflow::<CancelAware>(CancelTarget::Timer, opts("cancel"))
        .await
        .unwrap();
    within("parent", LIMIT, parent.get_result()).await.unwrap();
    within("chain", LIMIT, chain.get_result()).await.unwrap();
    within("resume", LIMIT, resume.get_result()).await.unwrap();
    within("tagged", LIMIT, tagged.get_result()).await.unwrap();
    within("side", LIMIT, side.get_result()).await.unwrap();
    within("dynamic", LIMIT, dynamic.get_result()).await.unwrap();
    wait_until("the timer to start", LIMIT, || async {
        let h = cancelled.fetch_history().await.ok()?;
        attributes(&h)
            .iter()
            .any(|a| matches!(a, Attributes::TimerStartedEventAttributes(_)))
            .then_some(())
    })
    .await;
    cancelled.cancel("test").await.unwrap();
    within("cancelled", LIMIT, cancelled.get_result())
        .await
        .unwrap_err();
    worker.stop().await.unwrap();

    let replayer = ironflow::replay::Replayer::new()
        .register_workflow::<Parent>()
        .register_workflow::<Child>()
        .register_workflow::<ChainWorkflow>()
        .register_workflow::<CancelAware>()
        .register_workflow::<HeartbeatWorkflow>()
        .register_workflow::<Tagged>()
        .register_workflow::<SideEffects>()
        .register_dynamic_workflow(any_workflow);
    let dir = temp_dir("adv-histories");
    check_history(&parent, &replayer, &dir).await;
    check_history(&chain, &replayer, &dir).await;
    check_history(&resume, &replayer, &dir).await;
    check_history(&tagged, &replayer, &dir).await;
    check_history(&side, &replayer, &dir).await;
    check_history(&dynamic, &replayer, &dir).await;
    check_history(&cancelled, &replayer, &dir).await;
}

#[tokio::test]
async fn the_raw_services_answer_calls_the_client_has_no_method_for() {
    use temporalio_common::protos::temporal::api::operatorservice::v1::ListSearchAttributesRequest;
    use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
    let client = client().await;
    let info = client
        .workflow_service()
        .get_system_info(tonic::Request::new(GetSystemInfoRequest::default()))
        .await
        .expect("GetSystemInfo through the raw workflow service")
        .into_inner();
    assert!(!info.server_version.is_empty(), "the server names its version");
    let attributes = client
        .operator_service()
        .list_search_attributes(tonic::Request::new(ListSearchAttributesRequest {
            namespace: client.namespace().to_string(),
        }))
        .await
        .expect("ListSearchAttributes through the raw operator service")
        .into_inner();
    assert!(
        attributes.custom_attributes.contains_key("CustomKeywordField"),
        "the test server's custom search attributes: {:?}",
        attributes.custom_attributes.keys().collect::<Vec<_>>()
    );
}
