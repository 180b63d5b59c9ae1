//! The client: connect to Temporal, start workflows, and follow them through typed handles.
//!
//! ```no_run
//! use ironflow::client::{Client, ConnectOptions, StartWorkflowOptions};
//! # use ironflow::{Workflow, WorkflowContext, WorkflowResult};
//! # struct Hello;
//! # impl Workflow for Hello {
//! #     const NAME: &'static str = "Hello"; type Input = String; type Output = String;
//! #     async fn run(_c: WorkflowContext, n: String) -> WorkflowResult<String> { Ok(n) }
//! # }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect(ConnectOptions::new("localhost:7233")).await?;
//! let handle = client
//!     .start_workflow::<Hello>("world".into(), StartWorkflowOptions::new("hello-1", "my-queue"))
//!     .await?;
//! let greeting: String = handle.get_result().await?;
//! # Ok(()) }
//! ```

mod activity_handle;
mod cert_reload;
mod connect;
mod connect_error;
mod deployments;
mod handle;
mod messages;
mod nexus_endpoints;
mod options;
mod schedule;
pub(crate) mod time_skipping;
mod update_handle;
mod visibility;

pub use activity_handle::AsyncActivityHandle;
pub use connect::{
    CONNECTION_ENV_VARS, ClientCertFiles, Compression, ConnectOptions, HttpConnectProxy, TlsConfig,
};
pub use deployments::WorkerDeploymentSummary;
pub use handle::{WorkflowDescription, WorkflowExecutionError, WorkflowHandle, WorkflowStatus};
pub use messages::QueryError;
pub use nexus_endpoints::NexusEndpoint;
pub use options::{IdConflictPolicy, IdReusePolicy, StartWorkflowOptions, VersioningOverride};
pub use schedule::{
    Schedule, ScheduleAction, ScheduleActionResult, ScheduleBackfill, ScheduleDescription, ScheduleHandle,
    ScheduleInfo, ScheduleInterval, ScheduleOverlapPolicy, SchedulePolicy, ScheduleSpec, ScheduleState,
    ScheduleSummary,
};
pub use update_handle::{UpdateError, UpdateHandle, UpdateOptions, UpdateStage};
pub use visibility::WorkflowExecutionSummary;

use crate::Workflow;
use crate::codec::DataConverter;
use crate::converter::{PayloadError, to_payload, to_payloads};
use crate::interceptor::{CallScope, ClientCall, ClientCallKind, ClientInterceptor, Headers};
use crate::telemetry::Telemetry;
use serde::Serialize;
use std::sync::Arc;
use temporalio_client::{Connection, ConnectionOptions, TlsOptions};
use temporalio_common::payload_visitor::PayloadVisitable;
use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowType},
    taskqueue::v1::TaskQueue,
    workflowservice::v1::StartWorkflowExecutionRequest,
};
use tonic::Code;

/// What went wrong talking to the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The address is not a valid `host:port` or URL.
    #[error("invalid Temporal address `{address}`: {message}")]
    InvalidAddress {
        /// The address given.
        address: String,
        /// What is wrong with it.
        message: String,
    },
    /// The server could not be reached, or refused the connection.
    #[error("cannot connect to Temporal at {address}: {cause}")]
    Connect {
        /// The address tried.
        address: String,
        /// Why, in one sentence naming the cause (which certificate, which check) and what to
        /// change.
        cause: String,
        /// The transport's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A workflow with this id is already running.
    #[error(
        "workflow `{workflow_id}` is already running (start rejected by the id conflict policy): {message}"
    )]
    AlreadyStarted {
        /// The workflow id.
        workflow_id: String,
        /// The server's message.
        message: String,
    },
    /// A schedule with this id exists already.
    #[error("schedule `{schedule_id}` already exists")]
    ScheduleAlreadyExists {
        /// The schedule id.
        schedule_id: String,
    },
    /// The workflow (or namespace) does not exist.
    #[error("{operation}: not found: {message}")]
    NotFound {
        /// The call.
        operation: &'static str,
        /// The server's message.
        message: String,
    },
    /// Any other RPC failure.
    #[error("{operation} failed ({code:?}): {message}")]
    Rpc {
        /// The call.
        operation: &'static str,
        /// The gRPC status code.
        code: Code,
        /// The server's message.
        message: String,
    },
    /// A value could not be encoded.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The options are inconsistent.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// The server answered with something this SDK does not expect.
    #[error("{operation}: unexpected response from the server: {message}")]
    UnexpectedResponse {
        /// The call.
        operation: &'static str,
        /// What was unexpected.
        message: String,
    },
    /// A payload codec could not encode a request or decode a response.
    #[error("{what}: {source}")]
    Codec {
        /// Which call or result.
        what: String,
        /// What the codec said.
        #[source]
        source: crate::codec::CodecError,
    },
}

impl ClientError {
    pub(crate) fn rpc(operation: &'static str, status: tonic::Status) -> Self {
        match status.code() {
            Code::NotFound => ClientError::NotFound {
                operation,
                message: status.message().to_string(),
            },
            code => ClientError::Rpc {
                operation,
                code,
                message: status.message().to_string(),
            },
        }
    }
}

/// A connection to a Temporal namespace. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Client {
    connection: Connection,
    address: String,
    namespace: String,
    identity: String,
    interceptors: Arc<[Arc<dyn ClientInterceptor>]>,
    telemetry: Telemetry,
    data_converter: DataConverter,
    /// Set on the clients of the time-skipping test server.
    pub(crate) time_skipping: Option<Arc<time_skipping::TimeSkipping>>,
}

/// The scopes of the interceptors of one call, finished (in reverse order) when it ends.
#[must_use]
pub(crate) struct Intercepted(Vec<Box<dyn CallScope>>);

impl Intercepted {
    pub(crate) fn finish<T, E: std::error::Error + 'static>(self, result: &Result<T, E>) {
        let error = result
            .as_ref()
            .err()
            .map(|e| e as &(dyn std::error::Error + 'static));
        for scope in self.0.into_iter().rev() {
            scope.finish(error);
        }
    }
}

/// Headers as the protos carry them (`None` when empty).
pub(crate) fn header(
    headers: Headers,
) -> Option<temporalio_common::protos::temporal::api::common::v1::Header> {
    (!headers.is_empty())
        .then_some(temporalio_common::protos::temporal::api::common::v1::Header { fields: headers })
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("namespace", &self.namespace)
            .field("identity", &self.identity)
            .finish()
    }
}

impl Client {
    /// Connects, checking that the server answers.
    ///
    /// With [`ConnectOptions::wait_for_server`], a server that cannot be reached yet (refused,
    /// unavailable, timed out — not a TLS or credentials problem) is retried with backoff (1 s,
    /// doubling to 30 s), each attempt logged as a warning, until it answers or the wait is over.
    pub async fn connect(options: impl Into<ConnectOptions>) -> Result<Self, ClientError> {
        let o = options.into();
        let Some(wait) = o.wait_for_server else {
            return Self::connect_once(&o).await.map_err(|(e, _)| e);
        };
        let started = std::time::Instant::now();
        let mut delay = std::time::Duration::from_secs(1);
        let mut attempts = 0u32;
        loop {
            match Self::connect_once(&o).await {
                Ok(client) => {
                    if attempts > 0 {
                        tracing::info!(address = %o.address, waited = ?started.elapsed(), "connected to Temporal");
                    }
                    return Ok(client);
                }
                Err((e, true)) if started.elapsed().saturating_add(delay) < wait => {
                    attempts += 1;
                    let cause = match &e {
                        ClientError::Connect { cause, .. } => cause.clone(),
                        other => other.to_string(),
                    };
                    tracing::warn!(address = %o.address, %cause, retry_in = ?delay, attempt = attempts,
                        "Temporal is not reachable yet; waiting for it");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(30));
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    /// One connection attempt; the flag says whether the failure may go away by itself.
    async fn connect_once(o: &ConnectOptions) -> Result<Self, (ClientError, bool)> {
        let permanent = |e: ClientError| (e, false);
        let url = o.url().map_err(permanent)?;
        let identity = o.identity.clone().unwrap_or_else(connect::default_identity);
        if let Some(t) = &o.tls
            && t.client_cert.is_some() != t.client_private_key.is_some()
        {
            return Err(permanent(ClientError::InvalidOptions(
                "mTLS needs both a client certificate and its private key".into(),
            )));
        }
        let secure = url.scheme() == "https";
        let tls_config = o
            .tls
            .clone()
            .filter(|_| secure)
            .or_else(|| secure.then(TlsConfig::default));
        let tls = match &tls_config {
            None => None,
            Some(t) => {
                let client_tls = match (&t.client_cert, &t.client_private_key) {
                    (Some(cert), Some(key)) => Some(
                        temporalio_client::ClientTlsOptions::builder()
                            .client_cert(cert.clone())
                            .client_private_key(key.clone())
                            .build(),
                    ),
                    _ => None,
                };
                let resolver = match &t.client_cert_files {
                    None => None,
                    Some(files) => {
                        let resolver = cert_reload::ReloadingClientCert::new(files.clone()).map_err(|e| {
                            permanent(ClientError::InvalidOptions(format!(
                                "the client certificate for mTLS: {e}"
                            )))
                        })?;
                        Some(Arc::new(resolver) as Arc<dyn rustls::client::ResolvesClientCert>)
                    }
                };
                Some(
                    TlsOptions::builder()
                        .maybe_server_root_ca_cert(t.server_root_ca_cert.clone())
                        .maybe_domain(t.domain.clone())
                        .maybe_client_tls_options(client_tls)
                        .maybe_client_cert_resolver(resolver)
                        .build(),
                )
            }
        };
        let attempt = connect_error::Attempt {
            tls: secure,
            custom_ca: tls_config
                .as_ref()
                .is_some_and(|t| t.server_root_ca_cert.is_some()),
            client_cert: tls_config
                .as_ref()
                .is_some_and(|t| t.client_cert.is_some() || t.client_cert_files.is_some()),
            api_key: o.api_key.is_some(),
            domain: tls_config.as_ref().and_then(|t| t.domain.clone()),
            proxy: o.http_connect_proxy.as_ref().map(|p| p.address.clone()),
        };
        let proxy = o.http_connect_proxy.as_ref().map(|p| {
            temporalio_client::HttpConnectProxyOptions::new(p.address.clone())
                .maybe_basic_auth(p.basic_auth.clone())
                .build()
        });
        // Core 0.10.1's reloadable-certificate path does TLS in its own connector, but hands it
        // an `https` URL that tonic then refuses ("Connecting to HTTPS without TLS enabled"):
        // give that path the `http` form of the URL (the connector still does TLS).
        let url = if tls_config.as_ref().is_some_and(|t| t.client_cert_files.is_some()) {
            let mut plain = url;
            let _ = plain.set_scheme("http");
            plain
        } else {
            url
        };
        let opts = ConnectionOptions::new(url)
            .identity(identity.clone())
            .maybe_tls_options(tls)
            // DNS load balancing and a CONNECT proxy exclude each other in Core.
            .dns_load_balancing(if proxy.is_some() {
                None
            } else {
                Some(Default::default())
            })
            .maybe_http_connect_proxy(proxy)
            .maybe_api_key(o.api_key.clone())
            .maybe_headers((!o.headers.is_empty()).then(|| o.headers.clone()))
            .connect_timeout(o.connect_timeout)
            .grpc_compression(match o.compression {
                Compression::None => temporalio_client::GrpcCompression::None,
                Compression::Gzip => temporalio_client::GrpcCompression::Gzip,
            })
            .maybe_metrics_meter(o.telemetry.meter().map(|meter| {
                // Client metrics carry Temporal's prefix, like Core's worker metrics
                // (`temporal_request`, as every SDK exports it).
                temporalio_common::telemetry::metrics::TemporalMeter::new(
                    std::sync::Arc::new(crate::telemetry::metrics::TemporalPrefixedMeter(meter)),
                    Default::default(),
                    temporalio_common::telemetry::TaskQueueLabelStrategy::UseNormal,
                )
            }))
            .client_name("ironflow".to_string())
            .client_version(env!("CARGO_PKG_VERSION").to_string())
            .build();
        let connection = Connection::connect(opts).await.map_err(|e| {
            let transient = connect_error::is_transient(&e);
            let error = ClientError::Connect {
                address: o.address.clone(),
                cause: connect_error::explain(&e, &attempt),
                source: Box::new(e),
            };
            (error, transient)
        })?;
        Ok(Self {
            connection,
            address: o.address.clone(),
            namespace: o.namespace.clone(),
            identity,
            interceptors: o.interceptors.clone().into(),
            telemetry: o.telemetry.clone(),
            data_converter: o.data_converter.clone(),
            time_skipping: None,
        })
    }

    /// The payload codecs and failure option of this client and its workers.
    pub fn data_converter(&self) -> &DataConverter {
        &self.data_converter
    }

    /// Encodes the payloads of an outbound request.
    pub(crate) async fn encode<M: PayloadVisitable>(
        &self,
        what: &str,
        message: &mut M,
    ) -> Result<(), ClientError> {
        self.data_converter
            .encode_message(message)
            .await
            .map_err(|source| ClientError::Codec {
                what: what.to_string(),
                source,
            })
    }

    /// Decodes the payloads of a response.
    pub(crate) async fn decode<M: PayloadVisitable>(
        &self,
        what: &str,
        message: &mut M,
    ) -> Result<(), ClientError> {
        self.data_converter
            .decode_message(message)
            .await
            .map_err(|source| ClientError::Codec {
                what: what.to_string(),
                source,
            })
    }

    /// Where this client's (and its workers') metrics and traces go.
    pub fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// Runs the interceptors' `start` for a call; returns the headers to send and the scopes to
    /// finish when the call ends.
    pub(crate) fn intercept(
        &self,
        kind: ClientCallKind,
        name: &str,
        workflow_id: &str,
        args: Option<&mut Option<Payloads>>,
    ) -> (Headers, Intercepted) {
        if self.interceptors.is_empty() {
            return (Headers::new(), Intercepted(Vec::new()));
        }
        let mut args = args;
        let mut call = ClientCall {
            kind,
            name: name.to_string(),
            workflow_id: workflow_id.to_string(),
            headers: Headers::new(),
            args: args
                .as_deref_mut()
                .and_then(Option::take)
                .map(|p| p.payloads)
                .unwrap_or_default(),
        };
        let scopes = self
            .interceptors
            .iter()
            .filter_map(|i| i.start(&mut call))
            .collect();
        if let Some(args) = args {
            *args = (!call.args.is_empty()).then_some(Payloads { payloads: call.args });
        }
        (call.headers, Intercepted(scopes))
    }

    /// The address connected to, as given.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Asks the server whether it answers (a `GetSystemInfo` call).
    pub async fn check_health(&self) -> Result<(), ClientError> {
        self.connection
            .workflow_service()
            .get_system_info(tonic::Request::new(
                temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest::default(
                ),
            ))
            .await
            .map(|_| ())
            .map_err(|s| ClientError::rpc("GetSystemInfo", s))
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The identity recorded for this client.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The raw gRPC `WorkflowService` of this client's connection (same TLS, API key, headers,
    /// metrics), for calls this client has no method for. Requests go out as given: no
    /// interceptors, no payload codecs.
    ///
    /// ```no_run
    /// # async fn demo(client: ironflow::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
    /// let info = client
    ///     .workflow_service()
    ///     .get_system_info(tonic::Request::new(GetSystemInfoRequest::default()))
    ///     .await?;
    /// println!("server {}", info.into_inner().server_version);
    /// # Ok(()) }
    /// ```
    pub fn workflow_service(&self) -> Box<dyn temporalio_client::grpc::WorkflowService> {
        self.connection.workflow_service()
    }

    /// The raw gRPC `OperatorService` (search attributes, Nexus endpoints, clusters), like
    /// [`Client::workflow_service`].
    pub fn operator_service(&self) -> Box<dyn temporalio_client::grpc::OperatorService> {
        self.connection.operator_service()
    }

    /// Starts a workflow of type `W`.
    pub async fn start_workflow<W: Workflow>(
        &self,
        input: W::Input,
        options: StartWorkflowOptions,
    ) -> Result<WorkflowHandle<W::Output>, ClientError> {
        self.start_workflow_by_name(W::NAME, input, options).await
    }

    /// Starts a workflow by type name, for workflows whose type is not known at compile time;
    /// `O` is the result type [`WorkflowHandle::get_result`] decodes.
    pub async fn start_workflow_by_name<I: Serialize, O>(
        &self,
        workflow_type: &str,
        input: I,
        options: StartWorkflowOptions,
    ) -> Result<WorkflowHandle<O>, ClientError> {
        let mut request = self.start_request(workflow_type, &input, &options)?;
        let workflow_id = request.workflow_id.clone();
        let (headers, intercepted) = self.intercept(
            ClientCallKind::StartWorkflow,
            workflow_type,
            &workflow_id,
            Some(&mut request.input),
        );
        request.header = header(headers);
        self.encode(&format!("starting workflow `{workflow_id}`"), &mut request)
            .await?;
        // Through the connection itself, not its raw service: the connection knows this
        // process's workers, so an eager start reserves a worker slot and hands it the task the
        // server answers with (the raw service would ask for eager execution and drop the task).
        let mut connection = self.connection.clone();
        let result = temporalio_client::grpc::WorkflowService::start_workflow_execution(
            &mut connection,
            tonic::Request::new(request),
        )
        .await
        .map_err(|status| match status.code() {
            Code::AlreadyExists => ClientError::AlreadyStarted {
                workflow_id: workflow_id.clone(),
                message: status.message().to_string(),
            },
            _ => ClientError::rpc("StartWorkflowExecution", status),
        });
        intercepted.finish(&result);
        let response = result?.into_inner();
        let mut handle =
            WorkflowHandle::new(self.clone(), workflow_id, Some(response.run_id)).with_type(workflow_type);
        handle.set_started_eagerly(response.eager_workflow_task.is_some());
        Ok(handle)
    }

    /// Starts a workflow and waits for its result.
    pub async fn execute_workflow<W: Workflow>(
        &self,
        input: W::Input,
        options: StartWorkflowOptions,
    ) -> Result<W::Output, WorkflowExecutionError> {
        self.start_workflow::<W>(input, options).await?.get_result().await
    }

    /// A handle to an existing workflow: its latest run when `run_id` is `None`.
    pub fn workflow_handle<O>(
        &self,
        workflow_id: impl Into<String>,
        run_id: Option<String>,
    ) -> WorkflowHandle<O> {
        WorkflowHandle::new(self.clone(), workflow_id.into(), run_id)
    }

    pub(crate) fn start_request<I: Serialize>(
        &self,
        workflow_type: &str,
        input: &I,
        o: &StartWorkflowOptions,
    ) -> Result<StartWorkflowExecutionRequest, ClientError> {
        if o.workflow_id.is_empty() || o.task_queue.is_empty() {
            return Err(ClientError::InvalidOptions(
                "a workflow id and a task queue are required to start a workflow".into(),
            ));
        }
        if let Some(p) = &o.retry_policy {
            p.validate()
                .map_err(|e| ClientError::InvalidOptions(e.to_string()))?;
        }
        let dur = |d: Option<std::time::Duration>| d.and_then(|d| d.try_into().ok());
        Ok(StartWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_id: o.workflow_id.clone(),
            workflow_type: Some(WorkflowType {
                name: workflow_type.to_string(),
            }),
            task_queue: Some(TaskQueue {
                name: o.task_queue.clone(),
                ..Default::default()
            }),
            input: Some(Payloads {
                payloads: to_payloads(input)?,
            }),
            workflow_execution_timeout: dur(o.execution_timeout),
            workflow_run_timeout: dur(o.run_timeout),
            workflow_task_timeout: dur(o.task_timeout),
            identity: self.identity.clone(),
            request_id: uuid::Uuid::new_v4().to_string(),
            workflow_id_reuse_policy: o.id_reuse_policy.to_proto() as i32,
            workflow_id_conflict_policy: o.id_conflict_policy.map_or(0, |p| p.to_proto() as i32),
            retry_policy: o.retry_policy.as_ref().map(crate::RetryPolicy::to_proto),
            search_attributes: (!o.search_attributes.is_empty())
                .then(|| crate::converter::search_attributes_to_proto(&o.search_attributes))
                .transpose()?,
            memo: (!o.memo.is_empty())
                .then(|| crate::converter::memo_to_proto(&o.memo))
                .transpose()?,
            user_metadata: user_metadata(o)?,
            cron_schedule: o.cron_schedule.clone().unwrap_or_default(),
            request_eager_execution: o.eager_start,
            versioning_override: o.versioning_override.as_ref().map(VersioningOverride::to_proto),
            ..Default::default()
        })
    }
}

/// The Web UI's summary and details, as `json/plain` strings.
fn user_metadata(
    o: &StartWorkflowOptions,
) -> Result<Option<temporalio_common::protos::temporal::api::sdk::v1::UserMetadata>, ClientError> {
    if o.static_summary.is_none() && o.static_details.is_none() {
        return Ok(None);
    }
    Ok(Some(
        temporalio_common::protos::temporal::api::sdk::v1::UserMetadata {
            summary: o.static_summary.as_ref().map(to_payload).transpose()?,
            details: o.static_details.as_ref().map(to_payload).transpose()?,
        },
    ))
}

/// A protobuf timestamp as a `SystemTime` (`None` when absent or out of range).
pub(crate) fn system_time(t: Option<prost_wkt_types::Timestamp>) -> Option<std::time::SystemTime> {
    t.and_then(|t| std::time::SystemTime::try_from(t).ok())
}

/// An error with its sources, on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        cur = s.source();
    }
    text
}
