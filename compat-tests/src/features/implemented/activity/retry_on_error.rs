//! `activity/retry_on_error`: an activity that fails every attempt, retried with 5 maximum
//! attempts and no backoff growth; the workflow fails with the last attempt's error, "activity
//! attempt 5 failed".

use ironflow::client::{Client, StartWorkflowOptions, WorkflowExecutionError};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Fails with the attempt that failed.
pub struct AlwaysFail;
impl ActivityDefinition for AlwaysFail {
    const NAME: &'static str = "always_fail_activity";
    type Input = ();
    type Output = ();
}
impl Activity for AlwaysFail {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        Err(ApplicationError::new(format!(
            "activity attempt {} failed",
            ctx.info().attempt
        )))
    }
}

/// Runs the activity with 5 attempts, 1 ms apart.
pub struct RetryOnError;
impl Workflow for RetryOnError {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.activity::<AlwaysFail>(())
            .schedule_to_close_timeout(Duration::from_secs(60))
            .start_to_close_timeout(None)
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
    let id = crate::unique("retry-on-error");
    let result = client
        .execute_workflow::<RetryOnError>((), StartWorkflowOptions::new(&id, &task_queue))
        .await;
    match result {
        Err(WorkflowExecutionError::Failed { failure, .. }) => {
            let chain = format!("{failure:?}");
            if chain.contains("activity attempt 5 failed") {
                Ok(vec![id])
            } else {
                Err(format!(
                    "expected the activity error `activity attempt 5 failed`, got {chain}"
                ))
            }
        }
        other => Err(format!(
            "expected the workflow to fail with the activity's error, got {other:?}"
        )),
    }
}
