//! `local_activity/serial`: three local activities run one after another in one workflow task;
//! its completion records three markers (one `WorkflowTaskCompleted` in the history).

use super::complete_immediately::Echo;
use crate::features::support::{count, fail, history_attributes, local_activity_markers, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Runs three local activities in a row.
pub struct Serial;
impl Workflow for Serial {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = Vec<String>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<String>> {
        let mut out = Vec::new();
        for word in ["one", "two", "three"] {
            out.push(
                ctx.local_activity::<Echo>(word.into())
                    .start_to_close_timeout(Duration::from_secs(10))
                    .await?,
            );
        }
        Ok(out)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Serial>().register_activity(Echo)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Serial>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Serial>(&client, &task_queue, "la-serial", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != ["one", "two", "three"] {
        return Err(format!("expected [one, two, three], got {out:?}"));
    }
    let events = history_attributes(&handle).await?;
    let tasks = count(&events, |a| {
        matches!(a, Attributes::WorkflowTaskCompletedEventAttributes(_))
    });
    let markers = local_activity_markers(&events).len();
    if (tasks, markers) != (1, 3) {
        return Err(format!(
            "expected one workflow task and three markers, got {tasks} and {markers}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
