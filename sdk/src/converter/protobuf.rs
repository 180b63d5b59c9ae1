//! Protobuf messages as payloads, as the other SDKs write them: [`ProtoJson`] for `json/protobuf`
//! (proto3 JSON; the Python and Go SDKs' default for messages) and [`Proto`] for
//! `binary/protobuf`, both with the `messageType` metadata naming the message. Either wrapper
//! reads either encoding. JSON needs the message's descriptor: Temporal's own messages are known,
//! others are added with [`register_protobuf_descriptors`].

use super::{ENCODING_KEY, Payload, PayloadError};
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use std::sync::{OnceLock, RwLock};

/// Every Temporal API message's descriptor, as `temporalio-protos` compiled them.
pub(crate) static TEMPORAL_DESCRIPTORS: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/temporal_descriptors.bin"));

/// `json/protobuf`.
pub const JSON_PROTOBUF: &[u8] = b"json/protobuf";
/// `binary/protobuf`.
pub const BINARY_PROTOBUF: &[u8] = b"binary/protobuf";
/// The metadata key naming a protobuf payload's message type.
pub const MESSAGE_TYPE_KEY: &str = "messageType";

pub(super) const BINARY_MARKER: &str = "$ironflow::converter::Proto";
pub(super) const JSON_MARKER: &str = "$ironflow::converter::ProtoJson";

/// A protobuf message written as `binary/protobuf`. It must be the whole value converted (a
/// workflow's input, an activity's result...), not a field of a serde struct.
///
/// ```
/// use ironflow::converter::{Proto, from_payload, to_payload};
/// use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;
///
/// let execution = WorkflowExecution { workflow_id: "order-1".into(), run_id: "r1".into() };
/// let payload = to_payload(&Proto(execution.clone())).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"binary/protobuf");
/// assert_eq!(payload.metadata["messageType"], b"temporal.api.common.v1.WorkflowExecution");
/// let Proto(back): Proto<WorkflowExecution> = from_payload(&payload).unwrap();
/// assert_eq!(back, execution);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proto<M>(pub M);

/// A protobuf message written as `json/protobuf` (proto3 JSON, what the Python and Go SDKs write
/// for messages by default). Its descriptor must be known ([`register_protobuf_descriptors`]).
///
/// ```
/// use ironflow::converter::{ProtoJson, from_payload, to_payload};
/// use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;
///
/// let execution = WorkflowExecution { workflow_id: "order-1".into(), run_id: "r1".into() };
/// let payload = to_payload(&ProtoJson(execution.clone())).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"json/protobuf");
/// assert_eq!(payload.data, br#"{"workflowId":"order-1","runId":"r1"}"#);
/// let ProtoJson(back): ProtoJson<WorkflowExecution> = from_payload(&payload).unwrap();
/// assert_eq!(back, execution);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtoJson<M>(pub M);

/// The message's type and binary encoding, as the wrappers hand them to the payload converter.
struct Parts<'a> {
    type_name: &'a str,
    bytes: &'a [u8],
}

impl Serialize for Parts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut t = serializer.serialize_tuple(2)?;
        t.serialize_element(self.type_name)?;
        t.serialize_element(serde_bytes::Bytes::new(self.bytes))?;
        t.end()
    }
}

impl<M: prost::Message + prost::Name> Serialize for Proto<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.0.encode_to_vec();
        serializer.serialize_newtype_struct(
            BINARY_MARKER,
            &Parts {
                type_name: &M::full_name(),
                bytes: &bytes,
            },
        )
    }
}

impl<M: prost::Message + prost::Name> Serialize for ProtoJson<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.0.encode_to_vec();
        serializer.serialize_newtype_struct(
            JSON_MARKER,
            &Parts {
                type_name: &M::full_name(),
                bytes: &bytes,
            },
        )
    }
}

/// Reads the (type name, bytes) pair the payload converter's deserializer offers.
struct PartsVisitor<M>(std::marker::PhantomData<M>);

impl<'de, M: prost::Message + prost::Name + Default> Visitor<'de> for PartsVisitor<M> {
    type Value = M;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a protobuf payload of `{}`", M::full_name())
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<M, D::Error> {
        deserializer.deserialize_tuple(2, self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<M, A::Error> {
        let type_name: ByteVec = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("the message type is missing"))?;
        let bytes: ByteVec = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("the message bytes are missing"))?;
        let type_name = String::from_utf8_lossy(&type_name.0);
        let expected = M::full_name();
        if !type_name.is_empty() && type_name != expected {
            return Err(de::Error::custom(format!(
                "the payload holds a `{type_name}` message, not a `{expected}`"
            )));
        }
        M::decode(bytes.0.as_slice()).map_err(|e| de::Error::custom(format!("not a valid `{expected}`: {e}")))
    }
}

/// Bytes from a byte-slice element.
struct ByteVec(Vec<u8>);

impl<'de> Deserialize<'de> for ByteVec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteVec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ByteVec, E> {
                Ok(ByteVec(v.to_vec()))
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<ByteVec, E> {
                Ok(ByteVec(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<ByteVec, E> {
                Ok(ByteVec(v))
            }
        }
        deserializer.deserialize_bytes(V)
    }
}

impl<'de, M: prost::Message + prost::Name + Default> Deserialize<'de> for Proto<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_newtype_struct(BINARY_MARKER, PartsVisitor(std::marker::PhantomData))
            .map(Proto)
    }
}

impl<'de, M: prost::Message + prost::Name + Default> Deserialize<'de> for ProtoJson<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_newtype_struct(JSON_MARKER, PartsVisitor(std::marker::PhantomData))
            .map(ProtoJson)
    }
}

/// The descriptors known for `json/protobuf`: Temporal's, plus those registered.
fn pool() -> &'static RwLock<DescriptorPool> {
    static POOL: OnceLock<RwLock<DescriptorPool>> = OnceLock::new();
    POOL.get_or_init(|| RwLock::new(DescriptorPool::decode(TEMPORAL_DESCRIPTORS).unwrap_or_default()))
}

/// Makes the messages of a serialized `FileDescriptorSet` (what `protoc --descriptor_set_out`
/// or `prost_build::Config::file_descriptor_set_path` writes, with `--include_imports`) usable
/// as `json/protobuf` payloads.
pub fn register_protobuf_descriptors(file_descriptor_set: &[u8]) -> Result<(), PayloadError> {
    let mut pool = pool().write().unwrap_or_else(|p| p.into_inner());
    pool.decode_file_descriptor_set(file_descriptor_set)
        .map_err(|e| PayloadError::Encode {
            source_type: "FileDescriptorSet",
            message: format!("cannot register the descriptors: {e}"),
        })
}

fn descriptor(type_name: &str) -> Option<prost_reflect::MessageDescriptor> {
    pool()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get_message_by_name(type_name)
}

fn unknown(type_name: &str) -> String {
    format!(
        "no descriptor for message `{type_name}`: register its file descriptor set with \
         ironflow::converter::register_protobuf_descriptors"
    )
}

/// A `json/protobuf` payload of a message given in binary.
pub(super) fn json_payload(type_name: &str, bytes: &[u8]) -> Result<Payload, PayloadError> {
    let encode_err = |message: String| PayloadError::Encode {
        source_type: "ProtoJson",
        message,
    };
    let desc = descriptor(type_name).ok_or_else(|| encode_err(unknown(type_name)))?;
    let message = DynamicMessage::decode(desc, bytes).map_err(|e| encode_err(e.to_string()))?;
    let mut data = Vec::new();
    let mut serializer = serde_json::Serializer::new(&mut data);
    message
        .serialize_with_options(&mut serializer, &SerializeOptions::new())
        .map_err(|e| encode_err(e.to_string()))?;
    Ok(payload(JSON_PROTOBUF, type_name, data))
}

/// A `binary/protobuf` payload.
pub(super) fn binary_payload(type_name: &str, bytes: &[u8]) -> Payload {
    payload(BINARY_PROTOBUF, type_name, bytes.to_vec())
}

fn payload(encoding: &[u8], type_name: &str, data: Vec<u8>) -> Payload {
    Payload {
        metadata: [
            (ENCODING_KEY.to_string(), encoding.to_vec()),
            (MESSAGE_TYPE_KEY.to_string(), type_name.as_bytes().to_vec()),
        ]
        .into(),
        data,
        ..Default::default()
    }
}

/// The (type name, binary bytes) of a protobuf payload of either encoding.
pub(super) fn message_of(payload: &Payload, json: bool) -> Result<(String, Vec<u8>), String> {
    let type_name = payload
        .metadata
        .get(MESSAGE_TYPE_KEY)
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .unwrap_or_default();
    if !json {
        return Ok((type_name, payload.data.clone()));
    }
    if type_name.is_empty() {
        return Err(format!(
            "a json/protobuf payload needs `{MESSAGE_TYPE_KEY}` metadata"
        ));
    }
    let desc = descriptor(&type_name).ok_or_else(|| unknown(&type_name))?;
    let mut deserializer = serde_json::Deserializer::from_slice(&payload.data);
    let message = DynamicMessage::deserialize(desc, &mut deserializer).map_err(|e| e.to_string())?;
    Ok((type_name, prost::Message::encode_to_vec(&message)))
}

/// The deserializer a protobuf payload is read through: only the wrappers accept it.
pub(super) struct ProtoDeserializer {
    pub(super) type_name: String,
    pub(super) bytes: Vec<u8>,
    pub(super) encoding: &'static str,
}

impl<'de> Deserializer<'de> for ProtoDeserializer {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom(format!(
            "a {} payload of message `{}` can only be read as ironflow::converter::Proto or ProtoJson",
            self.encoding, self.type_name
        )))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == BINARY_MARKER || name == JSON_MARKER {
            visitor.visit_newtype_struct(self)
        } else {
            self.deserialize_any(visitor)
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_seq(TwoParts([self.type_name.into_bytes(), self.bytes].into_iter()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple_struct
        map struct enum identifier ignored_any
    }
}

/// The two parts (type name, bytes), each read as owned bytes.
struct TwoParts(std::array::IntoIter<Vec<u8>, 2>);

impl<'de> SeqAccess<'de> for TwoParts {
    type Error = de::value::Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        match self.0.next() {
            Some(bytes) => seed.deserialize(OwnedBytes(bytes)).map(Some),
            None => Ok(None),
        }
    }
}

/// Owned bytes as a deserializer.
struct OwnedBytes(Vec<u8>);

impl<'de> Deserializer<'de> for OwnedBytes {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_byte_buf(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct
        map struct enum identifier ignored_any
    }
}
