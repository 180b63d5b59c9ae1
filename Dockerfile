# syntax=docker/dockerfile:1
# Ironflow's deployable programs in one small image (used by docker-compose.yml):
#   /usr/local/bin/ironflow-worker   the example worker (examples/src/bin/worker.rs)
#   /usr/local/bin/ironflow-bridge   the bridge CLI; `ironflow-bridge worker` is the interpreter worker
# Both read their connection from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
# TEMPORAL_TLS* (as the temporal CLI does) and stop gracefully on SIGTERM.
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends protobuf-compiler \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p ironflow-examples --bin worker -p ironflow-bridge --bin ironflow-bridge \
 && mkdir -p /out \
 && cp target/release/worker /out/ironflow-worker \
 && cp target/release/ironflow-bridge /out/ironflow-bridge

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin ironflow
COPY --from=build /out/ironflow-worker /usr/local/bin/ironflow-worker
COPY --from=build /out/ironflow-bridge /usr/local/bin/ironflow-bridge
COPY deploy/definitions /etc/ironflow/definitions
USER 10001:10001
ENV RUST_LOG=info
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/ironflow-worker"]
