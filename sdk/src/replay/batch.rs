//! One Core replay worker driven over a queue of histories.
//!
//! Core's replay worker hands out one history at a time and waits for its run to finish before
//! the next, so one worker is a serial chain: Core decodes a workflow task, the workflow thread
//! runs the code, Core checks the commands. The replayer runs several of these chains at once
//! (one per shard, see [`super::Replayer::parallelism`]); this module is one chain.

use super::{Prepared, ReplayOutcome};
use crate::codec::DataConverter;
use crate::executor::registry::WorkflowRegistry;
use crate::executor::run::RunEnvironment;
use crate::executor::threads::WorkflowThreads;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::protos::coresdk::workflow_activation::{
    WorkflowActivation, remove_from_cache::EvictionReason, workflow_activation_job,
};
use temporalio_common::protos::coresdk::workflow_completion::{
    WorkflowActivationCompletion, workflow_activation_completion,
};
use temporalio_common::worker::WorkerTaskTypes;
use temporalio_sdk_core::replay::{HistoryFeeder, HistoryForReplay, ReplayWorkerInput};
use temporalio_sdk_core::{PollError, WorkerConfig, WorkerVersioningStrategy, init_replay_worker};

/// The histories of one chain and how far it got.
struct Batch {
    items: Arc<Vec<Prepared>>,
    /// Run id → position in `items`.
    by_run: HashMap<String, usize>,
    /// Positions whose outcome is known.
    done: HashSet<usize>,
    outcomes: Vec<(usize, ReplayOutcome)>,
}

impl Batch {
    fn finish(&mut self, position: usize, outcome: ReplayOutcome) {
        if self.done.insert(position) {
            self.outcomes.push((self.items[position].index, outcome));
        }
    }

    fn first_unfinished(&self) -> Option<usize> {
        (0..self.items.len()).find(|p| !self.done.contains(p))
    }
}

/// Replays histories from the front of `queue` on one Core replay worker until they are all
/// done, one hangs, or Core stops early; a hung history is reported as timed out, and the
/// histories not replayed stay in `queue` for a fresh worker. Returns (input index, outcome)
/// pairs.
pub(super) async fn run(
    registry: &Arc<WorkflowRegistry>,
    converter: &DataConverter,
    timeout: Duration,
    queue: &mut VecDeque<Prepared>,
) -> Vec<(usize, ReplayOutcome)> {
    let fail_all = |queue: &mut VecDeque<Prepared>, message: String| {
        queue
            .drain(..)
            .map(|p| (p.index, ReplayOutcome::Internal(message.clone())))
            .collect()
    };
    let config = match replay_config() {
        Ok(c) => c,
        Err(e) => return fail_all(queue, e),
    };
    let (feeder, stream) = HistoryFeeder::new(1);
    let core = match init_replay_worker(ReplayWorkerInput::new(config, stream)) {
        Ok(c) => c,
        Err(e) => return fail_all(queue, format!("cannot start Core's replay worker: {e:#}")),
    };
    let env = RunEnvironment::plain("default", "ironflow-replay");
    let mut threads = match WorkflowThreads::start(1, registry.clone(), env) {
        Ok(t) => t,
        Err(e) => return fail_all(queue, format!("cannot start a workflow thread: {e}")),
    };
    let items: Arc<Vec<Prepared>> = Arc::new(queue.drain(..).collect());
    let mut batch = Batch {
        by_run: items
            .iter()
            .enumerate()
            .map(|(i, p)| (p.run_id.clone(), i))
            .collect(),
        items: items.clone(),
        done: HashSet::new(),
        outcomes: Vec::new(),
    };
    // Core consumes the histories it is fed; each is copied only as Core asks for it (off this
    // task), so the originals remain for a retry after a hang.
    let feeding = tokio::spawn(async move {
        for p in items.iter() {
            let h = HistoryForReplay::new(p.input.history.clone(), p.input.workflow_id.clone());
            if feeder.feed(h).await.is_err() {
                break;
            }
        }
    });
    let mut failures: HashMap<String, String> = HashMap::new();
    let mut hung = false;
    loop {
        let activation = match tokio::time::timeout(timeout, core.poll_workflow_activation()).await {
            Err(_) => {
                hung = true;
                break;
            }
            Ok(Err(PollError::ShutDown)) => break,
            Ok(Err(e)) => {
                if let Some(p) = batch.first_unfinished() {
                    batch.finish(p, ReplayOutcome::Internal(format!("polling failed: {e}")));
                }
                break;
            }
            Ok(Ok(a)) => a,
        };
        let mut activation = activation;
        let run_id = activation.run_id.clone();
        if let Err(e) = converter.decode_message(&mut activation).await {
            // The run fails its task; Core then evicts it, and the eviction reports this.
            let message = format!("a payload cannot be decoded by the replayer's codecs: {e}");
            failures.insert(run_id.clone(), message.clone());
            let completion = WorkflowActivationCompletion::fail(
                &run_id,
                crate::converter::Failure::application(message, "PayloadDecodeError", false).to_proto(),
                None,
            );
            let _ = core.complete_workflow_activation(completion).await;
            continue;
        }
        if activation.is_only_eviction() {
            let (reason, message) = eviction(&activation);
            let _ = threads.dispatch(activation).reply.await;
            let _ = core
                .complete_workflow_activation(WorkflowActivationCompletion::empty(&run_id))
                .await;
            if let Some(&position) = batch.by_run.get(&run_id) {
                batch.finish(position, classify(reason, message, failures.remove(&run_id)));
            }
            continue;
        }
        // The run's environment matters only when it starts.
        let starts = activation.jobs.iter().any(|j| {
            matches!(
                j.variant,
                Some(workflow_activation_job::Variant::InitializeWorkflow(_))
            )
        });
        let env = match batch.by_run.get(&run_id) {
            Some(&position) if starts => Some(RunEnvironment::plain(
                "default",
                &batch.items[position].task_queue,
            )),
            _ => None,
        };
        let reply = threads.dispatch_with_env(activation, env);
        let completion = match tokio::time::timeout(timeout, reply.reply).await {
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
    let _ = feeding.await;
    core.initiate_shutdown();
    if hung {
        if let Some(p) = batch.first_unfinished() {
            batch.finish(p, ReplayOutcome::TimedOut(timeout));
        }
        threads.abandon();
    } else {
        // Core can stop before handing out every history it was fed (seen on a loaded machine):
        // those go back to the queue for a fresh replay worker. Only when a worker replayed
        // nothing at all is the first one reported, so that every chain makes progress.
        if batch.outcomes.is_empty()
            && let Some(p) = batch.first_unfinished()
        {
            batch.finish(
                p,
                ReplayOutcome::Internal("Core finished without replaying it".into()),
            );
        }
        let _ = tokio::task::spawn_blocking(move || drop(threads)).await;
        core.finalize_shutdown().await;
    }
    let Batch {
        items,
        done,
        outcomes,
        ..
    } = batch;
    let items = Arc::try_unwrap(items).unwrap_or_else(|shared| shared.iter().cloned().collect());
    queue.extend(
        items
            .into_iter()
            .enumerate()
            .filter(|(position, _)| !done.contains(position))
            .map(|(_, p)| p),
    );
    outcomes
}

/// Core's eviction reason and message.
fn eviction(activation: &WorkflowActivation) -> (Option<EvictionReason>, String) {
    activation
        .jobs
        .iter()
        .find_map(|j| match &j.variant {
            Some(workflow_activation_job::Variant::RemoveFromCache(r)) => {
                Some((EvictionReason::try_from(r.reason).ok(), r.message.clone()))
            }
            _ => None,
        })
        .unwrap_or((None, String::new()))
}

/// The message inside Core's `Debug` dump of a failure (`... Failure { message: "[TMPRL1100]
/// Nondeterminism error: ...", source: ...`), unescaped; the text itself when it holds none.
pub(crate) fn readable_core_message(raw: &str) -> String {
    const KEY: &str = "message: \"";
    let Some(start) = raw.find(KEY).map(|i| i + KEY.len()) else {
        return raw.to_string();
    };
    let mut out = String::new();
    let mut chars = raw[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => break,
            },
            '"' => return out,
            c => out.push(c),
        }
    }
    raw.to_string()
}

fn classify(reason: Option<EvictionReason>, message: String, failure: Option<String>) -> ReplayOutcome {
    let message = readable_core_message(&message);
    match (reason, failure) {
        (Some(EvictionReason::Nondeterminism), _) => ReplayOutcome::Nondeterminism(message),
        (_, Some(failure)) => ReplayOutcome::WorkflowTaskFailure(failure),
        (Some(EvictionReason::LangFail), None) => ReplayOutcome::WorkflowTaskFailure(message),
        (Some(EvictionReason::LangRequested | EvictionReason::CacheFull), None) => ReplayOutcome::Passed,
        (reason, None) => ReplayOutcome::Internal(format!("evicted ({reason:?}): {message}")),
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

#[cfg(test)]
mod tests {
    use super::readable_core_message;

    #[test]
    fn core_debug_dumps_become_their_message() {
        let raw = r#"Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 5, \"ActivityTaskScheduled\")", source: "" }) }"#;
        assert_eq!(
            readable_core_message(raw),
            r#"[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 5, "ActivityTaskScheduled")"#
        );
        assert_eq!(readable_core_message("plain text"), "plain text");
    }
}
