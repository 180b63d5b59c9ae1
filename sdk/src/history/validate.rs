//! Structural validation of a history, done before replay: Core can hang or panic on some
//! malformed histories (a missing workflow type or task queue, a missing workflow-task
//! completion), so these are caught here with a message naming the event.

use super::History;
use std::collections::{HashMap, HashSet};
use temporalio_common::protos::temporal::api::{
    enums::v1::EventType, history::v1::history_event::Attributes,
};

/// What is wrong with a history, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid history at event {event_id}: {message}")]
pub struct InvalidHistory {
    /// The event id concerned (0 for the history as a whole).
    pub event_id: i64,
    /// What is wrong.
    pub message: String,
}

fn bad(event_id: i64, message: impl Into<String>) -> InvalidHistory {
    InvalidHistory {
        event_id,
        message: message.into(),
    }
}

/// Checks what replay relies on: the first event starts the workflow with a type and a task
/// queue; event ids are 1, 2, 3, ...; every event's attributes match its type; workflow-task
/// events form scheduled → started → completed/failed/timed-out triples; started workflow tasks
/// carry a time; activity, timer and child events refer to events that exist and have the
/// right kind; nothing follows the event that closed the workflow.
///
/// ```
/// use ironflow::history::{History, validate};
/// let err = validate(&History { events: vec![] }).unwrap_err();
/// assert!(err.message.contains("empty"));
/// ```
pub fn validate(history: &History) -> Result<(), InvalidHistory> {
    let events = &history.events;
    let first = events.first().ok_or_else(|| bad(0, "the history is empty"))?;
    match &first.attributes {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
            if a.workflow_type.as_ref().is_none_or(|t| t.name.is_empty()) {
                return Err(bad(
                    first.event_id,
                    "WorkflowExecutionStarted has no workflowType.name",
                ));
            }
            if a.task_queue.as_ref().is_none_or(|t| t.name.is_empty()) {
                return Err(bad(
                    first.event_id,
                    "WorkflowExecutionStarted has no taskQueue.name",
                ));
            }
        }
        _ => {
            return Err(bad(
                first.event_id,
                "the first event must be WorkflowExecutionStarted",
            ));
        }
    }

    let mut kinds: HashMap<i64, EventType> = HashMap::with_capacity(events.len());
    let mut timers: HashSet<String> = HashSet::new();
    let mut closed_at: Option<i64> = None;
    for (i, e) in events.iter().enumerate() {
        let id = e.event_id;
        if id != i as i64 + 1 {
            return Err(bad(
                id,
                format!("event ids must be 1, 2, 3, ...: expected {}, found {id}", i + 1),
            ));
        }
        if let Some(closed) = closed_at {
            return Err(bad(
                id,
                format!("an event follows event {closed}, which closed the workflow"),
            ));
        }
        let kind = EventType::try_from(e.event_type).unwrap_or(EventType::Unspecified);
        if kind == EventType::Unspecified {
            return Err(bad(
                id,
                format!("unknown or missing event type ({})", e.event_type),
            ));
        }
        let Some(attrs) = &e.attributes else {
            return Err(bad(id, format!("{kind:?} has no attributes")));
        };
        if attributes_kind(attrs) != Some(kind) {
            return Err(bad(
                id,
                format!("{kind:?} carries the attributes of another event type"),
            ));
        }
        let refers = |target: i64, expected: &[EventType], what: &str| -> Result<(), InvalidHistory> {
            match kinds.get(&target) {
                Some(k) if expected.contains(k) => Ok(()),
                Some(k) => Err(bad(id, format!("{what} {target} is a {k:?}, not {expected:?}"))),
                None => Err(bad(
                    id,
                    format!("{what} {target} does not exist before this event"),
                )),
            }
        };
        use Attributes as A;
        use EventType as T;
        match attrs {
            A::WorkflowTaskStartedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::WorkflowTaskScheduled],
                    "scheduledEventId",
                )?;
                if e.event_time.is_none() {
                    return Err(bad(id, "WorkflowTaskStarted must have an eventTime"));
                }
                if let Some(next) = events.get(i + 1) {
                    let next_kind = EventType::try_from(next.event_type).unwrap_or(EventType::Unspecified);
                    if !matches!(
                        next_kind,
                        T::WorkflowTaskCompleted
                            | T::WorkflowTaskFailed
                            | T::WorkflowTaskTimedOut
                            | T::WorkflowExecutionTerminated
                            | T::WorkflowExecutionTimedOut
                    ) {
                        return Err(bad(
                            next.event_id,
                            format!(
                                "a started workflow task must be completed, failed or timed out next, found {next_kind:?}"
                            ),
                        ));
                    }
                }
            }
            A::WorkflowTaskCompletedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::WorkflowTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::WorkflowTaskFailedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::WorkflowTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::WorkflowTaskTimedOutEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::WorkflowTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::ActivityTaskStartedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::ActivityTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::ActivityTaskCompletedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::ActivityTaskScheduled],
                    "scheduledEventId",
                )?;
                refers(a.started_event_id, &[T::ActivityTaskStarted], "startedEventId")?;
            }
            A::ActivityTaskFailedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::ActivityTaskScheduled],
                    "scheduledEventId",
                )?;
                refers(a.started_event_id, &[T::ActivityTaskStarted], "startedEventId")?;
            }
            A::ActivityTaskTimedOutEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::ActivityTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::ActivityTaskCancelRequestedEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::ActivityTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::ActivityTaskCanceledEventAttributes(a) => {
                refers(
                    a.scheduled_event_id,
                    &[T::ActivityTaskScheduled],
                    "scheduledEventId",
                )?;
            }
            A::TimerStartedEventAttributes(a) => {
                timers.insert(a.timer_id.clone());
            }
            A::TimerFiredEventAttributes(a) => {
                refers(a.started_event_id, &[T::TimerStarted], "startedEventId")?;
                if !timers.contains(&a.timer_id) {
                    return Err(bad(
                        id,
                        format!("timer `{}` fired but was never started", a.timer_id),
                    ));
                }
            }
            A::TimerCanceledEventAttributes(a) => {
                refers(a.started_event_id, &[T::TimerStarted], "startedEventId")?;
            }
            A::ChildWorkflowExecutionStartedEventAttributes(a) => {
                refers(
                    a.initiated_event_id,
                    &[T::StartChildWorkflowExecutionInitiated],
                    "initiatedEventId",
                )?;
            }
            A::StartChildWorkflowExecutionFailedEventAttributes(a) => {
                refers(
                    a.initiated_event_id,
                    &[T::StartChildWorkflowExecutionInitiated],
                    "initiatedEventId",
                )?;
            }
            A::ChildWorkflowExecutionCompletedEventAttributes(a) => {
                refers(
                    a.initiated_event_id,
                    &[T::StartChildWorkflowExecutionInitiated],
                    "initiatedEventId",
                )?;
            }
            A::ChildWorkflowExecutionFailedEventAttributes(a) => {
                refers(
                    a.initiated_event_id,
                    &[T::StartChildWorkflowExecutionInitiated],
                    "initiatedEventId",
                )?;
            }
            A::WorkflowExecutionCompletedEventAttributes(_)
            | A::WorkflowExecutionFailedEventAttributes(_)
            | A::WorkflowExecutionTimedOutEventAttributes(_)
            | A::WorkflowExecutionCanceledEventAttributes(_)
            | A::WorkflowExecutionTerminatedEventAttributes(_)
            | A::WorkflowExecutionContinuedAsNewEventAttributes(_) => closed_at = Some(id),
            _ => {}
        }
        kinds.insert(id, kind);
    }
    Ok(())
}

/// The event type the attributes belong to.
fn attributes_kind(a: &Attributes) -> Option<EventType> {
    use Attributes as A;
    use EventType as T;
    Some(match a {
        A::WorkflowExecutionStartedEventAttributes(_) => T::WorkflowExecutionStarted,
        A::WorkflowExecutionCompletedEventAttributes(_) => T::WorkflowExecutionCompleted,
        A::WorkflowExecutionFailedEventAttributes(_) => T::WorkflowExecutionFailed,
        A::WorkflowExecutionTimedOutEventAttributes(_) => T::WorkflowExecutionTimedOut,
        A::WorkflowTaskScheduledEventAttributes(_) => T::WorkflowTaskScheduled,
        A::WorkflowTaskStartedEventAttributes(_) => T::WorkflowTaskStarted,
        A::WorkflowTaskCompletedEventAttributes(_) => T::WorkflowTaskCompleted,
        A::WorkflowTaskTimedOutEventAttributes(_) => T::WorkflowTaskTimedOut,
        A::WorkflowTaskFailedEventAttributes(_) => T::WorkflowTaskFailed,
        A::ActivityTaskScheduledEventAttributes(_) => T::ActivityTaskScheduled,
        A::ActivityTaskStartedEventAttributes(_) => T::ActivityTaskStarted,
        A::ActivityTaskCompletedEventAttributes(_) => T::ActivityTaskCompleted,
        A::ActivityTaskFailedEventAttributes(_) => T::ActivityTaskFailed,
        A::ActivityTaskTimedOutEventAttributes(_) => T::ActivityTaskTimedOut,
        A::TimerStartedEventAttributes(_) => T::TimerStarted,
        A::TimerFiredEventAttributes(_) => T::TimerFired,
        A::ActivityTaskCancelRequestedEventAttributes(_) => T::ActivityTaskCancelRequested,
        A::ActivityTaskCanceledEventAttributes(_) => T::ActivityTaskCanceled,
        A::TimerCanceledEventAttributes(_) => T::TimerCanceled,
        A::MarkerRecordedEventAttributes(_) => T::MarkerRecorded,
        A::WorkflowExecutionSignaledEventAttributes(_) => T::WorkflowExecutionSignaled,
        A::WorkflowExecutionTerminatedEventAttributes(_) => T::WorkflowExecutionTerminated,
        A::WorkflowExecutionCancelRequestedEventAttributes(_) => T::WorkflowExecutionCancelRequested,
        A::WorkflowExecutionCanceledEventAttributes(_) => T::WorkflowExecutionCanceled,
        A::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(_) => {
            T::RequestCancelExternalWorkflowExecutionInitiated
        }
        A::RequestCancelExternalWorkflowExecutionFailedEventAttributes(_) => {
            T::RequestCancelExternalWorkflowExecutionFailed
        }
        A::ExternalWorkflowExecutionCancelRequestedEventAttributes(_) => {
            T::ExternalWorkflowExecutionCancelRequested
        }
        A::WorkflowExecutionContinuedAsNewEventAttributes(_) => T::WorkflowExecutionContinuedAsNew,
        A::StartChildWorkflowExecutionInitiatedEventAttributes(_) => T::StartChildWorkflowExecutionInitiated,
        A::StartChildWorkflowExecutionFailedEventAttributes(_) => T::StartChildWorkflowExecutionFailed,
        A::ChildWorkflowExecutionStartedEventAttributes(_) => T::ChildWorkflowExecutionStarted,
        A::ChildWorkflowExecutionCompletedEventAttributes(_) => T::ChildWorkflowExecutionCompleted,
        A::ChildWorkflowExecutionFailedEventAttributes(_) => T::ChildWorkflowExecutionFailed,
        A::ChildWorkflowExecutionCanceledEventAttributes(_) => T::ChildWorkflowExecutionCanceled,
        A::ChildWorkflowExecutionTimedOutEventAttributes(_) => T::ChildWorkflowExecutionTimedOut,
        A::ChildWorkflowExecutionTerminatedEventAttributes(_) => T::ChildWorkflowExecutionTerminated,
        A::SignalExternalWorkflowExecutionInitiatedEventAttributes(_) => {
            T::SignalExternalWorkflowExecutionInitiated
        }
        A::SignalExternalWorkflowExecutionFailedEventAttributes(_) => {
            T::SignalExternalWorkflowExecutionFailed
        }
        A::ExternalWorkflowExecutionSignaledEventAttributes(_) => T::ExternalWorkflowExecutionSignaled,
        A::UpsertWorkflowSearchAttributesEventAttributes(_) => T::UpsertWorkflowSearchAttributes,
        A::WorkflowExecutionUpdateAcceptedEventAttributes(_) => T::WorkflowExecutionUpdateAccepted,
        A::WorkflowExecutionUpdateRejectedEventAttributes(_) => T::WorkflowExecutionUpdateRejected,
        A::WorkflowExecutionUpdateCompletedEventAttributes(_) => T::WorkflowExecutionUpdateCompleted,
        A::WorkflowPropertiesModifiedExternallyEventAttributes(_) => T::WorkflowPropertiesModifiedExternally,
        A::ActivityPropertiesModifiedExternallyEventAttributes(_) => T::ActivityPropertiesModifiedExternally,
        A::WorkflowPropertiesModifiedEventAttributes(_) => T::WorkflowPropertiesModified,
        A::WorkflowExecutionUpdateAdmittedEventAttributes(_) => T::WorkflowExecutionUpdateAdmitted,
        A::NexusOperationScheduledEventAttributes(_) => T::NexusOperationScheduled,
        A::NexusOperationStartedEventAttributes(_) => T::NexusOperationStarted,
        A::NexusOperationCompletedEventAttributes(_) => T::NexusOperationCompleted,
        A::NexusOperationFailedEventAttributes(_) => T::NexusOperationFailed,
        A::NexusOperationCanceledEventAttributes(_) => T::NexusOperationCanceled,
        A::NexusOperationTimedOutEventAttributes(_) => T::NexusOperationTimedOut,
        A::NexusOperationCancelRequestedEventAttributes(_) => T::NexusOperationCancelRequested,
        A::WorkflowExecutionOptionsUpdatedEventAttributes(_) => T::WorkflowExecutionOptionsUpdated,
        A::NexusOperationCancelRequestCompletedEventAttributes(_) => T::NexusOperationCancelRequestCompleted,
        A::NexusOperationCancelRequestFailedEventAttributes(_) => T::NexusOperationCancelRequestFailed,
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}
