//! `activity/cancel_abandon`: a workflow cancels an activity started with the `Abandon`
//! cancellation type; the call resolves at once as cancelled, nothing is sent to the server
//! (no `ActivityTaskCancelRequested` in the history) and the activity is never told.

use crate::features::support::{count, fail, history_attributes, poll_for, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ActivityCancellationType;
use std::time::Duration;

/// Heartbeats until cancelled, the worker shuts down, or a minute passes; says which.
pub struct CancellableActivity;
impl ActivityDefinition for CancellableActivity {
    const NAME: &'static str = "cancellable_activity";
    type Input = ();
    type Output = String;
}
impl Activity for CancellableActivity {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        heartbeat_until_cancelled(&ctx).await
    }
}

/// Heartbeats every 100 ms for up to a minute; "cancelled" when cancellation arrives,
/// "timeout" otherwise.
pub(crate) async fn heartbeat_until_cancelled(ctx: &ActivityContext) -> Result<String, ApplicationError> {
    for _ in 0..600 {
        ctx.heartbeat();
        tokio::select! {
            _ = ctx.cancelled() => return Ok("cancelled".into()),
            _ = ctx.worker_shutdown() => return Ok("worker shutdown".into()),
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
    Ok("timeout".into())
}

/// Starts the activity, cancels it after a task turnover, expects a cancellation at once.
pub struct CancelAbandon;
impl Workflow for CancelAbandon {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let mut call = Box::pin(
            ctx.activity::<CancellableActivity>(())
                .schedule_to_close_timeout(Duration::from_secs(60))
                .heartbeat_timeout(Duration::from_secs(5))
                .retry_policy(RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                })
                .cancellation_type(ActivityCancellationType::Abandon),
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
            Err(e) if e.is_cancelled() => Ok("cancelled".into()),
            other => Err(WorkflowError::application(
                format!("expected the activity to resolve as cancelled, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelAbandon>()
        .register_activity(CancellableActivity)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelAbandon>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<CancelAbandon>(&client, &task_queue, "activity-cancel-abandon", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "cancelled" {
        return Err(format!("expected \"cancelled\", got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let requested = count(&events, |a| {
        matches!(a, Attributes::ActivityTaskCancelRequestedEventAttributes(_))
    });
    if requested != 0 {
        return Err("an abandoned activity's cancellation reached the server".into());
    }
    Ok(vec![handle.workflow_id().to_string()])
}
