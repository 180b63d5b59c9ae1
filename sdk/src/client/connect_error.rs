//! Why a connection failed, in one sentence that names the cause and what to change: the
//! transport's error chain (tonic → hyper → rustls or the OS) is searched for the first error
//! that says something a user can act on.

use rustls::{AlertDescription, CertificateError};

/// What the connection was attempted with, for the explanation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attempt {
    pub(crate) tls: bool,
    pub(crate) custom_ca: bool,
    pub(crate) client_cert: bool,
    pub(crate) api_key: bool,
    pub(crate) domain: Option<String>,
    pub(crate) proxy: Option<String>,
}

/// The rustls error in `e`, directly or inside an `io::Error` (which hides it from `source()`).
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    let io = e.downcast_ref::<std::io::Error>()?;
    io.get_ref()?.downcast_ref::<rustls::Error>()
}

fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |e| {
        e.source().or_else(|| {
            // An io::Error's custom payload is not its `source()`; step into it.
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        })
    })
}

fn server_certificate(e: &CertificateError, a: &Attempt) -> String {
    let ca = if a.custom_ca {
        "the CA given in TlsConfig::server_root_ca_cert (TEMPORAL_TLS_SERVER_CA_CERT_PATH)"
    } else {
        "the system's root CAs (for a private CA set TlsConfig::server_root_ca_cert, or TEMPORAL_TLS_SERVER_CA_CERT_PATH)"
    };
    match e {
        CertificateError::UnknownIssuer => {
            format!("the server's TLS certificate is not signed by a CA this client trusts: it trusts {ca}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            let detail = match e {
                CertificateError::ExpiredContext { time, not_after } => format!(
                    " (valid until {} s after the epoch; now is {} s)",
                    not_after.as_secs(),
                    time.as_secs()
                ),
                _ => String::new(),
            };
            format!(
                "the server's TLS certificate has expired{detail}: the server must present a renewed certificate"
            )
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's TLS certificate is not valid yet (check the clocks of the server and this machine)"
                .into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let (expected, presented) = match e {
                CertificateError::NotValidForNameContext { expected, presented } => {
                    (format!("{expected:?}"), presented.join(", "))
                }
                _ => (
                    a.domain.clone().unwrap_or_else(|| "the address's host".into()),
                    "other names".into(),
                ),
            };
            format!(
                "the server's TLS certificate is not valid for {expected} (it names {presented}): connect by a name the \
                 certificate has, or set TlsConfig::domain (TEMPORAL_TLS_SERVER_NAME) to one"
            )
        }
        CertificateError::Revoked => "the server's TLS certificate has been revoked".into(),
        other => format!("the server's TLS certificate was rejected: {other}"),
    }
}

fn from_rustls(e: &rustls::Error, a: &Attempt) -> Option<String> {
    Some(match e {
        rustls::Error::InvalidCertificate(c) => server_certificate(c, a),
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => "the server requires a client certificate (mTLS) and none was sent: \
                 set TlsConfig::client_cert and client_private_key (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH)"
                .into(),
            AlertDescription::HandshakeFailure if !a.client_cert => "the server refused the TLS handshake; it may require a \
                 client certificate (mTLS): set TlsConfig::client_cert and client_private_key"
                .into(),
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied
                if a.client_cert =>
            {
                format!(
                    "the server rejected the client certificate ({alert:?}): it is not signed by a CA the server trusts, \
                     has expired, or is not allowed"
                )
            }
            AlertDescription::NoApplicationProtocol => {
                "the server does not speak HTTP/2 over TLS (ALPN `h2`): a TLS terminator in front of Temporal must \
                 forward gRPC (HTTP/2)"
                    .into()
            }
            other => format!("the server ended the TLS handshake with the alert {other:?}"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer with TLS: it may be a plain-text endpoint (remove the TLS settings, or set \
             TEMPORAL_TLS=false)"
                .into()
        }
        rustls::Error::NoApplicationProtocol => {
            "the server does not speak HTTP/2 over TLS (ALPN `h2`): a TLS terminator in front of Temporal must \
             forward gRPC (HTTP/2)"
                .into()
        }
        _ => return None,
    })
}

fn from_status(status: &tonic::Status, a: &Attempt) -> Option<String> {
    match status.code() {
        tonic::Code::Unauthenticated | tonic::Code::PermissionDenied => Some(format!(
            "the server refused the credentials ({:?}: {}): {}",
            status.code(),
            status.message(),
            if a.api_key {
                "check the API key (ConnectOptions::api_key, TEMPORAL_API_KEY)"
            } else {
                "this server needs an API key (TEMPORAL_API_KEY) or a client certificate"
            }
        )),
        _ => None,
    }
}

fn from_io(e: &std::io::Error, a: &Attempt) -> Option<String> {
    use std::io::ErrorKind;
    let through = a
        .proxy
        .as_ref()
        .map(|p| format!(" (through the proxy {p})"))
        .unwrap_or_default();
    match e.kind() {
        ErrorKind::ConnectionRefused => Some(format!("nothing accepts connections there{through} (connection refused)")),
        ErrorKind::TimedOut => Some(format!("the connection timed out{through}")),
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof if !a.tls => Some(
            "the server closed the connection during the HTTP/2 handshake: if it expects TLS, set TlsConfig (or \
             TEMPORAL_TLS=true)"
                .into(),
        ),
        _ => None,
    }
}

/// A TLS alert reported as text ("received fatal alert: CertificateRequired"): hyper keeps
/// rustls's error only as its message.
fn alert_in_text(text: &str) -> Option<AlertDescription> {
    let name = text.split("fatal alert: ").nth(1)?;
    let name: String = name.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    [
        AlertDescription::CertificateRequired,
        AlertDescription::HandshakeFailure,
        AlertDescription::BadCertificate,
        AlertDescription::UnknownCA,
        AlertDescription::CertificateExpired,
        AlertDescription::CertificateUnknown,
        AlertDescription::CertificateRevoked,
        AlertDescription::AccessDenied,
        AlertDescription::DecryptError,
        AlertDescription::ProtocolVersion,
        AlertDescription::NoApplicationProtocol,
    ]
    .into_iter()
    .find(|a| format!("{a:?}") == name)
}

/// One sentence saying why the connection failed, or the error chain when nothing in it is
/// recognised.
pub(crate) fn explain(error: &(dyn std::error::Error + 'static), attempt: &Attempt) -> String {
    for e in chain(error) {
        if let Some(r) = rustls_error(e)
            && let Some(text) = from_rustls(r, attempt)
        {
            return text;
        }
        let status =
            e.downcast_ref::<tonic::Status>().or_else(|| match e
                .downcast_ref::<temporalio_client::errors::ClientConnectError>()
            {
                Some(temporalio_client::errors::ClientConnectError::SystemInfoCallError(status)) => {
                    Some(status)
                }
                _ => None,
            });
        if let Some(status) = status {
            if let Some(text) = from_status(status, attempt) {
                return text;
            }
            // A transport failure on the first call (the TLS handshake happens there): look inside.
            if let Some(inner) = std::error::Error::source(status) {
                let text = explain(inner, attempt);
                if text != super::error_chain(inner) {
                    return text;
                }
            }
        }
        if let Some(alert) = alert_in_text(&e.to_string())
            && let Some(text) = from_rustls(&rustls::Error::AlertReceived(alert), attempt)
        {
            return text;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(text) = from_io(io, attempt)
        {
            return text;
        }
    }
    super::error_chain(error)
}

/// Whether a failed connection may succeed later by itself: the server is down, restarting or
/// unreachable for now — not a TLS, credentials or configuration problem.
pub(crate) fn is_transient(error: &(dyn std::error::Error + 'static)) -> bool {
    let retryable = |code: tonic::Code| {
        matches!(
            code,
            tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Unknown
        )
    };
    let mut transient = false;
    for e in chain(error) {
        if rustls_error(e).is_some() || alert_in_text(&e.to_string()).is_some() {
            return false;
        }
        let status =
            e.downcast_ref::<tonic::Status>().or_else(|| match e
                .downcast_ref::<temporalio_client::errors::ClientConnectError>()
            {
                Some(temporalio_client::errors::ClientConnectError::SystemInfoCallError(status)) => {
                    Some(status)
                }
                _ => None,
            });
        if let Some(status) = status {
            if !retryable(status.code()) {
                return false;
            }
            transient = true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | TimedOut
                    | NotConnected
                    | AddrNotAvailable
            ) {
                transient = true;
            }
        }
        if e.downcast_ref::<tonic::transport::Error>().is_some() {
            transient = true;
        }
    }
    transient
}
