//! Workflows: deterministic Rust functions that Temporal runs durably.
//!
//! A workflow is a type implementing [`Workflow`]: a name, typed input and output, and an
//! `async fn run` that receives a [`WorkflowContext`]. Everything the workflow does that Temporal
//! must remember (activities, timers, ...) goes through the context, which turns each call into a
//! Temporal command; on replay the same calls are matched against the recorded history.
//!
//! ```
//! use ironflow::{Workflow, WorkflowContext, WorkflowResult};
//! use std::time::Duration;
//!
//! struct Reminder;
//!
//! impl Workflow for Reminder {
//!     type Input = u64;
//!     type Output = String;
//!     const NAME: &'static str = "Reminder";
//!
//!     async fn run(ctx: WorkflowContext, seconds: u64) -> WorkflowResult<String> {
//!         ctx.sleep(Duration::from_secs(seconds)).await?;
//!         Ok(format!("woke up at {:?}", ctx.now()))
//!     }
//! }
//! ```
//!
//! # Determinism
//!
//! Workflow code is replayed, so it must make the same decisions every time. Use
//! [`WorkflowContext::now`], [`WorkflowContext::random`] and [`WorkflowContext::uuid4`] instead
//! of the clock and `rand`; use [`WorkflowContext::sleep`] instead of tokio timers; do I/O in
//! activities. The SDK catches the common mistakes: workflow code runs on a dedicated thread
//! with no tokio runtime, so a tokio timer, `tokio::spawn` or tokio I/O panics at once and fails
//! the workflow task with an explanation; a wake-up that comes from outside the SDK (a thread, a
//! channel fed by another task) fails the task as non-deterministic instead of corrupting
//! history. A failed workflow task is retried by the server, so fixing the code and restarting
//! the worker lets the workflow continue.

mod context;
mod error;
mod external;
mod futures;
mod info;
mod messages;
mod options;
mod side_effect;
mod versioning;

pub use context::CancelRequested;
pub use context::WorkflowContext;
pub use error::{ActivityError, Cancelled, WorkflowError, WorkflowResult};
pub use external::{
    ChildCancellationType, ChildStartFuture, ChildWorkflowBuilder, ChildWorkflowError, ChildWorkflowOptions,
    ContinueAsNewOptions, ExternalCancelFuture, ExternalSignalFuture, NonCancellable, ParentClosePolicy,
    StartedChild,
};
pub(crate) use futures::RETRYABLE_ERRORS_HEADER;
pub use futures::{ActivityCall, ActivityFuture, LocalActivityCall, LocalActivityFuture, Timer};
pub use info::WorkflowInfo;
pub use messages::{
    AnySignalFuture, QueryDefinition, QueryHandler, SignalChannel, SignalDefinition, SignalFuture,
    SignalHandler, UpdateDefinition, WaitCondition,
};
pub use options::{ActivityCancellationType, ActivityOptions, LocalActivityOptions};
pub(crate) use side_effect::{SIDE_EFFECT_ACTIVITY, run_side_effect};

use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;

/// A workflow definition: its Temporal type name, input, output and body.
pub trait Workflow: 'static {
    /// The input, decoded from the start request's payloads.
    type Input: DeserializeOwned + Serialize + 'static;
    /// The result, encoded as the completion payload.
    type Output: Serialize + DeserializeOwned + 'static;
    /// The workflow type name, shared with every client and SDK that starts this workflow.
    const NAME: &'static str;

    /// The workflow body.
    fn run(
        ctx: WorkflowContext,
        input: Self::Input,
    ) -> impl Future<Output = WorkflowResult<Self::Output>> + 'static;
}
