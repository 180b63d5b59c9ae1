//! `update/validation_replay`: validators do not run on replay. The handler fails the first
//! workflow task (a panic); the validator would reject once the counter passed 1, which it never
//! does while it runs; the update then succeeds and the counter stays 1. The harness's replay of
//! the history afterwards runs with the counter at 1 as well, and passes only if the replayer does
//! not validate.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::sync::atomic::{AtomicU32, Ordering};

/// Workflow tasks failed by the handler (the feature runs once per process).
static TASK_FAILS: AtomicU32 = AtomicU32::new(0);

/// `do_update`.
pub struct DoUpdate;
impl UpdateDefinition for DoUpdate {
    const NAME: &'static str = "do_update";
    type Args = ();
    type Result = ();
}

/// Finishes after the update.
pub struct ValidationReplay;
impl Workflow for ValidationReplay {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(false);
        state
            .on_update::<DoUpdate>(|done, ()| {
                if TASK_FAILS.load(Ordering::SeqCst) == 0 {
                    TASK_FAILS.fetch_add(1, Ordering::SeqCst);
                    panic!("I'll fail task");
                }
                *done = true;
                Ok(())
            })
            .validator(|_, ()| {
                if TASK_FAILS.load(Ordering::SeqCst) > 1 {
                    return Err(ApplicationError::new("I would reject if I even ran :|").into());
                }
                Ok(())
            });
        state.wait(|done| *done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<ValidationReplay>()
}

/// Replays with the counter past 1: a validator run during replay would reject the update and
/// the replay would fail.
pub fn replayer() -> Replayer {
    TASK_FAILS.store(2, Ordering::SeqCst);
    Replayer::new().register_workflow::<ValidationReplay>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    TASK_FAILS.store(0, Ordering::SeqCst);
    let handle = start::<ValidationReplay>(&client, &task_queue, "update-validation-replay", ()).await?;
    handle.execute_update::<DoUpdate>(()).await.map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    let fails = TASK_FAILS.load(Ordering::SeqCst);
    if fails != 1 {
        return Err(format!("expected one failed workflow task, counted {fails}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
