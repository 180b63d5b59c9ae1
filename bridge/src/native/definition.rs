//! State-machine workflow definitions with semver versions, as the native engine runs them (and
//! as the interpreter workflow runs them on Temporal).
//!
//! ```yaml
//! name: order                  # the workflow name (Temporal workflow type)
//! version: 1.2.0
//! initial_state: reserving
//! states:
//!   reserving:
//!     activity: reserve_inventory   # run on entering the state
//!     on_success: charging          # after the activity completes
//!     on_failure: failed            # after it fails for good (optional: without it the workflow fails)
//!   charging:
//!     activity: charge_payment
//!     on_success: awaiting_approval
//!   awaiting_approval:
//!     on_signal:                    # wait for one of these signals
//!       approve: shipping
//!       reject: cancelled
//!   shipping:
//!     activity: ship
//!     on_success: done
//!   done:      { terminal: completed }
//!   cancelled: { terminal: failed }
//!   failed:    { terminal: failed }
//! ```
//!
//! Data flow: the instance's data starts as its input (a JSON object); an activity receives the
//! whole data as input and its output is stored under the activity's name; a signal's data is
//! stored under the signal's name; a completed instance's output is its data.

use semver::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How a terminal state ends the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalKind {
    /// `WorkflowCompleted` with the data as output.
    Completed,
    /// `WorkflowFailed`.
    Failed,
}

/// One state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDefinition {
    /// The activity run on entering the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// The state entered after the activity completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// The state entered after the activity fails for good (none: the workflow fails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// Signal name → state entered when it arrives.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_signal: BTreeMap<String, String>,
    /// Marks a terminal state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<TerminalKind>,
    /// Start-to-close timeout of the activity, in seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Maximum attempts of the activity (default 3; Temporal retries it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

impl StateDefinition {
    /// The activity's start-to-close timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.unwrap_or(60))
    }
}

/// A workflow definition: states and transitions, with a semver version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDefinition {
    /// The workflow name (the Temporal workflow type).
    pub name: String,
    /// The definition's version.
    pub version: Version,
    /// The state an instance starts in.
    pub initial_state: String,
    /// The states by name.
    pub states: BTreeMap<String, StateDefinition>,
}

/// A definition that cannot be used, naming the state or transition at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionError {
    /// The text does not parse.
    #[error("definition {source_name}: {message}")]
    Parse {
        /// The file or label.
        source_name: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// The definition parses but is inconsistent.
    #[error("definition `{name}` {version}: {message}")]
    Invalid {
        /// The definition's name.
        name: String,
        /// The definition's version.
        version: String,
        /// What is wrong, naming the state or transition.
        message: String,
    },
}

impl WorkflowDefinition {
    /// Parses YAML (JSON is YAML too) and validates.
    pub fn from_yaml(text: &str, source_name: &str) -> Result<Self, DefinitionError> {
        let def: WorkflowDefinition = serde_norway::from_str(text).map_err(|e| DefinitionError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        def.validate()?;
        Ok(def)
    }

    /// Parses JSON and validates.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, DefinitionError> {
        let def: WorkflowDefinition = serde_json::from_str(text).map_err(|e| DefinitionError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        def.validate()?;
        Ok(def)
    }

    /// Reads a `.yaml`, `.yml` or `.json` file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, DefinitionError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| DefinitionError::Parse {
            source_name: name.clone(),
            message: e.to_string(),
        })?;
        if path.extension().is_some_and(|e| e == "json") {
            Self::from_json(&text, &name)
        } else {
            Self::from_yaml(&text, &name)
        }
    }

    /// Reads every definition file of a directory.
    pub fn from_dir(dir: &std::path::Path) -> Result<Vec<Self>, DefinitionError> {
        let entries = std::fs::read_dir(dir).map_err(|e| DefinitionError::Parse {
            source_name: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            })
            .collect();
        paths.sort();
        paths.iter().map(|p| Self::from_file(p)).collect()
    }

    fn invalid(&self, message: String) -> DefinitionError {
        DefinitionError::Invalid {
            name: self.name.clone(),
            version: self.version.to_string(),
            message,
        }
    }

    /// Checks the definition: the initial state and every transition target exist; terminal
    /// states have no transitions; every other state either runs an activity (with
    /// `on_success`) or waits for signals, not both; names are not empty.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        if self.name.trim().is_empty() {
            return Err(self.invalid("the workflow name is empty".into()));
        }
        if self.states.is_empty() {
            return Err(self.invalid("it has no states".into()));
        }
        if !self.states.contains_key(&self.initial_state) {
            return Err(self.invalid(format!("initial_state `{}` is not a state", self.initial_state)));
        }
        let target = |state: &str, what: &str, to: &str| -> Result<(), DefinitionError> {
            if self.states.contains_key(to) {
                Ok(())
            } else {
                Err(self.invalid(format!(
                    "state `{state}`: {what} goes to `{to}`, which is not a state"
                )))
            }
        };
        for (name, s) in &self.states {
            if s.terminal.is_some() {
                if s.activity.is_some()
                    || s.on_success.is_some()
                    || s.on_failure.is_some()
                    || !s.on_signal.is_empty()
                {
                    return Err(self.invalid(format!(
                        "state `{name}` is terminal but has transitions or an activity"
                    )));
                }
                continue;
            }
            match (&s.activity, s.on_signal.is_empty()) {
                (Some(activity), true) => {
                    if activity.trim().is_empty() {
                        return Err(self.invalid(format!("state `{name}`: the activity name is empty")));
                    }
                    let Some(next) = &s.on_success else {
                        return Err(
                            self.invalid(format!("state `{name}` runs `{activity}` but has no on_success"))
                        );
                    };
                    target(name, "on_success", next)?;
                    if let Some(f) = &s.on_failure {
                        target(name, "on_failure", f)?;
                    }
                }
                (None, false) => {
                    if s.on_success.is_some() || s.on_failure.is_some() {
                        return Err(self.invalid(format!(
                            "state `{name}` waits for signals; on_success/on_failure need an activity"
                        )));
                    }
                    for (signal, to) in &s.on_signal {
                        target(name, &format!("signal `{signal}`"), to)?;
                    }
                }
                (Some(_), false) => {
                    return Err(self.invalid(format!("state `{name}` has both an activity and on_signal")));
                }
                (None, true) => {
                    return Err(self.invalid(format!(
                        "state `{name}` is not terminal but has neither an activity nor on_signal"
                    )));
                }
            }
        }
        Ok(())
    }

    /// A state by name.
    pub fn state(&self, name: &str) -> Option<&StateDefinition> {
        self.states.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"
name: order
version: 1.2.0
initial_state: reserving
states:
  reserving: { activity: reserve_inventory, on_success: awaiting_approval, on_failure: failed }
  awaiting_approval: { on_signal: { approve: done, reject: failed } }
  done: { terminal: completed }
  failed: { terminal: failed }
"#;

    #[test]
    fn parses_and_validates() {
        let d = WorkflowDefinition::from_yaml(ORDER, "order.yaml").unwrap();
        assert_eq!(d.version, Version::new(1, 2, 0));
        assert_eq!(
            d.state("reserving").unwrap().activity.as_deref(),
            Some("reserve_inventory")
        );
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(WorkflowDefinition::from_json(&json, "order.json").unwrap(), d);
    }

    #[test]
    fn errors_name_the_state_or_transition() {
        let bad = ORDER.replace("on_success: awaiting_approval", "on_success: awaiting_aproval");
        let e = WorkflowDefinition::from_yaml(&bad, "x").unwrap_err().to_string();
        assert!(
            e.contains("state `reserving`: on_success goes to `awaiting_aproval`"),
            "{e}"
        );
        let bad = ORDER.replace("reject: failed", "reject: nowhere");
        let e = WorkflowDefinition::from_yaml(&bad, "x").unwrap_err().to_string();
        assert!(e.contains("signal `reject` goes to `nowhere`"), "{e}");
        let bad = ORDER.replace("initial_state: reserving", "initial_state: start");
        assert!(
            WorkflowDefinition::from_yaml(&bad, "x")
                .unwrap_err()
                .to_string()
                .contains("initial_state `start`")
        );
        let bad = ORDER.replace("version: 1.2.0", "version: one");
        let e = WorkflowDefinition::from_yaml(&bad, "order.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("definition order.yaml:"), "{e}");
        let bad = ORDER.replace(
            "done: { terminal: completed }",
            "done: { terminal: completed, on_success: failed }",
        );
        assert!(
            WorkflowDefinition::from_yaml(&bad, "x")
                .unwrap_err()
                .to_string()
                .contains("`done` is terminal")
        );
    }
}
