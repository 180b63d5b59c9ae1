//! Child workflows: a parent fans out to one child per name, concurrently, and collects their
//! results in order.

use temporalio_client::{
    Client, ClientOptions, Connection, WorkflowGetResultOptions, WorkflowStartOptions,
    envconfig::LoadClientConfigProfileOptions,
};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::workflows::join_all;
use temporalio_sdk::{ChildWorkflowOptions, Runtime, Worker, WorkerOptions, WorkflowContext, WorkflowResult};

#[workflow]
#[derive(Default)]
pub struct GreetingChild;

#[workflow_methods]
impl GreetingChild {
    #[run(name = "GreetingChild")]
    pub async fn run(_ctx: &mut WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
        Ok(format!("Hello, {name}!"))
    }
}

#[workflow]
#[derive(Default)]
pub struct FanOutWorkflow;

#[workflow_methods]
impl FanOutWorkflow {
    #[run(name = "FanOut")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, names: Vec<String>) -> WorkflowResult<Vec<String>> {
        let parent = ctx.workflow_id().to_string();
        let starts = names.into_iter().enumerate().map(|(i, name)| {
            let options = ChildWorkflowOptions::workflow_id(format!("{parent}-child-{i}"));
            ctx.start_child_workflow(GreetingChild::run, name, options)
        });
        let mut results = Vec::new();
        for started in join_all(starts).await {
            results.push(started?.result());
        }
        Ok(join_all(results).await.into_iter().collect::<Result<_, _>>()?)
    }
}

pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let (connection_options, client_options) =
        ClientOptions::load_from_config(LoadClientConfigProfileOptions::default())?;
    let client = Client::new(Connection::connect(connection_options).await?, client_options)?;
    let options = WorkerOptions::new("children")
        .register_workflow::<FanOutWorkflow>()?
        .register_workflow::<GreetingChild>()?
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)?;
    let shutdown = worker.shutdown_handle();
    let session = async {
        let names = vec!["Ada".to_string(), "Grace".to_string(), "Linus".to_string()];
        let options = WorkflowStartOptions::new("children", "fan-out-1").build();
        let handle = client.start_workflow(FanOutWorkflow::run, names, options).await?;
        let result = handle.get_result(WorkflowGetResultOptions::default()).await;
        shutdown();
        Ok::<_, Box<dyn std::error::Error>>(result?)
    };
    let (result, worker_result) = tokio::join!(session, worker.run());
    worker_result?;
    println!("children answered: {:?}", result?);
    Ok(())
}
