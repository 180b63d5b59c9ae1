//! `signal/child_workflow`: a workflow starts a child that waits for a signal, signals it through
//! the child's handle, and returns the child's result, "child-wf-arg signal-arg".

use crate::features::expect_result;
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// What the child's signal set.
pub struct ChildState {
    state: String,
}

#[ironflow::handlers]
impl ChildState {
    #[signal(name = "my_signal")]
    fn my_signal(&mut self, arg: String) {
        self.state = arg;
    }
}

/// Returns its input and the signal's argument.
pub struct ChildWorkflow;
impl Workflow for ChildWorkflow {
    const NAME: &'static str = "ChildWorkflow";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, input: String) -> WorkflowResult<String> {
        let state = ctx.state(ChildState { state: String::new() }).register_handlers();
        state.wait(|s| !s.state.is_empty()).await?;
        Ok(format!("{input} {}", state.get(|s| s.state.clone())))
    }
}

/// Starts the child, signals it, returns its result.
pub struct SignalChild;
impl Workflow for SignalChild {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let child = ctx
            .child_workflow::<ChildWorkflow>("child-wf-arg".into())
            .start()
            .await?;
        child.signal::<MySignal>("signal-arg".into()).await?;
        Ok(child.result().await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<SignalChild>()
        .register_workflow::<ChildWorkflow>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<SignalChild>()
        .register_workflow::<ChildWorkflow>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    expect_result::<SignalChild>(
        &client,
        &task_queue,
        "signal-child-workflow",
        (),
        "child-wf-arg signal-arg".into(),
    )
    .await
}
