//! `local_activity/backoff_with_persistent_timer`: a local activity whose backoff (1 s) exceeds
//! its local retry threshold (100 ms) backs off on a durable timer: the workflow task that saw
//! the failure records a failure marker and starts a 1 s timer in the same completion; when it
//! fires the activity runs again as attempt 2 and succeeds.

use crate::features::support::{fail, history_attributes, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Fails its first attempt, then reports its attempt.
pub struct FailsFirst;
impl ActivityDefinition for FailsFirst {
    const NAME: &'static str = "fails_first";
    type Input = ();
    type Output = u32;
}
impl Activity for FailsFirst {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<u32, ApplicationError> {
        match ctx.info().attempt {
            1 => Err(ApplicationError::new("first attempt fails")),
            n => Ok(n),
        }
    }
}

/// Runs the local activity with a 1 s backoff and a 100 ms local retry threshold.
pub struct BackoffWithPersistentTimer;
impl Workflow for BackoffWithPersistentTimer {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = u32;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<u32> {
        Ok(ctx
            .local_activity::<FailsFirst>(())
            .start_to_close_timeout(Duration::from_secs(10))
            .local_retry_threshold(Duration::from_millis(100))
            .retry_policy(RetryPolicy {
                initial_interval: Duration::from_secs(1),
                ..RetryPolicy::default()
            })
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<BackoffWithPersistentTimer>()
        .register_activity(FailsFirst)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<BackoffWithPersistentTimer>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle =
        start::<BackoffWithPersistentTimer>(&client, &task_queue, "la-backoff-persistent-timer", ()).await?;
    let attempt = handle.get_result().await.map_err(fail)?;
    if attempt != 2 {
        return Err(format!(
            "expected the second attempt to succeed, got attempt {attempt}"
        ));
    }
    let events = history_attributes(&handle).await?;
    // The failure marker and the timer come from one workflow task completion, in that order.
    let failure_marker = events
        .iter()
        .position(|a| matches!(a, Attributes::MarkerRecordedEventAttributes(m) if m.failure.is_some()));
    let timer = events
        .iter()
        .position(|a| matches!(a, Attributes::TimerStartedEventAttributes(_)));
    let (Some(m), Some(t)) = (failure_marker, timer) else {
        return Err(format!(
            "expected a failure marker and a timer, found {failure_marker:?} and {timer:?}"
        ));
    };
    let same_task = |i: usize| match &events[i] {
        Attributes::MarkerRecordedEventAttributes(a) => a.workflow_task_completed_event_id,
        Attributes::TimerStartedEventAttributes(a) => a.workflow_task_completed_event_id,
        _ => -1,
    };
    if m > t || same_task(m) != same_task(t) {
        return Err(
            "the failure marker and the backoff timer are not from one workflow task completion".into(),
        );
    }
    if let Attributes::TimerStartedEventAttributes(a) = &events[t] {
        let secs = a
            .start_to_fire_timeout
            .as_ref()
            .map(|d| d.seconds)
            .unwrap_or_default();
        if secs != 1 {
            return Err(format!("the backoff timer is {secs} s, expected 1 s"));
        }
    }
    Ok(vec![handle.workflow_id().to_string()])
}
