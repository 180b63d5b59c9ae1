//! [`FileEventStore`]: the durable event store, a write-ahead log.
//!
//! One append-only file, `events.wal`, of framed records:
//!
//! ```text
//! magic "IFW1" | body length u32 LE | CRC-32 of the body u32 LE | body
//! body = sequence u64 LE | workflow id length u16 LE | workflow id | event as JSON
//! ```
//!
//! * **Durability.** An append is acknowledged only after its record is written and
//!   `fdatasync`ed. A single writer thread takes every append waiting at that moment, writes them
//!   in one `write`, syncs once and acknowledges them all (group commit), so concurrent appenders
//!   share the cost of an fsync.
//! * **Sequence numbers** are assigned by the writer, per workflow, from 1; they advance only
//!   when the record is durable, so they never repeat or skip.
//! * **Recovery** (on open) reads every record and checks its frame, CRC and sequence number. A
//!   damaged record with nothing valid after it is a torn tail (a crash during an unacknowledged
//!   write): the file is truncated there. A damaged record followed by valid ones is corruption:
//!   opening fails with its byte offset and workflow id, and the file is left untouched.
//! * **Failures.** If a write or fsync fails, the file's state is unknown (the kernel may have
//!   dropped the dirty pages): the store refuses further appends until it is reopened, which
//!   recovers what is durable.

use super::event::WorkflowEvent;
use super::store::{EventStore, EventStoreError};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc};
use tokio::sync::oneshot;

const MAGIC: &[u8; 4] = b"IFW1";
const HEADER: usize = 12;
/// Largest body accepted when reading (a larger length field is corruption).
const MAX_BODY: usize = 64 << 20;
/// Most appends written per batch.
const MAX_BATCH: usize = 4096;

/// Where one record lives.
#[derive(Debug, Clone, Copy)]
struct RecordRef {
    offset: u64,
    len: u32,
}

struct Shared {
    path: PathBuf,
    appends: AtomicU64,
    syncs: AtomicU64,
    reader: File,
    /// Records of each workflow, in sequence order (index i = sequence i + 1).
    index: RwLock<BTreeMap<String, Vec<RecordRef>>>,
    poisoned: Mutex<Option<String>>,
}

struct Append {
    event: WorkflowEvent,
    reply: oneshot::Sender<Result<u64, EventStoreError>>,
}

/// An append of a batch, with its sequence number and record (or why it could not be encoded).
type Assigned = (Append, Result<(u64, RecordRef), EventStoreError>);

/// The durable, file-backed event store. See the [module docs](self).
///
/// ```
/// # tokio_test_block_on(async {
/// use ironflow_bridge::native::{EventStore, FileEventStore, WorkflowEvent};
/// let dir = std::env::temp_dir().join(format!("wal-doc-{}", std::process::id()));
/// let store = FileEventStore::open(&dir).unwrap();
/// let seq = store
///     .append_event(WorkflowEvent::WorkflowStarted {
///         workflow_id: "order-1".into(),
///         workflow_name: "order".into(),
///         input: serde_json::json!({"amount": 42}),
///         timestamp: 1_700_000_000_000,
///     })
///     .await
///     .unwrap();
/// assert_eq!(seq, 1);
/// drop(store);
/// let reopened = FileEventStore::open(&dir).unwrap();
/// assert_eq!(reopened.get_latest_sequence("order-1").await.unwrap(), 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
pub struct FileEventStore {
    shared: Arc<Shared>,
    tx: Option<mpsc::Sender<Append>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// Counters of a [`FileEventStore`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalStats {
    /// Durable appends.
    pub appends: u64,
    /// fsyncs.
    pub syncs: u64,
}

/// What recovery found when opening a log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Valid records.
    pub records: usize,
    /// Bytes removed from a torn tail (0 if the log ended cleanly).
    pub truncated_bytes: u64,
}

fn io_err(path: &Path, e: std::io::Error) -> EventStoreError {
    EventStoreError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A parsed record (the event is decoded only when asked: recovery trusts the CRC).
struct Decoded {
    sequence: u64,
    workflow_id: String,
    event: Option<WorkflowEvent>,
}

/// Parses the record at `bytes[0..]`; `Err(message, workflow id if readable)` if it is damaged.
/// Returns the record and its total length.
fn decode_record(bytes: &[u8]) -> Result<(Decoded, usize), (String, Option<String>)> {
    decode_checked(bytes, true).map_err(|message| (message, workflow_hint(bytes)))
}

/// Checks a record's frame, CRC, sequence and workflow id without decoding its event.
fn check_record(bytes: &[u8]) -> Result<(Decoded, usize), (String, Option<String>)> {
    decode_checked(bytes, false).map_err(|message| (message, workflow_hint(bytes)))
}

/// The workflow id a damaged record claims, if its frame is readable enough to tell.
fn workflow_hint(bytes: &[u8]) -> Option<String> {
    let body_len = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let body = bytes.get(HEADER..HEADER + body_len.min(MAX_BODY))?;
    let wf_len = u16::from_le_bytes(body.get(8..10)?.try_into().ok()?) as usize;
    let wf = std::str::from_utf8(body.get(10..10 + wf_len)?).ok()?;
    (!wf.is_empty() && wf.chars().all(|c| !c.is_control())).then(|| wf.to_string())
}

fn decode_checked(bytes: &[u8], decode_event: bool) -> Result<(Decoded, usize), String> {
    if bytes.len() < HEADER {
        return Err(format!(
            "only {} bytes left, a record header needs {HEADER}",
            bytes.len()
        ));
    }
    if &bytes[0..4] != MAGIC {
        return Err("bad record magic".into());
    }
    let body_len = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let crc = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if !(10..=MAX_BODY).contains(&body_len) {
        return Err(format!("implausible body length {body_len}"));
    }
    let Some(body) = bytes.get(HEADER..HEADER + body_len) else {
        return Err(format!(
            "the record claims {body_len} body bytes, only {} remain",
            bytes.len() - HEADER
        ));
    };
    if crc32fast::hash(body) != crc {
        return Err("CRC mismatch".into());
    }
    let sequence = u64::from_le_bytes(body[0..8].try_into().map_err(|_| "short body".to_string())?);
    let wf_len = u16::from_le_bytes([body[8], body[9]]) as usize;
    let workflow_id = body
        .get(10..10 + wf_len)
        .and_then(|w| std::str::from_utf8(w).ok())
        .ok_or_else(|| "unreadable workflow id".to_string())?
        .to_string();
    let event = if decode_event {
        let event: WorkflowEvent = serde_json::from_slice(&body[10 + wf_len..])
            .map_err(|e| format!("event does not decode: {e}"))?;
        if event.workflow_id() != workflow_id {
            return Err(format!(
                "the record's workflow id `{workflow_id}` differs from its event's `{}`",
                event.workflow_id()
            ));
        }
        Some(event)
    } else {
        None
    };
    Ok((
        Decoded {
            sequence,
            workflow_id,
            event,
        },
        HEADER + body_len,
    ))
}

/// Appends the framed record of an event to `buf`.
fn encode_record(buf: &mut Vec<u8>, sequence: u64, event: &WorkflowEvent) -> Result<(), EventStoreError> {
    let workflow_id = event.workflow_id();
    let wf = workflow_id.as_bytes();
    if wf.len() > u16::MAX as usize {
        return Err(EventStoreError::Codec {
            workflow_id: workflow_id.chars().take(40).collect(),
            sequence,
            message: format!(
                "workflow id is {} bytes, at most {} are allowed",
                wf.len(),
                u16::MAX
            ),
        });
    }
    let start = buf.len();
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&[0; 8]);
    buf.extend_from_slice(&sequence.to_le_bytes());
    buf.extend_from_slice(&(wf.len() as u16).to_le_bytes());
    buf.extend_from_slice(wf);
    if let Err(e) = serde_json::to_writer(&mut *buf, event) {
        buf.truncate(start);
        return Err(EventStoreError::Codec {
            workflow_id: workflow_id.to_string(),
            sequence,
            message: e.to_string(),
        });
    }
    let body_len = buf.len() - start - HEADER;
    let crc = crc32fast::hash(&buf[start + HEADER..]);
    buf[start + 4..start + 8].copy_from_slice(&(body_len as u32).to_le_bytes());
    buf[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

impl FileEventStore {
    /// Opens (or creates) the store in `dir`, recovering the log.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, EventStoreError> {
        Self::open_with_report(dir).map(|(s, _)| s)
    }

    /// Opens the store and says what recovery did.
    pub fn open_with_report(dir: impl AsRef<Path>) -> Result<(Self, RecoveryReport), EventStoreError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let path = dir.join("events.wal");
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| io_err(&path, e))?;
        let (index, next, report) = recover(&path, &bytes)?;
        if report.truncated_bytes > 0 {
            let keep = bytes.len() as u64 - report.truncated_bytes;
            file.set_len(keep).map_err(|e| io_err(&path, e))?;
            file.sync_all().map_err(|e| io_err(&path, e))?;
            tracing::warn!(path = %path.display(), bytes = report.truncated_bytes, "truncated a torn tail of the event log");
        }
        let reader = File::open(&path).map_err(|e| io_err(&path, e))?;
        let shared = Arc::new(Shared {
            path: path.clone(),
            appends: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            reader,
            index: RwLock::new(index),
            poisoned: Mutex::new(None),
        });
        let (tx, rx) = mpsc::channel();
        let writer_shared = shared.clone();
        let offset = bytes.len() as u64 - report.truncated_bytes;
        let writer = std::thread::Builder::new()
            .name("ironflow-wal-writer".into())
            .spawn(move || writer_main(rx, file, writer_shared, next, offset))
            .map_err(|e| io_err(&path, e))?;
        Ok((
            Self {
                shared,
                tx: Some(tx),
                writer: Some(writer),
            },
            report,
        ))
    }

    /// Appends made durable, and the fsyncs that made them so, since the store was opened: with
    /// concurrent appenders there are fewer fsyncs than appends (group commit).
    pub fn stats(&self) -> WalStats {
        WalStats {
            appends: self.shared.appends.load(Ordering::Relaxed),
            syncs: self.shared.syncs.load(Ordering::Relaxed),
        }
    }

    /// One event, by sequence number (a single read, unlike `get_events`).
    pub fn get_event(
        &self,
        workflow_id: &str,
        sequence: u64,
    ) -> Result<Option<WorkflowEvent>, EventStoreError> {
        let r = {
            let index = self.shared.index.read().unwrap_or_else(|p| p.into_inner());
            index
                .get(workflow_id)
                .and_then(|l| l.get(sequence.checked_sub(1)? as usize).copied())
        };
        r.map(|r| self.read(r)).transpose()
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    fn read(&self, r: RecordRef) -> Result<WorkflowEvent, EventStoreError> {
        let mut buf = vec![0u8; r.len as usize];
        self.shared
            .reader
            .read_exact_at(&mut buf, r.offset)
            .map_err(|e| io_err(&self.shared.path, e))?;
        decode_record(&buf)
            .and_then(|(d, _)| {
                d.event
                    .ok_or_else(|| ("the record has no event".to_string(), None))
            })
            .map_err(|(message, workflow)| EventStoreError::Corrupt {
                path: self.shared.path.display().to_string(),
                offset: r.offset,
                workflow: workflow.unwrap_or_else(|| "unknown".into()),
                message,
                valid_after: 0,
            })
    }
}

impl Drop for FileEventStore {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

type Recovered = (
    BTreeMap<String, Vec<RecordRef>>,
    HashMap<String, u64>,
    RecoveryReport,
);

/// Scans the whole log; see the module docs for what counts as a torn tail.
fn recover(path: &Path, bytes: &[u8]) -> Result<Recovered, EventStoreError> {
    let mut index: BTreeMap<String, Vec<RecordRef>> = BTreeMap::new();
    let mut offset = 0usize;
    let mut records = 0;
    while offset < bytes.len() {
        match check_record(&bytes[offset..]) {
            Ok((d, len)) => {
                let list = index.entry(d.workflow_id.clone()).or_default();
                let expected = list.len() as u64 + 1;
                if d.sequence != expected {
                    return Err(EventStoreError::Corrupt {
                        path: path.display().to_string(),
                        offset: offset as u64,
                        workflow: d.workflow_id,
                        message: format!("sequence {} where {expected} was expected", d.sequence),
                        valid_after: count_valid(&bytes[offset + len..]),
                    });
                }
                list.push(RecordRef {
                    offset: offset as u64,
                    len: len as u32,
                });
                records += 1;
                offset += len;
            }
            Err((message, workflow)) => {
                let valid_after = count_valid(&bytes[offset + 1..]);
                if valid_after > 0 {
                    return Err(EventStoreError::Corrupt {
                        path: path.display().to_string(),
                        offset: offset as u64,
                        workflow: workflow.unwrap_or_else(|| "unknown".into()),
                        message,
                        valid_after,
                    });
                }
                let next = index.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect();
                return Ok((
                    index,
                    next,
                    RecoveryReport {
                        records,
                        truncated_bytes: (bytes.len() - offset) as u64,
                    },
                ));
            }
        }
    }
    let next = index.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect();
    Ok((
        index,
        next,
        RecoveryReport {
            records,
            truncated_bytes: 0,
        },
    ))
}

/// Counts the valid records found by resynchronising on the magic bytes.
fn count_valid(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i + HEADER <= bytes.len() {
        if &bytes[i..i + 4] == MAGIC
            && let Ok((_, len)) = check_record(&bytes[i..])
        {
            count += 1;
            i += len;
            continue;
        }
        i += 1;
    }
    count
}

fn writer_main(
    rx: mpsc::Receiver<Append>,
    mut file: File,
    shared: Arc<Shared>,
    mut next: HashMap<String, u64>,
    mut offset: u64,
) {
    let mut buf = Vec::with_capacity(1 << 20);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(a) => batch.push(a),
                Err(_) => break,
            }
        }
        let poisoned = shared.poisoned.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(cause) = poisoned {
            for a in batch {
                let _ = a.reply.send(Err(EventStoreError::Poisoned {
                    path: shared.path.display().to_string(),
                    cause: cause.clone(),
                }));
            }
            continue;
        }
        // Assign sequences on a scratch copy; they take effect only once durable.
        buf.clear();
        let mut assigned: Vec<Assigned> = Vec::with_capacity(batch.len());
        let mut scratch: HashMap<String, u64> = HashMap::new();
        for a in batch {
            let wf = a.event.workflow_id().to_string();
            let last = *scratch.get(&wf).or_else(|| next.get(&wf)).unwrap_or(&0);
            let seq = last + 1;
            let start = buf.len();
            match encode_record(&mut buf, seq, &a.event) {
                Ok(()) => {
                    scratch.insert(wf, seq);
                    let r = RecordRef {
                        offset: offset + start as u64,
                        len: (buf.len() - start) as u32,
                    };
                    assigned.push((a, Ok((seq, r))));
                }
                Err(e) => assigned.push((a, Err(e))),
            }
        }
        let durable = file.write_all(&buf).and_then(|()| file.sync_data());
        match durable {
            Ok(()) => {
                offset += buf.len() as u64;
                next.extend(scratch);
                shared.syncs.fetch_add(1, Ordering::Relaxed);
                shared.appends.fetch_add(
                    assigned.iter().filter(|(_, r)| r.is_ok()).count() as u64,
                    Ordering::Relaxed,
                );
                let mut index = shared.index.write().unwrap_or_else(|p| p.into_inner());
                for (a, r) in assigned {
                    let reply = match r {
                        Ok((seq, rref)) => {
                            index
                                .entry(a.event.workflow_id().to_string())
                                .or_default()
                                .push(rref);
                            Ok(seq)
                        }
                        Err(e) => Err(e),
                    };
                    let _ = a.reply.send(reply);
                }
            }
            Err(e) => {
                let cause = e.to_string();
                *shared.poisoned.lock().unwrap_or_else(|p| p.into_inner()) = Some(cause.clone());
                tracing::error!(path = %shared.path.display(), error = %cause, "event log write failed; refusing appends until reopened");
                for (a, _) in assigned {
                    let _ = a.reply.send(Err(EventStoreError::Io {
                        path: shared.path.display().to_string(),
                        message: cause.clone(),
                    }));
                }
            }
        }
    }
    let _ = file.sync_all();
}

#[async_trait::async_trait]
impl EventStore for FileEventStore {
    async fn append_event(&self, event: WorkflowEvent) -> Result<u64, EventStoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .as_ref()
            .ok_or(EventStoreError::Closed)?
            .send(Append { event, reply })
            .map_err(|_| EventStoreError::Closed)?;
        rx.await.map_err(|_| EventStoreError::Closed)?
    }

    async fn get_events(
        &self,
        workflow_id: &str,
        from_sequence: u64,
    ) -> Result<Vec<WorkflowEvent>, EventStoreError> {
        let refs: Vec<RecordRef> = {
            let index = self.shared.index.read().unwrap_or_else(|p| p.into_inner());
            let skip = from_sequence.saturating_sub(1) as usize;
            index
                .get(workflow_id)
                .map(|l| l.iter().skip(skip).copied().collect())
                .unwrap_or_default()
        };
        refs.into_iter().map(|r| self.read(r)).collect()
    }

    async fn get_latest_sequence(&self, workflow_id: &str) -> Result<u64, EventStoreError> {
        let index = self.shared.index.read().unwrap_or_else(|p| p.into_inner());
        Ok(index.get(workflow_id).map_or(0, |l| l.len() as u64))
    }

    async fn workflow_ids(&self) -> Result<Vec<String>, EventStoreError> {
        let index = self.shared.index.read().unwrap_or_else(|p| p.into_inner());
        Ok(index.keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(wf: &str, i: u64) -> WorkflowEvent {
        WorkflowEvent::ActivityStarted {
            workflow_id: wf.into(),
            activity_name: "a".into(),
            input: serde_json::json!({ "i": i }),
            timestamp: i as i64,
        }
    }

    #[test]
    fn records_round_trip_and_damage_is_detected() {
        let mut buf = Vec::new();
        encode_record(&mut buf, 7, &event("wf", 1)).unwrap();
        let (d, len) = decode_record(&buf).unwrap();
        assert_eq!((d.sequence, d.workflow_id.as_str(), len), (7, "wf", buf.len()));
        let mut bad = buf.clone();
        let last = bad.len() - 2;
        bad[last] ^= 0xff;
        let (msg, wf) = decode_record(&bad).err().unwrap();
        assert_eq!((msg.as_str(), wf.as_deref()), ("CRC mismatch", Some("wf")));
        assert!(decode_record(&buf[..buf.len() - 1]).is_err());
    }

    #[test]
    fn recovery_truncates_a_torn_tail_and_refuses_middle_corruption() {
        let mut log = Vec::new();
        for i in 1..=3 {
            encode_record(&mut log, i, &event("wf", i)).unwrap();
        }
        let full = log.len();
        // Every cut inside the last record is a torn tail.
        let mut last_start = Vec::new();
        encode_record(&mut last_start, 1, &event("wf", 1)).unwrap();
        let record = last_start.len();
        for cut in (full - record + 1)..full {
            let (_, next, report) = recover(Path::new("x"), &log[..cut]).unwrap();
            assert_eq!(next["wf"], 2);
            assert_eq!(report.truncated_bytes as usize, cut - (full - record));
        }
        // A damaged byte in the first record, with valid records after it: corruption.
        let mut damaged = log.clone();
        damaged[HEADER + 20] ^= 0x55;
        match recover(Path::new("x"), &damaged) {
            Err(EventStoreError::Corrupt {
                offset,
                workflow,
                valid_after,
                ..
            }) => {
                assert_eq!((offset, workflow.as_str(), valid_after), (0, "wf", 2));
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("corruption was not detected"),
        }
        // A repeated sequence number is corruption too.
        let mut repeated = log.clone();
        encode_record(&mut repeated, 2, &event("wf", 9)).unwrap();
        assert!(matches!(
            recover(Path::new("x"), &repeated),
            Err(EventStoreError::Corrupt { .. })
        ));
    }
}
