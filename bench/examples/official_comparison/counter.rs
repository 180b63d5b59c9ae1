//! Signals, queries and a validated update on a workflow's state: a counter.

use temporalio_client::{
    Client, ClientOptions, Connection, WorkflowExecuteUpdateOptions, WorkflowGetResultOptions,
    WorkflowQueryOptions, WorkflowSignalOptions, WorkflowStartOptions,
    envconfig::LoadClientConfigProfileOptions,
};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    Runtime, SyncWorkflowContext, Worker, WorkerOptions, WorkflowContext, WorkflowContextView, WorkflowResult,
};

#[workflow]
pub struct CounterWorkflow {
    value: i64,
    finished: bool,
}

#[workflow_methods]
impl CounterWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, start: i64) -> Self {
        Self {
            value: start,
            finished: false,
        }
    }

    #[run(name = "Counter")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<i64> {
        ctx.wait_condition(|s| s.finished).await?;
        Ok(ctx.state(|s| s.value))
    }

    #[signal]
    pub fn increment(&mut self, _ctx: &mut SyncWorkflowContext<Self>, by: i64) {
        self.value += by;
    }

    #[signal]
    pub fn finish(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        self.finished = true;
    }

    #[query]
    pub fn value(&self, _ctx: &WorkflowContextView) -> i64 {
        self.value
    }

    #[update_validator(set_value)]
    pub fn validate_set_value(
        &self,
        _ctx: &WorkflowContextView,
        value: &i64,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if *value < 0 {
            Err("the counter cannot be negative".into())
        } else {
            Ok(())
        }
    }

    #[update]
    pub fn set_value(&mut self, _ctx: &mut SyncWorkflowContext<Self>, value: i64) -> i64 {
        std::mem::replace(&mut self.value, value)
    }
}

pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let (connection_options, client_options) =
        ClientOptions::load_from_config(LoadClientConfigProfileOptions::default())?;
    let client = Client::new(Connection::connect(connection_options).await?, client_options)?;
    let options = WorkerOptions::new("counter")
        .register_workflow::<CounterWorkflow>()?
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)?;
    let shutdown = worker.shutdown_handle();
    let session = async {
        let options = WorkflowStartOptions::new("counter", "counter-1").build();
        let handle = client.start_workflow(CounterWorkflow::run, 10, options).await?;
        handle
            .signal(CounterWorkflow::increment, 5, WorkflowSignalOptions::default())
            .await?;
        let value = handle
            .query(CounterWorkflow::value, (), WorkflowQueryOptions::default())
            .await?;
        println!("value after increment(5): {value}");
        let update = WorkflowExecuteUpdateOptions::default();
        let old = handle
            .execute_update(CounterWorkflow::set_value, 100, update.clone())
            .await?;
        println!("set_value(100) returned the old value {old}");
        let rejected = handle
            .execute_update(CounterWorkflow::set_value, -1, update)
            .await;
        println!(
            "set_value(-1) was rejected: {}",
            rejected.err().map(|e| e.to_string()).unwrap_or_default()
        );
        handle
            .signal(CounterWorkflow::finish, (), WorkflowSignalOptions::default())
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
