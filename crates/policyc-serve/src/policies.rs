//! Loading every policy of a folder at start, each compiled once, with its IR's content hash.

use policyc::diag::{render, Source};
use policyc::ir::{Node, NodeBody, Program};
use policyc::load::{read_text, Loader, MAX_SOURCE_BYTES};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A compiled policy, as the service decides with it.
#[derive(Debug)]
pub struct Loaded {
    /// Its position among the loaded policies (by id), for the metrics.
    pub index: usize,
    /// The policy's file.
    pub path: PathBuf,
    /// The compiled program.
    pub program: Program,
    /// SHA-256 of the program's serialized IR (the JSON of `policyc compile`, compact), in hex.
    pub content_hash: String,
}

/// Every policy of the folder, by id.
#[derive(Debug, Default)]
pub struct Policies {
    /// The policies, by their `policy <id>` header.
    pub by_id: BTreeMap<String, Arc<Loaded>>,
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

/// Compile every policy under `dir` with one loader whose root is `dir` (libraries, files whose
/// header is `library`, are skipped). Any failure refuses the whole folder: a service never starts
/// with part of its policies. `color` renders the diagnostics for a terminal.
pub fn load(dir: &Path, color: bool) -> Result<Policies, LoadError> {
    let files = policyc::load::policy_files(dir)
        .map_err(|e| LoadError::Io(format!("cannot read the folder {}: {e}", dir.display())))?;
    let mut loader = Loader::new(vec![dir.to_path_buf()]);
    let mut failures = String::new();
    let mut found: BTreeMap<String, (PathBuf, Program)> = BTreeMap::new();
    for f in files {
        let text = match read_text(&f, MAX_SOURCE_BYTES, false) {
            Ok(t) => t,
            Err(e) => {
                failures.push_str(&format!("error: cannot read {}: {e}\n", f.display()));
                continue;
            }
        };
        let checked = loader.compile_file(&f, &text);
        let errors = checked.diagnostics.iter().any(|d| d.is_error());
        if errors {
            let source = Source::new(f.display().to_string(), text.as_str());
            failures.push_str(&render(&checked.diagnostics, &source, color));
            failures.push_str(&format!("error: {} does not compile\n", f.display()));
            continue;
        }
        if checked.library {
            continue;
        }
        let Some(program) = checked.program else {
            failures.push_str(&format!("error: {} does not compile\n", f.display()));
            continue;
        };
        let id = program.policy.id.clone();
        if let Some((other, _)) = found.get(&id) {
            failures.push_str(&format!(
                "error: {} and {} both declare `policy {id}`: each policy of the folder needs its own id\n",
                other.display(),
                f.display()
            ));
            continue;
        }
        found.insert(id, (f, program));
    }
    if !failures.is_empty() {
        return Err(LoadError::Policies(failures));
    }
    if found.is_empty() {
        return Err(LoadError::Policies(format!(
            "error: no policy under {}: the service needs at least one `.policy` file that is not a library\n",
            dir.display()
        )));
    }
    let by_id = found
        .into_iter()
        .enumerate()
        .map(|(index, (id, (path, program)))| {
            let content_hash = content_hash(&program);
            let loaded = Loaded {
                index,
                path,
                program,
                content_hash,
            };
            (id, Arc::new(loaded))
        })
        .collect();
    Ok(Policies { by_id })
}
