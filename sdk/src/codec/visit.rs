//! Applies a [`DataConverter`] to whole proto messages at the boundary with Core and the server:
//! every payload field is run through the codecs (one codec call per field), except headers and
//! search attributes; before encoding, failures get their message and stack trace moved into
//! `encoded_attributes` when the converter asks for it.

use super::{CodecError, DataConverter};
use futures::future::BoxFuture;
use temporalio_common::data_converters::PayloadConversionError;
use temporalio_common::payload_visitor::{
    AsyncPayloadVisitor, PayloadField, PayloadFieldData, PayloadVisitable,
};
use temporalio_common::protos::coresdk::activity_result::activity_execution_result;
use temporalio_common::protos::coresdk::workflow_commands::{
    query_result, update_response, workflow_command::Variant as Cmd,
};
use temporalio_common::protos::coresdk::workflow_completion::workflow_activation_completion;
use temporalio_common::protos::coresdk::{
    ActivityTaskCompletion, workflow_completion::WorkflowActivationCompletion,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_common::protos::temporal::api::failure::v1::Failure;

/// The message of a failure whose message moved into its encoded attributes (as the other SDKs
/// write it).
pub(crate) const ENCODED_FAILURE_MESSAGE: &str = "Encoded failure";

/// Fields the codecs never touch: headers (read by every SDK's interceptors, as the trace
/// context) and search attributes (indexed by the server).
fn skipped(path: &str) -> bool {
    path.ends_with(".headers")
        || path.ends_with(".header_fields")
        || path == "temporal.api.common.v1.Header.fields"
        || path == "temporal.api.common.v1.SearchAttributes.indexed_fields"
}

struct CodecVisitor<'c> {
    converter: &'c DataConverter,
    encode: bool,
}

impl CodecVisitor<'_> {
    async fn run(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, PayloadConversionError> {
        let result = if self.encode {
            self.converter.encode(payloads).await
        } else {
            self.converter.decode(payloads).await
        };
        result.map_err(|e| PayloadConversionError::EncodingError(Box::new(e)))
    }
}

impl AsyncPayloadVisitor for CodecVisitor<'_> {
    fn visit<'a>(&'a mut self, field: PayloadField<'a>) -> BoxFuture<'a, Result<(), PayloadConversionError>> {
        Box::pin(async move {
            if skipped(field.path) {
                return Ok(());
            }
            match field.data {
                PayloadFieldData::Single(payload) => {
                    let out = self.run(vec![std::mem::take(payload)]).await?;
                    if let Some(p) = out.into_iter().next() {
                        *payload = p;
                    }
                }
                PayloadFieldData::Repeated(payloads) => {
                    if !payloads.is_empty() {
                        *payloads = self.run(std::mem::take(payloads)).await?;
                    }
                }
                PayloadFieldData::Payloads(payloads) => {
                    if !payloads.payloads.is_empty() {
                        payloads.payloads = self.run(std::mem::take(&mut payloads.payloads)).await?;
                    }
                }
            }
            Ok(())
        })
    }
}

/// Back from the visitor's error type to the codec's.
fn codec_error(e: PayloadConversionError) -> CodecError {
    match e {
        PayloadConversionError::EncodingError(inner) => match inner.downcast::<CodecError>() {
            Ok(codec) => *codec,
            Err(other) => CodecError::Other(other),
        },
        other => CodecError::Other(other.to_string().into()),
    }
}

impl DataConverter {
    /// Encodes every payload field of `message` in place.
    pub(crate) async fn encode_message<M: PayloadVisitable>(
        &self,
        message: &mut M,
    ) -> Result<(), CodecError> {
        if self.codecs.is_empty() {
            return Ok(());
        }
        let mut visitor = CodecVisitor {
            converter: self,
            encode: true,
        };
        message
            .visit_payloads_mut(&mut visitor)
            .await
            .map_err(codec_error)
    }

    /// Decodes every payload field of `message` in place.
    pub(crate) async fn decode_message<M: PayloadVisitable>(
        &self,
        message: &mut M,
    ) -> Result<(), CodecError> {
        if self.codecs.is_empty() {
            return Ok(());
        }
        let mut visitor = CodecVisitor {
            converter: self,
            encode: false,
        };
        message
            .visit_payloads_mut(&mut visitor)
            .await
            .map_err(codec_error)
    }

    /// Moves the failure's (and its causes') message and stack trace into encoded attributes,
    /// when the converter asks for it.
    pub(crate) fn encode_failure(&self, failure: &mut Failure) {
        if !self.encode_failure_attributes {
            return;
        }
        let mut next = Some(failure);
        while let Some(f) = next {
            if f.encoded_attributes.is_none() {
                let attributes = serde_json::json!({ "message": f.message, "stack_trace": f.stack_trace });
                if let Ok(payload) = crate::converter::to_payload(&attributes) {
                    f.encoded_attributes = Some(payload);
                    f.message = ENCODED_FAILURE_MESSAGE.to_string();
                    f.stack_trace = String::new();
                }
            }
            next = f.cause.as_deref_mut();
        }
    }

    /// Prepares a workflow completion for Core: failures' attributes, then the codecs.
    pub(crate) async fn encode_workflow_completion(
        &self,
        completion: &mut WorkflowActivationCompletion,
    ) -> Result<(), CodecError> {
        if self.is_identity() {
            return Ok(());
        }
        if self.encode_failure_attributes {
            match &mut completion.status {
                Some(workflow_activation_completion::Status::Failed(failed)) => {
                    if let Some(f) = &mut failed.failure {
                        self.encode_failure(f);
                    }
                }
                Some(workflow_activation_completion::Status::Successful(success)) => {
                    for command in &mut success.commands {
                        let failure = match &mut command.variant {
                            Some(Cmd::FailWorkflowExecution(fail)) => fail.failure.as_mut(),
                            Some(Cmd::RespondToQuery(query)) => match &mut query.variant {
                                Some(query_result::Variant::Failed(f)) => Some(f),
                                _ => None,
                            },
                            Some(Cmd::UpdateResponse(update)) => match &mut update.response {
                                Some(update_response::Response::Rejected(f)) => Some(f),
                                _ => None,
                            },
                            _ => None,
                        };
                        if let Some(f) = failure {
                            self.encode_failure(f);
                        }
                    }
                }
                None => {}
            }
        }
        self.encode_message(completion).await
    }

    /// Prepares an activity completion for Core: failures' attributes, then the codecs.
    pub(crate) async fn encode_activity_completion(
        &self,
        completion: &mut ActivityTaskCompletion,
    ) -> Result<(), CodecError> {
        if self.is_identity() {
            return Ok(());
        }
        if let Some(status) = completion.result.as_mut().and_then(|r| r.status.as_mut()) {
            let failure = match status {
                activity_execution_result::Status::Failed(f) => f.failure.as_mut(),
                activity_execution_result::Status::Cancelled(c) => c.failure.as_mut(),
                _ => None,
            };
            if let Some(f) = failure {
                self.encode_failure(f);
            }
        }
        self.encode_message(completion).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ZlibCodec;
    use temporalio_common::protos::coresdk::workflow_commands::{
        CompleteWorkflowExecution, FailWorkflowExecution, UpsertWorkflowSearchAttributes, WorkflowCommand,
    };
    use temporalio_common::protos::coresdk::workflow_completion::Success;
    use temporalio_common::protos::temporal::api::common::v1::SearchAttributes;

    fn command(variant: Cmd) -> WorkflowCommand {
        WorkflowCommand {
            variant: Some(variant),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn encodes_results_and_failures_but_not_search_attributes() {
        let converter = DataConverter::new()
            .codec(ZlibCodec::always())
            .encode_failure_attributes(true);
        let result = crate::converter::to_payload("the result").unwrap();
        let attribute = crate::converter::to_payload("indexed").unwrap();
        let mut completion = WorkflowActivationCompletion {
            run_id: "r".into(),
            status: Some(workflow_activation_completion::Status::Successful(Success {
                commands: vec![
                    command(Cmd::UpsertWorkflowSearchAttributes(
                        UpsertWorkflowSearchAttributes {
                            search_attributes: Some(SearchAttributes {
                                indexed_fields: [("Color".to_string(), attribute.clone())].into(),
                            }),
                        },
                    )),
                    command(Cmd::CompleteWorkflowExecution(CompleteWorkflowExecution {
                        result: Some(result.clone()),
                    })),
                    command(Cmd::FailWorkflowExecution(FailWorkflowExecution {
                        failure: Some(Failure {
                            message: "card 4242 declined".into(),
                            stack_trace: "at charge()".into(),
                            ..Default::default()
                        }),
                    })),
                ],
                ..Default::default()
            })),
            ..Default::default()
        };
        converter
            .encode_workflow_completion(&mut completion)
            .await
            .unwrap();
        let Some(workflow_activation_completion::Status::Successful(success)) = &completion.status else {
            panic!("status changed")
        };
        let Some(Cmd::UpsertWorkflowSearchAttributes(upsert)) = &success.commands[0].variant else {
            panic!()
        };
        assert_eq!(
            upsert.search_attributes.as_ref().unwrap().indexed_fields["Color"],
            attribute
        );
        let Some(Cmd::CompleteWorkflowExecution(complete)) = &success.commands[1].variant else {
            panic!()
        };
        assert_eq!(
            complete.result.as_ref().unwrap().metadata["encoding"],
            b"binary/zlib"
        );
        let Some(Cmd::FailWorkflowExecution(fail)) = &success.commands[2].variant else {
            panic!()
        };
        let failure = fail.failure.as_ref().unwrap();
        assert_eq!(failure.message, ENCODED_FAILURE_MESSAGE);
        assert!(failure.stack_trace.is_empty());
        assert_eq!(
            failure.encoded_attributes.as_ref().unwrap().metadata["encoding"],
            b"binary/zlib"
        );
        // And back.
        let decoded = converter
            .decode(vec![failure.encoded_attributes.clone().unwrap()])
            .await
            .unwrap();
        let attributes: serde_json::Value = crate::converter::from_payload(&decoded[0]).unwrap();
        assert_eq!(attributes["message"], "card 4242 declined");
        assert_eq!(attributes["stack_trace"], "at charge()");
    }
}
