//! Continue-as-new: end this run and start a fresh one with a new input and an empty history.

use super::context::WorkflowContext;
use super::error::WorkflowError;
use crate::converter::to_payloads;
use serde::Serialize;
use std::time::Duration;
use temporalio_common::protos::coresdk::workflow_commands as wc;
use temporalio_common::protos::temporal::api::enums::v1::ContinueAsNewVersioningBehavior;

/// Options for [`WorkflowContext::continue_as_new_with`]; unset fields keep the current run's.
#[derive(Debug, Clone, Default)]
pub struct ContinueAsNewOptions {
    /// Continue as another workflow type.
    pub workflow_type: Option<String>,
    /// Continue on another task queue.
    pub task_queue: Option<String>,
    /// The new run's run timeout.
    pub run_timeout: Option<Duration>,
    /// The new run's workflow task timeout.
    pub task_timeout: Option<Duration>,
    /// Start the new run on the Worker Deployment's current version rather than this run's
    /// (how a pinned execution migrates to a new version; see [`crate::versioning`]).
    pub upgrade_to_current_version: bool,
}

impl ContinueAsNewOptions {
    /// Continue as another workflow type.
    pub fn workflow_type(mut self, t: impl Into<String>) -> Self {
        self.workflow_type = Some(t.into());
        self
    }

    /// Start the new run on the deployment's current version.
    pub fn upgrade_to_current_version(mut self) -> Self {
        self.upgrade_to_current_version = true;
        self
    }
}

impl WorkflowContext {
    /// Ends this run and starts a new run of the same workflow with `input`; return it as the
    /// workflow's error: `return Err(ctx.continue_as_new(next_input))`.
    pub fn continue_as_new<I: Serialize>(&self, input: I) -> WorkflowError {
        self.continue_as_new_with(input, ContinueAsNewOptions::default())
    }

    /// Like [`WorkflowContext::continue_as_new`], with another workflow type, task queue or
    /// timeouts.
    pub fn continue_as_new_with<I: Serialize>(
        &self,
        input: I,
        options: ContinueAsNewOptions,
    ) -> WorkflowError {
        let arguments = match to_payloads(&input) {
            Ok(p) => p,
            Err(e) => return WorkflowError::Failed(Box::new(e.to_failure("the continue-as-new input"))),
        };
        let dur = |d: Option<Duration>| d.and_then(|d| d.try_into().ok());
        WorkflowError::ContinueAsNew(Box::new(wc::ContinueAsNewWorkflowExecution {
            workflow_type: options.workflow_type.unwrap_or_default(),
            task_queue: options.task_queue.unwrap_or_default(),
            arguments,
            workflow_run_timeout: dur(options.run_timeout),
            workflow_task_timeout: dur(options.task_timeout),
            initial_versioning_behavior: if options.upgrade_to_current_version {
                ContinueAsNewVersioningBehavior::AutoUpgrade as i32
            } else {
                0
            },
            ..Default::default()
        }))
    }
}
