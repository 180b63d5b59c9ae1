//! Nexus endpoints: a name workflows call operations through, routed to a worker's task queue
//! (see [`crate::nexus`]). Endpoints belong to the cluster, not to a namespace.

use super::{Client, ClientError};
use temporalio_common::protos::temporal::api::{
    nexus::v1::{EndpointSpec, EndpointTarget, endpoint_target},
    operatorservice::v1::{CreateNexusEndpointRequest, DeleteNexusEndpointRequest},
};
use tonic::Code;

/// A Nexus endpoint the server knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NexusEndpoint {
    /// The endpoint's name (what workflows call through).
    pub name: String,
    /// The server's id for it.
    pub id: String,
    /// Its version (for updates and deletion).
    pub version: i64,
}

impl Client {
    /// Creates endpoint `name`, routing its operations to the workers polling `task_queue` in
    /// this client's namespace (an existing name: [`ClientError::Rpc`] with `AlreadyExists`).
    pub async fn create_nexus_endpoint(
        &self,
        name: &str,
        task_queue: &str,
    ) -> Result<NexusEndpoint, ClientError> {
        let response = self
            .connection()
            .operator_service()
            .create_nexus_endpoint(tonic::Request::new(CreateNexusEndpointRequest {
                spec: Some(EndpointSpec {
                    name: name.to_string(),
                    description: None,
                    target: Some(EndpointTarget {
                        variant: Some(endpoint_target::Variant::Worker(endpoint_target::Worker {
                            namespace: self.namespace().to_string(),
                            task_queue: task_queue.to_string(),
                        })),
                    }),
                }),
            }))
            .await
            .map_err(|s| match s.code() {
                Code::InvalidArgument => ClientError::InvalidOptions(format!(
                    "Nexus endpoint `{name}`: {} (names are letters, digits, `-` and `_`, starting with a letter)",
                    s.message()
                )),
                _ => ClientError::rpc("CreateNexusEndpoint", s),
            })?
            .into_inner();
        let endpoint = response.endpoint.unwrap_or_default();
        Ok(NexusEndpoint {
            name: name.to_string(),
            id: endpoint.id,
            version: endpoint.version,
        })
    }

    /// Deletes an endpoint.
    pub async fn delete_nexus_endpoint(&self, endpoint: &NexusEndpoint) -> Result<(), ClientError> {
        self.connection()
            .operator_service()
            .delete_nexus_endpoint(tonic::Request::new(DeleteNexusEndpointRequest {
                id: endpoint.id.clone(),
                version: endpoint.version,
            }))
            .await
            .map_err(|s| ClientError::rpc("DeleteNexusEndpoint", s))?;
        Ok(())
    }
}
