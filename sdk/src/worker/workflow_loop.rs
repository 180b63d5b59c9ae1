//! The workflow poll loop: Core activation → workflow thread → completion → Core.

use crate::executor::threads::WorkflowThreads;
use std::sync::Arc;
use temporalio_sdk_core::{PollError, Worker as CoreWorker};
use tokio::task::JoinSet;

/// Polls activations until Core reports shutdown, completing each one concurrently (Core asks
/// that completions not be serialised: one may wait on a history page fetch).
pub(super) async fn run(core: Arc<CoreWorker>, mut threads: WorkflowThreads) -> Result<(), String> {
    let mut in_flight = JoinSet::new();
    let result = loop {
        while in_flight.try_join_next().is_some() {}
        match core.poll_workflow_activation().await {
            Ok(activation) => {
                let reply = threads.dispatch(activation);
                let core = core.clone();
                in_flight.spawn(async move {
                    let Ok(completion) = reply.await else {
                        tracing::error!("a workflow thread dropped an activation without completing it");
                        return;
                    };
                    let run_id = completion.run_id.clone();
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
