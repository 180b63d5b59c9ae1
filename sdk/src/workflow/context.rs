//! [`WorkflowContext`]: the workflow's only door to the outside world.

use super::futures::{ActivityCall, LocalActivityCall, Timer};
use super::info::WorkflowInfo;
use crate::Activity;
use crate::converter::to_payload;
use crate::executor::state::SharedState;
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

/// The handle workflow code uses for everything Temporal must record: activities, timers,
/// deterministic time and randomness, cancellation, workflow facts.
///
/// Cheap to clone (a reference-counted pointer); clones share the run. It is deliberately not
/// `Send`: a workflow runs on one thread.
#[derive(Clone)]
pub struct WorkflowContext {
    state: SharedState,
}

impl WorkflowContext {
    pub(crate) fn new(state: SharedState) -> Self {
        Self { state }
    }

    pub(crate) fn state(&self) -> &SharedState {
        &self.state
    }

    /// Facts about this workflow execution.
    pub fn info(&self) -> WorkflowInfo {
        self.state.borrow().info.clone()
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> String {
        self.state.borrow().info.workflow_id.clone()
    }

    /// Workflow time: the time of the current workflow task, identical on replay. Use it instead
    /// of `SystemTime::now()`.
    pub fn now(&self) -> SystemTime {
        self.state.borrow().now
    }

    /// True while the worker replays history this workflow already made (for example, to skip
    /// logging).
    pub fn is_replaying(&self) -> bool {
        self.state.borrow().replaying
    }

    /// Number of events in the history so far.
    pub fn history_length(&self) -> u32 {
        self.state.borrow().history_length
    }

    /// True when the server suggests continuing as new (the history is getting large).
    pub fn continue_as_new_suggested(&self) -> bool {
        self.state.borrow().continue_as_new_suggested
    }

    /// A deterministic random number, the same on replay.
    pub fn random(&self) -> u64 {
        self.state.borrow_mut().rng.next_u64()
    }

    /// A deterministic random number in `[low, high)`; `low` when the range is empty.
    pub fn random_range(&self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.random() % (high - low)
    }

    /// A deterministic version-4 UUID, the same on replay.
    pub fn uuid4(&self) -> uuid::Uuid {
        let bytes = (u128::from(self.random()) << 64 | u128::from(self.random())).to_le_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A durable timer: completes after `duration` of workflow time, even across worker restarts.
    /// Dropping the future before it fires cancels the timer.
    pub fn sleep(&self, duration: Duration) -> Timer {
        Timer::start(&self.state, duration)
    }

    /// Calls an activity with the activity's own retry policy and timeout as defaults; override
    /// them on the returned builder, then `.await` it.
    ///
    /// ```no_run
    /// # use ironflow::{Activity, ActivityContext, WorkflowContext, WorkflowResult};
    /// # use std::time::Duration;
    /// # struct Charge;
    /// # #[async_trait::async_trait]
    /// # impl Activity for Charge {
    /// #     type Input = u64; type Output = String; type Error = std::io::Error;
    /// #     fn name(&self) -> &str { "charge" }
    /// #     async fn execute(&self, _c: ActivityContext, _i: u64) -> Result<String, std::io::Error> { unimplemented!() }
    /// # }
    /// async fn body(ctx: WorkflowContext) -> WorkflowResult<String> {
    ///     let receipt = ctx
    ///         .execute_activity(&Charge, 1200)
    ///         .start_to_close_timeout(Duration::from_secs(10))
    ///         .await?;
    ///     Ok(receipt)
    /// }
    /// ```
    pub fn execute_activity<A: Activity>(&self, activity: &A, input: A::Input) -> ActivityCall<A::Output> {
        ActivityCall::new(
            self.clone(),
            activity.name().to_string(),
            to_payload(&input),
            activity.retry_policy(),
            activity.timeout(),
        )
    }

    /// Calls an activity by type name, for activities written in another SDK or not linked into
    /// this binary. Set a timeout on the returned builder.
    pub fn execute_activity_by_name<I: Serialize, O: DeserializeOwned>(
        &self,
        activity_type: &str,
        input: &I,
    ) -> ActivityCall<O> {
        ActivityCall::new(
            self.clone(),
            activity_type.to_string(),
            to_payload(input),
            None,
            None,
        )
    }

    /// Calls a local activity: it runs in this worker without a round trip through the task
    /// queue, and its result is recorded in history as a marker. Suited to short work.
    pub fn execute_local_activity<A: Activity>(
        &self,
        activity: &A,
        input: A::Input,
    ) -> LocalActivityCall<A::Output> {
        LocalActivityCall::new(
            self.clone(),
            activity.name().to_string(),
            to_payload(&input),
            activity.retry_policy(),
            activity.timeout(),
        )
    }

    /// Calls a local activity by type name. Set a timeout on the returned builder.
    pub fn execute_local_activity_by_name<I: Serialize, O: DeserializeOwned>(
        &self,
        activity_type: &str,
        input: &I,
    ) -> LocalActivityCall<O> {
        LocalActivityCall::new(
            self.clone(),
            activity_type.to_string(),
            to_payload(input),
            None,
            None,
        )
    }

    /// True once cancellation of this workflow was requested.
    pub fn is_cancel_requested(&self) -> bool {
        self.state.borrow().cancel_requested.is_some()
    }

    /// Completes when cancellation of this workflow is requested.
    pub fn cancelled(&self) -> CancelRequested {
        CancelRequested {
            state: self.state.clone(),
        }
    }
}

/// Completes when the workflow's cancellation is requested; yields the reason.
pub struct CancelRequested {
    state: SharedState,
}

impl Future for CancelRequested {
    type Output = String;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        let mut st = self.state.borrow_mut();
        match &st.cancel_requested {
            Some(reason) => Poll::Ready(reason.clone()),
            None => {
                st.register_cancel_waker(cx.waker());
                Poll::Pending
            }
        }
    }
}
