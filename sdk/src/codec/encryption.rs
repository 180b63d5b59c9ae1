//! [`EncryptionCodec`]: AES-256-GCM, wire-compatible with the encryption codec of Temporal's
//! samples (Python, Go, TypeScript): metadata `encoding: binary/encrypted` and
//! `encryption-key-id: <id>`; data = a 12-byte random nonce followed by the ciphertext and the
//! 16-byte tag of the serialized inner `Payload`, with no associated data.

use super::{CodecError, PayloadCodec};
use prost::Message;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::BTreeMap;
use std::sync::Arc;
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// The `encoding` of an encrypted payload.
pub const ENCRYPTED_ENCODING: &str = "binary/encrypted";
/// The metadata key naming the key a payload was encrypted with.
pub const ENCRYPTION_KEY_ID: &str = "encryption-key-id";
const TAG_LEN: usize = 16;

/// Encrypts payloads with AES-256-GCM under the current key, and decrypts with whichever known
/// key a payload names, so keys can be rotated: add the new key as current, keep the old ones
/// for decryption until no open workflow uses them.
///
/// ```
/// use ironflow::codec::{EncryptionCodec, PayloadCodec};
/// use ironflow::converter::to_payload;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let old = EncryptionCodec::new("k1", &[1u8; 32])?;
/// let rotated = EncryptionCodec::new("k2", &[2u8; 32])?.with_decryption_key("k1", &[1u8; 32])?;
/// let encrypted = old.encode(vec![to_payload("card 4242")?]).await?;
/// assert_eq!(encrypted[0].metadata["encryption-key-id"], b"k1");
/// let plain = rotated.decode(encrypted).await?; // still readable after the rotation
/// assert_eq!(plain[0].data, br#""card 4242""#);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EncryptionCodec {
    current: String,
    keys: Arc<BTreeMap<String, Arc<LessSafeKey>>>,
    random: SystemRandom,
}

impl std::fmt::Debug for EncryptionCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptionCodec")
            .field("current_key_id", &self.current)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn aes_key(key_id: &str, key: &[u8]) -> Result<LessSafeKey, CodecError> {
    if key_id.is_empty() {
        return Err(CodecError::Invalid(
            "an encryption key id must not be empty".into(),
        ));
    }
    if key.len() != 32 {
        return Err(CodecError::Invalid(format!(
            "key `{key_id}` is {} bytes long; AES-256-GCM needs 32",
            key.len()
        )));
    }
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| CodecError::Invalid(format!("key `{key_id}` is not a valid AES-256 key")))
}

impl EncryptionCodec {
    /// A codec encrypting with `key` (32 bytes), recorded as `key_id` on every payload.
    pub fn new(key_id: impl Into<String>, key: &[u8]) -> Result<Self, CodecError> {
        let key_id = key_id.into();
        let key = aes_key(&key_id, key)?;
        Ok(Self {
            keys: Arc::new(BTreeMap::from([(key_id.clone(), Arc::new(key))])),
            current: key_id,
            random: SystemRandom::new(),
        })
    }

    /// Also decrypts payloads encrypted with `key` under `key_id` (a key rotated out).
    pub fn with_decryption_key(mut self, key_id: impl Into<String>, key: &[u8]) -> Result<Self, CodecError> {
        let key_id = key_id.into();
        let key = aes_key(&key_id, key)?;
        Arc::make_mut(&mut self.keys).insert(key_id, Arc::new(key));
        Ok(self)
    }

    /// The id of the key new payloads are encrypted with.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    fn known(&self) -> String {
        self.keys
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn encrypt(&self, payload: &Payload) -> Result<Payload, CodecError> {
        let key = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CodecError::Invalid(format!("the current key `{}` is missing", self.current)))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| CodecError::Invalid("the system random generator failed".into()))?;
        let mut sealed = payload.encode_to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut sealed)
            .map_err(|_| CodecError::Invalid("AES-256-GCM refused to encrypt the payload".into()))?;
        let mut data = Vec::with_capacity(NONCE_LEN + sealed.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&sealed);
        Ok(Payload {
            metadata: [
                ("encoding".to_string(), ENCRYPTED_ENCODING.as_bytes().to_vec()),
                (ENCRYPTION_KEY_ID.to_string(), self.current.as_bytes().to_vec()),
            ]
            .into(),
            data,
            ..Default::default()
        })
    }

    fn decrypt(&self, payload: Payload) -> Result<Payload, CodecError> {
        if payload.metadata.get("encoding").map(Vec::as_slice) != Some(ENCRYPTED_ENCODING.as_bytes()) {
            return Ok(payload);
        }
        let key_id = match payload.metadata.get(ENCRYPTION_KEY_ID) {
            Some(id) => String::from_utf8_lossy(id).into_owned(),
            None => {
                return Err(CodecError::Malformed {
                    encoding: ENCRYPTED_ENCODING.into(),
                    reason: format!("it has no `{ENCRYPTION_KEY_ID}` metadata"),
                });
            }
        };
        let Some(key) = self.keys.get(&key_id) else {
            return Err(CodecError::UnknownKey {
                key_id,
                known: self.known(),
            });
        };
        let undecryptable = |reason: String| CodecError::Undecryptable {
            key_id: key_id.clone(),
            reason,
        };
        let data = payload.data;
        if data.len() < NONCE_LEN {
            return Err(undecryptable(format!(
                "the data is {} bytes, shorter than the {NONCE_LEN}-byte nonce (truncated)",
                data.len()
            )));
        }
        if data.len() < NONCE_LEN + TAG_LEN {
            return Err(undecryptable(format!(
                "the data is {} bytes, too short for a {NONCE_LEN}-byte nonce and a {TAG_LEN}-byte tag (truncated)",
                data.len()
            )));
        }
        let (nonce, sealed) = data.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| undecryptable("the nonce is not 12 bytes".into()))?;
        let mut sealed = sealed.to_vec();
        let plain = key.open_in_place(nonce, Aad::empty(), &mut sealed).map_err(|_| {
            undecryptable(
                "authentication failed: the ciphertext or its tag was altered, or another key was used under this id"
                    .into(),
            )
        })?;
        Payload::decode(&*plain).map_err(|e| CodecError::Malformed {
            encoding: ENCRYPTED_ENCODING.into(),
            reason: format!("the decrypted bytes (key `{key_id}`) are not a Payload: {e}"),
        })
    }
}

impl PayloadCodec for EncryptionCodec {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads.iter().map(|p| self.encrypt(p)).collect()
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads.into_iter().map(|p| self.decrypt(p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encrypted(codec: &EncryptionCodec) -> Payload {
        codec
            .encrypt(&crate::converter::to_payload("card 4242").expect("a payload"))
            .expect("encrypts")
    }

    #[test]
    fn a_round_trip_leaves_no_plaintext_and_uses_fresh_nonces() {
        let codec = EncryptionCodec::new("k1", &[1; 32]).unwrap();
        let (a, b) = (encrypted(&codec), encrypted(&codec));
        assert_ne!(a.data, b.data, "a fresh nonce per payload");
        assert!(!a.data.windows(4).any(|w| w == b"4242"));
        let back = codec.decrypt(a).unwrap();
        assert_eq!(back.data, br#""card 4242""#);
    }

    #[test]
    fn bad_ciphertexts_name_the_key_and_what_is_wrong() {
        let codec = EncryptionCodec::new("k1", &[1; 32]).unwrap();
        let other = EncryptionCodec::new("k7", &[7; 32]).unwrap();
        let err = codec.decrypt(encrypted(&other)).unwrap_err().to_string();
        assert!(err.contains("`k7`") && err.contains("k1"), "{err}");

        let mut corrupted = encrypted(&codec);
        let last = corrupted.data.len() - 1;
        corrupted.data[last] ^= 0x80;
        let err = codec.decrypt(corrupted).unwrap_err().to_string();
        assert!(
            err.contains("`k1`") && err.contains("authentication failed"),
            "{err}"
        );

        let mut truncated = encrypted(&codec);
        truncated.data.truncate(5);
        let err = codec.decrypt(truncated).unwrap_err().to_string();
        assert!(
            err.contains("`k1`") && err.contains("shorter than the 12-byte nonce"),
            "{err}"
        );

        let mut no_tag = encrypted(&codec);
        no_tag.data.truncate(20);
        let err = codec.decrypt(no_tag).unwrap_err().to_string();
        assert!(err.contains("16-byte tag"), "{err}");

        let mut no_id = encrypted(&codec);
        no_id.metadata.remove(ENCRYPTION_KEY_ID);
        let err = codec.decrypt(no_id).unwrap_err().to_string();
        assert!(err.contains("encryption-key-id"), "{err}");
    }

    #[test]
    fn wrong_key_lengths_are_refused_and_other_encodings_pass_through() {
        let err = EncryptionCodec::new("short", &[0; 16]).unwrap_err().to_string();
        assert!(err.contains("`short`") && err.contains("16 bytes"), "{err}");
        let codec = EncryptionCodec::new("k1", &[1; 32]).unwrap();
        let plain = crate::converter::to_payload(&1).unwrap();
        assert_eq!(codec.decrypt(plain.clone()).unwrap(), plain);
    }
}
