//! `tracing`: workflow and activity lifecycles are traced automatically (Ironflow's
//! `TracingInterceptor`, OpenTelemetry spans exported over OTLP), and user code can trace its own
//! operations with the OpenTelemetry API, which land in the same trace. A client starts a
//! workflow that runs an activity; the activity opens a span of its own. The OTLP receiver
//! inside the test gets one trace: `StartWorkflow:Workflow` → `RunWorkflow:Workflow`,
//! `StartActivity:greet` → `RunActivity:greet` → `greet.compose`, all with the workflow id.

use crate::features::support::fail;
use crate::otlp::{OtlpReceiver, ReceivedSpan};
use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::telemetry::{Telemetry, TracingInterceptor};
use ironflow::worker::WorkerBuilder;
use opentelemetry::trace::{Tracer, TracerProvider as _};
use std::sync::Arc;
use std::time::Duration;

/// Greets, inside a span of its own.
pub struct Greet;
impl ActivityDefinition for Greet {
    const NAME: &'static str = "greet";
    type Input = String;
    type Output = String;
}
impl Activity for Greet {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, name: String) -> Result<String, ApplicationError> {
        // The user's own operation, with the global OpenTelemetry API: its parent is the current
        // context, the attempt's `RunActivity` span.
        let tracer = opentelemetry::global::tracer_provider().tracer("user-code");
        Ok(tracer.in_span("greet.compose", |_| format!("Hello, {name}!")))
    }
}

/// Runs the activity.
pub struct Traced;
impl Workflow for Traced {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        Ok(ctx
            .activity::<Greet>("tracing".into())
            .start_to_close_timeout(Duration::from_secs(10))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Traced>().register_activity(Greet)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Traced>()
}

fn parent<'a>(spans: &'a [ReceivedSpan], child: &ReceivedSpan) -> &'a str {
    spans
        .iter()
        .find(|s| s.span_id == child.parent_span_id)
        .map_or("<none>", |s| s.name.as_str())
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let receiver = OtlpReceiver::start().await;
    let telemetry = Telemetry::builder()
        .otlp_traces(&receiver.endpoint)
        .service_name("ironflow-features")
        .build()
        .map_err(fail)?;
    // User code reaches the same pipeline through the global provider.
    opentelemetry::global::set_tracer_provider(telemetry.tracer_provider().clone());
    let interceptor = Arc::new(TracingInterceptor::new(telemetry.tracer()));
    let traced = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .telemetry(telemetry.clone())
            .interceptor(interceptor.clone()),
    )
    .await
    .map_err(fail)?;
    let id = crate::unique("tracing");
    let out = register(Worker::builder(&traced, &task_queue))
        .interceptor(interceptor)
        .build()
        .map_err(fail)?
        .run_until(traced.execute_workflow::<Traced>((), StartWorkflowOptions::new(&id, &task_queue)))
        .await
        .map_err(fail)?
        .map_err(fail)?;
    if out != "Hello, tracing!" {
        return Err(format!("got {out:?}"));
    }
    telemetry.flush();
    let expected = [
        ("RunWorkflow:Workflow", "StartWorkflow:Workflow"),
        ("StartActivity:greet", "StartWorkflow:Workflow"),
        ("RunActivity:greet", "StartActivity:greet"),
        ("greet.compose", "RunActivity:greet"),
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let spans = receiver.spans();
        let complete = expected
            .iter()
            .all(|(name, _)| spans.iter().any(|s| s.name == *name));
        if complete {
            let traces: std::collections::BTreeSet<&str> =
                spans.iter().map(|s| s.trace_id.as_str()).collect();
            if traces.len() != 1 {
                return Err(format!("expected one trace, got {}", traces.len()));
            }
            for (name, expected_parent) in expected {
                let span = spans.iter().find(|s| s.name == name).ok_or(name)?;
                if parent(&spans, span) != expected_parent {
                    return Err(format!(
                        "{name}'s parent is {}, expected {expected_parent}",
                        parent(&spans, span)
                    ));
                }
            }
            let run = spans
                .iter()
                .find(|s| s.name == "RunWorkflow:Workflow")
                .ok_or("no RunWorkflow")?;
            if run.attributes.get("temporalWorkflowID") != Some(&id) {
                return Err(format!(
                    "RunWorkflow's temporalWorkflowID is {:?}",
                    run.attributes.get("temporalWorkflowID")
                ));
            }
            return Ok(vec![id]);
        }
        if std::time::Instant::now() >= deadline {
            let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
            return Err(format!("the trace is incomplete after 30 s: {names:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
