//! `local_activity/complete_eventually`: a local activity that runs longer than the workflow
//! task timeout (3 s against 1 s) keeps the task alive with workflow-task heartbeats (several
//! `WorkflowTaskCompleted` before the marker) and its result reaches the workflow.

use crate::features::support::{count, fail, history_attributes, local_activity_markers};
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Takes 3 seconds.
pub struct Slow;
impl ActivityDefinition for Slow {
    const NAME: &'static str = "slow";
    type Input = ();
    type Output = String;
}
impl Activity for Slow {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok("eventually".into())
    }
}

/// Runs the slow local activity.
pub struct CompleteEventually;
impl Workflow for CompleteEventually {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok(ctx
            .local_activity::<Slow>(())
            .start_to_close_timeout(Duration::from_secs(30))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CompleteEventually>()
        .register_activity(Slow)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CompleteEventually>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("la-complete-eventually");
    let handle = client
        .start_workflow::<CompleteEventually>(
            (),
            StartWorkflowOptions::new(&id, &task_queue).task_timeout(Duration::from_secs(1)),
        )
        .await
        .map_err(fail)?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "eventually" {
        return Err(format!("expected \"eventually\", got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let marker = events
        .iter()
        .position(|a| matches!(a, Attributes::MarkerRecordedEventAttributes(_)))
        .ok_or("no marker")?;
    let heartbeats = count(&events[..marker], |a| {
        matches!(a, Attributes::WorkflowTaskCompletedEventAttributes(_))
    });
    if heartbeats < 2 || local_activity_markers(&events).len() != 1 {
        return Err(format!(
            "expected workflow-task heartbeats before the one marker, got {heartbeats} completed tasks before it"
        ));
    }
    if count(&events, |a| {
        matches!(a, Attributes::WorkflowTaskTimedOutEventAttributes(_))
    }) > 0
    {
        return Err("a workflow task timed out while the local activity ran".into());
    }
    Ok(vec![id])
}
