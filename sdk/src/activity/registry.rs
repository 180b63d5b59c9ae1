//! Type erasure for activities: name → (decode input → execute → encode output).

use super::context::ActivityContext;
use super::definition::{Activity, ActivityDefinition};
use super::side_effect::{self, SIDE_EFFECT_ACTIVITY};
use crate::ApplicationError;
use crate::converter::{Failure, FailureKind, Payload, from_payloads, to_payload};
use crate::dynamic::DynamicInput;
use crate::error::{failure_from_error, find_application_error};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::marker::PhantomData;
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
    /// Runs one attempt. `retryable_errors` overrides the activity's own allow-list when the
    /// caller sent one.
    fn start(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: Vec<Payload>,
        retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome>;
}

struct Adapter<D, A> {
    implementation: A,
    _definition: PhantomData<fn() -> D>,
}

/// What an attempt whose `execute` returned becomes, given async completion and cancellation.
fn finish_attempt(
    ctx: &ActivityContext,
    name: &str,
    result: Result<Payload, Failure>,
    cancelled: impl FnOnce(Failure) -> Failure,
) -> ActivityOutcome {
    if ctx.is_completing_async() {
        return if ctx.info().is_local {
            ActivityOutcome::Failed(Failure::application(
                format!("activity `{name}` asked to complete asynchronously, which local activities cannot"),
                "InvalidAsyncCompletion",
                true,
            ))
        } else {
            ActivityOutcome::WillCompleteAsync
        };
    }
    match result {
        Ok(p) => ActivityOutcome::Completed(p),
        Err(f) if ctx.is_cancelled() => ActivityOutcome::Cancelled(cancelled(f)),
        Err(f) => ActivityOutcome::Failed(f),
    }
}

impl<D: ActivityDefinition, A: Activity<D>> ErasedActivity for Adapter<D, A> {
    fn start(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: Vec<Payload>,
        retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome> {
        Box::pin(async move {
            let input: D::Input = match from_payloads(&input) {
                Ok(i) => i,
                Err(e) => {
                    return ActivityOutcome::Failed(
                        e.to_failure(&format!("the input of activity `{}`", D::NAME)),
                    );
                }
            };
            if ctx.info().attempt > 1 && !D::is_idempotent() {
                tracing::warn!(
                    activity = D::NAME,
                    attempt = ctx.info().attempt,
                    idempotency_key = %ctx.info().idempotency_key(),
                    "retrying an activity that is not idempotent; deduplicate its side effects with the idempotency key"
                );
            }
            let result = self.implementation.execute(ctx.clone(), input).await;
            let result = match result {
                Ok(out) => to_payload(&out)
                    .map_err(|e| e.to_failure(&format!("the result of activity `{}`", D::NAME))),
                Err(err) => {
                    let mut failure = failure_from_error(&err, std::any::type_name::<A::Error>());
                    let explicit = find_application_error(&err).is_some_and(|a| a.is_non_retryable());
                    let allow_list = retryable_errors
                        .or_else(|| D::retry_policy().map(|p| p.retryable_errors))
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
                    Err(failure)
                }
            };
            finish_attempt(&ctx, D::NAME, result, |f| {
                Failure::cancelled(format!("activity cancelled: {}", f.message))
            })
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
    fn start(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: Vec<Payload>,
        _retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome> {
        let name = ctx.info().activity_type.clone();
        let input = DynamicInput {
            type_name: name.clone(),
            payloads: input,
        };
        let fut = (self.0)(ctx.clone(), input);
        Box::pin(async move {
            let result = match fut.await {
                Ok(v) => {
                    to_payload(&v).map_err(|e| e.to_failure(&format!("the result of activity `{name}`")))
                }
                Err(e) => Err(failure_from_error(&e, "ApplicationError")),
            };
            finish_attempt(&ctx, &name, result, |f| Failure::cancelled(f.message))
        })
    }
}

/// Runs the closures of `WorkflowContext::side_effect` (scheduled as local activities).
struct SideEffectActivity;

impl ErasedActivity for SideEffectActivity {
    fn start(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: Vec<Payload>,
        _retryable_errors: Option<Vec<String>>,
    ) -> BoxFuture<'static, ActivityOutcome> {
        Box::pin(async move {
            let outcome = from_payloads::<u64>(&input)
                .map_err(|e| e.to_string())
                .and_then(side_effect::run);
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
    /// Registers an implementation of definition `D`; a second one for the same name replaces
    /// the first.
    pub(crate) fn register<D: ActivityDefinition, A: Activity<D>>(&mut self, implementation: A) {
        let erased: Arc<dyn ErasedActivity> = Arc::new(Adapter::<D, A> {
            implementation,
            _definition: PhantomData,
        });
        self.by_name.insert(D::NAME.to_string(), erased);
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
        if name == SIDE_EFFECT_ACTIVITY {
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
    use crate::activity::definition::{Activity, ActivityDefinition};
    use crate::activity::{ActivityInfo, RetryPolicy};
    use crate::{ApplicationError, converter::from_payload};

    struct Flaky;
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct FlakyError(String);

    impl ActivityDefinition for Flaky {
        const NAME: &'static str = "flaky";
        type Input = String;
        type Output = u32;
        fn retry_policy() -> Option<RetryPolicy> {
            Some(RetryPolicy {
                retryable_errors: vec!["Transient".into()],
                ..Default::default()
            })
        }
    }
    impl Activity for Flaky {
        type Error = FlakyError;
        async fn execute(&self, _ctx: ActivityContext, input: String) -> Result<u32, FlakyError> {
            input
                .parse()
                .map_err(|_| FlakyError(format!("Transient: cannot parse {input}")))
        }
    }

    struct Strict;
    impl ActivityDefinition for Strict {
        const NAME: &'static str = "strict";
        type Input = ();
        type Output = ();
    }
    impl Activity for Strict {
        type Error = ApplicationError;
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
        reg.register::<Flaky, _>(Flaky);
        reg.register::<Strict, _>(Strict);

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
        reg.register::<Flaky, _>(Flaky);
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
