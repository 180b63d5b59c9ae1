//! `schedule/basic`: a schedule starting a workflow with "arg1" every 2 s (overlap: buffer one)
//! describes its action's workflow id, shows in the schedule list, starts a workflow that
//! completes with "arg1"; after an update changing the argument to "arg2", a later workflow
//! completes with "arg2" within 10 s.

use crate::features::support::{fail, wait_for};
use ironflow::client::{
    Client, Schedule, ScheduleAction, ScheduleOverlapPolicy, ScheduleSpec, WorkflowStatus,
};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Returns its argument.
pub struct BasicScheduleWorkflow;
impl Workflow for BasicScheduleWorkflow {
    const NAME: &'static str = "BasicScheduleWorkflow";
    type Input = String;
    type Output = String;
    async fn run(_: WorkflowContext, arg: String) -> WorkflowResult<String> {
        Ok(arg)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<BasicScheduleWorkflow>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<BasicScheduleWorkflow>()
}

/// Waits (up to 10 s) for a completed workflow whose id starts with `prefix` and whose result
/// is `expected`; returns its id.
async fn completed_with(client: &Client, prefix: &str, expected: &str) -> Result<String, String> {
    let query = format!("WorkflowType = '{}'", BasicScheduleWorkflow::NAME);
    let found = std::sync::Mutex::new(None);
    wait_for(
        &format!("a scheduled workflow returning {expected:?}"),
        Duration::from_secs(10),
        || async {
            let Ok(runs) = client.list_workflows(&query).await else {
                return false;
            };
            for run in runs.iter().filter(|r| r.workflow_id.starts_with(prefix)) {
                if run.status != WorkflowStatus::Completed {
                    continue;
                }
                let result = client
                    .workflow_handle::<String>(run.workflow_id.as_str(), Some(run.run_id.clone()))
                    .get_result()
                    .await;
                if result.as_deref().is_ok_and(|r| r == expected) {
                    *found.lock().unwrap_or_else(|p| p.into_inner()) = Some(run.workflow_id.clone());
                    return true;
                }
            }
            false
        },
    )
    .await?;
    found
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .ok_or_else(|| "no workflow found".to_string())
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let workflow_id = crate::unique("schedule-basic-wf");
    let action =
        ScheduleAction::start_workflow::<BasicScheduleWorkflow>(&"arg1".into(), &workflow_id, &task_queue)
            .map_err(fail)?;
    let schedule = Schedule::new(action, ScheduleSpec::every(Duration::from_secs(2)))
        .overlap(ScheduleOverlapPolicy::BufferOne);
    let handle = client
        .create_schedule(crate::unique("schedule-basic"), schedule)
        .await
        .map_err(fail)?;
    let outcome = async {
        let described = handle.describe().await.map_err(fail)?;
        if described.schedule.action.workflow_id != workflow_id {
            return Err(format!(
                "the description's workflow id is {}",
                described.schedule.action.workflow_id
            ));
        }
        wait_for("the schedule to be listed", Duration::from_secs(10), || async {
            client
                .list_schedules(None)
                .await
                .is_ok_and(|list| list.iter().any(|s| s.id == handle.id()))
        })
        .await?;
        let before = completed_with(&client, &workflow_id, "arg1").await?;
        handle
            .update(|s| {
                let _ = s.action.set_args("arg2");
            })
            .await
            .map_err(fail)?;
        let after = completed_with(&client, &workflow_id, "arg2").await?;
        Ok(vec![before, after])
    }
    .await;
    handle.delete().await.map_err(fail)?;
    outcome
}
