//! The seed's `StateRebuilder`: an instance's state, rebuilt from its events, and the checks
//! every consumer of an event log relies on (dense sequences, one start, nothing after the
//! end, no completion without a start).

use super::event::{SequencedEvent, WorkflowEvent};
use super::store::{EventStore, EventStoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Where an instance is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceStatus {
    /// Still running (waiting for an activity or a signal).
    Running,
    /// Completed.
    Completed,
    /// Failed.
    Failed,
}

/// An activity started and not finished yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingActivity {
    /// The activity name.
    pub name: String,
    /// Its input.
    pub input: Value,
    /// How many times it was started (retries included).
    pub attempts: u32,
    /// The error of the last failed attempt, if the last attempt failed and no retry started.
    pub last_error: Option<String>,
    /// False between a failed attempt and its retry.
    pub running: bool,
}

/// A native instance, rebuilt from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowInstance {
    /// The instance id.
    pub workflow_id: String,
    /// The workflow (definition) name.
    pub workflow_name: String,
    /// Running, completed or failed.
    pub status: InstanceStatus,
    /// The state-machine state: the last transition's target, else the definition's initial
    /// state when known.
    pub current_state: Option<String>,
    /// Activities started and not finished.
    pub pending_activities: Vec<PendingActivity>,
    /// The data: the input, then activity outputs and signal data under their names.
    pub data: Value,
    /// The output, once completed.
    pub output: Option<Value>,
    /// The error, once failed.
    pub error: Option<String>,
    /// The sequence number of the last event.
    pub last_sequence: u64,
    /// When it started (Unix ms).
    pub started_at: i64,
    /// When its last event happened (Unix ms).
    pub updated_at: i64,
}

impl WorkflowInstance {
    /// The activity in flight, if exactly one is.
    pub fn pending_activity(&self) -> Option<&PendingActivity> {
        match self.pending_activities.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// An event log that breaks the engine's rules, naming the event's sequence number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("workflow `{workflow_id}`, event #{sequence} ({kind}): {message}")]
pub struct EventLogError {
    /// The workflow.
    pub workflow_id: String,
    /// The offending event's sequence number.
    pub sequence: u64,
    /// Its kind.
    pub kind: String,
    /// What is wrong.
    pub message: String,
}

/// Why an instance could not be rebuilt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateRebuildError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] EventStoreError),
    /// The log breaks the rules.
    #[error(transparent)]
    Log(#[from] EventLogError),
    /// No events for this id.
    #[error("no events for workflow `{0}`")]
    UnknownWorkflow(String),
}

/// Merges a value into the instance data under `key` (the data becomes an object if needed).
pub(crate) fn merge(data: &mut Value, key: &str, value: Value) {
    if !data.is_object() {
        let previous = std::mem::take(data);
        *data = serde_json::json!({ "input": previous });
    }
    if let Some(map) = data.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

/// The initial data of an instance: its input if that is an object, else `{"input": input}`.
pub(crate) fn initial_data(input: &Value) -> Value {
    if input.is_object() {
        input.clone()
    } else {
        serde_json::json!({ "input": input })
    }
}

/// Rebuilds an instance from its sequenced events, checking the log as it goes.
/// `initial_state` (from the definition) is the state before any transition.
pub fn rebuild(
    events: &[SequencedEvent],
    initial_state: Option<&str>,
) -> Result<WorkflowInstance, EventLogError> {
    walk(events, initial_state, Values::Keep)
}

/// Checks a log as [`rebuild`] does (same errors, naming the same event) without copying any
/// input, output or data: what translation needs, at a fraction of the cost.
pub fn check_log(events: &[SequencedEvent], initial_state: Option<&str>) -> Result<(), EventLogError> {
    walk(events, initial_state, Values::Skip).map(drop)
}

/// Whether a walk over the log keeps the JSON values (inputs, outputs, data) it meets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Values {
    Keep,
    Skip,
}

impl Values {
    fn of(self, v: &Value) -> Value {
        match self {
            Self::Keep => v.clone(),
            Self::Skip => Value::Null,
        }
    }
}

fn walk(
    events: &[SequencedEvent],
    initial_state: Option<&str>,
    values: Values,
) -> Result<WorkflowInstance, EventLogError> {
    let Some(first) = events.first() else {
        return Err(EventLogError {
            workflow_id: String::new(),
            sequence: 0,
            kind: "none".into(),
            message: "the log is empty".into(),
        });
    };
    let owner = first.event.workflow_id().to_string();
    let err = |e: &SequencedEvent, message: String| EventLogError {
        workflow_id: owner.clone(),
        sequence: e.sequence,
        kind: e.event.kind().into(),
        message,
    };
    let mut instance: Option<WorkflowInstance> = None;
    for (expected, e) in (first.sequence.max(1)..).zip(events) {
        if e.sequence != expected {
            return Err(err(e, format!("sequence gap: expected #{expected}")));
        }
        if e.event.workflow_id() != owner {
            return Err(err(
                e,
                format!("belongs to workflow `{}`, not `{owner}`", e.event.workflow_id()),
            ));
        }
        let Some(inst) = instance.as_mut() else {
            let WorkflowEvent::WorkflowStarted {
                workflow_name,
                input,
                timestamp,
                ..
            } = &e.event
            else {
                return Err(err(e, "the first event must be WorkflowStarted".into()));
            };
            instance = Some(WorkflowInstance {
                workflow_id: owner.clone(),
                workflow_name: workflow_name.clone(),
                status: InstanceStatus::Running,
                current_state: initial_state.map(str::to_string),
                pending_activities: Vec::new(),
                data: if values == Values::Keep {
                    initial_data(input)
                } else {
                    Value::Null
                },
                output: None,
                error: None,
                last_sequence: e.sequence,
                started_at: *timestamp,
                updated_at: *timestamp,
            });
            continue;
        };
        if inst.status != InstanceStatus::Running {
            return Err(err(
                e,
                format!("comes after the workflow ended (#{})", inst.last_sequence),
            ));
        }
        match &e.event {
            WorkflowEvent::WorkflowStarted { .. } => {
                return Err(err(e, "the workflow was already started".into()));
            }
            WorkflowEvent::ActivityStarted {
                activity_name, input, ..
            } => match inst
                .pending_activities
                .iter_mut()
                .find(|p| &p.name == activity_name && !p.running)
            {
                // A retry after a failure: the same pending activity, one more attempt.
                Some(p) => {
                    p.attempts += 1;
                    p.running = true;
                    p.input = values.of(input);
                }
                None => inst.pending_activities.push(PendingActivity {
                    name: activity_name.clone(),
                    input: values.of(input),
                    attempts: 1,
                    last_error: None,
                    running: true,
                }),
            },
            WorkflowEvent::ActivityCompleted {
                activity_name,
                output,
                ..
            } => {
                let pos = inst
                    .pending_activities
                    .iter()
                    .position(|p| &p.name == activity_name && p.running)
                    .ok_or_else(|| {
                        err(
                            e,
                            format!("activity `{activity_name}` completed but was not started"),
                        )
                    })?;
                inst.pending_activities.remove(pos);
                if values == Values::Keep {
                    merge(&mut inst.data, activity_name, output.clone());
                }
            }
            WorkflowEvent::ActivityFailed {
                activity_name, error, ..
            } => {
                let p = inst
                    .pending_activities
                    .iter_mut()
                    .find(|p| &p.name == activity_name && p.running)
                    .ok_or_else(|| {
                        err(
                            e,
                            format!("activity `{activity_name}` failed but was not started"),
                        )
                    })?;
                // Kept (not running) until a retry starts it again; a transition or the
                // workflow's end closes it.
                p.running = false;
                p.last_error = Some(error.clone());
                inst.error = Some(error.clone());
            }
            WorkflowEvent::SignalReceived {
                signal_name, data, ..
            } => {
                if values == Values::Keep {
                    merge(&mut inst.data, signal_name, data.clone());
                }
            }
            WorkflowEvent::StateTransitioned { to_state, .. } => {
                inst.pending_activities.retain(|p| p.running);
                inst.error = None;
                inst.current_state = Some(to_state.clone());
            }
            WorkflowEvent::WorkflowCompleted { output, .. } => {
                inst.pending_activities.clear();
                // A failed attempt before the end is history, not the instance's error.
                inst.error = None;
                inst.status = InstanceStatus::Completed;
                inst.output = Some(values.of(output));
            }
            WorkflowEvent::WorkflowFailed { error, .. } => {
                inst.pending_activities.clear();
                inst.status = InstanceStatus::Failed;
                inst.error = Some(error.clone());
            }
        }
        inst.last_sequence = e.sequence;
        inst.updated_at = e.event.timestamp();
    }
    instance.ok_or_else(|| EventLogError {
        workflow_id: owner,
        sequence: 0,
        kind: "none".into(),
        message: "no WorkflowStarted".into(),
    })
}

/// The seed's `StateRebuilder`: rebuilds instances from an [`EventStore`].
pub struct StateRebuilder {
    event_store: Arc<dyn EventStore>,
}

impl StateRebuilder {
    /// A rebuilder over a store.
    pub fn new(event_store: Arc<dyn EventStore>) -> Self {
        Self { event_store }
    }

    /// Rebuilds one instance (the seed's `rebuild_state`).
    pub async fn rebuild_state(&self, workflow_id: &str) -> Result<WorkflowInstance, StateRebuildError> {
        self.rebuild_with_initial_state(workflow_id, None).await
    }

    /// Rebuilds one instance, knowing its definition's initial state.
    pub async fn rebuild_with_initial_state(
        &self,
        workflow_id: &str,
        initial_state: Option<&str>,
    ) -> Result<WorkflowInstance, StateRebuildError> {
        let events = self.event_store.get_sequenced_events(workflow_id, 1).await?;
        if events.is_empty() {
            return Err(StateRebuildError::UnknownWorkflow(workflow_id.to_string()));
        }
        Ok(rebuild(&events, initial_state)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(events: Vec<WorkflowEvent>) -> Vec<SequencedEvent> {
        SequencedEvent::numbered(events, 1)
    }

    fn started() -> WorkflowEvent {
        WorkflowEvent::WorkflowStarted {
            workflow_id: "o".into(),
            workflow_name: "order".into(),
            input: serde_json::json!({"amount": 5}),
            timestamp: 1,
        }
    }

    fn act(kind: &str, name: &str) -> WorkflowEvent {
        let (workflow_id, activity_name, timestamp) = ("o".to_string(), name.to_string(), 2);
        match kind {
            "start" => WorkflowEvent::ActivityStarted {
                workflow_id,
                activity_name,
                input: serde_json::json!({}),
                timestamp,
            },
            "done" => WorkflowEvent::ActivityCompleted {
                workflow_id,
                activity_name,
                output: serde_json::json!("ok"),
                timestamp,
            },
            _ => WorkflowEvent::ActivityFailed {
                workflow_id,
                activity_name,
                error: "boom".into(),
                timestamp,
            },
        }
    }

    #[test]
    fn rebuilds_state_data_and_pending_activity_with_retries() {
        let events = seq(vec![
            started(),
            act("start", "reserve"),
            act("done", "reserve"),
            WorkflowEvent::StateTransitioned {
                workflow_id: "o".into(),
                from_state: "reserving".into(),
                to_state: "charging".into(),
                timestamp: 3,
            },
            act("start", "charge"),
            act("fail", "charge"),
            act("start", "charge"),
            act("fail", "charge"),
            act("start", "charge"),
        ]);
        let i = rebuild(&events, Some("reserving")).unwrap();
        assert_eq!(i.status, InstanceStatus::Running);
        assert_eq!(i.current_state.as_deref(), Some("charging"));
        assert_eq!(i.data, serde_json::json!({"amount": 5, "reserve": "ok"}));
        let p = i.pending_activity().unwrap();
        assert_eq!((p.name.as_str(), p.attempts, p.running), ("charge", 3, true));
        assert_eq!(i.last_sequence, 9);
    }

    #[test]
    fn bad_logs_name_the_sequence_number() {
        let e = rebuild(&seq(vec![started(), act("done", "reserve")]), None).unwrap_err();
        assert_eq!(e.sequence, 2);
        assert!(e.message.contains("completed but was not started"), "{e}");
        let mut gap = seq(vec![started(), act("start", "a")]);
        gap[1].sequence = 3;
        assert!(
            rebuild(&gap, None)
                .unwrap_err()
                .to_string()
                .contains("#3 (ActivityStarted): sequence gap")
        );
        let after = seq(vec![
            started(),
            WorkflowEvent::WorkflowFailed {
                workflow_id: "o".into(),
                error: "x".into(),
                timestamp: 2,
            },
            act("start", "a"),
        ]);
        assert!(
            rebuild(&after, None)
                .unwrap_err()
                .message
                .contains("after the workflow ended")
        );
        let other = seq(vec![
            started(),
            WorkflowEvent::SignalReceived {
                workflow_id: "p".into(),
                signal_name: "s".into(),
                data: Value::Null,
                timestamp: 2,
            },
        ]);
        assert!(
            rebuild(&other, None)
                .unwrap_err()
                .message
                .contains("belongs to workflow `p`")
        );
        assert!(
            rebuild(&seq(vec![act("start", "a")]), None)
                .unwrap_err()
                .message
                .contains("first event")
        );
        // `check_log` (what translation uses) refuses exactly the same logs, naming the same event.
        for bad in [gap, after, other, seq(vec![started(), act("done", "reserve")])] {
            assert_eq!(
                check_log(&bad, None).unwrap_err().to_string(),
                rebuild(&bad, None).unwrap_err().to_string()
            );
        }
    }
}
