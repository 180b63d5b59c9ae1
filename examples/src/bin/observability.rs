//! Observability: one workflow (an activity, a child workflow, a signal) traced with the
//! `TracingInterceptor` — the same spans and `_tracer-data` header as the Python and TypeScript
//! SDKs — printed as a span tree; Core's and Ironflow's metrics served on a Prometheus
//! `/metrics` endpoint, scraped and printed. `--serve` keeps the endpoint up until Ctrl-C.
//!
//! To send the spans to a collector (Jaeger, Tempo, Honeycomb...) instead, replace
//! `.span_exporter(..)` with `.otlp_traces("http://collector:4317")`.

use ironflow::client::StartWorkflowOptions;
use ironflow::prelude::*;
use ironflow::telemetry::{Telemetry, TracingInterceptor};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::sync::{Arc, Mutex};

/// Keeps every span it is given, to print them as a tree.
#[derive(Debug, Clone, Default)]
struct KeepSpans(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for KeepSpans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend(batch);
        Ok(())
    }
}

#[ironflow::activity]
async fn charge(ctx: ActivityContext, order: String) -> Result<String, ApplicationError> {
    ctx.logger().info(format_args!("charging {order}"));
    Ok(format!("{order} charged"))
}

#[ironflow::activity]
async fn pack(_ctx: ActivityContext, order: String) -> Result<String, ApplicationError> {
    Ok(format!("{order} packed"))
}

pub struct Ship;
impl Workflow for Ship {
    const NAME: &'static str = "Ship";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, order: String) -> WorkflowResult<String> {
        Ok(ctx.activity::<Pack>(order).await?)
    }
}

pub struct Confirm;
impl SignalDefinition for Confirm {
    const NAME: &'static str = "confirm";
    type Data = ();
}

pub struct Order;
impl Workflow for Order {
    const NAME: &'static str = "Order";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, order: String) -> WorkflowResult<String> {
        ctx.logger().info(format_args!("order {order} received")); // not repeated on replay
        let charged = ctx.activity::<Charge>(order.clone()).await?;
        let packed = ctx.child_workflow::<Ship>(order).await?;
        ctx.await_signal::<Confirm>().await?;
        Ok(format!("{charged}, {packed}, confirmed"))
    }
}

/// Prints `span` and its children, indented, children in start order.
fn print_tree(spans: &[SpanData], span: &SpanData, depth: usize) {
    let id = span.span_context.span_id();
    let attributes: Vec<String> = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == "temporalActivityID")
        .map(|kv| format!(" [activity {}]", kv.value))
        .collect();
    println!("{}{}{}", "  ".repeat(depth), span.name, attributes.concat());
    let mut children: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.parent_span_id == id && s.span_context.trace_id() == span.span_context.trace_id())
        .collect();
    children.sort_by_key(|s| s.start_time);
    for child in children {
        print_tree(spans, child, depth + 1);
    }
}

/// GETs `http://<address>/metrics`.
async fn scrape(address: std::net::SocketAddr) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let metrics_address = std::env::var("IRONFLOW_METRICS_ADDRESS").unwrap_or_else(|_| "127.0.0.1:0".into());
    let spans = KeepSpans::default();
    let telemetry = Telemetry::builder()
        .prometheus(metrics_address.parse()?)
        .span_exporter(spans.clone())
        .service_name("observability-example")
        .build()?;
    let tracing = Arc::new(TracingInterceptor::new(telemetry.tracer()));
    let example = ironflow_examples::start_with(|options| {
        options.telemetry(telemetry.clone()).interceptor(tracing.clone())
    })
    .await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("observability");
    let worker = Worker::builder(client, &task_queue)
        .register_activity(Charge)
        .register_activity(Pack)
        .register_workflow::<Order>()
        .register_workflow::<Ship>()
        .interceptor(tracing)
        .build()?;
    let options = StartWorkflowOptions::new(ironflow_examples::unique("order"), &task_queue);
    let result = worker
        .run_until(async {
            let handle = client.start_workflow::<Order>("order-7".into(), options).await?;
            handle.signal::<Confirm>(()).await?;
            handle.get_result().await
        })
        .await??;
    println!("workflow result: {result}");

    telemetry.flush();
    let spans = spans.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    println!("span tree ({} spans):", spans.len());
    let ids: std::collections::HashSet<_> = spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut roots: Vec<&SpanData> = spans
        .iter()
        .filter(|s| !ids.contains(&s.parent_span_id))
        .collect();
    roots.sort_by_key(|s| s.start_time);
    for root in roots {
        print_tree(&spans, root, 1);
    }

    let address = telemetry
        .prometheus_address()
        .ok_or("the Prometheus endpoint is not running")?;
    println!("metrics on http://{address}/metrics, for example:");
    let text = scrape(address).await?;
    let queue = format!("task_queue=\"{task_queue}\"");
    let shown = ["temporal_workflow_completed", "activity_duration_seconds_count"];
    for line in text
        .lines()
        .filter(|l| l.contains(&queue) && is_sample_of(l, &shown))
    {
        println!("  {}", line.replace(&task_queue, "<task queue>"));
    }
    if std::env::args().any(|a| a == "--serve") {
        println!("serving http://{address}/metrics until Ctrl-C");
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}

/// True when `line` is a sample of one of `metrics`.
fn is_sample_of(line: &str, metrics: &[&str]) -> bool {
    metrics
        .iter()
        .any(|m| line.starts_with(m) && line[m.len()..].starts_with(['{', ' ']))
}
