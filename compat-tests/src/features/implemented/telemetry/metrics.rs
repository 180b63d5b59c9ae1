//! `telemetry/metrics`: SDK metrics and metrics of your own come out of one endpoint. A workflow
//! adds 2 to its own counter `my_workflow_counter{mytag="mytagvalue"}` and runs two activities,
//! each adding 2 to `my_activity_counter{mytag="mytagvalue"}`; the worker's Prometheus endpoint
//! then shows 2 and 4 for them, and Core's `temporal_request` counts two
//! `RespondActivityTaskCompleted` calls.

use crate::features::support::fail;
use crate::prometheus::{sample, scrape};
use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::telemetry::Telemetry;
use ironflow::worker::WorkerBuilder;
use std::time::Duration;

/// Joins with ", ", counting itself.
pub struct CommaJoin;
impl ActivityDefinition for CommaJoin {
    const NAME: &'static str = "CommaJoin";
    type Input = Vec<String>;
    type Output = String;
}
impl Activity for CommaJoin {
    type Error = ApplicationError;
    async fn execute(&self, ctx: ActivityContext, strs: Vec<String>) -> Result<String, ApplicationError> {
        ctx.metrics()
            .with_labels(&[("mytag", "mytagvalue")])
            .counter("my_activity_counter")
            .add(2);
        Ok(strs.join(", "))
    }
}

/// Counts itself, then joins twice.
pub struct MetricsWorkflow;
impl Workflow for MetricsWorkflow {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        ctx.metrics()
            .with_labels(&[("mytag", "mytagvalue")])
            .counter("my_workflow_counter")
            .add(2);
        let first = ctx
            .activity::<CommaJoin>(vec!["foo".into(), "bar".into()])
            .schedule_to_close_timeout(Duration::from_secs(60))
            .await?;
        Ok(ctx
            .activity::<CommaJoin>(vec![first, "baz".into()])
            .schedule_to_close_timeout(Duration::from_secs(60))
            .await?)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder
        .register_workflow::<MetricsWorkflow>()
        .register_activity(CommaJoin)
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<MetricsWorkflow>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let telemetry = Telemetry::builder()
        .prometheus("127.0.0.1:0".parse().map_err(fail)?)
        .build()
        .map_err(fail)?;
    let address = telemetry.prometheus_address().ok_or("no Prometheus address")?;
    let measured = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .telemetry(telemetry),
    )
    .await
    .map_err(fail)?;
    let id = crate::unique("telemetry-metrics");
    let out = register(Worker::builder(&measured, &task_queue))
        .build()
        .map_err(fail)?
        .run_until(
            measured.execute_workflow::<MetricsWorkflow>((), StartWorkflowOptions::new(&id, &task_queue)),
        )
        .await
        .map_err(fail)?
        .map_err(fail)?;
    if out != "foo, bar, baz" {
        return Err(format!("expected \"foo, bar, baz\", got {out:?}"));
    }
    let queue = format!("task_queue=\"{task_queue}\"");
    let expected = [
        (
            "my_workflow_counter",
            vec!["mytag=\"mytagvalue\"", queue.as_str()],
            2.0,
        ),
        (
            "my_activity_counter",
            vec!["mytag=\"mytagvalue\"", queue.as_str()],
            4.0,
        ),
        // Client calls carry no task queue; this endpoint is this feature's alone.
        (
            "temporal_request",
            vec!["operation=\"RespondActivityTaskCompleted\""],
            2.0,
        ),
    ];
    let found = |text: &str| -> Vec<Option<f64>> {
        expected
            .iter()
            .map(|(name, labels, _)| sample(text, name, labels))
            .collect()
    };
    let wanted: Vec<Option<f64>> = expected.iter().map(|(_, _, v)| Some(*v)).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(address).await?;
        let now = found(&text);
        if now == wanted {
            break;
        }
        if std::time::Instant::now() >= deadline {
            let names: Vec<&str> = expected.iter().map(|(n, _, _)| *n).collect();
            return Err(format!(
                "after 10 s /metrics shows {names:?} = {now:?}, expected {wanted:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(vec![id])
}
