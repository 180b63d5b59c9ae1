//! `child_workflow/cancel_wait_completed`: a parent cancels a child started with
//! `WaitCancellationCompleted`; the child ignores the cancellation and completes, and the
//! parent's wait resolves with the child's result instead of an error.

use crate::features::support::{fail, poll_for, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::{ChildCancellationType, ChildWorkflowOptions};
use std::time::Duration;

/// Waits for a cancellation request, ignores it and completes.
pub struct Ignorer;
impl Workflow for Ignorer {
    const NAME: &'static str = "Ignorer";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.cancelled().await;
        Ok("completed despite the cancellation".into())
    }
}

/// Cancels the child and returns what the child returned.
pub struct CancelWaitCompleted;
impl Workflow for CancelWaitCompleted {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let child = ctx
            .child_workflow::<Ignorer>(())
            .options(
                ChildWorkflowOptions::default()
                    .cancellation_type(ChildCancellationType::WaitCancellationCompleted),
            )
            .start()
            .await?;
        let mut result = Box::pin(child.result());
        if poll_for(&ctx, &mut result, Duration::from_millis(10))
            .await
            .is_some()
        {
            return Err(WorkflowError::application(
                "the child finished before it was cancelled",
                "Unexpected",
            ));
        }
        child.cancel();
        Ok(result.await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelWaitCompleted>()
        .register_workflow::<Ignorer>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<CancelWaitCompleted>()
        .register_workflow::<Ignorer>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle =
        start::<CancelWaitCompleted>(&client, &task_queue, "child-cancel-wait-completed", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "completed despite the cancellation" {
        return Err(format!("expected the child's own result, got {out:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
