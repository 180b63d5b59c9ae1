//! Workflow threads: where workflow code runs.
//!
//! Runs are `!Send` (their futures hold `Rc`s), so each lives on one dedicated OS thread for its
//! whole life. These threads have no tokio runtime on purpose: a tokio timer, `tokio::spawn` or
//! tokio I/O in workflow code panics at once (and fails the workflow task with an explanation)
//! instead of silently making the workflow non-deterministic. The async side sends each
//! activation to the run's thread and receives the completion on a oneshot channel.

use super::registry::WorkflowRegistry;
use super::run::{Run, RunEnvironment, fail};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime};
use temporalio_common::protos::{
    coresdk::{
        workflow_activation::{WorkflowActivation, workflow_activation_job::Variant as Job},
        workflow_completion::WorkflowActivationCompletion,
    },
    temporal::api::enums::v1::WorkflowTaskFailedCause,
};
use tokio::sync::oneshot;

type Reply = oneshot::Sender<WorkflowActivationCompletion>;

/// An activation for a thread, with the environment of the run if it differs from the
/// thread's default (the replayer runs histories from many task queues).
type Message = (WorkflowActivation, Option<RunEnvironment>, Reply);

/// What a workflow thread is doing, for deadlock detection.
#[derive(Default)]
pub(crate) struct ThreadHealth {
    /// Since when, and on which run (id, workflow type), the thread has been busy.
    busy: Mutex<Option<(Instant, String, String)>>,
    /// Set once the thread was found blocked; it is replaced and its runs are rebuilt elsewhere.
    dead: AtomicBool,
}

impl ThreadHealth {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, String, String)>> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The run the thread has been busy with for at least `limit`, if any.
    pub(crate) fn blocked_for(&self, limit: Duration) -> Option<(String, String, Duration)> {
        let busy = self.lock();
        let (since, run_id, workflow_type) = busy.as_ref()?;
        let elapsed = since.elapsed();
        (elapsed >= limit).then(|| (run_id.clone(), workflow_type.clone(), elapsed))
    }

    /// Marks the thread as deadlocked.
    pub(crate) fn declare_dead(&self) {
        self.dead.store(true, Ordering::Release);
    }

    /// True once the thread was declared deadlocked.
    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }
}

struct WorkflowThread {
    tx: mpsc::Sender<Message>,
    join: Option<std::thread::JoinHandle<()>>,
    health: Arc<ThreadHealth>,
}

impl WorkflowThread {
    fn spawn(index: usize, registry: Arc<WorkflowRegistry>, env: RunEnvironment) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Message>();
        let health = Arc::new(ThreadHealth::default());
        let h = health.clone();
        let join = std::thread::Builder::new()
            .name(format!("ironflow-workflow-{index}"))
            .spawn(move || thread_main(rx, &registry, &env, &h))?;
        Ok(Self {
            tx,
            join: Some(join),
            health,
        })
    }
}

/// A completion on its way back from a workflow thread, with the thread's health for deadlock
/// detection.
pub(crate) struct Dispatched {
    pub(crate) reply: oneshot::Receiver<WorkflowActivationCompletion>,
    pub(crate) health: Arc<ThreadHealth>,
}

/// A fixed set of workflow threads; each run is routed to one of them for its whole life. A
/// thread found deadlocked is replaced; its runs are reported as lost so the worker can have
/// Core rebuild them on the new thread.
pub(crate) struct WorkflowThreads {
    threads: Vec<WorkflowThread>,
    routes: HashMap<String, usize>,
    next: usize,
    registry: Arc<WorkflowRegistry>,
    env: RunEnvironment,
    lost_runs: Vec<String>,
    replaced: usize,
}

impl WorkflowThreads {
    /// Starts `count` (at least one) threads.
    pub(crate) fn start(
        count: usize,
        registry: Arc<WorkflowRegistry>,
        env: RunEnvironment,
    ) -> std::io::Result<Self> {
        let threads = (0..count.max(1))
            .map(|i| WorkflowThread::spawn(i, registry.clone(), env.clone()))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Self {
            threads,
            routes: HashMap::new(),
            next: 0,
            registry,
            env,
            lost_runs: Vec::new(),
            replaced: 0,
        })
    }

    /// Sends an activation to its run's thread; the completion arrives on the returned channel.
    pub(crate) fn dispatch(&mut self, activation: WorkflowActivation) -> Dispatched {
        self.dispatch_with_env(activation, None)
    }

    /// Like [`WorkflowThreads::dispatch`], with the run's environment (used when the run starts).
    pub(crate) fn dispatch_with_env(
        &mut self,
        activation: WorkflowActivation,
        env: Option<RunEnvironment>,
    ) -> Dispatched {
        self.replace_dead_threads();
        let (reply_tx, reply_rx) = oneshot::channel();
        let run_id = activation.run_id.clone();
        let evicting = activation.is_only_eviction();
        let idx = match self.routes.get(&run_id) {
            Some(i) => *i,
            None => {
                let i = self.next % self.threads.len();
                self.next = self.next.wrapping_add(1);
                if !evicting {
                    self.routes.insert(run_id.clone(), i);
                }
                i
            }
        };
        if evicting {
            self.routes.remove(&run_id);
        }
        let thread = &self.threads[idx];
        if let Err(mpsc::SendError((activation, _, reply))) = thread.tx.send((activation, env, reply_tx)) {
            let _ = reply.send(fail(
                &activation.run_id,
                "the workflow thread has stopped".to_string(),
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
            ));
        }
        Dispatched {
            reply: reply_rx,
            health: thread.health.clone(),
        }
    }

    /// Runs whose state was lost with a deadlocked thread since the last call: the worker asks
    /// Core to evict them, so their next activation rebuilds them from history.
    pub(crate) fn take_lost_runs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lost_runs)
    }

    fn replace_dead_threads(&mut self) {
        for idx in 0..self.threads.len() {
            if !self.threads[idx].health.is_dead() {
                continue;
            }
            match WorkflowThread::spawn(idx, self.registry.clone(), self.env.clone()) {
                Ok(fresh) => {
                    // The old thread is stuck in workflow code: let it go without joining; it
                    // exits when it next reads its (now closed) channel.
                    let mut old = std::mem::replace(&mut self.threads[idx], fresh);
                    old.join.take();
                    self.replaced += 1;
                    let lost: Vec<String> = self
                        .routes
                        .iter()
                        .filter(|(_, i)| **i == idx)
                        .map(|(r, _)| r.clone())
                        .collect();
                    for r in &lost {
                        self.routes.remove(r);
                    }
                    tracing::error!(
                        thread = idx,
                        lost_runs = lost.len(),
                        replaced_so_far = self.replaced,
                        "a workflow thread was blocked by workflow code and has been replaced; its runs will be rebuilt from history"
                    );
                    self.lost_runs.extend(lost);
                }
                Err(e) => tracing::error!(error = %e, "cannot replace a deadlocked workflow thread"),
            }
        }
    }
}

impl WorkflowThreads {
    /// Lets the threads go without waiting for them (one may be stuck in workflow code); each
    /// ends when it next looks at its channel.
    pub(crate) fn abandon(mut self) {
        for t in &mut self.threads {
            t.join.take();
        }
    }
}

impl Drop for WorkflowThreads {
    fn drop(&mut self) {
        for t in &mut self.threads {
            // Closing the channel ends the thread's loop; its runs are dropped there.
            let (dead_tx, _) = mpsc::channel();
            drop(std::mem::replace(&mut t.tx, dead_tx));
        }
        for t in &mut self.threads {
            if t.health.is_dead() {
                continue;
            }
            if let Some(j) = t.join.take() {
                let _ = j.join();
            }
        }
    }
}

fn thread_main(
    rx: mpsc::Receiver<Message>,
    registry: &WorkflowRegistry,
    default_env: &RunEnvironment,
    health: &ThreadHealth,
) {
    let mut runs: HashMap<String, Run> = HashMap::new();
    while let Ok((activation, env, reply)) = rx.recv() {
        let run_id = activation.run_id.clone();
        let workflow_type = runs
            .get(&run_id)
            .map(|r| r.workflow_type().to_string())
            .or_else(|| {
                activation.jobs.iter().find_map(|j| match &j.variant {
                    Some(Job::InitializeWorkflow(i)) => Some(i.workflow_type.clone()),
                    _ => None,
                })
            })
            .unwrap_or_default();
        *health.lock() = Some((Instant::now(), run_id.clone(), workflow_type));
        let env = env.as_ref().unwrap_or(default_env);
        let completion = match catch_unwind(AssertUnwindSafe(|| handle(&mut runs, activation, registry, env)))
        {
            Ok(c) => c,
            Err(_) => {
                // A panic outside the poll of workflow code (a Drop impl, say): forget the run.
                if let Some(run) = runs.remove(&run_id) {
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(run)));
                }
                fail(
                    &run_id,
                    "workflow code panicked while the run was set up or torn down".to_string(),
                    WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                )
            }
        };
        *health.lock() = None;
        let _ = reply.send(completion);
    }
}

fn handle(
    runs: &mut HashMap<String, Run>,
    activation: WorkflowActivation,
    registry: &WorkflowRegistry,
    env: &RunEnvironment,
) -> WorkflowActivationCompletion {
    let run_id = activation.run_id.clone();
    if activation.is_only_eviction() {
        if let Some(run) = runs.remove(&run_id) {
            run.evicted(&activation);
        }
        return WorkflowActivationCompletion::empty(run_id);
    }
    let init = activation.jobs.iter().find_map(|j| match &j.variant {
        Some(Job::InitializeWorkflow(init)) => Some(init),
        _ => None,
    });
    if let Some(init) = init {
        let now = activation
            .timestamp
            .and_then(|t| SystemTime::try_from(t).ok())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        match Run::new(&run_id, init, now, registry, env) {
            Ok(run) => {
                runs.insert(run_id.clone(), run);
            }
            Err(message) => {
                runs.remove(&run_id);
                return fail(
                    &run_id,
                    message,
                    WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                );
            }
        }
    }
    match runs.get_mut(&run_id) {
        Some(run) => run.activate(activation),
        None => fail(
            &run_id,
            format!("run {run_id} is not in this worker's cache and the activation does not start it"),
            WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
        ),
    }
}
