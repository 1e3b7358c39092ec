//! Hot reload: a change under the policies folder (a file watch) or SIGHUP recompiles every
//! policy, and the new set replaces the old one whole.
//!
//! File events come in bursts (an editor's save is several), so a reload waits until the folder
//! has been quiet for [`DEBOUNCE`] (at most [`MAX_DELAY`] after the first event). Compiling runs on
//! a thread of its own, never on the runtime's; requests meanwhile are decided by the set they
//! took. A policy whose file no longer compiles keeps its last good version (see
//! [`policies::reload`]); the failure shows in `/ready`, in `/metrics`
//! and, with the diagnostics, on standard error.

use crate::http::AppState;
use crate::policies;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the folder must be quiet before a reload.
pub const DEBOUNCE: Duration = Duration::from_millis(200);
/// The longest a reload waits after the first event of a burst that does not end.
pub const MAX_DELAY: Duration = Duration::from_secs(2);

enum Msg {
    /// A file under the folder changed.
    Changed,
    /// SIGHUP.
    Signal,
    Stop,
}

/// The reload thread, the file watch and the SIGHUP listener.
pub struct Reloader {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    // Dropped with the reloader: the watch ends.
    _watcher: Option<notify::RecommendedWatcher>,
}

/// Whether an event may change what compiles: a `.policy` file, or a folder (created, removed or
/// renamed, with the policies inside). Reads and other files (a decision log kept in the folder)
/// are not.
fn relevant(event: &notify::Event) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    let folder = matches!(
        event.kind,
        EventKind::Create(notify::event::CreateKind::Folder)
            | EventKind::Remove(notify::event::RemoveKind::Folder)
    );
    folder
        || event.paths.iter().any(|p| {
            p.extension().is_some_and(|e| e == "policy")
                || (matches!(
                    event.kind,
                    EventKind::Modify(notify::event::ModifyKind::Name(_))
                ) && p.extension().is_none())
        })
}

impl Reloader {
    /// Watch `dir` and start the reload thread. A watch that cannot be set up (no inotify
    /// instance left, say) is reported on standard error; SIGHUP still reloads.
    pub fn start(dir: &Path, state: Arc<AppState>) -> Reloader {
        let (tx, rx) = channel::<Msg>();
        let events = tx.clone();
        let watcher = notify::recommended_watcher(move |r: notify::Result<notify::Event>| {
            if r.as_ref().is_ok_and(relevant) || r.is_err() {
                let _ = events.send(Msg::Changed);
            }
        })
        .and_then(|mut w| w.watch(dir, RecursiveMode::Recursive).map(|()| w));
        let watcher = match watcher {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!(
                    "warning: cannot watch {} for changes ({e}): send SIGHUP to reload the policies",
                    dir.display()
                );
                None
            }
        };
        let dir: PathBuf = dir.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("policy-reload".into())
            .spawn(move || loop {
                let why = match rx.recv() {
                    Ok(Msg::Stop) | Err(_) => return,
                    Ok(Msg::Signal) => "SIGHUP",
                    Ok(Msg::Changed) => {
                        // Wait for the burst to end.
                        let first = Instant::now();
                        loop {
                            let left = MAX_DELAY.saturating_sub(first.elapsed());
                            if left.is_zero() {
                                break;
                            }
                            match rx.recv_timeout(DEBOUNCE.min(left)) {
                                Ok(Msg::Changed) => {}
                                Ok(Msg::Signal) | Err(RecvTimeoutError::Timeout) => break,
                                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                            }
                        }
                        "a change in the folder"
                    }
                };
                reload_now(&dir, &state, why);
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("warning: cannot start the reload thread ({e}): the policies will not be reloaded");
                None
            }
        };
        Reloader {
            tx,
            thread,
            _watcher: watcher,
        }
    }

    /// Reload on each SIGHUP, from now on (to be called inside the runtime).
    pub fn on_sighup(&self) -> Result<(), String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut hup = signal(SignalKind::hangup())
                .map_err(|e| format!("cannot listen for SIGHUP: {e}"))?;
            let tx = self.tx.clone();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    if tx.send(Msg::Signal).is_err() {
                        return;
                    }
                }
            });
        }
        Ok(())
    }

    /// Stop the reload thread (after the reload under way, if any).
    pub fn stop(mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Recompile the folder, swap the new set in, count it and say what changed on standard error.
pub fn reload_now(dir: &Path, state: &AppState, why: &str) {
    let prev = state.snapshot();
    let (next, changes) = policies::reload(dir, &prev);
    let failed = !next.failures.is_empty();
    let mut log = String::new();
    for f in &next.failures {
        log.push_str(&f.error);
        match f.id.as_ref().and_then(|id| Some((id, next.by_id.get(id)?))) {
            Some((id, p)) => log.push_str(&format!(
                "error: reload: {} does not compile: policy `{id}` keeps serving its last good version ({})\n",
                f.path.display(),
                short(&p.content_hash)
            )),
            None => log.push_str(&format!(
                "error: reload: {} does not compile: it serves nothing until it does\n",
                f.path.display()
            )),
        }
    }
    let mut said = Vec::new();
    for (id, hash) in &changes.added {
        said.push(format!("`{id}` added ({})", short(hash)));
    }
    for (id, old, new) in &changes.changed {
        said.push(format!("`{id}` {} → {}", short(old), short(new)));
    }
    for id in &changes.removed {
        said.push(format!("`{id}` removed (its file is gone)"));
    }
    let n = next.by_id.len();
    state.replace(next);
    state.metrics.reload(failed);
    let what = if said.is_empty() {
        "no policy changed".to_string()
    } else {
        said.join(", ")
    };
    log.push_str(&format!(
        "reloaded after {why}: {what}; {n} polic{} served{}\n",
        if n == 1 { "y" } else { "ies" },
        if failed {
            " (some files do not compile: see /ready)"
        } else {
            ""
        }
    ));
    eprint!("{log}");
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
