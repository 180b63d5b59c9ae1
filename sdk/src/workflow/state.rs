//! [`WorkflowState`]: state shared by the workflow's body and its signal, query and update
//! handlers, with no `Rc`/`RefCell` in user code. The seed's `SignalHandler` and
//! `QueryHandler`, on Temporal's message model.
//!
//! | seed                       | Ironflow                                               | Temporal |
//! |----------------------------|--------------------------------------------------------|----------|
//! | `SignalManager::await_signal` | [`WorkflowContext::await_signal`], [`WorkflowContext::signal_channel`] | signal, consumed by workflow code |
//! | `SignalHandler::handle(&mut self, data)` | [`SignalHandler`] on the state type, [`WorkflowState::register_signal_handler`]; or a closure with [`WorkflowState::on_signal`] | signal handler |
//! | `QueryHandler::handle(&self)` | [`QueryHandler`] on the state type, [`WorkflowState::register_query_handler`]; or [`WorkflowState::on_query`] | query: read-only, answered from the state, also after the workflow closed |
//! | —                          | [`WorkflowState::on_update`] (+ `.validator(..)`), [`WorkflowState::on_update_async`] | update: validated, recorded, answered with a result |
//!
//! Handlers receive the state itself: `&mut S` for signals and updates, `&S` for queries and
//! update validators, which therefore cannot change it (and cannot issue commands: a query or
//! validator that tries, through a captured context, fails with a message saying so). A handler
//! that must await (call an activity, sleep) is registered with `on_signal_async` /
//! `on_update_async` and gets the [`WorkflowState`] handle instead, reading and writing the state
//! between awaits.
//!
//! A workflow that returns while update handlers still run completes anyway, like the Python and
//! TypeScript SDKs' default policy: the worker logs a warning naming the unfinished handlers,
//! and the server fails those updates for their callers. To finish them first, end the workflow
//! with `ctx.wait_condition(|| ctx.all_handlers_finished()).await`.
//!
//! ```
//! use ironflow::workflow::{QueryDefinition, SignalDefinition, UpdateDefinition};
//! use ironflow::{ApplicationError, Workflow, WorkflowContext, WorkflowResult};
//!
//! pub struct Approve;
//! impl SignalDefinition for Approve { const NAME: &'static str = "approve"; type Data = String; }
//! pub struct Status;
//! impl QueryDefinition for Status { const NAME: &'static str = "status"; type Args = (); type Result = String; }
//! pub struct AddItem;
//! impl UpdateDefinition for AddItem { const NAME: &'static str = "add_item"; type Args = String; type Result = usize; }
//!
//! #[derive(Default)]
//! struct Order { items: Vec<String>, approver: Option<String> }
//!
//! pub struct OrderWorkflow;
//! impl Workflow for OrderWorkflow {
//!     const NAME: &'static str = "Order";
//!     type Input = ();
//!     type Output = String;
//!     async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
//!         let order = ctx.state(Order::default());
//!         order.on_signal::<Approve>(|o, who| o.approver = Some(who));
//!         order.on_query::<Status>(|o, ()| format!("{} items", o.items.len()));
//!         order
//!             .on_update::<AddItem>(|o, item| { o.items.push(item); Ok(o.items.len()) })
//!             .validator(|_, item| if item.is_empty() { Err(ApplicationError::new("empty item").into()) } else { Ok(()) });
//!         order.wait(|o| o.approver.is_some()).await?;
//!         Ok(order.get(|o| format!("{} items approved by {}", o.items.len(), o.approver.as_deref().unwrap_or_default())))
//!     }
//! }
//! ```

// Handlers answer `Result<_, Failure>` internally; failures are the cold path.
#![allow(clippy::result_large_err)]

use super::context::WorkflowContext;
use super::definition::{QueryDefinition, SignalDefinition, UpdateDefinition};
use super::error::WorkflowError;
use super::signals::{SignalChannel, WaitCondition};
use crate::converter::{Failure, Payload, from_payloads, to_payload};
use crate::executor::state::{NewRoutine, UpdateEntry, UpdateFn, ValidatorFn};
use futures::future::LocalBoxFuture;
use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;

/// The seed's `SignalHandler`, implemented by a workflow's state type for signal `S`: handles
/// one signal at a time, in arrival order. An `Err` fails the workflow, as an exception from a
/// signal handler does in the other SDKs. Register with
/// [`WorkflowState::register_signal_handler`].
///
/// (The seed's handler was `async`; a handler that holds `&mut self` across an await would lock
/// the state against queries meanwhile, so this one is synchronous — use
/// [`WorkflowState::on_signal_async`] for work that awaits.)
pub trait SignalHandler<S: SignalDefinition> {
    /// Handles one signal.
    fn handle(&mut self, data: S::Data) -> Result<(), WorkflowError>;
}

/// The seed's `QueryHandler`, implemented by a workflow's state type for query `Q`: answers
/// from the state, read-only and synchronous (a query is answered within the workflow task that
/// carries it). Register with [`WorkflowState::register_query_handler`].
pub trait QueryHandler<Q: QueryDefinition> {
    /// Answers the query.
    fn handle(&self, args: Q::Args) -> Result<Q::Result, WorkflowError>;
}

/// A state type's message handlers, registered together by
/// [`WorkflowState::register_handlers`]; `#[ironflow::handlers]` implements it from the state's
/// `#[signal]`, `#[query]` and `#[update]` methods.
pub trait WorkflowHandlers: Sized + 'static {
    /// Registers the handlers on `state`.
    fn register(state: &WorkflowState<Self>);
}

/// State shared by a workflow's body and its handlers; see the [module docs](self). Made by
/// [`WorkflowContext::state`]. Cheap to clone: clones share the state.
pub struct WorkflowState<S> {
    ctx: WorkflowContext,
    value: Rc<RefCell<S>>,
}

impl<S> Clone for WorkflowState<S> {
    fn clone(&self) -> Self {
        Self {
            ctx: self.ctx.clone(),
            value: self.value.clone(),
        }
    }
}

const REENTRANT: &str = "the workflow state is already in use: WorkflowState::get/update was called \
                         from inside another get/update closure";

fn decode_failure(kind: &str, name: &str, e: crate::converter::PayloadError) -> Failure {
    e.to_failure(&format!("the arguments of {kind} `{name}`"))
}

fn encode<T: serde::Serialize>(kind: &str, name: &str, value: &T) -> Result<Payload, Failure> {
    to_payload(value).map_err(|e| e.to_failure(&format!("the result of {kind} `{name}`")))
}

impl<S: 'static> WorkflowState<S> {
    /// The workflow's context.
    pub fn ctx(&self) -> &WorkflowContext {
        &self.ctx
    }

    /// Reads the state.
    pub fn get<R>(&self, f: impl FnOnce(&S) -> R) -> R {
        let value = self.value.try_borrow().unwrap_or_else(|_| panic!("{REENTRANT}"));
        f(&value)
    }

    /// Changes the state.
    pub fn update<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let mut value = self
            .value
            .try_borrow_mut()
            .unwrap_or_else(|_| panic!("{REENTRANT}"));
        f(&mut value)
    }

    /// Completes once `condition` holds over the state (re-checked whenever handlers change it),
    /// or with `Err(Cancelled)` if the scope it waits in is cancelled first; see
    /// [`WorkflowContext::wait_condition`].
    pub fn wait(
        &self,
        mut condition: impl FnMut(&S) -> bool + Unpin,
    ) -> WaitCondition<impl FnMut() -> bool + Unpin> {
        let value = self.value.clone();
        self.ctx
            .wait_condition(move || condition(&value.try_borrow().unwrap_or_else(|_| panic!("{REENTRANT}"))))
    }

    /// Registers the state type's [`WorkflowHandlers`] (from `#[ironflow::handlers]`).
    pub fn register_handlers(self) -> Self
    where
        S: WorkflowHandlers,
    {
        S::register(&self);
        self
    }

    /// Handles every signal `Sig` with `handler`, in arrival order (buffered signals first).
    /// Signals whose data does not decode are logged and skipped.
    pub fn on_signal<Sig: SignalDefinition>(
        &self,
        mut handler: impl FnMut(&mut S, Sig::Data) + 'static,
    ) -> &Self {
        let state = self.clone();
        self.signal_routine::<Sig>(move |data| {
            state.update(|s| handler(s, data));
            None
        });
        self
    }

    /// Handles every signal `Sig` with an async `handler` that receives this handle (to await
    /// activities or timers, and change the state between awaits). Each signal runs as its own
    /// routine, concurrently with the others, counted by
    /// [`WorkflowContext::all_handlers_finished`]; an `Err` fails the workflow.
    pub fn on_signal_async<Sig, F, Fut>(&self, mut handler: F) -> &Self
    where
        Sig: SignalDefinition,
        F: FnMut(WorkflowState<S>, Sig::Data) -> Fut + 'static,
        Fut: Future<Output = Result<(), WorkflowError>> + 'static,
    {
        let state = self.clone();
        self.signal_routine::<Sig>(move |data| {
            let fut = handler(state.clone(), data);
            let rc = state.ctx.run_state().clone();
            Some(Box::pin(async move {
                if let Err(e) = fut.await {
                    let mut failure = e.into_failure();
                    failure.message = format!("signal handler `{}` failed: {}", Sig::NAME, failure.message);
                    rc.borrow_mut().fail_from_handler(failure);
                }
            }))
        });
        self
    }

    /// Registers the seed's [`SignalHandler`] for signal `Sig`: one signal at a time, in arrival
    /// order (buffered signals first). An `Err` from the handler fails the workflow.
    pub fn register_signal_handler<Sig: SignalDefinition>(&self) -> &Self
    where
        S: SignalHandler<Sig>,
    {
        let state = self.clone();
        self.signal_routine::<Sig>(move |data| {
            if let Err(e) = state.update(|s| SignalHandler::<Sig>::handle(s, data)) {
                let mut failure = e.into_failure();
                failure.message = format!("signal handler `{}` failed: {}", Sig::NAME, failure.message);
                state.ctx.run_state().borrow_mut().fail_from_handler(failure);
            }
            None
        });
        self
    }

    /// The routine that feeds signals `Sig` to `deliver`; a returned future runs as a handler
    /// routine of its own.
    fn signal_routine<Sig: SignalDefinition>(
        &self,
        mut deliver: impl FnMut(Sig::Data) -> Option<LocalBoxFuture<'static, ()>> + 'static,
    ) {
        let run = self.ctx.run_state().clone();
        let mut channel = SignalChannel::<Sig::Data>::new(run.clone(), Sig::NAME);
        let workflow_id = self.ctx.workflow_id();
        let mut st = run.borrow_mut();
        st.add_signal_handler_name(Sig::NAME);
        let routines = run.clone();
        st.spawn_routine(NewRoutine {
            name: format!("signal handler `{}`", Sig::NAME),
            is_handler: false,
            future: Box::pin(async move {
                loop {
                    match channel.recv().await {
                        Ok(data) => {
                            if let Some(work) = deliver(data) {
                                let mut st = routines.borrow_mut();
                                st.handler_started();
                                let done = routines.clone();
                                st.spawn_routine(NewRoutine {
                                    name: format!("signal handler `{}`", Sig::NAME),
                                    is_handler: true,
                                    future: Box::pin(async move {
                                        work.await;
                                        done.borrow_mut().handler_finished();
                                    }),
                                });
                            }
                        }
                        Err(e) => {
                            routines.borrow().metrics().payload_decode_error("signal");
                            tracing::warn!(workflow_id = %workflow_id, signal = Sig::NAME, error = %e,
                                "signal data does not decode; the signal is skipped")
                        }
                    }
                }
            }),
        });
    }

    /// Answers query `Q` from the state.
    pub fn on_query<Q: QueryDefinition>(
        &self,
        handler: impl Fn(&S, Q::Args) -> Q::Result + 'static,
    ) -> &Self {
        let state = self.clone();
        self.set_query::<Q>(move |args| Ok(state.get(|s| handler(s, args))));
        self
    }

    /// Registers the seed's [`QueryHandler`] for query `Q`.
    pub fn register_query_handler<Q: QueryDefinition>(&self) -> &Self
    where
        S: QueryHandler<Q>,
    {
        let state = self.clone();
        self.set_query::<Q>(move |args| {
            state
                .get(|s| QueryHandler::<Q>::handle(s, args))
                .map_err(WorkflowError::into_failure)
        });
        self
    }

    fn set_query<Q: QueryDefinition>(
        &self,
        answer: impl Fn(Q::Args) -> Result<Q::Result, Failure> + 'static,
    ) {
        let f = move |args: &[Payload]| -> Result<Payload, Failure> {
            let args = from_payloads(args).map_err(|e| decode_failure("query", Q::NAME, e))?;
            encode("query", Q::NAME, &answer(args)?)
        };
        self.ctx
            .run_state()
            .borrow_mut()
            .set_query_handler(Q::NAME, Rc::new(f));
    }

    /// Handles update `U` by changing the state; every update is accepted unless a validator is
    /// added with [`UpdateRegistration::validator`]. An `Err` rejects the update for its caller
    /// (the workflow goes on).
    pub fn on_update<U: UpdateDefinition>(
        &self,
        handler: impl Fn(&mut S, U::Args) -> Result<U::Result, WorkflowError> + 'static,
    ) -> UpdateRegistration<S, U> {
        let state = self.clone();
        let run: UpdateFn = Rc::new(move |args: Vec<Payload>| {
            let result = from_payloads(&args)
                .map_err(|e| decode_failure("update", U::NAME, e))
                .and_then(|args| {
                    state
                        .update(|s| handler(s, args))
                        .map_err(WorkflowError::into_failure)
                })
                .and_then(|out| encode("update", U::NAME, &out));
            Box::pin(std::future::ready(result)) as LocalBoxFuture<'static, _>
        });
        self.set_update::<U>(run)
    }

    /// Handles update `U` with an async `handler` that receives this handle (to await
    /// activities or timers, and change the state between awaits).
    pub fn on_update_async<U, F, Fut>(&self, handler: F) -> UpdateRegistration<S, U>
    where
        U: UpdateDefinition,
        F: Fn(WorkflowState<S>, U::Args) -> Fut + 'static,
        Fut: Future<Output = Result<U::Result, WorkflowError>> + 'static,
    {
        let state = self.clone();
        let handler = Rc::new(handler);
        let run: UpdateFn = Rc::new(move |args: Vec<Payload>| {
            let state = state.clone();
            let handler = handler.clone();
            Box::pin(async move {
                let args = from_payloads(&args).map_err(|e| decode_failure("update", U::NAME, e))?;
                let out = handler(state, args).await.map_err(WorkflowError::into_failure)?;
                encode("update", U::NAME, &out)
            })
        });
        self.set_update::<U>(run)
    }

    fn set_update<U: UpdateDefinition>(&self, handler: UpdateFn) -> UpdateRegistration<S, U> {
        self.ctx.run_state().borrow_mut().set_update_handler(
            U::NAME,
            UpdateEntry {
                validator: None,
                handler,
            },
        );
        UpdateRegistration {
            state: self.clone(),
            _update: PhantomData,
        }
    }
}

/// A registered update handler; add a validator with [`UpdateRegistration::validator`].
pub struct UpdateRegistration<S, U> {
    state: WorkflowState<S>,
    _update: PhantomData<fn() -> U>,
}

impl<S: 'static, U: UpdateDefinition> UpdateRegistration<S, U> {
    /// Validates each update before it is accepted: an `Err` rejects it and leaves no trace in
    /// history. The validator reads the state (`&S`) and must not issue commands.
    pub fn validator(self, validator: impl Fn(&S, &U::Args) -> Result<(), WorkflowError> + 'static) {
        let state = self.state.clone();
        let f: ValidatorFn = Rc::new(move |args: &[Payload]| {
            let args = from_payloads(args).map_err(|e| decode_failure("update", U::NAME, e))?;
            state
                .get(|s| validator(s, &args))
                .map_err(WorkflowError::into_failure)
        });
        self.state
            .ctx
            .run_state()
            .borrow_mut()
            .set_update_validator(U::NAME, f);
    }
}

impl WorkflowContext {
    /// Makes `value` the workflow's state, shared with the handlers registered on the returned
    /// handle; see [`WorkflowState`].
    pub fn state<S: 'static>(&self, value: S) -> WorkflowState<S> {
        WorkflowState {
            ctx: self.clone(),
            value: Rc::new(RefCell::new(value)),
        }
    }
}
