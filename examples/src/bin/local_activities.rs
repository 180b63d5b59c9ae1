//! Local activities: short work that runs in the workflow's own worker, without a round trip
//! through the task queue; its result is recorded in history as a marker, and short retries
//! happen in the worker.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use std::time::Duration;

/// Validates an address: quick, local, deterministic given its input.
#[ironflow::activity(timeout = Duration::from_secs(5))]
async fn normalize_address(_ctx: ActivityContext, address: String) -> Result<String, ApplicationError> {
    let trimmed = address.split_whitespace().collect::<Vec<_>>().join(" ");
    if trimmed.is_empty() {
        Err(ApplicationError::non_retryable("empty address"))
    } else {
        Ok(trimmed.to_uppercase())
    }
}

pub struct ShippingLabelWorkflow;

impl Workflow for ShippingLabelWorkflow {
    const NAME: &'static str = "ShippingLabel";
    type Input = String;
    type Output = String;

    async fn run(ctx: WorkflowContext, address: String) -> WorkflowResult<String> {
        let normalized = ctx.local_activity::<NormalizeAddress>(address).await?;
        Ok(format!("label for {normalized}"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("local-activities");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<ShippingLabelWorkflow>()
        .register_activity(NormalizeAddress)
        .build()?;
    let id = ironflow_examples::unique("label");
    let options = StartWorkflowOptions::new(&id, &task_queue);
    let label = worker
        .run_until(client.execute_workflow::<ShippingLabelWorkflow>("  1 main   street ".into(), options))
        .await??;
    println!("workflow result: {label}");
    let history = client
        .workflow_handle::<String>(&id, None)
        .fetch_history()
        .await?;
    let markers = history
        .events
        .iter()
        .filter(|e| {
            matches!(
                &e.attributes,
                Some(ironflow::history::history_event::Attributes::MarkerRecordedEventAttributes(_))
            )
        })
        .count();
    println!(
        "history: {} events, {markers} local-activity marker, no activity task",
        history.events.len()
    );
    Ok(())
}
