//! `nexus/sync_success`: a workflow calls a synchronous Nexus operation (`say-hello` of
//! `ironflow-features-service`, served by a handler on the worker the endpoint targets) and returns
//! its result, "Hello, world!". The history goes from `NexusOperationScheduled` straight to
//! `NexusOperationCompleted`, with no `NexusOperationStarted` (a sync operation never starts).

use crate::features::support::{count, fail, history_attributes, start};
use ironflow::client::Client;
use ironflow::history::history_event::Attributes;
use ironflow::nexus::{NexusOperationContext, NexusOperationDefinition, SyncOperationHandler};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// `say-hello`: greets.
pub struct SayHello;
impl NexusOperationDefinition for SayHello {
    const SERVICE: &'static str = "ironflow-features-service";
    const NAME: &'static str = "say-hello";
    type Input = String;
    type Output = String;
}

/// Its handler.
pub struct Greeter;
impl SyncOperationHandler<SayHello> for Greeter {
    async fn start(&self, _: NexusOperationContext, name: String) -> Result<String, ApplicationError> {
        Ok(format!("Hello, {name}!"))
    }
}

/// Calls the operation through the endpoint it is given.
pub struct NexusCaller;
impl Workflow for NexusCaller {
    const NAME: &'static str = "Workflow";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, endpoint: String) -> WorkflowResult<String> {
        Ok(ctx
            .nexus_operation::<SayHello>(endpoint, "world".into())
            .schedule_to_close_timeout(Duration::from_secs(60))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<NexusCaller>()
        .register_nexus_operation::<SayHello>(Greeter)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<NexusCaller>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let name = format!("features-{}", uuid::Uuid::new_v4().simple());
    let endpoint = client
        .create_nexus_endpoint(&name, &task_queue)
        .await
        .map_err(fail)?;
    let outcome = async {
        let handle = start::<NexusCaller>(&client, &task_queue, "nexus-sync-success", name.clone()).await?;
        let out = handle.get_result().await.map_err(fail)?;
        if out != "Hello, world!" {
            return Err(format!("expected \"Hello, world!\", got {out:?}"));
        }
        let events = history_attributes(&handle).await?;
        let scheduled = count(&events, |a| matches!(a, Attributes::NexusOperationScheduledEventAttributes(_)));
        let started = count(&events, |a| matches!(a, Attributes::NexusOperationStartedEventAttributes(_)));
        let completed = count(&events, |a| matches!(a, Attributes::NexusOperationCompletedEventAttributes(_)));
        if (scheduled, started, completed) != (1, 0, 1) {
            return Err(format!(
                "expected Scheduled then Completed with no Started, got {scheduled} scheduled, {started} started, {completed} completed"
            ));
        }
        Ok(vec![handle.workflow_id().to_string()])
    }
    .await;
    client.delete_nexus_endpoint(&endpoint).await.map_err(fail)?;
    outcome
}
