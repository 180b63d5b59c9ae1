//! The state one workflow run shares between its executor and the workflow code's context, and
//! the rules that govern it. Everything workflow code changes goes through a method here:
//!
//! - [`commands`]: sequence numbers, buffered commands, the table of pending commands awaiting
//!   their resolution, cancellation of commands;
//! - [`scope`]: cancellation scopes (the workflow's own cancellation is its root scope's);
//! - [`messages`]: buffered signals, query and update handlers, handler routines, read-only mode;
//! - this file: the facts of the current activation, randomness, patches, search attributes and
//!   memo, and the epoch the executor watches to know when to poll again.

mod commands;
mod messages;
mod scope;

pub(crate) use commands::{CommandKey, CommandSpec, Resolution, SeqKind};
pub(crate) use messages::{NewRoutine, Released, UpdateEntry, UpdateFn, ValidatorFn};
pub(crate) use scope::Scope;

use super::info::WorkflowInfo;
use crate::converter::{Failure, Memo, SearchAttributes};
use crate::interceptor::{Headers, OutboundCommand, WorkerInterceptor, WorkflowCall};
use crate::telemetry::metrics::WorkerMetrics;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use std::time::SystemTime;
use temporalio_common::protos::coresdk::workflow_commands::{
    ModifyWorkflowProperties, SetPatchMarker, UpsertWorkflowSearchAttributes, workflow_command::Variant,
};
use temporalio_common::protos::temporal::api::common::v1::{Memo as ProtoMemo, SearchAttributes as ProtoSa};

/// A deterministic random number generator (SplitMix64) seeded by Temporal.
#[derive(Debug, Clone)]
pub(crate) struct DeterministicRng(u64);

impl DeterministicRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// What the current activation says about the run.
#[derive(Debug, Clone, Copy)]
struct TaskFacts {
    now: SystemTime,
    replaying: bool,
    history_length: u32,
    continue_as_new_suggested: bool,
}

/// The state of one run that workflow code reaches through its context.
pub(crate) struct RunState {
    info: WorkflowInfo,
    task: TaskFacts,
    rng: DeterministicRng,
    /// The reason of the workflow's cancellation, once requested.
    cancel_reason: Option<String>,
    cancel_wakers: Vec<Waker>,
    /// Set while the run is being dropped: futures dropped then must not emit cancel commands.
    tearing_down: bool,
    /// Bumped whenever workflow-visible state changes through the SDK (a resolution or signal
    /// consumed, a routine started or finished, a scope cancelled): the executor polls again
    /// until it stops moving.
    epoch: u64,
    /// Futures waiting for a condition over workflow state: woken whenever the epoch moves.
    condition_wakers: Vec<Waker>,
    commands: commands::Commands,
    scopes: scope::Scopes,
    messages: messages::Messages,
    /// Patch decisions: `true` once history (`NotifyHasPatch`) or this run's code recorded the
    /// patch; `false` when replay found no marker.
    patches: HashMap<String, bool>,
    /// Patches whose marker command was sent.
    patch_markers_sent: HashSet<String>,
    search_attributes: SearchAttributes,
    memo: Memo,
    /// The worker's interceptors, in registration order.
    interceptors: Arc<[Arc<dyn WorkerInterceptor>]>,
    metrics: WorkerMetrics,
}

/// Shared handle to a run's state (single-threaded).
pub(crate) type SharedState = Rc<RefCell<RunState>>;

impl RunState {
    #[cfg(test)]
    pub(crate) fn new(info: WorkflowInfo, seed: u64, now: SystemTime) -> Self {
        Self::with_observers(info, seed, now, Arc::new([]), WorkerMetrics::default())
    }

    /// A run whose events the worker's interceptors see and whose errors its metrics count.
    pub(crate) fn with_observers(
        info: WorkflowInfo,
        seed: u64,
        now: SystemTime,
        interceptors: Arc<[Arc<dyn WorkerInterceptor>]>,
        metrics: WorkerMetrics,
    ) -> Self {
        Self {
            info,
            task: TaskFacts {
                now,
                replaying: false,
                history_length: 0,
                continue_as_new_suggested: false,
            },
            rng: DeterministicRng::new(seed),
            cancel_reason: None,
            cancel_wakers: Vec::new(),
            tearing_down: false,
            epoch: 0,
            condition_wakers: Vec::new(),
            commands: commands::Commands::default(),
            scopes: scope::Scopes::new(),
            messages: messages::Messages::default(),
            patches: HashMap::new(),
            patch_markers_sent: HashSet::new(),
            search_attributes: SearchAttributes::default(),
            memo: Memo::default(),
            interceptors,
            metrics,
        }
    }

    /// The run as the interceptors see it.
    fn workflow_call(&self) -> WorkflowCall<'_> {
        WorkflowCall {
            workflow_id: &self.info.workflow_id,
            run_id: &self.info.run_id,
            workflow_type: &self.info.workflow_type,
            namespace: &self.info.namespace,
            task_queue: &self.info.task_queue,
            attempt: self.info.attempt,
            is_replaying: self.task.replaying,
            now: self.task.now,
            headers: &self.info.headers,
        }
    }

    /// Calls `hook` on every interceptor, in registration order.
    pub(crate) fn intercept(&self, mut hook: impl FnMut(&dyn WorkerInterceptor, &WorkflowCall<'_>)) {
        if self.interceptors.is_empty() {
            return;
        }
        let call = self.workflow_call();
        for i in self.interceptors.iter() {
            hook(i.as_ref(), &call);
        }
    }

    /// Lets the interceptors edit the headers of a command the workflow issues.
    pub(crate) fn intercept_outbound(&self, command: OutboundCommand<'_>, headers: &mut Headers) {
        self.intercept(|i, call| i.outbound(call, command, headers));
    }

    pub(crate) fn metrics(&self) -> &WorkerMetrics {
        &self.metrics
    }

    /// Records the facts of a new activation.
    pub(crate) fn begin_activation(
        &mut self,
        now: Option<SystemTime>,
        replaying: bool,
        history_length: u32,
        continue_as_new_suggested: bool,
    ) {
        if let Some(now) = now {
            self.task.now = now;
        }
        self.task.replaying = replaying;
        self.task.history_length = history_length;
        self.task.continue_as_new_suggested = continue_as_new_suggested;
    }

    pub(crate) fn info(&self) -> &WorkflowInfo {
        &self.info
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.task.now
    }

    pub(crate) fn is_replaying(&self) -> bool {
        self.task.replaying
    }

    pub(crate) fn history_length(&self) -> u32 {
        self.task.history_length
    }

    pub(crate) fn continue_as_new_suggested(&self) -> bool {
        self.task.continue_as_new_suggested
    }

    pub(crate) fn next_random(&mut self) -> u64 {
        self.rng.next_u64()
    }

    pub(crate) fn reseed(&mut self, seed: u64) {
        self.rng = DeterministicRng::new(seed);
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Marks a change of workflow-visible state: the executor polls again, and conditions are
    /// re-checked.
    pub(crate) fn bump_epoch(&mut self) {
        self.epoch += 1;
        for w in self.condition_wakers.drain(..) {
            w.wake();
        }
    }

    /// Wakes `waker` at the next change of workflow-visible state.
    pub(crate) fn register_condition_waker(&mut self, waker: &Waker) {
        if !self.condition_wakers.iter().any(|w| w.will_wake(waker)) {
            self.condition_wakers.push(waker.clone());
        }
    }

    pub(crate) fn is_tearing_down(&self) -> bool {
        self.tearing_down
    }

    /// The run is being dropped: futures dropped from now on send no cancel commands, and the
    /// handlers (which hold the workflow's context, and so this state) are released.
    pub(crate) fn start_teardown(&mut self) -> Released {
        self.tearing_down = true;
        self.condition_wakers.clear();
        self.cancel_wakers.clear();
        self.messages.take_all()
    }

    /// The reason given when the workflow's cancellation was requested.
    pub(crate) fn cancel_reason(&self) -> Option<&str> {
        self.cancel_reason.as_deref()
    }

    /// Records the workflow's cancellation and cancels its root scope: every pending command of
    /// a cancellable scope is cancelled, in creation order.
    pub(crate) fn request_workflow_cancel(&mut self, reason: String) {
        if self.cancel_reason.is_none() {
            self.cancel_reason = Some(reason);
        }
        for w in self.cancel_wakers.drain(..) {
            w.wake();
        }
        let root = self.scopes.root();
        self.cancel_scope(&root);
    }

    pub(crate) fn register_cancel_waker(&mut self, waker: &Waker) {
        if !self.cancel_wakers.iter().any(|w| w.will_wake(waker)) {
            self.cancel_wakers.push(waker.clone());
        }
    }

    /// True if this execution runs the code guarded by `patch_id`; the first call for an id
    /// records the marker command (Core matches it against history on replay).
    pub(crate) fn patch(&mut self, patch_id: &str, deprecated: bool) -> bool {
        // Core notified us ahead of time if the history has a marker for this patch; without a
        // notification, replay means "no marker" and new code means "record it".
        let replaying = self.task.replaying;
        let present = *self.patches.entry(patch_id.to_string()).or_insert(!replaying);
        if self.patch_markers_sent.insert(patch_id.to_string()) {
            self.push_command(Variant::SetPatchMarker(SetPatchMarker {
                patch_id: patch_id.to_string(),
                deprecated,
            }));
        }
        present
    }

    /// Core says the history has a marker for this patch.
    pub(crate) fn notify_patch(&mut self, patch_id: String) {
        self.patches.insert(patch_id, true);
    }

    pub(crate) fn search_attributes(&self) -> &SearchAttributes {
        &self.search_attributes
    }

    pub(crate) fn set_initial_properties(&mut self, search_attributes: SearchAttributes, memo: Memo) {
        self.search_attributes = search_attributes;
        self.memo = memo;
    }

    /// Records an upsert of search attributes and issues its command.
    pub(crate) fn upsert_search_attributes(&mut self, attributes: SearchAttributes, proto: ProtoSa) {
        for name in proto.indexed_fields.keys() {
            if !attributes.contains_key(name) {
                // In the command but not among the values: an unset.
                self.search_attributes.remove(name);
            }
        }
        self.search_attributes.extend(attributes);
        self.push_command(Variant::UpsertWorkflowSearchAttributes(
            UpsertWorkflowSearchAttributes {
                search_attributes: Some(proto),
            },
        ));
    }

    pub(crate) fn memo(&self) -> &Memo {
        &self.memo
    }

    /// Records an upsert of memo fields (`null` removes a field) and issues its command.
    pub(crate) fn upsert_memo(&mut self, memo: Memo, proto: ProtoMemo) {
        for (k, v) in memo {
            if v.is_null() {
                self.memo.remove(&k);
            } else {
                self.memo.insert(k, v);
            }
        }
        self.push_command(Variant::ModifyWorkflowProperties(ModifyWorkflowProperties {
            upserted_memo: Some(proto),
        }));
    }

    /// A failure raised by a signal handler: the workflow fails with it.
    pub(crate) fn fail_from_handler(&mut self, failure: Failure) {
        if self.messages.handler_failure.is_none() {
            self.messages.handler_failure = Some(failure);
        }
        self.bump_epoch();
    }

    pub(crate) fn take_handler_failure(&mut self) -> Option<Failure> {
        self.messages.handler_failure.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_per_seed() {
        let a: Vec<u64> = {
            let mut r = DeterministicRng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let mut r = DeterministicRng::new(7);
        assert_eq!(a, (0..4).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut other = DeterministicRng::new(8);
        assert_ne!(a[0], other.next_u64());
    }

    #[test]
    fn sequences_start_at_one_per_kind() {
        let mut s = RunState::new(WorkflowInfo::default(), 0, SystemTime::UNIX_EPOCH);
        assert_eq!((s.next_seq(SeqKind::Timer), s.next_seq(SeqKind::Timer)), (1, 2));
        assert_eq!(s.next_seq(SeqKind::Activity), 1);
    }

    #[test]
    fn patches_are_recorded_once_and_answer_consistently() {
        let mut s = RunState::new(WorkflowInfo::default(), 0, SystemTime::UNIX_EPOCH);
        assert!(s.patch("p", false));
        assert!(s.patch("p", false));
        assert_eq!(s.take_commands().len(), 1);
        s.begin_activation(None, true, 0, false);
        assert!(!s.patch("q", false), "replay without a marker takes the old path");
        s.notify_patch("r".into());
        assert!(s.patch("r", false));
    }
}
