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
use temporalio_common::protos::coresdk::workflow_commands::{SetPatchMarker, workflow_command::Variant};

impl WorkflowContext {
    /// True if this execution runs the code guarded by patch `patch_id`: always for new
    /// executions (a marker is recorded in history), and on replay only if the history recorded
    /// the marker. The answer for an id does not change during the execution.
    pub fn patched(&self, patch_id: &str) -> bool {
        self.patch(patch_id, false)
    }

    /// Marks patch `patch_id` as deprecated: the old code path is gone, executions that recorded
    /// the patch still replay, and new executions record a deprecated marker that later code
    /// without the call can replay.
    pub fn deprecate_patch(&self, patch_id: &str) {
        self.patch(patch_id, true);
    }

    fn patch(&self, patch_id: &str, deprecated: bool) -> bool {
        let mut st = self.state().borrow_mut();
        // Core notified us ahead of time if the history has a marker for this patch; without a
        // notification, replay means "no marker" and new code means "record it".
        let replaying = st.replaying;
        let present = *st.patches.entry(patch_id.to_string()).or_insert(!replaying);
        // The command goes out once, at the first call, where Core matches it to the marker.
        if st.patch_markers_sent.insert(patch_id.to_string()) {
            st.push_command(Variant::SetPatchMarker(SetPatchMarker {
                patch_id: patch_id.to_string(),
                deprecated,
            }));
        }
        present
    }
}

impl WorkflowContext {
    /// The workflow's search attributes: those it started with, then its upserts.
    pub fn search_attributes(&self) -> crate::converter::SearchAttributes {
        self.state().borrow().search_attributes.clone()
    }

    /// Adds or replaces search attributes (visible to `temporal workflow list --query` and the
    /// Web UI). Values that cannot be encoded are a workflow error.
    pub fn upsert_search_attributes(
        &self,
        attributes: crate::converter::SearchAttributes,
    ) -> Result<(), crate::converter::PayloadError> {
        let proto = crate::converter::search_attributes_to_proto(&attributes)?;
        let mut st = self.state().borrow_mut();
        st.search_attributes.extend(attributes);
        st.push_command(Variant::UpsertWorkflowSearchAttributes(
            temporalio_common::protos::coresdk::workflow_commands::UpsertWorkflowSearchAttributes {
                search_attributes: Some(proto),
            },
        ));
        Ok(())
    }

    /// The workflow's memo: what it started with, then its upserts.
    pub fn memo(&self) -> crate::converter::Memo {
        self.state().borrow().memo.clone()
    }

    /// Adds or replaces memo fields (a `null` value removes the field).
    pub fn upsert_memo(&self, memo: crate::converter::Memo) -> Result<(), crate::converter::PayloadError> {
        let proto = crate::converter::memo_to_proto(&memo)?;
        let mut st = self.state().borrow_mut();
        for (k, v) in memo {
            if v.is_null() {
                st.memo.remove(&k);
            } else {
                st.memo.insert(k, v);
            }
        }
        st.push_command(Variant::ModifyWorkflowProperties(
            temporalio_common::protos::coresdk::workflow_commands::ModifyWorkflowProperties {
                upserted_memo: Some(proto),
            },
        ));
        Ok(())
    }
}
