//! Registration: a typed [`Workflow`] (or a dynamic workflow function) as the executor's
//! type-erased factory.

use super::context::WorkflowContext;
use super::definition::Workflow;
use super::error::{WorkflowError, WorkflowResult};
use crate::converter::{Payload, PayloadError, from_payloads, to_payload};
use crate::dynamic::DynamicInput;
use crate::executor::registry::{MainFuture, RegisteredWorkflow, RunCompletion, WorkflowRegistry};
use crate::executor::state::SharedState;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;

/// What the executor records for a workflow body's result.
fn completion<T: Serialize>(workflow_type: &str, result: WorkflowResult<T>) -> RunCompletion {
    match result {
        Ok(out) => match to_payload(&out) {
            Ok(p) => RunCompletion::Completed(p),
            Err(e) => {
                RunCompletion::Failed(e.to_failure(&format!("the result of workflow `{workflow_type}`")))
            }
        },
        Err(WorkflowError::Failed(f)) => RunCompletion::Failed(*f),
        Err(WorkflowError::Cancelled) => RunCompletion::Cancelled,
        Err(WorkflowError::ContinueAsNew(c)) => RunCompletion::ContinueAsNew(c),
        Err(WorkflowError::FailTask(m)) => RunCompletion::FailTask(m),
    }
}

/// Registers workflow `W` under its name.
pub(crate) fn register<W: Workflow>(registry: &mut WorkflowRegistry) {
    let factory = Arc::new(|state: SharedState, _: &str, args: &[Payload]| -> MainFuture {
        let ctx = WorkflowContext::new(state);
        match from_payloads::<W::Input>(args) {
            Ok(input) => Box::pin(async move { completion(W::NAME, W::run(ctx, input).await) }),
            // An encoding this worker cannot read (a codec's) is a deployment problem, not the
            // input's: fail the task, which the server retries, rather than the workflow.
            Err(e @ PayloadError::UnsupportedEncoding { .. }) => {
                let message = format!("the input of workflow `{}` cannot be decoded: {e}", W::NAME);
                Box::pin(std::future::ready(RunCompletion::FailTask(message)))
            }
            Err(e) => {
                let failure = e.to_failure(&format!("the input of workflow `{}`", W::NAME));
                Box::pin(std::future::ready(RunCompletion::Failed(failure)))
            }
        }
    });
    registry.insert(
        W::NAME,
        RegisteredWorkflow {
            factory,
            versioning_behavior: W::versioning_behavior().map(|b| b.to_proto()),
        },
    );
}

/// Registers the catch-all for unregistered type names.
pub(crate) fn register_dynamic<F, Fut>(registry: &mut WorkflowRegistry, f: F)
where
    F: Fn(WorkflowContext, DynamicInput) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = WorkflowResult<serde_json::Value>> + 'static,
{
    let factory = Arc::new(
        move |state: SharedState, type_name: &str, args: &[Payload]| -> MainFuture {
            let input = DynamicInput {
                type_name: type_name.to_string(),
                payloads: args.to_vec(),
            };
            let name = type_name.to_string();
            let fut = f(WorkflowContext::new(state), input);
            Box::pin(async move { completion(&name, fut.await) })
        },
    );
    registry.set_dynamic(RegisteredWorkflow {
        factory,
        versioning_behavior: None,
    });
}
