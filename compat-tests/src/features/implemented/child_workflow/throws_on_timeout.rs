//! `child_workflow/throws_on_timeout`: a child run with a 1 ms execution timeout and one attempt
//! times out; executing it throws in the parent with a timeout as the cause.

use super::cancel_abandon::Blocker;
use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::{ChildWorkflowError, ChildWorkflowOptions};
use std::time::Duration;

/// Executes a blocked child with a 1 ms execution timeout.
pub struct ThrowsOnTimeout;
impl Workflow for ThrowsOnTimeout {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let result = ctx
            .child_workflow::<Blocker>(())
            .options(
                ChildWorkflowOptions::default()
                    .execution_timeout(Duration::from_millis(1))
                    .retry_policy(RetryPolicy {
                        max_attempts: 1,
                        ..RetryPolicy::default()
                    }),
            )
            .await;
        match result {
            Err(ChildWorkflowError::Failed(f)) if f.chain().any(|f| f.timeout_type().is_some()) => {
                Ok("child timed out".into())
            }
            other => Err(WorkflowError::application(
                format!("expected the child to time out, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ThrowsOnTimeout>()
        .register_workflow::<Blocker>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<ThrowsOnTimeout>()
        .register_workflow::<Blocker>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<ThrowsOnTimeout>(&client, &task_queue, "child-throws-on-timeout", ()).await?;
    let out = parent.get_result().await.map_err(fail)?;
    if out != "child timed out" {
        return Err(format!("got {out:?}"));
    }
    Ok(vec![parent.workflow_id().to_string()])
}
