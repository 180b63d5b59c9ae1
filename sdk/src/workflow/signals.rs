//! Waiting inside workflow code: for signals (the seed's `await_signal`, channels) and for
//! conditions over workflow state.
//!
//! Signals are never lost: a signal that arrives before anyone waits for it is buffered, and a
//! handler registered later receives the buffered ones first, in arrival order. When a handler is
//! registered for a name, it receives every signal of that name; `await_signal` is for names
//! without a handler.

use super::context::WorkflowContext;
use super::definition::SignalDefinition;
use super::error::Cancelled;
use crate::converter::{PayloadError, from_payloads};
use crate::dynamic::DynamicInput;
use crate::executor::state::SharedState;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Waits for the next signal of a name; resolves with its decoded data.
pub struct SignalFuture<T> {
    state: SharedState,
    name: String,
    _data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Future for SignalFuture<T> {
    type Output = Result<T, PayloadError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let input = self.state.borrow_mut().poll_signal(&self.name, cx.waker());
        match input {
            Some(payloads) => Poll::Ready(from_payloads(&payloads)),
            None => Poll::Pending,
        }
    }
}

/// Waits for the next signal among several names; see [`WorkflowContext::await_any_signal`].
pub struct AnySignalFuture {
    state: SharedState,
    names: Vec<String>,
}

impl Future for AnySignalFuture {
    type Output = DynamicInput;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        let got = self.state.borrow_mut().poll_any_signal(&names, cx.waker());
        match got {
            Some((type_name, payloads)) => Poll::Ready(DynamicInput { type_name, payloads }),
            None => Poll::Pending,
        }
    }
}

/// Every signal of a name, in arrival order: `recv().await` one at a time, or use it as a
/// `futures::Stream`.
pub struct SignalChannel<T> {
    state: SharedState,
    name: String,
    _data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> SignalChannel<T> {
    pub(crate) fn new(state: SharedState, name: &str) -> Self {
        Self {
            state,
            name: name.to_string(),
            _data: PhantomData,
        }
    }

    /// The next signal.
    pub fn recv(&mut self) -> SignalFuture<T> {
        SignalFuture {
            state: self.state.clone(),
            name: self.name.clone(),
            _data: PhantomData,
        }
    }

    /// The next signal if one is buffered, without waiting.
    pub fn try_recv(&mut self) -> Option<Result<T, PayloadError>> {
        let mut st = self.state.borrow_mut();
        if st.buffered_signals(&self.name) == 0 {
            return None;
        }
        st.poll_signal(&self.name, futures::task::noop_waker_ref())
            .map(|p| from_payloads(&p))
    }
}

impl<T: DeserializeOwned> futures::Stream for SignalChannel<T> {
    type Item = Result<T, PayloadError>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let input = self.state.borrow_mut().poll_signal(&self.name, cx.waker());
        match input {
            Some(payloads) => Poll::Ready(Some(from_payloads(&payloads))),
            None => Poll::Pending,
        }
    }
}

/// Completes once a condition over workflow state holds, or with `Err(Cancelled)` when the
/// scope it waits in is cancelled (the workflow's cancellation included); see
/// [`WorkflowContext::wait_condition`].
pub struct WaitCondition<F> {
    state: SharedState,
    condition: F,
}

impl<F: FnMut() -> bool + Unpin> Future for WaitCondition<F> {
    type Output = Result<(), Cancelled>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if (self.condition)() {
            return Poll::Ready(Ok(()));
        }
        let mut st = self.state.borrow_mut();
        if st.current_scope().is_cancelled() {
            return Poll::Ready(Err(Cancelled));
        }
        // Re-checked whenever workflow state moves (a signal or resolution consumed, a handler
        // finished, a scope cancelled).
        st.register_condition_waker(cx.waker());
        Poll::Pending
    }
}

impl WorkflowContext {
    /// Waits for the next signal `S` (the seed's `await_signal`). A signal that arrived earlier
    /// and was not consumed yet is returned at once.
    pub fn await_signal<S: SignalDefinition>(&self) -> SignalFuture<S::Data> {
        self.await_signal_by_name(S::NAME)
    }

    /// Waits for the next signal of `name`, decoded as `T` (for signals whose definition is not
    /// known at compile time).
    pub fn await_signal_by_name<T: DeserializeOwned>(&self, name: &str) -> SignalFuture<T> {
        SignalFuture {
            state: self.run_state().clone(),
            name: name.to_string(),
            _data: PhantomData,
        }
    }

    /// Waits for the next signal among `names` (the one that arrived first, when several are
    /// buffered); resolves with its name and raw data.
    pub fn await_any_signal(&self, names: &[&str]) -> AnySignalFuture {
        AnySignalFuture {
            state: self.run_state().clone(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    /// Every signal `S`, in arrival order.
    pub fn signal_channel<S: SignalDefinition>(&self) -> SignalChannel<S::Data> {
        SignalChannel::new(self.run_state().clone(), S::NAME)
    }

    /// Completes once `condition` holds. The condition is checked whenever workflow state may
    /// have changed, so it can watch state written by signal and update handlers. Resolves
    /// `Err(Cancelled)` if the scope it waits in is cancelled first (the workflow's cancellation
    /// included); wrap it in [`WorkflowContext::non_cancellable`] to wait regardless, for
    /// cleanup.
    pub fn wait_condition<F: FnMut() -> bool + Unpin>(&self, condition: F) -> WaitCondition<F> {
        WaitCondition {
            state: self.run_state().clone(),
            condition,
        }
    }
}
