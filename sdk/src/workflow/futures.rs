//! The futures workflow code awaits. Each one stands for a Temporal command: creating it buffers
//! the command (in call order), awaiting it waits for Core's resolution, and dropping it before
//! it resolves cancels the command.

use super::context::WorkflowContext;
use super::error::{ActivityError, Cancelled};
use super::options::{ActivityCancellationType, ActivityOptions, LocalActivityOptions};
use crate::RetryPolicy;
use crate::converter::{Failure, Payload, PayloadError, from_payload, to_payload};
use crate::executor::state::{CommandKey, CommandSpec, Resolution, SharedState};
use futures::future::LocalBoxFuture;
use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use temporalio_common::protos::coresdk::{
    activity_result::{self, activity_resolution},
    workflow_commands::{
        self as wc, ActivityCancellationType as ProtoCancellationType, workflow_command::Variant,
    },
};

/// Header through which a caller's `retryable_errors` allow-list reaches the activity worker.
pub(crate) const RETRYABLE_ERRORS_HEADER: &str = "ironflow-retryable-errors";

/// A command awaiting its resolution.
pub(crate) struct CommandFuture {
    state: SharedState,
    key: CommandKey,
    done: bool,
}

impl CommandFuture {
    /// Issues the command and returns the future of its resolution.
    pub(crate) fn issue(state: &SharedState, spec: CommandSpec) -> Self {
        let key = spec.key;
        state.borrow_mut().issue(spec);
        Self {
            state: state.clone(),
            key,
            done: false,
        }
    }

    /// A future for a slot registered with [`RunState::expect`](crate::executor::state::RunState).
    pub(crate) fn attach(state: &SharedState, key: CommandKey) -> Self {
        Self {
            state: state.clone(),
            key,
            done: false,
        }
    }

    /// Stops waiting without cancelling the command.
    pub(crate) fn detach(&mut self) {
        if !self.done {
            self.done = true;
            if let Ok(mut st) = self.state.try_borrow_mut() {
                st.forget(self.key);
            }
        }
    }

    /// Cancels the command; the future still resolves (as cancelled, or however Core resolves
    /// the cancelled command).
    pub(crate) fn cancel(&self) {
        if !self.done {
            self.state.borrow_mut().cancel_command(self.key);
        }
    }
}

impl Future for CommandFuture {
    type Output = Resolution;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resolution> {
        if self.done {
            return Poll::Pending;
        }
        let resolution = self.state.borrow_mut().poll_resolution(self.key, cx.waker());
        match resolution {
            Some(r) => {
                self.done = true;
                Poll::Ready(r)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for CommandFuture {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Ok(mut st) = self.state.try_borrow_mut()
            && !st.tearing_down
        {
            st.abandon(self.key);
        }
    }
}

/// A durable timer: [`WorkflowContext::sleep`]. Resolves `Ok(())` when it fires and
/// `Err(Cancelled)` when it is cancelled ([`Timer::cancel`], or the workflow's cancellation).
/// Dropping it before it fires cancels it.
pub struct Timer {
    inner: Option<CommandFuture>,
}

impl Timer {
    pub(crate) fn start(state: &SharedState, duration: Duration) -> Self {
        if duration.is_zero() {
            return Self { inner: None };
        }
        let seq = state.borrow_mut().next_timer_seq();
        let spec = CommandSpec {
            key: CommandKey::Timer(seq),
            command: Variant::StartTimer(wc::StartTimer {
                seq,
                start_to_fire_timeout: duration.try_into().ok(),
            }),
            cancel: Some(Variant::CancelTimer(wc::CancelTimer { seq })),
            cancelled_locally: Some(Resolution::TimerCancelled),
            cancelled_before_sent: Resolution::TimerCancelled,
        };
        Self {
            inner: Some(CommandFuture::issue(state, spec)),
        }
    }

    /// Cancels the timer: it resolves with `Err(Cancelled)`.
    pub fn cancel(&self) {
        if let Some(f) = &self.inner {
            f.cancel();
        }
    }
}

impl Future for Timer {
    type Output = Result<(), Cancelled>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.inner.as_mut() {
            None => Poll::Ready(Ok(())),
            Some(f) => Pin::new(f).poll(cx).map(|r| match r {
                Resolution::TimerFired => Ok(()),
                _ => Err(Cancelled),
            }),
        }
    }
}

/// The resolution of an activity that was never scheduled because its scope was cancelled.
pub(crate) fn activity_cancelled_before_sent() -> Resolution {
    Resolution::Activity(Box::new(activity_result::ActivityResolution {
        status: Some(activity_resolution::Status::Cancelled(
            activity_result::Cancellation {
                failure: Some(
                    Failure::cancelled("not scheduled: the workflow's cancellation was requested").to_proto(),
                ),
            },
        )),
    }))
}

/// Builder for one activity call; `.await` it (or pass it to a join) to schedule the activity.
///
/// Defaults come from the activity's own [`crate::Activity::retry_policy`] and
/// [`crate::Activity::timeout`]; every setter overrides them for this call only.
#[must_use = "an activity call does nothing until it is awaited"]
pub struct ActivityCall<O> {
    ctx: WorkflowContext,
    activity_type: String,
    input: Result<Payload, PayloadError>,
    options: ActivityOptions,
    _out: PhantomData<fn() -> O>,
}

impl<O> ActivityCall<O> {
    pub(crate) fn new(
        ctx: WorkflowContext,
        activity_type: String,
        input: Result<Payload, PayloadError>,
        default_retry: Option<RetryPolicy>,
        default_timeout: Option<Duration>,
    ) -> Self {
        Self {
            ctx,
            activity_type,
            input,
            options: ActivityOptions {
                start_to_close_timeout: default_timeout,
                retry_policy: default_retry,
                ..Default::default()
            },
            _out: PhantomData,
        }
    }

    /// Applies several options at once: the fields set in `options` override, the unset ones
    /// keep the values so far (the activity's defaults and earlier setters).
    pub fn options(mut self, options: ActivityOptions) -> Self {
        let o = &mut self.options;
        o.activity_id = options.activity_id.or(o.activity_id.take());
        o.task_queue = options.task_queue.or(o.task_queue.take());
        o.start_to_close_timeout = options.start_to_close_timeout.or(o.start_to_close_timeout);
        o.schedule_to_close_timeout = options.schedule_to_close_timeout.or(o.schedule_to_close_timeout);
        o.schedule_to_start_timeout = options.schedule_to_start_timeout.or(o.schedule_to_start_timeout);
        o.heartbeat_timeout = options.heartbeat_timeout.or(o.heartbeat_timeout);
        o.retry_policy = options.retry_policy.or(o.retry_policy.take());
        if options.cancellation_type != ActivityCancellationType::default() {
            o.cancellation_type = options.cancellation_type;
        }
        self
    }
    /// Timeout of one attempt.
    pub fn start_to_close_timeout(mut self, d: Duration) -> Self {
        self.options.start_to_close_timeout = Some(d);
        self
    }
    /// Timeout across all attempts.
    pub fn schedule_to_close_timeout(mut self, d: Duration) -> Self {
        self.options.schedule_to_close_timeout = Some(d);
        self
    }
    /// Timeout for waiting in the task queue.
    pub fn schedule_to_start_timeout(mut self, d: Duration) -> Self {
        self.options.schedule_to_start_timeout = Some(d);
        self
    }
    /// Heartbeat timeout.
    pub fn heartbeat_timeout(mut self, d: Duration) -> Self {
        self.options.heartbeat_timeout = Some(d);
        self
    }
    /// Retry policy for this call.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.options.retry_policy = Some(p);
        self
    }
    /// Task queue for this call.
    pub fn task_queue(mut self, q: impl Into<String>) -> Self {
        self.options.task_queue = Some(q.into());
        self
    }
    /// Activity id for this call.
    pub fn activity_id(mut self, id: impl Into<String>) -> Self {
        self.options.activity_id = Some(id.into());
        self
    }
    /// What happens when the workflow stops waiting.
    pub fn cancellation_type(mut self, t: ActivityCancellationType) -> Self {
        self.options.cancellation_type = t;
        self
    }
}

fn retry_headers(policy: Option<&RetryPolicy>) -> HashMap<String, Payload> {
    match policy {
        Some(p) if !p.retryable_errors.is_empty() => to_payload(&p.retryable_errors)
            .map(|payload| HashMap::from([(RETRYABLE_ERRORS_HEADER.to_string(), payload)]))
            .unwrap_or_default(),
        _ => HashMap::new(),
    }
}

fn validate_retry(activity_type: &str, policy: Option<&RetryPolicy>) -> Result<(), ActivityError> {
    match policy.map(RetryPolicy::validate) {
        Some(Err(e)) => Err(ActivityError::InvalidOptions {
            activity: activity_type.to_string(),
            reason: e.to_string(),
        }),
        _ => Ok(()),
    }
}

fn no_timeout(activity_type: &str) -> ActivityError {
    ActivityError::InvalidOptions {
        activity: activity_type.to_string(),
        reason: "neither start_to_close_timeout nor schedule_to_close_timeout is set \
                 (the activity's timeout() returned None and the call set none)"
            .to_string(),
    }
}

fn input_error(activity_type: &str, e: PayloadError) -> ActivityError {
    ActivityError::InvalidOptions {
        activity: activity_type.to_string(),
        reason: format!("its input cannot be encoded: {e}"),
    }
}

impl<O: serde::de::DeserializeOwned + 'static> IntoFuture for ActivityCall<O> {
    type Output = Result<O, ActivityError>;
    type IntoFuture = ActivityFuture<O>;

    fn into_future(self) -> ActivityFuture<O> {
        let o = self.options;
        let ty = self.activity_type;
        let early = |e| ActivityFuture {
            inner: Err(Some(e)),
            activity_type: ty.clone(),
            _out: PhantomData,
        };
        let input = match self.input {
            Ok(i) => i,
            Err(e) => return early(input_error(&ty, e)),
        };
        if o.start_to_close_timeout.is_none() && o.schedule_to_close_timeout.is_none() {
            return early(no_timeout(&ty));
        }
        if let Err(e) = validate_retry(&ty, o.retry_policy.as_ref()) {
            return early(e);
        }
        let state = self.ctx.state();
        let (seq, task_queue) = {
            let mut st = state.borrow_mut();
            (st.next_activity_seq(), st.info.task_queue.clone())
        };
        let command = Variant::ScheduleActivity(wc::ScheduleActivity {
            seq,
            activity_id: o.activity_id.unwrap_or_else(|| seq.to_string()),
            activity_type: ty.clone(),
            task_queue: o.task_queue.unwrap_or(task_queue),
            headers: retry_headers(o.retry_policy.as_ref()),
            arguments: vec![input],
            schedule_to_close_timeout: o.schedule_to_close_timeout.and_then(|d| d.try_into().ok()),
            schedule_to_start_timeout: o.schedule_to_start_timeout.and_then(|d| d.try_into().ok()),
            start_to_close_timeout: o.start_to_close_timeout.and_then(|d| d.try_into().ok()),
            heartbeat_timeout: o.heartbeat_timeout.and_then(|d| d.try_into().ok()),
            retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
            cancellation_type: cancellation_type(o.cancellation_type) as i32,
            ..Default::default()
        });
        let spec = CommandSpec {
            key: CommandKey::Activity(seq),
            command,
            cancel: Some(Variant::RequestCancelActivity(wc::RequestCancelActivity { seq })),
            cancelled_locally: None,
            cancelled_before_sent: activity_cancelled_before_sent(),
        };
        ActivityFuture {
            inner: Ok(CommandFuture::issue(state, spec)),
            activity_type: ty,
            _out: PhantomData,
        }
    }
}

fn cancellation_type(t: ActivityCancellationType) -> ProtoCancellationType {
    match t {
        ActivityCancellationType::TryCancel => ProtoCancellationType::TryCancel,
        ActivityCancellationType::WaitCancellationCompleted => {
            ProtoCancellationType::WaitCancellationCompleted
        }
        ActivityCancellationType::Abandon => ProtoCancellationType::Abandon,
    }
}

/// A scheduled activity; resolves with its typed result. Dropping it before it resolves
/// requests the activity's cancellation.
pub struct ActivityFuture<O> {
    inner: Result<CommandFuture, Option<ActivityError>>,
    activity_type: String,
    _out: PhantomData<fn() -> O>,
}

/// Maps Core's activity resolution to the caller's result.
fn activity_result<O: serde::de::DeserializeOwned>(
    activity_type: &str,
    resolution: Resolution,
) -> Result<O, ActivityError> {
    let Resolution::Activity(res) = resolution else {
        unreachable!("activity keys only receive activity resolutions")
    };
    let failure = |f: Option<temporalio_common::protos::temporal::api::failure::v1::Failure>| {
        Box::new(
            f.as_ref()
                .map(Failure::from_proto)
                .unwrap_or_else(|| Failure::application("", "", false)),
        )
    };
    match res.status {
        Some(activity_resolution::Status::Completed(activity_result::Success { result })) => {
            let payload = result.unwrap_or_default();
            let decoded = if payload.metadata.is_empty() && payload.data.is_empty() {
                crate::converter::from_payloads(&[])
            } else {
                from_payload(&payload)
            };
            decoded.map_err(|source| ActivityError::Decode {
                activity: activity_type.to_string(),
                source,
            })
        }
        Some(activity_resolution::Status::Failed(f)) => Err(ActivityError::Failed(failure(f.failure))),
        Some(activity_resolution::Status::Cancelled(c)) => Err(ActivityError::Cancelled(failure(c.failure))),
        Some(activity_resolution::Status::Backoff(_)) | None => {
            Err(ActivityError::Failed(Box::new(Failure::application(
                format!("activity `{activity_type}` resolved without a result"),
                "MissingActivityResult",
                true,
            ))))
        }
    }
}

impl<O> ActivityFuture<O> {
    /// Requests the activity's cancellation; the future then resolves as the activity's
    /// cancellation type says (at once for `TryCancel` and `Abandon`, once the activity
    /// acknowledges for `WaitCancellationCompleted`).
    pub fn cancel(&self) {
        if let Ok(f) = &self.inner {
            f.cancel();
        }
    }
}

impl<O: serde::de::DeserializeOwned> Future for ActivityFuture<O> {
    type Output = Result<O, ActivityError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match &mut this.inner {
            Err(e) => match e.take() {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            Ok(f) => Pin::new(f)
                .poll(cx)
                .map(|r| activity_result(&this.activity_type, r)),
        }
    }
}

/// Builder for one local-activity call: the activity runs in this worker, its result is recorded
/// as a marker in the workflow's history, and retries with short backoffs happen in the worker.
#[must_use = "a local activity call does nothing until it is awaited"]
pub struct LocalActivityCall<O> {
    ctx: WorkflowContext,
    activity_type: String,
    input: Result<Payload, PayloadError>,
    options: LocalActivityOptions,
    _out: PhantomData<fn() -> O>,
}

impl<O> LocalActivityCall<O> {
    pub(crate) fn new(
        ctx: WorkflowContext,
        activity_type: String,
        input: Result<Payload, PayloadError>,
        default_retry: Option<RetryPolicy>,
        default_timeout: Option<Duration>,
    ) -> Self {
        Self {
            ctx,
            activity_type,
            input,
            options: LocalActivityOptions {
                start_to_close_timeout: default_timeout,
                retry_policy: default_retry,
                ..Default::default()
            },
            _out: PhantomData,
        }
    }
    /// Applies several options at once: the fields set in `options` override, the unset ones
    /// keep the values so far.
    pub fn options(mut self, options: LocalActivityOptions) -> Self {
        let o = &mut self.options;
        o.activity_id = options.activity_id.or(o.activity_id.take());
        o.start_to_close_timeout = options.start_to_close_timeout.or(o.start_to_close_timeout);
        o.schedule_to_close_timeout = options.schedule_to_close_timeout.or(o.schedule_to_close_timeout);
        o.retry_policy = options.retry_policy.or(o.retry_policy.take());
        o.local_retry_threshold = options.local_retry_threshold.or(o.local_retry_threshold);
        self
    }
    /// Timeout of one attempt.
    pub fn start_to_close_timeout(mut self, d: Duration) -> Self {
        self.options.start_to_close_timeout = Some(d);
        self
    }
    /// Timeout across all attempts.
    pub fn schedule_to_close_timeout(mut self, d: Duration) -> Self {
        self.options.schedule_to_close_timeout = Some(d);
        self
    }
    /// Retry policy for this call.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.options.retry_policy = Some(p);
        self
    }
}

/// A running local activity; resolves with its typed result.
pub struct LocalActivityFuture<O>(LocalBoxFuture<'static, Result<O, ActivityError>>);

impl<O> Future for LocalActivityFuture<O> {
    type Output = Result<O, ActivityError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl<O: serde::de::DeserializeOwned + 'static> IntoFuture for LocalActivityCall<O> {
    type Output = Result<O, ActivityError>;
    type IntoFuture = LocalActivityFuture<O>;

    fn into_future(self) -> LocalActivityFuture<O> {
        let o = self.options;
        let ty = self.activity_type;
        let ctx = self.ctx;
        let checked = (|| {
            let input = self.input.map_err(|e| input_error(&ty, e))?;
            if o.start_to_close_timeout.is_none() && o.schedule_to_close_timeout.is_none() {
                return Err(no_timeout(&ty));
            }
            validate_retry(&ty, o.retry_policy.as_ref())?;
            Ok(input)
        })();
        LocalActivityFuture(Box::pin(async move {
            let input = checked?;
            let state = ctx.state().clone();
            let mut attempt = 1;
            let mut original_schedule_time: Option<SystemTime> = None;
            loop {
                let seq = state.borrow_mut().next_activity_seq();
                let command = Variant::ScheduleLocalActivity(wc::ScheduleLocalActivity {
                    seq,
                    activity_id: o.activity_id.clone().unwrap_or_else(|| seq.to_string()),
                    activity_type: ty.clone(),
                    attempt,
                    original_schedule_time: original_schedule_time.map(Into::into),
                    headers: retry_headers(o.retry_policy.as_ref()),
                    arguments: vec![input.clone()],
                    schedule_to_close_timeout: o.schedule_to_close_timeout.and_then(|d| d.try_into().ok()),
                    start_to_close_timeout: o.start_to_close_timeout.and_then(|d| d.try_into().ok()),
                    retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
                    local_retry_threshold: o.local_retry_threshold.and_then(|d| d.try_into().ok()),
                    cancellation_type: ProtoCancellationType::WaitCancellationCompleted as i32,
                    ..Default::default()
                });
                let spec = CommandSpec {
                    key: CommandKey::Activity(seq),
                    command,
                    cancel: Some(Variant::RequestCancelLocalActivity(
                        wc::RequestCancelLocalActivity { seq },
                    )),
                    cancelled_locally: None,
                    cancelled_before_sent: activity_cancelled_before_sent(),
                };
                let resolution = CommandFuture::issue(&state, spec).await;
                if let Resolution::Activity(res) = &resolution
                    && let Some(activity_resolution::Status::Backoff(b)) = &res.status
                {
                    let wait = b
                        .backoff_duration
                        .and_then(|d| Duration::try_from(d).ok())
                        .unwrap_or_default();
                    if Timer::start(&state, wait).await.is_err() {
                        return Err(ActivityError::Cancelled(Box::new(Failure::cancelled(
                            "local activity cancelled during its retry backoff",
                        ))));
                    }
                    attempt = b.attempt;
                    original_schedule_time = b
                        .original_schedule_time
                        .and_then(|t| SystemTime::try_from(t).ok());
                    continue;
                }
                return activity_result(&ty, resolution);
            }
        }))
    }
}
