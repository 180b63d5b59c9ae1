//! Connections through a real TLS endpoint: a gRPC reverse proxy in the test (rustls, ALPN h2)
//! in front of the dev server, with certificates made for the run. TLS with a private CA, a server
//! name override, mTLS accepted and refused, a certificate from another CA, an expired one, API
//! keys (seen where they arrive) right and wrong, an API key sent to a plain-text server, the
//! Python SDK through the same endpoint, profiles and environment variables as the CLI reads
//! them, an HTTP CONNECT proxy with basic auth, and a client certificate renewed on disk while a
//! worker runs. Every failure is one sentence naming its cause.

use ironflow::Worker;
use ironflow::client::{Client, ClientError, ConnectOptions, StartWorkflowOptions, TlsConfig};
use ironflow_compat_tests::connect_proxy::ConnectProxy;
use ironflow_compat_tests::fixtures::{GreetWorkflow, register_all};
use ironflow_compat_tests::peers::python_script;
use ironflow_compat_tests::tls::{Ca, ProxySettings, TlsProxy, der};
use ironflow_compat_tests::{RunningWorker, server_address, temp_dir, unique, wait_until, within};
use std::collections::HashMap;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

async fn proxy(ca: &Ca, names: &[&str], client_ca: Option<&Ca>, api_key: Option<&str>) -> TlsProxy {
    TlsProxy::start(
        server_address(),
        ProxySettings {
            server: ca.server(names, false),
            client_ca_pem: client_ca.map(|c| c.cert_pem.clone()),
            api_key: api_key.map(str::to_string),
        },
    )
    .await
}

/// Connects, bounded (a failure must never hang).
async fn connect(options: ConnectOptions) -> Result<Client, ClientError> {
    within("connecting", Duration::from_secs(60), Client::connect(options)).await
}

/// The `cause` of a connection failure, checking it names the address.
fn cause(result: Result<Client, ClientError>, address: &str) -> String {
    match result {
        Ok(_) => panic!("the connection to {address} should have failed"),
        Err(ClientError::Connect {
            address: a, cause, ..
        }) => {
            assert_eq!(a, address);
            cause
        }
        Err(other) => panic!("expected a connection error, got {other}"),
    }
}

/// Runs a greeting on a worker connected with `worker_options`; the client that starts it
/// connects directly.
async fn greet_through(worker_client: &Client, who: &str) -> String {
    let tq = unique("tls-greet");
    let worker = RunningWorker::start(register_all(Worker::builder(worker_client, &tq)));
    let direct = ironflow_compat_tests::client().await;
    let out = within(
        "a greeting through the TLS endpoint",
        LIMIT,
        direct.execute_workflow::<GreetWorkflow>(who.into(), StartWorkflowOptions::new(unique("greet"), &tq)),
    )
    .await
    .unwrap();
    worker.stop().await.unwrap();
    out
}

#[tokio::test]
async fn tls_with_a_private_ca_serves_a_client_and_a_worker() {
    let ca = Ca::new("Ironflow test CA");
    let endpoint = proxy(&ca, &["localhost", "127.0.0.1"], None, None).await;
    let client = connect(ConnectOptions::new(&endpoint.address).tls(TlsConfig::with_ca(ca.cert_pem.clone())))
        .await
        .expect("TLS with the private CA");
    assert_eq!(greet_through(&client, "TLS").await, "Hello, TLS!");
    let polls = endpoint
        .arrivals()
        .iter()
        .filter(|a| a.path.contains("PollWorkflowTaskQueue"))
        .count();
    assert!(polls > 0, "the worker polled through the TLS endpoint");
}

#[tokio::test]
async fn the_server_name_can_differ_from_the_address() {
    let ca = Ca::new("Ironflow test CA");
    let endpoint = proxy(&ca, &["temporal.internal"], None, None).await;
    let wrong = cause(
        connect(ConnectOptions::new(&endpoint.address).tls(TlsConfig::with_ca(ca.cert_pem.clone()))).await,
        &endpoint.address,
    );
    assert!(
        wrong.contains("not valid for")
            && wrong.contains("temporal.internal")
            && wrong.contains("TlsConfig::domain"),
        "{wrong}"
    );
    connect(
        ConnectOptions::new(&endpoint.address)
            .tls(TlsConfig::with_ca(ca.cert_pem.clone()).domain("temporal.internal")),
    )
    .await
    .expect("the name override");
}

#[tokio::test]
async fn mtls_accepts_a_client_certificate_and_refuses_a_missing_or_foreign_one() {
    let ca = Ca::new("Ironflow test CA");
    let clients = Ca::new("Ironflow client CA");
    let endpoint = proxy(&ca, &["127.0.0.1"], Some(&clients), None).await;
    let me = clients.client("worker-1");
    let client =
        connect(ConnectOptions::new(&endpoint.address).tls(
            TlsConfig::with_ca(ca.cert_pem.clone()).client_cert(me.cert_pem.clone(), me.key_pem.clone()),
        ))
        .await
        .expect("mTLS");
    assert_eq!(greet_through(&client, "mTLS").await, "Hello, mTLS!");
    assert!(
        endpoint
            .arrivals()
            .iter()
            .all(|a| a.client_cert.as_deref() == Some(der(&me.cert_pem).as_slice())),
        "every request came with the worker's certificate"
    );

    let missing = cause(
        connect(ConnectOptions::new(&endpoint.address).tls(TlsConfig::with_ca(ca.cert_pem.clone()))).await,
        &endpoint.address,
    );
    assert!(
        missing.contains("client certificate") && missing.contains("client_cert"),
        "{missing}"
    );

    let stranger = Ca::new("Someone else's CA").client("intruder");
    let foreign =
        cause(
            connect(ConnectOptions::new(&endpoint.address).tls(
                TlsConfig::with_ca(ca.cert_pem.clone()).client_cert(stranger.cert_pem, stranger.key_pem),
            ))
            .await,
            &endpoint.address,
        );
    assert!(foreign.contains("rejected the client certificate"), "{foreign}");
}

#[tokio::test]
async fn a_certificate_from_another_ca_or_an_expired_one_is_named() {
    let ca = Ca::new("Ironflow test CA");
    let other = Ca::new("Another CA");
    let endpoint = proxy(&other, &["127.0.0.1"], None, None).await;
    let untrusted = cause(
        connect(ConnectOptions::new(&endpoint.address).tls(TlsConfig::with_ca(ca.cert_pem.clone()))).await,
        &endpoint.address,
    );
    assert!(
        untrusted.contains("not signed by a CA this client trusts")
            && untrusted.contains("server_root_ca_cert"),
        "{untrusted}"
    );

    let expired = TlsProxy::start(
        server_address(),
        ProxySettings {
            server: ca.server(&["127.0.0.1"], true),
            client_ca_pem: None,
            api_key: None,
        },
    )
    .await;
    let text = cause(
        connect(ConnectOptions::new(&expired.address).tls(TlsConfig::with_ca(ca.cert_pem.clone()))).await,
        &expired.address,
    );
    assert!(text.contains("certificate has expired"), "{text}");
}

#[tokio::test]
async fn api_keys_arrive_as_bearer_tokens_and_a_wrong_one_is_refused() {
    let ca = Ca::new("Ironflow test CA");
    let key = unique("key");
    let endpoint = proxy(&ca, &["127.0.0.1"], None, Some(&key)).await;
    let tls = TlsConfig::with_ca(ca.cert_pem.clone());
    let client = connect(
        ConnectOptions::new(&endpoint.address)
            .tls(tls.clone())
            .api_key(&key),
    )
    .await
    .expect("the right key");
    assert_eq!(greet_through(&client, "key").await, "Hello, key!");
    let arrivals = endpoint.arrivals();
    assert!(!arrivals.is_empty());
    assert!(
        arrivals
            .iter()
            .all(|a| a.authorization.as_deref() == Some(format!("Bearer {key}").as_str())),
        "{arrivals:?}"
    );

    let wrong_key = unique("wrong");
    let result = connect(
        ConnectOptions::new(&endpoint.address)
            .tls(tls)
            .api_key(&wrong_key),
    )
    .await;
    let text = cause(result, &endpoint.address);
    assert!(
        text.contains("refused the credentials") && text.contains("API key"),
        "{text}"
    );
    assert!(
        !text.contains(&wrong_key),
        "the key itself is never printed: {text}"
    );
}

#[tokio::test]
async fn an_api_key_turns_tls_on_and_a_plain_text_server_says_so() {
    // The dev server speaks plain text; an API key alone means TLS.
    let text = cause(
        connect(ConnectOptions::new(server_address()).api_key("k")).await,
        server_address(),
    );
    assert!(text.contains("did not answer with TLS"), "{text}");
    // Unless TLS is disabled explicitly (a local proxy that terminates TLS).
    connect(ConnectOptions::new(server_address()).api_key("k").disable_tls())
        .await
        .expect("an API key over plain text when TLS is disabled");
}

#[tokio::test]
async fn the_python_sdk_connects_through_the_same_endpoint() {
    let ca = Ca::new("Ironflow test CA");
    let key = unique("py-key");
    let endpoint = proxy(&ca, &["127.0.0.1"], None, Some(&key)).await;
    let ca_file = temp_dir("python-tls").join("ca.pem");
    std::fs::write(&ca_file, &ca.cert_pem).unwrap();
    let tq = unique("py-tls");
    let direct = ironflow_compat_tests::client().await;
    let worker = RunningWorker::start(register_all(Worker::builder(&direct, &tq)));
    let out = python_script(
        "tls_client.py",
        &[
            &endpoint.address,
            &ca_file.to_string_lossy(),
            &key,
            "GreetWorkflow",
            &unique("py-tls"),
            &tq,
            r#""Python over TLS""#,
        ],
    )
    .await;
    worker.stop().await.unwrap();
    assert_eq!(out.trim(), r#""Hello, Python over TLS!""#);
    assert!(
        endpoint
            .arrivals()
            .iter()
            .any(|a| a.authorization.as_deref() == Some(format!("Bearer {key}").as_str()))
    );
}

#[tokio::test]
async fn profiles_and_environment_variables_configure_the_connection_as_for_the_cli() {
    let ca = Ca::new("Ironflow test CA");
    let key = unique("profile-key");
    let endpoint = proxy(&ca, &["127.0.0.1"], None, Some(&key)).await;
    let dir = temp_dir("profiles");
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, &ca.cert_pem).unwrap();
    let config = dir.join("temporal.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.default]\naddress = \"{}\"\nnamespace = \"default\"\napi_key = \"{key}\"\n\n\
             [profile.default.tls]\nserver_ca_cert_path = \"{}\"\n\n\
             [profile.direct]\naddress = \"{}\"\n",
            endpoint.address,
            ca_path.display(),
            server_address()
        ),
    )
    .unwrap();
    let vars = |extra: &[(&str, &str)]| {
        let mut v = HashMap::from([(
            "TEMPORAL_CONFIG_FILE".to_string(),
            config.to_string_lossy().into_owned(),
        )]);
        v.extend(extra.iter().map(|(k, val)| (k.to_string(), val.to_string())));
        v
    };
    // The default profile: TLS with the CA and the API key, through the endpoint.
    let options = ConnectOptions::from_env_vars(&vars(&[])).unwrap();
    assert!(!format!("{options:?}").contains(&key), "the key is not printed");
    connect(options).await.expect("the default profile");
    assert!(
        endpoint
            .arrivals()
            .iter()
            .any(|a| a.authorization.as_deref() == Some(format!("Bearer {key}").as_str()))
    );
    // TEMPORAL_PROFILE picks another; environment variables override the file.
    let direct = ConnectOptions::from_env_vars(&vars(&[("TEMPORAL_PROFILE", "direct")])).unwrap();
    assert_eq!(direct.address, server_address());
    connect(direct).await.expect("the direct profile");
    let overridden = ConnectOptions::from_env_vars(&vars(&[
        ("TEMPORAL_ADDRESS", "elsewhere:7233"),
        ("TEMPORAL_NAMESPACE", "ns2"),
    ]))
    .unwrap();
    assert_eq!(
        (overridden.address.as_str(), overridden.namespace.as_str()),
        ("elsewhere:7233", "ns2")
    );
    // TEMPORAL_TLS=false keeps an API key on plain text.
    let plain = ConnectOptions::from_env_vars(&vars(&[
        ("TEMPORAL_PROFILE", "direct"),
        ("TEMPORAL_API_KEY", "k"),
        ("TEMPORAL_TLS", "false"),
    ]))
    .unwrap();
    assert_eq!(plain.url().unwrap().scheme(), "http");
    // A profile that does not exist is an error naming it.
    let err = ConnectOptions::from_env_vars(&vars(&[("TEMPORAL_PROFILE", "nope")])).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    // The same file through from_config_file.
    let from_file = ConnectOptions::from_config_file(&config, "direct").unwrap();
    assert_eq!(from_file.address, server_address());
}

#[tokio::test]
async fn an_http_connect_proxy_with_basic_auth_carries_the_connection() {
    let proxy = ConnectProxy::start(Some(("ops", "s3cret"))).await;
    let client = connect(
        ConnectOptions::new(server_address())
            .http_connect_proxy(&proxy.address, Some(("ops".into(), "s3cret".into()))),
    )
    .await
    .expect("through the proxy");
    assert!(
        !format!(
            "{:?}",
            ConnectOptions::new("x").http_connect_proxy("p:1", Some(("u".into(), "pw-123".into())))
        )
        .contains("pw-123")
    );
    assert_eq!(greet_through(&client, "proxied").await, "Hello, proxied!");
    assert!(proxy.tunnels() >= 1, "the connection went through the proxy");

    let refused_before = proxy.refused();
    let result = connect(
        ConnectOptions::new(server_address())
            .http_connect_proxy(&proxy.address, Some(("ops".into(), "wrong".into()))),
    )
    .await;
    assert!(result.is_err(), "wrong proxy credentials must fail");
    assert_eq!(proxy.refused(), refused_before + 1);
    let text = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains(server_address()) && !text.contains("wrong"),
        "{text}"
    );
}

#[tokio::test]
async fn a_renewed_client_certificate_is_used_without_restarting_the_worker() {
    let ca = Ca::new("Ironflow test CA");
    let clients = Ca::new("Ironflow client CA");
    let endpoint = proxy(&ca, &["127.0.0.1"], Some(&clients), None).await;
    let dir = temp_dir("cert-reload");
    let (cert_path, key_path) = (dir.join("client.pem"), dir.join("client.key"));
    let first = clients.client("worker-before");
    std::fs::write(&cert_path, &first.cert_pem).unwrap();
    std::fs::write(&key_path, &first.key_pem).unwrap();
    let worker_client = connect(
        ConnectOptions::new(&endpoint.address)
            .tls(TlsConfig::with_ca(ca.cert_pem.clone()).client_cert_files(&cert_path, &key_path)),
    )
    .await
    .expect("mTLS from files");
    let tq = unique("reload");
    let worker = RunningWorker::start(register_all(Worker::builder(&worker_client, &tq)));
    let direct = ironflow_compat_tests::client().await;
    let greet = |who: &str| {
        direct.execute_workflow::<GreetWorkflow>(who.into(), StartWorkflowOptions::new(unique("reload"), &tq))
    };
    assert_eq!(
        within("before the renewal", LIMIT, greet("before"))
            .await
            .unwrap(),
        "Hello, before!"
    );

    // Renew: replace both files, then drop the proxy's connections so the worker reconnects.
    let second = clients.client("worker-after");
    std::fs::write(&key_path, &second.key_pem).unwrap();
    std::fs::write(&cert_path, &second.cert_pem).unwrap();
    endpoint.drop_connections();
    assert_eq!(
        within("after the renewal", LIMIT, greet("after")).await.unwrap(),
        "Hello, after!"
    );
    let renewed = der(&second.cert_pem);
    wait_until("a request with the renewed certificate", LIMIT, || async {
        endpoint
            .arrivals()
            .iter()
            .any(|a| a.client_cert.as_deref() == Some(renewed.as_slice()))
            .then_some(())
    })
    .await;
    worker.stop().await.unwrap();
}
