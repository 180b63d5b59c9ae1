//! Options for starting a workflow.

use crate::RetryPolicy;
pub use crate::workflow::{IdConflictPolicy, IdReusePolicy};
use std::time::Duration;

/// How to start a workflow.
///
/// ```
/// use ironflow::client::{IdReusePolicy, StartWorkflowOptions};
/// use std::time::Duration;
/// let o = StartWorkflowOptions::new("order-42", "orders")
///     .execution_timeout(Duration::from_secs(3600))
///     .id_reuse_policy(IdReusePolicy::RejectDuplicate);
/// assert_eq!(o.workflow_id, "order-42");
/// ```
#[derive(Debug, Clone)]
pub struct StartWorkflowOptions {
    /// The workflow id (your business key).
    pub workflow_id: String,
    /// The task queue a worker hosting the workflow polls.
    pub task_queue: String,
    /// Reuse of the id of a closed workflow.
    pub id_reuse_policy: IdReusePolicy,
    /// Conflict with a running workflow of the same id (`None`: the server's default for the
    /// operation).
    pub id_conflict_policy: Option<IdConflictPolicy>,
    /// Timeout across all runs (continue-as-new and retries included).
    pub execution_timeout: Option<Duration>,
    /// Timeout of one run.
    pub run_timeout: Option<Duration>,
    /// Timeout of one workflow task (default 10 s on the server).
    pub task_timeout: Option<Duration>,
    /// Retry policy of the whole workflow (rarely wanted).
    pub retry_policy: Option<RetryPolicy>,
    /// Search attributes (indexed; the names must be registered on the server).
    pub search_attributes: crate::converter::SearchAttributes,
    /// Memo (unindexed, shown with the workflow).
    pub memo: crate::converter::Memo,
    /// A one-line summary shown by the Web UI.
    pub static_summary: Option<String>,
    /// Longer details shown by the Web UI.
    pub static_details: Option<String>,
    /// A cron schedule (`"@every 2s"`, `"0 12 * * *"`): the workflow runs again on it after each
    /// run, with the same id. Temporal's legacy form of scheduling; prefer
    /// [`super::Client::create_schedule`].
    pub cron_schedule: Option<String>,
    /// Eager start: the server hands the first workflow task to a worker of this client's
    /// process (same client, same task queue, a free slot) in the start call's answer, saving a
    /// round trip; without such a worker the start is a normal one.
    pub eager_start: bool,
    /// Overrides the workflow's versioning behavior (Worker Deployments): pin it to a version
    /// other than the deployment's current one, or make it auto-upgrade.
    pub versioning_override: Option<VersioningOverride>,
}

/// A start's override of the workflow's versioning behavior.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersioningOverride {
    /// Pinned to this deployment version, whatever the deployment's current version.
    Pinned {
        /// The deployment.
        deployment_name: String,
        /// The version's build id.
        build_id: String,
    },
    /// Follows the deployment's current (and ramping) version.
    AutoUpgrade,
}

impl VersioningOverride {
    pub(crate) fn to_proto(
        &self,
    ) -> temporalio_common::protos::temporal::api::workflow::v1::VersioningOverride {
        use temporalio_common::protos::temporal::api::workflow::v1::versioning_override::{
            Override, PinnedOverride, PinnedOverrideBehavior,
        };
        #[allow(deprecated)]
        temporalio_common::protos::temporal::api::workflow::v1::VersioningOverride {
            r#override: Some(match self {
                Self::Pinned {
                    deployment_name,
                    build_id,
                } => Override::Pinned(PinnedOverride {
                    behavior: PinnedOverrideBehavior::Pinned as i32,
                    version: Some(
                        temporalio_common::protos::temporal::api::deployment::v1::WorkerDeploymentVersion {
                            build_id: build_id.clone(),
                            deployment_name: deployment_name.clone(),
                        },
                    ),
                }),
                Self::AutoUpgrade => Override::AutoUpgrade(true),
            }),
            ..Default::default()
        }
    }
}

impl StartWorkflowOptions {
    /// Options with an id and a task queue, everything else left to the server.
    pub fn new(workflow_id: impl Into<String>, task_queue: impl Into<String>) -> Self {
        Self {
            workflow_id: workflow_id.into(),
            task_queue: task_queue.into(),
            id_reuse_policy: IdReusePolicy::default(),
            id_conflict_policy: None,
            execution_timeout: None,
            run_timeout: None,
            task_timeout: None,
            retry_policy: None,
            search_attributes: Default::default(),
            memo: Default::default(),
            static_summary: None,
            static_details: None,
            cron_schedule: None,
            eager_start: false,
            versioning_override: None,
        }
    }

    /// Overrides the workflow's versioning behavior (see [`VersioningOverride`]).
    pub fn versioning_override(mut self, o: VersioningOverride) -> Self {
        self.versioning_override = Some(o);
        self
    }

    /// Sets a cron schedule (see [`StartWorkflowOptions::cron_schedule`]).
    pub fn cron_schedule(mut self, cron: impl Into<String>) -> Self {
        self.cron_schedule = Some(cron.into());
        self
    }

    /// Asks for eager start (see [`StartWorkflowOptions::eager_start`]).
    pub fn eager_start(mut self, eager: bool) -> Self {
        self.eager_start = eager;
        self
    }
    /// Sets the id reuse policy.
    pub fn id_reuse_policy(mut self, p: IdReusePolicy) -> Self {
        self.id_reuse_policy = p;
        self
    }
    /// Sets the id conflict policy.
    pub fn id_conflict_policy(mut self, p: IdConflictPolicy) -> Self {
        self.id_conflict_policy = Some(p);
        self
    }
    /// Sets the execution timeout.
    pub fn execution_timeout(mut self, d: Duration) -> Self {
        self.execution_timeout = Some(d);
        self
    }
    /// Sets the run timeout.
    pub fn run_timeout(mut self, d: Duration) -> Self {
        self.run_timeout = Some(d);
        self
    }
    /// Sets the workflow task timeout.
    pub fn task_timeout(mut self, d: Duration) -> Self {
        self.task_timeout = Some(d);
        self
    }
    /// Sets a search attribute.
    pub fn search_attribute(
        mut self,
        name: impl Into<String>,
        value: crate::converter::SearchAttributeValue,
    ) -> Self {
        self.search_attributes.insert(name.into(), value);
        self
    }
    /// Sets a memo field.
    pub fn memo_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.memo.insert(name.into(), value);
        self
    }
    /// Sets the Web UI's summary line.
    pub fn static_summary(mut self, summary: impl Into<String>) -> Self {
        self.static_summary = Some(summary.into());
        self
    }
    /// Sets the Web UI's details text.
    pub fn static_details(mut self, details: impl Into<String>) -> Self {
        self.static_details = Some(details.into());
        self
    }
    /// Sets the workflow retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry_policy = Some(p);
        self
    }
}
