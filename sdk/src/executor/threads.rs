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
use std::sync::Arc;
use std::sync::mpsc;
use std::time::SystemTime;
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

struct WorkflowThread {
    tx: mpsc::Sender<Message>,
    join: Option<std::thread::JoinHandle<()>>,
}

/// A fixed set of workflow threads; each run is routed to one of them for its whole life.
pub(crate) struct WorkflowThreads {
    threads: Vec<WorkflowThread>,
    routes: HashMap<String, usize>,
    next: usize,
}

impl WorkflowThreads {
    /// Starts `count` (at least one) threads.
    pub(crate) fn start(
        count: usize,
        registry: Arc<WorkflowRegistry>,
        env: RunEnvironment,
    ) -> std::io::Result<Self> {
        let threads = (0..count.max(1))
            .map(|i| {
                let (tx, rx) = mpsc::channel::<Message>();
                let registry = registry.clone();
                let env = env.clone();
                let join = std::thread::Builder::new()
                    .name(format!("ironflow-workflow-{i}"))
                    .spawn(move || thread_main(rx, &registry, &env))?;
                Ok(WorkflowThread { tx, join: Some(join) })
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Self {
            threads,
            routes: HashMap::new(),
            next: 0,
        })
    }

    /// Sends an activation to its run's thread; the completion arrives on the returned channel.
    pub(crate) fn dispatch(
        &mut self,
        activation: WorkflowActivation,
    ) -> oneshot::Receiver<WorkflowActivationCompletion> {
        self.dispatch_with_env(activation, None)
    }

    /// Like [`WorkflowThreads::dispatch`], with the run's environment (used when the run starts).
    pub(crate) fn dispatch_with_env(
        &mut self,
        activation: WorkflowActivation,
        env: Option<RunEnvironment>,
    ) -> oneshot::Receiver<WorkflowActivationCompletion> {
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
        if let Err(mpsc::SendError((activation, _, reply))) =
            self.threads[idx].tx.send((activation, env, reply_tx))
        {
            let _ = reply.send(fail(
                &activation.run_id,
                "the workflow thread has stopped".to_string(),
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
            ));
        }
        reply_rx
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
            if let Some(j) = t.join.take() {
                let _ = j.join();
            }
        }
    }
}

fn thread_main(rx: mpsc::Receiver<Message>, registry: &WorkflowRegistry, default_env: &RunEnvironment) {
    let mut runs: HashMap<String, Run> = HashMap::new();
    while let Ok((activation, env, reply)) = rx.recv() {
        let run_id = activation.run_id.clone();
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
        runs.remove(&run_id);
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
