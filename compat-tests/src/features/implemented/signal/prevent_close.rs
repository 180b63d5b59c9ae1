//! `signal/prevent_close`: a signal that arrives while the workflow task completing the workflow
//! is in flight keeps the workflow open: the server refuses the completion, the workflow runs
//! again with the signal and returns both values, [1, 2].
//!
//! After the first signal the workflow runs a 1 s local activity (holding its workflow task open)
//! before returning; the test sends the second signal once the activity started.

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

/// Waits for a value, lags, returns every value received.
pub struct PreventClose;
impl Workflow for PreventClose {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = Vec<i64>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<i64>> {
        let state = ctx.state(Values { values: Vec::new() }).register_handlers();
        state.wait(|s| !s.values.is_empty()).await?;
        ctx.local_activity::<Lag>(())
            .start_to_close_timeout(Duration::from_secs(10))
            .await?;
        Ok(state.get(|s| s.values.clone()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<PreventClose>()
        .register_activity(Lag(&STARTED))
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<PreventClose>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    STARTED.clear();
    let handle = start::<PreventClose>(&client, &task_queue, "signal-prevent-close", ()).await?;
    handle.signal::<Add>(1).await.map_err(fail)?;
    wait_for("the lag to start", Duration::from_secs(30), || async {
        !STARTED.get().is_empty()
    })
    .await?;
    handle.signal::<Add>(2).await.map_err(fail)?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != [1, 2] {
        return Err(format!("expected both signals, [1, 2], got {out:?}"));
    }
    // The refused completion's local activity result was not recorded: it ran again.
    if STARTED.get().len() != 2 {
        return Err(format!(
            "expected the lag to run twice (the first completion refused), it ran {} time(s)",
            STARTED.get().len()
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
