//! Continue-as-new: a long-running workflow that processes a stream of batches, continuing as a
//! new run every few batches so its history stays small, carrying its running total along.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use serde::{Deserialize, Serialize};

#[ironflow::activity]
async fn process_batch(_ctx: ActivityContext, batch: u32) -> Result<u64, ApplicationError> {
    Ok(u64::from(batch) * 10)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Progress {
    next_batch: u32,
    last_batch: u32,
    total: u64,
    runs: u32,
}

pub struct BatchWorkflow;

impl Workflow for BatchWorkflow {
    const NAME: &'static str = "Batches";
    type Input = Progress;
    type Output = Progress;

    async fn run(ctx: WorkflowContext, mut p: Progress) -> WorkflowResult<Progress> {
        p.runs += 1;
        for _ in 0..3 {
            if p.next_batch > p.last_batch {
                return Ok(p);
            }
            p.total += ctx.activity::<ProcessBatch>(p.next_batch).await?;
            p.next_batch += 1;
        }
        // Three batches per run: start a fresh run (new run id, empty history) with the state.
        Err(ctx.continue_as_new(p))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("continue-as-new");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<BatchWorkflow>()
        .register_activity(ProcessBatch)
        .build()?;
    let start = Progress {
        next_batch: 1,
        last_batch: 10,
        total: 0,
        runs: 0,
    };
    let options = StartWorkflowOptions::new(ironflow_examples::unique("batches"), &task_queue);
    // The handle follows the chain of runs to the last one's result.
    let done = worker
        .run_until(client.execute_workflow::<BatchWorkflow>(start, options))
        .await??;
    println!("processed 10 batches in {} runs, total {}", done.runs, done.total);
    Ok(())
}
