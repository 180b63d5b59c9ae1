#!/usr/bin/env bash
# Ironflow, the official Temporal Rust SDK, and the Python and TypeScript SDKs, side by side in
# one run (see bench/src/main.rs). Builds the orchestrator and both Rust worker binaries in
# release mode, installs the TypeScript peer's packages (bench/peers, pinned by its lock file),
# then runs the benchmark with any options given (--n, --in-flight, --rounds, --payload,
# --warmup, --replay-rounds, --telemetry, --encryption, --peers, --address). `bash scripts/bench.sh
# curves [...]` runs the cost curves instead (bench/src/curves.rs: fan-out and sequential
# histories, idle cost, payload sweep, cold start; Ironflow and the official Rust SDK).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v temporal >/dev/null 2>&1 && [ -z "${TEMPORAL_CLI_PATH:-}" ]; then
  bash scripts/setup.sh
fi
if [ ! -d bench/peers/node_modules/@temporalio/worker ] && [[ " $* " != *" --peers none "* ]] && [ "${1:-}" != curves ]; then
  npm ci --prefix bench/peers --no-audit --no-fund --loglevel=error
fi
cargo build --release -p ironflow-bench --bins
exec target/release/ironflow-bench "$@"
