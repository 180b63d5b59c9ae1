//! Dynamic workflows and activities: one catch-all handles every workflow (or activity) type
//! that has no registered implementation, receiving the type name and the raw arguments, for
//! routers, proxies and interpreters of workflow definitions.

use ironflow::client::StartWorkflowOptions;
use ironflow::dynamic::DynamicInput;
use ironflow::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

async fn any_workflow(ctx: WorkflowContext, input: DynamicInput) -> WorkflowResult<Value> {
    let args: Value = input.decode()?;
    // The activity type is chosen at run time: the catch-all activity answers it.
    let step = format!("{}_step", input.type_name.to_lowercase());
    let from_activity: Value = ctx
        .activity_by_name(&step, args.clone())
        .start_to_close_timeout(Duration::from_secs(10))
        .await?;
    Ok(json!({ "workflow": input.type_name, "args": args, "activity": from_activity }))
}

async fn any_activity(ctx: ActivityContext, input: DynamicInput) -> Result<Value, ApplicationError> {
    let args: Value = input
        .decode()
        .map_err(|e| ApplicationError::non_retryable(e.to_string()))?;
    Ok(json!({ "activity": ctx.info().activity_type, "echo": args }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("dynamic");
    let worker = Worker::builder(client, &task_queue)
        .register_dynamic_workflow(any_workflow)
        .register_dynamic_activity(any_activity)
        .build()?;
    let session = async {
        let mut results = Vec::new();
        for workflow_type in ["Invoice", "Refund"] {
            let options = StartWorkflowOptions::new(ironflow_examples::unique("dyn"), &task_queue);
            let handle = client
                .start_workflow_by_name::<_, Value>(workflow_type, json!({"amount": 12}), options)
                .await?;
            results.push(handle.get_result().await?);
        }
        Ok::<_, Box<dyn std::error::Error>>(results)
    };
    for result in worker.run_until(session).await?? {
        println!("{result}");
    }
    Ok(())
}
