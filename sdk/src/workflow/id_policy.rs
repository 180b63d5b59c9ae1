//! Workflow id policies: what the server does when a workflow with the same id exists, for
//! starts from clients and for child workflows.

use temporalio_common::protos::temporal::api::enums::v1 as enums;

/// What the server does when a *closed* workflow with the same id exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdReusePolicy {
    /// Start a new run whatever the old one's outcome (the server's default).
    #[default]
    AllowDuplicate,
    /// Start only if the previous run did not complete successfully.
    AllowDuplicateFailedOnly,
    /// Never reuse the id.
    RejectDuplicate,
    /// Terminate a running workflow with the id and start a new one.
    TerminateIfRunning,
}

impl IdReusePolicy {
    #[allow(deprecated)] // still the way to ask for it through the start request
    pub(crate) fn to_proto(self) -> enums::WorkflowIdReusePolicy {
        match self {
            Self::AllowDuplicate => enums::WorkflowIdReusePolicy::AllowDuplicate,
            Self::AllowDuplicateFailedOnly => enums::WorkflowIdReusePolicy::AllowDuplicateFailedOnly,
            Self::RejectDuplicate => enums::WorkflowIdReusePolicy::RejectDuplicate,
            Self::TerminateIfRunning => enums::WorkflowIdReusePolicy::TerminateIfRunning,
        }
    }
}

/// What the server does when a *running* workflow with the same id exists. Left unset, the
/// server decides per operation: a start fails, a signal-with-start uses the running workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdConflictPolicy {
    /// Reject the start.
    Fail,
    /// Return the running workflow instead of starting one.
    UseExisting,
    /// Terminate the running workflow and start a new one.
    TerminateExisting,
}

impl IdConflictPolicy {
    pub(crate) fn to_proto(self) -> enums::WorkflowIdConflictPolicy {
        match self {
            Self::Fail => enums::WorkflowIdConflictPolicy::Fail,
            Self::UseExisting => enums::WorkflowIdConflictPolicy::UseExisting,
            Self::TerminateExisting => enums::WorkflowIdConflictPolicy::TerminateExisting,
        }
    }
}
