//! The benchmark's echo workload and cost-curve workflows (fan-out, sequential, parked) on the official Temporal Rust SDK (`temporalio-sdk` 1.1.1),
//! written as its README and examples show, with default runtime and worker options.
//!
//! ```text
//! echo-worker-official worker --address 127.0.0.1:7233 --task-queue q   # prints `ready`, runs until killed
//! echo-worker-official replay --histories histories.bin                 # prints a JSON ReplayResult
//! ```

use ironflow_bench::{
    ACTIVITY_TIMEOUT, CURVE_PAYLOAD, PARKED_TIMER, READY_LINE, ReplayResult, WorkerCommand,
};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, WorkflowHistory};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};
use temporalio_sdk::{
    ActivityExecutionError, ActivityOptions, Runtime, Worker, WorkerOptions, WorkflowContext, WorkflowResult,
};

/// The echo activity as every workflow here runs it (start-to-close 30 s, like Ironflow's).
fn echo<W>(
    ctx: &WorkflowContext<W>,
    s: String,
) -> impl std::future::Future<Output = Result<String, ActivityExecutionError>> {
    ctx.execute_activity(
        EchoActivities::echo,
        s,
        ActivityOptions::start_to_close_timeout(ACTIVITY_TIMEOUT),
    )
}

#[workflow]
#[derive(Default)]
pub struct EchoWorkflow;

#[workflow_methods]
impl EchoWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, s: String) -> WorkflowResult<String> {
        Ok(echo(ctx, s).await?)
    }
}

/// `n` echo activities at once, [`ironflow_bench::FAN_OUT_CHUNK`] at a time.
#[workflow]
#[derive(Default)]
pub struct FanOutWorkflow;

#[workflow_methods]
impl FanOutWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        let start = |_| echo(ctx, CURVE_PAYLOAD.to_string());
        Ok(ironflow_bench::fan_out(n as usize, start, temporalio_sdk::workflows::join_all).await?)
    }
}

/// `n` echo activities one after another.
#[workflow]
#[derive(Default)]
pub struct SequentialWorkflow;

#[workflow_methods]
impl SequentialWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        for _ in 0..n {
            echo(ctx, CURVE_PAYLOAD.to_string()).await?;
        }
        Ok(n)
    }
}

/// Parks on a one-day timer (the idle-cost measurement keeps thousands of these cached).
#[workflow]
#[derive(Default)]
pub struct ParkedWorkflow;

#[workflow_methods]
impl ParkedWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.timer(PARKED_TIMER).await;
        Ok(())
    }
}

pub struct EchoActivities;

#[activities]
impl EchoActivities {
    // The official default name would be `EchoActivities::echo`; both SDKs use `echo`.
    #[activity(name = "echo")]
    pub async fn echo(_ctx: ActivityContext, s: String) -> Result<String, ActivityError> {
        Ok(s)
    }
}

fn url(address: &str) -> Result<url::Url, String> {
    let with_scheme = if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    };
    url::Url::parse(&with_scheme).map_err(|e| format!("bad address `{address}`: {e}"))
}

/// Registers the benchmark's four workflow types on worker or replayer options.
macro_rules! register_workflows {
    ($options:expr) => {
        $options
            .register_workflow::<EchoWorkflow>()
            .map_err(|e| e.to_string())?
            .register_workflow::<FanOutWorkflow>()
            .map_err(|e| e.to_string())?
            .register_workflow::<SequentialWorkflow>()
            .map_err(|e| e.to_string())?
            .register_workflow::<ParkedWorkflow>()
            .map_err(|e| e.to_string())?
    };
}

async fn worker(address: &str, task_queue: &str, max_cached: Option<usize>) -> Result<(), String> {
    let runtime = Runtime::from_current_tokio(Default::default()).map_err(|e| e.to_string())?;
    let connection = Connection::connect(ConnectionOptions::new(url(address)?).build())
        .await
        .map_err(|e| e.to_string())?;
    let client = Client::new(connection, ClientOptions::new("default").build()).map_err(|e| e.to_string())?;
    let options = register_workflows!(WorkerOptions::new(task_queue))
        .register_activities(EchoActivities)
        .maybe_max_cached_workflows(max_cached)
        .build();
    let mut worker = Worker::new(&runtime, client, options).map_err(|e| e.to_string())?;
    println!("{READY_LINE}");
    worker.run().await.map_err(|e| e.to_string())
}

async fn replay(histories: &Path) -> Result<(), String> {
    let histories = ironflow_bench::read_histories(histories)?;
    let events = ironflow_bench::event_count(&histories);
    let count = histories.len();
    let replayer = WorkflowReplayer::new(register_workflows!(WorkflowReplayerOptions::new()).build())
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let results = replayer
        .replay_workflows(histories.into_iter().map(WorkflowHistory::from))
        .await
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.replay_failure.as_ref().map(|f| f.to_string()))
        .collect();
    ReplayResult::print(count, events, seconds, &failures)
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match WorkerCommand::from_args() {
        Ok(WorkerCommand::Worker {
            address,
            task_queue,
            otlp: None,
            encrypt: false,
            max_cached,
            ..
        }) => worker(&address, &task_queue, max_cached).await,
        Ok(WorkerCommand::Worker { .. }) => {
            Err("--otlp, --encrypt: the official worker is only measured with neither".into())
        }
        Ok(WorkerCommand::Replay { histories }) => replay(&histories).await,
        Ok(WorkerCommand::Eager { .. }) => Err("eager: measured for Ironflow only".into()),
        Err(e) => Err(e),
    };
    ironflow_bench::exit_code("echo-worker-official", result)
}
