//! [`Run`]: one workflow run's deterministic executor. `activate(jobs) -> commands`.
//!
//! Each activation is handled in two phases, as Core recommends: first every job is applied to
//! the run's state (resolutions stored, their futures woken, cancellation recorded), then the
//! workflow's routines are polled on this thread until none was woken, so the commands come out
//! in the order workflow code issued them. Queries come in activations of their own and are
//! answered without polling workflow code.

use super::registry::{MainFuture, WorkflowRegistry};
use super::state::{CommandKey, Resolution, RunState, SharedState};
use super::waker::RunWaker;
use crate::converter::{Failure, Payload};
use crate::workflow::{WorkflowContext, WorkflowError, WorkflowInfo};
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};
use temporalio_common::protos::{
    coresdk::{
        workflow_activation::{
            InitializeWorkflow, QueryWorkflow, WorkflowActivation, workflow_activation_job::Variant as Job,
        },
        workflow_commands::{self as wc, QueryResult, query_result, workflow_command::Variant as Cmd},
        workflow_completion::{self, WorkflowActivationCompletion, workflow_activation_completion},
    },
    temporal::api::enums::v1::WorkflowTaskFailedCause,
};

/// How many times one activation may re-poll workflow code that keeps waking itself.
const MAX_POLL_PASSES: usize = 10_000;

/// Where a run lives: the worker's namespace and task queue (Core's activation does not say).
#[derive(Debug, Clone)]
pub(crate) struct RunEnvironment {
    pub(crate) namespace: String,
    pub(crate) task_queue: String,
}

/// One workflow run.
pub(crate) struct Run {
    run_id: String,
    workflow_type: String,
    state: SharedState,
    main: Option<MainFuture>,
    waker: Arc<RunWaker>,
    /// Set after a panic or a non-deterministic wake: every later activation fails until Core
    /// evicts the run.
    poisoned: Option<(String, WorkflowTaskFailedCause)>,
}

fn duration(d: Option<prost_wkt_types::Duration>) -> Option<Duration> {
    d.and_then(|d| Duration::try_from(d).ok())
}

fn time(t: Option<prost_wkt_types::Timestamp>) -> Option<SystemTime> {
    t.and_then(|t| SystemTime::try_from(t).ok())
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl Run {
    /// Creates the run from its `InitializeWorkflow` job. Fails (with the message for the
    /// workflow-task failure) when the workflow type is not registered.
    pub(crate) fn new(
        run_id: &str,
        init: &InitializeWorkflow,
        activation_time: SystemTime,
        registry: &WorkflowRegistry,
        env: &RunEnvironment,
    ) -> Result<Self, String> {
        let factory = registry.get(&init.workflow_type).ok_or_else(|| {
            format!(
                "workflow type `{}` is not registered on this worker (task queue `{}`); registered workflow types: [{}]",
                init.workflow_type,
                env.task_queue,
                registry.names().join(", ")
            )
        })?;
        let info = WorkflowInfo {
            workflow_id: init.workflow_id.clone(),
            run_id: run_id.to_string(),
            workflow_type: init.workflow_type.clone(),
            namespace: env.namespace.clone(),
            task_queue: env.task_queue.clone(),
            attempt: init.attempt.max(1) as u32,
            first_execution_run_id: init.first_execution_run_id.clone(),
            continued_from_run_id: non_empty(&init.continued_from_execution_run_id),
            parent: init
                .parent_workflow_info
                .as_ref()
                .map(|p| (p.workflow_id.clone(), p.run_id.clone())),
            start_time: time(init.start_time),
            execution_timeout: duration(init.workflow_execution_timeout),
            run_timeout: duration(init.workflow_run_timeout),
            task_timeout: duration(init.workflow_task_timeout),
            cron_schedule: non_empty(&init.cron_schedule),
        };
        let state: SharedState = Rc::new(RefCell::new(RunState::new(
            info,
            init.randomness_seed,
            activation_time,
        )));
        let waker = RunWaker::new();
        let main = {
            let _active = waker.enter();
            factory(WorkflowContext::new(state.clone()), &init.arguments)
        };
        Ok(Self {
            run_id: run_id.to_string(),
            workflow_type: init.workflow_type.clone(),
            state,
            main: Some(main),
            waker,
            poisoned: None,
        })
    }

    /// Applies one activation and returns its completion.
    pub(crate) fn activate(&mut self, activation: WorkflowActivation) -> WorkflowActivationCompletion {
        let _active = self.waker.enter();
        if let Some((msg, cause)) = &self.poisoned {
            return fail(&self.run_id, msg.clone(), *cause);
        }
        {
            let mut st = self.state.borrow_mut();
            if let Some(t) = time(activation.timestamp) {
                st.now = t;
            }
            st.replaying = activation.is_replaying;
            st.history_length = activation.history_length;
            st.continue_as_new_suggested = activation.continue_as_new_suggested;
        }
        let mut queries = Vec::new();
        let mut has_non_query = false;
        for job in activation.jobs {
            let Some(job) = job.variant else { continue };
            if let Job::QueryWorkflow(q) = job {
                queries.push(q);
            } else {
                has_non_query = true;
                self.apply(job);
            }
        }
        if has_non_query && let Err((msg, cause)) = self.drive() {
            self.poisoned = Some((msg.clone(), cause));
            return fail(&self.run_id, msg, cause);
        }
        if self.waker.woken_externally() {
            let msg = format!(
                "workflow `{}` (run {}) was woken by something outside the Ironflow SDK: a tokio timer or \
                 channel, a thread, or I/O. Workflow code may only await SDK futures (ctx.sleep, activities, \
                 child workflows, signals); its decisions would otherwise differ on replay. Move the work \
                 into an activity.",
                self.workflow_type, self.run_id
            );
            self.poisoned = Some((msg.clone(), WorkflowTaskFailedCause::NonDeterministicError));
            return fail(&self.run_id, msg, WorkflowTaskFailedCause::NonDeterministicError);
        }
        let mut commands = self.state.borrow_mut().take_commands();
        commands.extend(queries.into_iter().map(|q| self.answer_query(q)));
        WorkflowActivationCompletion {
            run_id: self.run_id.clone(),
            status: Some(workflow_activation_completion::Status::Successful(
                workflow_completion::Success {
                    commands,
                    ..Default::default()
                },
            )),
            ..Default::default()
        }
    }

    /// Phase one: record what a job says.
    fn apply(&mut self, job: Job) {
        let mut st = self.state.borrow_mut();
        match job {
            Job::InitializeWorkflow(_) => {} // handled by `Run::new`
            Job::FireTimer(t) => {
                st.resolve(CommandKey::Timer(t.seq), Resolution::TimerFired);
            }
            Job::ResolveActivity(r) => {
                st.resolve(
                    CommandKey::Activity(r.seq),
                    Resolution::Activity(Box::new(r.result.unwrap_or_default())),
                );
            }
            Job::UpdateRandomSeed(s) => st.rng = super::state::DeterministicRng::new(s.randomness_seed),
            Job::CancelWorkflow(c) => st.request_cancel(c.reason),
            Job::SignalWorkflow(s) => {
                tracing::warn!(workflow_type = %self.workflow_type, run_id = %self.run_id, signal = %s.signal_name,
                    "signal received by a workflow that has no signal handlers; it is ignored");
            }
            Job::DoUpdate(u) => {
                let failure = Failure::application(
                    format!(
                        "workflow `{}` has no update handler `{}`",
                        self.workflow_type, u.name
                    ),
                    "UnknownUpdate",
                    true,
                );
                st.push_command(Cmd::UpdateResponse(wc::UpdateResponse {
                    protocol_instance_id: u.protocol_instance_id,
                    response: Some(wc::update_response::Response::Rejected(failure.to_proto())),
                }));
            }
            Job::NotifyHasPatch(_) | Job::RemoveFromCache(_) | Job::QueryWorkflow(_) => {}
            other => {
                tracing::warn!(workflow_type = %self.workflow_type, run_id = %self.run_id, job = ?other,
                    "activation job not supported by this Ironflow version; ignored");
            }
        }
    }

    /// Phase two: poll workflow code until nothing was woken.
    fn drive(&mut self) -> Result<(), (String, WorkflowTaskFailedCause)> {
        let waker = Waker::from(self.waker.clone());
        let mut cx = Context::from_waker(&waker);
        for _ in 0..MAX_POLL_PASSES {
            if !self.waker.take_woken() {
                return Ok(());
            }
            let Some(main) = self.main.as_mut() else {
                return Ok(());
            };
            match catch_unwind(AssertUnwindSafe(|| main.as_mut().poll(&mut cx))) {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(result)) => {
                    self.main = None;
                    self.finish(result);
                    return Ok(());
                }
                Err(panic) => {
                    return Err((
                        self.panic_message(panic),
                        WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                    ));
                }
            }
        }
        Err((
            format!(
                "workflow `{}` (run {}) woke itself {MAX_POLL_PASSES} times in one activation without waiting \
                 on anything; it is busy-looping",
                self.workflow_type, self.run_id
            ),
            WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
        ))
    }

    fn panic_message(&self, panic: Box<dyn std::any::Any + Send>) -> String {
        let text = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_string());
        let hint = if text.contains("Tokio") || text.contains("reactor") || text.contains("tokio") {
            " (workflow code runs without a tokio runtime because tokio timers, tasks and I/O are not \
             deterministic: use ctx.sleep() for timers and activities for I/O)"
        } else {
            ""
        };
        format!(
            "workflow `{}` (run {}) panicked: {text}{hint}",
            self.workflow_type, self.run_id
        )
    }

    /// Turns the main routine's result into the terminal command.
    fn finish(&mut self, result: Result<Payload, WorkflowError>) {
        let mut st = self.state.borrow_mut();
        let cancelled = st.cancel_requested.is_some();
        let command = match result {
            Ok(payload) => Cmd::CompleteWorkflowExecution(wc::CompleteWorkflowExecution {
                result: Some(payload),
            }),
            Err(WorkflowError::Cancelled) => {
                Cmd::CancelWorkflowExecution(wc::CancelWorkflowExecution::default())
            }
            Err(WorkflowError::Failed(f)) if cancelled && f.is_cancelled() => {
                Cmd::CancelWorkflowExecution(wc::CancelWorkflowExecution::default())
            }
            Err(WorkflowError::Failed(f)) => Cmd::FailWorkflowExecution(wc::FailWorkflowExecution {
                failure: Some(f.to_proto()),
            }),
        };
        st.push_command(command);
    }

    fn answer_query(&self, q: QueryWorkflow) -> wc::WorkflowCommand {
        let failure = Failure::application(
            format!(
                "workflow `{}` has no query handler `{}`; known queries: []",
                self.workflow_type, q.query_type
            ),
            "UnknownQuery",
            true,
        );
        wc::WorkflowCommand {
            variant: Some(Cmd::RespondToQuery(QueryResult {
                query_id: q.query_id,
                variant: Some(query_result::Variant::Failed(failure.to_proto())),
            })),
            ..Default::default()
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _active = self.waker.enter();
        if let Ok(mut st) = self.state.try_borrow_mut() {
            st.tearing_down = true;
        }
        self.main = None;
    }
}

/// A failed activation completion.
pub(crate) fn fail(
    run_id: &str,
    message: String,
    cause: WorkflowTaskFailedCause,
) -> WorkflowActivationCompletion {
    WorkflowActivationCompletion::fail(
        run_id,
        Failure::application(message, "WorkflowTaskFailure", false).to_proto(),
        Some(cause),
    )
}
