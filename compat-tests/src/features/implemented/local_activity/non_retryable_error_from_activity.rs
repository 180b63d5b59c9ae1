//! `local_activity/non_retryable_error_from_activity`: a local activity that fails with a
//! non-retryable application error is not retried (one attempt, though its policy allows 10);
//! the workflow sees the failure and one failure marker is recorded.

use crate::features::support::{fail, failed_markers, history_attributes, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Fails for good, naming its attempt.
pub struct FailsForGood;
impl ActivityDefinition for FailsForGood {
    const NAME: &'static str = "fails_for_good";
    type Input = ();
    type Output = ();
}
impl Activity for FailsForGood {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        Err(ApplicationError::non_retryable(format!(
            "attempt {} failed for good",
            ctx.info().attempt
        )))
    }
}

/// Returns the failure's message.
pub struct NonRetryableFromActivity;
impl Workflow for NonRetryableFromActivity {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let result = ctx
            .local_activity::<FailsForGood>(())
            .start_to_close_timeout(Duration::from_secs(10))
            .retry_policy(RetryPolicy {
                max_attempts: 10,
                initial_interval: Duration::from_millis(1),
                ..RetryPolicy::default()
            })
            .await;
        match result {
            Err(ActivityError::Failed(f)) => Ok(f.root_cause().message.clone()),
            other => Err(WorkflowError::application(
                format!("expected a failure, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<NonRetryableFromActivity>()
        .register_activity(FailsForGood)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NonRetryableFromActivity>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle =
        start::<NonRetryableFromActivity>(&client, &task_queue, "la-non-retryable-from-activity", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "attempt 1 failed for good" {
        return Err(format!("expected one attempt, got {out:?}"));
    }
    if failed_markers(&history_attributes(&handle).await?) != 1 {
        return Err("expected one failure marker".into());
    }
    Ok(vec![handle.workflow_id().to_string()])
}
