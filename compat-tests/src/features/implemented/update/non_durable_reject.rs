//! `update/non_durable_reject`: updates a validator rejects leave nothing in history (no
//! rejection event, no workflow task for a task that only carried rejected updates); five
//! rejected and five accepted updates, and the counter ends at 5.

use crate::features::support::{fail, history_attributes, start};
use ironflow::client::{Client, UpdateError};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// `do_update(arg)`: adds `arg`; negative numbers are rejected.
pub struct DoUpdate;
impl UpdateDefinition for DoUpdate {
    const NAME: &'static str = "do_update";
    type Args = i64;
    type Result = i64;
}

/// Returns the counter once it reached 5.
pub struct NonDurableReject;
impl Workflow for NonDurableReject {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = i64;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<i64> {
        let state = ctx.state(0i64);
        state
            .on_update::<DoUpdate>(|counter, arg| {
                *counter += arg;
                Ok(*counter)
            })
            .validator(|_, arg| {
                if *arg < 0 {
                    Err(ApplicationError::new("I *HATE* negative numbers!").into())
                } else {
                    Ok(())
                }
            });
        state.wait(|counter| *counter == 5).await?;
        Ok(state.get(|counter| *counter))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<NonDurableReject>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NonDurableReject>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<NonDurableReject>(&client, &task_queue, "update-non-durable-reject", ()).await?;
    for _ in 0..5 {
        match handle.execute_update::<DoUpdate>(-1).await {
            Err(UpdateError::Failed { .. }) => {}
            other => return Err(format!("expected the validator to reject -1, got {other:?}")),
        }
        handle.execute_update::<DoUpdate>(1).await.map_err(fail)?;
    }
    let out = handle.get_result().await.map_err(fail)?;
    if out != 5 {
        return Err(format!("expected 5, got {out}"));
    }
    let events = history_attributes(&handle).await?;
    let rejected = events
        .iter()
        .filter(|a| matches!(a, Attributes::WorkflowExecutionUpdateRejectedEventAttributes(_)))
        .count();
    let accepted = events
        .iter()
        .filter(|a| matches!(a, Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(_)))
        .count();
    let tasks = events
        .iter()
        .filter(|a| matches!(a, Attributes::WorkflowTaskCompletedEventAttributes(_)))
        .count();
    // One task to start, one per accepted update: the rejected ones took none.
    if rejected != 0 || accepted != 5 || tasks > 6 {
        return Err(format!(
            "expected no rejection in history, 5 accepted updates and at most 6 workflow tasks; got {rejected}, {accepted}, {tasks}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
