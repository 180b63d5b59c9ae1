//! `data_converter/empty`: a null value is a `binary/null` payload. A workflow calls an activity
//! with a null (`None`) argument; the activity checks it got none; the argument payload in
//! `ActivityTaskScheduled` equals upstream's `payload.json` (encoding `binary/null`, no data).

use crate::features::support::{fail, history_attributes, start};
use ironflow::client::Client;
use ironflow::converter::Payload;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Fails unless its input is null.
pub struct NullActivity;
impl ActivityDefinition for NullActivity {
    const NAME: &'static str = "null_activity";
    type Input = Option<String>;
    type Output = ();
}
impl Activity for NullActivity {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, input: Option<String>) -> Result<(), ApplicationError> {
        match input {
            None => Ok(()),
            Some(s) => Err(ApplicationError::non_retryable(format!(
                "Activity input should be None, got {s:?}"
            ))),
        }
    }
}

/// Calls the activity with a null argument.
pub struct Empty;
impl Workflow for Empty {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        ctx.activity::<NullActivity>(None)
            .start_to_close_timeout(Duration::from_secs(60))
            .await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<Empty>()
        .register_activity(NullActivity)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Empty>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start::<Empty>(&client, &task_queue, "data-converter-empty", ()).await?;
    handle.get_result().await.map_err(fail)?;
    let argument = history_attributes(&handle)
        .await?
        .into_iter()
        .find_map(|a| match a {
            Attributes::ActivityTaskScheduledEventAttributes(s) => {
                s.input.and_then(|p| p.payloads.into_iter().next())
            }
            _ => None,
        })
        .ok_or("no activity argument in the history")?;
    // Upstream's payload.json: { "metadata": { "encoding": "YmluYXJ5L251bGw=" } }
    let upstream = Payload {
        metadata: [("encoding".to_string(), b"binary/null".to_vec())].into(),
        ..Payload::default()
    };
    if argument != upstream {
        return Err(format!(
            "the activity's argument payload {argument:?} is not upstream's {upstream:?}"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
