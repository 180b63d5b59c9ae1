//! Polls Core for Nexus tasks and runs the registered synchronous operation handlers: each start
//! request runs as its own task; its result (or failure) completes the Nexus task. Cancel
//! requests are acknowledged (a synchronous operation ends with its request).

use crate::codec::DataConverter;
use crate::converter::Failure;
use crate::nexus::{NexusOperationContext, NexusRegistry};
use std::sync::Arc;
use temporalio_common::protos::coresdk::nexus::{NexusTaskCompletion, nexus_task, nexus_task_completion};
use temporalio_common::protos::temporal::api::nexus::v1::{
    Response, StartOperationRequest, StartOperationResponse, request, response, start_operation_response,
};
use temporalio_sdk_core::{PollError, Worker as CoreWorker};
use tokio::task::JoinSet;

pub(super) async fn run(
    core: Arc<CoreWorker>,
    registry: Arc<NexusRegistry>,
    converter: DataConverter,
) -> Result<(), String> {
    let mut tasks = JoinSet::new();
    let result = loop {
        while tasks.try_join_next().is_some() {}
        match core.poll_nexus_task().await {
            Ok(task) => {
                let endpoint = task.endpoint.clone();
                match task.variant {
                    Some(nexus_task::Variant::Task(t)) => {
                        let request = t.request.unwrap_or_default();
                        let headers = request.header.clone();
                        match request.variant {
                            Some(request::Variant::StartOperation(start)) => {
                                let ctx = NexusOperationContext {
                                    service: start.service.clone(),
                                    operation: start.operation.clone(),
                                    request_id: start.request_id.clone(),
                                    endpoint,
                                    headers,
                                };
                                tasks.spawn(serve(
                                    core.clone(),
                                    registry.clone(),
                                    converter.clone(),
                                    t.task_token,
                                    ctx,
                                    start,
                                ));
                            }
                            _ => {
                                let failure = Failure::application(
                                    "this worker serves only synchronous Nexus operations (start requests)",
                                    "UnsupportedNexusRequest",
                                    true,
                                );
                                complete(
                                    &core,
                                    t.task_token,
                                    nexus_task_completion::Status::Failure(failure.to_proto()),
                                )
                                .await;
                            }
                        }
                    }
                    Some(nexus_task::Variant::CancelTask(cancel)) => {
                        complete(
                            &core,
                            cancel.task_token,
                            nexus_task_completion::Status::AckCancel(true),
                        )
                        .await;
                    }
                    None => {}
                }
            }
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(format!("polling Nexus tasks failed: {e}")),
        }
    };
    while tasks.join_next().await.is_some() {}
    result
}

async fn serve(
    core: Arc<CoreWorker>,
    registry: Arc<NexusRegistry>,
    converter: DataConverter,
    task_token: Vec<u8>,
    ctx: NexusOperationContext,
    mut start: StartOperationRequest,
) {
    let name = format!("{}/{}", ctx.service, ctx.operation);
    let outcome = match (
        converter.decode_message(&mut start).await,
        registry.get(&ctx.service, &ctx.operation),
    ) {
        (Err(e), _) => Err(Failure::application(
            format!("the input of Nexus operation `{name}` cannot be decoded by the worker's codecs: {e}"),
            "PayloadDecodeError",
            false,
        )),
        (Ok(()), None) => Err(Failure::application(
            format!(
                "no Nexus operation `{name}` is registered on this worker (it serves: {})",
                registry.known()
            ),
            "NexusOperationNotFound",
            true,
        )),
        (Ok(()), Some(handler)) => handler.start(ctx, start.payload.take()).await,
    };
    let status = match outcome {
        Ok(payload) => {
            let mut response = Response {
                variant: Some(response::Variant::StartOperation(StartOperationResponse {
                    variant: Some(start_operation_response::Variant::SyncSuccess(
                        start_operation_response::Sync {
                            payload: Some(payload),
                            links: Vec::new(),
                        },
                    )),
                })),
            };
            match converter.encode_message(&mut response).await {
                Ok(()) => nexus_task_completion::Status::Completed(response),
                Err(e) => nexus_task_completion::Status::Failure(
                    Failure::application(
                        format!("the output of Nexus operation `{name}` cannot be encoded: {e}"),
                        "PayloadEncodeError",
                        false,
                    )
                    .to_proto(),
                ),
            }
        }
        Err(failure) => nexus_task_completion::Status::Failure(failure.to_proto()),
    };
    complete(&core, task_token, status).await;
}

async fn complete(core: &CoreWorker, task_token: Vec<u8>, status: nexus_task_completion::Status) {
    if let Err(e) = core
        .complete_nexus_task(NexusTaskCompletion {
            task_token,
            status: Some(status),
        })
        .await
    {
        tracing::warn!(error = %e, "a Nexus task could not be completed");
    }
}
