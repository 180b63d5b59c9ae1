//! `continue_as_new/updates_do_not_block_continue_as_new`: an update admitted while the workflow
//! task carrying a continue-as-new is in flight does not block it: the first run continues as new
//! and the update is handled by the new run (its result is the new run's id; the first run's
//! history has no update events).
//!
//! The first run holds its workflow task open with a 1 s local activity; the test sends the update
//! once the activity started.

use crate::features::support::{Lag, Record, count, fail, history_attributes, wait_for};
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

static STARTED: Record = Record::new();

/// `update`: returns the run id that handled it.
pub struct RunIdUpdate;
impl UpdateDefinition for RunIdUpdate {
    const NAME: &'static str = "update";
    type Args = ();
    type Result = String;
}

/// First run: lags, continues as new. Second run: waits for the update, returns its run id.
pub struct UpdatesDoNotBlock;
impl Workflow for UpdatesDoNotBlock {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let run_id = ctx.info().run_id;
        let state = ctx.state(false);
        state.on_update::<RunIdUpdate>(move |received, ()| {
            *received = true;
            Ok(run_id.clone())
        });
        if ctx.info().continued_from_run_id.is_none() {
            ctx.local_activity::<Lag>(())
                .start_to_close_timeout(Duration::from_secs(10))
                .await?;
            return Err(ctx.continue_as_new(()));
        }
        state.wait(|received| *received).await?;
        Ok(ctx.info().run_id)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<UpdatesDoNotBlock>()
        .register_activity(Lag(&STARTED))
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UpdatesDoNotBlock>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    STARTED.clear();
    let id = crate::unique("can-updates-do-not-block");
    let handle = client
        .start_workflow::<UpdatesDoNotBlock>(
            (),
            StartWorkflowOptions::new(&id, &task_queue).execution_timeout(Duration::from_secs(60)),
        )
        .await
        .map_err(fail)?;
    let first_run = handle.run_id().ok_or("no first run id")?.to_string();
    wait_for("the lag to start", Duration::from_secs(30), || async {
        !STARTED.get().is_empty()
    })
    .await?;
    let latest = client.workflow_handle::<String>(id.as_str(), None);
    let update_run = latest.execute_update::<RunIdUpdate>(()).await.map_err(fail)?;
    if update_run == first_run {
        return Err("the update was handled by the first run, not the continued one".into());
    }
    let out = latest.get_result().await.map_err(fail)?;
    if out != update_run {
        return Err(format!(
            "the update ran on {update_run}, the workflow ended on {out}"
        ));
    }
    let first = client.workflow_handle::<()>(id.as_str(), Some(first_run.clone()));
    let update_events = count(&history_attributes(&first).await?, |a| {
        matches!(
            a,
            Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_)
                | Attributes::WorkflowExecutionUpdateCompletedEventAttributes(_)
        )
    });
    if update_events != 0 {
        return Err(format!(
            "the first run's history has {update_events} update events"
        ));
    }
    Ok(vec![id.clone(), format!("{id}@{first_run}")])
}
