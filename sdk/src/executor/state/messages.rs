//! Messages: buffered signals, query and update handlers, the routines that run handlers, and
//! read-only mode (queries and update validators must not issue commands).

use super::RunState;
use crate::converter::{Failure, Payload};
use futures::future::LocalBoxFuture;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::task::Waker;
use temporalio_common::protos::coresdk::{
    workflow_activation::DoUpdate, workflow_commands::workflow_command::Variant,
};

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

#[derive(Default)]
pub(super) struct Messages {
    /// Signals not yet consumed, by name, in arrival order (with their arrival number).
    signals: HashMap<String, VecDeque<(u64, Vec<Payload>)>>,
    /// Arrival counter of signals (orders signals of different names).
    signals_received: u64,
    signal_wakers: Vec<Waker>,
    /// Names with a registered signal handler (for error messages and the UI).
    signal_handler_names: Vec<String>,
    queries: BTreeMap<String, QueryFn>,
    updates: BTreeMap<String, UpdateEntry>,
    /// Updates received but not yet validated and dispatched.
    pending_updates: VecDeque<DoUpdate>,
    /// Routines to be adopted by the executor at its next pass.
    new_routines: Vec<NewRoutine>,
    /// Handler routines still running.
    running_handlers: usize,
    /// Set when a signal handler failed: the workflow fails with it.
    pub(super) handler_failure: Option<Failure>,
    /// Set while a query handler or an update validator runs: commands are refused.
    pub(super) read_only: Option<String>,
    /// The first command refused while read-only.
    pub(super) read_only_violation: Option<String>,
}

impl Messages {
    /// Everything that holds workflow code (handlers, routines not adopted yet), to be dropped
    /// once the state is no longer borrowed.
    pub(super) fn take_all(&mut self) -> Released {
        Released {
            _queries: std::mem::take(&mut self.queries),
            _updates: std::mem::take(&mut self.updates),
            _routines: std::mem::take(&mut self.new_routines),
        }
    }
}

/// Handlers and routines taken out of a run's state; dropped by the caller.
pub(crate) struct Released {
    _queries: BTreeMap<String, QueryFn>,
    _updates: BTreeMap<String, UpdateEntry>,
    _routines: Vec<NewRoutine>,
}

/// The message for a command refused in read-only mode.
pub(super) fn read_only_violation(what: &str, variant: &Variant) -> String {
    let name = format!("{variant:?}");
    let name = name.split(['(', ' ', '{']).next().unwrap_or("command");
    format!("{what} tried to issue a {name} command; it must be read-only")
}

impl RunState {
    /// Buffers a received signal and wakes whoever waits for signals.
    pub(crate) fn push_signal(&mut self, name: String, input: Vec<Payload>) {
        let m = &mut self.messages;
        m.signals_received += 1;
        let arrival = m.signals_received;
        m.signals.entry(name).or_default().push_back((arrival, input));
        for w in m.signal_wakers.drain(..) {
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
        let m = &mut self.messages;
        let earliest = names
            .iter()
            .filter_map(|n| Some((m.signals.get(*n)?.front()?.0, *n)))
            .min_by_key(|(arrival, _)| *arrival)
            .map(|(_, n)| n.to_string());
        match earliest.and_then(|n| Some((n.clone(), m.signals.get_mut(&n)?.pop_front()?.1))) {
            Some(s) => {
                self.bump_epoch();
                Some(s)
            }
            None => {
                if !m.signal_wakers.iter().any(|w| w.will_wake(waker)) {
                    m.signal_wakers.push(waker.clone());
                }
                None
            }
        }
    }

    /// Number of buffered signals of `name`.
    pub(crate) fn buffered_signals(&self, name: &str) -> usize {
        self.messages.signals.get(name).map_or(0, VecDeque::len)
    }

    /// Records that a handler consumes signals of `name`.
    pub(crate) fn add_signal_handler_name(&mut self, name: &str) {
        if !self.messages.signal_handler_names.iter().any(|n| n == name) {
            self.messages.signal_handler_names.push(name.to_string());
        }
    }

    pub(crate) fn set_query_handler(&mut self, name: &str, handler: QueryFn) {
        self.messages.queries.insert(name.to_string(), handler);
    }

    pub(crate) fn query_handler(&self, name: &str) -> Option<QueryFn> {
        self.messages.queries.get(name).cloned()
    }

    pub(crate) fn query_names(&self) -> Vec<String> {
        self.messages.queries.keys().cloned().collect()
    }

    pub(crate) fn set_update_handler(&mut self, name: &str, entry: UpdateEntry) {
        self.messages.updates.insert(name.to_string(), entry);
        self.bump_epoch();
    }

    /// Sets the validator of a registered update handler.
    pub(crate) fn set_update_validator(&mut self, name: &str, validator: ValidatorFn) {
        if let Some(entry) = self.messages.updates.get_mut(name) {
            entry.validator = Some(validator);
        }
    }

    pub(crate) fn update_handler(&self, name: &str) -> Option<UpdateEntry> {
        self.messages.updates.get(name).cloned()
    }

    pub(crate) fn update_names(&self) -> Vec<String> {
        self.messages.updates.keys().cloned().collect()
    }

    pub(crate) fn push_update(&mut self, update: DoUpdate) {
        self.messages.pending_updates.push_back(update);
    }

    pub(crate) fn take_pending_updates(&mut self) -> VecDeque<DoUpdate> {
        std::mem::take(&mut self.messages.pending_updates)
    }

    /// Puts back an update nobody handles yet (a handler may be registered later this
    /// activation).
    pub(crate) fn defer_update(&mut self, update: DoUpdate) {
        self.messages.pending_updates.push_back(update);
    }

    /// Spawns a routine: the executor adopts it at its next pass.
    pub(crate) fn spawn_routine(&mut self, routine: NewRoutine) {
        self.messages.new_routines.push(routine);
        self.bump_epoch();
    }

    pub(crate) fn take_new_routines(&mut self) -> Vec<NewRoutine> {
        std::mem::take(&mut self.messages.new_routines)
    }

    pub(crate) fn handler_started(&mut self) {
        self.messages.running_handlers += 1;
    }

    pub(crate) fn handler_finished(&mut self) {
        self.messages.running_handlers = self.messages.running_handlers.saturating_sub(1);
        self.bump_epoch();
    }

    /// True when no update handler or async signal handler is running.
    pub(crate) fn all_handlers_finished(&self) -> bool {
        self.messages.running_handlers == 0
    }

    /// Refuses commands until [`RunState::leave_read_only`] (query handlers, update validators).
    pub(crate) fn enter_read_only(&mut self, what: String) {
        self.messages.read_only = Some(what);
        self.messages.read_only_violation = None;
    }

    /// Accepts commands again; returns the first refused command, if any.
    pub(crate) fn leave_read_only(&mut self) -> Option<String> {
        self.messages.read_only = None;
        self.messages.read_only_violation.take()
    }
}
