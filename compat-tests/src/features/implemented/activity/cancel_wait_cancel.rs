//! `activity/cancel_wait_cancel`: a workflow cancels a heartbeating activity started with
//! `WaitCancellationCompleted`; the server records the request, the activity learns of it through
//! its heartbeats, signals "cancelled" to the workflow and then reports itself cancelled, and the
//! workflow's call resolves only then (so the signal has already arrived when it does).

use crate::features::support::{count, fail, history_attributes, poll_for, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ActivityCancellationType;
use std::time::Duration;

/// Heartbeats until cancelled, signals `activity_result` to its workflow, then reports the
/// cancellation.
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
            .signal_by_name("activity_result", &result)
            .await
            .map_err(|e| ApplicationError::new(e.to_string()))?;
        if ctx.is_cancelled() {
            Err(ApplicationError::new("cancelled as asked"))
        } else {
            Ok(())
        }
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

/// Cancels the activity and expects the call to resolve after the activity's signal.
pub struct CancelWaitCancel;
impl Workflow for CancelWaitCancel {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(Reported { result: None }).register_handlers();
        let mut call = Box::pin(
            ctx.activity::<CancellableActivity>(())
                .schedule_to_close_timeout(Duration::from_secs(60))
                .heartbeat_timeout(Duration::from_secs(5))
                .retry_policy(RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                })
                .cancellation_type(ActivityCancellationType::WaitCancellationCompleted),
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
        let outcome = call.await;
        let reported = state.get(|s| s.result.clone());
        match (outcome, reported) {
            (Err(e), Some(r)) if e.is_cancelled() && r == "cancelled" => Ok(r),
            (outcome, reported) => Err(WorkflowError::application(
                format!(
                    "expected the call to resolve as cancelled after the activity said so; \
                     got {outcome:?} with the activity's report {reported:?}"
                ),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    let client = builder.client().clone();
    builder
        .register_workflow::<CancelWaitCancel>()
        .register_activity(CancellableActivity { client })
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelWaitCancel>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<CancelWaitCancel>(&client, &task_queue, "activity-cancel-wait-cancel", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "cancelled" {
        return Err(format!("expected \"cancelled\", got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let requested = count(&events, |a| {
        matches!(a, Attributes::ActivityTaskCancelRequestedEventAttributes(_))
    });
    let cancelled = count(&events, |a| {
        matches!(a, Attributes::ActivityTaskCanceledEventAttributes(_))
    });
    if (requested, cancelled) != (1, 1) {
        return Err(format!(
            "expected one ActivityTaskCancelRequested and one ActivityTaskCanceled event, got {requested} and {cancelled}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
