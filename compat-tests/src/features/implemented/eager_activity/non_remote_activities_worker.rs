//! `eager_activity/non_remote_activities_worker`: a worker that hosts the workflow and has the
//! activity registered but runs local activities only (`WorkerBuilder::local_activities_only`)
//! must not execute the activity eagerly; with no worker polling activities it times out
//! schedule-to-start (3 s schedule-to-close), which the workflow checks, and the worker does not
//! crash.

use crate::features::support::{fail, start};
use ironflow::Worker;
use ironflow::client::Client;
use ironflow::converter::TimeoutType;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Does nothing.
pub struct Dummy;
impl ActivityDefinition for Dummy {
    const NAME: &'static str = "Dummy";
    type Input = ();
    type Output = ();
}
impl Activity for Dummy {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, _: ()) -> Result<(), ApplicationError> {
        Ok(())
    }
}

/// Expects the activity to time out schedule-to-start.
pub struct NonRemoteActivities;
impl Workflow for NonRemoteActivities {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        let result = ctx
            .activity::<Dummy>(())
            .schedule_to_close_timeout(Duration::from_secs(3))
            .start_to_close_timeout(None)
            .await;
        match result {
            Err(e) if e.timeout_type() == Some(TimeoutType::ScheduleToStart) => Ok(()),
            other => Err(WorkflowError::application(
                format!("expected a SCHEDULE_TO_START timeout, got {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<NonRemoteActivities>()
        .register_activity(Dummy)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NonRemoteActivities>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let worker = register(Worker::builder(&client, &task_queue))
        .local_activities_only(true)
        .build()
        .map_err(fail)?;
    let handle = worker
        .run_until(async {
            let handle =
                start::<NonRemoteActivities>(&client, &task_queue, "eager-activity-non-remote", ()).await?;
            handle.get_result().await.map_err(fail)?;
            Ok::<_, String>(handle)
        })
        .await
        .map_err(fail)??;
    Ok(vec![handle.workflow_id().to_string()])
}
