//! `update/basic_async`: an update started with "wait until accepted" returns a handle; a
//! validator's rejection arrives through the handle's result, an accepted update's result is
//! "update-result", and the mutation it made is the workflow's result.

use crate::features::support::{fail, start};
use ironflow::client::{Client, UpdateError, UpdateOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// `my_update(arg)`.
pub struct MyUpdate;
impl UpdateDefinition for MyUpdate {
    const NAME: &'static str = "my_update";
    type Args = String;
    type Result = String;
}

/// Returns what the update set.
pub struct BasicAsync;
impl Workflow for BasicAsync {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(String::new());
        state
            .on_update::<MyUpdate>(|s, arg| {
                *s = arg;
                Ok("update-result".into())
            })
            .validator(|_, arg| {
                if arg == "bad-update-arg" {
                    Err(ApplicationError::new("Invalid Update argument").into())
                } else {
                    Ok(())
                }
            });
        state.wait(|s| !s.is_empty()).await?;
        Ok(state.get(|s| s.clone()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<BasicAsync>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<BasicAsync>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<BasicAsync>(&client, &task_queue, "update-basic-async", ()).await?;
    let bad = handle
        .start_update::<MyUpdate>("bad-update-arg".into(), UpdateOptions::accepted())
        .await
        .map_err(fail)?;
    if !matches!(bad.result().await, Err(UpdateError::Failed { .. })) {
        return Err("expected the update to be rejected by its validator".into());
    }
    let good = handle
        .start_update::<MyUpdate>("update-arg".into(), UpdateOptions::accepted())
        .await
        .map_err(fail)?;
    let result = good.result().await.map_err(fail)?;
    if result != "update-result" {
        return Err(format!("expected \"update-result\", got {result:?}"));
    }
    let out = handle.get_result().await.map_err(fail)?;
    if out != "update-arg" {
        return Err(format!("expected \"update-arg\", got {out:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
