//! [`ActivityContext`]: what a running activity knows and can do.

use crate::converter::{Payload, PayloadError, from_payloads, to_payload};
use serde::{Serialize, de::DeserializeOwned};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

/// Facts about the running activity attempt.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ActivityInfo {
    /// The activity id, unique within its workflow run.
    pub activity_id: String,
    /// The activity type name.
    pub activity_type: String,
    /// The attempt number, starting at 1.
    pub attempt: u32,
    /// The namespace of the calling workflow.
    pub namespace: String,
    /// The calling workflow's id.
    pub workflow_id: String,
    /// The calling workflow's run id.
    pub workflow_run_id: String,
    /// The calling workflow's type.
    pub workflow_type: String,
    /// The task queue the activity was dispatched on.
    pub task_queue: String,
    /// True for a local activity.
    pub is_local: bool,
    /// When the activity was first scheduled.
    pub scheduled_time: Option<SystemTime>,
    /// When this attempt started.
    pub started_time: Option<SystemTime>,
    /// Start-to-close timeout of this attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Schedule-to-close timeout across all attempts.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Heartbeat timeout; heartbeat more often than this.
    pub heartbeat_timeout: Option<Duration>,
    /// The task token, for completing the activity from elsewhere.
    pub task_token: Vec<u8>,
}

impl ActivityInfo {
    /// A key that is the same for every attempt of this activity and different for any other
    /// activity: use it to make side effects idempotent (`namespace/workflow_id/run_id/activity_id`).
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.namespace, self.workflow_id, self.workflow_run_id, self.activity_id
        )
    }

    /// The time by which this attempt must finish (start-to-close), if known.
    pub fn deadline(&self) -> Option<SystemTime> {
        Some(self.started_time? + self.start_to_close_timeout?)
    }
}

/// Why an activity was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The workflow cancelled it.
    Cancelled,
    /// The server no longer knows the activity (it timed out or completed elsewhere).
    NotFound,
    /// It timed out.
    TimedOut,
    /// The worker is shutting down.
    WorkerShutdown,
    /// The activity was paused.
    Paused,
    /// The workflow was reset.
    Reset,
}

pub(crate) type HeartbeatSink = Arc<dyn Fn(Vec<Payload>) + Send + Sync>;

/// Tells a worker's running activities that the worker is shutting down.
#[derive(Clone, Debug, Default)]
pub(crate) struct WorkerShutdownSignal(CancellationToken);

impl WorkerShutdownSignal {
    pub(crate) fn trigger(&self) {
        self.0.cancel();
    }
}

/// The handle an activity receives: its [`ActivityInfo`], heartbeats, and cancellation.
///
/// Cheap to clone; clones share the cancellation state.
#[derive(Clone)]
pub struct ActivityContext {
    inner: Arc<Inner>,
}

struct Inner {
    info: ActivityInfo,
    heartbeat_details: Vec<Payload>,
    cancel: CancellationToken,
    cancel_reason: Mutex<Option<CancelReason>>,
    heartbeat: HeartbeatSink,
    complete_async: std::sync::atomic::AtomicBool,
    worker_shutdown: WorkerShutdownSignal,
    metrics: crate::metrics::Metrics,
}

impl ActivityContext {
    pub(crate) fn new(
        info: ActivityInfo,
        heartbeat_details: Vec<Payload>,
        heartbeat: HeartbeatSink,
        worker_shutdown: WorkerShutdownSignal,
        metrics: crate::metrics::Metrics,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                info,
                heartbeat_details,
                cancel: CancellationToken::new(),
                cancel_reason: Mutex::new(None),
                heartbeat,
                complete_async: std::sync::atomic::AtomicBool::new(false),
                worker_shutdown,
                metrics,
            }),
        }
    }

    /// A context for calling an activity directly, outside a worker (unit tests): heartbeats are
    /// dropped and cancellation comes only from [`ActivityContext::cancel`].
    pub fn for_test(info: ActivityInfo) -> Self {
        Self::new(
            info,
            Vec::new(),
            Arc::new(|_| {}),
            WorkerShutdownSignal::default(),
            crate::metrics::Metrics::default(),
        )
    }

    /// Records metrics of your own on the worker's meter (see [`crate::metrics::Metrics`]),
    /// labelled with the activity type and task queue.
    ///
    /// ```
    /// # async fn demo(ctx: ironflow::ActivityContext) {
    /// ctx.metrics().counter("emails_sent").add(1);
    /// # }
    /// ```
    pub fn metrics(&self) -> crate::metrics::Metrics {
        self.inner.metrics.clone()
    }

    /// Facts about this attempt.
    pub fn info(&self) -> &ActivityInfo {
        &self.inner.info
    }

    /// Records a heartbeat without details. Heartbeats tell the server the activity is alive
    /// (required when a heartbeat timeout is set) and are how cancellation reaches a long
    /// activity. Sending is throttled and never blocks.
    pub fn heartbeat(&self) {
        (self.inner.heartbeat)(Vec::new());
    }

    /// Records a heartbeat with details (progress), given back to the next attempt by
    /// [`ActivityContext::heartbeat_details`].
    pub fn heartbeat_with<T: Serialize>(&self, details: T) -> Result<(), PayloadError> {
        (self.inner.heartbeat)(vec![to_payload(&details)?]);
        Ok(())
    }

    /// True once the worker running this activity started shutting down. The activity still
    /// has the worker's graceful shutdown period to finish; after it, it is cancelled
    /// ([`CancelReason::WorkerShutdown`]).
    pub fn is_worker_shutting_down(&self) -> bool {
        self.inner.worker_shutdown.0.is_cancelled()
    }

    /// Completes when the worker running this activity starts shutting down (see
    /// [`ActivityContext::is_worker_shutting_down`]): save progress with a heartbeat, or finish.
    pub async fn worker_shutdown(&self) {
        self.inner.worker_shutdown.0.cancelled().await
    }

    /// The details of the last heartbeat of a previous attempt, if it recorded any.
    pub fn heartbeat_details<T: DeserializeOwned>(&self) -> Option<Result<T, PayloadError>> {
        (!self.inner.heartbeat_details.is_empty()).then(|| from_payloads(&self.inner.heartbeat_details))
    }

    /// True once cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Completes when cancellation is requested.
    pub async fn cancelled(&self) {
        self.inner.cancel.cancelled().await
    }

    /// Why cancellation was requested, once it was.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        *self.inner.cancel_reason.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Declares that this activity will be completed later, from outside the worker, through
    /// [`crate::client::AsyncActivityHandle`] with the task token in [`ActivityInfo::task_token`].
    /// Whatever `execute` then returns is ignored. Not possible for local activities.
    pub fn complete_async(&self) {
        self.inner
            .complete_async
            .store(true, std::sync::atomic::Ordering::Release);
    }

    pub(crate) fn is_completing_async(&self) -> bool {
        self.inner
            .complete_async
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Requests cancellation (the worker calls this when the server asks; tests may too).
    pub fn cancel(&self, reason: CancelReason) {
        *self.inner.cancel_reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        self.inner.cancel.cancel();
    }
}
