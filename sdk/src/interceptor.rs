//! Interceptors: code that runs at every boundary a call crosses, and reads or writes the
//! Temporal headers that travel with it — the mechanism tracing, context propagation and
//! auditing are built on.
//!
//! - [`ClientInterceptor`] (registered with [`crate::client::ConnectOptions::interceptor`]): every
//!   outbound client call — start, signal-with-start, signal, query, update, update-with-start,
//!   cancel, terminate. It may edit the call's headers before it is sent, and is told how it ended.
//! - [`WorkerInterceptor`] (registered with [`crate::worker::WorkerBuilder::interceptor`]): the
//!   workflow's inbound events (its run starting and ending, signals, queries, update validation
//!   and handling, each with the headers it arrived with), its outbound commands (activities,
//!   local activities, children, signals to other workflows, continue-as-new: headers writable;
//!   timers), and each activity attempt (with the headers the activity was scheduled with).
//!
//! Several interceptors compose in registration order: the first registered sees a call first
//! (and writes headers the next ones see), and hears how it ended last.
//!
//! Workflow hooks run on the workflow's thread while workflow code runs, so they must be quick and
//! must not block; they are called during replay too ([`WorkflowCall::is_replaying`] says so), so
//! anything with an outside effect should happen only when it is false.
//!
//! ```
//! use ironflow::interceptor::{ClientCall, ClientInterceptor, CallScope};
//! use ironflow::converter::to_payload;
//!
//! /// Stamps every outbound call with the caller's tenant.
//! struct Tenant(String);
//! impl ClientInterceptor for Tenant {
//!     fn start(&self, call: &mut ClientCall) -> Option<Box<dyn CallScope>> {
//!         if let Ok(p) = to_payload(&self.0) {
//!             call.headers.insert("tenant".into(), p);
//!         }
//!         None
//!     }
//! }
//! ```

use crate::activity::ActivityInfo;
use crate::converter::Payload;
use std::any::Any;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Temporal headers: named payloads that travel with a call, command or task.
pub type Headers = HashMap<String, Payload>;

/// The kinds of outbound client call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCallKind {
    /// `StartWorkflowExecution`.
    StartWorkflow,
    /// `SignalWithStartWorkflowExecution`.
    SignalWithStartWorkflow,
    /// `SignalWorkflowExecution`.
    SignalWorkflow,
    /// `QueryWorkflow`.
    QueryWorkflow,
    /// `UpdateWorkflowExecution`.
    StartWorkflowUpdate,
    /// Update-with-start (`ExecuteMultiOperation`).
    UpdateWithStartWorkflow,
    /// `RequestCancelWorkflowExecution` (carries no headers).
    CancelWorkflow,
    /// `TerminateWorkflowExecution` (carries no headers).
    TerminateWorkflow,
}

/// An outbound client call, as interceptors see it.
#[derive(Debug)]
pub struct ClientCall {
    /// Which call.
    pub kind: ClientCallKind,
    /// The workflow type (starts), or the signal, query or update name.
    pub name: String,
    /// The workflow id.
    pub workflow_id: String,
    /// The headers sent with the call (ignored for cancel and terminate, which carry none).
    pub headers: Headers,
    /// The call's arguments as encoded payloads (before payload codecs), which the interceptor
    /// may rewrite: a workflow start's input, a signal's, query's or update's arguments. Empty
    /// for the other calls (and edits to it are then ignored).
    pub args: Vec<crate::converter::Payload>,
}

/// Told how an intercepted call or activity attempt ended; dropped without `finish` when the
/// caller stopped waiting.
pub trait CallScope: Send {
    /// The call ended; `error` describes its failure, if it failed.
    fn finish(self: Box<Self>, error: Option<&(dyn std::error::Error + 'static)>);
}

/// Intercepts the client's outbound calls; see the [module docs](self).
pub trait ClientInterceptor: Send + Sync + 'static {
    /// Before a call is sent: may edit `call.headers`. The returned scope, if any, is told how
    /// the call ended.
    fn start(&self, call: &mut ClientCall) -> Option<Box<dyn CallScope>>;
}

/// The workflow run a workflow hook is called for.
#[derive(Debug, Clone, Copy)]
pub struct WorkflowCall<'a> {
    /// The workflow id.
    pub workflow_id: &'a str,
    /// The run id.
    pub run_id: &'a str,
    /// The workflow type.
    pub workflow_type: &'a str,
    /// The namespace.
    pub namespace: &'a str,
    /// The task queue.
    pub task_queue: &'a str,
    /// The attempt (workflow retries), from 1.
    pub attempt: u32,
    /// True while the worker replays history the workflow already made.
    pub is_replaying: bool,
    /// Workflow time (the current workflow task's).
    pub now: SystemTime,
    /// The headers the workflow was started with.
    pub headers: &'a Headers,
}

/// How a workflow run ended, for [`WorkerInterceptor::workflow_completed`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum WorkflowOutcome<'a> {
    /// Completed with a result.
    Completed,
    /// Failed; the message of the failure.
    Failed(&'a str),
    /// Reported itself cancelled.
    Cancelled,
    /// Continued as a new run.
    ContinuedAsNew,
}

/// What a workflow command is, for the outbound hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutboundCommand<'a> {
    /// An activity (`local`: a local activity) of this type.
    Activity {
        /// The activity type.
        activity_type: &'a str,
        /// True for a local activity.
        local: bool,
    },
    /// A child workflow of this type.
    ChildWorkflow {
        /// The child's workflow type.
        workflow_type: &'a str,
    },
    /// A signal to another workflow (or a child).
    SignalExternal {
        /// The signal name.
        signal: &'a str,
    },
    /// Continue-as-new, to this workflow type (`""`: the same).
    ContinueAsNew {
        /// The new run's workflow type, `""` for the same.
        workflow_type: &'a str,
    },
}

/// How an activity attempt ended, for [`ActivityScope::finish`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ActivityResult {
    /// It returned a result.
    Completed,
    /// It failed.
    Failed {
        /// The failure's message.
        message: String,
        /// The application error type, when there is one.
        error_type: Option<String>,
    },
    /// It was cancelled.
    Cancelled,
    /// It will be completed from outside the worker.
    CompletingAsync,
}

/// An activity attempt as interceptors see it: entered around every poll of the attempt (so a
/// tracing context can be current while it runs), and told how it ended.
pub trait ActivityScope: Send + Sync {
    /// Called before each poll of the attempt's future; the returned guard is dropped after it.
    fn enter(&self) -> Option<Box<dyn Any>> {
        None
    }

    /// The attempt ended.
    fn finish(self: Box<Self>, result: &ActivityResult);
}

/// Intercepts a worker's workflows and activities; see the [module docs](self). Every hook has
/// a default that does nothing.
#[allow(unused_variables)]
pub trait WorkerInterceptor: Send + Sync + 'static {
    /// A run's code starts (its first activation on this worker: also after a cache eviction,
    /// replaying).
    fn workflow_started(&self, workflow: &WorkflowCall<'_>) {}

    /// A run's main routine ended.
    fn workflow_completed(&self, workflow: &WorkflowCall<'_>, outcome: WorkflowOutcome<'_>) {}

    /// A signal arrived (before its handler or waiter sees it).
    fn signal_received(&self, workflow: &WorkflowCall<'_>, signal: &str, headers: &Headers) {}

    /// A query arrived (before its handler answers it).
    fn query_received(&self, workflow: &WorkflowCall<'_>, query: &str, headers: &Headers) {}

    /// An update's validator is about to run.
    fn update_validating(&self, workflow: &WorkflowCall<'_>, update: &str, headers: &Headers) {}

    /// An update was accepted; its handler is about to run.
    fn update_accepted(&self, workflow: &WorkflowCall<'_>, update: &str, headers: &Headers) {}

    /// The workflow issues a command that carries headers: may edit them.
    fn outbound(&self, workflow: &WorkflowCall<'_>, command: OutboundCommand<'_>, headers: &mut Headers) {}

    /// The workflow starts a durable timer.
    fn timer_started(&self, workflow: &WorkflowCall<'_>, duration: Duration) {}

    /// An activity attempt starts, with the headers it was scheduled with. The returned scope,
    /// if any, is entered around each poll of the attempt and told how it ended.
    fn activity_started(&self, activity: &ActivityInfo, headers: &Headers) -> Option<Box<dyn ActivityScope>> {
        None
    }
}
