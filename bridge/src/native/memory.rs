//! The seed's `InMemoryEventStore`.

use super::event::WorkflowEvent;
use super::store::{EventStore, EventStoreError};
use std::collections::BTreeMap;
use std::sync::RwLock;

/// Events in memory, for tests and for tools that translate logs without keeping them.
#[derive(Debug, Default)]
pub struct InMemoryEventStore {
    events: RwLock<BTreeMap<String, Vec<WorkflowEvent>>>,
}

impl InMemoryEventStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl EventStore for InMemoryEventStore {
    async fn append_event(&self, event: WorkflowEvent) -> Result<u64, EventStoreError> {
        let mut events = self.events.write().unwrap_or_else(|p| p.into_inner());
        let list = events.entry(event.workflow_id().to_string()).or_default();
        list.push(event);
        Ok(list.len() as u64)
    }

    async fn get_events(
        &self,
        workflow_id: &str,
        from_sequence: u64,
    ) -> Result<Vec<WorkflowEvent>, EventStoreError> {
        let events = self.events.read().unwrap_or_else(|p| p.into_inner());
        let skip = from_sequence.saturating_sub(1) as usize;
        Ok(events
            .get(workflow_id)
            .map(|l| l.iter().skip(skip).cloned().collect())
            .unwrap_or_default())
    }

    async fn get_latest_sequence(&self, workflow_id: &str) -> Result<u64, EventStoreError> {
        let events = self.events.read().unwrap_or_else(|p| p.into_inner());
        Ok(events.get(workflow_id).map_or(0, |l| l.len() as u64))
    }

    async fn workflow_ids(&self) -> Result<Vec<String>, EventStoreError> {
        let events = self.events.read().unwrap_or_else(|p| p.into_inner());
        Ok(events.keys().cloned().collect())
    }
}
