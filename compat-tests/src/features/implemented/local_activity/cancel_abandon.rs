//! `local_activity/cancel_abandon`: a workflow cancels a running local activity started with
//! `Abandon`; the call resolves at once as cancelled and the activity is never told: once the
//! workflow reports the cancellation (a query), the test releases the activity, which records
//! "not notified". The workflow stays open until then (Core cancels a closed workflow's local
//! activities, which is not what is checked here).

use crate::features::support::{Record, fail, poll_for, query_until_some, start_with, wait_for};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::ActivityCancellationType;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static SEEN: Record = Record::new();
/// Set by the test once the workflow reported the cancellation.
static RELEASE: AtomicBool = AtomicBool::new(false);

/// Waits up to `limit` for a cancellation; records "notified" or "not notified"; fails when
/// notified (acknowledging the cancellation).
pub(crate) async fn wait_for_cancel(
    ctx: &ActivityContext,
    limit: Duration,
    record: &Record,
) -> Result<(), ApplicationError> {
    tokio::select! {
        _ = ctx.cancelled() => {
            record.push("notified");
            Err(ApplicationError::new("cancelled as asked"))
        }
        _ = tokio::time::sleep(limit) => {
            record.push("not notified");
            Ok(())
        }
    }
}

/// Records whether it was told of the cancellation before the test released it.
pub struct Watcher;
impl ActivityDefinition for Watcher {
    const NAME: &'static str = "watcher";
    type Input = ();
    type Output = ();
}
impl Activity for Watcher {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        for _ in 0..3000 {
            if ctx.is_cancelled() {
                SEEN.push("notified");
                return Err(ApplicationError::new("cancelled as asked"));
            }
            if RELEASE.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        SEEN.push("not notified");
        Ok(())
    }
}

/// Starts the local activity with `cancellation_type`, cancels it after a task turnover and
/// returns what the call resolved to.
pub(crate) async fn start_and_cancel<D: ActivityDefinition<Input = (), Output = ()>>(
    ctx: &WorkflowContext,
    cancellation_type: ActivityCancellationType,
) -> WorkflowResult<Result<(), ActivityError>> {
    let mut call = Box::pin(
        ctx.local_activity::<D>(())
            .start_to_close_timeout(Duration::from_secs(30))
            .retry_policy(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            })
            .cancellation_type(cancellation_type),
    );
    if poll_for(ctx, &mut call, Duration::from_millis(10))
        .await
        .is_some()
    {
        return Err(WorkflowError::application(
            "the local activity finished before it was cancelled",
            "Unexpected",
        ));
    }
    call.cancel();
    Ok(call.await)
}

/// Whether the call resolved as cancelled, and whether the test let the workflow finish.
pub struct Finish {
    cancelled: bool,
    done: bool,
}

#[ironflow::handlers]
impl Finish {
    #[query(name = "cancelled")]
    fn cancelled_query(&self) -> Option<bool> {
        self.cancelled.then_some(true)
    }

    #[signal(name = "finish")]
    fn finish_signal(&mut self) {
        self.done = true;
    }
}

/// Cancels the abandoned local activity; expects a cancellation at once; waits for `finish`.
pub struct CancelAbandon;
impl Workflow for CancelAbandon {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let state = ctx
            .state(Finish {
                cancelled: false,
                done: false,
            })
            .register_handlers();
        match start_and_cancel::<Watcher>(&ctx, ActivityCancellationType::Abandon).await? {
            Err(e) if e.is_cancelled() => state.update(|s| s.cancelled = true),
            other => {
                return Err(WorkflowError::application(
                    format!("expected a cancellation, got {other:?}"),
                    "Unexpected",
                ));
            }
        }
        state.wait(|s| s.done).await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<CancelAbandon>()
        .register_activity(Watcher)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CancelAbandon>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    SEEN.clear();
    RELEASE.store(false, Ordering::SeqCst);
    // A 1 s workflow task timeout: the task heartbeats after 0.8 s while the local activity
    // runs, so the workflow is woken (and cancels it) then.
    let handle = start_with::<CancelAbandon>(&client, &task_queue, "la-cancel-abandon", (), |o| {
        o.task_timeout(Duration::from_secs(1))
    })
    .await?;
    let _: bool = query_until_some(&handle, "cancelled", Duration::from_secs(60)).await?;
    RELEASE.store(true, Ordering::SeqCst);
    wait_for(
        "the local activity to finish",
        Duration::from_secs(30),
        || async { !SEEN.get().is_empty() },
    )
    .await?;
    handle.signal_by_name("finish", ()).await.map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    if SEEN.get() != ["not notified"] {
        return Err(format!("the abandoned local activity says {:?}", SEEN.get()));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
