//! A long-running worker, as deployed (the `worker` service of `docker-compose.yml`, scaled with
//! `docker compose up --scale worker=4`): it hosts the `Order` workflow and its activities on
//! `IRONFLOW_TASK_QUEUE` (default `ironflow-examples`), connects as `ConnectOptions::from_env`
//! says (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, TLS, API key, the CLI's profile), waits for
//! the server if it is not up yet, and stops gracefully on SIGTERM or Ctrl-C.
//!
//! ```text
//! TEMPORAL_ADDRESS=localhost:7233 cargo run -p ironflow-examples --bin worker
//! temporal workflow execute --type Order --task-queue ironflow-examples --input '"order-1"'
//! ```
//!
//! With `--once`, it starts a dev server when `TEMPORAL_ADDRESS` is unset, runs one order itself
//! and exits (what CI does with it).

use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::prelude::*;
use std::time::Duration;

/// The environment variables this program reads besides the connection's
/// ([`ironflow::client::CONNECTION_ENV_VARS`]).
pub const WORKER_ENV_VARS: &[&str] = &["IRONFLOW_TASK_QUEUE", "RUST_LOG"];

#[ironflow::activity]
async fn reserve(ctx: ActivityContext, order: String) -> Result<String, ApplicationError> {
    ctx.logger().info(format_args!("reserving stock for {order}"));
    Ok(format!("{order} reserved"))
}

#[ironflow::activity]
async fn ship(_ctx: ActivityContext, order: String) -> Result<String, ApplicationError> {
    Ok(format!("{order} shipped"))
}

/// Reserves stock, waits a second (a durable timer), ships.
pub struct Order;
impl Workflow for Order {
    const NAME: &'static str = "Order";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, order: String) -> WorkflowResult<String> {
        let reserved = ctx.activity::<Reserve>(order.clone()).await?;
        ctx.sleep(Duration::from_secs(1)).await?;
        let shipped = ctx.activity::<Ship>(order).await?;
        Ok(format!("{reserved}, {shipped}"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let task_queue = std::env::var("IRONFLOW_TASK_QUEUE")
        .ok()
        .filter(|q| !q.is_empty())
        .unwrap_or_else(|| "ironflow-examples".into());
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("usage: worker [--once]\n\nEnvironment:");
        for var in ironflow::client::CONNECTION_ENV_VARS
            .iter()
            .chain(WORKER_ENV_VARS)
        {
            println!("  {var}");
        }
        return Ok(());
    }
    if std::env::args().any(|a| a == "--once") {
        let example = ironflow_examples::start().await?;
        let worker = build(&example.client, &task_queue)?;
        let id = ironflow_examples::unique("order");
        let result = worker
            .run_until(
                example
                    .client
                    .execute_workflow::<Order>("order-1".into(), StartWorkflowOptions::new(id, &task_queue)),
            )
            .await??;
        println!("workflow result: {result}");
        return Ok(());
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .try_init();
    // A worker started before its server waits for it.
    let options = ConnectOptions::from_env()?.wait_for_server(Duration::MAX);
    println!(
        "connecting to Temporal at {} (namespace {})",
        options.address, options.namespace
    );
    let client = Client::connect(options).await?;
    let worker = build(&client, &task_queue)?;
    println!("worker polling task queue {task_queue}; SIGTERM or Ctrl-C stops it");
    worker.run_until_signal().await?;
    Ok(())
}

fn build(client: &Client, task_queue: &str) -> Result<Worker, Box<dyn std::error::Error>> {
    Ok(Worker::builder(client, task_queue)
        .register_activity(Reserve)
        .register_activity(Ship)
        .register_workflow::<Order>()
        .build()?)
}
