//! The seed's semver versioning (`WorkflowVersion`, `VersionManager`, `MigrationRule`), mapped
//! onto Temporal's Worker Deployment Versions.
//!
//! | seed                        | Temporal / Ironflow                                                                 |
//! |-----------------------------|-------------------------------------------------------------------------------------|
//! | a version of a definition   | a Worker Deployment Version: deployment name + build id (the semver string); a worker serves one version ([`crate::worker::WorkerBuilder::deployment`]) |
//! | running instances stay on their version | the `Pinned` versioning behaviour: an execution stays on the version that started it |
//! | `compatible_with`           | which recorded versions the new version may take over (`AutoUpgrade` executions move to the current version); [`VersionManager::check_rollout`] proves it by replaying their histories against the new code before the version is made current |
//! | `deprecated`                | not offered by [`VersionManager::get_compatible_version`]                           |
//! | `migrate_instance` / `MigrationRule` | [`VersionManager::migrate_instance`] computes the new state; the execution moves with continue-as-new onto the current version ([`crate::workflow::ContinueAsNewOptions::upgrade_to_current_version`]) |
//! | `get_compatible_version`    | the newest non-deprecated registered version matching a requirement               |
//!
//! Rollout with Temporal: start workers of the new version next to the old ones, check the
//! rollout, then make the new version current with
//! [`crate::client::Client::set_current_deployment_version`]: new executions go to it, pinned
//! executions finish on the old one.

use crate::replay::{ReplayInput, ReplayOutcome, Replayer};
use semver::{Version, VersionReq};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

/// Error of a migration rule.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct MigrationError(pub String);

/// A state migration from any version matching `from_version` to `to_version`.
#[derive(Clone)]
pub struct MigrationRule {
    /// The versions this rule migrates from.
    pub from_version: VersionReq,
    /// The version it migrates to.
    pub to_version: Version,
    /// The state transformation.
    pub migrate: Arc<dyn Fn(serde_json::Value) -> Result<serde_json::Value, MigrationError> + Send + Sync>,
}

impl fmt::Debug for MigrationRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MigrationRule({} -> {})", self.from_version, self.to_version)
    }
}

/// One version of a workflow definition.
#[derive(Debug, Clone)]
pub struct WorkflowVersion {
    /// The workflow type this is a version of (the seed's `definition`).
    pub workflow_type: String,
    /// The semver version (the Worker Deployment Version's build id).
    pub version: Version,
    /// The earlier versions whose running executions this version may take over.
    pub compatible_with: Vec<VersionReq>,
    /// Deprecated versions are not chosen for new work.
    pub deprecated: bool,
    /// State migrations into this version.
    pub migration_rules: Vec<MigrationRule>,
}

impl WorkflowVersion {
    /// A version with no compatibility claims and no migrations.
    pub fn new(workflow_type: impl Into<String>, version: Version) -> Self {
        Self {
            workflow_type: workflow_type.into(),
            version,
            compatible_with: Vec::new(),
            deprecated: false,
            migration_rules: Vec::new(),
        }
    }

    /// True when this version may take over executions started on `running`.
    pub fn takes_over(&self, running: &Version) -> bool {
        self.compatible_with.iter().any(|req| req.matches(running))
    }
}

/// Why versions could not be registered or a migration could not run.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionError {
    /// The same version was registered twice.
    #[error("workflow `{workflow_type}` version {version} is already registered")]
    Duplicate {
        /// The workflow type.
        workflow_type: String,
        /// The version.
        version: String,
    },
    /// A version is unknown.
    #[error("workflow `{workflow_type}` has no registered version {version}")]
    Unknown {
        /// The workflow type.
        workflow_type: String,
        /// The version.
        version: String,
    },
    /// No chain of migration rules leads from one version to the other.
    #[error("workflow `{workflow_type}`: no migration rule leads from {from} to {to} (stuck at {stuck_at})")]
    NoMigrationPath {
        /// The workflow type.
        workflow_type: String,
        /// From.
        from: String,
        /// To.
        to: String,
        /// The last version reached.
        stuck_at: String,
    },
    /// A rule failed.
    #[error("workflow `{workflow_type}`: migration {from} -> {to} failed: {error}")]
    MigrationFailed {
        /// The workflow type.
        workflow_type: String,
        /// From.
        from: String,
        /// To.
        to: String,
        /// The rule's error.
        error: MigrationError,
    },
}

/// A recorded history and the version that produced it, for [`VersionManager::check_rollout`].
#[derive(Debug, Clone)]
pub struct RecordedExecution {
    /// The version that ran it.
    pub version: Version,
    /// Its history.
    pub history: ReplayInput,
}

/// What a rollout would do with the recorded executions.
#[derive(Debug, Clone, Default)]
pub struct RolloutPlan {
    /// Executions the new version takes over (their histories replayed cleanly).
    pub taken_over: Vec<String>,
    /// Executions that stay pinned to their version (the new version does not claim them).
    pub stay_pinned: Vec<String>,
}

/// A rollout the compatibility check refuses: executions the new version claims but cannot
/// replay.
#[derive(Debug, Clone, thiserror::Error)]
#[error("version {version} of `{workflow_type}` is refused: it claims {} execution(s) it cannot replay: {}", failures.len(), failures.iter().map(|(s, o)| format!("{s} ({}: {})", o.kind(), o.message().unwrap_or_default())).collect::<Vec<_>>().join("; "))]
pub struct RolloutRefused {
    /// The workflow type.
    pub workflow_type: String,
    /// The refused version.
    pub version: Version,
    /// Each claimed execution that did not replay, with why.
    pub failures: Vec<(String, ReplayOutcome)>,
}

/// The seed's `VersionManager`: registered versions of workflow definitions, their
/// compatibility, migrations, and the rollout check.
///
/// ```
/// use ironflow::versioning::{VersionManager, WorkflowVersion, MigrationRule};
/// use semver::{Version, VersionReq};
/// use std::sync::Arc;
///
/// let mut versions = VersionManager::new("orders");
/// versions.register_version(WorkflowVersion::new("Order", Version::new(1, 0, 0))).unwrap();
/// let mut v2 = WorkflowVersion::new("Order", Version::new(2, 0, 0));
/// v2.migration_rules.push(MigrationRule {
///     from_version: VersionReq::parse("^1").unwrap(),
///     to_version: Version::new(2, 0, 0),
///     migrate: Arc::new(|mut s| { s["currency"] = "EUR".into(); Ok(s) }),
/// });
/// versions.register_version(v2).unwrap();
///
/// let newest = versions.get_compatible_version("Order", &VersionReq::parse(">=1").unwrap()).unwrap();
/// assert_eq!(newest.version, Version::new(2, 0, 0));
/// let migrated = versions
///     .migrate_instance("Order", serde_json::json!({"total": 10}), &Version::new(1, 0, 0), &Version::new(2, 0, 0))
///     .unwrap();
/// assert_eq!(migrated["currency"], "EUR");
/// assert_eq!(versions.build_id(&Version::new(2, 0, 0)), "2.0.0");
/// ```
#[derive(Debug, Clone)]
pub struct VersionManager {
    deployment_name: String,
    versions: HashMap<String, BTreeMap<Version, WorkflowVersion>>,
}

impl VersionManager {
    /// A manager for the workers of one Temporal Worker Deployment.
    pub fn new(deployment_name: impl Into<String>) -> Self {
        Self {
            deployment_name: deployment_name.into(),
            versions: HashMap::new(),
        }
    }

    /// The Worker Deployment name.
    pub fn deployment_name(&self) -> &str {
        &self.deployment_name
    }

    /// The build id of a version (its semver string).
    pub fn build_id(&self, version: &Version) -> String {
        version.to_string()
    }

    /// Registers a version.
    pub fn register_version(&mut self, version: WorkflowVersion) -> Result<(), VersionError> {
        let by_version = self.versions.entry(version.workflow_type.clone()).or_default();
        if by_version.contains_key(&version.version) {
            return Err(VersionError::Duplicate {
                workflow_type: version.workflow_type,
                version: version.version.to_string(),
            });
        }
        by_version.insert(version.version.clone(), version);
        Ok(())
    }

    /// The newest non-deprecated version matching `required`.
    pub fn get_compatible_version(
        &self,
        workflow_type: &str,
        required: &VersionReq,
    ) -> Option<&WorkflowVersion> {
        self.versions
            .get(workflow_type)?
            .values()
            .rev()
            .find(|v| !v.deprecated && required.matches(&v.version))
    }

    /// A registered version.
    pub fn get(&self, workflow_type: &str, version: &Version) -> Option<&WorkflowVersion> {
        self.versions.get(workflow_type)?.get(version)
    }

    /// Migrates an instance's state from one version to another by chaining the target-side
    /// migration rules (from `v1` to `v3` through a `v2` if that is how the rules go). The
    /// execution itself moves with continue-as-new; see the [module docs](self).
    pub fn migrate_instance(
        &self,
        workflow_type: &str,
        mut state: serde_json::Value,
        from: &Version,
        to: &Version,
    ) -> Result<serde_json::Value, VersionError> {
        let versions = self.versions.get(workflow_type);
        let unknown = |version: &Version| VersionError::Unknown {
            workflow_type: workflow_type.to_string(),
            version: version.to_string(),
        };
        if versions.is_none_or(|v| !v.contains_key(to)) {
            return Err(unknown(to));
        }
        let versions = versions.ok_or_else(|| unknown(to))?;
        let mut current = from.clone();
        while &current != to {
            let rule = versions
                .values()
                .filter(|v| v.version > current && v.version <= *to)
                .flat_map(|v| v.migration_rules.iter())
                .filter(|r| r.from_version.matches(&current) && r.to_version > current && r.to_version <= *to)
                .min_by(|a, b| a.to_version.cmp(&b.to_version))
                .ok_or_else(|| VersionError::NoMigrationPath {
                    workflow_type: workflow_type.to_string(),
                    from: from.to_string(),
                    to: to.to_string(),
                    stuck_at: current.to_string(),
                })?;
            state = (rule.migrate)(state).map_err(|error| VersionError::MigrationFailed {
                workflow_type: workflow_type.to_string(),
                from: current.to_string(),
                to: rule.to_version.to_string(),
                error,
            })?;
            current = rule.to_version.clone();
        }
        Ok(state)
    }

    /// The compatibility check to run before making `new_version` current: every recorded
    /// execution whose version the new one claims (`compatible_with`) must replay cleanly
    /// against the new code registered on `replayer`; the others will stay pinned.
    pub async fn check_rollout(
        &self,
        workflow_type: &str,
        new_version: &Version,
        replayer: &Replayer,
        recorded: Vec<RecordedExecution>,
    ) -> Result<RolloutPlan, RolloutRefused> {
        let refused = |failures| RolloutRefused {
            workflow_type: workflow_type.to_string(),
            version: new_version.clone(),
            failures,
        };
        let Some(new) = self.get(workflow_type, new_version) else {
            return Err(refused(vec![(
                format!("version {new_version}"),
                ReplayOutcome::Internal("the version is not registered".into()),
            )]));
        };
        let mut plan = RolloutPlan::default();
        let mut claimed = Vec::new();
        for r in recorded {
            if new.takes_over(&r.version) {
                claimed.push(r.history);
            } else {
                plan.stay_pinned.push(r.history.source.clone());
            }
        }
        let report = replayer.replay_all(claimed).await;
        let failures: Vec<(String, ReplayOutcome)> = report
            .results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| (r.source.clone(), r.outcome.clone()))
            .collect();
        if !failures.is_empty() {
            return Err(refused(failures));
        }
        plan.taken_over = report.results.into_iter().map(|r| r.source).collect();
        Ok(plan)
    }
}

pub use crate::workflow::VersioningBehavior;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(from: &str, to: Version, field: &'static str) -> MigrationRule {
        MigrationRule {
            from_version: VersionReq::parse(from).unwrap(),
            to_version: to,
            migrate: Arc::new(move |mut s| {
                s[field] = true.into();
                Ok(s)
            }),
        }
    }

    fn manager() -> VersionManager {
        let mut m = VersionManager::new("d");
        m.register_version(WorkflowVersion::new("W", Version::new(1, 0, 0)))
            .unwrap();
        let mut v2 = WorkflowVersion::new("W", Version::new(2, 0, 0));
        v2.migration_rules.push(rule("^1", Version::new(2, 0, 0), "v2"));
        m.register_version(v2).unwrap();
        let mut v3 = WorkflowVersion::new("W", Version::new(3, 0, 0));
        v3.migration_rules.push(rule("^2", Version::new(3, 0, 0), "v3"));
        v3.deprecated = true;
        m.register_version(v3).unwrap();
        m
    }

    #[test]
    fn migrations_chain_through_intermediate_versions() {
        let m = manager();
        let s = m
            .migrate_instance(
                "W",
                serde_json::json!({}),
                &Version::new(1, 0, 0),
                &Version::new(3, 0, 0),
            )
            .unwrap();
        assert_eq!(s, serde_json::json!({"v2": true, "v3": true}));
    }

    #[test]
    fn missing_paths_and_versions_are_named() {
        let m = manager();
        let err = m
            .migrate_instance(
                "W",
                serde_json::json!({}),
                &Version::new(3, 0, 0),
                &Version::new(1, 0, 0),
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("no migration rule leads from 3.0.0 to 1.0.0"),
            "{err}"
        );
        let err = m
            .migrate_instance(
                "W",
                serde_json::json!({}),
                &Version::new(1, 0, 0),
                &Version::new(9, 0, 0),
            )
            .unwrap_err();
        assert!(err.to_string().contains("no registered version 9.0.0"), "{err}");
        let mut m2 = manager();
        assert!(
            m2.register_version(WorkflowVersion::new("W", Version::new(1, 0, 0)))
                .is_err()
        );
    }

    #[test]
    fn deprecated_versions_are_not_chosen() {
        let m = manager();
        let any = VersionReq::parse(">=1").unwrap();
        assert_eq!(
            m.get_compatible_version("W", &any).unwrap().version,
            Version::new(2, 0, 0)
        );
        assert!(m.get_compatible_version("Other", &any).is_none());
    }
}
