//! [`Failure`]: Temporal's failure chain as a Rust value, and its mapping to the proto.

use super::{Payload, PayloadError, from_payloads};
use serde::de::DeserializeOwned;
use std::fmt;
use temporalio_common::protos::temporal::api::{
    common::v1::{ActivityType, Payloads, WorkflowExecution, WorkflowType},
    enums::v1 as enums,
    failure::v1::{
        ActivityFailureInfo, ApplicationFailureInfo, CanceledFailureInfo, ChildWorkflowExecutionFailureInfo,
        Failure as ProtoFailure, ServerFailureInfo, TerminatedFailureInfo, TimeoutFailureInfo,
        failure::FailureInfo,
    },
};

/// The `source` Ironflow writes into the failures it creates.
pub const FAILURE_SOURCE: &str = "IronflowSDK";

/// A failure as Temporal records it: a message, what kind of failure it is, and the failure
/// that caused it. Activity and child-workflow failures reach a workflow as a chain such as
/// `ActivityFailure → ApplicationFailure`; a workflow's own failure reaches the client the same
/// way. Every SDK reads and writes this shape, so failures cross languages intact.
///
/// ```
/// use ironflow::converter::{Failure, FailureKind};
/// let f = Failure::application("card declined", "PaymentError", true);
/// assert!(f.is_non_retryable());
/// assert_eq!(f.application_type(), Some("PaymentError"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Human-readable message.
    pub message: String,
    /// What kind of failure this is, with the data Temporal keeps for that kind.
    pub kind: FailureKind,
    /// Stack trace or location text, if the producer recorded one.
    pub stack_trace: String,
    /// The SDK that produced the failure (`IronflowSDK`, `GoSDK`, `PythonSDK`, ...).
    pub source: String,
    /// The failure that caused this one.
    pub cause: Option<Box<Failure>>,
}

/// The kinds of Temporal failure.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FailureKind {
    /// An error raised by workflow or activity code.
    Application {
        /// The error type name; matched against a retry policy's non-retryable types.
        error_type: String,
        /// True when the raiser asked for no retries.
        non_retryable: bool,
        /// Extra data attached by the raiser.
        details: Vec<Payload>,
    },
    /// A timeout enforced by the server.
    Timeout {
        /// Which timeout fired.
        timeout_type: TimeoutType,
        /// The last heartbeat details, for heartbeat timeouts.
        last_heartbeat_details: Vec<Payload>,
    },
    /// Cancellation.
    Cancelled {
        /// Details given with the cancellation.
        details: Vec<Payload>,
    },
    /// The execution was terminated.
    Terminated,
    /// A failure raised by the server itself.
    Server {
        /// True when retrying cannot help.
        non_retryable: bool,
    },
    /// An activity failed; the cause says why.
    Activity {
        /// The activity type name.
        activity_type: String,
        /// The activity id within its workflow.
        activity_id: String,
        /// Why the server stopped retrying.
        retry_state: RetryState,
    },
    /// A child workflow failed; the cause says why.
    ChildWorkflow {
        /// The child's workflow type.
        workflow_type: String,
        /// The child's workflow id.
        workflow_id: String,
        /// The child's run id.
        run_id: String,
        /// The child's namespace.
        namespace: String,
        /// Why the server stopped retrying.
        retry_state: RetryState,
    },
    /// A kind Ironflow does not model (Nexus, reset); kept as received.
    Other(Box<FailureInfo>),
    /// No kind was set.
    Unspecified,
}

/// Which timeout fired (Temporal's `TimeoutType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutType {
    /// Start-to-close.
    StartToClose,
    /// Schedule-to-start.
    ScheduleToStart,
    /// Schedule-to-close.
    ScheduleToClose,
    /// Heartbeat.
    Heartbeat,
    /// Not set.
    Unspecified,
}

/// Why the server stopped retrying (Temporal's `RetryState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryState {
    /// Still retrying.
    InProgress,
    /// The failure was non-retryable.
    NonRetryableFailure,
    /// A timeout ended the retries.
    Timeout,
    /// The retry policy's maximum attempts was reached.
    MaximumAttemptsReached,
    /// There was no retry policy.
    RetryPolicyNotSet,
    /// An internal server error.
    InternalServerError,
    /// Cancellation was requested.
    CancelRequested,
    /// Not set.
    Unspecified,
}

impl Failure {
    /// An application failure with a message, an error type and the retry choice.
    pub fn application(
        message: impl Into<String>,
        error_type: impl Into<String>,
        non_retryable: bool,
    ) -> Self {
        Failure {
            message: message.into(),
            kind: FailureKind::Application {
                error_type: error_type.into(),
                non_retryable,
                details: Vec::new(),
            },
            stack_trace: String::new(),
            source: FAILURE_SOURCE.to_string(),
            cause: None,
        }
    }

    /// A cancellation failure.
    pub fn cancelled(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            kind: FailureKind::Cancelled { details: Vec::new() },
            stack_trace: String::new(),
            source: FAILURE_SOURCE.to_string(),
            cause: None,
        }
    }

    /// Sets the cause.
    pub fn with_cause(mut self, cause: Failure) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// The innermost failure of the chain.
    pub fn root_cause(&self) -> &Failure {
        let mut f = self;
        while let Some(c) = &f.cause {
            f = c;
        }
        f
    }

    /// Iterates the chain from this failure to its root cause.
    pub fn chain(&self) -> impl Iterator<Item = &Failure> {
        std::iter::successors(Some(self), |f| f.cause.as_deref())
    }

    /// The application error type of the first application failure in the chain.
    pub fn application_type(&self) -> Option<&str> {
        self.chain().find_map(|f| match &f.kind {
            FailureKind::Application { error_type, .. } => Some(error_type.as_str()),
            _ => None,
        })
    }

    /// True when this failure is non-retryable application or server failure.
    pub fn is_non_retryable(&self) -> bool {
        matches!(
            self.kind,
            FailureKind::Application {
                non_retryable: true,
                ..
            } | FailureKind::Server { non_retryable: true }
        )
    }

    /// True when any failure of the chain is a cancellation.
    pub fn is_cancelled(&self) -> bool {
        self.chain()
            .any(|f| matches!(f.kind, FailureKind::Cancelled { .. }))
    }

    /// The timeout type if any failure of the chain is a timeout.
    pub fn timeout_type(&self) -> Option<TimeoutType> {
        self.chain().find_map(|f| match f.kind {
            FailureKind::Timeout { timeout_type, .. } => Some(timeout_type),
            _ => None,
        })
    }

    /// Decodes the details of the first application failure in the chain.
    pub fn details<T: DeserializeOwned>(&self) -> Option<Result<T, PayloadError>> {
        self.chain().find_map(|f| match &f.kind {
            FailureKind::Application { details, .. } if !details.is_empty() => Some(from_payloads(details)),
            _ => None,
        })
    }

    /// Converts to Temporal's proto.
    pub fn to_proto(&self) -> ProtoFailure {
        let payloads = |p: &Vec<Payload>| (!p.is_empty()).then(|| Payloads { payloads: p.clone() });
        let info = match &self.kind {
            FailureKind::Application {
                error_type,
                non_retryable,
                details,
            } => Some(FailureInfo::ApplicationFailureInfo(ApplicationFailureInfo {
                r#type: error_type.clone(),
                non_retryable: *non_retryable,
                details: payloads(details),
                ..Default::default()
            })),
            FailureKind::Timeout {
                timeout_type,
                last_heartbeat_details,
            } => Some(FailureInfo::TimeoutFailureInfo(TimeoutFailureInfo {
                timeout_type: timeout_type.to_proto() as i32,
                last_heartbeat_details: payloads(last_heartbeat_details),
            })),
            FailureKind::Cancelled { details } => {
                Some(FailureInfo::CanceledFailureInfo(CanceledFailureInfo {
                    details: payloads(details),
                    ..Default::default()
                }))
            }
            FailureKind::Terminated => Some(FailureInfo::TerminatedFailureInfo(
                TerminatedFailureInfo::default(),
            )),
            FailureKind::Server { non_retryable } => {
                Some(FailureInfo::ServerFailureInfo(ServerFailureInfo {
                    non_retryable: *non_retryable,
                }))
            }
            FailureKind::Activity {
                activity_type,
                activity_id,
                retry_state,
            } => Some(FailureInfo::ActivityFailureInfo(ActivityFailureInfo {
                activity_type: Some(ActivityType {
                    name: activity_type.clone(),
                }),
                activity_id: activity_id.clone(),
                retry_state: retry_state.to_proto() as i32,
                ..Default::default()
            })),
            FailureKind::ChildWorkflow {
                workflow_type,
                workflow_id,
                run_id,
                namespace,
                retry_state,
            } => Some(FailureInfo::ChildWorkflowExecutionFailureInfo(
                ChildWorkflowExecutionFailureInfo {
                    namespace: namespace.clone(),
                    workflow_execution: Some(WorkflowExecution {
                        workflow_id: workflow_id.clone(),
                        run_id: run_id.clone(),
                    }),
                    workflow_type: Some(WorkflowType {
                        name: workflow_type.clone(),
                    }),
                    retry_state: retry_state.to_proto() as i32,
                    ..Default::default()
                },
            )),
            FailureKind::Other(info) => Some((**info).clone()),
            FailureKind::Unspecified => None,
        };
        ProtoFailure {
            message: self.message.clone(),
            source: self.source.clone(),
            stack_trace: self.stack_trace.clone(),
            cause: self.cause.as_ref().map(|c| Box::new(c.to_proto())),
            failure_info: info,
            ..Default::default()
        }
    }

    /// Converts from Temporal's proto.
    pub fn from_proto(proto: &ProtoFailure) -> Self {
        let payloads = |p: &Option<Payloads>| p.as_ref().map(|p| p.payloads.clone()).unwrap_or_default();
        let kind = match &proto.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(a)) => FailureKind::Application {
                error_type: a.r#type.clone(),
                non_retryable: a.non_retryable,
                details: payloads(&a.details),
            },
            Some(FailureInfo::TimeoutFailureInfo(t)) => FailureKind::Timeout {
                timeout_type: TimeoutType::from_proto(t.timeout_type),
                last_heartbeat_details: payloads(&t.last_heartbeat_details),
            },
            Some(FailureInfo::CanceledFailureInfo(c)) => FailureKind::Cancelled {
                details: payloads(&c.details),
            },
            Some(FailureInfo::TerminatedFailureInfo(_)) => FailureKind::Terminated,
            Some(FailureInfo::ServerFailureInfo(s)) => FailureKind::Server {
                non_retryable: s.non_retryable,
            },
            Some(FailureInfo::ActivityFailureInfo(a)) => FailureKind::Activity {
                activity_type: a
                    .activity_type
                    .as_ref()
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                activity_id: a.activity_id.clone(),
                retry_state: RetryState::from_proto(a.retry_state),
            },
            Some(FailureInfo::ChildWorkflowExecutionFailureInfo(c)) => FailureKind::ChildWorkflow {
                workflow_type: c
                    .workflow_type
                    .as_ref()
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                workflow_id: c
                    .workflow_execution
                    .as_ref()
                    .map(|e| e.workflow_id.clone())
                    .unwrap_or_default(),
                run_id: c
                    .workflow_execution
                    .as_ref()
                    .map(|e| e.run_id.clone())
                    .unwrap_or_default(),
                namespace: c.namespace.clone(),
                retry_state: RetryState::from_proto(c.retry_state),
            },
            Some(other) => FailureKind::Other(Box::new(other.clone())),
            None => FailureKind::Unspecified,
        };
        // A failure whose message and stack trace were moved into `encoded_attributes` (the
        // other SDKs' `encode_common_attributes`, Ironflow's `encode_failure_attributes`) gets
        // them back, once the codecs have decoded that payload.
        let (mut message, mut stack_trace) = (proto.message.clone(), proto.stack_trace.clone());
        if let Some(attributes) = proto
            .encoded_attributes
            .as_ref()
            .and_then(|p| super::from_payload::<serde_json::Value>(p).ok())
        {
            if let Some(m) = attributes.get("message").and_then(|m| m.as_str()) {
                message = m.to_string();
            }
            if let Some(t) = attributes.get("stack_trace").and_then(|t| t.as_str()) {
                stack_trace = t.to_string();
            }
        }
        Failure {
            message,
            kind,
            stack_trace,
            source: proto.source.clone(),
            cause: proto.cause.as_ref().map(|c| Box::new(Failure::from_proto(c))),
        }
    }
}

impl From<&ProtoFailure> for Failure {
    fn from(p: &ProtoFailure) -> Self {
        Failure::from_proto(p)
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureKind::Application {
                error_type,
                non_retryable,
                ..
            } => {
                let t = if error_type.is_empty() {
                    "Error"
                } else {
                    error_type
                };
                write!(f, "application error {t}")?;
                if *non_retryable {
                    write!(f, " (non-retryable)")?;
                }
                Ok(())
            }
            FailureKind::Timeout { timeout_type, .. } => write!(f, "{timeout_type:?} timeout"),
            FailureKind::Cancelled { .. } => write!(f, "cancelled"),
            FailureKind::Terminated => write!(f, "terminated"),
            FailureKind::Server { .. } => write!(f, "server error"),
            FailureKind::Activity {
                activity_type,
                activity_id,
                retry_state,
            } => write!(
                f,
                "activity `{activity_type}` (id {activity_id}) failed, retry state {retry_state:?}"
            ),
            FailureKind::ChildWorkflow {
                workflow_type,
                workflow_id,
                retry_state,
                ..
            } => write!(
                f,
                "child workflow `{workflow_type}` (id {workflow_id}) failed, retry state {retry_state:?}"
            ),
            FailureKind::Other(_) => write!(f, "failure"),
            FailureKind::Unspecified => write!(f, "failure"),
        }
    }
}

impl fmt::Display for Failure {
    /// One line per link of the chain: `kind: message`, then `caused by: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, link) in self.chain().enumerate() {
            if i > 0 {
                write!(f, "; caused by: ")?;
            }
            write!(f, "{}", link.kind)?;
            if !link.message.is_empty() {
                write!(f, ": {}", link.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        None
    }
}

impl TimeoutType {
    fn from_proto(v: i32) -> Self {
        match enums::TimeoutType::try_from(v) {
            Ok(enums::TimeoutType::StartToClose) => Self::StartToClose,
            Ok(enums::TimeoutType::ScheduleToStart) => Self::ScheduleToStart,
            Ok(enums::TimeoutType::ScheduleToClose) => Self::ScheduleToClose,
            Ok(enums::TimeoutType::Heartbeat) => Self::Heartbeat,
            _ => Self::Unspecified,
        }
    }
    fn to_proto(self) -> enums::TimeoutType {
        match self {
            Self::StartToClose => enums::TimeoutType::StartToClose,
            Self::ScheduleToStart => enums::TimeoutType::ScheduleToStart,
            Self::ScheduleToClose => enums::TimeoutType::ScheduleToClose,
            Self::Heartbeat => enums::TimeoutType::Heartbeat,
            Self::Unspecified => enums::TimeoutType::Unspecified,
        }
    }
}

impl RetryState {
    fn from_proto(v: i32) -> Self {
        use enums::RetryState as R;
        match R::try_from(v) {
            Ok(R::InProgress) => Self::InProgress,
            Ok(R::NonRetryableFailure) => Self::NonRetryableFailure,
            Ok(R::Timeout) => Self::Timeout,
            Ok(R::MaximumAttemptsReached) => Self::MaximumAttemptsReached,
            Ok(R::RetryPolicyNotSet) => Self::RetryPolicyNotSet,
            Ok(R::InternalServerError) => Self::InternalServerError,
            Ok(R::CancelRequested) => Self::CancelRequested,
            _ => Self::Unspecified,
        }
    }
    fn to_proto(self) -> enums::RetryState {
        use enums::RetryState as R;
        match self {
            Self::InProgress => R::InProgress,
            Self::NonRetryableFailure => R::NonRetryableFailure,
            Self::Timeout => R::Timeout,
            Self::MaximumAttemptsReached => R::MaximumAttemptsReached,
            Self::RetryPolicyNotSet => R::RetryPolicyNotSet,
            Self::InternalServerError => R::InternalServerError,
            Self::CancelRequested => R::CancelRequested,
            Self::Unspecified => R::Unspecified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_round_trip_keeps_the_chain() {
        let f = Failure {
            message: "activity failed".into(),
            kind: FailureKind::Activity {
                activity_type: "charge".into(),
                activity_id: "1".into(),
                retry_state: RetryState::MaximumAttemptsReached,
            },
            stack_trace: String::new(),
            source: String::new(),
            cause: Some(Box::new(Failure::application("declined", "PaymentError", true))),
        };
        let back = Failure::from_proto(&f.to_proto());
        assert_eq!(back, f);
        assert_eq!(back.application_type(), Some("PaymentError"));
        let text = back.to_string();
        assert!(
            text.contains("charge") && text.contains("declined") && text.contains("PaymentError"),
            "{text}"
        );
    }
}
