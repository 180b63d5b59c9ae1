//! [`WorkflowHandle`]: a typed handle to one workflow execution.

use super::{Client, ClientError};
use crate::converter::{Failure, Payload, PayloadError, from_payloads};
use crate::interceptor::ClientCallKind;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::time::{Duration, SystemTime};
use temporalio_common::protos::temporal::api::{
    common::v1::WorkflowExecution,
    enums::v1::{HistoryEventFilterType, WorkflowExecutionStatus},
    history::v1::{History, history_event::Attributes},
    workflowservice::v1::{
        DeleteWorkflowExecutionRequest, DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse,
        GetWorkflowExecutionHistoryRequest, RequestCancelWorkflowExecutionRequest,
        ResetWorkflowExecutionRequest, TerminateWorkflowExecutionRequest,
    },
};
use tonic::Code;

/// Why a workflow produced no result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowExecutionError {
    /// The workflow failed; the failure chain says why (an activity failure, an application
    /// error raised by workflow code, ...).
    #[error("workflow {} failed: {failure}", named(workflow_type.as_deref(), workflow_id))]
    Failed {
        /// The workflow id.
        workflow_id: String,
        /// The workflow type, when the handle knows it (it started the workflow, or was made for
        /// a type).
        workflow_type: Option<String>,
        /// The failure chain.
        failure: Box<Failure>,
    },
    /// The workflow was cancelled.
    #[error("workflow `{workflow_id}` was cancelled")]
    Cancelled {
        /// The workflow id.
        workflow_id: String,
        /// Details recorded with the cancellation.
        details: Vec<Payload>,
    },
    /// The workflow was terminated.
    #[error("workflow `{workflow_id}` was terminated: {reason}")]
    Terminated {
        /// The workflow id.
        workflow_id: String,
        /// The reason given.
        reason: String,
    },
    /// The workflow timed out.
    #[error("workflow `{workflow_id}` timed out")]
    TimedOut {
        /// The workflow id.
        workflow_id: String,
    },
    /// The workflow completed, but its result does not decode as the expected type.
    #[error("workflow `{workflow_id}` completed with a result that cannot be decoded: {source}")]
    Decode {
        /// The workflow id.
        workflow_id: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// Talking to the server failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

fn named(workflow_type: Option<&str>, workflow_id: &str) -> String {
    match workflow_type {
        Some(t) => format!("`{t}` (id `{workflow_id}`)"),
        None => format!("`{workflow_id}`"),
    }
}

impl WorkflowExecutionError {
    /// The failure chain, for a failed workflow.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed { failure, .. } => Some(failure.as_ref()),
            _ => None,
        }
    }
}

/// A workflow execution's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowStatus {
    /// Running.
    Running,
    /// Completed with a result.
    Completed,
    /// Failed.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Terminated.
    Terminated,
    /// Continued as a new run.
    ContinuedAsNew,
    /// Timed out.
    TimedOut,
    /// Paused.
    Paused,
    /// Unknown to this SDK version.
    Unspecified,
}

impl WorkflowStatus {
    pub(crate) fn from_proto(v: i32) -> Self {
        use WorkflowExecutionStatus as S;
        match S::try_from(v) {
            Ok(S::Running) => Self::Running,
            Ok(S::Completed) => Self::Completed,
            Ok(S::Failed) => Self::Failed,
            Ok(S::Canceled) => Self::Cancelled,
            Ok(S::Terminated) => Self::Terminated,
            Ok(S::ContinuedAsNew) => Self::ContinuedAsNew,
            Ok(S::TimedOut) => Self::TimedOut,
            Ok(S::Paused) => Self::Paused,
            _ => Self::Unspecified,
        }
    }
}

/// What `describe` reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkflowDescription {
    /// The workflow id.
    pub workflow_id: String,
    /// The run described.
    pub run_id: String,
    /// The workflow type.
    pub workflow_type: String,
    /// The status.
    pub status: WorkflowStatus,
    /// The task queue.
    pub task_queue: String,
    /// When the run started.
    pub start_time: Option<SystemTime>,
    /// When the run closed.
    pub close_time: Option<SystemTime>,
    /// Number of events in the history.
    pub history_length: i64,
    /// Search attributes.
    pub search_attributes: crate::converter::SearchAttributes,
    /// Memo.
    pub memo: crate::converter::Memo,
    /// The Worker Deployment build id the execution is on, with Worker Deployment versioning.
    pub deployment_build_id: Option<String>,
    /// The execution's versioning behaviour, with Worker Deployment versioning.
    pub versioning_behavior: Option<crate::workflow::VersioningBehavior>,
    /// The full server response.
    pub raw: DescribeWorkflowExecutionResponse,
}

/// A typed handle to a workflow execution: result, describe, cancel, terminate, history.
pub struct WorkflowHandle<O> {
    client: Client,
    workflow_id: String,
    run_id: Option<String>,
    workflow_type: Option<String>,
    rpc_timeout: Option<Duration>,
    started_eagerly: bool,
    _out: PhantomData<fn() -> O>,
}

impl<O> Clone for WorkflowHandle<O> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            workflow_id: self.workflow_id.clone(),
            run_id: self.run_id.clone(),
            workflow_type: self.workflow_type.clone(),
            rpc_timeout: self.rpc_timeout,
            started_eagerly: self.started_eagerly,
            _out: PhantomData,
        }
    }
}

impl<O> std::fmt::Debug for WorkflowHandle<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowHandle")
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .finish()
    }
}

impl<O> WorkflowHandle<O> {
    pub(crate) fn new(client: Client, workflow_id: String, run_id: Option<String>) -> Self {
        Self {
            client,
            workflow_id,
            run_id,
            workflow_type: None,
            rpc_timeout: None,
            started_eagerly: false,
            _out: PhantomData,
        }
    }

    /// True when this handle's start was eager: the server answered it with the workflow's first
    /// task, handed to a worker of this process ([`super::StartWorkflowOptions::eager_start`]).
    pub fn started_eagerly(&self) -> bool {
        self.started_eagerly
    }

    pub(crate) fn set_started_eagerly(&mut self, eager: bool) {
        self.started_eagerly = eager;
    }

    /// Gives each call made through this handle (signal, query, update, describe, cancel,
    /// terminate, history fetch; not the long poll of [`WorkflowHandle::get_result`]) a deadline:
    /// past it the call fails with gRPC `DEADLINE_EXCEEDED` (or `CANCELLED`), for example a query
    /// no worker answers.
    ///
    /// ```no_run
    /// # async fn demo(client: ironflow::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let handle = client
    ///     .workflow_handle::<()>("order-42", None)
    ///     .rpc_timeout(Duration::from_secs(1));
    /// let status: Result<String, _> = handle.query_by_name("status", ()).await;
    /// # Ok(()) }
    /// ```
    pub fn rpc_timeout(mut self, timeout: Duration) -> Self {
        self.rpc_timeout = Some(timeout);
        self
    }

    pub(crate) fn rpc_timeout_value(&self) -> Option<Duration> {
        self.rpc_timeout
    }

    /// A request carrying this handle's RPC deadline, if it has one.
    pub(crate) fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(timeout) = self.rpc_timeout {
            request.set_timeout(timeout);
        }
        request
    }

    /// Records the workflow type, for error messages.
    pub fn with_type(mut self, workflow_type: impl Into<String>) -> Self {
        self.workflow_type = Some(workflow_type.into());
        self
    }

    /// The workflow type, when known.
    pub fn workflow_type(&self) -> Option<&str> {
        self.workflow_type.as_deref()
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The run this handle was created for (`None`: the latest run).
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    fn execution(&self, run_id: Option<&str>) -> Option<WorkflowExecution> {
        Some(WorkflowExecution {
            workflow_id: self.workflow_id.clone(),
            run_id: run_id.unwrap_or_default().to_string(),
        })
    }

    /// Waits for the workflow to close and returns its result, following continue-as-new,
    /// retries and cron runs to the last one.
    ///
    /// On a client of the time-skipping test server ([`crate::testing::TestServer`]), the
    /// server's clock skips ahead while this waits.
    pub async fn get_result(&self) -> Result<O, WorkflowExecutionError>
    where
        O: DeserializeOwned,
    {
        let unlocked = self.client.unlock_time_skipping().await?;
        let result = self.wait_for_result().await;
        unlocked.relock().await?;
        result
    }

    async fn wait_for_result(&self) -> Result<O, WorkflowExecutionError>
    where
        O: DeserializeOwned,
    {
        let mut run_id = self.run_id.clone();
        let mut page_token = Vec::new();
        loop {
            let request = GetWorkflowExecutionHistoryRequest {
                namespace: self.client.namespace.clone(),
                execution: self.execution(run_id.as_deref()),
                next_page_token: std::mem::take(&mut page_token),
                wait_new_event: true,
                history_event_filter_type: HistoryEventFilterType::CloseEvent as i32,
                skip_archival: true,
                ..Default::default()
            };
            let response = match self
                .client
                .connection
                .workflow_service()
                .get_workflow_execution_history(tonic::Request::new(request.clone()))
                .await
            {
                Ok(r) => r.into_inner(),
                // A long poll cut short (the server's or a proxy's deadline, a busy server
                // cancelling the wait) says nothing about the workflow: wait again.
                Err(status) if matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded) => {
                    tracing::debug!(workflow_id = %self.workflow_id, status = %status, "result long poll cut short; polling again");
                    page_token = request.next_page_token;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                Err(status) => return Err(ClientError::rpc("GetWorkflowExecutionHistory", status).into()),
            };
            let mut close = response.history.and_then(|h| h.events.into_iter().last());
            if let Some(event) = &mut close {
                self.client
                    .decode(&format!("the result of workflow `{}`", self.workflow_id), event)
                    .await?;
            }
            let Some(attributes) = close.and_then(|e| e.attributes) else {
                // The long poll timed out before the workflow closed: poll again.
                page_token = response.next_page_token;
                continue;
            };
            let workflow_id = self.workflow_id.clone();
            let follow = |next: &str| (!next.is_empty()).then(|| next.to_string());
            match attributes {
                Attributes::WorkflowExecutionCompletedEventAttributes(a) => {
                    if let Some(next) = follow(&a.new_execution_run_id) {
                        run_id = Some(next);
                        continue;
                    }
                    let payloads = a.result.map(|p| p.payloads).unwrap_or_default();
                    return from_payloads(&payloads)
                        .map_err(|source| WorkflowExecutionError::Decode { workflow_id, source });
                }
                Attributes::WorkflowExecutionFailedEventAttributes(a) => {
                    if let Some(next) = follow(&a.new_execution_run_id) {
                        run_id = Some(next);
                        continue;
                    }
                    let failure = a
                        .failure
                        .as_ref()
                        .map(Failure::from_proto)
                        .unwrap_or_else(|| Failure::application("", "", false));
                    return Err(WorkflowExecutionError::Failed {
                        workflow_id,
                        workflow_type: self.workflow_type.clone(),
                        failure: Box::new(failure),
                    });
                }
                Attributes::WorkflowExecutionContinuedAsNewEventAttributes(a) => {
                    run_id = Some(a.new_execution_run_id);
                }
                Attributes::WorkflowExecutionTimedOutEventAttributes(a) => {
                    if let Some(next) = follow(&a.new_execution_run_id) {
                        run_id = Some(next);
                        continue;
                    }
                    return Err(WorkflowExecutionError::TimedOut { workflow_id });
                }
                Attributes::WorkflowExecutionCanceledEventAttributes(a) => {
                    return Err(WorkflowExecutionError::Cancelled {
                        workflow_id,
                        details: a.details.map(|d| d.payloads).unwrap_or_default(),
                    });
                }
                Attributes::WorkflowExecutionTerminatedEventAttributes(a) => {
                    return Err(WorkflowExecutionError::Terminated {
                        workflow_id,
                        reason: a.reason,
                    });
                }
                other => {
                    return Err(ClientError::UnexpectedResponse {
                        operation: "GetWorkflowExecutionHistory",
                        message: format!("the close event of workflow `{workflow_id}` is {other:?}"),
                    }
                    .into());
                }
            }
        }
    }

    /// Describes the run.
    pub async fn describe(&self) -> Result<WorkflowDescription, ClientError> {
        let mut raw = self
            .client
            .connection
            .workflow_service()
            .describe_workflow_execution(self.request(DescribeWorkflowExecutionRequest {
                namespace: self.client.namespace.clone(),
                execution: self.execution(self.run_id.as_deref()),
            }))
            .await
            .map_err(|s| ClientError::rpc("DescribeWorkflowExecution", s))?
            .into_inner();
        self.client
            .decode(
                &format!("the description of workflow `{}`", self.workflow_id),
                &mut raw,
            )
            .await?;
        let info = raw.workflow_execution_info.clone().unwrap_or_default();
        let time = super::system_time;
        Ok(WorkflowDescription {
            workflow_id: self.workflow_id.clone(),
            run_id: info
                .execution
                .as_ref()
                .map(|e| e.run_id.clone())
                .unwrap_or_default(),
            workflow_type: info.r#type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            status: WorkflowStatus::from_proto(info.status),
            task_queue: info.task_queue.clone(),
            start_time: time(info.start_time),
            close_time: time(info.close_time),
            history_length: info.history_length,
            search_attributes: info
                .search_attributes
                .as_ref()
                .map(crate::converter::search_attributes_from_proto)
                .unwrap_or_default(),
            memo: info
                .memo
                .as_ref()
                .map(crate::converter::memo_from_proto)
                .unwrap_or_default(),
            deployment_build_id: info
                .versioning_info
                .as_ref()
                .and_then(|v| v.deployment_version.as_ref())
                .map(|d| d.build_id.clone()),
            versioning_behavior: info
                .versioning_info
                .as_ref()
                .and_then(|v| crate::workflow::VersioningBehavior::from_proto(v.behavior)),
            raw,
        })
    }

    /// Requests cancellation: the workflow sees it at its next await and decides how to end.
    pub async fn cancel(&self, reason: &str) -> Result<(), ClientError> {
        let (_, intercepted) =
            self.client
                .intercept(ClientCallKind::CancelWorkflow, "", &self.workflow_id, None);
        let result = self
            .client
            .connection
            .workflow_service()
            .request_cancel_workflow_execution(self.request(RequestCancelWorkflowExecutionRequest {
                namespace: self.client.namespace.clone(),
                workflow_execution: self.execution(self.run_id.as_deref()),
                identity: self.client.identity.clone(),
                request_id: uuid::Uuid::new_v4().to_string(),
                reason: reason.to_string(),
                first_execution_run_id: String::new(),
                links: Vec::new(),
            }))
            .await
            .map_err(|s| ClientError::rpc("RequestCancelWorkflowExecution", s));
        intercepted.finish(&result);
        result?;
        Ok(())
    }

    /// Terminates the workflow at once; its code gets no say.
    pub async fn terminate(&self, reason: &str) -> Result<(), ClientError> {
        let (_, intercepted) =
            self.client
                .intercept(ClientCallKind::TerminateWorkflow, "", &self.workflow_id, None);
        let result = self
            .client
            .connection
            .workflow_service()
            .terminate_workflow_execution(self.request(TerminateWorkflowExecutionRequest {
                namespace: self.client.namespace.clone(),
                workflow_execution: self.execution(self.run_id.as_deref()),
                reason: reason.to_string(),
                identity: self.client.identity.clone(),
                ..Default::default()
            }))
            .await
            .map_err(|s| ClientError::rpc("TerminateWorkflowExecution", s));
        intercepted.finish(&result);
        result?;
        Ok(())
    }

    /// Resets the workflow to the end of workflow task `workflow_task_finish_event_id` (the id
    /// of a `WorkflowTaskCompleted`, `WorkflowTaskTimedOut` or `WorkflowTaskFailed` event): a new
    /// run starts with the history up to there and runs the workflow on from that point; the old
    /// run is terminated. Signals received after the point are applied again. Returns the new
    /// run's id.
    pub async fn reset(
        &self,
        workflow_task_finish_event_id: i64,
        reason: &str,
    ) -> Result<String, ClientError> {
        let response = self
            .client
            .connection
            .workflow_service()
            .reset_workflow_execution(self.request(ResetWorkflowExecutionRequest {
                namespace: self.client.namespace.clone(),
                workflow_execution: self.execution(self.run_id.as_deref()),
                reason: reason.to_string(),
                workflow_task_finish_event_id,
                request_id: uuid::Uuid::new_v4().to_string(),
                identity: self.client.identity.clone(),
                ..Default::default()
            }))
            .await
            .map_err(|s| ClientError::rpc("ResetWorkflowExecution", s))?;
        Ok(response.into_inner().run_id)
    }

    /// Deletes the run and its history (terminating it first if it runs). Deletion happens in
    /// the background on the server: the run may stay visible for a moment.
    pub async fn delete(&self) -> Result<(), ClientError> {
        self.client
            .connection
            .workflow_service()
            .delete_workflow_execution(self.request(DeleteWorkflowExecutionRequest {
                namespace: self.client.namespace.clone(),
                workflow_execution: self.execution(self.run_id.as_deref()),
            }))
            .await
            .map_err(|s| ClientError::rpc("DeleteWorkflowExecution", s))?;
        Ok(())
    }

    /// Fetches the run's whole history, every page.
    pub async fn fetch_history(&self) -> Result<History, ClientError> {
        let mut events = Vec::new();
        let mut page_token = Vec::new();
        loop {
            let response = self
                .client
                .connection
                .workflow_service()
                .get_workflow_execution_history(self.request(GetWorkflowExecutionHistoryRequest {
                    namespace: self.client.namespace.clone(),
                    execution: self.execution(self.run_id.as_deref()),
                    next_page_token: std::mem::take(&mut page_token),
                    skip_archival: true,
                    ..Default::default()
                }))
                .await
                .map_err(|s| ClientError::rpc("GetWorkflowExecutionHistory", s))?
                .into_inner();
            events.extend(response.history.map(|h| h.events).unwrap_or_default());
            if response.next_page_token.is_empty() {
                return Ok(History { events });
            }
            page_token = response.next_page_token;
        }
    }
}
