//! The fast path of history JSON writing: events serialized straight from their protobuf wire
//! bytes, driven by per-message plans precomputed from the descriptors (field numbers, JSON
//! names, kinds, enum names), producing exactly what prost-reflect's serializer produces — the
//! CLI's form — at a fraction of its cost (no `DynamicMessage` is built). Map entries are written
//! in key order (as the CLI writes them; prost-reflect's order is a hash map's). An event holding
//! a well-known type other than `Timestamp`/`Duration` is left to the general path.

use prost_reflect::{Kind, MessageDescriptor};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::collections::HashMap;

/// What a field holds.
#[derive(Debug, Clone)]
enum FieldKind {
    Double,
    Float,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Bool,
    String,
    Bytes,
    /// Enum value names, sorted by number.
    Enum(Vec<(i32, String)>),
    /// A message: index of its plan.
    Message(usize),
    Timestamp,
    Duration,
    /// A map: key kind, value kind.
    Map(Box<FieldKind>, Box<FieldKind>),
    /// A well-known type this writer leaves to the general path.
    Unsupported,
}

#[derive(Debug, Clone)]
struct FieldPlan {
    json_name: String,
    kind: FieldKind,
    list: bool,
}

/// Fields of one message type, indexed by field number.
#[derive(Debug, Default)]
struct MessagePlan {
    fields: Vec<Option<FieldPlan>>,
}

impl MessagePlan {
    fn field(&self, number: u32) -> Option<&FieldPlan> {
        self.fields.get(number as usize).and_then(Option::as_ref)
    }
}

/// The plans of every message reachable from the history event.
#[derive(Debug)]
pub(super) struct Plans {
    messages: Vec<MessagePlan>,
    root: usize,
}

impl Plans {
    pub(super) fn build(root: &MessageDescriptor) -> Self {
        let mut plans = Plans {
            messages: Vec::new(),
            root: 0,
        };
        let mut index = HashMap::new();
        plans.root = plans.plan(root, &mut index);
        plans
    }

    fn plan(&mut self, desc: &MessageDescriptor, index: &mut HashMap<String, usize>) -> usize {
        if let Some(i) = index.get(desc.full_name()) {
            return *i;
        }
        let i = self.messages.len();
        self.messages.push(MessagePlan::default());
        index.insert(desc.full_name().to_string(), i);
        let mut fields: Vec<Option<FieldPlan>> = Vec::new();
        for field in desc.fields() {
            let kind = if field.is_map() {
                let Kind::Message(entry) = field.kind() else {
                    continue;
                };
                let key = self.kind(&entry.map_entry_key_field().kind(), index);
                let value = self.kind(&entry.map_entry_value_field().kind(), index);
                FieldKind::Map(Box::new(key), Box::new(value))
            } else {
                self.kind(&field.kind(), index)
            };
            let number = field.number() as usize;
            if fields.len() <= number {
                fields.resize(number + 1, None);
            }
            fields[number] = Some(FieldPlan {
                json_name: field.json_name().to_string(),
                kind,
                list: field.is_list(),
            });
        }
        self.messages[i].fields = fields;
        i
    }

    fn kind(&mut self, kind: &Kind, index: &mut HashMap<String, usize>) -> FieldKind {
        match kind {
            Kind::Double => FieldKind::Double,
            Kind::Float => FieldKind::Float,
            Kind::Int32 => FieldKind::Int32,
            Kind::Int64 => FieldKind::Int64,
            Kind::Uint32 => FieldKind::Uint32,
            Kind::Uint64 => FieldKind::Uint64,
            Kind::Sint32 => FieldKind::Sint32,
            Kind::Sint64 => FieldKind::Sint64,
            Kind::Fixed32 => FieldKind::Fixed32,
            Kind::Fixed64 => FieldKind::Fixed64,
            Kind::Sfixed32 => FieldKind::Sfixed32,
            Kind::Sfixed64 => FieldKind::Sfixed64,
            Kind::Bool => FieldKind::Bool,
            Kind::String => FieldKind::String,
            Kind::Bytes => FieldKind::Bytes,
            Kind::Enum(e) if e.full_name() == "google.protobuf.NullValue" => FieldKind::Unsupported,
            Kind::Enum(e) => {
                let mut names: Vec<(i32, String)> =
                    e.values().map(|v| (v.number(), v.name().to_string())).collect();
                names.sort_by_key(|(n, _)| *n);
                names.dedup_by_key(|(n, _)| *n);
                FieldKind::Enum(names)
            }
            Kind::Message(m) => match m.full_name() {
                "google.protobuf.Timestamp" => FieldKind::Timestamp,
                "google.protobuf.Duration" => FieldKind::Duration,
                name if name.starts_with("google.protobuf.") => FieldKind::Unsupported,
                _ => FieldKind::Message(self.plan(m, index)),
            },
        }
    }

    /// An event, from its encoded bytes.
    pub(super) fn event<'a>(&'a self, bytes: &'a [u8]) -> WireMessage<'a> {
        WireMessage {
            plans: self,
            plan: self.root,
            bytes,
        }
    }
}

/// A message to serialize from its wire bytes.
pub(super) struct WireMessage<'a> {
    plans: &'a Plans,
    plan: usize,
    bytes: &'a [u8],
}

/// One field occurrence on the wire.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Varint(u64),
    Fixed32(u32),
    Fixed64(u64),
    Bytes(&'a [u8]),
}

fn varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

/// The fields of a message in wire order: (number, raw value); most messages have few, so they
/// stay on the stack.
type FieldList<'a> = smallvec::SmallVec<[(u32, Raw<'a>); 12]>;

fn fields(bytes: &[u8]) -> Result<FieldList<'_>, String> {
    let mut out = FieldList::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let key = varint(bytes, &mut pos)?;
        let number = u32::try_from(key >> 3).map_err(|_| "field number too large")?;
        let raw = match key & 7 {
            0 => Raw::Varint(varint(bytes, &mut pos)?),
            1 => {
                let b: [u8; 8] = bytes
                    .get(pos..pos + 8)
                    .ok_or("truncated fixed64")?
                    .try_into()
                    .map_err(|_| "fixed64")?;
                pos += 8;
                Raw::Fixed64(u64::from_le_bytes(b))
            }
            2 => {
                let len = usize::try_from(varint(bytes, &mut pos)?).map_err(|_| "length too large")?;
                let b = bytes
                    .get(pos..pos + len)
                    .ok_or("truncated length-delimited field")?;
                pos += len;
                Raw::Bytes(b)
            }
            5 => {
                let b: [u8; 4] = bytes
                    .get(pos..pos + 4)
                    .ok_or("truncated fixed32")?
                    .try_into()
                    .map_err(|_| "fixed32")?;
                pos += 4;
                Raw::Fixed32(u32::from_le_bytes(b))
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        out.push((number, raw));
    }
    Ok(out)
}

impl Serialize for WireMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let plan = &self.plans.messages[self.plan];
        let mut raw = fields(self.bytes).map_err(S::Error::custom)?;
        if !raw.is_sorted_by_key(|(n, _)| *n) {
            raw.sort_by_key(|(n, _)| *n); // stable: repeated occurrences keep their order
        }
        let mut map = s.serialize_map(None)?;
        let mut i = 0;
        while i < raw.len() {
            let number = raw[i].0;
            let mut j = i;
            while j < raw.len() && raw[j].0 == number {
                j += 1;
            }
            let group = &raw[i..j];
            i = j;
            let Some(field) = plan.field(number) else {
                continue; // unknown fields are not written, as prost-reflect does
            };
            let value = FieldValue {
                plans: self.plans,
                field,
                raws: group,
            };
            map.serialize_entry(field.json_name.as_str(), &value)?;
        }
        map.end()
    }
}

struct FieldValue<'a> {
    plans: &'a Plans,
    field: &'a FieldPlan,
    raws: &'a [(u32, Raw<'a>)],
}

impl Serialize for FieldValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = &self.field.kind;
        if let FieldKind::Map(key, value) = kind {
            let mut entries = Vec::with_capacity(self.raws.len());
            for (_, raw) in self.raws {
                let Raw::Bytes(entry) = raw else {
                    return Err(S::Error::custom("a map entry is not length-delimited"));
                };
                let mut k = None;
                let mut v = None;
                for (n, r) in fields(entry).map_err(S::Error::custom)? {
                    match n {
                        1 => k = Some(r),
                        2 => v = Some(r),
                        _ => {}
                    }
                }
                let key_text = match k {
                    Some(r) => map_key(key, r).map_err(S::Error::custom)?,
                    None => map_key_default(key),
                };
                entries.push((key_text, v));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, earlier| {
                // The last occurrence of a key wins, as in protobuf.
                if later.0 == earlier.0 {
                    earlier.1 = later.1;
                    true
                } else {
                    false
                }
            });
            let mut map = s.serialize_map(Some(entries.len()))?;
            for (k, v) in &entries {
                map.serialize_entry(
                    k,
                    &Single {
                        plans: self.plans,
                        kind: value,
                        raw: *v,
                    },
                )?;
            }
            return map.end();
        }
        if self.field.list {
            let mut values = Vec::new();
            for (_, raw) in self.raws {
                match (raw, packable(kind)) {
                    (Raw::Bytes(b), true) => unpack(kind, b, &mut values).map_err(S::Error::custom)?,
                    _ => values.push(*raw),
                }
            }
            let mut seq = s.serialize_seq(Some(values.len()))?;
            for raw in values {
                seq.serialize_element(&Single {
                    plans: self.plans,
                    kind,
                    raw: Some(raw),
                })?;
            }
            return seq.end();
        }
        // A singular field repeated on the wire: the last one wins (messages merge; prost never
        // writes that).
        let raw = self.raws.last().map(|(_, r)| *r);
        Single {
            plans: self.plans,
            kind,
            raw,
        }
        .serialize(s)
    }
}

fn packable(kind: &FieldKind) -> bool {
    !matches!(
        kind,
        FieldKind::String
            | FieldKind::Bytes
            | FieldKind::Message(_)
            | FieldKind::Timestamp
            | FieldKind::Duration
            | FieldKind::Map(..)
            | FieldKind::Unsupported
    )
}

fn unpack<'a>(kind: &FieldKind, bytes: &'a [u8], out: &mut Vec<Raw<'a>>) -> Result<(), String> {
    let mut pos = 0;
    while pos < bytes.len() {
        let raw = match kind {
            FieldKind::Fixed32 | FieldKind::Sfixed32 | FieldKind::Float => {
                let b: [u8; 4] = bytes
                    .get(pos..pos + 4)
                    .ok_or("truncated")?
                    .try_into()
                    .map_err(|_| "fixed32")?;
                pos += 4;
                Raw::Fixed32(u32::from_le_bytes(b))
            }
            FieldKind::Fixed64 | FieldKind::Sfixed64 | FieldKind::Double => {
                let b: [u8; 8] = bytes
                    .get(pos..pos + 8)
                    .ok_or("truncated")?
                    .try_into()
                    .map_err(|_| "fixed64")?;
                pos += 8;
                Raw::Fixed64(u64::from_le_bytes(b))
            }
            _ => Raw::Varint(varint(bytes, &mut pos)?),
        };
        out.push(raw);
    }
    Ok(())
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn map_key(kind: &FieldKind, raw: Raw<'_>) -> Result<String, String> {
    Ok(match (kind, raw) {
        (FieldKind::String, Raw::Bytes(b)) => std::str::from_utf8(b).map_err(|e| e.to_string())?.to_string(),
        (FieldKind::Bool, Raw::Varint(v)) => (v != 0).to_string(),
        (FieldKind::Int32, Raw::Varint(v)) => (v as i32).to_string(),
        (FieldKind::Int64, Raw::Varint(v)) => (v as i64).to_string(),
        (FieldKind::Uint32, Raw::Varint(v)) => (v as u32).to_string(),
        (FieldKind::Uint64, Raw::Varint(v)) => v.to_string(),
        (FieldKind::Sint32, Raw::Varint(v)) => (zigzag(v) as i32).to_string(),
        (FieldKind::Sint64, Raw::Varint(v)) => zigzag(v).to_string(),
        (FieldKind::Fixed32, Raw::Fixed32(v)) => v.to_string(),
        (FieldKind::Sfixed32, Raw::Fixed32(v)) => (v as i32).to_string(),
        (FieldKind::Fixed64, Raw::Fixed64(v)) => v.to_string(),
        (FieldKind::Sfixed64, Raw::Fixed64(v)) => (v as i64).to_string(),
        _ => return Err("unexpected map key".into()),
    })
}

fn map_key_default(kind: &FieldKind) -> String {
    match kind {
        FieldKind::String => String::new(),
        FieldKind::Bool => "false".into(),
        _ => "0".into(),
    }
}

/// One value of a field (`None`: a map entry without its value, the type's default).
struct Single<'a> {
    plans: &'a Plans,
    kind: &'a FieldKind,
    raw: Option<Raw<'a>>,
}

impl Serialize for Single<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let wrong = || S::Error::custom("a field's wire type does not match its descriptor");
        let Some(raw) = self.raw else {
            return match self.kind {
                FieldKind::Message(plan) => WireMessage {
                    plans: self.plans,
                    plan: *plan,
                    bytes: &[],
                }
                .serialize(s),
                FieldKind::String | FieldKind::Bytes => s.serialize_str(""),
                FieldKind::Bool => s.serialize_bool(false),
                FieldKind::Int64
                | FieldKind::Uint64
                | FieldKind::Sint64
                | FieldKind::Fixed64
                | FieldKind::Sfixed64 => s.serialize_str("0"),
                _ => Err(S::Error::custom("a map value without a value")),
            };
        };
        match (self.kind, raw) {
            (FieldKind::Bool, Raw::Varint(v)) => s.serialize_bool(v != 0),
            (FieldKind::Int32, Raw::Varint(v)) => s.serialize_i32(v as i32),
            (FieldKind::Uint32, Raw::Varint(v)) => s.serialize_u32(v as u32),
            (FieldKind::Sint32, Raw::Varint(v)) => s.serialize_i32(zigzag(v) as i32),
            (FieldKind::Int64, Raw::Varint(v)) => s.serialize_str(itoa::Buffer::new().format(v as i64)),
            (FieldKind::Uint64, Raw::Varint(v)) => s.serialize_str(itoa::Buffer::new().format(v)),
            (FieldKind::Sint64, Raw::Varint(v)) => s.serialize_str(itoa::Buffer::new().format(zigzag(v))),
            (FieldKind::Fixed32, Raw::Fixed32(v)) => s.serialize_u32(v),
            (FieldKind::Sfixed32, Raw::Fixed32(v)) => s.serialize_i32(v as i32),
            (FieldKind::Fixed64, Raw::Fixed64(v)) => s.serialize_str(itoa::Buffer::new().format(v)),
            (FieldKind::Sfixed64, Raw::Fixed64(v)) => s.serialize_str(itoa::Buffer::new().format(v as i64)),
            (FieldKind::Float, Raw::Fixed32(v)) => {
                float(s, f64::from(f32::from_bits(v)), Some(f32::from_bits(v)))
            }
            (FieldKind::Double, Raw::Fixed64(v)) => float(s, f64::from_bits(v), None),
            (FieldKind::String, Raw::Bytes(b)) => {
                s.serialize_str(std::str::from_utf8(b).map_err(S::Error::custom)?)
            }
            (FieldKind::Bytes, Raw::Bytes(b)) => {
                use base64::Engine as _;
                thread_local! {
                    static BASE64: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
                }
                BASE64.with_borrow_mut(|buf| {
                    buf.clear();
                    base64::engine::general_purpose::STANDARD.encode_string(b, buf);
                    s.serialize_str(buf)
                })
            }
            (FieldKind::Enum(names), Raw::Varint(v)) => {
                match names.binary_search_by_key(&(v as i32), |(n, _)| *n) {
                    Ok(i) => s.serialize_str(&names[i].1),
                    Err(_) => s.serialize_i32(v as i32),
                }
            }
            (FieldKind::Message(plan), Raw::Bytes(b)) => WireMessage {
                plans: self.plans,
                plan: *plan,
                bytes: b,
            }
            .serialize(s),
            (FieldKind::Timestamp, Raw::Bytes(b)) => {
                let t = <prost_types::Timestamp as prost::Message>::decode(b).map_err(S::Error::custom)?;
                s.serialize_str(&t.to_string())
            }
            (FieldKind::Duration, Raw::Bytes(b)) => {
                let d = <prost_types::Duration as prost::Message>::decode(b).map_err(S::Error::custom)?;
                s.serialize_str(&d.to_string())
            }
            (FieldKind::Unsupported, _) => Err(S::Error::custom(UNSUPPORTED)),
            _ => Err(wrong()),
        }
    }
}

/// The error text that sends an event to the general path.
pub(super) const UNSUPPORTED: &str = "ironflow-wire-json: unsupported well-known type";

fn float<S: Serializer>(s: S, v: f64, single: Option<f32>) -> Result<S::Ok, S::Error> {
    if v.is_nan() {
        s.serialize_str("NaN")
    } else if v == f64::INFINITY {
        s.serialize_str("Infinity")
    } else if v == f64::NEG_INFINITY {
        s.serialize_str("-Infinity")
    } else if let Some(f) = single {
        s.serialize_f32(f)
    } else {
        s.serialize_f64(v)
    }
}

/// serde_json's pretty formatter (two-space indent), started `depth` levels deep, so that one
/// event can be written on its own and placed inside the document.
pub(super) struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    pub(super) fn at_depth(depth: usize) -> Self {
        Self {
            depth,
            has_value: false,
        }
    }
}

fn indent<W: ?Sized + std::io::Write>(w: &mut W, n: usize) -> std::io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    let mut left = 2 * n;
    while left > 0 {
        let chunk = left.min(SPACES.len());
        w.write_all(&SPACES[..chunk])?;
        left -= chunk;
    }
    Ok(())
}

impl Pretty {
    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.depth)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
