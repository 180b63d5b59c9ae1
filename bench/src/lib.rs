//! Shared pieces of the SDK benchmark: the workload's names, process statistics from `/proc`,
//! the recorded-histories file, and the tiny argument parser the three binaries use.
//!
//! Nothing here depends on either SDK, so each worker binary links only its own.

use prost::Message;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use temporalio_common::protos::temporal::api::history::v1::History;

/// The workflow type both workers register.
pub const WORKFLOW_TYPE: &str = "EchoWorkflow";
/// The activity type both workers register.
pub const ACTIVITY_TYPE: &str = "echo";
/// The start-to-close timeout of the echo activity.
pub const ACTIVITY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The line a worker prints once it polls.
pub const READY_LINE: &str = "ready";

/// The cost-curve workflow that runs `n: u32` echo activities at once (in chunks of
/// [`FAN_OUT_CHUNK`]) and returns how many completed.
pub const FAN_OUT_TYPE: &str = "FanOutWorkflow";
/// The cost-curve workflow that runs `n: u32` echo activities one after another and returns
/// how many completed.
pub const SEQUENTIAL_TYPE: &str = "SequentialWorkflow";
/// The idle-cost workflow: parks on a one-day timer (input and output `()`).
pub const PARKED_TYPE: &str = "ParkedWorkflow";
/// How long a parked workflow sleeps.
pub const PARKED_TIMER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// At most this many activities of one fan-out are pending at once: the server's default
/// `limit.numPendingActivities.error` (2000); beyond it the fan-out runs in chunks.
pub const FAN_OUT_CHUNK: usize = 2000;
/// The input of every cost-curve activity.
pub const CURVE_PAYLOAD: &str = "0123456789abcdef";

/// The fan-out both SDKs' workflows use: starts `n` commands with `start(i)`, joins them
/// [`FAN_OUT_CHUNK`] at a time with the SDK's deterministic `join` (Ironflow:
/// `futures::future::join_all`; the official SDK: `temporalio_sdk::workflows::join_all`, as its
/// non-determinism guard rejects `futures`' own over more than 30 futures), and returns how many
/// succeeded, or the first error.
pub async fn fan_out<F, T, E, J, JF>(n: usize, start: impl Fn(usize) -> F, join: J) -> Result<u32, E>
where
    J: Fn(Vec<F>) -> JF,
    JF: std::future::Future<Output = Vec<Result<T, E>>>,
{
    let mut done = 0;
    while done < n {
        let size = FAN_OUT_CHUNK.min(n - done);
        for result in join((done..done + size).map(&start).collect()).await {
            result?;
        }
        done += size;
    }
    Ok(u32::try_from(done).unwrap_or(u32::MAX))
}

/// CPU time and memory of a process, from `/proc/<pid>/stat` and `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcStats {
    /// User + system CPU seconds so far (all threads).
    pub cpu_seconds: f64,
    /// Peak resident set size (VmHWM), in KiB: private memory plus the pages of the binary
    /// mapped in (which grow with the binary's size).
    pub peak_rss_kib: u64,
    /// Current private (anonymous) resident memory (RssAnon), in KiB: the heap and stacks.
    pub anon_rss_kib: u64,
}

/// Reads a process's CPU time and peak RSS.
pub fn proc_stats(pid: u32) -> Result<ProcStats, String> {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    // The command name (field 2) may hold spaces: fields are counted after its closing paren.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("/proc/{pid}/stat: no `)` in {stat:?}"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the paren: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| format!("/proc/{pid}/stat: field {} is missing", i + 3))
    };
    // SAFETY: sysconf has no preconditions; it only reads a configuration value.
    let hz = match unsafe { libc::sysconf(libc::_SC_CLK_TCK) } {
        v if v > 0 => v as f64,
        _ => 100.0,
    };
    let cpu_seconds = (ticks(11)? + ticks(12)?) / hz;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    let kib = |key: &str| -> Result<u64, String> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("/proc/{pid}/status has no {key}"))
    };
    Ok(ProcStats {
        cpu_seconds,
        peak_rss_kib: kib("VmHWM:")?,
        anon_rss_kib: kib("RssAnon:")?,
    })
}

/// Writes histories as length-delimited protobuf (what both replayers consume without a JSON
/// codec in the way).
pub fn write_histories(path: &Path, histories: &[History]) -> Result<(), String> {
    let mut buf = Vec::new();
    for h in histories {
        h.encode_length_delimited(&mut buf)
            .map_err(|e| format!("encoding a history: {e}"))?;
    }
    std::fs::write(path, buf).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads histories written by [`write_histories`].
pub fn read_histories(path: &Path) -> Result<Vec<History>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rest = bytes.as_slice();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let h = History::decode_length_delimited(&mut rest)
            .map_err(|e| format!("{}: history #{}: {e}", path.display(), out.len()))?;
        out.push(h);
    }
    Ok(out)
}

/// `--name value` pairs after a subcommand.
pub struct Args {
    /// The subcommand (first argument).
    pub command: String,
    values: HashMap<String, String>,
}

impl Args {
    /// Parses `std::env::args()`; every option takes a value. `--bench` (added by `cargo bench`)
    /// is ignored.
    pub fn parse() -> Result<Self, String> {
        let mut it = std::env::args().skip(1).filter(|a| a != "--bench").peekable();
        // No subcommand when the first argument is already an option.
        let command = match it.peek() {
            Some(first) if !first.starts_with("--") => it.next().unwrap_or_default(),
            _ => String::new(),
        };
        let mut values = HashMap::new();
        while let Some(flag) = it.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument `{flag}`"))?;
            let value = it.next().ok_or_else(|| format!("`--{name}` needs a value"))?;
            values.insert(name.to_string(), value);
        }
        Ok(Self { command, values })
    }

    /// A required option.
    pub fn required(&self, name: &str) -> Result<&str, String> {
        self.values
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("`--{name}` is required"))
    }

    /// An optional option parsed as `T`, or `default`.
    pub fn get<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e| format!("`--{name} {v}`: {e}")),
        }
    }

    /// Names given that are not in `known`.
    pub fn unknown(&self, known: &[&str]) -> Option<String> {
        self.values
            .keys()
            .find(|k| !known.contains(&k.as_str()))
            .map(|k| format!("unknown option `--{k}` (known: --{})", known.join(", --")))
    }
}

/// The JSON line a worker binary prints after a replay run.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ReplayResult {
    /// Histories replayed.
    pub histories: usize,
    /// Events in them.
    pub events: usize,
    /// Wall time of the replay call.
    pub seconds: f64,
    /// Histories that did not replay cleanly.
    pub failures: usize,
    /// The first failure, if any.
    pub first_failure: Option<String>,
}

impl ReplayResult {
    /// Prints the result as the one JSON line the orchestrator reads from a worker binary's
    /// `replay` command; `failures` describes each history that did not replay cleanly.
    pub fn print(histories: usize, events: usize, seconds: f64, failures: &[String]) -> Result<(), String> {
        let result = Self {
            histories,
            events,
            seconds,
            failures: failures.len(),
            first_failure: failures.first().cloned(),
        };
        println!("{}", serde_json::to_string(&result).map_err(|e| e.to_string())?);
        Ok(())
    }
}

/// Which parts of telemetry a telemetry-on worker turns on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TelemetryParts {
    /// Spans of every workflow and activity, exported over OTLP.
    pub traces: bool,
    /// Core's and Ironflow's metrics on a Prometheus endpoint.
    pub metrics: bool,
}

impl TelemetryParts {
    /// Traces and metrics on.
    pub const BOTH: Self = Self {
        traces: true,
        metrics: true,
    };
}

impl std::str::FromStr for TelemetryParts {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "both" => Ok(Self {
                traces: true,
                metrics: true,
            }),
            "traces" => Ok(Self {
                traces: true,
                metrics: false,
            }),
            "metrics" => Ok(Self {
                traces: false,
                metrics: true,
            }),
            other => Err(format!("`{other}`: expected both, traces or metrics")),
        }
    }
}

/// What a worker binary was asked to do.
pub enum WorkerCommand {
    /// `worker --address A --task-queue Q [--otlp URL] [--encrypt true] [--max-cached N]`: serve
    /// the echo workload and the cost-curve workflows until killed;
    /// with `--otlp`, with telemetry on (Ironflow only: spans of every workflow and activity
    /// exported to URL, Core's and Ironflow's metrics on a Prometheus endpoint).
    Worker {
        /// The server's `host:port`.
        address: String,
        /// The task queue.
        task_queue: String,
        /// Telemetry on: where to export spans.
        otlp: Option<String>,
        /// With `--otlp`: which parts are on (`--traces false` / `--metrics false` turn one
        /// off, to measure the other's cost alone).
        parts: TelemetryParts,
        /// Encrypt every payload with this key ([`BENCH_KEY_ID`]), as a client with the same key
        /// expects (Ironflow only).
        encrypt: bool,
        /// The worker's workflow cache size (`None`: the SDK's default, 1000 in both).
        max_cached: Option<usize>,
    },
    /// `eager --address A --task-queue Q --n N`: a client and a worker in one process run N echo
    /// workflows one at a time, alternating eager and normal starts, and print an
    /// [`EagerResult`] (Ironflow only).
    Eager {
        /// The server's `host:port`.
        address: String,
        /// The task queue.
        task_queue: String,
        /// Workflows per kind of start.
        n: usize,
    },
    /// `replay --histories F`: replay recorded histories and print a [`ReplayResult`].
    Replay {
        /// The file written by [`write_histories`].
        histories: PathBuf,
    },
}

impl WorkerCommand {
    /// Parses the worker binary's command line.
    pub fn from_args() -> Result<Self, String> {
        let args = Args::parse()?;
        let check = |known: &[&str]| args.unknown(known).map_or(Ok(()), Err);
        match args.command.as_str() {
            "worker" => {
                check(&[
                    "address",
                    "task-queue",
                    "otlp",
                    "traces",
                    "metrics",
                    "encrypt",
                    "max-cached",
                ])?;
                Ok(Self::Worker {
                    address: args.required("address")?.to_string(),
                    task_queue: args.required("task-queue")?.to_string(),
                    otlp: args
                        .get::<String>("otlp", String::new())
                        .map(|o| (!o.is_empty()).then_some(o))?,
                    parts: TelemetryParts {
                        traces: args.get("traces", true)?,
                        metrics: args.get("metrics", true)?,
                    },
                    encrypt: args.get("encrypt", false)?,
                    max_cached: args.get::<usize>("max-cached", 0).map(|n| (n > 0).then_some(n))?,
                })
            }
            "eager" => {
                check(&["address", "task-queue", "n"])?;
                Ok(Self::Eager {
                    address: args.required("address")?.to_string(),
                    task_queue: args.required("task-queue")?.to_string(),
                    n: args.get("n", 200)?,
                })
            }
            "replay" => {
                check(&["histories"])?;
                Ok(Self::Replay {
                    histories: PathBuf::from(args.required("histories")?),
                })
            }
            other => Err(format!("unknown command `{other}` (worker | replay)")),
        }
    }
}

/// The exit code of a worker binary, printing the error (prefixed by the binary's name).
pub fn exit_code(binary: &str, result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{binary}: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// The number of events in `histories`.
pub fn event_count(histories: &[History]) -> usize {
    histories.iter().map(|h| h.events.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_stats_are_readable() {
        let s = proc_stats(std::process::id()).unwrap();
        assert!(s.peak_rss_kib > 0);
        assert!(s.cpu_seconds >= 0.0);
    }

    #[test]
    fn fan_out_joins_at_most_a_chunk_at_a_time_and_stops_at_the_first_error() {
        use std::cell::RefCell;
        let joined = RefCell::new(Vec::new());
        let join = |futures: Vec<std::future::Ready<Result<usize, String>>>| {
            joined.borrow_mut().push(futures.len());
            futures::future::join_all(futures)
        };
        let n = 2 * FAN_OUT_CHUNK + 5;
        let done = futures::executor::block_on(fan_out(n, |i| std::future::ready(Ok(i)), join));
        assert_eq!(done, Ok(n as u32));
        assert_eq!(*joined.borrow(), vec![FAN_OUT_CHUNK, FAN_OUT_CHUNK, 5]);

        joined.borrow_mut().clear();
        let failing = |i: usize| {
            std::future::ready(if i == 3 {
                Err(format!("activity {i} failed"))
            } else {
                Ok(i)
            })
        };
        let result = futures::executor::block_on(fan_out(n, failing, join));
        assert_eq!(result, Err("activity 3 failed".to_string()));
        assert_eq!(
            *joined.borrow(),
            vec![FAN_OUT_CHUNK],
            "no chunk starts after a failed one"
        );
    }

    #[test]
    fn telemetry_parts_parse_and_name_a_bad_value() {
        assert_eq!(
            "both".parse::<TelemetryParts>(),
            Ok(TelemetryParts {
                traces: true,
                metrics: true
            })
        );
        assert_eq!(
            "traces".parse::<TelemetryParts>(),
            Ok(TelemetryParts {
                traces: true,
                metrics: false
            })
        );
        assert_eq!(
            "metrics".parse::<TelemetryParts>(),
            Ok(TelemetryParts {
                traces: false,
                metrics: true
            })
        );
        assert!("spans".parse::<TelemetryParts>().unwrap_err().contains("`spans`"));
    }

    #[test]
    fn histories_round_trip_through_the_file() {
        let dir = std::env::temp_dir().join(format!("ironflow-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.bin");
        let h = History {
            events: vec![Default::default(); 3],
        };
        write_histories(&path, &[h.clone(), History::default(), h.clone()]).unwrap();
        let back = read_histories(&path).unwrap();
        assert_eq!(back, vec![h.clone(), History::default(), h]);
        std::fs::write(&path, [0x05, 0x01]).unwrap();
        assert!(read_histories(&path).unwrap_err().contains("history #0"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The key id of the encrypted variant's AES-256-GCM key.
pub const BENCH_KEY_ID: &str = "bench";
/// The encrypted variant's key (a benchmark's, never a real one).
pub const BENCH_KEY: [u8; 32] = [0x5a; 32];

/// The data converter of the encrypted variant, for its worker and the client driving it.
pub fn bench_encryption() -> Result<ironflow::codec::DataConverter, String> {
    let codec = ironflow::codec::EncryptionCodec::new(BENCH_KEY_ID, &BENCH_KEY).map_err(|e| e.to_string())?;
    Ok(ironflow::codec::DataConverter::new().codec(codec))
}

/// An OTLP/gRPC trace receiver that counts the spans it is sent (the telemetry-on worker's
/// exporter needs a real endpoint, or its exports would fail fast and cost less than real ones).
pub mod otlp_sink {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
        TraceService, TraceServiceServer,
    };
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Counter(Arc<AtomicU64>);

    #[tonic::async_trait]
    impl TraceService for Counter {
        async fn export(
            &self,
            request: tonic::Request<ExportTraceServiceRequest>,
        ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
            let spans: usize = request
                .into_inner()
                .resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .map(|s| s.spans.len())
                .sum();
            self.0.fetch_add(spans as u64, Ordering::Relaxed);
            Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
        }
    }

    /// The receiver: its endpoint URL and the number of spans received so far.
    pub struct OtlpSink {
        /// `http://127.0.0.1:<port>`.
        pub endpoint: String,
        received: Arc<AtomicU64>,
    }

    impl OtlpSink {
        /// Starts serving on a free loopback port, on the current tokio runtime.
        pub async fn start() -> Result<Self, String> {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("OTLP sink: {e}"))?;
            let endpoint = format!(
                "http://{}",
                listener.local_addr().map_err(|e| format!("OTLP sink: {e}"))?
            );
            let received = Arc::new(AtomicU64::new(0));
            let service = TraceServiceServer::new(Counter(received.clone()));
            tokio::spawn(async move {
                let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
                let _ = tonic::transport::Server::builder()
                    .add_service(service)
                    .serve_with_incoming(incoming)
                    .await;
            });
            Ok(Self { endpoint, received })
        }

        /// The spans received so far.
        pub fn spans(&self) -> u64 {
            self.received.load(Ordering::Relaxed)
        }
    }
}

/// What the `eager` command measured: start-to-result latencies of workflows started by a client
/// in the worker's process, with and without eager start.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct EagerResult {
    /// Workflows per kind of start.
    pub n: usize,
    /// Median latency, normal starts (ms).
    pub normal_p50_ms: f64,
    /// Median latency, eager starts (ms).
    pub eager_p50_ms: f64,
    /// 99th percentile, normal starts (ms).
    pub normal_p99_ms: f64,
    /// 99th percentile, eager starts (ms).
    pub eager_p99_ms: f64,
    /// How many of the eager starts the server answered with the first task.
    pub started_eagerly: usize,
}
