//! Updates started without waiting for their result: [`WorkflowHandle::start_update`] returns
//! once the workflow accepted (or rejected) the update, with an [`UpdateHandle`] whose
//! [`UpdateHandle::result`] waits for the outcome; [`WorkflowHandle::update_handle`] makes a
//! handle from a known update id (the outcome of an update started elsewhere).
//!
//! ```no_run
//! # async fn demo(client: ironflow::client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use ironflow::client::UpdateOptions;
//! let order = client.workflow_handle::<()>("order-42", None);
//! let update = order
//!     .start_update_by_name::<_, u64>("add_item", "book", UpdateOptions::accepted().id("add-book"))
//!     .await?;
//! // ... later, or from another process with `order.update_handle::<u64>("add-book")`:
//! let items = update.result().await?;
//! # Ok(()) }
//! ```

use super::handle::WorkflowHandle;
use super::{Client, ClientError, header};
use crate::converter::{Failure, PayloadError, from_payloads, to_payloads};
use crate::interceptor::ClientCallKind;
use crate::workflow::UpdateDefinition;
use serde::{Serialize, de::DeserializeOwned};
use std::marker::PhantomData;
use std::time::Duration;
use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowExecution},
    enums::v1::UpdateWorkflowExecutionLifecycleStage as Stage,
    update::v1::{Input, Meta, Outcome, Request, UpdateRef, WaitPolicy, outcome},
    workflowservice::v1::{PollWorkflowExecutionUpdateRequest, UpdateWorkflowExecutionRequest},
};

/// Why an update produced no result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The update was rejected by its validator (or no handler exists), or its handler failed.
    #[error("update `{update}` failed: {failure}")]
    Failed {
        /// The update name.
        update: String,
        /// The failure.
        failure: Box<Failure>,
    },
    /// The result does not decode as the expected type.
    #[error("update `{update}` returned a result that cannot be decoded: {source}")]
    Decode {
        /// The update name.
        update: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// Talking to the server failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl UpdateError {
    /// The failure, when the workflow rejected the update or its handler failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed { failure, .. } => Some(failure.as_ref()),
            _ => None,
        }
    }
}

/// How many times an update refused with RESOURCE_EXHAUSTED is sent again (about 20 s).
const MAX_BUSY_RETRIES: u32 = 24;

/// How far an update must have progressed before [`WorkflowHandle::start_update`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdateStage {
    /// The workflow's validator accepted it (or rejected it: then the handle holds the
    /// rejection); the handler may still be running.
    #[default]
    Accepted,
    /// The handler finished (the outcome is in the handle).
    Completed,
}

impl UpdateStage {
    fn to_proto(self) -> Stage {
        match self {
            UpdateStage::Accepted => Stage::Accepted,
            UpdateStage::Completed => Stage::Completed,
        }
    }
}

/// Options of [`WorkflowHandle::start_update`].
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// The update id; a fresh UUID when `None`. Sending an id again does not run the handler
    /// again: the second call gets the first one's update.
    pub id: Option<String>,
    /// When `start_update` returns.
    pub wait_for_stage: UpdateStage,
}

impl UpdateOptions {
    /// Return once the update was accepted (the default).
    pub fn accepted() -> Self {
        Self::default()
    }

    /// Return once the update completed.
    pub fn completed() -> Self {
        Self {
            wait_for_stage: UpdateStage::Completed,
            ..Self::default()
        }
    }

    /// Sets the update id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// An update that was started: its id, and its result when it completes.
pub struct UpdateHandle<R> {
    client: Client,
    reference: UpdateRef,
    name: String,
    outcome: Option<Outcome>,
    rpc_timeout: Option<Duration>,
    _result: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for UpdateHandle<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateHandle")
            .field("update_id", &self.reference.update_id)
            .field("name", &self.name)
            .finish()
    }
}

impl<R: DeserializeOwned> UpdateHandle<R> {
    /// The update id.
    pub fn id(&self) -> &str {
        &self.reference.update_id
    }

    /// The workflow the update was sent to.
    pub fn workflow_id(&self) -> &str {
        self.reference
            .workflow_execution
            .as_ref()
            .map_or("", |e| e.workflow_id.as_str())
    }

    /// Waits for the update's outcome: its result, or [`UpdateError::Failed`] when the
    /// validator rejected it or the handler failed. The wait obeys the workflow handle's
    /// [`WorkflowHandle::rpc_timeout`] (then fails with gRPC `DEADLINE_EXCEEDED`).
    pub async fn result(&self) -> Result<R, UpdateError> {
        let mut outcome = match &self.outcome {
            Some(o) => o.clone(),
            None => poll_update(&self.client, Some(self.reference.clone()), self.rpc_timeout).await?,
        };
        self.client
            .decode(&format!("the outcome of update `{}`", self.name), &mut outcome)
            .await?;
        decode_outcome(&self.name, outcome)
    }
}

impl<O> WorkflowHandle<O> {
    /// Starts update `U` and returns once it reached `options.wait_for_stage`.
    pub async fn start_update<U: UpdateDefinition>(
        &self,
        args: U::Args,
        options: UpdateOptions,
    ) -> Result<UpdateHandle<U::Result>, UpdateError> {
        self.start_update_by_name(U::NAME, args, options).await
    }

    /// Starts an update by name and returns once it reached `options.wait_for_stage`.
    pub async fn start_update_by_name<A: Serialize, R: DeserializeOwned>(
        &self,
        name: &str,
        args: A,
        options: UpdateOptions,
    ) -> Result<UpdateHandle<R>, UpdateError> {
        let client = self.client();
        let mut request = update_request(client, self.execution_ref(), name, &args, options.id)?;
        if let Some(policy) = request.wait_policy.as_mut() {
            policy.lifecycle_stage = options.wait_for_stage.to_proto() as i32;
        }
        let mut update_args = request
            .request
            .as_mut()
            .and_then(|r| r.input.as_mut())
            .and_then(|i| i.args.take());
        let (headers, intercepted) = client.intercept(
            ClientCallKind::StartWorkflowUpdate,
            name,
            self.workflow_id(),
            Some(&mut update_args),
        );
        if let Some(input) = request.request.as_mut().and_then(|r| r.input.as_mut()) {
            input.header = header(headers);
            input.args = update_args;
        }
        let update_id = request
            .request
            .as_ref()
            .and_then(|r| r.meta.as_ref())
            .map(|m| m.update_id.clone())
            .unwrap_or_default();
        client.encode(&format!("update `{name}`"), &mut request).await?;
        // The server answers when its own deadline passes even if the stage was not reached
        // (the update is admitted, not lost): ask again with the same id until it is. It answers
        // RESOURCE_EXHAUSTED while the workflow is closing (a continue-as-new in flight: the
        // update goes to the next run) or under load: retried with backoff, same id.
        let mut backoff = Duration::from_millis(50);
        let mut busy_retries = 0;
        let result = loop {
            let result = client
                .connection()
                .workflow_service()
                .update_workflow_execution(self.request(request.clone()))
                .await;
            match &result {
                Ok(r)
                    if r.get_ref().outcome.is_none()
                        && r.get_ref().stage < options.wait_for_stage.to_proto() as i32 => {}
                Err(status)
                    if status.code() == tonic::Code::ResourceExhausted && busy_retries < MAX_BUSY_RETRIES =>
                {
                    busy_retries += 1;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
                _ => break result.map_err(|s| ClientError::rpc("UpdateWorkflowExecution", s)),
            }
        };
        intercepted.finish(&result);
        let response = result?.into_inner();
        let reference = response.update_ref.unwrap_or(UpdateRef {
            workflow_execution: self.execution_ref(),
            update_id,
        });
        Ok(UpdateHandle {
            client: client.clone(),
            reference,
            name: name.to_string(),
            outcome: response.outcome,
            rpc_timeout: self.rpc_timeout_value(),
            _result: PhantomData,
        })
    }

    /// A handle for update `update_id` of this workflow (started by anyone), to wait for its
    /// outcome.
    pub fn update_handle<R: DeserializeOwned>(&self, update_id: impl Into<String>) -> UpdateHandle<R> {
        let update_id = update_id.into();
        UpdateHandle {
            client: self.client().clone(),
            name: update_id.clone(),
            reference: UpdateRef {
                workflow_execution: self.execution_ref(),
                update_id,
            },
            outcome: None,
            rpc_timeout: self.rpc_timeout_value(),
            _result: PhantomData,
        }
    }
}

pub(super) fn update_request<A: Serialize>(
    client: &Client,
    execution: Option<WorkflowExecution>,
    name: &str,
    args: &A,
    update_id: Option<String>,
) -> Result<UpdateWorkflowExecutionRequest, ClientError> {
    let args = to_payloads(args)?;
    Ok(UpdateWorkflowExecutionRequest {
        namespace: client.namespace().to_string(),
        workflow_execution: execution,
        first_execution_run_id: String::new(),
        wait_policy: Some(WaitPolicy {
            lifecycle_stage: Stage::Completed as i32,
        }),
        request: Some(Request {
            meta: Some(Meta {
                update_id: update_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                identity: client.identity().to_string(),
            }),
            input: Some(Input {
                header: None,
                name: name.to_string(),
                args: (!args.is_empty()).then_some(Payloads { payloads: args }),
            }),
            ..Default::default()
        }),
    })
}

/// Long-polls an update until it has an outcome (each poll with `rpc_timeout`, if given).
pub(super) async fn poll_update(
    client: &Client,
    reference: Option<UpdateRef>,
    rpc_timeout: Option<Duration>,
) -> Result<Outcome, ClientError> {
    loop {
        let mut request = tonic::Request::new(PollWorkflowExecutionUpdateRequest {
            namespace: client.namespace().to_string(),
            update_ref: reference.clone(),
            identity: client.identity().to_string(),
            wait_policy: Some(WaitPolicy {
                lifecycle_stage: Stage::Completed as i32,
            }),
        });
        if let Some(timeout) = rpc_timeout {
            request.set_timeout(timeout);
        }
        let response = client
            .connection()
            .workflow_service()
            .poll_workflow_execution_update(request)
            .await
            .map_err(|s| ClientError::rpc("PollWorkflowExecutionUpdate", s))?
            .into_inner();
        if let Some(outcome) = response.outcome {
            return Ok(outcome);
        }
    }
}

pub(super) fn decode_outcome<R: DeserializeOwned>(name: &str, outcome: Outcome) -> Result<R, UpdateError> {
    match outcome.value {
        Some(outcome::Value::Success(p)) => {
            from_payloads(&p.payloads).map_err(|source| UpdateError::Decode {
                update: name.to_string(),
                source,
            })
        }
        Some(outcome::Value::Failure(f)) => Err(UpdateError::Failed {
            update: name.to_string(),
            failure: Box::new(Failure::from_proto(&f)),
        }),
        None => Err(UpdateError::Failed {
            update: name.to_string(),
            failure: Box::new(Failure::application(
                "the update has no outcome",
                "MissingOutcome",
                true,
            )),
        }),
    }
}
