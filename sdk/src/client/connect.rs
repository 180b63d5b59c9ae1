//! Connection options: address, namespace, TLS/mTLS, API key, gRPC compression.

use super::ClientError;
pub use super::cert_reload::ClientCertFiles;
use crate::codec::DataConverter;
use crate::interceptor::ClientInterceptor;
use crate::telemetry::Telemetry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::envconfig::{
    ClientConfigProfile, DataSource, LoadClientConfigProfileOptions, load_client_config_profile,
};

/// The environment variables [`ConnectOptions::from_env`] reads (besides the
/// `TEMPORAL_GRPC_META_<NAME>` family, which sets gRPC headers), as the `temporal` CLI and the
/// other SDKs read them. A deployment (the `docker-compose.yml` services) sets these.
pub const CONNECTION_ENV_VARS: &[&str] = &[
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_PROFILE",
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_CERT_DATA",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_DATA",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
    "TEMPORAL_TLS_SERVER_NAME",
];

/// TLS settings. With no fields set, TLS uses the system's root certificates.
#[derive(Clone, Default)]
pub struct TlsConfig {
    /// PEM root CA to trust instead of the system roots (a private CA).
    pub server_root_ca_cert: Option<Vec<u8>>,
    /// Server name to verify (and send as SNI) instead of the address's host.
    pub domain: Option<String>,
    /// PEM client certificate for mTLS.
    pub client_cert: Option<Vec<u8>>,
    /// PEM private key of the client certificate.
    pub client_private_key: Option<Vec<u8>>,
    /// mTLS with the certificate and key read from files, re-read whenever they change: a renewed
    /// certificate is used by the next connection, without restarting the worker. Instead of
    /// `client_cert`/`client_private_key`; not combinable with an HTTP CONNECT proxy.
    pub client_cert_files: Option<ClientCertFiles>,
}

impl TlsConfig {
    /// TLS trusting the private CA in `ca_pem` (PEM).
    pub fn with_ca(ca_pem: impl Into<Vec<u8>>) -> Self {
        Self {
            server_root_ca_cert: Some(ca_pem.into()),
            ..Self::default()
        }
    }

    /// Verifies the server's certificate against `name` instead of the address's host.
    pub fn domain(mut self, name: impl Into<String>) -> Self {
        self.domain = Some(name.into());
        self
    }

    /// mTLS with this certificate and private key (PEM).
    pub fn client_cert(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.client_cert = Some(cert_pem.into());
        self.client_private_key = Some(key_pem.into());
        self
    }

    /// mTLS with the certificate and key read from these files, reloaded when they change.
    pub fn client_cert_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert_files = Some(ClientCertFiles {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }
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
            .field("client_cert_files", &self.client_cert_files)
            .finish()
    }
}

/// An HTTP CONNECT proxy to reach the server through (a corporate egress proxy).
#[derive(Clone)]
pub struct HttpConnectProxy {
    /// The proxy's `host:port`.
    pub address: String,
    /// Basic authentication (user, password) for the proxy.
    pub basic_auth: Option<(String, String)>,
}

impl std::fmt::Debug for HttpConnectProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConnectProxy")
            .field("address", &self.address)
            .field(
                "basic_auth",
                &self
                    .basic_auth
                    .as_ref()
                    .map(|(user, _)| format!("{user}:<redacted>")),
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
    /// Plain text even with an API key (which otherwise turns TLS on, as in the other SDKs).
    pub tls_disabled: bool,
    /// API key (Temporal Cloud), sent as `authorization: Bearer <key>`; turns TLS on.
    pub api_key: Option<String>,
    /// An HTTP CONNECT proxy to tunnel through.
    pub http_connect_proxy: Option<HttpConnectProxy>,
    /// How long [`super::Client::connect`] keeps retrying a server that cannot be reached yet
    /// (`None`: fail at once, the default; `Some(Duration::MAX)`: wait as long as it takes).
    pub wait_for_server: Option<Duration>,
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
            .field("tls_disabled", &self.tls_disabled)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("http_connect_proxy", &self.http_connect_proxy)
            .field("wait_for_server", &self.wait_for_server)
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
            tls_disabled: false,
            api_key: None,
            http_connect_proxy: None,
            wait_for_server: None,
            headers: HashMap::new(),
            connect_timeout: Duration::from_secs(10),
            compression: Compression::None,
            interceptors: Vec::new(),
            telemetry: Telemetry::default(),
            data_converter: DataConverter::default(),
        }
    }

    /// Options as the `temporal` CLI and the other SDKs read them: the profile named by
    /// `TEMPORAL_PROFILE` (default `default`) of the config file `TEMPORAL_CONFIG_FILE` (default
    /// `~/.config/temporalio/temporal.toml`, if it exists), then the environment variables on
    /// top: `TEMPORAL_ADDRESS` (default `localhost:7233`), `TEMPORAL_NAMESPACE`,
    /// `TEMPORAL_API_KEY`, `TEMPORAL_TLS` (`true`/`false`), `TEMPORAL_TLS_CLIENT_CERT_PATH` /
    /// `_DATA`, `TEMPORAL_TLS_CLIENT_KEY_PATH` / `_DATA`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH` /
    /// `_DATA`, `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_GRPC_META_<NAME>`. A client certificate
    /// given by path is re-read when the files change.
    pub fn from_env() -> Result<Self, ClientError> {
        Self::load(LoadClientConfigProfileOptions::default(), None)
    }

    /// Like [`Self::from_env`], reading these variables instead of the process's environment
    /// (`TEMPORAL_CONFIG_FILE` and `TEMPORAL_PROFILE` included).
    ///
    /// ```
    /// use ironflow::client::ConnectOptions;
    /// use std::collections::HashMap;
    /// let vars = HashMap::from([
    ///     ("TEMPORAL_ADDRESS".to_string(), "my-ns.a1b2c.tmprl.cloud:7233".to_string()),
    ///     ("TEMPORAL_NAMESPACE".to_string(), "my-ns.a1b2c".to_string()),
    ///     ("TEMPORAL_API_KEY".to_string(), "secret".to_string()),
    ///     ("TEMPORAL_CONFIG_FILE".to_string(), "/nonexistent/temporal.toml".to_string()),
    /// ]);
    /// let opts = ConnectOptions::from_env_vars(&vars).unwrap();
    /// assert_eq!(opts.namespace, "my-ns.a1b2c");
    /// assert_eq!(opts.url().unwrap().scheme(), "https"); // the API key turns TLS on
    /// assert!(!format!("{opts:?}").contains("secret")); // and is never printed
    /// ```
    pub fn from_env_vars(vars: &HashMap<String, String>) -> Result<Self, ClientError> {
        Self::load(LoadClientConfigProfileOptions::default(), Some(vars))
    }

    /// Like [`Self::from_env`], with the profile `profile` instead of `TEMPORAL_PROFILE`'s.
    pub fn from_profile(profile: &str) -> Result<Self, ClientError> {
        Self::load(
            LoadClientConfigProfileOptions::builder()
                .config_file_profile(profile.to_string())
                .build(),
            None,
        )
    }

    /// The profile `profile` of the TOML config file at `path`, without the environment.
    pub fn from_config_file(path: impl Into<PathBuf>, profile: &str) -> Result<Self, ClientError> {
        let path = path.into();
        Self::load(
            LoadClientConfigProfileOptions::builder()
                .config_source(DataSource::Path(path.to_string_lossy().into_owned()))
                .config_file_profile(profile.to_string())
                .disable_env(true)
                .build(),
            None,
        )
    }

    /// Loads a profile; `env` replaces the process environment.
    fn load(
        options: LoadClientConfigProfileOptions,
        env: Option<&HashMap<String, String>>,
    ) -> Result<Self, ClientError> {
        let profile = load_client_config_profile(options, env)
            .map_err(|e| ClientError::InvalidOptions(format!("cannot load the client configuration: {e}")))?;
        Self::from_config_profile(profile)
    }

    fn from_config_profile(p: ClientConfigProfile) -> Result<Self, ClientError> {
        let mut o = Self::new(p.address.unwrap_or_else(|| "localhost:7233".into()));
        if let Some(ns) = p.namespace.filter(|n| !n.is_empty()) {
            o.namespace = ns;
        }
        o.api_key = p.api_key.filter(|k| !k.is_empty());
        o.headers = p.grpc_meta;
        let Some(tls) = p.tls else { return Ok(o) };
        if tls.disabled == Some(true) {
            o.tls_disabled = true;
            return Ok(o);
        }
        if tls.disable_host_verification {
            return Err(ClientError::InvalidOptions(
                "disable_host_verification (TEMPORAL_TLS_DISABLE_HOST_VERIFICATION) is not supported: trust the \
                 server's CA (TEMPORAL_TLS_SERVER_CA_CERT_PATH) and name (TEMPORAL_TLS_SERVER_NAME) instead"
                    .into(),
            ));
        }
        let read = |source: Option<DataSource>, what: &str| -> Result<Option<Vec<u8>>, ClientError> {
            match source {
                None => Ok(None),
                Some(DataSource::Data(bytes)) => Ok(Some(bytes)),
                Some(DataSource::Path(path)) => std::fs::read(&path)
                    .map(Some)
                    .map_err(|e| ClientError::InvalidOptions(format!("cannot read the {what} {path}: {e}"))),
                Some(_) => Err(ClientError::InvalidOptions(format!(
                    "unsupported source for the {what}"
                ))),
            }
        };
        let mut config = TlsConfig {
            server_root_ca_cert: read(tls.server_ca_cert, "server CA certificate")?,
            domain: tls.server_name.filter(|n| !n.is_empty()),
            ..TlsConfig::default()
        };
        match (tls.client_cert, tls.client_key) {
            (Some(DataSource::Path(cert)), Some(DataSource::Path(key))) => {
                config.client_cert_files = Some(ClientCertFiles {
                    cert: cert.into(),
                    key: key.into(),
                });
            }
            (cert, key) => {
                config.client_cert = read(cert, "client certificate")?;
                config.client_private_key = read(key, "client private key")?;
            }
        }
        o.tls = Some(config);
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
    /// Sets an API key (and so TLS, unless [`Self::disable_tls`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// Keeps retrying, for up to `max` (`Duration::MAX`: without end), a server that cannot be
    /// reached yet — what a worker started before its server wants. Each attempt is logged.
    pub fn wait_for_server(mut self, max: Duration) -> Self {
        self.wait_for_server = Some(max);
        self
    }
    /// Plain text even with an API key (a local proxy that terminates TLS, tests).
    pub fn disable_tls(mut self) -> Self {
        self.tls_disabled = true;
        self
    }
    /// Tunnels through an HTTP CONNECT proxy at `address` (`host:port`).
    pub fn http_connect_proxy(
        mut self,
        address: impl Into<String>,
        basic_auth: Option<(String, String)>,
    ) -> Self {
        self.http_connect_proxy = Some(HttpConnectProxy {
            address: address.into(),
            basic_auth,
        });
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
        let secure = !self.tls_disabled && (self.tls.is_some() || self.api_key.is_some());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let options = ConnectOptions::new("h:1")
            .api_key("api-key-value")
            .header("x-secret", "header-value")
            .http_connect_proxy("proxy:3128", Some(("user".into(), "proxy-password".into())))
            .tls(
                TlsConfig::with_ca(b"CA".to_vec())
                    .client_cert(b"CERT".to_vec(), b"PRIVATE-KEY-BYTES".to_vec()),
            );
        let text = format!("{options:?}");
        for secret in [
            "api-key-value",
            "header-value",
            "proxy-password",
            "PRIVATE-KEY-BYTES",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(text.contains("x-secret") && text.contains("proxy:3128"), "{text}");
    }

    #[test]
    fn an_api_key_turns_tls_on_unless_disabled() {
        assert_eq!(ConnectOptions::new("h:1").url().unwrap().scheme(), "http");
        assert_eq!(
            ConnectOptions::new("h:1").api_key("k").url().unwrap().scheme(),
            "https"
        );
        assert_eq!(
            ConnectOptions::new("h:1")
                .api_key("k")
                .disable_tls()
                .url()
                .unwrap()
                .scheme(),
            "http"
        );
        assert_eq!(
            ConnectOptions::new("h:1")
                .tls(TlsConfig::default())
                .url()
                .unwrap()
                .scheme(),
            "https"
        );
    }

    #[test]
    fn host_verification_cannot_be_disabled_silently() {
        let vars = HashMap::from([
            (
                "TEMPORAL_CONFIG_FILE".to_string(),
                "/nonexistent/temporal.toml".to_string(),
            ),
            (
                "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION".to_string(),
                "true".to_string(),
            ),
        ]);
        let err = ConnectOptions::from_env_vars(&vars).unwrap_err().to_string();
        assert!(err.contains("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"), "{err}");
    }
}
