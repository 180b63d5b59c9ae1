//! `signal/workflow_to_workflow`: one workflow signals another (by workflow id, through the
//! workflow API); the receiver returns what it received.

use crate::features::support::{fail, start};
use ironflow::client::Client;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// What the receiver got.
pub struct Inbox {
    got: Option<String>,
}

#[ironflow::handlers]
impl Inbox {
    #[signal(name = "deliver")]
    fn deliver(&mut self, message: String) {
        self.got = Some(message);
    }
}

/// Returns the signal it receives.
pub struct Receiver;
impl Workflow for Receiver {
    const NAME: &'static str = "Receiver";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(Inbox { got: None }).register_handlers();
        state.wait(|s| s.got.is_some()).await?;
        Ok(state.get(|s| s.got.clone().unwrap_or_default()))
    }
}

/// Signals the receiver whose id it is given.
pub struct Sender;
impl Workflow for Sender {
    const NAME: &'static str = "Workflow";
    type Input = String;
    type Output = ();
    async fn run(ctx: WorkflowContext, receiver: String) -> WorkflowResult<()> {
        ctx.external_workflow(receiver)
            .signal::<Deliver>(format!("hello from {}", ctx.workflow_id()))
            .await?;
        Ok(())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<Sender>()
        .register_workflow::<Receiver>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<Sender>()
        .register_workflow::<Receiver>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let receiver = start::<Receiver>(&client, &task_queue, "signal-w2w-receiver", ()).await?;
    let sender = start::<Sender>(
        &client,
        &task_queue,
        "signal-w2w-sender",
        receiver.workflow_id().to_string(),
    )
    .await?;
    sender.get_result().await.map_err(fail)?;
    let got = receiver.get_result().await.map_err(fail)?;
    let expected = format!("hello from {}", sender.workflow_id());
    if got != expected {
        return Err(format!("expected {expected:?}, got {got:?}"));
    }
    Ok(vec![
        sender.workflow_id().to_string(),
        receiver.workflow_id().to_string(),
    ])
}
