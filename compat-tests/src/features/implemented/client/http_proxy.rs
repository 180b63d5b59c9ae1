//! `client/http_proxy`: a client connected through an HTTP CONNECT proxy runs a workflow
//! ("done"); the proxy opened the tunnel.

use crate::connect_proxy::ConnectProxy;
use crate::features::support::fail;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Returns "done".
pub struct Done;
impl Workflow for Done {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok("done".into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Done>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Done>()
}

/// Runs the workflow through `proxy` (with `credentials`, if given) and checks "done".
pub(crate) async fn run_through(
    client: &Client,
    task_queue: &str,
    proxy: &ConnectProxy,
    credentials: Option<(String, String)>,
) -> Result<String, String> {
    let proxied = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .http_connect_proxy(&proxy.address, credentials),
    )
    .await
    .map_err(fail)?;
    let id = crate::unique("client-http-proxy");
    let out = proxied
        .execute_workflow::<Done>((), StartWorkflowOptions::new(&id, task_queue))
        .await
        .map_err(fail)?;
    if out != "done" {
        return Err(format!("expected \"done\", got {out:?}"));
    }
    if proxy.tunnels() == 0 {
        return Err("the client did not go through the proxy".into());
    }
    Ok(id)
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let proxy = ConnectProxy::start(None).await;
    Ok(vec![run_through(&client, &task_queue, &proxy, None).await?])
}
