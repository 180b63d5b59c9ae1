//! The state one workflow run shares between its executor and its [`crate::WorkflowContext`]:
//! sequence numbers, buffered commands, and the table of pending commands awaiting resolution.

use crate::workflow::WorkflowInfo;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::task::Waker;
use std::time::SystemTime;
use temporalio_common::protos::coresdk::{
    activity_result::ActivityResolution, workflow_commands::WorkflowCommand,
    workflow_commands::workflow_command::Variant,
};

/// A pending command, keyed the way Core keys its state machines: by kind and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CommandKey {
    Timer(u32),
    /// Activities and local activities share one counter: both resolve through `ResolveActivity`.
    Activity(u32),
}

/// What Core told us about a pending command.
#[derive(Debug)]
pub(crate) enum Resolution {
    TimerFired,
    Activity(Box<ActivityResolution>),
}

#[derive(Default)]
struct Slot {
    resolution: Option<Resolution>,
    waker: Option<Waker>,
}

/// Per-kind sequence counters, starting at 1 like the other SDKs.
#[derive(Debug)]
struct Sequences {
    timer: u32,
    activity: u32,
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
            },
        }
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

    /// Buffers a command, in the order workflow code issued it.
    pub(crate) fn push_command(&mut self, variant: Variant) {
        self.commands.push(WorkflowCommand {
            variant: Some(variant),
            ..Default::default()
        });
    }

    /// Buffers a command and registers a slot for its resolution.
    pub(crate) fn push_pending(&mut self, key: CommandKey, variant: Variant) {
        self.push_command(variant);
        self.pending.insert(key, Slot::default());
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

    /// Forgets a pending key; returns true if it was still pending (no resolution consumed).
    pub(crate) fn abandon(&mut self, key: CommandKey) -> bool {
        self.pending.remove(&key).is_some_and(|s| s.resolution.is_none())
    }

    pub(crate) fn request_cancel(&mut self, reason: String) {
        if self.cancel_requested.is_none() {
            self.cancel_requested = Some(reason);
        }
        for w in self.cancel_wakers.drain(..) {
            w.wake();
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
