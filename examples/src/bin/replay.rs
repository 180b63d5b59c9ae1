//! Replay before deploy: record histories of real executions (here: run two, fetch their
//! histories and write them as the CLI's JSON), then replay the folder against the workflow code
//! with no server — what a CI job does with `temporal workflow show -o json` exports. A changed
//! workflow fails with the mismatch named.
//!
//! `cargo run -p ironflow-examples --bin replay -- <folder>` replays an existing folder instead.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use std::time::Duration;

#[ironflow::activity]
async fn greet(_ctx: ActivityContext, name: String) -> Result<String, ApplicationError> {
    Ok(format!("Hello, {name}!"))
}

pub struct Greeting;
impl Workflow for Greeting {
    const NAME: &'static str = "Greeting";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        let greeting = ctx.activity::<Greet>(name).await?;
        ctx.sleep(Duration::from_millis(100)).await?;
        Ok(greeting)
    }
}

/// The same workflow type after a change that is not replay-safe: the timer moved first.
pub struct GreetingReordered;
impl Workflow for GreetingReordered {
    const NAME: &'static str = "Greeting";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_millis(100)).await?;
        Ok(ctx.activity::<Greet>(name).await?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = match std::env::args().nth(1) {
        Some(folder) => std::path::PathBuf::from(folder),
        None => record_histories().await?,
    };
    let report = Replayer::new()
        .register_workflow::<Greeting>()
        .replay_dir(&folder)
        .await?;
    print!("against the current code:\n{report}");
    let report = Replayer::new()
        .register_workflow::<GreetingReordered>()
        .replay_dir(&folder)
        .await?;
    print!("against the reordered code:\n{report}");
    Ok(())
}

/// Runs two executions and writes their histories as JSON files into a fresh folder.
async fn record_histories() -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("replay");
    let folder = std::env::temp_dir().join(ironflow_examples::unique("histories"));
    std::fs::create_dir_all(&folder)?;
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<Greeting>()
        .register_activity(Greet)
        .build()?;
    let run = async {
        for name in ["Ada", "Linus"] {
            let id = ironflow_examples::unique("greeting");
            client
                .execute_workflow::<Greeting>(name.into(), StartWorkflowOptions::new(&id, &task_queue))
                .await?;
            let history = client
                .workflow_handle::<String>(&id, None)
                .fetch_history()
                .await?;
            ironflow::history::write_file(folder.join(format!("{name}.json")), &history)?;
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    worker.run_until(run).await??;
    println!("recorded 2 histories in {}", folder.display());
    Ok(folder)
}
