//! The state one workflow run shares between its executor and its [`crate::WorkflowContext`]:
//! sequence numbers, buffered commands, and the table of pending commands awaiting resolution.

use crate::converter::{Failure, Payload};
use crate::workflow::WorkflowInfo;
use futures::future::LocalBoxFuture;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::task::Waker;
use std::time::SystemTime;
use temporalio_common::protos::coresdk::{
    activity_result::ActivityResolution,
    child_workflow::ChildWorkflowResult,
    workflow_activation::{DoUpdate, ResolveChildWorkflowExecutionStart},
    workflow_commands::WorkflowCommand,
    workflow_commands::workflow_command::Variant,
};

/// A pending command, keyed the way Core keys its state machines: by kind and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CommandKey {
    Timer(u32),
    /// Activities and local activities share one counter: both resolve through `ResolveActivity`.
    Activity(u32),
    SignalExternal(u32),
    CancelExternal(u32),
    /// A child workflow's start, then (same sequence number) its result.
    ChildStart(u32),
    ChildResult(u32),
}

/// What Core told us about a pending command.
#[derive(Debug)]
pub(crate) enum Resolution {
    TimerFired,
    Activity(Box<ActivityResolution>),
    /// The timer was cancelled (by its future, its scope or the workflow's cancellation).
    TimerCancelled,
    /// `None` when the signal was delivered.
    SignalExternal(Option<Box<Failure>>),
    /// `None` when the cancellation request was delivered.
    CancelExternal(Option<Box<Failure>>),
    ChildStart(Box<ResolveChildWorkflowExecutionStart>),
    ChildResult(Box<ChildWorkflowResult>),
}

/// A command to issue, with what cancelling it means.
pub(crate) struct CommandSpec {
    pub(crate) key: CommandKey,
    pub(crate) command: Variant,
    /// Sent when the command is cancelled (its future dropped or cancelled, its scope cancelled).
    pub(crate) cancel: Option<Variant>,
    /// The resolution cancelling produces at once (timers); `None` when Core resolves it.
    pub(crate) cancelled_locally: Option<Resolution>,
    /// The resolution when the command is never sent because its scope is already cancelled.
    pub(crate) cancelled_before_sent: Resolution,
}

/// A query handler: raw arguments in, encoded result or failure out.
pub(crate) type QueryFn = Rc<dyn Fn(&[Payload]) -> Result<Payload, Failure>>;
/// An update validator.
pub(crate) type ValidatorFn = Rc<dyn Fn(&[Payload]) -> Result<(), Failure>>;
/// An update handler: raw arguments in, the routine computing the encoded result out.
pub(crate) type UpdateFn = Rc<dyn Fn(Vec<Payload>) -> LocalBoxFuture<'static, Result<Payload, Failure>>>;

/// A registered update handler.
#[derive(Clone)]
pub(crate) struct UpdateEntry {
    pub(crate) validator: Option<ValidatorFn>,
    pub(crate) handler: UpdateFn,
}

/// A routine spawned by workflow code or by the SDK (signal and update handlers).
pub(crate) struct NewRoutine {
    pub(crate) name: String,
    pub(crate) future: LocalBoxFuture<'static, ()>,
    /// Counted by `all_handlers_finished` (update handlers and async signal handlers).
    pub(crate) is_handler: bool,
}

struct Slot {
    resolution: Option<Resolution>,
    waker: Option<Waker>,
    /// Creation order, so cancelling many commands emits their cancels deterministically.
    created: u64,
    cancel: Option<Variant>,
    cancelled_locally: Option<Resolution>,
    /// False for commands created in a non-cancellable scope.
    cancellable: bool,
    cancel_sent: bool,
}

/// Per-kind sequence counters, starting at 1 like the other SDKs.
#[derive(Debug)]
struct Sequences {
    timer: u32,
    activity: u32,
    signal_external: u32,
    cancel_external: u32,
    child: u32,
}

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

/// The state of one run that workflow code reaches through the context.
pub(crate) struct RunState {
    pub(crate) info: WorkflowInfo,
    pub(crate) now: SystemTime,
    pub(crate) replaying: bool,
    pub(crate) history_length: u32,
    pub(crate) continue_as_new_suggested: bool,
    pub(crate) rng: DeterministicRng,
    pub(crate) cancel_requested: Option<String>,
    cancel_wakers: Vec<Waker>,
    /// Set while the run is being dropped: futures dropped then must not emit cancel commands.
    pub(crate) tearing_down: bool,
    commands: Vec<WorkflowCommand>,
    pending: HashMap<CommandKey, Slot>,
    seq: Sequences,
    /// Bumped whenever workflow-visible state changes through the SDK (a resolution or signal
    /// consumed, a routine started or finished): the executor polls again until it stops moving.
    pub(crate) epoch: u64,
    /// Signals not yet consumed, by name, in arrival order.
    signals: HashMap<String, VecDeque<(u64, Vec<Payload>)>>,
    /// Arrival counter of signals (orders signals of different names).
    signals_received: u64,
    signal_wakers: Vec<Waker>,
    /// Names with a registered signal handler (for error messages and the UI).
    pub(crate) signal_handler_names: Vec<String>,
    pub(crate) query_handlers: BTreeMap<String, QueryFn>,
    pub(crate) update_handlers: BTreeMap<String, UpdateEntry>,
    /// Updates received but not yet validated and dispatched.
    pub(crate) pending_updates: VecDeque<DoUpdate>,
    /// Routines to be adopted by the executor at its next pass.
    pub(crate) new_routines: Vec<NewRoutine>,
    /// Handler routines still running.
    pub(crate) running_handlers: usize,
    /// Set when a signal handler failed: the workflow fails with it.
    pub(crate) handler_failure: Option<Failure>,
    /// Set while a query handler or an update validator runs: commands are refused.
    read_only: Option<String>,
    /// The first command refused while read-only.
    pub(crate) read_only_violation: Option<String>,
    /// Patch decisions: `true` once history (`NotifyHasPatch`) or this run's code recorded the
    /// patch; `false` when replay found no marker.
    pub(crate) patches: HashMap<String, bool>,
    /// The workflow's search attributes (from the start, then upserts).
    pub(crate) search_attributes: crate::converter::SearchAttributes,
    /// The workflow's memo (from the start, then upserts).
    pub(crate) memo: crate::converter::Memo,
    /// Commands created so far (orders pending slots).
    created: u64,
    /// While above zero, new commands belong to a non-cancellable scope.
    pub(crate) detached_depth: u32,
    /// Patches whose marker command was sent.
    pub(crate) patch_markers_sent: std::collections::HashSet<String>,
}

/// Shared handle to a run's state (single-threaded).
pub(crate) type SharedState = Rc<RefCell<RunState>>;

impl RunState {
    pub(crate) fn new(info: WorkflowInfo, seed: u64, now: SystemTime) -> Self {
        Self {
            info,
            now,
            replaying: false,
            history_length: 0,
            continue_as_new_suggested: false,
            rng: DeterministicRng::new(seed),
            cancel_requested: None,
            cancel_wakers: Vec::new(),
            tearing_down: false,
            commands: Vec::new(),
            pending: HashMap::new(),
            seq: Sequences {
                timer: 1,
                activity: 1,
                signal_external: 1,
                cancel_external: 1,
                child: 1,
            },
            created: 0,
            detached_depth: 0,
            search_attributes: Default::default(),
            memo: Default::default(),
            epoch: 0,
            signals: HashMap::new(),
            signals_received: 0,
            signal_wakers: Vec::new(),
            signal_handler_names: Vec::new(),
            query_handlers: BTreeMap::new(),
            update_handlers: BTreeMap::new(),
            pending_updates: VecDeque::new(),
            new_routines: Vec::new(),
            running_handlers: 0,
            handler_failure: None,
            read_only: None,
            read_only_violation: None,
            patches: HashMap::new(),
            patch_markers_sent: std::collections::HashSet::new(),
        }
    }

    pub(crate) fn next_cancel_external_seq(&mut self) -> u32 {
        let s = self.seq.cancel_external;
        self.seq.cancel_external += 1;
        s
    }

    pub(crate) fn next_child_seq(&mut self) -> u32 {
        let s = self.seq.child;
        self.seq.child += 1;
        s
    }

    pub(crate) fn next_signal_external_seq(&mut self) -> u32 {
        let s = self.seq.signal_external;
        self.seq.signal_external += 1;
        s
    }

    /// Buffers a received signal and wakes whoever waits for signals.
    pub(crate) fn push_signal(&mut self, name: String, input: Vec<Payload>) {
        self.signals_received += 1;
        self.signals
            .entry(name)
            .or_default()
            .push_back((self.signals_received, input));
        for w in self.signal_wakers.drain(..) {
            w.wake();
        }
    }

    /// Takes the oldest unconsumed signal of `name`, or records the waker.
    pub(crate) fn poll_signal(&mut self, name: &str, waker: &Waker) -> Option<Vec<Payload>> {
        self.poll_any_signal(&[name], waker).map(|(_, p)| p)
    }

    /// Takes the earliest-arrived unconsumed signal among `names`, or records the waker.
    pub(crate) fn poll_any_signal(
        &mut self,
        names: &[&str],
        waker: &Waker,
    ) -> Option<(String, Vec<Payload>)> {
        let earliest = names
            .iter()
            .filter_map(|n| Some((self.signals.get(*n)?.front()?.0, *n)))
            .min_by_key(|(arrival, _)| *arrival)
            .map(|(_, n)| n.to_string());
        match earliest.and_then(|n| Some((n.clone(), self.signals.get_mut(&n)?.pop_front()?.1))) {
            Some(s) => {
                self.epoch += 1;
                Some(s)
            }
            None => {
                if !self.signal_wakers.iter().any(|w| w.will_wake(waker)) {
                    self.signal_wakers.push(waker.clone());
                }
                None
            }
        }
    }

    /// Number of buffered signals of `name`.
    pub(crate) fn buffered_signals(&self, name: &str) -> usize {
        self.signals.get(name).map_or(0, VecDeque::len)
    }

    /// Refuses commands until [`RunState::leave_read_only`] (query handlers, update validators).
    pub(crate) fn enter_read_only(&mut self, what: String) {
        self.read_only = Some(what);
        self.read_only_violation = None;
    }

    /// Accepts commands again; returns the first refused command, if any.
    pub(crate) fn leave_read_only(&mut self) -> Option<String> {
        self.read_only = None;
        self.read_only_violation.take()
    }

    /// The pending commands, for the `__stack_trace` query.
    pub(crate) fn pending_keys(&self) -> Vec<CommandKey> {
        let mut keys: Vec<_> = self.pending.iter().map(|(k, s)| (s.created, *k)).collect();
        keys.sort_unstable_by_key(|(created, _)| *created);
        keys.into_iter().map(|(_, k)| k).collect()
    }

    pub(crate) fn next_timer_seq(&mut self) -> u32 {
        let s = self.seq.timer;
        self.seq.timer += 1;
        s
    }

    pub(crate) fn next_activity_seq(&mut self) -> u32 {
        let s = self.seq.activity;
        self.seq.activity += 1;
        s
    }

    /// Buffers a command, in the order workflow code issued it. While read-only (a query handler
    /// or an update validator runs), the command is refused and recorded as a violation.
    pub(crate) fn push_command(&mut self, variant: Variant) {
        if let Some(what) = &self.read_only {
            if self.read_only_violation.is_none() {
                let name = format!("{variant:?}");
                let name = name
                    .split(['(', ' ', '{'])
                    .next()
                    .unwrap_or("command")
                    .to_string();
                self.read_only_violation = Some(format!(
                    "{what} tried to issue a {name} command; it must be read-only"
                ));
            }
            return;
        }
        self.commands.push(WorkflowCommand {
            variant: Some(variant),
            ..Default::default()
        });
    }

    /// Issues a command and registers a slot for its resolution. A command created in a
    /// cancellable scope after the workflow's cancellation was requested is not sent: it
    /// resolves at once as cancelled. While read-only the command is refused (no slot: nothing
    /// will resolve it).
    pub(crate) fn issue(&mut self, spec: CommandSpec) {
        if self.read_only.is_some() {
            self.push_command(spec.command);
            return;
        }
        // Commands without a cancel command (cancelling another workflow) cannot be cancelled.
        let cancellable = self.detached_depth == 0 && spec.cancel.is_some();
        self.created += 1;
        let mut slot = Slot {
            resolution: None,
            waker: None,
            created: self.created,
            cancel: spec.cancel,
            cancelled_locally: spec.cancelled_locally,
            cancellable,
            cancel_sent: false,
        };
        if cancellable && self.cancel_requested.is_some() {
            slot.resolution = Some(spec.cancelled_before_sent);
            slot.cancel_sent = true;
        } else {
            self.push_command(spec.command);
        }
        self.pending.insert(spec.key, slot);
    }

    /// Registers a slot for a second resolution of an issued command (a child workflow's result
    /// after its start), in the same scope as the command.
    pub(crate) fn expect(&mut self, key: CommandKey, cancelled_before_sent: Resolution) {
        if self.read_only.is_some() {
            return;
        }
        let cancellable = self.detached_depth == 0;
        self.created += 1;
        let resolution = (cancellable && self.cancel_requested.is_some()).then_some(cancelled_before_sent);
        self.pending.insert(
            key,
            Slot {
                cancel_sent: resolution.is_some(),
                resolution,
                waker: None,
                created: self.created,
                cancel: None,
                cancelled_locally: None,
                cancellable,
            },
        );
    }

    /// Drops a pending slot without cancelling anything.
    pub(crate) fn forget(&mut self, key: CommandKey) {
        self.pending.remove(&key);
    }

    /// Sets the command that cancels a pending slot (a child's result, once it started).
    pub(crate) fn set_cancel(&mut self, key: CommandKey, cancel: Variant) {
        if let Some(slot) = self.pending.get_mut(&key) {
            slot.cancel = Some(cancel);
        }
    }

    /// Cancels one pending command: sends its cancel command once, and resolves it at once if
    /// its cancellation is local (timers). Core resolves the others.
    pub(crate) fn cancel_command(&mut self, key: CommandKey) {
        let Some(slot) = self.pending.get_mut(&key) else {
            return;
        };
        if slot.cancel_sent || slot.resolution.is_some() {
            return;
        }
        slot.cancel_sent = true;
        let cancel = slot.cancel.take();
        if let Some(local) = slot.cancelled_locally.take() {
            slot.resolution = Some(local);
            if let Some(w) = slot.waker.take() {
                w.wake();
            }
        }
        if let Some(cancel) = cancel {
            self.push_command(cancel);
        }
    }

    pub(crate) fn take_commands(&mut self) -> Vec<WorkflowCommand> {
        std::mem::take(&mut self.commands)
    }

    /// Stores a resolution and wakes the future waiting for it. Returns false when no future
    /// waits for this key any more (it was dropped, and its cancel already sent).
    pub(crate) fn resolve(&mut self, key: CommandKey, resolution: Resolution) -> bool {
        match self.pending.get_mut(&key) {
            Some(slot) => {
                slot.resolution = Some(resolution);
                if let Some(w) = slot.waker.take() {
                    w.wake();
                }
                true
            }
            None => false,
        }
    }

    /// Takes the resolution for `key` if it arrived, otherwise records the waker.
    pub(crate) fn poll_resolution(&mut self, key: CommandKey, waker: &Waker) -> Option<Resolution> {
        let slot = self.pending.get_mut(&key)?;
        match slot.resolution.take() {
            Some(r) => {
                self.pending.remove(&key);
                self.epoch += 1;
                Some(r)
            }
            None => {
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    slot.waker = Some(waker.clone());
                }
                None
            }
        }
    }

    /// Forgets a pending key whose future was dropped, cancelling the command if it was still
    /// running.
    pub(crate) fn abandon(&mut self, key: CommandKey) {
        self.cancel_command(key);
        self.pending.remove(&key);
    }

    /// Records the workflow's cancellation and cancels every pending command of cancellable
    /// scopes, in creation order.
    pub(crate) fn request_cancel(&mut self, reason: String) {
        if self.cancel_requested.is_none() {
            self.cancel_requested = Some(reason);
        }
        for w in self.cancel_wakers.drain(..) {
            w.wake();
        }
        let mut keys: Vec<(u64, CommandKey)> = self
            .pending
            .iter()
            .filter(|(_, s)| s.cancellable)
            .map(|(k, s)| (s.created, *k))
            .collect();
        keys.sort_unstable_by_key(|(created, _)| *created);
        for (_, key) in keys {
            self.cancel_command(key);
        }
    }

    pub(crate) fn register_cancel_waker(&mut self, waker: &Waker) {
        self.cancel_wakers.push(waker.clone());
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
        assert_eq!((s.next_timer_seq(), s.next_timer_seq()), (1, 2));
        assert_eq!(s.next_activity_seq(), 1);
    }
}
