//! The Web UI with a codec server, in a real browser: a dev server with its UI, started with
//! `--ui-codec-endpoint` pointing at Ironflow's codec server, shows the decoded input and result
//! of an encrypted workflow in the page headless Chromium renders; with the codec server stopped
//! it shows neither (and says it cannot reach the codec server). A screenshot of the decoded page
//! is saved to `target/ci-artifacts/web-ui-decoded.png`.
//!
//! This binary runs its own dev server (with the UI), not the shared headless one.

use ironflow::Worker;
use ironflow::client::{Client, StartWorkflowOptions};
use ironflow::codec::server::CodecServer;
use ironflow::codec::{DataConverter, EncryptionCodec};
use ironflow::testing::{DevServer, DevServerOptions};
use ironflow_compat_tests::fixtures::register_all;
use ironflow_compat_tests::{RunningWorker, unique, wait_until, within};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_string_lossy()
                .split(':')
                .map(|dir| Path::new(dir).join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("no chromium on PATH: install Debian's `chromium` (scripts/setup.sh does)"))
}

/// Renders `url` in headless Chromium (letting the page run 15 s of virtual time) and returns
/// the DOM; with `screenshot`, also saves a PNG.
async fn render(url: &str, screenshot: Option<&Path>) -> String {
    let profile = ironflow_compat_tests::temp_dir("chromium-profile");
    let mut command = Command::new(chromium());
    command.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=15000",
        "--window-size=1400,1000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    match screenshot {
        Some(path) => command.arg(format!("--screenshot={}", path.display())),
        None => command.arg("--dump-dom"),
    };
    command.arg(url);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the browser task")
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_web_ui_shows_decoded_payloads_only_through_the_codec_server() {
    let key = [42u8; 32];
    let converter = DataConverter::new().codec(EncryptionCodec::new("ui-key", &key).expect("a key"));
    // The codec server's address goes into the dev server's flags; the UI's origin into the
    // codec server's CORS settings: bind first, configure after.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let codec_url = format!("http://{}", listener.local_addr().expect("address"));
    let server = DevServer::start_with(DevServerOptions {
        ui: true,
        extra_args: vec!["--ui-codec-endpoint".into(), codec_url.clone()],
        die_with_parent_thread: true,
        ..Default::default()
    })
    .await
    .expect("a dev server with its UI");
    let ui_origin = server.ui_address().expect("the UI's address").to_string();
    let codec = CodecServer::new(converter.clone())
        .allow_origin(ui_origin.clone())
        .serve(listener)
        .expect("serve the codec");

    let client = Client::connect(server.connect_options().data_converter(converter))
        .await
        .expect("connect");
    let tq = unique("web-ui");
    let worker = RunningWorker::start(register_all(Worker::builder(&client, &tq)));
    let secret = format!("ui-{}", &unique("secret")[..18]);
    let id = unique("web-ui-greet");
    within(
        "the greeting",
        LIMIT,
        client.execute_workflow::<ironflow_compat_tests::fixtures::GreetWorkflow>(
            secret.clone(),
            StartWorkflowOptions::new(&id, &tq),
        ),
    )
    .await
    .expect("the workflow");
    worker.stop().await.expect("stop the worker");
    let page = format!("{ui_origin}/namespaces/{}/workflows/{id}", server.namespace());

    let dom = wait_until("the UI to show the decoded input and result", LIMIT, || async {
        let dom = render(&page, None).await;
        (dom.contains(&secret) && dom.contains(&format!("Hello, {secret}!"))).then_some(dom)
    })
    .await;
    assert!(dom.contains(&id), "the page is the workflow's");
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/")
        .join("ci-artifacts");
    std::fs::create_dir_all(&artifacts).expect("create target/ci-artifacts");
    let shot = artifacts.join("web-ui-decoded.png");
    render(&page, Some(&shot)).await;
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot at {}",
        shot.display()
    );

    // Without the codec server the browser has nothing to decode with.
    drop(codec);
    let dom = wait_until("the UI to report the codec server unreachable", LIMIT, || async {
        let dom = render(&page, None).await;
        dom.contains("Codec Server could not connect").then_some(dom)
    })
    .await;
    assert!(
        !dom.contains(&secret),
        "the plaintext must not appear without the codec server"
    );
}
