//! `activity/shutdown`: activities running when their worker starts a graceful shutdown (1 s
//! period) learn of it at once: one completes, one fails with "worker is shutting down", one
//! ignores it and hits its 300 ms schedule-to-close timeout. A second worker finishes the
//! workflow, which returns "done" after checking the three outcomes.

use crate::features::support::{fail, start, wait_for};
use ironflow::Worker;
use ironflow::client::Client;
use ironflow::converter::TimeoutType;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many of the three activities started (in this process; the feature runs once per process).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// Completes once the worker starts shutting down.
pub struct CancelSuccess;
impl ActivityDefinition for CancelSuccess {
    const NAME: &'static str = "cancel_success";
    type Input = ();
    type Output = ();
}
impl Activity for CancelSuccess {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        STARTED.fetch_add(1, Ordering::SeqCst);
        ctx.worker_shutdown().await;
        Ok(())
    }
}

/// Fails once the worker starts shutting down.
pub struct CancelFailure;
impl ActivityDefinition for CancelFailure {
    const NAME: &'static str = "cancel_failure";
    type Input = ();
    type Output = ();
}
impl Activity for CancelFailure {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        STARTED.fetch_add(1, Ordering::SeqCst);
        ctx.worker_shutdown().await;
        Err(ApplicationError::new("worker is shutting down"))
    }
}

/// Ignores the shutdown (and the cancellation after the graceful period).
pub struct CancelIgnore;
impl ActivityDefinition for CancelIgnore {
    const NAME: &'static str = "cancel_ignore";
    type Input = ();
    type Output = ();
}
impl Activity for CancelIgnore {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        STARTED.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(())
    }
}

/// Checks the three outcomes.
pub struct ActivityShutdown;
impl Workflow for ActivityShutdown {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let once = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        let success = ctx
            .activity::<CancelSuccess>(())
            .schedule_to_close_timeout(Duration::from_secs(30))
            .start_to_close_timeout(None)
            .retry_policy(once.clone());
        let failure = ctx
            .activity::<CancelFailure>(())
            .schedule_to_close_timeout(Duration::from_secs(30))
            .start_to_close_timeout(None)
            .retry_policy(once.clone());
        let ignore = ctx
            .activity::<CancelIgnore>(())
            .schedule_to_close_timeout(Duration::from_millis(300))
            .start_to_close_timeout(None)
            .retry_policy(once);
        let (success, failure, ignore) = futures::join!(success, failure, ignore);
        success?;
        let failed_as_expected = matches!(&failure, Err(ActivityError::Failed(f))
            if f.root_cause().message == "worker is shutting down");
        if !failed_as_expected {
            return Err(WorkflowError::application(
                format!("expected activity to fail with 'worker is shutting down', got {failure:?}"),
                "Unexpected",
            ));
        }
        if !matches!(&ignore, Err(e) if e.timeout_type() == Some(TimeoutType::ScheduleToClose)) {
            return Err(WorkflowError::application(
                format!("expected activity to fail with ScheduleToClose timeout, got {ignore:?}"),
                "Unexpected",
            ));
        }
        Ok("done".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<ActivityShutdown>()
        .register_activity(CancelSuccess)
        .register_activity(CancelFailure)
        .register_activity(CancelIgnore)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<ActivityShutdown>()
}

fn worker(client: &Client, task_queue: &str) -> Result<Worker, String> {
    register(Worker::builder(client, task_queue))
        .graceful_shutdown_period(Duration::from_secs(1))
        .build()
        .map_err(fail)
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    STARTED.store(0, Ordering::SeqCst);
    let handle = start::<ActivityShutdown>(&client, &task_queue, "activity-shutdown", ()).await?;
    // The first worker runs until the three activities started, then shuts down.
    worker(&client, &task_queue)?
        .run_until(async {
            wait_for(
                "the three activities to start",
                Duration::from_secs(30),
                || async { STARTED.load(Ordering::SeqCst) >= 3 },
            )
            .await
        })
        .await
        .map_err(fail)??;
    let out = worker(&client, &task_queue)?
        .run_until(handle.get_result())
        .await
        .map_err(fail)?
        .map_err(fail)?;
    if out != "done" {
        return Err(format!("expected \"done\", got {out:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
