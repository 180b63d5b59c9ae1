//! Hello: a workflow that calls two activities with a durable timer between them.

use std::time::Duration;
use temporalio_client::{
    Client, ClientOptions, Connection, WorkflowGetResultOptions, WorkflowStartOptions,
    envconfig::LoadClientConfigProfileOptions,
};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{ActivityOptions, Runtime, Worker, WorkerOptions, WorkflowContext, WorkflowResult};

pub struct Greetings;

#[activities]
impl Greetings {
    #[activity(name = "greet")]
    pub async fn greet(_ctx: ActivityContext, name: String) -> Result<String, ActivityError> {
        Ok(format!("Hello, {name}!"))
    }

    #[activity(name = "shout")]
    pub async fn shout(_ctx: ActivityContext, text: String) -> Result<String, ActivityError> {
        Ok(text.to_uppercase())
    }
}

#[workflow]
#[derive(Default)]
pub struct HelloWorkflow;

#[workflow_methods]
impl HelloWorkflow {
    #[run(name = "HelloWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close_timeout(Duration::from_secs(60));
        let greeting = ctx
            .execute_activity(Greetings::greet, name, options.clone())
            .await?;
        ctx.timer(Duration::from_secs(1)).await;
        Ok(ctx.execute_activity(Greetings::shout, greeting, options).await?)
    }
}

pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let (connection_options, client_options) =
        ClientOptions::load_from_config(LoadClientConfigProfileOptions::default())?;
    let client = Client::new(Connection::connect(connection_options).await?, client_options)?;
    let options = WorkerOptions::new("hello")
        .register_workflow::<HelloWorkflow>()?
        .register_activities(Greetings)
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)?;
    let shutdown = worker.shutdown_handle();
    let session = async {
        let options = WorkflowStartOptions::new("hello", "hello-1").build();
        let handle = client
            .start_workflow(HelloWorkflow::run, "Temporal".to_string(), options)
            .await?;
        let result = handle.get_result(WorkflowGetResultOptions::default()).await;
        shutdown();
        Ok::<_, Box<dyn std::error::Error>>(result?)
    };
    let (result, worker_result) = tokio::join!(session, worker.run());
    worker_result?;
    println!("workflow result: {}", result?);
    Ok(())
}
