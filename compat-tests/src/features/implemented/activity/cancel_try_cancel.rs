//! `activity/cancel_try_cancel`: a workflow cancels a heartbeating activity started with
//! `TryCancel`; the call resolves at once as cancelled, the server records the request, and the
//! activity learns of it through its heartbeats and signals "cancelled" back to the workflow.

use crate::features::support::{fail, poll_for, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ActivityCancellationType;
use std::time::Duration;

/// Heartbeats until cancelled (or a minute), then signals `activity_result` to its workflow.
pub struct CancellableActivity {
    client: Client,
}
impl ActivityDefinition for CancellableActivity {
    const NAME: &'static str = "cancellable_activity";
    type Input = ();
    type Output = ();
}
impl Activity for CancellableActivity {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        let result = super::cancel_abandon::heartbeat_until_cancelled(&ctx).await?;
        self.client
            .workflow_handle::<()>(ctx.info().workflow_id.as_str(), None)
            .signal_by_name("activity_result", result)
            .await
            .map_err(|e| ApplicationError::new(e.to_string()))
    }
}

/// What the activity reported.
pub struct Reported {
    result: Option<String>,
}

#[ironflow::handlers]
impl Reported {
    #[signal(name = "activity_result")]
    fn activity_result(&mut self, result: String) {
        self.result = Some(result);
    }
}

/// Cancels the activity, expects a cancellation at once, then the activity's "cancelled".
pub struct CancelTryCancel;
impl Workflow for CancelTryCancel {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let state = ctx.state(Reported { result: None }).register_handlers();
        let mut call = Box::pin(
            ctx.activity::<CancellableActivity>(())
                .schedule_to_close_timeout(Duration::from_secs(60))
                .heartbeat_timeout(Duration::from_secs(5))
                .retry_policy(RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                })
                .cancellation_type(ActivityCancellationType::TryCancel),
        );
        if poll_for(&ctx, &mut call, Duration::from_millis(10))
            .await
            .is_some()
        {
            return Err(WorkflowError::application(
                "the activity finished before it was cancelled",
                "Unexpected",
            ));
        }
        call.cancel();
        match call.await {
            Err(e) if e.is_cancelled() => {}
            other => {
                return Err(WorkflowError::application(
                    format!("Expected activity cancel, got {other:?}"),
                    "Unexpected",
                ));
            }
        }
        state.wait(|s| s.result.is_some()).await?;
        match state.get(|s| s.result.clone()) {
            Some(r) if r == "cancelled" => Ok(()),
            other => Err(WorkflowError::application(
                format!("Expected cancelled, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    let client = builder.client().clone();
    builder
        .register_workflow::<CancelTryCancel>()
        .register_activity(CancellableActivity { client })
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelTryCancel>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<CancelTryCancel>(&client, &task_queue, "activity-cancel-try-cancel", ()).await?;
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
