//! Commands: per-kind sequence numbers, the commands buffered for the current activation, and
//! the table of pending commands awaiting Core's resolution, with their cancellation.

use super::scope::Scope;
use super::{RunState, messages::read_only_violation};
use crate::converter::Failure;
use std::collections::HashMap;
use std::task::Waker;
use temporalio_common::protos::coresdk::{
    activity_result::ActivityResolution,
    child_workflow::ChildWorkflowResult,
    workflow_activation::ResolveChildWorkflowExecutionStart,
    workflow_commands::{self as wc, WorkflowCommand, workflow_command::Variant},
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
    /// A Nexus operation (its start failure or its result).
    Nexus(u32),
}

impl std::fmt::Display for CommandKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timer(s) => write!(f, "timer #{s}"),
            Self::Activity(s) => write!(f, "activity #{s}"),
            Self::SignalExternal(s) => write!(f, "signal to another workflow #{s}"),
            Self::CancelExternal(s) => write!(f, "cancellation of another workflow #{s}"),
            Self::ChildStart(s) => write!(f, "start of child workflow #{s}"),
            Self::ChildResult(s) => write!(f, "result of child workflow #{s}"),
            Self::Nexus(s) => write!(f, "Nexus operation #{s}"),
        }
    }
}

/// The sequence-number counters, one per kind of command.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SeqKind {
    Timer,
    /// Activities and local activities.
    Activity,
    SignalExternal,
    CancelExternal,
    Child,
    Nexus,
}

/// What Core told us about a pending command.
#[derive(Debug, Clone)]
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
    Nexus(Box<temporalio_common::protos::coresdk::nexus::NexusOperationResult>),
}

/// A command to issue, with what cancelling it means.
pub(crate) struct CommandSpec {
    pub(crate) key: CommandKey,
    pub(crate) command: Variant,
    /// Sent when the command is cancelled (its future dropped or cancelled, its scope
    /// cancelled); `None` for commands that cannot be cancelled.
    pub(crate) cancel: Option<Variant>,
    /// The resolution cancelling produces at once (timers); `None` when Core resolves it.
    pub(crate) cancelled_locally: Option<Resolution>,
    /// The resolution when the command is never sent because its scope is already cancelled.
    pub(crate) cancelled_before_sent: Resolution,
}

struct Slot {
    resolution: Option<Resolution>,
    waker: Option<Waker>,
    /// Creation order, so cancelling many commands emits their cancels deterministically.
    created: u64,
    /// Boxed: a command `Variant` is as large as Core's largest command (hundreds of bytes),
    /// and every cached run keeps a slot per pending command.
    cancel: Option<Box<Variant>>,
    cancelled_locally: Option<Resolution>,
    /// When `cancel` is a cancellation request sent on this slot's behalf: the slot's
    /// resolution once the server accepted the request.
    on_cancel_accepted: Option<Resolution>,
    /// The scope the command belongs to; `None` when it cannot be cancelled.
    scope: Option<Scope>,
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
    nexus: u32,
}

impl Default for Sequences {
    fn default() -> Self {
        Self {
            timer: 1,
            activity: 1,
            signal_external: 1,
            cancel_external: 1,
            child: 1,
            nexus: 1,
        }
    }
}

#[derive(Default)]
pub(super) struct Commands {
    buffered: Vec<WorkflowCommand>,
    pending: HashMap<CommandKey, Slot>,
    seq: Sequences,
    created: u64,
    /// Cancellation requests sent on behalf of another slot (a child cancelled with
    /// `WaitCancellationRequested`): once the server accepted one, the other slot resolves with
    /// the stored resolution.
    forwarded: HashMap<CommandKey, (CommandKey, Resolution)>,
}

impl RunState {
    pub(crate) fn next_seq(&mut self, kind: SeqKind) -> u32 {
        let s = &mut self.commands.seq;
        let counter = match kind {
            SeqKind::Timer => &mut s.timer,
            SeqKind::Activity => &mut s.activity,
            SeqKind::SignalExternal => &mut s.signal_external,
            SeqKind::CancelExternal => &mut s.cancel_external,
            SeqKind::Child => &mut s.child,
            SeqKind::Nexus => &mut s.nexus,
        };
        let n = *counter;
        *counter += 1;
        n
    }

    /// Buffers a command, in the order workflow code issued it. While read-only (a query handler
    /// or an update validator runs), the command is refused and recorded as a violation.
    pub(crate) fn push_command(&mut self, variant: Variant) {
        if let Some(what) = self.messages.read_only.as_deref() {
            if self.messages.read_only_violation.is_none() {
                self.messages.read_only_violation = Some(read_only_violation(what, &variant));
            }
            return;
        }
        self.commands.buffered.push(WorkflowCommand {
            variant: Some(variant),
            ..Default::default()
        });
    }

    pub(crate) fn take_commands(&mut self) -> Vec<WorkflowCommand> {
        std::mem::take(&mut self.commands.buffered)
    }

    /// Issues a command in the current scope and registers a slot for its resolution. A
    /// cancellable command created in a cancelled scope is not sent: it resolves at once as
    /// cancelled. While read-only the command is refused (no slot: nothing will resolve it).
    pub(crate) fn issue(&mut self, spec: CommandSpec) {
        if self.messages.read_only.is_some() {
            self.push_command(spec.command);
            return;
        }
        let scope = spec.cancel.is_some().then(|| self.scopes.current());
        let already_cancelled = scope.as_ref().is_some_and(Scope::is_cancelled);
        self.commands.created += 1;
        let mut slot = Slot {
            resolution: None,
            waker: None,
            created: self.commands.created,
            cancel: spec.cancel.map(Box::new),
            cancelled_locally: spec.cancelled_locally,
            on_cancel_accepted: None,
            scope,
            cancel_sent: false,
        };
        if already_cancelled {
            slot.resolution = Some(spec.cancelled_before_sent);
            slot.cancel_sent = true;
        } else {
            self.push_command(spec.command);
        }
        self.commands.pending.insert(spec.key, slot);
    }

    /// Registers a slot for a second resolution of an issued command (a child workflow's result
    /// after its start), in the current scope.
    pub(crate) fn expect(&mut self, key: CommandKey, cancelled_before_sent: Resolution) {
        if self.messages.read_only.is_some() {
            return;
        }
        let scope = self.scopes.current();
        self.commands.created += 1;
        let resolution = scope.is_cancelled().then_some(cancelled_before_sent);
        self.commands.pending.insert(
            key,
            Slot {
                cancel_sent: resolution.is_some(),
                resolution,
                waker: None,
                created: self.commands.created,
                cancel: None,
                cancelled_locally: None,
                on_cancel_accepted: None,
                scope: Some(scope),
            },
        );
    }

    /// Drops a pending slot without cancelling anything.
    pub(crate) fn forget(&mut self, key: CommandKey) {
        self.commands.pending.remove(&key);
    }

    /// Sets the command that cancels a pending slot (a child's result, once it started).
    pub(crate) fn set_cancel(&mut self, key: CommandKey, cancel: Variant) {
        if let Some(slot) = self.commands.pending.get_mut(&key) {
            slot.cancel = Some(Box::new(cancel));
        }
    }

    /// Cancels one pending command: sends its cancel command once, and resolves it at once if
    /// its cancellation is local (timers). Core resolves the others.
    pub(crate) fn cancel_command(&mut self, key: CommandKey) {
        let Some(slot) = self.commands.pending.get_mut(&key) else {
            return;
        };
        if slot.cancel_sent || slot.resolution.is_some() {
            return;
        }
        slot.cancel_sent = true;
        let cancel = slot.cancel.take().map(|c| *c);
        let on_cancel_accepted = slot.on_cancel_accepted.take();
        if let Some(local) = slot.cancelled_locally.take() {
            slot.resolution = Some(local);
            if let Some(w) = slot.waker.take() {
                w.wake();
            }
        }
        match (cancel, on_cancel_accepted) {
            // A cancellation request on the slot's behalf: numbered now, in cancellation order
            // (deterministic), and resolving the slot once the server accepted it.
            (Some(Variant::RequestCancelExternalWorkflowExecution(mut request)), Some(resolution)) => {
                request.seq = self.next_seq(SeqKind::CancelExternal);
                self.commands
                    .forwarded
                    .insert(CommandKey::CancelExternal(request.seq), (key, resolution));
                self.push_command(Variant::RequestCancelExternalWorkflowExecution(request));
            }
            (Some(cancel), _) => self.push_command(cancel),
            (None, _) => {}
        }
    }

    /// Sets the cancel of a pending slot to a cancellation request for another workflow
    /// (`request.seq` is assigned when it is sent); the slot resolves with `resolution` once the
    /// server accepted the request, or on its own if the request fails.
    pub(crate) fn set_cancel_by_request(
        &mut self,
        key: CommandKey,
        request: wc::RequestCancelExternalWorkflowExecution,
        resolution: Resolution,
    ) {
        if let Some(slot) = self.commands.pending.get_mut(&key) {
            slot.cancel = Some(Box::new(Variant::RequestCancelExternalWorkflowExecution(request)));
            slot.on_cancel_accepted = Some(resolution);
        }
    }

    /// Resolves a cancellation request sent on another slot's behalf (see
    /// [`RunState::set_cancel_by_request`]); false if `key` was not one.
    pub(crate) fn resolve_forwarded(&mut self, key: CommandKey, accepted: bool) -> bool {
        match self.commands.forwarded.remove(&key) {
            Some((target, resolution)) => {
                if accepted {
                    self.resolve(target, resolution);
                }
                true
            }
            None => false,
        }
    }

    /// Cancels every pending command whose scope is cancelled, in creation order.
    pub(super) fn cancel_commands_of_cancelled_scopes(&mut self) {
        let mut keys: Vec<(u64, CommandKey)> = self
            .commands
            .pending
            .iter()
            .filter(|(_, s)| !s.cancel_sent && s.scope.as_ref().is_some_and(Scope::is_cancelled))
            .map(|(k, s)| (s.created, *k))
            .collect();
        keys.sort_unstable_by_key(|(created, _)| *created);
        for (_, key) in keys {
            self.cancel_command(key);
        }
    }

    /// Stores a resolution and wakes the future waiting for it. Returns false when no future
    /// waits for this key any more (it was dropped, and its cancel already sent).
    pub(crate) fn resolve(&mut self, key: CommandKey, resolution: Resolution) -> bool {
        match self.commands.pending.get_mut(&key) {
            Some(slot) => {
                // The first resolution wins: a child cancelled with `WaitCancellationRequested`
                // resolves when the server accepted the request, and its completion, later in
                // the same activation (the child saw the request and finished), must not
                // replace that.
                if slot.resolution.is_none() {
                    slot.resolution = Some(resolution);
                }
                if let Some(w) = slot.waker.take() {
                    w.wake();
                }
                true
            }
            None => false,
        }
    }

    /// Takes the resolution for `key` if it arrived, otherwise records the waker. `None` also
    /// when the key is not pending (never issued, or issued while read-only).
    pub(crate) fn poll_resolution(&mut self, key: CommandKey, waker: &Waker) -> Option<Resolution> {
        let slot = self.commands.pending.get_mut(&key)?;
        match slot.resolution.take() {
            Some(r) => {
                self.commands.pending.remove(&key);
                self.bump_epoch();
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
        self.commands.pending.remove(&key);
    }

    /// The pending commands in creation order, for the `__stack_trace` query.
    pub(crate) fn pending_keys(&self) -> Vec<CommandKey> {
        let mut keys: Vec<_> = self
            .commands
            .pending
            .iter()
            .map(|(k, s)| (s.created, *k))
            .collect();
        keys.sort_unstable_by_key(|(created, _)| *created);
        keys.into_iter().map(|(_, k)| k).collect()
    }
}
