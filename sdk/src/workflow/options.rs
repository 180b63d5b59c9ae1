//! Per-call options for activities and local activities.

use crate::RetryPolicy;
use std::time::Duration;

/// What happens to an activity when the workflow stops waiting for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityCancellationType {
    /// Ask the activity to stop and resolve at once as cancelled (Temporal's default).
    #[default]
    TryCancel,
    /// Ask the activity to stop and wait until it acknowledges.
    WaitCancellationCompleted,
    /// Resolve at once; do not tell the activity.
    Abandon,
}

/// Options for one activity call; unset fields take the activity's own defaults
/// ([`crate::Activity::retry_policy`] and [`crate::Activity::timeout`]).
#[derive(Debug, Clone, Default)]
pub struct ActivityOptions {
    /// Activity id; defaults to the command's sequence number, which is unique per run.
    pub activity_id: Option<String>,
    /// Task queue; defaults to the workflow's.
    pub task_queue: Option<String>,
    /// Timeout of one attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Timeout across all attempts, retries included.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Timeout for waiting in the task queue.
    pub schedule_to_start_timeout: Option<Duration>,
    /// Heartbeat timeout.
    pub heartbeat_timeout: Option<Duration>,
    /// Retry policy.
    pub retry_policy: Option<RetryPolicy>,
    /// Cancellation behaviour.
    pub cancellation_type: ActivityCancellationType,
}

/// Options for one local-activity call.
#[derive(Debug, Clone, Default)]
pub struct LocalActivityOptions {
    /// Activity id; defaults to the command's sequence number.
    pub activity_id: Option<String>,
    /// Timeout of one attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Timeout across all attempts.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Retry policy (retries run in the worker, with long backoffs as durable timers).
    pub retry_policy: Option<RetryPolicy>,
    /// Backoffs longer than this become durable timers instead of in-worker sleeps.
    pub local_retry_threshold: Option<Duration>,
}
