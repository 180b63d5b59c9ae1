//! Arguments as payload lists: a value becomes one payload, `()` becomes none, and [`Args`]
//! becomes one payload per element, as the other SDKs send several arguments.

use super::{Payload, PayloadError, to_payload};
use serde::{Deserialize, Serialize, Serializer, ser};

/// Several arguments, sent as one payload each (how the Python, Go and TypeScript SDKs pass
/// `f(a, b)`), and received from several payloads. Use it as the input type of a workflow,
/// activity, signal, query or update that takes more than one argument:
///
/// ```
/// use ironflow::converter::{Args, from_payloads, to_payloads};
/// let payloads = to_payloads(&Args(("order-1".to_string(), 3u32))).unwrap();
/// assert_eq!(payloads.len(), 2);
/// let Args((id, n)): Args<(String, u32)> = from_payloads(&payloads).unwrap();
/// assert_eq!((id.as_str(), n), ("order-1", 3));
/// assert!(to_payloads(&()).unwrap().is_empty()); // no argument at all
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Args<T>(pub T);

const ARGS_MARKER: &str = "$ironflow::converter::Args";

impl<T: Serialize> Serialize for Args<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(ARGS_MARKER, &self.0)
    }
}

/// Serializes a value as the payload list of a call: none for `()`, one per element for
/// [`Args`], one otherwise.
pub fn to_payloads<T: Serialize + ?Sized>(value: &T) -> Result<Vec<Payload>, PayloadError> {
    match value.serialize(ArgsProbe) {
        Ok(Some(elements)) => elements.iter().map(to_payload).collect(),
        Ok(None) => Ok(Vec::new()),
        Err(NotArgs) => Ok(vec![to_payload(value)?]),
    }
}

/// Recognises `()` (`Ok(None)`: no payload) and [`Args`] (`Ok(Some(elements))`) without
/// serializing anything else: every other shape stops at once with `NotArgs`.
struct ArgsProbe;

#[derive(Debug)]
struct NotArgs;

impl std::fmt::Display for NotArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not Args")
    }
}

impl std::error::Error for NotArgs {}

impl ser::Error for NotArgs {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        NotArgs
    }
}

macro_rules! not_args {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, NotArgs> { Err(NotArgs) })*
    };
}

impl Serializer for ArgsProbe {
    type Ok = Option<Vec<serde_json::Value>>;
    type Error = NotArgs;
    type SerializeSeq = ser::Impossible<Self::Ok, NotArgs>;
    type SerializeTuple = ser::Impossible<Self::Ok, NotArgs>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, NotArgs>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, NotArgs>;
    type SerializeMap = ser::Impossible<Self::Ok, NotArgs>;
    type SerializeStruct = ser::Impossible<Self::Ok, NotArgs>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, NotArgs>;

    not_args!(
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
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_unit(self) -> Result<Self::Ok, NotArgs> {
        Ok(None)
    }

    fn serialize_some<V: Serialize + ?Sized>(self, _: &V) -> Result<Self::Ok, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &V,
    ) -> Result<Self::Ok, NotArgs> {
        if name != ARGS_MARKER {
            return Err(NotArgs);
        }
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Array(elements)) => Ok(Some(elements)),
            Ok(other) => Ok(Some(vec![other])),
            Err(_) => Err(NotArgs),
        }
    }

    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<Self::Ok, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotArgs> {
        Err(NotArgs)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotArgs> {
        Err(NotArgs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_no_payload_a_value_is_one_args_are_several() {
        assert!(to_payloads(&()).unwrap().is_empty());
        assert_eq!(
            to_payloads(&(1, 2)).unwrap().len(),
            1,
            "a tuple is one JSON array payload"
        );
        assert_eq!(to_payloads(&Args((1, "a", true))).unwrap().len(), 3);
        assert_eq!(to_payloads(&Option::<u8>::None).unwrap().len(), 1);
        let back: Args<(u8, String, bool)> =
            crate::converter::from_payloads(&to_payloads(&Args((1u8, "a", true))).unwrap()).unwrap();
        assert_eq!(back, Args((1, "a".to_string(), true)));
        let none: () = crate::converter::from_payloads(&[]).unwrap();
        assert_eq!(none, ());
    }
}
