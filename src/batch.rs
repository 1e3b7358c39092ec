//! `policyc eval --batch`: JSON Lines of requests, decided a chunk at a time across the cores, the
//! output in the input's order, at constant memory. The lines written are those of the decision
//! service's batch route (`policyc_serve::http`): the decision, or its error record.
//!
//! The reading ([`Lines`]) and the parallel map ([`par_map`]) are shared with `policyc replay`.

use crate::exit;
use policyc::load::{Loader, MAX_SOURCE_BYTES};
use policyc::{DecisionKind, ErrorCode, RequestError};
use policyc_serve::http::{
    batch_error_record, decide_versioned, decision_id, error_doc, log_line, not_in_force_record,
    Decided, Undecided,
};
use policyc_serve::log::Masks;
use policyc_serve::policies::Loaded;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many lines are read, then decided in parallel, then written, at a time.
pub const CHUNK: usize = 1024;

/// One non-blank input line: its number (from 1) and its text, or why it is not a request.
pub struct Line {
    /// The line's number in the input, counted from 1 (blank lines included).
    pub n: usize,
    /// The text, without its line break; or what is wrong with the line.
    pub text: Result<String, LineProblem>,
}

/// A line that cannot be a request, whatever the policy.
pub enum LineProblem {
    /// Longer than a request may be ([`MAX_SOURCE_BYTES`]).
    TooLarge,
    /// Not UTF-8 text.
    NotUtf8,
}

/// The error record of a line that is not a request (the service's batch error record).
pub fn line_problem_record(n: usize, problem: &LineProblem) -> (String, u8) {
    match problem {
        LineProblem::TooLarge => {
            let m = format!(
                "line {n}: the line is larger than {MAX_SOURCE_BYTES} bytes, the limit of a request"
            );
            let record = error_doc(ErrorCode::TooLarge, &m, &[], Some(n));
            (record, exit::IO_ERROR)
        }
        LineProblem::NotUtf8 => {
            let m = format!("line {n}: the line is not UTF-8 text");
            let p = RequestError {
                path: String::new(),
                message: "the line is not UTF-8 text".into(),
                help: Some("write the requests as UTF-8 JSON, one per line".into()),
            };
            let record = error_doc(ErrorCode::InvalidRequest, &m, &[p], Some(n));
            (record, exit::REQUEST_ERROR)
        }
    }
}

/// The input: a file or standard input, read line by line, at most a request's size per line.
pub struct Lines {
    reader: Box<dyn BufRead>,
    /// The input's name for messages (`<stdin>` for `-`).
    pub name: String,
    n: usize,
    buf: Vec<u8>,
}

impl Lines {
    /// Open `input`: a file, or `-` for standard input. The error is a message for people.
    pub fn open(input: &str) -> Result<Lines, String> {
        let (reader, name): (Box<dyn BufRead>, String) = if input == "-" {
            (
                Box::new(std::io::BufReader::with_capacity(1 << 16, std::io::stdin())),
                "<stdin>".into(),
            )
        } else {
            let path = Path::new(input);
            if path.is_dir() {
                return Err(format!("cannot read {input}: it is a folder, not a file"));
            }
            let f = std::fs::File::open(path).map_err(|e| format!("cannot read {input}: {e}"))?;
            (
                Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
                input.to_string(),
            )
        };
        Ok(Lines {
            reader,
            name,
            n: 0,
            buf: Vec::new(),
        })
    }

    /// Fill `out` with up to `max` non-blank lines; an empty `out` is the end of the input.
    pub fn next_chunk(&mut self, out: &mut Vec<Line>, max: usize) -> std::io::Result<()> {
        out.clear();
        while out.len() < max {
            self.buf.clear();
            let read = std::io::Read::take(&mut self.reader, MAX_SOURCE_BYTES + 1)
                .read_until(b'\n', &mut self.buf)?;
            if read == 0 {
                break;
            }
            self.n += 1;
            if self.buf.last() != Some(&b'\n') && self.buf.len() as u64 > MAX_SOURCE_BYTES {
                self.skip_rest_of_line()?;
                out.push(Line {
                    n: self.n,
                    text: Err(LineProblem::TooLarge),
                });
                continue;
            }
            let mut bytes = &self.buf[..];
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => Ok(t.to_string()),
                Err(_) => Err(LineProblem::NotUtf8),
            };
            out.push(Line { n: self.n, text });
        }
        Ok(())
    }

    fn skip_rest_of_line(&mut self) -> std::io::Result<()> {
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let len = available.len();
                    self.reader.consume(len);
                }
            }
        }
    }
}

/// `f` of every item, in order, the items split across the cores (`std::thread::scope`).
pub fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<U>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// What one line gives.
enum Outcome {
    /// The decision, the version that made it, and how long it took.
    Decided(Decided, Arc<Loaded>, Duration),
    /// The error record, and the exit code its error ends `eval --batch` with.
    Error(String, u8),
}

/// How `eval --batch` decides each line.
pub struct Options<'a> {
    /// The date of service overriding each request's (`--as-of`).
    pub as_of: Option<&'a str>,
    /// Whether each decision is explained (false with `--brief`).
    pub explain: bool,
    /// The published document's address (`--doc-url`).
    pub doc_url: Option<&'a str>,
}

fn decide_line(versions: &[Arc<Loaded>], line: &Line, o: &Options) -> Outcome {
    let text = match &line.text {
        Ok(t) => t,
        Err(problem) => {
            let (record, code) = line_problem_record(line.n, problem);
            return Outcome::Error(record, code);
        }
    };
    let start = Instant::now();
    match decide_versioned(versions, text, o.as_of, o.explain, o.doc_url) {
        Ok((p, d)) => Outcome::Decided(d, p, start.elapsed()),
        Err(Undecided::Invalid(p, problems)) => Outcome::Error(
            batch_error_record(&p, line.n, &problems),
            exit::REQUEST_ERROR,
        ),
        Err(Undecided::NotInForce(e)) => {
            Outcome::Error(not_in_force_record(line.n, &e), exit::REQUEST_ERROR)
        }
    }
}

/// The counts of the summary.
#[derive(Default)]
struct Counts {
    by_kind: [usize; 4],
    errors: usize,
    first_errors: Vec<usize>,
}

const KINDS: [DecisionKind; 4] = [
    DecisionKind::Approve,
    DecisionKind::Deny,
    DecisionKind::NeedsInfo,
    DecisionKind::Refer,
];

fn kind_index(k: DecisionKind) -> usize {
    KINDS.iter().position(|&x| x == k).unwrap_or(0)
}

/// `policyc eval --batch POLICY [FILE|-] [--as-of DATE] [--brief] [--log FILE]`.
pub fn run(
    loader: &mut Loader,
    policy: &Path,
    input: &str,
    options: &Options,
    log: Option<&Path>,
    masks: &Masks,
) -> u8 {
    let as_of = options.as_of;
    if let (Some(date), Some(Err(p))) = (as_of, as_of.map(crate::check_as_of)) {
        eprintln!("error: invalid value `{date}` for --as-of: {}", p.message);
        if let Some(h) = &p.help {
            eprintln!("  help: {h}");
        }
        return exit::USAGE;
    }
    let versions = match crate::load_versions(loader, policy, crate::OutputFormat::Human) {
        Ok(v) => v,
        Err(c) => return c,
    };
    // A version that does not compile and took effect after the first could be the one in force
    // on some line's date: the batch is not decided under the wrong version.
    let first = versions.all()[0].program.policy.effective.clone();
    if let Some(b) = versions.broken_in_force(0, "9999-12-31") {
        let m =
            policyc::versions::broken_message(versions.id(), b, &format!("a date from {first}"));
        eprintln!("error: {m}");
        return exit::POLICY_ERROR;
    }
    let versions: Vec<Arc<Loaded>> = versions.all().iter().map(loaded).collect();
    let mut lines = match Lines::open(input) {
        Ok(l) => l,
        Err(m) => {
            eprintln!("error: {m}");
            return exit::IO_ERROR;
        }
    };
    let mut log = match log.map(open_log).transpose() {
        Ok(l) => l,
        Err(m) => {
            eprintln!("error: {m}");
            return exit::IO_ERROR;
        }
    };
    let start = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut counts = Counts::default();
    let mut code = exit::OK;
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        if let Err(e) = lines.next_chunk(&mut chunk, CHUNK) {
            let _ = out.flush();
            eprintln!("error: cannot read {}: {e}", lines.name);
            code = exit::IO_ERROR;
            break;
        }
        if chunk.is_empty() {
            break;
        }
        let outcomes = par_map(&chunk, |l| decide_line(&versions, l, options));
        let written = write_chunk(
            &mut out,
            log.as_mut(),
            &chunk,
            &outcomes,
            &mut counts,
            masks,
        );
        if let Err(m) = written {
            eprintln!("error: {m}");
            return exit::IO_ERROR;
        }
        for o in &outcomes {
            if let Outcome::Error(_, c) = o {
                code = code.max(*c);
            }
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("error: cannot write the decisions: {e}");
        return exit::IO_ERROR;
    }
    if let Some((path, w)) = &mut log {
        if let Err(e) = w.flush().and_then(|()| w.get_ref().sync_data()) {
            eprintln!(
                "error: cannot write the decision log {}: {e}",
                path.display()
            );
            return exit::IO_ERROR;
        }
    }
    eprintln!("{}", summary(&counts, start.elapsed()));
    code
}

/// A version of the policy as the service holds it (for the decision log's lines).
fn loaded(v: &policyc::versions::Version) -> Arc<Loaded> {
    Arc::new(Loaded {
        path: v.path.clone().unwrap_or_default(),
        program: v.program.clone(),
        content_hash: v.content_hash.clone(),
        // Only the service's `/ready` reads it.
        loaded_at: String::new(),
    })
}

type Log = (PathBuf, BufWriter<std::fs::File>);

/// Open (create, or append to) a decision log, as `serve --log` does.
fn open_log(path: &Path) -> Result<Log, String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(|f| (path.to_path_buf(), BufWriter::with_capacity(1 << 16, f)))
        .map_err(|e| format!("cannot open the decision log {}: {e}", path.display()))
}

fn write_chunk(
    out: &mut impl Write,
    mut log: Option<&mut Log>,
    chunk: &[Line],
    outcomes: &[Outcome],
    counts: &mut Counts,
    masks: &Masks,
) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write the decisions: {e}");
    for (line, o) in chunk.iter().zip(outcomes) {
        match o {
            Outcome::Decided(d, loaded, latency) => {
                counts.by_kind[kind_index(d.kind)] += 1;
                out.write_all(d.json.as_bytes()).map_err(fail)?;
                if let Some((path, w)) = log.as_deref_mut() {
                    let text = line.text.as_deref().unwrap_or("");
                    if let Some(l) =
                        log_line(&decision_id(), loaded, d, None, *latency, text, masks)
                    {
                        w.write_all(l.as_bytes())
                            .and_then(|()| w.write_all(b"\n"))
                            .map_err(|e| {
                                format!("cannot write the decision log {}: {e}", path.display())
                            })?;
                    }
                }
            }
            Outcome::Error(record, _) => {
                counts.errors += 1;
                if counts.first_errors.len() < 3 {
                    counts.first_errors.push(line.n);
                }
                out.write_all(record.as_bytes()).map_err(fail)?;
            }
        }
        out.write_all(b"\n").map_err(fail)?;
    }
    Ok(())
}

/// `6 requests: 1 approve, 2 deny, 1 needs_info, 1 refer; 1 error (line 6); 0.004 s, 1500 requests/s`.
fn summary(c: &Counts, elapsed: Duration) -> String {
    let total = c.by_kind.iter().sum::<usize>() + c.errors;
    let kinds: Vec<String> = KINDS
        .iter()
        .zip(c.by_kind)
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect();
    let errors = match c.errors {
        0 => "no error".to_string(),
        n => {
            let lines: Vec<String> = c.first_errors.iter().map(usize::to_string).collect();
            let more = if n > c.first_errors.len() {
                ", …"
            } else {
                ""
            };
            format!(
                "{n} error{} (line{} {}{more})",
                if n == 1 { "" } else { "s" },
                if n == 1 { "" } else { "s" },
                lines.join(", ")
            )
        }
    };
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        format!("{:.0}", total as f64 / secs)
    } else {
        "—".to_string()
    };
    format!(
        "{total} request{}: {}; {errors}; {secs:.3} s, {rate} requests/s",
        if total == 1 { "" } else { "s" },
        kinds.join(", ")
    )
}
