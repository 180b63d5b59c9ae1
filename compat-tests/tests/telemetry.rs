//! Telemetry on a real server, with a real OTLP receiver inside the test: the trace of an
//! Ironflow client → workflow → activity + child + signal run has the Python SDK's shape; traces
//! cross to and from the Python SDK's `TracingInterceptor`; a worker killed mid-workflow and
//! another finishing it record no workflow span twice; Prometheus and OTLP metrics count what
//! ran; an unreachable trace endpoint does not stop workers and is reported once; the workflow
//! logger is silent while replaying.

use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::telemetry::{Telemetry, TracingInterceptor};
use ironflow::workflow::SignalDefinition;
use ironflow::{Worker, Workflow, WorkflowContext, WorkflowResult};
use ironflow_compat_tests::fixtures::{Approve, Echo, EchoApproveEchoWorkflow, GreetWorkflow, register_all};
use ironflow_compat_tests::otlp::{OtlpReceiver, ReceivedSpan, in_context};
use ironflow_compat_tests::peers::{python_script, python_worker};
use ironflow_compat_tests::{RunningWorker, server_address, unique, wait_until, within};
use opentelemetry::trace::{TraceContextExt, Tracer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

type Captured = Mutex<Vec<(tracing::Level, String, String)>>;

/// The binary's global `tracing` subscriber, installed once: it captures the log events of the
/// `ironflow::*` targets, and sends `tracing` spans and events of those targets to
/// [`GlobalPipeline`]'s receiver through [`Telemetry::tracing_layer`].
fn captured() -> &'static Captured {
    &global().captured
}

/// The receiver and telemetry behind the global subscriber's OpenTelemetry layer.
struct GlobalPipeline {
    captured: Captured,
    receiver: OtlpReceiver,
    telemetry: Telemetry,
    /// Runs the receiver for the whole binary (each test has its own runtime).
    _runtime: tokio::runtime::Runtime,
}

fn global() -> &'static GlobalPipeline {
    static GLOBAL: OnceLock<GlobalPipeline> = OnceLock::new();
    GLOBAL.get_or_init(|| {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::layer::SubscriberExt;
        struct Capture;
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
            fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
                let target = event.metadata().target();
                if !target.starts_with("ironflow") {
                    return;
                }
                struct Message(String);
                impl tracing::field::Visit for Message {
                    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                        if field.name() == "message" {
                            self.0 = format!("{value:?}");
                        }
                    }
                }
                let mut message = Message(String::new());
                event.record(&mut message);
                if let Some(global) = GLOBAL.get() {
                    global.captured.lock().unwrap_or_else(|p| p.into_inner()).push((
                        *event.metadata().level(),
                        target.to_string(),
                        message.0,
                    ));
                }
            }
        }
        // Started on a thread of its own: tests call this from inside their runtimes.
        let (runtime, receiver, telemetry) = std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("the receiver's runtime");
            let receiver = runtime.block_on(OtlpReceiver::start());
            let telemetry = Telemetry::builder()
                .otlp_traces(&receiver.endpoint)
                .service_name("ironflow-tracing-layer")
                .build()
                .expect("telemetry");
            (runtime, receiver, telemetry)
        })
        .join()
        .expect("start the global receiver");
        let to_traces = telemetry.tracing_layer().with_filter(
            tracing_subscriber::filter::Targets::new().with_target("ironflow", tracing::Level::INFO),
        );
        let _ = tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(Capture).with(to_traces),
        );
        GlobalPipeline {
            captured: Mutex::new(Vec::new()),
            receiver,
            telemetry,
            _runtime: runtime,
        }
    })
}

/// A client and the interceptor to register on workers, tracing to `receiver`.
async fn traced_client(
    receiver: &OtlpReceiver,
    service: &str,
) -> (Client, Arc<TracingInterceptor>, Telemetry) {
    let telemetry = Telemetry::builder()
        .otlp_traces(&receiver.endpoint)
        .service_name(service)
        .build()
        .expect("telemetry");
    let interceptor = Arc::new(TracingInterceptor::new(telemetry.tracer()));
    let client = Client::connect(
        ConnectOptions::new(server_address())
            .telemetry(telemetry.clone())
            .interceptor(interceptor.clone()),
    )
    .await
    .expect("connect");
    (client, interceptor, telemetry)
}

struct Go;
impl SignalDefinition for Go {
    const NAME: &'static str = "go";
    type Data = ();
}

/// Calls `echo`, runs a child that greets, waits for `go`.
struct Traced;
impl Workflow for Traced {
    const NAME: &'static str = "Traced";
    type Input = ();
    type Output = String;
    async fn run(ctx: WorkflowContext, _: ()) -> WorkflowResult<String> {
        let echoed = ctx.activity::<Echo>("traced".into()).await?;
        let greeted = ctx.child_workflow::<GreetWorkflow>("child".into()).await?;
        ctx.await_signal::<Go>().await?;
        Ok(format!("{echoed} / {greeted}"))
    }
}

fn by_name<'a>(spans: &'a [ReceivedSpan], name: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found = by_name(spans, name);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one `{name}` span, got {found:#?}\nall spans: {spans:#?}"
    );
    found[0]
}

fn parent_of<'a>(spans: &'a [ReceivedSpan], child: &ReceivedSpan) -> &'a str {
    spans
        .iter()
        .find(|s| s.span_id == child.parent_span_id)
        .map_or("<none>", |s| s.name.as_str())
}

#[tokio::test]
async fn one_trace_with_the_python_sdks_shape() {
    let receiver = OtlpReceiver::start().await;
    let (client, tracing, telemetry) = traced_client(&receiver, "ironflow-test").await;
    let tq = unique("traced");
    let worker = RunningWorker::start(
        register_all(Worker::builder(&client, &tq))
            .register_workflow::<Traced>()
            .interceptor(tracing),
    );
    let root = telemetry.tracer().start("test");
    let root_cx = opentelemetry::Context::current_with_span(root);
    let handle = in_context(
        &root_cx,
        client.start_workflow::<Traced>((), StartWorkflowOptions::new(unique("traced"), &tq)),
    )
    .await
    .unwrap();
    let workflow_id = handle.workflow_id().to_string();
    wait_until("the child to complete", LIMIT, || async {
        let history = handle.fetch_history().await.ok()?;
        ironflow_compat_tests::attributes(&history)
            .iter()
            .any(|a| matches!(a, temporalio_common::protos::temporal::api::history::v1::history_event::Attributes::ChildWorkflowExecutionCompletedEventAttributes(_)))
            .then_some(())
    })
    .await;
    in_context(&root_cx, handle.signal::<Go>(())).await.unwrap();
    within("the traced workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    root_cx.span().end();
    worker.stop().await.unwrap();
    telemetry.flush();
    let spans = receiver
        .wait_for("the workflow's spans", LIMIT, |spans| {
            (spans.iter().any(|s| s.name == "CompleteWorkflow:Traced")
                && spans.iter().any(|s| s.name == "test"))
            .then(|| spans.to_vec())
        })
        .await;

    let traces: std::collections::BTreeSet<&str> = spans.iter().map(|s| s.trace_id.as_str()).collect();
    assert_eq!(traces.len(), 1, "one trace: {spans:#?}");
    let expected_parents = [
        ("StartWorkflow:Traced", "test"),
        ("RunWorkflow:Traced", "StartWorkflow:Traced"),
        ("StartChildWorkflow:GreetWorkflow", "StartWorkflow:Traced"),
        ("RunWorkflow:GreetWorkflow", "StartChildWorkflow:GreetWorkflow"),
        (
            "CompleteWorkflow:GreetWorkflow",
            "StartChildWorkflow:GreetWorkflow",
        ),
        ("SignalWorkflow:go", "test"),
        ("HandleSignal:go", "StartWorkflow:Traced"),
        ("CompleteWorkflow:Traced", "StartWorkflow:Traced"),
    ];
    for (name, parent) in expected_parents {
        assert_eq!(
            parent_of(&spans, one(&spans, name)),
            parent,
            "the parent of {name}"
        );
    }
    // Two activities ran: the parent's, scheduled in its trace context, and the child's, in the
    // child's (under StartChildWorkflow); each attempt runs under the span that scheduled it.
    let mut schedulers: Vec<&str> = by_name(&spans, "StartActivity:echo")
        .into_iter()
        .map(|s| parent_of(&spans, s))
        .collect();
    schedulers.sort();
    assert_eq!(
        schedulers,
        ["StartChildWorkflow:GreetWorkflow", "StartWorkflow:Traced"]
    );
    let runs = by_name(&spans, "RunActivity:echo");
    assert_eq!(runs.len(), 2, "{spans:#?}");
    for run in runs {
        assert_eq!(parent_of(&spans, run), "StartActivity:echo");
        assert!(run.attributes.contains_key("temporalActivityID"), "{run:?}");
    }
    let signal = one(&spans, "SignalWorkflow:go");
    assert_eq!(
        one(&spans, "HandleSignal:go").links,
        vec![signal.span_id.clone()],
        "linked to the signal"
    );
    let run = one(&spans, "RunWorkflow:Traced");
    assert_eq!(run.attributes.get("temporalWorkflowID"), Some(&workflow_id));
    assert!(run.attributes.contains_key("temporalRunID"));
}

#[tokio::test]
async fn a_python_clients_trace_continues_into_an_ironflow_workflow() {
    let receiver = OtlpReceiver::start().await;
    let (client, tracing, telemetry) = traced_client(&receiver, "ironflow-worker").await;
    let tq = unique("py-traced");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)).interceptor(tracing));
    let id = unique("py-traced");
    let out = python_script(
        "otel_client.py",
        &[&receiver.endpoint, "GreetWorkflow", &id, &tq, r#""Python""#],
    )
    .await;
    assert_eq!(out.trim(), r#""Hello, Python!""#);
    worker.stop().await.unwrap();
    telemetry.flush();
    let spans = receiver
        .wait_for("both SDKs' spans", LIMIT, |spans| {
            spans
                .iter()
                .any(|s| s.name == "CompleteWorkflow:GreetWorkflow")
                .then(|| spans.to_vec())
        })
        .await;
    let start = one(&spans, "StartWorkflow:GreetWorkflow");
    assert_eq!(start.service, "python-client");
    let run = one(&spans, "RunWorkflow:GreetWorkflow");
    assert_eq!(run.service, "ironflow-worker");
    assert_eq!(
        (run.trace_id.as_str(), run.parent_span_id.as_str()),
        (start.trace_id.as_str(), start.span_id.as_str())
    );
    assert_eq!(
        parent_of(&spans, one(&spans, "RunActivity:echo")),
        "StartActivity:echo"
    );
}

#[tokio::test]
async fn an_ironflow_clients_trace_continues_into_a_python_worker() {
    let receiver = OtlpReceiver::start().await;
    let (client, _tracing, telemetry) = traced_client(&receiver, "ironflow-client").await;
    let tq = unique("py-worker-traced");
    let _python = python_worker("otel_worker.py", &[&receiver.endpoint, &tq], LIMIT).await;
    let handle = client
        .start_workflow_by_name::<_, String>(
            "PyTraced",
            "Ironflow",
            StartWorkflowOptions::new(unique("py"), &tq),
        )
        .await
        .unwrap();
    assert_eq!(
        within("the Python workflow", LIMIT, handle.get_result())
            .await
            .unwrap(),
        "python says hello to Ironflow"
    );
    telemetry.flush();
    let spans = receiver
        .wait_for("the Python worker's spans", LIMIT, |spans| {
            (spans.iter().any(|s| s.name == "RunActivity:py_activity")
                && spans.iter().any(|s| s.name == "StartWorkflow:PyTraced"))
            .then(|| spans.to_vec())
        })
        .await;
    let start = one(&spans, "StartWorkflow:PyTraced");
    assert_eq!(start.service, "ironflow-client");
    let run = one(&spans, "RunWorkflow:PyTraced");
    assert_eq!(run.service, "python-worker");
    assert_eq!(parent_of(&spans, run), "StartWorkflow:PyTraced");
    let activity = one(&spans, "RunActivity:py_activity");
    assert_eq!(parent_of(&spans, activity), "StartActivity:py_activity");
    assert_eq!(
        parent_of(&spans, one(&spans, "StartActivity:py_activity")),
        "StartWorkflow:PyTraced"
    );
}

#[tokio::test]
async fn a_worker_killed_mid_workflow_and_another_finishing_it_record_no_span_twice() {
    let receiver = OtlpReceiver::start().await;
    let (client, tracing, telemetry) = traced_client(&receiver, "ironflow-survivor").await;
    let tq = unique("killed");
    let mut first = tokio::process::Command::new(env!("CARGO_BIN_EXE_test-worker"))
        .args([server_address(), tq.as_str()])
        .env("IRONFLOW_OTLP_TRACES", &receiver.endpoint)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the test worker");
    // Echo, wait for a signal, echo: the first worker records the run and the first activity.
    let handle = client
        .start_workflow::<EchoApproveEchoWorkflow>((), StartWorkflowOptions::new(unique("approve"), &tq))
        .await
        .unwrap();
    receiver
        .wait_for("the first worker's spans", LIMIT, |spans| {
            (by_name(spans, "RunActivity:echo").len() == 1
                && by_name(spans, "RunWorkflow:EchoApproveEchoWorkflow").len() == 1)
                .then_some(())
        })
        .await;
    first.kill().await.expect("kill the first worker");
    // The second worker replays the history (no workflow span while replaying) and finishes.
    let second = RunningWorker::start(register_all(Worker::builder(&client, &tq)).interceptor(tracing));
    handle.signal::<Approve>("second".into()).await.unwrap();
    assert_eq!(
        within("the workflow", LIMIT, handle.get_result()).await.unwrap(),
        "first+second"
    );
    second.stop().await.unwrap();
    telemetry.flush();
    let spans = receiver
        .wait_for("the completion span", LIMIT, |spans| {
            spans
                .iter()
                .any(|s| s.name == "CompleteWorkflow:EchoApproveEchoWorkflow")
                .then(|| spans.to_vec())
        })
        .await;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in &spans {
        *counts.entry(s.name.as_str()).or_default() += 1;
    }
    assert_eq!(
        counts.get("StartWorkflow:EchoApproveEchoWorkflow"),
        Some(&1),
        "{counts:?}"
    );
    assert_eq!(
        counts.get("RunWorkflow:EchoApproveEchoWorkflow"),
        Some(&1),
        "{counts:?}"
    );
    assert_eq!(
        counts.get("StartActivity:echo"),
        Some(&2),
        "one per activity, none replayed: {counts:?}"
    );
    assert_eq!(counts.get("RunActivity:echo"), Some(&2), "{counts:?}");
    assert_eq!(
        counts.get("CompleteWorkflow:EchoApproveEchoWorkflow"),
        Some(&1),
        "{counts:?}"
    );
    assert_eq!(counts.get("HandleSignal:approve"), Some(&1), "{counts:?}");
}

/// GETs `http://<address>/metrics`.
async fn scrape(address: std::net::SocketAddr) -> String {
    ironflow_compat_tests::prometheus::scrape(address)
        .await
        .expect("scrape /metrics")
}

use ironflow_compat_tests::prometheus::sample;

#[tokio::test]
async fn prometheus_counts_the_workflows_and_activities_that_ran() {
    let telemetry = Telemetry::builder()
        .prometheus("127.0.0.1:0".parse().unwrap())
        .build()
        .expect("telemetry");
    let address = telemetry.prometheus_address().expect("the endpoint's address");
    let client = Client::connect(ConnectOptions::new(server_address()).telemetry(telemetry))
        .await
        .unwrap();
    let tq = unique("metrics");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    for i in 0..5 {
        within(
            "a workflow",
            LIMIT,
            client.execute_workflow::<GreetWorkflow>(
                format!("m{i}"),
                StartWorkflowOptions::new(unique("m"), &tq),
            ),
        )
        .await
        .unwrap();
    }
    let queue = format!("task_queue=\"{tq}\"");
    let text = wait_until("the metrics to count 5 workflows", LIMIT, || async {
        let text = scrape(address).await;
        (sample(&text, "temporal_workflow_completed", &[&queue]) == Some(5.0)).then_some(text)
    })
    .await;
    assert_eq!(
        sample(
            &text,
            "activity_duration_seconds_count",
            &["activity_type=\"echo\"", &queue, "outcome=\"completed\""]
        ),
        Some(5.0),
        "{text}"
    );
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn otlp_metrics_reach_the_collector() {
    let receiver = OtlpReceiver::start().await;
    let telemetry = Telemetry::builder()
        .otlp_metrics(&receiver.endpoint)
        .metric_period(Duration::from_millis(500))
        .build()
        .expect("telemetry");
    let client = Client::connect(ConnectOptions::new(server_address()).telemetry(telemetry))
        .await
        .unwrap();
    let tq = unique("otlp-metrics");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    within(
        "a workflow",
        LIMIT,
        client.execute_workflow::<GreetWorkflow>("otlp".into(), StartWorkflowOptions::new(unique("o"), &tq)),
    )
    .await
    .unwrap();
    wait_until(
        "Core's and Ironflow's metrics at the collector",
        LIMIT,
        || async {
            let names = receiver.metric_names();
            (names.iter().any(|n| n == "temporal_workflow_completed")
                && names.iter().any(|n| n == "activity_duration_seconds"))
            .then_some(())
        },
    )
    .await;
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_trace_endpoint_does_not_stop_the_worker_and_warns_once() {
    captured();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let telemetry = Telemetry::builder()
        .otlp_traces(&endpoint)
        .build()
        .expect("telemetry");
    let tracing = Arc::new(TracingInterceptor::new(telemetry.tracer()));
    let client = Client::connect(
        ConnectOptions::new(server_address())
            .telemetry(telemetry.clone())
            .interceptor(tracing.clone()),
    )
    .await
    .unwrap();
    let tq = unique("dead-endpoint");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)).interceptor(tracing));
    for i in 0..10 {
        within(
            "a workflow with tracing to a dead endpoint",
            Duration::from_secs(30),
            client.execute_workflow::<GreetWorkflow>(
                format!("d{i}"),
                StartWorkflowOptions::new(unique("d"), &tq),
            ),
        )
        .await
        .unwrap();
        if i % 3 == 0 {
            telemetry.flush(); // each flush is an export that fails
        }
    }
    worker.stop().await.unwrap();
    let warnings: Vec<String> = captured()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(level, target, message)| {
            *level == tracing::Level::WARN && target.contains("telemetry") && message.contains(&endpoint)
                || *level == tracing::Level::WARN && message.contains("cannot export spans")
        })
        .map(|(_, _, m)| m.clone())
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning for the unreachable endpoint: {warnings:#?}"
    );
    let later_failures = captured()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(level, _, message)| {
            *level == tracing::Level::DEBUG && message.contains("span export failed")
        })
        .count();
    assert!(
        later_failures >= 2,
        "the later failed exports are logged at debug level, got {later_failures}"
    );
}

/// Logs one line per step; with no cache every workflow task replays the steps before it.
struct Chatty;
impl Workflow for Chatty {
    const NAME: &'static str = "Chatty";
    type Input = String;
    type Output = ();
    async fn run(ctx: WorkflowContext, key: String) -> WorkflowResult<()> {
        for step in 0..3 {
            ctx.logger().info(format_args!("{key} step {step}"));
            ctx.sleep(Duration::from_millis(10)).await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn the_workflow_logger_is_silent_while_replaying() {
    captured();
    let client = ironflow_compat_tests::client().await;
    let tq = unique("chatty");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_workflow::<Chatty>()
            .max_cached_workflows(0),
    );
    let key = unique("chatty-key");
    within(
        "the chatty workflow",
        LIMIT,
        client.execute_workflow::<Chatty>(key.clone(), StartWorkflowOptions::new(unique("chatty"), &tq)),
    )
    .await
    .unwrap();
    worker.stop().await.unwrap();
    let lines: Vec<String> = captured()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(_, target, message)| target == "ironflow::workflow" && message.contains(&key))
        .map(|(_, _, m)| m.clone())
        .collect();
    assert_eq!(
        lines,
        vec![
            format!("{key} step 0"),
            format!("{key} step 1"),
            format!("{key} step 2")
        ]
    );
}

/// Logs through the activity logger, then returns its input.
struct LoggedEcho;
impl ironflow::ActivityDefinition for LoggedEcho {
    const NAME: &'static str = "logged_echo";
    type Input = String;
    type Output = String;
}
impl ironflow::Activity for LoggedEcho {
    type Error = std::convert::Infallible;
    async fn execute(&self, ctx: ironflow::ActivityContext, input: String) -> Result<String, Self::Error> {
        ctx.logger().info(format_args!("charging {input}"));
        Ok(input)
    }
}

struct LoggedEchoWorkflow;
impl Workflow for LoggedEchoWorkflow {
    const NAME: &'static str = "LoggedEchoWorkflow";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, input: String) -> WorkflowResult<String> {
        Ok(ctx.activity::<LoggedEcho>(input).await?)
    }
}

#[tokio::test]
async fn ironflows_own_tracing_spans_and_events_join_the_trace() {
    let global = global();
    let interceptor = Arc::new(TracingInterceptor::new(global.telemetry.tracer()));
    let client = Client::connect(
        ConnectOptions::new(server_address())
            .telemetry(global.telemetry.clone())
            .interceptor(interceptor.clone()),
    )
    .await
    .unwrap();
    let tq = unique("tracing-layer");
    let worker = RunningWorker::start(
        Worker::builder(&client, &tq)
            .register_activity(LoggedEcho)
            .register_workflow::<LoggedEchoWorkflow>()
            .interceptor(interceptor),
    );
    let key = unique("card");
    within(
        "the logged workflow",
        LIMIT,
        client.execute_workflow::<LoggedEchoWorkflow>(
            key.clone(),
            StartWorkflowOptions::new(unique("logged"), &tq),
        ),
    )
    .await
    .unwrap();
    worker.stop().await.unwrap();
    global.telemetry.flush();
    let spans = global
        .receiver
        .wait_for("the activity's tracing span", LIMIT, |spans| {
            spans
                .iter()
                .any(|s| s.name == "activity" && s.events.iter().any(|e| e.contains(&key)))
                .then(|| spans.to_vec())
        })
        .await;
    let span = spans
        .iter()
        .find(|s| s.name == "activity" && s.events.iter().any(|e| e.contains(&key)))
        .expect("found above");
    assert_eq!(parent_of(&spans, span), "RunActivity:logged_echo", "{span:#?}");
    assert_eq!(span.events, vec![format!("charging {key}")]);
    assert_eq!(
        span.attributes.get("activity_type").map(String::as_str),
        Some("logged_echo")
    );
}
