//! `child_workflow/signal`: a workflow starts a child, signals it "unblock", and returns the
//! child's result, which is the signal's message.

use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// The child's signal.
pub struct Unblock;
impl ironflow::workflow::SignalDefinition for Unblock {
    const NAME: &'static str = "unblock";
    type Data = Option<String>;
}

/// Waits for `unblock` and returns its message.
pub struct ChildWorkflow;
impl Workflow for ChildWorkflow {
    const NAME: &'static str = "ChildWorkflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let message = ctx.await_signal::<Unblock>().await?;
        Ok(message.unwrap_or_default())
    }
}

/// Starts the child, unblocks it, returns its result.
pub struct Parent;
impl Workflow for Parent {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let child = ctx.child_workflow::<ChildWorkflow>(()).start().await?;
        child.signal::<Unblock>(Some("unblock".into())).await?;
        Ok(child.result().await?)
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
    crate::features::expect_result::<Parent>(&client, &task_queue, "child-signal", (), "unblock".to_string())
        .await
}
