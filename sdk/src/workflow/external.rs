//! Other workflows, from inside a workflow: signals to them and requests to cancel them
//! ([`WorkflowContext::external_workflow`]).

use super::command::{Command, CommandKind};
use super::context::WorkflowContext;
use super::definition::SignalDefinition;
use super::error::ExternalWorkflowError;
use crate::converter::{Payload, PayloadError, to_payloads};
use crate::executor::state::{CommandKey, CommandSpec, Resolution, RunState, SeqKind, SharedState};
use crate::interceptor::OutboundCommand;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use temporalio_common::protos::coresdk::{
    common::NamespacedWorkflowExecution,
    workflow_commands::{self as wc, signal_external_workflow_execution::Target, workflow_command::Variant},
};

/// Another workflow, by id (and optionally run id): signal it or request its cancellation.
/// Made by [`WorkflowContext::external_workflow`].
#[derive(Clone)]
pub struct ExternalWorkflow {
    state: SharedState,
    workflow_id: String,
    run_id: Option<String>,
}

impl ExternalWorkflow {
    /// Targets one run instead of the latest.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    fn execution(&self, st: &RunState) -> NamespacedWorkflowExecution {
        NamespacedWorkflowExecution {
            namespace: st.info().namespace.clone(),
            workflow_id: self.workflow_id.clone(),
            run_id: self.run_id.clone().unwrap_or_default(),
        }
    }

    /// Sends signal `S`; resolves once the server delivered it (or could not).
    pub fn signal<S: SignalDefinition>(&self, data: S::Data) -> ExternalSignal {
        self.signal_by_name(S::NAME, data)
    }

    /// Sends a signal by name (for signals whose definition is not known at compile time).
    pub fn signal_by_name<T: Serialize>(&self, name: &str, data: T) -> ExternalSignal {
        let target = Target::WorkflowExecution(self.execution(&self.state.borrow()));
        ExternalSignal::new(self.state.clone(), target, name, to_payloads(&data))
    }

    /// Requests the workflow's cancellation; resolves once the server delivered the request.
    /// (Cancel a child through its handle instead.)
    pub fn cancel(&self, reason: impl Into<String>) -> ExternalCancel {
        let execution = self.execution(&self.state.borrow());
        ExternalCancel(Command::new(
            self.state.clone(),
            CancelKind {
                execution,
                reason: reason.into(),
            },
        ))
    }
}

/// A signal sent to another workflow; resolves once the server delivered it (or could not).
/// Sent when first polled; dropping it before it resolves cancels the send.
#[must_use = "a signal is sent when awaited"]
pub struct ExternalSignal(Command<SignalKind>);

pub(crate) struct SignalKind {
    target: Target,
    name: String,
    args: Result<Vec<Payload>, PayloadError>,
}

impl ExternalSignal {
    pub(crate) fn new(
        state: SharedState,
        target: Target,
        name: &str,
        args: Result<Vec<Payload>, PayloadError>,
    ) -> Self {
        ExternalSignal(Command::new(
            state,
            SignalKind {
                target,
                name: name.to_string(),
                args,
            },
        ))
    }

    /// Cancels the send.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

impl CommandKind for SignalKind {
    type Output = Result<(), ExternalWorkflowError>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        let args = match &self.args {
            Ok(a) => a.clone(),
            Err(e) => return Err(Err(ExternalWorkflowError::Encode(e.clone()))),
        };
        let seq = st.next_seq(SeqKind::SignalExternal);
        let mut headers = Default::default();
        st.intercept_outbound(
            OutboundCommand::SignalExternal { signal: &self.name },
            &mut headers,
        );
        Ok(CommandSpec {
            key: CommandKey::SignalExternal(seq),
            command: Variant::SignalExternalWorkflowExecution(wc::SignalExternalWorkflowExecution {
                seq,
                target: Some(self.target.clone()),
                signal_name: self.name.clone(),
                args,
                headers,
            }),
            cancel: Some(Variant::CancelSignalWorkflow(wc::CancelSignalWorkflow { seq })),
            cancelled_locally: None,
            cancelled_before_sent: Resolution::SignalExternal(Some(Box::new(
                crate::converter::Failure::cancelled("not sent: its cancellation scope was cancelled"),
            ))),
        })
    }

    fn resolve(&mut self, _: &SharedState, resolution: Resolution) -> Self::Output {
        match resolution {
            Resolution::SignalExternal(None) => Ok(()),
            Resolution::SignalExternal(Some(f)) if f.is_cancelled() => Err(ExternalWorkflowError::Cancelled),
            Resolution::SignalExternal(Some(f)) => Err(ExternalWorkflowError::Failed(f)),
            _ => Err(ExternalWorkflowError::Cancelled),
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(ExternalWorkflowError::Cancelled)
    }
}

impl Future for ExternalSignal {
    type Output = Result<(), ExternalWorkflowError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// A cancellation request sent to another workflow; resolves once the server delivered it.
/// Sent when first polled; it cannot be taken back.
#[must_use = "a cancellation request is sent when awaited"]
pub struct ExternalCancel(Command<CancelKind>);

struct CancelKind {
    execution: NamespacedWorkflowExecution,
    reason: String,
}

impl CommandKind for CancelKind {
    type Output = Result<(), ExternalWorkflowError>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        let seq = st.next_seq(SeqKind::CancelExternal);
        Ok(CommandSpec {
            key: CommandKey::CancelExternal(seq),
            command: Variant::RequestCancelExternalWorkflowExecution(
                wc::RequestCancelExternalWorkflowExecution {
                    seq,
                    workflow_execution: Some(self.execution.clone()),
                    reason: self.reason.clone(),
                },
            ),
            cancel: None,
            cancelled_locally: None,
            cancelled_before_sent: Resolution::CancelExternal(None),
        })
    }

    fn resolve(&mut self, _: &SharedState, resolution: Resolution) -> Self::Output {
        match resolution {
            Resolution::CancelExternal(None) => Ok(()),
            Resolution::CancelExternal(Some(f)) => Err(ExternalWorkflowError::Failed(f)),
            _ => Err(ExternalWorkflowError::Cancelled),
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(ExternalWorkflowError::Cancelled)
    }
}

impl Future for ExternalCancel {
    type Output = Result<(), ExternalWorkflowError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl WorkflowContext {
    /// Another workflow (its latest run; see [`ExternalWorkflow::run_id`]), to signal or cancel.
    ///
    /// ```no_run
    /// # use ironflow::{WorkflowContext, WorkflowResult, workflow::SignalDefinition};
    /// # struct Ping; impl SignalDefinition for Ping { const NAME: &'static str = "ping"; type Data = u32; }
    /// async fn body(ctx: WorkflowContext) -> WorkflowResult<()> {
    ///     ctx.external_workflow("order-42").signal::<Ping>(7).await?;
    ///     Ok(())
    /// }
    /// ```
    pub fn external_workflow(&self, workflow_id: impl Into<String>) -> ExternalWorkflow {
        ExternalWorkflow {
            state: self.run_state().clone(),
            workflow_id: workflow_id.into(),
            run_id: None,
        }
    }
}
