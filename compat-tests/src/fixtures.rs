//! Workflows and activities used by the tests (and by the `test-worker` binary).

use ironflow::{
    Activity, ActivityContext, ActivityDefinition, ApplicationError, RetryPolicy, Workflow, WorkflowContext,
    WorkflowResult,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Keys marked by activities when they start, so tests can wait for "the activity is running".
fn marks() -> &'static Mutex<HashSet<String>> {
    static MARKS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    MARKS.get_or_init(Mutex::default)
}

/// Marks `key`; returns true the first time.
pub fn mark(key: &str) -> bool {
    marks()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.to_string())
}

/// True once `key` was marked.
pub fn is_marked(key: &str) -> bool {
    marks().lock().unwrap_or_else(|p| p.into_inner()).contains(key)
}

/// A retry policy with short intervals, so retry tests run fast.
pub fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_interval: Duration::from_millis(100),
        max_interval: Some(Duration::from_millis(200)),
        backoff_coefficient: 1.5,
        ..RetryPolicy::default()
    }
}

/// Returns its input.
pub struct Echo;

impl ActivityDefinition for Echo {
    const NAME: &'static str = "echo";
    type Input = String;
    type Output = String;
}
impl Activity for Echo {
    type Error = std::convert::Infallible;
    async fn execute(&self, _ctx: ActivityContext, s: String) -> Result<String, Self::Error> {
        Ok(s)
    }
}

/// An error whose message says whether it is transient.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FlakyError(pub String);

/// Fails with a transient error until attempt `succeed_on`, then returns the attempt number.
pub struct FailUntil;

impl ActivityDefinition for FailUntil {
    const NAME: &'static str = "fail_until";
    type Input = u32;
    type Output = u32;
    fn retry_policy() -> Option<RetryPolicy> {
        Some(RetryPolicy {
            retryable_errors: vec!["Transient".into()],
            ..fast_retries(5)
        })
    }
}
impl Activity for FailUntil {
    type Error = FlakyError;
    async fn execute(&self, ctx: ActivityContext, succeed_on: u32) -> Result<u32, FlakyError> {
        let attempt = ctx.info().attempt;
        if attempt < succeed_on {
            return Err(FlakyError(format!("Transient failure on attempt {attempt}")));
        }
        Ok(attempt)
    }
}

/// Always fails; `explicit` chooses between an explicit non-retryable error and an error that
/// the allow-list (`retryable_errors = ["Transient"]`) rejects.
pub struct Decline;

impl ActivityDefinition for Decline {
    const NAME: &'static str = "decline";
    type Input = bool;
    type Output = ();
    fn retry_policy() -> Option<RetryPolicy> {
        Some(RetryPolicy {
            retryable_errors: vec!["Transient".into()],
            ..fast_retries(5)
        })
    }
}
impl Activity for Decline {
    type Error = ApplicationError;
    async fn execute(&self, _ctx: ActivityContext, explicit: bool) -> Result<(), ApplicationError> {
        if explicit {
            Err(ApplicationError::non_retryable("card declined").with_type("PaymentDeclined"))
        } else {
            Err(ApplicationError::new("Permanent: account closed").with_type("AccountClosed"))
        }
    }
}

/// On attempt 1 it sleeps `ms` (past its timeout); later attempts return the attempt number.
pub struct SlowFirstAttempt;

impl ActivityDefinition for SlowFirstAttempt {
    const NAME: &'static str = "slow_first_attempt";
    type Input = u64;
    type Output = u32;
    fn retry_policy() -> Option<RetryPolicy> {
        Some(fast_retries(3))
    }
    fn timeout() -> Option<Duration> {
        Some(Duration::from_secs(1))
    }
}
impl Activity for SlowFirstAttempt {
    type Error = std::convert::Infallible;
    async fn execute(&self, ctx: ActivityContext, ms: u64) -> Result<u32, Self::Error> {
        if ctx.info().attempt == 1 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Ok(ctx.info().attempt)
    }
}

/// Input of [`Nap`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NapInput {
    /// Marked (see [`is_marked`]) when the activity starts.
    pub key: String,
    /// How long to sleep.
    pub ms: u64,
}

/// Marks its key, sleeps, returns the milliseconds slept.
pub struct Nap;

impl ActivityDefinition for Nap {
    const NAME: &'static str = "nap";
    type Input = NapInput;
    type Output = u64;
}
impl Activity for Nap {
    type Error = std::convert::Infallible;
    async fn execute(&self, _ctx: ActivityContext, input: NapInput) -> Result<u64, Self::Error> {
        mark(&input.key);
        tokio::time::sleep(Duration::from_millis(input.ms)).await;
        Ok(input.ms)
    }
}

/// `echo("Hello, {name}!")`.
pub struct GreetWorkflow;

impl Workflow for GreetWorkflow {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "GreetWorkflow";
    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        Ok(ctx.activity::<Echo>(format!("Hello, {name}!")).await?)
    }
}

/// Runs [`FailUntil`] and returns the attempt that succeeded.
pub struct RetryWorkflow;

impl Workflow for RetryWorkflow {
    type Input = u32;
    type Output = u32;
    const NAME: &'static str = "RetryWorkflow";
    async fn run(ctx: WorkflowContext, succeed_on: u32) -> WorkflowResult<u32> {
        Ok(ctx.activity::<FailUntil>(succeed_on).await?)
    }
}

/// Runs [`Decline`]; the workflow fails with the activity's failure.
pub struct DeclineWorkflow;

impl Workflow for DeclineWorkflow {
    type Input = bool;
    type Output = ();
    const NAME: &'static str = "DeclineWorkflow";
    async fn run(ctx: WorkflowContext, explicit: bool) -> WorkflowResult<()> {
        ctx.activity::<Decline>(explicit).await?;
        Ok(())
    }
}

/// Runs [`SlowFirstAttempt`] with a 1 s start-to-close timeout and a 3 s first attempt.
pub struct TimeoutRetryWorkflow;

impl Workflow for TimeoutRetryWorkflow {
    type Input = ();
    type Output = u32;
    const NAME: &'static str = "TimeoutRetryWorkflow";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<u32> {
        Ok(ctx.activity::<SlowFirstAttempt>(3000).await?)
    }
}

/// Runs [`Echo`] as a local activity.
pub struct LocalEchoWorkflow;

impl Workflow for LocalEchoWorkflow {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "LocalEchoWorkflow";
    async fn run(ctx: WorkflowContext, s: String) -> WorkflowResult<String> {
        Ok(ctx.local_activity::<Echo>(s).await?)
    }
}

/// Sleeps `ms` of workflow time; returns the workflow time that passed, in milliseconds.
pub struct TimerWorkflow;

impl Workflow for TimerWorkflow {
    type Input = u64;
    type Output = u64;
    const NAME: &'static str = "TimerWorkflow";
    async fn run(ctx: WorkflowContext, ms: u64) -> WorkflowResult<u64> {
        let before = ctx.now();
        ctx.sleep(Duration::from_millis(ms)).await?;
        let elapsed = ctx.now().duration_since(before).unwrap_or_default();
        Ok(elapsed.as_millis() as u64)
    }
}

/// Fails with an application error of type `OrderRejected`.
pub struct RejectWorkflow;

impl Workflow for RejectWorkflow {
    type Input = String;
    type Output = ();
    const NAME: &'static str = "RejectWorkflow";
    async fn run(_ctx: WorkflowContext, reason: String) -> WorkflowResult<()> {
        Err(
            ApplicationError::non_retryable(format!("order rejected: {reason}"))
                .with_type("OrderRejected")
                .into(),
        )
    }
}

/// Panics the first time it runs for a given key (the worker must survive and the retried
/// workflow task must succeed).
pub struct PanicOnceWorkflow;

impl Workflow for PanicOnceWorkflow {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "PanicOnceWorkflow";
    async fn run(ctx: WorkflowContext, key: String) -> WorkflowResult<String> {
        if mark(&format!("panic-{key}")) {
            panic!("deliberate panic in workflow code for {key}");
        }
        Ok(ctx.activity::<Echo>("recovered".to_string()).await?)
    }
}

/// Runs [`Nap`] then returns.
pub struct NapWorkflow;

impl Workflow for NapWorkflow {
    type Input = NapInput;
    type Output = u64;
    const NAME: &'static str = "NapWorkflow";
    async fn run(ctx: WorkflowContext, input: NapInput) -> WorkflowResult<u64> {
        Ok(ctx.activity::<Nap>(input).await?)
    }
}

/// `echo` → a durable timer of `ms` → `echo`: a workflow with a window in which its worker can
/// be killed.
pub struct TwoStepWorkflow;

impl Workflow for TwoStepWorkflow {
    type Input = u64;
    type Output = String;
    const NAME: &'static str = "TwoStepWorkflow";
    async fn run(ctx: WorkflowContext, ms: u64) -> WorkflowResult<String> {
        let first = ctx.activity::<Echo>("first".to_string()).await?;
        ctx.sleep(Duration::from_millis(ms)).await?;
        let second = ctx.activity::<Echo>("second".to_string()).await?;
        Ok(format!("{first}+{second}"))
    }
}

/// Echoes, waits for [`Approve`], echoes again: a run that stops halfway until a test lets it go.
pub struct EchoApproveEchoWorkflow;

impl Workflow for EchoApproveEchoWorkflow {
    type Input = ();
    type Output = String;
    const NAME: &'static str = "EchoApproveEchoWorkflow";
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let first = ctx.activity::<Echo>("first".to_string()).await?;
        let approver = ctx.await_signal::<Approve>().await?;
        let second = ctx.activity::<Echo>(approver).await?;
        Ok(format!("{first}+{second}"))
    }
}

/// The scale-out test's workflow: an activity, a one-second timer, an [`Approve`] signal, a
/// second activity; the result says which order it was and who approved it. The activities'
/// start-to-close timeout is short so that the work of a killed worker is retried soon.
pub struct ScaleOutWorkflow;

impl Workflow for ScaleOutWorkflow {
    type Input = u32;
    type Output = String;
    const NAME: &'static str = "ScaleOutWorkflow";
    async fn run(ctx: WorkflowContext, n: u32) -> WorkflowResult<String> {
        let first = ctx
            .activity::<Echo>(format!("order-{n}"))
            .start_to_close_timeout(Duration::from_secs(5))
            .await?;
        ctx.sleep(Duration::from_secs(1)).await?;
        let approver = ctx.await_signal::<Approve>().await?;
        let second = ctx
            .activity::<Echo>(approver)
            .start_to_close_timeout(Duration::from_secs(5))
            .await?;
        Ok(format!("{first} approved by {second}"))
    }
}

/// Registers every fixture on a worker builder.
pub fn register_all(builder: ironflow::worker::WorkerBuilder) -> ironflow::worker::WorkerBuilder {
    builder
        .register_activity(Echo)
        .register_activity(FailUntil)
        .register_activity(Decline)
        .register_activity(SlowFirstAttempt)
        .register_activity(Nap)
        .register_workflow::<GreetWorkflow>()
        .register_workflow::<RetryWorkflow>()
        .register_workflow::<DeclineWorkflow>()
        .register_workflow::<TimeoutRetryWorkflow>()
        .register_workflow::<LocalEchoWorkflow>()
        .register_workflow::<TimerWorkflow>()
        .register_workflow::<RejectWorkflow>()
        .register_workflow::<PanicOnceWorkflow>()
        .register_workflow::<NapWorkflow>()
        .register_workflow::<TwoStepWorkflow>()
        .register_workflow::<EchoApproveEchoWorkflow>()
        .register_workflow::<OrderWorkflow>()
        .register_workflow::<CollectWorkflow>()
        .register_workflow::<SignalSenderWorkflow>()
        .register_workflow::<ScaleOutWorkflow>()
}

// ---- Signals, queries and updates ----

use ironflow::WorkflowError;
use ironflow::workflow::{QueryDefinition, SignalDefinition, SignalHandler, UpdateDefinition};

/// Signal: add an item (handled by the seed-style [`SignalHandler`] of [`Order`]).
pub struct AddItem;
impl SignalDefinition for AddItem {
    const NAME: &'static str = "add_item";
    type Data = String;
}

/// Signal: approve the order (consumed by `await_signal`).
pub struct Approve;
impl SignalDefinition for Approve {
    const NAME: &'static str = "approve";
    type Data = String;
}

/// Query: the items so far.
pub struct Items;
impl QueryDefinition for Items {
    const NAME: &'static str = "items";
    type Args = ();
    type Result = Vec<String>;
}

/// Query with an argument: the item at an index.
pub struct ItemAt;
impl QueryDefinition for ItemAt {
    const NAME: &'static str = "item_at";
    type Args = usize;
    type Result = Option<String>;
}

/// Query whose handler wrongly upserts the memo, a command (must fail, read-only).
pub struct Sneaky;
impl QueryDefinition for Sneaky {
    const NAME: &'static str = "sneaky";
    type Args = ();
    type Result = String;
}

/// Update: add an item, validated (no empty or "forbidden" items); returns the item count.
pub struct AddItemChecked;
impl UpdateDefinition for AddItemChecked {
    const NAME: &'static str = "add_item_checked";
    type Args = String;
    type Result = usize;
}

/// Update whose handler fails.
pub struct Explode;
impl UpdateDefinition for Explode {
    const NAME: &'static str = "explode";
    type Args = ();
    type Result = ();
}

/// The order's state, shared by the workflow and its handlers.
#[derive(Default)]
pub struct Order {
    items: Vec<String>,
}

/// The seed's `SignalHandler` style, on the state.
impl SignalHandler<AddItem> for Order {
    fn handle(&mut self, item: String) -> Result<(), WorkflowError> {
        self.items.push(item);
        Ok(())
    }
}

/// Collects `n` items (by signal or update), then waits for the `approve` signal.
pub struct OrderWorkflow;

impl Workflow for OrderWorkflow {
    const NAME: &'static str = "OrderWorkflow";
    type Input = usize;
    type Output = String;

    async fn run(ctx: WorkflowContext, n: usize) -> WorkflowResult<String> {
        let order = ctx.state(Order::default());
        order
            .on_query::<Items>(|o, ()| o.items.clone())
            .on_query::<ItemAt>(|o, at| o.items.get(at).cloned())
            .register_signal_handler::<AddItem>();
        let c = ctx.clone();
        order.on_query::<Sneaky>(move |_, ()| {
            let _ = c.upsert_memo([("sneaky".to_string(), serde_json::json!(true))].into());
            "should not be answered".to_string()
        });
        order
            .on_update::<AddItemChecked>(|o, item| {
                o.items.push(item);
                Ok(o.items.len())
            })
            .validator(|_, item| {
                if item.is_empty() || item == "forbidden" {
                    Err(ApplicationError::new(format!("item `{item}` is not allowed"))
                        .with_type("InvalidItem")
                        .into())
                } else {
                    Ok(())
                }
            });
        order.on_update::<Explode>(|_, ()| Err(ApplicationError::new("boom").with_type("Exploded").into()));

        order.wait(|o| o.items.len() >= n).await?;
        let approver = ctx.await_signal::<Approve>().await?;
        ctx.wait_condition(|| ctx.all_handlers_finished()).await?;
        let count = order.get(|o| o.items.len());
        Ok(format!("{count} items approved by {approver}"))
    }
}

/// Signal: a number.
pub struct Num;
impl SignalDefinition for Num {
    const NAME: &'static str = "num";
    type Data = u32;
}

/// Receives `n` `num` signals through a signal channel and returns them in order.
pub struct CollectWorkflow;

impl Workflow for CollectWorkflow {
    const NAME: &'static str = "CollectWorkflow";
    type Input = usize;
    type Output = Vec<u32>;
    async fn run(ctx: WorkflowContext, n: usize) -> WorkflowResult<Vec<u32>> {
        let mut channel = ctx.signal_channel::<Num>();
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            got.push(channel.recv().await?);
        }
        Ok(got)
    }
}

/// Signals `num = 7` to another workflow; returns "sent" or the failure message.
pub struct SignalSenderWorkflow;

impl Workflow for SignalSenderWorkflow {
    const NAME: &'static str = "SignalSenderWorkflow";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, target: String) -> WorkflowResult<String> {
        Ok(match ctx.external_workflow(target).signal::<Num>(7).await {
            Ok(()) => "sent".to_string(),
            Err(f) => format!("failed: {f}"),
        })
    }
}
