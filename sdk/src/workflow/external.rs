//! Other workflows, from inside a workflow: child workflows (the seed's `ChildWorkflowBuilder`),
//! signals to other workflows, and cancellation requests to them.
//!
//! The seed's `ChildWorkflowOptions` map onto Temporal like this:
//!
//! | seed option              | Temporal                                                                 |
//! |--------------------------|--------------------------------------------------------------------------|
//! | `inherit_parent_timeout` | the child's execution timeout = the parent's remaining execution time   |
//! | `propagate_failures`     | parent-close policy `TERMINATE` (true, default: the child's fate is tied to the parent's) or `ABANDON` (false); a child's failure always reaches the parent as `Err`, which `?` propagates |
//! | `wait_for_cancellation`  | child cancellation type `WAIT_CANCELLATION_COMPLETED` (true, default) or `TRY_CANCEL` (false) |
//!
//! ```
//! use ironflow::{Workflow, WorkflowContext, WorkflowResult};
//! use ironflow::workflow::ChildWorkflowOptions;
//!
//! struct Charge;
//! impl Workflow for Charge {
//!     type Input = u64; type Output = String; const NAME: &'static str = "Charge";
//!     async fn run(_ctx: WorkflowContext, cents: u64) -> WorkflowResult<String> { Ok(format!("charged {cents}")) }
//! }
//!
//! async fn parent(ctx: WorkflowContext) -> WorkflowResult<String> {
//!     let receipt = ctx
//!         .child_workflow::<Charge>()
//!         .input(1200)
//!         .options(ChildWorkflowOptions { inherit_parent_timeout: true, ..Default::default() })
//!         .execute()
//!         .await?;
//!     Ok(receipt)
//! }
//! ```

use super::Workflow;
use super::context::WorkflowContext;
use super::error::WorkflowError;
use super::futures::CommandFuture;
use super::messages::SignalDefinition;
use crate::RetryPolicy;
use crate::client::IdReusePolicy;
use crate::converter::{Failure, Payload, PayloadError, from_payload, from_payloads, to_payload};
use crate::executor::state::{CommandKey, CommandSpec, Resolution, SharedState};
use serde::{Serialize, de::DeserializeOwned};
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use temporalio_common::protos::coresdk::{
    child_workflow::{
        self as cw, ChildWorkflowCancellationType, ParentClosePolicy as ProtoParentClosePolicy,
        StartChildWorkflowExecutionFailedCause, child_workflow_result,
    },
    common::NamespacedWorkflowExecution,
    workflow_activation::{ResolveChildWorkflowExecutionStart, resolve_child_workflow_execution_start},
    workflow_commands::{self as wc, signal_external_workflow_execution::Target, workflow_command::Variant},
};

/// What happens to a child when its parent closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentClosePolicy {
    /// Terminate the child.
    Terminate,
    /// Let the child run on.
    Abandon,
    /// Ask the child to cancel.
    RequestCancel,
}

/// How cancelling a child resolves in the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildCancellationType {
    /// Do not tell the child; resolve at once.
    Abandon,
    /// Ask the child to cancel; resolve at once.
    TryCancel,
    /// Ask the child to cancel; resolve when it has finished cancelling.
    WaitCancellationCompleted,
    /// Ask the child to cancel; resolve once the server accepted the request.
    WaitCancellationRequested,
}

/// Options for a child workflow; the seed's three options plus Temporal's own.
#[derive(Debug, Clone)]
pub struct ChildWorkflowOptions {
    /// Workflow id; default: a deterministic UUID derived from the parent's random seed.
    pub workflow_id: Option<String>,
    /// Task queue; default: the parent's.
    pub task_queue: Option<String>,
    /// Give the child the parent's remaining execution time as its execution timeout.
    pub inherit_parent_timeout: bool,
    /// Tie the child to the parent (parent-close policy `TERMINATE`, default) or not (`ABANDON`).
    pub propagate_failures: bool,
    /// Wait for the child to finish cancelling when it is cancelled (default) or not.
    pub wait_for_cancellation: bool,
    /// Overrides `propagate_failures`.
    pub parent_close_policy: Option<ParentClosePolicy>,
    /// Overrides `wait_for_cancellation`.
    pub cancellation_type: Option<ChildCancellationType>,
    /// Execution timeout (all runs of the child).
    pub execution_timeout: Option<Duration>,
    /// Run timeout.
    pub run_timeout: Option<Duration>,
    /// Workflow task timeout.
    pub task_timeout: Option<Duration>,
    /// Retry policy of the child workflow.
    pub retry_policy: Option<RetryPolicy>,
    /// Reuse of the id of a closed workflow.
    pub id_reuse_policy: Option<IdReusePolicy>,
}

impl Default for ChildWorkflowOptions {
    fn default() -> Self {
        Self {
            workflow_id: None,
            task_queue: None,
            inherit_parent_timeout: false,
            propagate_failures: true,
            wait_for_cancellation: true,
            parent_close_policy: None,
            cancellation_type: None,
            execution_timeout: None,
            run_timeout: None,
            task_timeout: None,
            retry_policy: None,
            id_reuse_policy: None,
        }
    }
}

/// Why a child workflow produced no result.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ChildWorkflowError {
    /// A workflow with the child's id is already running.
    #[error(
        "child workflow `{workflow_type}` could not start: workflow id `{workflow_id}` is already in use"
    )]
    AlreadyStarted {
        /// The child's workflow id.
        workflow_id: String,
        /// The child's workflow type.
        workflow_type: String,
    },
    /// The start failed for another reason.
    #[error("child workflow `{workflow_type}` (id `{workflow_id}`) could not start: {cause}")]
    StartFailed {
        /// The child's workflow id.
        workflow_id: String,
        /// The child's workflow type.
        workflow_type: String,
        /// Core's cause.
        cause: String,
    },
    /// The child failed (or timed out, or was terminated); the chain starts with Temporal's
    /// `ChildWorkflowFailure`.
    #[error("{0}")]
    Failed(Box<Failure>),
    /// The child was cancelled (or its start was).
    #[error("child workflow cancelled: {0}")]
    Cancelled(Box<Failure>),
    /// The child completed, but its result does not decode.
    #[error("child workflow `{workflow_type}` completed with a result that cannot be decoded: {source}")]
    Decode {
        /// The child's workflow type.
        workflow_type: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// The child cannot be started with these options.
    #[error("child workflow `{workflow_type}` cannot be started: {reason}")]
    InvalidOptions {
        /// The child's workflow type.
        workflow_type: String,
        /// What is wrong.
        reason: String,
    },
}

impl ChildWorkflowError {
    /// The failure recorded when this error ends the parent.
    pub fn to_failure(&self) -> Failure {
        match self {
            Self::Failed(f) | Self::Cancelled(f) => (**f).clone(),
            other => Failure::application(other.to_string(), "ChildWorkflowError", true),
        }
    }
}

/// The seed's `ChildWorkflowBuilder`: `ctx.child_workflow::<W>().input(..).options(..)`, then
/// `.execute()` (start and wait for the result) or `.start()` (get a handle once started).
#[must_use = "a child workflow builder does nothing until started"]
pub struct ChildWorkflowBuilder<I, O> {
    ctx: WorkflowContext,
    workflow_type: String,
    input: Option<Result<Payload, PayloadError>>,
    options: ChildWorkflowOptions,
    _types: PhantomData<fn(I) -> O>,
}

impl<I: Serialize, O: DeserializeOwned + 'static> ChildWorkflowBuilder<I, O> {
    pub(crate) fn new(ctx: WorkflowContext, workflow_type: String) -> Self {
        Self {
            ctx,
            workflow_type,
            input: None,
            options: ChildWorkflowOptions::default(),
            _types: PhantomData,
        }
    }

    /// The child's input.
    pub fn input(mut self, input: I) -> Self {
        self.input = Some(to_payload(&input));
        self
    }

    /// Applies options: they replace the previous ones, except that an id or task queue set
    /// earlier with [`ChildWorkflowBuilder::id`] / [`ChildWorkflowBuilder::task_queue`] is kept
    /// when `options` leaves it unset.
    pub fn options(mut self, options: ChildWorkflowOptions) -> Self {
        let workflow_id = options.workflow_id.clone().or(self.options.workflow_id.take());
        let task_queue = options.task_queue.clone().or(self.options.task_queue.take());
        self.options = ChildWorkflowOptions {
            workflow_id,
            task_queue,
            ..options
        };
        self
    }

    /// The child's workflow id.
    pub fn id(mut self, workflow_id: impl Into<String>) -> Self {
        self.options.workflow_id = Some(workflow_id.into());
        self
    }

    /// The child's task queue.
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        self.options.task_queue = Some(task_queue.into());
        self
    }

    /// Starts the child and waits for its result.
    pub async fn execute(self) -> Result<O, ChildWorkflowError> {
        self.start().await?.result().await
    }

    /// Starts the child; resolves once the server started it, with a handle for its result,
    /// signals and cancellation. Dropping the start before it resolves cancels the child.
    pub fn start(self) -> ChildStartFuture<O> {
        let ty = self.workflow_type.clone();
        match self.command() {
            Err(reason) => ChildStartFuture {
                state: None,
                inner: Err(Some(ChildWorkflowError::InvalidOptions {
                    workflow_type: ty.clone(),
                    reason,
                })),
                seq: 0,
                workflow_id: String::new(),
                workflow_type: ty,
                _out: PhantomData,
            },
            Ok((seq, command, workflow_id)) => {
                let state = self.ctx.state().clone();
                let cancel = Variant::CancelChildWorkflowExecution(wc::CancelChildWorkflowExecution {
                    child_workflow_seq: seq,
                    reason: "cancelled by the parent".into(),
                });
                let start = CommandFuture::issue(
                    &state,
                    CommandSpec {
                        key: CommandKey::ChildStart(seq),
                        command,
                        cancel: Some(cancel),
                        cancelled_locally: None,
                        cancelled_before_sent: child_start_cancelled(),
                    },
                );
                state
                    .borrow_mut()
                    .expect(CommandKey::ChildResult(seq), child_result_cancelled());
                ChildStartFuture {
                    state: Some(state),
                    inner: Ok(start),
                    seq,
                    workflow_id,
                    workflow_type: ty,
                    _out: PhantomData,
                }
            }
        }
    }

    fn command(&self) -> Result<(u32, Variant, String), String> {
        let o = &self.options;
        let input = match &self.input {
            None => Vec::new(),
            Some(Ok(p)) => vec![p.clone()],
            Some(Err(e)) => return Err(format!("its input cannot be encoded: {e}")),
        };
        if let Some(p) = &o.retry_policy {
            p.validate().map_err(|e| e.to_string())?;
        }
        let (info, now) = {
            let st = self.ctx.state().borrow();
            (st.info.clone(), st.now)
        };
        let execution_timeout = if o.inherit_parent_timeout {
            match info.execution_expiration_time {
                Some(expires) => Some(expires.duration_since(now).map_err(|_| {
                    "inherit_parent_timeout is set but the parent's execution timeout has already passed"
                        .to_string()
                })?),
                None => o.execution_timeout,
            }
        } else {
            o.execution_timeout
        };
        let workflow_id = match &o.workflow_id {
            Some(id) => id.clone(),
            None => format!("{}-child-{}", info.workflow_id, self.ctx.uuid4()),
        };
        let parent_close = o.parent_close_policy.unwrap_or(if o.propagate_failures {
            ParentClosePolicy::Terminate
        } else {
            ParentClosePolicy::Abandon
        });
        let cancellation = o.cancellation_type.unwrap_or(if o.wait_for_cancellation {
            ChildCancellationType::WaitCancellationCompleted
        } else {
            ChildCancellationType::TryCancel
        });
        let seq = self.ctx.state().borrow_mut().next_child_seq();
        let dur = |d: Option<Duration>| d.and_then(|d| d.try_into().ok());
        let command = Variant::StartChildWorkflowExecution(wc::StartChildWorkflowExecution {
            seq,
            namespace: info.namespace.clone(),
            workflow_id: workflow_id.clone(),
            workflow_type: self.workflow_type.clone(),
            task_queue: o.task_queue.clone().unwrap_or(info.task_queue),
            input,
            workflow_execution_timeout: dur(execution_timeout),
            workflow_run_timeout: dur(o.run_timeout),
            workflow_task_timeout: dur(o.task_timeout),
            parent_close_policy: match parent_close {
                ParentClosePolicy::Terminate => ProtoParentClosePolicy::Terminate,
                ParentClosePolicy::Abandon => ProtoParentClosePolicy::Abandon,
                ParentClosePolicy::RequestCancel => ProtoParentClosePolicy::RequestCancel,
            } as i32,
            workflow_id_reuse_policy: o.id_reuse_policy.map_or(0, |p| p.to_proto() as i32),
            retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
            cancellation_type: match cancellation {
                ChildCancellationType::Abandon => ChildWorkflowCancellationType::Abandon,
                ChildCancellationType::TryCancel => ChildWorkflowCancellationType::TryCancel,
                ChildCancellationType::WaitCancellationCompleted => {
                    ChildWorkflowCancellationType::WaitCancellationCompleted
                }
                ChildCancellationType::WaitCancellationRequested => {
                    ChildWorkflowCancellationType::WaitCancellationRequested
                }
            } as i32,
            ..Default::default()
        });
        Ok((seq, command, workflow_id))
    }
}

fn child_start_cancelled() -> Resolution {
    Resolution::ChildStart(Box::new(ResolveChildWorkflowExecutionStart {
        seq: 0,
        status: Some(resolve_child_workflow_execution_start::Status::Cancelled(
            temporalio_common::protos::coresdk::workflow_activation::ResolveChildWorkflowExecutionStartCancelled {
                failure: Some(Failure::cancelled("not started: the workflow's cancellation was requested").to_proto()),
            },
        )),
    }))
}

fn child_result_cancelled() -> Resolution {
    Resolution::ChildResult(Box::new(cw::ChildWorkflowResult {
        status: Some(child_workflow_result::Status::Cancelled(cw::Cancellation {
            failure: Some(Failure::cancelled("the workflow's cancellation was requested").to_proto()),
        })),
    }))
}

/// A child workflow being started; resolves with a [`StartedChild`].
pub struct ChildStartFuture<O> {
    state: Option<SharedState>,
    inner: Result<CommandFuture, Option<ChildWorkflowError>>,
    seq: u32,
    workflow_id: String,
    workflow_type: String,
    _out: PhantomData<fn() -> O>,
}

impl<O> Drop for ChildStartFuture<O> {
    fn drop(&mut self) {
        // If the start never resolved, nobody will wait for the result either.
        if let (Some(state), Ok(_)) = (&self.state, &self.inner)
            && let Ok(mut st) = state.try_borrow_mut()
            && !st.tearing_down
            && self.seq != 0
        {
            st.forget(CommandKey::ChildResult(self.seq));
        }
    }
}

impl<O: DeserializeOwned> Future for ChildStartFuture<O> {
    type Output = Result<StartedChild<O>, ChildWorkflowError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let resolution = match &mut this.inner {
            Err(e) => return e.take().map_or(Poll::Pending, |e| Poll::Ready(Err(e))),
            Ok(f) => match Pin::new(f).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            },
        };
        let Resolution::ChildStart(start) = resolution else {
            unreachable!("child start keys only receive child start resolutions")
        };
        let state = this.state.take().expect("a started child has state");
        this.seq = 0;
        use resolve_child_workflow_execution_start::Status;
        Poll::Ready(match start.status {
            Some(Status::Succeeded(s)) => {
                let cancel = Variant::CancelChildWorkflowExecution(wc::CancelChildWorkflowExecution {
                    child_workflow_seq: start.seq,
                    reason: "cancelled by the parent".into(),
                });
                state
                    .borrow_mut()
                    .set_cancel(CommandKey::ChildResult(start.seq), cancel);
                Ok(StartedChild {
                    result: Some(CommandFuture::attach(&state, CommandKey::ChildResult(start.seq))),
                    state,
                    workflow_id: this.workflow_id.clone(),
                    workflow_type: this.workflow_type.clone(),
                    run_id: s.run_id,
                    _out: PhantomData,
                })
            }
            Some(Status::Failed(f)) => {
                state.borrow_mut().forget(CommandKey::ChildResult(start.seq));
                if f.cause == StartChildWorkflowExecutionFailedCause::WorkflowAlreadyExists as i32 {
                    Err(ChildWorkflowError::AlreadyStarted {
                        workflow_id: f.workflow_id,
                        workflow_type: f.workflow_type,
                    })
                } else {
                    Err(ChildWorkflowError::StartFailed {
                        workflow_id: f.workflow_id,
                        workflow_type: f.workflow_type,
                        cause: format!("{:?}", StartChildWorkflowExecutionFailedCause::try_from(f.cause)),
                    })
                }
            }
            Some(Status::Cancelled(c)) => {
                state.borrow_mut().forget(CommandKey::ChildResult(start.seq));
                Err(ChildWorkflowError::Cancelled(Box::new(
                    c.failure
                        .as_ref()
                        .map(Failure::from_proto)
                        .unwrap_or_else(|| Failure::cancelled("child start cancelled")),
                )))
            }
            None => Err(ChildWorkflowError::StartFailed {
                workflow_id: this.workflow_id.clone(),
                workflow_type: this.workflow_type.clone(),
                cause: "Core resolved the start without a status".into(),
            }),
        })
    }
}

/// A started child workflow: its result, signals, cancellation. Dropping it does not affect the
/// child (its parent-close policy applies when the parent ends).
pub struct StartedChild<O> {
    state: SharedState,
    result: Option<CommandFuture>,
    workflow_id: String,
    workflow_type: String,
    run_id: String,
    _out: PhantomData<fn() -> O>,
}

impl<O: DeserializeOwned> StartedChild<O> {
    /// The child's workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The child's first run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Sends signal `S` to the child.
    pub fn signal<S: SignalDefinition>(&self, data: &S::Data) -> ExternalSignalFuture {
        signal_external(
            &self.state,
            Target::ChildWorkflowId(self.workflow_id.clone()),
            S::NAME,
            data,
        )
    }

    /// Cancels the child (as its cancellation type says); its result then resolves as cancelled.
    pub fn cancel(&self) {
        if let Some(r) = &self.result {
            r.cancel();
        }
    }

    /// Waits for the child's result.
    pub async fn result(mut self) -> Result<O, ChildWorkflowError> {
        let ty = self.workflow_type.clone();
        let Some(result) = self.result.take() else {
            unreachable!("the result future is only taken here")
        };
        let Resolution::ChildResult(result) = result.await else {
            unreachable!("child result keys only receive child results")
        };
        let failure = |f: Option<temporalio_common::protos::temporal::api::failure::v1::Failure>| {
            Box::new(
                f.as_ref()
                    .map(Failure::from_proto)
                    .unwrap_or_else(|| Failure::application("", "", false)),
            )
        };
        match result.status {
            Some(child_workflow_result::Status::Completed(s)) => {
                let decoded = match s.result {
                    Some(p) => from_payload(&p),
                    None => from_payloads(&[]),
                };
                decoded.map_err(|source| ChildWorkflowError::Decode {
                    workflow_type: ty,
                    source,
                })
            }
            Some(child_workflow_result::Status::Failed(f)) => {
                Err(ChildWorkflowError::Failed(failure(f.failure)))
            }
            Some(child_workflow_result::Status::Cancelled(c)) => {
                Err(ChildWorkflowError::Cancelled(failure(c.failure)))
            }
            None => Err(ChildWorkflowError::Failed(Box::new(Failure::application(
                format!("child workflow `{ty}` resolved without a result"),
                "MissingChildResult",
                true,
            )))),
        }
    }
}

impl<O> Drop for StartedChild<O> {
    fn drop(&mut self) {
        if let Some(r) = self.result.as_mut() {
            r.detach();
        }
    }
}

/// A signal sent to another workflow; resolves once the server delivered it (or could not).
/// Dropping it before it resolves cancels the send.
pub struct ExternalSignalFuture {
    inner: Result<CommandFuture, Option<Box<Failure>>>,
}

impl Future for ExternalSignalFuture {
    type Output = Result<(), Box<Failure>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.inner {
            Err(e) => e.take().map_or(Poll::Pending, |e| Poll::Ready(Err(e))),
            Ok(f) => Pin::new(f).poll(cx).map(|r| match r {
                Resolution::SignalExternal(None) => Ok(()),
                Resolution::SignalExternal(Some(f)) => Err(f),
                other => unreachable!("signal keys only receive signal resolutions, got {other:?}"),
            }),
        }
    }
}

/// A cancellation request sent to another workflow; resolves once the server delivered it.
pub struct ExternalCancelFuture {
    inner: CommandFuture,
}

impl Future for ExternalCancelFuture {
    type Output = Result<(), Box<Failure>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx).map(|r| match r {
            Resolution::CancelExternal(None) => Ok(()),
            Resolution::CancelExternal(Some(f)) => Err(f),
            other => unreachable!("cancel-external keys only receive their resolutions, got {other:?}"),
        })
    }
}

fn signal_external<T: Serialize + ?Sized>(
    state: &SharedState,
    target: Target,
    signal_name: &str,
    data: &T,
) -> ExternalSignalFuture {
    let payload = match to_payload(data) {
        Ok(p) => p,
        Err(e) => {
            return ExternalSignalFuture {
                inner: Err(Some(Box::new(Failure::application(
                    format!("signal `{signal_name}` data cannot be encoded: {e}"),
                    "PayloadEncodeError",
                    true,
                )))),
            };
        }
    };
    let seq = state.borrow_mut().next_signal_external_seq();
    let spec = CommandSpec {
        key: CommandKey::SignalExternal(seq),
        command: Variant::SignalExternalWorkflowExecution(wc::SignalExternalWorkflowExecution {
            seq,
            target: Some(target),
            signal_name: signal_name.to_string(),
            args: vec![payload],
            ..Default::default()
        }),
        cancel: Some(Variant::CancelSignalWorkflow(wc::CancelSignalWorkflow { seq })),
        cancelled_locally: None,
        cancelled_before_sent: Resolution::SignalExternal(Some(Box::new(Failure::cancelled(
            "not sent: the workflow's cancellation was requested",
        )))),
    };
    ExternalSignalFuture {
        inner: Ok(CommandFuture::issue(state, spec)),
    }
}

impl WorkflowContext {
    /// Builds a child workflow of type `W` (the seed's `ChildWorkflowBuilder`).
    pub fn child_workflow<W: Workflow>(&self) -> ChildWorkflowBuilder<W::Input, W::Output> {
        ChildWorkflowBuilder::new(self.clone(), W::NAME.to_string())
    }

    /// Builds a child workflow by type name (for workflows of other SDKs).
    pub fn child_workflow_by_name<I: Serialize, O: DeserializeOwned + 'static>(
        &self,
        workflow_type: &str,
    ) -> ChildWorkflowBuilder<I, O> {
        ChildWorkflowBuilder::new(self.clone(), workflow_type.to_string())
    }

    /// Sends signal `S` to another workflow (by id; `run_id` `None` means its latest run).
    pub fn signal_workflow<S: SignalDefinition>(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        data: &S::Data,
    ) -> ExternalSignalFuture {
        self.signal_workflow_by_name(workflow_id, run_id, S::NAME, data)
    }

    /// Sends a signal by name to another workflow.
    pub fn signal_workflow_by_name<T: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        signal_name: &str,
        data: &T,
    ) -> ExternalSignalFuture {
        let namespace = self.state().borrow().info.namespace.clone();
        let target = Target::WorkflowExecution(NamespacedWorkflowExecution {
            namespace,
            workflow_id: workflow_id.to_string(),
            run_id: run_id.unwrap_or_default().to_string(),
        });
        signal_external(self.state(), target, signal_name, data)
    }

    /// Requests the cancellation of another workflow (not a child: cancel children through
    /// their handle).
    pub fn cancel_external_workflow(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        reason: &str,
    ) -> ExternalCancelFuture {
        let state = self.state();
        let (seq, namespace) = {
            let mut st = state.borrow_mut();
            (st.next_cancel_external_seq(), st.info.namespace.clone())
        };
        let spec = CommandSpec {
            key: CommandKey::CancelExternal(seq),
            command: Variant::RequestCancelExternalWorkflowExecution(
                wc::RequestCancelExternalWorkflowExecution {
                    seq,
                    workflow_execution: Some(NamespacedWorkflowExecution {
                        namespace,
                        workflow_id: workflow_id.to_string(),
                        run_id: run_id.unwrap_or_default().to_string(),
                    }),
                    reason: reason.to_string(),
                },
            ),
            cancel: None,
            cancelled_locally: None,
            cancelled_before_sent: Resolution::CancelExternal(None),
        };
        ExternalCancelFuture {
            inner: CommandFuture::issue(state, spec),
        }
    }

    /// Ends this run and starts a new run of the same workflow with `input`; return it as the
    /// workflow's error: `return Err(ctx.continue_as_new(&next_input))`.
    pub fn continue_as_new<I: Serialize + ?Sized>(&self, input: &I) -> WorkflowError {
        self.continue_as_new_with(input, ContinueAsNewOptions::default())
    }

    /// Like [`WorkflowContext::continue_as_new`], with another workflow type, task queue or
    /// timeouts.
    pub fn continue_as_new_with<I: Serialize + ?Sized>(
        &self,
        input: &I,
        options: ContinueAsNewOptions,
    ) -> WorkflowError {
        let payload = match to_payload(input) {
            Ok(p) => p,
            Err(e) => {
                return WorkflowError::Failed(Box::new(Failure::application(
                    format!("continue-as-new input cannot be encoded: {e}"),
                    "PayloadEncodeError",
                    true,
                )));
            }
        };
        let dur = |d: Option<Duration>| d.and_then(|d| d.try_into().ok());
        WorkflowError::ContinueAsNew(Box::new(wc::ContinueAsNewWorkflowExecution {
            workflow_type: options.workflow_type.unwrap_or_default(),
            task_queue: options.task_queue.unwrap_or_default(),
            arguments: vec![payload],
            workflow_run_timeout: dur(options.run_timeout),
            workflow_task_timeout: dur(options.task_timeout),
            initial_versioning_behavior: if options.upgrade_to_current_version {
                temporalio_common::protos::temporal::api::enums::v1::ContinueAsNewVersioningBehavior::AutoUpgrade as i32
            } else {
                0
            },
            ..Default::default()
        }))
    }

    /// Runs `future` so that the workflow's cancellation does not cancel the commands it
    /// issues: for cleanup after a cancellation. It takes anything awaitable, so an activity
    /// call can be passed directly (`ctx.non_cancellable(ctx.execute_activity(&Cleanup, x))`);
    /// the call is made inside the scope, when first polled.
    pub fn non_cancellable<F: IntoFuture>(&self, future: F) -> NonCancellable<F> {
        NonCancellable {
            state: self.state().clone(),
            pending: Some(Box::new(future)),
            inner: None,
        }
    }

    /// The workflow's execution deadline, if it has an execution timeout.
    pub fn execution_deadline(&self) -> Option<SystemTime> {
        self.state().borrow().info.execution_expiration_time
    }
}

/// Options for [`WorkflowContext::continue_as_new_with`]; unset fields keep the current run's.
#[derive(Debug, Clone, Default)]
pub struct ContinueAsNewOptions {
    /// Continue as another workflow type.
    pub workflow_type: Option<String>,
    /// Continue on another task queue.
    pub task_queue: Option<String>,
    /// The new run's run timeout.
    pub run_timeout: Option<Duration>,
    /// The new run's workflow task timeout.
    pub task_timeout: Option<Duration>,
    /// Start the new run on the Worker Deployment's current version rather than this run's
    /// (how a pinned execution migrates to a new version; see [`crate::versioning`]).
    pub upgrade_to_current_version: bool,
}

/// A future whose commands the workflow's cancellation does not cancel; see
/// [`WorkflowContext::non_cancellable`].
pub struct NonCancellable<F: IntoFuture> {
    state: SharedState,
    pending: Option<Box<F>>,
    inner: Option<Pin<Box<F::IntoFuture>>>,
}

impl<F: IntoFuture> Future for NonCancellable<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        this.state.borrow_mut().detached_depth += 1;
        if let Some(f) = this.pending.take() {
            this.inner = Some(Box::pin((*f).into_future()));
        }
        let r = match this.inner.as_mut() {
            Some(inner) => inner.as_mut().poll(cx),
            None => Poll::Pending,
        };
        this.state.borrow_mut().detached_depth -= 1;
        r
    }
}
