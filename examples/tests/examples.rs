//! Every example runs, against one real dev server, and prints what it shows; the hello example
//! also runs as a new user runs it (no `TEMPORAL_ADDRESS`: it starts its own dev server). The
//! Python versions of the API comparison run against the same server and print the same
//! results, and the line counts of `docs/api-comparison.md` are recomputed from the sources.

use ironflow::testing::DevServer;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// One dev server for this test binary, kept alive (and killed with the process) by a thread.
fn server_address() -> &'static str {
    static ADDRESS: OnceLock<String> = OnceLock::new();
    ADDRESS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the dev server");
            let options = ironflow::testing::DevServerOptions {
                die_with_parent_thread: true,
                ..Default::default()
            };
            match rt.block_on(DevServer::start_with(options)) {
                Ok(server) => {
                    let _ = tx.send(Ok(server.address().to_string()));
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
        match rx.recv() {
            Ok(Ok(address)) => address,
            Ok(Err(e)) => panic!("the dev server did not start: {e}"),
            Err(e) => panic!("the dev server thread died: {e}"),
        }
    })
}

/// Runs a program to completion (bounded by a deadline) and returns its standard output.
fn run(mut command: Command, what: &str) -> String {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        if child.try_wait().expect("wait for the example").is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("the example's output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} exited with {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn example(name: &str) -> String {
    let bin = match name {
        "hello" => env!("CARGO_BIN_EXE_hello"),
        "activities" => env!("CARGO_BIN_EXE_activities"),
        "counter" => env!("CARGO_BIN_EXE_counter"),
        "children" => env!("CARGO_BIN_EXE_children"),
        "cancellation" => env!("CARGO_BIN_EXE_cancellation"),
        "saga" => env!("CARGO_BIN_EXE_saga"),
        "continue_as_new" => env!("CARGO_BIN_EXE_continue_as_new"),
        "polling" => env!("CARGO_BIN_EXE_polling"),
        "local_activities" => env!("CARGO_BIN_EXE_local_activities"),
        "side_effects" => env!("CARGO_BIN_EXE_side_effects"),
        "dynamic" => env!("CARGO_BIN_EXE_dynamic"),
        "versioning" => env!("CARGO_BIN_EXE_versioning"),
        "replay" => env!("CARGO_BIN_EXE_replay"),
        "search_attributes" => env!("CARGO_BIN_EXE_search_attributes"),
        "event_sourcing" => env!("CARGO_BIN_EXE_event_sourcing"),
        "observability" => env!("CARGO_BIN_EXE_observability"),
        "encryption" => env!("CARGO_BIN_EXE_encryption"),
        "port_verification" => env!("CARGO_BIN_EXE_port_verification"),
        other => panic!("no example {other}"),
    };
    let mut command = Command::new(bin);
    command
        .env("TEMPORAL_ADDRESS", server_address())
        .env("RUST_LOG", "error");
    run(command, &format!("example `{name}`"))
}

fn assert_prints(name: &str, out: &str, expected: &[&str]) {
    for line in expected {
        assert!(
            out.contains(line),
            "`{name}` should print `{line}`; it printed:\n{out}"
        );
    }
}

macro_rules! examples {
    ($($name:ident: [$($line:expr),* $(,)?]),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let out = example(stringify!($name));
                assert_prints(stringify!($name), &out, &[$($line),*]);
            }
        )*
    };
}

examples! {
    hello: ["workflow result: HELLO, TEMPORAL!"],
    counter: [
        "value after increment(5): 15",
        "set_value(100) returned the old value 15",
        "set_value(-1) was rejected: the counter cannot be negative",
        "workflow result: 100",
    ],
    saga: [
        r#"trip paris: booked ["hotel-paris", "flight-paris", "car-paris"]"#,
        "compensated: flight-rome-no-car cancelled\ncompensated: hotel-rome-no-car cancelled",
        "trip rome-no-car: failed and compensated: no car available",
    ],
    children: [r#"children answered: ["Hello, Ada!", "Hello, Grace!", "Hello, Linus!"]"#],
    activities: [
        "order-42 found on attempt 3",
        "copied items 5..10 on attempt 2",
        "charge failed without retries: card 4242 was declined (CardDeclined)",
    ],
    cancellation: [
        "workflow: the bounded part was cancelled at its deadline: true",
        "cleanup: released the main task's lease",
        "workflow result: cancelled after cleanup",
    ],
    continue_as_new: ["processed 10 batches in 4 runs, total 550"],
    polling: ["workflow result: export-7 finished (after 4 polls)"],
    local_activities: ["workflow result: label for 1 MAIN STREET", "1 local-activity marker, no activity task"],
    side_effects: ["replay: passed (the closure ran 1 time(s): replay reused the recorded token)"],
    dynamic: [r#""workflow":"Invoice""#, r#""activity":"refund_step""#],
    versioning: [
        "v1: order-1 charged",
        "replaying v1's history against v2 with the patch: passed",
        "replaying v1's history against v2 without the patch: non-determinism",
        "v2: suspicious order -> fraud suspected",
        r#"state migrated 1.0.0 -> 2.0.0: {"fraud_checked":false,"order":"order-1"}"#,
        r#"rollout of 2.0.0 accepted: takes over ["order-1 (v1)"]"#,
    ],
    replay: [
        "2 of 2 histories replayed cleanly",
        "[TMPRL1100] Nondeterminism error: Timer machine does not handle this event",
        "0 of 2 histories replayed cleanly",
    ],
    search_attributes: ["lists 3 workflows", "count: 3", r#"Some(String("left at the door"))"#],
    observability: [
        "workflow result: order-7 charged, order-7 packed, confirmed",
        "span tree (12 spans):",
        "  StartWorkflow:Order\n    RunWorkflow:Order\n",
        "    StartActivity:charge\n      RunActivity:charge [activity 1]\n",
        "    StartChildWorkflow:Ship\n      RunWorkflow:Ship\n      StartActivity:pack\n        RunActivity:pack [activity 1]\n      CompleteWorkflow:Ship\n    CompleteWorkflow:Order\n",
        r#"activity_duration_seconds_count{activity_type="charge",outcome="completed",task_queue="<task queue>"} 1"#,
        r#"temporal_workflow_completed{namespace="default",service_name="temporal-core-sdk",task_queue="<task queue>",workflow_type="Order"} 1"#,
    ],
    encryption: [
        "workflow result (decrypted by the client): charged card 4242-4242",
        "failure (decrypted by the client): card 1234-0000 declined",
        "stored input: binary/encrypted under key `demo-key`",
        "plaintext visible: false",
        "stored failure messages: \"Encoded failure\" (encrypted)",
        "codec server: http://127.0.0.1:",
    ],
    event_sourcing: [
        "Completed in state Some(\"done\"), 10 events in the WAL",
        "Running in state Some(\"awaiting_approval\"), 4 events in the WAL",
        "replay against the interpreter: passed",
        r#""ship":"shipped by Temporal""#,
    ],
    port_verification: [
        "the port: 3 of 3 instances make the same decisions",
        "a port that ships before charging: 1 of 3 instances make the same decisions",
        "FAILED  order-1 (Order, 9 native events): non-determinism: event 15 (ActivityTaskScheduled): the history has activity `charge`; the code scheduled activity `ship`",
        "passed  order-3 (Order, 3 native events)",
    ],
}

/// The README's first command: no `TEMPORAL_ADDRESS`, the example starts its own dev server
/// with the Web UI and prints the workflow's page; with `--keep-running` the page is served
/// (fetched here) until the program is stopped.
#[test]
fn hello_starts_its_own_dev_server_with_the_ui_when_no_address_is_given() {
    use std::io::{BufRead, Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_hello"))
        .arg("--keep-running")
        .env_remove("TEMPORAL_ADDRESS")
        .env_remove("TEMPORAL_PROFILE")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start hello");
    let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let link = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(180))
            .unwrap_or_else(|_| panic!("hello printed no Web UI link; it printed:\n{}", seen.join("\n")));
        if let Some(link) = line.strip_prefix("see it in the Web UI: ") {
            break link.to_string();
        }
        seen.push(line);
    };
    let printed = seen.join("\n");
    assert!(
        printed.contains("TEMPORAL_ADDRESS is not set: starting a local dev server"),
        "{printed}"
    );
    assert!(printed.contains("workflow result: HELLO, TEMPORAL!"), "{printed}");
    assert!(printed.contains("Web UI at http://"), "{printed}");
    // The link is the workflow's page, served while the program keeps running.
    let rest = link.strip_prefix("http://").expect("an http link");
    let (host, path) = rest.split_once('/').expect("a path");
    assert!(path.starts_with("namespaces/default/workflows/hello-"), "{link}");
    let mut stream = std::net::TcpStream::connect(host).expect("the UI accepts connections");
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send the request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the page");
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
        "{}",
        &response[..response.len().min(300)]
    );
    assert!(response.contains("<html"), "the UI serves its page");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "hello did not stop within 60 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "hello exited with {exit}");
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Python versions of the API comparison print the same results as the Ironflow ones.
#[test]
fn the_python_versions_of_the_comparison_print_the_same_results() {
    let python = std::env::var("IRONFLOW_PYTHON").unwrap_or_else(|_| "python3".into());
    let cases: [(&str, &[&str]); 4] = [
        ("hello", &["workflow result: HELLO, TEMPORAL!"]),
        (
            "counter",
            &[
                "value after increment(5): 15",
                "set_value(100) returned the old value 15",
                "the counter cannot be negative",
                "workflow result: 100",
            ],
        ),
        (
            "saga",
            &[
                "trip paris: booked ['hotel-paris', 'flight-paris', 'car-paris']",
                "compensated: flight-rome-no-car cancelled\ncompensated: hotel-rome-no-car cancelled",
                "trip rome-no-car: failed and compensated: no car available",
            ],
        ),
        (
            "children",
            &["children answered: ['Hello, Ada!', 'Hello, Grace!', 'Hello, Linus!']"],
        ),
    ];
    // The Python SDK's native threads can crash the interpreter while it finalizes, after the
    // program has finished (SIGSEGV/SIGABRT in the Core bridge); run each program to its end,
    // then leave without finalizing. An exception in the program still fails the run.
    const RUN_THEN_EXIT: &str = "import os, runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__'); \
                                 sys.stdout.flush(); os._exit(0)";
    for (name, expected) in cases {
        let mut command = Command::new(&python);
        command
            .args(["-c", RUN_THEN_EXIT])
            .arg(repo().join(format!("docs/api-comparison/{name}.py")))
            .env("TEMPORAL_ADDRESS", server_address());
        let out = run(command, &format!("docs/api-comparison/{name}.py"));
        assert_prints(name, &out, expected);
    }
}

/// Lines of code: not blank, not a comment, not the file's leading documentation.
fn code_lines(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let python = path.extension().is_some_and(|e| e == "py");
    let mut lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if python && lines.first().is_some_and(|l| l.starts_with("\"\"\"")) {
        let end = lines
            .iter()
            .enumerate()
            .position(|(i, l)| l.ends_with("\"\"\"") && (i > 0 || l.len() > 3 && l[3..].contains("\"\"\"")))
            .unwrap_or(0);
        lines.drain(..=end);
    }
    lines
        .into_iter()
        .filter(|l| {
            if python {
                !l.starts_with('#')
            } else {
                !l.starts_with("//")
            }
        })
        .count()
}

/// The table of `docs/api-comparison.md` holds the line counts of the sources, and Ironflow's
/// programs are no longer than the official Rust SDK's.
#[test]
fn the_comparison_line_counts_are_current_and_ironflow_is_not_longer() {
    let doc = std::fs::read_to_string(repo().join("docs/api-comparison.md")).expect("docs/api-comparison.md");
    for program in ["hello", "counter", "saga", "children"] {
        let ironflow = code_lines(&repo().join(format!("examples/src/bin/{program}.rs")));
        let official = code_lines(&repo().join(format!("bench/examples/official_comparison/{program}.rs")));
        let python = code_lines(&repo().join(format!("docs/api-comparison/{program}.py")));
        let row = format!("| {program} | {ironflow} | {official} | {python} |");
        assert!(
            doc.contains(&row),
            "docs/api-comparison.md should have the row `{row}` (recomputed from the sources)"
        );
        assert!(
            ironflow <= official,
            "{program}: Ironflow's version has {ironflow} lines, the official SDK's {official}"
        );
    }
}

/// The deployed worker (`docker-compose.yml`'s `worker` service): configured only by the
/// environment, it serves workflows until SIGTERM, then drains and exits with status 0.
#[test]
fn the_deployed_worker_serves_until_sigterm_and_exits_cleanly() {
    let task_queue = format!("deployed-worker-{}", uuid::Uuid::new_v4());
    let mut worker = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env("TEMPORAL_ADDRESS", server_address())
        .env("IRONFLOW_TASK_QUEUE", &task_queue)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the worker");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let result = rt.block_on(async {
        let client =
            ironflow::client::Client::connect(ironflow::client::ConnectOptions::new(server_address()))
                .await
                .expect("connect");
        let options = ironflow::client::StartWorkflowOptions::new(format!("order-{task_queue}"), &task_queue);
        let handle = client
            .start_workflow_by_name::<_, String>("Order", "order-7", options)
            .await
            .expect("start Order");
        tokio::time::timeout(Duration::from_secs(120), handle.get_result())
            .await
            .expect("the worker completes the order within 120 s")
    });
    let status = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let exit = loop {
        if let Some(exit) = worker.try_wait().expect("wait for the worker") {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not stop within 60 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = worker.wait_with_output().expect("the worker's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        result.expect("the order's result"),
        "order-7 reserved, order-7 shipped"
    );
    assert!(
        exit.success(),
        "the worker exited with {exit} after SIGTERM\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("worker polling task queue {task_queue}")),
        "{stdout}"
    );
}

/// `worker --once` (no address: its own dev server) runs one order end to end.
#[test]
fn the_deployed_worker_runs_one_order_with_once() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_worker"));
    command
        .arg("--once")
        .env("TEMPORAL_ADDRESS", server_address())
        .env("RUST_LOG", "error");
    let out = run(command, "worker --once");
    assert_prints(
        "worker",
        &out,
        &["workflow result: order-1 reserved, order-1 shipped"],
    );
}
