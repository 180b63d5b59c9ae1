//! The bridge end to end: native instances run by the reference engine, translated histories
//! replayed against the interpreter (and by the Python SDK's replayer), and the `ironflow-bridge`
//! command line migrating 100 in-flight instances to a real Temporal server.

use ironflow::replay::{ReplayInput, ReplayOutcome, Replayer};
use ironflow::{ActivityContext, ApplicationError, Worker};
use ironflow_bridge::interpreter::{Definitions, interpreter};
use ironflow_bridge::native::{
    EventStore, FileEventStore, InMemoryEventStore, InstanceStatus, NativeEngine, WorkflowDefinition, rebuild,
};
use ironflow_bridge::translate::{StateRepresentation, TranslateOptions, from_history, to_history};
use ironflow_compat_tests::peers::python;
use ironflow_compat_tests::{RunningWorker, client, server_address, temp_dir, unique, wait_until, within};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn definitions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn definition() -> WorkflowDefinition {
    WorkflowDefinition::from_file(&definitions_dir().join("bridge_order.yaml")).unwrap()
}

/// A native engine for BridgeOrder; `charge_failures` failures of charge_payment before it works,
/// `reserve_fails` makes reserve_inventory always fail.
fn engine(store: Arc<dyn EventStore>, charge_failures: u32, reserve_fails: bool) -> NativeEngine {
    let clock = Arc::new(AtomicI64::new(1_700_000_000_000));
    let charges = Arc::new(AtomicU32::new(0));
    NativeEngine::new(
        store,
        definition(),
        Arc::new(move || clock.fetch_add(7, Ordering::Relaxed)),
    )
    .activity("reserve_inventory", move |_| {
        if reserve_fails {
            Err("out of stock".into())
        } else {
            Ok(json!({"reserved": true}))
        }
    })
    .activity("charge_payment", move |data| {
        if charges.fetch_add(1, Ordering::Relaxed) < charge_failures {
            Err("gateway timeout".into())
        } else {
            Ok(json!({"charge_id": format!("ch-{}", data["order"])}))
        }
    })
    .activity("ship", |_| Ok(json!("shipped")))
}

/// Native instances in every shape: completed (with retries), waiting for approval, rejected,
/// and failed in the first state.
async fn native_instances(store: Arc<dyn EventStore>) -> Vec<String> {
    let ok = engine(store.clone(), 2, false);
    ok.start("order-done", json!({"order": 1})).await.unwrap();
    ok.signal("order-done", "approve", json!({"by": "alice"}))
        .await
        .unwrap();
    ok.start("order-waiting", json!({"order": 2})).await.unwrap();
    ok.start("order-rejected", json!({"order": 3})).await.unwrap();
    ok.signal("order-rejected", "reject", json!({"by": "bob"}))
        .await
        .unwrap();
    engine(store.clone(), 0, true)
        .start("order-no-stock", json!({"order": 4}))
        .await
        .unwrap();
    vec![
        "order-done".into(),
        "order-waiting".into(),
        "order-rejected".into(),
        "order-no-stock".into(),
    ]
}

async fn translated(store: &dyn EventStore, ids: &[String], def: &WorkflowDefinition) -> Vec<ReplayInput> {
    let mut out = Vec::new();
    for id in ids {
        let events = store.get_sequenced_events(id, 1).await.unwrap();
        let history = to_history(&events, &TranslateOptions::for_definition(def)).unwrap();
        let mut input = ReplayInput::new(id.clone(), history);
        input.workflow_id = id.clone();
        out.push(input);
    }
    out
}

#[tokio::test]
async fn translated_native_histories_replay_against_the_interpreter_and_not_against_a_changed_definition() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
    let ids = native_instances(store.clone()).await;
    let def = definition();
    let inputs = translated(store.as_ref(), &ids, &def).await;

    let report = Replayer::new()
        .register_dynamic_workflow(interpreter(Definitions::new([def.clone()])))
        .replay_all(inputs.clone())
        .await;
    assert!(report.all_passed(), "{report}");

    // The same instances against a changed definition: the charge activity was renamed.
    let mut changed = def.clone();
    changed.states.get_mut("charging").unwrap().activity = Some("charge_card".into());
    let report = Replayer::new()
        .register_dynamic_workflow(interpreter(Definitions::new([changed])))
        .replay_all(inputs.clone())
        .await;
    for r in &report.results {
        match r.source.as_str() {
            // Failed in the first state: it never reached the changed activity.
            "order-no-stock" => assert!(r.passed(), "{r:?}"),
            _ => match &r.outcome {
                ReplayOutcome::Nondeterminism(m) => {
                    assert!(m.contains("charge_payment") && m.contains("charge_card"), "{m}")
                }
                other => panic!("{}: expected non-determinism, got {other:?}", r.source),
            },
        }
    }
    // A changed transition (approval skips shipping) is caught too.
    let mut changed = def.clone();
    changed
        .states
        .get_mut("awaiting_approval")
        .unwrap()
        .on_signal
        .insert("approve".into(), "done".into());
    let done = inputs.iter().find(|i| i.source == "order-done").unwrap().clone();
    let r = Replayer::new()
        .register_dynamic_workflow(interpreter(Definitions::new([changed])))
        .replay_all(vec![done])
        .await;
    assert!(
        matches!(r.results[0].outcome, ReplayOutcome::Nondeterminism(_)),
        "{r}"
    );

    // Round trip back to native events is exact.
    for input in &inputs {
        let events = store.get_events(&input.workflow_id, 1).await.unwrap();
        let back = from_history(
            &input.history,
            &input.workflow_id,
            &StateRepresentation::SearchAttribute("LegacyState".into()),
            Some(&def.initial_state),
        )
        .unwrap();
        assert_eq!(back, events, "{}", input.workflow_id);
    }
}

#[tokio::test]
async fn the_python_sdk_replayer_accepts_translated_json_for_an_equivalent_workflow_and_rejects_a_mismatch() {
    let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
    let ids = native_instances(store.clone()).await;
    let dir = temp_dir("py-replay");
    for input in translated(store.as_ref(), &ids, &definition()).await {
        ironflow::history::write_file(dir.join(format!("{}.json", input.workflow_id)), &input.history)
            .unwrap();
    }
    let run = |variant: &str| {
        let out = Command::new(python())
            .arg(python_path_here("replay_bridge_order.py"))
            .args(["-", dir.to_str().unwrap(), variant])
            .output()
            .expect("run python");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "python failed: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("IRONFLOW-RESULT "))
            .unwrap_or_else(|| panic!("no result line in: {stdout}"));
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let matching = run("matching");
    for id in &ids {
        assert_eq!(matching[format!("{id}.json")], "ok", "{matching}");
    }
    let renamed = run("renamed");
    assert!(
        renamed["order-done.json"]
            .as_str()
            .unwrap()
            .starts_with("NondeterminismError"),
        "{renamed}"
    );
    assert!(
        renamed["order-waiting.json"]
            .as_str()
            .unwrap()
            .starts_with("NondeterminismError"),
        "{renamed}"
    );
    // The instance that failed before the charging state never reaches the change.
    assert_eq!(renamed["order-no-stock.json"], "ok", "{renamed}");
}

fn python_path_here(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script)
}

fn bridge(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ironflow-bridge"))
        .args(args)
        .output()
        .expect("run ironflow-bridge");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_reports_bad_input_in_one_line() {
    for sub in [
        "convert", "export", "replay", "inspect", "import", "migrate", "worker",
    ] {
        let (ok, out, _) = bridge(&[sub, "--help"]);
        assert!(
            ok && out.contains("Usage: ironflow-bridge"),
            "{sub} --help: {out}"
        );
    }
    let (ok, _, err) = bridge(&["inspect", "--store", "/nonexistent-store"]);
    assert!(!ok);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent-store has no events.wal"), "{err}");
    let bad = temp_dir("bad-defs");
    std::fs::write(
        bad.join("broken.yaml"),
        "name: x\nversion: 1.0.0\ninitial_state: a\nstates:\n  a: { activity: f, on_success: nowhere }\n",
    )
    .unwrap();
    let events = bad.join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let (ok, _, err) = bridge(&[
        "convert",
        "--events",
        events.to_str().unwrap(),
        "--definitions",
        bad.to_str().unwrap(),
        "--out",
        "/tmp",
    ]);
    assert!(!ok);
    assert!(err.contains("state `a`: on_success goes to `nowhere`"), "{err}");
}

/// The activities of BridgeOrder, served by a Rust worker during the migration test.
async fn reserve(_: ActivityContext, _: ironflow::dynamic::DynamicInput) -> Result<Value, ApplicationError> {
    Ok(json!({"reserved": true}))
}

fn native_store(dir: &Path) -> Arc<FileEventStore> {
    Arc::new(FileEventStore::open(dir).unwrap())
}

#[tokio::test]
async fn one_hundred_in_flight_instances_migrate_once_and_finish_on_temporal() {
    // 100 instances waiting for approval and 3 finished ones, in a durable native store.
    let store_dir = temp_dir("native-store");
    {
        let store = native_store(&store_dir);
        let e = engine(store.clone(), 0, false);
        for i in 0..100 {
            e.start(&format!("legacy-order-{i:03}"), json!({"order": i}))
                .await
                .unwrap();
        }
        for i in 0..3 {
            let id = format!("legacy-done-{i}");
            e.start(&id, json!({"order": 1000 + i})).await.unwrap();
            e.signal(&id, "approve", json!({"by": "native"})).await.unwrap();
        }
    }
    let defs = definitions_dir();
    let client = client().await;
    let tq = unique("bridge");
    let store_arg = store_dir.to_str().unwrap().to_string();
    let defs_arg = defs.to_str().unwrap().to_string();
    let migrate = |extra: &[&str]| {
        let mut args = vec![
            "migrate",
            "--store",
            &store_arg,
            "--definitions",
            &defs_arg,
            "--address",
            server_address(),
            "--task-queue",
            &tq,
        ];
        args.extend_from_slice(extra);
        bridge(&args)
    };

    // A dry run changes nothing.
    let (ok, out, err) = migrate(&["--dry-run"]);
    assert!(ok, "{err}");
    assert_eq!(out.matches("would start").count(), 100, "{out}");
    assert!(out.contains("(dry run: nothing was changed)"));
    assert!(
        client
            .workflow_handle::<Value>("legacy-order-000", None)
            .describe()
            .await
            .is_err()
    );

    let (ok, out, err) = migrate(&[]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out.matches("at state `awaiting_approval`").count(), 100, "{out}");
    assert!(
        out.contains("100 started, 0 already migrated, 3 exported, 0 failed"),
        "{out}"
    );

    // Again: nothing is started twice.
    let (ok, out, err) = migrate(&[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("0 started, 100 already migrated, 3 exported, 0 failed"),
        "{out}"
    );

    // The migrated executions are findable, carry their legacy identity, and run the interpreter.
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_dynamic_workflow(interpreter(Definitions::new([definition()])))
            .register_dynamic_activity(
                |ctx: ActivityContext, input: ironflow::dynamic::DynamicInput| async move {
                    match input.type_name.as_str() {
                        "ship" => Ok(json!("shipped on temporal")),
                        _ => reserve(ctx, input).await,
                    }
                },
            ),
    );
    let one = client.workflow_handle::<Value>("legacy-order-007", None);
    let d = one.describe().await.unwrap();
    assert_eq!(d.memo["legacy_state"], json!("awaiting_approval"));
    assert_eq!(d.memo["definition_version"], json!("1.0.0"));
    assert_eq!(
        d.search_attributes.get("LegacyWorkflowId"),
        Some(&ironflow::converter::SearchAttributeValue::Keyword(
            "legacy-order-007".into()
        ))
    );
    let state: String = wait_until("the interpreter to answer", LIMIT, || async {
        one.query_by_name::<_, String>("current_state", ()).await.ok()
    })
    .await;
    assert_eq!(state, "awaiting_approval");
    let listed = wait_until("visibility to list the migrated executions", LIMIT, || async {
        let n = client
            .count_workflows(&format!(
                "TaskQueue = '{tq}' AND LegacyState = 'awaiting_approval'"
            ))
            .await
            .ok()?;
        (n == 100).then_some(n)
    })
    .await;
    assert_eq!(listed, 100);

    // Signalled, they finish on Temporal with the data they had in the native engine.
    for i in 0..100 {
        client
            .workflow_handle::<Value>(format!("legacy-order-{i:03}"), None)
            .signal_by_name("approve", json!({"by": "temporal"}))
            .await
            .unwrap();
    }
    for i in 0..100 {
        let h = client.workflow_handle::<Value>(format!("legacy-order-{i:03}"), None);
        let out = within("a migrated instance to finish", LIMIT, h.get_result())
            .await
            .unwrap();
        assert_eq!(out["order"], json!(i));
        assert_eq!(
            out["charge_payment"],
            json!({"charge_id": format!("ch-{i}")}),
            "native data is carried over"
        );
        assert_eq!(out["approve"], json!({"by": "temporal"}));
        assert_eq!(out["ship"], json!("shipped on temporal"));
    }
    worker.stop().await.unwrap();

    // Finished instances were exported as CLI-format JSON that replays against the interpreter.
    let exported = store_dir.join("exported");
    let (ok, out, err) = bridge(&[
        "replay",
        "--definitions",
        &defs_arg,
        "--histories",
        exported.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("3 of 3 histories replayed cleanly"), "{out}");
    // So do the store's own logs, translated on the fly.
    let (ok, out, err) = bridge(&["replay", "--definitions", &defs_arg, "--store", &store_arg]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("103 of 103 histories replayed cleanly"), "{out}");
    // `convert` writes every instance's history (on all cores), identical to the library's.
    let converted = temp_dir("converted");
    let (ok, out, err) = bridge(&[
        "convert",
        "--store",
        &store_arg,
        "--definitions",
        &defs_arg,
        "--out",
        converted.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("converted 103 instance(s)"), "{out}");
    let store = native_store(&store_dir);
    for id in ["legacy-order-042", "legacy-done-1"] {
        let events = store.get_sequenced_events(id, 1).await.unwrap();
        let expected = to_history(&events, &TranslateOptions::for_definition(&definition())).unwrap();
        let written = ironflow::history::read_file(converted.join(format!("{id}.json"))).unwrap();
        assert_eq!(written, expected, "{id}");
    }
    drop(store);

    // A Temporal run exported back as native events rebuilds to the finished instance.
    let exported_events = temp_dir("exported-events").join("order.jsonl");
    let (ok, out, err) = bridge(&[
        "export",
        "--address",
        server_address(),
        "--workflow-id",
        "legacy-order-007",
        "--definitions",
        &defs_arg,
        "--out",
        exported_events.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    let (ok, out, err) = bridge(&[
        "inspect",
        "--events",
        exported_events.to_str().unwrap(),
        "--definitions",
        &defs_arg,
    ]);
    assert!(ok, "{err}");
    let instance: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(instance["status"], "Completed", "{instance}");
    assert_eq!(instance["current_state"], "done", "{instance}");

    // The native store is untouched by all this.
    let store = native_store(&store_dir);
    let events = store.get_sequenced_events("legacy-order-007", 1).await.unwrap();
    assert_eq!(
        rebuild(&events, Some("reserving")).unwrap().status,
        InstanceStatus::Running
    );
}

/// A log that does not fit its definition is refused by `convert` and `inspect`, naming the
/// instance, the event, the state and what the definition expected; `--lenient` converts it and
/// lists the departure. A completed instance shows no stale activity error. Without
/// definitions, `convert` treats logs as code-driven (no state transitions in the history).
#[tokio::test]
async fn logs_are_checked_against_their_definition_before_translation() {
    let store = Arc::new(InMemoryEventStore::new());
    let ids = native_instances(store.clone()).await;
    let mut lines = Vec::new();
    for id in &ids {
        for e in store.get_sequenced_events(id, 1).await.unwrap() {
            lines.push(serde_json::to_string(&e.event).unwrap());
        }
    }
    // A bad instance: after reserving it moves to a state BridgeOrder does not have.
    let bad = [
        json!({"WorkflowStarted": {"workflow_id": "order-bad", "workflow_name": "BridgeOrder", "input": {"order": 9}, "timestamp": 1}}),
        json!({"ActivityStarted": {"workflow_id": "order-bad", "activity_name": "reserve_inventory", "input": {}, "timestamp": 2}}),
        json!({"ActivityCompleted": {"workflow_id": "order-bad", "activity_name": "reserve_inventory", "output": {}, "timestamp": 3}}),
        json!({"StateTransitioned": {"workflow_id": "order-bad", "from_state": "reserving", "to_state": "packing", "timestamp": 4}}),
    ];
    let dir = temp_dir("checked-logs");
    let good_file = dir.join("good.jsonl");
    std::fs::write(&good_file, lines.join("\n")).unwrap();
    let bad_lines: Vec<String> = lines
        .iter()
        .cloned()
        .chain(bad.iter().map(|v| v.to_string()))
        .collect();
    let bad_file = dir.join("bad.jsonl");
    std::fs::write(&bad_file, bad_lines.join("\n")).unwrap();
    let defs = definitions_dir();
    let out = dir.join("out");
    let arg = |p: &Path| p.to_str().unwrap().to_string();
    let convert = |file: &Path, extra: &[&str]| {
        let mut args = vec![
            "convert".to_string(),
            "--events".into(),
            arg(file),
            "--definitions".into(),
            arg(&defs),
            "--out".into(),
            arg(&out),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        bridge(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let expected = "workflow `order-bad`, event #4 (StateTransitioned), in state `reserving`: a transition \
                    `reserving` -> `packing`; definition `BridgeOrder 1.0.0` expects a transition `reserving` -> \
                    `charging`";
    let (ok, _, err) = convert(&bad_file, &[]);
    assert!(!ok, "a log that does not fit is refused");
    assert!(err.contains(expected), "{err}");
    assert!(err.contains("--lenient"), "{err}");
    assert!(!out.join("order-bad.json").exists(), "nothing converted");
    let (ok, stdout, err) = convert(&bad_file, &["--lenient"]);
    assert!(ok, "{err}");
    assert!(err.contains("warning") && err.contains(expected), "{err}");
    assert!(stdout.contains("converted 5 instance(s)"), "{stdout}");
    let (ok, _, err) = bridge(&[
        "inspect",
        "--events",
        &arg(&bad_file),
        "--definitions",
        &arg(&defs),
    ]);
    assert!(!ok && err.contains(expected), "{err}");

    // Good logs pass; a completed instance whose charge failed twice has no error left.
    let (ok, stdout, err) = bridge(&[
        "inspect",
        "--events",
        &arg(&good_file),
        "--definitions",
        &arg(&defs),
        "--workflow-id",
        "order-done",
    ]);
    assert!(ok, "{err}");
    let done: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(done["status"], json!("Completed"));
    assert_eq!(done["error"], Value::Null, "no stale activity error: {stdout}");

    // Without definitions: code-driven, no state transitions in the histories.
    let code_out = dir.join("code-driven");
    let (ok, stdout, err) = bridge(&["convert", "--events", &arg(&good_file), "--out", &arg(&code_out)]);
    assert!(ok, "{err}");
    assert!(stdout.contains("converted 4 instance(s)"), "{stdout}");
    let history = ironflow::history::read_file(code_out.join("order-done.json")).unwrap();
    let text = ironflow::history::to_json(&history).unwrap();
    assert!(
        !text.contains("UpsertWorkflowSearchAttributes") && !text.contains("LegacyState"),
        "states dropped"
    );
    assert!(text.contains("charge_payment"), "activities kept");

    // Import into a WAL store: checked first, idempotent on re-run.
    let wal = dir.join("store");
    let events_total = lines.len();
    let (ok, stdout, err) = bridge(&[
        "import",
        "--events",
        &arg(&good_file),
        "--store",
        &arg(&wal),
        "--definitions",
        &arg(&defs),
    ]);
    assert!(ok, "{err}");
    assert!(
        stdout.contains(&format!("imported 4 instance(s) ({events_total} events)")),
        "{stdout}"
    );
    let (ok, stdout, err) = bridge(&[
        "import",
        "--events",
        &arg(&good_file),
        "--store",
        &arg(&wal),
        "--definitions",
        &arg(&defs),
    ]);
    assert!(ok, "{err}");
    assert!(
        stdout.contains("imported 0 instance(s) (0 events)") && stdout.contains("4 already there"),
        "{stdout}"
    );
    let (ok, _, err) = bridge(&[
        "import",
        "--events",
        &arg(&bad_file),
        "--store",
        &arg(&wal),
        "--definitions",
        &arg(&defs),
    ]);
    assert!(!ok && err.contains(expected), "{err}");
    let reopened = FileEventStore::open(&wal).unwrap();
    assert_eq!(
        reopened.workflow_ids().await.unwrap().len(),
        4,
        "the refused import wrote nothing"
    );
    assert_eq!(
        reopened.get_sequenced_events("order-done", 1).await.unwrap(),
        store.get_sequenced_events("order-done", 1).await.unwrap()
    );
}
