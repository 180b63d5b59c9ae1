//! `local_activity/concurrent`: five local activities scheduled in one workflow task run
//! concurrently; all results reach the workflow and five markers are recorded.

use crate::features::support::{fail, history_attributes, local_activity_markers, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Squares its input after a short wait, so the five overlap.
pub struct Square;
impl ActivityDefinition for Square {
    const NAME: &'static str = "square";
    type Input = u32;
    type Output = u32;
}
impl Activity for Square {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, n: u32) -> Result<u32, ApplicationError> {
        tokio::time::sleep(Duration::from_millis(20 * u64::from(n))).await;
        Ok(n * n)
    }
}

/// Runs five local activities at once.
pub struct Concurrent;
impl Workflow for Concurrent {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = Vec<u32>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<u32>> {
        let calls = (1..=5).map(|n| {
            ctx.local_activity::<Square>(n)
                .start_to_close_timeout(Duration::from_secs(10))
        });
        Ok(futures::future::join_all(calls)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<Concurrent>()
        .register_activity(Square)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Concurrent>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Concurrent>(&client, &task_queue, "la-concurrent", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != [1, 4, 9, 16, 25] {
        return Err(format!("expected [1, 4, 9, 16, 25], got {out:?}"));
    }
    let markers = local_activity_markers(&history_attributes(&handle).await?).len();
    if markers != 5 {
        return Err(format!("expected five markers, got {markers}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
