//! Errors inside workflow code: [`ActivityError`] from activity calls and [`WorkflowError`], what
//! a workflow returns.

use crate::converter::{Failure, PayloadError, TimeoutType};
use crate::error::failure_from_error;
use std::fmt;

/// Why an activity call did not produce a result.
#[derive(Debug, Clone, thiserror::Error)]
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

    /// The failure recorded when this error ends a workflow.
    pub fn to_failure(&self) -> Failure {
        match self {
            ActivityError::Failed(f) | ActivityError::Cancelled(f) => (**f).clone(),
            ActivityError::Decode { .. } => {
                Failure::application(self.to_string(), "PayloadDecodeError", true)
            }
            ActivityError::InvalidOptions { .. } => {
                Failure::application(self.to_string(), "InvalidActivityOptions", true)
            }
        }
    }
}

/// A timer (or another SDK operation) was cancelled. `?` turns it into
/// [`WorkflowError::Cancelled`], so a cancelled workflow that does not handle it reports itself
/// cancelled.
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
}

/// The result of a workflow body.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

impl WorkflowError {
    /// A workflow failure with a message and an application error type.
    pub fn application(message: impl Into<String>, error_type: impl Into<String>) -> Self {
        WorkflowError::Failed(Box::new(Failure::application(message, error_type, false)))
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
        }
    }

    /// The failure to record, if the workflow fails.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            WorkflowError::Failed(f) => Some(f.as_ref()),
            WorkflowError::Cancelled | WorkflowError::ContinueAsNew(_) => None,
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
        if let Some(c) = any.downcast_ref::<super::external::ChildWorkflowError>() {
            return WorkflowError::Failed(Box::new(c.to_failure()));
        }
        if let Some(a) = any.downcast_ref::<ActivityError>() {
            return WorkflowError::Failed(Box::new(a.to_failure()));
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
