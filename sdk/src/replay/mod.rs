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
//! # impl Workflow for Hello { type Input = String; type Output = String; const NAME: &'static str = "Hello";
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
use crate::executor::run::RunEnvironment;
use crate::executor::threads::WorkflowThreads;
use crate::history::{self, History, history_event::Attributes};
use crate::workflow::Workflow;
use futures::StreamExt;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use temporalio_common::protos::coresdk::workflow_activation::{
    remove_from_cache::EvictionReason, workflow_activation_job,
};
use temporalio_common::protos::coresdk::workflow_completion::{
    WorkflowActivationCompletion, workflow_activation_completion,
};
use temporalio_common::worker::WorkerTaskTypes;
use temporalio_sdk_core::replay::{HistoryFeeder, HistoryForReplay, ReplayWorkerInput};
use temporalio_sdk_core::{PollError, WorkerConfig, WorkerVersioningStrategy, init_replay_worker};

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
            if let Some(m) = r.outcome.message() {
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
    #[error("cannot list {path}: {message}")]
    Io {
        /// The directory.
        path: String,
        /// Why.
        message: String,
    },
    /// Fetching a history from the server failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Replays histories against registered workflows. See the [module docs](self).
pub struct Replayer {
    workflows: WorkflowRegistry,
    timeout: Duration,
}

impl Default for Replayer {
    fn default() -> Self {
        Self::new()
    }
}

/// A history ready for Core.
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
        }
    }

    /// Registers a workflow type to replay histories of.
    pub fn register_workflow<W: Workflow>(mut self) -> Self {
        self.workflows.register::<W>();
        self
    }

    /// Registers the catch-all workflow (see [`crate::dynamic`]).
    pub fn register_dynamic_workflow<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(crate::WorkflowContext, crate::dynamic::DynamicInput) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::WorkflowResult<serde_json::Value>> + 'static,
    {
        self.workflows.register_dynamic(f);
        self
    }

    /// How long one history may take before it is reported as timed out.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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
        let io = |e: std::io::Error| ReplayError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
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
            };
            if let Err(message) = replayable(&input.history) {
                results[index] = Some(ReplayResult {
                    outcome: ReplayOutcome::InvalidHistory(message),
                    ..base
                });
                continue;
            }
            let run_id = original_run_id(&input.history).unwrap_or_default();
            results[index] = Some(base);
            queue.push_back(Prepared {
                index,
                run_id,
                task_queue,
                input,
            });
        }
        give_unique_run_ids(&mut queue);
        while !queue.is_empty() {
            let outcomes = self.run_batch(&mut queue).await;
            for (index, outcome) in outcomes {
                if let Some(r) = results[index].as_mut() {
                    r.outcome = outcome;
                }
            }
        }
        ReplayReport {
            results: results.into_iter().flatten().collect(),
        }
    }

    /// Replays histories from the front of `queue` on one Core replay worker until they are done
    /// or one hangs (which is reported as timed out and removed; the caller starts a new worker
    /// for the rest).
    async fn run_batch(&self, queue: &mut VecDeque<Prepared>) -> Vec<(usize, ReplayOutcome)> {
        let mut outcomes = Vec::new();
        let config = match replay_config() {
            Ok(c) => c,
            Err(e) => {
                return queue
                    .drain(..)
                    .map(|p| (p.index, ReplayOutcome::Internal(e.clone())))
                    .collect();
            }
        };
        let (feeder, stream) = HistoryFeeder::new(1);
        let core = match init_replay_worker(ReplayWorkerInput::new(config, stream)) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                let msg = format!("cannot start Core's replay worker: {e:#}");
                return queue
                    .drain(..)
                    .map(|p| (p.index, ReplayOutcome::Internal(msg.clone())))
                    .collect();
            }
        };
        let env = RunEnvironment {
            namespace: "default".into(),
            task_queue: "ironflow-replay".into(),
        };
        let mut threads = match WorkflowThreads::start(1, Arc::new(self.workflows.clone()), env) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("cannot start a workflow thread: {e}");
                return queue
                    .drain(..)
                    .map(|p| (p.index, ReplayOutcome::Internal(msg.clone())))
                    .collect();
            }
        };
        let pending: Vec<HistoryForReplay> = queue
            .iter()
            .map(|p| HistoryForReplay::new(p.input.history.clone(), p.input.workflow_id.clone()))
            .collect();
        let feeding = tokio::spawn(async move {
            let mut items = futures::stream::iter(pending);
            while let Some(h) = items.next().await {
                if feeder.feed(h).await.is_err() {
                    break;
                }
            }
        });
        let by_run: HashMap<String, usize> = queue.iter().map(|p| (p.run_id.clone(), p.index)).collect();
        let task_queues: HashMap<String, String> = queue
            .iter()
            .map(|p| (p.run_id.clone(), p.task_queue.clone()))
            .collect();
        let mut failures: HashMap<String, String> = HashMap::new();
        let mut done: Vec<usize> = Vec::new();
        let mut last_progress = Instant::now();
        let mut hung = false;
        loop {
            let remaining = self.timeout.saturating_sub(last_progress.elapsed());
            let activation = match tokio::time::timeout(remaining, core.poll_workflow_activation()).await {
                Err(_) => {
                    hung = true;
                    break;
                }
                Ok(Err(PollError::ShutDown)) => break,
                Ok(Err(e)) => {
                    if let Some(p) = queue.iter().find(|p| !done.contains(&p.index)) {
                        outcomes.push((p.index, ReplayOutcome::Internal(format!("polling failed: {e}"))));
                        done.push(p.index);
                    }
                    break;
                }
                Ok(Ok(a)) => a,
            };
            last_progress = Instant::now();
            let run_id = activation.run_id.clone();
            if activation.is_only_eviction() {
                let (reason, message) = activation
                    .jobs
                    .iter()
                    .find_map(|j| match &j.variant {
                        Some(workflow_activation_job::Variant::RemoveFromCache(r)) => {
                            Some((EvictionReason::try_from(r.reason).ok(), r.message.clone()))
                        }
                        _ => None,
                    })
                    .unwrap_or((None, String::new()));
                let reply = threads.dispatch(activation);
                let _ = reply.reply.await;
                let _ = core
                    .complete_workflow_activation(WorkflowActivationCompletion::empty(&run_id))
                    .await;
                if let Some(&index) = by_run.get(&run_id)
                    && !done.contains(&index)
                {
                    outcomes.push((index, classify(reason, message, failures.remove(&run_id))));
                    done.push(index);
                }
                continue;
            }
            let env = task_queues.get(&run_id).map(|tq| RunEnvironment {
                namespace: "default".into(),
                task_queue: tq.clone(),
            });
            let reply = threads.dispatch_with_env(activation, env);
            let completion = match tokio::time::timeout(self.timeout, reply.reply).await {
                Ok(Ok(c)) => c,
                Ok(Err(_)) | Err(_) => {
                    hung = true;
                    break;
                }
            };
            if let Some(workflow_activation_completion::Status::Failed(f)) = &completion.status {
                failures.insert(
                    run_id.clone(),
                    f.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default(),
                );
            }
            if let Err(e) = core.complete_workflow_activation(completion).await {
                failures.insert(run_id, format!("Core rejected the completion: {e}"));
            }
        }
        feeding.abort();
        core.initiate_shutdown();
        if hung {
            if let Some(p) = queue.iter().find(|p| !done.contains(&p.index)) {
                outcomes.push((p.index, ReplayOutcome::TimedOut(self.timeout)));
                done.push(p.index);
            }
            threads.abandon();
        } else {
            // Histories Core never handed out (it stopped early) are internal errors.
            let missed: Vec<usize> = queue
                .iter()
                .map(|p| p.index)
                .filter(|i| !done.contains(i))
                .collect();
            for index in missed {
                outcomes.push((
                    index,
                    ReplayOutcome::Internal("Core finished without replaying it".into()),
                ));
                done.push(index);
            }
            let _ = tokio::task::spawn_blocking(move || drop(threads)).await;
            if let Ok(core) = Arc::try_unwrap(core) {
                core.finalize_shutdown().await;
            }
        }
        queue.retain(|p| !done.contains(&p.index));
        outcomes
    }
}

fn classify(reason: Option<EvictionReason>, message: String, failure: Option<String>) -> ReplayOutcome {
    match (reason, failure) {
        (Some(EvictionReason::Nondeterminism), _) => ReplayOutcome::Nondeterminism(message),
        (_, Some(failure)) => ReplayOutcome::WorkflowTaskFailure(failure),
        (Some(EvictionReason::LangFail), None) => ReplayOutcome::WorkflowTaskFailure(message),
        (Some(EvictionReason::LangRequested | EvictionReason::CacheFull), None) => ReplayOutcome::Passed,
        (reason, None) => ReplayOutcome::Internal(format!("evicted ({reason:?}): {message}")),
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

fn replay_config() -> Result<WorkerConfig, String> {
    WorkerConfig::builder()
        .namespace("default")
        .task_queue("ironflow-replay")
        .task_types(WorkerTaskTypes::workflow_only())
        .versioning_strategy(WorkerVersioningStrategy::None {
            build_id: "ironflow-replay".into(),
        })
        .max_outstanding_workflow_tasks(2usize)
        .max_outstanding_activities(1usize)
        .max_outstanding_local_activities(1usize)
        .max_outstanding_nexus_tasks(1usize)
        .build()
}
