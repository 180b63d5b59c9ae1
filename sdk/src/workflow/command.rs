//! [`Command`]: the one future behind every Temporal command workflow code awaits.
//!
//! A command is issued when its future is **first polled**, not when it is created: so
//! `ctx.non_cancellable(ctx.sleep(d))` and `ctx.non_cancellable(async { ctx.sleep(d).await })`
//! mean the same (the command joins the cancellation scope that is current when it is issued),
//! and a future that is created but never awaited sends nothing. Commands of futures polled in
//! the same pass come out in poll order, which is deterministic.
//!
//! Awaiting waits for Core's resolution; dropping an issued, unresolved command cancels it.

use crate::executor::state::{CommandKey, CommandSpec, Resolution, RunState, SharedState};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One kind of command: how it is built when issued and what its resolution means.
pub(crate) trait CommandKind {
    /// What awaiting the command yields.
    type Output;

    /// Builds the command when it is first polled (sequence numbers are taken now). An error
    /// ends the future at once with that output, and nothing is sent.
    fn build(&mut self, state: &mut RunState) -> Result<CommandSpec, Self::Output>;

    /// What Core's resolution means.
    fn resolve(&mut self, state: &SharedState, resolution: Resolution) -> Self::Output;

    /// The output when the command was cancelled before it was ever issued.
    fn cancelled_before_issue(&mut self) -> Self::Output;
}

#[derive(Clone, Copy)]
enum Stage {
    /// Not polled yet.
    Unissued,
    /// Cancelled before it was polled: nothing will be sent.
    CancelledUnissued,
    /// Issued; awaiting the resolution of this key.
    Pending(CommandKey),
    /// Resolved (or detached).
    Done,
}

/// A command future; see the [module docs](self).
pub(crate) struct Command<K> {
    state: SharedState,
    stage: Cell<Stage>,
    kind: K,
}

impl<K: CommandKind> Command<K> {
    pub(crate) fn new(state: SharedState, kind: K) -> Self {
        Self {
            state,
            stage: Cell::new(Stage::Unissued),
            kind,
        }
    }

    /// The command's parameters, until it is issued.
    pub(crate) fn kind_mut(&mut self) -> &mut K {
        &mut self.kind
    }

    /// Cancels the command: an unissued one is never sent and resolves as cancelled; an issued
    /// one is cancelled as its kind says (Core resolves it).
    pub(crate) fn cancel(&self) {
        match self.stage.get() {
            Stage::Unissued => self.stage.set(Stage::CancelledUnissued),
            Stage::Pending(key) => self.state.borrow_mut().cancel_command(key),
            Stage::CancelledUnissued | Stage::Done => {}
        }
    }
}

impl<K: CommandKind + Unpin> Future for Command<K> {
    type Output = K::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<K::Output> {
        let this = &mut *self;
        loop {
            match this.stage.get() {
                Stage::Unissued => {
                    let built = this.kind.build(&mut this.state.borrow_mut());
                    match built {
                        Ok(spec) => {
                            let key = spec.key;
                            this.state.borrow_mut().issue(spec);
                            this.stage.set(Stage::Pending(key));
                        }
                        Err(output) => {
                            this.stage.set(Stage::Done);
                            return Poll::Ready(output);
                        }
                    }
                }
                Stage::CancelledUnissued => {
                    this.stage.set(Stage::Done);
                    return Poll::Ready(this.kind.cancelled_before_issue());
                }
                Stage::Pending(key) => {
                    let resolution = this.state.borrow_mut().poll_resolution(key, cx.waker());
                    return match resolution {
                        Some(r) => {
                            this.stage.set(Stage::Done);
                            Poll::Ready(this.kind.resolve(&this.state, r))
                        }
                        None => Poll::Pending,
                    };
                }
                Stage::Done => return Poll::Pending,
            }
        }
    }
}

impl<K> Drop for Command<K> {
    fn drop(&mut self) {
        if let Stage::Pending(key) = self.stage.get()
            && let Ok(mut st) = self.state.try_borrow_mut()
            && !st.is_tearing_down()
        {
            st.abandon(key);
        }
    }
}
