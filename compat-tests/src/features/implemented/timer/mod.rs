//! `timer`: a 1 s timer is a `StartTimer` command in the next workflow task completion
//! (`TimerStarted` with that duration) and resolves as fired (`TimerFired`); a cancelled timer
//! resolves at once as cancelled and the next completion carries its `CancelTimer`
//! (`TimerCanceled`).

use crate::features::support::{count, fail, history_attributes, poll_for, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Sleeps a second, then starts a long timer and cancels it.
pub struct Timer;
impl Workflow for Timer {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_secs(1)).await?;
        let mut long = Box::pin(ctx.sleep(Duration::from_secs(3600)));
        // Started in one workflow task, cancelled in a later one.
        if poll_for(&ctx, &mut long, Duration::from_millis(100))
            .await
            .is_some()
        {
            return Err(WorkflowError::application(
                "a one-hour timer resolved early",
                "Unexpected",
            ));
        }
        long.cancel();
        match long.await {
            Err(_) => Ok("fired, then cancelled".into()),
            Ok(()) => Err(WorkflowError::application(
                "the cancelled timer fired",
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Timer>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Timer>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Timer>(&client, &task_queue, "timer", ()).await?;
    handle.get_result().await.map_err(fail)?;
    let events = history_attributes(&handle).await?;
    let one_second = count(&events, |a| {
        matches!(a, Attributes::TimerStartedEventAttributes(t)
            if t.start_to_fire_timeout.as_ref().is_some_and(|d| d.seconds == 1))
    });
    // The 1 s timer and the 100 ms one that let the task end.
    let fired = count(&events, |a| matches!(a, Attributes::TimerFiredEventAttributes(_))).saturating_sub(1);
    let cancelled = count(&events, |a| {
        matches!(a, Attributes::TimerCanceledEventAttributes(_))
    });
    if (one_second, fired, cancelled) != (1, 1, 1) {
        return Err(format!(
            "expected one 1 s timer fired and one timer cancelled, got {one_second} started, {fired} fired, {cancelled} cancelled"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
