//! A client certificate read from files at every TLS handshake that finds them changed, so a
//! renewed certificate (written by cert-manager, Vault, a cron job) is used by the next
//! connection without restarting the worker.

use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The files a client certificate and its private key are read from (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertFiles {
    /// The certificate chain, PEM.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// A file's modification time and length: what says it was replaced.
type Stamp = (SystemTime, u64);

#[derive(Default)]
struct Loaded {
    stamp: Option<(Stamp, Stamp)>,
    key: Option<Arc<CertifiedKey>>,
}

/// Resolves the client certificate from [`ClientCertFiles`], reloading when either file's
/// modification time changes. A file that cannot be read or parsed keeps the last good
/// certificate (and logs a warning naming the file).
pub(crate) struct ReloadingClientCert {
    files: ClientCertFiles,
    loaded: Mutex<Loaded>,
}

impl std::fmt::Debug for ReloadingClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingClientCert")
            .field("files", &self.files)
            .finish()
    }
}

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.modified()?, meta.len()))
}

/// Reads and parses the certificate chain and key.
pub(crate) fn load(files: &ClientCertFiles) -> Result<CertifiedKey, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let cert_pem = read(&files.cert)?;
    let key_pem = read(&files.key)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{} is not a PEM certificate chain: {e}", files.cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", files.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| format!("{} is not a PEM private key: {e}", files.key.display()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| format!("{}: unsupported private key: {e}", files.key.display()))?;
    Ok(CertifiedKey::new(chain, signing))
}

impl ReloadingClientCert {
    /// Loads the files once (so a wrong path fails at connect, not at the first handshake).
    pub(crate) fn new(files: ClientCertFiles) -> Result<Self, String> {
        let this = Self {
            files,
            loaded: Mutex::new(Loaded::default()),
        };
        this.current().ok_or_else(|| {
            load(&this.files)
                .err()
                .unwrap_or_else(|| "the client certificate could not be loaded".into())
        })?;
        Ok(this)
    }

    fn current(&self) -> Option<Arc<CertifiedKey>> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = stamp(&self.files.cert).ok().zip(stamp(&self.files.key).ok());
        if stamp.is_some() && stamp != loaded.stamp {
            match load(&self.files) {
                Ok(key) => {
                    if loaded.key.is_some() {
                        tracing::info!(cert = %self.files.cert.display(), "client certificate reloaded");
                    }
                    loaded.key = Some(Arc::new(key));
                    loaded.stamp = stamp;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot reload the client certificate; keeping the previous one");
                }
            }
        }
        loaded.key.clone()
    }
}

impl ResolvesClientCert for ReloadingClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.current()
    }

    fn has_certs(&self) -> bool {
        true
    }
}
