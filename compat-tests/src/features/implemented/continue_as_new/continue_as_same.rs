//! `continue_as_new/continue_as_same`: a workflow started with a memo continues as new with its
//! input once; the new run returns the input; the workflow id and the memo are unchanged.

use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Continues as new unless it is the continued run, which returns its input.
pub struct ContinueAsSame;
impl Workflow for ContinueAsSame {
    const NAME: &'static str = "Workflow";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, input: String) -> WorkflowResult<String> {
        if ctx.info().continued_from_run_id.is_some() {
            return Ok(input);
        }
        Err(ctx.continue_as_new(input))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<ContinueAsSame>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<ContinueAsSame>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("TestID");
    let options =
        StartWorkflowOptions::new(&id, &task_queue).memo_field("MemoKey", serde_json::json!("MemoValue"));
    let handle = client
        .start_workflow::<ContinueAsSame>("InputData".into(), options)
        .await
        .map_err(|e| e.to_string())?;
    let out = handle.get_result().await.map_err(|e| e.to_string())?;
    if out != "InputData" {
        return Err(format!("expected \"InputData\", got {out:?}"));
    }
    let description = client
        .workflow_handle::<String>(id.as_str(), None)
        .describe()
        .await
        .map_err(|e| e.to_string())?;
    if description.workflow_id != id {
        return Err(format!("the workflow id changed to {}", description.workflow_id));
    }
    let memo = description.memo.get("MemoKey");
    if memo != Some(&serde_json::json!("MemoValue")) {
        return Err(format!(
            "the memo after continue-as-new is {memo:?}, expected \"MemoValue\""
        ));
    }
    Ok(vec![id])
}
