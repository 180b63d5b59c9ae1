//! Side effects: run a non-deterministic closure once and record its result, so replay reuses
//! the recorded value instead of running it again. (The official Rust SDK has none.)
//!
//! A side effect is recorded as a local activity of the built-in type `__ironflow_side_effect`
//! (Core has no side-effect marker for SDKs to write): the closure waits in this process until
//! the worker's local-activity poller runs it. It shows in history (and the Web UI) as that
//! local activity.

use super::context::WorkflowContext;
use super::error::ActivityError;
use crate::activity::RetryPolicy;
use crate::activity::side_effect::{Registered, SIDE_EFFECT_ACTIVITY};
use crate::converter::to_payload;
use serde::{Serialize, de::DeserializeOwned};
use std::time::Duration;

impl WorkflowContext {
    /// Runs `f` once and records its result; on replay the recorded result is returned and `f`
    /// does not run. For values that must not change on replay: a generated id from an external
    /// library, a reading of the clock for logging, a random token.
    ///
    /// ```no_run
    /// # async fn body(ctx: ironflow::WorkflowContext) -> ironflow::WorkflowResult<()> {
    /// let started_at: u64 = ctx
    ///     .side_effect(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn side_effect<T, F>(&self, f: F) -> Result<T, ActivityError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Serialize + DeserializeOwned + 'static,
    {
        let registered = Registered::new(Box::new(move || to_payload(&f()).map_err(|e| e.to_string())));
        self.local_activity_by_name::<u64, T>(SIDE_EFFECT_ACTIVITY, registered.id())
            .start_to_close_timeout(Duration::from_secs(60))
            .retry_policy(RetryPolicy::no_retries())
            .await
    }
}
