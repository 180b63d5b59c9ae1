//! Cancellation scopes, as the other SDKs have them (TypeScript's `CancellationScope`, Python's
//! tasks, Go's contexts): run a part of the workflow in a scope, cancel the scope, and every
//! timer, activity and child started inside it is cancelled (each as its cancellation type
//! says), nested scopes included. The workflow's own cancellation cancels its root scope; a
//! non-cancellable scope is one that the cancellation of the scopes around it does not reach,
//! for cleanup.
//!
//! Commands join the scope that is current when they are *issued*, which is when their future
//! is first polled (see [`crate::workflow`]'s note on lazy commands), so
//! `scope.run(ctx.sleep(d))` and `scope.run(async { ctx.sleep(d).await })` mean the same.
//!
//! ```no_run
//! # use ironflow::{ActivityDefinition, WorkflowContext, WorkflowResult};
//! # use std::time::Duration;
//! # struct Slow; impl ActivityDefinition for Slow { const NAME: &'static str = "slow"; type Input = (); type Output = (); }
//! # struct Cleanup; impl ActivityDefinition for Cleanup { const NAME: &'static str = "cleanup"; type Input = (); type Output = (); }
//! async fn body(ctx: WorkflowContext) -> WorkflowResult<()> {
//!     // Give the slow part a deadline: cancel its scope when the timer fires first.
//!     let scope = ctx.cancellation_scope();
//!     let slow = scope.run(async { ctx.activity::<Slow>(()).await });
//!     let deadline = ctx.sleep(Duration::from_secs(30));
//!     futures::pin_mut!(slow, deadline);
//!     if let futures::future::Either::Right(_) = futures::future::select(slow, deadline).await {
//!         scope.cancel();
//!     }
//!     // Cleanup runs even when the workflow itself is being cancelled.
//!     ctx.non_cancellable(ctx.activity::<Cleanup>(())).await?;
//!     Ok(())
//! }
//! ```

use super::context::WorkflowContext;
use crate::executor::state::{NewRoutine, Scope, SharedState};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A cancellation scope; see the [module docs](self). Cheap to clone.
#[derive(Clone)]
pub struct CancellationScope {
    state: SharedState,
    scope: Scope,
}

impl CancellationScope {
    /// Runs `future` in this scope: the commands it issues belong to the scope.
    pub fn run<F: IntoFuture>(&self, future: F) -> InScope<F::IntoFuture> {
        InScope {
            state: self.state.clone(),
            scope: self.scope.clone(),
            inner: Box::pin(future.into_future()),
        }
    }

    /// Cancels the scope: every pending command of the scope and of its cancellable
    /// descendants is cancelled, and commands issued in it from now on resolve at once as
    /// cancelled.
    pub fn cancel(&self) {
        self.state.borrow_mut().cancel_scope(&self.scope);
    }

    /// True once the scope was cancelled (by itself or by an enclosing scope).
    pub fn is_cancelled(&self) -> bool {
        self.scope.is_cancelled()
    }

    /// True for a scope that the cancellation of enclosing scopes does not reach.
    pub fn is_non_cancellable(&self) -> bool {
        self.scope.is_detached()
    }

    /// Completes when the scope is cancelled.
    pub fn cancelled(&self) -> ScopeCancelled {
        ScopeCancelled {
            scope: self.scope.clone(),
        }
    }
}

/// A future running in a cancellation scope; see [`CancellationScope::run`].
#[must_use = "futures do nothing unless awaited"]
pub struct InScope<F> {
    state: SharedState,
    scope: Scope,
    inner: Pin<Box<F>>,
}

/// Restores the previous scope even if the inner poll panics.
struct Entered<'a> {
    state: &'a SharedState,
    previous: Option<Scope>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if let (Some(previous), Ok(mut st)) = (self.previous.take(), self.state.try_borrow_mut()) {
            st.leave_scope(previous);
        }
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let previous = this.state.borrow_mut().enter_scope(this.scope.clone());
        let _entered = Entered {
            state: &this.state,
            previous: Some(previous),
        };
        this.inner.as_mut().poll(cx)
    }
}

/// Completes when a scope is cancelled; see [`CancellationScope::cancelled`].
pub struct ScopeCancelled {
    scope: Scope,
}

impl Future for ScopeCancelled {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.scope.is_cancelled() {
            Poll::Ready(())
        } else {
            self.scope.register_waker(cx.waker());
            Poll::Pending
        }
    }
}

impl WorkflowContext {
    /// A new cancellation scope under the current one: cancelling it cancels what runs in it
    /// (see [`CancellationScope::run`]), and cancelling an enclosing scope, or the workflow,
    /// cancels it.
    pub fn cancellation_scope(&self) -> CancellationScope {
        let scope = self.run_state().borrow_mut().new_scope(false);
        CancellationScope {
            state: self.run_state().clone(),
            scope,
        }
    }

    /// A new scope that the cancellation of enclosing scopes (and of the workflow) does not
    /// reach; it can still be cancelled itself.
    pub fn non_cancellable_scope(&self) -> CancellationScope {
        let scope = self.run_state().borrow_mut().new_scope(true);
        CancellationScope {
            state: self.run_state().clone(),
            scope,
        }
    }

    /// Runs `future` in a new non-cancellable scope: for cleanup after a cancellation. It takes
    /// anything awaitable, so a call can be passed directly
    /// (`ctx.non_cancellable(ctx.activity::<Cleanup>(x))`).
    pub fn non_cancellable<F: IntoFuture>(&self, future: F) -> InScope<F::IntoFuture> {
        self.non_cancellable_scope().run(future)
    }

    /// The scope the calling code runs in (the workflow's root scope outside any scope).
    pub fn current_scope(&self) -> CancellationScope {
        let scope = self.run_state().borrow().current_scope();
        CancellationScope {
            state: self.run_state().clone(),
            scope,
        }
    }

    /// Runs `future` as a concurrent routine of this workflow, in the current scope, polled
    /// deterministically with the others. It is dropped when the workflow ends.
    pub fn spawn(&self, future: impl Future<Output = ()> + 'static) {
        let scoped = self.current_scope().run(future);
        self.run_state().borrow_mut().spawn_routine(NewRoutine {
            name: "spawned routine".to_string(),
            future: Box::pin(scoped),
            is_handler: false,
        });
    }
}
