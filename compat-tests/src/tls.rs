//! TLS in front of the dev server, which serves only plain text: certificates made when the
//! tests run (a private CA, server and client certificates with subjectAltNames, by `rcgen`),
//! and a gRPC reverse proxy that terminates TLS (ALPN `h2`, rustls), optionally requires a
//! client certificate signed by a CA, optionally requires an API key, and forwards every request
//! to the dev server over HTTP/2. It records what arrived (the `authorization` header, the client
//! certificate) and can drop its connections, so clients must reconnect.

use http_body_util::{BodyExt, Empty, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

/// A private certificate authority.
pub struct Ca {
    /// The CA certificate, PEM.
    pub cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its private key, PEM.
#[derive(Clone)]
pub struct Identity {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM.
    pub key_pem: String,
}

impl Ca {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("a CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("a self-signed CA");
        Self {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` (DNS names or IP addresses); `expired` makes one whose
    /// validity ended in 2021.
    pub fn server(&self, names: &[&str], expired: bool) -> Identity {
        let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or("server"));
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        self.sign(params)
    }

    /// A client certificate with common name `name`.
    pub fn client(&self, name: &str) -> Identity {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Identity {
        let key = KeyPair::generate().expect("a key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed by the CA");
        Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// What the proxy requires and presents.
pub struct ProxySettings {
    /// The server certificate it presents.
    pub server: Identity,
    /// Require a client certificate signed by this CA (PEM).
    pub client_ca_pem: Option<String>,
    /// Require `authorization: Bearer <key>`; other requests get `UNAUTHENTICATED`.
    pub api_key: Option<String>,
}

/// What one request looked like when it arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// The gRPC method path.
    pub path: String,
    /// The `authorization` header, as received.
    pub authorization: Option<String>,
    /// The DER of the client certificate of its connection.
    pub client_cert: Option<Vec<u8>>,
}

/// The proxy; it stops with the test's runtime.
pub struct TlsProxy {
    /// `127.0.0.1:<port>`.
    pub address: String,
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

fn unauthenticated(message: &str) -> Response<BoxBody<Bytes, hyper::Error>> {
    let mut response = Response::new(Empty::<Bytes>::new().map_err(|never| match never {}).boxed());
    let headers = response.headers_mut();
    headers.insert("content-type", "application/grpc".parse().expect("a header"));
    headers.insert("grpc-status", "16".parse().expect("a header"));
    headers.insert("grpc-message", message.parse().expect("a header"));
    response
}

/// The DER of a PEM certificate.
pub fn der(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .expect("a PEM certificate")
        .to_vec()
}

impl TlsProxy {
    /// Starts a proxy forwarding to `backend` (`host:port`, plain HTTP/2).
    pub async fn start(backend: &str, settings: ProxySettings) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("TLS versions");
        let builder = match &settings.client_ca_pem {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                roots.add(CertificateDer::from(der(ca))).expect("the client CA");
                let verifier =
                    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .expect("a client verifier");
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let chain = vec![CertificateDer::from(der(&settings.server.cert_pem))];
        let key = PrivateKeyDer::from_pem_slice(settings.server.key_pem.as_bytes()).expect("the server key");
        let mut config = builder
            .with_single_cert(chain, key)
            .expect("the server certificate");
        config.alpn_protocols = vec![b"h2".to_vec()];
        // Every connection is a full handshake (no resumed sessions), so each one shows the
        // client certificate the client presents now.
        config.send_tls13_tickets = 0;
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the TLS proxy");
        let address = listener.local_addr().expect("its address").to_string();
        let arrivals: Arc<Mutex<Vec<Arrival>>> = Arc::default();
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let backend: Arc<str> = backend.into();
        let upstream: HttpClient<HttpConnector, Incoming> = HttpClient::builder(TokioExecutor::new())
            .http2_only(true)
            .build_http();
        let api_key = settings.api_key.map(Arc::<str>::from);
        let (arrivals_in, connections_in) = (arrivals.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let (arrivals, backend, upstream, api_key) = (
                    arrivals_in.clone(),
                    backend.clone(),
                    upstream.clone(),
                    api_key.clone(),
                );
                let task = tokio::spawn(async move {
                    // A failed handshake is the client's problem to report; the proxy moves on.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let client_cert = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| c.to_vec());
                    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                        let (arrivals, backend, upstream, api_key, client_cert) = (
                            arrivals.clone(),
                            backend.clone(),
                            upstream.clone(),
                            api_key.clone(),
                            client_cert.clone(),
                        );
                        async move {
                            let authorization = request
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string);
                            arrivals.lock().unwrap_or_else(|p| p.into_inner()).push(Arrival {
                                path: request.uri().path().to_string(),
                                authorization: authorization.clone(),
                                client_cert,
                            });
                            if let Some(key) = &api_key
                                && authorization.as_deref() != Some(&format!("Bearer {key}"))
                            {
                                return Ok::<_, hyper::Error>(unauthenticated("invalid API key"));
                            }
                            let path = request
                                .uri()
                                .path_and_query()
                                .map(|p| p.as_str().to_string())
                                .unwrap_or_default();
                            *request.uri_mut() =
                                format!("http://{backend}{path}").parse().expect("a backend URI");
                            match upstream.request(request).await {
                                Ok(response) => Ok(response.map(|b| b.boxed())),
                                Err(e) => Ok(unauthenticated(&format!("backend unreachable: {e}"))),
                            }
                        }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
                connections_in
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(task.abort_handle());
            }
        });
        Self {
            address,
            arrivals,
            connections,
        }
    }

    /// Every request that arrived so far.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.arrivals.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Closes every open connection: clients must connect (and handshake) again.
    pub fn drop_connections(&self) {
        for c in self
            .connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            c.abort();
        }
    }
}
