//! Workflows by type name, with their types erased: each is a factory of the run's main future,
//! which ends with a [`RunCompletion`]. The typed side lives in `crate::workflow`.

use super::state::SharedState;
use crate::converter::{Failure, Payload};
use futures::future::LocalBoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;
use temporalio_common::protos::coresdk::workflow_commands::ContinueAsNewWorkflowExecution;
use temporalio_common::protos::temporal::api::enums::v1::VersioningBehavior;

/// How a run's main routine ended.
pub(crate) enum RunCompletion {
    /// Completed with a result.
    Completed(Payload),
    /// Failed with a failure.
    Failed(Failure),
    /// Reports itself cancelled.
    Cancelled,
    /// Continues as a new run.
    ContinueAsNew(Box<ContinueAsNewWorkflowExecution>),
    /// Fails the workflow task (not the workflow): the server retries the task.
    FailTask(String),
}

/// A run's main routine.
pub(crate) type MainFuture = LocalBoxFuture<'static, RunCompletion>;

/// Creates the main routine from the run's state and the raw input (called on the workflow
/// thread). The type name is the one the run was started with.
pub(crate) type WorkflowFactory = Arc<dyn Fn(SharedState, &str, &[Payload]) -> MainFuture + Send + Sync>;

/// A registered workflow type.
#[derive(Clone)]
pub(crate) struct RegisteredWorkflow {
    pub(crate) factory: WorkflowFactory,
    /// The versioning behaviour this type declares (Worker Deployment versioning), if any.
    pub(crate) versioning_behavior: Option<VersioningBehavior>,
}

/// Workflows by type name, and an optional catch-all.
#[derive(Clone, Default)]
pub(crate) struct WorkflowRegistry {
    by_name: BTreeMap<String, RegisteredWorkflow>,
    dynamic: Option<RegisteredWorkflow>,
}

impl WorkflowRegistry {
    /// Registers a workflow type; a second one with the same name replaces the first.
    pub(crate) fn insert(&mut self, name: &str, workflow: RegisteredWorkflow) {
        self.by_name.insert(name.to_string(), workflow);
    }

    /// Registers the catch-all for unregistered type names.
    pub(crate) fn set_dynamic(&mut self, workflow: RegisteredWorkflow) {
        self.dynamic = Some(workflow);
    }

    /// The workflow for a type name: its registered one, else the catch-all.
    pub(crate) fn get(&self, name: &str) -> Option<&RegisteredWorkflow> {
        self.by_name.get(name).or(self.dynamic.as_ref())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.dynamic.is_none()
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}
