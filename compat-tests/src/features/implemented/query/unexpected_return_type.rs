//! `query/unexpected_return_type`: a query answering a string, read by the caller as an integer,
//! fails on the caller's side with a decoding error naming the query.

use crate::features::support::{fail, start};
use ironflow::client::{Client, QueryError};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Whether `finish` arrived.
pub struct Done {
    be_done: bool,
}

#[ironflow::handlers]
impl Done {
    #[query(name = "q")]
    fn string_q(&self) -> String {
        "hi bob".into()
    }

    #[signal(name = "finish")]
    fn finish_sig(&mut self) {
        self.be_done = true;
    }
}

/// Waits for `finish`.
pub struct UnexpectedReturnType;
impl Workflow for UnexpectedReturnType {
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
    builder.register_workflow::<UnexpectedReturnType>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UnexpectedReturnType>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle =
        start::<UnexpectedReturnType>(&client, &task_queue, "query-unexpected-return-type", ()).await?;
    match handle.query_by_name::<_, i64>("q", ()).await {
        Err(QueryError::Decode { query, .. }) if query == "q" => {}
        other => return Err(format!("expected a decoding error for query `q`, got {other:?}")),
    }
    handle.signal::<FinishSig>(()).await.map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
