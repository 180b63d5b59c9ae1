//! `search_attributes/set`: search attributes given at start (keyword, int, bool, datetime) are
//! what the workflow sees in its info and what the server's description shows.
//!
//! The spec's `CustomIntField: [1, 2]` and `CustomKeywordField: ['test-value']` are lists from
//! servers before typed search attributes; servers since 1.20 take one value for `Int` and
//! `Keyword` (lists are `KeywordList`), so single values are set.

use crate::features::support::{fail, start_with};
use ironflow::client::Client;
use ironflow::converter::{SearchAttributeValue, SearchAttributes};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::{Duration, SystemTime};

/// The four attributes set at start. The datetime has whole seconds (visibility stores
/// milliseconds at most).
pub(crate) fn expected() -> SearchAttributes {
    SearchAttributes::from([
        (
            "CustomKeywordField".into(),
            SearchAttributeValue::Keyword("test-value".into()),
        ),
        ("CustomIntField".into(), SearchAttributeValue::Int(1)),
        ("CustomBoolField".into(), SearchAttributeValue::Bool(true)),
        (
            "CustomDatetimeField".into(),
            SearchAttributeValue::Datetime(SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_400_000)),
        ),
    ])
}

/// Returns the search attributes in its info.
pub struct SetSearchAttributes;
impl Workflow for SetSearchAttributes {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = Vec<String>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<String>> {
        Ok(ctx
            .search_attributes()
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<SetSearchAttributes>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<SetSearchAttributes>()
}

/// `attributes` as the workflow reports them.
pub(crate) fn rendered(attributes: &SearchAttributes) -> Vec<String> {
    attributes.iter().map(|(k, v)| format!("{k}={v:?}")).collect()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let expected = expected();
    let handle =
        start_with::<SetSearchAttributes>(&client, &task_queue, "search-attributes-set", (), |mut o| {
            for (k, v) in expected.clone() {
                o = o.search_attribute(k, v);
            }
            o
        })
        .await?;
    let in_info = handle.get_result().await.map_err(fail)?;
    if in_info != rendered(&expected) {
        return Err(format!(
            "the workflow info has {in_info:?}, expected {:?}",
            rendered(&expected)
        ));
    }
    let described = handle.describe().await.map_err(fail)?.search_attributes;
    for (k, v) in &expected {
        if described.get(k) != Some(v) {
            return Err(format!(
                "the description has {k} = {:?}, expected {v:?}",
                described.get(k)
            ));
        }
    }
    Ok(vec![handle.workflow_id().to_string()])
}
