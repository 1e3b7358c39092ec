//! Loading every policy of a folder at start, each compiled once, with its IR's content hash.

use policyc::diag::{render, Source};
use policyc::ir::{Node, NodeBody, Program};
use policyc::load::{read_text, Loader, MAX_SOURCE_BYTES};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A compiled policy, as the service decides with it: one version, never changed (a reload makes
/// a new one).
#[derive(Debug)]
pub struct Loaded {
    /// The policy's file.
    pub path: PathBuf,
    /// The compiled program.
    pub program: Program,
    /// SHA-256 of the program's serialized IR (the JSON of `policyc compile`, compact), in hex.
    pub content_hash: String,
    /// When this version was compiled (RFC 3339, UTC).
    pub loaded_at: String,
}

/// A file of the folder that does not compile (at the last reload).
#[derive(Debug, Clone)]
pub struct Failure {
    /// The file.
    pub path: PathBuf,
    /// The policy whose last good version, from this file, keeps serving; `None` when the file
    /// serves nothing (a new file, a library, a second file with a served id).
    pub id: Option<String>,
    /// The diagnostics, rendered without color.
    pub error: String,
}

/// Every policy of the folder, by id: one snapshot of the policy set, never changed (a reload
/// makes a new one, swapped in whole).
#[derive(Debug, Default)]
pub struct Policies {
    /// The policies served, by their `policy <id>` header: the latest version of each.
    pub by_id: BTreeMap<String, Arc<Loaded>>,
    /// Every version of each policy (several files with one id and different `effective`
    /// dates), in the order they took effect; the last is the one in `by_id`.
    pub versions: BTreeMap<String, Vec<Arc<Loaded>>>,
    /// The files that did not compile at the last reload, by path.
    pub failures: Vec<Failure>,
}

impl Policies {
    /// The set of these versions: each policy's versions in the order they took effect, the
    /// latest in `by_id`.
    pub fn from_versions(
        versions: BTreeMap<String, Vec<Arc<Loaded>>>,
        failures: Vec<Failure>,
    ) -> Policies {
        let by_id = versions
            .iter()
            .filter_map(|(id, v)| Some((id.clone(), v.last()?.clone())))
            .collect();
        Policies {
            by_id,
            versions,
            failures,
        }
    }

    /// The versions of policy `id`, in the order they took effect.
    pub fn versions_of(&self, id: &str) -> &[Arc<Loaded>] {
        self.versions.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The failure of policy `id` at the last reload, if its file no longer compiles.
    pub fn failure_of(&self, id: &str) -> Option<&Failure> {
        self.failures.iter().find(|f| f.id.as_deref() == Some(id))
    }
}

/// What a reload changed, for the server log.
#[derive(Debug, Default)]
pub struct Changes {
    /// Policies served for the first time: id and hash.
    pub added: Vec<(String, String)>,
    /// Policies whose IR changed: id, old hash, new hash.
    pub changed: Vec<(String, String, String)>,
    /// Policies whose file is gone (no longer served).
    pub removed: Vec<String>,
}

/// Why the service cannot start with a folder's policies.
#[derive(Debug)]
pub enum LoadError {
    /// Some policies do not compile (or are unreadable, or share an id): the diagnostics, rendered.
    Policies(String),
    /// The folder cannot be read.
    Io(String),
}

/// The SHA-256 of a program's compact JSON IR, in lowercase hex (the facade's
/// [`policyc::versions::content_hash`], which names the version in every decision).
pub fn content_hash(program: &Program) -> String {
    policyc::versions::content_hash(program)
}

/// Every label of an indication's criteria and dosing, in the policy's order.
pub fn labels(program: &Program) -> Vec<(String, Vec<String>)> {
    fn walk(n: &Node, out: &mut Vec<String>) {
        out.push(n.label.clone());
        if let NodeBody::Group { children, .. } = &n.body {
            for c in children {
                walk(c, out);
            }
        }
    }
    program
        .indications
        .iter()
        .map(|i| {
            let mut out = Vec::new();
            walk(&i.criteria, &mut out);
            if let Some(d) = &i.dosing {
                walk(d, &mut out);
            }
            (i.label.clone(), out)
        })
        .collect()
}

/// One file's outcome.
enum Outcome {
    Compiled(PathBuf, Box<Program>),
    Failed(PathBuf, String),
}

/// Compile every file under `dir` with one loader whose root is `dir`; libraries that compile are
/// skipped. The error is the folder's, when it cannot be read.
fn compile_folder(dir: &Path, color: bool) -> Result<Vec<Outcome>, String> {
    let files = policyc::load::policy_files(dir)
        .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?;
    let mut loader = Loader::new(vec![dir.to_path_buf()]);
    let mut out = Vec::new();
    for f in files {
        let text = match read_text(&f, MAX_SOURCE_BYTES, false) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("error: cannot read {}: {e}\n", f.display());
                out.push(Outcome::Failed(f, msg));
                continue;
            }
        };
        let checked = loader.compile_file(&f, &text);
        if checked.diagnostics.iter().any(|d| d.is_error()) {
            let source = Source::new(f.display().to_string(), text.as_str());
            let mut msg = render(&checked.diagnostics, &source, color);
            msg.push_str(&format!("error: {} does not compile\n", f.display()));
            out.push(Outcome::Failed(f, msg));
            continue;
        }
        if checked.library {
            continue;
        }
        match checked.program {
            Some(program) => out.push(Outcome::Compiled(f, Box::new(program))),
            None => {
                let msg = format!("error: {} does not compile\n", f.display());
                out.push(Outcome::Failed(f, msg));
            }
        }
    }
    Ok(out)
}

fn loaded(path: PathBuf, program: Program) -> Arc<Loaded> {
    let content_hash = content_hash(&program);
    // The flat program is made at load, not by the first request.
    policyc::eval::prepare(&program);
    Arc::new(Loaded {
        path,
        program,
        content_hash,
        loaded_at: jiff::Timestamp::now().to_string(),
    })
}

fn duplicate(id: &str, effective: &str, kept: &Path, other: &Path) -> String {
    format!(
        "error: {} and {} both declare `policy {id}` effective {effective}: each policy of the folder needs its own id, and each version of one policy its own `effective` date\n",
        kept.display(),
        other.display()
    )
}

/// A policy's key in the folder: its id and the date its version took effect.
type Key = (String, String);

fn key_of(program: &Program) -> Key {
    (program.policy.id.clone(), program.policy.effective.clone())
}

/// The versions by id, in the order they took effect.
fn group(by_key: BTreeMap<Key, Arc<Loaded>>) -> BTreeMap<String, Vec<Arc<Loaded>>> {
    let mut out: BTreeMap<String, Vec<Arc<Loaded>>> = BTreeMap::new();
    // Keys sort by id, then by effective date (YYYY-MM-DD sorts as dates do).
    for ((id, _), p) in by_key {
        out.entry(id).or_default().push(p);
    }
    out
}

/// Compile every policy under `dir` with one loader whose root is `dir` (libraries, files whose
/// header is `library`, are skipped). Any failure refuses the whole folder: a service never starts
/// with part of its policies. `color` renders the diagnostics for a terminal.
pub fn load(dir: &Path, color: bool) -> Result<Policies, LoadError> {
    let outcomes = compile_folder(dir, color).map_err(LoadError::Io)?;
    let mut failures = String::new();
    let mut by_key: BTreeMap<Key, Arc<Loaded>> = BTreeMap::new();
    for o in outcomes {
        match o {
            Outcome::Failed(_, msg) => failures.push_str(&msg),
            Outcome::Compiled(path, program) => {
                let key = key_of(&program);
                if let Some(other) = by_key.get(&key) {
                    failures.push_str(&duplicate(&key.0, &key.1, &other.path, &path));
                    continue;
                }
                by_key.insert(key, loaded(path, *program));
            }
        }
    }
    if !failures.is_empty() {
        return Err(LoadError::Policies(failures));
    }
    if by_key.is_empty() {
        return Err(LoadError::Policies(format!(
            "error: no policy under {}: the service needs at least one `.policy` file that is not a library\n",
            dir.display()
        )));
    }
    Ok(Policies::from_versions(group(by_key), Vec::new()))
}

/// Recompile every policy under `dir`, starting from `prev`, the set being served. A policy that
/// compiles is served in its new version (a new hash only if its IR changed; an unchanged one
/// keeps its [`Loaded`]); a policy whose file no longer compiles keeps its last good version,
/// with the failure recorded; a new file that compiles is added; a policy whose file is gone is
/// no longer served. When the folder cannot be read, everything keeps serving, every policy marked
/// with that error.
pub fn reload(dir: &Path, prev: &Policies) -> (Policies, Changes) {
    let outcomes = match compile_folder(dir, false) {
        Ok(o) => o,
        Err(e) => {
            let failures = prev
                .by_id
                .iter()
                .map(|(id, p)| Failure {
                    path: p.path.clone(),
                    id: Some(id.clone()),
                    error: format!("error: {e}\n"),
                })
                .collect();
            let same = Policies::from_versions(prev.versions.clone(), failures);
            return (same, Changes::default());
        }
    };
    // The version each file served, to keep a failing file's last good version.
    let served_from: BTreeMap<&Path, (Key, &Arc<Loaded>)> = prev
        .versions
        .values()
        .flatten()
        .map(|p| (p.path.as_path(), (key_of(&p.program), p)))
        .collect();
    let mut compiled: Vec<(PathBuf, Box<Program>)> = Vec::new();
    let mut failures = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Compiled(path, program) => compiled.push((path, program)),
            Outcome::Failed(path, error) => {
                let id = served_from.get(path.as_path()).map(|(k, _)| k.0.clone());
                failures.push(Failure { path, id, error });
            }
        }
    }
    // Of two files with one id and effective date, the one that served it keeps it (else the
    // first by path); the other fails. A stale version's key is taken too: its last good
    // version keeps it.
    let mut taken: BTreeMap<Key, PathBuf> = failures
        .iter()
        .filter_map(|f| {
            let (k, _) = served_from.get(f.path.as_path())?;
            Some((k.clone(), f.path.clone()))
        })
        .collect();
    compiled.sort_by_key(|(path, program)| {
        let served_here = served_from
            .get(path.as_path())
            .is_some_and(|(k, _)| *k == key_of(program));
        (!served_here, path.clone())
    });
    let mut by_key: BTreeMap<Key, Arc<Loaded>> = BTreeMap::new();
    for (path, program) in compiled {
        let key = key_of(&program);
        if let Some(kept) = taken.get(&key) {
            let error = duplicate(&key.0, &key.1, kept, &path);
            failures.push(Failure {
                path,
                id: None,
                error,
            });
            continue;
        }
        taken.insert(key.clone(), path.clone());
        let hash = content_hash(&program);
        let p = match served_from.get(path.as_path()) {
            Some((k, old)) if *k == key && old.content_hash == hash => (*old).clone(),
            _ => loaded(path, *program),
        };
        by_key.insert(key, p);
    }
    // Stale versions keep their last good version.
    for f in &failures {
        if let Some((k, old)) = served_from.get(f.path.as_path()) {
            if f.id.is_some() {
                by_key.insert(k.clone(), (*old).clone());
            }
        }
    }
    let next = Policies::from_versions(group(by_key), Vec::new());
    let by_id = next.by_id;
    let versions = next.versions;
    failures.sort_by(|a, b| a.path.cmp(&b.path));
    let mut changes = Changes::default();
    for (id, p) in &by_id {
        match prev.by_id.get(id) {
            None => changes.added.push((id.clone(), p.content_hash.clone())),
            Some(old) if old.content_hash != p.content_hash => {
                changes
                    .changed
                    .push((id.clone(), old.content_hash.clone(), p.content_hash.clone()))
            }
            Some(_) => {}
        }
    }
    for id in prev.by_id.keys() {
        if !by_id.contains_key(id) {
            changes.removed.push(id.clone());
        }
    }
    (
        Policies {
            by_id,
            versions,
            failures,
        },
        changes,
    )
}
