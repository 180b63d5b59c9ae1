//! `signal/basic`: a signal handler sets the state the workflow waits for; the workflow returns
//! the signal's argument, "arg".

use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// What the signal sets.
pub struct State {
    state: String,
}

#[ironflow::handlers]
impl State {
    #[signal(name = "my_signal")]
    fn my_signal(&mut self, arg: String) {
        self.state = arg;
    }
}

/// Returns the signal's argument.
pub struct SignalBasic;
impl Workflow for SignalBasic {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(State { state: String::new() }).register_handlers();
        state.wait(|s| !s.state.is_empty()).await?;
        Ok(state.get(|s| s.state.clone()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<SignalBasic>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SignalBasic>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("signal-basic");
    let handle = client
        .start_workflow::<SignalBasic>((), StartWorkflowOptions::new(&id, &task_queue))
        .await
        .map_err(|e| e.to_string())?;
    handle
        .signal_by_name("my_signal", "arg")
        .await
        .map_err(|e| e.to_string())?;
    let out = handle.get_result().await.map_err(|e| e.to_string())?;
    if out != "arg" {
        return Err(format!("expected \"arg\", got {out:?}"));
    }
    Ok(vec![id])
}
