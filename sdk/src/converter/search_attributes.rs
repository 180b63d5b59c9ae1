//! Search attributes (indexed, queryable in visibility: `temporal workflow list --query`) and
//! memo (unindexed, shown with the workflow), with the typed payloads Temporal expects.

use super::{ENCODING_KEY, JSON_PLAIN, Payload, PayloadError, from_payload, to_payload};
use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;
use temporalio_common::protos::temporal::api::{
    common::v1::{Memo as ProtoMemo, SearchAttributes as ProtoSearchAttributes},
    enums::v1::IndexedValueType,
};

/// A search attribute value, with its Temporal type.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchAttributeValue {
    /// Exact-match string (`Keyword`).
    Keyword(String),
    /// Full-text string (`Text`).
    Text(String),
    /// Integer (`Int`).
    Int(i64),
    /// Float (`Double`).
    Double(f64),
    /// Boolean (`Bool`).
    Bool(bool),
    /// Time (`Datetime`).
    Datetime(SystemTime),
    /// List of exact-match strings (`KeywordList`).
    KeywordList(Vec<String>),
}

/// Search attributes by name.
pub type SearchAttributes = BTreeMap<String, SearchAttributeValue>;

/// Memo fields by name (any JSON).
pub type Memo = BTreeMap<String, serde_json::Value>;

/// The type of a search attribute, as registered on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchAttributeType {
    /// `Keyword`.
    Keyword,
    /// `Text`.
    Text,
    /// `Int`.
    Int,
    /// `Double`.
    Double,
    /// `Bool`.
    Bool,
    /// `Datetime`.
    Datetime,
    /// `KeywordList`.
    KeywordList,
}

impl SearchAttributeType {
    /// The name Temporal uses in payload metadata and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Self::Keyword => "Keyword",
            Self::Text => "Text",
            Self::Int => "Int",
            Self::Double => "Double",
            Self::Bool => "Bool",
            Self::Datetime => "Datetime",
            Self::KeywordList => "KeywordList",
        }
    }

    pub(crate) fn to_proto(self) -> IndexedValueType {
        match self {
            Self::Keyword => IndexedValueType::Keyword,
            Self::Text => IndexedValueType::Text,
            Self::Int => IndexedValueType::Int,
            Self::Double => IndexedValueType::Double,
            Self::Bool => IndexedValueType::Bool,
            Self::Datetime => IndexedValueType::Datetime,
            Self::KeywordList => IndexedValueType::KeywordList,
        }
    }
}

impl SearchAttributeValue {
    /// The value's type.
    pub fn attribute_type(&self) -> SearchAttributeType {
        match self {
            Self::Keyword(_) => SearchAttributeType::Keyword,
            Self::Text(_) => SearchAttributeType::Text,
            Self::Int(_) => SearchAttributeType::Int,
            Self::Double(_) => SearchAttributeType::Double,
            Self::Bool(_) => SearchAttributeType::Bool,
            Self::Datetime(_) => SearchAttributeType::Datetime,
            Self::KeywordList(_) => SearchAttributeType::KeywordList,
        }
    }

    /// The payload Temporal stores: JSON with a `type` metadata entry.
    pub fn to_payload(&self) -> Result<Payload, PayloadError> {
        let mut p = match self {
            Self::Keyword(s) | Self::Text(s) => to_payload(s)?,
            Self::Int(i) => to_payload(i)?,
            Self::Double(d) => to_payload(d)?,
            Self::Bool(b) => to_payload(b)?,
            Self::Datetime(t) => to_payload(&rfc3339(*t))?,
            Self::KeywordList(l) => to_payload(l)?,
        };
        p.metadata.insert(
            "type".to_string(),
            self.attribute_type().name().as_bytes().to_vec(),
        );
        Ok(p)
    }

    /// Reads a stored payload, using its `type` metadata (or the JSON shape when absent).
    pub fn from_payload(p: &Payload) -> Result<Self, PayloadError> {
        let ty = p
            .metadata
            .get("type")
            .map(|t| String::from_utf8_lossy(t).into_owned());
        let v: serde_json::Value = from_payload(p)?;
        let bad = |expected: &str| PayloadError::Decode {
            encoding: String::from_utf8_lossy(
                p.metadata.get(ENCODING_KEY).map_or(JSON_PLAIN, |e| e.as_slice()),
            )
            .into_owned(),
            target: "SearchAttributeValue",
            message: format!("expected {expected}, found {v}"),
        };
        Ok(match (ty.as_deref(), &v) {
            (Some("Keyword"), serde_json::Value::String(s)) => Self::Keyword(s.clone()),
            (Some("Text"), serde_json::Value::String(s)) => Self::Text(s.clone()),
            (Some("Int"), serde_json::Value::Number(n)) => {
                Self::Int(n.as_i64().ok_or_else(|| bad("an integer"))?)
            }
            (Some("Double"), serde_json::Value::Number(n)) => {
                Self::Double(n.as_f64().ok_or_else(|| bad("a number"))?)
            }
            (Some("Bool"), serde_json::Value::Bool(b)) => Self::Bool(*b),
            (Some("Datetime"), serde_json::Value::String(s)) => {
                Self::Datetime(parse_rfc3339(s).ok_or_else(|| bad("an RFC 3339 time"))?)
            }
            (Some("KeywordList") | None, serde_json::Value::Array(items)) => Self::KeywordList(
                items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| bad("a list of strings"))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            (None, serde_json::Value::String(s)) => Self::Keyword(s.clone()),
            (None, serde_json::Value::Bool(b)) => Self::Bool(*b),
            (None, serde_json::Value::Number(n)) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => Self::Double(n.as_f64().ok_or_else(|| bad("a number"))?),
            },
            (Some(t), _) => return Err(bad(&format!("a {t} value"))),
            (None, _) => return Err(bad("a string, number, boolean or list")),
        })
    }
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(SystemTime::from)
}

/// To Temporal's proto.
pub fn search_attributes_to_proto(attrs: &SearchAttributes) -> Result<ProtoSearchAttributes, PayloadError> {
    Ok(ProtoSearchAttributes {
        indexed_fields: attrs
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.to_payload()?)))
            .collect::<Result<HashMap<_, _>, PayloadError>>()?,
    })
}

/// From Temporal's proto; values that do not decode are skipped (and logged).
pub fn search_attributes_from_proto(proto: &ProtoSearchAttributes) -> SearchAttributes {
    proto
        .indexed_fields
        .iter()
        .filter_map(|(k, p)| match SearchAttributeValue::from_payload(p) {
            Ok(v) => Some((k.clone(), v)),
            Err(e) => {
                tracing::warn!(attribute = %k, error = %e, "search attribute value does not decode; skipped");
                None
            }
        })
        .collect()
}

/// To Temporal's proto.
pub fn memo_to_proto(memo: &Memo) -> Result<ProtoMemo, PayloadError> {
    Ok(ProtoMemo {
        fields: memo
            .iter()
            .map(|(k, v)| Ok((k.clone(), to_payload(v)?)))
            .collect::<Result<HashMap<_, _>, PayloadError>>()?,
    })
}

/// From Temporal's proto; fields that do not decode as JSON are skipped (and logged).
pub fn memo_from_proto(proto: &ProtoMemo) -> Memo {
    proto
        .fields
        .iter()
        .filter_map(|(k, p)| match from_payload::<serde_json::Value>(p) {
            Ok(v) => Some((k.clone(), v)),
            Err(e) => {
                tracing::warn!(field = %k, error = %e, "memo field does not decode as JSON; skipped");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn typed_payloads_round_trip() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        for v in [
            SearchAttributeValue::Keyword("k".into()),
            SearchAttributeValue::Text("some text".into()),
            SearchAttributeValue::Int(-4),
            SearchAttributeValue::Double(2.5),
            SearchAttributeValue::Bool(true),
            SearchAttributeValue::Datetime(t),
            SearchAttributeValue::KeywordList(vec!["a".into(), "b".into()]),
        ] {
            let p = v.to_payload().unwrap();
            assert_eq!(p.metadata["type"], v.attribute_type().name().as_bytes());
            assert_eq!(SearchAttributeValue::from_payload(&p).unwrap(), v);
        }
    }
}
