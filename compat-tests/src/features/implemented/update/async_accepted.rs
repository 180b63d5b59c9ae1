//! `update/async_accepted`: updates started with "wait until accepted" return a handle while the
//! handler still runs; the handle's result is what an inline call would have returned (123), a
//! failing handler's error ("Dying on purpose") comes through the handle, and waiting for a result
//! that does not come within a 1 s RPC deadline fails with `DEADLINE_EXCEEDED`/`CANCELLED`.

use crate::features::support::{fail, start};
use ironflow::client::{Client, ClientError, UpdateError, UpdateOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Whether to finish, and whether a waiting update may proceed.
#[derive(Default)]
pub struct Flags {
    am_done: bool,
    proceed: bool,
}

/// `do_maybe_wait_update(sleep)`: waits for `unblock` and returns 123, or fails at once.
pub struct DoMaybeWaitUpdate;
impl UpdateDefinition for DoMaybeWaitUpdate {
    const NAME: &'static str = "do_maybe_wait_update";
    type Args = bool;
    type Result = i64;
}

/// `finish`.
pub struct Finish;
impl SignalDefinition for Finish {
    const NAME: &'static str = "finish";
    type Data = ();
}

/// `unblock`.
pub struct Unblock;
impl SignalDefinition for Unblock {
    const NAME: &'static str = "unblock";
    type Data = ();
}

/// Runs updates until `finish`.
pub struct AsyncAccepted;
impl Workflow for AsyncAccepted {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(Flags::default());
        state.on_signal::<Finish>(|s, ()| s.am_done = true);
        state.on_signal::<Unblock>(|s, ()| s.proceed = true);
        state.on_update_async::<DoMaybeWaitUpdate, _, _>(|state, sleep| async move {
            if !sleep {
                return Err(ApplicationError::new("Dying on purpose").into());
            }
            state.wait(|s| s.proceed).await?;
            state.update(|s| s.proceed = false);
            Ok(123)
        });
        state.wait(|s| s.am_done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<AsyncAccepted>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<AsyncAccepted>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<AsyncAccepted>(&client, &task_queue, "update-async-accepted", ()).await?;
    let sleepy = handle
        .start_update::<DoMaybeWaitUpdate>(true, UpdateOptions::accepted().id("sleepy_update"))
        .await
        .map_err(fail)?;
    handle.signal::<Unblock>(()).await.map_err(fail)?;
    let out = sleepy.result().await.map_err(fail)?;
    if out != 123 {
        return Err(format!("expected 123, got {out}"));
    }
    // A handle made from the id alone gets the same outcome.
    let again = handle
        .update_handle::<i64>("sleepy_update")
        .result()
        .await
        .map_err(fail)?;
    if again != 123 {
        return Err(format!("the handle made from the update id says {again}"));
    }
    let failing = handle
        .start_update::<DoMaybeWaitUpdate>(false, UpdateOptions::accepted().id("failing_update"))
        .await
        .map_err(fail)?;
    match failing.result().await {
        Err(UpdateError::Failed { failure, .. }) if failure.root_cause().message == "Dying on purpose" => {}
        other => {
            return Err(format!(
                "expected the update to fail with \"Dying on purpose\", got {other:?}"
            ));
        }
    }
    let timing_out = handle
        .clone()
        .rpc_timeout(Duration::from_secs(1))
        .start_update::<DoMaybeWaitUpdate>(true, UpdateOptions::accepted().id("timeout_update"))
        .await
        .map_err(fail)?;
    match timing_out.result().await {
        Err(UpdateError::Client(ClientError::Rpc { code, .. }))
            if code == tonic::Code::DeadlineExceeded || code == tonic::Code::Cancelled => {}
        other => return Err(format!("expected the wait to time out, got {other:?}")),
    }
    handle.signal::<Unblock>(()).await.map_err(fail)?;
    handle.signal::<Finish>(()).await.map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
