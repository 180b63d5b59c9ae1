//! The workflow poll loop: Core activation → workflow thread → completion → Core, with deadlock
//! detection.

use crate::codec::DataConverter;
use crate::converter::Failure;
use crate::executor::run::fail;
use crate::executor::threads::{Dispatched, WorkflowThreads};
use crate::telemetry::metrics::WorkerMetrics;
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::protos::{
    coresdk::workflow_completion::WorkflowActivationCompletion,
    temporal::api::enums::v1::WorkflowTaskFailedCause,
};
use temporalio_sdk_core::{PollError, Worker as CoreWorker};
use tokio::task::JoinSet;

/// Polls activations until Core reports shutdown, completing each one concurrently (Core asks
/// that completions not be serialised: one may wait on a history page fetch).
pub(super) async fn run(
    core: Arc<CoreWorker>,
    mut threads: WorkflowThreads,
    deadlock_timeout: Option<Duration>,
    metrics: WorkerMetrics,
    converter: DataConverter,
) -> Result<(), String> {
    let mut in_flight = JoinSet::new();
    let result = loop {
        while in_flight.try_join_next().is_some() {}
        match core.poll_workflow_activation().await {
            Ok(mut activation) => {
                let run_id = activation.run_id.clone();
                // Decoded here, in order, before the run sees it: Core sends a run's next
                // activation only after this one's completion.
                if let Err(e) = converter.decode_message(&mut activation).await {
                    metrics.payload_decode_error("activation");
                    let message = format!(
                        "a payload of workflow run {run_id} cannot be decoded by the worker's codecs: {e}; \
                         the workflow task will be retried (deploy the codec or key it needs)"
                    );
                    tracing::error!(run_id = %run_id, "{message}");
                    let completion = WorkflowActivationCompletion::fail(
                        &run_id,
                        Failure::application(message, "PayloadDecodeError", false).to_proto(),
                        Some(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure),
                    );
                    if let Err(e) = core.complete_workflow_activation(completion).await {
                        tracing::error!(run_id = %run_id, error = %e, "Core rejected a workflow activation completion");
                    }
                    continue;
                }
                let dispatched = threads.dispatch(activation);
                for lost in threads.take_lost_runs() {
                    core.request_workflow_eviction(&lost);
                }
                let core = core.clone();
                let metrics = metrics.clone();
                let converter = converter.clone();
                in_flight.spawn(async move {
                    let mut completion = await_completion(dispatched, &run_id, deadlock_timeout, &metrics).await;
                    if let Err(e) = converter.encode_workflow_completion(&mut completion).await {
                        let message = format!(
                            "the completion of workflow run {run_id} cannot be encoded by the worker's codecs: {e}"
                        );
                        tracing::error!(run_id = %run_id, "{message}");
                        completion = fail(&run_id, message, WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure);
                    }
                    if let Err(e) = core.complete_workflow_activation(completion).await {
                        tracing::error!(run_id = %run_id, error = %e, "Core rejected a workflow activation completion");
                    }
                });
            }
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(format!("polling workflow tasks failed: {e}")),
        }
    };
    while in_flight.join_next().await.is_some() {}
    // Joining the threads blocks; keep it off the async executor.
    let _ = tokio::task::spawn_blocking(move || drop(threads)).await;
    result
}

/// Waits for a workflow thread's completion. With a deadlock timeout, a thread that has been
/// busy on one activation for longer than the timeout is declared deadlocked: that activation
/// fails with a message naming the workflow, the activations queued behind it fail too (their
/// runs are rebuilt on a fresh thread), and the worker keeps serving.
async fn await_completion(
    dispatched: Dispatched,
    run_id: &str,
    deadlock_timeout: Option<Duration>,
    metrics: &WorkerMetrics,
) -> WorkflowActivationCompletion {
    let Dispatched { mut reply, health } = dispatched;
    let cause = WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure;
    let Some(limit) = deadlock_timeout else {
        return reply
            .await
            .unwrap_or_else(|_| fail(run_id, "the workflow thread dropped the activation".into(), cause));
    };
    // Check a few times per limit, so a thread busy for `limit` is caught soon after, however
    // long the activation waited in the thread's queue before it started.
    let tick = (limit / 4).max(Duration::from_millis(10));
    loop {
        match tokio::time::timeout(tick, &mut reply).await {
            Ok(Ok(completion)) => return completion,
            Ok(Err(_)) => return fail(run_id, "the workflow thread dropped the activation".into(), cause),
            Err(_) => {
                if health.is_dead() {
                    return fail(
                        run_id,
                        format!(
                            "the workflow thread was blocked by another run; run {run_id} will be rebuilt from history"
                        ),
                        cause,
                    );
                }
                if let Some((busy_run, workflow_type, elapsed)) = health.blocked_for(limit) {
                    health.declare_dead();
                    metrics.deadlock_detected(&workflow_type);
                    let message = if busy_run == run_id {
                        format!(
                            "deadlock detected: workflow `{workflow_type}` (run {run_id}) did not yield for {elapsed:.1?} \
                             (limit {limit:?}); workflow code must not block its thread (blocking I/O, std::thread::sleep, \
                             a busy loop, a lock): use activities and ctx.sleep()"
                        )
                    } else {
                        format!(
                            "the workflow thread was blocked by workflow `{workflow_type}` (run {busy_run}); run {run_id} \
                             will be rebuilt from history"
                        )
                    };
                    tracing::error!(run_id = %run_id, "{message}");
                    return fail(run_id, message, cause);
                }
            }
        }
    }
}
