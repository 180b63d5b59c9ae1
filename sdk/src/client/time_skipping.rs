//! Automatic time skipping for clients of the time-skipping test server
//! ([`crate::testing::TestServer`]): while a result is awaited, the server's clock is unlocked so
//! that it jumps to the next timer instead of waiting, as the Python and TypeScript SDKs' test
//! environments do. Other clients never touch it.

use super::{Client, ClientError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use temporalio_common::protos::temporal::api::testservice::v1::{
    LockTimeSkippingRequest, UnlockTimeSkippingRequest,
};

/// Shared by the clones of a test server's client.
#[derive(Debug)]
pub(crate) struct TimeSkipping {
    /// Unlock while results are awaited (on by default; off inside
    /// [`crate::testing::TestServer::auto_time_skipping_disabled`]).
    pub(crate) auto: AtomicBool,
}

impl TimeSkipping {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            auto: AtomicBool::new(true),
        })
    }
}

/// Relocks the clock when dropped (also when the wait is cancelled or fails).
pub(crate) struct Unlocked {
    client: Option<Client>,
}

impl Unlocked {
    /// Locks again now, reporting a failure.
    pub(crate) async fn relock(mut self) -> Result<(), ClientError> {
        match self.client.take() {
            Some(client) => lock(&client).await,
            None => Ok(()),
        }
    }
}

impl Drop for Unlocked {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                if let Err(e) = lock(&client).await {
                    tracing::warn!(error = %e, "could not lock the test server's time skipping again");
                }
            });
        }
    }
}

async fn lock(client: &Client) -> Result<(), ClientError> {
    client
        .connection()
        .test_service()
        .lock_time_skipping(tonic::Request::new(LockTimeSkippingRequest {}))
        .await
        .map_err(|s| ClientError::rpc("LockTimeSkipping", s))?;
    Ok(())
}

impl Client {
    /// For a test server's client with automatic time skipping on: unlocks the clock until the
    /// returned guard is relocked or dropped. Otherwise does nothing.
    pub(crate) async fn unlock_time_skipping(&self) -> Result<Unlocked, ClientError> {
        let skipping = self
            .time_skipping
            .as_ref()
            .is_some_and(|t| t.auto.load(Ordering::Acquire));
        if !skipping {
            return Ok(Unlocked { client: None });
        }
        self.connection()
            .test_service()
            .unlock_time_skipping(tonic::Request::new(UnlockTimeSkippingRequest {}))
            .await
            .map_err(|s| ClientError::rpc("UnlockTimeSkipping", s))?;
        Ok(Unlocked {
            client: Some(self.clone()),
        })
    }
}
