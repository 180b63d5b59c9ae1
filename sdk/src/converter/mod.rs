//! Payload conversion: how Rust values cross every boundary to and from Temporal.
//!
//! Ironflow speaks the standard Temporal encodings, chosen per value as the Python and Go SDKs
//! choose them, so payloads written by Ironflow are read by the Go, Java, Python and TypeScript
//! SDKs, by the `temporal` CLI and by the Web UI, and the other way round:
//!
//! | encoding          | written for                                             | read as                                  |
//! |-------------------|---------------------------------------------------------|------------------------------------------|
//! | `binary/null`     | `()`, `None`, unit structs                              | `()`, `Option::None`, anything that takes JSON `null` |
//! | `binary/plain`    | byte buffers (`serde_bytes::ByteBuf`, `&serde_bytes::Bytes`: what calls `serialize_bytes`) | byte buffers, strings (UTF-8) |
//! | `json/protobuf`   | [`ProtoJson`]`<M>` (proto3 JSON, `messageType` metadata) | [`ProtoJson`] or [`Proto`]              |
//! | `binary/protobuf` | [`Proto`]`<M>` (`messageType` metadata)                 | [`Proto`] or [`ProtoJson`]               |
//! | `json/plain`      | every other serde value                                 | the serde type                           |
//!
//! Several payloads (a workflow started by another SDK with several arguments) decode as a JSON
//! array, so a Rust tuple or [`Args`] receives them; zero payloads decode as JSON `null`, so `()`
//! and `Option<T>` receive them. Codecs (encryption, compression) work on the payloads these
//! produce: see [`crate::codec`].
//!
//! ```
//! use ironflow::converter::{from_payloads, to_payload};
//! let payload = to_payload(&("hello", 3)).unwrap();
//! assert_eq!(payload.metadata["encoding"], b"json/plain");
//! let back: (String, u32) = from_payloads(&[payload]).unwrap();
//! assert_eq!(back, ("hello".to_string(), 3));
//! assert_eq!(to_payload(&()).unwrap().metadata["encoding"], b"binary/null");
//! ```

mod args;
mod failure;
mod probe;
pub(crate) mod protobuf;
mod search_attributes;

pub use args::{Args, to_payloads};
pub use failure::{Failure, FailureKind, RetryState, TimeoutType};
pub use protobuf::{
    BINARY_PROTOBUF, JSON_PROTOBUF, MESSAGE_TYPE_KEY, Proto, ProtoJson, register_protobuf_descriptors,
};
pub use search_attributes::{
    Memo, SearchAttributeType, SearchAttributeValue, SearchAttributes, memo_from_proto, memo_to_proto,
    search_attributes_from_proto, search_attributes_to_proto,
};
pub use serde_bytes::ByteBuf;

use serde::{Serialize, de::DeserializeOwned};
pub use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads};

/// Metadata key that names a payload's encoding.
pub const ENCODING_KEY: &str = "encoding";
/// The JSON encoding every Temporal SDK reads.
pub const JSON_PLAIN: &[u8] = b"json/plain";
/// The encoding other SDKs use for `None`/`null`.
pub const BINARY_NULL: &[u8] = b"binary/null";
/// Raw bytes.
pub const BINARY_PLAIN: &[u8] = b"binary/plain";

/// A value could not be turned into a payload or back.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    /// The payload's bytes do not fit the Rust type expected.
    #[error("cannot decode {encoding} payload as `{target}`: {message}")]
    Decode {
        /// The payload's `encoding` metadata.
        encoding: String,
        /// The Rust type that was expected.
        target: &'static str,
        /// What serde reported (line and column for JSON).
        message: String,
    },
    /// The payload names an encoding Ironflow cannot read.
    #[error(
        "cannot decode payload as `{target}`: unsupported encoding `{encoding}`{}",
        codec_hint(encoding)
    )]
    UnsupportedEncoding {
        /// The payload's `encoding` metadata.
        encoding: String,
        /// The Rust type that was expected.
        target: &'static str,
    },
    /// A Rust value could not be serialized.
    #[error("cannot encode `{source_type}`: {message}")]
    Encode {
        /// The Rust type being serialized.
        source_type: &'static str,
        /// What serde reported.
        message: String,
    },
}

/// For an encoding a codec writes: how to read it.
fn codec_hint(encoding: &str) -> &'static str {
    if encoding.starts_with("binary/encrypted")
        || encoding.starts_with("binary/zlib")
        || encoding.contains("codec")
    {
        " (a payload codec wrote it: decode with the same codec, see ironflow::codec::DataConverter)"
    } else {
        ""
    }
}

impl PayloadError {
    /// The failure recorded when `what` (for example "the input of activity `charge`") cannot be
    /// converted: a non-retryable application failure of type `PayloadDecodeError` or
    /// `PayloadEncodeError` whose message names `what` and the cause.
    pub fn to_failure(&self, what: &str) -> Failure {
        let (verb, error_type) = match self {
            PayloadError::Encode { .. } => ("encoded", "PayloadEncodeError"),
            _ => ("decoded", "PayloadDecodeError"),
        };
        Failure::application(format!("{what} cannot be {verb}: {self}"), error_type, true)
    }
}

/// Serializes a value as one payload, in the encoding its kind calls for (see the
/// [module docs](self)).
pub fn to_payload<T: Serialize + ?Sized>(value: &T) -> Result<Payload, PayloadError> {
    match probe::probe(value) {
        Some(probe::Kind::Null) => Ok(Payload {
            metadata: [(ENCODING_KEY.to_string(), BINARY_NULL.to_vec())].into(),
            ..Default::default()
        }),
        Some(probe::Kind::Bytes(data)) => Ok(Payload {
            metadata: [(ENCODING_KEY.to_string(), BINARY_PLAIN.to_vec())].into(),
            data,
            ..Default::default()
        }),
        Some(probe::Kind::Proto {
            json: true,
            type_name,
            bytes,
        }) => protobuf::json_payload(&type_name, &bytes),
        Some(probe::Kind::Proto {
            json: false,
            type_name,
            bytes,
        }) => Ok(protobuf::binary_payload(&type_name, &bytes)),
        None => {
            let data = serde_json::to_vec(value).map_err(|e| PayloadError::Encode {
                source_type: std::any::type_name::<T>(),
                message: format!("as JSON: {e}"),
            })?;
            Ok(json_payload(data))
        }
    }
}

/// Wraps bytes that already hold JSON as a `json/plain` payload.
pub fn json_payload(data: Vec<u8>) -> Payload {
    Payload {
        metadata: [(ENCODING_KEY.to_string(), JSON_PLAIN.to_vec())].into(),
        data,
        ..Default::default()
    }
}

/// The `encoding` metadata of a payload, as text (`"<none>"` when absent).
pub fn encoding_of(payload: &Payload) -> String {
    payload
        .metadata
        .get(ENCODING_KEY)
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .unwrap_or_else(|| "<none>".to_string())
}

/// Decodes one payload into `T`.
pub fn from_payload<T: DeserializeOwned>(payload: &Payload) -> Result<T, PayloadError> {
    let target = std::any::type_name::<T>();
    let encoding = payload.metadata.get(ENCODING_KEY).map(Vec::as_slice);
    let decode_err = |message: String| PayloadError::Decode {
        encoding: encoding_of(payload),
        target,
        message,
    };
    match encoding {
        Some(JSON_PLAIN) => serde_json::from_slice(&payload.data).map_err(|e| decode_err(e.to_string())),
        Some(BINARY_NULL) => {
            serde_json::from_value(serde_json::Value::Null).map_err(|e| decode_err(e.to_string()))
        }
        Some(BINARY_PLAIN) => {
            let de = serde::de::value::BytesDeserializer::<serde_json::Error>::new(&payload.data);
            T::deserialize(de).map_err(|e| decode_err(e.to_string()))
        }
        Some(encoding @ (JSON_PROTOBUF | BINARY_PROTOBUF)) => {
            let json = encoding == JSON_PROTOBUF;
            let (type_name, bytes) = protobuf::message_of(payload, json).map_err(decode_err)?;
            T::deserialize(protobuf::ProtoDeserializer {
                type_name,
                bytes,
                encoding: if json { "json/protobuf" } else { "binary/protobuf" },
            })
            .map_err(|e| decode_err(e.to_string()))
        }
        _ => Err(PayloadError::UnsupportedEncoding {
            encoding: encoding_of(payload),
            target,
        }),
    }
}

/// Decodes a list of payloads into one `T`: none is JSON `null`, one is itself, several are a
/// JSON array (so a tuple receives several arguments sent by another SDK).
pub fn from_payloads<T: DeserializeOwned>(payloads: &[Payload]) -> Result<T, PayloadError> {
    match payloads {
        [] => serde_json::from_value(serde_json::Value::Null).map_err(|e| PayloadError::Decode {
            encoding: "<no payload>".to_string(),
            target: std::any::type_name::<T>(),
            message: e.to_string(),
        }),
        [one] => from_payload(one),
        many => {
            let values = many
                .iter()
                .map(from_payload::<serde_json::Value>)
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::from_value(serde_json::Value::Array(values)).map_err(|e| PayloadError::Decode {
                encoding: "json/plain (several payloads)".to_string(),
                target: std::any::type_name::<T>(),
                message: e.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(encoding: &[u8], data: &[u8]) -> Payload {
        Payload {
            metadata: [(ENCODING_KEY.to_string(), encoding.to_vec())].into(),
            data: data.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn unit_and_option_accept_no_payload_and_binary_null() {
        from_payloads::<()>(&[]).unwrap();
        assert_eq!(from_payloads::<Option<u8>>(&[]).unwrap(), None);
        assert_eq!(
            from_payload::<Option<u8>>(&payload(BINARY_NULL, b"")).unwrap(),
            None
        );
    }

    #[test]
    fn several_payloads_decode_as_a_tuple() {
        let ps = [to_payload("a").unwrap(), to_payload(&2).unwrap()];
        assert_eq!(from_payloads::<(String, i32)>(&ps).unwrap(), ("a".into(), 2));
    }

    #[test]
    fn malformed_json_names_encoding_type_and_position() {
        let err = from_payload::<u32>(&payload(JSON_PLAIN, b"\"x\"")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("json/plain") && text.contains("u32") && text.contains("column"),
            "{text}"
        );
    }

    #[test]
    fn unknown_encoding_is_named() {
        let err = from_payload::<u32>(&payload(b"binary/encrypted", b"")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`binary/encrypted`") && text.contains("codec"),
            "{text}"
        );
        let err = from_payload::<u32>(&payload(b"binary/protobuf", b"")).unwrap_err();
        assert!(err.to_string().contains("binary/protobuf"), "{err}");
    }

    #[test]
    fn each_kind_of_value_gets_the_encoding_the_other_sdks_use() {
        let encoding = |p: &Payload| String::from_utf8_lossy(&p.metadata[ENCODING_KEY]).into_owned();
        assert_eq!(encoding(&to_payload(&()).unwrap()), "binary/null");
        assert_eq!(
            encoding(&to_payload(&Option::<String>::None).unwrap()),
            "binary/null"
        );
        let bytes = serde_bytes::ByteBuf::from(vec![0u8, 159, 146, 150]);
        let p = to_payload(&bytes).unwrap();
        assert_eq!(
            (encoding(&p), p.data.clone()),
            ("binary/plain".into(), vec![0, 159, 146, 150])
        );
        assert_eq!(from_payload::<serde_bytes::ByteBuf>(&p).unwrap(), bytes);
        assert_eq!(encoding(&to_payload(&Some("x")).unwrap()), "json/plain");
        assert_eq!(
            encoding(&to_payload(&vec![1u8, 2]).unwrap()),
            "json/plain",
            "a Vec<u8> is a JSON array"
        );
    }

    #[test]
    fn a_protobuf_payload_read_as_another_type_says_what_to_use() {
        use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;
        let p = to_payload(&Proto(WorkflowExecution::default())).unwrap();
        let err = from_payload::<serde_json::Value>(&p).unwrap_err().to_string();
        assert!(
            err.contains("Proto") && err.contains("temporal.api.common.v1.WorkflowExecution"),
            "{err}"
        );
        let err = from_payload::<Proto<temporalio_common::protos::temporal::api::common::v1::Payload>>(&p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a `temporal.api.common.v1.Payload`"), "{err}");
        // Either wrapper reads either encoding.
        let json = to_payload(&ProtoJson(WorkflowExecution {
            workflow_id: "w".into(),
            run_id: "r".into(),
        }))
        .unwrap();
        let Proto(back): Proto<WorkflowExecution> = from_payload(&json).unwrap();
        assert_eq!(back.workflow_id, "w");
    }

    #[test]
    fn binary_plain_reads_as_string() {
        assert_eq!(
            from_payload::<String>(&payload(BINARY_PLAIN, b"hi")).unwrap(),
            "hi"
        );
    }
}
