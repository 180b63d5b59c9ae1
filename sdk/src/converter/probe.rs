//! Chooses a value's encoding the way the other SDKs' payload converters do, by looking at the
//! value itself: `()`/`None`/unit structs → `binary/null`, bytes (`serialize_bytes`, e.g.
//! `serde_bytes::ByteBuf`) → `binary/plain`, [`super::Proto`]/[`super::ProtoJson`] →
//! protobuf, anything else → `json/plain`. The probe stops at the first serializer call that is
//! none of these, so plain values cost one extra call.

use super::protobuf::{BINARY_MARKER, JSON_MARKER};
use serde::ser::{self, Impossible, Serialize, SerializeTuple, Serializer};

/// What the probe found.
pub(super) enum Kind {
    Null,
    Bytes(Vec<u8>),
    Proto {
        json: bool,
        type_name: String,
        bytes: Vec<u8>,
    },
}

/// Not a special value: JSON.
#[derive(Debug)]
pub(super) struct Plain;

impl std::fmt::Display for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a plain value")
    }
}

impl std::error::Error for Plain {}

impl ser::Error for Plain {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Plain
    }
}

/// The special kind of `value`, if it has one.
pub(super) fn probe<T: Serialize + ?Sized>(value: &T) -> Option<Kind> {
    value.serialize(KindProbe).ok()
}

struct KindProbe;

macro_rules! plain {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Plain> { Err(Plain) })*
    };
}

impl Serializer for KindProbe {
    type Ok = Kind;
    type Error = Plain;
    type SerializeSeq = Impossible<Kind, Plain>;
    type SerializeTuple = Impossible<Kind, Plain>;
    type SerializeTupleStruct = Impossible<Kind, Plain>;
    type SerializeTupleVariant = Impossible<Kind, Plain>;
    type SerializeMap = Impossible<Kind, Plain>;
    type SerializeStruct = Impossible<Kind, Plain>;
    type SerializeStructVariant = Impossible<Kind, Plain>;

    plain!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_bytes(self, v: &[u8]) -> Result<Kind, Plain> {
        Ok(Kind::Bytes(v.to_vec()))
    }

    fn serialize_none(self) -> Result<Kind, Plain> {
        Ok(Kind::Null)
    }

    fn serialize_some<V: Serialize + ?Sized>(self, value: &V) -> Result<Kind, Plain> {
        value.serialize(KindProbe)
    }

    fn serialize_unit(self) -> Result<Kind, Plain> {
        Ok(Kind::Null)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Kind, Plain> {
        Ok(Kind::Null)
    }

    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &V,
    ) -> Result<Kind, Plain> {
        let json = match name {
            BINARY_MARKER => false,
            JSON_MARKER => true,
            // serde_json writes a newtype struct as what it wraps.
            _ => return value.serialize(KindProbe),
        };
        let mut parts = value.serialize(PartsCapture)?;
        let bytes = parts.pop().ok_or(Plain)?;
        let type_name = String::from_utf8(parts.pop().ok_or(Plain)?).map_err(|_| Plain)?;
        Ok(Kind::Proto {
            json,
            type_name,
            bytes,
        })
    }

    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<Kind, Plain> {
        Err(Plain)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Plain> {
        Err(Plain)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Plain> {
        Err(Plain)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Plain> {
        Err(Plain)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Plain> {
        Err(Plain)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Plain> {
        Err(Plain)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Plain> {
        Err(Plain)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Plain> {
        Err(Plain)
    }
}

/// Captures the protobuf wrappers' (type name, bytes) tuple.
struct PartsCapture;

struct Parts(Vec<Vec<u8>>);

impl SerializeTuple for Parts {
    type Ok = Vec<Vec<u8>>;
    type Error = Plain;

    fn serialize_element<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Plain> {
        self.0.push(value.serialize(LeafCapture)?);
        Ok(())
    }

    fn end(self) -> Result<Vec<Vec<u8>>, Plain> {
        Ok(self.0)
    }
}

impl Serializer for PartsCapture {
    type Ok = Vec<Vec<u8>>;
    type Error = Plain;
    type SerializeSeq = Impossible<Self::Ok, Plain>;
    type SerializeTuple = Parts;
    type SerializeTupleStruct = Impossible<Self::Ok, Plain>;
    type SerializeTupleVariant = Impossible<Self::Ok, Plain>;
    type SerializeMap = Impossible<Self::Ok, Plain>;
    type SerializeStruct = Impossible<Self::Ok, Plain>;
    type SerializeStructVariant = Impossible<Self::Ok, Plain>;

    fn serialize_tuple(self, len: usize) -> Result<Parts, Plain> {
        Ok(Parts(Vec::with_capacity(len)))
    }

    plain!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<V: Serialize + ?Sized>(self, _: &V) -> Result<Self::Ok, Plain> {
        Err(Plain)
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &V,
    ) -> Result<Self::Ok, Plain> {
        Err(Plain)
    }
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<Self::Ok, Plain> {
        Err(Plain)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Plain> {
        Err(Plain)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Plain> {
        Err(Plain)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Plain> {
        Err(Plain)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Plain> {
        Err(Plain)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Plain> {
        Err(Plain)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Plain> {
        Err(Plain)
    }
}

/// Captures one string or byte string.
struct LeafCapture;

impl Serializer for LeafCapture {
    type Ok = Vec<u8>;
    type Error = Plain;
    type SerializeSeq = Impossible<Vec<u8>, Plain>;
    type SerializeTuple = Impossible<Vec<u8>, Plain>;
    type SerializeTupleStruct = Impossible<Vec<u8>, Plain>;
    type SerializeTupleVariant = Impossible<Vec<u8>, Plain>;
    type SerializeMap = Impossible<Vec<u8>, Plain>;
    type SerializeStruct = Impossible<Vec<u8>, Plain>;
    type SerializeStructVariant = Impossible<Vec<u8>, Plain>;

    fn serialize_str(self, v: &str) -> Result<Vec<u8>, Plain> {
        Ok(v.as_bytes().to_vec())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Vec<u8>, Plain> {
        Ok(v.to_vec())
    }

    plain!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<V: Serialize + ?Sized>(self, _: &V) -> Result<Vec<u8>, Plain> {
        Err(Plain)
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &V,
    ) -> Result<Vec<u8>, Plain> {
        Err(Plain)
    }
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<Vec<u8>, Plain> {
        Err(Plain)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Plain> {
        Err(Plain)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Plain> {
        Err(Plain)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Plain> {
        Err(Plain)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Plain> {
        Err(Plain)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Plain> {
        Err(Plain)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Plain> {
        Err(Plain)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Plain> {
        Err(Plain)
    }
}
