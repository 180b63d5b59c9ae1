//! `deployment_versioning/routing_with_override`: with 2.0 current, a workflow started with a
//! versioning override pinning it to 1.0 runs on 1.0: signalled, it returns "prefix_v1".

use super::routing_pinned::{V1, V2, Versions, WaitForSignalOne, finish, start_on};
use ironflow::client::{Client, VersioningOverride};
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use ironflow::workflow::VersioningBehavior;

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<WaitForSignalOne>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<WaitForSignalOne>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let versions = Versions::start(
        &client,
        &task_queue,
        VersioningBehavior::Pinned,
        VersioningBehavior::AutoUpgrade,
    )?;
    let outcome = async {
        // 1.0 must exist (have polled) for the override to name it.
        versions.set_current(&client, V1).await?;
        versions.set_current(&client, V2).await?;
        let pin = VersioningOverride::Pinned {
            deployment_name: versions.deployment.clone(),
            build_id: V1.into(),
        };
        let handle = start_on(&client, &task_queue, V1, |o| o.versioning_override(pin)).await?;
        finish(&handle, "prefix_v1").await?;
        Ok(vec![handle.workflow_id().to_string()])
    }
    .await;
    versions.stop().await?;
    outcome
}
