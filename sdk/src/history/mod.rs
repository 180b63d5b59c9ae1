//! Temporal histories: the JSON format the CLI, the Web UI and the other SDKs exchange, and
//! structural validation.
//!
//! ```no_run
//! let history = ironflow::history::read_file("order-42.json")?; // `temporal workflow show -o json`
//! ironflow::history::validate(&history)?;
//! ironflow::history::write_file("copy.json", &history)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod json;
mod validate;
mod wire_json;

pub use json::{
    HistoryJsonError, from_json, from_json_value, read_file, to_json, to_json_reference, to_json_value,
    write_file,
};
pub use temporalio_common::protos::temporal::api::history::v1::{History, HistoryEvent, history_event};
pub use validate::{InvalidHistory, validate};

/// The workflow type and task queue named by the history's first event, if it starts a workflow.
pub fn workflow_type_and_task_queue(history: &History) -> Option<(String, String)> {
    match history.events.first()?.attributes.as_ref()? {
        history_event::Attributes::WorkflowExecutionStartedEventAttributes(a) => Some((
            a.workflow_type.as_ref()?.name.clone(),
            a.task_queue.as_ref()?.name.clone(),
        )),
        _ => None,
    }
}
