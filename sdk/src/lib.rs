//! # Ironflow
//!
//! A Rust SDK for [Temporal](https://temporal.io) built directly on Temporal's Core SDK: typed
//! [activities](Activity) and [workflows](Workflow), a [worker](Worker), a typed
//! [client](client::Client), and a [dev server launcher](testing::DevServer) for tests.
//!
//! ```no_run
//! use ironflow::{Activity, ActivityContext, Worker, Workflow, WorkflowContext, WorkflowResult};
//! use ironflow::client::{Client, StartWorkflowOptions};
//!
//! struct Greet;
//!
//! #[async_trait::async_trait]
//! impl Activity for Greet {
//!     type Input = String;
//!     type Output = String;
//!     type Error = std::convert::Infallible;
//!     fn name(&self) -> &str { "greet" }
//!     async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//!
//! struct Hello;
//!
//! impl Workflow for Hello {
//!     type Input = String;
//!     type Output = String;
//!     const NAME: &'static str = "Hello";
//!     async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
//!         Ok(ctx.execute_activity(&Greet, name).await?)
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = Client::connect("localhost:7233").await?;
//!     let worker = Worker::builder(&client, "hello").register_workflow::<Hello>().register_activity(Greet).build()?;
//!     let shutdown = worker.shutdown_handle();
//!     let running = tokio::spawn(worker.run());
//!     let out = client.execute_workflow::<Hello>("Temporal".into(), StartWorkflowOptions::new("hello-1", "hello")).await?;
//!     assert_eq!(out, "Hello, Temporal!");
//!     shutdown.shutdown();
//!     running.await??;
//!     Ok(())
//! }
//! ```

#![warn(missing_docs)]

pub mod activity;
pub mod client;
pub mod converter;
pub mod dynamic;
pub mod error;
mod executor;
pub mod history;
pub mod replay;
pub mod testing;
pub mod versioning;
pub mod worker;
pub mod workflow;

pub use activity::{Activity, ActivityContext, ActivityInfo, RetryPolicy};
pub use error::ApplicationError;
pub use worker::{ShutdownHandle, Worker, WorkerError};
pub use workflow::{ActivityError, Workflow, WorkflowContext, WorkflowError, WorkflowResult};

/// Re-exported so `#[ironflow::async_trait]` works without a direct dependency.
pub use async_trait::async_trait;

/// The README's examples, compiled as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
