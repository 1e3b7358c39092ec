//! Loading every policy of a folder at start, each compiled once, with its IR's content hash.

use policyc::diag::{render, Source};
use policyc::ir::{Node, NodeBody, Program};
use policyc::load::{read_text, Loader, MAX_SOURCE_BYTES};
use sha2::{Digest, Sha256};
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
    /// The policies served, by their `policy <id>` header.
    pub by_id: BTreeMap<String, Arc<Loaded>>,
    /// The files that did not compile at the last reload, by path.
    pub failures: Vec<Failure>,
}

impl Policies {
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

/// The SHA-256 of a program's compact JSON IR, in lowercase hex.
pub fn content_hash(program: &Program) -> String {
    let json = serde_json::to_vec(program).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().map(|b| format!("{b:02x}")).collect()
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
    Arc::new(Loaded {
        path,
        program,
        content_hash,
        loaded_at: jiff::Timestamp::now().to_string(),
    })
}

fn duplicate(id: &str, kept: &Path, other: &Path) -> String {
    format!(
        "error: {} and {} both declare `policy {id}`: each policy of the folder needs its own id\n",
        kept.display(),
        other.display()
    )
}

/// Compile every policy under `dir` with one loader whose root is `dir` (libraries, files whose
/// header is `library`, are skipped). Any failure refuses the whole folder: a service never starts
/// with part of its policies. `color` renders the diagnostics for a terminal.
pub fn load(dir: &Path, color: bool) -> Result<Policies, LoadError> {
    let outcomes = compile_folder(dir, color).map_err(LoadError::Io)?;
    let mut failures = String::new();
    let mut by_id: BTreeMap<String, Arc<Loaded>> = BTreeMap::new();
    for o in outcomes {
        match o {
            Outcome::Failed(_, msg) => failures.push_str(&msg),
            Outcome::Compiled(path, program) => {
                let id = program.policy.id.clone();
                if let Some(other) = by_id.get(&id) {
                    failures.push_str(&duplicate(&id, &other.path, &path));
                    continue;
                }
                by_id.insert(id, loaded(path, *program));
            }
        }
    }
    if !failures.is_empty() {
        return Err(LoadError::Policies(failures));
    }
    if by_id.is_empty() {
        return Err(LoadError::Policies(format!(
            "error: no policy under {}: the service needs at least one `.policy` file that is not a library\n",
            dir.display()
        )));
    }
    Ok(Policies {
        by_id,
        failures: Vec::new(),
    })
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
            let same = Policies {
                by_id: prev.by_id.clone(),
                failures,
            };
            return (same, Changes::default());
        }
    };
    // The id each file served, to keep a failing file's last good version.
    let served_from: BTreeMap<&Path, &str> = prev
        .by_id
        .iter()
        .map(|(id, p)| (p.path.as_path(), id.as_str()))
        .collect();
    let mut compiled: Vec<(PathBuf, Box<Program>)> = Vec::new();
    let mut failures = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Compiled(path, program) => compiled.push((path, program)),
            Outcome::Failed(path, error) => {
                let id = served_from.get(path.as_path()).map(|id| id.to_string());
                failures.push(Failure { path, id, error });
            }
        }
    }
    // Of two files with one id, the one that served it keeps it (else the first by path); the
    // other fails. A stale policy's id is taken too: its last good version keeps it.
    let mut taken: BTreeMap<String, PathBuf> = failures
        .iter()
        .filter_map(|f| Some((f.id.clone()?, f.path.clone())))
        .collect();
    compiled.sort_by_key(|(path, program)| {
        let id = program.policy.id.as_str();
        let served_here = served_from.get(path.as_path()) == Some(&id);
        (!served_here, path.clone())
    });
    let mut by_id: BTreeMap<String, Arc<Loaded>> = BTreeMap::new();
    for (path, program) in compiled {
        let id = program.policy.id.clone();
        if let Some(kept) = taken.get(&id) {
            let error = duplicate(&id, kept, &path);
            failures.push(Failure {
                path,
                id: None,
                error,
            });
            continue;
        }
        taken.insert(id.clone(), path.clone());
        let hash = content_hash(&program);
        let p = match prev.by_id.get(&id) {
            Some(old) if old.content_hash == hash && old.path == path => old.clone(),
            _ => loaded(path, *program),
        };
        by_id.insert(id, p);
    }
    // Stale policies keep their last good version.
    for f in &failures {
        if let Some(id) = &f.id {
            if let Some(old) = prev.by_id.get(id) {
                by_id.insert(id.clone(), old.clone());
            }
        }
    }
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
    (Policies { by_id, failures }, changes)
}
