//! `search_attributes/upsert`: a workflow upserts `CustomIntField` 123 and `CustomBoolField` true,
//! then unsets `CustomIntField` and upserts keyword, text, datetime and double values (2.5: upstream's 3.14 trips clippy's approximate-PI lint); its info
//! and the server's description then have `CustomBoolField`, the four new values, and no
//! `CustomIntField`.

use super::set::rendered;
use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::converter::{SearchAttributeValue, SearchAttributes};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::{Duration, SystemTime};

fn first() -> SearchAttributes {
    SearchAttributes::from([
        ("CustomIntField".into(), SearchAttributeValue::Int(123)),
        ("CustomBoolField".into(), SearchAttributeValue::Bool(true)),
    ])
}

fn second() -> SearchAttributes {
    SearchAttributes::from([
        (
            "CustomKeywordField".into(),
            SearchAttributeValue::Keyword("durable code".into()),
        ),
        (
            "CustomTextField".into(),
            SearchAttributeValue::Text("is useful".into()),
        ),
        (
            "CustomDatetimeField".into(),
            SearchAttributeValue::Datetime(SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_400_000)),
        ),
        ("CustomDoubleField".into(), SearchAttributeValue::Double(2.5)),
    ])
}

/// What the workflow and the server should end with.
fn expected() -> SearchAttributes {
    let mut all = second();
    all.insert("CustomBoolField".into(), SearchAttributeValue::Bool(true));
    all
}

/// Upserts twice (unsetting `CustomIntField` in between) and returns its info's attributes.
pub struct Upsert;
impl Workflow for Upsert {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = Vec<String>;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<Vec<String>> {
        ctx.upsert_search_attributes(first())?;
        ctx.unset_search_attributes(&["CustomIntField"]);
        ctx.upsert_search_attributes(second())?;
        Ok(rendered(&ctx.search_attributes()))
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Upsert>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Upsert>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let expected = expected();
    let handle = start::<Upsert>(&client, &task_queue, "search-attributes-upsert", ()).await?;
    let in_info = handle.get_result().await.map_err(fail)?;
    if in_info != rendered(&expected) {
        return Err(format!(
            "the workflow info has {in_info:?}, expected {:?}",
            rendered(&expected)
        ));
    }
    let described = handle.describe().await.map_err(fail)?.search_attributes;
    let custom: SearchAttributes = described
        .into_iter()
        .filter(|(k, _)| k.starts_with("Custom"))
        .collect();
    if custom != expected {
        return Err(format!("the description has {custom:?}, expected {expected:?}"));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
