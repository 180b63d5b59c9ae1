//! `update/task_failure`: a panicking update handler fails the workflow task (retried; counted
//! twice) and, the third time, fails the update with an application error that reaches the
//! caller; a panicking validator only rejects the update (no task failure); an accepted update
//! then finishes the workflow.

use crate::features::support::{count, fail, history_attributes, start_with};
use ironflow::client::{Client, UpdateError};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Workflow tasks failed by the handler (the feature runs once per process).
static TASK_FAILS: AtomicU32 = AtomicU32::new(0);

/// `do_update`: panics twice, then fails.
pub struct DoUpdate;
impl UpdateDefinition for DoUpdate {
    const NAME: &'static str = "do_update";
    type Args = ();
    type Result = ();
}

/// `throw_or_done(do_throw)`: its validator panics when `do_throw`.
pub struct ThrowOrDone;
impl UpdateDefinition for ThrowOrDone {
    const NAME: &'static str = "throw_or_done";
    type Args = bool;
    type Result = ();
}

/// Finishes after `throw_or_done(false)`.
pub struct TaskFailure;
impl Workflow for TaskFailure {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(false);
        state.on_update::<DoUpdate>(|_, ()| {
            if TASK_FAILS.load(Ordering::SeqCst) < 2 {
                TASK_FAILS.fetch_add(1, Ordering::SeqCst);
                panic!("I'll fail task");
            }
            Err(ApplicationError::new("I'll fail update").into())
        });
        state
            .on_update::<ThrowOrDone>(|done, _| {
                *done = true;
                Ok(())
            })
            .validator(|_, do_throw| {
                if *do_throw {
                    panic!("This will fail validation, not task");
                }
                Ok(())
            });
        state.wait(|done| *done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<TaskFailure>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<TaskFailure>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    TASK_FAILS.store(0, Ordering::SeqCst);
    let handle = start_with::<TaskFailure>(&client, &task_queue, "update-task-failure", (), |o| {
        o.task_timeout(Duration::from_secs(3))
    })
    .await?;
    match handle.execute_update::<DoUpdate>(()).await {
        Err(UpdateError::Failed { failure, .. }) if failure.root_cause().message == "I'll fail update" => {}
        other => {
            return Err(format!(
                "expected the update to fail with \"I'll fail update\", got {other:?}"
            ));
        }
    }
    match handle.execute_update::<ThrowOrDone>(true).await {
        Err(UpdateError::Failed { failure, .. })
            if failure
                .root_cause()
                .message
                .contains("This will fail validation, not task") => {}
        other => {
            return Err(format!(
                "expected the validator's panic to reject the update, got {other:?}"
            ));
        }
    }
    handle.execute_update::<ThrowOrDone>(false).await.map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    let fails = TASK_FAILS.load(Ordering::SeqCst);
    let failed_tasks = count(&history_attributes(&handle).await?, |a| {
        matches!(a, Attributes::WorkflowTaskFailedEventAttributes(_))
    });
    if fails != 2 || failed_tasks == 0 {
        return Err(format!(
            "expected the handler to fail two workflow tasks, it failed {fails} ({failed_tasks} in history)"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
