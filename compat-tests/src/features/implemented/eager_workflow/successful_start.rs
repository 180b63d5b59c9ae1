//! `eager_workflow/successful_start`: a workflow started eagerly by a client its worker shares
//! gets its first workflow task in the start call's answer (`eager_workflow_task` set, seen as
//! `WorkflowHandle::started_eagerly`) and runs it at once: with a one-hour task timeout, a lost
//! eager task would hang the test instead of being retried. It returns "Hello World".

use crate::features::support::{fail, start_with};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Returns "Hello World".
pub struct HelloWorld;
impl Workflow for HelloWorld {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok("Hello World".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<HelloWorld>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<HelloWorld>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    // The worker registers with the client as it starts; a start before that is a normal one
    // (let it finish and try again, for up to 5 s).
    let mut attempts = 0;
    let handle = loop {
        let handle = start_with::<HelloWorld>(&client, &task_queue, "eager-workflow", (), |o| {
            o.eager_start(true).task_timeout(Duration::from_secs(3600))
        })
        .await?;
        if handle.started_eagerly() {
            break handle;
        }
        handle.get_result().await.map_err(fail)?;
        attempts += 1;
        if attempts == 50 {
            return Err("no start was eager (is system.enableEagerWorkflowStart on?)".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let Ok(out) = tokio::time::timeout(Duration::from_secs(30), handle.get_result()).await else {
        let events = crate::features::support::history_attributes(&handle).await?;
        return Err(format!(
            "the eagerly started workflow did not finish (its eager task was lost); history: {:?}",
            events
                .iter()
                .map(|a| format!("{a:?}").chars().take(60).collect::<String>())
                .collect::<Vec<_>>()
        ));
    };
    let out = out.map_err(fail)?;
    if out != "Hello World" {
        return Err(format!("expected \"Hello World\", got {out:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
