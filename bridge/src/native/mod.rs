//! The native engine's model, made durable: [`WorkflowEvent`], the [`EventStore`] trait with an
//! in-memory and a write-ahead-log store, [`StateRebuilder`], and state-machine
//! [`WorkflowDefinition`]s with semver versions.

mod conformance;
mod definition;
mod engine;
mod event;
mod memory;
mod rebuild;
mod store;
mod wal;

pub use conformance::{DefinitionViolation, check_against_definition};
pub use definition::{DefinitionError, StateDefinition, TerminalKind, WorkflowDefinition};
pub use engine::{EngineError, NativeActivity, NativeEngine};
pub use event::{SequencedEvent, WorkflowEvent};
pub use memory::InMemoryEventStore;
pub use rebuild::{
    EventLogError, InstanceStatus, PendingActivity, StateRebuildError, StateRebuilder, WorkflowInstance,
    check_log, rebuild,
};
pub(crate) use rebuild::{initial_data, merge};
pub use store::{EventStore, EventStoreError};
pub use wal::{FileEventStore, RecoveryReport, WalStats};
