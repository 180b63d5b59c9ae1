//! `query/unexpected_arguments`: a query whose handler takes one integer is rejected when sent an
//! argument of the wrong type, an extra argument, or no argument (Ironflow decodes query arguments
//! by the handler's type, so all three are refused); a right call answers "hi 123".

use crate::features::support::{fail, start};
use ironflow::client::{Client, QueryError};
use ironflow::converter::Args;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Whether `finish` arrived.
pub struct Done {
    be_done: bool,
}

#[ironflow::handlers]
impl Done {
    #[query(name = "the_query")]
    fn the_query(&self, arg: i64) -> String {
        format!("hi {arg}")
    }

    #[signal(name = "finish")]
    fn finish_sig(&mut self) {
        self.be_done = true;
    }
}

/// Waits for `finish`.
pub struct UnexpectedArguments;
impl Workflow for UnexpectedArguments {
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
    builder.register_workflow::<UnexpectedArguments>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UnexpectedArguments>()
}

fn rejected<T: std::fmt::Debug>(what: &str, result: Result<T, QueryError>) -> Result<(), String> {
    match result {
        Err(QueryError::Failed { .. }) => Ok(()),
        other => Err(format!(
            "{what}: expected the query to be rejected, got {other:?}"
        )),
    }
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<UnexpectedArguments>(&client, &task_queue, "query-unexpected-arguments", ()).await?;
    let ok: String = handle.query_by_name("the_query", 123).await.map_err(fail)?;
    if ok != "hi 123" {
        return Err(format!("expected \"hi 123\", got {ok:?}"));
    }
    rejected(
        "wrong type",
        handle.query_by_name::<_, String>("the_query", true).await,
    )?;
    rejected(
        "extra argument",
        handle
            .query_by_name::<_, String>("the_query", Args((123, true)))
            .await,
    )?;
    rejected(
        "no argument",
        handle.query_by_name::<_, String>("the_query", ()).await,
    )?;
    handle.signal::<FinishSig>(()).await.map_err(fail)?;
    handle.get_result().await.map_err(fail)?;
    Ok(vec![handle.workflow_id().to_string()])
}
