//! `continue_as_new/signals_block_continue_as_new`: a signal that arrives while the workflow task
//! carrying a continue-as-new is in flight makes the server refuse it; the workflow runs again
//! with the signal and continues as new with both values, which the new run returns ([1, 2]).
//!
//! After the first signal the first run holds its workflow task open with a 1 s local activity;
//! the test sends the second signal once the activity started.

use crate::features::support::{Lag, Record, fail, start, wait_for};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

static STARTED: Record = Record::new();

/// The values signalled.
pub struct Values {
    values: Vec<i64>,
}

#[ironflow::handlers]
impl Values {
    #[signal(name = "add")]
    fn add(&mut self, n: i64) {
        self.values.push(n);
    }
}

/// First run (no input): waits for a value, lags, continues as new with every value received.
/// Second run: returns its input.
pub struct SignalsBlockContinueAsNew;
impl Workflow for SignalsBlockContinueAsNew {
    const NAME: &'static str = "Workflow";
    type Input = Option<Vec<i64>>;
    type Output = Vec<i64>;
    async fn run(ctx: WorkflowContext, carried: Option<Vec<i64>>) -> WorkflowResult<Vec<i64>> {
        if let Some(values) = carried {
            return Ok(values);
        }
        let state = ctx.state(Values { values: Vec::new() }).register_handlers();
        state.wait(|s| !s.values.is_empty()).await?;
        ctx.local_activity::<Lag>(())
            .start_to_close_timeout(Duration::from_secs(10))
            .await?;
        Err(ctx.continue_as_new(Some(state.get(|s| s.values.clone()))))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<SignalsBlockContinueAsNew>()
        .register_activity(Lag(&STARTED))
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SignalsBlockContinueAsNew>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    STARTED.clear();
    let handle = start::<SignalsBlockContinueAsNew>(&client, &task_queue, "can-signals-block", None).await?;
    handle.signal::<Add>(1).await.map_err(fail)?;
    wait_for("the lag to start", Duration::from_secs(30), || async {
        !STARTED.get().is_empty()
    })
    .await?;
    handle.signal::<Add>(2).await.map_err(fail)?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != [1, 2] {
        return Err(format!(
            "expected the new run to carry both signals, [1, 2], got {out:?}"
        ));
    }
    if STARTED.get().len() != 2 {
        return Err(format!(
            "expected the continue-as-new to be refused once (the lag runs twice), it ran {} time(s)",
            STARTED.get().len()
        ));
    }
    let first_run = handle.run_id().ok_or("no first run id")?.to_string();
    Ok(vec![
        handle.workflow_id().to_string(),
        format!("{}@{first_run}", handle.workflow_id()),
    ])
}
