//! Side effects: run a non-deterministic closure once (a random token, a clock reading) and
//! record its result; replay reuses the recorded value instead of running it again, so the
//! workflow makes the same decisions. The replay below proves it.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use std::sync::atomic::{AtomicU32, Ordering};

static RUNS: AtomicU32 = AtomicU32::new(0);

pub struct TokenWorkflow;

impl Workflow for TokenWorkflow {
    const NAME: &'static str = "Token";
    type Input = ();
    type Output = String;

    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let token: String = ctx
            .side_effect(|| {
                RUNS.fetch_add(1, Ordering::Relaxed);
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                format!("tok-{:x}", now.unwrap_or_default().as_nanos())
            })
            .await?;
        // Deterministic randomness needs no side effect: it is seeded by Temporal.
        let id = ctx.uuid4();
        Ok(format!("{token} / {id}"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("side-effects");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<TokenWorkflow>()
        .build()?;
    let id = ironflow_examples::unique("token");
    let options = StartWorkflowOptions::new(&id, &task_queue);
    let result = worker
        .run_until(client.execute_workflow::<TokenWorkflow>((), options))
        .await??;
    println!("workflow result: {result}");
    let replay = Replayer::new()
        .register_workflow::<TokenWorkflow>()
        .replay_from_server(client, &id, None)
        .await?;
    println!(
        "replay: {} (the closure ran {} time(s): replay reused the recorded token)",
        replay.outcome.kind(),
        RUNS.load(Ordering::Relaxed)
    );
    Ok(())
}
