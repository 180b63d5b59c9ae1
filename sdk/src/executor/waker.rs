//! Wake tracking: tells wake-ups caused by the SDK (a resolution applied, one routine unblocking
//! another on the workflow thread) from wake-ups that come from outside (a tokio timer, a thread,
//! a channel fed by another task), which would make the workflow non-deterministic.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Wake;

thread_local! {
    /// The key of the run whose activation this thread is processing (0 = none).
    static ACTIVE_RUN: Cell<u64> = const { Cell::new(0) };
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// The waker of one run.
#[derive(Debug)]
pub(crate) struct RunWaker {
    key: u64,
    woken: AtomicBool,
    external: AtomicBool,
}

impl RunWaker {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            woken: AtomicBool::new(true),
            external: AtomicBool::new(false),
        })
    }

    /// Marks this run as the one being processed on this thread until the guard drops.
    pub(crate) fn enter(&self) -> ActiveGuard {
        let previous = ACTIVE_RUN.with(|a| a.replace(self.key));
        ActiveGuard { previous }
    }

    /// True (once) if the run was woken since the last call.
    pub(crate) fn take_woken(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    /// True if a wake ever came from outside the SDK.
    pub(crate) fn woken_externally(&self) -> bool {
        self.external.load(Ordering::Acquire)
    }
}

impl Wake for RunWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if ACTIVE_RUN.with(Cell::get) != self.key {
            self.external.store(true, Ordering::Release);
        }
        self.woken.store(true, Ordering::Release);
    }
}

/// Restores the previously active run when dropped.
pub(crate) struct ActiveGuard {
    previous: u64,
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        ACTIVE_RUN.with(|a| a.set(self.previous));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn wakes_inside_an_activation_are_internal_others_external() {
        let rw = RunWaker::new();
        assert!(rw.take_woken(), "a new run starts woken");
        let waker = Waker::from(rw.clone());
        {
            let _g = rw.enter();
            waker.wake_by_ref();
        }
        assert!(rw.take_woken());
        assert!(!rw.woken_externally());

        let w2 = waker.clone();
        std::thread::spawn(move || w2.wake()).join().unwrap();
        assert!(rw.woken_externally());
    }
}
