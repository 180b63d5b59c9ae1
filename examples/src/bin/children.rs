//! Child workflows: a parent fans out to one child per name, concurrently, and collects their
//! results in order. (Calls are futures: `try_join_all` takes them directly.)

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;

pub struct GreetingChild;

impl Workflow for GreetingChild {
    const NAME: &'static str = "GreetingChild";
    type Input = String;
    type Output = String;

    async fn run(_ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        Ok(format!("Hello, {name}!"))
    }
}

pub struct FanOutWorkflow;

impl Workflow for FanOutWorkflow {
    const NAME: &'static str = "FanOut";
    type Input = Vec<String>;
    type Output = Vec<String>;

    async fn run(ctx: WorkflowContext, names: Vec<String>) -> WorkflowResult<Vec<String>> {
        let children = names
            .into_iter()
            .map(|name| ctx.child_workflow::<GreetingChild>(name));
        Ok(futures::future::try_join_all(children).await?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("children");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<FanOutWorkflow>()
        .register_workflow::<GreetingChild>()
        .build()?;
    let names = vec!["Ada".to_string(), "Grace".to_string(), "Linus".to_string()];
    let options = StartWorkflowOptions::new(ironflow_examples::unique("fan-out"), &task_queue);
    let greetings = worker
        .run_until(client.execute_workflow::<FanOutWorkflow>(names, options))
        .await??;
    println!("children answered: {greetings:?}");
    Ok(())
}
