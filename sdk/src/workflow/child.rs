//! Child workflows: the seed's `ChildWorkflowBuilder` ([`WorkflowContext::child_workflow`]).
//!
//! The seed's `ChildWorkflowOptions` map onto Temporal like this:
//!
//! | seed option              | Ironflow                                      | Temporal                                       |
//! |--------------------------|-----------------------------------------------|------------------------------------------------|
//! | `inherit_parent_timeout` | [`ChildWorkflowOptions::inherit_parent_timeout`] | the child's execution timeout = the parent's remaining execution time |
//! | `propagate_failures`     | [`ChildWorkflowOptions::propagate_failures`] sets the parent-close policy | `TERMINATE` (true, default: the child's fate is tied to the parent's) or `ABANDON` (false); a child's failure always reaches the parent as `Err`, which `?` propagates |
//! | `wait_for_cancellation`  | [`ChildWorkflowOptions::wait_for_cancellation`] sets the cancellation type | `WAIT_CANCELLATION_COMPLETED` (true, default) or `TRY_CANCEL` (false) |
//!
//! The seed's two booleans are setters of Temporal's two fields, not fields of their own, so they
//! cannot disagree with them: the last call wins.
//!
//! ```
//! use ironflow::{Workflow, WorkflowContext, WorkflowResult};
//! use ironflow::workflow::ChildWorkflowOptions;
//!
//! pub struct Charge;
//! impl Workflow for Charge {
//!     const NAME: &'static str = "Charge";
//!     type Input = u64;
//!     type Output = String;
//!     async fn run(_ctx: WorkflowContext, cents: u64) -> WorkflowResult<String> { Ok(format!("charged {cents}")) }
//! }
//!
//! async fn parent(ctx: WorkflowContext) -> WorkflowResult<String> {
//!     let receipt = ctx
//!         .child_workflow::<Charge>(1200)
//!         .options(ChildWorkflowOptions::default().inherit_parent_timeout(true))
//!         .await?;
//!     Ok(receipt)
//! }
//! ```

use super::command::{Command, CommandKind};
use super::context::WorkflowContext;
use super::definition::{SignalDefinition, Workflow};
use super::error::{ChildWorkflowError, StartChildFailedCause};
use super::external::ExternalSignal;
use super::id_policy::IdReusePolicy;
use crate::activity::RetryPolicy;
use crate::converter::{Failure, Payload, PayloadError, from_payloads, to_payloads};
use crate::executor::state::{CommandKey, CommandSpec, Resolution, RunState, SeqKind, SharedState};
use crate::interceptor::OutboundCommand;
use serde::{Serialize, de::DeserializeOwned};
use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use temporalio_common::protos::coresdk::{
    child_workflow::{
        ChildWorkflowCancellationType, ChildWorkflowResult, ParentClosePolicy as ProtoParentClosePolicy,
        StartChildWorkflowExecutionFailedCause, child_workflow_result,
    },
    workflow_activation::{ResolveChildWorkflowExecutionStart, resolve_child_workflow_execution_start},
    workflow_commands::{self as wc, signal_external_workflow_execution::Target, workflow_command::Variant},
};

/// What happens to a child when its parent closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParentClosePolicy {
    /// Terminate the child (Temporal's default).
    #[default]
    Terminate,
    /// Let the child run on.
    Abandon,
    /// Ask the child to cancel.
    RequestCancel,
}

/// How cancelling a child resolves in the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildCancellationType {
    /// Do not tell the child; resolve at once.
    Abandon,
    /// Ask the child to cancel; resolve at once.
    TryCancel,
    /// Ask the child to cancel; resolve when it has finished cancelling (the default).
    #[default]
    WaitCancellationCompleted,
    /// Ask the child to cancel; resolve once the server accepted the request.
    WaitCancellationRequested,
}

/// Options for a child workflow: Temporal's, plus the seed's `inherit_parent_timeout`.
#[derive(Debug, Clone, Default)]
pub struct ChildWorkflowOptions {
    /// Workflow id; default: `<parent id>-child-<deterministic uuid>`.
    pub workflow_id: Option<String>,
    /// Task queue; default: the parent's.
    pub task_queue: Option<String>,
    /// Give the child the parent's remaining execution time as its execution timeout.
    pub inherit_parent_timeout: bool,
    /// What happens to the child when the parent closes (seed: `propagate_failures`).
    pub parent_close_policy: ParentClosePolicy,
    /// How cancelling the child resolves (seed: `wait_for_cancellation`).
    pub cancellation_type: ChildCancellationType,
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

impl ChildWorkflowOptions {
    /// The child's workflow id.
    pub fn workflow_id(mut self, id: impl Into<String>) -> Self {
        self.workflow_id = Some(id.into());
        self
    }

    /// The child's task queue.
    pub fn task_queue(mut self, q: impl Into<String>) -> Self {
        self.task_queue = Some(q.into());
        self
    }

    /// The seed's `inherit_parent_timeout`.
    pub fn inherit_parent_timeout(mut self, yes: bool) -> Self {
        self.inherit_parent_timeout = yes;
        self
    }

    /// The seed's `propagate_failures`: `true` ties the child to the parent (parent-close policy
    /// `Terminate`), `false` lets it run on (`Abandon`).
    pub fn propagate_failures(mut self, yes: bool) -> Self {
        self.parent_close_policy = if yes {
            ParentClosePolicy::Terminate
        } else {
            ParentClosePolicy::Abandon
        };
        self
    }

    /// The seed's `wait_for_cancellation`: `true` waits for the cancelled child to finish
    /// cancelling (`WaitCancellationCompleted`), `false` does not (`TryCancel`).
    pub fn wait_for_cancellation(mut self, yes: bool) -> Self {
        self.cancellation_type = if yes {
            ChildCancellationType::WaitCancellationCompleted
        } else {
            ChildCancellationType::TryCancel
        };
        self
    }

    /// The parent-close policy.
    pub fn parent_close_policy(mut self, p: ParentClosePolicy) -> Self {
        self.parent_close_policy = p;
        self
    }

    /// The cancellation type.
    pub fn cancellation_type(mut self, t: ChildCancellationType) -> Self {
        self.cancellation_type = t;
        self
    }

    /// The execution timeout.
    pub fn execution_timeout(mut self, d: Duration) -> Self {
        self.execution_timeout = Some(d);
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry_policy = Some(p);
        self
    }
}

/// The parameters of a child start.
struct ChildSpec {
    workflow_type: String,
    input: Result<Vec<Payload>, PayloadError>,
    options: ChildWorkflowOptions,
}

impl ChildSpec {
    fn invalid(&self, reason: String) -> ChildWorkflowError {
        ChildWorkflowError::InvalidOptions {
            workflow_type: self.workflow_type.clone(),
            reason,
        }
    }
}

/// A started child's shared state: its ids and, once it arrives, its result.
struct ChildShared {
    state: SharedState,
    seq: u32,
    workflow_id: String,
    workflow_type: String,
    run_id: String,
    result: RefCell<Option<ChildWorkflowResult>>,
}

impl Drop for ChildShared {
    fn drop(&mut self) {
        // Nobody waits for the result any more: stop tracking it, without cancelling the child
        // (its parent-close policy applies when the parent ends).
        if let Ok(mut st) = self.state.try_borrow_mut() {
            st.forget(CommandKey::ChildResult(self.seq));
        }
    }
}

/// The command that starts a child.
struct StartKind<O> {
    spec: ChildSpec,
    workflow_id: String,
    _out: PhantomData<fn() -> O>,
}

fn start_cancelled() -> Resolution {
    Resolution::ChildStart(Box::new(ResolveChildWorkflowExecutionStart {
        seq: 0,
        status: Some(resolve_child_workflow_execution_start::Status::Cancelled(
            temporalio_common::protos::coresdk::workflow_activation::ResolveChildWorkflowExecutionStartCancelled {
                failure: Some(Failure::cancelled("child not started: its cancellation scope was cancelled").to_proto()),
            },
        )),
    }))
}

fn result_cancelled() -> Resolution {
    Resolution::ChildResult(Box::new(ChildWorkflowResult {
        status: Some(child_workflow_result::Status::Cancelled(
            temporalio_common::protos::coresdk::child_workflow::Cancellation {
                failure: Some(Failure::cancelled("child workflow cancelled").to_proto()),
            },
        )),
    }))
}

fn cancel_child(seq: u32) -> Variant {
    Variant::CancelChildWorkflowExecution(wc::CancelChildWorkflowExecution {
        child_workflow_seq: seq,
        reason: "cancelled by the parent".into(),
    })
}

impl<O: DeserializeOwned> CommandKind for StartKind<O> {
    type Output = Result<StartedChild<O>, ChildWorkflowError>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        let spec = &self.spec;
        let o = &spec.options;
        let input = match &spec.input {
            Ok(i) => i.clone(),
            Err(e) => return Err(Err(spec.invalid(format!("its input cannot be encoded: {e}")))),
        };
        if let Some(p) = &o.retry_policy {
            p.validate().map_err(|e| Err(spec.invalid(e.to_string())))?;
        }
        let info = st.info().clone();
        let execution_timeout = if o.inherit_parent_timeout {
            match info.execution_expiration_time {
                Some(expires) => Some(expires.duration_since(st.now()).map_err(|_| {
                    Err(spec.invalid(
                        "inherit_parent_timeout is set but the parent's execution timeout has already passed"
                            .into(),
                    ))
                })?),
                None => o.execution_timeout,
            }
        } else {
            o.execution_timeout
        };
        self.workflow_id = match &o.workflow_id {
            Some(id) => id.clone(),
            None => {
                let bytes = (u128::from(st.next_random()) << 64 | u128::from(st.next_random())).to_le_bytes();
                format!(
                    "{}-child-{}",
                    info.workflow_id,
                    uuid::Builder::from_random_bytes(bytes).into_uuid()
                )
            }
        };
        let seq = st.next_seq(SeqKind::Child);
        let dur = |d: Option<Duration>| d.and_then(|d| d.try_into().ok());
        let mut headers = Default::default();
        st.intercept_outbound(
            OutboundCommand::ChildWorkflow {
                workflow_type: &spec.workflow_type,
            },
            &mut headers,
        );
        let command = Variant::StartChildWorkflowExecution(wc::StartChildWorkflowExecution {
            seq,
            namespace: info.namespace.clone(),
            workflow_id: self.workflow_id.clone(),
            workflow_type: spec.workflow_type.clone(),
            task_queue: o.task_queue.clone().unwrap_or(info.task_queue),
            input,
            workflow_execution_timeout: dur(execution_timeout),
            workflow_run_timeout: dur(o.run_timeout),
            workflow_task_timeout: dur(o.task_timeout),
            parent_close_policy: match o.parent_close_policy {
                ParentClosePolicy::Terminate => ProtoParentClosePolicy::Terminate,
                ParentClosePolicy::Abandon => ProtoParentClosePolicy::Abandon,
                ParentClosePolicy::RequestCancel => ProtoParentClosePolicy::RequestCancel,
            } as i32,
            workflow_id_reuse_policy: o.id_reuse_policy.map_or(0, |p| p.to_proto() as i32),
            retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
            cancellation_type: match o.cancellation_type {
                ChildCancellationType::Abandon => ChildWorkflowCancellationType::Abandon,
                ChildCancellationType::TryCancel => ChildWorkflowCancellationType::TryCancel,
                ChildCancellationType::WaitCancellationCompleted => {
                    ChildWorkflowCancellationType::WaitCancellationCompleted
                }
                ChildCancellationType::WaitCancellationRequested => {
                    ChildWorkflowCancellationType::WaitCancellationRequested
                }
            } as i32,
            headers,
            ..Default::default()
        });
        // The result's slot joins the same scope as the start, so cancelling the scope cancels a
        // running child too.
        st.expect(CommandKey::ChildResult(seq), result_cancelled());
        Ok(CommandSpec {
            key: CommandKey::ChildStart(seq),
            command,
            cancel: Some(cancel_child(seq)),
            cancelled_locally: None,
            cancelled_before_sent: start_cancelled(),
        })
    }

    fn resolve(&mut self, state: &SharedState, resolution: Resolution) -> Self::Output {
        use resolve_child_workflow_execution_start::Status;
        let Resolution::ChildStart(start) = resolution else {
            return Err(ChildWorkflowError::Cancelled(Box::new(Failure::cancelled(
                "child start cancelled",
            ))));
        };
        let seq = start.seq;
        let forget = || state.borrow_mut().forget(CommandKey::ChildResult(seq));
        match start.status {
            Some(Status::Succeeded(s)) => {
                let mut st = state.borrow_mut();
                if self.spec.options.cancellation_type == ChildCancellationType::WaitCancellationRequested {
                    // Core 0.10.1 sends this cancellation request itself and never reports its
                    // outcome, so the result would wait for the child to finish; sent by us,
                    // the result resolves as cancelled once the server accepted the request.
                    let request = wc::RequestCancelExternalWorkflowExecution {
                        seq: 0,
                        workflow_execution: Some(
                            temporalio_common::protos::coresdk::common::NamespacedWorkflowExecution {
                                namespace: st.info().namespace.clone(),
                                workflow_id: self.workflow_id.clone(),
                                run_id: s.run_id.clone(),
                            },
                        ),
                        reason: "cancelled by the parent".into(),
                    };
                    st.set_cancel_by_request(CommandKey::ChildResult(seq), request, result_cancelled());
                } else {
                    st.set_cancel(CommandKey::ChildResult(seq), cancel_child(seq));
                }
                drop(st);
                Ok(StartedChild {
                    shared: Rc::new(ChildShared {
                        state: state.clone(),
                        seq,
                        workflow_id: self.workflow_id.clone(),
                        workflow_type: self.spec.workflow_type.clone(),
                        run_id: s.run_id,
                        result: RefCell::new(None),
                    }),
                    _out: PhantomData,
                })
            }
            Some(Status::Failed(f)) => {
                forget();
                let cause = match StartChildWorkflowExecutionFailedCause::try_from(f.cause) {
                    Ok(StartChildWorkflowExecutionFailedCause::WorkflowAlreadyExists) => {
                        StartChildFailedCause::WorkflowAlreadyExists
                    }
                    Ok(StartChildWorkflowExecutionFailedCause::NamespaceNotFound) => {
                        StartChildFailedCause::NamespaceNotFound
                    }
                    _ => StartChildFailedCause::Other(f.cause),
                };
                Err(ChildWorkflowError::StartFailed {
                    workflow_id: f.workflow_id,
                    workflow_type: f.workflow_type,
                    cause,
                })
            }
            Some(Status::Cancelled(c)) => {
                forget();
                Err(ChildWorkflowError::Cancelled(Box::new(
                    c.failure
                        .as_ref()
                        .map(Failure::from_proto)
                        .unwrap_or_else(|| Failure::cancelled("child start cancelled")),
                )))
            }
            None => {
                forget();
                Err(ChildWorkflowError::InvalidOptions {
                    workflow_type: self.spec.workflow_type.clone(),
                    reason: "Core resolved the start without a status".into(),
                })
            }
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(ChildWorkflowError::Cancelled(Box::new(Failure::cancelled(
            "child not started: it was cancelled before it was started",
        ))))
    }
}

/// Starts a child workflow; resolves once the server started it, with a handle for its result,
/// signals and cancellation. Made by [`ChildWorkflow::start`]. The start is sent when first
/// polled; dropping it before it resolves cancels the child.
#[must_use = "a child workflow starts when awaited"]
pub struct ChildStart<O>(Command<StartKind<O>>);

impl<O: DeserializeOwned> ChildStart<O> {
    /// Cancels the start (and the child, if it started meanwhile).
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

impl<O: DeserializeOwned> Future for ChildStart<O> {
    type Output = Result<StartedChild<O>, ChildWorkflowError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// The seed's `ChildWorkflowBuilder`: `ctx.child_workflow::<W>(input)`, then options, then
/// `.await` (start and wait for the result) or `.start().await` (a handle once started).
#[must_use = "a child workflow starts when awaited"]
pub struct ChildWorkflow<O> {
    state: SharedState,
    stage: ChildStage<O>,
}

enum ChildStage<O> {
    Unstarted(ChildSpec),
    Starting(ChildStart<O>),
    Running(ChildResultFuture<O>),
    Done,
}

impl<O: DeserializeOwned> ChildWorkflow<O> {
    fn spec_mut(&mut self) -> Option<&mut ChildSpec> {
        match &mut self.stage {
            ChildStage::Unstarted(spec) => Some(spec),
            _ => None,
        }
    }

    /// The child's workflow id.
    pub fn id(mut self, workflow_id: impl Into<String>) -> Self {
        if let Some(s) = self.spec_mut() {
            s.options.workflow_id = Some(workflow_id.into());
        }
        self
    }

    /// The child's task queue.
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        if let Some(s) = self.spec_mut() {
            s.options.task_queue = Some(task_queue.into());
        }
        self
    }

    /// Replaces the options, except that a workflow id or task queue set earlier with
    /// [`ChildWorkflow::id`] / [`ChildWorkflow::task_queue`] is kept when `options` leaves it
    /// unset.
    pub fn options(mut self, options: ChildWorkflowOptions) -> Self {
        if let Some(s) = self.spec_mut() {
            let workflow_id = options.workflow_id.clone().or(s.options.workflow_id.take());
            let task_queue = options.task_queue.clone().or(s.options.task_queue.take());
            s.options = ChildWorkflowOptions {
                workflow_id,
                task_queue,
                ..options
            };
        }
        self
    }

    /// Starts the child; resolves once the server started it, with a handle for its result,
    /// signals and cancellation.
    pub fn start(self) -> ChildStart<O> {
        match self.stage {
            ChildStage::Unstarted(spec) => ChildStart(Command::new(
                self.state,
                StartKind {
                    spec,
                    workflow_id: String::new(),
                    _out: PhantomData,
                },
            )),
            // Polled by hand before `start`: the child was started then; refuse a second start.
            _ => ChildStart(Command::new(
                self.state,
                StartKind {
                    spec: ChildSpec {
                        workflow_type: String::new(),
                        input: Err(PayloadError::Encode {
                            source_type: "ChildWorkflow",
                            message: "start() was called on a child workflow that was already polled".into(),
                        }),
                        options: ChildWorkflowOptions::default(),
                    },
                    workflow_id: String::new(),
                    _out: PhantomData,
                },
            )),
        }
    }
}

impl<O: DeserializeOwned> Future for ChildWorkflow<O> {
    type Output = Result<O, ChildWorkflowError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.stage, ChildStage::Done) {
                ChildStage::Unstarted(spec) => {
                    this.stage = ChildStage::Starting(ChildStart(Command::new(
                        this.state.clone(),
                        StartKind {
                            spec,
                            workflow_id: String::new(),
                            _out: PhantomData,
                        },
                    )));
                }
                ChildStage::Starting(mut start) => match Pin::new(&mut start).poll(cx) {
                    Poll::Pending => {
                        this.stage = ChildStage::Starting(start);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(child)) => this.stage = ChildStage::Running(child.result()),
                },
                ChildStage::Running(mut result) => match Pin::new(&mut result).poll(cx) {
                    Poll::Pending => {
                        this.stage = ChildStage::Running(result);
                        return Poll::Pending;
                    }
                    Poll::Ready(r) => return Poll::Ready(r),
                },
                ChildStage::Done => return Poll::Pending,
            }
        }
    }
}

/// A started child workflow: its result, signals, cancellation. Cheap to clone: every clone
/// refers to the same child, so one part of the workflow can await the result while another
/// cancels or signals it. Dropping every clone does not affect the child (its parent-close
/// policy applies when the parent ends).
pub struct StartedChild<O> {
    shared: Rc<ChildShared>,
    _out: PhantomData<fn() -> O>,
}

impl<O> Clone for StartedChild<O> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            _out: PhantomData,
        }
    }
}

impl<O: DeserializeOwned> StartedChild<O> {
    /// The child's workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.shared.workflow_id
    }

    /// The child's first run id.
    pub fn run_id(&self) -> &str {
        &self.shared.run_id
    }

    /// Sends signal `S` to the child.
    pub fn signal<S: SignalDefinition>(&self, data: S::Data) -> ExternalSignal {
        ExternalSignal::new(
            self.shared.state.clone(),
            Target::ChildWorkflowId(self.shared.workflow_id.clone()),
            S::NAME,
            to_payloads(&data),
        )
    }

    /// Cancels the child (as its cancellation type says); its result then resolves as
    /// cancelled.
    pub fn cancel(&self) {
        self.shared
            .state
            .borrow_mut()
            .cancel_command(CommandKey::ChildResult(self.shared.seq));
    }

    /// Waits for the child's result. Any number of result futures may wait at once.
    pub fn result(&self) -> ChildResultFuture<O> {
        ChildResultFuture {
            shared: self.shared.clone(),
            _out: PhantomData,
        }
    }
}

/// The result of a started child; see [`StartedChild::result`].
pub struct ChildResultFuture<O> {
    shared: Rc<ChildShared>,
    _out: PhantomData<fn() -> O>,
}

impl<O: DeserializeOwned> Future for ChildResultFuture<O> {
    type Output = Result<O, ChildWorkflowError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let shared = &self.shared;
        if shared.result.borrow().is_none() {
            let resolution = shared
                .state
                .borrow_mut()
                .poll_resolution(CommandKey::ChildResult(shared.seq), cx.waker());
            match resolution {
                Some(Resolution::ChildResult(r)) => *shared.result.borrow_mut() = Some(*r),
                Some(_) => {
                    *shared.result.borrow_mut() = Some(ChildWorkflowResult::default());
                }
                None => return Poll::Pending,
            }
        }
        let result = shared.result.borrow();
        let Some(result) = result.as_ref() else {
            return Poll::Pending;
        };
        Poll::Ready(child_result(&shared.workflow_type, result))
    }
}

fn child_result<O: DeserializeOwned>(
    workflow_type: &str,
    result: &ChildWorkflowResult,
) -> Result<O, ChildWorkflowError> {
    let failure = |f: &Option<temporalio_common::protos::temporal::api::failure::v1::Failure>| {
        Box::new(
            f.as_ref()
                .map(Failure::from_proto)
                .unwrap_or_else(|| Failure::application("", "", false)),
        )
    };
    match &result.status {
        Some(child_workflow_result::Status::Completed(s)) => {
            let payloads: &[Payload] = s.result.as_slice();
            from_payloads(payloads).map_err(|source| ChildWorkflowError::Decode {
                workflow_type: workflow_type.to_string(),
                source,
            })
        }
        Some(child_workflow_result::Status::Failed(f)) => {
            Err(ChildWorkflowError::Failed(failure(&f.failure)))
        }
        Some(child_workflow_result::Status::Cancelled(c)) => {
            Err(ChildWorkflowError::Cancelled(failure(&c.failure)))
        }
        None => Err(ChildWorkflowError::Failed(Box::new(Failure::application(
            format!("child workflow `{workflow_type}` resolved without a result"),
            "MissingChildResult",
            true,
        )))),
    }
}

impl WorkflowContext {
    /// A child workflow of type `W` with its input (the seed's `ChildWorkflowBuilder`). Set
    /// options, then `.await` it for its result, or `.start().await` for a handle.
    pub fn child_workflow<W: Workflow>(&self, input: W::Input) -> ChildWorkflow<W::Output> {
        self.child(W::NAME, to_payloads(&input))
    }

    /// A child workflow by type name (for workflows whose type is not known at compile time).
    pub fn child_workflow_by_name<I: Serialize, O: DeserializeOwned>(
        &self,
        workflow_type: &str,
        input: I,
    ) -> ChildWorkflow<O> {
        self.child(workflow_type, to_payloads(&input))
    }

    fn child<O: DeserializeOwned>(
        &self,
        workflow_type: &str,
        input: Result<Vec<Payload>, PayloadError>,
    ) -> ChildWorkflow<O> {
        ChildWorkflow {
            state: self.run_state().clone(),
            stage: ChildStage::Unstarted(ChildSpec {
                workflow_type: workflow_type.to_string(),
                input,
                options: ChildWorkflowOptions::default(),
            }),
        }
    }
}
