//! The activity poll loop: Core activity task → registry → user code → completion → Core.

use crate::activity::registry::{ActivityOutcome, ActivityRegistry};
use crate::activity::{
    ActivityContext, ActivityInfo, CancelReason, RETRYABLE_ERRORS_HEADER, WorkerShutdownSignal,
};
use crate::converter::{Failure, from_payload};
use futures::FutureExt;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, Weak};
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

/// Polls activity tasks until Core reports shutdown; every attempt runs in its own task.
pub(super) async fn run(
    core: Arc<CoreWorker>,
    registry: Arc<ActivityRegistry>,
    worker_shutdown: WorkerShutdownSignal,
) -> Result<(), String> {
    let running: Running = Arc::default();
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
                        worker_shutdown.clone(),
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
    start: Start,
    worker_shutdown: WorkerShutdownSignal,
) {
    let mut info = info_from(&start, &task_token);
    info.task_queue = core.get_config().task_queue.clone();
    let span = tracing::info_span!(
        "activity",
        activity_type = %start.activity_type,
        activity_id = %start.activity_id,
        workflow_id = %info.workflow_id,
        attempt = info.attempt,
        local = start.is_local,
    );
    let weak: Weak<CoreWorker> = Arc::downgrade(&core);
    let token_for_heartbeat = task_token.clone();
    let heartbeat = Arc::new(move |details| {
        if let Some(core) = weak.upgrade() {
            core.record_activity_heartbeat(ActivityHeartbeat {
                task_token: token_for_heartbeat.clone(),
                details,
            });
        }
    });
    let ctx = ActivityContext::new(info, start.heartbeat_details.clone(), heartbeat, worker_shutdown);
    lock(&running).insert(task_token.clone(), ctx.clone());

    let allow_list = start
        .header_fields
        .get(RETRYABLE_ERRORS_HEADER)
        .and_then(|p| from_payload::<Vec<String>>(p).ok());
    let outcome = match registry.get(&start.activity_type) {
        None => ActivityOutcome::Failed(registry.not_registered(&start.activity_type)),
        Some(activity) => AssertUnwindSafe(activity.start(ctx, start.input, allow_list))
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
    let completion = ActivityTaskCompletion {
        task_token,
        result: Some(ActivityExecutionResult { status: Some(status) }),
    };
    if let Err(e) = core.complete_activity_task(completion).instrument(span).await {
        tracing::error!(error = %e, "Core rejected an activity completion");
    }
}
