//! Workflow API tests against the executor: no server, synthetic activations.

use crate::activity::ActivityDefinition;
use crate::converter::{from_payload, to_payload};
use crate::executor::registry::WorkflowRegistry;
use crate::executor::run::RunEnvironment;
use crate::executor::threads::WorkflowThreads;
use crate::workflow::registration::register;
use crate::workflow::{
    SignalDefinition, UpdateDefinition, Workflow, WorkflowContext, WorkflowError, WorkflowResult,
};
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::protos::coresdk::{
    activity_result::{self, ActivityResolution, activity_resolution},
    workflow_activation::{
        CancelWorkflow, FireTimer, InitializeWorkflow, QueryWorkflow, RemoveFromCache, ResolveActivity,
        WorkflowActivation, WorkflowActivationJob, workflow_activation_job::Variant as Job,
    },
    workflow_commands::{query_result, workflow_command::Variant as Cmd},
    workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion::Status},
};

struct Echo;
impl ActivityDefinition for Echo {
    const NAME: &'static str = "echo";
    type Input = String;
    type Output = String;
}

/// timer(1) → activity + timer(2) joined → result.
struct Sequenced;
impl Workflow for Sequenced {
    const NAME: &'static str = "Sequenced";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_secs(1)).await?;
        let (a, slept) = futures::join!(
            ctx.activity::<Echo>("x".into()),
            ctx.sleep(Duration::from_secs(2))
        );
        slept?;
        Ok(a?)
    }
}

/// Races an activity against a timer; the loser is dropped (and so cancelled).
struct Race;
impl Workflow for Race {
    const NAME: &'static str = "Race";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let act = ctx.activity::<Echo>("slow".into());
        let timer = ctx.sleep(Duration::from_secs(5));
        Ok(match futures::future::select(act, timer).await {
            futures::future::Either::Left(_) => "activity".to_string(),
            futures::future::Either::Right(_) => "timer".to_string(),
        })
    }
}

/// The test's side of [`ThreadWake`]'s thread: `go` releases the thread, `done` reports that it
/// has woken the workflow.
type WakeChannels = (std::sync::mpsc::Receiver<()>, std::sync::mpsc::Sender<()>);
static WAKE_CHANNELS: std::sync::Mutex<Option<WakeChannels>> = std::sync::Mutex::new(None);

/// Waits on a channel fed by a thread: a wake from outside the SDK.
struct ThreadWake;
impl Workflow for ThreadWake {
    const NAME: &'static str = "ThreadWake";
    type Input = ();
    type Output = ();
    async fn run(_ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let (go, done) = WAKE_CHANNELS
            .lock()
            .unwrap()
            .take()
            .expect("the test sets the channels");
        std::thread::spawn(move || {
            let _ = go.recv();
            let _ = tx.send(());
            let _ = done.send(());
        });
        let _ = rx.await;
        Ok(())
    }
}

/// Uses a tokio timer: panics (no tokio runtime on workflow threads).
struct TokioSleep;
impl Workflow for TokioSleep {
    const NAME: &'static str = "TokioSleep";
    type Input = ();
    type Output = ();
    async fn run(_ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Ok(())
    }
}

/// Waits for cancellation, then reports itself cancelled.
struct Cancellable;
impl Workflow for Cancellable {
    const NAME: &'static str = "Cancellable";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.cancelled().await;
        Err(WorkflowError::Cancelled)
    }
}

struct Double;
impl UpdateDefinition for Double {
    const NAME: &'static str = "double";
    type Args = u32;
    type Result = u32;
}
struct Tick;
impl SignalDefinition for Tick {
    const NAME: &'static str = "tick";
    type Data = u32;
}

/// Registers an update handler, then after a timer collects `tick` signals with a handler
/// registered late, into state shared with the handlers.
struct Messages;
impl Workflow for Messages {
    const NAME: &'static str = "Messages";
    type Input = ();
    type Output = Vec<u32>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<u32>> {
        let seen = ctx.state(Vec::<u32>::new());
        seen.on_update::<Double>(|_, x| Ok(x * 2));
        ctx.sleep(Duration::from_secs(1)).await?;
        seen.on_signal::<Tick>(|seen, n| seen.push(n));
        seen.wait(|s| s.len() >= 3).await?;
        Ok(seen.get(Vec::clone))
    }
}

/// After its cancellation, cleans up with a timer and an activity passed directly to
/// `non_cancellable` (they must still be sent), and a plain timer (which must not be).
struct Cleanup;
impl Workflow for Cleanup {
    const NAME: &'static str = "Cleanup";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let plain = ctx.sleep(Duration::from_secs(3));
        let waited = ctx.sleep(Duration::from_secs(60)).await;
        assert!(waited.is_err(), "the workflow's cancellation cancels the timer");
        assert!(
            plain.await.is_err(),
            "a timer first polled after the cancellation is never sent"
        );
        assert!(
            ctx.wait_condition(|| false).await.is_err(),
            "a wait observes the cancellation"
        );
        ctx.non_cancellable(ctx.sleep(Duration::from_secs(5))).await?;
        ctx.non_cancellable(ctx.activity::<Echo>("undo".into())).await?;
        Err(WorkflowError::Cancelled)
    }
}

/// Runs a timer and an activity in a scope and cancels the scope when another timer fires.
struct Scoped;
impl Workflow for Scoped {
    const NAME: &'static str = "Scoped";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let scope = ctx.cancellation_scope();
        let inner = scope.run(async {
            let (t, a) = futures::join!(
                ctx.sleep(Duration::from_secs(10)),
                ctx.activity::<Echo>("x".into())
            );
            let nested = ctx.cancellation_scope().run(ctx.wait_condition(|| false)).await;
            (t.is_err(), a.is_err(), nested.is_err())
        });
        let deadline = ctx.sleep(Duration::from_secs(1));
        futures::pin_mut!(inner);
        match futures::future::select(inner, deadline).await {
            futures::future::Either::Left(_) => Ok("inner finished first".into()),
            futures::future::Either::Right((_, inner)) => {
                scope.cancel();
                let (t, a, nested) = inner.await;
                Ok(format!(
                    "timer cancelled {t}, activity cancelled {a}, nested wait cancelled {nested}"
                ))
            }
        }
    }
}

/// Fails its workflow task on purpose.
struct NotYet;
impl Workflow for NotYet {
    const NAME: &'static str = "NotYet";
    type Input = ();
    type Output = ();
    async fn run(_ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        Err(WorkflowError::fail_task("the pricing table is not deployed yet"))
    }
}

/// Declares its own versioning behaviour.
struct Pinned;
impl Workflow for Pinned {
    const NAME: &'static str = "Pinned";
    type Input = ();
    type Output = ();
    fn versioning_behavior() -> Option<crate::workflow::VersioningBehavior> {
        Some(crate::workflow::VersioningBehavior::Pinned)
    }
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(())
    }
}

fn threads() -> WorkflowThreads {
    let mut reg = WorkflowRegistry::default();
    register::<Messages>(&mut reg);
    register::<Sequenced>(&mut reg);
    register::<Race>(&mut reg);
    register::<ThreadWake>(&mut reg);
    register::<TokioSleep>(&mut reg);
    register::<Cancellable>(&mut reg);
    register::<Cleanup>(&mut reg);
    register::<Scoped>(&mut reg);
    register::<NotYet>(&mut reg);
    register::<Pinned>(&mut reg);
    let env = RunEnvironment::plain("default", "tq");
    WorkflowThreads::start(1, Arc::new(reg), env).unwrap()
}

fn activation(run_id: &str, jobs: Vec<Job>) -> WorkflowActivation {
    WorkflowActivation {
        run_id: run_id.into(),
        jobs: jobs
            .into_iter()
            .map(|v| WorkflowActivationJob { variant: Some(v) })
            .collect(),
        ..Default::default()
    }
}

fn init(workflow_type: &str) -> Job {
    Job::InitializeWorkflow(InitializeWorkflow {
        workflow_type: workflow_type.into(),
        workflow_id: "wf".into(),
        randomness_seed: 1,
        ..Default::default()
    })
}

fn resolve_ok(seq: u32, s: &str) -> Job {
    Job::ResolveActivity(ResolveActivity {
        seq,
        result: Some(ActivityResolution {
            status: Some(activity_resolution::Status::Completed(activity_result::Success {
                result: Some(to_payload(s).unwrap()),
            })),
        }),
        is_local: false,
    })
}

/// Runs one activation on the workflow thread, blocking.
fn activate(t: &mut WorkflowThreads, a: WorkflowActivation) -> WorkflowActivationCompletion {
    t.dispatch(a).reply.blocking_recv().unwrap()
}

fn commands(c: &WorkflowActivationCompletion) -> Vec<Cmd> {
    match &c.status {
        Some(Status::Successful(s)) => s.commands.iter().filter_map(|c| c.variant.clone()).collect(),
        other => panic!("expected success, got {other:?}"),
    }
}

fn failure_message(c: &WorkflowActivationCompletion) -> String {
    match &c.status {
        Some(Status::Failed(f)) => f.failure.as_ref().unwrap().message.clone(),
        other => panic!("expected failure, got {other:?}"),
    }
}

fn describe(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .map(|c| match c {
            Cmd::StartTimer(t) => format!("timer#{}", t.seq),
            Cmd::CancelTimer(t) => format!("cancel-timer#{}", t.seq),
            Cmd::ScheduleActivity(a) => format!("activity#{}:{}", a.seq, a.activity_type),
            Cmd::RequestCancelActivity(a) => format!("cancel-activity#{}", a.seq),
            Cmd::CompleteWorkflowExecution(c) => {
                format!(
                    "complete:{}",
                    from_payload::<serde_json::Value>(c.result.as_ref().unwrap()).unwrap()
                )
            }
            Cmd::CancelWorkflowExecution(_) => "cancelled".into(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn commands_come_out_in_call_order_with_per_kind_sequence_numbers() {
    let mut t = threads();
    let c = activate(&mut t, activation("r1", vec![init("Sequenced")]));
    assert_eq!(describe(&commands(&c)), vec!["timer#1"]);
    let c = activate(
        &mut t,
        activation("r1", vec![Job::FireTimer(FireTimer { seq: 1 })]),
    );
    assert_eq!(describe(&commands(&c)), vec!["activity#1:echo", "timer#2"]);
    // Both resolutions in one activation: every job is applied before workflow code runs.
    let c = activate(
        &mut t,
        activation(
            "r1",
            vec![resolve_ok(1, "x"), Job::FireTimer(FireTimer { seq: 2 })],
        ),
    );
    assert_eq!(describe(&commands(&c)), vec![r#"complete:"x""#]);
}

#[test]
fn dropping_the_loser_of_a_race_cancels_it() {
    let mut t = threads();
    let c = activate(&mut t, activation("r2", vec![init("Race")]));
    assert_eq!(describe(&commands(&c)), vec!["activity#1:echo", "timer#1"]);
    let c = activate(
        &mut t,
        activation("r2", vec![Job::FireTimer(FireTimer { seq: 1 })]),
    );
    assert_eq!(
        describe(&commands(&c)),
        vec!["cancel-activity#1", r#"complete:"timer""#]
    );
}

#[test]
fn eviction_forgets_the_run() {
    let mut t = threads();
    activate(&mut t, activation("r3", vec![init("Sequenced")]));
    let evict = Job::RemoveFromCache(RemoveFromCache {
        message: "test".into(),
        reason: 0,
    });
    let c = activate(&mut t, activation("r3", vec![evict]));
    assert!(
        commands(&c).is_empty(),
        "an eviction is answered with no commands"
    );
    let c = activate(
        &mut t,
        activation("r3", vec![Job::FireTimer(FireTimer { seq: 1 })]),
    );
    assert!(failure_message(&c).contains("not in this worker's cache"));
    // Core replays evicted runs from the start: the same commands come out again.
    let c = activate(&mut t, activation("r3", vec![init("Sequenced")]));
    assert_eq!(describe(&commands(&c)), vec!["timer#1"]);
}

#[test]
fn a_wake_from_another_thread_fails_the_task_as_non_deterministic() {
    let mut t = threads();
    let (go_tx, go_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    *WAKE_CHANNELS.lock().unwrap() = Some((go_rx, done_tx));
    let c = activate(&mut t, activation("r4", vec![init("ThreadWake")]));
    assert!(commands(&c).is_empty());
    // Between activations, the thread wakes the workflow.
    go_tx.send(()).unwrap();
    done_rx.recv().unwrap();
    let c = activate(
        &mut t,
        activation("r4", vec![Job::FireTimer(FireTimer { seq: 99 })]),
    );
    let msg = failure_message(&c);
    assert!(
        msg.contains("woken by something outside the Ironflow SDK"),
        "{msg}"
    );
}

#[test]
fn a_tokio_timer_in_workflow_code_fails_with_an_explanation() {
    let mut t = threads();
    let c = activate(&mut t, activation("r5", vec![init("TokioSleep")]));
    let msg = failure_message(&c);
    assert!(
        msg.contains("panicked") && msg.contains("use ctx.sleep()"),
        "{msg}"
    );
    // The run stays failed until Core evicts it.
    let c = activate(
        &mut t,
        activation("r5", vec![Job::FireTimer(FireTimer { seq: 1 })]),
    );
    assert!(failure_message(&c).contains("panicked"));
}

#[test]
fn unknown_workflow_type_names_the_registered_ones() {
    let mut t = threads();
    let c = activate(&mut t, activation("r6", vec![init("Nope")]));
    let msg = failure_message(&c);
    assert!(msg.contains("`Nope` is not registered"), "{msg}");
    assert!(
        msg.contains("[Cancellable, Cleanup, Messages, NotYet, Pinned, Race, Scoped, Sequenced, ThreadWake, TokioSleep]"),
        "{msg}"
    );
}

#[test]
fn cancellation_and_queries() {
    let mut t = threads();
    let c = activate(&mut t, activation("r7", vec![init("Cancellable")]));
    assert!(commands(&c).is_empty());
    // A query is answered without running workflow code; no handler is registered.
    let q = Job::QueryWorkflow(QueryWorkflow {
        query_id: "q1".into(),
        query_type: "status".into(),
        ..Default::default()
    });
    let c = activate(&mut t, activation("r7", vec![q]));
    let cmds = commands(&c);
    let [Cmd::RespondToQuery(r)] = cmds.as_slice() else {
        panic!("expected one query response")
    };
    let Some(query_result::Variant::Failed(f)) = &r.variant else {
        panic!("expected a failed query")
    };
    assert!(f.message.contains("no query handler `status`"), "{}", f.message);
    let cancel = Job::CancelWorkflow(CancelWorkflow {
        reason: "user".into(),
    });
    let c = activate(&mut t, activation("r7", vec![cancel]));
    assert_eq!(describe(&commands(&c)), vec!["cancelled"]);
}

fn do_update(id: &str, name: &str, arg: u32) -> Job {
    Job::DoUpdate(
        temporalio_common::protos::coresdk::workflow_activation::DoUpdate {
            id: id.into(),
            protocol_instance_id: format!("p-{id}"),
            name: name.into(),
            input: vec![to_payload(&arg).unwrap()],
            run_validator: true,
            ..Default::default()
        },
    )
}

fn signal(name: &str, n: u32) -> Job {
    Job::SignalWorkflow(
        temporalio_common::protos::coresdk::workflow_activation::SignalWorkflow {
            signal_name: name.into(),
            input: vec![to_payload(&n).unwrap()],
            ..Default::default()
        },
    )
}

fn describe_updates(cmds: &[Cmd]) -> Vec<String> {
    use temporalio_common::protos::coresdk::workflow_commands::update_response::Response;
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::UpdateResponse(u) => Some(match u.response.as_ref().unwrap() {
                Response::Accepted(()) => format!("{}:accepted", u.protocol_instance_id),
                Response::Rejected(f) => format!("{}:rejected:{}", u.protocol_instance_id, f.message),
                Response::Completed(p) => {
                    format!(
                        "{}:completed:{}",
                        u.protocol_instance_id,
                        from_payload::<u32>(p).unwrap()
                    )
                }
            }),
            _ => None,
        })
        .collect()
}

#[test]
fn an_update_in_the_first_activation_reaches_a_handler_registered_by_workflow_code() {
    let mut t = threads();
    // The update arrives with InitializeWorkflow (update-with-start): the handler does not exist
    // until the workflow's code first runs, and it must still be accepted in this activation.
    let c = activate(
        &mut t,
        activation(
            "m1",
            vec![
                init("Messages"),
                do_update("u1", "double", 21),
                do_update("u2", "nope", 1),
            ],
        ),
    );
    let cmds = commands(&c);
    let updates = describe_updates(&cmds);
    assert_eq!(updates[0], "p-u1:accepted");
    assert_eq!(updates[1], "p-u1:completed:42");
    assert!(
        updates[2].starts_with(
            "p-u2:rejected:workflow `Messages` has no update handler `nope`; known updates: [double]"
        ),
        "{}",
        updates[2]
    );
    assert_eq!(
        describe(&cmds).iter().filter(|c| c.starts_with("timer#")).count(),
        1
    );
}

#[test]
fn signals_before_their_handler_are_delivered_in_order_when_it_registers() {
    let mut t = threads();
    activate(&mut t, activation("m2", vec![init("Messages")]));
    // Three signals arrive while the workflow is still in its timer, before the handler exists.
    let c = activate(
        &mut t,
        activation("m2", vec![signal("tick", 1), signal("tick", 2)]),
    );
    assert!(commands(&c).is_empty());
    let c = activate(
        &mut t,
        activation(
            "m2",
            vec![signal("tick", 3), Job::FireTimer(FireTimer { seq: 1 })],
        ),
    );
    assert_eq!(describe(&commands(&c)), vec!["complete:[1,2,3]"]);
}

fn cancel_job() -> Job {
    Job::CancelWorkflow(CancelWorkflow {
        reason: "user".into(),
    })
}

fn activity_cancelled(seq: u32) -> Job {
    Job::ResolveActivity(ResolveActivity {
        seq,
        result: Some(ActivityResolution {
            status: Some(activity_resolution::Status::Cancelled(
                activity_result::Cancellation {
                    failure: Some(crate::converter::Failure::cancelled("cancelled").to_proto()),
                },
            )),
        }),
        is_local: false,
    })
}

#[test]
fn cleanup_commands_passed_directly_to_non_cancellable_are_sent_after_the_cancellation() {
    let mut t = threads();
    let c = activate(&mut t, activation("c1", vec![init("Cleanup")]));
    assert_eq!(describe(&commands(&c)), vec!["timer#1"]);
    let c = activate(&mut t, activation("c1", vec![cancel_job()]));
    // The waited timer is cancelled; the plain timer is never sent; the non-cancellable cleanup
    // timer is started (the bug was: it resolved as cancelled and was never sent). The plain
    // timer took sequence number 2 when it was polled, unsent.
    assert_eq!(describe(&commands(&c)), vec!["cancel-timer#1", "timer#3"]);
    let c = activate(
        &mut t,
        activation("c1", vec![Job::FireTimer(FireTimer { seq: 3 })]),
    );
    assert_eq!(describe(&commands(&c)), vec!["activity#1:echo"]);
    let c = activate(&mut t, activation("c1", vec![resolve_ok(1, "undone")]));
    assert_eq!(describe(&commands(&c)), vec!["cancelled"]);
}

#[test]
fn cancelling_a_scope_cancels_what_runs_in_it_and_its_nested_scopes() {
    let mut t = threads();
    let c = activate(&mut t, activation("s1", vec![init("Scoped")]));
    assert_eq!(
        describe(&commands(&c)),
        vec!["timer#1", "activity#1:echo", "timer#2"]
    );
    let c = activate(
        &mut t,
        activation("s1", vec![Job::FireTimer(FireTimer { seq: 2 })]),
    );
    assert_eq!(
        describe(&commands(&c)),
        vec!["cancel-timer#1", "cancel-activity#1"]
    );
    let c = activate(&mut t, activation("s1", vec![activity_cancelled(1)]));
    assert_eq!(
        describe(&commands(&c)),
        vec![r#"complete:"timer cancelled true, activity cancelled true, nested wait cancelled true""#]
    );
}

#[test]
fn a_workflow_can_fail_its_task_on_purpose() {
    let mut t = threads();
    let c = activate(&mut t, activation("f1", vec![init("NotYet")]));
    let msg = failure_message(&c);
    assert!(
        msg.contains("failed its workflow task on purpose: the pricing table is not deployed yet"),
        "{msg}"
    );
}

#[test]
fn a_workflow_type_reports_its_versioning_behavior() {
    let mut t = threads();
    let c = activate(&mut t, activation("v1", vec![init("Pinned")]));
    let Some(Status::Successful(s)) = &c.status else {
        panic!("expected success")
    };
    assert_eq!(
        s.versioning_behavior,
        temporalio_common::protos::temporal::api::enums::v1::VersioningBehavior::Pinned as i32
    );
    let c = activate(&mut t, activation("v2", vec![init("Sequenced")]));
    let Some(Status::Successful(s)) = &c.status else {
        panic!("expected success")
    };
    assert_eq!(
        s.versioning_behavior, 0,
        "unspecified: the worker's default applies"
    );
}
