//! Bridge throughput: native events per second through `convert` (native → Temporal history,
//! proto and CLI JSON), through `export` (Temporal → native), and into the durable WAL with
//! fsync on, at several numbers of concurrent appenders (group commit).
//!
//! ```text
//! cargo bench -p ironflow-bridge --bench bridge                  # 1M events
//! cargo bench -p ironflow-bridge --bench bridge -- --events 200000 --wal-concurrency 1,64,1024
//! ```
//!
//! It prints a table; it asserts nothing about speed (the machine is shared and noisy).

use ironflow_bridge::native::{
    EventStore, FileEventStore, InMemoryEventStore, NativeEngine, SequencedEvent, WorkflowDefinition,
    WorkflowEvent,
};
use ironflow_bridge::parallel::map_in_order;
use ironflow_bridge::translate::{StateRepresentation, TranslateOptions, from_history, to_history};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::{Duration, Instant};

struct Args {
    events: usize,
    wal_concurrency: Vec<usize>,
    single_appender_events: usize,
    /// Which parts to run (`convert`, `json`, `export`, `wal`); all when empty.
    only: Vec<String>,
}

impl Args {
    fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        events: 1_000_000,
        wal_concurrency: vec![64, 1024],
        single_appender_events: 2_000,
        only: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--events" => args.events = parse_num(&value("--events")?)?,
            "--single-appender-events" => {
                args.single_appender_events = parse_num(&value("--single-appender-events")?)?
            }
            "--wal-concurrency" => {
                args.wal_concurrency = value("--wal-concurrency")?
                    .split(',')
                    .map(parse_num)
                    .collect::<Result<_, _>>()?
            }
            "--only" => args.only = value("--only")?.split(',').map(str::to_string).collect(),
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

fn parse_num(s: &str) -> Result<usize, String> {
    s.replace('_', "")
        .parse()
        .map_err(|e| format!("`{s}` is not a count: {e}"))
}

/// One instance of the bridge tests' order workflow as the reference engine records it: started,
/// reserved, a charge that fails twice and then succeeds, approved, shipped, completed (with every
/// state transition): 15 events.
async fn template_instance() -> (WorkflowDefinition, Vec<SequencedEvent>) {
    let definition = WorkflowDefinition::from_yaml(
        include_str!("../tests/data/bridge_order.yaml"),
        "bridge_order.yaml",
    )
    .expect("the bench definition is valid");
    let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
    let clock = Arc::new(AtomicI64::new(1_700_000_000_000));
    let charges = Arc::new(AtomicU32::new(0));
    let engine = NativeEngine::new(
        store.clone(),
        definition.clone(),
        Arc::new(move || clock.fetch_add(7, Ordering::Relaxed)),
    )
    .activity("reserve_inventory", |_| {
        Ok(json!({"reserved": true, "warehouse": "ams-1"}))
    })
    .activity("charge_payment", move |data| {
        if charges.fetch_add(1, Ordering::Relaxed) < 2 {
            Err("gateway timeout".into())
        } else {
            Ok(json!({"charge_id": format!("ch-{}", data["order"]), "amount": 4200}))
        }
    })
    .activity("ship", |_| Ok(json!("shipped")));
    engine
        .start(
            "template",
            json!({"order": 1, "customer": "c-17", "items": ["a", "b"]}),
        )
        .await
        .expect("template run");
    engine
        .signal("template", "approve", json!({"by": "alice"}))
        .await
        .expect("template signal");
    let events = store
        .get_sequenced_events("template", 1)
        .await
        .expect("template events");
    (definition, events)
}

fn with_id(event: &WorkflowEvent, id: &str) -> WorkflowEvent {
    let mut e = event.clone();
    match &mut e {
        WorkflowEvent::WorkflowStarted { workflow_id, .. }
        | WorkflowEvent::ActivityStarted { workflow_id, .. }
        | WorkflowEvent::ActivityCompleted { workflow_id, .. }
        | WorkflowEvent::ActivityFailed { workflow_id, .. }
        | WorkflowEvent::SignalReceived { workflow_id, .. }
        | WorkflowEvent::StateTransitioned { workflow_id, .. }
        | WorkflowEvent::WorkflowCompleted { workflow_id, .. }
        | WorkflowEvent::WorkflowFailed { workflow_id, .. } => *workflow_id = id.to_string(),
    }
    e
}

fn instances(template: &[SequencedEvent], events: usize) -> Vec<Vec<SequencedEvent>> {
    let count = events.div_ceil(template.len());
    (0..count)
        .map(|i| {
            let id = format!("order-{i:07}");
            template
                .iter()
                .map(|s| SequencedEvent {
                    sequence: s.sequence,
                    event: with_id(&s.event, &id),
                })
                .collect()
        })
        .collect()
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

struct Row {
    what: String,
    events: usize,
    elapsed: Duration,
    note: String,
}

impl Row {
    fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "\n| {:<50} | {:>9} | {:>9} | {:>13} | note",
        "operation", "events", "seconds", "events/s"
    );
    println!("|{:-<52}|{:->11}|{:->11}|{:->15}|------", "", "", "", "");
    for r in rows {
        println!(
            "| {:<50} | {:>9} | {:>9.3} | {:>13.0} | {}",
            r.what,
            r.events,
            r.elapsed.as_secs_f64(),
            r.rate(),
            r.note
        );
    }
}

fn translate_rows(
    args: &Args,
    definition: &WorkflowDefinition,
    all: &[Vec<SequencedEvent>],
    rows: &mut Vec<Row>,
) {
    let total: usize = all.iter().map(Vec::len).sum();
    let options = TranslateOptions::for_definition(definition);

    if args.runs("convert") {
        let start = Instant::now();
        let mut temporal_events = 0;
        for events in all {
            temporal_events += to_history(events, &options).expect("translate").events.len();
        }
        rows.push(Row {
            what: "convert: native → Temporal History (proto)".into(),
            events: total,
            elapsed: start.elapsed(),
            note: format!("{} instances, {temporal_events} Temporal events", all.len()),
        });
    }

    if args.runs("convert") {
        let start = Instant::now();
        let counts = map_in_order(all, |events| {
            to_history(events, &options).expect("translate").events.len()
        });
        rows.push(Row {
            what: format!("convert: same, on {} threads", threads()),
            events: total,
            elapsed: start.elapsed(),
            note: format!("{} Temporal events", counts.iter().sum::<usize>()),
        });
    }

    if args.runs("json") {
        let start = Instant::now();
        let mut bytes = 0usize;
        for events in all {
            let history = to_history(events, &options).expect("translate");
            bytes += ironflow::history::to_json(&history).expect("json").len();
        }
        rows.push(Row {
            what: "convert: native → CLI/UI JSON text".into(),
            events: total,
            elapsed: start.elapsed(),
            note: format!("{} MiB of JSON", bytes / (1 << 20)),
        });
    }

    if args.runs("json") {
        let start = Instant::now();
        let bytes = map_in_order(all, |events| {
            let history = to_history(events, &options).expect("translate");
            ironflow::history::to_json(&history).expect("json").len()
        });
        rows.push(Row {
            what: format!("convert: same, on {} threads", threads()),
            events: total,
            elapsed: start.elapsed(),
            note: format!("{} MiB of JSON", bytes.iter().sum::<usize>() / (1 << 20)),
        });
    }

    if args.runs("export") {
        let histories: Vec<_> = all
            .iter()
            .map(|events| to_history(events, &options).expect("translate"))
            .collect();
        let states = StateRepresentation::SearchAttribute("LegacyState".into());
        let start = Instant::now();
        let mut exported = 0;
        for history in &histories {
            exported += from_history(history, "", &states, Some(&definition.initial_state))
                .expect("export")
                .len();
        }
        assert_eq!(exported, total, "the export lost events");
        rows.push(Row {
            what: "export: Temporal History → native".into(),
            events: total,
            elapsed: start.elapsed(),
            note: String::new(),
        });
    }
}

/// Appends every instance's events in order, `concurrency` instances at a time, each append
/// acknowledged only after fsync.
async fn wal_row(all: &[Vec<SequencedEvent>], concurrency: usize, limit: usize) -> Row {
    let dir = std::env::temp_dir().join(format!("ironflow-wal-bench-{}-{concurrency}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Arc::new(FileEventStore::open(&dir).expect("open WAL"));
    let mut per_task: Vec<Vec<WorkflowEvent>> = vec![Vec::new(); concurrency];
    let mut taken = 0;
    'outer: for (i, instance) in all.iter().enumerate() {
        for e in instance {
            if taken == limit {
                break 'outer;
            }
            per_task[i % concurrency].push(e.event.clone());
            taken += 1;
        }
    }
    let start = Instant::now();
    let tasks: Vec<_> = per_task
        .into_iter()
        .map(|events| {
            let store = store.clone();
            tokio::spawn(async move {
                for e in events {
                    store.append_event(e).await.expect("append");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("appender");
    }
    let elapsed = start.elapsed();
    let stats = store.stats();
    let bytes = std::fs::metadata(store.path()).map(|m| m.len()).unwrap_or(0);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Row {
        what: format!("WAL append, fsync on, {concurrency} concurrent appender(s)"),
        events: taken,
        elapsed,
        note: format!(
            "{} fsyncs ({:.1} events/fsync, {:.0} µs/fsync), {} MiB",
            stats.syncs,
            stats.appends as f64 / stats.syncs.max(1) as f64,
            elapsed.as_micros() as f64 / stats.syncs.max(1) as f64,
            bytes / (1 << 20)
        ),
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bridge bench: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (definition, template) = runtime.block_on(template_instance());
    let all = instances(&template, args.events);
    let total: usize = all.iter().map(Vec::len).sum();
    println!(
        "bridge bench: {total} native events ({} instances × {} events), {} CPU(s)",
        all.len(),
        template.len(),
        threads()
    );
    let mut rows = Vec::new();
    translate_rows(&args, &definition, &all, &mut rows);
    if args.runs("wal") {
        rows.push(runtime.block_on(wal_row(&all, 1, args.single_appender_events)));
        for &c in &args.wal_concurrency {
            rows.push(runtime.block_on(wal_row(&all, c, usize::MAX)));
        }
    }
    print_table(&rows);
}
