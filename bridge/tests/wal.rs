//! The durable event store under crashes, damage and concurrency.

use ironflow_bridge::native::{EventStore, EventStoreError, FileEventStore, WorkflowEvent};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const CHILD_ENV: &str = "IRONFLOW_WAL_CHILD_DIR";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ironflow-wal-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn step(task: u64, i: u64) -> WorkflowEvent {
    WorkflowEvent::ActivityStarted {
        workflow_id: format!("wf-{}", task % 4),
        activity_name: "step".into(),
        input: json!({ "task": task, "i": i }),
        timestamp: i as i64,
    }
}

/// Not a test on its own: the crash test runs this binary again with `CHILD_ENV` set, and this
/// function becomes the writer process it kills. It appends forever from 8 tasks and prints
/// `ack <task> <i> <workflow> <sequence>` after each acknowledged append.
#[test]
fn wal_child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = Arc::new(FileEventStore::open(&dir).unwrap());
        let mut tasks = Vec::new();
        for task in 0..8u64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    let event = step(task, i);
                    let wf = event.workflow_id().to_string();
                    let seq = store.append_event(event).await.unwrap();
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "ack {task} {i} {wf} {seq}");
                    let _ = out.flush();
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

#[tokio::test]
async fn killed_writers_never_lose_acknowledged_events() {
    let dir = temp_dir("crash");
    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut total_acks = 0usize;
    for iteration in 0..200 {
        let mut child = Command::new(&exe)
            .args(["--exact", "wal_child_writer", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first_tx, first_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let ["ack", task, i, wf, seq] = parts.as_slice() {
                    if acks.is_empty() {
                        let _ = first_tx.send(());
                    }
                    acks.push((
                        task.parse::<u64>().unwrap(),
                        i.parse::<u64>().unwrap(),
                        wf.to_string(),
                        seq.parse::<u64>().unwrap(),
                    ));
                }
            }
            acks
        });
        // Kill at a pseudo-random point after the first acknowledgement (or if none comes).
        let _ = first_rx.recv_timeout(Duration::from_secs(20));
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 20_000));
        child.kill().unwrap();
        child.wait().unwrap();
        let acks = reader.join().unwrap();
        total_acks += acks.len();

        let store = FileEventStore::open(&dir)
            .unwrap_or_else(|e| panic!("iteration {iteration}: recovery failed: {e}"));
        for (task, i, wf, seq) in &acks {
            let event = store
                .get_event(wf, *seq)
                .unwrap()
                .unwrap_or_else(|| panic!("iteration {iteration}: acknowledged {wf}#{seq} is missing"));
            assert_eq!(
                event,
                step(*task, *i),
                "iteration {iteration}: {wf}#{seq} differs"
            );
        }
    }
    assert!(
        total_acks > 200,
        "the writers acknowledged only {total_acks} events in 200 runs"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn concurrent_appenders_get_dense_unique_sequences_and_share_fsyncs() {
    let dir = temp_dir("concurrent");
    let store = Arc::new(FileEventStore::open(&dir).unwrap());
    let mut handles = Vec::new();
    for task in 0..50u64 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in 0..40 {
                let event = WorkflowEvent::ActivityStarted {
                    workflow_id: format!("wf-{}", task % 10),
                    activity_name: "a".into(),
                    input: json!({ "task": task, "i": i }),
                    timestamp: 0,
                };
                got.push((
                    format!("wf-{}", task % 10),
                    store.append_event(event).await.unwrap(),
                ));
            }
            got
        }));
    }
    let mut seen: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for h in handles {
        for (wf, seq) in h.await.unwrap() {
            seen.entry(wf).or_default().push(seq);
        }
    }
    for (wf, mut seqs) in seen {
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=200).collect::<Vec<_>>(), "{wf}");
    }
    let stats = store.stats();
    assert_eq!(stats.appends, 2000);
    assert!(stats.syncs < stats.appends, "group commit: {stats:?}");
    // Each task's events keep their order within a workflow.
    let events = store.get_events("wf-3", 1).await.unwrap();
    let mut last: HashMap<u64, i64> = HashMap::new();
    for e in events {
        let WorkflowEvent::ActivityStarted { input, .. } = e else {
            panic!()
        };
        let (t, i) = (input["task"].as_u64().unwrap(), input["i"].as_i64().unwrap());
        assert!(last.insert(t, i).is_none_or(|prev| prev < i));
    }
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn fill(dir: &std::path::Path, n: u64) {
    let store = FileEventStore::open(dir).unwrap();
    for i in 0..n {
        store.append_event(step(i % 2, i)).await.unwrap();
    }
}

#[tokio::test]
async fn a_torn_tail_is_truncated_at_any_byte_and_appends_continue() {
    let dir = temp_dir("torn");
    fill(&dir, 6).await;
    let path = dir.join("events.wal");
    let full = std::fs::read(&path).unwrap();
    // Find where the last record starts: reopen after cutting one byte, see what survives.
    for cut in 1..120.min(full.len()) {
        std::fs::write(&path, &full[..full.len() - cut]).unwrap();
        let (store, report) = FileEventStore::open_with_report(&dir).unwrap();
        let total: u64 = {
            let mut t = 0;
            for wf in store.workflow_ids().await.unwrap() {
                t += store.get_latest_sequence(&wf).await.unwrap();
            }
            t
        };
        assert!(total >= 5, "cut {cut}: only {total} events survive");
        assert!(report.truncated_bytes > 0);
        // Appending after recovery continues the sequence without a gap.
        let wf = "wf-0";
        let before = store.get_latest_sequence(wf).await.unwrap();
        assert_eq!(store.append_event(step(0, 99)).await.unwrap(), before + 1);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn corruption_in_the_middle_is_reported_with_offset_and_workflow_and_nothing_is_changed() {
    let dir = temp_dir("corrupt");
    fill(&dir, 6).await;
    let path = dir.join("events.wal");
    let mut bytes = std::fs::read(&path).unwrap();
    // Damage the JSON of the third record (its `"task"` key), leaving its frame intact.
    let needle = b"\"task\"";
    let third = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .nth(2)
        .map(|(i, _)| i)
        .unwrap();
    bytes[third + 2] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();
    match FileEventStore::open(&dir) {
        Err(e @ EventStoreError::Corrupt { .. }) => {
            let text = e.to_string();
            assert!(text.contains("corrupt at byte offset"), "{text}");
            assert!(text.contains("workflow wf-"), "{text}");
            assert!(text.contains("valid record(s) follow"), "{text}");
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("corruption in the middle was not detected"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged log must be left untouched"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
