//! Hello, Ironflow: a workflow that calls two activities with a durable timer between them.
//!
//! ```text
//! cargo run -p ironflow-examples --bin hello            # starts a local dev server
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p ironflow-examples --bin hello
//! ```

use ironflow::Worker;
use ironflow::client::StartWorkflowOptions;
use ironflow_examples::hello::{Greet, HelloWorkflow, Shout};

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
