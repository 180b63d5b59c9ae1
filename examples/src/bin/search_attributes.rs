//! Search attributes and listing: executions carry indexed attributes (set at start, upserted
//! by the workflow as it progresses) that the Web UI shows and that visibility queries filter
//! on; the memo carries unindexed notes.

use ironflow::client::StartWorkflowOptions;
use ironflow::converter::{SearchAttributeType, SearchAttributeValue};
use ironflow::prelude::*;
use std::time::Duration;

pub struct OrderWorkflow;
impl Workflow for OrderWorkflow {
    const NAME: &'static str = "SearchableOrder";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.upsert_search_attributes(
            [(
                "OrderStatus".to_string(),
                SearchAttributeValue::Keyword("shipped".into()),
            )]
            .into(),
        )?;
        ctx.upsert_memo([("note".to_string(), serde_json::json!("left at the door"))].into())?;
        ctx.sleep(Duration::from_millis(100)).await?;
        Ok("delivered".into())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    client
        .ensure_search_attributes(&[
            ("OrderStatus", SearchAttributeType::Keyword),
            ("Customer", SearchAttributeType::Keyword),
        ])
        .await?;
    let task_queue = ironflow_examples::unique("search");
    let customer = ironflow_examples::unique("customer");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<OrderWorkflow>()
        .build()?;
    let session = async {
        for _ in 0..3 {
            let options = StartWorkflowOptions::new(ironflow_examples::unique("order"), &task_queue)
                .search_attribute("Customer", SearchAttributeValue::Keyword(customer.clone()))
                .search_attribute("OrderStatus", SearchAttributeValue::Keyword("new".into()));
            client.execute_workflow::<OrderWorkflow>((), options).await?;
        }
        // Visibility is eventually consistent: wait until the index shows all three.
        let query = format!("Customer = '{customer}' AND OrderStatus = 'shipped'");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let found = client.list_workflows(&query).await?;
            if found.len() == 3 || std::time::Instant::now() > deadline {
                return Ok::<_, Box<dyn std::error::Error>>((query, found));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let (query, found) = worker.run_until(session).await??;
    println!("`{query}` lists {} workflows", found.len());
    if let Some(first) = found.first() {
        println!("memo of {}: {:?}", first.workflow_type, first.memo.get("note"));
    }
    println!("count: {}", client.count_workflows(&query).await?);
    Ok(())
}
