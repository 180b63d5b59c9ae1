//! The activity poll loop: Core activity task → registry → user code → completion → Core.

use crate::activity::registry::{ActivityOutcome, ActivityRegistry};
use crate::activity::{
    ActivityContext, ActivityInfo, CancelReason, RETRYABLE_ERRORS_HEADER, WorkerShutdownSignal,
};
use crate::codec::DataConverter;
use crate::converter::{Failure, from_payload};
use crate::interceptor::{ActivityResult, ActivityScope, WorkerInterceptor};
use crate::telemetry::metrics::WorkerMetrics;
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Instant;
use std::time::{Duration, SystemTime};
use temporalio_common::protos::coresdk::{
    ActivityHeartbeat, ActivityTaskCompletion,
    activity_result::{self, ActivityExecutionResult, activity_execution_result},
    activity_task::{ActivityCancelReason, Start, activity_task},
};
use temporalio_sdk_core::{PollError, Worker as CoreWorker};
use tokio::task::JoinSet;
use tracing::Instrument;

type Running = Arc<Mutex<HashMap<Vec<u8>, ActivityContext>>>;

/// Who watches the worker's activities: its interceptors, its metrics, and the signal that tells
/// running activities the worker is shutting down.
#[derive(Clone)]
pub(super) struct Observers {
    pub(super) interceptors: Arc<[Arc<dyn WorkerInterceptor>]>,
    pub(super) metrics: WorkerMetrics,
    pub(super) shutdown: WorkerShutdownSignal,
    pub(super) converter: DataConverter,
}

/// Records heartbeats with Core; with codecs, encodes their details first, in order, on a task
/// of its own (activities heartbeat from synchronous code).
#[derive(Clone)]
enum Heartbeats {
    Direct(Weak<CoreWorker>),
    Encoded(tokio::sync::mpsc::UnboundedSender<ActivityHeartbeat>),
}

impl Heartbeats {
    fn start(core: &Arc<CoreWorker>, converter: &DataConverter) -> Self {
        if converter.is_identity() {
            return Self::Direct(Arc::downgrade(core));
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<ActivityHeartbeat>();
        let core = Arc::downgrade(core);
        let converter = converter.clone();
        tokio::spawn(async move {
            while let Some(mut heartbeat) = rx.recv().await {
                if let Err(e) = converter.encode_message(&mut heartbeat).await {
                    tracing::warn!(error = %e, "heartbeat details cannot be encoded; the heartbeat is sent without them");
                    heartbeat.details.clear();
                }
                match core.upgrade() {
                    Some(core) => core.record_activity_heartbeat(heartbeat),
                    None => break,
                }
            }
        });
        Self::Encoded(tx)
    }

    fn record(&self, heartbeat: ActivityHeartbeat) {
        match self {
            Self::Direct(core) => {
                if let Some(core) = core.upgrade() {
                    core.record_activity_heartbeat(heartbeat);
                }
            }
            Self::Encoded(tx) => {
                let _ = tx.send(heartbeat);
            }
        }
    }
}

/// An attempt's future with the interceptors' scopes entered around every poll.
struct Scoped<'a> {
    inner: BoxFuture<'a, ActivityOutcome>,
    scopes: &'a [Box<dyn ActivityScope>],
}

impl Future for Scoped<'_> {
    type Output = ActivityOutcome;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ActivityOutcome> {
        let guards = enter(self.scopes);
        let poll = self.inner.as_mut().poll(cx);
        leave(guards);
        poll
    }
}

/// Enters every scope, in registration order.
fn enter(scopes: &[Box<dyn ActivityScope>]) -> Vec<Box<dyn std::any::Any>> {
    scopes.iter().filter_map(|s| s.enter()).collect()
}

/// Leaves the scopes entered by [`enter`], the last entered first.
fn leave(mut guards: Vec<Box<dyn std::any::Any>>) {
    while let Some(guard) = guards.pop() {
        drop(guard);
    }
}

/// The outcome as interceptors and metrics see it.
fn result_of(outcome: &ActivityOutcome) -> ActivityResult {
    match outcome {
        ActivityOutcome::Completed(_) => ActivityResult::Completed,
        ActivityOutcome::Failed(f) => ActivityResult::Failed {
            message: f.message.clone(),
            error_type: f.application_type().map(str::to_string),
        },
        ActivityOutcome::Cancelled(_) => ActivityResult::Cancelled,
        ActivityOutcome::WillCompleteAsync => ActivityResult::CompletingAsync,
    }
}

/// Polls activity tasks until Core reports shutdown; every attempt runs in its own task.
pub(super) async fn run(
    core: Arc<CoreWorker>,
    registry: Arc<ActivityRegistry>,
    observers: Observers,
) -> Result<(), String> {
    let running: Running = Arc::default();
    let heartbeats = Heartbeats::start(&core, &observers.converter);
    let mut tasks = JoinSet::new();
    let result = loop {
        while tasks.try_join_next().is_some() {}
        match core.poll_activity_task().await {
            Ok(task) => match task.variant {
                Some(activity_task::Variant::Start(start)) => {
                    let job = execute(
                        core.clone(),
                        registry.clone(),
                        running.clone(),
                        task.task_token,
                        start,
                        observers.clone(),
                        heartbeats.clone(),
                    );
                    tasks.spawn(job);
                }
                Some(activity_task::Variant::Cancel(cancel)) => {
                    let ctx = lock(&running).get(&task.task_token).cloned();
                    if let Some(ctx) = ctx {
                        ctx.cancel(cancel_reason(cancel.reason));
                    }
                }
                None => {}
            },
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(format!("polling activity tasks failed: {e}")),
        }
    };
    while tasks.join_next().await.is_some() {}
    result
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn cancel_reason(reason: i32) -> CancelReason {
    match ActivityCancelReason::try_from(reason) {
        Ok(ActivityCancelReason::Cancelled) => CancelReason::Cancelled,
        Ok(ActivityCancelReason::TimedOut) => CancelReason::TimedOut,
        Ok(ActivityCancelReason::WorkerShutdown) => CancelReason::WorkerShutdown,
        Ok(ActivityCancelReason::Paused) => CancelReason::Paused,
        Ok(ActivityCancelReason::Reset) => CancelReason::Reset,
        _ => CancelReason::NotFound,
    }
}

fn info_from(start: &Start, task_token: &[u8]) -> ActivityInfo {
    let dur = |d: Option<prost_wkt_types::Duration>| d.and_then(|d| Duration::try_from(d).ok());
    let time = |t: Option<prost_wkt_types::Timestamp>| t.and_then(|t| SystemTime::try_from(t).ok());
    let exec = start.workflow_execution.clone().unwrap_or_default();
    ActivityInfo {
        activity_id: start.activity_id.clone(),
        activity_type: start.activity_type.clone(),
        attempt: start.attempt.max(1),
        namespace: start.workflow_namespace.clone(),
        workflow_id: exec.workflow_id,
        workflow_run_id: exec.run_id,
        workflow_type: start.workflow_type.clone(),
        task_queue: String::new(),
        is_local: start.is_local,
        scheduled_time: time(start.scheduled_time),
        started_time: time(start.started_time),
        start_to_close_timeout: dur(start.start_to_close_timeout),
        schedule_to_close_timeout: dur(start.schedule_to_close_timeout),
        heartbeat_timeout: dur(start.heartbeat_timeout),
        task_token: task_token.to_vec(),
    }
}

async fn execute(
    core: Arc<CoreWorker>,
    registry: Arc<ActivityRegistry>,
    running: Running,
    task_token: Vec<u8>,
    mut start: Start,
    observers: Observers,
    heartbeats: Heartbeats,
) {
    let started = Instant::now();
    let undecodable = observers.converter.decode_message(&mut start).await.err();
    let mut info = info_from(&start, &task_token);
    info.task_queue = core.get_config().task_queue.clone();
    let token_for_heartbeat = task_token.clone();
    let heartbeat = Arc::new(move |details| {
        heartbeats.record(ActivityHeartbeat {
            task_token: token_for_heartbeat.clone(),
            details,
        });
    });
    let scopes: Vec<Box<dyn ActivityScope>> = observers
        .interceptors
        .iter()
        .filter_map(|i| i.activity_started(&info, &start.header_fields))
        .collect();
    // Created inside the interceptors' scopes, so a tracing-to-OpenTelemetry layer makes it a
    // child of the attempt's `RunActivity` span.
    let entered = enter(&scopes);
    let span = tracing::info_span!(
        "activity",
        activity_type = %start.activity_type,
        activity_id = %start.activity_id,
        workflow_id = %info.workflow_id,
        attempt = info.attempt,
        local = start.is_local,
    );
    leave(entered);
    let task_queue = info.task_queue.clone();
    let ctx = ActivityContext::new(
        info,
        start.heartbeat_details.clone(),
        heartbeat,
        observers.shutdown,
        observers
            .metrics
            .user(vec![("activity_type".into(), start.activity_type.clone())]),
    );
    lock(&running).insert(task_token.clone(), ctx.clone());

    let allow_list = start
        .header_fields
        .get(RETRYABLE_ERRORS_HEADER)
        .and_then(|p| from_payload::<Vec<String>>(p).ok());
    let outcome = match registry.get(&start.activity_type) {
        // A codec problem (a key not deployed yet) is the worker's, not the input's: retryable.
        _ if undecodable.is_some() => ActivityOutcome::Failed(Failure::application(
            format!(
                "the input of activity `{}` cannot be decoded by the worker's codecs: {}",
                start.activity_type,
                undecodable.as_ref().map(ToString::to_string).unwrap_or_default()
            ),
            "PayloadDecodeError",
            false,
        )),
        None => ActivityOutcome::Failed(registry.not_registered(&start.activity_type)),
        Some(activity) => AssertUnwindSafe(Scoped {
            inner: activity.start(ctx, start.input, allow_list),
            scopes: &scopes,
        })
        .catch_unwind()
        .instrument(span.clone())
        .await
        .unwrap_or_else(|panic| {
            ActivityOutcome::Failed(Failure::application(
                format!(
                    "activity `{}` panicked: {}",
                    start.activity_type,
                    crate::executor::run::panic_text(&*panic)
                ),
                "ActivityPanic",
                false,
            ))
        }),
    };
    lock(&running).remove(&task_token);
    let result = result_of(&outcome);
    for scope in scopes.into_iter().rev() {
        scope.finish(&result);
    }
    let outcome_label = match &result {
        ActivityResult::Completed => "completed",
        ActivityResult::Failed { error_type, .. } => {
            if error_type.as_deref() == Some("PayloadDecodeError") {
                observers.metrics.payload_decode_error("activity_input");
            }
            "failed"
        }
        ActivityResult::Cancelled => "cancelled",
        _ => "completing_async",
    };
    observers.metrics.activity_finished(
        &start.activity_type,
        &task_queue,
        outcome_label,
        started.elapsed(),
    );

    let status = match outcome {
        ActivityOutcome::Completed(payload) => {
            activity_execution_result::Status::Completed(activity_result::Success {
                result: Some(payload),
            })
        }
        ActivityOutcome::Failed(f) => activity_execution_result::Status::Failed(activity_result::Failure {
            failure: Some(f.to_proto()),
            ..Default::default()
        }),
        ActivityOutcome::Cancelled(f) => {
            activity_execution_result::Status::Cancelled(activity_result::Cancellation {
                failure: Some(f.to_proto()),
            })
        }
        ActivityOutcome::WillCompleteAsync => {
            activity_execution_result::Status::WillCompleteAsync(activity_result::WillCompleteAsync {})
        }
    };
    let mut completion = ActivityTaskCompletion {
        task_token,
        result: Some(ActivityExecutionResult { status: Some(status) }),
    };
    if let Err(e) = observers
        .converter
        .encode_activity_completion(&mut completion)
        .await
    {
        let message = format!(
            "the result of activity `{}` cannot be encoded by the worker's codecs: {e}",
            start.activity_type
        );
        tracing::error!("{message}");
        completion.result = Some(ActivityExecutionResult {
            status: Some(activity_execution_result::Status::Failed(
                activity_result::Failure {
                    failure: Some(Failure::application(message, "PayloadEncodeError", false).to_proto()),
                    ..Default::default()
                },
            )),
        });
    }
    if let Err(e) = core.complete_activity_task(completion).instrument(span).await {
        tracing::error!(error = %e, "Core rejected an activity completion");
    }
}
