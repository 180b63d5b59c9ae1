//! The seed's `EventStore` trait and its errors.

use super::event::{SequencedEvent, WorkflowEvent};

/// What an event store can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventStoreError {
    /// Reading or writing the log failed.
    #[error("event store I/O error on {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// The log is damaged before its end: nothing was changed; repair or restore it.
    #[error(
        "the event log {path} is corrupt at byte offset {offset} (workflow {workflow}): {message}; {valid_after} valid record(s) follow, so this is not a torn tail and nothing was truncated"
    )]
    Corrupt {
        /// The file.
        path: String,
        /// Where the bad record starts.
        offset: u64,
        /// The workflow id of the bad record if readable, else `unknown`.
        workflow: String,
        /// What is wrong.
        message: String,
        /// How many valid records follow it.
        valid_after: usize,
    },
    /// An event could not be encoded or decoded.
    #[error("event {workflow_id}#{sequence}: {message}")]
    Codec {
        /// The workflow id.
        workflow_id: String,
        /// The sequence number.
        sequence: u64,
        /// What serde reported.
        message: String,
    },
    /// An earlier write or fsync failed: the log's state on disk is unknown until it is reopened
    /// (which recovers it), so the store refuses further appends.
    #[error(
        "the event log {path} refused the append: an earlier write failed ({cause}); reopen the store to recover"
    )]
    Poisoned {
        /// The file.
        path: String,
        /// The first failure.
        cause: String,
    },
    /// The store was closed.
    #[error("the event store is closed")]
    Closed,
}

/// The seed's event store: an append-only log of events per workflow, with per-workflow
/// sequence numbers starting at 1 that never repeat or skip.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync {
    /// Appends an event; returns its sequence number once it is durable.
    async fn append_event(&self, event: WorkflowEvent) -> Result<u64, EventStoreError>;

    /// The events of a workflow with sequence ≥ `from_sequence` (0 and 1 both mean all).
    async fn get_events(
        &self,
        workflow_id: &str,
        from_sequence: u64,
    ) -> Result<Vec<WorkflowEvent>, EventStoreError>;

    /// The last sequence number of a workflow (0 if it has none).
    async fn get_latest_sequence(&self, workflow_id: &str) -> Result<u64, EventStoreError>;

    /// The ids of every workflow with events (not in the seed; needed to migrate a whole store).
    async fn workflow_ids(&self) -> Result<Vec<String>, EventStoreError>;

    /// The events of a workflow with their sequence numbers.
    async fn get_sequenced_events(
        &self,
        workflow_id: &str,
        from_sequence: u64,
    ) -> Result<Vec<SequencedEvent>, EventStoreError> {
        let events = self.get_events(workflow_id, from_sequence).await?;
        Ok(SequencedEvent::numbered(events, from_sequence.max(1)))
    }
}
