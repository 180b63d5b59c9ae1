//! `testing::ActivityEnvironment`: activities run outside any worker with a test context.

use ironflow::activity::CancelReason;
use ironflow::converter::PayloadError;
use ironflow::prelude::*;
use ironflow::testing::ActivityEnvironment;
use std::time::Duration;

/// Uploads `parts` parts, heartbeating the next part to upload; resumes from the heartbeat of
/// the previous attempt; stops when cancelled, saying how far it got.
#[ironflow::activity]
async fn upload(ctx: ActivityContext, parts: u32) -> Result<String, ApplicationError> {
    let first = ctx
        .heartbeat_details::<u32>()
        .transpose()
        .map_err(|e| ApplicationError::non_retryable(e.to_string()))?
        .unwrap_or(0);
    for part in first..parts {
        if ctx.is_cancelled() {
            return Err(ApplicationError::new(format!(
                "cancelled ({:?}) before part {part}",
                ctx.cancel_reason()
            )));
        }
        ctx.heartbeat_with(part + 1)
            .map_err(|e| ApplicationError::non_retryable(e.to_string()))?;
        tokio::task::yield_now().await;
    }
    Ok(format!(
        "{} uploaded parts {first}..{parts} on attempt {}",
        ctx.info().activity_type,
        ctx.info().attempt
    ))
}

/// Waits for cancellation or the worker's shutdown, whichever comes first.
#[ironflow::activity]
async fn wait_for_stop(ctx: ActivityContext, _: ()) -> Result<String, PayloadError> {
    tokio::select! {
        _ = ctx.cancelled() => Ok(format!("cancelled: {:?}", ctx.cancel_reason())),
        _ = ctx.worker_shutdown() => Ok("worker shutting down".into()),
    }
}

#[tokio::test]
async fn info_and_heartbeats_are_what_the_test_sets_and_captures() {
    let env = ActivityEnvironment::new()
        .attempt(3)
        .start_to_close_timeout(Duration::from_secs(5))
        .heartbeat_details(2u32)
        .expect("details");
    let out = env.run(&Upload, 5).await.expect("the activity");
    assert_eq!(out, "upload uploaded parts 2..5 on attempt 3");
    assert_eq!(env.heartbeats::<u32>().expect("decode"), vec![3, 4, 5]);
    assert_eq!(env.heartbeat_count(), 3);
    let info = env.info();
    assert_eq!(info.attempt, 3);
    let deadline = info.deadline().expect("a deadline");
    let started = info.started_time.expect("a start time");
    assert_eq!(
        deadline.duration_since(started).expect("after"),
        Duration::from_secs(5)
    );
}

#[tokio::test]
async fn an_activity_reacts_to_cancellation_requested_on_a_heartbeat() {
    // Cancel once two heartbeats arrived, as Python's `env.on_heartbeat = ...` does.
    let env = ActivityEnvironment::new().on_heartbeat(|env| {
        if env.heartbeat_count() == 2 {
            env.cancel();
        }
    });
    let error = env
        .run(&Upload, 100)
        .await
        .expect_err("the activity stops when cancelled");
    assert_eq!(error.message(), "cancelled (Some(Cancelled)) before part 2");
    assert_eq!(env.heartbeats::<u32>().expect("decode"), vec![1, 2]);
}

#[tokio::test]
async fn cancellation_and_worker_shutdown_reach_a_running_activity_from_another_task() {
    let env = ActivityEnvironment::new();
    let running = tokio::spawn({
        let env = env.clone();
        async move { env.run(&WaitForStop, ()).await }
    });
    tokio::task::yield_now().await;
    env.cancel_with(CancelReason::TimedOut);
    let out = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the activity stops")
        .expect("the task")
        .expect("the activity");
    assert_eq!(out, "cancelled: Some(TimedOut)");

    let env = ActivityEnvironment::new();
    let running = tokio::spawn({
        let env = env.clone();
        async move { env.run(&WaitForStop, ()).await }
    });
    env.shut_down_worker();
    let out = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the activity stops")
        .expect("the task")
        .expect("the activity");
    assert_eq!(out, "worker shutting down");
}
