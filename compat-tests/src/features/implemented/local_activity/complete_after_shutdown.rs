//! `local_activity/complete_after_shutdown`: a local activity still running when its worker
//! starts shutting down may complete; the worker waits for it, completes the workflow task with
//! its marker (checked in the history once the worker stopped), and only then stops.

use crate::features::support::{Record, fail, history_attributes, local_activity_markers, start, wait_for};
use ironflow::Worker;
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

static SEEN: Record = Record::new();

/// Completes 200 ms after its worker started shutting down.
pub struct OutlivesShutdown;
impl ActivityDefinition for OutlivesShutdown {
    const NAME: &'static str = "outlives_shutdown";
    type Input = ();
    type Output = String;
}
impl Activity for OutlivesShutdown {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        SEEN.push("started");
        ctx.worker_shutdown().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok("completed after shutdown".into())
    }
}

/// Returns the local activity's result.
pub struct CompleteAfterShutdown;
impl Workflow for CompleteAfterShutdown {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok(ctx
            .local_activity::<OutlivesShutdown>(())
            .start_to_close_timeout(Duration::from_secs(30))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CompleteAfterShutdown>()
        .register_activity(OutlivesShutdown)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CompleteAfterShutdown>()
}

pub(crate) fn worker(
    client: &Client,
    task_queue: &str,
    register: fn(WorkerBuilder) -> WorkerBuilder,
) -> Result<Worker, String> {
    register(Worker::builder(client, task_queue))
        .graceful_shutdown_period(Duration::from_secs(5))
        .build()
        .map_err(fail)
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    SEEN.clear();
    let handle =
        start::<CompleteAfterShutdown>(&client, &task_queue, "la-complete-after-shutdown", ()).await?;
    worker(&client, &task_queue, register)?
        .run_until(wait_for(
            "the local activity to start",
            Duration::from_secs(30),
            || async { !SEEN.get().is_empty() },
        ))
        .await
        .map_err(fail)??;
    // The worker has stopped: the marker must already be in the history.
    let markers = local_activity_markers(&history_attributes(&handle).await?).len();
    if markers != 1 {
        return Err(format!(
            "expected the marker to be recorded before the worker stopped, found {markers}"
        ));
    }
    let out = worker(&client, &task_queue, register)?
        .run_until(handle.get_result())
        .await
        .map_err(fail)?
        .map_err(fail)?;
    if out != "completed after shutdown" {
        return Err(format!("got {out:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
