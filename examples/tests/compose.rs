//! `docker-compose.yml` and the `Dockerfile`, checked without a Docker engine (these machines
//! have none): the file validates against the compose specification, every variable it uses is
//! pinned in `.env`, and each Ironflow service gets exactly the environment its binary reads —
//! checked by running the binary the `Dockerfile` builds with the service's environment against
//! a real dev server (the address rewritten to it, container paths to the repository's).

use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::testing::{DevServer, DevServerOptions};
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// `.env` as compose reads it.
fn dot_env() -> BTreeMap<String, String> {
    read(".env")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!(".env: `{l}` is not KEY=VALUE"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// `${NAME}` interpolated from `.env`.
fn interpolate(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("a closing brace") + start;
        let name = &rest[start + 2..end];
        out.push_str(
            env.get(name)
                .unwrap_or_else(|| panic!("${{{name}}} is not set in .env")),
        );
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn compose() -> Value {
    let mut value: Value =
        serde_norway::from_str(&read("docker-compose.yml")).expect("docker-compose.yml is YAML");
    value.apply_merge().expect("merge keys resolve");
    value
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose
        .get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("docker-compose.yml has no service `{name}`"))
}

fn service_env(compose: &Value, name: &str) -> BTreeMap<String, String> {
    let env = dot_env();
    service(compose, name)
        .get("environment")
        .and_then(Value::as_mapping)
        .unwrap_or_else(|| panic!("service `{name}` has an environment mapping"))
        .iter()
        .map(|(k, v)| {
            let key = k.as_str().expect("a variable name").to_string();
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => panic!("{name}.{key}: unexpected value {other:?}"),
            };
            (key, interpolate(&value, &env))
        })
        .collect()
}

fn entrypoint(compose: &Value, name: &str) -> Vec<String> {
    service(compose, name)
        .get("entrypoint")
        .and_then(Value::as_sequence)
        .unwrap_or_else(|| panic!("service `{name}` has an entrypoint list"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

/// The `Dockerfile`'s `COPY <repo path> <image path>` lines (not `--from=` ones), image → repo.
fn copied_paths(dockerfile: &str) -> BTreeMap<String, PathBuf> {
    dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from") && !l.starts_with(". "))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (parts[1].to_string(), repo().join(parts[0]))
        })
        .collect()
}

/// The environment variables a binary declares in its `--help` (clap's `[env: NAME=]`, or the
/// example worker's `Environment:` list).
fn declared_env(binary: &Path, args: &[&str]) -> BTreeSet<String> {
    let out = Command::new(binary)
        .args(args)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("run {} --help: {e}", binary.display()));
    assert!(out.status.success(), "{} --help failed", binary.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut vars: BTreeSet<String> = text
        .match_indices("[env: ")
        .map(|(i, _)| {
            text[i + 6..]
                .split(['=', ']'])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    if let Some((_, list)) = text.split_once("Environment:") {
        vars.extend(list.split_whitespace().map(str::to_string));
    }
    vars
}

fn bridge_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_worker")).with_file_name("ironflow-bridge");
    assert!(
        path.is_file(),
        "{} is missing: run the tests from the workspace root (`cargo test`), which builds it",
        path.display()
    );
    path
}

#[test]
fn docker_compose_yml_validates_against_the_compose_specification() {
    let run = |file: &Path| {
        Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.compose-spec"])
            .arg(file)
            .output()
            .unwrap_or_else(|e| {
                panic!("run check-jsonschema ({e}): `pip install check-jsonschema` (scripts/setup.sh does)")
            })
    };
    let out = run(&repo().join("docker-compose.yml"));
    assert!(
        out.status.success(),
        "docker-compose.yml does not validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The check can fail: a dependency condition the specification does not know is refused.
    let broken = read("docker-compose.yml").replace("service_completed_successfully", "service_finished");
    let dir = std::env::temp_dir().join(format!("ironflow-compose-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let broken_path = dir.join("docker-compose.yml");
    std::fs::write(&broken_path, broken).expect("write the broken copy");
    assert!(
        !run(&broken_path).status.success(),
        "an unknown depends_on condition must be refused"
    );
}

#[test]
fn the_cluster_is_production_shaped_and_pinned() {
    let compose = compose();
    let env = dot_env();
    let raw = read("docker-compose.yml");
    // Every `${NAME}` has a value in .env; every image is pinned by a variable, never `latest`.
    let _ = interpolate(&raw, &env);
    let services = compose
        .get("services")
        .and_then(Value::as_mapping)
        .expect("services");
    for (name, svc) in services {
        let name = name.as_str().expect("a service name");
        if let Some(image) = svc.get("image").and_then(Value::as_str) {
            let image = interpolate(image, &env);
            assert!(
                image.contains(':') && !image.ends_with(":latest"),
                "{name}: image {image} is not pinned"
            );
        }
    }
    let image = |name: &str| interpolate(service(&compose, name)["image"].as_str().expect("an image"), &env);
    assert_eq!(image("postgresql"), "postgres:16");
    assert!(image("elasticsearch").starts_with("elasticsearch:7.17."));
    assert!(
        image("temporal").starts_with("temporalio/server:1."),
        "not the deprecated auto-setup image"
    );
    assert!(image("temporal-ui").starts_with("temporalio/ui:"));
    assert!(image("temporal-schema").starts_with("temporalio/admin-tools:"));
    // The schema job runs temporal-sql-tool and creates the ES index; the namespace job registers
    // the bridge's search attributes, under the names the bridge writes.
    let schema = read("deploy/scripts/setup-schema.sh");
    for step in ["create", "setup-schema", "update-schema", "create-index"] {
        assert!(schema.contains(step), "setup-schema.sh does not run `{step}`");
    }
    let namespace = read("deploy/scripts/setup-namespace.sh");
    for attribute in [
        ironflow_bridge::interpreter::STATE_ATTRIBUTE,
        ironflow_bridge::interpreter::LEGACY_ID_ATTRIBUTE,
    ] {
        assert!(
            namespace.contains(attribute),
            "setup-namespace.sh does not register {attribute}"
        );
    }
    // Ordering: schema before server, server healthy before the namespace job and the UI, the
    // namespace job done before the workers.
    let condition = |svc: &str, dep: &str| {
        service(&compose, svc)["depends_on"][dep]["condition"]
            .as_str()
            .unwrap_or_else(|| panic!("{svc} does not depend on {dep} with a condition"))
            .to_string()
    };
    assert_eq!(condition("temporal-schema", "postgresql"), "service_healthy");
    assert_eq!(condition("temporal-schema", "elasticsearch"), "service_healthy");
    assert_eq!(
        condition("temporal", "temporal-schema"),
        "service_completed_successfully"
    );
    assert_eq!(condition("temporal-namespace", "temporal"), "service_healthy");
    assert_eq!(condition("temporal-ui", "temporal"), "service_healthy");
    for worker in ["worker", "bridge-worker"] {
        assert_eq!(
            condition(worker, "temporal-namespace"),
            "service_completed_successfully"
        );
    }
    for svc in ["postgresql", "elasticsearch", "temporal", "temporal-ui"] {
        assert!(
            service(&compose, svc).get("healthcheck").is_some(),
            "{svc} has no healthcheck"
        );
    }
    // `--scale worker=4` needs a worker without a fixed container name or host port.
    let worker = service(&compose, "worker");
    assert!(worker.get("container_name").is_none() && worker.get("ports").is_none());
    // The image: multi-stage, a slim runtime, not root.
    let dockerfile = read("Dockerfile");
    assert!(
        dockerfile.matches("\nFROM ").count() >= 2,
        "the Dockerfile is multi-stage"
    );
    assert!(
        dockerfile.contains("-slim AS runtime"),
        "the runtime image is slim"
    );
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the Dockerfile sets a USER");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "the image runs as {user}"
    );
}

/// Starts `binary` with exactly `env` (plus PATH), output piped.
fn spawn(binary: &Path, args: &[String], env: &BTreeMap<String, String>) -> Child {
    Command::new(binary)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()))
}

fn stop(mut child: Child, what: &str) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "{what} did not stop within 60 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} exited with {} after SIGTERM\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn each_ironflow_service_gets_the_environment_its_binary_reads() {
    let compose = compose();
    let dockerfile = read("Dockerfile");
    let copies = copied_paths(&dockerfile);
    // The entrypoints are the binaries the Dockerfile builds and installs.
    let installed = |image_path: &str| {
        let name = Path::new(image_path)
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        assert!(
            dockerfile.contains(&format!("/usr/local/bin/{name}")),
            "the Dockerfile does not install {image_path}"
        );
        name
    };
    let worker_entry = entrypoint(&compose, "worker");
    let bridge_entry = entrypoint(&compose, "bridge-worker");
    assert_eq!(installed(&worker_entry[0]), "ironflow-worker");
    assert!(dockerfile.contains("cp target/release/worker /out/ironflow-worker"));
    assert_eq!(installed(&bridge_entry[0]), "ironflow-bridge");
    assert_eq!(bridge_entry[1..], ["worker".to_string()]);
    let worker_bin = PathBuf::from(env!("CARGO_BIN_EXE_worker"));
    let bridge_bin = bridge_binary();

    let mut worker_env = service_env(&compose, "worker");
    let mut bridge_env = service_env(&compose, "bridge-worker");
    let worker_reads = declared_env(&worker_bin, &[]);
    let mut bridge_reads = declared_env(&bridge_bin, &["worker"]);
    bridge_reads.extend(
        ironflow::client::CONNECTION_ENV_VARS
            .iter()
            .map(|v| v.to_string()),
    );
    bridge_reads.insert("RUST_LOG".into());
    for (svc, env, reads) in [
        ("worker", &worker_env, &worker_reads),
        ("bridge-worker", &bridge_env, &bridge_reads),
    ] {
        for key in env.keys() {
            assert!(
                reads.contains(key),
                "{svc}: the compose file sets {key}, which its binary does not read ({reads:?})"
            );
        }
        assert_eq!(
            env["TEMPORAL_ADDRESS"], "temporal:7233",
            "{svc} connects to the compose server"
        );
    }
    for required in ["IRONFLOW_DEFINITIONS", "IRONFLOW_TASK_QUEUE"] {
        assert!(
            bridge_reads.contains(required),
            "ironflow-bridge worker does not read {required}"
        );
    }

    // Run them as the compose file does, against a real server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let server = rt
        .block_on(DevServer::start_with(DevServerOptions {
            namespace: worker_env["TEMPORAL_NAMESPACE"].clone(),
            die_with_parent_thread: true,
            ..Default::default()
        }))
        .expect("a dev server");
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    for env in [&mut worker_env, &mut bridge_env] {
        env.insert("TEMPORAL_ADDRESS".into(), server.address().to_string());
        // A task queue of this test's own, so parallel runs do not meet.
        let queue = env["IRONFLOW_TASK_QUEUE"].clone();
        env.insert("IRONFLOW_TASK_QUEUE".into(), format!("{queue}-{suffix}"));
    }
    let definitions = bridge_env["IRONFLOW_DEFINITIONS"].clone();
    let local = copies
        .get(&definitions)
        .unwrap_or_else(|| panic!("the Dockerfile does not copy anything to {definitions}"));
    bridge_env.insert("IRONFLOW_DEFINITIONS".into(), local.display().to_string());

    let worker = spawn(&worker_bin, &worker_entry[1..], &worker_env);
    let bridge = spawn(&bridge_bin, &bridge_entry[1..], &bridge_env);
    let result = rt.block_on(async {
        let client = Client::connect(ConnectOptions::new(server.address()).namespace(server.namespace()))
            .await
            .expect("connect");
        let queue = &worker_env["IRONFLOW_TASK_QUEUE"];
        let handle = client
            .start_workflow_by_name::<_, String>(
                "Order",
                "compose-order",
                StartWorkflowOptions::new(format!("compose-{suffix}"), queue),
            )
            .await
            .expect("start Order");
        tokio::time::timeout(Duration::from_secs(120), handle.get_result())
            .await
            .expect("the compose worker completes the order within 120 s")
    });
    assert_eq!(
        result.expect("the result"),
        "compose-order reserved, compose-order shipped"
    );
    let worker_out = stop(worker, "the worker");
    let bridge_out = stop(bridge, "the bridge worker");
    assert!(
        worker_out.contains(&worker_env["IRONFLOW_TASK_QUEUE"]),
        "{worker_out}"
    );
    assert!(
        bridge_out.contains(&format!(
            "interpreter worker for [BridgeOrder] on task queue {}",
            bridge_env["IRONFLOW_TASK_QUEUE"]
        )),
        "the bridge worker loaded the image's definitions and polls the compose task queue:\n{bridge_out}"
    );
}
