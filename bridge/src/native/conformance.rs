//! Checks a native log against the definition version it claims, before it is translated: the
//! states it names exist, each transition is one the definition makes at that point, each
//! activity and signal belongs to the state it happens in, retries stay within `max_attempts`,
//! and a terminal state ends the log. A log that does not fit would translate into a history the
//! interpreter cannot replay; this says where and why instead.

use super::definition::{TerminalKind, WorkflowDefinition};
use super::event::{SequencedEvent, WorkflowEvent};

/// One place where a log departs from its definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "workflow `{workflow_id}`, event #{sequence} ({kind}), in state `{state}`: {found}; definition `{definition}` \
     expects {expected}"
)]
pub struct DefinitionViolation {
    /// The instance.
    pub workflow_id: String,
    /// The sequence number of the offending event.
    pub sequence: u64,
    /// Its kind (`StateTransitioned`, `ActivityStarted`, ...).
    pub kind: String,
    /// The state the instance was in, by the definition.
    pub state: String,
    /// What the log has.
    pub found: String,
    /// What the definition expects at this point.
    pub expected: String,
    /// `name version` of the definition.
    pub definition: String,
}

/// What the definition expects next.
#[derive(Debug, Clone)]
enum Expect {
    /// `WorkflowStarted`.
    Start,
    /// Just started in the initial state: what entering it does, or a transition from it to
    /// any state (an execution resumed at a later state: a migrated run exported back).
    Started(String),
    /// Whatever entering `state` does (an activity, a signal, the end).
    Enter(String),
    /// The outcome of attempt `attempt` of `activity` in `state`.
    Outcome {
        state: String,
        activity: String,
        attempt: u32,
    },
    /// After a failed attempt: a retry, the `on_failure` transition, or the workflow's failure.
    AfterFailure {
        state: String,
        activity: String,
        attempt: u32,
    },
    /// Exactly this transition.
    Transition { from: String, to: String },
    /// Nothing: the log ended.
    Ended,
}

/// Checks `events` (one instance, in order) against `def`; empty when the log fits. After the
/// first violation the log cannot be followed further, so at most one is reported per instance.
pub fn check_against_definition(
    events: &[SequencedEvent],
    def: &WorkflowDefinition,
) -> Vec<DefinitionViolation> {
    let definition = format!("{} {}", def.name, def.version);
    let mut expect = Expect::Start;
    for e in events {
        let violation = |state: &str, found: String, expected: String| DefinitionViolation {
            workflow_id: e.event.workflow_id().to_string(),
            sequence: e.sequence,
            kind: e.event.kind().to_string(),
            state: state.to_string(),
            found,
            expected,
            definition: definition.clone(),
        };
        match step(def, &expect, &e.event) {
            Ok(next) => expect = next,
            Err((state, found, expected)) => return vec![violation(&state, found, expected)],
        }
    }
    Vec::new()
}

type Mismatch = (String, String, String);

fn describe(event: &WorkflowEvent) -> String {
    match event {
        WorkflowEvent::WorkflowStarted { workflow_name, .. } => format!("the start of `{workflow_name}`"),
        WorkflowEvent::ActivityStarted { activity_name, .. } => {
            format!("activity `{activity_name}` starting")
        }
        WorkflowEvent::ActivityCompleted { activity_name, .. } => {
            format!("activity `{activity_name}` completing")
        }
        WorkflowEvent::ActivityFailed { activity_name, .. } => format!("activity `{activity_name}` failing"),
        WorkflowEvent::SignalReceived { signal_name, .. } => format!("signal `{signal_name}`"),
        WorkflowEvent::StateTransitioned {
            from_state, to_state, ..
        } => {
            format!("a transition `{from_state}` -> `{to_state}`")
        }
        WorkflowEvent::WorkflowCompleted { .. } => "the workflow completing".into(),
        WorkflowEvent::WorkflowFailed { .. } => "the workflow failing".into(),
    }
}

/// What entering `state` leads to.
fn enter(def: &WorkflowDefinition, state: &str, event: &WorkflowEvent) -> Result<Expect, Mismatch> {
    let Some(spec) = def.state(state) else {
        return Err((
            state.into(),
            describe(event),
            format!(
                "one of its states [{}]",
                def.states.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    };
    let found = || describe(event);
    if let Some(kind) = spec.terminal {
        return match (kind, event) {
            (TerminalKind::Completed, WorkflowEvent::WorkflowCompleted { .. })
            | (TerminalKind::Failed, WorkflowEvent::WorkflowFailed { .. }) => Ok(Expect::Ended),
            (TerminalKind::Completed, _) => Err((
                state.into(),
                found(),
                "the workflow completing (a terminal state)".into(),
            )),
            (TerminalKind::Failed, _) => Err((
                state.into(),
                found(),
                "the workflow failing (a terminal state)".into(),
            )),
        };
    }
    if let Some(activity) = &spec.activity {
        return match event {
            WorkflowEvent::ActivityStarted { activity_name, .. } if activity_name == activity => {
                Ok(Expect::Outcome {
                    state: state.into(),
                    activity: activity.clone(),
                    attempt: 1,
                })
            }
            _ => Err((state.into(), found(), format!("activity `{activity}` starting"))),
        };
    }
    if !spec.on_signal.is_empty() {
        return match event {
            WorkflowEvent::SignalReceived { signal_name, .. } => match spec.on_signal.get(signal_name) {
                Some(to) => Ok(Expect::Transition {
                    from: state.into(),
                    to: to.clone(),
                }),
                None => Err((state.into(), found(), signals(spec.on_signal.keys()))),
            },
            _ => Err((state.into(), found(), signals(spec.on_signal.keys()))),
        };
    }
    Err((
        state.into(),
        found(),
        "nothing: the state has no activity, signal or end".into(),
    ))
}

fn signals<'a>(names: impl Iterator<Item = &'a String>) -> String {
    format!(
        "one of the signals [{}]",
        names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    )
}

fn step(def: &WorkflowDefinition, expect: &Expect, event: &WorkflowEvent) -> Result<Expect, Mismatch> {
    let found = || describe(event);
    match expect {
        Expect::Start => match event {
            WorkflowEvent::WorkflowStarted { workflow_name, .. } if *workflow_name == def.name => {
                Ok(Expect::Started(def.initial_state.clone()))
            }
            _ => Err((
                "(not started)".into(),
                found(),
                format!("the start of `{}`", def.name),
            )),
        },
        Expect::Started(state) => match event {
            WorkflowEvent::StateTransitioned {
                from_state, to_state, ..
            } if from_state == state && def.state(to_state).is_some() => Ok(Expect::Enter(to_state.clone())),
            _ => enter(def, state, event),
        },
        Expect::Enter(state) => enter(def, state, event),
        Expect::Outcome {
            state,
            activity,
            attempt,
        } => match event {
            WorkflowEvent::ActivityCompleted { activity_name, .. } if activity_name == activity => {
                let spec = def.state(state);
                match spec.and_then(|s| s.on_success.clone()) {
                    Some(to) => Ok(Expect::Transition {
                        from: state.clone(),
                        to,
                    }),
                    None => Err((
                        state.clone(),
                        found(),
                        "an `on_success` state for the activity (the definition has none)".into(),
                    )),
                }
            }
            WorkflowEvent::ActivityFailed { activity_name, .. } if activity_name == activity => {
                Ok(Expect::AfterFailure {
                    state: state.clone(),
                    activity: activity.clone(),
                    attempt: *attempt,
                })
            }
            _ => Err((
                state.clone(),
                found(),
                format!("the outcome of activity `{activity}`"),
            )),
        },
        Expect::AfterFailure {
            state,
            activity,
            attempt,
        } => {
            let spec = def.state(state);
            let max = spec.and_then(|s| s.max_attempts).unwrap_or(3).max(1);
            let on_failure = spec.and_then(|s| s.on_failure.clone());
            let options = || {
                let mut options = Vec::new();
                if *attempt < max {
                    options.push(format!(
                        "a retry of `{activity}` (attempt {} of {max})",
                        attempt + 1
                    ));
                }
                match &on_failure {
                    Some(to) => options.push(format!("a transition `{state}` -> `{to}`")),
                    None => options.push("the workflow failing".into()),
                }
                options.join(" or ")
            };
            match event {
                WorkflowEvent::ActivityStarted { activity_name, .. } if activity_name == activity => {
                    if *attempt < max {
                        Ok(Expect::Outcome {
                            state: state.clone(),
                            activity: activity.clone(),
                            attempt: attempt + 1,
                        })
                    } else {
                        Err((
                            state.clone(),
                            format!("attempt {} of activity `{activity}`", attempt + 1),
                            format!("at most {max} attempts, then {}", options()),
                        ))
                    }
                }
                WorkflowEvent::StateTransitioned {
                    from_state, to_state, ..
                } if from_state == state && on_failure.as_deref() == Some(to_state.as_str()) => {
                    Ok(Expect::Enter(to_state.clone()))
                }
                WorkflowEvent::WorkflowFailed { .. } if on_failure.is_none() => Ok(Expect::Ended),
                _ => Err((state.clone(), found(), options())),
            }
        }
        Expect::Transition { from, to } => match event {
            WorkflowEvent::StateTransitioned {
                from_state, to_state, ..
            } if from_state == from && to_state == to => Ok(Expect::Enter(to.clone())),
            _ => Err((from.clone(), found(), format!("a transition `{from}` -> `{to}`"))),
        },
        Expect::Ended => Err((
            "(ended)".into(),
            found(),
            "nothing after the workflow ended".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def() -> WorkflowDefinition {
        WorkflowDefinition::from_yaml(
            r#"
name: Order
version: 1.0.0
initial_state: reserving
states:
  reserving: { activity: reserve, on_success: waiting, on_failure: failed, max_attempts: 2 }
  waiting: { on_signal: { approve: shipping, reject: failed } }
  shipping: { activity: ship, on_success: done }
  done: { terminal: completed }
  failed: { terminal: failed }
"#,
            "test",
        )
        .expect("a definition")
    }

    fn log(events: Vec<WorkflowEvent>) -> Vec<SequencedEvent> {
        SequencedEvent::numbered(events, 1)
    }

    const ID: &str = "o-1";
    fn started() -> WorkflowEvent {
        WorkflowEvent::WorkflowStarted {
            workflow_id: ID.into(),
            workflow_name: "Order".into(),
            input: json!({}),
            timestamp: 0,
        }
    }
    fn act(name: &str) -> WorkflowEvent {
        WorkflowEvent::ActivityStarted {
            workflow_id: ID.into(),
            activity_name: name.into(),
            input: json!({}),
            timestamp: 0,
        }
    }
    fn done(name: &str) -> WorkflowEvent {
        WorkflowEvent::ActivityCompleted {
            workflow_id: ID.into(),
            activity_name: name.into(),
            output: json!(1),
            timestamp: 0,
        }
    }
    fn fail(name: &str) -> WorkflowEvent {
        WorkflowEvent::ActivityFailed {
            workflow_id: ID.into(),
            activity_name: name.into(),
            error: "x".into(),
            timestamp: 0,
        }
    }
    fn go(from: &str, to: &str) -> WorkflowEvent {
        WorkflowEvent::StateTransitioned {
            workflow_id: ID.into(),
            from_state: from.into(),
            to_state: to.into(),
            timestamp: 0,
        }
    }
    fn signal(name: &str) -> WorkflowEvent {
        WorkflowEvent::SignalReceived {
            workflow_id: ID.into(),
            signal_name: name.into(),
            data: json!({}),
            timestamp: 0,
        }
    }
    fn completed() -> WorkflowEvent {
        WorkflowEvent::WorkflowCompleted {
            workflow_id: ID.into(),
            output: json!({}),
            timestamp: 0,
        }
    }

    #[test]
    fn logs_the_engine_writes_fit() {
        let full = log(vec![
            started(),
            act("reserve"),
            fail("reserve"),
            act("reserve"),
            done("reserve"),
            go("reserving", "waiting"),
            signal("approve"),
            go("waiting", "shipping"),
            act("ship"),
            done("ship"),
            go("shipping", "done"),
            completed(),
        ]);
        assert_eq!(check_against_definition(&full, &def()), vec![]);
        // In flight: the log may stop anywhere.
        assert_eq!(check_against_definition(&full[..6], &def()), vec![]);
        // A run resumed at a later state (a migrated execution exported back).
        let resumed = log(vec![
            started(),
            go("reserving", "waiting"),
            signal("approve"),
            go("waiting", "shipping"),
        ]);
        assert_eq!(check_against_definition(&resumed, &def()), vec![]);
    }

    #[test]
    fn each_departure_is_named_with_its_event_state_and_expectation() {
        let cases: Vec<(Vec<WorkflowEvent>, u64, &str, &str)> = vec![
            // A state the definition does not have.
            (
                vec![
                    started(),
                    act("reserve"),
                    done("reserve"),
                    go("reserving", "packing"),
                ],
                4,
                "reserving",
                "a transition `reserving` -> `waiting`",
            ),
            // An activity in a state that does not call it.
            (
                vec![started(), act("ship")],
                2,
                "reserving",
                "activity `reserve` starting",
            ),
            // Moving without the transition the definition makes.
            (
                vec![started(), act("reserve"), done("reserve"), signal("approve")],
                4,
                "reserving",
                "a transition `reserving` -> `waiting`",
            ),
            // A signal the state does not wait for.
            (
                vec![
                    started(),
                    act("reserve"),
                    done("reserve"),
                    go("reserving", "waiting"),
                    signal("cancel"),
                ],
                5,
                "waiting",
                "one of the signals [`approve`, `reject`]",
            ),
            // Too many attempts.
            (
                vec![
                    started(),
                    act("reserve"),
                    fail("reserve"),
                    act("reserve"),
                    fail("reserve"),
                    act("reserve"),
                ],
                6,
                "reserving",
                "at most 2 attempts, then a transition `reserving` -> `failed`",
            ),
            // Events after the end.
            (
                vec![
                    started(),
                    act("reserve"),
                    done("reserve"),
                    go("reserving", "waiting"),
                    signal("approve"),
                    go("waiting", "shipping"),
                    act("ship"),
                    done("ship"),
                    go("shipping", "done"),
                    completed(),
                    act("ship"),
                ],
                11,
                "(ended)",
                "nothing after the workflow ended",
            ),
            // A terminal state that does not end the log.
            (
                vec![
                    started(),
                    act("reserve"),
                    fail("reserve"),
                    act("reserve"),
                    fail("reserve"),
                    go("reserving", "failed"),
                    act("reserve"),
                ],
                7,
                "failed",
                "the workflow failing (a terminal state)",
            ),
        ];
        for (events, sequence, state, expected) in cases {
            let v = check_against_definition(&log(events), &def());
            assert_eq!(v.len(), 1, "{v:?}");
            assert_eq!(
                (v[0].sequence, v[0].state.as_str(), v[0].expected.as_str()),
                (sequence, state, expected),
                "{}",
                v[0]
            );
            assert!(
                v[0].to_string().contains("workflow `o-1`") && v[0].to_string().contains("Order 1.0.0"),
                "{}",
                v[0]
            );
        }
    }
}
