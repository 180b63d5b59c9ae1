//! `child_workflow/throws_on_termination`: a parent starts a blocked child and answers a query
//! with the child's workflow id and run id; the test terminates the child, and the parent's wait
//! for the child's result throws (a `TerminatedFailure` cause), which the parent reports.

use super::cancel_abandon::Blocker;
use crate::features::support::{fail, query_until_some, start};
use ironflow::client::Client;
use ironflow::converter::FailureKind;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ChildWorkflowError;
use std::time::Duration;

/// The child's ids, once started.
pub struct ParentState {
    ids: Option<(String, String)>,
}

#[ironflow::handlers]
impl ParentState {
    #[query(name = "child_ids")]
    fn child_ids(&self) -> Option<(String, String)> {
        self.ids.clone()
    }
}

/// Waits for its child, which the test terminates.
pub struct ThrowsOnTermination;
impl Workflow for ThrowsOnTermination {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(ParentState { ids: None }).register_handlers();
        let child = ctx.child_workflow::<Blocker>(()).start().await?;
        state.update(|s| s.ids = Some((child.workflow_id().to_string(), child.run_id().to_string())));
        match child.result().await {
            Err(ChildWorkflowError::Failed(f))
                if f.chain().any(|f| matches!(f.kind, FailureKind::Terminated)) =>
            {
                Ok("child terminated".into())
            }
            other => Err(WorkflowError::application(
                format!("expected the child's result to throw a termination, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ThrowsOnTermination>()
        .register_workflow::<Blocker>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<ThrowsOnTermination>()
        .register_workflow::<Blocker>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent =
        start::<ThrowsOnTermination>(&client, &task_queue, "child-throws-on-termination", ()).await?;
    let (child_id, run_id): (String, String) =
        query_until_some(&parent, "child_ids", Duration::from_secs(30)).await?;
    client
        .workflow_handle::<String>(child_id.as_str(), Some(run_id))
        .terminate("terminated by the feature test")
        .await
        .map_err(fail)?;
    let out = parent.get_result().await.map_err(fail)?;
    if out != "child terminated" {
        return Err(format!("got {out:?}"));
    }
    Ok(vec![parent.workflow_id().to_string()])
}
