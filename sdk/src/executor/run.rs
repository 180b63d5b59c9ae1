//! [`Run`]: one workflow run's deterministic executor. `activate(jobs) -> commands`.
//!
//! Each activation is handled in two phases, as Core recommends: first every job is applied to
//! the run's state (resolutions stored, their futures woken, cancellation recorded), then the
//! workflow's routines are polled on this thread until none was woken, so the commands come out
//! in the order workflow code issued them. Queries come in activations of their own and are
//! answered without polling workflow code.

// Query handlers and validators return `Result<_, Failure>`; failures are the cold path.
#![allow(clippy::result_large_err)]

use super::info::WorkflowInfo;
use super::registry::{MainFuture, RunCompletion, WorkflowRegistry};
use super::state::{CommandKey, NewRoutine, Resolution, RunState, SharedState};
use super::waker::RunWaker;
use crate::converter::Failure;
use crate::interceptor::{OutboundCommand, WorkerInterceptor, WorkflowOutcome};
use crate::telemetry::metrics::WorkerMetrics;
use futures::future::LocalBoxFuture;
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
        workflow_commands::{
            self as wc, QueryResult, QuerySuccess, query_result, update_response,
            workflow_command::Variant as Cmd,
        },
        workflow_completion::{self, WorkflowActivationCompletion, workflow_activation_completion},
    },
    temporal::api::enums::v1::{VersioningBehavior, WorkflowTaskFailedCause},
};

/// How many times one activation may re-poll workflow code that keeps waking itself.
const MAX_POLL_PASSES: usize = 10_000;

/// Where a run lives: the worker's namespace and task queue (Core's activation does not say),
/// and who watches it: the worker's interceptors and metrics.
#[derive(Clone)]
pub(crate) struct RunEnvironment {
    pub(crate) namespace: String,
    pub(crate) task_queue: String,
    pub(crate) interceptors: Arc<[Arc<dyn WorkerInterceptor>]>,
    pub(crate) metrics: WorkerMetrics,
}

impl RunEnvironment {
    /// An environment with no interceptors and no metrics.
    pub(crate) fn plain(namespace: &str, task_queue: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            task_queue: task_queue.to_string(),
            interceptors: Arc::new([]),
            metrics: WorkerMetrics::default(),
        }
    }
}

/// A routine polled alongside the main future: a signal or update handler, or a routine
/// spawned by workflow code.
struct Routine {
    name: String,
    future: LocalBoxFuture<'static, ()>,
    is_handler: bool,
}

/// One workflow run.
pub(crate) struct Run {
    run_id: String,
    workflow_type: String,
    state: SharedState,
    main: Option<MainFuture>,
    routines: Vec<Routine>,
    waker: Arc<RunWaker>,
    /// The versioning behaviour the workflow type declares, reported with every completion.
    versioning_behavior: Option<VersioningBehavior>,
    /// Set once the interceptors were told the run's code started.
    start_reported: bool,
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

pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string())
}

fn update_cmd(protocol_instance_id: String, response: update_response::Response) -> Cmd {
    Cmd::UpdateResponse(wc::UpdateResponse {
        protocol_instance_id,
        response: Some(response),
    })
}

type TaskFailure = (String, WorkflowTaskFailedCause);

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
        let registered = registry.get(&init.workflow_type).ok_or_else(|| {
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
            execution_expiration_time: time(init.workflow_execution_expiration_time),
            run_timeout: duration(init.workflow_run_timeout),
            task_timeout: duration(init.workflow_task_timeout),
            cron_schedule: non_empty(&init.cron_schedule),
            headers: init.headers.clone(),
        };
        let mut run_state = RunState::with_observers(
            info,
            init.randomness_seed,
            activation_time,
            env.interceptors.clone(),
            env.metrics.clone(),
        );
        run_state.set_initial_properties(
            init.search_attributes
                .as_ref()
                .map(crate::converter::search_attributes_from_proto)
                .unwrap_or_default(),
            init.memo
                .as_ref()
                .map(crate::converter::memo_from_proto)
                .unwrap_or_default(),
        );
        let state: SharedState = Rc::new(RefCell::new(run_state));
        let waker = RunWaker::new();
        let main = {
            let _active = waker.enter();
            (registered.factory)(state.clone(), &init.workflow_type, &init.arguments)
        };
        Ok(Self {
            run_id: run_id.to_string(),
            workflow_type: init.workflow_type.clone(),
            state,
            main: Some(main),
            routines: Vec::new(),
            waker,
            versioning_behavior: registered.versioning_behavior,
            start_reported: false,
            poisoned: None,
        })
    }

    /// The workflow type.
    pub(crate) fn workflow_type(&self) -> &str {
        &self.workflow_type
    }

    /// Core evicted the run; a non-determinism eviction is counted.
    pub(crate) fn evicted(self, activation: &WorkflowActivation) {
        use temporalio_common::protos::coresdk::workflow_activation::remove_from_cache::EvictionReason;
        let nondeterministic = activation.jobs.iter().any(|j| {
            matches!(&j.variant, Some(Job::RemoveFromCache(r)) if r.reason == EvictionReason::Nondeterminism as i32)
        });
        if nondeterministic {
            self.state
                .borrow()
                .metrics()
                .nondeterminism_error(&self.workflow_type);
        }
    }

    /// Applies one activation and returns its completion.
    pub(crate) fn activate(&mut self, activation: WorkflowActivation) -> WorkflowActivationCompletion {
        let _active = self.waker.enter();
        if let Some((msg, cause)) = &self.poisoned {
            return fail(&self.run_id, msg.clone(), *cause);
        }
        self.state.borrow_mut().begin_activation(
            time(activation.timestamp),
            activation.is_replaying,
            activation.history_length,
            activation.continue_as_new_suggested,
        );
        if !self.start_reported {
            self.start_reported = true;
            self.state.borrow().intercept(|i, call| i.workflow_started(call));
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
            self.state
                .borrow()
                .metrics()
                .nondeterminism_error(&self.workflow_type);
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
                    versioning_behavior: self.versioning_behavior.map_or(0, |b| b as i32),
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
            Job::ResolveSignalExternalWorkflow(r) => {
                let failure = r.failure.as_ref().map(|f| Box::new(Failure::from_proto(f)));
                st.resolve(
                    CommandKey::SignalExternal(r.seq),
                    Resolution::SignalExternal(failure),
                );
            }
            Job::ResolveRequestCancelExternalWorkflow(r) => {
                let key = CommandKey::CancelExternal(r.seq);
                if !st.resolve_forwarded(key, r.failure.is_none()) {
                    let failure = r.failure.as_ref().map(|f| Box::new(Failure::from_proto(f)));
                    st.resolve(key, Resolution::CancelExternal(failure));
                }
            }
            Job::ResolveChildWorkflowExecutionStart(r) => {
                st.resolve(CommandKey::ChildStart(r.seq), Resolution::ChildStart(Box::new(r)));
            }
            Job::ResolveChildWorkflowExecution(r) => {
                st.resolve(
                    CommandKey::ChildResult(r.seq),
                    Resolution::ChildResult(Box::new(r.result.unwrap_or_default())),
                );
            }
            Job::ResolveNexusOperationStart(r) => {
                use temporalio_common::protos::coresdk::workflow_activation::resolve_nexus_operation_start::Status;
                // A started operation resolves later (`ResolveNexusOperation`); a failed start now.
                if let Some(Status::Failed(failure)) = r.status {
                    use temporalio_common::protos::coresdk::nexus::{
                        NexusOperationResult, nexus_operation_result,
                    };
                    st.resolve(
                        CommandKey::Nexus(r.seq),
                        Resolution::Nexus(Box::new(NexusOperationResult {
                            status: Some(nexus_operation_result::Status::Failed(failure)),
                        })),
                    );
                }
            }
            Job::ResolveNexusOperation(r) => {
                st.resolve(
                    CommandKey::Nexus(r.seq),
                    Resolution::Nexus(Box::new(r.result.unwrap_or_default())),
                );
            }
            Job::UpdateRandomSeed(s) => st.reseed(s.randomness_seed),
            Job::CancelWorkflow(c) => st.request_workflow_cancel(c.reason),
            Job::SignalWorkflow(s) => {
                st.intercept(|i, call| i.signal_received(call, &s.signal_name, &s.headers));
                st.push_signal(s.signal_name, s.input)
            }
            Job::DoUpdate(u) => st.push_update(u),
            Job::NotifyHasPatch(p) => st.notify_patch(p.patch_id),
            Job::RemoveFromCache(_) | Job::QueryWorkflow(_) => {}
        }
    }

    /// Phase two: poll routines and the main future until nothing moves, dispatching updates to
    /// their handlers as handlers get registered; then reject the updates nobody handles.
    fn drive(&mut self) -> Result<(), TaskFailure> {
        let waker = Waker::from(self.waker.clone());
        let mut cx = Context::from_waker(&waker);
        let mut seen_epoch = u64::MAX;
        let mut passes = 0;
        while self.main.is_some() {
            self.dispatch_updates();
            self.adopt_routines();
            let epoch = self.state.borrow().epoch();
            let woken = self.waker.take_woken();
            if !woken && epoch == seen_epoch {
                break;
            }
            seen_epoch = epoch;
            passes += 1;
            if passes > MAX_POLL_PASSES {
                return Err((
                    format!(
                        "workflow `{}` (run {}) kept waking itself for {MAX_POLL_PASSES} passes in one activation \
                         without waiting on anything; it is busy-looping",
                        self.workflow_type, self.run_id
                    ),
                    WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                ));
            }
            self.poll_routines(&mut cx)?;
            let handler_failure = self.state.borrow_mut().take_handler_failure();
            if let Some(failure) = handler_failure {
                self.main = None;
                self.finish(RunCompletion::Failed(failure))?;
                break;
            }
            let Some(main) = self.main.as_mut() else { break };
            match catch_unwind(AssertUnwindSafe(|| main.as_mut().poll(&mut cx))) {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(result)) => {
                    self.main = None;
                    self.finish(result)?;
                }
                Err(panic) => {
                    return Err((
                        self.panic_message(&*panic),
                        WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                    ));
                }
            }
        }
        self.reject_unhandled_updates();
        Ok(())
    }

    fn adopt_routines(&mut self) {
        let new = self.state.borrow_mut().take_new_routines();
        self.routines.extend(new.into_iter().map(|r| Routine {
            name: r.name,
            future: r.future,
            is_handler: r.is_handler,
        }));
    }

    fn poll_routines(&mut self, cx: &mut Context<'_>) -> Result<(), TaskFailure> {
        let mut i = 0;
        while i < self.routines.len() {
            let routine = &mut self.routines[i];
            match catch_unwind(AssertUnwindSafe(|| routine.future.as_mut().poll(cx))) {
                Ok(Poll::Pending) => i += 1,
                Ok(Poll::Ready(())) => {
                    self.routines.remove(i);
                    self.state.borrow_mut().bump_epoch();
                }
                Err(panic) => {
                    let name = routine.name.clone();
                    let msg = format!("{name} of {}", self.panic_message(&*panic));
                    return Err((msg, WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure));
                }
            }
        }
        Ok(())
    }

    /// Validates each pending update that has a handler, answers Accepted or Rejected, and
    /// starts the handler routine of accepted ones. Updates without a handler stay pending.
    fn dispatch_updates(&mut self) {
        let pending = self.state.borrow_mut().take_pending_updates();
        for update in pending {
            let entry = self.state.borrow().update_handler(&update.name);
            let Some(entry) = entry else {
                self.state.borrow_mut().defer_update(update);
                continue;
            };
            if update.run_validator && entry.validator.is_some() {
                self.state
                    .borrow()
                    .intercept(|i, call| i.update_validating(call, &update.name, &update.headers));
            }
            if update.run_validator
                && let Some(validator) = &entry.validator
                && let Err(failure) = self
                    .run_read_only(format!("update validator `{}`", update.name), || {
                        validator(&update.input)
                    })
            {
                self.count_decode_error(&failure, "update");
                self.state.borrow_mut().push_command(update_cmd(
                    update.protocol_instance_id,
                    update_response::Response::Rejected(failure.to_proto()),
                ));
                continue;
            }
            let state = self.state.clone();
            let id = update.protocol_instance_id.clone();
            let handler = entry.handler.clone();
            let input = update.input;
            let mut st = self.state.borrow_mut();
            st.intercept(|i, call| i.update_accepted(call, &update.name, &update.headers));
            st.push_command(update_cmd(id.clone(), update_response::Response::Accepted(())));
            st.handler_started();
            st.spawn_routine(NewRoutine {
                name: format!("update handler `{}` (update id {})", update.name, update.id),
                is_handler: true,
                future: Box::pin(async move {
                    let result = handler(input).await;
                    let mut st = state.borrow_mut();
                    st.handler_finished();
                    let response = match result {
                        Ok(payload) => update_response::Response::Completed(payload),
                        Err(failure) => {
                            if failure.application_type() == Some("PayloadDecodeError") {
                                st.metrics().payload_decode_error("update");
                            }
                            update_response::Response::Rejected(failure.to_proto())
                        }
                    };
                    st.push_command(update_cmd(id, response));
                }),
            });
        }
    }

    /// Runs `f` with commands refused; a refused command or a panic becomes the error.
    fn run_read_only<T>(&self, what: String, f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
        self.state.borrow_mut().enter_read_only(what.clone());
        let result = catch_unwind(AssertUnwindSafe(f));
        let violation = self.state.borrow_mut().leave_read_only();
        match (result, violation) {
            (_, Some(violation)) => Err(Failure::application(violation, "ReadOnlyViolation", true)),
            (Ok(r), None) => r,
            (Err(panic), None) => Err(Failure::application(
                format!("{what} panicked: {}", panic_text(&*panic)),
                "HandlerPanic",
                true,
            )),
        }
    }

    fn reject_unhandled_updates(&mut self) {
        let mut st = self.state.borrow_mut();
        let known = st.update_names();
        for update in st.take_pending_updates() {
            let failure = Failure::application(
                format!(
                    "workflow `{}` has no update handler `{}`; known updates: [{}]",
                    self.workflow_type,
                    update.name,
                    known.join(", ")
                ),
                "UnknownUpdate",
                true,
            );
            st.push_command(update_cmd(
                update.protocol_instance_id,
                update_response::Response::Rejected(failure.to_proto()),
            ));
        }
    }

    fn panic_message(&self, panic: &(dyn std::any::Any + Send)) -> String {
        let text = panic_text(panic);
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

    /// Turns the main routine's result into the terminal command, or fails the task when the
    /// workflow asked for that.
    fn finish(&mut self, result: RunCompletion) -> Result<(), TaskFailure> {
        let unfinished: Vec<&str> = self
            .routines
            .iter()
            .filter(|r| r.is_handler)
            .map(|r| r.name.as_str())
            .collect();
        if !unfinished.is_empty() && !matches!(result, RunCompletion::FailTask(_)) {
            tracing::warn!(workflow_type = %self.workflow_type, run_id = %self.run_id, handlers = ?unfinished,
                "workflow finished while handlers were still running; their updates fail for their callers \
                 (wait with ctx.wait_condition(|| ctx.all_handlers_finished()) to let them finish)");
        }
        let mut st = self.state.borrow_mut();
        let cancelled = st.cancel_reason().is_some();
        let outcome = match &result {
            RunCompletion::Completed(_) => Some(WorkflowOutcome::Completed),
            RunCompletion::Cancelled => Some(WorkflowOutcome::Cancelled),
            RunCompletion::Failed(f) if cancelled && f.is_cancelled() => Some(WorkflowOutcome::Cancelled),
            RunCompletion::Failed(f) => Some(WorkflowOutcome::Failed(&f.message)),
            RunCompletion::ContinueAsNew(_) => Some(WorkflowOutcome::ContinuedAsNew),
            RunCompletion::FailTask(_) => None,
        };
        if let Some(outcome) = outcome {
            st.intercept(|i, call| i.workflow_completed(call, outcome));
        }
        if let RunCompletion::Failed(f) = &result
            && f.application_type() == Some("PayloadDecodeError")
        {
            st.metrics().payload_decode_error("workflow");
        }
        let command = match result {
            RunCompletion::Completed(payload) => {
                Cmd::CompleteWorkflowExecution(wc::CompleteWorkflowExecution {
                    result: Some(payload),
                })
            }
            RunCompletion::Cancelled => Cmd::CancelWorkflowExecution(wc::CancelWorkflowExecution::default()),
            RunCompletion::ContinueAsNew(mut c) => {
                let workflow_type = c.workflow_type.clone();
                st.intercept_outbound(
                    OutboundCommand::ContinueAsNew {
                        workflow_type: &workflow_type,
                    },
                    &mut c.headers,
                );
                Cmd::ContinueAsNewWorkflowExecution(*c)
            }
            RunCompletion::Failed(f) if cancelled && f.is_cancelled() => {
                Cmd::CancelWorkflowExecution(wc::CancelWorkflowExecution::default())
            }
            RunCompletion::Failed(f) => Cmd::FailWorkflowExecution(wc::FailWorkflowExecution {
                failure: Some(f.to_proto()),
            }),
            RunCompletion::FailTask(message) => {
                return Err((
                    format!(
                        "workflow `{}` (run {}) failed its workflow task on purpose: {message}",
                        self.workflow_type, self.run_id
                    ),
                    WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                ));
            }
        };
        st.push_command(command);
        Ok(())
    }

    fn answer_query(&self, q: QueryWorkflow) -> wc::WorkflowCommand {
        self.state
            .borrow()
            .intercept(|i, call| i.query_received(call, &q.query_type, &q.headers));
        let handler = self.state.borrow().query_handler(&q.query_type);
        let result = match (q.query_type.as_str(), handler) {
            (name, Some(handler)) => {
                self.run_read_only(format!("query handler `{name}`"), || handler(&q.arguments))
            }
            (STACK_TRACE_QUERY, None) => crate::converter::to_payload(&self.stack_trace())
                .map_err(|e| e.to_failure("the __stack_trace answer")),
            (name, None) => {
                let mut known = self.state.borrow().query_names();
                known.push(STACK_TRACE_QUERY.to_string());
                Err(Failure::application(
                    format!(
                        "workflow `{}` has no query handler `{name}`; known queries: [{}]",
                        self.workflow_type,
                        known.join(", ")
                    ),
                    "UnknownQuery",
                    true,
                ))
            }
        };
        let variant = match result {
            Ok(payload) => query_result::Variant::Succeeded(QuerySuccess {
                response: Some(payload),
            }),
            Err(failure) => {
                self.count_decode_error(&failure, "query");
                query_result::Variant::Failed(failure.to_proto())
            }
        };
        wc::WorkflowCommand {
            variant: Some(Cmd::RespondToQuery(QueryResult {
                query_id: q.query_id,
                variant: Some(variant),
            })),
            ..Default::default()
        }
    }

    fn count_decode_error(&self, failure: &Failure, what: &str) {
        if failure.application_type() == Some("PayloadDecodeError") {
            self.state.borrow().metrics().payload_decode_error(what);
        }
    }

    /// What the run waits on, for the Web UI's "Call Stack" tab: the main routine and every
    /// other routine, then the commands awaiting their resolution.
    fn stack_trace(&self) -> String {
        let st = self.state.borrow();
        let mut text = format!(
            "workflow `{}` (id `{}`, run {})\n",
            self.workflow_type,
            st.info().workflow_id,
            self.run_id
        );
        text.push_str(if self.main.is_some() {
            "  main routine: running\n"
        } else {
            "  main routine: finished\n"
        });
        for r in &self.routines {
            text.push_str(&format!("  {}: running\n", r.name));
        }
        let pending = st.pending_keys();
        if pending.is_empty() {
            text.push_str("waiting on: nothing (signals, updates or a condition)\n");
        } else {
            text.push_str("waiting on:\n");
            for key in pending {
                text.push_str(&format!("  {key}\n"));
            }
        }
        text
    }
}

/// The query the Web UI sends for its "stack trace" view.
const STACK_TRACE_QUERY: &str = "__stack_trace";

impl Drop for Run {
    fn drop(&mut self) {
        let _active = self.waker.enter();
        // Handlers hold the workflow's context, and so this state: release them (outside the
        // borrow, as dropping them may touch the state) to break the cycle.
        let released = self.state.try_borrow_mut().ok().map(|mut st| st.start_teardown());
        drop(released);
        self.main = None;
        self.routines.clear();
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
