//! Type erasure for workflows: type name → factory of the run's main future.

use crate::converter::{Failure, Payload, from_payloads, to_payload};
use crate::dynamic::DynamicInput;
use crate::workflow::{Workflow, WorkflowContext, WorkflowError, WorkflowResult};
use futures::future::LocalBoxFuture;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

/// A run's main routine, with its output already encoded.
pub(crate) type MainFuture = LocalBoxFuture<'static, Result<Payload, WorkflowError>>;

/// Creates the main routine from the context and the raw input (called on the workflow thread).
pub(crate) type WorkflowFactory = Arc<dyn Fn(WorkflowContext, &[Payload]) -> MainFuture + Send + Sync>;

/// The catch-all: creates the main routine for any unregistered type name.
pub(crate) type DynamicWorkflowFactory =
    Arc<dyn Fn(WorkflowContext, DynamicInput) -> MainFuture + Send + Sync>;

/// Workflows by type name, and an optional catch-all.
#[derive(Clone, Default)]
pub(crate) struct WorkflowRegistry {
    by_name: BTreeMap<String, WorkflowFactory>,
    dynamic: Option<DynamicWorkflowFactory>,
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

    /// Registers the catch-all for unregistered type names.
    pub(crate) fn register_dynamic<F, Fut>(&mut self, f: F)
    where
        F: Fn(WorkflowContext, DynamicInput) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = WorkflowResult<serde_json::Value>> + 'static,
    {
        let f = Arc::new(f);
        self.dynamic = Some(Arc::new(move |ctx, input| -> MainFuture {
            let name = input.type_name.clone();
            let fut = f(ctx, input);
            Box::pin(async move {
                let out = fut.await?;
                to_payload(&out).map_err(|e| {
                    WorkflowError::Failed(Box::new(Failure::application(
                        format!("dynamic workflow `{name}` returned a result that cannot be encoded: {e}"),
                        "PayloadEncodeError",
                        true,
                    )))
                })
            })
        }));
    }

    /// The factory for a type name: its registered workflow, else the catch-all.
    pub(crate) fn get(&self, name: &str) -> Option<WorkflowFactory> {
        if let Some(f) = self.by_name.get(name) {
            return Some(f.clone());
        }
        let dynamic = self.dynamic.clone()?;
        let name = name.to_string();
        Some(Arc::new(move |ctx: WorkflowContext, args: &[Payload]| {
            dynamic(
                ctx,
                DynamicInput {
                    type_name: name.clone(),
                    payloads: args.to_vec(),
                },
            )
        }))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.dynamic.is_none()
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}
