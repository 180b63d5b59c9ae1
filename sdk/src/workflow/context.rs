//! [`WorkflowContext`]: the workflow's only door to the outside world. This file holds the
//! facts of the run (info, time, randomness, cancellation); each kind of command has its own
//! file (`timer.rs`, `activity_call.rs`, `child.rs`, ...), adding its methods to the context.

use crate::executor::info::WorkflowInfo;
use crate::executor::state::SharedState;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

/// The handle workflow code uses for everything Temporal must record: activities, timers,
/// children, messages, deterministic time and randomness, cancellation.
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

    pub(crate) fn run_state(&self) -> &SharedState {
        &self.state
    }

    /// Facts about this workflow execution.
    pub fn info(&self) -> WorkflowInfo {
        self.state.borrow().info().clone()
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> String {
        self.state.borrow().info().workflow_id.clone()
    }

    /// Workflow time: the time of the current workflow task, identical on replay. Use it instead
    /// of `SystemTime::now()`.
    pub fn now(&self) -> SystemTime {
        self.state.borrow().now()
    }

    /// True while the worker replays history this workflow already made (for example, to skip
    /// logging).
    pub fn is_replaying(&self) -> bool {
        self.state.borrow().is_replaying()
    }

    /// Records metrics of your own on the worker's meter (see [`crate::metrics::Metrics`]),
    /// labelled with the workflow type and task queue. While the workflow replays the handle
    /// records nothing, so each increment counts once.
    pub fn metrics(&self) -> crate::metrics::Metrics {
        let st = self.state.borrow();
        if st.is_replaying() {
            return crate::metrics::Metrics::muted();
        }
        st.metrics()
            .user(vec![("workflow_type".into(), st.info().workflow_type.clone())])
    }

    /// Number of events in the history so far.
    pub fn history_length(&self) -> u32 {
        self.state.borrow().history_length()
    }

    /// True when the server suggests continuing as new (the history is getting large).
    pub fn continue_as_new_suggested(&self) -> bool {
        self.state.borrow().continue_as_new_suggested()
    }

    /// The workflow's execution deadline, if it has an execution timeout.
    pub fn execution_deadline(&self) -> Option<SystemTime> {
        self.state.borrow().info().execution_expiration_time
    }

    /// A deterministic random number, the same on replay.
    pub fn random(&self) -> u64 {
        self.state.borrow_mut().next_random()
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

    /// True once cancellation of this workflow was requested.
    pub fn is_cancel_requested(&self) -> bool {
        self.state.borrow().cancel_reason().is_some()
    }

    /// Completes when cancellation of this workflow is requested; yields the reason.
    pub fn cancelled(&self) -> CancelRequested {
        CancelRequested {
            state: self.state.clone(),
        }
    }

    /// True when no update handler or async signal handler is running (for
    /// `wait_condition` before returning).
    pub fn all_handlers_finished(&self) -> bool {
        self.state.borrow().all_handlers_finished()
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
        match st.cancel_reason() {
            Some(reason) => Poll::Ready(reason.to_string()),
            None => {
                st.register_cancel_waker(cx.waker());
                Poll::Pending
            }
        }
    }
}
