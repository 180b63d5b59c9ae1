//! Encryption: a data converter with the AES-256-GCM codec (wire-compatible with Temporal's
//! samples in Python, Go and TypeScript) and encoded failure messages. The server stores only
//! ciphertext; the client and worker read plaintext. A codec server lets the CLI and the Web UI
//! show decoded payloads: `--serve` keeps it up and prints the commands to try.

use ironflow::client::StartWorkflowOptions;
use ironflow::codec::server::CodecServer;
use ironflow::codec::{DataConverter, EncryptionCodec};
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;

#[ironflow::activity]
async fn charge(_ctx: ActivityContext, card: String) -> Result<String, ApplicationError> {
    if card.ends_with("0000") {
        return Err(ApplicationError::non_retryable(format!("card {card} declined")));
    }
    Ok(format!("charged card {card}"))
}

pub struct Payment;
impl Workflow for Payment {
    const NAME: &'static str = "Payment";
    type Input = String;
    type Output = String;
    async fn run(ctx: WorkflowContext, card: String) -> WorkflowResult<String> {
        Ok(ctx.activity::<Charge>(card).await?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A demo key. Load real ones from your key management; keep rotated-out keys for decryption
    // with `.with_decryption_key(id, key)`.
    let key = [0x42u8; 32];
    let converter = DataConverter::new()
        .codec(EncryptionCodec::new("demo-key", &key)?)
        .encode_failure_attributes(true);
    let example = ironflow_examples::start_with(|o| o.data_converter(converter.clone())).await?;
    let client = &example.client;
    let task_queue = ironflow_examples::unique("encryption");
    let worker = Worker::builder(client, &task_queue)
        .register_activity(Charge)
        .register_workflow::<Payment>()
        .build()?;
    let id = ironflow_examples::unique("payment");
    let declined_id = ironflow_examples::unique("payment");
    let (paid, declined) = worker
        .run_until(async {
            let paid = client
                .execute_workflow::<Payment>("4242-4242".into(), StartWorkflowOptions::new(&id, &task_queue))
                .await;
            let declined = client
                .execute_workflow::<Payment>(
                    "1234-0000".into(),
                    StartWorkflowOptions::new(&declined_id, &task_queue),
                )
                .await;
            (paid, declined)
        })
        .await?;
    println!("workflow result (decrypted by the client): {}", paid?);
    if let Err(e) = declined {
        let message = e
            .failure()
            .map(|f| f.root_cause().message.clone())
            .unwrap_or_default();
        println!("failure (decrypted by the client): {message}");
    }

    // What the server stores.
    let history = client
        .workflow_handle::<String>(id.clone(), None)
        .fetch_history()
        .await?;
    for event in &history.events {
        if let Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) = &event.attributes
            && let Some(p) = a.input.as_ref().and_then(|i| i.payloads.first())
        {
            let text = |k: &str| String::from_utf8_lossy(&p.metadata[k]).into_owned();
            println!(
                "stored input: {} under key `{}`, {} bytes, plaintext visible: {}",
                text("encoding"),
                text("encryption-key-id"),
                p.data.len(),
                p.data.windows(4).any(|w| w == b"4242")
            );
        }
    }
    let declined_history = client
        .workflow_handle::<String>(declined_id, None)
        .fetch_history()
        .await?;
    let json = ironflow::history::to_json(&declined_history)?;
    println!(
        "stored failure messages: {}",
        if json.contains("declined") {
            "plaintext"
        } else {
            "\"Encoded failure\" (encrypted)"
        }
    );

    let codec_server = CodecServer::new(converter)
        .allow_origin("http://localhost:8233")
        .bind("127.0.0.1:0".parse()?)
        .await?;
    println!("codec server: {}", codec_server.url());
    if std::env::args().any(|a| a == "--serve") {
        println!(
            "try: temporal workflow show -w {id} --codec-endpoint {} ; Ctrl-C to stop",
            codec_server.url()
        );
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}
