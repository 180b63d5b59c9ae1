//! The span exporter wrapper that keeps a failing trace pipeline quiet: the first failed export
//! is logged as a warning naming the endpoint, later ones at debug level, and a success after a
//! failure is logged once as recovered. Spans of failed exports are dropped; workers never wait
//! for the exporter (the batch processor runs on its own thread).

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Debug)]
pub(super) struct WarnOnce<E> {
    inner: E,
    endpoint: String,
    failing: AtomicBool,
    warned: AtomicBool,
}

impl<E> WarnOnce<E> {
    pub(super) fn new(inner: E, endpoint: String) -> Self {
        Self {
            inner,
            endpoint,
            failing: AtomicBool::new(false),
            warned: AtomicBool::new(false),
        }
    }
}

impl<E: SpanExporter> SpanExporter for WarnOnce<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let spans = batch.len();
        let export = self.inner.export(batch);
        async move {
            let result = export.await;
            match &result {
                Err(e) => {
                    self.failing.store(true, Ordering::Relaxed);
                    if !self.warned.swap(true, Ordering::Relaxed) {
                        tracing::warn!(endpoint = %self.endpoint, error = %e, spans,
                            "cannot export spans over OTLP; spans are dropped until the endpoint answers \
                             (further failures are logged at debug level)");
                    } else {
                        tracing::debug!(endpoint = %self.endpoint, error = %e, spans, "span export failed; spans dropped");
                    }
                }
                Ok(()) => {
                    if self.failing.swap(false, Ordering::Relaxed) {
                        tracing::info!(endpoint = %self.endpoint, "span export recovered");
                    }
                }
            }
            result
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource)
    }
}
