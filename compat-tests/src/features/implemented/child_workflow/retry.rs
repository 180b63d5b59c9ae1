//! `child_workflow/retry`: a child that always fails runs with a retry policy of 3 maximum
//! attempts; it runs exactly 3 times (its last failure names attempt 3) and the parent's
//! execute fails with that failure.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::{ChildWorkflowError, ChildWorkflowOptions};
use std::time::Duration;

/// Fails, naming its attempt.
pub struct AlwaysFails;
impl Workflow for AlwaysFails {
    const NAME: &'static str = "AlwaysFails";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        Err(WorkflowError::application(
            format!("attempt {} failed", ctx.info().attempt),
            "ChildFailure",
        ))
    }
}

/// Runs the child with 3 attempts; returns the message of the failure it saw.
pub struct ChildRetry;
impl Workflow for ChildRetry {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let result = ctx
            .child_workflow::<AlwaysFails>(())
            .options(ChildWorkflowOptions::default().retry_policy(RetryPolicy {
                max_attempts: 3,
                initial_interval: Duration::from_millis(1),
                backoff_coefficient: 1.0,
                ..RetryPolicy::default()
            }))
            .await;
        match result {
            Err(ChildWorkflowError::Failed(f)) => Ok(f.root_cause().message.clone()),
            other => Err(WorkflowError::application(
                format!("expected the child to fail, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ChildRetry>()
        .register_workflow::<AlwaysFails>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<ChildRetry>()
        .register_workflow::<AlwaysFails>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let parent = start::<ChildRetry>(&client, &task_queue, "child-retry", ()).await?;
    let out = parent.get_result().await.map_err(fail)?;
    if out != "attempt 3 failed" {
        return Err(format!(
            "expected the child's third attempt to fail last, got {out:?}"
        ));
    }
    Ok(vec![parent.workflow_id().to_string()])
}
