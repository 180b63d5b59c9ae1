//! `update/worker_restart`: an update whose handler waits on an activity survives a worker
//! restart: the first worker stops while the activity blocks, a second worker finishes it, and
//! the update (still awaited by its caller) and then the workflow complete.

use crate::features::support::{Record, fail, start, wait_for};
use ironflow::Worker;
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static STARTED: Record = Record::new();
static RELEASE: AtomicBool = AtomicBool::new(false);

/// Blocks until the test releases it (or its worker shuts down: then it fails, to be retried).
pub struct Blocks;
impl ActivityDefinition for Blocks {
    const NAME: &'static str = "blocks";
    type Input = ();
    type Output = String;
}
impl Activity for Blocks {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<String, ApplicationError> {
        STARTED.push("started");
        while !RELEASE.load(Ordering::SeqCst) {
            if ctx.is_worker_shutting_down() {
                return Err(ApplicationError::new("worker shutting down"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok("hi".into())
    }
}

/// `do_activities`.
pub struct DoActivities;
impl UpdateDefinition for DoActivities {
    const NAME: &'static str = "do_activities";
    type Args = ();
    type Result = ();
}

/// Finishes after the update.
pub struct WorkerRestart;
impl Workflow for WorkerRestart {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(false);
        state.on_update_async::<DoActivities, _, _>(|state, ()| async move {
            state
                .ctx()
                .activity::<Blocks>(())
                .start_to_close_timeout(Duration::from_secs(60))
                .retry_policy(RetryPolicy {
                    initial_interval: Duration::from_millis(10),
                    ..RetryPolicy::default()
                })
                .await?;
            state.update(|done| *done = true);
            Ok(())
        });
        state.wait(|done| *done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<WorkerRestart>()
        .register_activity(Blocks)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<WorkerRestart>()
}

fn worker(client: &Client, task_queue: &str) -> Result<Worker, String> {
    register(Worker::builder(client, task_queue))
        .graceful_shutdown_period(Duration::from_secs(1))
        .build()
        .map_err(fail)
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    STARTED.clear();
    RELEASE.store(false, Ordering::SeqCst);
    let handle = start::<WorkerRestart>(&client, &task_queue, "update-worker-restart", ()).await?;
    let update = {
        let handle = handle.clone();
        tokio::spawn(async move { handle.execute_update::<DoActivities>(()).await })
    };
    worker(&client, &task_queue)?
        .run_until(wait_for(
            "the activity to start",
            Duration::from_secs(30),
            || async { !STARTED.get().is_empty() },
        ))
        .await
        .map_err(fail)??;
    RELEASE.store(true, Ordering::SeqCst);
    worker(&client, &task_queue)?
        .run_until(async {
            update.await.map_err(fail)?.map_err(fail)?;
            handle.get_result().await.map_err(fail)
        })
        .await
        .map_err(fail)??;
    Ok(vec![handle.workflow_id().to_string()])
}
