//! `local_activity/cancel_wait_completed`: a workflow cancels a running local activity started
//! with `WaitCancellationCompleted`; the activity is told and acknowledges, and only then does the
//! call resolve as cancelled (so the activity's record exists when the workflow finishes).

use super::cancel_abandon::start_and_cancel;
use super::cancel_try_cancel::Watcher;
use crate::features::support::{Record, fail, start_with};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ActivityCancellationType;
use std::time::Duration;

static SEEN: Record = Record::new();

/// Cancels the local activity; expects a cancellation once it acknowledged.
pub struct CancelWaitCompleted;
impl Workflow for CancelWaitCompleted {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        match start_and_cancel::<Watcher>(&ctx, ActivityCancellationType::WaitCancellationCompleted).await? {
            Err(e) if e.is_cancelled() => Ok(()),
            other => Err(WorkflowError::application(
                format!("expected a cancellation, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelWaitCompleted>()
        .register_activity(Watcher(&SEEN))
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelWaitCompleted>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    SEEN.clear();
    // A 1 s workflow task timeout: the task heartbeats after 0.8 s while the local activity
    // runs, so the workflow is woken (and cancels it) then.
    let handle =
        start_with::<CancelWaitCompleted>(&client, &task_queue, "la-cancel-wait-completed", (), |o| {
            o.task_timeout(Duration::from_secs(1))
        })
        .await?;
    handle.get_result().await.map_err(fail)?;
    if SEEN.get() != ["notified"] {
        return Err(format!(
            "the workflow finished before the local activity acknowledged: it says {:?}",
            SEEN.get()
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
