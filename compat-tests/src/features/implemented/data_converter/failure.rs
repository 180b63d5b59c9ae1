//! `data_converter/failure`: with failure attribute encoding on, a failure's message and stack
//! trace travel in its `encoded_attributes` (a `json/plain` payload holding `message` and
//! `stack_trace`), and the failure itself says "Encoded failure" with an empty stack trace — for
//! the workflow's failure and for its cause.

use crate::features::support::{fail, history_attributes};
use ironflow::Worker;
use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
use ironflow::codec::DataConverter;
use ironflow::history::history_event::Attributes;
use ironflow::prelude::*;
use ironflow::replay::Replayer;
use ironflow::worker::WorkerBuilder;
use temporalio_common::protos::temporal::api::failure::v1::Failure as ProtoFailure;

/// Caused by this error.
#[derive(Debug, thiserror::Error)]
#[error("cause error")]
struct CauseError;

/// Fails with "main error", caused by "cause error".
pub struct FailWithCause;
impl Workflow for FailWithCause {
    const NAME: &'static str = "Workflow";
    type Input = ();
    type Output = ();
    async fn run(_: WorkflowContext, _: ()) -> WorkflowResult<()> {
        Err(ApplicationError::new("main error").with_source(CauseError).into())
    }
}

pub fn register(builder: WorkerBuilder) -> WorkerBuilder {
    builder.register_workflow::<FailWithCause>()
}

pub fn replayer() -> Replayer {
    Replayer::new()
        .register_workflow::<FailWithCause>()
        .data_converter(DataConverter::new().encode_failure_attributes(true))
}

fn check(failure: &ProtoFailure, message: &str) -> Result<(), String> {
    if failure.message != "Encoded failure" || !failure.stack_trace.is_empty() {
        return Err(format!(
            "expected message \"Encoded failure\" and no stack trace, got {:?} / {:?}",
            failure.message, failure.stack_trace
        ));
    }
    let attributes = failure
        .encoded_attributes
        .as_ref()
        .ok_or("no encoded attributes")?;
    let encoding = attributes
        .metadata
        .get("encoding")
        .map(|e| String::from_utf8_lossy(e).into_owned());
    if encoding.as_deref() != Some("json/plain") {
        return Err(format!("the encoded attributes' encoding is {encoding:?}"));
    }
    let data: serde_json::Value = serde_json::from_slice(&attributes.data).map_err(fail)?;
    if data["message"] != message || data.get("stack_trace").is_none() {
        return Err(format!(
            "the encoded attributes are {data}, expected message {message:?} and a stack_trace"
        ));
    }
    Ok(())
}

pub async fn run(client: Client, task_queue: String) -> Result<Vec<String>, String> {
    let encoding = Client::connect(
        ConnectOptions::new(client.address())
            .namespace(client.namespace())
            .data_converter(DataConverter::new().encode_failure_attributes(true)),
    )
    .await
    .map_err(fail)?;
    let id = crate::unique("data-converter-failure");
    let handle = register(Worker::builder(&encoding, &task_queue))
        .build()
        .map_err(fail)?
        .run_until(async {
            let handle = encoding
                .start_workflow::<FailWithCause>((), StartWorkflowOptions::new(&id, &task_queue))
                .await
                .map_err(fail)?;
            match handle.get_result().await {
                Err(_) => Ok(handle),
                Ok(()) => Err("the workflow did not fail".to_string()),
            }
        })
        .await
        .map_err(fail)??;
    let failure = history_attributes(&handle)
        .await?
        .into_iter()
        .find_map(|a| match a {
            Attributes::WorkflowExecutionFailedEventAttributes(f) => f.failure,
            _ => None,
        })
        .ok_or("no WorkflowExecutionFailed failure in the history")?;
    check(&failure, "main error")?;
    check(
        failure.cause.as_deref().ok_or("the failure has no cause")?,
        "cause error",
    )?;
    Ok(vec![id])
}
