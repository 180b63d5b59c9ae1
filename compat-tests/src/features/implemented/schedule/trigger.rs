//! `schedule/trigger`: a paused schedule triggered twice runs its action twice (two actions in
//! its description, both workflows completing with "arg1").

use super::pause::{Echo, paused_schedule};
use crate::features::support::{fail, wait_for};
use ironflow::client::Client;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Echo>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Echo>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let handle = paused_schedule(&client, &task_queue, "schedule-trigger", "").await?;
    let outcome = async {
        handle.trigger().await.map_err(fail)?;
        // A second trigger while the first action is in flight is dropped by the server
        // (temporalio/temporal#3614): wait for the first to have run.
        wait_for("the first triggered action", Duration::from_secs(10), || async {
            handle.describe().await.is_ok_and(|d| d.info.num_actions == 1)
        })
        .await?;
        handle.trigger().await.map_err(fail)?;
        wait_for("two triggered actions", Duration::from_secs(10), || async {
            handle.describe().await.is_ok_and(|d| d.info.num_actions == 2)
        })
        .await?;
        let described = handle.describe().await.map_err(fail)?;
        let mut ids = Vec::new();
        for action in &described.info.recent_actions {
            let out = client
                .workflow_handle::<String>(action.workflow_id.as_str(), Some(action.run_id.clone()))
                .get_result()
                .await
                .map_err(fail)?;
            if out != "arg1" {
                return Err(format!("a triggered workflow returned {out:?}"));
            }
            ids.push(action.workflow_id.clone());
        }
        Ok(ids)
    }
    .await;
    handle.delete().await.map_err(fail)?;
    outcome
}
