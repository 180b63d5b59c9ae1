//! `child_workflow/handle`: starting a child returns a handle with its workflow id, its first
//! execution's run id, `result()` and `signal()`. The parent signals the child through the
//! handle, waits for its result, and returns all three; the test checks them against the server.

use super::cancel_abandon::{Blocker, Finish};
use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Uses every part of the handle.
pub struct ChildHandle;
impl Workflow for ChildHandle {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = (String, String, String);
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<(String, String, String)> {
        let child = ctx.child_workflow::<Blocker>(()).start().await?;
        child.signal::<Finish>(()).await?;
        let result = child.result().await?;
        Ok((
            child.workflow_id().to_string(),
            child.run_id().to_string(),
            result,
        ))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ChildHandle>()
        .register_workflow::<Blocker>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<ChildHandle>()
        .register_workflow::<Blocker>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<ChildHandle>(&client, &task_queue, "child-handle", ()).await?;
    let (child_id, run_id, result) = parent.get_result().await.map_err(fail)?;
    if result != "finished" {
        return Err(format!(
            "the child returned {result:?}, expected \"finished\" (the signal)"
        ));
    }
    let described = client
        .workflow_handle::<String>(child_id.as_str(), None)
        .describe()
        .await
        .map_err(fail)?;
    if described.run_id != run_id {
        return Err(format!(
            "the handle's run id {run_id} is not the child's first run {}",
            described.run_id
        ));
    }
    Ok(vec![parent.workflow_id().to_string(), child_id])
}
