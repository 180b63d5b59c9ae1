//! `deployment_versioning/routing_with_ramp`: both versions AutoUpgrade; a workflow started on
//! 1.0 (current) moves to 2.0 once 2.0 ramps at 100 %: signalled, it returns "prefix_v2".

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
        versions.set_ramping(&client, V2, 100.0).await?;
        let described = client
            .describe_worker_deployment(&versions.deployment)
            .await
            .map_err(|e| e.to_string())?;
        if described.ramping_build_id.as_deref() != Some(V2) || described.ramping_percentage != 100.0 {
            return Err(format!(
                "the deployment does not ramp 2.0 at 100 %: {described:?}"
            ));
        }
        finish(&handle, "prefix_v2").await?;
        Ok(vec![handle.workflow_id().to_string()])
    }
    .await;
    versions.stop().await?;
    outcome
}
