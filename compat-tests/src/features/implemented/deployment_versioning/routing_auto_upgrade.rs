//! `deployment_versioning/routing_auto_upgrade`: both versions register `WaitForSignal` as
//! AutoUpgrade; a workflow started on 1.0 moves to 2.0 when 2.0 becomes current: signalled, it
//! returns "prefix_v2" (and its history replays with 2.0's code).

use super::routing_pinned::{V1, V2, Versions, WaitForSignalTwo, finish, start_on};
use ironflow::client::Client;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::VersioningBehavior;

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<WaitForSignalTwo>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<WaitForSignalTwo>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let versions = Versions::start(
        &client,
        &task_queue,
        VersioningBehavior::AutoUpgrade,
        VersioningBehavior::AutoUpgrade,
    )?;
    let outcome = async {
        versions.set_current(&client, V1).await?;
        let handle = start_on(&client, &task_queue, V1, |o| o).await?;
        versions.set_current(&client, V2).await?;
        finish(&handle, "prefix_v2").await?;
        Ok(vec![handle.workflow_id().to_string()])
    }
    .await;
    versions.stop().await?;
    outcome
}
