//! A worker process hosting every fixture, for tests that kill a worker mid-run.
//!
//! Usage: `test-worker <address> <task-queue>`; prints `ready` once polling starts.

use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(task_queue)) = (args.next(), args.next()) else {
        eprintln!("usage: test-worker <address> <task-queue>");
        std::process::exit(2);
    };
    let client = Client::connect(ConnectOptions::new(address)).await?;
    let worker =
        ironflow_compat_tests::fixtures::register_all(Worker::builder(&client, task_queue)).build()?;
    println!("ready");
    worker.run_until_signal().await?;
    Ok(())
}
