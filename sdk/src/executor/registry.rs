//! Type erasure for workflows: type name → factory of the run's main future.

use crate::converter::{Failure, Payload, from_payloads, to_payload};
use crate::workflow::{Workflow, WorkflowContext, WorkflowError};
use futures::future::LocalBoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A run's main routine, with its output already encoded.
pub(crate) type MainFuture = LocalBoxFuture<'static, Result<Payload, WorkflowError>>;

/// Creates the main routine from the context and the raw input (called on the workflow thread).
pub(crate) type WorkflowFactory = Arc<dyn Fn(WorkflowContext, &[Payload]) -> MainFuture + Send + Sync>;

/// Workflows by type name.
#[derive(Clone, Default)]
pub(crate) struct WorkflowRegistry {
    by_name: BTreeMap<String, WorkflowFactory>,
}

impl WorkflowRegistry {
    pub(crate) fn register<W: Workflow>(&mut self) {
        let factory: WorkflowFactory = Arc::new(|ctx: WorkflowContext, args: &[Payload]| -> MainFuture {
            match from_payloads::<W::Input>(args) {
                Ok(input) => Box::pin(async move {
                    let out = W::run(ctx, input).await?;
                    to_payload(&out).map_err(|e| {
                        WorkflowError::Failed(Box::new(Failure::application(
                            format!(
                                "workflow `{}` returned a result that cannot be encoded: {e}",
                                W::NAME
                            ),
                            "PayloadEncodeError",
                            true,
                        )))
                    })
                }),
                Err(e) => {
                    let failure = Failure::application(
                        format!("workflow `{}` received an input it cannot decode: {e}", W::NAME),
                        "PayloadDecodeError",
                        true,
                    );
                    Box::pin(async move { Err(WorkflowError::Failed(Box::new(failure))) })
                }
            }
        });
        self.by_name.insert(W::NAME.to_string(), factory);
    }

    pub(crate) fn get(&self, name: &str) -> Option<&WorkflowFactory> {
        self.by_name.get(name)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}
