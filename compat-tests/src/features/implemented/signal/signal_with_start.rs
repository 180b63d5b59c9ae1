//! `signal/signal_with_start`: signal-with-start on a workflow id that does not exist starts the
//! workflow and delivers the signal first (the event after `WorkflowExecutionStarted` is the
//! signal); on a running workflow it only delivers the signal (same run).

use crate::features::support::{fail, history_attributes};
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// The sum of the signals received.
pub struct Sum {
    total: i64,
    signals: u32,
}

#[ironflow::handlers]
impl Sum {
    #[signal(name = "add")]
    fn add(&mut self, n: i64) {
        self.total += n;
        self.signals += 1;
    }
}

/// Starts with a value, adds the signals, returns after two.
pub struct SignalWithStart;
impl Workflow for SignalWithStart {
    const NAME: &'static str = "Workflow";
    type Input = i64;
    type Output = i64;
    async fn run(ctx: WorkflowContext, start: i64) -> WorkflowResult<i64> {
        let state = ctx
            .state(Sum {
                total: start,
                signals: 0,
            })
            .register_handlers();
        state.wait(|s| s.signals >= 2).await?;
        Ok(state.get(|s| s.total))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<SignalWithStart>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SignalWithStart>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("signal-with-start");
    let options = StartWorkflowOptions::new(&id, &task_queue);
    let first = client
        .signal_with_start::<SignalWithStart, Add>(1, 10, options.clone())
        .await
        .map_err(fail)?;
    let second = client
        .signal_with_start::<SignalWithStart, Add>(1000, 100, options)
        .await
        .map_err(fail)?;
    if first.run_id() != second.run_id() {
        return Err("the second signal-with-start started another run".into());
    }
    let out = first.get_result().await.map_err(fail)?;
    if out != 111 {
        return Err(format!("expected 1 + 10 + 100 = 111, got {out}"));
    }
    let events = history_attributes(&first).await?;
    if !matches!(
        events.get(1),
        Some(Attributes::WorkflowExecutionSignaledEventAttributes(_))
    ) {
        return Err("the event after WorkflowExecutionStarted is not the signal".into());
    }
    Ok(vec![id])
}
