//! Temporal's history JSON: proto3 JSON, as `temporal workflow show --output json` prints it and
//! as the Web UI's import page and the Python SDK's `WorkflowHistory.from_json` read it.
//!
//! Reading accepts what the CLI and the UI emit and a little more: the `EVENT_TYPE_*` enum names
//! and the older PascalCase ones (`WorkflowExecutionStarted`, kind `Normal`), int64 as strings or
//! numbers, camelCase or snake_case field names, `{"events": [...]}` or a bare array, and
//! unknown fields (ignored, as the Python SDK does). Writing produces the CLI's form: camelCase,
//! `EVENT_TYPE_*` names, int64 as strings, base64 bytes, `"10s"` durations, RFC 3339 times, and
//! fields in field-number order.
//!
//! The mapping is driven by the protobuf descriptors `temporalio-protos` compiled, so every
//! event type and attribute is covered without hand-written field lists.

use super::{History, HistoryEvent};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, EnumDescriptor, Kind, MessageDescriptor, SerializeOptions,
};
use serde::Serialize;
use serde::ser::SerializeMap;
use std::sync::OnceLock;

use crate::converter::protobuf::TEMPORAL_DESCRIPTORS as DESCRIPTORS;

/// A history could not be read from or written to JSON.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryJsonError {
    /// The text is not JSON.
    #[error("the history is not valid JSON: {0}")]
    Syntax(String),
    /// The JSON is not shaped like a history.
    #[error("the history JSON has the wrong shape: {0}")]
    Shape(String),
    /// One event does not fit Temporal's `HistoryEvent`.
    #[error("event #{index} (eventId {event_id}): {message}")]
    Event {
        /// Position in the `events` array, from 0.
        index: usize,
        /// The event's `eventId`, as written (or `?`).
        event_id: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing the file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        message: String,
    },
    /// The embedded descriptors are unusable (a build problem, not an input problem).
    #[error("internal: {0}")]
    Internal(String),
}

fn event_descriptor() -> Result<&'static MessageDescriptor, HistoryJsonError> {
    static EVENT: OnceLock<Result<MessageDescriptor, String>> = OnceLock::new();
    EVENT
        .get_or_init(|| {
            let pool = DescriptorPool::decode(DESCRIPTORS).map_err(|e| e.to_string())?;
            pool.get_message_by_name("temporal.api.history.v1.HistoryEvent")
                .ok_or_else(|| "HistoryEvent is missing from the descriptor set".to_string())
        })
        .as_ref()
        .map_err(|e| HistoryJsonError::Internal(e.clone()))
}

/// Reads a history from JSON text.
///
/// ```
/// let json = r#"{"events": [{"eventId": "1", "eventType": "WorkflowExecutionStarted",
///     "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "Hello"},
///     "taskQueue": {"name": "q", "kind": "Normal"}}}]}"#;
/// let history = ironflow::history::from_json(json).unwrap();
/// assert_eq!(history.events[0].event_id, 1);
/// ```
pub fn from_json(text: &str) -> Result<History, HistoryJsonError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| HistoryJsonError::Syntax(e.to_string()))?;
    from_json_value(value)
}

/// Reads a history from a parsed JSON value.
pub fn from_json_value(value: serde_json::Value) -> Result<History, HistoryJsonError> {
    let desc = event_descriptor()?;
    let events = match value {
        serde_json::Value::Array(events) => events,
        serde_json::Value::Object(mut map) => match map.remove("events") {
            Some(serde_json::Value::Array(events)) => events,
            Some(_) => return Err(HistoryJsonError::Shape("`events` is not an array".into())),
            None => {
                return Err(HistoryJsonError::Shape(
                    "expected an object with an `events` array (or a bare array of events)".into(),
                ));
            }
        },
        _ => {
            return Err(HistoryJsonError::Shape(
                "expected an object with an `events` array (or a bare array of events)".into(),
            ));
        }
    };
    let options = prost_reflect::DeserializeOptions::new().deny_unknown_fields(false);
    let mut out = Vec::with_capacity(events.len());
    for (index, mut event) in events.into_iter().enumerate() {
        let event_id = match event.get("eventId").or_else(|| event.get("event_id")) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => "?".to_string(),
        };
        let err = |message: String| HistoryJsonError::Event {
            index,
            event_id: event_id.clone(),
            message,
        };
        if !event.is_object() {
            return Err(err("an event must be a JSON object".into()));
        }
        fix_enum_spellings(&mut event, desc);
        if let Some(serde_json::Value::String(t)) = event.get("eventType").or_else(|| event.get("event_type"))
            && desc
                .get_field_by_name("event_type")
                .and_then(|f| f.kind().as_enum().cloned())
                .is_some_and(|e| e.get_value_by_name(t).is_none())
        {
            return Err(err(format!("unknown eventType `{t}`")));
        }
        let dynamic = DynamicMessage::deserialize_with_options(desc.clone(), event, &options)
            .map_err(|e| err(e.to_string()))?;
        let decoded =
            HistoryEvent::decode(dynamic.encode_to_vec().as_slice()).map_err(|e| err(e.to_string()))?;
        out.push(decoded);
    }
    Ok(History { events: out })
}

/// Writes a history as the CLI does (`temporal workflow show --output json`), pretty-printed.
///
/// Events are written straight from their protobuf encoding (`wire_json`); an event holding a
/// well-known type that path does not write goes through prost-reflect's serializer instead.
pub fn to_json(history: &History) -> Result<String, HistoryJsonError> {
    if history.events.is_empty() {
        return Ok("{\n  \"events\": []\n}".into());
    }
    let plans = plans()?;
    let mut out = Vec::with_capacity(history.events.len() * 700);
    out.extend_from_slice(b"{\n  \"events\": [");
    let mut bytes = Vec::new();
    for (index, event) in history.events.iter().enumerate() {
        out.extend_from_slice(if index == 0 { b"\n    " } else { b",\n    " });
        bytes.clear();
        event
            .encode(&mut bytes)
            .map_err(|e| HistoryJsonError::Internal(e.to_string()))?;
        let mark = out.len();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, super::wire_json::Pretty::at_depth(2));
        if let Err(e) = plans.event(&bytes).serialize(&mut ser) {
            if !e.to_string().contains(super::wire_json::UNSUPPORTED) {
                return Err(HistoryJsonError::Event {
                    index,
                    event_id: event.event_id.to_string(),
                    message: e.to_string(),
                });
            }
            out.truncate(mark);
            let dynamic =
                DynamicMessage::decode(event_descriptor()?.clone(), bytes.as_slice()).map_err(|err| {
                    HistoryJsonError::Event {
                        index,
                        event_id: event.event_id.to_string(),
                        message: err.to_string(),
                    }
                })?;
            let mut ser =
                serde_json::Serializer::with_formatter(&mut out, super::wire_json::Pretty::at_depth(2));
            EventJson(&dynamic)
                .serialize(&mut ser)
                .map_err(|e| HistoryJsonError::Internal(e.to_string()))?;
        }
    }
    out.extend_from_slice(b"\n  ]\n}");
    // Only serde_json wrote into `out` (strings it was given are `&str`), so it is UTF-8; checking
    // 180 MiB of it again would cost a tenth of the conversion.
    debug_assert!(std::str::from_utf8(&out).is_ok());
    // SAFETY: see above: serde_json writes valid UTF-8 given `&str` keys and values.
    Ok(unsafe { String::from_utf8_unchecked(out) })
}

fn plans() -> Result<&'static super::wire_json::Plans, HistoryJsonError> {
    static PLANS: OnceLock<super::wire_json::Plans> = OnceLock::new();
    let desc = event_descriptor()?;
    Ok(PLANS.get_or_init(|| super::wire_json::Plans::build(desc)))
}

/// [`to_json`] through prost-reflect's serializer only (the reference the fast path is tested
/// against).
#[doc(hidden)]
pub fn to_json_reference(history: &History) -> Result<String, HistoryJsonError> {
    let messages = dynamic_events(history)?;
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        serde_json::ser::PrettyFormatter::with_indent(b"  "),
    );
    HistoryDoc(&messages)
        .serialize(&mut ser)
        .map_err(|e| HistoryJsonError::Internal(e.to_string()))?;
    String::from_utf8(buf).map_err(|e| HistoryJsonError::Internal(e.to_string()))
}

/// The history as a JSON value (keys sorted alphabetically by `serde_json::Value`).
pub fn to_json_value(history: &History) -> Result<serde_json::Value, HistoryJsonError> {
    let messages = dynamic_events(history)?;
    serde_json::to_value(HistoryDoc(&messages)).map_err(|e| HistoryJsonError::Internal(e.to_string()))
}

/// Reads a history JSON file.
pub fn read_file(path: impl AsRef<std::path::Path>) -> Result<History, HistoryJsonError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| HistoryJsonError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    from_json(&text).map_err(|e| match e {
        HistoryJsonError::Io { .. } => e,
        other => HistoryJsonError::Io {
            path: path.display().to_string(),
            message: other.to_string(),
        },
    })
}

/// Writes a history JSON file in the CLI's format.
pub fn write_file(path: impl AsRef<std::path::Path>, history: &History) -> Result<(), HistoryJsonError> {
    let path = path.as_ref();
    let text = to_json(history)?;
    std::fs::write(path, text + "\n").map_err(|e| HistoryJsonError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn dynamic_events(history: &History) -> Result<Vec<DynamicMessage>, HistoryJsonError> {
    let desc = event_descriptor()?;
    history
        .events
        .iter()
        .enumerate()
        .map(|(index, e)| {
            DynamicMessage::decode(desc.clone(), e.encode_to_vec().as_slice()).map_err(|err| {
                HistoryJsonError::Event {
                    index,
                    event_id: e.event_id.to_string(),
                    message: err.to_string(),
                }
            })
        })
        .collect()
}

struct HistoryDoc<'a>(&'a [DynamicMessage]);
struct EventList<'a>(&'a [DynamicMessage]);
struct EventJson<'a>(&'a DynamicMessage);

impl Serialize for HistoryDoc<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("events", &EventList(self.0))?;
        map.end()
    }
}

impl Serialize for EventList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(EventJson))
    }
}

impl Serialize for EventJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_with_options(s, &SerializeOptions::new())
    }
}

/// Rewrites enum values spelled the old way (`WorkflowExecutionStarted`, `Normal`) to the
/// proto names (`EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`, `TASK_QUEUE_KIND_NORMAL`).
fn fix_enum_spellings(value: &mut serde_json::Value, desc: &MessageDescriptor) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    for (key, v) in map.iter_mut() {
        let Some(field) = desc
            .get_field_by_json_name(key)
            .or_else(|| desc.get_field_by_name(key))
        else {
            continue;
        };
        match field.kind() {
            Kind::Enum(e) => match v {
                serde_json::Value::Array(items) => items.iter_mut().for_each(|i| fix_enum_value(i, &e)),
                other => fix_enum_value(other, &e),
            },
            Kind::Message(m) if field.is_map() => {
                let value_field = m.map_entry_value_field();
                if let (Kind::Message(vm), serde_json::Value::Object(entries)) = (value_field.kind(), &mut *v)
                {
                    entries.values_mut().for_each(|e| fix_enum_spellings(e, &vm));
                } else if let (Kind::Enum(ve), serde_json::Value::Object(entries)) =
                    (value_field.kind(), &mut *v)
                {
                    entries.values_mut().for_each(|e| fix_enum_value(e, &ve));
                }
            }
            Kind::Message(m) => match v {
                serde_json::Value::Array(items) => items.iter_mut().for_each(|i| fix_enum_spellings(i, &m)),
                other => fix_enum_spellings(other, &m),
            },
            _ => {}
        }
    }
}

fn fix_enum_value(value: &mut serde_json::Value, e: &EnumDescriptor) {
    let serde_json::Value::String(s) = value else {
        return;
    };
    if e.get_value_by_name(s).is_some() {
        return;
    }
    let candidate = format!("{}_{}", screaming_snake(e.name()), screaming_snake(s));
    if e.get_value_by_name(&candidate).is_some() {
        *s = candidate;
    }
}

/// `WorkflowExecutionStarted` → `WORKFLOW_EXECUTION_STARTED`.
fn screaming_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screaming_snake_names() {
        assert_eq!(
            screaming_snake("WorkflowExecutionStarted"),
            "WORKFLOW_EXECUTION_STARTED"
        );
        assert_eq!(screaming_snake("EventType"), "EVENT_TYPE");
        assert_eq!(screaming_snake("Normal"), "NORMAL");
    }

    #[test]
    fn old_enum_spellings_and_numbers_are_read() {
        let json = r#"[{"eventId": 1, "eventType": "WorkflowExecutionStarted", "taskId": "7",
            "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "W"},
            "taskQueue": {"name": "q", "kind": "Normal"}, "workflowTaskTimeout": "10s", "unknownThing": 1}}]"#;
        let h = from_json(json).unwrap();
        let e = &h.events[0];
        assert_eq!(e.event_id, 1);
        assert_eq!(e.task_id, 7);
        assert_eq!(e.event_type, 1);
        let out = to_json(&h).unwrap();
        assert!(out.contains("\"EVENT_TYPE_WORKFLOW_EXECUTION_STARTED\""), "{out}");
        assert!(out.contains("\"TASK_QUEUE_KIND_NORMAL\""), "{out}");
        assert!(out.contains("\"eventId\": \"1\""), "{out}");
        assert!(out.contains("\"workflowTaskTimeout\": \"10s\""), "{out}");
        // Round trip.
        assert_eq!(from_json(&out).unwrap(), h);
    }

    #[test]
    fn errors_name_the_event() {
        let json = r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"},
            {"eventId": "2", "eventType": "EVENT_TYPE_NOT_A_THING"}]}"#;
        let err = from_json(json).unwrap_err().to_string();
        assert!(err.starts_with("event #1 (eventId 2)"), "{err}");
        assert!(
            from_json("{\"evnts\": []}")
                .unwrap_err()
                .to_string()
                .contains("`events` array")
        );
        assert!(from_json("{").unwrap_err().to_string().contains("not valid JSON"));
    }
}
