//! `update/activities`: an update handler runs six activities concurrently and waits for them;
//! the update returns when all finished, then the workflow completes.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Says hi.
pub struct SayHi;
impl ActivityDefinition for SayHi {
    const NAME: &'static str = "say_hi";
    type Input = ();
    type Output = String;
}
impl Activity for SayHi {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        Ok("hi".into())
    }
}

/// The `do_activities` update: returns how many activities answered "hi".
pub struct DoActivities;
impl UpdateDefinition for DoActivities {
    const NAME: &'static str = "do_activities";
    type Args = ();
    type Result = usize;
}

/// Waits until the update ran its activities.
pub struct UpdateActivities;
impl Workflow for UpdateActivities {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(false);
        state.on_update_async::<DoActivities, _, _>(|state, ()| async move {
            let calls = (0..6).map(|_| {
                state
                    .ctx()
                    .activity::<SayHi>(())
                    .start_to_close_timeout(Duration::from_secs(60))
            });
            let results = futures::future::join_all(calls).await;
            let his = results.into_iter().collect::<Result<Vec<_>, _>>()?;
            state.update(|done| *done = true);
            Ok(his.iter().filter(|h| *h == "hi").count())
        });
        state.wait(|done| *done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<UpdateActivities>()
        .register_activity(SayHi)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UpdateActivities>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<UpdateActivities>(&client, &task_queue, "update-activities", ()).await?;
    let his = handle.execute_update::<DoActivities>(()).await.map_err(fail)?;
    if his != 6 {
        return Err(format!("expected six activities to answer, got {his}"));
    }
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
