//! Hello, Ironflow: a workflow that calls two activities with a durable timer between them.
//!
//! ```text
//! cargo run -p ironflow-examples --bin hello            # starts a local dev server
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p ironflow-examples --bin hello
//! ```

use ironflow::client::StartWorkflowOptions;
use ironflow::{Activity, ActivityContext, Worker, Workflow, WorkflowContext, WorkflowResult};
use std::time::Duration;

/// Builds a greeting.
struct Greet;

#[async_trait::async_trait]
impl Activity for Greet {
    type Input = String;
    type Output = String;
    type Error = std::convert::Infallible;

    fn name(&self) -> &str {
        "greet"
    }

    async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
        Ok(format!("Hello, {name}!"))
    }
}

/// Turns text into a shout.
struct Shout;

#[async_trait::async_trait]
impl Activity for Shout {
    type Input = String;
    type Output = String;
    type Error = std::convert::Infallible;

    fn name(&self) -> &str {
        "shout"
    }

    async fn execute(&self, _ctx: ActivityContext, text: String) -> Result<String, Self::Error> {
        Ok(text.to_uppercase())
    }
}

/// greet → one second durable timer → shout.
struct HelloWorkflow;

impl Workflow for HelloWorkflow {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "HelloWorkflow";

    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        let greeting = ctx.execute_activity(&Greet, name).await?;
        ctx.sleep(Duration::from_secs(1)).await;
        let shouted = ctx.execute_activity(&Shout, greeting).await?;
        Ok(shouted)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ironflow_examples::init_logging();
    let (client, _server) = ironflow_examples::connect_or_start_dev_server().await?;

    let task_queue = "hello-ironflow";
    let worker = Worker::builder(&client, task_queue)
        .register_workflow::<HelloWorkflow>()
        .register_activity(Greet)
        .register_activity(Shout)
        .build()?;
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());

    let workflow_id = format!("hello-{}", uuid::Uuid::new_v4());
    let handle = client
        .start_workflow::<HelloWorkflow>(
            "Temporal".into(),
            StartWorkflowOptions::new(&workflow_id, task_queue),
        )
        .await?;
    println!("started workflow {workflow_id}");
    let result = handle.get_result().await?;
    println!("workflow result: {result}");

    shutdown.shutdown();
    running.await??;
    Ok(())
}
