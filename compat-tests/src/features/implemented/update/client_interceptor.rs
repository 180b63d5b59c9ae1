//! `update/client_interceptor`: a client interceptor rewrites an update's argument on its way out
//! (adds one); the handler returns its argument, so sending 1 returns 2.

use crate::features::support::fail;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::converter::{from_payloads, to_payloads};
use ironflow::interceptor::{CallScope, ClientCall, ClientCallKind, ClientInterceptor};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use std::sync::Arc;

/// `do_update(arg)`: returns its argument.
pub struct DoUpdate;
impl UpdateDefinition for DoUpdate {
    const NAME: &'static str = "do_update";
    type Args = i64;
    type Result = i64;
}

/// Adds one to `do_update`'s argument.
struct AddOne;
impl ClientInterceptor for AddOne {
    fn start(&self, call: &mut ClientCall) -> Option<Box<dyn CallScope>> {
        if call.kind == ClientCallKind::StartWorkflowUpdate
            && call.name == "do_update"
            && let Ok(n) = from_payloads::<i64>(&call.args)
            && let Ok(args) = to_payloads(&(n + 1))
        {
            call.args = args;
        }
        None
    }
}

/// Finishes after the update.
pub struct ClientInterceptorWorkflow;
impl Workflow for ClientInterceptorWorkflow {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let state = ctx.state(false);
        state.on_update::<DoUpdate>(|done, arg| {
            *done = true;
            Ok(arg)
        });
        state.wait(|done| *done).await?;
        Ok("Hello, World!".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<ClientInterceptorWorkflow>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<ClientInterceptorWorkflow>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let intercepted = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .interceptor(Arc::new(AddOne)),
    )
    .await
    .map_err(fail)?;
    let id = crate::unique("update-client-interceptor");
    let handle = intercepted
        .start_workflow::<ClientInterceptorWorkflow>((), StartWorkflowOptions::new(&id, &task_queue))
        .await
        .map_err(fail)?;
    let out = handle.execute_update::<DoUpdate>(1).await.map_err(fail)?;
    if out != 2 {
        return Err(format!("expected the interceptor to turn 1 into 2, got {out}"));
    }
    handle.get_result().await.map_err(fail)?;
    Ok(vec![id])
}
