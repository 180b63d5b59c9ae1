//! The two halves of an activity: its [`ActivityDefinition`] (what callers need: name, types,
//! default options) and its [`Activity`] implementation (what the worker runs).

use super::context::ActivityContext;
use super::retry::RetryPolicy;
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What a caller needs to call an activity: its type name, its input and output types, and the
/// options every call starts from. Workflow code calls an activity by its definition type alone
/// (`ctx.activity::<Charge>(input)`), so it never needs an instance of the implementation.
///
/// A definition without an implementation in this program describes an activity that runs
/// elsewhere (another worker, another SDK): calls to it are typed all the same.
///
/// The defaults are the seed's: 3 attempts with exponential backoff from 1 s
/// ([`RetryPolicy::default`]) and a 60 s start-to-close timeout. Temporal's own defaults, when an
/// SDK sends no policy, are unlimited attempts and no start-to-close timeout; return `None` to
/// leave a field to the server, or clear it per call
/// (`ctx.activity::<A>(x).retry_policy(None)`).
///
/// ```
/// use ironflow::{ActivityDefinition, RetryPolicy};
/// use std::time::Duration;
///
/// /// Charges a card; the payment service implements it.
/// pub struct Charge;
/// impl ActivityDefinition for Charge {
///     const NAME: &'static str = "charge";
///     type Input = u64;
///     type Output = String;
///     fn timeout() -> Option<Duration> { Some(Duration::from_secs(10)) }
///     fn retry_policy() -> Option<RetryPolicy> { Some(RetryPolicy { max_attempts: 5, ..RetryPolicy::default() }) }
/// }
/// ```
pub trait ActivityDefinition: 'static {
    /// The activity type name, shared with every SDK that calls or implements this activity
    /// (the seed's `Activity::name`).
    const NAME: &'static str;
    /// The input, encoded as the call's payload.
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// The result.
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// The retry policy of every call that sets none (seed default: 3 attempts). `None` leaves it
    /// to the server (unlimited attempts, bounded by the timeouts).
    fn retry_policy() -> Option<RetryPolicy> {
        Some(RetryPolicy::default())
    }

    /// The start-to-close timeout of every call that sets none (seed default: 60 s). `None`
    /// sends none; a call then needs a schedule-to-close timeout.
    fn timeout() -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    /// The schedule-to-close timeout (all attempts) of every call that sets none.
    fn schedule_to_close_timeout() -> Option<Duration> {
        None
    }

    /// The heartbeat timeout of every call that sets none.
    fn heartbeat_timeout() -> Option<Duration> {
        None
    }

    /// Whether running this activity twice is harmless. Temporal executes activities at least
    /// once, so a non-idempotent activity should deduplicate its side effects with
    /// [`crate::ActivityInfo::idempotency_key`]; the worker warns on each retry of one.
    fn is_idempotent() -> bool {
        false
    }
}

/// The implementation of an activity: what runs one attempt. It may hold state (a connection
/// pool, an HTTP client); register an instance on the worker.
///
/// The common case implements both halves on one type (`D` defaults to `Self`):
///
/// ```
/// use ironflow::{Activity, ActivityContext, ActivityDefinition};
///
/// pub struct Greet;
/// impl ActivityDefinition for Greet {
///     const NAME: &'static str = "greet";
///     type Input = String;
///     type Output = String;
/// }
/// impl Activity for Greet {
///     type Error = std::convert::Infallible;
///     async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
///         Ok(format!("Hello, {name}!"))
///     }
/// }
/// ```
///
/// One service can implement several definitions that live elsewhere (a crate shared with the
/// workflow code), and be registered for each with
/// [`crate::worker::WorkerBuilder::register_activity_as`] (an `Arc` of it implements them too):
///
/// ```
/// # use ironflow::{Activity, ActivityContext, ActivityDefinition};
/// # pub struct Charge; impl ActivityDefinition for Charge { const NAME: &'static str = "charge"; type Input = u64; type Output = String; }
/// # pub struct Refund; impl ActivityDefinition for Refund { const NAME: &'static str = "refund"; type Input = String; type Output = (); }
/// pub struct Payments { gateway: String }
///
/// impl Activity<Charge> for Payments {
///     type Error = std::io::Error;
///     async fn execute(&self, _ctx: ActivityContext, cents: u64) -> Result<String, Self::Error> {
///         Ok(format!("{} charged {cents}", self.gateway))
///     }
/// }
/// impl Activity<Refund> for Payments {
///     type Error = std::io::Error;
///     async fn execute(&self, _ctx: ActivityContext, receipt: String) -> Result<(), Self::Error> {
///         Ok(())
///     }
/// }
/// ```
pub trait Activity<D: ActivityDefinition = Self>: Send + Sync + 'static {
    /// The error. Any error type works; see [`crate::ApplicationError`] for explicit control over
    /// the Temporal failure (type name, non-retryable, details).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Runs one attempt.
    fn execute(
        &self,
        ctx: ActivityContext,
        input: D::Input,
    ) -> impl Future<Output = Result<D::Output, Self::Error>> + Send;
}

impl<D: ActivityDefinition, A: Activity<D>> Activity<D> for Arc<A> {
    type Error = A::Error;

    fn execute(
        &self,
        ctx: ActivityContext,
        input: D::Input,
    ) -> impl Future<Output = Result<D::Output, Self::Error>> + Send {
        <A as Activity<D>>::execute(&**self, ctx, input)
    }
}
