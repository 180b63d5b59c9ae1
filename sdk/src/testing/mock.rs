//! Mock activities for workflow tests: [`MockActivity<D>`] stands in for activity `D` on a test
//! worker, records every call (input and attempt, in order, across mocks sharing a [`CallLog`])
//! and answers with canned results or failures, without any real side effect.
//!
//! To mock what an activity *uses* (a payment gateway, a database) instead of the activity
//! itself, give the activity implementation its dependency as a trait object and use a
//! `mockall` mock of that trait: Ironflow activities hold state, so nothing more is needed
//! (see docs/testing.md).
//!
//! ```no_run
//! # use ironflow::prelude::*;
//! # use ironflow::client::StartWorkflowOptions;
//! use ironflow::testing::{CallLog, MockActivity};
//! # struct Charge;
//! # impl ActivityDefinition for Charge { const NAME: &'static str = "charge"; type Input = u64; type Output = String; }
//! # struct Checkout;
//! # impl Workflow for Checkout { const NAME: &'static str = "Checkout"; type Input = u64; type Output = String;
//! #   async fn run(ctx: WorkflowContext, cents: u64) -> WorkflowResult<String> { Ok(ctx.activity::<Charge>(cents).await?) } }
//! # async fn demo(client: ironflow::client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let log = CallLog::new();
//! let charge = MockActivity::<Charge>::new(|cents| Ok(format!("receipt-{cents}"))).log_to(&log);
//! let worker = Worker::builder(&client, "checkout-test")
//!     .register_workflow::<Checkout>()
//!     .register_activity_as::<Charge>(charge.clone())
//!     .build()?;
//! let receipt = worker
//!     .run_until(client.execute_workflow::<Checkout>(1250, StartWorkflowOptions::new("c-1", "checkout-test")))
//!     .await??;
//! assert_eq!(receipt, "receipt-1250");
//! assert_eq!(charge.calls()?, vec![1250]);
//! assert_eq!(log.names(), ["charge"]);
//! # Ok(()) }
//! ```

use crate::activity::{Activity, ActivityContext, ActivityDefinition};
use crate::error::ApplicationError;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One recorded call of a mock activity.
#[derive(Debug, Clone, PartialEq)]
pub struct MockCall {
    /// The activity type name.
    pub activity: String,
    /// The input, as JSON.
    pub input: serde_json::Value,
    /// The attempt (retries are recorded as further calls).
    pub attempt: u32,
}

/// The calls of several mocks, in the order they happened.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<MockCall>>>);

impl CallLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<MockCall> {
        lock(&self.0).clone()
    }

    /// The activity names of the calls so far, in order.
    pub fn names(&self) -> Vec<String> {
        lock(&self.0).iter().map(|c| c.activity.clone()).collect()
    }

    fn record(&self, call: MockCall) {
        lock(&self.0).push(call);
    }
}

type Behaviour<D> = dyn Fn(
        &ActivityContext,
        <D as ActivityDefinition>::Input,
    ) -> Result<<D as ActivityDefinition>::Output, ApplicationError>
    + Send
    + Sync;

/// A stand-in for activity `D`: register it with
/// [`WorkerBuilder::register_activity_as::<D>`](crate::worker::WorkerBuilder::register_activity_as).
/// Clones share the recorded calls, so keep one to assert on.
pub struct MockActivity<D: ActivityDefinition> {
    behaviour: Arc<Behaviour<D>>,
    calls: Arc<Mutex<Vec<MockCall>>>,
    log: Option<CallLog>,
}

impl<D: ActivityDefinition> Clone for MockActivity<D> {
    fn clone(&self) -> Self {
        Self {
            behaviour: self.behaviour.clone(),
            calls: self.calls.clone(),
            log: self.log.clone(),
        }
    }
}

impl<D: ActivityDefinition> std::fmt::Debug for MockActivity<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockActivity")
            .field("activity", &D::NAME)
            .field("calls", &lock(&self.calls).len())
            .finish()
    }
}

impl<D: ActivityDefinition> MockActivity<D> {
    /// Answers each call with `f(input)`.
    pub fn new(f: impl Fn(D::Input) -> Result<D::Output, ApplicationError> + Send + Sync + 'static) -> Self {
        Self::with_context(move |_, input| f(input))
    }

    /// Answers each call with `f(ctx, input)` (the attempt, heartbeat details, ...).
    pub fn with_context(
        f: impl Fn(&ActivityContext, D::Input) -> Result<D::Output, ApplicationError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            behaviour: Arc::new(f),
            calls: Arc::default(),
            log: None,
        }
    }

    /// Returns `output` from every call.
    pub fn returning(output: D::Output) -> Self
    where
        D::Output: Clone + Sync,
    {
        Self::new(move |_| Ok(output.clone()))
    }

    /// Answers the calls with these results in turn (retries included); a call beyond them
    /// fails non-retryably, naming the mock, so a workflow that calls too often fails visibly.
    pub fn sequence(results: impl IntoIterator<Item = Result<D::Output, ApplicationError>>) -> Self
    where
        D::Output: Sync,
    {
        let queue = Mutex::new(results.into_iter().collect::<VecDeque<_>>());
        Self::new(move |_| {
            lock(&queue).pop_front().unwrap_or_else(|| {
                Err(ApplicationError::non_retryable(format!(
                    "mock activity `{}` was called more often than its sequence of results",
                    D::NAME
                ))
                .with_type("MockExhausted"))
            })
        })
    }

    /// Also records the calls in `log` (shared by several mocks, to assert their order).
    pub fn log_to(mut self, log: &CallLog) -> Self {
        self.log = Some(log.clone());
        self
    }

    /// The inputs of the calls so far, in order (one per attempt).
    pub fn calls(&self) -> Result<Vec<D::Input>, serde_json::Error> {
        lock(&self.calls)
            .iter()
            .map(|c| serde_json::from_value(c.input.clone()))
            .collect()
    }

    /// The calls so far, with their attempts.
    pub fn recorded(&self) -> Vec<MockCall> {
        lock(&self.calls).clone()
    }

    /// How many times it was called.
    pub fn call_count(&self) -> usize {
        lock(&self.calls).len()
    }
}

impl<D: ActivityDefinition> Activity<D> for MockActivity<D> {
    type Error = ApplicationError;

    async fn execute(&self, ctx: ActivityContext, input: D::Input) -> Result<D::Output, ApplicationError> {
        let call = MockCall {
            activity: D::NAME.to_string(),
            input: serde_json::to_value(&input).unwrap_or(serde_json::Value::Null),
            attempt: ctx.info().attempt,
        };
        lock(&self.calls).push(call.clone());
        if let Some(log) = &self.log {
            log.record(call);
        }
        (self.behaviour)(&ctx, input)
    }
}
