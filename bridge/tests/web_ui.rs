//! Bridge-migrated workflows in the Temporal Web UI, in a real browser (headless Chromium over
//! the DevTools protocol): a migrated instance shows `LegacyState`/`LegacyWorkflowId` under its
//! search attributes and is found by a `LegacyState="..."` query (a workflow that is not
//! migrated is not); a finished native instance's converted history loads in the UI's Import
//! page. Screenshots go to `target/ci-artifacts/`.
//!
//! This binary runs its own dev server (with the UI), not the shared headless one.

use ironflow::client::StartWorkflowOptions;
use ironflow::testing::{DevServer, DevServerOptions};
use ironflow_bridge::interpreter::{Definitions, LEGACY_ID_ATTRIBUTE, STATE_ATTRIBUTE};
use ironflow_bridge::migrate::{MigrateOptions, MigrationOutcome, migrate};
use ironflow_bridge::native::{FileEventStore, NativeEngine, WorkflowDefinition};
use ironflow_compat_tests::browser::Browser;
use ironflow_compat_tests::{artifact, temp_dir, unique};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn definition() -> WorkflowDefinition {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bridge_order.yaml");
    WorkflowDefinition::from_file(&path).expect("the BridgeOrder definition")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrated_workflows_are_searchable_and_converted_histories_import_in_the_web_ui() {
    let server = DevServer::start_with(DevServerOptions {
        ui: true,
        die_with_parent_thread: true,
        ..Default::default()
    })
    .await
    .expect("a dev server with its UI");
    let ui = server.ui_address().expect("the UI's address").to_string();
    let ns = server.namespace().to_string();
    let client = server.client().await.expect("connect");

    // Native instances in a durable store: one waiting for approval, one finished.
    let store_dir = temp_dir("ui-native-store");
    let store = Arc::new(FileEventStore::open(&store_dir).expect("open the native store"));
    let clock = Arc::new(AtomicI64::new(1_700_000_000_000));
    let engine = NativeEngine::new(
        store.clone(),
        definition(),
        Arc::new(move || clock.fetch_add(7, Ordering::Relaxed)),
    )
    .activity("reserve_inventory", |_| Ok(json!({"reserved": true})))
    .activity("charge_payment", |data| {
        Ok(json!({"charge_id": format!("ch-{}", data["order"])}))
    })
    .activity("ship", |_| Ok(json!("shipped")));
    let waiting_id = unique("legacy-ui-waiting");
    let done_id = unique("legacy-ui-done");
    engine
        .start(&waiting_id, json!({"order": 1}))
        .await
        .expect("start natively");
    engine
        .start(&done_id, json!({"order": 2}))
        .await
        .expect("start natively");
    engine
        .signal(&done_id, "approve", json!({"by": "native"}))
        .await
        .expect("approve natively");

    let tq = unique("ui-bridge");
    let export_dir = temp_dir("ui-exported");
    let outcomes = migrate(
        store.as_ref(),
        &Definitions::new([definition()]),
        Some(&client),
        &MigrateOptions {
            task_queue: tq.clone(),
            dry_run: false,
            export_dir,
        },
    )
    .await
    .expect("migrate");
    let run_id = outcomes
        .iter()
        .find_map(|o| match o {
            MigrationOutcome::Started {
                workflow_id, run_id, ..
            } if *workflow_id == waiting_id => Some(run_id.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the waiting instance was started: {outcomes:?}"));
    let exported = outcomes
        .iter()
        .find_map(|o| match o {
            MigrationOutcome::Exported {
                workflow_id, path, ..
            } if *workflow_id == done_id => Some(path.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the finished instance was exported: {outcomes:?}"));
    // A workflow that is not migrated, on the same task queue: the query must leave it out.
    let other_id = unique("not-migrated");
    client
        .start_workflow_by_name::<_, serde_json::Value>(
            "BridgeOrder",
            json!({"order": 3}),
            StartWorkflowOptions::new(&other_id, &tq),
        )
        .await
        .expect("start a workflow that is not migrated");

    // What the UI's query will find, asked of the server directly (visibility is eventually
    // consistent: wait until the migrated workflow is indexed).
    let query = format!("{STATE_ATTRIBUTE}=\"awaiting_approval\" AND TaskQueue=\"{tq}\"");
    let found = ironflow_compat_tests::wait_until("the migrated workflow to be indexed", LIMIT, || async {
        let found = client.list_workflows(&query).await.ok()?;
        (!found.is_empty()).then_some(found)
    })
    .await;
    assert_eq!(
        found.iter().map(|w| w.workflow_id.as_str()).collect::<Vec<_>>(),
        [waiting_id.as_str()],
        "the query finds the migrated workflow and only it"
    );

    let mut browser = tokio::task::block_in_place(Browser::start);
    tokio::task::block_in_place(|| {
        // The search attributes of the migrated workflow.
        browser.goto(&format!(
            "{ui}/namespaces/{ns}/workflows/{waiting_id}/{run_id}/search-attributes"
        ));
        browser.wait_for_text(
            &[
                STATE_ATTRIBUTE,
                "awaiting_approval",
                LEGACY_ID_ATTRIBUTE,
                &waiting_id,
            ],
            LIMIT,
        );
        let shot = artifact("web-ui-bridge-search-attributes.png");
        browser.screenshot(&shot);

        // The list filtered by LegacyState (visibility is eventually consistent: reload until
        // the migrated workflow is listed).
        let url = format!("{ui}/namespaces/{ns}/workflows?query={}", url_encode(&query));
        browser.goto(&url);
        let text = browser.wait_for_text(&[&waiting_id], LIMIT);
        assert!(
            !text.contains(&other_id),
            "the LegacyState query leaves out a workflow that is not migrated:\n{text}"
        );
        let shot = artifact("web-ui-bridge-legacy-state-query.png");
        browser.screenshot(&shot);

        // The converted history of the finished instance, in the Import page.
        browser.goto(&format!("{ui}/import/events"));
        browser.wait_for_text(&["Import Event History"], LIMIT);
        browser.upload("#import-event-history-file-upload", &exported);
        let deadline = std::time::Instant::now() + LIMIT;
        while !browser.click_button("Import") {
            assert!(
                std::time::Instant::now() < deadline,
                "the Import button never became enabled"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let text = browser.wait_for_text(&["reserve_inventory", "charge_payment", "ship"], LIMIT);
        assert!(
            text.contains("Workflow Execution Started") || text.contains("WorkflowExecutionStarted"),
            "the imported history shows its events:\n{text}"
        );
        assert!(
            browser.url().contains("/import/events/"),
            "the UI moved to the imported history: {}",
            browser.url()
        );
        let shot = artifact("web-ui-bridge-import.png");
        browser.screenshot(&shot);
    });
}

/// Percent-encodes a query string value.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
