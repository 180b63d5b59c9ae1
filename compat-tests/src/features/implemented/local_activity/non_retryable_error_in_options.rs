//! `local_activity/non_retryable_error_in_options`: a local activity's retry policy lists
//! `MyNonRetryableError` as non-retryable; the activity fails with that type once and is not
//! retried (though its policy allows 10 attempts).

use crate::features::support::{fail, failed_markers, history_attributes, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Fails with a (retryable) error of type `MyNonRetryableError`, naming its attempt.
pub struct FailsWithType;
impl ActivityDefinition for FailsWithType {
    const NAME: &'static str = "fails_with_type";
    type Input = ();
    type Output = ();
}
impl Activity for FailsWithType {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        Err(
            ApplicationError::new(format!("attempt {} failed", ctx.info().attempt))
                .with_type("MyNonRetryableError"),
        )
    }
}

/// Returns the failure's message and type.
pub struct NonRetryableInOptions;
impl Workflow for NonRetryableInOptions {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = (String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String)> {
        let result = ctx
            .local_activity::<FailsWithType>(())
            .start_to_close_timeout(Duration::from_secs(10))
            .retry_policy(RetryPolicy {
                max_attempts: 10,
                initial_interval: Duration::from_millis(1),
                non_retryable_errors: vec!["MyNonRetryableError".into()],
                ..RetryPolicy::default()
            })
            .await;
        match result {
            Err(ActivityError::Failed(f)) => {
                let cause = f.root_cause();
                Ok((
                    cause.message.clone(),
                    cause.application_type().unwrap_or_default().into(),
                ))
            }
            other => Err(WorkflowError::application(
                format!("expected a failure, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<NonRetryableInOptions>()
        .register_activity(FailsWithType)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NonRetryableInOptions>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle =
        start::<NonRetryableInOptions>(&client, &task_queue, "la-non-retryable-in-options", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != ("attempt 1 failed".to_string(), "MyNonRetryableError".to_string()) {
        return Err(format!(
            "expected one attempt failing with MyNonRetryableError, got {out:?}"
        ));
    }
    if failed_markers(&history_attributes(&handle).await?) != 1 {
        return Err("expected one failure marker".into());
    }
    Ok(vec![handle.workflow_id().to_string()])
}
