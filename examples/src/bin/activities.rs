//! Activities: retries with backoff (the server retries, so a retry survives a worker crash),
//! heartbeats whose details a retry resumes from, and a non-retryable error that stops the
//! retries at once.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_interval: Duration::from_millis(200),
        ..RetryPolicy::default()
    }
}

/// Fails twice with a transient error, then succeeds. (A lookup: running it twice is harmless.)
#[ironflow::activity(retry_policy = fast_retries(5), idempotent)]
async fn flaky_lookup(ctx: ActivityContext, key: String) -> Result<String, ApplicationError> {
    let attempt = ctx.info().attempt;
    if attempt < 3 {
        return Err(ApplicationError::new(format!(
            "lookup service unavailable (attempt {attempt})"
        )));
    }
    Ok(format!("{key} found on attempt {attempt}"))
}

static CRASHED_ONCE: AtomicU32 = AtomicU32::new(0);

/// Copies `n` items, heartbeating its progress; the first attempt fails half-way, and the
/// retry resumes from the last heartbeat instead of starting over.
#[ironflow::activity(retry_policy = fast_retries(3), heartbeat_timeout = Duration::from_secs(10), idempotent)]
async fn copy_items(ctx: ActivityContext, n: u32) -> Result<String, ApplicationError> {
    let start: u32 = ctx.heartbeat_details().and_then(Result::ok).unwrap_or(0);
    for item in start..n {
        if item == n / 2 && CRASHED_ONCE.fetch_add(1, Ordering::Relaxed) == 0 {
            return Err(ApplicationError::new(format!("disk hiccup at item {item}")));
        }
        ctx.heartbeat_with(item + 1)
            .map_err(|e| ApplicationError::new(e.to_string()))?;
    }
    Ok(format!(
        "copied items {start}..{n} on attempt {}",
        ctx.info().attempt
    ))
}

/// Rejects a card: non-retryable, so the server does not retry it.
#[ironflow::activity(retry_policy = fast_retries(5))]
async fn charge_card(_ctx: ActivityContext, card: String) -> Result<String, ApplicationError> {
    Err(ApplicationError::non_retryable(format!("card {card} was declined")).with_type("CardDeclined"))
}

pub struct ActivitiesWorkflow;

impl Workflow for ActivitiesWorkflow {
    const NAME: &'static str = "ActivitiesDemo";
    type Input = ();
    type Output = Vec<String>;

    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<String>> {
        let mut report = vec![ctx.activity::<FlakyLookup>("order-42".into()).await?];
        report.push(ctx.activity::<CopyItems>(10).await?);
        match ctx.activity::<ChargeCard>("4242".into()).await {
            Ok(receipt) => report.push(receipt),
            Err(e) => report.push(format!(
                "charge failed without retries: {} ({})",
                e.failure()
                    .map_or(String::new(), |f| f.root_cause().message.clone()),
                e.application_type().unwrap_or_default()
            )),
        }
        Ok(report)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("activities");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<ActivitiesWorkflow>()
        .register_activity(FlakyLookup)
        .register_activity(CopyItems)
        .register_activity(ChargeCard)
        .build()?;
    let options = StartWorkflowOptions::new(ironflow_examples::unique("activities"), &task_queue);
    let report = worker
        .run_until(client.execute_workflow::<ActivitiesWorkflow>((), options))
        .await??;
    for line in report {
        println!("{line}");
    }
    Ok(())
}
