//! A worker process hosting every fixture, for tests that kill a worker mid-run.
//!
//! Usage: `test-worker <address> <task-queue>`; prints `ready` once polling starts. With
//! `IRONFLOW_OTLP_TRACES=<endpoint>` it traces its workflows and activities there. Logs go to
//! standard error, filtered by `RUST_LOG` (default `warn`).

use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions};
use ironflow::telemetry::{Telemetry, TracingInterceptor};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(task_queue)) = (args.next(), args.next()) else {
        eprintln!("usage: test-worker <address> <task-queue>");
        std::process::exit(2);
    };
    let mut options = ConnectOptions::new(address);
    let mut tracing = None;
    if let Some(endpoint) = std::env::var("IRONFLOW_OTLP_TRACES")
        .ok()
        .filter(|e| !e.is_empty())
    {
        let telemetry = Telemetry::builder()
            .otlp_traces(endpoint)
            .service_name("test-worker")
            .build()?;
        let interceptor = Arc::new(TracingInterceptor::new(telemetry.tracer()));
        options = options.telemetry(telemetry).interceptor(interceptor.clone());
        tracing = Some(interceptor);
    }
    let client = Client::connect(options).await?;
    let mut builder = ironflow_compat_tests::fixtures::register_all(Worker::builder(&client, task_queue));
    if let Some(interceptor) = tracing {
        builder = builder.interceptor(interceptor);
    }
    let worker = builder.build()?;
    println!("ready");
    worker.run_until_signal().await?;
    Ok(())
}
