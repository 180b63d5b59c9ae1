//! `local_activity/cancel_try_cancel`: a workflow cancels a running local activity started with
//! `TryCancel`; the call resolves at once as cancelled (nothing is sent to the server) and the
//! activity is told.

use super::cancel_abandon::{start_and_cancel, wait_for_cancel};
use crate::features::support::{Record, fail, start_with, wait_for};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ActivityCancellationType;
use std::time::Duration;

static SEEN: Record = Record::new();

/// Records in its [`Record`] whether it was told of the cancellation within 30 s (and
/// acknowledges it).
pub struct Watcher(pub(crate) &'static Record);
impl ActivityDefinition for Watcher {
    const NAME: &'static str = "watcher";
    type Input = ();
    type Output = ();
}
impl Activity for Watcher {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        wait_for_cancel(&ctx, Duration::from_secs(30), self.0).await
    }
}

/// Cancels the local activity; expects a cancellation at once.
pub struct CancelTryCancel;
impl Workflow for CancelTryCancel {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        match start_and_cancel::<Watcher>(&ctx, ActivityCancellationType::TryCancel).await? {
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
        .register_workflow::<CancelTryCancel>()
        .register_activity(Watcher(&SEEN))
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelTryCancel>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    SEEN.clear();
    // A 1 s workflow task timeout: the task heartbeats after 0.8 s while the local activity
    // runs, so the workflow is woken (and cancels it) then.
    let handle = start_with::<CancelTryCancel>(&client, &task_queue, "la-cancel-try-cancel", (), |o| {
        o.task_timeout(Duration::from_secs(1))
    })
    .await?;
    handle.get_result().await.map_err(fail)?;
    wait_for(
        "the local activity to be told",
        Duration::from_secs(30),
        || async { !SEEN.get().is_empty() },
    )
    .await?;
    if SEEN.get() != ["notified"] {
        return Err(format!("the local activity says {:?}", SEEN.get()));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
