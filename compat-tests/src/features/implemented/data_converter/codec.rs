//! `data_converter/codec`: payloads go through a custom codec that wraps each payload (serialized
//! as a protobuf `Payload`, then base64) in a `my_encoding` payload. An echo workflow gets and
//! returns `{"spec": true}` through a client and worker using that codec; the result payload in
//! the history is `my_encoding`, its data unwraps to a `json/plain` payload holding the result,
//! and it equals the argument payload.

use crate::features::support::{argument_and_result_payloads, fail, metadata};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::codec::{CodecError, DataConverter, PayloadCodec};
use ironflow::converter::Payload;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use prost::Message;
use std::collections::BTreeMap;

const CODEC_ENCODING: &str = "my_encoding";

type Spec = BTreeMap<String, bool>;

/// Wraps each payload in a `my_encoding` payload (base64 of the serialized payload).
pub struct Base64PayloadCodec;
impl PayloadCodec for Base64PayloadCodec {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        Ok(payloads
            .into_iter()
            .map(|p| Payload {
                metadata: [("encoding".to_string(), CODEC_ENCODING.as_bytes().to_vec())].into(),
                data: STANDARD.encode(p.encode_to_vec()).into_bytes(),
                ..Payload::default()
            })
            .collect())
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads
            .into_iter()
            .map(|p| {
                if p.metadata.get("encoding").map(Vec::as_slice) != Some(CODEC_ENCODING.as_bytes()) {
                    return Ok(p);
                }
                let malformed = |reason: String| CodecError::Malformed {
                    encoding: CODEC_ENCODING.into(),
                    reason,
                };
                let bytes = STANDARD.decode(&p.data).map_err(|e| malformed(e.to_string()))?;
                Payload::decode(bytes.as_slice()).map_err(|e| malformed(e.to_string()))
            })
            .collect()
    }
}

/// Returns its argument.
pub struct Echo;
impl Workflow for Echo {
    const NAME: &'static str = "Workflow";
    type Input = Spec;
    type Output = Spec;
    async fn run(_: WorkflowContext, res: Spec) -> WorkflowResult<Spec> {
        Ok(res)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Echo>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<Echo>()
        .data_converter(DataConverter::new().codec(Base64PayloadCodec))
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let coded = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .data_converter(DataConverter::new().codec(Base64PayloadCodec)),
    )
    .await
    .map_err(fail)?;
    let expected: Spec = BTreeMap::from([("spec".to_string(), true)]);
    let id = crate::unique("data-converter-codec");
    let worker = register(Worker::builder(&coded, &task_queue))
        .build()
        .map_err(fail)?;
    let handle = worker
        .run_until(async {
            let handle = coded
                .start_workflow::<Echo>(expected.clone(), StartWorkflowOptions::new(&id, &task_queue))
                .await
                .map_err(fail)?;
            let out = handle.get_result().await.map_err(fail)?;
            if out != expected {
                return Err(format!("expected {expected:?}, got {out:?}"));
            }
            Ok(handle)
        })
        .await
        .map_err(fail)??;
    let (argument, result) = argument_and_result_payloads(&handle).await?;
    if metadata(&result, "encoding").as_deref() != Some(CODEC_ENCODING) {
        return Err(format!(
            "the result payload's encoding is {:?}",
            metadata(&result, "encoding")
        ));
    }
    let inner = Payload::decode(STANDARD.decode(&result.data).map_err(fail)?.as_slice()).map_err(fail)?;
    if metadata(&inner, "encoding").as_deref() != Some("json/plain") {
        return Err(format!(
            "the inner payload's encoding is {:?}",
            metadata(&inner, "encoding")
        ));
    }
    let in_history: Spec = serde_json::from_slice(&inner.data).map_err(fail)?;
    if in_history != expected || argument.as_ref() != Some(&result) {
        return Err(format!(
            "the inner payload holds {in_history:?}, or the argument payload differs"
        ));
    }
    Ok(vec![id])
}
