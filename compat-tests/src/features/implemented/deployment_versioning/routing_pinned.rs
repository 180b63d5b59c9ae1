//! `deployment_versioning/routing_pinned`: two versions of a Worker Deployment run side by side
//! (1.0 registers `WaitForSignal` as Pinned returning "<signal>_v1"; 2.0 as AutoUpgrade returning
//! "<signal>_v2"). With 1.0 current, a workflow starts pinned to 1.0; making 2.0 current does
//! not move it: signalled, it returns "prefix_v1".

use crate::features::support::{fail, wait_for};
use ironflow::client::{Client, StartWorkflowOptions, WorkflowHandle};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::VersioningBehavior;
use ironflow::{ShutdownHandle, Worker};
use std::time::Duration;

/// What the signal carried.
pub struct Started {
    value: Option<String>,
}

#[ironflow::handlers]
impl Started {
    #[signal(name = "start-signal")]
    fn start_signal(&mut self, value: String) {
        self.value = Some(value);
    }
}

async fn wait_for_signal(ctx: WorkflowContext, suffix: &str) -> WorkflowResult<String> {
    let state = ctx.state(Started { value: None }).register_handlers();
    state.wait(|s| s.value.is_some()).await?;
    Ok(format!(
        "{}_{suffix}",
        state.get(|s| s.value.clone().unwrap_or_default())
    ))
}

/// Version 1.0's `WaitForSignal`.
pub struct WaitForSignalOne;
impl Workflow for WaitForSignalOne {
    const NAME: &'static str = "WaitForSignal";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        wait_for_signal(ctx, "v1").await
    }
}

/// Version 2.0's `WaitForSignal`.
pub struct WaitForSignalTwo;
impl Workflow for WaitForSignalTwo {
    const NAME: &'static str = "WaitForSignal";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        wait_for_signal(ctx, "v2").await
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<WaitForSignalOne>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<WaitForSignalOne>()
}

/// The deployment's two versions, each a running worker.
pub(crate) struct Versions {
    pub(crate) deployment: String,
    workers: Vec<(
        ShutdownHandle,
        tokio::task::JoinHandle<Result<(), ironflow::WorkerError>>,
    )>,
}

pub(crate) const V1: &str = "1.0";
pub(crate) const V2: &str = "2.0";

impl Versions {
    /// Starts version 1.0 (`WaitForSignalOne`) and 2.0 (`WaitForSignalTwo`) of a fresh
    /// deployment on `task_queue`, with these default behaviors.
    pub(crate) fn start(
        client: &Client,
        task_queue: &str,
        v1: VersioningBehavior,
        v2: VersioningBehavior,
    ) -> Result<Self, String> {
        let deployment = crate::unique("deployment");
        let mut workers = Vec::new();
        for worker in [
            Worker::builder(client, task_queue)
                .register_workflow::<WaitForSignalOne>()
                .deployment(&deployment, V1, v1),
            Worker::builder(client, task_queue)
                .register_workflow::<WaitForSignalTwo>()
                .deployment(&deployment, V2, v2),
        ] {
            let worker = worker.build().map_err(fail)?;
            let shutdown = worker.shutdown_handle();
            workers.push((shutdown, tokio::spawn(worker.run())));
        }
        Ok(Self { deployment, workers })
    }

    /// Makes `build_id` current (retried until its worker has polled: before, the server does
    /// not know the version), then waits until the routing change reached the task queues.
    pub(crate) async fn set_current(&self, client: &Client, build_id: &str) -> Result<(), String> {
        wait_for(
            &format!("{build_id} to become current"),
            Duration::from_secs(30),
            || async {
                client
                    .set_current_deployment_version(&self.deployment, build_id)
                    .await
                    .is_ok()
            },
        )
        .await?;
        self.propagated(client).await
    }

    /// Ramps `build_id` to `percentage` (retried like [`Versions::set_current`]).
    pub(crate) async fn set_ramping(
        &self,
        client: &Client,
        build_id: &str,
        percentage: f32,
    ) -> Result<(), String> {
        wait_for(
            &format!("{build_id} to ramp"),
            Duration::from_secs(30),
            || async {
                client
                    .set_ramping_deployment_version(&self.deployment, build_id, percentage)
                    .await
                    .is_ok()
            },
        )
        .await?;
        self.propagated(client).await
    }

    async fn propagated(&self, client: &Client) -> Result<(), String> {
        // The server propagates routing to the task queue's partitions in the background; on a
        // loaded 2-CPU machine that took over 30 s once (CI, 2026-11-29).
        wait_for(
            "the routing change to propagate",
            Duration::from_secs(60),
            || async {
                client
                    .describe_worker_deployment(&self.deployment)
                    .await
                    .is_ok_and(|d| d.routing_propagated)
            },
        )
        .await
    }

    /// Stops both workers.
    pub(crate) async fn stop(self) -> Result<(), String> {
        for (shutdown, _) in &self.workers {
            shutdown.shutdown();
        }
        for (_, running) in self.workers {
            running.await.map_err(fail)?.map_err(fail)?;
        }
        Ok(())
    }
}

/// Starts `WaitForSignal` (with `options` applied) and waits until it runs on `build_id`.
pub(crate) async fn start_on(
    client: &Client,
    task_queue: &str,
    build_id: &str,
    options: impl FnOnce(StartWorkflowOptions) -> StartWorkflowOptions,
) -> Result<WorkflowHandle<String>, String> {
    let options = options(
        StartWorkflowOptions::new(crate::unique("workflow_1"), task_queue)
            .execution_timeout(Duration::from_secs(60)),
    );
    let handle = client
        .start_workflow::<WaitForSignalOne>((), options)
        .await
        .map_err(fail)?;
    wait_for(
        &format!("the workflow to run on {build_id}"),
        Duration::from_secs(30),
        || async {
            handle
                .describe()
                .await
                .is_ok_and(|d| d.deployment_build_id.as_deref() == Some(build_id))
        },
    )
    .await?;
    Ok(handle)
}

/// Signals "prefix" and checks the result.
pub(crate) async fn finish(handle: &WorkflowHandle<String>, expected: &str) -> Result<(), String> {
    handle
        .signal::<StartSignal>("prefix".into())
        .await
        .map_err(fail)?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != expected {
        return Err(format!("expected {expected:?}, got {out:?}"));
    }
    Ok(())
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let versions = Versions::start(
        &client,
        &task_queue,
        VersioningBehavior::Pinned,
        VersioningBehavior::AutoUpgrade,
    )?;
    let outcome = async {
        versions.set_current(&client, V1).await?;
        let handle = start_on(&client, &task_queue, V1, |o| o).await?;
        versions.set_current(&client, V2).await?;
        finish(&handle, "prefix_v1").await?;
        Ok(vec![handle.workflow_id().to_string()])
    }
    .await;
    versions.stop().await?;
    outcome
}
