//! `child_workflow/cancel_abandon`: a parent cancels a child started with the `Abandon`
//! cancellation type; the parent's wait resolves at once as cancelled and the child never
//! receives a cancellation request (it finishes on a signal from the test instead).

use crate::features::support::{fail, poll_for, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::{ChildCancellationType, ChildWorkflowOptions, ParentClosePolicy};
use std::time::Duration;

/// Whether the `finish` signal arrived.
pub struct BlockerState {
    finished: bool,
}

#[ironflow::handlers]
impl BlockerState {
    #[signal(name = "finish")]
    fn finish(&mut self) {
        self.finished = true;
    }
}

/// Waits for a cancellation request ("cancelled") or the `finish` signal ("finished").
pub struct Blocker;
impl Workflow for Blocker {
    const NAME: &'static str = "Blocker";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(BlockerState { finished: false }).register_handlers();
        let cancelled = ctx.cancelled();
        let finished = state.wait(|s| s.finished);
        futures::pin_mut!(cancelled, finished);
        Ok(match futures::future::select(cancelled, finished).await {
            futures::future::Either::Left(_) => "cancelled".into(),
            futures::future::Either::Right(_) => "finished".into(),
        })
    }
}

/// Starts a [`Blocker`] child with `cancellation_type` (abandoned when the parent closes),
/// cancels it after a task turnover, and returns the child's id and the parent's result of
/// waiting for it.
pub(crate) async fn start_and_cancel(
    ctx: &WorkflowContext,
    cancellation_type: ChildCancellationType,
) -> WorkflowResult<(String, Result<String, ironflow::workflow::ChildWorkflowError>)> {
    let child = ctx
        .child_workflow::<Blocker>(())
        .options(
            ChildWorkflowOptions::default()
                .cancellation_type(cancellation_type)
                .parent_close_policy(ParentClosePolicy::Abandon),
        )
        .start()
        .await?;
    let mut result = Box::pin(child.result());
    if let Some(done) = poll_for(ctx, &mut result, Duration::from_millis(10)).await {
        return Err(WorkflowError::application(
            format!("the child finished before it was cancelled: {done:?}"),
            "Unexpected",
        ));
    }
    child.cancel();
    Ok((child.workflow_id().to_string(), result.await))
}

/// Cancels an abandoned child; expects the cancellation at once; returns the child's id.
pub struct CancelAbandon;
impl Workflow for CancelAbandon {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let (child_id, result) = start_and_cancel(&ctx, ChildCancellationType::Abandon).await?;
        match result {
            Err(e) if e.is_cancelled() => Ok(child_id),
            other => Err(WorkflowError::application(
                format!("expected the child's result to be cancelled at once, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelAbandon>()
        .register_workflow::<Blocker>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<CancelAbandon>()
        .register_workflow::<Blocker>()
}

/// Runs `W`, a parent returning its child's id, and checks the child ends with
/// `expected_child_result` (after a `finish` signal if it is still waiting).
pub(crate) async fn run_parent<W: Workflow<Input = (), Output = String>>(
    client: &Client,
    task_queue: &str,
    prefix: &str,
    expected_child_result: &str,
) -> Result<Vec<String>, String> {
    let parent = start::<W>(client, task_queue, prefix, ()).await?;
    let child_id = parent.get_result().await.map_err(fail)?;
    let child = client.workflow_handle::<String>(child_id.as_str(), None);
    if expected_child_result == "finished" {
        child.signal_by_name("finish", ()).await.map_err(fail)?;
    }
    let child_result = child.get_result().await.map_err(fail)?;
    if child_result != expected_child_result {
        return Err(format!(
            "the child returned {child_result:?}, expected {expected_child_result:?}"
        ));
    }
    Ok(vec![parent.workflow_id().to_string(), child_id])
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    run_parent::<CancelAbandon>(&client, &task_queue, "child-cancel-abandon", "finished").await
}
