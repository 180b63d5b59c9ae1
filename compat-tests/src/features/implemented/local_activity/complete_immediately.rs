//! `local_activity/complete_immediately`: a local activity that completes at once resolves in the
//! workflow task that scheduled it; that task's completion records its marker and the workflow's
//! completion (one `WorkflowTaskCompleted` in the whole history).

use crate::features::support::{count, fail, history_attributes, local_activity_markers, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Echoes its input.
pub struct Echo;
impl ActivityDefinition for Echo {
    const NAME: &'static str = "echo";
    type Input = String;
    type Output = String;
}
impl Activity for Echo {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, s: String) -> Result<String, ApplicationError> {
        Ok(s)
    }
}

/// Runs the local activity once.
pub struct CompleteImmediately;
impl Workflow for CompleteImmediately {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok(ctx
            .local_activity::<Echo>("hello".into())
            .start_to_close_timeout(Duration::from_secs(10))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CompleteImmediately>()
        .register_activity(Echo)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CompleteImmediately>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<CompleteImmediately>(&client, &task_queue, "la-complete-immediately", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "hello" {
        return Err(format!("expected \"hello\", got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let tasks = count(&events, |a| {
        matches!(a, Attributes::WorkflowTaskCompletedEventAttributes(_))
    });
    let markers = local_activity_markers(&events).len();
    if (tasks, markers) != (1, 1) {
        return Err(format!(
            "expected one workflow task and one marker, got {tasks} and {markers}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
