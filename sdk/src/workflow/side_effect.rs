//! Side effects: run a non-deterministic closure once and record its result, so replay reuses
//! the recorded value instead of running it again. (The official Rust SDK has none.)
//!
//! Core has no side-effect marker for SDKs to write, so a side effect is a local activity of the
//! built-in type `__ironflow_side_effect`: the closure waits in this process until the worker's
//! local-activity poller runs it, and its result is recorded in the local-activity marker. It
//! shows in history (and the Web UI) as that local activity.

use super::context::WorkflowContext;
use super::error::ActivityError;
use crate::RetryPolicy;
use crate::converter::{Payload, to_payload};
use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// The activity type side effects are recorded as.
pub(crate) const SIDE_EFFECT_ACTIVITY: &str = "__ironflow_side_effect";

type SideEffectFn = Box<dyn FnOnce() -> Result<Payload, String> + Send>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static PENDING: LazyLock<Mutex<HashMap<u64, SideEffectFn>>> = LazyLock::new(Default::default);

fn pending() -> std::sync::MutexGuard<'static, HashMap<u64, SideEffectFn>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the closure registered under `id` (called by the built-in local activity).
pub(crate) fn run_side_effect(id: u64) -> Result<Payload, String> {
    let f = pending().remove(&id).ok_or_else(|| {
        format!("side effect #{id} is not waiting in this process any more (the worker restarted); the workflow will run it again")
    })?;
    f()
}

/// Removes a registered closure that never ran (replay used the recorded value, or the side
/// effect was dropped).
struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        pending().remove(&self.0);
    }
}

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
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        pending().insert(id, Box::new(move || to_payload(&f()).map_err(|e| e.to_string())));
        let _registered = Registered(id);
        self.execute_local_activity_by_name::<u64, T>(SIDE_EFFECT_ACTIVITY, &id)
            .start_to_close_timeout(Duration::from_secs(60))
            .retry_policy(RetryPolicy::no_retries())
            .await
    }
}
