//! Scale-out and faults, on a real dev server persisting to a SQLite file: four worker processes
//! on one task queue run 1000 workflows (an activity, a timer, a signal, an activity each); one
//! worker is SIGKILLed early, the server is SIGKILLed in the middle of the batch and restarted
//! on the same database file and port, a second worker is SIGKILLed later. Every workflow
//! completes once with its correct result, and the surviving workers carry on by themselves —
//! they say in their logs that the connection was lost and that it is back.
//!
//! This binary runs its own dev server (it kills it), not the shared one.

use futures::StreamExt;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::testing::{DevServer, DevServerOptions};
use ironflow_compat_tests::fixtures::{Approve, ScaleOutWorkflow};
use ironflow_compat_tests::{temp_dir, unique, wait_until};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const WORKFLOWS: u32 = 1000;
const LIMIT: Duration = Duration::from_secs(600);

/// A worker process whose log goes to a file; killed if the test ends early.
struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    fn start(address: &str, task_queue: &str, log: PathBuf) -> Self {
        let file = std::fs::File::create(&log).expect("create the worker's log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_test-worker"))
            .args([address, task_queue])
            .env("RUST_LOG", "ironflow=info,warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(file)
            .spawn()
            .expect("start a test-worker process");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("the worker's stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("read `ready`");
        assert_eq!(line.trim(), "ready", "the worker started: {}", Self::read(&log));
        Self { child, log }
    }

    fn read(log: &Path) -> String {
        std::fs::read_to_string(log).unwrap_or_default()
    }

    fn log(&self) -> String {
        Self::read(&self.log)
    }

    fn sigkill(&mut self) {
        self.child.kill().expect("SIGKILL the worker");
        self.child.wait().expect("reap the worker");
    }

    /// SIGTERM, then the exit status within a deadline.
    fn sigterm(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "a worker did not stop within 60 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn expected(n: u32) -> String {
    format!("order-{n} approved by approver-{n}")
}

async fn start_server(port: u16, db: &Path) -> DevServer {
    DevServer::start_with(DevServerOptions {
        port: Some(port),
        db_filename: Some(db.to_path_buf()),
        die_with_parent_thread: true,
        ..Default::default()
    })
    .await
    .expect("a dev server on the database file")
}

/// Completed workflows of the task queue (retried while the server is away).
async fn completed(client: &Client, task_queue: &str) -> u64 {
    let query = format!("TaskQueue = '{task_queue}' AND ExecutionStatus = 'Completed'");
    client.count_workflows(&query).await.unwrap_or(0)
}

async fn wait_completed(client: &Client, task_queue: &str, at_least: u64) {
    wait_until(&format!("{at_least} completed workflows"), LIMIT, || async {
        (completed(client, task_queue).await >= at_least).then_some(())
    })
    .await
}

/// Signals the workflows, retrying each until the server takes it.
async fn approve(client: &Client, task_queue: &str, numbers: impl Iterator<Item = u32>) {
    futures::stream::iter(numbers)
        .for_each_concurrent(32, |n| async move {
            let handle = client.workflow_handle::<String>(format!("{task_queue}-{n}"), None);
            wait_until(&format!("the signal to workflow {n}"), LIMIT, || async {
                handle.signal::<Approve>(format!("approver-{n}")).await.ok()
            })
            .await
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_survive_killed_workers_and_a_restarted_server() {
    let dir = temp_dir("scale-out");
    let db = dir.join("temporal.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = start_server(port, &db).await;
    let address = server.address().to_string();
    let client = Client::connect(ConnectOptions::new(&address))
        .await
        .expect("connect");
    let tq = unique("scale-out");

    let mut workers: Vec<WorkerProcess> = (0..4)
        .map(|i| WorkerProcess::start(&address, &tq, dir.join(format!("worker-{i}.log"))))
        .collect();

    // Start the batch; approve the even half now, the odd half after the server's restart.
    futures::stream::iter(0..WORKFLOWS)
        .for_each_concurrent(32, |n| {
            let (client, tq) = (&client, &tq);
            async move {
                client
                    .start_workflow::<ScaleOutWorkflow>(n, StartWorkflowOptions::new(format!("{tq}-{n}"), tq))
                    .await
                    .unwrap_or_else(|e| panic!("start workflow {n}: {e}"));
            }
        })
        .await;
    approve(&client, &tq, (0..WORKFLOWS).step_by(2)).await;

    // One worker dies early.
    wait_completed(&client, &tq, u64::from(WORKFLOWS) / 8).await;
    workers[0].sigkill();

    // The server dies in the middle of the batch; the surviving workers notice, and it comes
    // back on the same database file.
    wait_completed(&client, &tq, u64::from(WORKFLOWS) / 4).await;
    let killed = Command::new("kill")
        .args(["-KILL", &server.pid().to_string()])
        .status()
        .expect("kill -KILL the server");
    assert!(killed.success());
    wait_until(
        "the surviving workers to report the lost connection",
        LIMIT,
        || async {
            workers[1..]
                .iter()
                .all(|w| w.log().contains("lost the connection to Temporal"))
                .then_some(())
        },
    )
    .await;
    drop(server);
    server = start_server(port, &db).await;
    assert_eq!(server.address(), address);
    wait_until(
        "the surviving workers to report the connection back",
        LIMIT,
        || async {
            workers[1..]
                .iter()
                .all(|w| w.log().contains("the connection to Temporal is back"))
                .then_some(())
        },
    )
    .await;
    approve(&client, &tq, (1..WORKFLOWS).step_by(2)).await;

    // A second worker dies later; the remaining two finish the batch by themselves.
    wait_completed(&client, &tq, u64::from(WORKFLOWS) * 5 / 8).await;
    workers[1].sigkill();
    wait_completed(&client, &tq, u64::from(WORKFLOWS)).await;

    // Every workflow completed with its result, once: one run per id, none still open, none failed.
    let all = client
        .count_workflows(&format!("TaskQueue = '{tq}'"))
        .await
        .expect("count the task queue's workflows");
    assert_eq!(
        all,
        u64::from(WORKFLOWS),
        "one execution per workflow id, no duplicates"
    );
    assert_eq!(completed(&client, &tq).await, u64::from(WORKFLOWS));
    futures::stream::iter(0..WORKFLOWS)
        .for_each_concurrent(32, |n| {
            let (client, tq) = (&client, &tq);
            async move {
                let result = client
                    .workflow_handle::<String>(format!("{tq}-{n}"), None)
                    .get_result()
                    .await
                    .unwrap_or_else(|e| panic!("workflow {n}: {e}"));
                assert_eq!(result, expected(n), "workflow {n}");
            }
        })
        .await;

    // The survivors stop gracefully.
    for worker in workers.drain(2..) {
        let log = worker.log();
        let status = worker.sigterm();
        assert!(
            status.success(),
            "a surviving worker exited with {status}:\n{log}"
        );
    }
}
