//! Cancellation with cleanup: the client cancels a running workflow; its pending activity is
//! cancelled (the activity sees it through its heartbeats), and a cleanup activity still runs in
//! a non-cancellable scope before the workflow reports itself cancelled. A cancellation scope
//! also bounds one part of the workflow with a deadline.

use ironflow::client::{StartWorkflowOptions, WorkflowExecutionError};
use ironflow::prelude::*;
use std::time::Duration;

/// Works until cancelled, heartbeating so the cancellation reaches it.
#[ironflow::activity(heartbeat_timeout = Duration::from_secs(5), timeout = Duration::from_secs(300))]
async fn long_task(ctx: ActivityContext, name: String) -> Result<String, ApplicationError> {
    loop {
        ctx.heartbeat();
        tokio::select! {
            _ = ctx.cancelled() => {
                println!("activity {name}: cancellation received, stopping");
                return Err(ApplicationError::new("cancelled"));
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

#[ironflow::activity]
async fn release_resources(_ctx: ActivityContext, what: String) -> Result<(), ApplicationError> {
    println!("cleanup: released {what}");
    Ok(())
}

pub struct CancellableWorkflow;

impl Workflow for CancellableWorkflow {
    const NAME: &'static str = "Cancellable";
    type Input = ();
    type Output = String;

    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        // A part with a deadline: its scope is cancelled when the timer fires first.
        let scope = ctx.cancellation_scope();
        let bounded = scope.run(ctx.activity::<LongTask>("bounded".into()));
        let deadline = ctx.sleep(Duration::from_secs(2));
        if let futures::future::Either::Right((_, bounded)) = futures::future::select(bounded, deadline).await
        {
            scope.cancel();
            let outcome = bounded.await;
            println!(
                "workflow: the bounded part was cancelled at its deadline: {}",
                outcome.is_err()
            );
        }
        // Then work until the workflow itself is cancelled; clean up regardless.
        let result = ctx.activity::<LongTask>("main".into()).await;
        ctx.non_cancellable(ctx.activity::<ReleaseResources>("the main task's lease".into()))
            .await?;
        match result {
            Err(e) if e.is_cancelled() => Err(WorkflowError::Cancelled),
            other => Ok(other?),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("cancellation");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<CancellableWorkflow>()
        .register_activity(LongTask)
        .register_activity(ReleaseResources)
        .build()?;
    let session = async {
        let options = StartWorkflowOptions::new(ironflow_examples::unique("cancellable"), &task_queue);
        let handle = client.start_workflow::<CancellableWorkflow>((), options).await?;
        tokio::time::sleep(Duration::from_secs(4)).await; // let it reach the main task
        handle.cancel("the user changed their mind").await?;
        Ok::<_, Box<dyn std::error::Error>>(handle.get_result().await)
    };
    match worker.run_until(session).await?? {
        Err(WorkflowExecutionError::Cancelled { .. }) => println!("workflow result: cancelled after cleanup"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
