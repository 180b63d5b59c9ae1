//! Ironflow side by side with the official Temporal Rust SDK (`temporalio-sdk` 1.1.1), the Python
//! SDK (`temporalio`) and the TypeScript SDK (`@temporalio/worker`), in one run; all four run on
//! Temporal's Core. `--peers python,typescript` (default) picks the peers, `--peers none` skips them.
//!
//! ```text
//! bash scripts/bench.sh                       # builds in release mode and runs with the defaults
//! bash scripts/bench.sh --n 1000 --in-flight 100 --rounds 3 --payload 16 --replay-rounds 3 --telemetry true
//! bash scripts/bench.sh --telemetry-parts traces   # the telemetry worker with traces only (or metrics)
//! bash scripts/bench.sh curves                # cost curves, idle cost, payload sweep, cold start (curves.rs)
//! ```
//!
//! Table 1 (one dev server, started here unless `--address` is given): for R rounds, the workers
//! take turns (Ironflow, official, Python, TypeScript, ...), each in its own process on a fresh
//! task queue, on the same workload — `EchoWorkflow(s) -> s` running one activity `echo(s) -> s`
//! (start-to-close 30 s), JSON payloads — with N workflows, at most `in-flight` at once, after
//! `warmup` workflows. Per SDK: wf/s, client-side latency (start call to result) p50/p99, worker
//! CPU seconds for the measured batch, worker peak RSS (VmHWM: private memory plus the mapped
//! pages of the binary, which grow with its size) and peak private memory (RssAnon, sampled every
//! 100 ms), server CPU seconds, and the ratios
//! Ironflow/official with their min–max over rounds.
//!
//! With `--telemetry true` (the default) each round also runs the Ironflow worker with tracing
//! and metrics on (C): spans of every workflow and activity exported over OTLP/gRPC to a
//! receiver in this process, Core's and Ironflow's metrics on a Prometheus endpoint. It runs at
//! the same time as a telemetry-off Ironflow worker, each on its own task queue with half the
//! in-flight limit, and the telemetry table gives the ratios on / off of that pair. With `--encryption true` (the default) a fourth
//! worker (D) and the client driving it encrypt every payload (`EncryptionCodec`); a codec table
//! gives the codecs' throughput at 1 KiB and 1 MiB.
//!
//! Table 2 (no server): the N histories the official worker produced in round 1, replayed by
//! Ironflow's `Replayer` and by the official `WorkflowReplayer`, each in its own process.

mod curves;

use futures::StreamExt;
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::testing::DevServer;
use ironflow_bench::otlp_sink::OtlpSink;
use ironflow_bench::{Args, ProcStats, READY_LINE, ReplayResult, WORKFLOW_TYPE, proc_stats};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// A measured worker: an SDK, and for Ironflow whether telemetry is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sdk {
    Ironflow,
    Official,
    /// The Ironflow worker with tracing (every workflow's and activity's spans exported over
    /// OTLP to this process) and metrics (Core's and Ironflow's, Prometheus endpoint) on.
    IronflowTelemetry,
    /// The Ironflow worker with telemetry off, measured at the same time as
    /// [`Sdk::IronflowTelemetry`] (see `measure_telemetry_pair`).
    IronflowAlongside,
    /// The Ironflow worker (and the client driving it) encrypting every payload.
    IronflowEncrypted,
    /// The Python SDK (`temporalio`, on Core too) — `bench/peers/echo_worker.py`.
    Python,
    /// The TypeScript SDK (`@temporalio/worker`, on Core too) — `bench/peers/echo_worker.js`.
    TypeScript,
}

impl Sdk {
    const BOTH: [Sdk; 2] = [Sdk::Ironflow, Sdk::Official];

    fn name(self) -> &'static str {
        match self {
            Sdk::Ironflow => "ironflow",
            Sdk::Official => "official",
            Sdk::IronflowTelemetry => "ironflow+telemetry",
            Sdk::IronflowAlongside => "ironflow (alongside)",
            Sdk::IronflowEncrypted => "ironflow+encryption",
            Sdk::Python => "python",
            Sdk::TypeScript => "typescript",
        }
    }

    /// The name in task queues, workflow ids and log files.
    fn tag(self) -> &'static str {
        match self {
            Sdk::IronflowAlongside => "ironflow-alongside",
            _ => self.name(),
        }
    }

    /// The peers' worker programs (in `bench/peers/`).
    fn peer_script(self) -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers");
        match self {
            Sdk::Python => Some(dir.join("echo_worker.py")),
            Sdk::TypeScript => Some(dir.join("echo_worker.js")),
            _ => None,
        }
    }

    /// The command that runs this SDK's worker program.
    fn command(self) -> Command {
        match (self, self.peer_script()) {
            (Sdk::Python, Some(script)) => {
                let mut c = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
                c.arg(script);
                c
            }
            (Sdk::TypeScript, Some(script)) => {
                let mut c = Command::new("node");
                c.arg(script);
                c
            }
            _ => Command::new(self.binary()),
        }
    }

    /// Why this SDK's worker cannot run here, if it cannot.
    fn missing(self) -> Option<String> {
        match self {
            Sdk::Python => {
                let ok = self
                    .command()
                    .arg("--help")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                (!ok).then(|| "the Python SDK is not importable: `pip install temporalio` (scripts/setup.sh does)".into())
            }
            Sdk::TypeScript => {
                let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/node_modules/@temporalio/worker");
                (!modules.exists()).then(|| {
                    "the TypeScript SDK is not installed: `npm ci --prefix bench/peers` (scripts/bench.sh does)".into()
                })
            }
            _ => (!self.binary().exists()).then(|| {
                format!(
                    "{} is missing: build with `cargo build --release -p ironflow-bench` (or run `bash scripts/bench.sh`)",
                    self.binary().display()
                )
            }),
        }
    }

    /// The Rust worker binary (for the peers: their script, see [`Sdk::command`]).
    fn binary(self) -> PathBuf {
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("ironflow-bench"));
        let sdk = match self {
            Sdk::Official => "official",
            Sdk::Ironflow | Sdk::IronflowTelemetry | Sdk::IronflowAlongside | Sdk::IronflowEncrypted => {
                "ironflow"
            }
            Sdk::Python | Sdk::TypeScript => return self.peer_script().unwrap_or_default(),
        };
        exe.with_file_name(format!("echo-worker-{sdk}"))
    }
}

struct Settings {
    n: usize,
    in_flight: usize,
    rounds: usize,
    payload: usize,
    warmup: usize,
    replay_rounds: usize,
    telemetry: bool,
    /// Which parts the telemetry-on worker turns on.
    telemetry_parts: ironflow_bench::TelemetryParts,
    encryption: bool,
    /// The other SDKs measured next to Ironflow and the official Rust SDK.
    peers: Vec<Sdk>,
    /// Workflows per kind of start in the eager-start table (0: no table).
    eager: usize,
    address: Option<String>,
    out: PathBuf,
}

fn settings(args: &Args) -> Result<Settings, String> {
    if !args.command.is_empty() {
        return Err(format!(
            "unexpected argument `{}` (the one command is `curves`)",
            args.command
        ));
    }
    if let Some(e) = args.unknown(&[
        "n",
        "in-flight",
        "rounds",
        "payload",
        "warmup",
        "replay-rounds",
        "telemetry",
        "telemetry-parts",
        "encryption",
        "peers",
        "eager",
        "address",
        "out",
    ]) {
        return Err(e);
    }
    let s = Settings {
        n: args.get("n", 1000)?,
        in_flight: args.get("in-flight", 100)?,
        rounds: args.get("rounds", 3)?,
        payload: args.get("payload", 16)?,
        warmup: args.get("warmup", 20)?,
        replay_rounds: args.get("replay-rounds", 3)?,
        telemetry: args.get("telemetry", true)?,
        telemetry_parts: args.get("telemetry-parts", ironflow_bench::TelemetryParts::BOTH)?,
        encryption: args.get("encryption", true)?,
        eager: args.get("eager", 200)?,
        peers: args
            .get::<String>("peers", "python,typescript".into())?
            .split(',')
            .filter(|p| !p.is_empty() && *p != "none")
            .map(|p| match p {
                "python" => Ok(Sdk::Python),
                "typescript" => Ok(Sdk::TypeScript),
                other => Err(format!(
                    "--peers: unknown SDK `{other}` (python, typescript, none)"
                )),
            })
            .collect::<Result<_, _>>()?,
        address: args
            .get::<String>("address", String::new())
            .map(|a| (!a.is_empty()).then_some(a))?,
        out: args.get(
            "out",
            std::env::temp_dir().join(format!("ironflow-bench-{}", std::process::id())),
        )?,
    };
    if s.n == 0 || s.in_flight == 0 || s.rounds == 0 {
        return Err("--n, --in-flight and --rounds must be at least 1".into());
    }
    Ok(s)
}

/// The spans the telemetry-on worker records per echo workflow.
const SPANS_PER_WORKFLOW: u64 = 4;

/// A worker process, killed when dropped.
struct WorkerProcess {
    child: Child,
}

impl WorkerProcess {
    fn start(
        sdk: Sdk,
        address: &str,
        task_queue: &str,
        otlp: Option<(&str, ironflow_bench::TelemetryParts)>,
        extra: &[String],
        log: &Path,
    ) -> Result<Self, String> {
        if let Some(why) = sdk.missing() {
            return Err(why);
        }
        let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut command = sdk.command();
        command.args(["worker", "--address", address, "--task-queue", task_queue]);
        if let Some((endpoint, parts)) = otlp {
            command.args(["--otlp", endpoint]);
            command.args(["--traces", &parts.traces.to_string()]);
            command.args(["--metrics", &parts.metrics.to_string()]);
        }
        if sdk == Sdk::IronflowEncrypted {
            command.args(["--encrypt", "true"]);
        }
        command.args(extra);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("starting the {} worker: {e}", sdk.name()))?;
        let stdout = child.stdout.take().ok_or("no worker stdout")?;
        let mut worker = Self { child };
        // Blocking read of one line; the worker either prints it or exits (closing stdout).
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading from the {} worker: {e}", sdk.name()))?;
        if line.trim() != READY_LINE {
            let status = worker.child.try_wait().ok().flatten();
            let log_text = std::fs::read_to_string(log).unwrap_or_default();
            return Err(format!(
                "the {} worker did not start (exit {status:?}): {}",
                sdk.name(),
                log_text.trim()
            ));
        }
        Ok(worker)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Batch {
    seconds: f64,
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    workflow_ids: Vec<String>,
}

/// Runs `count` workflows with at most `in_flight` open; each latency is from the start call to
/// the result.
async fn run_batch(
    client: &Client,
    task_queue: &str,
    prefix: &str,
    count: usize,
    in_flight: usize,
    payload: &str,
) -> Batch {
    let start = Instant::now();
    let results: Vec<(String, Duration, Result<(), String>)> = futures::stream::iter(0..count)
        .map(|i| {
            let id = format!("{prefix}-{i}");
            async move {
                let t0 = Instant::now();
                let outcome = async {
                    let handle = client
                        .start_workflow_by_name::<&str, String>(
                            WORKFLOW_TYPE,
                            payload,
                            StartWorkflowOptions::new(id.clone(), task_queue),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                    let out = handle.get_result().await.map_err(|e| e.to_string())?;
                    if out == payload {
                        Ok(())
                    } else {
                        Err(format!("{id} returned {} bytes, not the input", out.len()))
                    }
                }
                .await;
                (id, t0.elapsed(), outcome)
            }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let seconds = start.elapsed().as_secs_f64();
    let mut batch = Batch {
        seconds,
        latencies: Vec::with_capacity(count),
        errors: 0,
        first_error: None,
        workflow_ids: Vec::with_capacity(count),
    };
    for (id, latency, outcome) in results {
        match outcome {
            Ok(()) => batch.latencies.push(latency),
            Err(e) => {
                batch.errors += 1;
                batch.first_error.get_or_insert(e);
            }
        }
        batch.workflow_ids.push(id);
    }
    batch.latencies.sort();
    batch
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

#[derive(Clone, Debug)]
struct Measured {
    sdk: Sdk,
    round: usize,
    wf_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    worker_cpu_s: f64,
    worker_peak_rss_mib: f64,
    worker_peak_anon_mib: f64,
    server_cpu_s: f64,
    errors: usize,
    /// Spans the sink received during the measured batch (telemetry on only).
    spans: Option<u64>,
}

/// A worker started and warmed up, its counters read just before its measured batch.
struct Started {
    sdk: Sdk,
    round: usize,
    task_queue: String,
    tag: String,
    worker: WorkerProcess,
    telemetry: Option<ironflow_bench::TelemetryParts>,
    spans_at_start: u64,
    worker_before: ProcStats,
    server_before: Option<ProcStats>,
    /// Private memory has no kernel-kept peak: sampled while the batch runs.
    peak_anon: std::sync::Arc<std::sync::atomic::AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
}

/// Starts `sdk`'s worker on a task queue of its own and runs its warm-up workflows.
async fn start_measured(
    s: &Settings,
    client: &Client,
    address: &str,
    server_pid: Option<u32>,
    sdk: Sdk,
    round: usize,
    sink: &OtlpSink,
) -> Result<Started, String> {
    let tag = format!("{}-r{round}-{}", sdk.tag(), std::process::id());
    let task_queue = format!("bench-{tag}");
    let telemetry = (sdk == Sdk::IronflowTelemetry).then_some(s.telemetry_parts);
    let otlp = telemetry.map(|parts| (sink.endpoint.as_str(), parts));
    let spans_at_start = sink.spans();
    let worker = WorkerProcess::start(
        sdk,
        address,
        &task_queue,
        otlp,
        &[],
        &s.out.join(format!("worker-{tag}.log")),
    )?;
    let payload = "x".repeat(s.payload);
    let warm = run_batch(
        client,
        &task_queue,
        &format!("warm-{tag}"),
        s.warmup,
        s.in_flight,
        &payload,
    )
    .await;
    if warm.errors > 0 {
        return Err(format!(
            "{} warm-up failed: {}",
            sdk.name(),
            warm.first_error.unwrap_or_default()
        ));
    }
    let server_before = server_pid.map(proc_stats).transpose()?;
    let worker_before = proc_stats(worker.pid())?;
    let pid = worker.pid();
    let peak_anon = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(worker_before.anon_rss_kib));
    let sampler = {
        let peak_anon = peak_anon.clone();
        tokio::spawn(async move {
            while let Ok(stats) = proc_stats(pid) {
                peak_anon.fetch_max(stats.anon_rss_kib, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    Ok(Started {
        sdk,
        round,
        task_queue,
        tag,
        worker,
        telemetry,
        spans_at_start,
        worker_before,
        server_before,
        peak_anon,
        sampler,
    })
}

/// The measured batch of a started worker, `in_flight` workflows open at most.
async fn measured_batch(s: &Settings, client: &Client, started: &Started, in_flight: usize) -> Batch {
    let payload = "x".repeat(s.payload);
    let prefix = format!("wf-{}", started.tag);
    run_batch(client, &started.task_queue, &prefix, s.n, in_flight, &payload).await
}

/// Reads the worker's counters after its batch (for the telemetry-on worker, once the batch's
/// spans have been exported) and stops it.
async fn finish_measured(
    s: &Settings,
    started: Started,
    batch: Batch,
    server_pid: Option<u32>,
    sink: &OtlpSink,
) -> Result<(Measured, Vec<String>), String> {
    started.sampler.abort();
    let mut spans = None;
    if started.telemetry.is_some_and(|parts| parts.traces) {
        // The exporter sends batches every 5 s: wait for the batch's spans (RunWorkflow,
        // StartActivity, RunActivity, CompleteWorkflow per workflow), so their export is part
        // of the CPU measured.
        let expected = SPANS_PER_WORKFLOW * (s.warmup + s.n) as u64;
        let deadline = Instant::now() + Duration::from_secs(15);
        while sink.spans() - started.spans_at_start < expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        spans = Some(sink.spans() - started.spans_at_start);
    }
    let worker_after = proc_stats(started.worker.pid())?;
    let server_after = server_pid.map(proc_stats).transpose()?;
    drop(started.worker);
    if let Some(e) = &batch.first_error {
        eprintln!(
            "  {} round {}: {} error(s), first: {e}",
            started.sdk.name(),
            started.round,
            batch.errors
        );
    }
    let server_cpu_s = match (started.server_before, server_after) {
        (Some(b), Some(a)) => a.cpu_seconds - b.cpu_seconds,
        _ => f64::NAN,
    };
    let m = Measured {
        sdk: started.sdk,
        round: started.round,
        wf_per_s: batch.latencies.len() as f64 / batch.seconds,
        p50_ms: percentile(&batch.latencies, 50.0),
        p99_ms: percentile(&batch.latencies, 99.0),
        worker_cpu_s: worker_after.cpu_seconds - started.worker_before.cpu_seconds,
        worker_peak_rss_mib: worker_after.peak_rss_kib as f64 / 1024.0,
        worker_peak_anon_mib: started
            .peak_anon
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(worker_after.anon_rss_kib) as f64
            / 1024.0,
        server_cpu_s,
        errors: batch.errors,
        spans,
    };
    Ok((m, batch.workflow_ids))
}

/// One worker alone: started, warmed up, one batch of `n` workflows.
async fn measure(
    s: &Settings,
    client: &Client,
    address: &str,
    server_pid: Option<u32>,
    sdk: Sdk,
    round: usize,
    sink: &OtlpSink,
) -> Result<(Measured, Vec<String>), String> {
    let started = start_measured(s, client, address, server_pid, sdk, round, sink).await?;
    let batch = measured_batch(s, client, &started, s.in_flight).await;
    finish_measured(s, started, batch, server_pid, sink).await
}

/// The telemetry-on worker and a telemetry-off one measured side by side, over the same
/// seconds: both batches run at once, each with half the in-flight limit, so a machine whose
/// speed drifts between one batch and the next (a shared VM's does, by ±10 %) slows both alike
/// and the on/off ratio measures telemetry, not the drift. The server's CPU is shared, so it is
/// not reported for these two.
async fn measure_telemetry_pair(
    s: &Settings,
    client: &Client,
    address: &str,
    round: usize,
    sink: &OtlpSink,
) -> Result<[Measured; 2], String> {
    let mut off = start_measured(s, client, address, None, Sdk::IronflowAlongside, round, sink).await?;
    let on = start_measured(s, client, address, None, Sdk::IronflowTelemetry, round, sink).await?;
    // The off worker idled while the on worker started and warmed up: count from here.
    off.worker_before = proc_stats(off.worker.pid())?;
    let in_flight = (s.in_flight / 2).max(1);
    let (off_batch, on_batch) = tokio::join!(
        measured_batch(s, client, &off, in_flight),
        measured_batch(s, client, &on, in_flight)
    );
    // The off worker's counters first: the on worker's wait for its spans' export is its own.
    let (off, _) = finish_measured(s, off, off_batch, None, sink).await?;
    let (on, _) = finish_measured(s, on, on_batch, None, sink).await?;
    Ok([on, off])
}

fn replay_once(sdk: Sdk, histories: &Path) -> Result<ReplayResult, String> {
    let out = Command::new(sdk.binary())
        .args(["replay", "--histories"])
        .arg(histories)
        .output()
        .map_err(|e| format!("running the {} replayer: {e}", sdk.name()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the {} replayer failed: {}",
            sdk.name(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("the {} replayer printed no result: {stdout}", sdk.name()))?;
    serde_json::from_str(line).map_err(|e| format!("the {} replayer's result: {e}: {line}", sdk.name()))
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One row per SDK: the median over rounds of each measure.
fn print_side_by_side(rows: &[Measured]) {
    println!("\n### Every SDK side by side (median over rounds)\n");
    println!(
        "| SDK | wf/s | p50 ms | p99 ms | worker CPU s | worker peak RSS MiB | worker peak private MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for sdk in [Sdk::Ironflow, Sdk::Official, Sdk::Python, Sdk::TypeScript] {
        let of = |f: fn(&Measured) -> f64| median(rows.iter().filter(|m| m.sdk == sdk).map(f).collect());
        if !rows.iter().any(|m| m.sdk == sdk) {
            continue;
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            sdk.name(),
            show(of(|m| m.wf_per_s), 1),
            show(of(|m| m.p50_ms), 0),
            show(of(|m| m.p99_ms), 0),
            show(of(|m| m.worker_cpu_s), 2),
            show(of(|m| m.worker_peak_rss_mib), 1),
            show(of(|m| m.worker_peak_anon_mib), 1),
        );
    }
}

fn print_worker_table(rows: &[Measured], rounds: usize) {
    println!("\n### Workers: {rounds} rounds, same dev server\n");
    println!(
        "| round | SDK | wf/s | p50 ms | p99 ms | worker CPU s | worker peak RSS MiB | worker peak private MiB | server CPU s | errors |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for m in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.round,
            m.sdk.name(),
            show(m.wf_per_s, 1),
            show(m.p50_ms, 0),
            show(m.p99_ms, 0),
            show(m.worker_cpu_s, 2),
            show(m.worker_peak_rss_mib, 1),
            show(m.worker_peak_anon_mib, 1),
            show(m.server_cpu_s, 1),
            m.errors
        );
    }
    let metrics: [Metric; 7] = [
        ("wf/s", |m| m.wf_per_s, "≥ 1.0"),
        ("p50 latency", |m| m.p50_ms, ""),
        ("p99 latency", |m| m.p99_ms, "≤ 1.0"),
        ("worker CPU per batch", |m| m.worker_cpu_s, "≤ 0.8"),
        ("worker peak RSS", |m| m.worker_peak_rss_mib, "≤ 1.0"),
        ("worker peak private memory", |m| m.worker_peak_anon_mib, "≤ 1.0"),
        ("server CPU per batch", |m| m.server_cpu_s, ""),
    ];
    println!("\n### Ratios Ironflow / official (per round, paired)\n");
    print_ratios(rows, Sdk::Ironflow, Sdk::Official, &metrics);
    print_side_by_side(rows);
    for peer in [Sdk::Python, Sdk::TypeScript] {
        if rows.iter().any(|m| m.sdk == peer) {
            println!("\n### Ratios Ironflow / {} (per round, paired)\n", peer.name());
            let no_targets: Vec<Metric> = metrics.iter().map(|(n, f, _)| (*n, *f, "")).collect();
            print_ratios(rows, Sdk::Ironflow, peer, &no_targets);
        }
    }
    if rows.iter().any(|m| m.sdk == Sdk::IronflowTelemetry) {
        let spans: Vec<String> = rows
            .iter()
            .filter_map(|m| m.spans)
            .map(|n| n.to_string())
            .collect();
        println!("\n### Telemetry overhead: Ironflow with tracing + metrics on / off (per round, paired)\n");
        println!(
            "On: every workflow's and activity's spans exported over OTLP/gRPC to a receiver in the \
             benchmark process ({SPANS_PER_WORKFLOW} per workflow; received per round, warm-up \
             included: {}), Core's and Ironflow's metrics recorded for a Prometheus endpoint. Off: \
             the same worker without them. The two run their batches at the same time, each with \
             half the in-flight limit, so both see the same machine.\n",
            spans.join(", ")
        );
        let overhead: [Metric; 5] = [
            ("wf/s", |m| m.wf_per_s, ""),
            ("p99 latency", |m| m.p99_ms, ""),
            ("worker CPU per batch", |m| m.worker_cpu_s, "≤ 1.10"),
            ("worker peak RSS", |m| m.worker_peak_rss_mib, ""),
            ("worker peak private memory", |m| m.worker_peak_anon_mib, ""),
        ];
        print_ratios(rows, Sdk::IronflowTelemetry, Sdk::IronflowAlongside, &overhead);
    }
    if rows.iter().any(|m| m.sdk == Sdk::IronflowEncrypted) {
        println!(
            "\n### Encryption overhead: Ironflow with every payload encrypted / not (per round, paired)\n"
        );
        println!(
            "On: the worker and the client driving it encrypt every payload with AES-256-GCM \
             (`EncryptionCodec`); the echo workflow's input, the activity's input and result and \
             the workflow's result cross the codec.\n"
        );
        let overhead: [Metric; 4] = [
            ("wf/s", |m| m.wf_per_s, ""),
            ("p99 latency", |m| m.p99_ms, ""),
            ("worker CPU per batch", |m| m.worker_cpu_s, ""),
            ("worker peak private memory", |m| m.worker_peak_anon_mib, ""),
        ];
        print_ratios(rows, Sdk::IronflowEncrypted, Sdk::Ironflow, &overhead);
    }
}

type Metric = (&'static str, fn(&Measured) -> f64, &'static str);

/// Encode + decode throughput of the codecs, in this process, on 1 KiB and 1 MiB payloads of
/// JSON text (compressible) and of random bytes (not).
fn print_codec_table() {
    use ironflow::codec::{EncryptionCodec, PayloadCodec, ZlibCodec};
    use ironflow::converter::Payload;
    fn payload(size: usize, random: bool) -> Payload {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let data: Vec<u8> = if random {
            (0..size)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        } else {
            br#"{"order":"order-7","items":[1,2,3],"paid":true},"#
                .iter()
                .copied()
                .cycle()
                .take(size)
                .collect()
        };
        Payload {
            metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(),
            data,
            ..Default::default()
        }
    }
    /// MB/s of encode, then decode, over `total` bytes in payloads of `size`.
    fn measure<C: PayloadCodec>(codec: &C, size: usize, random: bool) -> (f64, f64) {
        let total = 64 * 1024 * 1024;
        let batch: Vec<Payload> = (0..(total / size).max(1))
            .map(|_| payload(size, random))
            .collect();
        let bytes = (batch.len() * size) as f64 / 1e6;
        // The codecs are CPU-bound futures that never wait: poll them here, off the runtime.
        let started = Instant::now();
        let encoded = futures::executor::block_on(codec.encode(batch));
        let encode_s = started.elapsed().as_secs_f64();
        let Ok(encoded) = encoded else {
            return (f64::NAN, f64::NAN);
        };
        let started = Instant::now();
        let decoded = futures::executor::block_on(codec.decode(encoded));
        let decode_s = started.elapsed().as_secs_f64();
        match decoded {
            Ok(_) => (bytes / encode_s, bytes / decode_s),
            Err(_) => (f64::NAN, f64::NAN),
        }
    }
    let Ok(encryption) = EncryptionCodec::new(ironflow_bench::BENCH_KEY_ID, &ironflow_bench::BENCH_KEY)
    else {
        return;
    };
    let zlib = ZlibCodec::new();
    println!("\n### Codecs: throughput in this process, 64 MB per row, one thread\n");
    println!("| codec | payload size | data | encode MB/s | decode MB/s |");
    println!("|---|---:|---|---:|---:|");
    for (size, label) in [(1024, "1 KiB"), (1024 * 1024, "1 MiB")] {
        for random in [false, true] {
            let data = if random { "random bytes" } else { "JSON text" };
            let (e, d) = measure(&encryption, size, random);
            println!(
                "| AES-256-GCM (EncryptionCodec) | {label} | {data} | {} | {} |",
                show(e, 0),
                show(d, 0)
            );
            let (e, d) = measure(&zlib, size, random);
            println!(
                "| zlib (ZlibCodec) | {label} | {data} | {} | {} |",
                show(e, 0),
                show(d, 0)
            );
        }
    }
}

/// One row per metric: the medians of `a` and `b`, and the median and range of the per-round
/// ratios a / b.
fn print_ratios(rows: &[Measured], a: Sdk, b: Sdk, metrics: &[Metric]) {
    println!(
        "| metric | median {} | median {} | ratio (median of rounds) | min–max | target |",
        a.name(),
        b.name()
    );
    println!("|---|---:|---:|---:|---:|---|");
    let rounds: Vec<usize> = {
        let mut r: Vec<usize> = rows.iter().map(|m| m.round).collect();
        r.dedup();
        r
    };
    for (name, f, target) in metrics {
        let of = |sdk: Sdk| -> Vec<f64> { rows.iter().filter(|m| m.sdk == sdk).map(f).collect() };
        let ratios: Vec<f64> = rounds
            .iter()
            .filter_map(|&r| {
                let x = rows.iter().find(|m| m.round == r && m.sdk == a)?;
                let y = rows.iter().find(|m| m.round == r && m.sdk == b)?;
                Some(f(x) / f(y))
            })
            .collect();
        let (lo, hi) = min_max(ratios.iter().copied());
        println!(
            "| {name} | {} | {} | **{}** | {}–{} | {target} |",
            show(median(of(a)), 2),
            show(median(of(b)), 2),
            show(median(ratios.clone()), 2),
            show(lo, 2),
            show(hi, 2),
        );
    }
}

/// A number with `decimals` places, or `n/a` when it could not be measured (for example the
/// server's CPU when `--address` points at a server this process did not start).
fn show(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "n/a".to_string()
    }
}

/// Eager workflow start: an Ironflow client and worker in one process, one workflow at a time.
fn print_eager_table(address: &str, n: usize) -> Result<(), String> {
    let out = Command::new(Sdk::Ironflow.binary())
        .args(["eager", "--address", address, "--task-queue"])
        .arg(format!("bench-eager-{}", std::process::id()))
        .args(["--n", &n.to_string()])
        .output()
        .map_err(|e| format!("running the eager-start measurement: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the eager-start measurement failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("the eager-start measurement printed no result: {stdout}"))?;
    let r: ironflow_bench::EagerResult =
        serde_json::from_str(line).map_err(|e| format!("the eager-start result: {e}: {line}"))?;
    println!(
        "\n### Eager workflow start: client and worker in one process, {n} workflows each way, one at a time\n"
    );
    println!("| start | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| normal | {} | {} |",
        show(r.normal_p50_ms, 1),
        show(r.normal_p99_ms, 1)
    );
    println!(
        "| eager ({} of {} answered with the first task) | {} | {} |",
        r.started_eagerly,
        r.n,
        show(r.eager_p50_ms, 1),
        show(r.eager_p99_ms, 1)
    );
    println!(
        "\np50 ratio eager / normal: {}",
        show(r.eager_p50_ms / r.normal_p50_ms, 2)
    );
    Ok(())
}

fn print_replay_table(results: &[(Sdk, usize, ReplayResult)]) {
    println!("\n### Replay: the same recorded histories, no server\n");
    println!("| round | SDK | histories | events | seconds | events/s | failures |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (sdk, round, r) in results {
        println!(
            "| {round} | {} | {} | {} | {:.3} | {:.0} | {} |",
            sdk.name(),
            r.histories,
            r.events,
            r.seconds,
            r.events as f64 / r.seconds,
            r.failures
        );
    }
    let rate = |sdk: Sdk, round: usize| {
        results
            .iter()
            .find(|(s, r, _)| *s == sdk && *r == round)
            .map(|(_, _, r)| r.events as f64 / r.seconds)
    };
    let ratios: Vec<f64> = results
        .iter()
        .filter(|(s, ..)| *s == Sdk::Ironflow)
        .filter_map(|(_, round, _)| Some(rate(Sdk::Ironflow, *round)? / rate(Sdk::Official, *round)?))
        .collect();
    let (lo, hi) = min_max(ratios.iter().copied());
    println!(
        "\nReplay events/s, Ironflow / official: **{:.2}** (min–max {lo:.2}–{hi:.2}; target ≥ 1.5)",
        median(ratios)
    );
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or("?".into(), |kb| format!("{} GiB", kb / (1 << 20)));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cpu}, {cores} CPU(s), {mem} RAM, load average {}",
        load.join(" ")
    )
}

async fn run(s: Settings) -> Result<(), String> {
    std::fs::create_dir_all(&s.out).map_err(|e| format!("{}: {e}", s.out.display()))?;
    for sdk in Sdk::BOTH.iter().chain(&s.peers) {
        if let Some(why) = sdk.missing() {
            return Err(why);
        }
    }
    println!(
        "## Ironflow vs official Temporal Rust SDK 1.1.1 (both on Core 0.10.1), Python and TypeScript SDKs\n"
    );
    println!("- machine: {}", machine());
    let mut order: Vec<&str> = Sdk::BOTH.iter().chain(&s.peers).map(|sdk| sdk.name()).collect();
    if s.telemetry {
        order.push(Sdk::IronflowTelemetry.name());
    }
    if s.encryption {
        order.push(Sdk::IronflowEncrypted.name());
    }
    println!(
        "- workload: EchoWorkflow + echo activity, {}-byte JSON string, N={} per batch, ≤{} in flight, {} warm-up workflows, {} round(s) of: {}; each SDK's default worker settings",
        s.payload,
        s.n,
        s.in_flight,
        s.warmup,
        s.rounds,
        order.join(", ")
    );
    let dev;
    let (address, server_pid) = match &s.address {
        Some(a) => (a.clone(), None),
        None => {
            dev = DevServer::start().await.map_err(|e| e.to_string())?;
            (dev.address().to_string(), Some(dev.pid()))
        }
    };
    println!(
        "- server: {}",
        if server_pid.is_some() {
            format!("local dev server (temporal server start-dev, SQLite) at {address}, started for this run")
        } else {
            format!("{address} (given; its CPU is not measured)")
        }
    );
    // The connection settings (TLS, API key, namespace) come from the environment and the CLI's
    // profile, as for every Ironflow program; the address is the one measured.
    let options = ironflow::client::ConnectOptions {
        address: address.clone(),
        ..ironflow::client::ConnectOptions::from_env().map_err(|e| e.to_string())?
    };
    let client = Client::connect(options.clone())
        .await
        .map_err(|e| e.to_string())?;
    let encrypting_client = Client::connect(options.data_converter(ironflow_bench::bench_encryption()?))
        .await
        .map_err(|e| e.to_string())?;
    print_codec_table();

    let sink = OtlpSink::start().await?;
    let mut measured = Sdk::BOTH.to_vec();
    measured.extend(&s.peers);
    if s.telemetry {
        measured.push(Sdk::IronflowTelemetry);
    }
    if s.encryption {
        measured.push(Sdk::IronflowEncrypted);
    }
    let mut rows = Vec::new();
    let mut recorded: Option<Vec<String>> = None;
    for round in 1..=s.rounds {
        for &sdk in &measured {
            let report = |m: &Measured| {
                eprintln!(
                    "  {}: {:.1} wf/s, p99 {:.0} ms, worker CPU {:.2} s, RSS {:.1} MiB",
                    m.sdk.name(),
                    m.wf_per_s,
                    m.p99_ms,
                    m.worker_cpu_s,
                    m.worker_peak_rss_mib
                )
            };
            if sdk == Sdk::IronflowTelemetry {
                eprintln!(
                    "round {round}/{}: {} and {} workers at once ...",
                    s.rounds,
                    sdk.name(),
                    Sdk::IronflowAlongside.name()
                );
                for m in measure_telemetry_pair(&s, &client, &address, round, &sink).await? {
                    report(&m);
                    rows.push(m);
                }
                continue;
            }
            eprintln!("round {round}/{}: {} worker ...", s.rounds, sdk.name());
            let driver = if sdk == Sdk::IronflowEncrypted {
                &encrypting_client
            } else {
                &client
            };
            let (m, ids) = measure(&s, driver, &address, server_pid, sdk, round, &sink).await?;
            report(&m);
            if sdk == Sdk::Official && recorded.is_none() {
                recorded = Some(ids);
            }
            rows.push(m);
        }
    }
    print_worker_table(&rows, s.rounds);
    if s.telemetry && s.telemetry_parts != ironflow_bench::TelemetryParts::BOTH {
        println!(
            "\n(The telemetry-on worker ran with traces {} and metrics {}: `--telemetry-parts`.)",
            if s.telemetry_parts.traces { "on" } else { "off" },
            if s.telemetry_parts.metrics { "on" } else { "off" }
        );
    }
    if s.eager > 0 {
        eprintln!("eager workflow start: {} workflows each way ...", s.eager);
        print_eager_table(&address, s.eager)?;
    }

    if s.replay_rounds > 0 {
        let ids = recorded.unwrap_or_default();
        eprintln!("fetching {} histories for the replay table ...", ids.len());
        let handles: Vec<_> = ids
            .iter()
            .map(|id| client.workflow_handle::<String>(id.clone(), None))
            .collect();
        let histories: Vec<_> = futures::stream::iter(handles.iter().map(|h| h.fetch_history()))
            .buffered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let file = s.out.join("histories.bin");
        ironflow_bench::write_histories(&file, &histories)?;
        let mut results = Vec::new();
        for round in 1..=s.replay_rounds {
            for sdk in Sdk::BOTH {
                let r = replay_once(sdk, &file)?;
                if r.failures > 0 {
                    return Err(format!(
                        "the {} replayer rejected {} of {} histories: {}",
                        sdk.name(),
                        r.failures,
                        r.histories,
                        r.first_failure.clone().unwrap_or_default()
                    ));
                }
                results.push((sdk, round, r));
            }
        }
        print_replay_table(&results);
    }
    println!("\nWorker logs and the recorded histories: {}", s.out.display());
    Ok(())
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ironflow-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let curves = args.command == "curves";
    let settings = match (curves, settings(&args)) {
        (true, _) => None,
        (false, Ok(s)) => Some(s),
        (false, Err(e)) => {
            eprintln!("ironflow-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ironflow-bench: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let job = async {
        match settings {
            Some(s) => run(s).await,
            None => curves::run(&args).await,
        }
    };
    match runtime.block_on(job) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ironflow-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
