//! Activities: the seed's `Activity`, run by Temporal.
//!
//! An activity is ordinary async Rust (I/O, network, anything). It comes in two halves:
//!
//! - its [`ActivityDefinition`]: the type name, input and output types, and default options —
//!   what workflow code needs to call it (`ctx.activity::<Greet>(name)`), with no instance;
//! - its [`Activity`] implementation: `execute`, which runs one attempt and may use state the
//!   implementation holds (a pool, a client). Instances are registered on the worker.
//!
//! The worker polls Temporal for activity tasks, decodes the input, calls
//! [`Activity::execute`], and reports the result; the **server** schedules retries according to
//! the [`RetryPolicy`], so a retry survives a worker crash. How the seed's names map onto
//! Temporal:
//!
//! | seed                               | Ironflow                                | Temporal                                                  |
//! |------------------------------------|-----------------------------------------|-----------------------------------------------------------|
//! | `Activity::name`                   | [`ActivityDefinition::NAME`]            | activity type name                                        |
//! | `Activity::Input`/`Output`         | [`ActivityDefinition::Input`]/`Output`  | the call's payloads                                       |
//! | `Activity::Error`, `execute`       | [`Activity::Error`], [`Activity::execute`] | one attempt of an activity task                        |
//! | `Activity::retry_policy`           | [`ActivityDefinition::retry_policy`]    | the activity's retry policy (default for every call)      |
//! | `Activity::timeout`                | [`ActivityDefinition::timeout`]         | start-to-close timeout (default for every call)           |
//! | `Activity::is_idempotent`          | [`ActivityDefinition::is_idempotent`]   | Temporal runs activities at least once; a non-idempotent activity logs a warning on every retry, and [`ActivityInfo::idempotency_key`] gives a key that is stable across attempts |
//! | `ActivityExecutor`                 | the worker's activity poller            | the activity task queue + the server's retry timers       |
//!
//! ```
//! use ironflow::{Activity, ActivityContext, ActivityDefinition};
//!
//! pub struct Greet;
//!
//! impl ActivityDefinition for Greet {
//!     const NAME: &'static str = "greet";
//!     type Input = String;
//!     type Output = String;
//! }
//!
//! impl Activity for Greet {
//!     type Error = std::convert::Infallible;
//!     async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//! ```

mod context;
mod definition;
mod group;
mod logger;
pub(crate) mod registry;
mod retry;
pub(crate) mod side_effect;

pub(crate) use context::WorkerShutdownSignal;
pub use context::{ActivityContext, ActivityInfo, CancelReason};
pub use definition::{Activity, ActivityDefinition};
pub use group::{ActivityGroup, ActivityRegistrar};
pub use logger::ActivityLogger;
pub(crate) use retry::RETRYABLE_ERRORS_HEADER;
pub use retry::{InvalidRetryPolicy, RetryPolicy};
