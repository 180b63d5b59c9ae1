//! A Temporal history → native events: the reverse of [`super::to_temporal`], for exporting
//! Temporal runs into a native store. Histories written by [`super::to_history`] come back
//! exactly (every field of every native event, retries and their times included); histories of
//! real runs map what the native model can express:
//!
//! | Temporal | native |
//! |---|---|
//! | `WorkflowExecutionStarted` | `WorkflowStarted` |
//! | `ActivityTaskScheduled` | `ActivityStarted` |
//! | `ActivityTaskStarted` with `attempt = N` and `lastFailure` | N−1 × (`ActivityFailed`, `ActivityStarted`) before it |
//! | `ActivityTaskCompleted` / `Failed` / `TimedOut` / `Canceled` | `ActivityCompleted` / `ActivityFailed` |
//! | `WorkflowExecutionSignaled` | `SignalReceived` |
//! | `UpsertWorkflowSearchAttributes` of the state attribute | `StateTransitioned` (the first one, at start, only sets the state) |
//! | `WorkflowExecutionCompleted` | `WorkflowCompleted` |
//! | `WorkflowExecutionFailed` / `TimedOut` / `Canceled` / `Terminated` | `WorkflowFailed` (the error says which) |
//! | `WorkflowExecutionContinuedAsNew` | `WorkflowCompleted` with output `{"continued_as_new_run_id": ...}` |
//!
//! Workflow-task events, markers, timers and children have no native counterpart and are skipped.

use super::to_temporal::{StateRepresentation, millis};
use crate::native::WorkflowEvent;
use ironflow::converter::{Failure, FailureKind, Payloads, SearchAttributeValue, from_payloads};
use ironflow::history::{History, history_event::Attributes};
use serde_json::Value;
use std::collections::HashMap;

/// A history that cannot be exported, naming the Temporal event.
#[derive(Debug, Clone, thiserror::Error)]
#[error("history event {event_id}: {message}")]
pub struct ExportError {
    /// The Temporal event id.
    pub event_id: i64,
    /// What is wrong.
    pub message: String,
}

fn decode(p: &Option<Payloads>, event_id: i64) -> Result<Value, ExportError> {
    let list = p.as_ref().map(|p| p.payloads.as_slice()).unwrap_or_default();
    from_payloads(list).map_err(|e| ExportError {
        event_id,
        message: e.to_string(),
    })
}

/// The native events of a history. `workflow_id` is used when the start event does not record
/// one; `states` says which search attribute carries the state machine's state, and
/// `initial_state` (the definition's) lets the first transition name the state it left. The
/// interpreter's upsert of the initial state at start is not a transition.
pub fn from_history(
    history: &History,
    workflow_id: &str,
    states: &StateRepresentation,
    initial_state: Option<&str>,
) -> Result<Vec<WorkflowEvent>, ExportError> {
    let mut out = Vec::new();
    let mut wf = workflow_id.to_string();
    let mut scheduled: HashMap<i64, (String, Value)> = HashMap::new();
    let mut state: Option<String> = initial_state.map(str::to_string);
    let mut start_upsert_pending = initial_state.is_some();
    for e in &history.events {
        if matches!(
            e.attributes,
            Some(
                Attributes::ActivityTaskScheduledEventAttributes(_)
                    | Attributes::WorkflowExecutionSignaledEventAttributes(_)
            )
        ) {
            start_upsert_pending = false;
        }
        let ts = millis(e.event_time);
        let id = e.event_id;
        let Some(attributes) = &e.attributes else { continue };
        match attributes {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => {
                if !a.workflow_id.is_empty() {
                    wf = a.workflow_id.clone();
                }
                out.push(WorkflowEvent::WorkflowStarted {
                    workflow_id: wf.clone(),
                    workflow_name: a
                        .workflow_type
                        .as_ref()
                        .map(|t| t.name.clone())
                        .unwrap_or_default(),
                    input: decode(&a.input, id)?,
                    timestamp: ts,
                });
            }
            Attributes::ActivityTaskScheduledEventAttributes(a) => {
                let name = a
                    .activity_type
                    .as_ref()
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                let input = decode(&a.input, id)?;
                out.push(WorkflowEvent::ActivityStarted {
                    workflow_id: wf.clone(),
                    activity_name: name.clone(),
                    input: input.clone(),
                    timestamp: ts,
                });
                scheduled.insert(id, (name, input));
            }
            Attributes::ActivityTaskStartedEventAttributes(a) => {
                let Some((name, input)) = scheduled.get(&a.scheduled_event_id).cloned() else {
                    return Err(ExportError {
                        event_id: id,
                        message: format!(
                            "scheduledEventId {} is not a scheduled activity",
                            a.scheduled_event_id
                        ),
                    });
                };
                // Earlier attempts: the failure chain, newest first; replay them oldest first.
                let chain: Vec<Failure> = a
                    .last_failure
                    .as_ref()
                    .map(|f| Failure::from_proto(f).chain().cloned().collect())
                    .unwrap_or_default();
                let retries = (a.attempt.max(1) - 1) as usize;
                for k in (0..retries).rev() {
                    let link = chain.get(k);
                    let times = link.and_then(|l| match &l.kind {
                        FailureKind::Application { details, .. } if !details.is_empty() => {
                            from_payloads::<Value>(details).ok()
                        }
                        _ => None,
                    });
                    let failed_at = times.as_ref().and_then(|t| t["failed_at"].as_i64()).unwrap_or(ts);
                    let restarted_at = times
                        .as_ref()
                        .and_then(|t| t["restarted_at"].as_i64())
                        .unwrap_or(ts);
                    out.push(WorkflowEvent::ActivityFailed {
                        workflow_id: wf.clone(),
                        activity_name: name.clone(),
                        error: link
                            .map(|l| l.message.clone())
                            .unwrap_or_else(|| "attempt failed".into()),
                        timestamp: failed_at,
                    });
                    out.push(WorkflowEvent::ActivityStarted {
                        workflow_id: wf.clone(),
                        activity_name: name.clone(),
                        input: input.clone(),
                        timestamp: restarted_at,
                    });
                }
            }
            Attributes::ActivityTaskCompletedEventAttributes(a) => {
                let name = scheduled
                    .get(&a.scheduled_event_id)
                    .map(|s| s.0.clone())
                    .unwrap_or_default();
                out.push(WorkflowEvent::ActivityCompleted {
                    workflow_id: wf.clone(),
                    activity_name: name,
                    output: decode(&a.result, id)?,
                    timestamp: ts,
                });
            }
            Attributes::ActivityTaskFailedEventAttributes(a) => {
                let name = scheduled
                    .get(&a.scheduled_event_id)
                    .map(|s| s.0.clone())
                    .unwrap_or_default();
                let error = a.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default();
                out.push(WorkflowEvent::ActivityFailed {
                    workflow_id: wf.clone(),
                    activity_name: name,
                    error,
                    timestamp: ts,
                });
            }
            Attributes::ActivityTaskTimedOutEventAttributes(a) => {
                let name = scheduled
                    .get(&a.scheduled_event_id)
                    .map(|s| s.0.clone())
                    .unwrap_or_default();
                let error = a
                    .failure
                    .as_ref()
                    .map(|f| Failure::from_proto(f).to_string())
                    .unwrap_or_else(|| "timed out".into());
                out.push(WorkflowEvent::ActivityFailed {
                    workflow_id: wf.clone(),
                    activity_name: name,
                    error,
                    timestamp: ts,
                });
            }
            Attributes::ActivityTaskCanceledEventAttributes(a) => {
                let name = scheduled
                    .get(&a.scheduled_event_id)
                    .map(|s| s.0.clone())
                    .unwrap_or_default();
                out.push(WorkflowEvent::ActivityFailed {
                    workflow_id: wf.clone(),
                    activity_name: name,
                    error: "cancelled".into(),
                    timestamp: ts,
                });
            }
            Attributes::WorkflowExecutionSignaledEventAttributes(a) => {
                out.push(WorkflowEvent::SignalReceived {
                    workflow_id: wf.clone(),
                    signal_name: a.signal_name.clone(),
                    data: decode(&a.input, id)?,
                    timestamp: ts,
                })
            }
            Attributes::UpsertWorkflowSearchAttributesEventAttributes(a) => {
                let StateRepresentation::SearchAttribute(name) = states else {
                    continue;
                };
                let Some(p) = a
                    .search_attributes
                    .as_ref()
                    .and_then(|s| s.indexed_fields.get(name))
                else {
                    continue;
                };
                let to = match SearchAttributeValue::from_payload(p) {
                    Ok(SearchAttributeValue::Keyword(s) | SearchAttributeValue::Text(s)) => s,
                    other => {
                        return Err(ExportError {
                            event_id: id,
                            message: format!("the state attribute `{name}` is not a keyword: {other:?}"),
                        });
                    }
                };
                if start_upsert_pending && state.as_deref() == Some(to.as_str()) {
                    start_upsert_pending = false;
                    continue;
                }
                start_upsert_pending = false;
                if let Some(from) = state.replace(to.clone()) {
                    out.push(WorkflowEvent::StateTransitioned {
                        workflow_id: wf.clone(),
                        from_state: from,
                        to_state: to,
                        timestamp: ts,
                    });
                }
            }
            Attributes::WorkflowExecutionCompletedEventAttributes(a) => {
                out.push(WorkflowEvent::WorkflowCompleted {
                    workflow_id: wf.clone(),
                    output: decode(&a.result, id)?,
                    timestamp: ts,
                })
            }
            Attributes::WorkflowExecutionFailedEventAttributes(a) => {
                out.push(WorkflowEvent::WorkflowFailed {
                    workflow_id: wf.clone(),
                    error: a.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default(),
                    timestamp: ts,
                })
            }
            Attributes::WorkflowExecutionTimedOutEventAttributes(_) => {
                out.push(WorkflowEvent::WorkflowFailed {
                    workflow_id: wf.clone(),
                    error: "timed out".into(),
                    timestamp: ts,
                })
            }
            Attributes::WorkflowExecutionCanceledEventAttributes(_) => {
                out.push(WorkflowEvent::WorkflowFailed {
                    workflow_id: wf.clone(),
                    error: "cancelled".into(),
                    timestamp: ts,
                })
            }
            Attributes::WorkflowExecutionTerminatedEventAttributes(a) => {
                out.push(WorkflowEvent::WorkflowFailed {
                    workflow_id: wf.clone(),
                    error: format!("terminated: {}", a.reason),
                    timestamp: ts,
                })
            }
            Attributes::WorkflowExecutionContinuedAsNewEventAttributes(a) => {
                out.push(WorkflowEvent::WorkflowCompleted {
                    workflow_id: wf.clone(),
                    output: serde_json::json!({ "continued_as_new_run_id": a.new_execution_run_id }),
                    timestamp: ts,
                })
            }
            _ => {}
        }
    }
    Ok(out)
}
