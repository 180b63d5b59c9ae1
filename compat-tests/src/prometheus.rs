//! Reads a Prometheus `/metrics` endpoint, as a scraper would.

use std::net::SocketAddr;

/// GETs `http://<address>/metrics` and returns the whole response (headers and text).
pub async fn scrape(address: SocketAddr) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect to {address}/metrics: {e}"))?;
    stream
        .write_all(
            format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .map_err(|e| format!("send the request: {e}"))?;
    let mut body = String::new();
    stream
        .read_to_string(&mut body)
        .await
        .map_err(|e| format!("read the response: {e}"))?;
    Ok(body)
}

/// The value of the first sample of `metric` whose labels contain all of `labels`
/// (`name="value"` each).
pub fn sample(text: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(metric) && l[metric.len()..].starts_with(['{', ' ']))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}
