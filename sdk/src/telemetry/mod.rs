//! Telemetry: metrics (Core's and Ironflow's) on a Prometheus endpoint or pushed over OTLP,
//! OpenTelemetry traces that cross SDKs ([`TracingInterceptor`]). The replay-aware loggers are
//! [`crate::WorkflowContext::logger`] and [`crate::ActivityContext::logger`].
//!
//! One [`Telemetry`] setting serves the client and every worker built from it:
//!
//! ```no_run
//! use ironflow::client::{Client, ConnectOptions};
//! use ironflow::telemetry::{Telemetry, TracingInterceptor};
//! use std::sync::Arc;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let telemetry = Telemetry::builder()
//!     .prometheus("127.0.0.1:9464".parse()?)       // Core's and Ironflow's metrics on /metrics
//!     .otlp_traces("http://127.0.0.1:4317")        // spans to an OpenTelemetry collector
//!     .service_name("orders")
//!     .build()?;
//! let tracing = Arc::new(TracingInterceptor::new(telemetry.tracer()));
//! let client = Client::connect(
//!     ConnectOptions::new("localhost:7233").telemetry(telemetry.clone()).interceptor(tracing.clone()),
//! )
//! .await?;
//! // Worker::builder(&client, "orders").interceptor(tracing) ... traces workflows and activities.
//! # Ok(()) }
//! ```
//!
//! How the seed's names map: the seed's `WorkflowTracer` / `trace_workflow_execution` opened one
//! span per workflow execution in the engine; on Temporal an execution outlives processes, so
//! [`TracingInterceptor`] records the spans the other SDKs record (`StartWorkflow`, `RunWorkflow`,
//! `StartActivity`, `RunActivity`, ... linked through the `_tracer-data` header), which join the
//! traces of Python and TypeScript clients and workers. The seed's `activity_duration_seconds`
//! histogram is recorded by every worker (labels `activity_type`, `task_queue`, `outcome`).

mod caching_meter;
mod export;
pub(crate) mod metrics;
mod tracing_interceptor;

pub use crate::metrics::{MetricCounter, MetricGauge, MetricHistogram, Metrics};
pub use tracing_interceptor::{TRACER_HEADER, TracingInterceptor};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::telemetry::metrics::CoreMeter;

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The settings contradict each other.
    #[error("invalid telemetry settings: {0}")]
    Invalid(String),
    /// The Prometheus endpoint could not be started.
    #[error("cannot serve Prometheus metrics on {address}: {source}")]
    Prometheus {
        /// The address asked for.
        address: SocketAddr,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An OTLP exporter could not be built.
    #[error("cannot export {what} over OTLP to {endpoint}: {source}")]
    Otlp {
        /// Metrics or traces.
        what: &'static str,
        /// The endpoint.
        endpoint: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

struct Inner {
    meter: Option<Arc<dyn CoreMeter>>,
    prometheus_address: Option<SocketAddr>,
    tracer_provider: SdkTracerProvider,
    service_name: String,
    metrics: metrics::WorkerMetrics,
    prometheus_server: Option<tokio::task::AbortHandle>,
    /// The OTLP exporters' connections run here, not on the caller's runtime, so flushing and
    /// shutting down (which wait for an export) never wait on the thread they block.
    exporter_runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(server) = &self.prometheus_server {
            server.abort();
        }
        // Exports what is left; bounded by the exporter's timeout when the endpoint is down.
        let _ = self.tracer_provider.shutdown();
        if let Some(runtime) = self.exporter_runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The runtime the OTLP exporters' connections run on: one thread, started on demand.
fn start_exporter_runtime() -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("ironflow-otlp")
        .enable_all()
        .build()
}

/// Where metrics and traces go; shared by a client and the workers built from it. Cheap to
/// clone. The default sends nothing anywhere. See the [module docs](self).
#[derive(Clone)]
pub struct Telemetry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("metrics", &self.inner.meter.is_some())
            .field("prometheus_address", &self.inner.prometheus_address)
            .field("service_name", &self.inner.service_name)
            .finish()
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                meter: None,
                prometheus_address: None,
                tracer_provider: SdkTracerProvider::builder().build(),
                service_name: "ironflow".into(),
                metrics: metrics::WorkerMetrics::default(),
                prometheus_server: None,
                exporter_runtime: None,
            }),
        }
    }
}

impl Telemetry {
    /// Starts configuring telemetry.
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder::default()
    }

    /// The address the Prometheus endpoint listens on (`/metrics`), when it is on.
    pub fn prometheus_address(&self) -> Option<SocketAddr> {
        self.inner.prometheus_address
    }

    /// A tracer exporting to this setting's trace pipeline (a no-op one when traces are off),
    /// for [`TracingInterceptor::new`] or your own spans.
    pub fn tracer(&self) -> opentelemetry_sdk::trace::SdkTracer {
        self.inner.tracer_provider.tracer("ironflow")
    }

    /// The tracer provider, to build a `tracing-opentelemetry` layer that sends `tracing` spans
    /// (Ironflow's own and yours) to the same pipeline.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.inner.tracer_provider
    }

    /// A `tracing` layer that sends `tracing` spans and events (Ironflow's own — an `activity`
    /// span per attempt, the activity logger's lines, warnings — and your program's) to this
    /// setting's trace pipeline, in the same traces as the [`TracingInterceptor`]'s spans: an
    /// activity's `tracing` span is a child of its `RunActivity` span, and events become span
    /// events. Filter it to the targets you want: Temporal's Core emits many internal spans.
    ///
    /// ```no_run
    /// use tracing::Level;
    /// use tracing_subscriber::{Layer as _, filter::Targets, layer::SubscriberExt as _};
    /// # fn demo(telemetry: ironflow::telemetry::Telemetry) {
    /// let to_traces = telemetry
    ///     .tracing_layer()
    ///     .with_filter(Targets::new().with_target("ironflow", Level::INFO).with_target("orders", Level::INFO));
    /// let subscriber = tracing_subscriber::registry().with(to_traces);
    /// tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    /// # }
    /// ```
    pub fn tracing_layer<S>(
        &self,
    ) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        tracing_opentelemetry::layer().with_tracer(self.tracer())
    }

    /// Exports the spans recorded so far now, waiting for the export (at most the exporter's
    /// 5 s timeout). Call it before a short-lived program exits; it blocks the calling thread.
    pub fn flush(&self) {
        if let Err(e) = self.inner.tracer_provider.force_flush() {
            tracing::debug!(error = %e, "flushing spans failed");
        }
    }

    pub(crate) fn meter(&self) -> Option<Arc<dyn CoreMeter>> {
        self.inner.meter.clone()
    }

    pub(crate) fn worker_metrics(&self) -> metrics::WorkerMetrics {
        self.inner.metrics.clone()
    }
}

/// Configures [`Telemetry`].
#[derive(Default)]
pub struct TelemetryBuilder {
    prometheus: Option<SocketAddr>,
    otlp_metrics: Option<String>,
    otlp_traces: Option<String>,
    service_name: Option<String>,
    metric_period: Option<Duration>,
    span_exporters: Vec<
        Box<
            dyn FnOnce(
                    opentelemetry_sdk::trace::TracerProviderBuilder,
                ) -> opentelemetry_sdk::trace::TracerProviderBuilder
                + Send,
        >,
    >,
}

impl std::fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("prometheus", &self.prometheus)
            .field("otlp_metrics", &self.otlp_metrics)
            .field("otlp_traces", &self.otlp_traces)
            .field("service_name", &self.service_name)
            .field("metric_period", &self.metric_period)
            .field("span_exporters", &self.span_exporters.len())
            .finish()
    }
}

impl TelemetryBuilder {
    /// Serves metrics for scraping at `http://<address>/metrics` (port 0 picks a free one; see
    /// [`Telemetry::prometheus_address`]).
    pub fn prometheus(mut self, address: SocketAddr) -> Self {
        self.prometheus = Some(address);
        self
    }

    /// Pushes metrics over OTLP/gRPC to `endpoint` (an OpenTelemetry collector, e.g.
    /// `http://127.0.0.1:4317`). One metrics destination: Prometheus or OTLP.
    pub fn otlp_metrics(mut self, endpoint: impl Into<String>) -> Self {
        self.otlp_metrics = Some(endpoint.into());
        self
    }

    /// How often OTLP metrics are pushed (default 1 s).
    pub fn metric_period(mut self, period: Duration) -> Self {
        self.metric_period = Some(period);
        self
    }

    /// Exports spans over OTLP/gRPC to `endpoint`. An unreachable endpoint neither stops nor
    /// slows workers: spans are dropped and one warning is logged.
    pub fn otlp_traces(mut self, endpoint: impl Into<String>) -> Self {
        self.otlp_traces = Some(endpoint.into());
        self
    }

    /// Also sends spans to `exporter` (in batches, on a thread of its own): a stdout exporter, a
    /// vendor's, or one that keeps spans in memory (`examples/src/bin/observability.rs` prints
    /// a workflow's span tree that way). Several exporters can be added, besides
    /// [`Self::otlp_traces`].
    pub fn span_exporter<E: opentelemetry_sdk::trace::SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.span_exporters
            .push(Box::new(move |provider| provider.with_batch_exporter(exporter)));
        self
    }

    /// The `service.name` of the spans (default `ironflow`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Starts the exporters. With [`Self::prometheus`] it must be called inside a tokio runtime
    /// (the endpoint is served on it); the OTLP exporters run on a thread of their own.
    pub fn build(self) -> Result<Telemetry, TelemetryError> {
        if self.prometheus.is_some() && self.otlp_metrics.is_some() {
            return Err(TelemetryError::Invalid(
                "prometheus(..) and otlp_metrics(..) are both set: choose one metrics destination".into(),
            ));
        }
        let service_name = self.service_name.unwrap_or_else(|| "ironflow".into());
        let mut exporter_runtime = None;
        fn runtime<'a>(
            slot: &'a mut Option<tokio::runtime::Runtime>,
            endpoint: &str,
            what: &'static str,
        ) -> Result<&'a tokio::runtime::Runtime, TelemetryError> {
            if slot.is_none() {
                *slot = Some(start_exporter_runtime().map_err(|e| TelemetryError::Otlp {
                    what,
                    endpoint: endpoint.to_string(),
                    source: e.into(),
                })?);
            }
            Ok(slot.as_ref().expect("just set"))
        }
        let mut prometheus_address = None;
        let mut prometheus_server = None;
        let meter: Option<Arc<dyn CoreMeter>> =
            if let Some(address) = self.prometheus {
                let options = temporalio_common::telemetry::PrometheusExporterOptions::builder()
                    .socket_addr(address)
                    .use_seconds_for_durations(true)
                    .build();
                let started = temporalio_common::telemetry::start_prometheus_metric_exporter(options)
                    .map_err(|e| TelemetryError::Prometheus {
                        address,
                        source: e.into(),
                    })?;
                prometheus_address = Some(started.bound_addr);
                prometheus_server = Some(started.abort_handle);
                Some(Arc::new(caching_meter::CachingMeter::new(started.meter)))
            } else if let Some(endpoint) = &self.otlp_metrics {
                let _on_exporter_runtime = runtime(&mut exporter_runtime, endpoint, "metrics")?.enter();
                let otlp_error = |source: Box<dyn std::error::Error + Send + Sync>| TelemetryError::Otlp {
                    what: "metrics",
                    endpoint: endpoint.clone(),
                    source,
                };
                let url = url::Url::parse(endpoint).map_err(|e| otlp_error(e.into()))?;
                let options = temporalio_common::telemetry::OtelCollectorOptions::builder()
                    .url(url)
                    .metric_periodicity(self.metric_period.unwrap_or(Duration::from_secs(1)))
                    .use_seconds_for_durations(true)
                    .global_tags([("service_name".to_string(), service_name.clone())].into())
                    .build();
                let meter = temporalio_common::telemetry::build_otlp_metric_exporter(options)
                    .map_err(|e| otlp_error(e.into()))?;
                Some(Arc::new(caching_meter::CachingMeter::new(Arc::new(meter))))
            } else {
                None
            };
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name(service_name.clone())
            .build();
        let mut provider = SdkTracerProvider::builder().with_resource(resource);
        if let Some(endpoint) = &self.otlp_traces {
            let _on_exporter_runtime = runtime(&mut exporter_runtime, endpoint, "traces")?.enter();
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .with_timeout(Duration::from_secs(5))
                .build()
                .map_err(|e| TelemetryError::Otlp {
                    what: "traces",
                    endpoint: endpoint.clone(),
                    source: e.into(),
                })?;
            provider = provider.with_batch_exporter(export::WarnOnce::new(exporter, endpoint.clone()));
        }
        for add in self.span_exporters {
            provider = add(provider);
        }
        let metrics = metrics::WorkerMetrics::new(meter.clone());
        Ok(Telemetry {
            inner: Arc::new(Inner {
                meter,
                prometheus_address,
                tracer_provider: provider.build(),
                service_name,
                metrics,
                prometheus_server,
                exporter_runtime,
            }),
        })
    }
}
