//! Ironflow's own metrics, recorded on the meter Core's metrics use (so they come out of the
//! same Prometheus endpoint or OTLP pipeline): `activity_duration_seconds` (the seed's
//! histogram; labels `activity_type`, `task_queue`, `outcome`), `ironflow_deadlocks_detected`,
//! `ironflow_nondeterminism_errors` (labels `workflow_type`, `task_queue`) and
//! `ironflow_payload_decode_errors` (labels `what`, `task_queue`). Without a meter every method
//! does nothing.

use std::sync::Arc;
use std::time::Duration;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, HistogramF64, MetricKeyValue, MetricParameters, NewAttributes,
};

struct Instruments {
    meter: Arc<dyn CoreMeter>,
    activity_duration: HistogramF64,
    deadlocks: Counter,
    nondeterminism: Counter,
    decode_errors: Counter,
}

/// The metrics a worker records; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct WorkerMetrics(Option<Arc<Instruments>>, Option<Arc<str>>);

impl std::fmt::Debug for WorkerMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "WorkerMetrics(on)"
        } else {
            "WorkerMetrics(off)"
        })
    }
}

fn param(name: &'static str, description: &'static str, unit: &'static str) -> MetricParameters {
    MetricParameters {
        name: name.into(),
        description: description.into(),
        unit: unit.into(),
    }
}

impl WorkerMetrics {
    pub(crate) fn new(meter: Option<Arc<dyn CoreMeter>>) -> Self {
        let instruments = meter.map(|meter| {
            Arc::new(Instruments {
                activity_duration: meter.histogram_f64(param(
                    "activity_duration_seconds",
                    "Time an activity attempt took, from the worker receiving it to its outcome",
                    "s",
                )),
                deadlocks: meter.counter(param(
                    "ironflow_deadlocks_detected",
                    "Workflow tasks failed because workflow code blocked its thread",
                    "",
                )),
                nondeterminism: meter.counter(param(
                    "ironflow_nondeterminism_errors",
                    "Workflow tasks failed as non-deterministic",
                    "",
                )),
                decode_errors: meter.counter(param(
                    "ironflow_payload_decode_errors",
                    "Payloads that could not be decoded into the expected type",
                    "",
                )),
                meter,
            })
        });
        Self(instruments, None)
    }

    /// The handle user code records its own metrics with (labelled with the task queue).
    pub(crate) fn user(&self, labels: Vec<(String, String)>) -> crate::metrics::Metrics {
        let mut labels = labels;
        if let Some(task_queue) = &self.1 {
            labels.push(("task_queue".into(), task_queue.to_string()));
        }
        crate::metrics::Metrics::new(self.0.as_ref().map(|i| i.meter.clone()), labels)
    }

    /// These metrics, labelled with the worker's task queue.
    pub(crate) fn for_task_queue(&self, task_queue: &str) -> Self {
        Self(self.0.clone(), Some(task_queue.into()))
    }

    fn record(&self, f: impl FnOnce(&Instruments)) {
        if let Some(i) = &self.0 {
            f(i)
        }
    }

    pub(crate) fn activity_finished(
        &self,
        activity_type: &str,
        task_queue: &str,
        outcome: &str,
        took: Duration,
    ) {
        self.record(|i| {
            let attributes = i.meter.new_attributes(NewAttributes {
                attributes: vec![
                    MetricKeyValue::new("activity_type", activity_type.to_string()),
                    MetricKeyValue::new("task_queue", task_queue.to_string()),
                    MetricKeyValue::new("outcome", outcome.to_string()),
                ],
            });
            i.activity_duration.record(took.as_secs_f64(), &attributes);
        });
    }

    fn count(&self, pick: impl FnOnce(&Instruments) -> &Counter, mut labels: Vec<MetricKeyValue>) {
        if let Some(task_queue) = &self.1 {
            labels.push(MetricKeyValue::new("task_queue", task_queue.to_string()));
        }
        self.record(|i| {
            let attributes = i.meter.new_attributes(NewAttributes { attributes: labels });
            pick(i).add(1, &attributes);
        });
    }

    pub(crate) fn deadlock_detected(&self, workflow_type: &str) {
        self.count(
            |i| &i.deadlocks,
            vec![MetricKeyValue::new("workflow_type", workflow_type.to_string())],
        );
    }

    pub(crate) fn nondeterminism_error(&self, workflow_type: &str) {
        self.count(
            |i| &i.nondeterminism,
            vec![MetricKeyValue::new("workflow_type", workflow_type.to_string())],
        );
    }

    /// `what`: `workflow_input`, `activity_input`, `signal`, `query`, `update`, ...
    pub(crate) fn payload_decode_error(&self, what: &str) {
        self.count(
            |i| &i.decode_errors,
            vec![MetricKeyValue::new("what", what.to_string())],
        );
    }
}

/// A meter that names every instrument `temporal_<name>`, as Core names its own worker metrics,
/// for the metrics the client records (`temporal_request`, `temporal_long_request`, ...).
#[derive(Debug)]
pub(crate) struct TemporalPrefixedMeter(pub(crate) Arc<dyn CoreMeter>);

fn prefixed(mut params: MetricParameters) -> MetricParameters {
    params.name = format!("temporal_{}", params.name).into();
    params
}

impl CoreMeter for TemporalPrefixedMeter {
    fn new_attributes(
        &self,
        attribs: NewAttributes,
    ) -> temporalio_common::telemetry::metrics::MetricAttributes {
        self.0.new_attributes(attribs)
    }
    fn extend_attributes(
        &self,
        existing: temporalio_common::telemetry::metrics::MetricAttributes,
        attribs: NewAttributes,
    ) -> temporalio_common::telemetry::metrics::MetricAttributes {
        self.0.extend_attributes(existing, attribs)
    }
    fn counter(&self, params: MetricParameters) -> Counter {
        self.0.counter(prefixed(params))
    }
    fn histogram(&self, params: MetricParameters) -> temporalio_common::telemetry::metrics::Histogram {
        self.0.histogram(prefixed(params))
    }
    fn histogram_f64(&self, params: MetricParameters) -> HistogramF64 {
        self.0.histogram_f64(prefixed(params))
    }
    fn histogram_duration(
        &self,
        params: MetricParameters,
    ) -> temporalio_common::telemetry::metrics::HistogramDuration {
        self.0.histogram_duration(prefixed(params))
    }
    fn gauge(&self, params: MetricParameters) -> temporalio_common::telemetry::metrics::Gauge {
        self.0.gauge(prefixed(params))
    }
    fn gauge_f64(&self, params: MetricParameters) -> temporalio_common::telemetry::metrics::GaugeF64 {
        self.0.gauge_f64(prefixed(params))
    }
    fn up_down_counter(
        &self,
        params: MetricParameters,
    ) -> temporalio_common::telemetry::metrics::UpDownCounter {
        self.0.up_down_counter(prefixed(params))
    }
}
