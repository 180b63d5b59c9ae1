//! Completing an activity from outside the worker, by its task token (asynchronous completion).

use super::{Client, ClientError};
use crate::converter::{Failure, to_payloads};
use serde::Serialize;
use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    workflowservice::v1::{
        RecordActivityTaskHeartbeatRequest, RespondActivityTaskCanceledRequest,
        RespondActivityTaskCompletedRequest, RespondActivityTaskFailedRequest,
    },
};

/// An activity that will be completed from outside the worker: the activity called
/// [`crate::ActivityContext::complete_async`] and handed its task token
/// ([`crate::ActivityInfo::task_token`]) to another system, which completes it through this
/// handle.
#[derive(Clone, Debug)]
pub struct AsyncActivityHandle {
    client: Client,
    task_token: Vec<u8>,
}

impl Client {
    /// A handle to complete, fail, heartbeat or cancel the activity with this task token.
    pub fn async_activity_handle(&self, task_token: Vec<u8>) -> AsyncActivityHandle {
        AsyncActivityHandle {
            client: self.clone(),
            task_token,
        }
    }
}

impl AsyncActivityHandle {
    /// Completes the activity with a result.
    pub async fn complete<T: Serialize>(&self, result: T) -> Result<(), ClientError> {
        let mut request = RespondActivityTaskCompletedRequest {
            task_token: self.task_token.clone(),
            result: Some(Payloads {
                payloads: to_payloads(&result)?,
            }),
            identity: self.client.identity().to_string(),
            namespace: self.client.namespace().to_string(),
            ..Default::default()
        };
        self.client.encode("completing an activity", &mut request).await?;
        self.client
            .connection()
            .workflow_service()
            .respond_activity_task_completed(tonic::Request::new(request))
            .await
            .map_err(|s| ClientError::rpc("RespondActivityTaskCompleted", s))?;
        Ok(())
    }

    /// Fails the activity (the retry policy decides whether it runs again).
    pub async fn fail(&self, failure: Failure) -> Result<(), ClientError> {
        let mut failure = failure.to_proto();
        self.client.data_converter().encode_failure(&mut failure);
        let mut request = RespondActivityTaskFailedRequest {
            task_token: self.task_token.clone(),
            failure: Some(failure),
            identity: self.client.identity().to_string(),
            namespace: self.client.namespace().to_string(),
            ..Default::default()
        };
        self.client.encode("failing an activity", &mut request).await?;
        self.client
            .connection()
            .workflow_service()
            .respond_activity_task_failed(tonic::Request::new(request))
            .await
            .map_err(|s| ClientError::rpc("RespondActivityTaskFailed", s))?;
        Ok(())
    }

    /// Records a heartbeat with details (`()` for none); returns true when cancellation of the
    /// activity was requested.
    pub async fn heartbeat<T: Serialize>(&self, details: T) -> Result<bool, ClientError> {
        let mut request = RecordActivityTaskHeartbeatRequest {
            task_token: self.task_token.clone(),
            details: Some(Payloads {
                payloads: to_payloads(&details)?,
            }),
            identity: self.client.identity().to_string(),
            namespace: self.client.namespace().to_string(),
            ..Default::default()
        };
        self.client.encode("an activity heartbeat", &mut request).await?;
        let response = self
            .client
            .connection()
            .workflow_service()
            .record_activity_task_heartbeat(tonic::Request::new(request))
            .await
            .map_err(|s| ClientError::rpc("RecordActivityTaskHeartbeat", s))?
            .into_inner();
        Ok(response.cancel_requested)
    }

    /// Reports that the activity acknowledged its cancellation.
    pub async fn report_cancellation(&self) -> Result<(), ClientError> {
        self.client
            .connection()
            .workflow_service()
            .respond_activity_task_canceled(tonic::Request::new(RespondActivityTaskCanceledRequest {
                task_token: self.task_token.clone(),
                identity: self.client.identity().to_string(),
                namespace: self.client.namespace().to_string(),
                ..Default::default()
            }))
            .await
            .map_err(|s| ClientError::rpc("RespondActivityTaskCanceled", s))?;
        Ok(())
    }
}
