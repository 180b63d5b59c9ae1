//! Cost curves: how each Rust SDK's cost grows with the work, every point side by side.
//!
//! ```text
//! bash scripts/bench.sh curves                                  # the defaults below
//! bash scripts/bench.sh curves --fan-out 100,1000 --sequential 100 --parked 1000 \
//!     --payloads 16,1048576 --cold-starts 3 --svg docs/performance-curves.svg
//! ```
//!
//! - **fan-out** (`--fan-out`, activities per workflow): one `FanOutWorkflow(n)` running `n` echo
//!   activities at once ([`ironflow_bench::fan_out`], chunks of 2000, the server's pending-activity
//!   limit), and **sequential** (`--sequential`): one `SequentialWorkflow(n)` running them one
//!   after another. Per point and SDK, a fresh worker process: live time (start call to result),
//!   worker CPU, worker peak RSS; then the official worker's history is replayed by both
//!   replayers (copied until a replay covers `--replay-events` events, time per history).
//! - **idle** (`--parked`): that many `ParkedWorkflow`s (a one-day timer) parked in a worker whose
//!   cache holds them all: private memory per cached workflow, and idle CPU over 20 s.
//! - **payload sweep** (`--payloads`, bytes): the echo workload at each size, `--payload-bytes`
//!   of payload per point (at least 20 and at most 400 workflows, 20 in flight): workflows per
//!   second, payload MB/s and worker CPU per workflow.
//! - **cold start** (`--cold-starts` times per SDK): a workflow is waiting on a fresh task queue;
//!   the worker process is started: time to its `ready` line (connected, worker built, about to
//!   poll) and to the workflow's result at the client.
//!
//! Tables go to stdout; `--svg` also draws the fan-out and sequential curves.

use super::{Sdk, WorkerProcess, median, replay_once, run_batch, show};
use futures::StreamExt;
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::testing::DevServer;
use ironflow_bench::{Args, FAN_OUT_TYPE, PARKED_TYPE, SEQUENTIAL_TYPE, WORKFLOW_TYPE, proc_stats};
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Settings {
    fan_out: Vec<usize>,
    sequential: Vec<usize>,
    parked: usize,
    payloads: Vec<usize>,
    payload_bytes: usize,
    cold_starts: usize,
    replay_events: usize,
    address: Option<String>,
    out: PathBuf,
    svg: Option<PathBuf>,
}

fn list(args: &Args, name: &str, default: &str) -> Result<Vec<usize>, String> {
    args.get::<String>(name, default.into())?
        .split(',')
        .filter(|v| !v.is_empty() && *v != "none")
        .map(|v| v.parse().map_err(|e| format!("--{name}: `{v}`: {e}")))
        .collect()
}

fn settings(args: &Args) -> Result<Settings, String> {
    if let Some(e) = args.unknown(&[
        "fan-out",
        "sequential",
        "parked",
        "payloads",
        "payload-bytes",
        "cold-starts",
        "replay-events",
        "address",
        "out",
        "svg",
    ]) {
        return Err(e);
    }
    let s = Settings {
        // 16 000 activities exceed the server's 51 200-event history limit (the run is
        // terminated): with WorkflowTask events, 8000 make ~25 000 events.
        fan_out: list(args, "fan-out", "100,500,1000,2000,4000,8000")?,
        sequential: list(args, "sequential", "100,500,1000,2000")?,
        parked: args.get("parked", 10_000)?,
        payloads: list(args, "payloads", "16,1024,65536,1048576")?,
        payload_bytes: args.get("payload-bytes", 50 << 20)?,
        cold_starts: args.get("cold-starts", 5)?,
        replay_events: args.get("replay-events", 100_000)?,
        address: args
            .get::<String>("address", String::new())
            .map(|a| (!a.is_empty()).then_some(a))?,
        out: args.get(
            "out",
            std::env::temp_dir().join(format!("ironflow-curves-{}", std::process::id())),
        )?,
        svg: args
            .get::<String>("svg", String::new())
            .map(|p| (!p.is_empty()).then(|| PathBuf::from(p)))?,
    };
    if s.fan_out.contains(&0) || s.sequential.contains(&0) || s.payloads.contains(&0) {
        return Err("sizes must be at least 1".into());
    }
    Ok(s)
}

/// What a plot panel shows of a point.
type Measure = fn(&Point) -> f64;

/// One point of the fan-out or sequential curve, for one SDK.
#[derive(Clone, Debug)]
struct Point {
    sdk: Sdk,
    kind: &'static str,
    n: usize,
    events: usize,
    live_s: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
    replay_ms: f64,
}

struct Bench<'a> {
    s: &'a Settings,
    client: &'a Client,
    address: &'a str,
    tag: u32,
}

impl Bench<'_> {
    fn worker(&self, sdk: Sdk, name: &str, extra: &[String]) -> Result<(WorkerProcess, String), String> {
        let queue = format!("curve-{name}-{}-{}", sdk.name(), self.tag);
        let log = self.s.out.join(format!("worker-{queue}.log"));
        Ok((
            WorkerProcess::start(sdk, self.address, &queue, None, extra, &log)?,
            queue,
        ))
    }

    /// Runs one `workflow_type(n)` on a fresh worker of `sdk`; returns its point (no replay
    /// yet) and the workflow id.
    async fn live(
        &self,
        sdk: Sdk,
        kind: &'static str,
        workflow_type: &str,
        n: usize,
    ) -> Result<(Point, String), String> {
        let (worker, queue) = self.worker(sdk, &format!("{kind}-{n}"), &[])?;
        let id = format!("{queue}-wf");
        let before = proc_stats(worker.pid())?;
        let started = Instant::now();
        let handle = self
            .client
            .start_workflow_by_name::<u32, u32>(
                workflow_type,
                u32::try_from(n).map_err(|_| format!("{n} is too large"))?,
                StartWorkflowOptions::new(id.clone(), &queue),
            )
            .await
            .map_err(|e| format!("{kind} {n} on {}: {e}", sdk.name()))?;
        let done = handle
            .get_result()
            .await
            .map_err(|e| format!("{kind} {n} on {}: {e}", sdk.name()))?;
        let live_s = started.elapsed().as_secs_f64();
        let after = proc_stats(worker.pid())?;
        if done as usize != n {
            return Err(format!(
                "{kind} {n} on {}: {done} activities completed",
                sdk.name()
            ));
        }
        let point = Point {
            sdk,
            kind,
            n,
            events: 0,
            live_s,
            cpu_s: after.cpu_seconds - before.cpu_seconds,
            peak_rss_mib: after.peak_rss_kib as f64 / 1024.0,
            replay_ms: f64::NAN,
        };
        Ok((point, id))
    }

    /// A curve: every size on both SDKs, then the official run's history replayed by both.
    async fn curve(
        &self,
        kind: &'static str,
        workflow_type: &str,
        sizes: &[usize],
    ) -> Result<Vec<Point>, String> {
        let mut points = Vec::new();
        for &n in sizes {
            let mut pair = Vec::new();
            let mut recorded = None;
            // Alternate which SDK goes first, so neither always meets the server's state first.
            let order = if points.len() % 4 == 0 {
                Sdk::BOTH
            } else {
                [Sdk::Official, Sdk::Ironflow]
            };
            for sdk in order {
                eprintln!("{kind} n={n}: {} worker ...", sdk.name());
                let (p, id) = self.live(sdk, kind, workflow_type, n).await?;
                eprintln!(
                    "  live {:.2} s, worker CPU {:.2} s, peak RSS {:.1} MiB",
                    p.live_s, p.cpu_s, p.peak_rss_mib
                );
                if sdk == Sdk::Official {
                    recorded = Some(id);
                }
                pair.push(p);
            }
            let id = recorded.ok_or("no official run")?;
            let history = self
                .client
                .workflow_handle::<u32>(id, None)
                .fetch_history()
                .await
                .map_err(|e| e.to_string())?;
            let events = history.events.len();
            let copies = (self.s.replay_events / events.max(1)).max(1);
            let file = self.s.out.join(format!("{kind}-{n}.bin"));
            ironflow_bench::write_histories(&file, &vec![history; copies])?;
            for p in &mut pair {
                let r = replay_once(p.sdk, &file)?;
                if r.failures > 0 {
                    return Err(format!(
                        "{kind} {n}: the {} replayer rejected the history: {}",
                        p.sdk.name(),
                        r.first_failure.unwrap_or_default()
                    ));
                }
                p.events = events;
                p.replay_ms = r.seconds * 1000.0 / copies as f64;
            }
            points.extend(pair);
        }
        Ok(points)
    }

    /// `parked` workflows parked in one worker's cache: KiB of private memory per cached
    /// workflow, and idle CPU (ms per second) once they all wait.
    async fn idle(&self, sdk: Sdk) -> Result<(f64, f64, f64), String> {
        let n = self.s.parked;
        let extra = ["--max-cached".to_string(), (n + 200).to_string()];
        let (worker, queue) = self.worker(sdk, "parked", &extra)?;
        // Warm the worker's paths with a few, then take the baseline.
        self.park(&queue, "warm", 50).await?;
        let baseline = proc_stats(worker.pid())?;
        let started = Instant::now();
        self.park(&queue, "wf", n).await?;
        let park_s = started.elapsed().as_secs_f64();
        let parked = proc_stats(worker.pid())?;
        let window = Duration::from_secs(20);
        tokio::time::sleep(window).await;
        let after = proc_stats(worker.pid())?;
        let kib_per_wf = (parked.anon_rss_kib as f64 - baseline.anon_rss_kib as f64) / n as f64;
        let idle_cpu_ms_per_s = (after.cpu_seconds - parked.cpu_seconds) * 1000.0 / window.as_secs_f64();
        Ok((kib_per_wf, idle_cpu_ms_per_s, n as f64 / park_s))
    }

    /// Starts `n` parked workflows and waits until each has recorded its timer (its first
    /// workflow task completed, so the worker caches it).
    async fn park(&self, queue: &str, prefix: &str, n: usize) -> Result<(), String> {
        let client = self.client;
        let ids: Vec<String> = (0..n).map(|i| format!("{queue}-{prefix}-{i}")).collect();
        let results: Vec<Result<(), String>> = futures::stream::iter(ids.iter().cloned())
            .map(|id| async move {
                client
                    .start_workflow_by_name::<(), ()>(PARKED_TYPE, (), StartWorkflowOptions::new(id, queue))
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
            .buffer_unordered(100)
            .collect()
            .await;
        results.into_iter().collect::<Result<(), String>>()?;
        // WorkflowExecutionStarted, WorkflowTaskScheduled/Started/Completed, TimerStarted.
        let deadline = Instant::now() + Duration::from_secs(600);
        let mut waiting = ids;
        while !waiting.is_empty() {
            if Instant::now() > deadline {
                return Err(format!(
                    "{} parked workflows never recorded their timer",
                    waiting.len()
                ));
            }
            let lengths: Vec<(String, i64)> = futures::stream::iter(waiting)
                .map(|id| async move {
                    let length = client
                        .workflow_handle::<()>(id.clone(), None)
                        .describe()
                        .await
                        .map_or(0, |d| d.history_length);
                    (id, length)
                })
                .buffer_unordered(50)
                .collect()
                .await;
            waiting = lengths
                .into_iter()
                .filter(|(_, l)| *l < 5)
                .map(|(id, _)| id)
                .collect();
            if !waiting.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Ok(())
    }

    /// The echo workload at `size` bytes: (workflows per second, worker CPU ms per workflow,
    /// workflows).
    async fn payload(&self, sdk: Sdk, size: usize) -> Result<(f64, f64, usize), String> {
        let n = (self.s.payload_bytes / size).clamp(20, 400);
        let (worker, queue) = self.worker(sdk, &format!("payload-{size}"), &[])?;
        let payload = "x".repeat(size);
        let warm = run_batch(self.client, &queue, &format!("{queue}-warm"), 5, 5, &payload).await;
        if let Some(e) = warm.first_error {
            return Err(format!("payload {size} on {}: {e}", sdk.name()));
        }
        let before = proc_stats(worker.pid())?;
        let batch = run_batch(self.client, &queue, &format!("{queue}-wf"), n, 20, &payload).await;
        let after = proc_stats(worker.pid())?;
        if let Some(e) = batch.first_error {
            return Err(format!("payload {size} on {}: {e}", sdk.name()));
        }
        let cpu_ms = (after.cpu_seconds - before.cpu_seconds) * 1000.0 / n as f64;
        Ok((n as f64 / batch.seconds, cpu_ms, n))
    }

    /// One cold start: (ms to the `ready` line, ms to the waiting workflow's result).
    async fn cold_start(&self, sdk: Sdk, attempt: usize) -> Result<(f64, f64), String> {
        let queue = format!("curve-cold-{}-{attempt}-{}", sdk.name(), self.tag);
        let handle = self
            .client
            .start_workflow_by_name::<&str, String>(
                WORKFLOW_TYPE,
                "cold",
                StartWorkflowOptions::new(format!("{queue}-wf"), &queue),
            )
            .await
            .map_err(|e| e.to_string())?;
        let log = self.s.out.join(format!("worker-{queue}.log"));
        let started = Instant::now();
        let worker = WorkerProcess::start(sdk, self.address, &queue, None, &[], &log)?;
        let ready_ms = started.elapsed().as_secs_f64() * 1000.0;
        handle
            .get_result()
            .await
            .map_err(|e| format!("cold start on {}: {e}", sdk.name()))?;
        let done_ms = started.elapsed().as_secs_f64() * 1000.0;
        drop(worker);
        Ok((ready_ms, done_ms))
    }
}

fn ratio(points: &[Point], kind: &str, n: usize, f: fn(&Point) -> f64) -> f64 {
    let of = |sdk| {
        points
            .iter()
            .find(|p| p.kind == kind && p.n == n && p.sdk == sdk)
            .map_or(f64::NAN, f)
    };
    of(Sdk::Ironflow) / of(Sdk::Official)
}

fn print_curve(points: &[Point], kind: &str, sizes: &[usize]) {
    println!("\n### {kind}: one workflow of n echo activities, fresh worker per point\n");
    println!(
        "| n | events | SDK | live s | worker CPU s | peak RSS MiB | replay ms | CPU ratio | replay speed-up |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|");
    for &n in sizes {
        for p in points.iter().filter(|p| p.kind == kind && p.n == n) {
            let (cpu_ratio, speedup) = if p.sdk == Sdk::Ironflow {
                (
                    show(ratio(points, kind, n, |p| p.cpu_s), 2),
                    show(1.0 / ratio(points, kind, n, |p| p.replay_ms), 2),
                )
            } else {
                (String::new(), String::new())
            };
            println!(
                "| {n} | {} | {} | {} | {} | {} | {} | {cpu_ratio} | {speedup} |",
                p.events,
                p.sdk.name(),
                show(p.live_s, 2),
                show(p.cpu_s, 2),
                show(p.peak_rss_mib, 1),
                show(p.replay_ms, 1),
            );
        }
    }
    // Linear in n? The per-activity cost at the largest size over the smallest.
    let per = |sdk: Sdk, n: usize, f: fn(&Point) -> f64| {
        points
            .iter()
            .find(|p| p.kind == kind && p.n == n && p.sdk == sdk)
            .map_or(f64::NAN, |p| f(p) / n as f64)
    };
    if let (Some(&lo), Some(&hi)) = (sizes.first(), sizes.last())
        && lo != hi
    {
        println!(
            "\nPer activity at n={hi} / at n={lo} (1.0 = linear): CPU Ironflow {}, official {}; replay Ironflow {}, official {}",
            show(
                per(Sdk::Ironflow, hi, |p| p.cpu_s) / per(Sdk::Ironflow, lo, |p| p.cpu_s),
                2
            ),
            show(
                per(Sdk::Official, hi, |p| p.cpu_s) / per(Sdk::Official, lo, |p| p.cpu_s),
                2
            ),
            show(
                per(Sdk::Ironflow, hi, |p| p.replay_ms) / per(Sdk::Ironflow, lo, |p| p.replay_ms),
                2
            ),
            show(
                per(Sdk::Official, hi, |p| p.replay_ms) / per(Sdk::Official, lo, |p| p.replay_ms),
                2
            ),
        );
    }
}

pub(crate) async fn run(args: &Args) -> Result<(), String> {
    let s = settings(args)?;
    std::fs::create_dir_all(&s.out).map_err(|e| format!("{}: {e}", s.out.display()))?;
    for sdk in Sdk::BOTH {
        if let Some(why) = sdk.missing() {
            return Err(why);
        }
    }
    println!("## Cost curves: Ironflow vs official Temporal Rust SDK 1.1.1 (both on Core 0.10.1)\n");
    println!("- machine: {}", super::machine());
    let dev;
    let address = match &s.address {
        Some(a) => a.clone(),
        None => {
            dev = DevServer::start().await.map_err(|e| e.to_string())?;
            dev.address().to_string()
        }
    };
    let options = ironflow::client::ConnectOptions {
        address: address.clone(),
        ..ironflow::client::ConnectOptions::from_env().map_err(|e| e.to_string())?
    };
    let client = Client::connect(options).await.map_err(|e| e.to_string())?;
    let bench = Bench {
        s: &s,
        client: &client,
        address: &address,
        tag: std::process::id(),
    };

    let mut points = bench.curve("fan-out", FAN_OUT_TYPE, &s.fan_out).await?;
    print_curve(&points, "fan-out", &s.fan_out);
    let sequential = bench.curve("sequential", SEQUENTIAL_TYPE, &s.sequential).await?;
    print_curve(&sequential, "sequential", &s.sequential);
    points.extend(sequential);
    if let Some(svg) = &s.svg {
        std::fs::write(svg, plot(&points)).map_err(|e| format!("{}: {e}", svg.display()))?;
        println!("\nPlot: {}", svg.display());
    }

    if s.parked > 0 {
        println!(
            "\n### Idle: {} workflows parked on a timer, all in the worker's cache\n",
            s.parked
        );
        println!(
            "| SDK | private memory per cached workflow KiB | idle worker CPU ms/s | parked per second |"
        );
        println!("|---|---:|---:|---:|");
        let mut per = Vec::new();
        for sdk in Sdk::BOTH {
            eprintln!("idle: {} parked workflows on {} ...", s.parked, sdk.name());
            let (kib, cpu, rate) = bench.idle(sdk).await?;
            println!(
                "| {} | {} | {} | {} |",
                sdk.name(),
                show(kib, 1),
                show(cpu, 1),
                show(rate, 0)
            );
            per.push(kib);
        }
        println!(
            "\nMemory per cached workflow, Ironflow / official: **{}** (target ≤ 0.7)",
            show(per[0] / per[1], 2)
        );
    }

    if !s.payloads.is_empty() {
        println!("\n### Payload sweep: the echo workload, 20 in flight\n");
        println!(
            "| payload bytes | workflows | SDK | wf/s | payload MB/s | worker CPU ms per workflow | throughput ratio | CPU ratio |"
        );
        println!("|---:|---:|---|---:|---:|---:|---:|---:|");
        for &size in &s.payloads {
            let mut rows = Vec::new();
            for sdk in Sdk::BOTH {
                eprintln!("payload {size} B: {} worker ...", sdk.name());
                rows.push((sdk, bench.payload(sdk, size).await?));
            }
            let (_, (ir_rate, ir_cpu, _)) = rows[0];
            let (_, (of_rate, of_cpu, _)) = rows[1];
            for (sdk, (rate, cpu, n)) in rows {
                let ratios = if sdk == Sdk::Ironflow {
                    format!("{} | {}", show(ir_rate / of_rate, 2), show(ir_cpu / of_cpu, 2))
                } else {
                    " | ".into()
                };
                // Each workflow carries the payload in and out once (the activity echoes it too).
                let mb_per_s = rate * size as f64 / 1e6;
                println!(
                    "| {size} | {n} | {} | {} | {} | {} | {ratios} |",
                    sdk.name(),
                    show(rate, 1),
                    show(mb_per_s, 3),
                    show(cpu, 2)
                );
            }
        }
    }

    if s.cold_starts > 0 {
        println!(
            "\n### Cold start: worker process start, median of {}\n",
            s.cold_starts
        );
        println!("| SDK | to `ready` (connected, worker built) ms | to the first workflow's result ms |");
        println!("|---|---:|---:|");
        let mut medians = Vec::new();
        for sdk in Sdk::BOTH {
            let mut ready = Vec::new();
            let mut done = Vec::new();
            for attempt in 0..s.cold_starts {
                eprintln!("cold start {attempt}: {} ...", sdk.name());
                let (r, d) = bench.cold_start(sdk, attempt).await?;
                ready.push(r);
                done.push(d);
            }
            let (r, d) = (median(ready), median(done));
            println!("| {} | {} | {} |", sdk.name(), show(r, 0), show(d, 0));
            medians.push((r, d));
        }
        println!(
            "\nIronflow / official: to ready **{}**, to first result **{}** (target ≤ 1.0)",
            show(medians[0].0 / medians[1].0, 2),
            show(medians[0].1 / medians[1].1, 2)
        );
    }
    println!("\nWorker logs and histories: {}", s.out.display());
    Ok(())
}

/// Four panels (live time, worker CPU, peak RSS, replay time against history events), one line
/// per SDK and curve, as a self-contained SVG.
fn plot(points: &[Point]) -> String {
    const W: f64 = 460.0;
    const H: f64 = 300.0;
    const PAD: f64 = 56.0;
    let panels: [(&str, Measure); 4] = [
        ("live time (s)", |p| p.live_s),
        ("worker CPU (s)", |p| p.cpu_s),
        ("worker peak RSS (MiB)", |p| p.peak_rss_mib),
        ("replay time (ms)", |p| p.replay_ms),
    ];
    let series = [
        (Sdk::Ironflow, "fan-out", "#d9480f", ""),
        (Sdk::Official, "fan-out", "#1c7ed6", ""),
        (Sdk::Ironflow, "sequential", "#d9480f", "6,4"),
        (Sdk::Official, "sequential", "#1c7ed6", "6,4"),
    ];
    let max_x = points.iter().map(|p| p.events as f64).fold(1.0, f64::max);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        2.0 * W,
        2.0 * H + 40.0
    );
    for (i, (title, f)) in panels.iter().enumerate() {
        let (ox, oy) = ((i % 2) as f64 * W, (i / 2) as f64 * H);
        let max_y = points
            .iter()
            .map(f)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let x = |v: f64| ox + PAD + v / max_x * (W - 1.5 * PAD);
        let y = |v: f64| oy + H - PAD + -v / max_y * (H - 1.6 * PAD);
        svg += &format!(
            "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{title}</text>\n",
            ox + PAD,
            oy + 24.0
        );
        svg += &format!(
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/><line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{3}\" stroke=\"black\"/>\n",
            x(0.0),
            y(0.0),
            x(max_x),
            y(max_y)
        );
        for k in 0..=4 {
            let (vx, vy) = (max_x * k as f64 / 4.0, max_y * k as f64 / 4.0);
            svg += &format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:.0}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
                x(vx),
                y(0.0) + 16.0,
                vx,
                x(0.0) - 4.0,
                y(vy) + 4.0,
                if max_y >= 10.0 {
                    format!("{vy:.0}")
                } else {
                    format!("{vy:.2}")
                }
            );
        }
        svg += &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">history events</text>\n",
            x(max_x / 2.0),
            y(0.0) + 32.0
        );
        for (sdk, kind, color, dash) in series {
            let mut line: Vec<&Point> = points.iter().filter(|p| p.sdk == sdk && p.kind == kind).collect();
            line.sort_by_key(|p| p.events);
            let coords: Vec<String> = line
                .iter()
                .filter(|p| f(p).is_finite())
                .map(|p| format!("{:.1},{:.1}", x(p.events as f64), y(f(p))))
                .collect();
            svg += &format!(
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\" points=\"{}\"/>\n",
                coords.join(" ")
            );
        }
    }
    let legend_y = 2.0 * H + 20.0;
    for (i, (sdk, kind, color, dash)) in series.iter().enumerate() {
        let lx = PAD + i as f64 * 200.0;
        svg += &format!(
            "<line x1=\"{lx}\" y1=\"{legend_y}\" x2=\"{}\" y2=\"{legend_y}\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"{}\">{} {kind}</text>\n",
            lx + 30.0,
            lx + 36.0,
            legend_y + 4.0,
            sdk.name()
        );
    }
    svg + "</svg>\n"
}
