//! Side effects run as a built-in local activity: workflow code registers a closure here, the
//! worker's local-activity poller runs it by id, and Core records its result in the
//! local-activity marker. (Core has no side-effect marker for SDKs to write.)

use crate::converter::Payload;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

/// The activity type side effects are recorded as.
pub(crate) const SIDE_EFFECT_ACTIVITY: &str = "__ironflow_side_effect";

type SideEffectFn = Box<dyn FnOnce() -> Result<Payload, String> + Send>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static PENDING: LazyLock<Mutex<HashMap<u64, SideEffectFn>>> = LazyLock::new(Default::default);

fn pending() -> std::sync::MutexGuard<'static, HashMap<u64, SideEffectFn>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// A closure waiting for the built-in activity to run it; dropping the registration removes a
/// closure that never ran (replay used the recorded value, or the side effect was dropped).
pub(crate) struct Registered(u64);

impl Registered {
    /// Registers `f`; the returned registration's id is the activity's input.
    pub(crate) fn new(f: SideEffectFn) -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        pending().insert(id, f);
        Registered(id)
    }

    pub(crate) fn id(&self) -> u64 {
        self.0
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        pending().remove(&self.0);
    }
}

/// Runs the closure registered under `id` (called by the built-in local activity).
pub(crate) fn run(id: u64) -> Result<Payload, String> {
    let f = pending().remove(&id).ok_or_else(|| {
        format!(
            "side effect #{id} is not waiting in this process any more (the worker restarted); \
             the workflow will run it again"
        )
    })?;
    f()
}
