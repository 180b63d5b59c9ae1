//! `ironflow-bridge`: move workflows from the Ironflow native engine onto Temporal.

use clap::{Parser, Subcommand};
use ironflow::client::{Client, ConnectOptions};
use ironflow::history;
use ironflow::replay::{ReplayInput, Replayer};
use ironflow_bridge::interpreter::{Definitions, interpreter};
use ironflow_bridge::migrate::{MigrateOptions, MigrationOutcome, migrate, sanitize};
use ironflow_bridge::native::{
    EventStore, FileEventStore, InMemoryEventStore, SequencedEvent, WorkflowDefinition, WorkflowEvent,
    check_against_definition, rebuild,
};
use ironflow_bridge::translate::{StateRepresentation, TranslateOptions, from_history, to_history};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "ironflow-bridge",
    version,
    about = "Move workflows from the Ironflow native engine onto Temporal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where native events come from.
#[derive(clap::Args)]
struct Source {
    /// A native event store directory (its `events.wal`).
    #[arg(long, conflicts_with = "events")]
    store: Option<PathBuf>,
    /// A JSON-lines file of native events (one `WorkflowEvent` per line, in order).
    #[arg(long)]
    events: Option<PathBuf>,
}

/// How to reach Temporal: the CLI's profile and `TEMPORAL_*` environment variables (address,
/// namespace, API key, TLS), as `ConnectOptions::from_env` reads them, then these flags.
#[derive(clap::Args)]
struct Server {
    /// The Temporal frontend, `host:port` (default: the profile's, `TEMPORAL_ADDRESS`, or
    /// `localhost:7233`).
    #[arg(long)]
    address: Option<String>,
    /// The namespace (default: the profile's, `TEMPORAL_NAMESPACE`, or `default`).
    #[arg(long)]
    namespace: Option<String>,
    /// The profile of the config file (`TEMPORAL_CONFIG_FILE`, `~/.config/temporalio/temporal.toml`)
    /// instead of `TEMPORAL_PROFILE`'s.
    #[arg(long)]
    profile: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Translate native logs into Temporal history JSON files (CLI/Web UI format). With
    /// definitions, each log is first checked against its definition and refused if it does not
    /// fit; without, the logs are code-driven workflows and state transitions are dropped.
    Convert {
        #[command(flatten)]
        source: Source,
        /// Directory of workflow definitions (YAML/JSON); omit for code-driven workflows.
        #[arg(long)]
        definitions: Option<PathBuf>,
        /// Convert logs that do not fit their definition anyway, listing the departures.
        #[arg(long)]
        lenient: bool,
        /// Where to write `<workflow id>.json`.
        #[arg(long)]
        out: PathBuf,
        /// Only this instance.
        #[arg(long)]
        workflow_id: Option<String>,
        /// The task queue written into the histories.
        #[arg(long, default_value = "ironflow-bridge")]
        task_queue: String,
    },
    /// Export a Temporal run as native events (JSON lines, or appended to a store).
    Export {
        #[command(flatten)]
        server: Server,
        /// The workflow id.
        #[arg(long)]
        workflow_id: String,
        /// The run (default: the latest).
        #[arg(long)]
        run_id: Option<String>,
        /// Directory of definitions, to name the first state transition's origin.
        #[arg(long)]
        definitions: Option<PathBuf>,
        /// Write JSON lines here (default: standard output).
        #[arg(long, conflicts_with = "store")]
        out: Option<PathBuf>,
        /// Append to this native store instead.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Replay translated native logs (or JSON histories) against the interpreter.
    Replay {
        /// Directory of workflow definitions.
        #[arg(long)]
        definitions: PathBuf,
        #[command(flatten)]
        source: Source,
        /// A directory of JSON histories, instead of native logs.
        #[arg(long, conflicts_with_all = ["store", "events"])]
        histories: Option<PathBuf>,
        /// Also print Core's full message for each history that does not replay.
        #[arg(long)]
        verbose: bool,
    },
    /// Build a native WAL store from an engine's JSON-lines export: each instance's log is
    /// checked (the engine's rules, and its definition when given) before anything is written;
    /// running it again adds only what is new.
    Import {
        /// The JSON-lines export (one `WorkflowEvent` per line, in order).
        #[arg(long)]
        events: PathBuf,
        /// The store directory (created if needed).
        #[arg(long)]
        store: PathBuf,
        /// Directory of definitions to check the logs against.
        #[arg(long)]
        definitions: Option<PathBuf>,
        /// Import logs that do not fit their definition anyway, listing the departures.
        #[arg(long)]
        lenient: bool,
    },
    /// Rebuild and print the state of native instances (checked against their definitions
    /// when given).
    Inspect {
        #[command(flatten)]
        source: Source,
        /// Only this instance.
        #[arg(long)]
        workflow_id: Option<String>,
        /// Directory of definitions (to know the initial state and check the logs).
        #[arg(long)]
        definitions: Option<PathBuf>,
        /// Print instances whose log does not fit its definition anyway, with the departures.
        #[arg(long)]
        lenient: bool,
    },
    /// Start running native instances on Temporal at their current state; export finished ones.
    Migrate {
        /// The native event store directory.
        #[arg(long)]
        store: PathBuf,
        /// Directory of workflow definitions.
        #[arg(long)]
        definitions: PathBuf,
        #[command(flatten)]
        server: Server,
        /// The task queue the interpreter workers poll.
        #[arg(long, default_value = "ironflow-bridge")]
        task_queue: String,
        /// Where finished instances' histories go (default: `<store>/exported`).
        #[arg(long)]
        export_dir: Option<PathBuf>,
        /// Report what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run an interpreter worker for the definitions (activities are served by your workers).
    /// It waits for a server that is not up yet and stops gracefully on SIGTERM or Ctrl-C.
    Worker {
        /// Directory of workflow definitions.
        #[arg(long, env = "IRONFLOW_DEFINITIONS")]
        definitions: PathBuf,
        #[command(flatten)]
        server: Server,
        /// The task queue.
        #[arg(long, env = "IRONFLOW_TASK_QUEUE", default_value = "ironflow-bridge")]
        task_queue: String,
        /// Exit at once if the server cannot be reached, instead of waiting for it.
        #[arg(long)]
        fail_fast: bool,
    },
}

type Failure = Box<dyn std::error::Error>;

fn load_definitions(dir: &Path) -> Result<Definitions, Failure> {
    let defs = WorkflowDefinition::from_dir(dir)?;
    if defs.is_empty() {
        return Err(format!("no definition files (.yaml, .yml, .json) in {}", dir.display()).into());
    }
    Ok(Definitions::new(defs))
}

/// Opens an existing native store; a directory without `events.wal` is refused rather than
/// turned into an empty store.
fn open_store(dir: &Path) -> Result<FileEventStore, Failure> {
    if !dir.join("events.wal").exists() {
        return Err(format!("{} has no events.wal: not a native event store", dir.display()).into());
    }
    Ok(FileEventStore::open(dir)?)
}

async fn open_source(source: &Source) -> Result<Arc<dyn EventStore>, Failure> {
    match (&source.store, &source.events) {
        (Some(dir), _) => Ok(Arc::new(open_store(dir)?)),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let store = InMemoryEventStore::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let event: WorkflowEvent = serde_json::from_str(line)
                    .map_err(|e| format!("{} line {}: {e}", file.display(), n + 1))?;
                store.append_event(event).await?;
            }
            Ok(Arc::new(store))
        }
        (None, None) => Err("give --store <dir> or --events <file.jsonl>".into()),
    }
}

async fn instances(
    store: &dyn EventStore,
    only: Option<&str>,
) -> Result<Vec<(String, Vec<SequencedEvent>)>, Failure> {
    let ids = match only {
        Some(id) => vec![id.to_string()],
        None => store.workflow_ids().await?,
    };
    let mut out = Vec::new();
    for id in ids {
        let events = store.get_sequenced_events(&id, 1).await?;
        if events.is_empty() {
            return Err(format!("no events for workflow `{id}`").into());
        }
        out.push((id, events));
    }
    Ok(out)
}

/// Checks every log against its definition: refuses with every departure named, or with
/// `lenient` prints them as warnings and goes on.
fn check_logs(
    definitions: &Definitions,
    logs: &[(String, Vec<SequencedEvent>)],
    lenient: bool,
) -> Result<(), Failure> {
    let mut departures = Vec::new();
    for (_, events) in logs {
        let def = definition_for(definitions, events)?;
        departures.extend(check_against_definition(events, &def));
    }
    if departures.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = departures.iter().map(|d| format!("  {d}")).collect();
    if lenient {
        eprintln!(
            "warning: {} log(s) do not fit their definition (--lenient: going on):\n{}",
            departures.len(),
            list.join("\n")
        );
        Ok(())
    } else {
        Err(format!(
            "{} log(s) do not fit their definition (the histories would not replay); fix the logs or the \
             definitions, or pass --lenient:\n{}",
            departures.len(),
            list.join("\n")
        )
        .into())
    }
}

fn definition_for(
    definitions: &Definitions,
    events: &[SequencedEvent],
) -> Result<Arc<WorkflowDefinition>, Failure> {
    let name = match events.first().map(|e| &e.event) {
        Some(WorkflowEvent::WorkflowStarted { workflow_name, .. }) => workflow_name.clone(),
        _ => {
            return Err(format!(
                "workflow `{}`: the first event is not WorkflowStarted",
                events[0].event.workflow_id()
            )
            .into());
        }
    };
    definitions.get(&name, None).ok_or_else(|| {
        format!(
            "no definition named `{name}` (known: [{}])",
            definitions.names().join(", ")
        )
        .into()
    })
}

async fn connect(server: &Server) -> Result<Client, Failure> {
    connect_waiting(server, None).await
}

/// Connects; with `wait`, retries a server that cannot be reached yet for up to that long.
async fn connect_waiting(server: &Server, wait: Option<Duration>) -> Result<Client, Failure> {
    let mut options = match &server.profile {
        Some(profile) => ConnectOptions::from_profile(profile)?,
        None => ConnectOptions::from_env()?,
    };
    if let Some(address) = &server.address {
        options.address = address.clone();
    }
    if let Some(namespace) = &server.namespace {
        options.namespace = namespace.clone();
    }
    if let Some(wait) = wait {
        options = options.wait_for_server(wait);
    }
    Ok(Client::connect(options).await?)
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Convert {
            source,
            definitions,
            lenient,
            out,
            workflow_id,
            task_queue,
        } => {
            let definitions = definitions.as_deref().map(load_definitions).transpose()?;
            let store = open_source(&source).await?;
            let logs = instances(store.as_ref(), workflow_id.as_deref()).await?;
            if let Some(defs) = &definitions {
                check_logs(defs, &logs, lenient)?;
            }
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            // Translation and JSON writing are independent per instance: use every core.
            let lines = ironflow_bridge::parallel::map_in_order(&logs, |(id, events)| {
                let options = match &definitions {
                    Some(defs) => TranslateOptions {
                        task_queue: task_queue.clone(),
                        ..TranslateOptions::for_definition(
                            &*definition_for(defs, events).map_err(|e| e.to_string())?,
                        )
                    },
                    None => TranslateOptions {
                        task_queue: task_queue.clone(),
                        states: StateRepresentation::Dropped,
                        ..TranslateOptions::default()
                    },
                };
                let h = to_history(events, &options).map_err(|e| e.to_string())?;
                let path = out.join(format!("{}.json", sanitize(id)));
                history::write_file(&path, &h).map_err(|e| e.to_string())?;
                Ok::<_, String>(format!(
                    "{id}: {} native events -> {} history events -> {}",
                    events.len(),
                    h.events.len(),
                    path.display()
                ))
            });
            let mut count = 0;
            for line in lines {
                println!("{}", line?);
                count += 1;
            }
            println!("converted {count} instance(s)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            server,
            workflow_id,
            run_id,
            definitions,
            out,
            store,
        } => {
            let client = connect(&server).await?;
            let history = client
                .workflow_handle::<()>(&workflow_id, run_id)
                .fetch_history()
                .await?;
            let initial = match &definitions {
                Some(dir) => {
                    let defs = load_definitions(dir)?;
                    let (name, _) = history::workflow_type_and_task_queue(&history).unwrap_or_default();
                    defs.get(&name, None).map(|d| d.initial_state.clone())
                }
                None => None,
            };
            let states =
                StateRepresentation::SearchAttribute(ironflow_bridge::interpreter::STATE_ATTRIBUTE.into());
            let events = from_history(&history, &workflow_id, &states, initial.as_deref())?;
            match (out, store) {
                (_, Some(dir)) => {
                    let store = FileEventStore::open(&dir)?;
                    for e in &events {
                        store.append_event(e.clone()).await?;
                    }
                    println!(
                        "appended {} event(s) of {workflow_id} to {}",
                        events.len(),
                        dir.display()
                    );
                }
                (Some(path), None) => {
                    let lines: Vec<String> = events
                        .iter()
                        .map(serde_json::to_string)
                        .collect::<Result<_, _>>()?;
                    std::fs::write(&path, lines.join("\n") + "\n")
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    println!(
                        "wrote {} event(s) of {workflow_id} to {}",
                        events.len(),
                        path.display()
                    );
                }
                (None, None) => {
                    for e in &events {
                        println!("{}", serde_json::to_string(e)?);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay {
            definitions,
            source,
            histories,
            verbose,
        } => {
            let defs = load_definitions(&definitions)?;
            let replayer = Replayer::new().register_dynamic_workflow(interpreter(defs.clone()));
            let report = match histories {
                Some(dir) => replayer.replay_dir(&dir).await?,
                None => {
                    let store = open_source(&source).await?;
                    let mut inputs = Vec::new();
                    for (id, events) in instances(store.as_ref(), None).await? {
                        let def = definition_for(&defs, &events)?;
                        let h = to_history(&events, &TranslateOptions::for_definition(&def))?;
                        let mut input = ReplayInput::new(id.clone(), h);
                        input.workflow_id = id;
                        inputs.push(input);
                    }
                    replayer.replay_all(inputs).await
                }
            };
            print!("{report}");
            if verbose {
                for r in report.failures() {
                    println!(
                        "\n{} ({}), Core's message:\n{}",
                        r.source,
                        r.outcome.kind(),
                        r.outcome.message().unwrap_or_default()
                    );
                }
            }
            Ok(if report.all_passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Import {
            events,
            store,
            definitions,
            lenient,
        } => {
            let source = Source {
                store: None,
                events: Some(events.clone()),
            };
            let incoming = open_source(&source).await?;
            let logs = instances(incoming.as_ref(), None).await?;
            let defs = definitions.as_deref().map(load_definitions).transpose()?;
            for (_, log) in &logs {
                let initial = match &defs {
                    Some(d) => Some(definition_for(d, log)?.initial_state.clone()),
                    None => None,
                };
                ironflow_bridge::native::check_log(log, initial.as_deref())?;
            }
            if let Some(defs) = &defs {
                check_logs(defs, &logs, lenient)?;
            }
            let target = FileEventStore::open(&store)?;
            let (mut imported, mut appended, mut present) = (0, 0, 0);
            for (id, log) in &logs {
                let existing = target.get_sequenced_events(id, 1).await?;
                let same =
                    existing.len() <= log.len() && existing.iter().zip(log).all(|(a, b)| a.event == b.event);
                if !same {
                    let at = existing
                        .iter()
                        .zip(log)
                        .position(|(a, b)| a.event != b.event)
                        .unwrap_or(log.len());
                    return Err(format!(
                        "workflow `{id}`: the store {} already holds a different log (event #{} differs); nothing \
                         of it was imported",
                        store.display(),
                        at + 1
                    )
                    .into());
                }
                if existing.len() == log.len() {
                    present += 1;
                    continue;
                }
                for e in &log[existing.len()..] {
                    target.append_event(e.event.clone()).await?;
                }
                appended += log.len() - existing.len();
                imported += 1;
            }
            println!(
                "imported {imported} instance(s) ({appended} events) into {}; {present} already there",
                store.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect {
            source,
            workflow_id,
            definitions,
            lenient,
        } => {
            let defs = definitions.as_deref().map(load_definitions).transpose()?;
            let store = open_source(&source).await?;
            let logs = instances(store.as_ref(), workflow_id.as_deref()).await?;
            if let Some(defs) = &defs {
                check_logs(defs, &logs, lenient)?;
            }
            for (_, events) in logs {
                let initial = match &defs {
                    Some(d) => Some(definition_for(d, &events)?.initial_state.clone()),
                    None => None,
                };
                let instance = rebuild(&events, initial.as_deref())?;
                println!("{}", serde_json::to_string_pretty(&instance)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate {
            store,
            definitions,
            server,
            task_queue,
            export_dir,
            dry_run,
        } => {
            let defs = load_definitions(&definitions)?;
            let native = open_store(&store)?;
            let client = if dry_run {
                None
            } else {
                Some(connect(&server).await?)
            };
            let options = MigrateOptions {
                task_queue,
                dry_run,
                export_dir: export_dir.unwrap_or_else(|| store.join("exported")),
            };
            let outcomes = migrate(&native, &defs, client.as_ref(), &options).await?;
            let mut failed = 0;
            for o in &outcomes {
                println!("{o}");
                failed += usize::from(matches!(o, MigrationOutcome::Failed { .. }));
            }
            let count = |f: fn(&MigrationOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
            println!(
                "{} started, {} already migrated, {} exported, {} failed{}",
                count(|o| matches!(
                    o,
                    MigrationOutcome::Started { .. } | MigrationOutcome::WouldStart { .. }
                )),
                count(|o| matches!(o, MigrationOutcome::AlreadyMigrated { .. })),
                count(|o| matches!(
                    o,
                    MigrationOutcome::Exported { .. } | MigrationOutcome::WouldExport { .. }
                )),
                failed,
                if dry_run {
                    " (dry run: nothing was changed)"
                } else {
                    ""
                }
            );
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Worker {
            definitions,
            server,
            task_queue,
            fail_fast,
        } => {
            let defs = load_definitions(&definitions)?;
            let wait = if fail_fast { None } else { Some(Duration::MAX) };
            let client = connect_waiting(&server, wait).await?;
            ironflow_bridge::interpreter::ensure_search_attributes(&client).await?;
            let worker = ironflow::Worker::builder(&client, &task_queue)
                .register_dynamic_workflow(interpreter(defs.clone()))
                .build()?;
            println!(
                "interpreter worker for [{}] on task queue {task_queue}",
                defs.names().join(", ")
            );
            worker.run_until_signal().await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ironflow-bridge: {e}");
            ExitCode::from(2)
        }
    }
}
