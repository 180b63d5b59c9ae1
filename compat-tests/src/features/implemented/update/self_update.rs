//! `update/self`: an activity sends an update to the workflow that called it; once the activity
//! returns, the update's effect is visible to the workflow, which then completes.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// `update_me`.
pub struct UpdateMe;
impl UpdateDefinition for UpdateMe {
    const NAME: &'static str = "update_me";
    type Args = ();
    type Result = ();
}

/// Updates its own workflow.
pub struct SelfUpdate {
    client: Client,
}
impl ActivityDefinition for SelfUpdate {
    const NAME: &'static str = "self_update";
    type Input = ();
    type Output = ();
}
impl Activity for SelfUpdate {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        self.client
            .workflow_handle::<()>(ctx.info().workflow_id.as_str(), None)
            .execute_update::<UpdateMe>(())
            .await
            .map_err(|e| ApplicationError::new(e.to_string()))
    }
}

/// Runs the activity, then expects the update's effect.
pub struct UpdateSelf;
impl Workflow for UpdateSelf {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(false);
        state.on_update::<UpdateMe>(|done, ()| {
            *done = true;
            Ok(())
        });
        ctx.activity::<SelfUpdate>(())
            .start_to_close_timeout(Duration::from_secs(10))
            .await?;
        if !state.get(|done| *done) {
            return Err(WorkflowError::application(
                "the update's effect is not visible after the activity returned",
                "Unexpected",
            ));
        }
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    let client = builder.client().clone();
    builder
        .register_workflow::<UpdateSelf>()
        .register_activity(SelfUpdate { client })
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UpdateSelf>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<UpdateSelf>(&client, &task_queue, "update-self", ()).await?;
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
