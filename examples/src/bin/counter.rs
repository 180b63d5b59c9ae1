//! Signals, queries and a validated update on a workflow's state: a counter.
//!
//! The state is a plain struct; `#[ironflow::handlers]` turns its methods into message
//! definitions (`Increment`, `Finish`, `Value`, `SetValue`) and handlers.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;

pub struct Counter {
    value: i64,
    finished: bool,
}

#[ironflow::handlers]
impl Counter {
    #[signal]
    fn increment(&mut self, by: i64) {
        self.value += by;
    }

    #[signal]
    fn finish(&mut self) {
        self.finished = true;
    }

    #[query]
    fn value(&self) -> i64 {
        self.value
    }

    #[update]
    fn set_value(&mut self, value: i64) -> i64 {
        std::mem::replace(&mut self.value, value)
    }

    #[update_validator(set_value)]
    fn validate_set_value(&self, value: &i64) -> Result<(), ApplicationError> {
        if *value < 0 {
            Err(ApplicationError::new("the counter cannot be negative"))
        } else {
            Ok(())
        }
    }
}

pub struct CounterWorkflow;

impl Workflow for CounterWorkflow {
    const NAME: &'static str = "Counter";
    type Input = i64;
    type Output = i64;

    async fn run(ctx: WorkflowContext, start: i64) -> WorkflowResult<i64> {
        let counter = ctx
            .state(Counter {
                value: start,
                finished: false,
            })
            .register_handlers();
        counter.wait(|c| c.finished).await?;
        Ok(counter.get(|c| c.value))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("counter");
    let worker = Worker::builder(client, &task_queue)
        .register_workflow::<CounterWorkflow>()
        .build()?;
    let session = async {
        let options = StartWorkflowOptions::new(ironflow_examples::unique("counter"), &task_queue);
        let handle = client.start_workflow::<CounterWorkflow>(10, options).await?;
        handle.signal::<Increment>(5).await?;
        println!("value after increment(5): {}", handle.query::<Value>(()).await?);
        println!(
            "set_value(100) returned the old value {}",
            handle.execute_update::<SetValue>(100).await?
        );
        let rejected = handle.execute_update::<SetValue>(-1).await.unwrap_err();
        println!(
            "set_value(-1) was rejected: {}",
            rejected.failure().map_or("?", |f| f.message.as_str())
        );
        handle.signal::<Finish>(()).await?;
        Ok::<_, Box<dyn std::error::Error>>(handle.get_result().await?)
    };
    println!("workflow result: {}", worker.run_until(session).await??);
    Ok(())
}
