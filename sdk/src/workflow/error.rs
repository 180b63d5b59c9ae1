//! Errors inside workflow code: what SDK calls return ([`ActivityError`],
//! [`ChildWorkflowError`], [`ExternalWorkflowError`], [`Cancelled`]) and what a workflow returns
//! ([`WorkflowError`]).

use crate::converter::{Failure, PayloadError, TimeoutType};
use crate::error::failure_from_error;
use std::fmt;

/// Why an activity call did not produce a result.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ActivityError {
    /// The activity failed after the server stopped retrying (or it was non-retryable); the
    /// failure chain starts with Temporal's `ActivityFailure` and its cause says why.
    #[error("{0}")]
    Failed(Box<Failure>),
    /// The activity was cancelled.
    #[error("activity cancelled: {0}")]
    Cancelled(Box<Failure>),
    /// The activity completed, but its result does not decode as the expected type.
    #[error("activity `{activity}` completed with a result that cannot be decoded: {source}")]
    Decode {
        /// The activity type.
        activity: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// The call could not be scheduled (for example, no timeout was given anywhere).
    #[error("activity `{activity}` cannot be scheduled: {reason}")]
    InvalidOptions {
        /// The activity type.
        activity: String,
        /// What is wrong.
        reason: String,
    },
}

impl ActivityError {
    /// The Temporal failure chain, when there is one.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            ActivityError::Failed(f) | ActivityError::Cancelled(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// The timeout that ended the activity, if one did.
    pub fn timeout_type(&self) -> Option<TimeoutType> {
        self.failure().and_then(Failure::timeout_type)
    }

    /// The application error type raised by the activity, if it raised one.
    pub fn application_type(&self) -> Option<&str> {
        self.failure().and_then(Failure::application_type)
    }

    /// True when the activity was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ActivityError::Cancelled(_))
    }

    /// The failure recorded when this error ends a workflow.
    pub fn to_failure(&self) -> Failure {
        match self {
            ActivityError::Failed(f) | ActivityError::Cancelled(f) => (**f).clone(),
            ActivityError::Decode { activity, source } => {
                source.to_failure(&format!("the result of activity `{activity}`"))
            }
            ActivityError::InvalidOptions { .. } => {
                Failure::application(self.to_string(), "InvalidActivityOptions", true)
            }
        }
    }
}

/// Why the server refused to start a child workflow (Temporal's
/// `StartChildWorkflowExecutionFailedCause`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartChildFailedCause {
    /// A workflow with the child's id exists and the id reuse policy forbids another.
    WorkflowAlreadyExists,
    /// The child's namespace does not exist.
    NamespaceNotFound,
    /// A cause this SDK version does not know (the raw value).
    Other(i32),
}

impl fmt::Display for StartChildFailedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WorkflowAlreadyExists => f.write_str("a workflow with this id already exists"),
            Self::NamespaceNotFound => f.write_str("the namespace does not exist"),
            Self::Other(n) => write!(f, "start failed with cause #{n}"),
        }
    }
}

/// Why a child workflow produced no result.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ChildWorkflowError {
    /// The server refused to start the child.
    #[error("child workflow `{workflow_type}` (id `{workflow_id}`) could not start: {cause}")]
    StartFailed {
        /// The child's workflow id.
        workflow_id: String,
        /// The child's workflow type.
        workflow_type: String,
        /// Why.
        cause: StartChildFailedCause,
    },
    /// The child failed (or timed out, or was terminated); the chain starts with Temporal's
    /// `ChildWorkflowFailure`.
    #[error("{0}")]
    Failed(Box<Failure>),
    /// The child was cancelled (or its start was).
    #[error("child workflow cancelled: {0}")]
    Cancelled(Box<Failure>),
    /// The child completed, but its result does not decode.
    #[error("child workflow `{workflow_type}` completed with a result that cannot be decoded: {source}")]
    Decode {
        /// The child's workflow type.
        workflow_type: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// The child cannot be started with these options.
    #[error("child workflow `{workflow_type}` cannot be started: {reason}")]
    InvalidOptions {
        /// The child's workflow type.
        workflow_type: String,
        /// What is wrong.
        reason: String,
    },
}

impl ChildWorkflowError {
    /// True when the child (or its start) was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ChildWorkflowError::Cancelled(_))
    }

    /// The failure recorded when this error ends the parent.
    pub fn to_failure(&self) -> Failure {
        match self {
            Self::Failed(f) | Self::Cancelled(f) => (**f).clone(),
            Self::Decode {
                workflow_type,
                source,
            } => source.to_failure(&format!("the result of child workflow `{workflow_type}`")),
            other => Failure::application(other.to_string(), "ChildWorkflowError", true),
        }
    }
}

/// Why a signal or cancellation request to another workflow was not delivered.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ExternalWorkflowError {
    /// The server could not deliver it (for example, no such running workflow).
    #[error("{0}")]
    Failed(Box<Failure>),
    /// The send was cancelled before it was delivered.
    #[error("cancelled before it was delivered")]
    Cancelled,
    /// The arguments cannot be encoded.
    #[error("{0}")]
    Encode(PayloadError),
}

impl ExternalWorkflowError {
    /// The failure recorded when this error ends a workflow.
    pub fn to_failure(&self) -> Failure {
        match self {
            Self::Failed(f) => (**f).clone(),
            Self::Cancelled => Failure::cancelled(self.to_string()),
            Self::Encode(e) => e.to_failure("the arguments of a signal to another workflow"),
        }
    }
}

/// A timer, scope or wait was cancelled. `?` turns it into [`WorkflowError::Cancelled`], so a
/// cancelled workflow that does not handle it reports itself cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// How a workflow ends when it does not return a result.
///
/// Any error converts into it with `?`: SDK errors keep their Temporal failure chain (an activity
/// failure stays an `ActivityFailure` with its cause), [`crate::ApplicationError`] keeps its type
/// and retry flag, and other errors become an application failure named after their Rust type.
pub enum WorkflowError {
    /// The workflow fails with this failure.
    Failed(Box<Failure>),
    /// The workflow reports itself cancelled (use after cancellation was requested).
    Cancelled,
    /// The run ends and a new run starts: made by [`crate::WorkflowContext::continue_as_new`].
    ContinueAsNew(Box<temporalio_common::protos::coresdk::workflow_commands::ContinueAsNewWorkflowExecution>),
    /// The workflow task fails, not the workflow: the server retries the task (replaying the
    /// workflow from its history), so a fixed worker can carry on. Made by
    /// [`WorkflowError::fail_task`]; the way to wait for a fix without failing the workflow.
    FailTask(String),
}

/// The result of a workflow body.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

impl WorkflowError {
    /// A workflow failure with a message and an application error type.
    pub fn application(message: impl Into<String>, error_type: impl Into<String>) -> Self {
        WorkflowError::Failed(Box::new(Failure::application(message, error_type, false)))
    }

    /// Fails the current workflow task on purpose, so the server retries it, instead of failing
    /// the workflow (for example, when a dependency the workflow needs is not deployed yet). The
    /// message is recorded in the `WorkflowTaskFailed` event; no panic, no backtrace.
    ///
    /// ```
    /// # use ironflow::{WorkflowError, WorkflowResult};
    /// fn check(config_ready: bool) -> WorkflowResult<()> {
    ///     if !config_ready {
    ///         return Err(WorkflowError::fail_task("the pricing table is not deployed yet"));
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn fail_task(message: impl Into<String>) -> Self {
        WorkflowError::FailTask(message.into())
    }

    /// The failure this error stands for (a cancellation failure for `Cancelled`).
    pub fn into_failure(self) -> Failure {
        match self {
            WorkflowError::Failed(f) => *f,
            WorkflowError::Cancelled => Failure::cancelled("cancelled"),
            WorkflowError::ContinueAsNew(_) => Failure::application(
                "continue-as-new is only possible from the workflow's main routine",
                "ContinueAsNewFromHandler",
                true,
            ),
            WorkflowError::FailTask(message) => Failure::application(
                format!(
                    "failing the workflow task is only possible from the workflow's main routine: {message}"
                ),
                "FailTaskFromHandler",
                false,
            ),
        }
    }

    /// The failure to record, if the workflow fails.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            WorkflowError::Failed(f) => Some(f.as_ref()),
            _ => None,
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for WorkflowError {
    fn from(err: E) -> Self {
        let any: &(dyn std::error::Error + 'static) = &err;
        if let Some(f) = any.downcast_ref::<Box<Failure>>() {
            return WorkflowError::Failed(f.clone());
        }
        if any.downcast_ref::<Cancelled>().is_some() {
            return WorkflowError::Cancelled;
        }
        if let Some(c) = any.downcast_ref::<ChildWorkflowError>() {
            return WorkflowError::Failed(Box::new(c.to_failure()));
        }
        if let Some(a) = any.downcast_ref::<ActivityError>() {
            return WorkflowError::Failed(Box::new(a.to_failure()));
        }
        if let Some(n) = any.downcast_ref::<super::nexus_call::NexusOperationError>() {
            return WorkflowError::Failed(Box::new(n.to_failure()));
        }
        if let Some(x) = any.downcast_ref::<ExternalWorkflowError>() {
            return WorkflowError::Failed(Box::new(x.to_failure()));
        }
        if let Some(p) = any.downcast_ref::<PayloadError>() {
            return WorkflowError::Failed(Box::new(p.to_failure("a value")));
        }
        WorkflowError::Failed(Box::new(failure_from_error(any, std::any::type_name::<E>())))
    }
}

impl fmt::Debug for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::Failed(failure) => write!(f, "workflow failed: {failure}"),
            WorkflowError::Cancelled => write!(f, "workflow cancelled"),
            WorkflowError::ContinueAsNew(c) => write!(f, "continue as new ({})", c.workflow_type),
            WorkflowError::FailTask(m) => write!(f, "workflow task failed on purpose: {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converter::{FailureKind, RetryState};

    #[test]
    fn activity_failure_keeps_its_chain_through_question_mark() {
        let chain = Failure {
            message: "activity failed".into(),
            kind: FailureKind::Activity {
                activity_type: "charge".into(),
                activity_id: "1".into(),
                retry_state: RetryState::NonRetryableFailure,
            },
            stack_trace: String::new(),
            source: String::new(),
            cause: Some(Box::new(Failure::application("declined", "PaymentError", true))),
        };
        fn body(e: ActivityError) -> WorkflowResult<()> {
            Err(e)?
        }
        let WorkflowError::Failed(f) = body(ActivityError::Failed(Box::new(chain.clone()))).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(*f, chain);
    }

    #[test]
    fn other_errors_are_named_after_their_type() {
        fn body() -> WorkflowResult<u32> {
            Ok("x".parse::<u32>()?)
        }
        let WorkflowError::Failed(f) = body().unwrap_err() else {
            panic!()
        };
        assert_eq!(f.application_type(), Some("ParseIntError"));
    }
}
