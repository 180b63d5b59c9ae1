//! `data_converter/json`: a workflow returns its argument `{"spec": true}`; the result payload in
//! the history is `json/plain` whose data parses to the result, and equals the argument payload.

use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::collections::BTreeMap;

type Spec = BTreeMap<String, bool>;

/// Returns its argument.
pub struct Echo;
impl Workflow for Echo {
    const NAME: &'static str = "Workflow";
    type Input = Spec;
    type Output = Spec;
    async fn run(_ctx: WorkflowContext, res: Spec) -> WorkflowResult<Spec> {
        Ok(res)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Echo>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Echo>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let id = crate::unique("data-converter-json");
    let expected: Spec = BTreeMap::from([("spec".to_string(), true)]);
    let handle = client
        .start_workflow::<Echo>(expected.clone(), StartWorkflowOptions::new(&id, &task_queue))
        .await
        .map_err(|e| e.to_string())?;
    let result = handle.get_result().await.map_err(|e| e.to_string())?;
    if result != expected {
        return Err(format!("expected {expected:?}, got {result:?}"));
    }
    let history = handle.fetch_history().await.map_err(|e| e.to_string())?;
    let mut argument = None;
    let mut returned = None;
    for event in &history.events {
        match &event.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
                argument = a.input.as_ref().and_then(|p| p.payloads.first().cloned())
            }
            Some(Attributes::WorkflowExecutionCompletedEventAttributes(a)) => {
                returned = a.result.as_ref().and_then(|p| p.payloads.first().cloned())
            }
            _ => {}
        }
    }
    let returned = returned.ok_or("the history has no result payload")?;
    let encoding = returned
        .metadata
        .get("encoding")
        .map(|e| String::from_utf8_lossy(e).into_owned());
    if encoding.as_deref() != Some("json/plain") {
        return Err(format!(
            "the result payload's encoding is {encoding:?}, expected json/plain"
        ));
    }
    let in_history: Spec =
        serde_json::from_slice(&returned.data).map_err(|e| format!("the result payload: {e}"))?;
    if in_history != expected {
        return Err(format!("the result payload holds {in_history:?}"));
    }
    if argument.as_ref() != Some(&returned) {
        return Err(format!(
            "the argument payload {argument:?} differs from the result payload {returned:?}"
        ));
    }
    Ok(vec![id])
}
