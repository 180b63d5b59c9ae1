//! Connection options: address, namespace, TLS/mTLS, API key, gRPC compression.

use super::ClientError;
use crate::codec::DataConverter;
use crate::interceptor::ClientInterceptor;
use crate::telemetry::Telemetry;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// TLS settings. With no fields set, TLS uses the system's root certificates.
#[derive(Clone, Default)]
pub struct TlsConfig {
    /// PEM root CA to trust instead of the system roots (self-signed servers).
    pub server_root_ca_cert: Option<Vec<u8>>,
    /// Server name to verify instead of the address's host.
    pub domain: Option<String>,
    /// PEM client certificate for mTLS.
    pub client_cert: Option<Vec<u8>>,
    /// PEM private key of the client certificate.
    pub client_private_key: Option<Vec<u8>>,
}

impl std::fmt::Debug for TlsConfig {
    /// Certificates are summarised by size; the private key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pem = |p: &Option<Vec<u8>>| p.as_ref().map(|b| format!("<{} bytes of PEM>", b.len()));
        f.debug_struct("TlsConfig")
            .field("server_root_ca_cert", &pem(&self.server_root_ca_cert))
            .field("domain", &self.domain)
            .field("client_cert", &pem(&self.client_cert))
            .field(
                "client_private_key",
                &self.client_private_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Transport-level compression of gRPC messages.
///
/// Ironflow's default is [`Compression::None`], unlike Core's client (gzip): worker traffic is
/// many small messages (polls, completions, heartbeats: typically well under 1 KiB), and gzip
/// builds a fresh compressor (hundreds of KiB zeroed) per request. On the echo benchmark that
/// was about a fifth of the worker's CPU and saved no meaningful bandwidth. Choose
/// [`Compression::Gzip`] for large payloads over a slow or metered link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Neither compress requests nor ask for compressed responses.
    #[default]
    None,
    /// Gzip requests and accept gzipped responses (falls back to none if the server refuses).
    Gzip,
}

/// Where and how to connect.
///
/// ```
/// use ironflow::client::ConnectOptions;
/// let opts = ConnectOptions::new("my-ns.a1b2c.tmprl.cloud:7233")
///     .namespace("my-ns.a1b2c")
///     .api_key("secret");
/// assert_eq!(opts.url().unwrap().scheme(), "https"); // an API key turns TLS on
/// ```
#[derive(Clone)]
pub struct ConnectOptions {
    /// `host:port`, or a URL (`http://host:port`, `https://host:port`).
    pub address: String,
    /// Namespace (default `default`).
    pub namespace: String,
    /// Identity recorded in history for this client and its workers (default `pid@host`).
    pub identity: Option<String>,
    /// TLS; `None` means plain text unless an API key is set.
    pub tls: Option<TlsConfig>,
    /// API key (Temporal Cloud); turns TLS on.
    pub api_key: Option<String>,
    /// Extra gRPC headers for every call.
    pub headers: HashMap<String, String>,
    /// Limit on establishing the connection (default 10 s).
    pub connect_timeout: Duration,
    /// gRPC compression (default none; see [`Compression`]).
    pub compression: Compression,
    /// Interceptors of every outbound call, in order (see [`crate::interceptor`]).
    pub interceptors: Vec<Arc<dyn ClientInterceptor>>,
    /// Where metrics and traces go, for this client and the workers built from it.
    pub telemetry: Telemetry,
    /// The payload codecs (encryption, compression) and failure option, for this client and the
    /// workers built from it (see [`crate::codec`]).
    pub data_converter: DataConverter,
}

impl std::fmt::Debug for ConnectOptions {
    /// Secrets (the API key, header values, the client's private key) are not printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("address", &self.address)
            .field("namespace", &self.namespace)
            .field("identity", &self.identity)
            .field("tls", &self.tls)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("connect_timeout", &self.connect_timeout)
            .field("compression", &self.compression)
            .field("interceptors", &self.interceptors.len())
            .field("telemetry", &self.telemetry)
            .field("data_converter", &self.data_converter)
            .finish()
    }
}

impl ConnectOptions {
    /// Options for `address` with the defaults.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            namespace: "default".to_string(),
            identity: None,
            tls: None,
            api_key: None,
            headers: HashMap::new(),
            connect_timeout: Duration::from_secs(10),
            compression: Compression::None,
            interceptors: Vec::new(),
            telemetry: Telemetry::default(),
            data_converter: DataConverter::default(),
        }
    }

    /// Options from the standard environment variables: `TEMPORAL_ADDRESS` (default
    /// `localhost:7233`), `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, and for mTLS
    /// `TEMPORAL_TLS_CLIENT_CERT_PATH` / `TEMPORAL_TLS_CLIENT_KEY_PATH` /
    /// `TEMPORAL_TLS_SERVER_CA_CERT_PATH` / `TEMPORAL_TLS_SERVER_NAME`.
    pub fn from_env() -> Result<Self, ClientError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut o = Self::new(var("TEMPORAL_ADDRESS").unwrap_or_else(|| "localhost:7233".into()));
        if let Some(ns) = var("TEMPORAL_NAMESPACE") {
            o.namespace = ns;
        }
        o.api_key = var("TEMPORAL_API_KEY");
        let read = |k: &str| -> Result<Option<Vec<u8>>, ClientError> {
            match var(k) {
                None => Ok(None),
                Some(path) => std::fs::read(&path)
                    .map(Some)
                    .map_err(|e| ClientError::InvalidOptions(format!("cannot read {k}={path}: {e}"))),
            }
        };
        let cert = read("TEMPORAL_TLS_CLIENT_CERT_PATH")?;
        let key = read("TEMPORAL_TLS_CLIENT_KEY_PATH")?;
        let ca = read("TEMPORAL_TLS_SERVER_CA_CERT_PATH")?;
        let domain = var("TEMPORAL_TLS_SERVER_NAME");
        if cert.is_some()
            || key.is_some()
            || ca.is_some()
            || domain.is_some()
            || var("TEMPORAL_TLS").is_some()
        {
            o.tls = Some(TlsConfig {
                server_root_ca_cert: ca,
                domain,
                client_cert: cert,
                client_private_key: key,
            });
        }
        Ok(o)
    }

    /// Sets the namespace.
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.namespace = ns.into();
        self
    }
    /// Sets the identity.
    pub fn identity(mut self, id: impl Into<String>) -> Self {
        self.identity = Some(id.into());
        self
    }
    /// Enables TLS.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }
    /// Sets an API key (and so TLS).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// Sets the gRPC compression.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }
    /// Adds an interceptor of every outbound call; several run in the order they were added.
    pub fn interceptor(mut self, interceptor: Arc<dyn ClientInterceptor>) -> Self {
        self.interceptors.push(interceptor);
        self
    }
    /// Sets where metrics and traces go (for this client and its workers).
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = telemetry;
        self
    }
    /// Sets the payload codecs and failure option (for this client and its workers).
    pub fn data_converter(mut self, converter: DataConverter) -> Self {
        self.data_converter = converter;
        self
    }
    /// Adds a gRPC header.
    pub fn header(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.headers.insert(k.into(), v.into());
        self
    }

    /// The URL connected to: `address` with `http` or `https` chosen by the TLS settings.
    pub fn url(&self) -> Result<url::Url, ClientError> {
        let secure = self.tls.is_some() || self.api_key.is_some();
        let text = if self.address.contains("://") {
            self.address.clone()
        } else {
            format!("{}://{}", if secure { "https" } else { "http" }, self.address)
        };
        url::Url::parse(&text).map_err(|e| ClientError::InvalidAddress {
            address: self.address.clone(),
            message: e.to_string(),
        })
    }
}

impl From<&str> for ConnectOptions {
    fn from(address: &str) -> Self {
        Self::new(address)
    }
}

impl From<String> for ConnectOptions {
    fn from(address: String) -> Self {
        Self::new(address)
    }
}

/// `pid@hostname`, the identity other SDKs use by default.
pub(crate) fn default_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".to_string());
    format!("{}@{host}", std::process::id())
}
