//! `signal/external`: a client (not a workflow) signals a running workflow, which returns the
//! signal's argument; signalling a workflow that does not exist is an error.

use crate::features::support::{fail, start};
use ironflow::client::{Client, ClientError};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

const SIGNAL_DATA: &str = "Signaled!";

/// What the signal carried.
pub struct Received {
    result: Option<String>,
}

#[ironflow::handlers]
impl Received {
    #[signal(name = "external_signal")]
    fn external_signal(&mut self, s: String) {
        self.result = Some(s);
    }
}

/// Returns the signal's argument.
pub struct SignalExternal;
impl Workflow for SignalExternal {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(Received { result: None }).register_handlers();
        state.wait(|s| s.result.is_some()).await?;
        Ok(state.get(|s| s.result.clone().unwrap_or_default()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<SignalExternal>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SignalExternal>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<SignalExternal>(&client, &task_queue, "signal-external", ()).await?;
    handle
        .signal::<ExternalSignal>(SIGNAL_DATA.into())
        .await
        .map_err(fail)?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != SIGNAL_DATA {
        return Err(format!("expected {SIGNAL_DATA:?}, got {out:?}"));
    }
    let missing = client
        .workflow_handle::<()>(crate::unique("no-such-workflow"), None)
        .signal::<ExternalSignal>(SIGNAL_DATA.into())
        .await;
    if !matches!(missing, Err(ClientError::NotFound { .. })) {
        return Err(format!(
            "signalling a workflow that does not exist: expected NotFound, got {missing:?}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
