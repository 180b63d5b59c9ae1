//! Calling activities from workflow code: [`WorkflowContext::activity`] and
//! [`WorkflowContext::local_activity`], typed by the activity's definition.
//!
//! A call starts from its definition's defaults ([`ActivityDefinition::timeout`],
//! [`ActivityDefinition::retry_policy`], ...). Each setter overrides one field for this call;
//! setting `None` clears it, leaving it to the server (`.retry_policy(None)` asks for
//! Temporal's default policy: unlimited attempts bounded by the timeouts).

use super::command::{Command, CommandKind};
use super::context::WorkflowContext;
use super::error::ActivityError;
use super::timer::Timer;
use crate::activity::{ActivityDefinition, RETRYABLE_ERRORS_HEADER, RetryPolicy};
use crate::converter::{Failure, Payload, PayloadError, from_payloads, to_payload, to_payloads};
use crate::executor::state::{CommandKey, CommandSpec, Resolution, RunState, SeqKind, SharedState};
use crate::interceptor::OutboundCommand;
use serde::{Serialize, de::DeserializeOwned};
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use temporalio_common::protos::coresdk::{
    activity_result::{self, ActivityResolution, activity_resolution},
    workflow_commands::{
        self as wc, ActivityCancellationType as ProtoCancellationType, workflow_command::Variant,
    },
};

/// What happens to an activity when the workflow cancels it (or drops its future).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityCancellationType {
    /// Ask the activity to stop and resolve at once as cancelled (Temporal's default for
    /// activities).
    TryCancel,
    /// Ask the activity to stop and wait until it acknowledges (the default for local
    /// activities).
    WaitCancellationCompleted,
    /// Resolve at once; do not tell the activity.
    Abandon,
}

impl ActivityCancellationType {
    fn to_proto(self) -> ProtoCancellationType {
        match self {
            Self::TryCancel => ProtoCancellationType::TryCancel,
            Self::WaitCancellationCompleted => ProtoCancellationType::WaitCancellationCompleted,
            Self::Abandon => ProtoCancellationType::Abandon,
        }
    }
}

/// The options of one activity call. [`ActivityOptions::of`] gives a definition's defaults;
/// `Default` gives none at all (every field left to the server). Fields marked *remote only*
/// or *local only* are refused, naming the field, on the other kind of call.
#[derive(Debug, Clone, Default)]
pub struct ActivityOptions {
    /// Activity id; defaults to the command's sequence number, which is unique per run.
    pub activity_id: Option<String>,
    /// Task queue (*remote only*); defaults to the workflow's.
    pub task_queue: Option<String>,
    /// Timeout of one attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Timeout across all attempts, retries included.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Timeout for waiting in the task queue (*remote only*).
    pub schedule_to_start_timeout: Option<Duration>,
    /// Heartbeat timeout (*remote only*).
    pub heartbeat_timeout: Option<Duration>,
    /// Retry policy; `None` leaves it to the server.
    pub retry_policy: Option<RetryPolicy>,
    /// Cancellation behaviour; `None`: `TryCancel` for activities, `WaitCancellationCompleted`
    /// for local activities.
    pub cancellation_type: Option<ActivityCancellationType>,
    /// Backoffs longer than this become durable timers instead of in-worker sleeps (*local
    /// only*). Ironflow's default is 1 ms: every retry waits on a durable timer, which avoids a
    /// Core 0.10.1 bug where an earlier attempt's start-to-close timer times out a later attempt
    /// (Core's own default, 1 minute, retries in the worker and has the bug).
    pub local_retry_threshold: Option<Duration>,
}

impl ActivityOptions {
    /// The defaults of activity definition `D`: its timeouts and retry policy.
    pub fn of<D: ActivityDefinition>() -> Self {
        Self {
            start_to_close_timeout: D::timeout(),
            schedule_to_close_timeout: D::schedule_to_close_timeout(),
            heartbeat_timeout: D::heartbeat_timeout(),
            retry_policy: D::retry_policy(),
            ..Self::default()
        }
    }

    /// Checks what Core or the server would refuse, for a remote or a local call.
    fn validate(&self, local: bool) -> Result<(), String> {
        if self.start_to_close_timeout.is_none() && self.schedule_to_close_timeout.is_none() {
            return Err(
                "neither start_to_close_timeout nor schedule_to_close_timeout is set \
                        (the definition's timeout() returned None and the call set none)"
                    .into(),
            );
        }
        if let Some(p) = &self.retry_policy {
            p.validate().map_err(|e| e.to_string())?;
        }
        let misplaced = if local {
            [
                ("task_queue", self.task_queue.is_some()),
                (
                    "schedule_to_start_timeout",
                    self.schedule_to_start_timeout.is_some(),
                ),
                ("heartbeat_timeout", self.heartbeat_timeout.is_some()),
            ]
            .into_iter()
            .find(|(_, set)| *set)
            .map(|(name, _)| format!("{name} does not apply to local activities (they run in this worker)"))
        } else {
            self.local_retry_threshold
                .is_some()
                .then(|| "local_retry_threshold only applies to local activities".to_string())
        };
        misplaced.map_or(Ok(()), Err)
    }
}

/// Builder setters shared by [`ActivityCall`] and [`LocalActivityCall`]; each overrides one
/// field of the call's options, and `None` clears it.
macro_rules! option_setters {
    () => {
        /// Activity id for this call.
        pub fn activity_id(self, id: impl Into<String>) -> Self {
            self.set(|o| o.activity_id = Some(id.into()))
        }
        /// Timeout of one attempt (`None`: none).
        pub fn start_to_close_timeout(self, d: impl Into<Option<Duration>>) -> Self {
            self.set(|o| o.start_to_close_timeout = d.into())
        }
        /// Timeout across all attempts (`None`: none).
        pub fn schedule_to_close_timeout(self, d: impl Into<Option<Duration>>) -> Self {
            self.set(|o| o.schedule_to_close_timeout = d.into())
        }
        /// Retry policy for this call (`None`: the server's default policy).
        pub fn retry_policy(self, p: impl Into<Option<RetryPolicy>>) -> Self {
            self.set(|o| o.retry_policy = p.into())
        }
        /// What happens when the workflow cancels the call.
        pub fn cancellation_type(self, t: ActivityCancellationType) -> Self {
            self.set(|o| o.cancellation_type = Some(t))
        }
        /// Replaces all options of this call (the definition's defaults included; start from
        /// [`ActivityOptions::of`] to keep them).
        pub fn options(self, options: ActivityOptions) -> Self {
            self.set(|o| *o = options)
        }
    };
}

/// The parameters of a call, until it is issued.
struct Call {
    activity_type: String,
    input: Result<Vec<Payload>, PayloadError>,
    options: ActivityOptions,
}

impl Call {
    fn new<I: Serialize>(activity_type: &str, input: &I, options: ActivityOptions) -> Self {
        Call {
            activity_type: activity_type.to_string(),
            input: to_payloads(input),
            options,
        }
    }

    fn invalid(&self, reason: String) -> ActivityError {
        ActivityError::InvalidOptions {
            activity: self.activity_type.clone(),
            reason,
        }
    }

    /// The input and options, checked.
    fn checked(&self, local: bool) -> Result<Vec<Payload>, ActivityError> {
        let input = match &self.input {
            Ok(i) => i.clone(),
            Err(e) => return Err(self.invalid(format!("its input cannot be encoded: {e}"))),
        };
        self.options.validate(local).map_err(|r| self.invalid(r))?;
        Ok(input)
    }

    fn headers(&self) -> HashMap<String, Payload> {
        match &self.options.retry_policy {
            Some(p) if !p.retryable_errors.is_empty() => to_payload(&p.retryable_errors)
                .map(|payload| HashMap::from([(RETRYABLE_ERRORS_HEADER.to_string(), payload)]))
                .unwrap_or_default(),
            _ => HashMap::new(),
        }
    }
}

fn duration(d: Option<Duration>) -> Option<prost_wkt_types::Duration> {
    d.and_then(|d| d.try_into().ok())
}

/// The resolution of an activity that was never scheduled because it was cancelled first.
fn cancelled_before_sent() -> Resolution {
    Resolution::Activity(Box::new(ActivityResolution {
        status: Some(activity_resolution::Status::Cancelled(
            activity_result::Cancellation {
                failure: Some(
                    Failure::cancelled("not scheduled: its cancellation scope was cancelled").to_proto(),
                ),
            },
        )),
    }))
}

/// Maps Core's activity resolution to the caller's result.
fn activity_result<O: DeserializeOwned>(
    activity_type: &str,
    resolution: &ActivityResolution,
) -> Result<O, ActivityError> {
    let failure = |f: &Option<temporalio_common::protos::temporal::api::failure::v1::Failure>| {
        Box::new(
            f.as_ref()
                .map(Failure::from_proto)
                .unwrap_or_else(|| Failure::application("", "", false)),
        )
    };
    match &resolution.status {
        Some(activity_resolution::Status::Completed(activity_result::Success { result })) => {
            let payloads: &[Payload] = match result {
                Some(p) if !(p.metadata.is_empty() && p.data.is_empty()) => std::slice::from_ref(p),
                _ => &[],
            };
            from_payloads(payloads).map_err(|source| ActivityError::Decode {
                activity: activity_type.to_string(),
                source,
            })
        }
        Some(activity_resolution::Status::Failed(f)) => Err(ActivityError::Failed(failure(&f.failure))),
        Some(activity_resolution::Status::Cancelled(c)) => Err(ActivityError::Cancelled(failure(&c.failure))),
        Some(activity_resolution::Status::Backoff(_)) | None => {
            Err(ActivityError::Failed(Box::new(Failure::application(
                format!("activity `{activity_type}` resolved without a result"),
                "MissingActivityResult",
                true,
            ))))
        }
    }
}

fn cancelled_error(activity_type: &str) -> ActivityError {
    ActivityError::Cancelled(Box::new(Failure::cancelled(format!(
        "activity `{activity_type}` was cancelled before it was scheduled"
    ))))
}

/// One activity call: set options, then `.await` it (or pass it to a join: it is a future).
/// The activity is scheduled when the call is first polled; dropping the call before it
/// resolves requests the activity's cancellation.
#[must_use = "an activity call does nothing until it is awaited"]
pub struct ActivityCall<O>(Command<RemoteKind<O>>);

struct RemoteKind<O> {
    call: Call,
    _out: PhantomData<fn() -> O>,
}

impl<O: DeserializeOwned> CommandKind for RemoteKind<O> {
    type Output = Result<O, ActivityError>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        let input = self.call.checked(false).map_err(Err)?;
        let seq = st.next_seq(SeqKind::Activity);
        let o = &self.call.options;
        let mut headers = self.call.headers();
        st.intercept_outbound(
            OutboundCommand::Activity {
                activity_type: &self.call.activity_type,
                local: false,
            },
            &mut headers,
        );
        let command = Variant::ScheduleActivity(wc::ScheduleActivity {
            seq,
            activity_id: o.activity_id.clone().unwrap_or_else(|| seq.to_string()),
            activity_type: self.call.activity_type.clone(),
            task_queue: o
                .task_queue
                .clone()
                .unwrap_or_else(|| st.info().task_queue.clone()),
            headers,
            arguments: input,
            schedule_to_close_timeout: duration(o.schedule_to_close_timeout),
            schedule_to_start_timeout: duration(o.schedule_to_start_timeout),
            start_to_close_timeout: duration(o.start_to_close_timeout),
            heartbeat_timeout: duration(o.heartbeat_timeout),
            retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
            cancellation_type: o
                .cancellation_type
                .unwrap_or(ActivityCancellationType::TryCancel)
                .to_proto() as i32,
            ..Default::default()
        });
        Ok(CommandSpec {
            key: CommandKey::Activity(seq),
            command,
            cancel: Some(Variant::RequestCancelActivity(wc::RequestCancelActivity { seq })),
            cancelled_locally: None,
            cancelled_before_sent: cancelled_before_sent(),
        })
    }

    fn resolve(&mut self, _: &SharedState, resolution: Resolution) -> Self::Output {
        match resolution {
            Resolution::Activity(r) => activity_result(&self.call.activity_type, &r),
            _ => Err(cancelled_error(&self.call.activity_type)),
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(cancelled_error(&self.call.activity_type))
    }
}

impl<O: DeserializeOwned> ActivityCall<O> {
    /// Changes the options; only before the call is first polled (it is scheduled then).
    fn set(mut self, f: impl FnOnce(&mut ActivityOptions)) -> Self {
        f(&mut self.0.kind_mut().call.options);
        self
    }

    option_setters!();

    /// Task queue for this call.
    pub fn task_queue(self, q: impl Into<String>) -> Self {
        self.set(|o| o.task_queue = Some(q.into()))
    }
    /// Timeout for waiting in the task queue (`None`: none).
    pub fn schedule_to_start_timeout(self, d: impl Into<Option<Duration>>) -> Self {
        self.set(|o| o.schedule_to_start_timeout = d.into())
    }
    /// Heartbeat timeout (`None`: none).
    pub fn heartbeat_timeout(self, d: impl Into<Option<Duration>>) -> Self {
        self.set(|o| o.heartbeat_timeout = d.into())
    }

    /// Requests the activity's cancellation; the call then resolves as its cancellation type
    /// says (at once for `TryCancel` and `Abandon`, once the activity acknowledges for
    /// `WaitCancellationCompleted`). A call not scheduled yet is never scheduled.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

impl<O: DeserializeOwned> Future for ActivityCall<O> {
    type Output = Result<O, ActivityError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// The default `local_retry_threshold`: every retry of a local activity waits on a durable timer
/// and is scheduled anew. Core 0.10.1 leaves each in-worker attempt's start-to-close timer
/// running when the next attempt starts, and an earlier attempt's timer then times out a later
/// attempt (`compat-tests/tests/local_activity_timeouts.rs` reproduces it); fresh local
/// activities have fresh timers.
const DEFAULT_LOCAL_RETRY_THRESHOLD: Duration = Duration::from_millis(1);

/// One schedule of a local activity (its first attempt, or a retry after a backoff timer).
struct LocalKind {
    call: std::rc::Rc<Call>,
    attempt: u32,
    original_schedule_time: Option<SystemTime>,
}

impl CommandKind for LocalKind {
    type Output = Result<Box<ActivityResolution>, ActivityError>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        let input = self.call.checked(true).map_err(Err)?;
        let seq = st.next_seq(SeqKind::Activity);
        let o = &self.call.options;
        let mut headers = self.call.headers();
        st.intercept_outbound(
            OutboundCommand::Activity {
                activity_type: &self.call.activity_type,
                local: true,
            },
            &mut headers,
        );
        let command = Variant::ScheduleLocalActivity(wc::ScheduleLocalActivity {
            seq,
            activity_id: o.activity_id.clone().unwrap_or_else(|| seq.to_string()),
            activity_type: self.call.activity_type.clone(),
            attempt: self.attempt,
            original_schedule_time: self.original_schedule_time.map(Into::into),
            headers,
            arguments: input,
            schedule_to_close_timeout: duration(o.schedule_to_close_timeout),
            start_to_close_timeout: duration(o.start_to_close_timeout),
            retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
            local_retry_threshold: duration(o.local_retry_threshold.or(Some(DEFAULT_LOCAL_RETRY_THRESHOLD))),
            cancellation_type: o
                .cancellation_type
                .unwrap_or(ActivityCancellationType::WaitCancellationCompleted)
                .to_proto() as i32,
            ..Default::default()
        });
        Ok(CommandSpec {
            key: CommandKey::Activity(seq),
            command,
            cancel: Some(Variant::RequestCancelLocalActivity(
                wc::RequestCancelLocalActivity { seq },
            )),
            cancelled_locally: None,
            cancelled_before_sent: cancelled_before_sent(),
        })
    }

    fn resolve(&mut self, _: &SharedState, resolution: Resolution) -> Self::Output {
        match resolution {
            Resolution::Activity(r) => Ok(r),
            _ => Err(cancelled_error(&self.call.activity_type)),
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(cancelled_error(&self.call.activity_type))
    }
}

enum LocalStage {
    Unstarted(Box<Call>),
    Running(Command<LocalKind>),
    /// Core asked for a backoff longer than the local retry threshold: a durable timer, then
    /// the next attempt.
    BackingOff {
        timer: Timer,
        call: std::rc::Rc<Call>,
        attempt: u32,
        original_schedule_time: Option<SystemTime>,
    },
    Done,
}

/// One local-activity call: the activity runs in this worker, its result is recorded as a
/// marker in the workflow's history, and retries with short backoffs happen in the worker
/// (longer ones as durable timers). Set options, then `.await` it.
#[must_use = "a local activity call does nothing until it is awaited"]
pub struct LocalActivityCall<O> {
    state: SharedState,
    stage: LocalStage,
    cancel_requested: Cell<bool>,
    _out: PhantomData<fn() -> O>,
}

impl<O: DeserializeOwned> LocalActivityCall<O> {
    /// Changes the options; only before the call is first polled (it is scheduled then).
    fn set(mut self, f: impl FnOnce(&mut ActivityOptions)) -> Self {
        if let LocalStage::Unstarted(call) = &mut self.stage {
            f(&mut call.options);
        }
        self
    }

    option_setters!();

    /// Backoffs longer than this become durable timers instead of in-worker sleeps.
    pub fn local_retry_threshold(self, d: impl Into<Option<Duration>>) -> Self {
        self.set(|o| o.local_retry_threshold = d.into())
    }

    /// Requests the local activity's cancellation (as its cancellation type says); during a
    /// backoff, the retry timer is cancelled and the call resolves as cancelled.
    pub fn cancel(&self) {
        self.cancel_requested.set(true);
        match &self.stage {
            LocalStage::Running(cmd) => cmd.cancel(),
            LocalStage::BackingOff { timer, .. } => timer.cancel(),
            LocalStage::Unstarted(_) | LocalStage::Done => {}
        }
    }
}

impl<O: DeserializeOwned> Future for LocalActivityCall<O> {
    type Output = Result<O, ActivityError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.stage, LocalStage::Done) {
                LocalStage::Unstarted(call) => {
                    if this.cancel_requested.get() {
                        return Poll::Ready(Err(cancelled_error(&call.activity_type)));
                    }
                    let kind = LocalKind {
                        call: std::rc::Rc::new(*call),
                        attempt: 1,
                        original_schedule_time: None,
                    };
                    this.stage = LocalStage::Running(Command::new(this.state.clone(), kind));
                }
                LocalStage::Running(mut cmd) => match Pin::new(&mut cmd).poll(cx) {
                    Poll::Pending => {
                        this.stage = LocalStage::Running(cmd);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(resolution)) => {
                        let call = cmd.kind_mut().call.clone();
                        if let Some(activity_resolution::Status::Backoff(b)) = &resolution.status {
                            let wait = b
                                .backoff_duration
                                .and_then(|d| Duration::try_from(d).ok())
                                .unwrap_or_default();
                            let timer = Timer::new(this.state.clone(), wait);
                            if this.cancel_requested.get() {
                                timer.cancel();
                            }
                            this.stage = LocalStage::BackingOff {
                                timer,
                                call,
                                attempt: b.attempt,
                                original_schedule_time: b
                                    .original_schedule_time
                                    .and_then(|t| SystemTime::try_from(t).ok()),
                            };
                            continue;
                        }
                        return Poll::Ready(activity_result(&call.activity_type, &resolution));
                    }
                },
                LocalStage::BackingOff {
                    mut timer,
                    call,
                    attempt,
                    original_schedule_time,
                } => match Pin::new(&mut timer).poll(cx) {
                    Poll::Pending => {
                        this.stage = LocalStage::BackingOff {
                            timer,
                            call,
                            attempt,
                            original_schedule_time,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(_)) => {
                        return Poll::Ready(Err(ActivityError::Cancelled(Box::new(Failure::cancelled(
                            format!(
                                "local activity `{}` cancelled during its retry backoff",
                                call.activity_type
                            ),
                        )))));
                    }
                    Poll::Ready(Ok(())) => {
                        let kind = LocalKind {
                            call,
                            attempt,
                            original_schedule_time,
                        };
                        this.stage = LocalStage::Running(Command::new(this.state.clone(), kind));
                    }
                },
                LocalStage::Done => return Poll::Pending,
            }
        }
    }
}

impl WorkflowContext {
    /// Calls activity `D` with its definition's defaults; override them on the returned call,
    /// then `.await` it.
    ///
    /// ```no_run
    /// # use ironflow::{ActivityDefinition, WorkflowContext, WorkflowResult};
    /// # use std::time::Duration;
    /// # struct Charge;
    /// # impl ActivityDefinition for Charge { const NAME: &'static str = "charge"; type Input = u64; type Output = String; }
    /// async fn body(ctx: WorkflowContext) -> WorkflowResult<String> {
    ///     let receipt = ctx
    ///         .activity::<Charge>(1200)
    ///         .start_to_close_timeout(Duration::from_secs(10))
    ///         .await?;
    ///     Ok(receipt)
    /// }
    /// ```
    pub fn activity<D: ActivityDefinition>(&self, input: D::Input) -> ActivityCall<D::Output> {
        self.remote_call(Call::new(D::NAME, &input, ActivityOptions::of::<D>()))
    }

    /// Calls an activity by type name, for activities whose definition is not known at compile
    /// time (an interpreter, a router). The call starts with no options: set a timeout.
    pub fn activity_by_name<I: Serialize, O: DeserializeOwned>(
        &self,
        activity_type: &str,
        input: I,
    ) -> ActivityCall<O> {
        self.remote_call(Call::new(activity_type, &input, ActivityOptions::default()))
    }

    fn remote_call<O: DeserializeOwned>(&self, call: Call) -> ActivityCall<O> {
        ActivityCall(Command::new(
            self.run_state().clone(),
            RemoteKind {
                call,
                _out: PhantomData,
            },
        ))
    }

    /// Calls activity `D` as a local activity: it runs in this worker without a round trip
    /// through the task queue, and its result is recorded in history as a marker. Suited to
    /// short work.
    pub fn local_activity<D: ActivityDefinition>(&self, input: D::Input) -> LocalActivityCall<D::Output> {
        let mut options = ActivityOptions::of::<D>();
        options.heartbeat_timeout = None;
        self.local_call(Call::new(D::NAME, &input, options))
    }

    /// Calls a local activity by type name. The call starts with no options: set a timeout.
    pub fn local_activity_by_name<I: Serialize, O: DeserializeOwned>(
        &self,
        activity_type: &str,
        input: I,
    ) -> LocalActivityCall<O> {
        self.local_call(Call::new(activity_type, &input, ActivityOptions::default()))
    }

    fn local_call<O: DeserializeOwned>(&self, call: Call) -> LocalActivityCall<O> {
        LocalActivityCall {
            state: self.run_state().clone(),
            stage: LocalStage::Unstarted(Box::new(call)),
            cancel_requested: Cell::new(false),
            _out: PhantomData,
        }
    }
}
