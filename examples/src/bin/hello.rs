//! Hello, Ironflow: a workflow that calls two activities with a durable timer between them.
//!
//! `cargo run -p ironflow-examples --bin hello` (starts a dev server with its Web UI unless
//! `TEMPORAL_ADDRESS` is set, and prints the workflow's page; `-- --keep-running` keeps it up).

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use std::convert::Infallible;
use std::time::Duration;

#[ironflow::activity]
async fn greet(_ctx: ActivityContext, name: String) -> Result<String, Infallible> {
    Ok(format!("Hello, {name}!"))
}

#[ironflow::activity]
async fn shout(_ctx: ActivityContext, text: String) -> Result<String, Infallible> {
    Ok(text.to_uppercase())
}

pub struct HelloWorkflow;

impl Workflow for HelloWorkflow {
    const NAME: &'static str = "HelloWorkflow";
    type Input = String;
    type Output = String;

    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        let greeting = ctx.activity::<Greet>(name).await?;
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(ctx.activity::<Shout>(greeting).await?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start_with_ui().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("hello");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<HelloWorkflow>()
        .register_activity(Greet)
        .register_activity(Shout)
        .build()?;
    let id = ironflow_examples::unique("hello");
    let options = StartWorkflowOptions::new(&id, &task_queue);
    let result = worker
        .run_until(client.execute_workflow::<HelloWorkflow>("Temporal".into(), options))
        .await??;
    println!("workflow result: {result}");
    example.show_in_ui(&id).await
}
