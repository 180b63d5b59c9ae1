//! Nexus operations: a service's operations, served by a worker and called from workflows in any
//! namespace through a Nexus endpoint (Temporal's cross-namespace RPC). Ironflow serves
//! synchronous operations (the handler returns the result within the request) and calls any
//! operation from workflow code ([`crate::WorkflowContext::nexus_operation`]).
//!
//! An operation has a definition (service, name, input, output), shared by caller and handler,
//! and a handler registered on the worker of the endpoint's target task queue
//! ([`crate::worker::WorkerBuilder::register_nexus_operation`]). Endpoints are created with
//! [`crate::client::Client::create_nexus_endpoint`].
//!
//! ```
//! use ironflow::nexus::{NexusOperationContext, NexusOperationDefinition, SyncOperationHandler};
//! use ironflow::ApplicationError;
//!
//! pub struct SayHello;
//! impl NexusOperationDefinition for SayHello {
//!     const SERVICE: &'static str = "greeting-service";
//!     const NAME: &'static str = "say-hello";
//!     type Input = String;
//!     type Output = String;
//! }
//!
//! pub struct Greeter;
//! impl SyncOperationHandler<SayHello> for Greeter {
//!     async fn start(&self, _ctx: NexusOperationContext, name: String) -> Result<String, ApplicationError> {
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//! ```

use crate::converter::{Failure, Payload, from_payloads, to_payload};
use crate::error::ApplicationError;
use futures::future::BoxFuture;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// What an operation is: its service, its name, and its types.
pub trait NexusOperationDefinition: 'static {
    /// The service name.
    const SERVICE: &'static str;
    /// The operation name.
    const NAME: &'static str;
    /// The input.
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// The output.
    type Output: Serialize + DeserializeOwned + Send + 'static;
}

/// What a handler knows about the request it serves.
#[derive(Debug, Clone)]
pub struct NexusOperationContext {
    /// The service.
    pub service: String,
    /// The operation.
    pub operation: String,
    /// The caller's request id (the same on retries of one start).
    pub request_id: String,
    /// The endpoint the request came through.
    pub endpoint: String,
    /// The request's Nexus headers.
    pub headers: HashMap<String, String>,
}

/// A synchronous operation's handler: returns the operation's result while the request is
/// open. An error fails the operation with that application failure.
pub trait SyncOperationHandler<D: NexusOperationDefinition>: Send + Sync + 'static {
    /// Runs the operation.
    fn start(
        &self,
        ctx: NexusOperationContext,
        input: D::Input,
    ) -> impl Future<Output = Result<D::Output, ApplicationError>> + Send;
}

/// A handler as the worker holds it: payload in, payload or failure out.
pub(crate) trait ErasedHandler: Send + Sync {
    fn start(
        &self,
        ctx: NexusOperationContext,
        input: Option<Payload>,
    ) -> BoxFuture<'_, Result<Payload, Failure>>;
}

struct Typed<D, H> {
    handler: H,
    _def: std::marker::PhantomData<fn() -> D>,
}

impl<D: NexusOperationDefinition, H: SyncOperationHandler<D>> ErasedHandler for Typed<D, H> {
    fn start(
        &self,
        ctx: NexusOperationContext,
        input: Option<Payload>,
    ) -> BoxFuture<'_, Result<Payload, Failure>> {
        Box::pin(async move {
            let payloads: Vec<Payload> = input.into_iter().collect();
            let input: D::Input = from_payloads(&payloads).map_err(|e| {
                e.to_failure(&format!(
                    "the input of Nexus operation `{}/{}`",
                    D::SERVICE,
                    D::NAME
                ))
            })?;
            let output = self
                .handler
                .start(ctx, input)
                .await
                .map_err(|e| crate::error::failure_from_error(&e, "ApplicationError"))?;
            to_payload(&output).map_err(|e| {
                e.to_failure(&format!(
                    "the output of Nexus operation `{}/{}`",
                    D::SERVICE,
                    D::NAME
                ))
            })
        })
    }
}

/// The operations a worker serves, by service and name.
#[derive(Default, Clone)]
pub(crate) struct NexusRegistry(HashMap<(String, String), Arc<dyn ErasedHandler>>);

impl NexusRegistry {
    pub(crate) fn register<D: NexusOperationDefinition>(&mut self, handler: impl SyncOperationHandler<D>) {
        self.0.insert(
            (D::SERVICE.to_string(), D::NAME.to_string()),
            Arc::new(Typed::<D, _> {
                handler,
                _def: std::marker::PhantomData,
            }),
        );
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn get(&self, service: &str, operation: &str) -> Option<Arc<dyn ErasedHandler>> {
        self.0.get(&(service.to_string(), operation.to_string())).cloned()
    }

    /// The registered operations, for error messages.
    pub(crate) fn known(&self) -> String {
        let mut names: Vec<String> = self.0.keys().map(|(s, o)| format!("{s}/{o}")).collect();
        names.sort();
        names.join(", ")
    }
}
