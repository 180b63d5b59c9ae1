//! `query/unexpected_query_type_name`: a query with no handler fails with a query-failed error
//! (the workflow keeps running); a `finish` signal then ends the workflow.

use ironflow::client::{Client, QueryError, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Whether to finish.
pub struct FinishState {
    be_done: bool,
}

#[ironflow::handlers]
impl FinishState {
    #[signal(name = "finish")]
    fn finish(&mut self) {
        self.be_done = true;
    }
}

/// Waits until finished.
pub struct UnexpectedQuery;
impl Workflow for UnexpectedQuery {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let state = ctx.state(FinishState { be_done: false }).register_handlers();
        state.wait(|s| s.be_done).await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<UnexpectedQuery>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UnexpectedQuery>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("unexpected-query");
    let handle = client
        .start_workflow::<UnexpectedQuery>((), StartWorkflowOptions::new(&id, &task_queue))
        .await
        .map_err(|e| e.to_string())?;
    match handle
        .query_by_name::<_, serde_json::Value>("nonexistent", ())
        .await
    {
        Err(QueryError::Failed { .. }) => {}
        other => {
            return Err(format!(
                "a query with no handler must fail as a failed query, got {other:?}"
            ));
        }
    }
    handle
        .signal_by_name("finish", ())
        .await
        .map_err(|e| e.to_string())?;
    handle.get_result().await.map_err(|e| e.to_string())?;
    Ok(vec![id])
}
