//! `schedule/cron`: a workflow started with the cron schedule `@every 2s` sees it in its info,
//! and within 10 s at least two of its runs completed (the rest still running, none failed).

use crate::features::support::{fail, start_with, wait_for};
use ironflow::client::{Client, WorkflowStatus};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Fails unless started with the cron schedule.
pub struct CronWorkflow;
impl Workflow for CronWorkflow {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<()> {
        match ctx.info().cron_schedule.as_deref() {
            Some("@every 2s") => Ok(()),
            other => Err(WorkflowError::application(
                format!("cron schedule is {other:?}"),
                "Unexpected",
            )),
        }
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<CronWorkflow>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<CronWorkflow>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = start_with::<CronWorkflow>(&client, &task_queue, "schedule-cron", (), |o| {
        o.cron_schedule("@every 2s")
    })
    .await?;
    let query = format!("WorkflowId = '{}'", handle.workflow_id());
    let outcome = wait_for("two completed cron runs", Duration::from_secs(12), || async {
        let Ok(runs) = client.list_workflows(&query).await else {
            return false;
        };
        runs.iter()
            .filter(|r| r.status == WorkflowStatus::Completed)
            .count()
            >= 2
            && runs
                .iter()
                .all(|r| matches!(r.status, WorkflowStatus::Completed | WorkflowStatus::Running))
    })
    .await;
    let runs = client.list_workflows(&query).await.map_err(fail)?;
    let _ = handle.terminate("feature complete").await;
    outcome?;
    Ok(runs
        .iter()
        .filter(|r| r.status == WorkflowStatus::Completed)
        .map(|r| format!("{}@{}", r.workflow_id, r.run_id))
        .collect())
}
