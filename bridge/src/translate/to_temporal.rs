//! Native events → a Temporal history that replays against the interpreter workflow.
//!
//! Mapping (following the observed server behaviour):
//!
//! | native event | Temporal events |
//! |---|---|
//! | `WorkflowStarted` | `WorkflowExecutionStarted` (type = workflow name, run id = UUIDv5 of the native id), then a workflow-task triple whose completion carries `sdkMetadata.coreUsedFlags = [1,2,3,4]`; with a known initial state, an `UpsertWorkflowSearchAttributes` of the state attribute |
//! | `ActivityStarted` | `ActivityTaskScheduled` (activity id = ordinal "1", "2", ...) |
//! | `ActivityFailed` followed by `ActivityStarted` of the same activity (an engine retry) | nothing of its own: the final `ActivityTaskStarted` gets `attempt = N` and `lastFailure` = the failures, newest first, each with details `{failed_at, restarted_at}` |
//! | `ActivityCompleted` | `ActivityTaskStarted` + `ActivityTaskCompleted`, then a workflow-task triple |
//! | `ActivityFailed` (final) | `ActivityTaskStarted` + `ActivityTaskFailed`, then a workflow-task triple |
//! | `SignalReceived` | `WorkflowExecutionSignaled`, then a workflow-task triple |
//! | `StateTransitioned` | `UpsertWorkflowSearchAttributes` setting the state attribute (default `LegacyState`) to the new state — what the interpreter does at each transition, so the state is visible and searchable in the Web UI; or nothing, with [`StateRepresentation::Dropped`] |
//! | `WorkflowCompleted` | `WorkflowExecutionCompleted` |
//! | `WorkflowFailed` | `WorkflowExecutionFailed` |
//!
//! Event times come from the native timestamps (Unix ms); synthesized events take the time of
//! the native event that caused them.

use crate::native::{SequencedEvent, WorkflowEvent, check_log};
use ironflow::converter::{Failure, Payload, SearchAttributeValue, to_payload};
use ironflow::history::{History, HistoryEvent, history_event::Attributes};
use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use temporalio_common::protos::temporal::api::{
    common::v1::{ActivityType, Memo, Payloads, SearchAttributes, WorkflowType},
    enums::v1::{EventType, RetryState, TaskQueueKind},
    history::v1::{
        ActivityTaskCompletedEventAttributes, ActivityTaskFailedEventAttributes,
        ActivityTaskScheduledEventAttributes, ActivityTaskStartedEventAttributes,
        UpsertWorkflowSearchAttributesEventAttributes, WorkflowExecutionCompletedEventAttributes,
        WorkflowExecutionFailedEventAttributes, WorkflowExecutionSignaledEventAttributes,
        WorkflowExecutionStartedEventAttributes, WorkflowTaskCompletedEventAttributes,
        WorkflowTaskScheduledEventAttributes, WorkflowTaskStartedEventAttributes,
    },
    sdk::v1::WorkflowTaskCompletedMetadata,
    taskqueue::v1::TaskQueue,
};

/// How `StateTransitioned` appears in the Temporal history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateRepresentation {
    /// An `UpsertWorkflowSearchAttributes` of this keyword attribute (the interpreter's choice).
    SearchAttribute(String),
    /// Not at all (for target code that records nothing at transitions).
    Dropped,
}

/// Translation settings.
#[derive(Debug, Clone)]
pub struct TranslateOptions {
    /// The task queue written into the history (default `ironflow-bridge`).
    pub task_queue: String,
    /// How transitions are represented (default: the `LegacyState` search attribute).
    pub states: StateRepresentation,
    /// The definition's initial state, if known (the interpreter records it at start).
    pub initial_state: Option<String>,
    /// Recorded in the start event's memo as `definition_version`.
    pub definition_version: Option<String>,
    /// Identity written into worker events.
    pub identity: String,
    /// Start-to-close timeout written into scheduled activities.
    pub activity_timeout: Duration,
}

impl Default for TranslateOptions {
    fn default() -> Self {
        Self {
            task_queue: "ironflow-bridge".into(),
            states: StateRepresentation::SearchAttribute("LegacyState".into()),
            initial_state: None,
            definition_version: None,
            identity: "ironflow-bridge".into(),
            activity_timeout: Duration::from_secs(60),
        }
    }
}

impl TranslateOptions {
    /// The options that make histories replay against the interpreter running `definition`.
    pub fn for_definition(definition: &crate::native::WorkflowDefinition) -> Self {
        Self {
            initial_state: Some(definition.initial_state.clone()),
            definition_version: Some(definition.version.to_string()),
            ..Self::default()
        }
    }
}

/// A log that cannot be translated, naming the native event.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TranslateError {
    /// The log breaks the engine's rules.
    #[error(transparent)]
    Log(#[from] crate::native::EventLogError),
    /// A value cannot be encoded as a payload.
    #[error("workflow `{workflow_id}`, event #{sequence}: {message}")]
    Payload {
        /// The workflow.
        workflow_id: String,
        /// The event's sequence number.
        sequence: u64,
        /// What is wrong.
        message: String,
    },
}

/// The deterministic Temporal run id of a native instance (UUIDv5 of its id): it seeds the
/// workflow's randomness on replay, so it must not change between translations.
pub fn run_id_for(workflow_id: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("ironflow-bridge:{workflow_id}").as_bytes(),
    )
    .to_string()
}

/// Internal flags Core records in real histories; with them Core checks activity ids and types
/// on replay.
const CORE_USED_FLAGS: [u32; 4] = [1, 2, 3, 4];

struct PendingActivity {
    name: String,
    scheduled_id: i64,
    attempt: i32,
    /// Failed attempts, oldest first: (error, failed at, restarted at).
    failures: Vec<(String, i64, i64)>,
    last_start: i64,
}

struct Builder<'a> {
    options: &'a TranslateOptions,
    events: Vec<HistoryEvent>,
    last_completed: i64,
    first_task: bool,
    ordinal: u32,
    pending: VecDeque<PendingActivity>,
}

fn time(ms: i64) -> Option<prost_wkt_types::Timestamp> {
    let t = if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    };
    Some(prost_wkt_types::Timestamp::from(t))
}

fn duration(d: Duration) -> Option<prost_wkt_types::Duration> {
    d.try_into().ok()
}

impl Builder<'_> {
    fn push(&mut self, kind: EventType, ms: i64, attributes: Attributes) -> i64 {
        let id = self.events.len() as i64 + 1;
        self.events.push(HistoryEvent {
            event_id: id,
            event_time: time(ms),
            event_type: kind as i32,
            attributes: Some(attributes),
            ..Default::default()
        });
        id
    }

    fn task_queue(&self) -> Option<TaskQueue> {
        Some(TaskQueue {
            name: self.options.task_queue.clone(),
            kind: TaskQueueKind::Normal as i32,
            ..Default::default()
        })
    }

    /// Workflow task scheduled → started → completed.
    fn workflow_task(&mut self, ms: i64) {
        let scheduled = self.push(
            EventType::WorkflowTaskScheduled,
            ms,
            Attributes::WorkflowTaskScheduledEventAttributes(WorkflowTaskScheduledEventAttributes {
                task_queue: self.task_queue(),
                start_to_close_timeout: duration(Duration::from_secs(10)),
                attempt: 1,
            }),
        );
        let started = self.push(
            EventType::WorkflowTaskStarted,
            ms,
            Attributes::WorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes {
                scheduled_event_id: scheduled,
                identity: self.options.identity.clone(),
                ..Default::default()
            }),
        );
        let sdk_metadata = self.first_task.then(|| WorkflowTaskCompletedMetadata {
            core_used_flags: CORE_USED_FLAGS.to_vec(),
            ..Default::default()
        });
        self.first_task = false;
        self.last_completed = self.push(
            EventType::WorkflowTaskCompleted,
            ms,
            Attributes::WorkflowTaskCompletedEventAttributes(WorkflowTaskCompletedEventAttributes {
                scheduled_event_id: scheduled,
                started_event_id: started,
                identity: self.options.identity.clone(),
                sdk_metadata,
                ..Default::default()
            }),
        );
    }

    fn state(&mut self, state: &str, ms: i64) -> Result<(), String> {
        let StateRepresentation::SearchAttribute(name) = &self.options.states else {
            return Ok(());
        };
        let payload = SearchAttributeValue::Keyword(state.to_string())
            .to_payload()
            .map_err(|e| e.to_string())?;
        self.push(
            EventType::UpsertWorkflowSearchAttributes,
            ms,
            Attributes::UpsertWorkflowSearchAttributesEventAttributes(
                UpsertWorkflowSearchAttributesEventAttributes {
                    workflow_task_completed_event_id: self.last_completed,
                    search_attributes: Some(SearchAttributes {
                        indexed_fields: [(name.clone(), payload)].into(),
                    }),
                },
            ),
        );
        Ok(())
    }

    /// Takes the oldest pending activity of a name.
    fn take(&mut self, name: &str) -> Option<PendingActivity> {
        let pos = self.pending.iter().position(|p| p.name == name)?;
        self.pending.remove(pos)
    }

    fn started(&mut self, p: &PendingActivity) -> Result<i64, String> {
        let last_failure = match p.failures.as_slice() {
            [] => None,
            failures => {
                let mut chain: Option<Failure> = None;
                for (error, failed_at, restarted_at) in failures {
                    let mut f = Failure::application(error.clone(), "ActivityError", false);
                    if let ironflow::converter::FailureKind::Application { details, .. } = &mut f.kind {
                        details.push(
                            to_payload(
                                &serde_json::json!({"failed_at": failed_at, "restarted_at": restarted_at}),
                            )
                            .map_err(|e| e.to_string())?,
                        );
                    }
                    f.source = "IronflowBridge".into();
                    chain = Some(match chain {
                        Some(older) => f.with_cause(older),
                        None => f,
                    });
                }
                chain.map(|c| c.to_proto())
            }
        };
        Ok(self.push(
            EventType::ActivityTaskStarted,
            p.last_start,
            Attributes::ActivityTaskStartedEventAttributes(ActivityTaskStartedEventAttributes {
                scheduled_event_id: p.scheduled_id,
                identity: self.options.identity.clone(),
                attempt: p.attempt,
                last_failure,
                ..Default::default()
            }),
        ))
    }
}

fn payloads(v: &serde_json::Value) -> Result<Option<Payloads>, String> {
    Ok(Some(Payloads {
        payloads: vec![to_payload(v).map_err(|e| e.to_string())?],
    }))
}

fn payload(v: &serde_json::Value) -> Result<Payload, String> {
    to_payload(v).map_err(|e| e.to_string())
}

/// Translates many instances, spread over the machine's cores; the results are in input order.
///
/// ```
/// use ironflow_bridge::native::{SequencedEvent, WorkflowEvent};
/// use ironflow_bridge::translate::{TranslateOptions, to_histories};
/// let log = |id: &str| {
///     vec![
///         SequencedEvent { sequence: 1, event: WorkflowEvent::WorkflowStarted {
///             workflow_id: id.into(), workflow_name: "Order".into(),
///             input: serde_json::json!({}), timestamp: 1_700_000_000_000 } },
///         SequencedEvent { sequence: 2, event: WorkflowEvent::WorkflowCompleted {
///             workflow_id: id.into(), output: serde_json::json!("ok"), timestamp: 1_700_000_000_005 } },
///     ]
/// };
/// let histories = to_histories(&[log("a"), log("b")], &TranslateOptions::default());
/// assert_eq!(histories.len(), 2);
/// assert!(histories.iter().all(|h| h.is_ok()));
/// ```
pub fn to_histories(
    logs: &[Vec<SequencedEvent>],
    options: &TranslateOptions,
) -> Vec<Result<History, TranslateError>> {
    crate::parallel::map_in_order(logs, |events| to_history(events, options))
}

/// Translates one instance's events (checked as [`crate::native::rebuild`] checks them).
pub fn to_history(events: &[SequencedEvent], options: &TranslateOptions) -> Result<History, TranslateError> {
    check_log(events, options.initial_state.as_deref())?;
    let workflow_id = events[0].event.workflow_id().to_string();
    let mut b = Builder {
        options,
        events: Vec::with_capacity(events.len() * 3),
        last_completed: 0,
        first_task: true,
        ordinal: 0,
        pending: VecDeque::new(),
    };
    for (i, e) in events.iter().enumerate() {
        let fail = |message: String| TranslateError::Payload {
            workflow_id: workflow_id.clone(),
            sequence: e.sequence,
            message,
        };
        let next_is_retry = |name: &str| matches!(events.get(i + 1).map(|n| &n.event), Some(WorkflowEvent::ActivityStarted { activity_name, .. }) if activity_name == name);
        match &e.event {
            WorkflowEvent::WorkflowStarted {
                workflow_name,
                input,
                timestamp,
                ..
            } => {
                let run_id = run_id_for(&workflow_id);
                let memo = match &options.definition_version {
                    Some(v) => Some(Memo {
                        fields: [(
                            "definition_version".to_string(),
                            payload(&serde_json::json!(v)).map_err(fail)?,
                        )]
                        .into(),
                    }),
                    None => None,
                };
                b.push(
                    EventType::WorkflowExecutionStarted,
                    *timestamp,
                    Attributes::WorkflowExecutionStartedEventAttributes(
                        WorkflowExecutionStartedEventAttributes {
                            workflow_type: Some(WorkflowType {
                                name: workflow_name.clone(),
                            }),
                            task_queue: b.task_queue(),
                            input: payloads(input).map_err(fail)?,
                            workflow_task_timeout: duration(Duration::from_secs(10)),
                            identity: options.identity.clone(),
                            original_execution_run_id: run_id.clone(),
                            first_execution_run_id: run_id,
                            attempt: 1,
                            workflow_id: workflow_id.clone(),
                            memo,
                            ..Default::default()
                        },
                    ),
                );
                b.workflow_task(*timestamp);
                if let Some(initial) = &options.initial_state {
                    b.state(initial, *timestamp).map_err(fail)?;
                }
            }
            WorkflowEvent::ActivityStarted {
                activity_name,
                input,
                timestamp,
                ..
            } => {
                if let Some(p) = b
                    .pending
                    .iter_mut()
                    .find(|p| &p.name == activity_name && p.failures.len() as i32 == p.attempt)
                {
                    // A retry of a failed attempt: collapsed into the final attempt.
                    p.attempt += 1;
                    p.last_start = *timestamp;
                    if let Some(last) = p.failures.last_mut() {
                        last.2 = *timestamp;
                    }
                    continue;
                }
                b.ordinal += 1;
                let scheduled = b.push(
                    EventType::ActivityTaskScheduled,
                    *timestamp,
                    Attributes::ActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes {
                        activity_id: b.ordinal.to_string(),
                        activity_type: Some(ActivityType {
                            name: activity_name.clone(),
                        }),
                        task_queue: b.task_queue(),
                        input: payloads(input).map_err(fail)?,
                        start_to_close_timeout: duration(options.activity_timeout),
                        workflow_task_completed_event_id: b.last_completed,
                        ..Default::default()
                    }),
                );
                b.pending.push_back(PendingActivity {
                    name: activity_name.clone(),
                    scheduled_id: scheduled,
                    attempt: 1,
                    failures: Vec::new(),
                    last_start: *timestamp,
                });
            }
            WorkflowEvent::ActivityCompleted {
                activity_name,
                output,
                timestamp,
                ..
            } => {
                let Some(p) = b.take(activity_name) else {
                    return Err(fail(format!(
                        "activity `{activity_name}` completed but was not started"
                    )));
                };
                let started = b.started(&p).map_err(fail)?;
                b.push(
                    EventType::ActivityTaskCompleted,
                    *timestamp,
                    Attributes::ActivityTaskCompletedEventAttributes(ActivityTaskCompletedEventAttributes {
                        result: payloads(output).map_err(fail)?,
                        scheduled_event_id: p.scheduled_id,
                        started_event_id: started,
                        identity: options.identity.clone(),
                        ..Default::default()
                    }),
                );
                b.workflow_task(*timestamp);
            }
            WorkflowEvent::ActivityFailed {
                activity_name,
                error,
                timestamp,
                ..
            } => {
                if next_is_retry(activity_name) {
                    if let Some(p) = b.pending.iter_mut().find(|p| &p.name == activity_name) {
                        p.failures.push((error.clone(), *timestamp, *timestamp));
                    }
                    continue;
                }
                let Some(p) = b.take(activity_name) else {
                    return Err(fail(format!(
                        "activity `{activity_name}` failed but was not started"
                    )));
                };
                let started = b.started(&p).map_err(fail)?;
                let mut failure = Failure::application(error.clone(), "ActivityError", false);
                failure.source = "IronflowBridge".into();
                b.push(
                    EventType::ActivityTaskFailed,
                    *timestamp,
                    Attributes::ActivityTaskFailedEventAttributes(ActivityTaskFailedEventAttributes {
                        failure: Some(failure.to_proto()),
                        scheduled_event_id: p.scheduled_id,
                        started_event_id: started,
                        identity: options.identity.clone(),
                        retry_state: RetryState::MaximumAttemptsReached as i32,
                        ..Default::default()
                    }),
                );
                b.workflow_task(*timestamp);
            }
            WorkflowEvent::SignalReceived {
                signal_name,
                data,
                timestamp,
                ..
            } => {
                b.push(
                    EventType::WorkflowExecutionSignaled,
                    *timestamp,
                    Attributes::WorkflowExecutionSignaledEventAttributes(
                        WorkflowExecutionSignaledEventAttributes {
                            signal_name: signal_name.clone(),
                            input: payloads(data).map_err(fail)?,
                            identity: options.identity.clone(),
                            ..Default::default()
                        },
                    ),
                );
                b.workflow_task(*timestamp);
            }
            WorkflowEvent::StateTransitioned {
                to_state, timestamp, ..
            } => {
                b.state(to_state, *timestamp).map_err(fail)?;
            }
            WorkflowEvent::WorkflowCompleted {
                output, timestamp, ..
            } => {
                b.push(
                    EventType::WorkflowExecutionCompleted,
                    *timestamp,
                    Attributes::WorkflowExecutionCompletedEventAttributes(
                        WorkflowExecutionCompletedEventAttributes {
                            result: payloads(output).map_err(fail)?,
                            workflow_task_completed_event_id: b.last_completed,
                            ..Default::default()
                        },
                    ),
                );
            }
            WorkflowEvent::WorkflowFailed { error, timestamp, .. } => {
                let mut failure = Failure::application(error.clone(), "WorkflowError", true);
                failure.source = "IronflowBridge".into();
                b.push(
                    EventType::WorkflowExecutionFailed,
                    *timestamp,
                    Attributes::WorkflowExecutionFailedEventAttributes(
                        WorkflowExecutionFailedEventAttributes {
                            failure: Some(failure.to_proto()),
                            retry_state: RetryState::RetryPolicyNotSet as i32,
                            workflow_task_completed_event_id: b.last_completed,
                            ..Default::default()
                        },
                    ),
                );
            }
        }
    }
    Ok(History { events: b.events })
}

/// The Unix milliseconds of a protobuf timestamp.
pub(crate) fn millis(t: Option<prost_wkt_types::Timestamp>) -> i64 {
    t.and_then(|t| SystemTime::try_from(t).ok())
        .map(|t| match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        })
        .unwrap_or(0)
}
