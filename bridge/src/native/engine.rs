//! A reference native engine: runs [`WorkflowDefinition`]s the way the seed's engine does,
//! writing every step to an [`EventStore`]. It produces the native logs the bridge translates and
//! migrates, and it states precisely the semantics the interpreter reproduces on Temporal.
//!
//! * `start`: `WorkflowStarted`, then run from the initial state.
//! * A state with an activity: `ActivityStarted` (input = the data), then `ActivityCompleted`
//!   (output stored under the activity's name) or `ActivityFailed`; a failed attempt is retried
//!   (a new `ActivityStarted`) up to the state's `max_attempts` (default 3); then the instance moves
//!   to `on_success` / `on_failure`, or fails with the activity's error.
//! * A state with `on_signal`: the instance waits; `signal` records `SignalReceived` (data stored
//!   under the signal's name) and moves on.
//! * Every move is a `StateTransitioned`; a terminal state ends with `WorkflowCompleted` (output
//!   = the data) or `WorkflowFailed`.

use super::definition::{TerminalKind, WorkflowDefinition};
use super::event::WorkflowEvent;
use super::rebuild::{InstanceStatus, StateRebuildError, StateRebuilder, merge};
use super::store::{EventStore, EventStoreError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// An activity of the native engine.
pub type NativeActivity = Arc<dyn Fn(&Value) -> Result<Value, String> + Send + Sync>;

/// Why the engine could not proceed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] EventStoreError),
    /// The instance could not be rebuilt.
    #[error(transparent)]
    Rebuild(#[from] StateRebuildError),
    /// The request does not fit the instance.
    #[error("workflow `{workflow_id}`: {message}")]
    Refused {
        /// The instance.
        workflow_id: String,
        /// Why.
        message: String,
    },
}

/// The reference native engine.
pub struct NativeEngine {
    store: Arc<dyn EventStore>,
    definition: Arc<WorkflowDefinition>,
    activities: HashMap<String, NativeActivity>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl NativeEngine {
    /// An engine for one definition, writing to `store`; timestamps come from `clock` (Unix ms).
    pub fn new(
        store: Arc<dyn EventStore>,
        definition: WorkflowDefinition,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) -> Self {
        Self {
            store,
            definition: Arc::new(definition),
            activities: HashMap::new(),
            clock,
        }
    }

    /// Registers an activity implementation.
    pub fn activity(
        mut self,
        name: &str,
        f: impl Fn(&Value) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.activities.insert(name.to_string(), Arc::new(f));
        self
    }

    async fn append(&self, event: WorkflowEvent) -> Result<(), EngineError> {
        self.store.append_event(event).await?;
        Ok(())
    }

    /// Starts an instance and runs it until it waits for a signal or ends.
    pub async fn start(&self, workflow_id: &str, input: Value) -> Result<InstanceStatus, EngineError> {
        if self.store.get_latest_sequence(workflow_id).await? > 0 {
            return Err(EngineError::Refused {
                workflow_id: workflow_id.into(),
                message: "already started".into(),
            });
        }
        self.append(WorkflowEvent::WorkflowStarted {
            workflow_id: workflow_id.into(),
            workflow_name: self.definition.name.clone(),
            input: input.clone(),
            timestamp: (self.clock)(),
        })
        .await?;
        let data = super::rebuild::initial_data(&input);
        self.run_from(workflow_id, self.definition.initial_state.clone(), data)
            .await
    }

    /// Delivers a signal to an instance waiting for it, and runs it on.
    pub async fn signal(
        &self,
        workflow_id: &str,
        signal_name: &str,
        value: Value,
    ) -> Result<InstanceStatus, EngineError> {
        let instance = StateRebuilder::new(self.store.clone())
            .rebuild_with_initial_state(workflow_id, Some(&self.definition.initial_state))
            .await?;
        let refused = |message: String| EngineError::Refused {
            workflow_id: workflow_id.into(),
            message,
        };
        if instance.status != InstanceStatus::Running {
            return Err(refused(format!("it has ended ({:?})", instance.status)));
        }
        let state = instance.current_state.clone().unwrap_or_default();
        let target = self
            .definition
            .state(&state)
            .and_then(|s| s.on_signal.get(signal_name))
            .cloned()
            .ok_or_else(|| {
                refused(format!(
                    "state `{state}` does not wait for signal `{signal_name}`"
                ))
            })?;
        self.append(WorkflowEvent::SignalReceived {
            workflow_id: workflow_id.into(),
            signal_name: signal_name.into(),
            data: value.clone(),
            timestamp: (self.clock)(),
        })
        .await?;
        let mut data = instance.data;
        merge(&mut data, signal_name, value);
        self.transition(workflow_id, &state, &target).await?;
        self.run_from(workflow_id, target, data).await
    }

    async fn transition(&self, workflow_id: &str, from: &str, to: &str) -> Result<(), EngineError> {
        self.append(WorkflowEvent::StateTransitioned {
            workflow_id: workflow_id.into(),
            from_state: from.into(),
            to_state: to.into(),
            timestamp: (self.clock)(),
        })
        .await
    }

    async fn run_from(
        &self,
        workflow_id: &str,
        mut state: String,
        mut data: Value,
    ) -> Result<InstanceStatus, EngineError> {
        loop {
            let Some(spec) = self.definition.state(&state).cloned() else {
                return Err(EngineError::Refused {
                    workflow_id: workflow_id.into(),
                    message: format!("state `{state}` is not defined"),
                });
            };
            if let Some(kind) = spec.terminal {
                let timestamp = (self.clock)();
                return Ok(match kind {
                    TerminalKind::Completed => {
                        self.append(WorkflowEvent::WorkflowCompleted {
                            workflow_id: workflow_id.into(),
                            output: data,
                            timestamp,
                        })
                        .await?;
                        InstanceStatus::Completed
                    }
                    TerminalKind::Failed => {
                        self.append(WorkflowEvent::WorkflowFailed {
                            workflow_id: workflow_id.into(),
                            error: format!("reached the failed state `{state}`"),
                            timestamp,
                        })
                        .await?;
                        InstanceStatus::Failed
                    }
                });
            }
            let Some(activity) = spec.activity.clone() else {
                return Ok(InstanceStatus::Running); // waits for a signal
            };
            let f = self.activities.get(&activity).cloned();
            let max_attempts = spec.max_attempts.unwrap_or(3).max(1);
            let mut outcome = Err(String::new());
            for _ in 0..max_attempts {
                self.append(WorkflowEvent::ActivityStarted {
                    workflow_id: workflow_id.into(),
                    activity_name: activity.clone(),
                    input: data.clone(),
                    timestamp: (self.clock)(),
                })
                .await?;
                outcome = match &f {
                    Some(f) => f(&data),
                    None => Err(format!(
                        "activity `{activity}` is not registered in the native engine"
                    )),
                };
                match &outcome {
                    Ok(output) => {
                        self.append(WorkflowEvent::ActivityCompleted {
                            workflow_id: workflow_id.into(),
                            activity_name: activity.clone(),
                            output: output.clone(),
                            timestamp: (self.clock)(),
                        })
                        .await?;
                        break;
                    }
                    Err(error) => {
                        self.append(WorkflowEvent::ActivityFailed {
                            workflow_id: workflow_id.into(),
                            activity_name: activity.clone(),
                            error: error.clone(),
                            timestamp: (self.clock)(),
                        })
                        .await?;
                    }
                }
            }
            let next = match (outcome, &spec.on_failure) {
                (Ok(output), _) => {
                    merge(&mut data, &activity, output);
                    spec.on_success.clone().unwrap_or_default()
                }
                (Err(_), Some(on_failure)) => on_failure.clone(),
                (Err(error), None) => {
                    self.append(WorkflowEvent::WorkflowFailed {
                        workflow_id: workflow_id.into(),
                        error,
                        timestamp: (self.clock)(),
                    })
                    .await?;
                    return Ok(InstanceStatus::Failed);
                }
            };
            self.transition(workflow_id, &state, &next).await?;
            state = next;
        }
    }
}
