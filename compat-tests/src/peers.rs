//! Peers: the `temporal` CLI and the Python SDK (`pip install temporalio`), driven as real
//! processes against the test server.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The `temporal` CLI binary.
pub fn temporal_cli() -> PathBuf {
    ironflow::testing::DevServer::find_cli().unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the CLI against the test server with `args` (`--address` is added); panics with the
/// CLI's output if it exits non-zero.
pub async fn cli(args: &[&str]) -> String {
    let mut cmd = Command::new(temporal_cli());
    cmd.args(args).args(["--address", crate::server_address()]);
    let out = run(cmd, Duration::from_secs(120)).await;
    assert!(
        out.status.success(),
        "temporal {args:?} failed with {}:\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the CLI with `args` only (no server involved, e.g. `fix-history-json`); panics with its
/// output if it exits non-zero.
pub async fn cli_local(args: &[&str]) -> String {
    let mut cmd = Command::new(temporal_cli());
    cmd.args(args);
    let out = run(cmd, Duration::from_secs(60)).await;
    assert!(
        out.status.success(),
        "temporal {args:?} failed with {}:\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The Python interpreter to use (`IRONFLOW_PYTHON`, else `python3`).
pub fn python() -> String {
    std::env::var("IRONFLOW_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The path of a script in `compat-tests/python/`.
pub fn python_path(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(script)
}

/// Runs a script of `compat-tests/python/` with the Temporal SDK; the script gets the server
/// address as `argv[1]` followed by `args`. Panics with the script's output if it fails;
/// returns its stdout.
pub async fn python_script(script: &str, args: &[&str]) -> String {
    let mut cmd = Command::new(python());
    cmd.arg(python_path(script))
        .arg(crate::server_address())
        .args(args);
    let out = run(cmd, Duration::from_secs(180)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'temporalio'"),
        "the Python SDK is missing: run `pip install temporalio` (the CI script installs it)"
    );
    assert!(
        out.status.success(),
        "python script failed with {}:\nstdout: {}\nstderr: {stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn run(mut cmd: Command, timeout: Duration) -> Output {
    cmd.stdin(Stdio::null());
    let description = format!("{cmd:?}");
    let job = tokio::task::spawn_blocking(move || cmd.output());
    match tokio::time::timeout(timeout, job).await {
        Ok(Ok(Ok(out))) => out,
        Ok(Ok(Err(e))) => panic!("cannot run {description}: {e}"),
        Ok(Err(e)) => panic!("running {description} panicked: {e}"),
        Err(_) => panic!("{description} did not finish within {timeout:?}"),
    }
}

/// A long-running peer process (a Python worker); killed when dropped.
pub struct PeerProcess {
    child: std::process::Child,
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a script of `compat-tests/python/` that prints `ready` once it serves, and waits for
/// that line (up to `timeout`).
pub async fn python_worker(script: &str, args: &[&str], timeout: Duration) -> PeerProcess {
    use std::io::BufRead;
    let mut child = Command::new(python())
        .arg(python_path(script))
        .arg(crate::server_address())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start python {script}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut peer = PeerProcess { child };
    let reader = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let seen = lines
            .by_ref()
            .any(|l| l.map(|l| l.trim() == "ready").unwrap_or(false));
        // Keep draining so the peer never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        seen
    });
    match tokio::time::timeout(timeout, reader).await {
        Ok(Ok(true)) => peer,
        other => {
            let status = peer.child.try_wait();
            panic!(
                "python {script} did not report ready within {timeout:?} ({other:?}, exit status {status:?}); is `pip install temporalio` done?"
            )
        }
    }
}
