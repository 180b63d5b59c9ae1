//! A codec server: `POST /encode` and `POST /decode` over HTTP, with the proto-JSON body
//! `{"payloads": [...]}`, so the `temporal` CLI (`--codec-endpoint`) and the Web UI
//! (`temporal server start-dev --ui-codec-endpoint`, or the UI's settings) show decoded payloads.
//! The browser calls the codec server itself, so CORS preflight is answered for the origins
//! allowed; an `Authorization` value can be required. The `X-Namespace` header picks the
//! namespace's converter. The `ironflow-codec-server` binary (`codec-server/`) runs one.
//!
//! ```no_run
//! use ironflow::codec::server::CodecServer;
//! use ironflow::codec::{DataConverter, EncryptionCodec};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let converter = DataConverter::new().codec(EncryptionCodec::new("k1", &[7u8; 32])?);
//! let server = CodecServer::new(converter)
//!     .allow_origin("http://localhost:8233") // the Web UI of `temporal server start-dev`
//!     .bind("127.0.0.1:8081".parse()?)
//!     .await?;
//! println!("codec endpoint: {}", server.url());
//! server.wait().await;
//! # Ok(()) }
//! ```

use super::{DataConverter, payloads_from_json, payloads_to_json};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ORIGIN};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The largest request body accepted (the server's payload size limit is far below it).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Serves a [`DataConverter`]'s codecs over HTTP; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct CodecServer {
    default: Option<DataConverter>,
    namespaces: HashMap<String, DataConverter>,
    origins: Vec<String>,
    authorization: Option<String>,
}

/// A codec server listening; it stops when this is dropped.
#[derive(Debug)]
pub struct RunningCodecServer {
    address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl RunningCodecServer {
    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://<address>`: the value for `--codec-endpoint` / `--ui-codec-endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Serves until the task ends (it does not, unless the runtime shuts down).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningCodecServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CodecServer {
    /// A server applying `converter` for every namespace.
    pub fn new(converter: DataConverter) -> Self {
        Self {
            default: Some(converter),
            namespaces: HashMap::new(),
            origins: Vec::new(),
            authorization: None,
        }
    }

    /// A server with no converter yet: only the namespaces given with [`Self::namespace`] are
    /// served, others get `404`.
    pub fn per_namespace() -> Self {
        Self {
            default: None,
            namespaces: HashMap::new(),
            origins: Vec::new(),
            authorization: None,
        }
    }

    /// Uses `converter` for requests whose `X-Namespace` is `namespace`.
    pub fn namespace(mut self, namespace: impl Into<String>, converter: DataConverter) -> Self {
        self.namespaces.insert(namespace.into(), converter);
        self
    }

    /// Lets pages from `origin` (scheme://host:port, e.g. the Web UI's `http://localhost:8233`)
    /// call the server: CORS preflight is answered and responses carry
    /// `Access-Control-Allow-Origin` for it. `"*"` allows every origin.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into().trim_end_matches('/').to_string());
        self
    }

    /// Requires the `Authorization` header to equal `value` (e.g. `Bearer <token>`): other
    /// requests get `401`.
    pub fn require_authorization(mut self, value: impl Into<String>) -> Self {
        self.authorization = Some(value.into());
        self
    }

    /// Listens on `address` (port 0 picks a free one) and serves in a background task.
    pub async fn bind(self, address: SocketAddr) -> std::io::Result<RunningCodecServer> {
        self.serve(TcpListener::bind(address).await?)
    }

    /// Serves on a listener already bound (so its address can be handed out before the server's
    /// settings are final), in a background task.
    pub fn serve(self, listener: TcpListener) -> std::io::Result<RunningCodecServer> {
        let address = listener.local_addr()?;
        let server = Arc::new(self);
        let task = tokio::spawn(async move { server.accept_loop(listener).await });
        Ok(RunningCodecServer { address, task })
    }

    async fn accept_loop(self: Arc<Self>, listener: TcpListener) {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "codec server: accepting a connection failed");
                    continue;
                }
            };
            let server = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(request).await) }
                });
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "codec server: connection ended with an error");
                }
            });
        }
    }

    /// The CORS origin to echo for this request, if it is allowed.
    fn allowed_origin(&self, request: &Request<Incoming>) -> Option<HeaderValue> {
        let origin = request.headers().get(ORIGIN)?;
        let text = origin.to_str().ok()?;
        self.origins
            .iter()
            .any(|o| o == "*" || o == text)
            .then(|| origin.clone())
    }

    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let origin = self.allowed_origin(&request);
        let path = request.uri().path().trim_end_matches('/').to_string();
        let encode = if path.ends_with("/encode") {
            true
        } else if path.ends_with("/decode") {
            false
        } else {
            return with_cors(
                text(StatusCode::NOT_FOUND, "not found: POST /encode or /decode"),
                origin,
            );
        };
        if request.method() == Method::OPTIONS {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = if origin.is_some() {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            let headers = response.headers_mut();
            headers.insert(
                "access-control-allow-methods",
                HeaderValue::from_static("POST, OPTIONS"),
            );
            headers.insert(
                "access-control-allow-headers",
                HeaderValue::from_static("content-type, x-namespace, authorization"),
            );
            headers.insert("access-control-max-age", HeaderValue::from_static("600"));
            return with_cors(response, origin);
        }
        if request.method() != Method::POST {
            return with_cors(text(StatusCode::METHOD_NOT_ALLOWED, "use POST"), origin);
        }
        if let Some(expected) = &self.authorization {
            let given = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            if given != Some(expected.as_str()) {
                return with_cors(
                    text(StatusCode::UNAUTHORIZED, "missing or wrong Authorization header"),
                    origin,
                );
            }
        }
        let namespace = request
            .headers()
            .get("x-namespace")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let Some(converter) = self.namespaces.get(&namespace).or(self.default.as_ref()) else {
            return with_cors(
                text(
                    StatusCode::NOT_FOUND,
                    &format!("no codec for namespace `{namespace}`"),
                ),
                origin,
            );
        };
        let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
            Ok(body) => body.to_bytes(),
            Err(e) => {
                return with_cors(
                    text(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &format!("cannot read the body: {e}"),
                    ),
                    origin,
                );
            }
        };
        let payloads = match payloads_from_json(&body) {
            Ok(p) => p,
            Err(e) => return with_cors(text(StatusCode::BAD_REQUEST, &e.to_string()), origin),
        };
        let result = if encode {
            converter.encode(payloads).await
        } else {
            converter.decode(payloads).await
        };
        match result {
            Ok(payloads) => {
                let mut response = Response::new(Full::new(Bytes::from(payloads_to_json(&payloads))));
                response
                    .headers_mut()
                    .insert("content-type", HeaderValue::from_static("application/json"));
                with_cors(response, origin)
            }
            Err(e) => with_cors(text(StatusCode::BAD_REQUEST, &e.to_string()), origin),
        }
    }
}

fn text(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(message.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn with_cors(mut response: Response<Full<Bytes>>, origin: Option<HeaderValue>) -> Response<Full<Bytes>> {
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert("access-control-allow-origin", origin);
        headers.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
        headers.insert("vary", HeaderValue::from_static("origin"));
    }
    response
}
