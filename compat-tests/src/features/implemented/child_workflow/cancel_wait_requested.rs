//! `child_workflow/cancel_wait_requested`: a parent cancels a child started with
//! `WaitCancellationRequested`; the parent's wait resolves as cancelled once the server accepted
//! the request (`ExternalWorkflowExecutionCancelRequested` precedes the parent's completion), and
//! the child then receives it.

use super::cancel_abandon::{Blocker, run_parent, start_and_cancel};
use crate::features::support::history_attributes;
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ChildCancellationType;

/// Cancels the child; expects the cancellation once requested; returns the child's id.
pub struct CancelWaitRequested;
impl Workflow for CancelWaitRequested {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let (child_id, result) =
            start_and_cancel(&ctx, ChildCancellationType::WaitCancellationRequested).await?;
        match result {
            Err(e) if e.is_cancelled() => Ok(child_id),
            other => Err(WorkflowError::application(
                format!("expected the child's result to be cancelled, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelWaitRequested>()
        .register_workflow::<Blocker>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<CancelWaitRequested>()
        .register_workflow::<Blocker>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let ids =
        run_parent::<CancelWaitRequested>(&client, &task_queue, "child-cancel-wait-requested", "cancelled")
            .await?;
    let parent = client.workflow_handle::<String>(ids[0].as_str(), None);
    let events = history_attributes(&parent).await?;
    let requested = events.iter().position(|a| {
        matches!(
            a,
            Attributes::ExternalWorkflowExecutionCancelRequestedEventAttributes(_)
        )
    });
    let completed = events
        .iter()
        .position(|a| matches!(a, Attributes::WorkflowExecutionCompletedEventAttributes(_)));
    match (requested, completed) {
        (Some(r), Some(c)) if r < c => Ok(ids),
        _ => Err(format!(
            "expected ExternalWorkflowExecutionCancelRequested before the parent completed (positions {requested:?}, {completed:?})"
        )),
    }
}
