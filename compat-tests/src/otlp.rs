//! An OpenTelemetry collector inside the test: an OTLP/gRPC server (the collector services that
//! `opentelemetry-proto` generates) on a free loopback port, keeping every span and metric it is
//! sent, for tests to inspect.

use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A span as the receiver got it (ids in hex).
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    /// The `service.name` of the resource that sent it.
    pub service: String,
    /// The span's name.
    pub name: String,
    /// The trace id.
    pub trace_id: String,
    /// The span id.
    pub span_id: String,
    /// The parent's span id (empty for a root).
    pub parent_span_id: String,
    /// String attributes.
    pub attributes: HashMap<String, String>,
    /// The span ids this span links to.
    pub links: Vec<String>,
    /// True when its status is an error.
    pub error: bool,
    /// The names of its events (for `tracing` events: their messages).
    pub events: Vec<String>,
}

#[derive(Default)]
struct Received {
    spans: Mutex<Vec<ReceivedSpan>>,
    metrics: Mutex<Vec<String>>,
}

/// The receiver; its server stops with the test's runtime.
pub struct OtlpReceiver {
    /// `http://127.0.0.1:<port>`, for OTLP/gRPC exporters.
    pub endpoint: String,
    received: Arc<Received>,
}

struct Service(Arc<Received>);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(value: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

#[tonic::async_trait]
impl TraceService for Service {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self.0.spans.lock().unwrap_or_else(|p| p.into_inner());
        for resource in request.into_inner().resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter())
                .find(|a| a.key == "service.name")
                .map(|a| text(&a.value))
                .unwrap_or_default();
            for scope in resource.scope_spans {
                for span in scope.spans {
                    spans.push(ReceivedSpan {
                        service: service.clone(),
                        name: span.name,
                        trace_id: hex(&span.trace_id),
                        span_id: hex(&span.span_id),
                        parent_span_id: hex(&span.parent_span_id),
                        attributes: span
                            .attributes
                            .iter()
                            .map(|a| (a.key.clone(), text(&a.value)))
                            .collect(),
                        links: span.links.iter().map(|l| hex(&l.span_id)).collect(),
                        error: span.status.is_some_and(|s| s.code == 2),
                        events: span.events.iter().map(|e| e.name.clone()).collect(),
                    });
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Service {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let mut metrics = self.0.metrics.lock().unwrap_or_else(|p| p.into_inner());
        for resource in request.into_inner().resource_metrics {
            for scope in resource.scope_metrics {
                metrics.extend(scope.metrics.into_iter().map(|m| m.name));
            }
        }
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

impl OtlpReceiver {
    /// Starts the receiver on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the OTLP receiver");
        let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
        let received = Arc::new(Received::default());
        let router = tonic::service::Routes::new(TraceServiceServer::new(Service(received.clone())))
            .add_service(MetricsServiceServer::new(Service(received.clone())));
        tokio::spawn(async move {
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let _ = tonic::transport::Server::builder()
                .add_routes(router)
                .serve_with_incoming(incoming)
                .await;
        });
        Self { endpoint, received }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.received
            .spans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The names of every metric received so far.
    pub fn metric_names(&self) -> Vec<String> {
        self.received
            .metrics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until `check` over the spans holds, failing the test after `timeout`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[ReceivedSpan]) -> Option<T>,
    ) -> T {
        crate::wait_until(what, timeout, || {
            let spans = self.spans();
            let found = check(&spans);
            std::future::ready(found)
        })
        .await
    }
}

/// Keeps `future`'s spans in the trace of `parent` (a context made with
/// `Context::current_with_span`).
pub fn in_context<F: Future>(parent: &opentelemetry::Context, future: F) -> impl Future<Output = F::Output> {
    use opentelemetry::context::FutureExt;
    future.with_context(parent.clone())
}
