//! `child_workflow/start`: a workflow starts a child (the server records
//! `StartChildWorkflowExecutionInitiated` after the parent's `WorkflowTaskCompleted`) and returns
//! the child's workflow id and first execution run id; the test gets the child's result with them.

use crate::features::support::{fail, history_attributes, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Returns a greeting.
pub struct Child;
impl Workflow for Child {
    const NAME: &'static str = "Child";
    type Input = ();
    type Output = String;
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok("hello from the child".into())
    }
}

/// Starts the child and returns its id and run id without waiting for it.
pub struct StartChild;
impl Workflow for StartChild {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = (String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String)> {
        let child = ctx
            .child_workflow::<Child>(())
            .options(
                ironflow::workflow::ChildWorkflowOptions::default()
                    .parent_close_policy(ironflow::workflow::ParentClosePolicy::Abandon),
            )
            .start()
            .await?;
        Ok((child.workflow_id().to_string(), child.run_id().to_string()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<StartChild>()
        .register_workflow::<Child>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<StartChild>()
        .register_workflow::<Child>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<StartChild>(&client, &task_queue, "child-start", ()).await?;
    let (child_id, run_id) = parent.get_result().await.map_err(fail)?;
    let out = client
        .workflow_handle::<String>(child_id.as_str(), Some(run_id))
        .get_result()
        .await
        .map_err(fail)?;
    if out != "hello from the child" {
        return Err(format!("the child returned {out:?}"));
    }
    let events = history_attributes(&parent).await?;
    let initiated = events.iter().position(|a| {
        matches!(
            a,
            Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(_)
        )
    });
    let after_task = initiated.is_some_and(|i| {
        i > 0 && matches!(events[i - 1], Attributes::WorkflowTaskCompletedEventAttributes(_))
    });
    if !after_task {
        return Err("StartChildWorkflowExecutionInitiated does not follow WorkflowTaskCompleted".into());
    }
    Ok(vec![parent.workflow_id().to_string(), child_id])
}
