//! `child_workflow/result`: a workflow starts a child with input "Test" and returns the child's
//! result, which is its input.

use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Returns its input.
pub struct ChildWorkflow;
impl Workflow for ChildWorkflow {
    const NAME: &'static str = "ChildWorkflow";
    type Input = String;
    type Output = String;
    async fn run(_ctx: WorkflowContext, input: String) -> WorkflowResult<String> {
        Ok(input)
    }
}

/// Returns the child's result.
pub struct Parent;
impl Workflow for Parent {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok(ctx.child_workflow::<ChildWorkflow>("Test".into()).await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<Parent>()
        .register_workflow::<ChildWorkflow>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<Parent>()
        .register_workflow::<ChildWorkflow>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    crate::features::expect_result::<Parent>(&client, &task_queue, "child-result", (), "Test".to_string())
        .await
}
