//! Patching: changing workflow code while executions of the old code are still running.
//!
//! ```
//! # use ironflow::{WorkflowContext, WorkflowResult};
//! # use std::time::Duration;
//! async fn body(ctx: WorkflowContext) -> WorkflowResult<()> {
//!     if ctx.patched("add-fraud-check") {
//!         // New code: runs for new executions, and on replay of histories that recorded it.
//!         ctx.sleep(Duration::from_secs(1)).await?;
//!     }
//!     // Old code path otherwise; replays of old histories keep taking it.
//!     Ok(())
//! }
//! ```
//!
//! Once no execution that predates the patch is left, replace `patched` by `deprecate_patch`
//! (executions that recorded the marker still replay), and later remove the call.

use super::context::WorkflowContext;

impl WorkflowContext {
    /// True if this execution runs the code guarded by patch `patch_id`: always for new
    /// executions (a marker is recorded in history), and on replay only if the history recorded
    /// the marker. The answer for an id does not change during the execution.
    pub fn patched(&self, patch_id: &str) -> bool {
        self.run_state().borrow_mut().patch(patch_id, false)
    }

    /// Marks patch `patch_id` as deprecated: the old code path is gone, executions that recorded
    /// the patch still replay, and new executions record a deprecated marker that later code
    /// without the call can replay.
    pub fn deprecate_patch(&self, patch_id: &str) {
        self.run_state().borrow_mut().patch(patch_id, true);
    }
}
