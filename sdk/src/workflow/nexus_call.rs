//! Calling Nexus operations from workflow code: [`WorkflowContext::nexus_operation`], typed by the
//! operation's definition ([`crate::nexus::NexusOperationDefinition`]).

use super::command::{Command, CommandKind};
use super::context::WorkflowContext;
use crate::converter::{Failure, Payload, PayloadError, from_payloads, to_payload};
use crate::executor::state::{CommandKey, CommandSpec, Resolution, RunState, SeqKind, SharedState};
use crate::nexus::NexusOperationDefinition;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use temporalio_common::protos::coresdk::nexus::{NexusOperationResult, nexus_operation_result};
use temporalio_common::protos::coresdk::workflow_commands::{self as wc, workflow_command::Variant};

/// Why a Nexus operation produced no result.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NexusOperationError {
    /// The operation failed (its handler's error, a timeout, or a start the endpoint refused);
    /// the chain starts with Temporal's `NexusOperationFailure`.
    #[error("{0}")]
    Failed(Box<Failure>),
    /// The operation was cancelled.
    #[error("Nexus operation cancelled: {0}")]
    Cancelled(Box<Failure>),
    /// The result does not decode as the expected type.
    #[error("Nexus operation `{operation}` completed with a result that cannot be decoded: {source}")]
    Decode {
        /// `service/operation`.
        operation: String,
        /// The decoding error.
        source: PayloadError,
    },
    /// The input cannot be encoded.
    #[error("the input of Nexus operation `{operation}` cannot be encoded: {source}")]
    Encode {
        /// `service/operation`.
        operation: String,
        /// The encoding error.
        source: PayloadError,
    },
}

impl NexusOperationError {
    /// The failure recorded when this error ends a workflow.
    pub fn to_failure(&self) -> Failure {
        match self {
            Self::Failed(f) | Self::Cancelled(f) => (**f).clone(),
            Self::Decode { operation, source } => {
                source.to_failure(&format!("the result of Nexus operation `{operation}`"))
            }
            Self::Encode { operation, source } => {
                source.to_failure(&format!("the input of Nexus operation `{operation}`"))
            }
        }
    }
}

/// One Nexus operation call: set options, then `.await` it. Scheduled when first polled;
/// dropping it before it resolves requests its cancellation.
#[must_use = "a Nexus operation call does nothing until it is awaited"]
pub struct NexusOperationCall<O>(Command<NexusKind<O>>);

struct NexusKind<O> {
    endpoint: String,
    service: &'static str,
    operation: &'static str,
    input: Result<Payload, PayloadError>,
    schedule_to_close_timeout: Option<Duration>,
    _out: PhantomData<fn() -> O>,
}

impl<O> NexusKind<O> {
    fn name(&self) -> String {
        format!("{}/{}", self.service, self.operation)
    }
}

fn cancelled(message: &str) -> Resolution {
    Resolution::Nexus(Box::new(NexusOperationResult {
        status: Some(nexus_operation_result::Status::Cancelled(
            Failure::cancelled(message).to_proto(),
        )),
    }))
}

impl<O: DeserializeOwned> CommandKind for NexusKind<O> {
    type Output = Result<O, NexusOperationError>;

    fn build(&mut self, st: &mut RunState) -> Result<CommandSpec, Self::Output> {
        let input = match &self.input {
            Ok(p) => p.clone(),
            Err(e) => {
                return Err(Err(NexusOperationError::Encode {
                    operation: self.name(),
                    source: e.clone(),
                }));
            }
        };
        let seq = st.next_seq(SeqKind::Nexus);
        Ok(CommandSpec {
            key: CommandKey::Nexus(seq),
            command: Variant::ScheduleNexusOperation(wc::ScheduleNexusOperation {
                seq,
                endpoint: self.endpoint.clone(),
                service: self.service.to_string(),
                operation: self.operation.to_string(),
                input: Some(input),
                schedule_to_close_timeout: self.schedule_to_close_timeout.and_then(|d| d.try_into().ok()),
                ..Default::default()
            }),
            cancel: Some(Variant::RequestCancelNexusOperation(
                wc::RequestCancelNexusOperation { seq },
            )),
            cancelled_locally: None,
            cancelled_before_sent: cancelled("not scheduled: its cancellation scope was cancelled"),
        })
    }

    fn resolve(&mut self, _: &SharedState, resolution: Resolution) -> Self::Output {
        let Resolution::Nexus(result) = resolution else {
            return self.cancelled_before_issue();
        };
        let failure = |f: Option<temporalio_common::protos::temporal::api::failure::v1::Failure>| {
            Box::new(
                f.as_ref()
                    .map(Failure::from_proto)
                    .unwrap_or_else(|| Failure::application("", "", false)),
            )
        };
        match result.status {
            Some(nexus_operation_result::Status::Completed(p)) => {
                let payloads: &[Payload] = if p.metadata.is_empty() && p.data.is_empty() {
                    &[]
                } else {
                    std::slice::from_ref(&p)
                };
                from_payloads(payloads).map_err(|source| NexusOperationError::Decode {
                    operation: self.name(),
                    source,
                })
            }
            Some(nexus_operation_result::Status::Cancelled(f)) => {
                Err(NexusOperationError::Cancelled(failure(Some(f))))
            }
            Some(nexus_operation_result::Status::Failed(f))
            | Some(nexus_operation_result::Status::TimedOut(f)) => {
                Err(NexusOperationError::Failed(failure(Some(f))))
            }
            None => Err(NexusOperationError::Failed(Box::new(Failure::application(
                format!("Nexus operation `{}` resolved without a result", self.name()),
                "MissingNexusResult",
                true,
            )))),
        }
    }

    fn cancelled_before_issue(&mut self) -> Self::Output {
        Err(NexusOperationError::Cancelled(Box::new(Failure::cancelled(
            format!(
                "Nexus operation `{}` was cancelled before it was scheduled",
                self.name()
            ),
        ))))
    }
}

impl<O: DeserializeOwned> NexusOperationCall<O> {
    /// Limits the whole operation (retries of its start included); the server's default is its
    /// maximum.
    pub fn schedule_to_close_timeout(mut self, d: Duration) -> Self {
        self.0.kind_mut().schedule_to_close_timeout = Some(d);
        self
    }

    /// Requests the operation's cancellation.
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

impl<O: DeserializeOwned> Future for NexusOperationCall<O> {
    type Output = Result<O, NexusOperationError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl WorkflowContext {
    /// Calls Nexus operation `D` through `endpoint` (created with
    /// [`crate::client::Client::create_nexus_endpoint`]) and waits for its result.
    ///
    /// ```
    /// # use ironflow::nexus::NexusOperationDefinition;
    /// # pub struct SayHello;
    /// # impl NexusOperationDefinition for SayHello {
    /// #     const SERVICE: &'static str = "greeting-service";
    /// #     const NAME: &'static str = "say-hello";
    /// #     type Input = String;
    /// #     type Output = String;
    /// # }
    /// # async fn demo(ctx: ironflow::WorkflowContext) -> ironflow::WorkflowResult<String> {
    /// use std::time::Duration;
    /// let greeting = ctx
    ///     .nexus_operation::<SayHello>("greetings", "world".into())
    ///     .schedule_to_close_timeout(Duration::from_secs(60))
    ///     .await?;
    /// # Ok(greeting) }
    /// ```
    pub fn nexus_operation<D: NexusOperationDefinition>(
        &self,
        endpoint: impl Into<String>,
        input: D::Input,
    ) -> NexusOperationCall<D::Output> {
        NexusOperationCall(Command::new(
            self.run_state().clone(),
            NexusKind {
                endpoint: endpoint.into(),
                service: D::SERVICE,
                operation: D::NAME,
                input: to_payload(&input),
                schedule_to_close_timeout: None,
                _out: PhantomData,
            },
        ))
    }
}
