//! Shared harness for the compatibility tests: one real Temporal dev server per test binary,
//! unique task queues and ids per test, workers that stop cleanly, condition waits with
//! deadlines (never fixed sleeps), and peers (the `temporal` CLI, the Python SDK).

pub mod browser;
pub mod connect_proxy;
pub mod features;
pub mod fixtures;
pub mod otlp;
pub mod peers;
pub mod prometheus;
pub mod tls;

use ironflow::client::{Client, ConnectOptions};
use ironflow::testing::{DevServer, DevServerOptions};
use ironflow::worker::WorkerBuilder;
use ironflow::{ShutdownHandle, WorkerError};
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use temporalio_common::protos::temporal::api::history::v1::{History, history_event::Attributes};

/// The dev server's address: `IRONFLOW_TEST_ADDRESS` if set, else a server started once for
/// this test binary. The server is killed when the test process exits (Linux parent-death
/// signal), even if the process is killed.
pub fn server_address() -> &'static str {
    static ADDRESS: OnceLock<Result<String, String>> = OnceLock::new();
    let result = ADDRESS.get_or_init(|| {
        if let Ok(a) = std::env::var("IRONFLOW_TEST_ADDRESS")
            && !a.is_empty()
        {
            return Ok(a);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("dev-server-keeper".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let options = DevServerOptions {
                    die_with_parent_thread: true,
                    extra_args: [
                        "--search-attribute",
                        "CustomKeywordField=Keyword",
                        "--search-attribute",
                        "CustomIntField=Int",
                    ]
                    .map(String::from)
                    .to_vec(),
                    ..Default::default()
                };
                match rt.block_on(DevServer::start_with(options)) {
                    Ok(server) => {
                        let _ = tx.send(Ok(server.address().to_string()));
                        // Keep the server (and this thread, its parent) alive until the process exits.
                        loop {
                            std::thread::park();
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                }
            })
            .expect("spawn the dev server keeper thread");
        rx.recv().unwrap_or_else(|e| Err(e.to_string()))
    });
    match result {
        Ok(a) => a,
        Err(e) => panic!("the test dev server could not start: {e}"),
    }
}

/// A client of the test server.
pub async fn client() -> Client {
    init_logging();
    Client::connect(ConnectOptions::new(server_address()))
        .await
        .expect("connect to the test dev server")
}

/// A name unique to this test run: `prefix-<uuid>`.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

/// Logs to stderr when `RUST_LOG` is set.
pub fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// A worker running in the background of a test.
pub struct RunningWorker {
    shutdown: ShutdownHandle,
    join: tokio::task::JoinHandle<Result<(), WorkerError>>,
}

impl RunningWorker {
    /// Builds and spawns the worker.
    pub fn start(builder: WorkerBuilder) -> Self {
        let worker = builder.build().expect("build the worker");
        let shutdown = worker.shutdown_handle();
        let join = tokio::spawn(worker.run());
        Self { shutdown, join }
    }

    /// The worker's shutdown handle.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Shuts down gracefully and returns what `run` returned.
    pub async fn stop(self) -> Result<(), WorkerError> {
        self.shutdown.shutdown();
        self.join.await.expect("the worker task panicked")
    }
}

/// Waits until `check` returns `Some`, polling every 100 ms, failing the test with `what` after
/// `timeout`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Awaits `fut`, failing the test with `what` after `timeout`.
pub async fn within<T>(what: &str, timeout: Duration, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(timeout, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {timeout:?} waiting for {what}"),
    }
}

/// The attributes of every event, in order.
pub fn attributes(history: &History) -> Vec<&Attributes> {
    history
        .events
        .iter()
        .filter_map(|e| e.attributes.as_ref())
        .collect()
}

/// The failure messages of every failed workflow task in the history.
pub fn workflow_task_failures(history: &History) -> Vec<String> {
    attributes(history)
        .into_iter()
        .filter_map(|a| match a {
            Attributes::WorkflowTaskFailedEventAttributes(f) => {
                Some(f.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default())
            }
            _ => None,
        })
        .collect()
}

/// The fixture workflows, registered on a replayer.
pub fn fixture_replayer() -> ironflow::replay::Replayer {
    use fixtures::*;
    ironflow::replay::Replayer::new()
        .register_workflow::<GreetWorkflow>()
        .register_workflow::<RetryWorkflow>()
        .register_workflow::<DeclineWorkflow>()
        .register_workflow::<TimeoutRetryWorkflow>()
        .register_workflow::<LocalEchoWorkflow>()
        .register_workflow::<TimerWorkflow>()
        .register_workflow::<RejectWorkflow>()
        .register_workflow::<PanicOnceWorkflow>()
        .register_workflow::<NapWorkflow>()
        .register_workflow::<TwoStepWorkflow>()
        .register_workflow::<OrderWorkflow>()
        .register_workflow::<CollectWorkflow>()
        .register_workflow::<SignalSenderWorkflow>()
}

/// Checks one closed workflow's history end to end: fetched over gRPC and written as JSON by
/// Ironflow, it equals what `temporal workflow show --output json` prints (both normalised by
/// `temporal workflow fix-history-json`); and Ironflow's JSON replays cleanly against `replayer`.
/// Returns the path of Ironflow's JSON file (in `dir`).
pub async fn check_history<O>(
    handle: &ironflow::client::WorkflowHandle<O>,
    replayer: &ironflow::replay::Replayer,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let id = handle.workflow_id();
    let history = handle.fetch_history().await.expect("fetch the history");
    let ours = dir.join(format!("{id}.json"));
    ironflow::history::write_file(&ours, &history).expect("write the history JSON");
    // The fast writer and prost-reflect's serializer agree: byte for byte, or (when a map has
    // several keys, which prost-reflect writes in hash order) as JSON values.
    let fast = ironflow::history::to_json(&history).expect("history JSON");
    let reference = ironflow::history::to_json_reference(&history).expect("history JSON (reference)");
    if fast != reference {
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(&fast).expect("JSON"),
            serde_json::from_str(&reference).expect("JSON"),
        );
        assert_eq!(
            a, b,
            "the fast history JSON writer differs from the reference for {id}"
        );
    }
    let mut args = vec!["workflow", "show", "--workflow-id", id, "--output", "json"];
    if let Some(run_id) = handle.run_id() {
        args.extend(["--run-id", run_id]);
    }
    let cli_out = peers::cli(&args).await;
    let theirs = dir.join(format!("{id}.cli.json"));
    std::fs::write(&theirs, cli_out).expect("write the CLI's JSON");
    let normalised = |path: &std::path::Path| {
        let path = path.to_path_buf();
        async move {
            let target = path.with_extension("norm");
            peers::cli_local(&[
                "workflow",
                "fix-history-json",
                "--source",
                path.to_str().expect("utf-8 path"),
                "--target",
                target.to_str().expect("utf-8 path"),
            ])
            .await;
            let text = std::fs::read_to_string(&target).expect("read the normalised JSON");
            serde_json::from_str::<serde_json::Value>(&text).expect("the normalised history is JSON")
        }
    };
    let (a, b) = (normalised(&ours).await, normalised(&theirs).await);
    assert!(
        a == b,
        "Ironflow's JSON for {id} differs from the CLI's after normalisation:\nours: {a}\ncli:  {b}"
    );
    let result = replayer.replay_file(&ours).await;
    assert!(result.passed(), "{id} does not replay: {:?}", result.outcome);
    ours
}

/// A fresh temporary directory for this test (removed by the OS's tmp cleanup, named uniquely).
pub fn temp_dir(prefix: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique(prefix));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// `target/ci-artifacts/<name>` (the directory created): where tests leave screenshots for CI.
pub fn artifact(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("ci-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/ci-artifacts");
    dir.join(name)
}
