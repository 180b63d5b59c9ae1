//! `client/http_proxy_auth`: a proxy that requires basic authentication refuses a client without
//! credentials (one refusal, as upstream's `expectUnauthedProxyCount: 1`) and carries one with
//! them, which runs the workflow ("done").

use super::http_proxy::{Done, run_through};
use crate::connect_proxy::ConnectProxy;
use ironflow::client::{Client, ConnectOptions};
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Done>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Done>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let proxy = ConnectProxy::start(Some(("proxy-user", "proxy-pass"))).await;
    let unauthenticated = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .http_connect_proxy(&proxy.address, None),
    )
    .await;
    if unauthenticated.is_ok() || proxy.refused() != 1 {
        return Err(format!(
            "expected the proxy to refuse the client without credentials once; connected: {}, refused: {}",
            unauthenticated.is_ok(),
            proxy.refused()
        ));
    }
    let credentials = Some(("proxy-user".to_string(), "proxy-pass".to_string()));
    Ok(vec![
        run_through(&client, &task_queue, &proxy, credentials).await?,
    ])
}
