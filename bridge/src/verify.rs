//! Verifying the Rust port of code-driven native workflows. The seed's engine also runs
//! workflows written as code (`WorkflowEngine::execute_activity`), with no state-machine
//! definition; their teams port each one to an Ironflow workflow. This replays every native log
//! of a store — translated without states ([`StateRepresentation::Dropped`]) — against the
//! ported workflow types, and gives one verdict per instance: the port made the same decisions
//! the old code made, or which event differs and how.
//!
//! The CLI path is [`verify_main`], called from a small program of yours that registers your
//! workflow types:
//!
//! ```no_run
//! # use ironflow::prelude::*;
//! # struct OrderWorkflow;
//! # impl Workflow for OrderWorkflow { const NAME: &'static str = "Order"; type Input = (); type Output = ();
//! #   async fn run(_c: WorkflowContext, _: ()) -> WorkflowResult<()> { Ok(()) } }
//! // src/bin/verify-port.rs:  verify-port --store /var/lib/engine/events [--verbose]
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     let replayer = ironflow::replay::Replayer::new().register_workflow::<OrderWorkflow>();
//!     ironflow_bridge::verify::verify_main(replayer).await
//! }
//! ```

use crate::native::{EventStore, EventStoreError, FileEventStore, InMemoryEventStore, WorkflowEvent};
use crate::translate::{StateRepresentation, TranslateError, TranslateOptions, to_history};
use ironflow::replay::{ReplayInput, ReplayOutcome, Replayer};
use std::fmt;
use std::path::Path;

/// The verdict on one native instance.
#[derive(Debug, Clone)]
pub struct PortVerdict {
    /// The native instance (and workflow id).
    pub workflow_id: String,
    /// The workflow name the native log records (the Ironflow workflow type replayed).
    pub workflow_type: String,
    /// Native events in the log.
    pub native_events: usize,
    /// How the replay ended.
    pub outcome: ReplayOutcome,
    /// The mismatch in plain words, when it did not pass.
    pub explanation: Option<String>,
}

impl PortVerdict {
    /// True when the port made the same decisions.
    pub fn passed(&self) -> bool {
        self.outcome == ReplayOutcome::Passed
    }
}

impl fmt::Display for PortVerdict {
    /// `passed  id (Type, N native events)`, or `FAILED  id (...): <the mismatch>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = format!(
            "{} ({}, {} native events)",
            self.workflow_id, self.workflow_type, self.native_events
        );
        match &self.explanation {
            None => write!(f, "passed  {head}"),
            Some(why) => write!(f, "FAILED  {head}: {}: {why}", self.outcome.kind()),
        }
    }
}

/// Why verification could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] EventStoreError),
    /// A log could not be translated.
    #[error(transparent)]
    Translate(#[from] TranslateError),
    /// A bad argument or input file.
    #[error("{0}")]
    Input(String),
}

/// Translates every instance of `store` without states and replays it with `replayer` (your
/// workflow types registered under the native workflow names). One verdict per instance, in
/// the store's order.
pub async fn verify_port(
    store: &dyn EventStore,
    replayer: &Replayer,
) -> Result<Vec<PortVerdict>, VerifyError> {
    let options = TranslateOptions {
        states: StateRepresentation::Dropped,
        ..TranslateOptions::default()
    };
    let mut inputs = Vec::new();
    let mut facts = Vec::new();
    for id in store.workflow_ids().await? {
        let events = store.get_sequenced_events(&id, 1).await?;
        let workflow_type = match events.first().map(|e| &e.event) {
            Some(WorkflowEvent::WorkflowStarted { workflow_name, .. }) => workflow_name.clone(),
            _ => String::new(),
        };
        let history = to_history(&events, &options)?;
        let mut input = ReplayInput::new(id.clone(), history);
        input.workflow_id = id.clone();
        inputs.push(input);
        facts.push((id, workflow_type, events.len()));
    }
    let report = replayer.replay_all(inputs).await;
    Ok(facts
        .into_iter()
        .zip(report.results)
        .map(
            |((workflow_id, workflow_type, native_events), result)| PortVerdict {
                explanation: result.mismatch.or_else(|| result.outcome.message()),
                workflow_id,
                workflow_type,
                native_events,
                outcome: result.outcome,
            },
        )
        .collect())
}

/// A command line for your verification program: `--store DIR` (a native WAL store) or
/// `--events FILE` (JSON lines of native events), `--verbose` for Core's full messages. Prints
/// one verdict per instance and a summary; exits 0 when every instance passed, 1 when one did
/// not, 2 on bad input.
pub async fn verify_main(replayer: Replayer) -> std::process::ExitCode {
    use std::process::ExitCode;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run_cli(&args, replayer).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("verify: {e}");
            ExitCode::from(2)
        }
    }
}

/// [`verify_main`] with explicit arguments; returns whether every instance passed.
pub async fn run_cli(args: &[String], replayer: Replayer) -> Result<bool, VerifyError> {
    let usage = "usage: <program> (--store DIR | --events FILE.jsonl) [--verbose]";
    let mut store_dir = None;
    let mut events_file = None;
    let mut verbose = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--store" => store_dir = it.next().cloned(),
            "--events" => events_file = it.next().cloned(),
            "--verbose" => verbose = true,
            other => return Err(VerifyError::Input(format!("unknown argument `{other}`; {usage}"))),
        }
    }
    let store: Box<dyn EventStore> = match (store_dir, events_file) {
        (Some(dir), None) => {
            if !Path::new(&dir).join("events.wal").exists() {
                return Err(VerifyError::Input(format!(
                    "{dir} has no events.wal: not a native event store"
                )));
            }
            Box::new(FileEventStore::open(Path::new(&dir))?)
        }
        (None, Some(file)) => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| VerifyError::Input(format!("{file}: {e}")))?;
            let store = InMemoryEventStore::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let event: WorkflowEvent = serde_json::from_str(line)
                    .map_err(|e| VerifyError::Input(format!("{file} line {}: {e}", n + 1)))?;
                store.append_event(event).await?;
            }
            Box::new(store)
        }
        _ => return Err(VerifyError::Input(usage.into())),
    };
    let verdicts = verify_port(store.as_ref(), &replayer).await?;
    for v in &verdicts {
        println!("{v}");
        if verbose && let Some(full) = v.outcome.message() {
            println!("        {}", full.replace('\n', "\n        "));
        }
    }
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    println!(
        "{} instance(s): {} passed, {failed} failed",
        verdicts.len(),
        verdicts.len() - failed
    );
    Ok(failed == 0)
}
