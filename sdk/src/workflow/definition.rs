//! Definitions: the [`Workflow`] trait, and the names and types of the messages a workflow
//! handles ([`SignalDefinition`], [`QueryDefinition`], [`UpdateDefinition`]), shared by workflow
//! code and clients.

use super::context::WorkflowContext;
use super::error::WorkflowResult;
use super::versioning_behavior::VersioningBehavior;
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;

/// A workflow: its Temporal type name, input, output and body.
///
/// The body is a plain `async fn`: everything Temporal must remember goes through the
/// [`WorkflowContext`]. State shared with signal, query and update handlers lives in a
/// [`crate::workflow::WorkflowState`] made with [`WorkflowContext::state`].
///
/// ```
/// use ironflow::{Workflow, WorkflowContext, WorkflowResult};
/// use std::time::Duration;
///
/// pub struct Reminder;
///
/// impl Workflow for Reminder {
///     const NAME: &'static str = "Reminder";
///     type Input = u64;
///     type Output = String;
///
///     async fn run(ctx: WorkflowContext, seconds: u64) -> WorkflowResult<String> {
///         ctx.sleep(Duration::from_secs(seconds)).await?;
///         Ok(format!("woke up at {:?}", ctx.now()))
///     }
/// }
/// ```
pub trait Workflow: 'static {
    /// The workflow type name, shared with every client and SDK that starts this workflow.
    const NAME: &'static str;
    /// The input, decoded from the start request's payloads (`()` for none,
    /// [`crate::converter::Args`] for several).
    type Input: Serialize + DeserializeOwned + 'static;
    /// The result, encoded as the completion payload.
    type Output: Serialize + DeserializeOwned + 'static;

    /// The Worker Deployment versioning behaviour of this workflow type (`Pinned`: executions
    /// stay on the version that started them; `AutoUpgrade`: they move to the current version).
    /// `None` (the default) uses the worker's default behaviour.
    fn versioning_behavior() -> Option<VersioningBehavior> {
        None
    }

    /// The workflow body.
    fn run(
        ctx: WorkflowContext,
        input: Self::Input,
    ) -> impl Future<Output = WorkflowResult<Self::Output>> + 'static;
}

/// A signal: its name and the type of its data (`()` for none, [`crate::converter::Args`] for
/// several arguments).
///
/// ```
/// pub struct Approve;
/// impl ironflow::workflow::SignalDefinition for Approve {
///     const NAME: &'static str = "approve";
///     type Data = String;
/// }
/// ```
pub trait SignalDefinition: 'static {
    /// The signal name every SDK and the CLI use.
    const NAME: &'static str;
    /// The data the signal carries.
    type Data: Serialize + DeserializeOwned + 'static;
}

/// A query: its name, argument and result types.
pub trait QueryDefinition: 'static {
    /// The query name.
    const NAME: &'static str;
    /// The argument (`()` for none).
    type Args: Serialize + DeserializeOwned + 'static;
    /// The result.
    type Result: Serialize + DeserializeOwned + 'static;
}

/// An update: its name, argument and result types.
pub trait UpdateDefinition: 'static {
    /// The update name.
    const NAME: &'static str;
    /// The argument (`()` for none).
    type Args: Serialize + DeserializeOwned + 'static;
    /// The result.
    type Result: Serialize + DeserializeOwned + 'static;
}
