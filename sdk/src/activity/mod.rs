//! Activities: the seed's [`Activity`] trait, run by Temporal.
//!
//! An activity is ordinary async Rust (I/O, network, anything). The worker polls Temporal for
//! activity tasks, decodes the input, calls [`Activity::execute`], and reports the result; the
//! **server** schedules retries according to the [`RetryPolicy`], so a retry survives a worker
//! crash. How the seed's names map onto Temporal:
//!
//! | seed                               | Temporal                                                  |
//! |------------------------------------|-----------------------------------------------------------|
//! | `Activity::name`                   | activity type name                                        |
//! | `Activity::execute`                | one attempt of an activity task                           |
//! | `Activity::retry_policy`           | the activity's retry policy (default for every call)      |
//! | `Activity::timeout`                | start-to-close timeout (default for every call)           |
//! | `Activity::is_idempotent`          | Temporal runs activities at least once; a non-idempotent activity logs a warning on every retry, and [`ActivityInfo::idempotency_key`] gives a key that is stable across attempts |
//! | `ActivityExecutor`                 | the worker's activity poller + the server's retry timer   |
//!
//! ```
//! use ironflow::{Activity, ActivityContext};
//!
//! struct Greet;
//!
//! #[async_trait::async_trait]
//! impl Activity for Greet {
//!     type Input = String;
//!     type Output = String;
//!     type Error = std::convert::Infallible;
//!     fn name(&self) -> &str { "greet" }
//!     async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//! ```

mod context;
pub(crate) mod registry;
mod retry;

pub use context::{ActivityContext, ActivityInfo, CancelReason};
pub use retry::{InvalidRetryPolicy, RetryPolicy};

use serde::{Serialize, de::DeserializeOwned};
use std::time::Duration;

/// An activity: a named, typed unit of work with its own retry policy and timeout.
#[async_trait::async_trait]
pub trait Activity: Send + Sync + 'static {
    /// The input, decoded from the caller's payload.
    type Input: DeserializeOwned + Serialize + Send + 'static;
    /// The result, encoded as the completion payload.
    type Output: Serialize + DeserializeOwned + Send + 'static;
    /// The error. Any error type works; see [`crate::ApplicationError`] for explicit control over
    /// the Temporal failure (type name, non-retryable, details).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The activity type name, shared with every SDK that calls this activity.
    fn name(&self) -> &str;

    /// Runs one attempt.
    async fn execute(&self, ctx: ActivityContext, input: Self::Input) -> Result<Self::Output, Self::Error>;

    /// The retry policy used when the caller gives none. `None` leaves it to the server's
    /// default (unlimited attempts, bounded by the timeouts).
    fn retry_policy(&self) -> Option<RetryPolicy> {
        Some(RetryPolicy::default())
    }

    /// The start-to-close timeout used when the caller gives none (60 s in the seed).
    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    /// Whether running this activity twice is harmless. Temporal executes activities at least
    /// once, so a non-idempotent activity should deduplicate its side effects with
    /// [`ActivityInfo::idempotency_key`]; the worker warns on each retry of one.
    fn is_idempotent(&self) -> bool {
        false
    }
}
