//! The replayer: runs recorded histories against the current workflow code, with no server, and
//! reports whether the code still makes the same decisions.
//!
//! Use it in CI before deploying a changed workflow: export histories of running and recent
//! workflows (`temporal workflow show -o json`, the Web UI's download, or
//! [`crate::client::WorkflowHandle::fetch_history`]) and replay them against the new code. A
//! non-determinism error names the mismatch (for example a renamed activity, an extra timer, or
//! activities in a different order).
//!
//! ```no_run
//! # use ironflow::{Workflow, WorkflowContext, WorkflowResult};
//! # struct Hello;
//! # impl Workflow for Hello { const NAME: &'static str = "Hello"; type Input = String; type Output = String;
//! #   async fn run(_c: WorkflowContext, n: String) -> WorkflowResult<String> { Ok(n) } }
//! use ironflow::replay::Replayer;
//!
//! # async fn check() -> Result<(), Box<dyn std::error::Error>> {
//! let report = Replayer::new().register_workflow::<Hello>().replay_dir("histories/").await?;
//! print!("{report}");
//! assert!(report.all_passed());
//! # Ok(()) }
//! ```
//!
//! Before replay, each history is validated ([`crate::history::validate`]): Core can hang or
//! panic on some malformed histories, so those are reported as invalid instead. Each history is
//! also bounded by a timeout (default 30 s).

use crate::client::{Client, ClientError};
use crate::executor::registry::WorkflowRegistry;
use crate::history::{self, History, history_event::Attributes};
use crate::workflow::{Workflow, registration};
use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod batch;
mod explain;

/// How the replay of one history ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// The code made the same decisions as the history records.
    Passed,
    /// The code made different decisions: Core's message names the mismatch.
    Nondeterminism(String),
    /// The workflow task failed (a panic, an unknown workflow type, a non-SDK wake-up, ...).
    WorkflowTaskFailure(String),
    /// The history is malformed; it was not replayed.
    InvalidHistory(String),
    /// Replay did not finish within the timeout.
    TimedOut(Duration),
    /// Something else went wrong (Core's eviction reason and message).
    Internal(String),
}

impl ReplayOutcome {
    /// A short name for the kind of outcome.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Nondeterminism(_) => "non-determinism",
            Self::WorkflowTaskFailure(_) => "workflow task failure",
            Self::InvalidHistory(_) => "invalid history",
            Self::TimedOut(_) => "timed out",
            Self::Internal(_) => "internal error",
        }
    }

    /// The message, when the replay did not pass.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Passed => None,
            Self::Nondeterminism(m)
            | Self::WorkflowTaskFailure(m)
            | Self::InvalidHistory(m)
            | Self::Internal(m) => Some(m.clone()),
            Self::TimedOut(d) => Some(format!("no progress within {d:?}")),
        }
    }
}

/// The replay of one history.
#[derive(Debug, Clone)]
pub struct ReplayResult {
    /// Where the history came from (a file path, a workflow id, ...).
    pub source: String,
    /// The workflow id the history was replayed as.
    pub workflow_id: String,
    /// The workflow type named by the history.
    pub workflow_type: String,
    /// The number of events.
    pub events: usize,
    /// How it ended.
    pub outcome: ReplayOutcome,
    /// When it did not pass: the mismatch in plain words (the event, what the history has, what
    /// the code did, as far as Core says); `outcome.message()` has Core's full message.
    pub mismatch: Option<String>,
}

impl ReplayResult {
    /// True when the code made the same decisions.
    pub fn passed(&self) -> bool {
        self.outcome == ReplayOutcome::Passed
    }
}

/// The replays of several histories.
#[derive(Debug, Clone, Default)]
pub struct ReplayReport {
    /// One result per history, in input order.
    pub results: Vec<ReplayResult>,
}

impl ReplayReport {
    /// True when every history passed.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(ReplayResult::passed)
    }

    /// The results that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &ReplayResult> {
        self.results.iter().filter(|r| !r.passed())
    }
}

impl fmt::Display for ReplayReport {
    /// A table: one line per history, then a summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            write!(
                f,
                "{:<22} {} ({}, {} events)",
                r.outcome.kind(),
                r.source,
                r.workflow_type,
                r.events
            )?;
            if let Some(m) = r.mismatch.clone().or_else(|| r.outcome.message()) {
                write!(f, ": {m}")?;
            }
            writeln!(f)?;
        }
        let passed = self.results.iter().filter(|r| r.passed()).count();
        writeln!(f, "{passed} of {} histories replayed cleanly", self.results.len())
    }
}

/// One history to replay.
#[derive(Debug, Clone)]
pub struct ReplayInput {
    /// Where it came from, for the report.
    pub source: String,
    /// The workflow id (histories do not always record it).
    pub workflow_id: String,
    /// The history.
    pub history: History,
}

impl ReplayInput {
    /// A history with a label; the workflow id is taken from the history when it records one.
    pub fn new(source: impl Into<String>, history: History) -> Self {
        let source = source.into();
        let workflow_id = recorded_workflow_id(&history).unwrap_or_else(|| source.clone());
        Self {
            source,
            workflow_id,
            history,
        }
    }
}

fn recorded_workflow_id(history: &History) -> Option<String> {
    match history.events.first()?.attributes.as_ref()? {
        Attributes::WorkflowExecutionStartedEventAttributes(a) if !a.workflow_id.is_empty() => {
            Some(a.workflow_id.clone())
        }
        _ => None,
    }
}

/// Why a set of histories could not be gathered (reading files); replay failures themselves are
/// reported in [`ReplayReport`], not as errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A directory could not be listed.
    #[error("cannot list {path}: {source}")]
    Io {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Fetching a history from the server failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Replays histories against registered workflows. See the [module docs](self).
pub struct Replayer {
    workflows: WorkflowRegistry,
    timeout: Duration,
    parallelism: usize,
    converter: crate::codec::DataConverter,
}

impl Default for Replayer {
    fn default() -> Self {
        Self::new()
    }
}

/// A history ready for Core.
#[derive(Clone)]
struct Prepared {
    index: usize,
    run_id: String,
    task_queue: String,
    input: ReplayInput,
}

impl Replayer {
    /// A replayer with no workflows and a 30 s timeout per history.
    pub fn new() -> Self {
        Self {
            workflows: WorkflowRegistry::default(),
            timeout: Duration::from_secs(30),
            parallelism: std::thread::available_parallelism().map_or(1, usize::from),
            converter: crate::codec::DataConverter::default(),
        }
    }

    /// Decodes the histories' payloads with these codecs (the ones the workers that wrote them
    /// used; see [`crate::codec`]). Without them, an encoded payload fails the replay with a
    /// verdict naming its encoding.
    pub fn data_converter(mut self, converter: crate::codec::DataConverter) -> Self {
        self.converter = converter;
        self
    }

    /// Registers a workflow type to replay histories of.
    pub fn register_workflow<W: Workflow>(mut self) -> Self {
        registration::register::<W>(&mut self.workflows);
        self
    }

    /// Registers the catch-all workflow (see [`crate::dynamic`]).
    pub fn register_dynamic_workflow<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(crate::WorkflowContext, crate::dynamic::DynamicInput) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::WorkflowResult<serde_json::Value>> + 'static,
    {
        registration::register_dynamic(&mut self.workflows, f);
        self
    }

    /// How long one history may take before it is reported as timed out.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many histories are replayed at once (default: the number of CPUs). Core replays one
    /// history at a time per replay worker, so the replayer splits the histories into this many
    /// shards, each on its own Core replay worker and workflow thread. Results are reported in
    /// input order whatever this is.
    pub fn parallelism(mut self, shards: usize) -> Self {
        self.parallelism = shards.max(1);
        self
    }

    /// Replays one history.
    pub async fn replay_history(&self, source: &str, history: &History) -> ReplayResult {
        let mut report = self
            .replay_all(vec![ReplayInput::new(source, history.clone())])
            .await;
        report.results.remove(0)
    }

    /// Replays one JSON history file (CLI or UI format).
    pub async fn replay_file(&self, path: impl AsRef<Path>) -> ReplayResult {
        let mut report = self.replay_files([path.as_ref().to_path_buf()]).await;
        report.results.remove(0)
    }

    /// Replays the history of a workflow run fetched from a server (`run_id` `None`: latest run).
    pub async fn replay_from_server(
        &self,
        client: &Client,
        workflow_id: &str,
        run_id: Option<String>,
    ) -> Result<ReplayResult, ReplayError> {
        let history = client
            .workflow_handle::<()>(workflow_id, run_id)
            .fetch_history()
            .await?;
        let mut input = ReplayInput::new(format!("workflow {workflow_id}"), history);
        input.workflow_id = workflow_id.to_string();
        Ok(self.replay_all(vec![input]).await.results.remove(0))
    }

    /// Replays JSON history files; a file that cannot be read is reported as an invalid history.
    pub async fn replay_files(&self, paths: impl IntoIterator<Item = PathBuf>) -> ReplayReport {
        let mut inputs = Vec::new();
        let mut unreadable = Vec::new();
        for (i, path) in paths.into_iter().enumerate() {
            let source = path.display().to_string();
            match history::read_file(&path) {
                Ok(history) => {
                    let mut input = ReplayInput::new(&source, history);
                    if recorded_workflow_id(&input.history).is_none() {
                        input.workflow_id = path
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_else(|| source.clone());
                    }
                    inputs.push((i, input));
                }
                Err(e) => unreadable.push((
                    i,
                    ReplayResult {
                        source: source.clone(),
                        workflow_id: String::new(),
                        workflow_type: String::new(),
                        events: 0,
                        outcome: ReplayOutcome::InvalidHistory(e.to_string()),
                        mismatch: None,
                    },
                )),
            }
        }
        let order: Vec<usize> = inputs.iter().map(|(i, _)| *i).collect();
        let report = self
            .replay_all(inputs.into_iter().map(|(_, input)| input).collect())
            .await;
        let mut all: Vec<(usize, ReplayResult)> =
            order.into_iter().zip(report.results).chain(unreadable).collect();
        all.sort_by_key(|(i, _)| *i);
        ReplayReport {
            results: all.into_iter().map(|(_, r)| r).collect(),
        }
    }

    /// Replays every `*.json` file of a directory, in name order.
    pub async fn replay_dir(&self, dir: impl AsRef<Path>) -> Result<ReplayReport, ReplayError> {
        let dir = dir.as_ref();
        let io = |source: std::io::Error| ReplayError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        Ok(self.replay_files(paths).await)
    }

    /// Replays histories, in order.
    pub async fn replay_all(&self, inputs: Vec<ReplayInput>) -> ReplayReport {
        let mut results: Vec<Option<ReplayResult>> = vec![None; inputs.len()];
        let mut scheduled = Vec::with_capacity(inputs.len());
        let mut queue = VecDeque::new();
        for (index, input) in inputs.into_iter().enumerate() {
            let (workflow_type, task_queue) =
                history::workflow_type_and_task_queue(&input.history).unwrap_or_default();
            let base = ReplayResult {
                source: input.source.clone(),
                workflow_id: input.workflow_id.clone(),
                workflow_type,
                events: input.history.events.len(),
                outcome: ReplayOutcome::Passed,
                mismatch: None,
            };
            scheduled.push(explain::scheduled_activities(&input.history));
            if let Err(message) = replayable(&input.history) {
                results[index] = Some(ReplayResult {
                    outcome: ReplayOutcome::InvalidHistory(message),
                    ..base
                });
                continue;
            }
            let run_id = original_run_id(&input.history).unwrap_or_default();
            // Replaced by the replay's outcome; stays only if the replay worker itself died.
            results[index] = Some(ReplayResult {
                outcome: ReplayOutcome::Internal("not replayed: its replay worker stopped".into()),
                ..base
            });
            queue.push_back(Prepared {
                index,
                run_id,
                task_queue,
                input,
            });
        }
        give_unique_run_ids(&mut queue);
        let shards = self.parallelism.min(queue.len()).max(1);
        let mut shard_queues: Vec<VecDeque<Prepared>> = (0..shards).map(|_| VecDeque::new()).collect();
        for (i, p) in queue.into_iter().enumerate() {
            shard_queues[i % shards].push_back(p);
        }
        let registry = Arc::new(self.workflows.clone());
        let timeout = self.timeout;
        let mut running = tokio::task::JoinSet::new();
        for mut shard in shard_queues {
            let registry = registry.clone();
            let converter = self.converter.clone();
            running.spawn(async move {
                let mut outcomes = Vec::new();
                while !shard.is_empty() {
                    outcomes.extend(batch::run(&registry, &converter, timeout, &mut shard).await);
                }
                outcomes
            });
        }
        while let Some(joined) = running.join_next().await {
            match joined {
                Ok(outcomes) => {
                    for (index, outcome) in outcomes {
                        if let Some(r) = results[index].as_mut() {
                            r.outcome = outcome;
                        }
                    }
                }
                // A shard's task can only end this way if Core panicked; its histories keep
                // the "not replayed" outcome.
                Err(e) => tracing::error!(error = %e, "a replay shard stopped"),
            }
        }
        for (r, scheduled) in results.iter_mut().zip(&scheduled) {
            if let Some(r) = r.as_mut()
                && matches!(
                    r.outcome,
                    ReplayOutcome::Nondeterminism(_) | ReplayOutcome::WorkflowTaskFailure(_)
                )
            {
                r.mismatch = r.outcome.message().map(|m| explain::explain(&m, scheduled));
            }
        }
        ReplayReport {
            results: results.into_iter().flatten().collect(),
        }
    }
}

/// A valid history with at least one workflow task to replay (Core waits forever otherwise).
fn replayable(history: &History) -> Result<(), String> {
    history::validate(history).map_err(|e| e.to_string())?;
    let started = history.events.iter().any(|e| {
        matches!(
            e.attributes,
            Some(Attributes::WorkflowTaskStartedEventAttributes(_))
        )
    });
    if !started {
        return Err("nothing to replay: no workflow task has started in this history".into());
    }
    Ok(())
}

fn original_run_id(history: &History) -> Option<String> {
    match history.events.first()?.attributes.as_ref()? {
        Attributes::WorkflowExecutionStartedEventAttributes(a) => Some(a.original_execution_run_id.clone()),
        _ => None,
    }
}

/// Core keys runs by the original run id: give histories without one (or sharing one) a
/// distinct id, so results can be told apart.
fn give_unique_run_ids(queue: &mut VecDeque<Prepared>) {
    let mut seen = std::collections::HashSet::new();
    for p in queue.iter_mut() {
        if p.run_id.is_empty() || !seen.insert(p.run_id.clone()) {
            let id = uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("ironflow-replay/{}", p.index).as_bytes(),
            )
            .to_string();
            if let Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) = p
                .input
                .history
                .events
                .first_mut()
                .and_then(|e| e.attributes.as_mut())
            {
                a.original_execution_run_id = id.clone();
            }
            seen.insert(id.clone());
            p.run_id = id;
        }
    }
}
