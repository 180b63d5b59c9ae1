//! # Ironflow
//!
//! A Rust SDK for [Temporal](https://temporal.io) built directly on Temporal's Core SDK: typed
//! [activities](Activity) and [workflows](Workflow), a [worker](Worker), a typed
//! [client](client::Client), and a [dev server launcher](testing::DevServer) for tests.
//!
//! ```no_run
//! use ironflow::prelude::*;
//! use ironflow::client::{Client, StartWorkflowOptions};
//!
//! pub struct Greet;
//! impl ActivityDefinition for Greet {
//!     const NAME: &'static str = "greet";
//!     type Input = String;
//!     type Output = String;
//! }
//! impl Activity for Greet {
//!     type Error = std::convert::Infallible;
//!     async fn execute(&self, _ctx: ActivityContext, name: String) -> Result<String, Self::Error> {
//!         Ok(format!("Hello, {name}!"))
//!     }
//! }
//!
//! pub struct Hello;
//! impl Workflow for Hello {
//!     const NAME: &'static str = "Hello";
//!     type Input = String;
//!     type Output = String;
//!     async fn run(ctx: WorkflowContext, name: String) -> WorkflowResult<String> {
//!         Ok(ctx.activity::<Greet>(name).await?)
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
pub mod codec;
pub mod converter;
pub mod dynamic;
pub mod error;
mod executor;
pub mod history;
pub mod interceptor;
pub mod metrics;
pub mod nexus;
pub mod replay;
pub mod telemetry;
pub mod testing;
pub mod versioning;
pub mod worker;
pub mod workflow;

pub use activity::{Activity, ActivityContext, ActivityDefinition, ActivityInfo, RetryPolicy};
pub use error::ApplicationError;
pub use worker::{ShutdownHandle, Worker, WorkerError};
pub use workflow::{ActivityError, Workflow, WorkflowContext, WorkflowError, WorkflowResult, WorkflowState};

/// Optional sugar over the traits: activities from `async fn`s, a service's activities from an
/// `impl` block, and a workflow state's message handlers from its methods. See the
/// [`ironflow_macros`] crate documentation.
#[cfg(feature = "macros")]
pub use ironflow_macros::{activities, activity, handlers};

/// What most programs import: `use ironflow::prelude::*;`.
pub mod prelude {
    pub use crate::activity::{Activity, ActivityContext, ActivityDefinition, RetryPolicy};
    pub use crate::error::ApplicationError;
    pub use crate::worker::Worker;
    pub use crate::workflow::{
        ActivityError, QueryDefinition, SignalDefinition, UpdateDefinition, Workflow, WorkflowContext,
        WorkflowError, WorkflowResult, WorkflowState,
    };
}

/// The README's examples, compiled as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
