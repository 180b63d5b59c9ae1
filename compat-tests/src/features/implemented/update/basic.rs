//! `update/basic`: an update marks the workflow done and returns "updated"; the workflow then
//! returns "Hello, World!".

use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Whether the update arrived.
pub struct Done {
    am_done: bool,
}

#[ironflow::handlers]
impl Done {
    #[update(name = "do_update")]
    fn do_update(&mut self) -> String {
        self.am_done = true;
        "updated".into()
    }
}

/// Waits for the update.
pub struct UpdateBasic;
impl Workflow for UpdateBasic {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(Done { am_done: false }).register_handlers();
        state.wait(|s| s.am_done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<UpdateBasic>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<UpdateBasic>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("update-basic");
    let handle = client
        .start_workflow::<UpdateBasic>((), StartWorkflowOptions::new(&id, &task_queue))
        .await
        .map_err(|e| e.to_string())?;
    let updated: String = handle
        .update_by_name("do_update", (), None)
        .await
        .map_err(|e| e.to_string())?;
    if updated != "updated" {
        return Err(format!("the update returned {updated:?}, expected \"updated\""));
    }
    let out = handle.get_result().await.map_err(|e| e.to_string())?;
    if out != "Hello, World!" {
        return Err(format!("expected \"Hello, World!\", got {out:?}"));
    }
    Ok(vec![id])
}
