//! `signal/activities`: a signal handler runs five activities concurrently and waits for them;
//! the workflow returns their total (5 × 6 = 30) once the handler set it.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Returns 6.
pub struct MyActivity;
impl ActivityDefinition for MyActivity {
    const NAME: &'static str = "myActivity";
    type Input = ();
    type Output = u32;
}
impl Activity for MyActivity {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<u32, ApplicationError> {
        Ok(6)
    }
}

/// The total the signal handler computed.
pub struct Total {
    total: u32,
}

/// The `mySignal` signal (no arguments).
pub struct MySignal;
impl SignalDefinition for MySignal {
    const NAME: &'static str = "mySignal";
    type Data = ();
}

/// Waits for the signal handler's total.
pub struct SignalActivities;
impl Workflow for SignalActivities {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = u32;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<u32> {
        let state = ctx.state(Total { total: 0 });
        state.on_signal_async::<MySignal, _, _>(|state, ()| async move {
            let calls = (0..5).map(|_| {
                state
                    .ctx()
                    .activity::<MyActivity>(())
                    .start_to_close_timeout(Duration::from_secs(5))
            });
            let counts = futures::future::join_all(calls).await;
            let total = counts.into_iter().sum::<Result<u32, _>>()?;
            state.update(|s| s.total = total);
            Ok(())
        });
        state.wait(|s| s.total > 0).await?;
        Ok(state.get(|s| s.total))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<SignalActivities>()
        .register_activity(MyActivity)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SignalActivities>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<SignalActivities>(&client, &task_queue, "signal-activities", ()).await?;
    handle.signal::<MySignal>(()).await.map_err(fail)?;
    let total = handle.get_result().await.map_err(fail)?;
    if total != 30 {
        return Err(format!("expected 30, got {total}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
