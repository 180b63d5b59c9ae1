//! The proto-JSON form of a list of payloads, `{"payloads": [{"metadata": {"encoding": "<base64>"},
//! "data": "<base64>"}]}`: the body of a codec server's requests and responses (the Web UI, the
//! CLI and the other SDKs' codec servers speak it).

use super::CodecError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use temporalio_common::protos::temporal::api::common::v1::Payload;

#[derive(Serialize, Deserialize, Default)]
struct Body {
    #[serde(default)]
    payloads: Vec<JsonPayload>,
}

#[derive(Serialize, Deserialize, Default)]
struct JsonPayload {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    data: String,
}

fn malformed(reason: String) -> CodecError {
    CodecError::Malformed {
        encoding: "proto-JSON payloads".into(),
        reason,
    }
}

/// Parses `{"payloads": [...]}`.
pub fn payloads_from_json(body: &[u8]) -> Result<Vec<Payload>, CodecError> {
    let body: Body =
        serde_json::from_slice(body).map_err(|e| malformed(format!("not a payloads object: {e}")))?;
    body.payloads
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let metadata = p
                .metadata
                .into_iter()
                .map(|(k, v)| {
                    STANDARD
                        .decode(&v)
                        .map(|bytes| (k.clone(), bytes))
                        .map_err(|e| malformed(format!("payload {i}: metadata `{k}` is not base64: {e}")))
                })
                .collect::<Result<_, _>>()?;
            let data = STANDARD
                .decode(&p.data)
                .map_err(|e| malformed(format!("payload {i}: data is not base64: {e}")))?;
            Ok(Payload {
                metadata,
                data,
                ..Default::default()
            })
        })
        .collect()
}

/// Writes `{"payloads": [...]}`.
pub fn payloads_to_json(payloads: &[Payload]) -> Vec<u8> {
    let body = Body {
        payloads: payloads
            .iter()
            .map(|p| JsonPayload {
                metadata: p
                    .metadata
                    .iter()
                    .map(|(k, v)| (k.clone(), STANDARD.encode(v)))
                    .collect(),
                data: STANDARD.encode(&p.data),
            })
            .collect(),
    };
    serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"payloads\":[]}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_what_the_ui_sends() {
        let p = Payload {
            metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(),
            data: b"\"hi\"".to_vec(),
            ..Default::default()
        };
        let json = payloads_to_json(std::slice::from_ref(&p));
        assert_eq!(payloads_from_json(&json).unwrap(), vec![p]);
        // binary/null payloads come without data.
        let null =
            payloads_from_json(br#"{"payloads":[{"metadata":{"encoding":"YmluYXJ5L251bGw="}}]}"#).unwrap();
        assert_eq!(null[0].metadata["encoding"], b"binary/null");
        assert!(null[0].data.is_empty());
    }

    #[test]
    fn bad_base64_names_the_payload_and_field() {
        let err = payloads_from_json(br#"{"payloads":[{"data":"b2s="},{"data":"!!"}]}"#).unwrap_err();
        assert!(err.to_string().contains("payload 1: data is not base64"), "{err}");
    }
}
