//! The seed's `WorkflowEvent`: what the native engine records, one event per step.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One event of a native workflow instance, exactly as the seed defines it (serde's
/// externally tagged form: `{"ActivityStarted": {"workflow_id": ..., ...}}`).
///
/// `timestamp` is the time of the event in **Unix milliseconds** (UTC). The seed left the unit
/// unsaid; milliseconds is what the engine's `chrono::Utc::now().timestamp_millis()` gives and
/// what the translation to Temporal assumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkflowEvent {
    /// The instance started.
    WorkflowStarted {
        /// The instance id.
        workflow_id: String,
        /// The workflow (definition) name.
        workflow_name: String,
        /// The input.
        input: Value,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// An activity was started (also each retry of it).
    ActivityStarted {
        /// The instance id.
        workflow_id: String,
        /// The activity name.
        activity_name: String,
        /// Its input.
        input: Value,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// An activity completed.
    ActivityCompleted {
        /// The instance id.
        workflow_id: String,
        /// The activity name.
        activity_name: String,
        /// Its output.
        output: Value,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// An activity attempt failed (a retry may follow).
    ActivityFailed {
        /// The instance id.
        workflow_id: String,
        /// The activity name.
        activity_name: String,
        /// The error.
        error: String,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// A signal arrived.
    SignalReceived {
        /// The instance id.
        workflow_id: String,
        /// The signal name.
        signal_name: String,
        /// Its data.
        data: Value,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// The state machine moved.
    StateTransitioned {
        /// The instance id.
        workflow_id: String,
        /// The state left.
        from_state: String,
        /// The state entered.
        to_state: String,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// The instance completed.
    WorkflowCompleted {
        /// The instance id.
        workflow_id: String,
        /// The result.
        output: Value,
        /// Unix milliseconds.
        timestamp: i64,
    },
    /// The instance failed.
    WorkflowFailed {
        /// The instance id.
        workflow_id: String,
        /// The error.
        error: String,
        /// Unix milliseconds.
        timestamp: i64,
    },
}

impl WorkflowEvent {
    /// The instance the event belongs to.
    pub fn workflow_id(&self) -> &str {
        match self {
            Self::WorkflowStarted { workflow_id, .. }
            | Self::ActivityStarted { workflow_id, .. }
            | Self::ActivityCompleted { workflow_id, .. }
            | Self::ActivityFailed { workflow_id, .. }
            | Self::SignalReceived { workflow_id, .. }
            | Self::StateTransitioned { workflow_id, .. }
            | Self::WorkflowCompleted { workflow_id, .. }
            | Self::WorkflowFailed { workflow_id, .. } => workflow_id,
        }
    }

    /// The event's time, in Unix milliseconds.
    pub fn timestamp(&self) -> i64 {
        match self {
            Self::WorkflowStarted { timestamp, .. }
            | Self::ActivityStarted { timestamp, .. }
            | Self::ActivityCompleted { timestamp, .. }
            | Self::ActivityFailed { timestamp, .. }
            | Self::SignalReceived { timestamp, .. }
            | Self::StateTransitioned { timestamp, .. }
            | Self::WorkflowCompleted { timestamp, .. }
            | Self::WorkflowFailed { timestamp, .. } => *timestamp,
        }
    }

    /// The variant's name (`"ActivityStarted"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::WorkflowStarted { .. } => "WorkflowStarted",
            Self::ActivityStarted { .. } => "ActivityStarted",
            Self::ActivityCompleted { .. } => "ActivityCompleted",
            Self::ActivityFailed { .. } => "ActivityFailed",
            Self::SignalReceived { .. } => "SignalReceived",
            Self::StateTransitioned { .. } => "StateTransitioned",
            Self::WorkflowCompleted { .. } => "WorkflowCompleted",
            Self::WorkflowFailed { .. } => "WorkflowFailed",
        }
    }

    /// True for the events that end an instance.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::WorkflowCompleted { .. } | Self::WorkflowFailed { .. })
    }
}

/// An event with its per-workflow sequence number (1, 2, 3, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequencedEvent {
    /// The sequence number within its workflow.
    pub sequence: u64,
    /// The event.
    pub event: WorkflowEvent,
}

impl SequencedEvent {
    /// Numbers one workflow's events in order, the first getting `first`.
    ///
    /// ```
    /// # use ironflow_bridge::native::{SequencedEvent, WorkflowEvent};
    /// let started = WorkflowEvent::WorkflowStarted {
    ///     workflow_id: "o-1".into(), workflow_name: "order".into(),
    ///     input: serde_json::json!({}), timestamp: 1,
    /// };
    /// let log = SequencedEvent::numbered(vec![started], 1);
    /// assert_eq!(log[0].sequence, 1);
    /// ```
    pub fn numbered(events: impl IntoIterator<Item = WorkflowEvent>, first: u64) -> Vec<Self> {
        (first..)
            .zip(events)
            .map(|(sequence, event)| Self { sequence, event })
            .collect()
    }
}
