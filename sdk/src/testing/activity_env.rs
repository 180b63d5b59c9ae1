//! [`ActivityEnvironment`]: run an activity outside any worker and server, as Python's
//! `temporalio.testing.ActivityEnvironment` does: set what [`ActivityContext::info`] says (attempt,
//! deadlines, heartbeat details of a previous attempt), capture the heartbeats it records, and
//! request cancellation or a worker shutdown while it runs.
//!
//! ```
//! use ironflow::converter::PayloadError;
//! use ironflow::prelude::*;
//! use ironflow::testing::ActivityEnvironment;
//!
//! /// Counts to `n`, heartbeating progress, and resumes from the last heartbeat on a retry.
//! #[ironflow::activity]
//! async fn count(ctx: ActivityContext, n: u32) -> Result<u32, PayloadError> {
//!     let start = ctx.heartbeat_details::<u32>().transpose()?.unwrap_or(0);
//!     for i in start..n {
//!         ctx.heartbeat_with(i + 1)?;
//!     }
//!     Ok(n - start)
//! }
//!
//! # futures::executor::block_on(async {
//! // The second attempt, after the first one heartbeated 7.
//! let env = ActivityEnvironment::new().attempt(2).heartbeat_details(7u32).unwrap();
//! assert_eq!(env.run(&Count, 10).await.unwrap(), 3);
//! assert_eq!(env.heartbeats::<u32>().unwrap(), vec![8, 9, 10]);
//! assert_eq!(env.info().attempt, 2);
//! # });
//! ```

use crate::activity::{
    Activity, ActivityContext, ActivityDefinition, ActivityInfo, CancelReason, WorkerShutdownSignal,
};
use crate::converter::{PayloadError, from_payloads, to_payload};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use temporalio_common::protos::temporal::api::common::v1::Payload;

type HeartbeatHook = Arc<dyn Fn(&ActivityEnvironment) + Send + Sync>;

/// A test context for activities: see the [module documentation](self).
///
/// Cheap to clone; clones share the captured heartbeats and the running activity, so a clone
/// moved into another task can cancel it.
#[derive(Clone)]
pub struct ActivityEnvironment {
    info: ActivityInfo,
    heartbeat_details: Vec<Payload>,
    shared: Arc<Shared>,
    on_heartbeat: Option<HeartbeatHook>,
}

#[derive(Default)]
struct Shared {
    heartbeats: Mutex<Vec<Vec<Payload>>>,
    running: Mutex<Option<ActivityContext>>,
    /// Cancellation asked for before the activity started.
    pending_cancel: Mutex<Option<CancelReason>>,
    shutdown: WorkerShutdownSignal,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for ActivityEnvironment {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ActivityEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityEnvironment")
            .field("info", &self.info)
            .field("heartbeats", &lock(&self.shared.heartbeats).len())
            .finish()
    }
}

impl ActivityEnvironment {
    /// Attempt 1 of an activity of workflow `test-workflow` (type `TestWorkflow`) on task queue
    /// `test`, started now with a 60 s start-to-close timeout; the activity type is set from
    /// the definition when it runs.
    pub fn new() -> Self {
        let now = SystemTime::now();
        Self {
            info: ActivityInfo {
                activity_id: "test-activity".into(),
                activity_type: String::new(),
                attempt: 1,
                namespace: "default".into(),
                workflow_id: "test-workflow".into(),
                workflow_run_id: "test-run".into(),
                workflow_type: "TestWorkflow".into(),
                task_queue: "test".into(),
                is_local: false,
                scheduled_time: Some(now),
                started_time: Some(now),
                start_to_close_timeout: Some(Duration::from_secs(60)),
                schedule_to_close_timeout: None,
                heartbeat_timeout: None,
                task_token: b"test-task-token".to_vec(),
            },
            heartbeat_details: Vec::new(),
            shared: Arc::new(Shared::default()),
            on_heartbeat: None,
        }
    }

    /// Replaces the whole [`ActivityInfo`] (the activity type is still set from the definition
    /// when it is empty).
    pub fn with_info(mut self, info: ActivityInfo) -> Self {
        self.info = info;
        self
    }

    /// The attempt number (1 for the first).
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.info.attempt = attempt;
        self
    }

    /// The start-to-close timeout (and so [`ActivityInfo::deadline`]).
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.info.start_to_close_timeout = Some(timeout);
        self
    }

    /// The heartbeat timeout.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.info.heartbeat_timeout = Some(timeout);
        self
    }

    /// The details the previous attempt's last heartbeat recorded, which
    /// [`ActivityContext::heartbeat_details`] returns.
    pub fn heartbeat_details<T: Serialize>(mut self, details: T) -> Result<Self, PayloadError> {
        self.heartbeat_details = vec![to_payload(&details)?];
        Ok(self)
    }

    /// Calls `hook` after each heartbeat is captured (with this environment: cancel from there,
    /// as Python's `env.on_heartbeat` does).
    pub fn on_heartbeat(mut self, hook: impl Fn(&ActivityEnvironment) + Send + Sync + 'static) -> Self {
        self.on_heartbeat = Some(Arc::new(hook));
        self
    }

    /// What the activity's context says about the attempt.
    pub fn info(&self) -> &ActivityInfo {
        &self.info
    }

    /// Runs one attempt of `activity` (implementing definition `D`) with `input`, as a worker
    /// would call it.
    pub async fn run<D: ActivityDefinition, A: Activity<D>>(
        &self,
        activity: &A,
        input: D::Input,
    ) -> Result<D::Output, A::Error> {
        let mut info = self.info.clone();
        if info.activity_type.is_empty() {
            info.activity_type = D::NAME.to_string();
        }
        let env = self.clone();
        let sink = Arc::new(move |details: Vec<Payload>| {
            lock(&env.shared.heartbeats).push(details);
            if let Some(hook) = &env.on_heartbeat {
                hook(&env);
            }
        });
        let ctx = ActivityContext::new(
            info,
            self.heartbeat_details.clone(),
            sink,
            self.shared.shutdown.clone(),
            crate::metrics::Metrics::default(),
        );
        if let Some(reason) = *lock(&self.shared.pending_cancel) {
            ctx.cancel(reason);
        }
        *lock(&self.shared.running) = Some(ctx.clone());
        let out = activity.execute(ctx, input).await;
        *lock(&self.shared.running) = None;
        out
    }

    /// Requests cancellation of the running activity (or of the next one to run), as the
    /// server does when the workflow cancels it.
    pub fn cancel(&self) {
        self.cancel_with(CancelReason::Cancelled);
    }

    /// Requests cancellation with another reason (a timeout, a pause, ...).
    pub fn cancel_with(&self, reason: CancelReason) {
        *lock(&self.shared.pending_cancel) = Some(reason);
        if let Some(ctx) = lock(&self.shared.running).as_ref() {
            ctx.cancel(reason);
        }
    }

    /// Tells the activity its worker is shutting down ([`ActivityContext::worker_shutdown`]).
    pub fn shut_down_worker(&self) {
        self.shared.shutdown.trigger();
    }

    /// The details of every heartbeat recorded so far (one decoded value per heartbeat with
    /// details; heartbeats without details are skipped).
    pub fn heartbeats<T: DeserializeOwned>(&self) -> Result<Vec<T>, PayloadError> {
        lock(&self.shared.heartbeats)
            .iter()
            .filter(|d| !d.is_empty())
            .map(|d| from_payloads(d))
            .collect()
    }

    /// How many heartbeats were recorded, with or without details.
    pub fn heartbeat_count(&self) -> usize {
        lock(&self.shared.heartbeats).len()
    }
}
