//! `schedule/pause`: a schedule created paused with a note; pausing again only changes the note;
//! unpausing without a note gives Ironflow's default note; unpausing again with a note changes
//! it; pausing without a note gives the default pause note.

use crate::features::support::fail;
use ironflow::client::{Client, Schedule, ScheduleAction, ScheduleHandle, ScheduleSpec};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Returns its argument.
pub struct Echo;
impl Workflow for Echo {
    const NAME: &'static str = "Workflow";
    type Input = String;
    type Output = String;
    async fn run(_: WorkflowContext, arg: String) -> WorkflowResult<String> {
        Ok(arg)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Echo>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Echo>()
}

/// A paused every-minute schedule of [`Echo`] with "arg1".
pub(crate) async fn paused_schedule(
    client: &Client,
    task_queue: &str,
    prefix: &str,
    note: &str,
) -> Result<ScheduleHandle, String> {
    let action = ScheduleAction::start_workflow::<Echo>(&"arg1".into(), crate::unique(prefix), task_queue)
        .map_err(fail)?;
    let schedule = Schedule::new(action, ScheduleSpec::every(Duration::from_secs(60))).paused(note);
    client
        .create_schedule(crate::unique(prefix), schedule)
        .await
        .map_err(fail)
}

async fn expect_state(handle: &ScheduleHandle, paused: bool, note: &str) -> Result<(), String> {
    let state = handle.describe().await.map_err(fail)?.schedule.state;
    if state.paused != paused || state.note != note {
        return Err(format!(
            "expected paused={paused} with note {note:?}, got paused={} with note {:?}",
            state.paused, state.note
        ));
    }
    Ok(())
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = paused_schedule(&client, &task_queue, "schedule-pause", "initial note").await?;
    let outcome = async {
        expect_state(&handle, true, "initial note").await?;
        handle.pause(Some("custom note1")).await.map_err(fail)?;
        expect_state(&handle, true, "custom note1").await?;
        handle.unpause(None).await.map_err(fail)?;
        expect_state(&handle, false, "Unpaused via Ironflow").await?;
        handle.unpause(Some("custom note2")).await.map_err(fail)?;
        expect_state(&handle, false, "custom note2").await?;
        handle.pause(None).await.map_err(fail)?;
        expect_state(&handle, true, "Paused via Ironflow").await
    }
    .await;
    handle.delete().await.map_err(fail)?;
    outcome.map(|()| Vec::new())
}
