//! Workflows: deterministic Rust functions that Temporal runs durably.
//!
//! A workflow is a type implementing [`Workflow`]: a name, typed input and output, and an
//! `async fn run` that receives a [`WorkflowContext`]. Everything the workflow does that Temporal
//! must remember (activities, timers, children, ...) goes through the context, which turns each
//! call into a Temporal command; on replay the same calls are matched against the recorded
//! history.
//!
//! ```
//! use ironflow::{ActivityDefinition, Workflow, WorkflowContext, WorkflowResult};
//! use std::time::Duration;
//!
//! pub struct Greet;
//! impl ActivityDefinition for Greet {
//!     const NAME: &'static str = "greet";
//!     type Input = String;
//!     type Output = String;
//! }
//!
//! pub struct Hello;
//! impl Workflow for Hello {
//!     const NAME: &'static str = "Hello";
//!     type Input = String;
//!     type Output = String;
//!
//!     async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
//!         let greeting = ctx.activity::<Greet>(name).await?; // typed by the definition
//!         ctx.sleep(Duration::from_secs(1)).await?;          // a durable timer
//!         Ok(greeting)
//!     }
//! }
//! ```
//!
//! # Commands are futures, issued when first polled
//!
//! `ctx.activity::<A>(x)`, `ctx.sleep(d)`, `ctx.child_workflow::<W>(x)`, signals and
//! cancellations of other workflows all return futures (so `futures::future::join_all` fans out
//! over them directly). A command is sent when its future is first polled: the options set on it
//! before then apply, a future that is never awaited sends nothing, and the command joins the
//! [cancellation scope](CancellationScope) current at that moment. Dropping an issued command's
//! future before it resolves cancels the command.
//!
//! # State shared with handlers
//!
//! Signal, query and update handlers share state with the body through a [`WorkflowState`]
//! (`ctx.state(MyState { .. })`): handlers get `&mut MyState` or `&MyState`, the body reads and
//! writes it between awaits, and nobody writes `Rc<RefCell<..>>`.
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

mod activity_call;
mod cancellation;
mod child;
mod command;
mod context;
mod continue_as_new;
mod definition;
mod error;
mod external;
mod id_policy;
mod logger;
mod nexus_call;
mod patching;
mod properties;
pub(crate) mod registration;
mod side_effect;
mod signals;
mod state;
mod timer;
mod versioning_behavior;

#[cfg(test)]
mod tests;

pub use crate::executor::info::WorkflowInfo;
pub use activity_call::{ActivityCall, ActivityCancellationType, ActivityOptions, LocalActivityCall};
pub use cancellation::{CancellationScope, InScope, ScopeCancelled};
pub use child::{
    ChildCancellationType, ChildResultFuture, ChildStart, ChildWorkflow, ChildWorkflowOptions,
    ParentClosePolicy, StartedChild,
};
pub use context::{CancelRequested, WorkflowContext};
pub use continue_as_new::ContinueAsNewOptions;
pub use definition::{QueryDefinition, SignalDefinition, UpdateDefinition, Workflow};
pub use error::{
    ActivityError, Cancelled, ChildWorkflowError, ExternalWorkflowError, StartChildFailedCause,
    WorkflowError, WorkflowResult,
};
pub use external::{ExternalCancel, ExternalSignal, ExternalWorkflow};
pub use id_policy::{IdConflictPolicy, IdReusePolicy};
pub use logger::WorkflowLogger;
pub use nexus_call::{NexusOperationCall, NexusOperationError};
pub use signals::{AnySignalFuture, SignalChannel, SignalFuture, WaitCondition};
pub use state::{QueryHandler, SignalHandler, UpdateRegistration, WorkflowHandlers, WorkflowState};
pub use timer::Timer;
pub use versioning_behavior::VersioningBehavior;
