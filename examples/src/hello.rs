//! The hello example's workflow and activities, shared by the `hello` and `replay` programs.

use ironflow::{Activity, ActivityContext, Workflow, WorkflowContext, WorkflowResult};
use std::time::Duration;

/// Builds a greeting.
pub struct Greet;

#[async_trait::async_trait]
impl Activity for Greet {
    type Input = String;
    type Output = String;
    type Error = std::convert::Infallible;

    fn name(&self) -> &str {
        "greet"
    }

    async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
        Ok(format!("Hello, {name}!"))
    }
}

/// Turns text into a shout.
pub struct Shout;

#[async_trait::async_trait]
impl Activity for Shout {
    type Input = String;
    type Output = String;
    type Error = std::convert::Infallible;

    fn name(&self) -> &str {
        "shout"
    }

    async fn execute(&self, _ctx: ActivityContext, text: String) -> Result<String, Self::Error> {
        Ok(text.to_uppercase())
    }
}

/// greet → one second durable timer → shout.
pub struct HelloWorkflow;

impl Workflow for HelloWorkflow {
    type Input = String;
    type Output = String;
    const NAME: &'static str = "HelloWorkflow";

    async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
        let greeting = ctx.execute_activity(&Greet, name).await?;
        ctx.sleep(Duration::from_secs(1)).await?;
        let shouted = ctx.execute_activity(&Shout, greeting).await?;
        Ok(shouted)
    }
}
