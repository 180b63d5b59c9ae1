//! A known bug of Core 0.10.1's local-activity manager, reproduced, and Ironflow's way around it.
//!
//! Core starts a start-to-close timer for every attempt of a local activity, and when the next
//! attempt starts it overwrites the timer's handle instead of aborting the old timer. An earlier
//! attempt's timer then fires during a later attempt and times it out. With a 4 s start-to-close
//! timeout and a 1 s backoff, attempt 1's timer fires at 4 s, in the middle of attempt 3 (which
//! started at 2 s): the activity ends "Activity timed out" although no attempt ran for 4 s.
//! (The Python SDK 1.35, on the same Core, shows the same timeline.)

use ironflow::client::StartWorkflowOptions;
use ironflow::{
    Activity, ActivityContext, ActivityDefinition, ApplicationError, RetryPolicy, Worker, Workflow,
    WorkflowContext, WorkflowResult,
};
use ironflow_compat_tests::{RunningWorker, client, unique, within};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

/// Fails fast on attempts 1 and 2; attempt 3 works for 3 s (within its 4 s) and succeeds.
struct FailTwiceThenWork;
impl ActivityDefinition for FailTwiceThenWork {
    const NAME: &'static str = "fail_twice_then_work";
    type Input = ();
    type Output = u32;
    fn timeout() -> Option<Duration> {
        Some(Duration::from_secs(4))
    }
    fn retry_policy() -> Option<RetryPolicy> {
        Some(RetryPolicy {
            max_attempts: 3,
            initial_interval: Duration::from_secs(1),
            backoff_coefficient: 1.0,
            max_interval: Some(Duration::from_secs(1)),
            ..RetryPolicy::default()
        })
    }
}
impl Activity for FailTwiceThenWork {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<u32, ApplicationError> {
        let attempt = ctx.info().attempt;
        if attempt < 3 {
            return Err(ApplicationError::new(format!("attempt {attempt} fails")));
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(attempt)
    }
}

/// Runs the local activity, with backoffs inside the worker (`true`, Core's way) or as durable
/// timers (`false`); returns the attempt that succeeded, or the failure.
struct LocalRetries;
impl Workflow for LocalRetries {
    const NAME: &'static str = "LocalRetries";
    type Input = Option<u64>;
    type Output = String;
    async fn run(ctx: WorkflowContext, threshold_ms: Option<u64>) -> WorkflowResult<String> {
        let mut call = ctx.local_activity::<FailTwiceThenWork>(());
        if let Some(ms) = threshold_ms {
            call = call.local_retry_threshold(Duration::from_millis(ms));
        }
        Ok(match call.await {
            Ok(attempt) => format!("succeeded on attempt {attempt}"),
            Err(e) => format!(
                "failed: {}",
                e.failure()
                    .map_or(e.to_string(), |f| f.root_cause().message.clone())
            ),
        })
    }
}

async fn run(threshold_ms: Option<u64>) -> String {
    let client = client().await;
    let tq = unique("la-timeouts");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<LocalRetries>()
            .register_activity(FailTwiceThenWork),
    );
    let out = within(
        "the local-activity workflow",
        LIMIT,
        client.execute_workflow::<LocalRetries>(threshold_ms, StartWorkflowOptions::new(unique("la"), &tq)),
    )
    .await
    .unwrap();
    worker.stop().await.unwrap();
    out
}

/// Known Core 0.10.1 bug, with retries inside the worker (Core's default threshold, 1 minute):
/// when this starts failing, Core fixed it, and Ironflow's workaround can go.
#[tokio::test]
async fn known_core_bug_an_earlier_attempts_timer_times_out_a_later_local_activity_attempt() {
    let out = run(Some(60_000)).await;
    assert_eq!(
        out, "failed: Activity timed out",
        "Core's behaviour changed: {out}"
    );
}

/// Ironflow's workaround: by default each retry waits on a durable timer and is scheduled as a
/// new local activity, so no earlier attempt's timer is left running.
#[tokio::test]
async fn with_ironflows_default_the_local_activity_succeeds_on_attempt_three() {
    assert_eq!(run(None).await, "succeeded on attempt 3");
}
