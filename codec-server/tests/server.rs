//! The `ironflow-codec-server` binary, as the CLI and the Web UI call it: encode/decode round
//! trips, key rotation, CORS preflight for allowed and other origins, the Authorization check,
//! and clear errors for an unknown key, a corrupted payload and bad settings.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const KEY_1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const KEY_2: &str = "0202020202020202020202020202020202020202020202020202020202020202";

/// A running server, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(keys: &str, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ironflow-codec-server"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("IRONFLOW_ENCRYPTION_KEYS", keys)
        .env_remove("IRONFLOW_CODEC_AUTHORIZATION")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ironflow-codec-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    let address = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Server { child, address }
}

/// Sends one HTTP/1.1 request; returns (status, headers in lower case, body).
fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

fn json_payload(text: &str) -> String {
    use base64::Engine as _;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        r#"{{"payloads":[{{"metadata":{{"encoding":"{}"}},"data":"{}"}}]}}"#,
        b64(b"json/plain"),
        b64(text.as_bytes())
    )
}

fn metadata(body: &str, key: &str) -> String {
    use base64::Engine as _;
    let v: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    let encoded = v["payloads"][0]["metadata"][key]
        .as_str()
        .unwrap_or_default()
        .to_string();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap_or_default(),
    )
    .unwrap_or_default()
}

#[test]
fn encodes_and_decodes_with_key_rotation() {
    let old = start(&format!("k1={KEY_1}"), &[]);
    let (status, _, encrypted) = request(
        &old.address,
        "POST",
        "/encode",
        &[("X-Namespace", "default")],
        &json_payload(r#""card 4242""#),
    );
    assert_eq!(status, 200, "{encrypted}");
    assert_eq!(metadata(&encrypted, "encoding"), "binary/encrypted");
    assert_eq!(metadata(&encrypted, "encryption-key-id"), "k1");
    assert!(!encrypted.contains("card"));

    // After a rotation the server encrypts with k2 and still reads k1's payloads.
    let rotated = start(&format!("k2={KEY_2},k1={KEY_1}"), &["--zlib"]);
    let (status, _, decrypted) = request(&rotated.address, "POST", "/decode", &[], &encrypted);
    assert_eq!(status, 200, "{decrypted}");
    assert_eq!(decrypted, json_payload(r#""card 4242""#));
    let (_, _, fresh) = request(&rotated.address, "POST", "/encode", &[], &json_payload("1"));
    assert_eq!(metadata(&fresh, "encryption-key-id"), "k2");
    // A path prefix (an endpoint like http://host/codec) is accepted.
    let (status, _, _) = request(&rotated.address, "POST", "/codec/decode", &[], &fresh);
    assert_eq!(status, 200);
}

#[test]
fn answers_cors_preflight_only_for_allowed_origins() {
    let server = start(&format!("k1={KEY_1}"), &["--origin", "http://localhost:8233"]);
    let (status, head, _) = request(
        &server.address,
        "OPTIONS",
        "/decode",
        &[
            ("Origin", "http://localhost:8233"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type,x-namespace"),
        ],
        "",
    );
    assert_eq!(status, 200);
    assert!(
        head.contains("access-control-allow-origin: http://localhost:8233"),
        "{head}"
    );
    assert!(
        head.contains("access-control-allow-headers: content-type, x-namespace, authorization"),
        "{head}"
    );
    assert!(
        head.contains("access-control-allow-methods: post, options"),
        "{head}"
    );
    // The response to the real request carries the header too.
    let (_, head, _) = request(
        &server.address,
        "POST",
        "/decode",
        &[("Origin", "http://localhost:8233")],
        &json_payload("1"),
    );
    assert!(
        head.contains("access-control-allow-origin: http://localhost:8233"),
        "{head}"
    );

    let (status, head, _) = request(
        &server.address,
        "OPTIONS",
        "/encode",
        &[("Origin", "http://evil.example")],
        "",
    );
    assert_eq!(status, 403);
    assert!(!head.contains("access-control-allow-origin"), "{head}");
}

#[test]
fn requires_the_authorization_header_when_configured() {
    let server = start(&format!("k1={KEY_1}"), &["--authorization", "Bearer s3cret"]);
    let (status, _, body) = request(&server.address, "POST", "/encode", &[], &json_payload("1"));
    assert_eq!(status, 401, "{body}");
    let (status, _, _) = request(
        &server.address,
        "POST",
        "/encode",
        &[("Authorization", "Bearer wrong")],
        &json_payload("1"),
    );
    assert_eq!(status, 401);
    let (status, _, _) = request(
        &server.address,
        "POST",
        "/encode",
        &[("Authorization", "Bearer s3cret")],
        &json_payload("1"),
    );
    assert_eq!(status, 200);
}

#[test]
fn an_unknown_key_or_a_corrupted_payload_is_a_clear_400() {
    let writer = start(&format!("k9={KEY_2}"), &[]);
    let reader = start(&format!("k1={KEY_1}"), &[]);
    let (_, _, encrypted) = request(&writer.address, "POST", "/encode", &[], &json_payload("1"));
    let (status, _, body) = request(&reader.address, "POST", "/decode", &[], &encrypted);
    assert_eq!(status, 400);
    assert!(body.contains("`k9`") && body.contains("k1"), "{body}");

    // Flip a byte of the ciphertext.
    use base64::Engine as _;
    let mut v: serde_json::Value = serde_json::from_str(&encrypted).unwrap();
    let data = v["payloads"][0]["data"].as_str().unwrap().to_string();
    let mut bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    v["payloads"][0]["data"] = base64::engine::general_purpose::STANDARD.encode(&bytes).into();
    let (status, _, body) = request(&writer.address, "POST", "/decode", &[], &v.to_string());
    assert_eq!(status, 400);
    assert!(
        body.contains("`k9`") && body.contains("authentication failed"),
        "{body}"
    );

    let (status, _, body) = request(&writer.address, "POST", "/decode", &[], "{not json");
    assert_eq!(status, 400);
    assert!(body.contains("not a payloads object"), "{body}");
}

#[test]
fn bad_settings_exit_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_ironflow-codec-server"))
        .env("IRONFLOW_ENCRYPTION_KEYS", "short=00ff")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("key `short`"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_ironflow-codec-server"))
        .env_remove("IRONFLOW_ENCRYPTION_KEYS")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no codec"));
}
