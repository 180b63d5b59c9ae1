//! The data converter on a real server: an encrypted workflow's history (exported by the CLI)
//! holds no plaintext of its input, result, signal, memo or failure messages while the client
//! reads them; the samples' encryption codec interoperates with the Python SDK both ways; the
//! replayer decodes encrypted histories with the codec and names the encoding without it; the
//! CLI shows decoded payloads through a codec server; a payload under an unknown key fails the
//! workflow task (naming the key), and the workflow finishes once the key is deployed; the
//! payload converter round-trips null, bytes, protobuf and JSON values with the Python SDK's.

use base64::Engine as _;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions, WorkflowExecutionError};
use ironflow::codec::server::CodecServer;
use ironflow::codec::{DataConverter, EncryptionCodec, ZlibCodec};
use ironflow::converter::{ByteBuf, Proto, ProtoJson, from_payload, to_payload};
use ironflow::replay::{ReplayOutcome, Replayer};
use ironflow::workflow::SignalDefinition;
use ironflow::{
    Activity, ActivityContext, ActivityDefinition, ApplicationError, Worker, Workflow, WorkflowContext,
    WorkflowResult,
};
use ironflow_compat_tests::fixtures::{Echo, GreetWorkflow, register_all};
use ironflow_compat_tests::peers::{cli, python_script, python_worker};
use ironflow_compat_tests::{RunningWorker, server_address, unique, wait_until, within};
use std::time::Duration;
use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;

const LIMIT: Duration = Duration::from_secs(120);
const KEY_1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const KEY_2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn key(hex: &str) -> Vec<u8> {
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// Encrypts with the first key; decrypts with all of them.
fn encryption(keys: &[(&str, &str)]) -> EncryptionCodec {
    let ((current, hex), older) = keys.split_first().expect("a key");
    let mut codec = EncryptionCodec::new(*current, &key(hex)).expect("a valid key");
    for (id, hex) in older {
        codec = codec.with_decryption_key(*id, &key(hex)).expect("a valid key");
    }
    codec
}

async fn client_with(converter: DataConverter) -> Client {
    Client::connect(ConnectOptions::new(server_address()).data_converter(converter))
        .await
        .expect("connect")
}

struct Reveal;
impl SignalDefinition for Reveal {
    const NAME: &'static str = "reveal";
    type Data = String;
}

/// Waits for [`Reveal`], echoes its input through an activity, returns both.
struct Secretive;
impl Workflow for Secretive {
    const NAME: &'static str = "Secretive";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, input: String) -> WorkflowResult<String> {
        let revealed = ctx.await_signal::<Reveal>().await?;
        let echoed = ctx.activity::<Echo>(input).await?;
        Ok(format!("{echoed} / {revealed}"))
    }
}

/// Declines the card it is given, naming it.
struct Refuse;
impl ActivityDefinition for Refuse {
    const NAME: &'static str = "refuse";
    type Input = String;
    type Output = ();
}
impl Activity for Refuse {
    type Error = ApplicationError;
    async fn execute(&self, _: ActivityContext, card: String) -> Result<(), ApplicationError> {
        Err(ApplicationError::non_retryable(format!("card {card} declined")).with_type("Declined"))
    }
}

/// Fails with [`Refuse`]'s failure.
struct Leaky;
impl Workflow for Leaky {
    const NAME: &'static str = "Leaky";
    type Input = String;
    type Output = ();
    async fn run(ctx: WorkflowContext, card: String) -> WorkflowResult<()> {
        ctx.activity::<Refuse>(card).await?;
        Ok(())
    }
}

fn worker_for(client: &Client, tq: &str) -> RunningWorker {
    RunningWorker::start(
        register_all(Worker::builder(client, tq))
            .register_activity(Refuse)
            .register_workflow::<Secretive>()
            .register_workflow::<Leaky>(),
    )
}

/// Every string of a JSON document, and what each decodes to when it is base64.
fn strings_and_decodings(json: &serde_json::Value, out: &mut Vec<Vec<u8>>) {
    match json {
        serde_json::Value::String(s) => {
            out.push(s.as_bytes().to_vec());
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) {
                out.push(bytes);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_and_decodings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings_and_decodings(v, out)),
        _ => {}
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn an_encrypted_history_holds_no_plaintext_and_the_client_reads_everything() {
    let converter = DataConverter::new()
        .codec(encryption(&[("k1", KEY_1)]))
        .codec(ZlibCodec::new())
        .encode_failure_attributes(true);
    let client = client_with(converter).await;
    let tq = unique("encrypted");
    let worker = worker_for(&client, &tq);
    let (input, memo, signal, card) = (unique("input"), unique("memo"), unique("signal"), unique("card"));

    let id = unique("secretive");
    let mut options = StartWorkflowOptions::new(&id, &tq);
    options.memo.insert("note".into(), serde_json::json!(memo));
    let handle = client
        .start_workflow::<Secretive>(input.clone(), options)
        .await
        .unwrap();
    handle.signal::<Reveal>(signal.clone()).await.unwrap();
    let result = within("the secretive workflow", LIMIT, handle.get_result())
        .await
        .unwrap();
    assert_eq!(result, format!("{input} / {signal}"));
    let described = handle.describe().await.unwrap();
    assert_eq!(
        described.memo.get("note"),
        Some(&serde_json::json!(memo)),
        "the client decodes the memo"
    );

    let leaky_id = unique("leaky");
    let err = within(
        "the leaky workflow",
        LIMIT,
        client.execute_workflow::<Leaky>(card.clone(), StartWorkflowOptions::new(&leaky_id, &tq)),
    )
    .await
    .unwrap_err();
    let WorkflowExecutionError::Failed { failure, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        failure.root_cause().message.contains(&card),
        "the client restores the encoded failure message: {failure:?}"
    );
    worker.stop().await.unwrap();

    // The histories as the CLI exports them.
    for (workflow, secrets) in [
        (&id, vec![&input, &memo, &signal, &result]),
        (&leaky_id, vec![&card]),
    ] {
        let exported = cli(&["workflow", "show", "-w", workflow, "-o", "json"]).await;
        let json: serde_json::Value = serde_json::from_str(&exported).expect("the CLI's JSON");
        let mut strings = Vec::new();
        strings_and_decodings(&json, &mut strings);
        for secret in &secrets {
            assert!(
                !strings.iter().any(|s| contains(s, secret)),
                "`{secret}` is readable in the history of {workflow}:\n{exported}"
            );
        }
        let encrypted = strings
            .iter()
            .filter(|s| s.as_slice() == b"binary/encrypted")
            .count();
        assert!(
            encrypted >= secrets.len(),
            "{workflow}: only {encrypted} encrypted payloads:\n{exported}"
        );
        if workflow == &leaky_id {
            assert!(
                exported.contains("Encoded failure"),
                "failure messages are encoded:\n{exported}"
            );
        }
    }
}

#[tokio::test]
async fn a_python_client_with_the_samples_codec_runs_an_ironflow_workflow() {
    let client = client_with(DataConverter::new().codec(encryption(&[("shared", KEY_1)]))).await;
    let tq = unique("py-codec-client");
    let worker = worker_for(&client, &tq);
    let id = unique("py-greet");
    let out = python_script(
        "codec_client.py",
        &["shared", KEY_1, "GreetWorkflow", &id, &tq, r#""Python""#],
    )
    .await;
    assert_eq!(out.trim(), r#""Hello, Python!""#);
    worker.stop().await.unwrap();
    // What Python wrote is encrypted at rest.
    let history = client
        .workflow_handle::<String>(id, None)
        .fetch_history()
        .await
        .unwrap();
    let exported = ironflow::history::to_json(&history).unwrap();
    assert!(!exported.contains("Python"), "{exported}");
}

#[tokio::test]
async fn an_ironflow_client_with_the_codec_drives_a_python_worker() {
    let client = client_with(DataConverter::new().codec(encryption(&[("shared", KEY_1)]))).await;
    let tq = unique("py-codec-worker");
    let _python = python_worker("codec_worker.py", &["shared", KEY_1, &tq], LIMIT).await;
    let result: String = within(
        "the Python workflow",
        LIMIT,
        client
            .start_workflow_by_name::<_, String>(
                "PyEncrypted",
                "quiet words",
                StartWorkflowOptions::new(unique("py"), &tq),
            )
            .await
            .unwrap()
            .get_result(),
    )
    .await
    .unwrap();
    assert_eq!(result, "python shouted QUIET WORDS");
}

#[tokio::test]
async fn the_replayer_decodes_with_the_codec_and_names_the_encoding_without_it() {
    let converter = DataConverter::new().codec(encryption(&[("k1", KEY_1)]));
    let client = client_with(converter.clone()).await;
    let tq = unique("replay-encrypted");
    let worker = worker_for(&client, &tq);
    let handle = client
        .start_workflow::<Secretive>(
            "to replay".into(),
            StartWorkflowOptions::new(unique("replay"), &tq),
        )
        .await
        .unwrap();
    handle.signal::<Reveal>("now".into()).await.unwrap();
    within("the workflow", LIMIT, handle.get_result()).await.unwrap();
    worker.stop().await.unwrap();
    let history = handle.fetch_history().await.unwrap();

    let with = Replayer::new()
        .register_workflow::<Secretive>()
        .data_converter(converter)
        .replay_history("encrypted", &history)
        .await;
    assert!(
        matches!(with.outcome, ReplayOutcome::Passed),
        "{:?}",
        with.outcome
    );
    let without = Replayer::new()
        .register_workflow::<Secretive>()
        .replay_history("encrypted", &history)
        .await;
    let verdict = format!("{:?}", without.outcome);
    assert!(!matches!(without.outcome, ReplayOutcome::Passed));
    assert!(
        verdict.contains("binary/encrypted"),
        "the verdict names the encoding: {verdict}"
    );
}

#[tokio::test]
async fn the_cli_shows_decoded_payloads_through_the_codec_server() {
    let converter = DataConverter::new().codec(encryption(&[("k1", KEY_1)]));
    let client = client_with(converter.clone()).await;
    let tq = unique("cli-codec");
    let worker = worker_for(&client, &tq);
    let secret = unique("visible-with-codec");
    let id = unique("cli-greet");
    within(
        "the greeting",
        LIMIT,
        client.execute_workflow::<GreetWorkflow>(secret.clone(), StartWorkflowOptions::new(&id, &tq)),
    )
    .await
    .unwrap();
    worker.stop().await.unwrap();
    let server = CodecServer::new(converter)
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let plain = cli(&["workflow", "show", "-w", &id]).await;
    assert!(
        !plain.contains(&secret),
        "without the codec the CLI cannot read it:\n{plain}"
    );
    let decoded = cli(&["workflow", "show", "-w", &id, "--codec-endpoint", &server.url()]).await;
    assert!(
        decoded.contains(&secret),
        "the CLI shows the decoded input and result:\n{decoded}"
    );
}

#[tokio::test]
async fn a_payload_under_an_unknown_key_fails_the_task_until_the_key_is_deployed() {
    // The client encrypts with k2; the first worker knows only k1.
    let client = client_with(DataConverter::new().codec(encryption(&[("k2", KEY_2), ("k1", KEY_1)]))).await;
    let old_worker_client = client_with(DataConverter::new().codec(encryption(&[("k1", KEY_1)]))).await;
    let tq = unique("rotation");
    let old = worker_for(&old_worker_client, &tq);
    let handle = client
        .start_workflow::<GreetWorkflow>(
            "rotated".into(),
            StartWorkflowOptions::new(unique("rotation"), &tq),
        )
        .await
        .unwrap();
    let failure = wait_until("the workflow task to fail on the unknown key", LIMIT, || async {
        let history = handle.fetch_history().await.ok()?;
        ironflow_compat_tests::workflow_task_failures(&history)
            .into_iter()
            .next()
    })
    .await;
    assert!(
        failure.contains("`k2`") && failure.contains("PayloadDecodeError") || failure.contains("key id `k2`"),
        "the failure names the key: {failure}"
    );
    old.stop().await.unwrap();
    // Deploy the key: a worker that knows both. The retried task succeeds; nothing was lost.
    let new_worker_client =
        client_with(DataConverter::new().codec(encryption(&[("k2", KEY_2), ("k1", KEY_1)]))).await;
    let new = worker_for(&new_worker_client, &tq);
    assert_eq!(
        within("the workflow", LIMIT, handle.get_result()).await.unwrap(),
        "Hello, rotated!"
    );
    new.stop().await.unwrap();
}

#[tokio::test]
async fn the_payload_converter_round_trips_every_kind_with_the_python_sdk() {
    let execution = WorkflowExecution {
        workflow_id: "order-7".into(),
        run_id: "run-1".into(),
    };
    let bytes = ByteBuf::from(b"\x00\x9f\x92\x96 raw".to_vec());
    let dict = serde_json::json!({"order": "order-7", "items": [1, 2, 3], "paid": true});

    // Python writes; Ironflow reads.
    let written = python_script("converter_roundtrip.py", &["encode"]).await;
    let payloads = ironflow::codec::payloads_from_json(written.as_bytes()).expect("Python's payloads");
    let encodings: Vec<String> = payloads
        .iter()
        .map(|p| String::from_utf8_lossy(&p.metadata["encoding"]).into_owned())
        .collect();
    assert_eq!(
        encodings,
        [
            "binary/null",
            "binary/plain",
            "json/protobuf",
            "json/plain",
            "binary/protobuf"
        ]
    );
    from_payload::<()>(&payloads[0]).unwrap();
    assert_eq!(from_payload::<Option<String>>(&payloads[0]).unwrap(), None);
    assert_eq!(from_payload::<ByteBuf>(&payloads[1]).unwrap(), bytes);
    assert_eq!(
        from_payload::<ProtoJson<WorkflowExecution>>(&payloads[2])
            .unwrap()
            .0,
        execution
    );
    assert_eq!(from_payload::<serde_json::Value>(&payloads[3]).unwrap(), dict);
    assert_eq!(
        from_payload::<Proto<WorkflowExecution>>(&payloads[4]).unwrap().0,
        execution
    );

    // Ironflow writes the same values; Python reads them.
    let ours = vec![
        to_payload(&()).unwrap(),
        to_payload(&bytes).unwrap(),
        to_payload(&ProtoJson(execution.clone())).unwrap(),
        to_payload(&dict).unwrap(),
        to_payload(&Proto(execution)).unwrap(),
    ];
    for (p, expected) in ours.iter().zip(&encodings) {
        assert_eq!(&String::from_utf8_lossy(&p.metadata["encoding"]), expected);
    }
    let file = ironflow_compat_tests::temp_dir("converter").join("ironflow-payloads.json");
    std::fs::write(&file, ironflow::codec::payloads_to_json(&ours)).unwrap();
    let read = python_script("converter_roundtrip.py", &["decode", &file.to_string_lossy()]).await;
    let results: Vec<serde_json::Value> = serde_json::from_str(read.trim()).expect("the script's verdicts");
    assert_eq!(results.len(), 5, "{read}");
    for r in &results {
        assert_eq!(r["equal"], true, "Python read a different value: {read}");
    }
}
