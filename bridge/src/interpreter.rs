//! The interpreter: an Ironflow workflow that runs native [`WorkflowDefinition`]s on Temporal,
//! making the same decisions the native engine made, so that translated native histories replay
//! against it.
//!
//! It is registered as the worker's catch-all workflow: the workflow type is the definition's
//! name. For each instance it
//!
//! 1. picks the definition version recorded in the memo (`definition_version`), or the newest
//!    registered one (recording it in the memo);
//! 2. records the state in the `LegacyState` search attribute, at the start and at every
//!    transition (so the Web UI shows and searches it; this is how translated histories represent
//!    `StateTransitioned`);
//! 3. in a state with an activity, calls it (by name, with the instance data as input, retried by
//!    Temporal per the state's `max_attempts`) and stores its output under the activity's name,
//!    then moves to `on_success`, or to `on_failure` if it failed for good (without `on_failure`
//!    the workflow fails with the activity's failure);
//! 4. in a state with `on_signal`, waits for the first of those signals, stores its data under the
//!    signal's name and moves to its target;
//! 5. in a terminal state, completes with the data, or fails.
//!
//! Queries: `current_state`, `data`, `definition_version`.
//!
//! Input: the native instance's input, or — for an instance migrated mid-run — an envelope
//! `{"$ironflow_migrated": {"state": ..., "data": ..., "definition_version": ..., "legacy_workflow_id": ...}}`
//! that starts it in the given state with the given data.

use crate::native::{TerminalKind, WorkflowDefinition, initial_data, merge};
use ironflow::client::{Client, ClientError};
use ironflow::converter::SearchAttributeType;
use ironflow::dynamic::DynamicInput;
use ironflow::workflow::QueryDefinition;
use ironflow::{ApplicationError, RetryPolicy, WorkflowContext, WorkflowError, WorkflowResult};
use semver::Version;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// The search attribute holding an instance's state.
pub const STATE_ATTRIBUTE: &str = "LegacyState";
/// The search attribute holding a migrated instance's native id.
pub const LEGACY_ID_ATTRIBUTE: &str = "LegacyWorkflowId";

/// Registers the interpreter's search attributes ([`STATE_ATTRIBUTE`], [`LEGACY_ID_ATTRIBUTE`],
/// both keywords) on the client's namespace where they are missing.
pub async fn ensure_search_attributes(client: &Client) -> Result<(), ClientError> {
    client
        .ensure_search_attributes(&[
            (STATE_ATTRIBUTE, SearchAttributeType::Keyword),
            (LEGACY_ID_ATTRIBUTE, SearchAttributeType::Keyword),
        ])
        .await
        .map(drop)
}
/// The memo field recording the definition version.
pub const VERSION_MEMO: &str = "definition_version";
/// The key of the migration envelope in the input.
pub const MIGRATED_KEY: &str = "$ironflow_migrated";

/// Where a migrated instance resumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigratedStart {
    /// The state it resumes in.
    pub state: String,
    /// Its data.
    pub data: Value,
    /// The definition version it ran.
    pub definition_version: String,
    /// Its native id.
    pub legacy_workflow_id: String,
}

/// Registered definitions, by name and version.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    by_name: HashMap<String, BTreeMap<Version, Arc<WorkflowDefinition>>>,
}

impl Definitions {
    /// The definitions given.
    pub fn new(definitions: impl IntoIterator<Item = WorkflowDefinition>) -> Self {
        let mut d = Self::default();
        for def in definitions {
            d.by_name
                .entry(def.name.clone())
                .or_default()
                .insert(def.version.clone(), Arc::new(def));
        }
        d
    }

    /// A definition: the given version, or the newest.
    pub fn get(&self, name: &str, version: Option<&Version>) -> Option<Arc<WorkflowDefinition>> {
        let versions = self.by_name.get(name)?;
        match version {
            Some(v) => versions.get(v).cloned(),
            None => versions.values().next_back().cloned(),
        }
    }

    /// The names defined.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.by_name.keys().cloned().collect();
        n.sort();
        n
    }
}

struct CurrentState;
impl QueryDefinition for CurrentState {
    const NAME: &'static str = "current_state";
    type Args = ();
    type Result = String;
}

struct Data;
impl QueryDefinition for Data {
    const NAME: &'static str = "data";
    type Args = ();
    type Result = Value;
}

struct DefinitionVersion;
impl QueryDefinition for DefinitionVersion {
    const NAME: &'static str = "definition_version";
    type Args = ();
    type Result = String;
}

/// A running instance: its state, its data, and the definition version it runs.
struct Instance {
    state: String,
    data: Value,
    version: String,
}

fn state_attribute(state: &str) -> ironflow::converter::SearchAttributes {
    [(
        STATE_ATTRIBUTE.to_string(),
        ironflow::converter::SearchAttributeValue::Keyword(state.to_string()),
    )]
    .into()
}

/// The interpreter as a catch-all workflow function: `Worker::builder(..).register_dynamic_workflow(interpreter(defs))`.
pub fn interpreter(
    definitions: Definitions,
) -> impl Fn(WorkflowContext, DynamicInput) -> futures::future::LocalBoxFuture<'static, WorkflowResult<Value>>
+ Send
+ Sync
+ 'static {
    let definitions = Arc::new(definitions);
    move |ctx, input| {
        let definitions = definitions.clone();
        Box::pin(async move { run(ctx, input, &definitions).await })
    }
}

async fn run(ctx: WorkflowContext, input: DynamicInput, definitions: &Definitions) -> WorkflowResult<Value> {
    let name = input.type_name.clone();
    let raw: Value = input.decode()?;
    let migrated: Option<MigratedStart> = raw
        .get(MIGRATED_KEY)
        .map(|m| serde_json::from_value(m.clone()))
        .transpose()
        .map_err(|e| {
            ApplicationError::non_retryable(format!("malformed migration envelope: {e}"))
                .with_type("BadInput")
        })?;
    let recorded = ctx
        .memo()
        .get(VERSION_MEMO)
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| migrated.as_ref().map(|m| m.definition_version.clone()));
    let version = recorded.as_deref().map(Version::parse).transpose().map_err(|e| {
        ApplicationError::non_retryable(format!("bad definition version: {e}")).with_type("BadInput")
    })?;
    let definition = definitions.get(&name, version.as_ref()).ok_or_else(|| {
        ApplicationError::non_retryable(format!(
            "no definition `{name}`{} is registered on this worker; registered: [{}]",
            version
                .as_ref()
                .map(|v| format!(" version {v}"))
                .unwrap_or_default(),
            definitions.names().join(", ")
        ))
        .with_type("UnknownDefinition")
    })?;
    if recorded.is_none() {
        ctx.upsert_memo(
            [(
                VERSION_MEMO.to_string(),
                Value::String(definition.version.to_string()),
            )]
            .into(),
        )?;
    }

    let (start_state, start_data) = match migrated {
        Some(m) => (m.state, m.data),
        None => (definition.initial_state.clone(), initial_data(&raw)),
    };
    let instance = ctx.state(Instance {
        state: start_state,
        data: start_data,
        version: definition.version.to_string(),
    });
    instance
        .on_query::<CurrentState>(|i, ()| i.state.clone())
        .on_query::<Data>(|i, ()| i.data.clone())
        .on_query::<DefinitionVersion>(|i, ()| i.version.clone());

    ctx.upsert_search_attributes(state_attribute(&instance.get(|i| i.state.clone())))?;
    loop {
        let current = instance.get(|i| i.state.clone());
        let Some(spec) = definition.state(&current) else {
            return Err(ApplicationError::non_retryable(format!(
                "state `{current}` is not in definition `{}` {}",
                definition.name, definition.version
            ))
            .with_type("UnknownState")
            .into());
        };
        let next = if let Some(kind) = spec.terminal {
            return match kind {
                TerminalKind::Completed => Ok(instance.get(|i| i.data.clone())),
                TerminalKind::Failed => Err(ApplicationError::non_retryable(format!(
                    "reached the failed state `{current}`"
                ))
                .with_type("WorkflowFailed")
                .into()),
            };
        } else if let Some(activity) = &spec.activity {
            let input = instance.get(|i| i.data.clone());
            let result = ctx
                .activity_by_name::<Value, Value>(activity, input)
                .start_to_close_timeout(spec.timeout())
                .retry_policy(RetryPolicy {
                    max_attempts: spec.max_attempts.unwrap_or(3),
                    initial_interval: Duration::from_secs(1),
                    ..RetryPolicy::default()
                })
                .await;
            match (result, &spec.on_failure) {
                (Ok(output), _) => {
                    instance.update(|i| merge(&mut i.data, activity, output));
                    spec.on_success.clone().unwrap_or_default()
                }
                (Err(_), Some(on_failure)) => on_failure.clone(),
                (Err(e), None) => return Err(WorkflowError::from(e)),
            }
        } else {
            let names: Vec<&str> = spec.on_signal.keys().map(String::as_str).collect();
            let payload = ctx.await_any_signal(&names).await;
            let signal = payload.type_name.clone();
            let value: Value = payload.decode()?;
            instance.update(|i| merge(&mut i.data, &signal, value));
            spec.on_signal.get(&signal).cloned().unwrap_or_default()
        };
        ctx.upsert_search_attributes(state_attribute(&next))?;
        instance.update(|i| i.state = next);
    }
}
