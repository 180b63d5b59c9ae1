#!/usr/bin/env bash
# Ironflow vs the official Temporal Rust SDK, side by side in one run (see bench/src/main.rs).
# Builds the orchestrator and both worker binaries in release mode, then runs the benchmark with
# any options given (--n, --in-flight, --rounds, --payload, --warmup, --replay-rounds, --address).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v temporal >/dev/null 2>&1 && [ -z "${TEMPORAL_CLI_PATH:-}" ]; then
  bash scripts/setup.sh
fi
cargo build --release -p ironflow-bench --bins
exec target/release/ironflow-bench "$@"
