//! [`ZlibCodec`]: compression, wire-compatible with the Go SDK's `converter.NewZlibCodec`:
//! metadata `encoding: binary/zlib`, data = the zlib stream of the serialized inner `Payload`.

use super::{CodecError, PayloadCodec};
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use prost::Message;
use std::io::{Read, Write};
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// The `encoding` of a compressed payload.
pub const ZLIB_ENCODING: &str = "binary/zlib";

/// Compresses payloads with zlib, keeping a payload as it is when compression would not make it
/// smaller (as the Go SDK's codec does by default).
///
/// ```
/// use ironflow::codec::{PayloadCodec, ZlibCodec};
/// use ironflow::converter::to_payload;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let codec = ZlibCodec::new();
/// let big = to_payload(&"ab".repeat(1000))?;
/// let small = codec.encode(vec![big.clone()]).await?;
/// assert_eq!(small[0].metadata["encoding"], b"binary/zlib");
/// assert!(small[0].data.len() < 100);
/// assert_eq!(codec.decode(small).await?, vec![big]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ZlibCodec {
    always: bool,
}

impl ZlibCodec {
    /// Compresses a payload when that makes it smaller.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compresses every payload, even when that makes it larger.
    pub fn always() -> Self {
        Self { always: true }
    }

    fn compress(&self, payload: Payload) -> Result<Payload, CodecError> {
        let plain = payload.encode_to_vec();
        let mut encoder = ZlibEncoder::new(Vec::with_capacity(plain.len() / 2 + 16), Compression::default());
        encoder
            .write_all(&plain)
            .and_then(|()| encoder.flush())
            .map_err(|e| CodecError::Other(Box::new(e)))?;
        let data = encoder.finish().map_err(|e| CodecError::Other(Box::new(e)))?;
        if !self.always && data.len() >= plain.len() {
            return Ok(payload);
        }
        Ok(Payload {
            metadata: [("encoding".to_string(), ZLIB_ENCODING.as_bytes().to_vec())].into(),
            data,
            ..Default::default()
        })
    }

    fn decompress(payload: Payload) -> Result<Payload, CodecError> {
        if payload.metadata.get("encoding").map(Vec::as_slice) != Some(ZLIB_ENCODING.as_bytes()) {
            return Ok(payload);
        }
        let malformed = |reason: String| CodecError::Malformed {
            encoding: ZLIB_ENCODING.into(),
            reason,
        };
        let mut plain = Vec::with_capacity(payload.data.len() * 2);
        ZlibDecoder::new(payload.data.as_slice())
            .read_to_end(&mut plain)
            .map_err(|e| malformed(format!("not a zlib stream: {e}")))?;
        Payload::decode(plain.as_slice())
            .map_err(|e| malformed(format!("the decompressed bytes are not a Payload: {e}")))
    }
}

impl PayloadCodec for ZlibCodec {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads.into_iter().map(|p| self.compress(p)).collect()
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads.into_iter().map(Self::decompress).collect()
    }
}
