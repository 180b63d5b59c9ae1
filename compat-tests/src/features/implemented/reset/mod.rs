//! `reset`: a workflow reset to its first workflow task runs again as a new run (same workflow
//! id, new run id, reported in the `WorkflowTaskFailed` the reset writes); the signal received
//! after that point is applied again, and the new run's randomness is seeded from its new run id
//! (its UUID differs from the old run's).

pub mod reset_and_delete;

use crate::features::support::{fail, history_attributes, start, wait_for};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Whether `go` arrived.
pub struct Go {
    go: bool,
}

#[ironflow::handlers]
impl Go {
    #[signal(name = "go")]
    fn go_signal(&mut self) {
        self.go = true;
    }
}

/// Waits for `go`, then returns a workflow UUID and its run id.
pub struct Reset;
impl Workflow for Reset {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = (String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String)> {
        let state = ctx.state(Go { go: false }).register_handlers();
        state.wait(|s| s.go).await?;
        Ok((ctx.uuid4().to_string(), ctx.info().run_id))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Reset>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Reset>()
}

/// The id of the `n`th `WorkflowTaskCompleted` event (from 1).
pub(crate) fn nth_task_completed(events: &ironflow::history::History, n: usize) -> Option<i64> {
    events
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.attributes,
                Some(Attributes::WorkflowTaskCompletedEventAttributes(_))
            )
        })
        .nth(n - 1)
        .map(|e| e.event_id)
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Reset>(&client, &task_queue, "reset", ()).await?;
    let first_run = handle.run_id().ok_or("no run id")?.to_string();
    handle.signal::<GoSignal>(()).await.map_err(fail)?;
    let (old_uuid, old_run) = handle.get_result().await.map_err(fail)?;
    if old_run != first_run {
        return Err(format!(
            "the first run reports run id {old_run}, started as {first_run}"
        ));
    }
    let history = handle.fetch_history().await.map_err(fail)?;
    let point = nth_task_completed(&history, 1).ok_or("no completed workflow task")?;
    let new_run = handle.reset(point, "feature test").await.map_err(fail)?;
    let latest = client.workflow_handle::<(String, String)>(handle.workflow_id(), Some(new_run.clone()));
    let (new_uuid, reported_run) = latest.get_result().await.map_err(fail)?;
    if reported_run != new_run {
        return Err(format!(
            "the new run reports run id {reported_run}, the reset made {new_run}"
        ));
    }
    if new_uuid == old_uuid {
        return Err("the new run's UUID equals the old run's: its randomness was not reseeded".into());
    }
    wait_for(
        "the reset's WorkflowTaskFailed",
        Duration::from_secs(10),
        || async {
            history_attributes(&latest).await.unwrap_or_default().iter().any(
                |a| matches!(a, Attributes::WorkflowTaskFailedEventAttributes(f) if f.new_run_id == new_run),
            )
        },
    )
    .await?;
    let id = handle.workflow_id();
    Ok(vec![format!("{id}@{first_run}"), format!("{id}@{new_run}")])
}
