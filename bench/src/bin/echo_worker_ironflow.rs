//! The benchmark's echo workload and cost-curve workflows (fan-out, sequential, parked) on
//! Ironflow, default worker options.
//!
//! ```text
//! echo-worker-ironflow worker --address 127.0.0.1:7233 --task-queue q   # prints `ready`, runs until killed
//! echo-worker-ironflow worker ... --otlp http://127.0.0.1:4317          # the same, telemetry on
//! echo-worker-ironflow worker ... --otlp URL --metrics false            # traces only (--traces false: metrics only)
//! echo-worker-ironflow worker ... --encrypt true                        # every payload AES-256-GCM encrypted
//! echo-worker-ironflow worker ... --max-cached 12000                    # a bigger workflow cache
//! echo-worker-ironflow replay --histories histories.bin                 # prints a JSON ReplayResult
//! ```

use ironflow::client::{Client, ConnectOptions};
use ironflow::replay::{ReplayInput, Replayer};
use ironflow::telemetry::{Telemetry, TracingInterceptor};
use ironflow::{
    Activity, ActivityContext, ActivityDefinition, Worker, Workflow, WorkflowContext, WorkflowResult,
};
use ironflow_bench::{
    ACTIVITY_TIMEOUT, ACTIVITY_TYPE, CURVE_PAYLOAD, FAN_OUT_TYPE, PARKED_TIMER, PARKED_TYPE, READY_LINE,
    ReplayResult, SEQUENTIAL_TYPE, TelemetryParts, WORKFLOW_TYPE, WorkerCommand,
};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Echo;

impl ActivityDefinition for Echo {
    const NAME: &'static str = ACTIVITY_TYPE;
    type Input = String;
    type Output = String;

    fn timeout() -> Option<Duration> {
        Some(ACTIVITY_TIMEOUT)
    }
}

impl Activity for Echo {
    type Error = std::convert::Infallible;

    async fn execute(&self, _ctx: ActivityContext, s: String) -> Result<String, Self::Error> {
        Ok(s)
    }
}

struct EchoWorkflow;

impl Workflow for EchoWorkflow {
    type Input = String;
    type Output = String;
    const NAME: &'static str = WORKFLOW_TYPE;

    async fn run(ctx: WorkflowContext, s: String) -> WorkflowResult<String> {
        Ok(ctx.activity::<Echo>(s).await?)
    }
}

/// `n` echo activities at once, [`ironflow_bench::FAN_OUT_CHUNK`] at a time.
struct FanOutWorkflow;

impl Workflow for FanOutWorkflow {
    type Input = u32;
    type Output = u32;
    const NAME: &'static str = FAN_OUT_TYPE;

    async fn run(ctx: WorkflowContext, n: u32) -> WorkflowResult<u32> {
        let start = |_| ctx.activity::<Echo>(CURVE_PAYLOAD.to_string());
        Ok(ironflow_bench::fan_out(n as usize, start, futures::future::join_all).await?)
    }
}

/// `n` echo activities one after another.
struct SequentialWorkflow;

impl Workflow for SequentialWorkflow {
    type Input = u32;
    type Output = u32;
    const NAME: &'static str = SEQUENTIAL_TYPE;

    async fn run(ctx: WorkflowContext, n: u32) -> WorkflowResult<u32> {
        for _ in 0..n {
            ctx.activity::<Echo>(CURVE_PAYLOAD.to_string()).await?;
        }
        Ok(n)
    }
}

/// Parks on a one-day timer (the idle-cost measurement keeps thousands of these cached).
struct ParkedWorkflow;

impl Workflow for ParkedWorkflow {
    type Input = ();
    type Output = ();
    const NAME: &'static str = PARKED_TYPE;

    async fn run(ctx: WorkflowContext, (): ()) -> WorkflowResult<()> {
        ctx.sleep(PARKED_TIMER).await?;
        Ok(())
    }
}

/// Registers the benchmark's four workflow types on a worker or replayer builder.
macro_rules! register_workflows {
    ($builder:expr) => {
        $builder
            .register_workflow::<EchoWorkflow>()
            .register_workflow::<FanOutWorkflow>()
            .register_workflow::<SequentialWorkflow>()
            .register_workflow::<ParkedWorkflow>()
    };
}

/// The worker; with `otlp`, as a user turns telemetry on: every workflow's and activity's spans
/// exported there (workflow spans recorded even though the benchmark's client sends no trace
/// context), Core's and Ironflow's metrics on a Prometheus endpoint.
async fn worker(
    address: &str,
    task_queue: &str,
    otlp: Option<&str>,
    parts: TelemetryParts,
    encrypt: bool,
    max_cached: Option<usize>,
) -> Result<(), String> {
    // TLS, API key and namespace from the environment / the CLI's profile; the address given.
    let mut options = ConnectOptions {
        address: address.to_string(),
        ..ConnectOptions::from_env().map_err(|e| e.to_string())?
    };
    if encrypt {
        options = options.data_converter(ironflow_bench::bench_encryption()?);
    }
    let mut interceptor = None;
    if let Some(endpoint) = otlp {
        let mut telemetry = Telemetry::builder().service_name("echo-worker-ironflow");
        if parts.metrics {
            telemetry = telemetry.prometheus(([127, 0, 0, 1], 0).into());
        }
        if parts.traces {
            telemetry = telemetry.otlp_traces(endpoint);
        }
        let telemetry = telemetry.build().map_err(|e| e.to_string())?;
        if parts.traces {
            let tracing =
                Arc::new(TracingInterceptor::new(telemetry.tracer()).always_create_workflow_spans());
            options = options.interceptor(tracing.clone());
            interceptor = Some(tracing);
        }
        options = options.telemetry(telemetry);
    }
    let client = Client::connect(options).await.map_err(|e| e.to_string())?;
    let mut builder = register_workflows!(Worker::builder(&client, task_queue)).register_activity(Echo);
    if let Some(n) = max_cached {
        builder = builder.max_cached_workflows(n);
    }
    if let Some(tracing) = interceptor {
        builder = builder.interceptor(tracing);
    }
    let worker = builder.build().map_err(|e| e.to_string())?;
    println!("{READY_LINE}");
    worker.run_until_signal().await.map_err(|e| e.to_string())
}

async fn replay(histories: &Path) -> Result<(), String> {
    let histories = ironflow_bench::read_histories(histories)?;
    let events = ironflow_bench::event_count(&histories);
    let inputs: Vec<ReplayInput> = histories
        .into_iter()
        .enumerate()
        .map(|(i, h)| ReplayInput::new(format!("history-{i}"), h))
        .collect();
    let count = inputs.len();
    let replayer = register_workflows!(Replayer::new());
    let start = Instant::now();
    let report = replayer.replay_all(inputs).await;
    let seconds = start.elapsed().as_secs_f64();
    let failures: Vec<String> = report
        .failures()
        .map(|r| format!("{}: {:?}", r.source, r.outcome))
        .collect();
    ReplayResult::print(count, events, seconds, &failures)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Eager vs normal starts from a client in the worker's process, one workflow at a time.
async fn eager(address: &str, task_queue: &str, n: usize) -> Result<(), String> {
    let client = Client::connect(ConnectOptions {
        address: address.to_string(),
        ..ConnectOptions::from_env().map_err(|e| e.to_string())?
    })
    .await
    .map_err(|e| e.to_string())?;
    let worker = Worker::builder(&client, task_queue)
        .register_workflow::<EchoWorkflow>()
        .register_activity(Echo)
        .build()
        .map_err(|e| e.to_string())?;
    let run = async {
        let mut normal = Vec::with_capacity(n);
        let mut eager = Vec::with_capacity(n);
        let mut started_eagerly = 0;
        // Warm up both paths, then alternate so both see the same server state.
        for i in 0..(n + 10) * 2 {
            let eager_start = i % 2 == 1;
            let options = ironflow::client::StartWorkflowOptions::new(format!("eager-{i}"), task_queue)
                .eager_start(eager_start);
            let t0 = Instant::now();
            let handle = client
                .start_workflow::<EchoWorkflow>("x".into(), options)
                .await
                .map_err(|e| e.to_string())?;
            handle.get_result().await.map_err(|e| e.to_string())?;
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            if i < 20 {
                continue;
            }
            if eager_start {
                started_eagerly += usize::from(handle.started_eagerly());
                eager.push(ms);
            } else {
                normal.push(ms);
            }
        }
        normal.sort_by(f64::total_cmp);
        eager.sort_by(f64::total_cmp);
        let result = ironflow_bench::EagerResult {
            n,
            normal_p50_ms: percentile(&normal, 50.0),
            eager_p50_ms: percentile(&eager, 50.0),
            normal_p99_ms: percentile(&normal, 99.0),
            eager_p99_ms: percentile(&eager, 99.0),
            started_eagerly,
        };
        println!("{}", serde_json::to_string(&result).map_err(|e| e.to_string())?);
        Ok::<(), String>(())
    };
    worker.run_until(run).await.map_err(|e| e.to_string())?
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match WorkerCommand::from_args() {
        Ok(WorkerCommand::Worker {
            address,
            task_queue,
            otlp,
            parts,
            encrypt,
            max_cached,
        }) => worker(&address, &task_queue, otlp.as_deref(), parts, encrypt, max_cached).await,
        Ok(WorkerCommand::Replay { histories }) => replay(&histories).await,
        Ok(WorkerCommand::Eager {
            address,
            task_queue,
            n,
        }) => eager(&address, &task_queue, n).await,
        Err(e) => Err(e),
    };
    ironflow_bench::exit_code("echo-worker-ironflow", result)
}
