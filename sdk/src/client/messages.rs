//! Signals, queries and updates from the client, and the combined starts (signal-with-start,
//! update-with-start).

use super::handle::WorkflowHandle;
use super::update_handle::{
    UpdateError, UpdateOptions, UpdateStage, decode_outcome, poll_update, update_request,
};
use super::{Client, ClientError, StartWorkflowOptions, header};
use crate::Workflow;
use crate::converter::{PayloadError, from_payloads, to_payloads};
use crate::interceptor::ClientCallKind;
use crate::workflow::{QueryDefinition, SignalDefinition, UpdateDefinition};
use serde::{Serialize, de::DeserializeOwned};
use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowExecution, WorkflowType},
    query::v1::WorkflowQuery,
    taskqueue::v1::TaskQueue,
    update::v1::UpdateRef,
    workflowservice::v1::{
        ExecuteMultiOperationRequest, QueryWorkflowRequest, SignalWithStartWorkflowExecutionRequest,
        SignalWorkflowExecutionRequest,
        execute_multi_operation_request::{Operation, operation},
        execute_multi_operation_response::response,
    },
};
use tonic::Code;

/// Why a query produced no result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The workflow answered with an error (unknown query, failing or non-read-only handler).
    #[error("query `{query}` failed: {message}")]
    Failed {
        /// The query name.
        query: String,
        /// The workflow's answer.
        message: String,
    },
    /// The result does not decode as the expected type.
    #[error("query `{query}` returned a result that cannot be decoded: {source}")]
    Decode {
        /// The query name.
        query: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// Talking to the server failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// The arguments of a call: none for `()`, several for [`crate::converter::Args`].
fn payloads<T: Serialize>(value: &T) -> Result<Option<Payloads>, ClientError> {
    let payloads = to_payloads(value)?;
    Ok((!payloads.is_empty()).then_some(Payloads { payloads }))
}

impl<O> WorkflowHandle<O> {
    /// Sends signal `S`.
    pub async fn signal<S: SignalDefinition>(&self, data: S::Data) -> Result<(), ClientError> {
        self.signal_by_name(S::NAME, data).await
    }

    /// Sends a signal by name.
    pub async fn signal_by_name<T: Serialize>(&self, name: &str, data: T) -> Result<(), ClientError> {
        let client = self.client();
        let mut input = payloads(&data)?;
        let (headers, intercepted) = client.intercept(
            ClientCallKind::SignalWorkflow,
            name,
            self.workflow_id(),
            Some(&mut input),
        );
        let mut request = SignalWorkflowExecutionRequest {
            namespace: client.namespace().to_string(),
            workflow_execution: self.execution_ref(),
            signal_name: name.to_string(),
            input,
            identity: client.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            header: header(headers),
            ..Default::default()
        };
        client.encode(&format!("signal `{name}`"), &mut request).await?;
        let result = client
            .connection()
            .workflow_service()
            .signal_workflow_execution(self.request(request))
            .await
            .map_err(|s| ClientError::rpc("SignalWorkflowExecution", s));
        intercepted.finish(&result);
        result?;
        Ok(())
    }

    /// Runs query `Q`; works on running and closed workflows.
    pub async fn query<Q: QueryDefinition>(&self, args: Q::Args) -> Result<Q::Result, QueryError> {
        self.query_by_name(Q::NAME, args).await
    }

    /// Runs a query by name.
    pub async fn query_by_name<A: Serialize, R: DeserializeOwned>(
        &self,
        name: &str,
        args: A,
    ) -> Result<R, QueryError> {
        let client = self.client();
        let mut query_args = payloads(&args)?;
        let (headers, intercepted) = client.intercept(
            ClientCallKind::QueryWorkflow,
            name,
            self.workflow_id(),
            Some(&mut query_args),
        );
        let mut request = QueryWorkflowRequest {
            namespace: client.namespace().to_string(),
            execution: self.execution_ref(),
            query: Some(WorkflowQuery {
                query_type: name.to_string(),
                query_args,
                header: header(headers),
            }),
            query_reject_condition: 0,
        };
        client.encode(&format!("query `{name}`"), &mut request).await?;
        let result = client
            .connection()
            .workflow_service()
            .query_workflow(self.request(request))
            .await
            .map_err(|status| match status.code() {
                Code::InvalidArgument | Code::Unknown | Code::Internal => QueryError::Failed {
                    query: name.to_string(),
                    message: status.message().to_string(),
                },
                _ => ClientError::rpc("QueryWorkflow", status).into(),
            });
        intercepted.finish(&result);
        let mut response = result?.into_inner();
        client
            .decode(&format!("the answer to query `{name}`"), &mut response)
            .await?;
        if let Some(rejected) = response.query_rejected {
            return Err(QueryError::Failed {
                query: name.to_string(),
                message: format!("rejected: workflow status is {:?}", rejected.status),
            });
        }
        let result = response.query_result.map(|p| p.payloads).unwrap_or_default();
        from_payloads(&result).map_err(|source| QueryError::Decode {
            query: name.to_string(),
            source,
        })
    }

    /// Runs update `U` and waits for its result (a fresh update id).
    pub async fn execute_update<U: UpdateDefinition>(&self, args: U::Args) -> Result<U::Result, UpdateError> {
        self.update_by_name(U::NAME, args, None).await
    }

    /// Runs update `U` with a chosen update id: sending the same id twice runs the handler once,
    /// and both calls get its result.
    pub async fn execute_update_with_id<U: UpdateDefinition>(
        &self,
        update_id: &str,
        args: U::Args,
    ) -> Result<U::Result, UpdateError> {
        self.update_by_name(U::NAME, args, Some(update_id.to_string()))
            .await
    }

    /// Runs an update by name and waits for its result.
    pub async fn update_by_name<A: Serialize, R: DeserializeOwned>(
        &self,
        name: &str,
        args: A,
        update_id: Option<String>,
    ) -> Result<R, UpdateError> {
        let options = UpdateOptions {
            id: update_id,
            wait_for_stage: UpdateStage::Completed,
        };
        self.start_update_by_name::<A, R>(name, args, options)
            .await?
            .result()
            .await
    }

    pub(super) fn execution_ref(&self) -> Option<WorkflowExecution> {
        Some(WorkflowExecution {
            workflow_id: self.workflow_id().to_string(),
            run_id: self.run_id().unwrap_or_default().to_string(),
        })
    }
}

impl Client {
    /// Sends signal `S` to workflow `W`, starting the workflow first if it is not running
    /// (Temporal's signal-with-start: one atomic call).
    pub async fn signal_with_start<W: Workflow, S: SignalDefinition>(
        &self,
        input: W::Input,
        signal_data: S::Data,
        options: StartWorkflowOptions,
    ) -> Result<WorkflowHandle<W::Output>, ClientError> {
        let start = self.start_request(W::NAME, &input, &options)?;
        let request = SignalWithStartWorkflowExecutionRequest {
            namespace: start.namespace,
            workflow_id: start.workflow_id.clone(),
            workflow_type: Some(WorkflowType {
                name: W::NAME.to_string(),
            }),
            task_queue: Some(TaskQueue {
                name: options.task_queue.clone(),
                ..Default::default()
            }),
            input: start.input,
            workflow_execution_timeout: start.workflow_execution_timeout,
            workflow_run_timeout: start.workflow_run_timeout,
            workflow_task_timeout: start.workflow_task_timeout,
            identity: start.identity,
            request_id: start.request_id,
            workflow_id_reuse_policy: start.workflow_id_reuse_policy,
            workflow_id_conflict_policy: start.workflow_id_conflict_policy,
            signal_name: S::NAME.to_string(),
            signal_input: payloads(&signal_data)?,
            header: None,
            retry_policy: start.retry_policy,
            search_attributes: start.search_attributes,
            memo: start.memo,
            user_metadata: start.user_metadata,
            ..Default::default()
        };
        let mut request = request;
        let (headers, intercepted) = self.intercept(
            ClientCallKind::SignalWithStartWorkflow,
            W::NAME,
            &request.workflow_id.clone(),
            Some(&mut request.input),
        );
        request.header = header(headers);
        self.encode(
            &format!("signal-with-start of workflow `{}`", request.workflow_id),
            &mut request,
        )
        .await?;
        let result = self
            .connection()
            .workflow_service()
            .signal_with_start_workflow_execution(tonic::Request::new(request))
            .await
            .map_err(|s| ClientError::rpc("SignalWithStartWorkflowExecution", s));
        intercepted.finish(&result);
        let response = result?.into_inner();
        Ok(WorkflowHandle::new(self.clone(), start.workflow_id, Some(response.run_id)).with_type(W::NAME))
    }

    /// Starts workflow `W` (or, with [`super::IdConflictPolicy::UseExisting`], uses the running
    /// one) and runs update `U` on it in one call; returns the handle and the update's result.
    pub async fn execute_update_with_start<W: Workflow, U: UpdateDefinition>(
        &self,
        input: W::Input,
        options: StartWorkflowOptions,
        update_args: U::Args,
        update_id: Option<String>,
    ) -> Result<(WorkflowHandle<W::Output>, U::Result), UpdateError> {
        let mut start = self.start_request(W::NAME, &input, &options)?;
        let workflow_id = start.workflow_id.clone();
        let (headers, intercepted) = self.intercept(
            ClientCallKind::UpdateWithStartWorkflow,
            W::NAME,
            &workflow_id,
            Some(&mut start.input),
        );
        start.header = header(headers.clone());
        let execution = Some(WorkflowExecution {
            workflow_id: workflow_id.clone(),
            run_id: String::new(),
        });
        let mut update = update_request(self, execution.clone(), U::NAME, &update_args, update_id)?;
        if let Some(input) = update.request.as_mut().and_then(|r| r.input.as_mut()) {
            input.header = header(headers);
        }
        let update_id = update
            .request
            .as_ref()
            .and_then(|r| r.meta.as_ref())
            .map(|m| m.update_id.clone());
        let mut request = ExecuteMultiOperationRequest {
            namespace: self.namespace().to_string(),
            operations: vec![
                Operation {
                    operation: Some(operation::Operation::StartWorkflow(start)),
                },
                Operation {
                    operation: Some(operation::Operation::UpdateWorkflow(update)),
                },
            ],
            ..Default::default()
        };
        self.encode(
            &format!("update-with-start of workflow `{workflow_id}`"),
            &mut request,
        )
        .await?;
        let result = self
            .connection()
            .workflow_service()
            .execute_multi_operation(tonic::Request::new(request))
            .await
            .map_err(|s| ClientError::rpc("ExecuteMultiOperation", s));
        intercepted.finish(&result);
        let response = result?.into_inner();
        let mut run_id = None;
        let mut outcome = None;
        let mut reference = None;
        for r in response.responses {
            match r.response {
                Some(response::Response::StartWorkflow(s)) => run_id = Some(s.run_id),
                Some(response::Response::UpdateWorkflow(u)) => {
                    outcome = u.outcome;
                    reference = u.update_ref;
                }
                None => {}
            }
        }
        let mut outcome = match outcome {
            Some(o) => o,
            None => {
                let reference = reference.or(Some(UpdateRef {
                    workflow_execution: execution,
                    update_id: update_id.unwrap_or_default(),
                }));
                poll_update(self, reference, None).await?
            }
        };
        self.decode(&format!("the outcome of update `{}`", U::NAME), &mut outcome)
            .await?;
        let result = decode_outcome(U::NAME, outcome)?;
        Ok((
            WorkflowHandle::new(self.clone(), workflow_id, run_id).with_type(W::NAME),
            result,
        ))
    }
}
