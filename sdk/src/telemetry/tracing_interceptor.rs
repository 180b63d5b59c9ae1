//! [`TracingInterceptor`]: OpenTelemetry spans and W3C trace-context propagation, the same as the
//! Python SDK's `temporalio.contrib.opentelemetry.TracingInterceptor` and the TypeScript
//! interceptors, so one trace crosses Ironflow, Python and TypeScript clients and workers.
//!
//! - The context travels in the `_tracer-data` header as a `json/plain` payload of the
//!   propagator's carrier (`{"traceparent": "00-…", "tracestate": …, "baggage": …}`).
//! - Client calls get real spans: `StartWorkflow:<type>`, `SignalWithStartWorkflow:<type>`,
//!   `SignalWorkflow:<name>`, `QueryWorkflow:<name>`, `StartWorkflowUpdate:<name>`,
//!   `StartUpdateWithStartWorkflow:<type>`; activity attempts get `RunActivity:<type>`, a child of
//!   the span that scheduled them, current while the activity runs.
//! - Workflow code is replayed, and a span must be ended by the process that started it, so
//!   workflow spans are recorded complete, at workflow time, with no duration (as the other SDKs
//!   do): `RunWorkflow:<type>`, `StartActivity:<type>`, `StartChildWorkflow:<type>`,
//!   `SignalExternalWorkflow:<name>`, `HandleSignal:<name>` and `ValidateUpdate`/`HandleUpdate:<name>`
//!   (linked to the caller's span), `HandleQuery:<name>`, `CompleteWorkflow:<type>`. They are
//!   children of the span that started the workflow (taken from its start headers) and are only
//!   recorded when the workflow is not replaying, so a worker restart or a cache eviction records
//!   none twice. A workflow started without a trace context (by the CLI, a schedule) records no
//!   workflow spans, unless [`TracingInterceptor::always_create_workflow_spans`] is set.
//! - Attributes: `temporalWorkflowID`, `temporalRunID`, `temporalActivityID`.

use crate::activity::ActivityInfo;
use crate::converter::{from_payload, to_payload};
use crate::interceptor::{
    ActivityResult, ActivityScope, CallScope, ClientCall, ClientCallKind, ClientInterceptor, Headers,
    OutboundCommand, WorkerInterceptor, WorkflowCall, WorkflowOutcome,
};
use opentelemetry::global::{BoxedSpan, BoxedTracer};
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{Link, Span, SpanContext, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use std::any::Any;
use std::collections::HashMap;

/// The header the trace context travels in, shared with the other SDKs.
pub const TRACER_HEADER: &str = "_tracer-data";

/// Creates spans for client calls, workflows and activities, and propagates the trace context
/// through Temporal headers; see the [module docs](self). Register the same instance on the
/// client ([`crate::client::ConnectOptions::interceptor`]) and on workers
/// ([`crate::worker::WorkerBuilder::interceptor`]).
pub struct TracingInterceptor {
    tracer: BoxedTracer,
    propagator: TextMapCompositePropagator,
    always_create_workflow_spans: bool,
}

impl std::fmt::Debug for TracingInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracingInterceptor")
            .field("always_create_workflow_spans", &self.always_create_workflow_spans)
            .finish()
    }
}

fn error_status(message: impl Into<String>) -> Status {
    Status::error(message.into())
}

impl TracingInterceptor {
    /// An interceptor recording spans with `tracer` (for example [`super::Telemetry::tracer`])
    /// and propagating W3C trace context and baggage.
    pub fn new<T>(tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        Self {
            tracer: BoxedTracer::new(Box::new(tracer)),
            propagator: TextMapCompositePropagator::new(vec![
                Box::new(TraceContextPropagator::new()),
                Box::new(BaggagePropagator::new()),
            ]),
            always_create_workflow_spans: false,
        }
    }

    /// Records workflow spans even for workflows started without a trace context (they are
    /// then roots of their own traces).
    pub fn always_create_workflow_spans(mut self) -> Self {
        self.always_create_workflow_spans = true;
        self
    }

    /// Writes the context into the headers.
    fn inject(&self, cx: &Context, headers: &mut Headers) {
        let mut carrier: HashMap<String, String> = HashMap::new();
        self.propagator.inject_context(cx, &mut carrier);
        if carrier.is_empty() {
            return;
        }
        if let Ok(p) = to_payload(&carrier) {
            headers.insert(TRACER_HEADER.to_string(), p);
        }
    }

    /// The context in the headers, if any.
    fn extract(&self, headers: &Headers) -> Option<Context> {
        let carrier: HashMap<String, String> = from_payload(headers.get(TRACER_HEADER)?).ok()?;
        let cx = self.propagator.extract(&carrier);
        cx.span().span_context().is_valid().then_some(cx)
    }

    fn start_span(
        &self,
        name: String,
        kind: SpanKind,
        attributes: Vec<KeyValue>,
        parent: &Context,
    ) -> BoxedSpan {
        self.tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, parent)
    }

    /// A workflow span: complete at workflow time, a child of `parent`, optionally linked to
    /// another span. Returns the context holding it (to propagate from it).
    fn completed_span(
        &self,
        wf: &WorkflowCall<'_>,
        name: String,
        kind: SpanKind,
        parent: &Context,
        link: Option<SpanContext>,
        error: Option<&str>,
    ) -> Context {
        let mut span = self
            .tracer
            .span_builder(name)
            .with_kind(kind)
            .with_start_time(wf.now)
            .with_attributes([
                KeyValue::new("temporalWorkflowID", wf.workflow_id.to_string()),
                KeyValue::new("temporalRunID", wf.run_id.to_string()),
            ])
            .with_links(link.into_iter().map(Link::with_context).collect())
            .start_with_context(&self.tracer, parent);
        if let Some(message) = error {
            span.add_event(
                "exception",
                vec![KeyValue::new("exception.message", message.to_string())],
            );
            span.set_status(error_status(message));
        }
        let context = span.span_context().clone();
        span.end_with_timestamp(wf.now);
        parent.with_remote_span_context(context)
    }

    /// The workflow's own context (the span that started it), or `None` when workflow spans
    /// should not be recorded for it.
    fn workflow_context(&self, wf: &WorkflowCall<'_>) -> Option<Context> {
        match self.extract(wf.headers) {
            Some(cx) => Some(cx),
            None if self.always_create_workflow_spans => Some(Context::new()),
            None => None,
        }
    }

    /// Records a workflow span in the workflow's context, unless replaying.
    fn workflow_span(
        &self,
        wf: &WorkflowCall<'_>,
        name: String,
        kind: SpanKind,
        link: Option<&Headers>,
    ) -> Option<Context> {
        if wf.is_replaying {
            return None;
        }
        let parent = self.workflow_context(wf)?;
        let link = link
            .and_then(|h| self.extract(h))
            .map(|cx| cx.span().span_context().clone());
        Some(self.completed_span(wf, name, kind, &parent, link, None))
    }
}

/// A client call's span, ended when the call ends.
struct ClientSpan(Context);

impl CallScope for ClientSpan {
    fn finish(self: Box<Self>, error: Option<&(dyn std::error::Error + 'static)>) {
        let span = self.0.span();
        if let Some(e) = error {
            span.set_status(error_status(e.to_string()));
        }
        span.end();
    }
}

impl ClientInterceptor for TracingInterceptor {
    fn start(&self, call: &mut ClientCall) -> Option<Box<dyn CallScope>> {
        let prefix = match call.kind {
            ClientCallKind::StartWorkflow => "StartWorkflow",
            ClientCallKind::SignalWithStartWorkflow => "SignalWithStartWorkflow",
            ClientCallKind::SignalWorkflow => "SignalWorkflow",
            ClientCallKind::QueryWorkflow => "QueryWorkflow",
            ClientCallKind::StartWorkflowUpdate => "StartWorkflowUpdate",
            ClientCallKind::UpdateWithStartWorkflow => "StartUpdateWithStartWorkflow",
            ClientCallKind::CancelWorkflow | ClientCallKind::TerminateWorkflow => return None,
        };
        let span = self.start_span(
            format!("{prefix}:{}", call.name),
            SpanKind::Client,
            vec![KeyValue::new("temporalWorkflowID", call.workflow_id.clone())],
            &Context::current(),
        );
        let cx = Context::current().with_span(span);
        self.inject(&cx, &mut call.headers);
        Some(Box::new(ClientSpan(cx)))
    }
}

/// An activity attempt's span, current while the attempt is polled.
struct ActivitySpan(Context);

impl ActivityScope for ActivitySpan {
    fn enter(&self) -> Option<Box<dyn Any>> {
        Some(Box::new(self.0.clone().attach()))
    }

    fn finish(self: Box<Self>, result: &ActivityResult) {
        let span = self.0.span();
        if let ActivityResult::Failed { message, error_type } = result {
            let text = match error_type {
                Some(t) => format!("{t}: {message}"),
                None => message.clone(),
            };
            span.set_status(error_status(text));
        }
        span.end();
    }
}

impl WorkerInterceptor for TracingInterceptor {
    fn workflow_started(&self, wf: &WorkflowCall<'_>) {
        self.workflow_span(
            wf,
            format!("RunWorkflow:{}", wf.workflow_type),
            SpanKind::Server,
            None,
        );
    }

    fn workflow_completed(&self, wf: &WorkflowCall<'_>, outcome: WorkflowOutcome<'_>) {
        let error = match outcome {
            WorkflowOutcome::Completed => None,
            WorkflowOutcome::Failed(message) => Some(message),
            WorkflowOutcome::Cancelled => Some("cancelled"),
            // Python records no completion for a run that continues as new.
            _ => return,
        };
        if wf.is_replaying {
            return;
        }
        if let Some(parent) = self.workflow_context(wf) {
            let name = format!("CompleteWorkflow:{}", wf.workflow_type);
            self.completed_span(wf, name, SpanKind::Internal, &parent, None, error);
        }
    }

    fn signal_received(&self, wf: &WorkflowCall<'_>, signal: &str, headers: &Headers) {
        self.workflow_span(
            wf,
            format!("HandleSignal:{signal}"),
            SpanKind::Server,
            Some(headers),
        );
    }

    fn query_received(&self, wf: &WorkflowCall<'_>, query: &str, headers: &Headers) {
        // Queries are traced under the caller's span, replaying or not, and only when it sent one.
        let Some(parent) = self.extract(headers) else {
            return;
        };
        let link = self
            .extract(wf.headers)
            .map(|cx| cx.span().span_context().clone());
        self.completed_span(
            wf,
            format!("HandleQuery:{query}"),
            SpanKind::Server,
            &parent,
            link,
            None,
        );
    }

    fn update_validating(&self, wf: &WorkflowCall<'_>, update: &str, headers: &Headers) {
        self.workflow_span(
            wf,
            format!("ValidateUpdate:{update}"),
            SpanKind::Server,
            Some(headers),
        );
    }

    fn update_accepted(&self, wf: &WorkflowCall<'_>, update: &str, headers: &Headers) {
        self.workflow_span(
            wf,
            format!("HandleUpdate:{update}"),
            SpanKind::Server,
            Some(headers),
        );
    }

    fn outbound(&self, wf: &WorkflowCall<'_>, command: OutboundCommand<'_>, headers: &mut Headers) {
        let name = match command {
            OutboundCommand::Activity { activity_type, .. } => format!("StartActivity:{activity_type}"),
            OutboundCommand::ChildWorkflow { workflow_type } => format!("StartChildWorkflow:{workflow_type}"),
            OutboundCommand::SignalExternal { signal } => format!("SignalExternalWorkflow:{signal}"),
            OutboundCommand::ContinueAsNew { .. } => {
                // The new run continues the same trace.
                if let Some(cx) = self.workflow_context(wf) {
                    self.inject(&cx, headers);
                }
                return;
            }
        };
        if let Some(cx) = self.workflow_span(wf, name, SpanKind::Client, None) {
            self.inject(&cx, headers);
        }
    }

    fn activity_started(&self, activity: &ActivityInfo, headers: &Headers) -> Option<Box<dyn ActivityScope>> {
        let parent = self.extract(headers).unwrap_or_default();
        let mut attributes = vec![KeyValue::new("temporalActivityID", activity.activity_id.clone())];
        if !activity.workflow_id.is_empty() {
            attributes.push(KeyValue::new("temporalWorkflowID", activity.workflow_id.clone()));
        }
        if !activity.workflow_run_id.is_empty() {
            attributes.push(KeyValue::new("temporalRunID", activity.workflow_run_id.clone()));
        }
        let span = self.start_span(
            format!("RunActivity:{}", activity.activity_type),
            SpanKind::Server,
            attributes,
            &parent,
        );
        Some(Box::new(ActivitySpan(parent.with_span(span))))
    }
}
