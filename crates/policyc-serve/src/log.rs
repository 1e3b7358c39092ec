//! The decision log: one JSON line per decision, written by a dedicated thread.
//!
//! Handlers hand each line to a bounded channel (65,536 lines; a full channel makes the handler
//! wait, so the log never drops a line); the writer thread buffers them and flushes every
//! `flush` interval and when it is closed, so a clean shutdown loses nothing and a crash loses at
//! most the last interval. With a size limit the file is rotated: `decisions.log` becomes
//! `decisions.log.1` (`.1` becomes `.2`, and so on), the oldest beyond the retained count is
//! removed, and a new file is started. A line is never split between two files.
//!
//! Each line holds the facts the request stated; [`Masks`] hide or coarsen named facts (a date of
//! birth kept as its year, or left out) before the line is written.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a fact is masked in the decision log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    /// Left out of the line.
    Omit,
    /// A date kept as its year (`"1961-07-04"` → `"1961"`); a value that is not a date is left out.
    Year,
}

impl std::str::FromStr for Mask {
    type Err = String;
    fn from_str(s: &str) -> Result<Mask, String> {
        match s {
            "omit" => Ok(Mask::Omit),
            "year" => Ok(Mask::Year),
            other => Err(format!(
                "`{other}` is not a mask: write `omit` (leave the fact out) or `year` (keep a date's year)"
            )),
        }
    }
}

/// The masks of the decision log, by fact name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Masks(pub BTreeMap<String, Mask>);

impl Masks {
    /// Read `FACT=MASK` (the command line's `--log-mask`).
    pub fn parse_arg(arg: &str) -> Result<(String, Mask), String> {
        let Some((fact, mask)) = arg.split_once('=') else {
            return Err(format!(
                "`{arg}` is not FACT=MASK: write e.g. `date_of_birth=year` or `prescriber_npi=omit`"
            ));
        };
        let fact = fact.trim();
        if fact.is_empty() {
            return Err(format!(
                "`{arg}` names no fact: write e.g. `date_of_birth=year`"
            ));
        }
        Ok((fact.to_string(), mask.trim().parse()?))
    }

    /// Apply the masks to a request's facts; the names of the facts masked, in order.
    pub fn apply(&self, facts: &mut LoggedFacts<'_>) -> Vec<String> {
        let mut masked = Vec::new();
        for (name, mask) in &self.0 {
            let Some(v) = facts.get_mut(name.as_str()) else {
                continue;
            };
            masked.push(name.clone());
            let year = match (mask, &*v) {
                (Mask::Year, Logged::Raw(raw)) => serde_json::from_str::<String>(raw.get())
                    .ok()
                    .and_then(|d| year_of(&d)),
                _ => None,
            };
            match year {
                Some(y) => *v = Logged::Year(y),
                None => {
                    facts.remove(name.as_str());
                }
            }
        }
        masked
    }
}

/// A request's stated facts as the log writes them, by name: each value as the request wrote it
/// (not parsed into a JSON tree), or coarsened by a mask. Null facts are left out.
pub type LoggedFacts<'a> = BTreeMap<Cow<'a, str>, Logged<'a>>;

/// One fact's value in the log.
#[derive(Debug, Clone)]
pub enum Logged<'a> {
    /// The value as the request wrote it.
    Raw(&'a RawValue),
    /// A date kept as its year.
    Year(String),
}

impl Serialize for Logged<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // A value written over several lines (a pretty-printed list) is written again on one,
            // so that each decision stays one line.
            Logged::Raw(raw) if raw.get().contains(['\n', '\r']) => {
                match serde_json::from_str::<Value>(raw.get()) {
                    Ok(v) => v.serialize(s),
                    Err(e) => Err(serde::ser::Error::custom(e)),
                }
            }
            Logged::Raw(raw) => raw.serialize(s),
            Logged::Year(y) => s.serialize_str(y),
        }
    }
}

/// The facts the request `text` states (nulls left out), each as written; empty if it has none.
pub fn stated_facts(text: &str) -> LoggedFacts<'_> {
    #[derive(serde::Deserialize)]
    struct Stated<'a> {
        #[serde(borrow, default)]
        facts: BTreeMap<Cow<'a, str>, &'a RawValue>,
    }
    serde_json::from_str::<Stated>(text)
        .map(|s| s.facts)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| v.get() != "null")
        .map(|(k, v)| (k, Logged::Raw(v)))
        .collect()
}

/// The year of a `YYYY-MM-DD` date.
fn year_of(s: &str) -> Option<String> {
    let b = s.as_bytes();
    (b.len() == 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-')
        .then(|| s[..4].to_string())
}

/// Where and how the decision log is written.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// The log file (appended to).
    pub path: PathBuf,
    /// How often buffered lines are flushed.
    pub flush: Duration,
    /// Rotate the file before it would grow past this many bytes (none: never).
    pub max_bytes: Option<u64>,
    /// How many rotated files are kept (`FILE.1` … `FILE.N`); the oldest beyond are removed.
    pub keep: usize,
    /// The facts masked in each line.
    pub masks: Masks,
}

impl LogOptions {
    /// A log at `path`, flushed every second, never rotated, nothing masked.
    pub fn new(path: impl Into<PathBuf>) -> LogOptions {
        LogOptions {
            path: path.into(),
            flush: Duration::from_secs(1),
            max_bytes: None,
            keep: 5,
            masks: Masks::default(),
        }
    }
}

/// How long the writer pauses, once it has drained the channel, before it looks again while
/// lines keep coming (it blocks on the channel once a look finds none).
const BATCH_PAUSE: Duration = Duration::from_millis(1);

enum Msg {
    Line(String),
    Close,
}

/// An open decision log.
pub struct DecisionLog {
    tx: SyncSender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
    masks: Masks,
}

/// The file being written and its size.
struct Current {
    w: std::io::BufWriter<std::fs::File>,
    bytes: u64,
}

fn open_append(path: &Path) -> std::io::Result<Current> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let bytes = file.metadata()?.len();
    Ok(Current {
        w: std::io::BufWriter::with_capacity(1 << 16, file),
        bytes,
    })
}

/// `FILE.n`.
fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// Shift `FILE.k` to `FILE.k+1` (the oldest, `FILE.keep`, is replaced), `FILE` to `FILE.1`, and
/// start a new `FILE`.
fn rotate(path: &Path, keep: usize, cur: &mut Current) -> std::io::Result<()> {
    cur.w.flush()?;
    cur.w.get_ref().sync_data()?;
    if keep == 0 {
        std::fs::remove_file(path)?;
    } else {
        for k in (1..keep).rev() {
            let from = rotated(path, k);
            if from.exists() {
                std::fs::rename(&from, rotated(path, k + 1))?;
            }
        }
        std::fs::rename(path, rotated(path, 1))?;
    }
    *cur = open_append(path)?;
    Ok(())
}

impl DecisionLog {
    /// Open (create, or append to) the log file and start its writer.
    pub fn open(options: LogOptions) -> std::io::Result<DecisionLog> {
        let mut cur = open_append(&options.path)?;
        let (tx, rx) = sync_channel::<Msg>(1 << 16);
        let LogOptions {
            path,
            flush,
            max_bytes,
            keep,
            masks,
        } = options;
        let name = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || {
                let mut failed = false;
                let mut report = |r: std::io::Result<()>| {
                    if let Err(e) = r {
                        if !failed {
                            eprintln!("error: cannot write the decision log {name}: {e}");
                        }
                        failed = true;
                    }
                };
                let mut next = Instant::now() + flush;
                // Under load the writer takes the lines in batches: after a line it sleeps for a
                // moment and then drains the channel without blocking, so a handler's `send`
                // finds the writer awake and never has to wake it (a wake-up per line cost more
                // than writing the line). Only an idle writer blocks on the channel.
                let mut busy = false;
                loop {
                    let msg = if busy {
                        match rx.try_recv() {
                            Ok(m) => Ok(m),
                            Err(TryRecvError::Empty) => {
                                busy = false;
                                std::thread::sleep(BATCH_PAUSE);
                                continue;
                            }
                            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
                        }
                    } else {
                        let wait = next.saturating_duration_since(Instant::now());
                        rx.recv_timeout(wait)
                    };
                    match msg {
                        Ok(Msg::Line(l)) => {
                            busy = true;
                            let n = l.len() as u64 + 1;
                            if let Some(max) = max_bytes {
                                if cur.bytes > 0 && cur.bytes + n > max {
                                    report(rotate(&path, keep, &mut cur));
                                }
                            }
                            report(
                                cur.w
                                    .write_all(l.as_bytes())
                                    .and_then(|()| cur.w.write_all(b"\n")),
                            );
                            cur.bytes += n;
                        }
                        Ok(Msg::Close) | Err(RecvTimeoutError::Disconnected) => {
                            report(cur.w.flush().and_then(|()| cur.w.get_ref().sync_data()));
                            return;
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                    if Instant::now() >= next {
                        report(cur.w.flush());
                        next = Instant::now() + flush;
                    }
                }
            })?;
        Ok(DecisionLog {
            tx,
            thread: Mutex::new(Some(thread)),
            masks,
        })
    }

    /// The facts this log masks.
    pub fn masks(&self) -> &Masks {
        &self.masks
    }

    /// Append one line (without its newline).
    pub fn write(&self, line: String) {
        // Fails only once the log is closed, after the server has stopped.
        let _ = self.tx.send(Msg::Line(line));
    }

    /// Write every line sent so far, flush, and stop the writer.
    pub fn close(&self) {
        let _ = self.tx.send(Msg::Close);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// The `$id` of the decision log line's schema: the format and its version.
pub const LOG_SCHEMA_ID: &str = "policyc:decision-log:1";

/// The JSON Schema (draft 2020-12) of one line of the decision log (`policyc-decision-log`,
/// version 1), as `policyc schema --log` prints it.
pub fn log_schema() -> Value {
    let labels = serde_json::json!({"type": ["array", "null"], "items": {"type": "string"}});
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": LOG_SCHEMA_ID,
        "title": "A line of the policyc decision log",
        "description": "One decision of `policyc serve --log` or `policyc eval --batch --log`, one JSON object per line. Optional fields may be added within format version 1.",
        "type": "object",
        "additionalProperties": false,
        "required": ["format", "format_version", "decision_id", "time", "policy", "effective", "content_hash", "request_id", "as_of", "facts", "masked", "decision", "indication", "explained", "path", "unmet", "missing", "exceeded", "latency_us"],
        "properties": {
            "format": {"const": "policyc-decision-log"},
            "format_version": {"const": 1},
            "decision_id": {"type": "string", "format": "uuid", "description": "A UUID v7 (time-ordered), unique per decision; the `x-decision-id` header of `decide`."},
            "time": {"type": "string", "format": "date-time", "description": "When it was decided, RFC 3339 in UTC."},
            "policy": {"type": "string", "description": "The policy's id."},
            "effective": {"type": "string", "format": "date", "description": "The policy's effective date."},
            "content_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "The hash of the policy's IR: which rules decided."},
            "request_id": {"type": ["string", "null"], "description": "The request's own `request_id`, else the HTTP `X-Request-Id` header (single decisions), else null."},
            "as_of": {"type": ["string", "null"], "format": "date", "description": "The date of service the request was decided for (its `as_of`, or `--as-of`); null if it had none."},
            "facts": {"type": "object", "description": "The facts as the request stated them (null facts left out), after masking: with `as_of`, a request that decides the same again."},
            "masked": {"type": "array", "items": {"type": "string"}, "description": "The facts of `facts` that were masked: a date kept as its year, or left out."},
            "decision": {"enum": ["approve", "deny", "needs_info", "refer"]},
            "indication": {"type": ["string", "null"], "description": "The label of the indication decided under."},
            "explained": {"type": "boolean", "description": "false for a decision of the fast path (`?explain=false`): then the four lists are null."},
            "path": labels.clone(),
            "unmet": labels.clone(),
            "missing": labels.clone(),
            "exceeded": labels,
            "latency_us": {"type": "integer", "minimum": 0, "description": "Binding and deciding, in microseconds."}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_a_year_or_leave_the_fact_out() {
        let masks = Masks(BTreeMap::from([
            ("date_of_birth".to_string(), Mask::Year),
            ("npi".to_string(), Mask::Omit),
            ("weight".to_string(), Mask::Year),
            ("absent".to_string(), Mask::Omit),
        ]));
        let text = r#"{"facts": {"date_of_birth": "1961-07-04", "npi": "123", "weight": "70 kg",
            "dose": "1 mg", "count": 3.50, "none": null, "sites": [
                "lung",  "skin"
            ]}}"#;
        let mut f = stated_facts(text);
        assert_eq!(masks.apply(&mut f), vec!["date_of_birth", "npi", "weight"]);
        // Values are written as the request wrote them (3.50 stays 3.50), on one line; null facts
        // are left out.
        assert_eq!(
            serde_json::to_string(&f).ok().as_deref(),
            Some(r#"{"count":3.50,"date_of_birth":"1961","dose":"1 mg","sites":["lung","skin"]}"#)
        );
    }

    #[test]
    fn a_request_without_facts_logs_none() {
        assert!(stated_facts(r#"{"as_of": "2026-01-01"}"#).is_empty());
        assert!(stated_facts("not json").is_empty());
    }

    #[test]
    fn a_mask_is_read_from_fact_equals_mask() {
        assert_eq!(
            Masks::parse_arg("date_of_birth=year"),
            Ok(("date_of_birth".to_string(), Mask::Year))
        );
        assert!(Masks::parse_arg("date_of_birth").is_err());
        assert!(Masks::parse_arg("=omit").is_err());
        assert!(Masks::parse_arg("x=hash")
            .err()
            .is_some_and(|e| e.contains("`omit`")));
    }

    #[test]
    fn rotation_keeps_whole_lines_and_the_retained_count() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("decisions.log");
        let mut options = LogOptions::new(&path);
        options.max_bytes = Some(100);
        options.keep = 2;
        let log = DecisionLog::open(options).expect("the log opens");
        for i in 0..20 {
            log.write(format!(
                "{{\"line\": {i:03}, \"pad\": \"xxxxxxxxxxxxxxxxxxxx\"}}"
            ));
        }
        log.close();
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let (now, one, two) = (
            read(&path),
            read(&rotated(&path, 1)),
            read(&rotated(&path, 2)),
        );
        assert!(
            !rotated(&path, 3).exists(),
            "only two rotated files are kept"
        );
        for text in [&now, &one, &two] {
            assert!(text.len() <= 100, "a file past its limit: {text}");
            assert!(text.lines().all(|l| l.starts_with('{') && l.ends_with('}')));
        }
        // The newest lines are in the current file, the ones before in .1, then .2.
        let all: Vec<String> = [&two, &one, &now]
            .iter()
            .flat_map(|t| t.lines().map(str::to_string))
            .collect();
        let last: Vec<String> = (20 - all.len()..20)
            .map(|i| format!("{{\"line\": {i:03}, \"pad\": \"xxxxxxxxxxxxxxxxxxxx\"}}"))
            .collect();
        assert_eq!(all, last);
    }
}
