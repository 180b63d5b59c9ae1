//! `worker_shutdown/poll_complete_on_shutdown`: five workflows loop on a 20 ms timer and a no-op
//! activity; once activity work is scheduled the worker stops, which must take at most 5 s. Run
//! on two servers of its own, as upstream's two variants: with
//! `frontend.enableCancelWorkerPollsOnShutdown=true` the server completes the stopping worker's
//! polls, so no history gets a workflow task failure or timeout; with `false` a poll the server
//! still holds takes a task nobody runs, so some history gets one (within 15 s; 5 s task
//! timeout).

use crate::features::support::{count, fail, history_attributes, wait_for};
use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions, WorkflowHandle};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::testing::{DevServer, DevServerOptions};
use ironflow::worker::WorkerBuilder;
use std::time::{Duration, Instant};

const WORKFLOW_COUNT: usize = 5;

/// Does nothing.
pub struct Noop;
impl ActivityDefinition for Noop {
    const NAME: &'static str = "noop";
    type Input = ();
    type Output = ();
}
impl Activity for Noop {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        Ok(())
    }
}

/// Loops forever: a 20 ms timer, then the no-op activity.
pub struct Looping;
impl Workflow for Looping {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        loop {
            ctx.sleep(Duration::from_millis(20)).await?;
            ctx.activity::<Noop>(())
                .schedule_to_close_timeout(Duration::from_secs(10))
                .start_to_close_timeout(Duration::from_secs(5))
                .retry_policy(RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                })
                .await?;
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Looping>().register_activity(Noop)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Looping>()
}

fn task_problems(events: &[Attributes]) -> usize {
    count(events, |a| {
        matches!(
            a,
            Attributes::WorkflowTaskFailedEventAttributes(_)
                | Attributes::WorkflowTaskTimedOutEventAttributes(_)
        )
    })
}

async fn problems(handles: &[WorkflowHandle<()>]) -> Result<usize, String> {
    let mut total = 0;
    for handle in handles {
        total += task_problems(&history_attributes(handle).await?);
    }
    Ok(total)
}

/// One variant, on a server of its own.
async fn variant(cancel_polls: bool) -> Result<(), String> {
    let server = DevServer::start_with(DevServerOptions {
        extra_args: vec![
            "--dynamic-config-value".into(),
            format!("frontend.enableCancelWorkerPollsOnShutdown={cancel_polls}"),
        ],
        ..Default::default()
    })
    .await
    .map_err(fail)?;
    let client = Client::connect(ConnectOptions::new(server.address()))
        .await
        .map_err(fail)?;
    let task_queue = crate::unique("poll-complete-on-shutdown");
    let mut handles = Vec::new();
    for _ in 0..WORKFLOW_COUNT {
        let options = StartWorkflowOptions::new(crate::unique("poll-complete-on-shutdown"), &task_queue)
            .task_timeout(Duration::from_secs(5));
        handles.push(
            client
                .start_workflow::<Looping>((), options)
                .await
                .map_err(fail)?,
        );
    }
    let worker = register(Worker::builder(&client, &task_queue))
        .graceful_shutdown_period(Duration::from_secs(10))
        .build()
        .map_err(fail)?;
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());
    for handle in &handles {
        wait_for(
            "activity work to be scheduled",
            Duration::from_secs(10),
            || async {
                count(&history_attributes(handle).await.unwrap_or_default(), |a| {
                    matches!(a, Attributes::ActivityTaskScheduledEventAttributes(_))
                }) > 0
            },
        )
        .await?;
    }
    let stopping = Instant::now();
    shutdown.shutdown();
    running.await.map_err(fail)?.map_err(fail)?;
    let took = stopping.elapsed();
    let outcome = if took > Duration::from_secs(5) {
        Err(format!("the worker took {took:?} to stop (at most 5 s)"))
    } else if cancel_polls {
        match problems(&handles).await? {
            0 => Ok(()),
            n => Err(format!(
                "{n} workflow task failures or timeouts with poll cancellation on"
            )),
        }
    } else {
        wait_for(
            "a workflow task failure or timeout",
            Duration::from_secs(15),
            || async { problems(&handles).await.unwrap_or(0) > 0 },
        )
        .await
    };
    for handle in &handles {
        let _ = handle.terminate("feature cleanup").await;
    }
    // The histories live on this variant's server: replayed here, before it stops.
    let ids: Vec<String> = handles.iter().map(|h| h.workflow_id().to_string()).collect();
    let outcome = match outcome {
        Ok(()) => match crate::features::replay(&client, &replayer(), &ids).await {
            crate::features::Outcome::Passed => Ok(()),
            other => Err(format!("{other:?}")),
        },
        failed => failed,
    };
    outcome.map_err(|e| format!("frontend.enableCancelWorkerPollsOnShutdown={cancel_polls}: {e}"))
}

pub async fn run(_client: Client, _task_queue: String) -> Result<Vec<String>, String> {
    variant(true).await?;
    variant(false).await?;
    // The histories lived on the variants' servers and were replayed there.
    Ok(Vec::new())
}
