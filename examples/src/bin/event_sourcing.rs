//! The seed's event-sourcing engine, moved onto Temporal: native `WorkflowEvent`s in the durable
//! write-ahead-log `EventStore`, instance state rebuilt from them (`StateRebuilder`), a finished
//! instance's log converted to a Temporal history and replayed against the interpreter workflow,
//! and an in-flight instance migrated to Temporal, where it finishes.

use ironflow::prelude::*;
use ironflow::replay::{ReplayInput, Replayer};
use ironflow_bridge::interpreter::{Definitions, interpreter};
use ironflow_bridge::migrate::{MigrateOptions, migrate};
use ironflow_bridge::native::{EventStore, FileEventStore, NativeEngine, StateRebuilder, WorkflowDefinition};
use ironflow_bridge::translate::{TranslateOptions, to_history};
use serde_json::{Value, json};
use std::sync::Arc;

const ORDER: &str = r#"
name: NativeOrder
version: 1.0.0
initial_state: charging
states:
  charging: { activity: charge_payment, on_success: awaiting_approval }
  awaiting_approval: { on_signal: { approve: shipping } }
  shipping: { activity: ship, on_success: done }
  done: { terminal: completed }
"#;

/// The native activities, on Temporal (a catch-all: activity names come from the definition).
async fn native_activities(
    _ctx: ActivityContext,
    input: ironflow::dynamic::DynamicInput,
) -> Result<Value, ApplicationError> {
    let data: Value = input
        .decode()
        .map_err(|e| ApplicationError::non_retryable(e.to_string()))?;
    match input.type_name.as_str() {
        "charge_payment" => Ok(json!({"charge_id": format!("ch-{}", data["order"])})),
        _ => Ok(json!("shipped by Temporal")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let definition = WorkflowDefinition::from_yaml(ORDER, "NativeOrder")?;
    let dir = std::env::temp_dir().join(ironflow_examples::unique("native-store"));
    let store: Arc<dyn EventStore> = Arc::new(FileEventStore::open(&dir)?);
    let clock = Arc::new(std::sync::atomic::AtomicI64::new(1_700_000_000_000));
    let engine = NativeEngine::new(
        store.clone(),
        definition.clone(),
        Arc::new(move || clock.fetch_add(5, std::sync::atomic::Ordering::Relaxed)),
    )
    .activity("charge_payment", |data| {
        Ok(json!({"charge_id": format!("ch-{}", data["order"])}))
    })
    .activity("ship", |_| Ok(json!("shipped natively")));

    // The native engine runs two orders: one to the end, one until it waits for approval.
    let (done, waiting) = (
        ironflow_examples::unique("order-1"),
        ironflow_examples::unique("order-2"),
    );
    engine.start(&done, json!({"order": 1})).await?;
    engine.signal(&done, "approve", json!({"by": "alice"})).await?;
    engine.start(&waiting, json!({"order": 2})).await?;
    let rebuilder = StateRebuilder::new(store.clone());
    for id in [&done, &waiting] {
        let instance = rebuilder.rebuild_state(id).await?;
        let events = store.get_sequenced_events(id, 1).await?.len();
        println!(
            "native {id}: {:?} in state {:?}, {events} events in the WAL",
            instance.status, instance.current_state
        );
    }

    // The finished order's log as a Temporal history, replayed against the interpreter.
    let history = to_history(
        &store.get_sequenced_events(&done, 1).await?,
        &TranslateOptions::for_definition(&definition),
    )?;
    let definitions = Definitions::new([definition.clone()]);
    let replay = Replayer::new()
        .register_dynamic_workflow(interpreter(definitions.clone()))
        .replay_all(vec![ReplayInput::new(done.clone(), history.clone())])
        .await;
    let verdict = replay.results[0].outcome.kind();
    println!(
        "{done} converted to {} history events; replay against the interpreter: {verdict}",
        history.events.len()
    );

    // The in-flight order moves to Temporal, resumes in its state, and finishes there.
    let example = ironflow_examples::start().await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("interpreter");
    let options = MigrateOptions {
        task_queue: task_queue.clone(),
        dry_run: false,
        export_dir: dir.join("exported"),
    };
    for outcome in migrate(store.as_ref(), &definitions, Some(client), &options).await? {
        println!("migration: {outcome:?}");
    }
    let worker = Worker::builder(client, &task_queue)
        .register_dynamic_workflow(interpreter(definitions))
        .register_dynamic_activity(native_activities)
        .build()?;
    let finish = async {
        let handle = client.workflow_handle::<Value>(&waiting, None);
        handle.signal_by_name("approve", json!({"by": "bob"})).await?;
        Ok::<_, Box<dyn std::error::Error>>(handle.get_result().await?)
    };
    println!(
        "{waiting} finished on Temporal: {}",
        worker.run_until(finish).await??
    );
    Ok(())
}
