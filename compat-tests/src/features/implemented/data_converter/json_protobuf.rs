//! `data_converter/json_protobuf`: a protobuf message (`temporal.api.common.v1.DataBlob` holding
//! `0xdeadbeef`) round-trips as `json/protobuf` (proto3 JSON) with its `messageType`; the result
//! payload's data is the proto3 JSON of the result, and equals the argument payload.

use crate::features::support::{argument_and_result_payloads, fail, metadata, start};
use ironflow::client::Client;
use ironflow::converter::ProtoJson;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use temporalio_common::protos::temporal::api::common::v1::DataBlob;

/// Returns its argument.
pub struct Echo;
impl Workflow for Echo {
    const NAME: &'static str = "Workflow";
    type Input = ProtoJson<DataBlob>;
    type Output = ProtoJson<DataBlob>;
    async fn run(_: WorkflowContext, res: ProtoJson<DataBlob>) -> WorkflowResult<ProtoJson<DataBlob>> {
        Ok(res)
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<Echo>()
}

pub fn replayer() -> Replayer {
    Replayer::new().register_workflow::<Echo>()
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let expected = DataBlob {
        data: vec![0xde, 0xad, 0xbe, 0xef],
        ..DataBlob::default()
    };
    let handle = start::<Echo>(
        &client,
        &task_queue,
        "data-converter-json-protobuf",
        ProtoJson(expected.clone()),
    )
    .await?;
    let ProtoJson(out) = handle.get_result().await.map_err(fail)?;
    if out != expected {
        return Err(format!("expected {expected:?}, got {out:?}"));
    }
    let (argument, result) = argument_and_result_payloads(&handle).await?;
    if metadata(&result, "encoding").as_deref() != Some("json/protobuf")
        || metadata(&result, "messageType").as_deref() != Some("temporal.api.common.v1.DataBlob")
    {
        return Err(format!("the result payload's metadata is {:?}", result.metadata));
    }
    // Proto3 JSON: bytes are base64 ("3q2+7w==" is 0xdeadbeef).
    let json: serde_json::Value = serde_json::from_slice(&result.data).map_err(fail)?;
    if json != serde_json::json!({ "data": "3q2+7w==" }) {
        return Err(format!("the result payload holds {json}"));
    }
    if argument.as_ref() != Some(&result) {
        return Err("the argument payload differs from the result payload".into());
    }
    Ok(vec![handle.workflow_id().to_string()])
}
