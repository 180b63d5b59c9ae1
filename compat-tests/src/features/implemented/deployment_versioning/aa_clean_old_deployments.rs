//! `deployment_versioning/aa_clean_old_deployments`: upstream's housekeeping step before the
//! other deployment features (on a shared cloud namespace): a workflow lists the Worker
//! Deployments created more than a day ago (an activity using the client) and deletes each (its
//! versions first, then the deployment), returning "Cleaned <n> deployments". On the harness's
//! own dev server every deployment is younger than a day, so n is 0; the listing and describing
//! run for real (a deployment the test creates first is listed and left alone).

use crate::features::support::{fail, start, wait_for};
use ironflow::Worker;
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::VersioningBehavior;
use std::time::{Duration, SystemTime};

/// Lists the deployments created more than `older_than_secs` ago.
pub struct ListOldDeployments {
    client: Client,
}
impl ActivityDefinition for ListOldDeployments {
    const NAME: &'static str = "ListOldDeployments";
    type Input = u64;
    type Output = Vec<String>;
}
impl Activity for ListOldDeployments {
    type Error = ApplicationError;
    async fn execute(
        &self,
        _: ActivityContext,
        older_than_secs: u64,
    ) -> Result<Vec<String>, ApplicationError> {
        let cutoff = SystemTime::now() - Duration::from_secs(older_than_secs);
        let all = self
            .client
            .list_worker_deployments()
            .await
            .map_err(|e| ApplicationError::new(e.to_string()))?;
        Ok(all
            .into_iter()
            .filter(|d| d.create_time.is_some_and(|t| t < cutoff))
            .map(|d| d.name)
            .collect())
    }
}

/// Deletes a deployment's versions, then the deployment.
pub struct DeleteDeployment {
    client: Client,
}
impl ActivityDefinition for DeleteDeployment {
    const NAME: &'static str = "DeleteDeployment";
    type Input = String;
    type Output = ();
}
impl Activity for DeleteDeployment {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, name: String) -> Result<(), ApplicationError> {
        let err = |e: ironflow::client::ClientError| ApplicationError::new(e.to_string());
        let described = self.client.describe_worker_deployment(&name).await.map_err(err)?;
        for build_id in described.versions {
            self.client
                .delete_worker_deployment_version(&name, &build_id, true)
                .await
                .map_err(err)?;
        }
        self.client.delete_worker_deployment(&name).await.map_err(err)
    }
}

/// Cleans the deployments older than a day.
pub struct CleanOldDeployments;
impl Workflow for CleanOldDeployments {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let old = ctx
            .activity::<ListOldDeployments>(24 * 3600)
            .start_to_close_timeout(Duration::from_secs(60))
            .await?;
        for name in &old {
            ctx.activity::<DeleteDeployment>(name.clone())
                .start_to_close_timeout(Duration::from_secs(60))
                .await?;
        }
        Ok(format!("Cleaned {} deployments", old.len()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    let client = builder.client().clone();
    builder
        .register_workflow::<CleanOldDeployments>()
        .register_activity(ListOldDeployments {
            client: client.clone(),
        })
        .register_activity(DeleteDeployment { client })
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CleanOldDeployments>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    // A young deployment: its version exists once its worker polled.
    let young = crate::unique("young-deployment");
    let version_queue = crate::unique("young-deployment-queue");
    let worker = Worker::builder(&client, &version_queue)
        .register_workflow::<CleanOldDeployments>()
        .deployment(&young, "1.0", VersioningBehavior::Pinned)
        .build()
        .map_err(fail)?;
    worker
        .run_until(wait_for(
            "the young deployment to be listed",
            Duration::from_secs(30),
            || async {
                client
                    .list_worker_deployments()
                    .await
                    .is_ok_and(|all| all.iter().any(|d| d.name == young))
            },
        ))
        .await
        .map_err(fail)??;
    let handle = start::<CleanOldDeployments>(&client, &task_queue, "aa-clean-old-deployments", ()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != "Cleaned 0 deployments" {
        return Err(format!(
            "expected nothing older than a day on a fresh server, got {out:?}"
        ));
    }
    let still = client.describe_worker_deployment(&young).await.map_err(fail)?;
    if still.versions != ["1.0"] {
        return Err(format!("the young deployment lost its version: {still:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
