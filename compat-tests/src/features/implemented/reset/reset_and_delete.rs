//! `reset/reset_and_delete`: a workflow driven by five signals is reset to its second workflow
//! task; the new run is driven to completion ("finish"), then deleted (retried while the server
//! says its state is not ready) until describing it says not found; the original run's history is
//! still readable and ends terminated by the reset.

use super::nth_task_completed;
use crate::features::support::{fail, history_attributes, start, wait_for};
use ironflow::client::{Client, ClientError};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Signals received.
pub struct Received {
    signals: Vec<String>,
}

#[ironflow::handlers]
impl Received {
    #[signal(name = "sig")]
    fn sig(&mut self, value: String) {
        self.signals.push(value);
    }
}

/// Runs until a "finish" signal; returns how many signals it got.
pub struct ResetAndDelete;
impl Workflow for ResetAndDelete {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = usize;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<usize> {
        let state = ctx.state(Received { signals: Vec::new() }).register_handlers();
        state.wait(|s| s.signals.iter().any(|v| v == "finish")).await?;
        Ok(state.get(|s| s.signals.len()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<ResetAndDelete>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<ResetAndDelete>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<ResetAndDelete>(&client, &task_queue, "reset-and-delete", ()).await?;
    let original = handle.run_id().ok_or("no run id")?.to_string();
    for _ in 0..5 {
        handle.signal::<Sig>(String::new()).await.map_err(fail)?;
    }
    wait_for(
        "a second completed workflow task",
        Duration::from_secs(10),
        || async {
            let history = handle.fetch_history().await.ok();
            history.and_then(|h| nth_task_completed(&h, 2)).is_some()
        },
    )
    .await?;
    let history = handle.fetch_history().await.map_err(fail)?;
    let point = nth_task_completed(&history, 2).ok_or("no second completed workflow task")?;
    let new_run = handle
        .reset(point, "because I feel like it")
        .await
        .map_err(fail)?;
    let latest = client.workflow_handle::<usize>(handle.workflow_id(), None);
    latest.signal::<Sig>(String::new()).await.map_err(fail)?;
    latest.signal::<Sig>("finish".into()).await.map_err(fail)?;
    let reset_run = client.workflow_handle::<usize>(handle.workflow_id(), Some(new_run.clone()));
    reset_run.get_result().await.map_err(fail)?;
    wait_for("the reset run to be deleted", Duration::from_secs(60), || async {
        reset_run.delete().await.is_ok()
    })
    .await?;
    wait_for("the reset run to be gone", Duration::from_secs(180), || async {
        matches!(reset_run.describe().await, Err(ClientError::NotFound { .. }))
    })
    .await?;
    let first = client.workflow_handle::<()>(handle.workflow_id(), Some(original.clone()));
    let events = history_attributes(&first).await?;
    if !matches!(
        events.last(),
        Some(Attributes::WorkflowExecutionTerminatedEventAttributes(_))
    ) {
        return Err("the original run's history does not end terminated by the reset".into());
    }
    Ok(vec![format!("{}@{original}", handle.workflow_id())])
}
