//! `local_activity/retry_on_error`: a local activity that always fails runs with 5 maximum
//! attempts and no backoff growth; exactly 5 attempts run (retried in the worker: no failure
//! marker until the last) and the workflow fails with the fifth attempt's error.

use super::super::activity::retry_on_error::AlwaysFail;
use crate::features::support::{failed_markers, history_attributes, local_activity_markers, start};
use ironflow::client::{Client, WorkflowExecutionError};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Runs the failing local activity with 5 attempts, 1 ms apart, retried in the worker.
pub struct RetryOnError;
impl Workflow for RetryOnError {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.local_activity::<AlwaysFail>(())
            .schedule_to_close_timeout(Duration::from_secs(60))
            .start_to_close_timeout(None)
            .local_retry_threshold(Duration::from_secs(60))
            .retry_policy(RetryPolicy {
                max_attempts: 5,
                initial_interval: Duration::from_millis(1),
                backoff_coefficient: 1.0,
                max_interval: None,
                ..RetryPolicy::default()
            })
            .await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<RetryOnError>()
        .register_activity(AlwaysFail)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<RetryOnError>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<RetryOnError>(&client, &task_queue, "la-retry-on-error", ()).await?;
    match handle.get_result().await {
        Err(WorkflowExecutionError::Failed { failure, .. })
            if failure.root_cause().message == "activity attempt 5 failed" => {}
        other => return Err(format!("expected the fifth attempt's error, got {other:?}")),
    }
    let events = history_attributes(&handle).await?;
    let (markers, failed) = (local_activity_markers(&events).len(), failed_markers(&events));
    if (markers, failed) != (1, 1) {
        return Err(format!(
            "expected one (failure) marker, got {markers} markers, {failed} failed"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
