//! The workflow's search attributes and memo, as workflow code reads and upserts them.

use super::context::WorkflowContext;
use crate::converter::{Memo, PayloadError, SearchAttributes, memo_to_proto, search_attributes_to_proto};

impl WorkflowContext {
    /// The workflow's search attributes: those it started with, then its upserts.
    pub fn search_attributes(&self) -> SearchAttributes {
        self.run_state().borrow().search_attributes().clone()
    }

    /// Adds or replaces search attributes (visible to `temporal workflow list --query` and the
    /// Web UI). Values that cannot be encoded are an error, and nothing is recorded.
    pub fn upsert_search_attributes(&self, attributes: SearchAttributes) -> Result<(), PayloadError> {
        let proto = search_attributes_to_proto(&attributes)?;
        self.run_state()
            .borrow_mut()
            .upsert_search_attributes(attributes, proto);
        Ok(())
    }

    /// Removes search attributes from the workflow (Temporal's unset: an empty value), so
    /// visibility queries no longer match them and [`WorkflowContext::search_attributes`] no
    /// longer lists them.
    ///
    /// ```
    /// # async fn demo(ctx: ironflow::WorkflowContext) {
    /// ctx.unset_search_attributes(&["CustomIntField"]);
    /// # }
    /// ```
    pub fn unset_search_attributes(&self, names: &[&str]) {
        let unset = crate::converter::Payload {
            metadata: [(
                crate::converter::ENCODING_KEY.to_string(),
                crate::converter::JSON_PLAIN.to_vec(),
            )]
            .into(),
            data: b"[]".to_vec(),
            ..Default::default()
        };
        let proto = temporalio_common::protos::temporal::api::common::v1::SearchAttributes {
            indexed_fields: names.iter().map(|n| (n.to_string(), unset.clone())).collect(),
        };
        self.run_state()
            .borrow_mut()
            .upsert_search_attributes(SearchAttributes::new(), proto);
    }

    /// The workflow's memo: what it started with, then its upserts.
    pub fn memo(&self) -> Memo {
        self.run_state().borrow().memo().clone()
    }

    /// Adds or replaces memo fields (a `null` value removes the field).
    pub fn upsert_memo(&self, memo: Memo) -> Result<(), PayloadError> {
        let proto = memo_to_proto(&memo)?;
        self.run_state().borrow_mut().upsert_memo(memo, proto);
        Ok(())
    }
}
