//! `data_converter/binary`: bytes round-trip as a `binary/plain` payload. An echo workflow gets and
//! returns `0xdeadbeef`; the result payload in the history equals upstream's `payload.json`
//! (encoding `binary/plain`, data `3q2+7w==`) and the argument payload.

use crate::features::support::{argument_and_result_payloads, fail, start};
use ironflow::client::Client;
use ironflow::converter::{ByteBuf, Payload};
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;

/// Returns its argument.
pub struct Echo;
impl Workflow for Echo {
    const NAME: &'static str = "Workflow";
    type Input = ByteBuf;
    type Output = ByteBuf;
    async fn run(_: WorkflowContext, res: ByteBuf) -> WorkflowResult<ByteBuf> {
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
    let expected = ByteBuf::from(vec![0xde, 0xad, 0xbe, 0xef]);
    let handle = start::<Echo>(&client, &task_queue, "data-converter-binary", expected.clone()).await?;
    let out = handle.get_result().await.map_err(fail)?;
    if out != expected {
        return Err(format!("expected 0xdeadbeef, got {out:?}"));
    }
    let (argument, result) = argument_and_result_payloads(&handle).await?;
    // Upstream's payload.json: { "metadata": { "encoding": "YmluYXJ5L3BsYWlu" }, "data": "3q2+7w==" }
    let upstream = Payload {
        metadata: [("encoding".to_string(), b"binary/plain".to_vec())].into(),
        data: vec![0xde, 0xad, 0xbe, 0xef],
        ..Payload::default()
    };
    if result != upstream {
        return Err(format!(
            "the result payload {result:?} is not upstream's {upstream:?}"
        ));
    }
    if argument.as_ref() != Some(&result) {
        return Err(format!(
            "the argument payload {argument:?} differs from the result payload"
        ));
    }
    Ok(vec![handle.workflow_id().to_string()])
}
