//! A small HTTP CONNECT proxy for the tests: it checks basic authentication when asked to,
//! opens the tunnel, copies bytes both ways, and counts the tunnels it opened.

use base64::Engine as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The proxy; it stops with the test's runtime.
pub struct ConnectProxy {
    /// `127.0.0.1:<port>`.
    pub address: String,
    tunnels: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

/// Reads the request head (up to the blank line).
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

impl ConnectProxy {
    /// Starts the proxy; with `credentials`, a tunnel needs `Proxy-Authorization: Basic` for them.
    pub async fn start(credentials: Option<(&str, &str)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the CONNECT proxy");
        let address = listener.local_addr().expect("its address").to_string();
        let expected = credentials.map(|(user, password)| {
            format!(
                "basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )
        });
        let tunnels = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        let (tunnels_in, refused_in) = (tunnels.clone(), refused.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (expected, tunnels, refused) = (expected.clone(), tunnels_in.clone(), refused_in.clone());
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut client).await else {
                        return;
                    };
                    let request = head.lines().next().unwrap_or_default().to_string();
                    let target = match request.split_whitespace().collect::<Vec<_>>().as_slice() {
                        ["CONNECT", target, _] => target.to_string(),
                        _ => {
                            let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n").await;
                            return;
                        }
                    };
                    if let Some(expected) = &expected {
                        let given = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.trim()
                                    .eq_ignore_ascii_case("proxy-authorization")
                                    .then(|| value.trim().to_string())
                            })
                            .unwrap_or_default();
                        // The scheme is case-insensitive; the base64 credentials are not.
                        let matches = given.len() == expected.len()
                            && given.is_char_boundary(6)
                            && given[..6].eq_ignore_ascii_case("basic ")
                            && given[6..] == expected[6..];
                        if !matches {
                            refused.fetch_add(1, Ordering::SeqCst);
                            let _ = client
                                .write_all(
                                    b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n",
                                )
                                .await;
                            return;
                        }
                    }
                    let Ok(mut upstream) = TcpStream::connect(&target).await else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                        return;
                    };
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    tunnels.fetch_add(1, Ordering::SeqCst);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        Self {
            address,
            tunnels,
            refused,
        }
    }

    /// Tunnels opened so far.
    pub fn tunnels(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst)
    }

    /// Requests refused for missing or wrong credentials.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}
