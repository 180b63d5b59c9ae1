//! `activity/running_concurrently`: a workflow starts five activities at once and collects their
//! results; all five `ActivityTaskScheduled` events come from one workflow task completion.

use crate::features::support::{fail, history_attributes, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Doubles its input after a short wait, so the calls overlap.
pub struct Double;
impl ActivityDefinition for Double {
    const NAME: &'static str = "double";
    type Input = u32;
    type Output = u32;
}
impl Activity for Double {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, n: u32) -> Result<u32, ApplicationError> {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(n * 2)
    }
}

/// Runs five activities concurrently.
pub struct RunningConcurrently;
impl Workflow for RunningConcurrently {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = Vec<u32>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<u32>> {
        let calls = (1..=5).map(|n| {
            ctx.activity::<Double>(n)
                .start_to_close_timeout(Duration::from_secs(10))
        });
        let results = futures::future::join_all(calls).await;
        Ok(results.into_iter().collect::<Result<Vec<_>, _>>()?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<RunningConcurrently>()
        .register_activity(Double)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<RunningConcurrently>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle =
        start::<RunningConcurrently>(&client, &task_queue, "activity-running-concurrently", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != [2, 4, 6, 8, 10] {
        return Err(format!("expected [2, 4, 6, 8, 10], got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let completions: Vec<i64> = events
        .iter()
        .filter_map(|a| match a {
            Attributes::ActivityTaskScheduledEventAttributes(s) => Some(s.workflow_task_completed_event_id),
            _ => None,
        })
        .collect();
    if completions.len() != 5 || completions.iter().any(|c| *c != completions[0]) {
        return Err(format!(
            "expected five activities scheduled by one workflow task, got scheduling tasks {completions:?}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
