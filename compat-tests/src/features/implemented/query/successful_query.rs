//! `query/successful_query`: a query reads a counter that signals increment: 0, then 1 after one
//! signal, then 4 after three more; a `finish` signal ends the workflow.

use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// The counter and whether to finish.
pub struct Counter {
    counter: u32,
    be_done: bool,
}

#[ironflow::handlers]
impl Counter {
    #[query(name = "get_counter")]
    fn get_counter(&self) -> u32 {
        self.counter
    }
    #[signal(name = "inc_counter")]
    fn inc_counter(&mut self) {
        self.counter += 1;
    }
    #[signal(name = "finish")]
    fn finish(&mut self) {
        self.be_done = true;
    }
}

/// Waits until finished.
pub struct SuccessfulQuery;
impl Workflow for SuccessfulQuery {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let state = ctx
            .state(Counter {
                counter: 0,
                be_done: false,
            })
            .register_handlers();
        state.wait(|s| s.be_done).await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<SuccessfulQuery>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SuccessfulQuery>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("successful-query");
    let handle = client
        .start_workflow::<SuccessfulQuery>((), StartWorkflowOptions::new(&id, &task_queue))
        .await
        .map_err(|e| e.to_string())?;
    let query = || async {
        handle
            .query_by_name::<_, u32>("get_counter", ())
            .await
            .map_err(|e| e.to_string())
    };
    let signal = |name: &'static str| {
        let handle = &handle;
        async move { handle.signal_by_name(name, ()).await.map_err(|e| e.to_string()) }
    };
    let expect = |got: u32, want: u32| {
        if got == want {
            Ok(())
        } else {
            Err(format!("get_counter answered {got}, expected {want}"))
        }
    };
    expect(query().await?, 0)?;
    signal("inc_counter").await?;
    expect(query().await?, 1)?;
    for _ in 0..3 {
        signal("inc_counter").await?;
    }
    expect(query().await?, 4)?;
    signal("finish").await?;
    handle.get_result().await.map_err(|e| e.to_string())?;
    Ok(vec![id])
}
