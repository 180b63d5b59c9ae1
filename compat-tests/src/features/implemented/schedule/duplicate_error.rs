//! `schedule/duplicate_error`: creating a schedule with the id of an existing one fails with
//! "already exists" (`ClientError::ScheduleAlreadyExists`); then a plain workflow runs.

use crate::features::support::{fail, start};
use ironflow::client::{Client, ClientError, Schedule, ScheduleAction, ScheduleSpec};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Does nothing.
pub struct Nothing;
impl Workflow for Nothing {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<()> {
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Nothing>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Nothing>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let schedule_id = crate::unique("schedule-duplicate-error");
    let action =
        ScheduleAction::start_workflow::<Nothing>(&(), crate::unique("wf"), &task_queue).map_err(fail)?;
    let schedule = Schedule::new(action, ScheduleSpec::every(Duration::from_secs(3600))).paused("");
    let handle = client
        .create_schedule(&schedule_id, schedule.clone())
        .await
        .map_err(fail)?;
    let second = client.create_schedule(&schedule_id, schedule).await;
    handle.delete().await.map_err(fail)?;
    match second {
        Err(ClientError::ScheduleAlreadyExists { schedule_id: id }) if id == schedule_id => {}
        other => return Err(format!("expected ScheduleAlreadyExists, got {other:?}")),
    }
    let handle = start::<Nothing>(&client, &task_queue, "schedule-duplicate-error-wf", ()).await?;
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
