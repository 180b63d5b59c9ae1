//! `child_workflow/throws_on_execute`: a child raises an application failure; executing it
//! throws in the parent, with the child's failure (message and type) as the cause.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ChildWorkflowError;

/// Raises a non-retryable application failure.
pub struct Thrower;
impl Workflow for Thrower {
    const NAME: &'static str = "Thrower";
    type Input = ();
    type Output = ();
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<()> {
        Err(WorkflowError::application("Test failure", "TestError"))
    }
}

/// Executes the child and returns what its error said.
pub struct ThrowsOnExecute;
impl Workflow for ThrowsOnExecute {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = (String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String)> {
        match ctx.child_workflow::<Thrower>(()).await {
            Err(ChildWorkflowError::Failed(f)) => {
                let cause = f.root_cause();
                Ok((
                    cause.message.clone(),
                    cause.application_type().unwrap_or_default().to_string(),
                ))
            }
            other => Err(WorkflowError::application(
                format!("expected the child's execution to throw, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ThrowsOnExecute>()
        .register_workflow::<Thrower>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<ThrowsOnExecute>()
        .register_workflow::<Thrower>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<ThrowsOnExecute>(&client, &task_queue, "child-throws-on-execute", ()).await?;
    let out = parent.get_result().await.map_err(fail)?;
    if out != ("Test failure".to_string(), "TestError".to_string()) {
        return Err(format!("expected (\"Test failure\", \"TestError\"), got {out:?}"));
    }
    Ok(vec![parent.workflow_id().to_string()])
}
