//! `local_activity/cancel_failing`: a local activity backing off between attempts on a durable
//! timer (10 s backoff over a 1 s local retry threshold) is cancelled; the call resolves as
//! cancelled and the backoff timer is cancelled (`TimerCanceled` after the failure marker).

use crate::features::support::{fail, history_attributes, poll_for, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Always fails.
pub struct AlwaysFail;
impl ActivityDefinition for AlwaysFail {
    const NAME: &'static str = "always_fail";
    type Input = ();
    type Output = ();
}
impl Activity for AlwaysFail {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        Err(ApplicationError::new("fails every time"))
    }
}

/// Cancels the local activity during its backoff.
pub struct CancelFailing;
impl Workflow for CancelFailing {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let mut call = Box::pin(
            ctx.local_activity::<AlwaysFail>(())
                .start_to_close_timeout(Duration::from_secs(10))
                .local_retry_threshold(Duration::from_secs(1))
                .retry_policy(RetryPolicy {
                    initial_interval: Duration::from_secs(10),
                    ..RetryPolicy::default()
                }),
        );
        if let Some(done) = poll_for(&ctx, &mut call, Duration::from_millis(500)).await {
            return Err(WorkflowError::application(
                format!("the call resolved before it was cancelled: {done:?}"),
                "Unexpected",
            ));
        }
        call.cancel();
        match call.await {
            Err(e) if e.is_cancelled() => Ok(()),
            other => Err(WorkflowError::application(
                format!("expected a cancellation, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelFailing>()
        .register_activity(AlwaysFail)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelFailing>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<CancelFailing>(&client, &task_queue, "la-cancel-failing", ()).await?;
    handle.get_result().await.map_err(fail)?;
    let events = history_attributes(&handle).await?;
    let marker = events
        .iter()
        .position(|a| matches!(a, Attributes::MarkerRecordedEventAttributes(m) if m.failure.is_some()));
    let backoff_timer = events.iter().find_map(|a| match a {
        Attributes::TimerStartedEventAttributes(t)
            if t.start_to_fire_timeout.as_ref().is_some_and(|d| d.seconds == 10) =>
        {
            Some(t.timer_id.clone())
        }
        _ => None,
    });
    let cancelled = events.iter().position(|a| {
        matches!(a, Attributes::TimerCanceledEventAttributes(t) if Some(&t.timer_id) == backoff_timer.as_ref())
    });
    match (marker, cancelled) {
        (Some(m), Some(c)) if m < c => Ok(vec![handle.workflow_id().to_string()]),
        _ => Err(format!(
            "expected a failure marker, then the 10 s backoff timer cancelled; found marker {marker:?}, timer {backoff_timer:?}, cancellation {cancelled:?}"
        )),
    }
}
