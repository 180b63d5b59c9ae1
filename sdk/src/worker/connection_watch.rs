//! Says what happens to a worker's connection: a warning naming the address and the error when
//! the server stops answering, an info line when it answers again. Core keeps retrying its polls
//! on its own; this only makes the outage visible in the worker's log.

use crate::client::{Client, ClientError};
use std::time::{Duration, Instant};

/// How often the server is asked whether it answers.
pub(super) const CHECK_EVERY: Duration = Duration::from_secs(3);

fn cause(e: &ClientError) -> String {
    match e {
        ClientError::Rpc { code, message, .. } => format!("{code:?}: {message}"),
        other => other.to_string(),
    }
}

/// Checks the connection every [`CHECK_EVERY`] until dropped, logging each change.
pub(super) async fn watch(client: Client, task_queue: String) {
    let mut lost_since: Option<Instant> = None;
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let answer = tokio::time::timeout(CHECK_EVERY, client.check_health()).await;
        let failure = match answer {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(cause(&e)),
            Err(_) => Some(format!("no answer within {CHECK_EVERY:?}")),
        };
        match (failure, lost_since) {
            (Some(error), None) => {
                tracing::warn!(address = %client.address(), task_queue = %task_queue, %error,
                    "lost the connection to Temporal; the worker keeps retrying");
                lost_since = Some(Instant::now());
            }
            (None, Some(since)) => {
                tracing::info!(address = %client.address(), task_queue = %task_queue, down_for = ?since.elapsed(),
                    "the connection to Temporal is back");
                lost_since = None;
            }
            _ => {}
        }
    }
}

/// Whether a failed start (describing the namespace) may succeed once the server is back.
pub(super) fn server_unreachable(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::Unavailable
            | tonic::Code::DeadlineExceeded
            | tonic::Code::Unknown
            | tonic::Code::Cancelled
    )
}
