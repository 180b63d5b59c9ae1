//! `child_workflow/throws_on_start`: two children started with the same workflow id, the second
//! with the `RejectDuplicate` reuse policy after the first completed; the second start throws an
//! already-started error.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::{ChildWorkflowError, ChildWorkflowOptions, IdReusePolicy, StartChildFailedCause};

/// Completes at once.
pub struct Quick;
impl Workflow for Quick {
    const NAME: &'static str = "Quick";
    type Input = ();
    type Output = ();
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<()> {
        Ok(())
    }
}

/// Starts two children with one id; returns why the second could not start.
pub struct ThrowsOnStart;
impl Workflow for ThrowsOnStart {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let id = format!("{}-child", ctx.workflow_id());
        ctx.child_workflow::<Quick>(()).id(&id).await?;
        let second = ctx
            .child_workflow::<Quick>(())
            .options(ChildWorkflowOptions {
                workflow_id: Some(id),
                id_reuse_policy: Some(IdReusePolicy::RejectDuplicate),
                ..ChildWorkflowOptions::default()
            })
            .start()
            .await;
        match second {
            Err(ChildWorkflowError::StartFailed {
                cause: StartChildFailedCause::WorkflowAlreadyExists,
                ..
            }) => Ok("already started".into()),
            other => Err(WorkflowError::application(
                format!(
                    "expected the second start to throw already-started, got {:?}",
                    other.map(|c| c.workflow_id().to_string())
                ),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ThrowsOnStart>()
        .register_workflow::<Quick>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<ThrowsOnStart>()
        .register_workflow::<Quick>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<ThrowsOnStart>(&client, &task_queue, "child-throws-on-start", ()).await?;
    let out = parent.get_result().await.map_err(fail)?;
    if out != "already started" {
        return Err(format!("got {out:?}"));
    }
    Ok(vec![parent.workflow_id().to_string()])
}
