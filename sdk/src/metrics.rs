//! Metrics of your own, recorded from workflow and activity code on the meter Core's and
//! Ironflow's metrics use (same Prometheus endpoint or OTLP pipeline): [`crate::WorkflowContext::metrics`]
//! and [`crate::ActivityContext::metrics`]. Without a metrics exporter on the client's
//! [`crate::telemetry::Telemetry`], recording does nothing.
//!
//! Workflow code is replayed: a handle taken while the workflow replays records nothing, so a
//! counter counts each increment once, however often the workflow is replayed. Take the handle
//! where you record (`ctx.metrics().counter(..).add(..)`), not once at the top of the workflow.
//!
//! ```
//! use ironflow::{Workflow, WorkflowContext, WorkflowResult};
//!
//! pub struct Checkout;
//! impl Workflow for Checkout {
//!     const NAME: &'static str = "Checkout";
//!     type Input = u64;
//!     type Output = ();
//!     async fn run(ctx: WorkflowContext, cents: u64) -> WorkflowResult<()> {
//!         ctx.metrics()
//!             .with_labels(&[("currency", "EUR")])
//!             .counter("checkout_cents")
//!             .add(cents);
//!         Ok(())
//!     }
//! }
//! ```

use std::sync::Arc;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, GaugeF64, HistogramF64, MetricAttributes, MetricKeyValue, MetricParameters,
    NewAttributes,
};

/// A handle for recording metrics with a set of labels; cheap to clone.
#[derive(Clone, Default)]
pub struct Metrics {
    meter: Option<Arc<dyn CoreMeter>>,
    labels: Vec<(String, String)>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("recording", &self.meter.is_some())
            .field("labels", &self.labels)
            .finish()
    }
}

impl Metrics {
    /// Records on `meter` (nothing when `None`) with `labels`.
    pub(crate) fn new(meter: Option<Arc<dyn CoreMeter>>, labels: Vec<(String, String)>) -> Self {
        Self { meter, labels }
    }

    /// A handle that records nothing (a replaying workflow's).
    pub(crate) fn muted() -> Self {
        Self::default()
    }

    /// The same handle with more labels (a label given again replaces the earlier value).
    pub fn with_labels(&self, labels: &[(&str, &str)]) -> Self {
        let mut all = self.labels.clone();
        for (k, v) in labels {
            all.retain(|(key, _)| key != k);
            all.push((k.to_string(), v.to_string()));
        }
        Self {
            meter: self.meter.clone(),
            labels: all,
        }
    }

    fn attributes(&self, meter: &Arc<dyn CoreMeter>) -> MetricAttributes {
        meter.new_attributes(NewAttributes {
            attributes: self
                .labels
                .iter()
                .map(|(k, v)| MetricKeyValue::new(k.clone(), v.clone()))
                .collect(),
        })
    }

    fn params(name: &str, unit: &str) -> MetricParameters {
        MetricParameters {
            name: name.to_string().into(),
            description: "".into(),
            unit: unit.to_string().into(),
        }
    }

    /// A counter (monotonic).
    pub fn counter(&self, name: &str) -> MetricCounter {
        MetricCounter(
            self.meter
                .as_ref()
                .map(|m| (m.counter(Self::params(name, "")), self.attributes(m))),
        )
    }

    /// A histogram of values in `unit` (`"s"`, `"By"`, or `""`).
    pub fn histogram(&self, name: &str, unit: &str) -> MetricHistogram {
        MetricHistogram(
            self.meter
                .as_ref()
                .map(|m| (m.histogram_f64(Self::params(name, unit)), self.attributes(m))),
        )
    }

    /// A gauge (the last value set).
    pub fn gauge(&self, name: &str) -> MetricGauge {
        MetricGauge(
            self.meter
                .as_ref()
                .map(|m| (m.gauge_f64(Self::params(name, "")), self.attributes(m))),
        )
    }
}

/// A counter; see [`Metrics::counter`].
pub struct MetricCounter(Option<(Counter, MetricAttributes)>);

impl MetricCounter {
    /// Adds `value`.
    pub fn add(&self, value: u64) {
        if let Some((c, a)) = &self.0 {
            c.add(value, a);
        }
    }
}

/// A histogram; see [`Metrics::histogram`].
pub struct MetricHistogram(Option<(HistogramF64, MetricAttributes)>);

impl MetricHistogram {
    /// Records one value.
    pub fn record(&self, value: f64) {
        if let Some((h, a)) = &self.0 {
            h.record(value, a);
        }
    }
}

/// A gauge; see [`Metrics::gauge`].
pub struct MetricGauge(Option<(GaugeF64, MetricAttributes)>);

impl MetricGauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        if let Some((g, a)) = &self.0 {
            g.record(value, a);
        }
    }
}
