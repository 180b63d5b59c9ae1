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

/// What a worker binary was asked to do.
pub enum WorkerCommand {
    /// `worker --address A --task-queue Q [--otlp URL]`: serve the echo workload until killed;
    /// with `--otlp`, with telemetry on (Ironflow only: spans of every workflow and activity
    /// exported to URL, Core's and Ironflow's metrics on a Prometheus endpoint).
    Worker {
        /// The server's `host:port`.
        address: String,
        /// The task queue.
        task_queue: String,
        /// Where to export spans, when telemetry is on.
        otlp: Option<String>,
        /// Encrypt every payload with this key ([`BENCH_KEY_ID`]), as a client with the same key
        /// expects (Ironflow only).
        encrypt: bool,
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
                check(&["address", "task-queue", "otlp", "encrypt"])?;
                Ok(Self::Worker {
                    address: args.required("address")?.to_string(),
                    task_queue: args.required("task-queue")?.to_string(),
                    otlp: args
                        .get::<String>("otlp", String::new())
                        .map(|o| (!o.is_empty()).then_some(o))?,
                    encrypt: args.get("encrypt", false)?,
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
