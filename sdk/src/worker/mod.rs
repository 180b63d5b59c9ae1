//! The worker: polls a task queue through Temporal's Core SDK and runs the registered workflows
//! and activities.
//!
//! ```no_run
//! # use ironflow::prelude::*;
//! # struct Hello; struct Greet;
//! # impl Workflow for Hello { const NAME: &'static str = "Hello"; type Input = String; type Output = String;
//! #   async fn run(_c: WorkflowContext, n: String) -> WorkflowResult<String> { Ok(n) } }
//! # impl ActivityDefinition for Greet { const NAME: &'static str = "greet"; type Input = String; type Output = String; }
//! # impl Activity for Greet { type Error = std::io::Error;
//! #   async fn execute(&self, _c: ActivityContext, n: String) -> Result<String, std::io::Error> { Ok(n) } }
//! use ironflow::{Worker, client::Client};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = Client::connect("localhost:7233").await?;
//!     let worker = Worker::builder(&client, "greetings")
//!         .register_workflow::<Hello>()
//!         .register_activity(Greet)
//!         .build()?;
//!     // Runs until Ctrl-C or SIGTERM, then drains in-flight tasks and returns.
//!     worker.run_until_signal().await?;
//!     Ok(())
//! }
//! ```
//!
//! `Worker::run` returns a `Send` future, so a worker can also be `tokio::spawn`ed next to other
//! tasks and stopped with its [`ShutdownHandle`].

mod activity_loop;
mod connection_watch;
mod nexus_loop;
mod workflow_loop;

use crate::activity::registry::ActivityRegistry;
use crate::activity::{Activity, ActivityDefinition, ActivityGroup, ActivityRegistrar, WorkerShutdownSignal};
use crate::client::Client;
use crate::executor::registry::WorkflowRegistry;
use crate::executor::run::RunEnvironment;
use crate::executor::threads::WorkflowThreads;
use crate::interceptor::WorkerInterceptor;
use crate::workflow::{VersioningBehavior, Workflow, registration};
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::worker::{
    VersioningBehavior as CoreVersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion,
    WorkerTaskTypes,
};
use temporalio_sdk_core::{CoreRuntime, RuntimeOptions, WorkerConfig, WorkerVersioningStrategy, init_worker};
use tokio_util::sync::CancellationToken;

/// What stopped a worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The builder's settings are invalid.
    #[error("invalid worker configuration: {0}")]
    Config(String),
    /// Core could not start the worker (for example, the namespace does not exist).
    #[error("cannot start the worker on task queue `{task_queue}`: {}", crate::client::error_chain(source.as_ref()))]
    Start {
        /// The task queue.
        task_queue: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Polling failed for good (the server went away and Core's retries gave up).
    #[error("the worker on task queue `{task_queue}` stopped: {message}")]
    Poll {
        /// The task queue.
        task_queue: String,
        /// Why.
        message: String,
    },
}

/// Stops a running worker gracefully: no new tasks are polled, tasks in flight finish, then
/// `run` returns. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct ShutdownHandle {
    token: CancellationToken,
}

impl ShutdownHandle {
    /// Starts the graceful shutdown.
    pub fn shutdown(&self) {
        self.token.cancel();
    }

    /// True once shutdown was requested.
    pub fn is_shutdown_requested(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Configures a [`Worker`].
pub struct WorkerBuilder {
    client: Client,
    task_queue: String,
    workflows: WorkflowRegistry,
    activities: ActivityRegistry,
    nexus: crate::nexus::NexusRegistry,
    max_cached_workflows: usize,
    max_concurrent_workflow_tasks: usize,
    max_concurrent_activities: usize,
    max_concurrent_local_activities: usize,
    identity: Option<String>,
    build_id: Option<String>,
    graceful_shutdown_period: Duration,
    workflow_threads: usize,
    deadlock_timeout: Option<Duration>,
    deployment: Option<(String, String, VersioningBehavior)>,
    interceptors: Vec<Arc<dyn WorkerInterceptor>>,
    fail_fast: bool,
    local_activities_only: bool,
}

impl WorkerBuilder {
    /// Makes [`Worker::run`] fail at once when the server does not answer, instead of waiting
    /// for it with backoff (the default, logged as it happens).
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Adds an interceptor of this worker's workflows and activities (see
    /// [`crate::interceptor`]); several run in the order they were added.
    pub fn interceptor(mut self, interceptor: Arc<dyn WorkerInterceptor>) -> Self {
        self.interceptors.push(interceptor);
        self
    }

    /// Registers a workflow type.
    pub fn register_workflow<W: Workflow>(mut self) -> Self {
        registration::register::<W>(&mut self.workflows);
        self
    }

    /// Registers the catch-all workflow: it runs every workflow type this worker has no
    /// registered workflow for. See [`crate::dynamic`].
    pub fn register_dynamic_workflow<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(crate::WorkflowContext, crate::dynamic::DynamicInput) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::WorkflowResult<serde_json::Value>> + 'static,
    {
        registration::register_dynamic(&mut self.workflows, f);
        self
    }

    /// Registers the catch-all activity: it runs every activity type this worker has no
    /// registered activity for. See [`crate::dynamic`].
    pub fn register_dynamic_activity<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(crate::ActivityContext, crate::dynamic::DynamicInput) -> Fut + Send + Sync + 'static,
        Fut:
            std::future::Future<Output = Result<serde_json::Value, crate::ApplicationError>> + Send + 'static,
    {
        self.activities.register_dynamic(f);
        self
    }

    /// Workflow code that keeps its thread busy for longer than this in one activation fails
    /// its workflow task as deadlocked (default 2 s); `None` disables the check (for debuggers).
    pub fn deadlock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.deadlock_timeout = timeout;
        self
    }

    /// Registers an activity that is its own definition (`impl ActivityDefinition for A` and
    /// `impl Activity for A`), under [`ActivityDefinition::NAME`].
    pub fn register_activity<A: Activity + ActivityDefinition>(mut self, activity: A) -> Self {
        self.activities.register::<A, A>(activity);
        self
    }

    /// Registers `implementation` as activity `D` (a definition that lives elsewhere, or one of
    /// several activities a service implements; an `Arc` of the service works for each):
    ///
    /// ```no_run
    /// # use ironflow::prelude::*; use std::sync::Arc;
    /// # struct Charge; impl ActivityDefinition for Charge { const NAME: &'static str = "charge"; type Input = u64; type Output = (); }
    /// # struct Refund; impl ActivityDefinition for Refund { const NAME: &'static str = "refund"; type Input = u64; type Output = (); }
    /// # struct Payments;
    /// # impl Activity<Charge> for Payments { type Error = std::io::Error; async fn execute(&self, _: ActivityContext, _: u64) -> Result<(), std::io::Error> { Ok(()) } }
    /// # impl Activity<Refund> for Payments { type Error = std::io::Error; async fn execute(&self, _: ActivityContext, _: u64) -> Result<(), std::io::Error> { Ok(()) } }
    /// # fn f(builder: ironflow::worker::WorkerBuilder) -> ironflow::worker::WorkerBuilder {
    /// let payments = Arc::new(Payments);
    /// builder
    ///     .register_activity_as::<Charge>(payments.clone())
    ///     .register_activity_as::<Refund>(payments)
    /// # }
    /// ```
    pub fn register_activity_as<D: ActivityDefinition>(mut self, implementation: impl Activity<D>) -> Self {
        self.activities.register::<D, _>(implementation);
        self
    }

    /// Registers every activity a service implements (see [`ActivityGroup`];
    /// `#[ironflow::activities]` implements it).
    pub fn register_activities<G: ActivityGroup>(mut self, service: std::sync::Arc<G>) -> Self {
        service.register(&mut ActivityRegistrar {
            registry: &mut self.activities,
        });
        self
    }

    /// How many workflow runs stay cached between tasks (default 1000). 0 disables the cache
    /// (and sticky queues): every task then replays the history from the start.
    pub fn max_cached_workflows(mut self, n: usize) -> Self {
        self.max_cached_workflows = n;
        self
    }

    /// Maximum workflow tasks processed at once (default 100).
    pub fn max_concurrent_workflow_tasks(mut self, n: usize) -> Self {
        self.max_concurrent_workflow_tasks = n;
        self
    }

    /// Maximum activities running at once (default 100).
    pub fn max_concurrent_activities(mut self, n: usize) -> Self {
        self.max_concurrent_activities = n;
        self
    }

    /// Maximum local activities running at once (default 100).
    pub fn max_concurrent_local_activities(mut self, n: usize) -> Self {
        self.max_concurrent_local_activities = n;
        self
    }

    /// Identity shown in history for this worker (default: the client's).
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Makes this worker one version of a Temporal Worker Deployment: it receives only the
    /// tasks of executions on this version, and `behavior` says whether its executions stay
    /// on it (`Pinned`) or move to the deployment's current version (`AutoUpgrade`), for the
    /// workflow types that do not declare their own ([`Workflow::versioning_behavior`]). With the
    /// seed's semver model, `build_id` is the version string (see [`crate::versioning`]).
    pub fn deployment(
        mut self,
        deployment_name: impl Into<String>,
        build_id: impl Into<String>,
        behavior: VersioningBehavior,
    ) -> Self {
        self.deployment = Some((deployment_name.into(), build_id.into(), behavior));
        self
    }

    /// Build id reported to the server (default: the crate version). With
    /// [`WorkerBuilder::deployment`], the build id is the deployment version's: setting both is
    /// refused at `build()`.
    pub fn build_id(mut self, build_id: impl Into<String>) -> Self {
        self.build_id = Some(build_id.into());
        self
    }

    /// After shutdown starts, activities still running after this period are cancelled (with
    /// [`crate::activity::CancelReason::WorkerShutdown`]); default 10 s. When shutdown starts,
    /// running activities are told at once ([`crate::ActivityContext::worker_shutdown`]), so
    /// they can save progress or finish within the period.
    pub fn graceful_shutdown_period(mut self, d: Duration) -> Self {
        self.graceful_shutdown_period = d;
        self
    }

    /// Number of threads running workflow code (default 1; workflow code is cheap and waits on
    /// the server most of the time).
    pub fn workflow_threads(mut self, n: usize) -> Self {
        self.workflow_threads = n;
        self
    }

    /// Runs the registered activities only as local activities: the worker does not poll the
    /// task queue for activity tasks (another worker process runs those), and asks for no eager
    /// activity execution. For workers that host workflows next to activities meant for others.
    pub fn local_activities_only(mut self, yes: bool) -> Self {
        self.local_activities_only = yes;
        self
    }

    /// Serves Nexus operation `D` with a synchronous handler (see [`crate::nexus`]); the worker
    /// then polls its task queue for Nexus tasks, which an endpoint targeting the task queue
    /// sends.
    pub fn register_nexus_operation<D: crate::nexus::NexusOperationDefinition>(
        mut self,
        handler: impl crate::nexus::SyncOperationHandler<D>,
    ) -> Self {
        self.nexus.register::<D>(handler);
        self
    }

    /// The client this worker polls with: activities that start, signal or query workflows
    /// can keep a clone.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates the worker. Must be called inside a tokio runtime.
    pub fn build(self) -> Result<Worker, WorkerError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(WorkerError::Config(
                "Worker::build must be called inside a tokio runtime (for example from #[tokio::main])"
                    .into(),
            ));
        }
        if self.task_queue.is_empty() {
            return Err(WorkerError::Config("the task queue is empty".into()));
        }
        if let (Some(build_id), Some((deployment, version, _))) = (&self.build_id, &self.deployment) {
            return Err(WorkerError::Config(format!(
                "build_id(\"{build_id}\") and deployment(\"{deployment}\", \"{version}\", ..) both set the build id; \
                 with a deployment the build id is the deployment version's: remove build_id(..)"
            )));
        }
        if self.workflows.is_empty() && self.activities.is_empty() && self.nexus.is_empty() {
            return Err(WorkerError::Config(format!(
                "nothing is registered for task queue `{}`: register a workflow, an activity or a Nexus operation",
                self.task_queue
            )));
        }
        let positive = |name: &str, v: usize, min: usize| {
            if v < min {
                Err(WorkerError::Config(format!(
                    "{name} must be at least {min}, got {v}"
                )))
            } else {
                Ok(v)
            }
        };
        let wft_min = if self.max_cached_workflows > 0 { 2 } else { 1 };
        positive(
            "max_concurrent_workflow_tasks",
            self.max_concurrent_workflow_tasks,
            wft_min,
        )?;
        positive("max_concurrent_activities", self.max_concurrent_activities, 1)?;
        positive(
            "max_concurrent_local_activities",
            self.max_concurrent_local_activities,
            1,
        )?;

        let has_workflows = !self.workflows.is_empty();
        let has_activities = !self.activities.is_empty();
        let config = WorkerConfig::builder()
            .namespace(self.client.namespace().to_string())
            .task_queue(self.task_queue.clone())
            .maybe_client_identity_override(self.identity.clone())
            .max_cached_workflows(self.max_cached_workflows)
            .max_outstanding_workflow_tasks(self.max_concurrent_workflow_tasks)
            .max_outstanding_activities(self.max_concurrent_activities)
            .max_outstanding_local_activities(self.max_concurrent_local_activities)
            .max_outstanding_nexus_tasks(if self.nexus.is_empty() { 1usize } else { 100 })
            .graceful_shutdown_period(self.graceful_shutdown_period)
            .task_types(WorkerTaskTypes {
                enable_workflows: has_workflows,
                // Local activities also carry the SDK's side effects, so any workflow worker has them.
                enable_local_activities: has_workflows,
                enable_remote_activities: has_activities && !self.local_activities_only,
                enable_nexus: !self.nexus.is_empty(),
            })
            .versioning_strategy(match &self.deployment {
                Some((deployment_name, build_id, behavior)) => {
                    WorkerVersioningStrategy::WorkerDeploymentBased(
                        WorkerDeploymentOptions::new(
                            WorkerDeploymentVersion::builder()
                                .deployment_name(deployment_name.clone())
                                .build_id(build_id.clone())
                                .build(),
                        )
                        .use_worker_versioning(true)
                        .default_versioning_behavior(match behavior {
                            VersioningBehavior::Pinned => CoreVersioningBehavior::Pinned,
                            VersioningBehavior::AutoUpgrade => CoreVersioningBehavior::AutoUpgrade,
                        })
                        .build(),
                    )
                }
                None => WorkerVersioningStrategy::None {
                    build_id: self
                        .build_id
                        .clone()
                        .unwrap_or_else(|| format!("ironflow-{}", env!("CARGO_PKG_VERSION"))),
                },
            })
            .build()
            .map_err(WorkerError::Config)?;
        let start_err = |e: anyhow::Error| WorkerError::Start {
            task_queue: self.task_queue.clone(),
            source: e.into(),
        };
        let telemetry = self.client.telemetry().clone();
        let runtime_options = RuntimeOptions::builder()
            .telemetry_options(
                temporalio_common::telemetry::TelemetryOptions::builder()
                    .maybe_metrics(telemetry.meter())
                    .build(),
            )
            .build()
            .map_err(WorkerError::Config)?;
        let runtime = CoreRuntime::new_assume_tokio(runtime_options).map_err(start_err)?;
        let core = init_worker(&runtime, config, self.client.connection().clone()).map_err(start_err)?;
        let metrics = telemetry.worker_metrics().for_task_queue(&self.task_queue);
        Ok(Worker {
            core: Arc::new(core),
            _runtime: runtime,
            task_queue: self.task_queue,
            namespace: self.client.namespace().to_string(),
            workflows: Arc::new(self.workflows),
            activities: Arc::new(self.activities),
            nexus: Arc::new(self.nexus),
            workflow_threads: self.workflow_threads,
            deadlock_timeout: self.deadlock_timeout,
            shutdown: ShutdownHandle::default(),
            interceptors: self.interceptors.into(),
            metrics,
            converter: self.client.data_converter().clone(),
            wait_for_server: !self.fail_fast,
            client: self.client,
        })
    }
}

/// A worker bound to one task queue. Create with [`Worker::builder`], start with
/// [`Worker::run`].
pub struct Worker {
    core: Arc<temporalio_sdk_core::Worker>,
    _runtime: CoreRuntime,
    task_queue: String,
    namespace: String,
    workflows: Arc<WorkflowRegistry>,
    activities: Arc<ActivityRegistry>,
    nexus: Arc<crate::nexus::NexusRegistry>,
    workflow_threads: usize,
    deadlock_timeout: Option<Duration>,
    shutdown: ShutdownHandle,
    interceptors: Arc<[Arc<dyn WorkerInterceptor>]>,
    metrics: crate::telemetry::metrics::WorkerMetrics,
    converter: crate::codec::DataConverter,
    client: Client,
    wait_for_server: bool,
}

/// Aborts a background task when the worker's run ends.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Worker {
    /// Starts configuring a worker for `task_queue` that connects through `client`.
    pub fn builder(client: &Client, task_queue: impl Into<String>) -> WorkerBuilder {
        WorkerBuilder {
            client: client.clone(),
            task_queue: task_queue.into(),
            workflows: WorkflowRegistry::default(),
            activities: ActivityRegistry::default(),
            nexus: crate::nexus::NexusRegistry::default(),
            max_cached_workflows: 1000,
            max_concurrent_workflow_tasks: 100,
            max_concurrent_activities: 100,
            max_concurrent_local_activities: 100,
            identity: None,
            build_id: None,
            graceful_shutdown_period: Duration::from_secs(10),
            workflow_threads: 1,
            deadlock_timeout: Some(Duration::from_secs(2)),
            deployment: None,
            interceptors: Vec::new(),
            fail_fast: false,
            local_activities_only: false,
        }
    }

    /// The task queue this worker polls.
    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    /// A handle that stops this worker gracefully.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Runs until SIGINT (Ctrl-C) or SIGTERM arrives or the [`ShutdownHandle`] is used, then
    /// shuts down gracefully.
    pub async fn run_until_signal(self) -> Result<(), WorkerError> {
        let handle = self.shutdown_handle();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown signal received; draining the worker");
            handle.shutdown();
        });
        self.run().await
    }

    /// Runs the worker while `future` runs (a client starting workflows, a test), then shuts the
    /// worker down gracefully and returns the future's output. If the worker stops first (it
    /// cannot start, or polling fails for good), its error is returned and the future dropped.
    ///
    /// ```no_run
    /// # use ironflow::prelude::*;
    /// # use ironflow::client::{Client, StartWorkflowOptions};
    /// # struct Hello;
    /// # impl Workflow for Hello { const NAME: &'static str = "Hello"; type Input = String; type Output = String;
    /// #   async fn run(_c: WorkflowContext, n: String) -> WorkflowResult<String> { Ok(n) } }
    /// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let worker = Worker::builder(&client, "hello").register_workflow::<Hello>().build()?;
    /// let result = worker
    ///     .run_until(client.execute_workflow::<Hello>("you".into(), StartWorkflowOptions::new("hello-1", "hello")))
    ///     .await??;
    /// # Ok(()) }
    /// ```
    pub async fn run_until<F: std::future::Future>(self, future: F) -> Result<F::Output, WorkerError> {
        let shutdown = self.shutdown_handle();
        let task_queue = self.task_queue.clone();
        let run = self.run();
        tokio::pin!(run);
        tokio::select! {
            output = future => {
                shutdown.shutdown();
                run.await?;
                Ok(output)
            }
            stopped = &mut run => {
                stopped?;
                Err(WorkerError::Poll {
                    task_queue,
                    message: "the worker stopped before the future completed".into(),
                })
            }
        }
    }

    /// Runs until the [`ShutdownHandle`] is used or polling fails for good.
    ///
    /// Shutdown follows Core's drain sequence: `initiate_shutdown`, keep polling until both
    /// pollers report shut down while completing everything in flight, then
    /// `finalize_shutdown`.
    pub async fn run(self) -> Result<(), WorkerError> {
        let Worker {
            core,
            _runtime,
            task_queue,
            namespace,
            workflows,
            activities,
            nexus,
            workflow_threads,
            deadlock_timeout,
            shutdown,
            interceptors,
            metrics,
            converter,
            client,
            wait_for_server,
        } = self;
        // A server that does not answer yet is waited for (with backoff, saying so), unless the
        // worker was built to fail fast; a missing namespace fails at once.
        let mut delay = Duration::from_secs(1);
        loop {
            match core.validate().await {
                Ok(_) => break,
                Err(temporalio_sdk_core::WorkerValidationError::NamespaceDescribeError {
                    source, ..
                }) if wait_for_server && connection_watch::server_unreachable(&source) => {
                    tracing::warn!(address = %client.address(), task_queue = %task_queue, error = %source.message(),
                        retry_in = ?delay, "Temporal does not answer yet; the worker waits for it");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
                Err(e) => {
                    return Err(WorkerError::Start {
                        task_queue: task_queue.clone(),
                        source: Box::new(e),
                    });
                }
            }
        }
        let watch = tokio::spawn(connection_watch::watch(client.clone(), task_queue.clone()));
        let _stop_watching = AbortOnDrop(watch.abort_handle());
        let poll_err = |message: String| WorkerError::Poll {
            task_queue: task_queue.clone(),
            message,
        };

        let threads = if workflows.is_empty() {
            None
        } else {
            let env = RunEnvironment {
                namespace,
                task_queue: task_queue.clone(),
                interceptors: interceptors.clone(),
                metrics: metrics.clone(),
            };
            Some(
                WorkflowThreads::start(workflow_threads, workflows.clone(), env)
                    .map_err(|e| poll_err(format!("cannot start workflow threads: {e}")))?,
            )
        };

        let activity_shutdown = WorkerShutdownSignal::default();
        let shutdown_watch = {
            let core = core.clone();
            let token = shutdown.token.clone();
            let activity_shutdown = activity_shutdown.clone();
            tokio::spawn(async move {
                token.cancelled().await;
                activity_shutdown.trigger();
                core.initiate_shutdown();
            })
        };
        let wf = async {
            match threads {
                Some(t) => {
                    workflow_loop::run(
                        core.clone(),
                        t,
                        deadlock_timeout,
                        metrics.clone(),
                        converter.clone(),
                    )
                    .await
                }
                None => Ok(()),
            }
        };
        let act = async {
            // Workflows need the activity poller too: local activities come through it.
            if activities.is_empty() && workflows.is_empty() {
                Ok(())
            } else {
                let observers = activity_loop::Observers {
                    interceptors: interceptors.clone(),
                    metrics: metrics.clone(),
                    shutdown: activity_shutdown.clone(),
                    converter: converter.clone(),
                };
                activity_loop::run(core.clone(), activities.clone(), observers).await
            }
        };
        let nexus_tasks = async {
            if nexus.is_empty() {
                Ok(())
            } else {
                nexus_loop::run(core.clone(), nexus.clone(), converter.clone()).await
            }
        };
        let (wf_result, act_result, nexus_result) = tokio::join!(wf, act, nexus_tasks);
        shutdown_watch.abort();
        if wf_result.is_err() || act_result.is_err() || nexus_result.is_err() {
            core.initiate_shutdown();
        }
        match Arc::try_unwrap(core) {
            Ok(core) => core.finalize_shutdown().await,
            Err(core) => core.shutdown().await,
        }
        wf_result.map_err(&poll_err)?;
        act_result.map_err(&poll_err)?;
        nexus_result.map_err(&poll_err)?;
        Ok(())
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
