//! Type erasure for activities: name → (decode input → execute → encode output).

use super::{Activity, ActivityContext};
use crate::ApplicationError;
use crate::converter::{Failure, FailureKind, Payload, from_payloads, to_payload};
use crate::dynamic::DynamicInput;
use crate::error::{failure_from_error, find_application_error};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How one activity attempt ended, ready for Core.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ActivityOutcome {
    Completed(Payload),
    Failed(Failure),
    Cancelled(Failure),
    /// The activity will be completed through its task token.
    WillCompleteAsync,
}

/// An activity with its types erased.
pub(crate) trait ErasedActivity: Send + Sync {
    fn name(&self) -> &str;
    /// Runs one attempt. `retryable_errors` overrides the activity's own allow-list when the
    /// caller sent one.
    fn start(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: Vec<Payload>,
        retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome>;
}

struct Adapter<A>(A);

impl<A: Activity> ErasedActivity for Adapter<A> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn start(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: Vec<Payload>,
        retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome> {
        Box::pin(async move {
            let act = &self.0;
            let input: A::Input = match from_payloads(&input) {
                Ok(i) => i,
                Err(e) => {
                    return ActivityOutcome::Failed(Failure::application(
                        format!(
                            "activity `{}` received an input it cannot decode: {e}",
                            act.name()
                        ),
                        "PayloadDecodeError",
                        true,
                    ));
                }
            };
            if ctx.info().attempt > 1 && !act.is_idempotent() {
                tracing::warn!(
                    activity = act.name(),
                    attempt = ctx.info().attempt,
                    idempotency_key = %ctx.info().idempotency_key(),
                    "retrying an activity that is not idempotent; deduplicate its side effects with the idempotency key"
                );
            }
            let result = act.execute(ctx.clone(), input).await;
            if ctx.is_completing_async() {
                return if ctx.info().is_local {
                    ActivityOutcome::Failed(Failure::application(
                        format!(
                            "activity `{}` asked to complete asynchronously, which local activities cannot",
                            act.name()
                        ),
                        "InvalidAsyncCompletion",
                        true,
                    ))
                } else {
                    ActivityOutcome::WillCompleteAsync
                };
            }
            match result {
                Ok(out) => match to_payload(&out) {
                    Ok(p) => ActivityOutcome::Completed(p),
                    Err(e) => ActivityOutcome::Failed(Failure::application(
                        format!(
                            "activity `{}` returned a result that cannot be encoded: {e}",
                            act.name()
                        ),
                        "PayloadEncodeError",
                        true,
                    )),
                },
                Err(err) if ctx.is_cancelled() => {
                    ActivityOutcome::Cancelled(Failure::cancelled(format!("activity cancelled: {err}")))
                }
                Err(err) => {
                    let mut failure = failure_from_error(&err, std::any::type_name::<A::Error>());
                    let explicit = find_application_error(&err).is_some_and(|a| a.is_non_retryable());
                    let allow_list = retryable_errors
                        .or_else(|| act.retry_policy().map(|p| p.retryable_errors))
                        .unwrap_or_default();
                    let allowed = allow_list.is_empty() || {
                        let ty = failure.application_type().unwrap_or_default().to_string();
                        failure.chain().any(|f| {
                            allow_list
                                .iter()
                                .any(|p| ty.contains(p.as_str()) || f.message.contains(p.as_str()))
                        })
                    };
                    if (explicit || !allowed)
                        && let FailureKind::Application { non_retryable, .. } = &mut failure.kind
                    {
                        *non_retryable = true;
                    }
                    ActivityOutcome::Failed(failure)
                }
            }
        })
    }
}

/// A catch-all activity: runs for any unregistered type name.
struct DynamicAdapter<F>(F);

impl<F, Fut> ErasedActivity for DynamicAdapter<F>
where
    F: Fn(ActivityContext, DynamicInput) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<serde_json::Value, ApplicationError>> + Send + 'static,
{
    fn name(&self) -> &str {
        "*"
    }

    fn start(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: Vec<Payload>,
        _retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome> {
        let input = DynamicInput {
            type_name: ctx.info().activity_type.clone(),
            payloads: input,
        };
        let fut = (self.0)(ctx.clone(), input);
        Box::pin(async move {
            let result = fut.await;
            if ctx.is_completing_async() && !ctx.info().is_local {
                return ActivityOutcome::WillCompleteAsync;
            }
            match result {
                Ok(v) => match to_payload(&v) {
                    Ok(p) => ActivityOutcome::Completed(p),
                    Err(e) => ActivityOutcome::Failed(Failure::application(
                        e.to_string(),
                        "PayloadEncodeError",
                        true,
                    )),
                },
                Err(e) if ctx.is_cancelled() => ActivityOutcome::Cancelled(Failure::cancelled(e.to_string())),
                Err(e) => ActivityOutcome::Failed(failure_from_error(&e, "ApplicationError")),
            }
        })
    }
}

/// Runs the closures of [`crate::WorkflowContext::side_effect`] (scheduled as local activities).
struct SideEffectActivity;

impl ErasedActivity for SideEffectActivity {
    fn name(&self) -> &str {
        crate::workflow::SIDE_EFFECT_ACTIVITY
    }

    fn start(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: Vec<Payload>,
        _retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome> {
        Box::pin(async move {
            let outcome = from_payloads::<u64>(&input)
                .map_err(|e| e.to_string())
                .and_then(crate::workflow::run_side_effect);
            match outcome {
                Ok(p) => ActivityOutcome::Completed(p),
                Err(message) => {
                    ActivityOutcome::Failed(Failure::application(message, "SideEffectFailed", true))
                }
            }
        })
    }
}

/// Activities by type name, a catch-all, and the built-in side-effect runner.
#[derive(Clone)]
pub(crate) struct ActivityRegistry {
    by_name: BTreeMap<String, Arc<dyn ErasedActivity>>,
    dynamic: Option<Arc<dyn ErasedActivity>>,
    side_effects: Arc<dyn ErasedActivity>,
}

impl Default for ActivityRegistry {
    fn default() -> Self {
        Self {
            by_name: BTreeMap::new(),
            dynamic: None,
            side_effects: Arc::new(SideEffectActivity),
        }
    }
}

impl ActivityRegistry {
    /// Registers an activity; a second one with the same name replaces the first.
    pub(crate) fn register<A: Activity>(&mut self, activity: A) {
        let erased: Arc<dyn ErasedActivity> = Arc::new(Adapter(activity));
        self.by_name.insert(erased.name().to_string(), erased);
    }

    /// Registers the catch-all for unregistered activity types.
    pub(crate) fn register_dynamic<F, Fut>(&mut self, f: F)
    where
        F: Fn(ActivityContext, DynamicInput) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<serde_json::Value, ApplicationError>> + Send + 'static,
    {
        self.dynamic = Some(Arc::new(DynamicAdapter(f)));
    }

    /// The activity for a type name: registered, built-in, else the catch-all.
    pub(crate) fn get(&self, name: &str) -> Option<Arc<dyn ErasedActivity>> {
        if let Some(a) = self.by_name.get(name) {
            return Some(a.clone());
        }
        if name == crate::workflow::SIDE_EFFECT_ACTIVITY {
            return Some(self.side_effects.clone());
        }
        self.dynamic.clone()
    }

    /// True when no user activity (registered or catch-all) exists.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.dynamic.is_none()
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }

    /// The failure for a task whose type nobody registered.
    pub(crate) fn not_registered(&self, name: &str) -> Failure {
        Failure::application(
            format!(
                "activity type `{name}` is not registered on this worker; registered activity types: [{}]",
                self.names().join(", ")
            ),
            "ActivityNotRegistered",
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ActivityInfo, RetryPolicy};
    use crate::{ApplicationError, converter::from_payload};

    struct Flaky;
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct FlakyError(String);

    #[async_trait::async_trait]
    impl Activity for Flaky {
        type Input = String;
        type Output = u32;
        type Error = FlakyError;
        fn name(&self) -> &str {
            "flaky"
        }
        async fn execute(&self, _ctx: ActivityContext, input: String) -> Result<u32, FlakyError> {
            input
                .parse()
                .map_err(|_| FlakyError(format!("Transient: cannot parse {input}")))
        }
        fn retry_policy(&self) -> Option<RetryPolicy> {
            Some(RetryPolicy {
                retryable_errors: vec!["Transient".into()],
                ..Default::default()
            })
        }
    }

    struct Strict;
    #[async_trait::async_trait]
    impl Activity for Strict {
        type Input = ();
        type Output = ();
        type Error = ApplicationError;
        fn name(&self) -> &str {
            "strict"
        }
        async fn execute(&self, _ctx: ActivityContext, _: ()) -> Result<(), ApplicationError> {
            Err(ApplicationError::non_retryable("never").with_type("Fatal"))
        }
    }

    async fn run(
        reg: &ActivityRegistry,
        name: &str,
        input: Vec<Payload>,
        allow: Option<Vec<String>>,
    ) -> ActivityOutcome {
        let ctx = ActivityContext::for_test(ActivityInfo::default());
        reg.get(name).unwrap().start(ctx, input, allow).await
    }

    #[tokio::test]
    async fn typed_round_trip_and_error_mapping() {
        let mut reg = ActivityRegistry::default();
        reg.register(Flaky);
        reg.register(Strict);

        let ActivityOutcome::Completed(p) = run(&reg, "flaky", vec![to_payload("42").unwrap()], None).await
        else {
            panic!("expected completion")
        };
        assert_eq!(from_payload::<u32>(&p).unwrap(), 42);

        // Matches the allow-list: retryable.
        let ActivityOutcome::Failed(f) = run(&reg, "flaky", vec![to_payload("x").unwrap()], None).await
        else {
            panic!("expected failure")
        };
        assert!(!f.is_non_retryable(), "{f}");
        assert_eq!(f.application_type(), Some("FlakyError"));

        // The caller's allow-list overrides the activity's own: no match → non-retryable.
        let ActivityOutcome::Failed(f) = run(
            &reg,
            "flaky",
            vec![to_payload("x").unwrap()],
            Some(vec!["Other".into()]),
        )
        .await
        else {
            panic!("expected failure")
        };
        assert!(f.is_non_retryable());

        let ActivityOutcome::Failed(f) = run(&reg, "strict", vec![], None).await else {
            panic!("expected failure")
        };
        assert!(f.is_non_retryable());
        assert_eq!(f.application_type(), Some("Fatal"));
    }

    #[tokio::test]
    async fn malformed_input_is_a_non_retryable_named_failure() {
        let mut reg = ActivityRegistry::default();
        reg.register(Flaky);
        let ActivityOutcome::Failed(f) = run(&reg, "flaky", vec![to_payload(&[1, 2]).unwrap()], None).await
        else {
            panic!("expected failure")
        };
        assert!(f.is_non_retryable());
        assert!(
            f.message.contains("flaky") && f.message.contains("String"),
            "{}",
            f.message
        );
        assert!(reg.not_registered("nope").message.contains("[flaky]"));
    }
}
