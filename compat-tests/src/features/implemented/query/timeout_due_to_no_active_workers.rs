//! `query/timeout_due_to_no_active_workers`: with no worker polling, a query given a 1 s RPC
//! deadline fails with `DEADLINE_EXCEEDED` (or `CANCELLED`, whichever side gives up first); a new
//! worker then finishes the workflow.

use crate::features::support::{fail, start};
use ironflow::Worker;
use ironflow::client::{Client, ClientError, QueryError};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Whether `finish` arrived.
pub struct Done {
    be_done: bool,
}

#[ironflow::handlers]
impl Done {
    #[query(name = "simple_query")]
    fn simple_query(&self) -> bool {
        true
    }

    #[signal(name = "finish")]
    fn finish_sig(&mut self) {
        self.be_done = true;
    }
}

/// Waits for `finish`.
pub struct NoActiveWorkers;
impl Workflow for NoActiveWorkers {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let state = ctx.state(Done { be_done: false }).register_handlers();
        state.wait(|s| s.be_done).await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<NoActiveWorkers>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NoActiveWorkers>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<NoActiveWorkers>(&client, &task_queue, "query-no-active-workers", ()).await?;
    // A first worker answers once, then stops.
    let answered = register(Worker::builder(&client, &task_queue))
        .build()
        .map_err(fail)?
        .run_until(handle.query::<SimpleQuery>(()))
        .await
        .map_err(fail)?
        .map_err(fail)?;
    if !answered {
        return Err("the query answered false".into());
    }
    let timed = handle.clone().rpc_timeout(Duration::from_secs(1));
    match timed.query::<SimpleQuery>(()).await {
        Err(QueryError::Client(ClientError::Rpc { code, .. }))
            if code == tonic::Code::DeadlineExceeded || code == tonic::Code::Cancelled => {}
        other => return Err(format!("expected DEADLINE_EXCEEDED or CANCELLED, got {other:?}")),
    }
    register(Worker::builder(&client, &task_queue))
        .build()
        .map_err(fail)?
        .run_until(async {
            handle.signal::<FinishSig>(()).await?;
            handle
                .get_result()
                .await
                .map_err(|e| ClientError::InvalidOptions(e.to_string()))
        })
        .await
        .map_err(fail)?
        .map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
