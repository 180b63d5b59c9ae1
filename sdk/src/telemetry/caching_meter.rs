//! [`CachingMeter`]: a [`CoreMeter`] wrapper that makes recording a metric cheap when the same
//! labels come back, which is how Core records: every workflow run, activity attempt and gRPC
//! call builds a fresh label set (namespace, task queue, workflow type, operation, ...) and binds
//! each instrument to it again, and every slot permit taken or returned updates a heartbeat gauge
//! that looks one label up in the set. With Core's Prometheus meter both format every label value
//! into a new map (and a binding then looks the series up in the registry); at a few dozen per
//! workflow that was the largest part of the metrics' CPU cost.
//!
//! The wrapper interns label sets: equal requests (the same base set extended by the same
//! key-values, in the same order) return the same attributes. What Core holds is a *label view*
//! (`MetricAttributes::NoOp`, the variant that only carries its labels as strings, where Core's
//! heartbeat finds a label with one map lookup); the attributes the wrapped meter made for the
//! set are kept beside it and are what the wrapped meter's instruments are bound to. Each
//! instrument keeps the series it has bound by the view's identity, so binding again is a map
//! lookup. Interned sets are never freed, so an identity is never reused for other labels. Label
//! sets are bounded by what the exporter keeps anyway (a Prometheus registry keeps every series
//! it has seen); past [`MAX_INTERNED`] sets, new ones are the wrapped meter's own, uncached, so a
//! label of unbounded cardinality costs what it did before and no memory here.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, CounterBase, Gauge, GaugeBase, GaugeF64, GaugeF64Base, Histogram, HistogramBase,
    HistogramDuration, HistogramDurationBase, HistogramF64, HistogramF64Base, MetricAttributable,
    MetricAttributes, MetricKeyValue, MetricParameters, MetricValue, NewAttributes, UpDownCounter,
    UpDownCounterBase,
};

/// How many label sets are interned at most; later ones pass through uncached.
pub(crate) const MAX_INTERNED: usize = 10_000;

/// The identity of an attribute set: the address of its shared label storage. `None` for
/// attributes that share nothing (`Empty`) or that this crate cannot see into.
fn identity(attributes: &MetricAttributes) -> Option<usize> {
    match attributes {
        MetricAttributes::Prometheus { labels } => Some(Arc::as_ptr(labels) as *const () as usize),
        MetricAttributes::OTel { kvs } => Some(Arc::as_ptr(kvs) as *const () as usize),
        MetricAttributes::NoOp(labels) => Some(Arc::as_ptr(labels) as *const () as usize),
        _ => None,
    }
}

/// What an attribute set was made from: the base set's identity (0 for a new set) and the
/// key-values added to it, in the order given.
#[derive(PartialEq)]
struct Request {
    base: usize,
    kvs: Vec<MetricKeyValue>,
}

/// The hash of a request, computed without building one.
fn request_hash(base: usize, kvs: &[MetricKeyValue]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    base.hash(&mut h);
    for kv in kvs {
        kv.key.hash(&mut h);
        match &kv.value {
            MetricValue::String(s) => (0u8, s).hash(&mut h),
            MetricValue::Int(i) => (1u8, i).hash(&mut h),
            MetricValue::Float(f) => (2u8, f.to_bits()).hash(&mut h),
            MetricValue::Bool(b) => (3u8, b).hash(&mut h),
        }
    }
    h.finish()
}

/// An interned label set: the view Core holds and the wrapped meter's attributes.
#[derive(Clone)]
struct Interned {
    view: Arc<HashMap<String, String>>,
    real: MetricAttributes,
}

#[derive(Default)]
struct Table {
    /// Request hash -> the requests with that hash and the sets they made.
    requests: HashMap<u64, Vec<(Request, Interned)>>,
    /// View identity -> the set.
    by_view: HashMap<usize, Interned>,
}

/// The shared table of interned label sets.
#[derive(Default)]
struct Interner(RwLock<Table>);

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table = self.0.read().unwrap_or_else(|e| e.into_inner());
        write!(f, "Interner({} label sets)", table.by_view.len())
    }
}

impl Interner {
    /// The set made by extending `base` (`None`: a new set) with `attribs`, interned: found, or
    /// made now by `make` (by the wrapped meter). Its view is returned; past
    /// the cap, the wrapped meter's attributes themselves.
    fn intern(
        &self,
        base: Option<(usize, &Interned)>,
        attribs: NewAttributes,
        make: impl FnOnce(NewAttributes) -> MetricAttributes,
    ) -> MetricAttributes {
        let base_id = base.map_or(0, |(id, _)| id);
        let kvs = attribs.attributes.as_slice();
        let hash = request_hash(base_id, kvs);
        {
            let table = self.0.read().unwrap_or_else(|e| e.into_inner());
            let same = |(r, _): &&(Request, Interned)| r.base == base_id && r.kvs == kvs;
            if let Some((_, found)) = table.requests.get(&hash).and_then(|b| b.iter().find(same)) {
                return MetricAttributes::NoOp(found.view.clone());
            }
        }
        let request = Request {
            base: base_id,
            kvs: kvs.to_vec(),
        };
        let mut view = base.map(|(_, b)| (*b.view).clone()).unwrap_or_default();
        for kv in kvs {
            view.insert(kv.key.clone(), kv.value.to_string());
        }
        let real = make(attribs);
        let mut table = self.0.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, existing)) = table
            .requests
            .get(&hash)
            .and_then(|b| b.iter().find(|(r, _)| *r == request))
        {
            return MetricAttributes::NoOp(existing.view.clone());
        }
        if table.by_view.len() >= MAX_INTERNED {
            return real;
        }
        let interned = Interned {
            view: Arc::new(view),
            real,
        };
        let view_id = Arc::as_ptr(&interned.view) as *const () as usize;
        table.by_view.insert(view_id, interned.clone());
        table
            .requests
            .entry(hash)
            .or_default()
            .push((request, interned.clone()));
        MetricAttributes::NoOp(interned.view)
    }

    /// The interned set whose view has identity `id`.
    fn by_view(&self, id: usize) -> Option<Interned> {
        let table = self.0.read().unwrap_or_else(|e| e.into_inner());
        table.by_view.get(&id).cloned()
    }
}

/// Wraps a meter (Core's Prometheus or OTLP one) so that label sets are interned and
/// instruments cache their bindings; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct CachingMeter {
    inner: Arc<dyn CoreMeter>,
    interner: Arc<Interner>,
}

impl CachingMeter {
    pub(crate) fn new(inner: Arc<dyn CoreMeter>) -> Self {
        Self {
            inner,
            interner: Arc::default(),
        }
    }

    fn cached<M>(&self, metric: M) -> Arc<Cached<M>> {
        Arc::new(Cached {
            metric,
            bound: RwLock::default(),
            interner: self.interner.clone(),
        })
    }
}

/// An instrument of the wrapped meter with the series it has bound, by label-view identity.
struct Cached<M> {
    metric: M,
    bound: RwLock<HashMap<usize, Arc<M>>>,
    interner: Arc<Interner>,
}

impl<M: MetricAttributable<M>> Cached<M> {
    fn bind(&self, attributes: &MetricAttributes) -> Result<Arc<M>, Box<dyn std::error::Error>> {
        let Some(id) = identity(attributes) else {
            return Ok(Arc::new(self.metric.with_attributes(attributes)?));
        };
        if let Some(bound) = self.bound.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            // Only interned views are cached, and they are never freed: the same identity is
            // the same labels.
            return Ok(bound.clone());
        }
        let Some(interned) = self.interner.by_view(id) else {
            // The wrapped meter's own attributes (past the cap): bound as they are.
            return Ok(Arc::new(self.metric.with_attributes(attributes)?));
        };
        let bound = Arc::new(self.metric.with_attributes(&interned.real)?);
        self.bound
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_insert_with(|| bound.clone());
        Ok(bound)
    }
}

/// A bound series shared by every binding to the same labels.
struct Shared<M>(Arc<M>);

macro_rules! cached_instrument {
    ($metric:ty, $base:ident, $method:ident, $value:ty) => {
        impl $base for Shared<$metric> {
            fn $method(&self, value: $value) {
                self.0.$method(value)
            }
        }
        impl MetricAttributable<Box<dyn $base>> for Cached<$metric> {
            fn with_attributes(
                &self,
                attributes: &MetricAttributes,
            ) -> Result<Box<dyn $base>, Box<dyn std::error::Error>> {
                Ok(Box::new(Shared(self.bind(attributes)?)))
            }
        }
    };
}

cached_instrument!(Counter, CounterBase, adds, u64);
cached_instrument!(Histogram, HistogramBase, records, u64);
cached_instrument!(HistogramF64, HistogramF64Base, records, f64);
cached_instrument!(HistogramDuration, HistogramDurationBase, records, Duration);
cached_instrument!(Gauge, GaugeBase, records, u64);
cached_instrument!(GaugeF64, GaugeF64Base, records, f64);
cached_instrument!(UpDownCounter, UpDownCounterBase, adds, i64);

impl CoreMeter for CachingMeter {
    fn new_attributes(&self, attribs: NewAttributes) -> MetricAttributes {
        self.interner
            .intern(None, attribs, |attribs| self.inner.new_attributes(attribs))
    }

    fn extend_attributes(&self, existing: MetricAttributes, attribs: NewAttributes) -> MetricAttributes {
        let base = identity(&existing).and_then(|id| Some((id, self.interner.by_view(id)?)));
        match base {
            Some((id, interned)) => self.interner.intern(Some((id, &interned)), attribs, |attribs| {
                self.inner.extend_attributes(interned.real.clone(), attribs)
            }),
            // The wrapped meter's own attributes (past the cap).
            None => self.inner.extend_attributes(existing, attribs),
        }
    }

    fn counter(&self, params: MetricParameters) -> Counter {
        Counter::new(self.cached(self.inner.counter(params)))
    }

    fn histogram(&self, params: MetricParameters) -> Histogram {
        Histogram::new(self.cached(self.inner.histogram(params)))
    }

    fn histogram_f64(&self, params: MetricParameters) -> HistogramF64 {
        HistogramF64::new(self.cached(self.inner.histogram_f64(params)))
    }

    fn histogram_duration(&self, params: MetricParameters) -> HistogramDuration {
        HistogramDuration::new(self.cached(self.inner.histogram_duration(params)))
    }

    fn gauge(&self, params: MetricParameters) -> Gauge {
        Gauge::new(self.cached(self.inner.gauge(params)))
    }

    fn gauge_f64(&self, params: MetricParameters) -> GaugeF64 {
        GaugeF64::new(self.cached(self.inner.gauge_f64(params)))
    }

    fn up_down_counter(&self, params: MetricParameters) -> UpDownCounter {
        UpDownCounter::new(self.cached(self.inner.up_down_counter(params)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use temporalio_common::telemetry::metrics::HeartbeatMetricType;

    /// A meter that counts bindings and keeps what is recorded, by series (`name{labels}`).
    #[derive(Debug, Default)]
    struct Recording {
        binds: AtomicUsize,
        series: Mutex<HashMap<String, u64>>,
    }

    #[derive(Debug, Default)]
    struct FakeMeter(Arc<Recording>);

    fn labels(attributes: &MetricAttributes) -> String {
        let MetricAttributes::NoOp(map) = attributes else {
            panic!("the fake meter only makes NoOp attributes");
        };
        let mut pairs: Vec<_> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.sort();
        pairs.join(",")
    }

    /// An instrument of the fake meter: binding counts, and names the series.
    struct FakeInstrument(String, Arc<Recording>);
    struct FakeSeries(String, Arc<Recording>);

    impl FakeInstrument {
        fn bind(&self, attributes: &MetricAttributes) -> FakeSeries {
            self.1.binds.fetch_add(1, Ordering::SeqCst);
            FakeSeries(format!("{}{{{}}}", self.0, labels(attributes)), self.1.clone())
        }
    }

    impl MetricAttributable<Box<dyn CounterBase>> for FakeInstrument {
        fn with_attributes(
            &self,
            attributes: &MetricAttributes,
        ) -> Result<Box<dyn CounterBase>, Box<dyn std::error::Error>> {
            Ok(Box::new(self.bind(attributes)))
        }
    }

    impl MetricAttributable<Box<dyn GaugeBase>> for FakeInstrument {
        fn with_attributes(
            &self,
            attributes: &MetricAttributes,
        ) -> Result<Box<dyn GaugeBase>, Box<dyn std::error::Error>> {
            Ok(Box::new(self.bind(attributes)))
        }
    }

    impl CounterBase for FakeSeries {
        fn adds(&self, value: u64) {
            *self.1.series.lock().unwrap().entry(self.0.clone()).or_default() += value;
        }
    }

    impl GaugeBase for FakeSeries {
        fn records(&self, value: u64) {
            self.1.series.lock().unwrap().insert(self.0.clone(), value);
        }
    }

    impl CoreMeter for FakeMeter {
        fn new_attributes(&self, attribs: NewAttributes) -> MetricAttributes {
            MetricAttributes::NoOp(Arc::new(attribs.into()))
        }
        fn extend_attributes(&self, existing: MetricAttributes, attribs: NewAttributes) -> MetricAttributes {
            let MetricAttributes::NoOp(map) = existing else {
                panic!("not the fake meter's attributes");
            };
            let mut all = (*map).clone();
            all.extend(HashMap::<String, String>::from(attribs));
            MetricAttributes::NoOp(Arc::new(all))
        }
        fn counter(&self, params: MetricParameters) -> Counter {
            Counter::new(Arc::new(FakeInstrument(params.name.to_string(), self.0.clone())))
        }
        fn histogram(&self, _: MetricParameters) -> Histogram {
            unimplemented!("not used by these tests")
        }
        fn histogram_f64(&self, _: MetricParameters) -> HistogramF64 {
            unimplemented!("not used by these tests")
        }
        fn histogram_duration(&self, _: MetricParameters) -> HistogramDuration {
            unimplemented!("not used by these tests")
        }
        fn gauge(&self, params: MetricParameters) -> Gauge {
            Gauge::new(Arc::new(FakeInstrument(params.name.to_string(), self.0.clone())))
        }
        fn gauge_f64(&self, _: MetricParameters) -> GaugeF64 {
            unimplemented!("not used by these tests")
        }
        fn up_down_counter(&self, _: MetricParameters) -> UpDownCounter {
            unimplemented!("not used by these tests")
        }
    }

    fn kvs(pairs: &[(&str, &str)]) -> NewAttributes {
        NewAttributes {
            attributes: pairs
                .iter()
                .map(|(k, v)| MetricKeyValue::new(*k, v.to_string()))
                .collect(),
        }
    }

    fn meter() -> (CachingMeter, Arc<Recording>) {
        let recording = Arc::new(Recording::default());
        (
            CachingMeter::new(Arc::new(FakeMeter(recording.clone()))),
            recording,
        )
    }

    fn param(name: &'static str) -> MetricParameters {
        MetricParameters {
            name: name.into(),
            description: "".into(),
            unit: "".into(),
        }
    }

    #[test]
    fn equal_labels_bind_once_and_share_the_series() {
        let (meter, recording) = meter();
        let requests = meter.counter(param("requests"));
        // As Core does: a fresh label set per run / call, each instrument rebound to it.
        for run in 0..5u64 {
            let base = meter.new_attributes(kvs(&[("namespace", "default"), ("task_queue", "q")]));
            let per_call = meter.extend_attributes(base.clone(), kvs(&[("operation", "Poll")]));
            requests.add(run, &base);
            let mut bound = requests.clone();
            bound.update_attributes(per_call);
            bound.adds(10);
        }
        let series = recording.series.lock().unwrap().clone();
        assert_eq!(series["requests{namespace=default,task_queue=q}"], 1 + 2 + 3 + 4);
        assert_eq!(
            series["requests{namespace=default,operation=Poll,task_queue=q}"],
            50
        );
        assert_eq!(series.len(), 2);
        assert_eq!(
            recording.binds.load(Ordering::SeqCst),
            2,
            "one binding per series"
        );
    }

    #[test]
    fn different_labels_are_different_series() {
        let (meter, recording) = meter();
        let requests = meter.counter(param("requests"));
        let a = meter.new_attributes(kvs(&[("task_queue", "a")]));
        let b = meter.new_attributes(kvs(&[("task_queue", "b")]));
        assert_ne!(identity(&a), identity(&b));
        requests.add(1, &a);
        requests.add(2, &b);
        requests.add(3, &a);
        let series = recording.series.lock().unwrap().clone();
        assert_eq!(series["requests{task_queue=a}"], 4);
        assert_eq!(series["requests{task_queue=b}"], 2);
        // The same key-values in another order are interned apart but reach the same series.
        let swapped = meter.new_attributes(kvs(&[("x", "1"), ("y", "2")]));
        let ordered = meter.new_attributes(kvs(&[("y", "2"), ("x", "1")]));
        requests.add(1, &swapped);
        requests.add(1, &ordered);
        assert_eq!(recording.series.lock().unwrap()["requests{x=1,y=2}"], 2);
    }

    #[test]
    fn past_the_cap_label_sets_pass_through_uncached_and_still_record() {
        let (meter, recording) = meter();
        let requests = meter.counter(param("requests"));
        for i in 0..MAX_INTERNED {
            meter.new_attributes(kvs(&[("id", &i.to_string())]));
        }
        let late = meter.new_attributes(kvs(&[("id", "late")]));
        let late_again = meter.new_attributes(kvs(&[("id", "late")]));
        assert_ne!(
            identity(&late),
            identity(&late_again),
            "not interned past the cap"
        );
        requests.add(1, &late);
        requests.add(1, &late_again);
        assert_eq!(recording.series.lock().unwrap()["requests{id=late}"], 2);
        assert_eq!(
            recording.binds.load(Ordering::SeqCst),
            2,
            "uncached: bound each time"
        );
        // Sets interned before the cap still bind once.
        let early = meter.new_attributes(kvs(&[("id", "7")]));
        requests.add(1, &early);
        requests.add(1, &early);
        assert_eq!(recording.binds.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn core_holds_a_label_view_of_the_merged_labels() {
        let (meter, _) = meter();
        let base = meter.new_attributes(kvs(&[("namespace", "default"), ("task_queue", "q")]));
        let extended = meter.extend_attributes(
            base,
            kvs(&[("task_queue", "r"), ("worker_type", "ActivityWorker")]),
        );
        let MetricAttributes::NoOp(view) = extended else {
            panic!("not a label view");
        };
        let expected: HashMap<String, String> = [
            ("namespace", "default"),
            ("task_queue", "r"),
            ("worker_type", "ActivityWorker"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
        assert_eq!(*view, expected);
    }

    #[test]
    fn heartbeat_gauges_mirror_the_series_of_their_label() {
        let (meter, recording) = meter();
        let workflow_slots = Arc::new(AtomicU64::new(0));
        let activity_slots = Arc::new(AtomicU64::new(0));
        let slots = meter.gauge_with_in_memory(
            param("slots_used"),
            HeartbeatMetricType::WithLabel {
                label_key: "worker_type".into(),
                metrics: [
                    ("WorkflowWorker".to_string(), workflow_slots.clone()),
                    ("ActivityWorker".to_string(), activity_slots.clone()),
                ]
                .into(),
            },
        );
        let base = meter.new_attributes(kvs(&[("task_queue", "q")]));
        let workflows = meter.extend_attributes(base.clone(), kvs(&[("worker_type", "WorkflowWorker")]));
        let activities = meter.extend_attributes(base, kvs(&[("worker_type", "ActivityWorker")]));
        slots.record(3, &workflows);
        let mut bound = slots.clone();
        bound.update_attributes(activities.clone());
        bound.records(5);
        slots.record(4, &workflows);
        assert_eq!(workflow_slots.load(Ordering::SeqCst), 4);
        assert_eq!(activity_slots.load(Ordering::SeqCst), 5);
        let series = recording.series.lock().unwrap().clone();
        assert_eq!(series["slots_used{task_queue=q,worker_type=WorkflowWorker}"], 4);
        assert_eq!(series["slots_used{task_queue=q,worker_type=ActivityWorker}"], 5);
        assert_eq!(recording.binds.load(Ordering::SeqCst), 2);

        let cached = Arc::new(AtomicU64::new(0));
        let size = meter.gauge_with_in_memory(
            param("cache_size"),
            HeartbeatMetricType::Individual(cached.clone()),
        );
        size.record(9, &activities);
        assert_eq!(cached.load(Ordering::SeqCst), 9);
    }
}
