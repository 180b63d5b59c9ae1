//! Executor unit tests: no server, synthetic activations.

use super::registry::WorkflowRegistry;
use super::run::RunEnvironment;
use super::threads::WorkflowThreads;
use crate::converter::{from_payload, to_payload};
use crate::workflow::{Workflow, WorkflowContext, WorkflowError, WorkflowResult};
use crate::{Activity, ActivityContext};
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
#[async_trait::async_trait]
impl Activity for Echo {
    type Input = String;
    type Output = String;
    type Error = std::convert::Infallible;
    fn name(&self) -> &str {
        "echo"
    }
    async fn execute(&self, _c: ActivityContext, s: String) -> Result<String, Self::Error> {
        Ok(s)
    }
}

/// timer(1) → activity + timer(2) joined → result.
struct Sequenced;
impl Workflow for Sequenced {
    type Input = ();
    type Output = String;
    const NAME: &'static str = "Sequenced";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_secs(1)).await?;
        let (a, slept) = futures::join!(
            ctx.execute_activity(&Echo, "x".into()).into_future(),
            ctx.sleep(Duration::from_secs(2))
        );
        slept?;
        Ok(a?)
    }
}

/// Races an activity against a timer; the loser is dropped (and so cancelled).
struct Race;
impl Workflow for Race {
    type Input = ();
    type Output = String;
    const NAME: &'static str = "Race";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let act = std::pin::pin!(ctx.execute_activity(&Echo, "slow".into()).into_future());
        let timer = std::pin::pin!(ctx.sleep(Duration::from_secs(5)));
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
    type Input = ();
    type Output = ();
    const NAME: &'static str = "ThreadWake";
    async fn run(_ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let (go, done) = WAKE_CHANNELS
            .lock()
            .unwrap()
            .take()
            .expect("channels set by the test");
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
    type Input = ();
    type Output = ();
    const NAME: &'static str = "TokioSleep";
    async fn run(_ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Ok(())
    }
}

/// Waits for cancellation, then reports itself cancelled.
struct Cancellable;
impl Workflow for Cancellable {
    type Input = ();
    type Output = ();
    const NAME: &'static str = "Cancellable";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.cancelled().await;
        Err(WorkflowError::Cancelled)
    }
}

/// Registers an update handler after a timer, and collects `tick` signals with a handler
/// registered late.
struct Messages;
impl Workflow for Messages {
    type Input = ();
    type Output = Vec<u32>;
    const NAME: &'static str = "Messages";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<u32>> {
        struct Double;
        impl crate::workflow::UpdateDefinition for Double {
            const NAME: &'static str = "double";
            type Args = u32;
            type Result = u32;
        }
        struct Tick;
        impl crate::workflow::SignalDefinition for Tick {
            const NAME: &'static str = "tick";
            type Data = u32;
        }
        ctx.on_update::<Double, _, _>(|x| async move { Ok(x * 2) });
        ctx.sleep(Duration::from_secs(1)).await?;
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let s = seen.clone();
        ctx.on_signal::<Tick>(move |n| s.borrow_mut().push(n));
        let s = seen.clone();
        ctx.wait_condition(move || s.borrow().len() >= 3).await;
        let out = seen.borrow().clone();
        Ok(out)
    }
}

fn threads() -> WorkflowThreads {
    let mut reg = WorkflowRegistry::default();
    reg.register::<Messages>();
    reg.register::<Sequenced>();
    reg.register::<Race>();
    reg.register::<ThreadWake>();
    reg.register::<TokioSleep>();
    reg.register::<Cancellable>();
    let env = RunEnvironment {
        namespace: "default".into(),
        task_queue: "tq".into(),
    };
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
        msg.contains("[Cancellable, Messages, Race, Sequenced, ThreadWake, TokioSleep]"),
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
