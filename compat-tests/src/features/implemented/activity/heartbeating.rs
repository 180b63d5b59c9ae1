//! `activity/heartbeating`: heartbeats carry progress across attempts and keep an activity with a
//! heartbeat timeout alive; a tight loop of 10 000 heartbeats does not fail the attempt (the SDK
//! throttles them; the number of RPCs is not counted here); an activity that stops heartbeating
//! times out with `Heartbeat`.
//!
//! The first attempt heartbeats 10 000 times in a tight loop (details 1 ..= 10 000), waits past
//! the throttle interval so the last details are flushed, and fails; the second attempt resumes
//! from the details the server kept and returns them. A second activity never heartbeats and
//! must time out.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::converter::TimeoutType;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Resumes from its last heartbeat details.
pub struct Resumable;
impl ActivityDefinition for Resumable {
    const NAME: &'static str = "resumable";
    type Input = ();
    type Output = u64;
}
impl Activity for Resumable {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<u64, ApplicationError> {
        if let Some(details) = ctx.heartbeat_details::<u64>() {
            return details.map_err(|e| ApplicationError::new(format!("heartbeat details: {e}")));
        }
        for progress in 1..=10_000u64 {
            ctx.heartbeat_with(progress)
                .map_err(|e| ApplicationError::new(e.to_string()))?;
        }
        // Past the throttle interval (0.8 × the 2 s heartbeat timeout): the last details are sent.
        tokio::time::sleep(Duration::from_millis(1800)).await;
        ctx.heartbeat_with(10_000u64)
            .map_err(|e| ApplicationError::new(e.to_string()))?;
        Err(ApplicationError::new(
            "first attempt fails after heartbeating its progress",
        ))
    }
}

/// Never heartbeats.
pub struct Silent;
impl ActivityDefinition for Silent {
    const NAME: &'static str = "silent";
    type Input = ();
    type Output = ();
}
impl Activity for Silent {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        tokio::select! {
            _ = ctx.cancelled() => Err(ApplicationError::new("cancelled")),
            _ = ctx.worker_shutdown() => Err(ApplicationError::new("worker shutdown")),
            _ = tokio::time::sleep(Duration::from_secs(30)) => Ok(()),
        }
    }
}

/// Returns the resumed progress; fails unless the silent activity timed out on heartbeats.
pub struct Heartbeating;
impl Workflow for Heartbeating {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = u64;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<u64> {
        let progress = ctx
            .activity::<Resumable>(())
            .start_to_close_timeout(Duration::from_secs(30))
            .heartbeat_timeout(Duration::from_secs(2))
            .retry_policy(RetryPolicy {
                max_attempts: 2,
                initial_interval: Duration::from_millis(1),
                ..RetryPolicy::default()
            })
            .await?;
        let silent = ctx
            .activity::<Silent>(())
            .start_to_close_timeout(Duration::from_secs(30))
            .heartbeat_timeout(Duration::from_secs(1))
            .retry_policy(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            })
            .await;
        match silent {
            Err(e) if e.timeout_type() == Some(TimeoutType::Heartbeat) => Ok(progress),
            other => Err(WorkflowError::application(
                format!("expected a heartbeat timeout, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<Heartbeating>()
        .register_activity(Resumable)
        .register_activity(Silent)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Heartbeating>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Heartbeating>(&client, &task_queue, "activity-heartbeating", ()).await?;
    let progress = handle.get_result().await.map_err(fail)?;
    if progress != 10_000 {
        return Err(format!(
            "the second attempt resumed from {progress}, expected 10000"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
