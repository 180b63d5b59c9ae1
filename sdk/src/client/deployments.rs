//! Worker Deployments from the client: which version is current, which one ramps, what exists,
//! and deleting what is no longer needed. Workers join a deployment version with
//! [`crate::worker::WorkerBuilder::deployment`]; a start can pin its workflow to a version with
//! [`super::StartWorkflowOptions::versioning_override`].
//!
//! ```no_run
//! # async fn demo(client: ironflow::client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! client.set_current_deployment_version("orders", "1.4.0").await?;
//! client.set_ramping_deployment_version("orders", "1.5.0", 10.0).await?; // 10 % of new tasks
//! for deployment in client.list_worker_deployments().await? {
//!     println!("{} current: {:?}", deployment.name, deployment.current_build_id);
//! }
//! # Ok(()) }
//! ```

use super::{Client, ClientError, system_time};
use std::time::SystemTime;
use temporalio_common::protos::temporal::api::{
    deployment::v1::WorkerDeploymentVersion,
    workflowservice::v1::{
        DeleteWorkerDeploymentRequest, DeleteWorkerDeploymentVersionRequest, DescribeWorkerDeploymentRequest,
        ListWorkerDeploymentsRequest, SetWorkerDeploymentCurrentVersionRequest,
        SetWorkerDeploymentRampingVersionRequest,
    },
};

/// A Worker Deployment as listed or described.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerDeploymentSummary {
    /// The deployment name.
    pub name: String,
    /// When it was created (its first worker polled).
    pub create_time: Option<SystemTime>,
    /// The build id of its current version, if one is set.
    pub current_build_id: Option<String>,
    /// The build id of its ramping version, if one is set.
    pub ramping_build_id: Option<String>,
    /// The share of new tasks the ramping version gets, in percent.
    pub ramping_percentage: f32,
    /// The build ids of its versions (described deployments only; empty in a listing).
    pub versions: Vec<String>,
    /// True once the latest routing change (current or ramping version) reached every task
    /// queue of the deployment (described deployments only; a listing says `false`). Until
    /// then some tasks may still go by the previous routing.
    pub routing_propagated: bool,
}

fn build_id(v: Option<WorkerDeploymentVersion>) -> Option<String> {
    v.map(|v| v.build_id).filter(|b| !b.is_empty())
}

impl Client {
    /// Makes `build_id` the current version of a Worker Deployment: new executions start on it
    /// (and auto-upgrade executions move to it); pinned executions stay where they are. The
    /// version must have polled (a worker of it ran).
    pub async fn set_current_deployment_version(
        &self,
        deployment_name: &str,
        build_id: &str,
    ) -> Result<(), ClientError> {
        self.connection()
            .workflow_service()
            .set_worker_deployment_current_version(tonic::Request::new(
                SetWorkerDeploymentCurrentVersionRequest {
                    namespace: self.namespace().to_string(),
                    deployment_name: deployment_name.to_string(),
                    build_id: build_id.to_string(),
                    identity: self.identity().to_string(),
                    ..Default::default()
                },
            ))
            .await
            .map_err(|s| ClientError::rpc("SetWorkerDeploymentCurrentVersion", s))?;
        Ok(())
    }

    /// Ramps `build_id`: it gets `percentage` (0–100) of the new workflow tasks of executions that
    /// follow the current version (new and auto-upgrade ones); the rest stay on the current one.
    /// `percentage` 0 keeps it ramping with no share.
    pub async fn set_ramping_deployment_version(
        &self,
        deployment_name: &str,
        build_id: &str,
        percentage: f32,
    ) -> Result<(), ClientError> {
        if !(0.0..=100.0).contains(&percentage) {
            return Err(ClientError::InvalidOptions(format!(
                "a ramping percentage is between 0 and 100, not {percentage}"
            )));
        }
        self.connection()
            .workflow_service()
            .set_worker_deployment_ramping_version(tonic::Request::new(
                SetWorkerDeploymentRampingVersionRequest {
                    namespace: self.namespace().to_string(),
                    deployment_name: deployment_name.to_string(),
                    build_id: build_id.to_string(),
                    percentage,
                    identity: self.identity().to_string(),
                    ..Default::default()
                },
            ))
            .await
            .map_err(|s| ClientError::rpc("SetWorkerDeploymentRampingVersion", s))?;
        Ok(())
    }

    /// The namespace's Worker Deployments.
    pub async fn list_worker_deployments(&self) -> Result<Vec<WorkerDeploymentSummary>, ClientError> {
        let mut out = Vec::new();
        let mut next_page_token = Vec::new();
        loop {
            let response = self
                .connection()
                .workflow_service()
                .list_worker_deployments(tonic::Request::new(ListWorkerDeploymentsRequest {
                    namespace: self.namespace().to_string(),
                    page_size: 1000,
                    next_page_token: next_page_token.clone(),
                }))
                .await
                .map_err(|s| ClientError::rpc("ListWorkerDeployments", s))?
                .into_inner();
            out.extend(response.worker_deployments.into_iter().map(|d| {
                let routing = d.routing_config.unwrap_or_default();
                WorkerDeploymentSummary {
                    name: d.name,
                    create_time: system_time(d.create_time),
                    current_build_id: build_id(routing.current_deployment_version),
                    ramping_build_id: build_id(routing.ramping_deployment_version),
                    ramping_percentage: routing.ramping_version_percentage,
                    versions: Vec::new(),
                    routing_propagated: false,
                }
            }));
            if response.next_page_token.is_empty() {
                return Ok(out);
            }
            next_page_token = response.next_page_token;
        }
    }

    /// One Worker Deployment, with its versions.
    pub async fn describe_worker_deployment(
        &self,
        deployment_name: &str,
    ) -> Result<WorkerDeploymentSummary, ClientError> {
        let info = self
            .connection()
            .workflow_service()
            .describe_worker_deployment(tonic::Request::new(DescribeWorkerDeploymentRequest {
                namespace: self.namespace().to_string(),
                deployment_name: deployment_name.to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("DescribeWorkerDeployment", s))?
            .into_inner()
            .worker_deployment_info
            .unwrap_or_default();
        let routing = info.routing_config.unwrap_or_default();
        Ok(WorkerDeploymentSummary {
            name: info.name,
            create_time: system_time(info.create_time),
            current_build_id: build_id(routing.current_deployment_version),
            ramping_build_id: build_id(routing.ramping_deployment_version),
            ramping_percentage: routing.ramping_version_percentage,
            versions: info
                .version_summaries
                .into_iter()
                .filter_map(|v| build_id(v.deployment_version))
                .collect(),
            routing_propagated: info.routing_config_update_state
                == temporalio_common::protos::temporal::api::enums::v1::RoutingConfigUpdateState::Completed
                    as i32,
        })
    }

    /// Deletes one version of a deployment. The server refuses while the version is current or
    /// ramping, has pollers, or (without `skip_drainage`) still has executions pinned to it.
    pub async fn delete_worker_deployment_version(
        &self,
        deployment_name: &str,
        build_id: &str,
        skip_drainage: bool,
    ) -> Result<(), ClientError> {
        self.connection()
            .workflow_service()
            .delete_worker_deployment_version(tonic::Request::new(DeleteWorkerDeploymentVersionRequest {
                namespace: self.namespace().to_string(),
                deployment_version: Some(WorkerDeploymentVersion {
                    build_id: build_id.to_string(),
                    deployment_name: deployment_name.to_string(),
                }),
                skip_drainage,
                identity: self.identity().to_string(),
                ..Default::default()
            }))
            .await
            .map_err(|s| ClientError::rpc("DeleteWorkerDeploymentVersion", s))?;
        Ok(())
    }

    /// Deletes a deployment that has no versions left.
    pub async fn delete_worker_deployment(&self, deployment_name: &str) -> Result<(), ClientError> {
        self.connection()
            .workflow_service()
            .delete_worker_deployment(tonic::Request::new(DeleteWorkerDeploymentRequest {
                namespace: self.namespace().to_string(),
                deployment_name: deployment_name.to_string(),
                identity: self.identity().to_string(),
            }))
            .await
            .map_err(|s| ClientError::rpc("DeleteWorkerDeployment", s))?;
        Ok(())
    }
}
