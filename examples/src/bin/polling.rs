//! Timers and polling: wait for an external job by polling its status with an activity, with a
//! durable timer between polls that backs off; the workflow survives worker restarts between
//! polls because the timers live on the server.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static POLLS: AtomicU32 = AtomicU32::new(0);

/// The external job is ready on the fourth look.
#[ironflow::activity]
async fn job_status(_ctx: ActivityContext, job: String) -> Result<Option<String>, ApplicationError> {
    let n = POLLS.fetch_add(1, Ordering::Relaxed) + 1;
    Ok((n >= 4).then(|| format!("{job} finished")))
}

pub struct PollingWorkflow;

impl Workflow for PollingWorkflow {
    const NAME: &'static str = "Polling";
    type Input = String;
    type Output = String;

    async fn run(ctx: WorkflowContext, job: String) -> WorkflowResult<String> {
        let mut wait = Duration::from_millis(250);
        for poll in 1..=20 {
            if let Some(status) = ctx.activity::<JobStatus>(job.clone()).await? {
                return Ok(format!("{status} (after {poll} polls)"));
            }
            ctx.sleep(wait).await?; // a durable timer
            wait = (wait * 2).min(Duration::from_secs(5));
        }
        Err(WorkflowError::application(
            format!("{job} did not finish"),
            "PollingGaveUp",
        ))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("polling");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<PollingWorkflow>()
        .register_activity(JobStatus)
        .build()?;
    let options = StartWorkflowOptions::new(ironflow_examples::unique("polling"), &task_queue);
    let result = worker
        .run_until(client.execute_workflow::<PollingWorkflow>("export-7".into(), options))
        .await??;
    println!("workflow result: {result}");
    Ok(())
}
