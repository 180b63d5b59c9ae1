//! `ironflow-codec-server`: serves Ironflow's codecs over HTTP (`POST /encode`, `POST /decode`,
//! proto-JSON `{"payloads": [...]}` bodies), so `temporal workflow show --codec-endpoint URL`
//! and the Web UI (`temporal server start-dev --ui-codec-endpoint URL`) show decoded payloads.
//!
//! ```text
//! IRONFLOW_ENCRYPTION_KEYS="k2=<64 hex digits>,k1=<64 hex digits>" \
//!   ironflow-codec-server --listen 127.0.0.1:8081 --origin http://localhost:8233
//! ```
//!
//! - Keys: `IRONFLOW_ENCRYPTION_KEYS` (`id=key,...`, a key as 64 hex digits or base64 of 32
//!   bytes) and/or `--key-file ID=PATH` (repeatable; the file holds the key as hex, base64 or 32
//!   raw bytes). The first key is the one `/encode` encrypts with; all of them decrypt.
//! - `--zlib`: compression inside the encryption (as `DataConverter::codec(encryption).codec(zlib)`).
//! - `--origin URL` (repeatable, `*` for any): the pages allowed to call it (CORS).
//! - `--authorization VALUE` or `IRONFLOW_CODEC_AUTHORIZATION`: the `Authorization` header
//!   every request must carry.
//!
//! Prints `listening on http://ADDRESS` once it serves (`--listen 127.0.0.1:0` picks a port).

use base64::Engine as _;
use ironflow::codec::server::CodecServer;
use ironflow::codec::{DataConverter, EncryptionCodec, ZlibCodec};
use std::net::SocketAddr;
use std::process::ExitCode;

struct Settings {
    listen: SocketAddr,
    keys: Vec<(String, Vec<u8>)>,
    zlib: bool,
    origins: Vec<String>,
    authorization: Option<String>,
}

const USAGE: &str = "usage: ironflow-codec-server [--listen ADDR] [--key-file ID=PATH]... [--zlib] \
                     [--origin URL]... [--authorization VALUE]   (keys also from IRONFLOW_ENCRYPTION_KEYS=id=hex,...)";

/// A key given as 64 hex digits, base64 of 32 bytes, or 32 raw bytes.
fn parse_key(id: &str, raw: &[u8], from: &str) -> Result<Vec<u8>, String> {
    if raw.len() == 32 {
        return Ok(raw.to_vec());
    }
    let text = String::from_utf8_lossy(raw);
    let text = text.trim();
    if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        return (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|e| format!("key `{id}` from {from}: {e}"));
    }
    match base64::engine::general_purpose::STANDARD.decode(text) {
        Ok(bytes) if bytes.len() == 32 => Ok(bytes),
        Ok(bytes) => Err(format!(
            "key `{id}` from {from} decodes to {} bytes; AES-256 needs 32",
            bytes.len()
        )),
        Err(_) => Err(format!(
            "key `{id}` from {from} is neither 64 hex digits, base64 of 32 bytes, nor 32 raw bytes ({} bytes given)",
            raw.len()
        )),
    }
}

fn settings() -> Result<Settings, String> {
    let mut s = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
        keys: Vec::new(),
        zlib: false,
        origins: Vec::new(),
        authorization: std::env::var("IRONFLOW_CODEC_AUTHORIZATION")
            .ok()
            .filter(|a| !a.is_empty()),
    };
    if let Ok(list) = std::env::var("IRONFLOW_ENCRYPTION_KEYS") {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, key) = entry.split_once('=').ok_or_else(|| {
                format!(
                    "IRONFLOW_ENCRYPTION_KEYS: `{}` is not id=key",
                    entry.split('=').next().unwrap_or("")
                )
            })?;
            let key = parse_key(id, key.as_bytes(), "IRONFLOW_ENCRYPTION_KEYS")?;
            s.keys.push((id.to_string(), key));
        }
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                s.listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--key-file" => {
                let v = value("--key-file")?;
                let (id, path) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--key-file {v}: expected ID=PATH"))?;
                let raw = std::fs::read(path).map_err(|e| format!("--key-file {id}={path}: {e}"))?;
                s.keys.push((id.to_string(), parse_key(id, &raw, path)?));
            }
            "--zlib" => s.zlib = true,
            "--origin" => s.origins.push(value("--origin")?),
            "--authorization" => s.authorization = Some(value("--authorization")?),
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if s.keys.is_empty() && !s.zlib {
        return Err(format!(
            "no codec: give encryption keys (IRONFLOW_ENCRYPTION_KEYS or --key-file) and/or --zlib\n{USAGE}"
        ));
    }
    Ok(s)
}

fn converter(s: &Settings) -> Result<DataConverter, String> {
    let mut converter = DataConverter::new();
    if let Some(((current, key), older)) = s.keys.split_first() {
        let mut codec = EncryptionCodec::new(current.clone(), key).map_err(|e| e.to_string())?;
        for (id, key) in older {
            codec = codec
                .with_decryption_key(id.clone(), key)
                .map_err(|e| e.to_string())?;
        }
        converter = converter.codec(codec);
    }
    if s.zlib {
        converter = converter.codec(ZlibCodec::new());
    }
    Ok(converter)
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).try_init();
    let s = match settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ironflow-codec-server: {e}");
            return ExitCode::from(2);
        }
    };
    let converter = match converter(&s) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ironflow-codec-server: {e}");
            return ExitCode::from(2);
        }
    };
    let mut server = CodecServer::new(converter);
    for origin in &s.origins {
        server = server.allow_origin(origin.clone());
    }
    if let Some(value) = &s.authorization {
        server = server.require_authorization(value.clone());
    }
    let running = match server.bind(s.listen).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ironflow-codec-server: cannot listen on {}: {e}", s.listen);
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", running.url());
    tokio::select! {
        _ = running.wait() => ExitCode::FAILURE,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
