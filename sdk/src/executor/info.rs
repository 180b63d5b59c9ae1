//! [`WorkflowInfo`]: facts about the running workflow.

use crate::converter::Payload;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Facts about the running workflow execution.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WorkflowInfo {
    /// The workflow id.
    pub workflow_id: String,
    /// This run's id.
    pub run_id: String,
    /// The workflow type name.
    pub workflow_type: String,
    /// The namespace.
    pub namespace: String,
    /// The task queue the worker polls.
    pub task_queue: String,
    /// The attempt number (workflow retries), starting at 1.
    pub attempt: u32,
    /// The run id of the first run in a continue-as-new or retry chain.
    pub first_execution_run_id: String,
    /// The run this one continued from, if it was continued as new.
    pub continued_from_run_id: Option<String>,
    /// The parent workflow's id and run id, for a child workflow.
    pub parent: Option<(String, String)>,
    /// When the workflow execution started.
    pub start_time: Option<SystemTime>,
    /// Workflow execution timeout (all runs).
    pub execution_timeout: Option<Duration>,
    /// When the execution times out (all runs), if it has a timeout.
    pub execution_expiration_time: Option<SystemTime>,
    /// Workflow run timeout (this run).
    pub run_timeout: Option<Duration>,
    /// Workflow task timeout.
    pub task_timeout: Option<Duration>,
    /// The cron schedule, for a cron workflow.
    pub cron_schedule: Option<String>,
    /// The Temporal headers the workflow was started with (interceptors read them, e.g. for
    /// trace context).
    pub headers: HashMap<String, Payload>,
}
