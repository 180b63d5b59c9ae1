//! `child_workflow/cancel_try_cancel`: a parent cancels a child started with `TryCancel`; the
//! parent's wait resolves at once as cancelled and the child receives the cancellation request.
//! The parent stays open until the test saw the child end (the server drops a cancellation
//! request whose sender closed before it was delivered).

use super::cancel_abandon::{Blocker, start_and_cancel};
use crate::features::support::{fail, query_until_some, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ChildCancellationType;
use std::time::Duration;

/// The cancelled child's id, and whether the test said the parent may finish.
pub struct ParentState {
    child: Option<String>,
    done: bool,
}

#[ironflow::handlers]
impl ParentState {
    #[query(name = "child_id")]
    fn child_id(&self) -> Option<String> {
        self.child.clone()
    }

    #[signal(name = "finish")]
    fn finish(&mut self) {
        self.done = true;
    }
}

/// Cancels the child; expects the cancellation at once; waits for `finish`.
pub struct CancelTryCancel;
impl Workflow for CancelTryCancel {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx
            .state(ParentState {
                child: None,
                done: false,
            })
            .register_handlers();
        let (child_id, result) = start_and_cancel(&ctx, ChildCancellationType::TryCancel).await?;
        if !matches!(&result, Err(e) if e.is_cancelled()) {
            return Err(WorkflowError::application(
                format!("expected the child's result to be cancelled at once, got {result:?}"),
                "Unexpected",
            ));
        }
        state.update(|s| s.child = Some(child_id.clone()));
        state.wait(|s| s.done).await?;
        Ok(child_id)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelTryCancel>()
        .register_workflow::<Blocker>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<CancelTryCancel>()
        .register_workflow::<Blocker>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<CancelTryCancel>(&client, &task_queue, "child-cancel-try-cancel", ()).await?;
    let child_id: String = query_until_some(&parent, "child_id", Duration::from_secs(30)).await?;
    let child_result = client
        .workflow_handle::<String>(child_id.as_str(), None)
        .get_result()
        .await
        .map_err(fail)?;
    if child_result != "cancelled" {
        return Err(format!(
            "the child returned {child_result:?}, expected \"cancelled\""
        ));
    }
    parent.signal_by_name("finish", ()).await.map_err(fail)?;
    parent.get_result().await.map_err(fail)?;
    Ok(vec![parent.workflow_id().to_string(), child_id])
}
