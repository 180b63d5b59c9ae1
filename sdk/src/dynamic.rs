//! Dynamic (catch-all) workflows and activities: one handler for every type name that has no
//! registered implementation, receiving the name and the raw payloads. Useful for routers,
//! proxies and interpreters of workflow definitions. (The official Rust SDK has no equivalent.)
//!
//! ```
//! use ironflow::dynamic::DynamicInput;
//! use ironflow::{WorkflowContext, WorkflowResult};
//!
//! async fn any_workflow(_ctx: WorkflowContext, input: DynamicInput) -> WorkflowResult<serde_json::Value> {
//!     let args: serde_json::Value = input.decode()?;
//!     Ok(serde_json::json!({ "type": input.type_name, "echo": args }))
//! }
//! // Worker::builder(&client, "q").register_dynamic_workflow(any_workflow)
//! ```

use crate::converter::{Payload, PayloadError, from_payloads};
use serde::de::DeserializeOwned;

/// The type name and raw input of a dynamic workflow or activity.
#[derive(Debug, Clone)]
pub struct DynamicInput {
    /// The workflow or activity type requested.
    pub type_name: String,
    /// The arguments, as sent.
    pub payloads: Vec<Payload>,
}

impl DynamicInput {
    /// Decodes the arguments (none → `null`, one → itself, several → an array).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        from_payloads(&self.payloads)
    }
}
