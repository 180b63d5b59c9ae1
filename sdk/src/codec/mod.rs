//! Payload codecs: byte-to-byte transforms (encryption, compression) applied to every payload a
//! client, worker or replayer exchanges with the server, as in the other SDKs' data converters.
//!
//! A [`DataConverter`] is the serde-based payload conversion of [`crate::converter`] (fixed),
//! plus a chain of [`PayloadCodec`]s, plus the failure option
//! [`DataConverter::encode_failure_attributes`]. Set it once on the client
//! ([`crate::client::ConnectOptions::data_converter`]); workers built from the client and
//! replayers given it ([`crate::replay::Replayer::data_converter`]) use the same one.
//!
//! ```
//! use ironflow::codec::{DataConverter, EncryptionCodec, ZlibCodec};
//!
//! # fn demo() -> Result<(), ironflow::codec::CodecError> {
//! let key = [7u8; 32]; // from your key management, never from source code
//! let converter = DataConverter::new()
//!     .codec(EncryptionCodec::new("key-2026-11", &key)?) // outermost: applied last when encoding
//!     .codec(ZlibCodec::new())                          // compress, then encrypt
//!     .encode_failure_attributes(true);                 // encrypt failure messages too
//! # Ok(()) }
//! ```
//!
//! What is encoded: workflow and activity inputs and results, signal, query and update arguments
//! and results, memo, heartbeat details, failure details (and, with the failure option, failure
//! messages and stack traces), child and continue-as-new inputs, async-completion results, user
//! metadata (summary/details). What is not: search attributes (the server indexes them) and
//! headers (the trace context must stay readable by every SDK, as in the Python SDK's default).
//!
//! Workflow code never waits on a codec: payloads are decoded before an activation reaches the
//! workflow and encoded after its completion leaves it. A payload that cannot be decoded (an
//! unknown key, a corrupted ciphertext) fails the workflow task — not the workflow — with a
//! message naming the problem; the server retries the task, so once the key is deployed the
//! workflow goes on. An activity task whose input cannot be decoded fails its attempt with a
//! retryable `PayloadDecodeError`.
//!
//! [`server`] serves a codec chain over HTTP for `temporal workflow show --codec-endpoint` and
//! for the Web UI (`--ui-codec-endpoint`).

mod encryption;
mod json;
pub mod server;
pub(crate) mod visit;
mod zlib;

pub use encryption::{ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID, EncryptionCodec};
pub use json::{payloads_from_json, payloads_to_json};
pub use zlib::{ZLIB_ENCODING, ZlibCodec};

use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Arc;
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// Why a codec could not encode or decode payloads.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// A payload was encrypted with a key this codec does not have.
    #[error("payload encrypted with key id `{key_id}`, which this codec does not know (it knows: {known})")]
    UnknownKey {
        /// The payload's `encryption-key-id`.
        key_id: String,
        /// The key ids the codec knows, comma-separated.
        known: String,
    },
    /// A payload could not be decrypted with the key it names.
    #[error("payload encrypted with key id `{key_id}` cannot be decrypted: {reason}")]
    Undecryptable {
        /// The payload's `encryption-key-id`.
        key_id: String,
        /// What is wrong (a truncated nonce, a corrupted ciphertext or tag, ...).
        reason: String,
    },
    /// A payload of this encoding is not what the encoding promises.
    #[error("`{encoding}` payload is malformed: {reason}")]
    Malformed {
        /// The payload's encoding.
        encoding: String,
        /// What is wrong.
        reason: String,
    },
    /// The codec's settings are wrong (for example a key of the wrong length).
    #[error("invalid codec settings: {0}")]
    Invalid(String),
    /// A codec returned a different number of payloads than it was given.
    #[error("codec returned {got} payloads for {expected}")]
    CountMismatch {
        /// Payloads given.
        expected: usize,
        /// Payloads returned.
        got: usize,
    },
    /// Any other failure of a codec.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

/// Encodes and decodes batches of payloads (all the payloads of one field: a workflow's
/// arguments, an activity's result, ...). `decode` must undo `encode`, and must pass through
/// payloads it did not encode (other encodings), so codecs can be chained and rolled out.
///
/// ```
/// use ironflow::codec::{CodecError, PayloadCodec};
/// use ironflow::converter::Payload;
///
/// /// Marks payloads (a stand-in for a real transform).
/// struct Stamp;
/// impl PayloadCodec for Stamp {
///     async fn encode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
///         for p in &mut payloads {
///             p.metadata.insert("stamped".into(), b"yes".to_vec());
///         }
///         Ok(payloads)
///     }
///     async fn decode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
///         for p in &mut payloads {
///             p.metadata.remove("stamped");
///         }
///         Ok(payloads)
///     }
/// }
/// ```
pub trait PayloadCodec: Send + Sync + 'static {
    /// Encodes payloads, one out for each in, in order.
    fn encode(&self, payloads: Vec<Payload>)
    -> impl Future<Output = Result<Vec<Payload>, CodecError>> + Send;
    /// Decodes payloads, one out for each in, in order; passes through what it did not encode.
    fn decode(&self, payloads: Vec<Payload>)
    -> impl Future<Output = Result<Vec<Payload>, CodecError>> + Send;
}

/// [`PayloadCodec`] as a trait object (its methods return boxed futures).
trait ErasedCodec: Send + Sync {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>>;
    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>>;
}

impl<C: PayloadCodec> ErasedCodec for C {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(PayloadCodec::encode(self, payloads))
    }
    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(PayloadCodec::decode(self, payloads))
    }
}

/// The codec chain and failure option shared by a client, its workers and replayers; see the
/// [module docs](self). Cheap to clone. The default encodes nothing.
#[derive(Clone, Default)]
pub struct DataConverter {
    codecs: Arc<Vec<Arc<dyn ErasedCodec>>>,
    encode_failure_attributes: bool,
}

impl std::fmt::Debug for DataConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataConverter")
            .field("codecs", &self.codecs.len())
            .field("encode_failure_attributes", &self.encode_failure_attributes)
            .finish()
    }
}

impl DataConverter {
    /// No codecs, failures in the clear: what every payload looks like without a converter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a codec. The first added is the outermost (as in the Go SDK): encoding applies the
    /// codecs last-added first, decoding first-added first. So `.codec(encryption).codec(zlib)`
    /// compresses, then encrypts.
    pub fn codec(mut self, codec: impl PayloadCodec) -> Self {
        Arc::make_mut(&mut self.codecs).push(Arc::new(codec));
        self
    }

    /// Moves each failure's message and stack trace into its `encoded_attributes` payload
    /// before the codecs run, leaving the message `Encoded failure`, so they are encrypted too
    /// (the other SDKs' `encode_common_attributes`). Encoded failures are always restored when
    /// read, with or without this option.
    pub fn encode_failure_attributes(mut self, on: bool) -> Self {
        self.encode_failure_attributes = on;
        self
    }

    /// True when the option of [`Self::encode_failure_attributes`] is on.
    pub fn encodes_failure_attributes(&self) -> bool {
        self.encode_failure_attributes
    }

    /// True when payloads pass through unchanged (no codecs, failures in the clear).
    pub(crate) fn is_identity(&self) -> bool {
        self.codecs.is_empty() && !self.encode_failure_attributes
    }

    /// Runs the codecs' `encode` over `payloads` (innermost first).
    pub async fn encode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        for codec in self.codecs.iter().rev() {
            let expected = payloads.len();
            payloads = codec.encode(payloads).await?;
            if payloads.len() != expected {
                return Err(CodecError::CountMismatch {
                    expected,
                    got: payloads.len(),
                });
            }
        }
        Ok(payloads)
    }

    /// Runs the codecs' `decode` over `payloads` (outermost first).
    pub async fn decode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        for codec in self.codecs.iter() {
            let expected = payloads.len();
            payloads = codec.decode(payloads).await?;
            if payloads.len() != expected {
                return Err(CodecError::CountMismatch {
                    expected,
                    got: payloads.len(),
                });
            }
        }
        Ok(payloads)
    }
}

impl PayloadCodec for DataConverter {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        DataConverter::encode(self, payloads).await
    }
    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        DataConverter::decode(self, payloads).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tag(&'static str);
    impl PayloadCodec for Tag {
        async fn encode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            for p in &mut payloads {
                p.data.extend_from_slice(self.0.as_bytes());
            }
            Ok(payloads)
        }
        async fn decode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            for p in &mut payloads {
                let keep = p.data.len() - self.0.len();
                assert_eq!(&p.data[keep..], self.0.as_bytes(), "decoded in the wrong order");
                p.data.truncate(keep);
            }
            Ok(payloads)
        }
    }

    #[tokio::test]
    async fn the_first_codec_added_is_the_outermost() {
        let converter = DataConverter::new().codec(Tag("-outer")).codec(Tag("-inner"));
        let payload = Payload {
            data: b"x".to_vec(),
            ..Default::default()
        };
        let encoded = converter.encode(vec![payload.clone()]).await.unwrap();
        assert_eq!(encoded[0].data, b"x-inner-outer");
        assert_eq!(converter.decode(encoded).await.unwrap(), vec![payload]);
    }

    struct Drops;
    impl PayloadCodec for Drops {
        async fn encode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            Ok(vec![])
        }
        async fn decode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            Ok(vec![])
        }
    }

    #[tokio::test]
    async fn a_codec_losing_payloads_is_an_error() {
        let err = DataConverter::new()
            .codec(Drops)
            .encode(vec![Payload::default()])
            .await
            .unwrap_err();
        assert!(
            matches!(err, CodecError::CountMismatch { expected: 1, got: 0 }),
            "{err}"
        );
    }
}
