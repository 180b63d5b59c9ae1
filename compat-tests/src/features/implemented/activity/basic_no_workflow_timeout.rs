//! `activity/basic_no_workflow_timeout`: a workflow without an execution timeout runs an activity
//! with only a schedule-to-close timeout, then one with only a start-to-close timeout; it returns
//! the second's result, "echo".

use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Returns "echo".
pub struct Echo;
impl ActivityDefinition for Echo {
    const NAME: &'static str = "echo";
    type Input = ();
    type Output = String;
}
impl Activity for Echo {
    type Error = std::convert::Infallible;
    async fn execute(&self, _ctx: ActivityContext, _: ()) -> Result<String, Self::Error> {
        Ok("echo".into())
    }
}

/// Two activities, each with only one kind of timeout.
pub struct NoWorkflowTimeout;
impl Workflow for NoWorkflowTimeout {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.activity::<Echo>(())
            .start_to_close_timeout(None)
            .schedule_to_close_timeout(Duration::from_secs(60))
            .await?;
        Ok(ctx
            .activity::<Echo>(())
            .start_to_close_timeout(Duration::from_secs(60))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<NoWorkflowTimeout>()
        .register_activity(Echo)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NoWorkflowTimeout>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    crate::features::expect_result::<NoWorkflowTimeout>(
        &client,
        &task_queue,
        "no-workflow-timeout",
        (),
        "echo".to_string(),
    )
    .await
}
