//! The decision log: one JSON line per decision, written by a dedicated thread.
//!
//! Handlers hand each line to a bounded channel (65,536 lines; a full channel makes the handler
//! wait, so the log never drops a line); the writer thread buffers them and flushes every
//! `flush` interval and when it is closed, so a clean shutdown loses nothing and a crash loses at
//! most the last interval.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

enum Msg {
    Line(String),
    Close,
}

/// An open decision log.
pub struct DecisionLog {
    tx: SyncSender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl DecisionLog {
    /// Open (create, or append to) the log file and start its writer.
    pub fn open(path: &Path, flush: Duration) -> std::io::Result<DecisionLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let (tx, rx) = sync_channel::<Msg>(1 << 16);
        let name = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
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
                loop {
                    let wait = next.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(wait) {
                        Ok(Msg::Line(l)) => {
                            report(w.write_all(l.as_bytes()).and_then(|()| w.write_all(b"\n")));
                        }
                        Ok(Msg::Close) | Err(RecvTimeoutError::Disconnected) => {
                            report(w.flush().and_then(|()| w.get_ref().sync_data()));
                            return;
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                    if Instant::now() >= next {
                        report(w.flush());
                        next = Instant::now() + flush;
                    }
                }
            })?;
        Ok(DecisionLog {
            tx,
            thread: Mutex::new(Some(thread)),
        })
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
