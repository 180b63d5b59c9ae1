//! Signals, queries and updates inside a workflow: the seed's `SignalHandler`, `QueryHandler` and
//! `await_signal`, on Temporal's message model.
//!
//! | seed                       | Ironflow                                               | Temporal |
//! |----------------------------|--------------------------------------------------------|----------|
//! | `SignalManager::await_signal` | [`WorkflowContext::await_signal`], [`WorkflowContext::signal_channel`] | signal, consumed by workflow code |
//! | `SignalHandler::handle(&mut self, data)` | [`WorkflowContext::register_signal_handler`] (one routine per handler, signals handled one at a time, in arrival order) or [`WorkflowContext::on_signal`] (a closure) | signal handler |
//! | `QueryHandler::handle(&self)` | [`WorkflowContext::register_query_handler`], [`WorkflowContext::on_query`] | query: read-only, answered from the run's state, also after the workflow closed |
//! | —                          | [`WorkflowContext::on_update`], [`WorkflowContext::on_update_validated`] | update: validated, recorded, answered with a result |
//!
//! Signals are never lost: a signal that arrives before anyone waits for it is buffered, and a
//! handler registered later receives the buffered ones first, in arrival order. When a handler is
//! registered for a name, it receives every signal of that name; `await_signal` is for names
//! without a handler.
//!
//! Query handlers and update validators are read-only: if one tries to issue a command (start a
//! timer, call an activity...), the query fails (or the update is rejected) with a message saying
//! so, and nothing reaches history.
//!
//! A workflow that returns while update handlers still run completes anyway, like the Python and
//! TypeScript SDKs' default policy: the worker logs a warning naming the unfinished handlers,
//! and the server fails those updates for their callers. To finish them first, end the workflow
//! with `ctx.wait_condition(|| ctx.all_handlers_finished()).await`.
//!
//! ```
//! use ironflow::workflow::{QueryDefinition, SignalDefinition, UpdateDefinition};
//! use ironflow::{WorkflowContext, WorkflowResult};
//! use std::{cell::RefCell, rc::Rc};
//!
//! struct Approve;
//! impl SignalDefinition for Approve { const NAME: &'static str = "approve"; type Data = String; }
//! struct Status;
//! impl QueryDefinition for Status { const NAME: &'static str = "status"; type Args = (); type Result = String; }
//! struct AddItem;
//! impl UpdateDefinition for AddItem { const NAME: &'static str = "add_item"; type Args = String; type Result = usize; }
//!
//! async fn order(ctx: WorkflowContext) -> WorkflowResult<String> {
//!     let items = Rc::new(RefCell::new(Vec::<String>::new()));
//!     let i = items.clone();
//!     ctx.on_query::<Status>(move |()| format!("{} items", i.borrow().len()));
//!     let i = items.clone();
//!     ctx.on_update_validated::<AddItem, _, _, _>(
//!         |item: &String| if item.is_empty() { Err(ironflow::ApplicationError::new("empty item").into()) } else { Ok(()) },
//!         move |item| { let i = i.clone(); async move { i.borrow_mut().push(item); Ok(i.borrow().len()) } },
//!     );
//!     let approver = ctx.await_signal::<Approve>().await?;
//!     Ok(format!("{} items approved by {approver}", items.borrow().len()))
//! }
//! ```

// Handlers return `Result<_, Failure>` internally; failures are the cold path.
#![allow(clippy::result_large_err)]

use super::context::WorkflowContext;
use super::error::WorkflowError;
use crate::converter::{Failure, Payload, PayloadError, from_payloads, to_payload};
use crate::executor::state::{NewRoutine, SharedState, UpdateEntry};
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A signal: its name and the type of its data.
///
/// ```
/// struct Approve;
/// impl ironflow::workflow::SignalDefinition for Approve {
///     const NAME: &'static str = "approve";
///     type Data = String;
/// }
/// ```
pub trait SignalDefinition: 'static {
    /// The signal name every SDK and the CLI use.
    const NAME: &'static str;
    /// The data the signal carries.
    type Data: Serialize + DeserializeOwned + 'static;
}

/// A query: its name, argument and result types.
pub trait QueryDefinition: 'static {
    /// The query name.
    const NAME: &'static str;
    /// The argument (`()` for none).
    type Args: Serialize + DeserializeOwned + 'static;
    /// The result.
    type Result: Serialize + DeserializeOwned + 'static;
}

/// An update: its name, argument and result types.
pub trait UpdateDefinition: 'static {
    /// The update name.
    const NAME: &'static str;
    /// The argument (`()` for none).
    type Args: Serialize + DeserializeOwned + 'static;
    /// The result.
    type Result: Serialize + DeserializeOwned + 'static;
}

/// The seed's `SignalHandler`: a stateful handler that receives one signal at a time, in
/// arrival order. Register it with [`WorkflowContext::register_signal_handler`].
///
/// An `Err` fails the workflow, as an exception from a signal handler does in the other SDKs.
#[async_trait::async_trait(?Send)]
pub trait SignalHandler: 'static {
    /// The signal's data.
    type Data: DeserializeOwned + 'static;
    /// Handles one signal. It may await activities and timers; the next signal waits.
    async fn handle(&mut self, data: Self::Data) -> Result<(), WorkflowError>;
}

/// The seed's `QueryHandler`, with arguments: answers from the workflow's state, read-only and
/// synchronous (a query is answered within the workflow task that carries it).
pub trait QueryHandler: 'static {
    /// The argument.
    type Args: DeserializeOwned + 'static;
    /// The result.
    type Result: Serialize + 'static;
    /// Answers the query.
    fn handle(&self, args: Self::Args) -> Result<Self::Result, WorkflowError>;
}

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
    type Output = (String, crate::dynamic::DynamicInput);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        let got = self.state.borrow_mut().poll_any_signal(&names, cx.waker());
        match got {
            Some((name, payloads)) => Poll::Ready((
                name.clone(),
                crate::dynamic::DynamicInput {
                    type_name: name,
                    payloads,
                },
            )),
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

/// Completes once a condition over workflow state holds; see [`WorkflowContext::wait_condition`].
pub struct WaitCondition<F> {
    condition: F,
}

impl<F: FnMut() -> bool + Unpin> Future for WaitCondition<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        // No waker is stored: the executor polls every waiting routine again whenever workflow
        // state moved (a signal or resolution consumed, a handler finished).
        if (self.condition)() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

fn handler_failure(kind: &str, name: &str, e: PayloadError) -> Failure {
    Failure::application(
        format!("{kind} `{name}` received arguments it cannot decode: {e}"),
        "PayloadDecodeError",
        true,
    )
}

impl WorkflowContext {
    /// Waits for the next signal `S` (the seed's `await_signal`). A signal that arrived earlier
    /// and was not consumed yet is returned at once.
    pub fn await_signal<S: SignalDefinition>(&self) -> SignalFuture<S::Data> {
        self.await_signal_by_name(S::NAME)
    }

    /// Waits for the next signal of `name`, decoded as `T`.
    pub fn await_signal_by_name<T: DeserializeOwned>(&self, name: &str) -> SignalFuture<T> {
        SignalFuture {
            state: self.state().clone(),
            name: name.to_string(),
            _data: PhantomData,
        }
    }

    /// Waits for the next signal among `names` (the one that arrived first, when several are
    /// buffered); resolves with its name and raw data.
    pub fn await_any_signal(&self, names: &[&str]) -> AnySignalFuture {
        AnySignalFuture {
            state: self.state().clone(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    /// Every signal `S`, in arrival order.
    pub fn signal_channel<S: SignalDefinition>(&self) -> SignalChannel<S::Data> {
        SignalChannel {
            state: self.state().clone(),
            name: S::NAME.to_string(),
            _data: PhantomData,
        }
    }

    /// Runs `handler` for every signal `S`, in arrival order (buffered signals first). Signals
    /// whose data does not decode are logged and skipped.
    pub fn on_signal<S: SignalDefinition>(&self, mut handler: impl FnMut(S::Data) + 'static) {
        let mut channel = self.signal_channel::<S>();
        let workflow_id = self.workflow_id();
        self.state()
            .borrow_mut()
            .signal_handler_names
            .push(S::NAME.to_string());
        self.spawn_routine(format!("signal handler `{}`", S::NAME), false, async move {
            loop {
                match channel.recv().await {
                    Ok(data) => handler(data),
                    Err(e) => tracing::warn!(workflow_id = %workflow_id, signal = S::NAME, error = %e,
                        "signal data does not decode; the signal is skipped"),
                }
            }
        });
    }

    /// Registers the seed's [`SignalHandler`] for signal `S`: one signal at a time, in arrival
    /// order (buffered signals first). An `Err` from the handler fails the workflow.
    pub fn register_signal_handler<S, H>(&self, mut handler: H)
    where
        S: SignalDefinition,
        H: SignalHandler<Data = S::Data>,
    {
        let mut channel = self.signal_channel::<S>();
        let workflow_id = self.workflow_id();
        let state = self.state().clone();
        state.borrow_mut().signal_handler_names.push(S::NAME.to_string());
        self.spawn_routine(format!("signal handler `{}`", S::NAME), false, async move {
            loop {
                match channel.recv().await {
                    Ok(data) => {
                        state.borrow_mut().running_handlers += 1;
                        let result = handler.handle(data).await;
                        state.borrow_mut().running_handlers -= 1;
                        if let Err(e) = result {
                            let mut failure = e.into_failure();
                            failure.message =
                                format!("signal handler `{}` failed: {}", S::NAME, failure.message);
                            state.borrow_mut().handler_failure = Some(failure);
                            return;
                        }
                    }
                    Err(e) => tracing::warn!(workflow_id = %workflow_id, signal = S::NAME, error = %e,
                        "signal data does not decode; the signal is skipped"),
                }
            }
        });
    }

    /// Answers query `Q` with `handler`, which must only read state.
    pub fn on_query<Q: QueryDefinition>(&self, handler: impl Fn(Q::Args) -> Q::Result + 'static) {
        let f = move |args: &[Payload]| -> Result<Payload, Failure> {
            let args = from_payloads(args).map_err(|e| handler_failure("query", Q::NAME, e))?;
            to_payload(&handler(args))
                .map_err(|e| Failure::application(e.to_string(), "PayloadEncodeError", true))
        };
        self.state()
            .borrow_mut()
            .query_handlers
            .insert(Q::NAME.to_string(), Rc::new(f));
    }

    /// Registers the seed's [`QueryHandler`] for query `Q`.
    pub fn register_query_handler<Q, H>(&self, handler: H)
    where
        Q: QueryDefinition,
        H: QueryHandler<Args = Q::Args, Result = Q::Result>,
    {
        let f = move |args: &[Payload]| -> Result<Payload, Failure> {
            let args = from_payloads(args).map_err(|e| handler_failure("query", Q::NAME, e))?;
            let out = handler.handle(args).map_err(WorkflowError::into_failure)?;
            to_payload(&out).map_err(|e| Failure::application(e.to_string(), "PayloadEncodeError", true))
        };
        self.state()
            .borrow_mut()
            .query_handlers
            .insert(Q::NAME.to_string(), Rc::new(f));
    }

    /// Handles update `U` with `handler` (no validation: every update is accepted).
    pub fn on_update<U, F, Fut>(&self, handler: F)
    where
        U: UpdateDefinition,
        F: Fn(U::Args) -> Fut + 'static,
        Fut: Future<Output = Result<U::Result, WorkflowError>> + 'static,
    {
        self.register_update::<U, F, Fut>(None, handler);
    }

    /// Handles update `U` with `handler` after `validator` accepts it. A rejected update leaves
    /// no trace in history; the validator must only read state.
    pub fn on_update_validated<U, V, F, Fut>(&self, validator: V, handler: F)
    where
        U: UpdateDefinition,
        V: Fn(&U::Args) -> Result<(), WorkflowError> + 'static,
        F: Fn(U::Args) -> Fut + 'static,
        Fut: Future<Output = Result<U::Result, WorkflowError>> + 'static,
    {
        let validator = move |args: &[Payload]| -> Result<(), Failure> {
            let args = from_payloads(args).map_err(|e| handler_failure("update", U::NAME, e))?;
            validator(&args).map_err(WorkflowError::into_failure)
        };
        self.register_update::<U, F, Fut>(Some(Rc::new(validator)), handler);
    }

    fn register_update<U, F, Fut>(&self, validator: Option<crate::executor::state::ValidatorFn>, handler: F)
    where
        U: UpdateDefinition,
        F: Fn(U::Args) -> Fut + 'static,
        Fut: Future<Output = Result<U::Result, WorkflowError>> + 'static,
    {
        let handler = Rc::new(handler);
        let run =
            move |args: Vec<Payload>| -> futures::future::LocalBoxFuture<'static, Result<Payload, Failure>> {
                let handler = handler.clone();
                Box::pin(async move {
                    let args = from_payloads(&args).map_err(|e| handler_failure("update", U::NAME, e))?;
                    let out = handler(args).await.map_err(WorkflowError::into_failure)?;
                    to_payload(&out)
                        .map_err(|e| Failure::application(e.to_string(), "PayloadEncodeError", true))
                })
            };
        self.state().borrow_mut().update_handlers.insert(
            U::NAME.to_string(),
            UpdateEntry {
                validator,
                handler: Rc::new(run),
            },
        );
    }

    /// Completes once `condition` holds. The condition is checked whenever workflow state may
    /// have changed, so it can watch state written by signal and update handlers.
    pub fn wait_condition<F: FnMut() -> bool + Unpin>(&self, condition: F) -> WaitCondition<F> {
        WaitCondition { condition }
    }

    /// True when no signal or update handler is running (for `wait_condition` before returning).
    pub fn all_handlers_finished(&self) -> bool {
        self.state().borrow().running_handlers == 0
    }

    /// Runs `future` as a concurrent routine of this workflow, polled deterministically with the
    /// others. It is dropped when the workflow ends.
    pub fn spawn(&self, future: impl Future<Output = ()> + 'static) {
        self.spawn_routine("spawned routine".to_string(), false, future);
    }

    pub(crate) fn spawn_routine(
        &self,
        name: String,
        is_handler: bool,
        future: impl Future<Output = ()> + 'static,
    ) {
        let mut st = self.state().borrow_mut();
        st.epoch += 1;
        st.new_routines.push(NewRoutine {
            name,
            future: Box::pin(future),
            is_handler,
        });
    }
}
