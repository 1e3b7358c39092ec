//! Loading policy files and their imports, so that a file cannot be turned against its reader.
//!
//! Rules (the README's "Imports and files" section states them for analysts):
//! - an `import` names a file relative to the importing file; absolute paths are refused;
//! - the file it names, after every `..` and symbolic link is resolved, must be inside one of the
//!   loader's roots (the folder given on the command line, the policy's own folder by default, and
//!   any extra root the caller allows);
//! - only regular files are read, at most [`MAX_SOURCE_BYTES`] of them;
//! - a chain of imports is at most [`MAX_IMPORT_DEPTH`] libraries deep, and circles are errors;
//! - each library is read, parsed and checked once per [`Loader`] and the loaders forked from it
//!   ([`Loader::fork`], one per thread of a run; cached by canonical path), so a diamond of imports (two libraries importing the same third) declares its names once, and the
//!   cost of a chain of libraries is linear in their number;
//! - an error about another file names the file and what is wrong with it, never its content.

use crate::check::{self, Amended, Checked, Import, ImportProblem};
use policyc_syntax::{ast, diag, parser};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The largest policy, library, cases or request file read, in bytes (1 MiB). The largest policy
/// of this repository is about 30 KB. The parser's own limit, so a file read is one it will parse.
pub const MAX_SOURCE_BYTES: u64 = policyc_syntax::limits::MAX_SOURCE_BYTES as u64;

/// The largest compiled IR file read, in bytes (16 MiB).
pub const MAX_IR_BYTES: u64 = 16 << 20;

/// How many libraries deep a chain of imports may go.
pub const MAX_IMPORT_DEPTH: usize = 16;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The operating system's error (no such file, permission denied, …).
    Io(String),
    /// The path names a directory, a device, a FIFO or a socket.
    NotAFile,
    /// The file is larger than the limit (in bytes).
    TooLarge(u64),
    /// The file is not UTF-8 text.
    NotText,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotAFile => write!(f, "it is not a regular file"),
            ReadError::TooLarge(max) => write!(f, "it is larger than {max} bytes"),
            ReadError::NotText => write!(f, "it is not UTF-8 text"),
        }
    }
}

/// Read a text file of at most `max` bytes. Anything but a regular file is refused unless
/// `any_kind` is set (for files the user names on the command line, which may be pipes such as
/// `<(…)`); the size is capped either way, so `/dev/zero` ends in an error, not in exhausted memory.
pub fn read_text(path: &Path, max: u64, any_kind: bool) -> Result<String, ReadError> {
    // Look before opening: opening a FIFO for reading would wait for a writer.
    if !any_kind {
        let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
        if !meta.is_file() {
            return Err(ReadError::NotAFile);
        }
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(e.to_string()))?;
    if meta.is_dir() || (!any_kind && !meta.is_file()) {
        return Err(ReadError::NotAFile);
    }
    if meta.is_file() && meta.len() > max {
        return Err(ReadError::TooLarge(max));
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText)
}

/// Why an import failed, as kept in the cache (each importing site turns it into its diagnostic).
#[derive(Debug, Clone)]
enum Failure {
    Absolute,
    Missing(String),
    Outside,
    Unreadable(ReadError),
    TooDeep,
    Cycle(Vec<String>),
    CycleBelow(String),
    NotALibrary,
    /// A version amends a library (the opposite mistake); reported as the wrong kind of file.
    IsALibrary,
    HasErrors(usize),
}

impl Failure {
    fn problem(&self) -> ImportProblem {
        match self {
            Failure::Absolute => ImportProblem::Refused {
                why: "the path is absolute".into(),
                help: "write the path relative to the importing file, e.g. `import \"lib/common.policy\"`".into(),
            },
            Failure::Missing(why) => ImportProblem::Missing(why.clone()),
            Failure::Outside => ImportProblem::Refused {
                why: "the file is outside the policy folder".into(),
                help: "keep libraries inside the folder of the policies (the folder given on the command line, or the policy's own folder); `..` and symbolic links may not lead out of it".into(),
            },
            Failure::Unreadable(e) => ImportProblem::Refused {
                why: e.to_string(),
                help: format!("a library is a policy-language text file of at most {MAX_SOURCE_BYTES} bytes"),
            },
            Failure::TooDeep => ImportProblem::Refused {
                why: format!("the chain of imports is more than {MAX_IMPORT_DEPTH} libraries deep"),
                help: "import the libraries that declare the names directly, instead of through a long chain".into(),
            },
            Failure::Cycle(chain) => ImportProblem::Cycle(chain.clone()),
            Failure::CycleBelow(m) => ImportProblem::CycleBelow(m.clone()),
            Failure::NotALibrary | Failure::IsALibrary => ImportProblem::NotALibrary,
            Failure::HasErrors(n) => ImportProblem::HasErrors(*n),
        }
    }
}

/// A library, loaded and checked: its own declarations, and the libraries it imports (their
/// canonical paths, transitively, in import order, itself last).
struct Library {
    /// Canonical path → the library's own items (imports removed), for itself and every library
    /// it imports, each once, dependencies first.
    closure: Vec<(PathBuf, Arc<Vec<ast::Item>>)>,
}

/// An earlier version of a policy, loaded for a later one that amends it.
struct Version {
    /// Its items with the versions it amends merged in, imports removed (their spans are still
    /// in its own file's coordinates, or at its `amends` line for what it inherits).
    items: Arc<Vec<ast::Item>>,
    /// The imports of it and of the versions it amends: the path as written and the folder it is
    /// relative to.
    imports: Vec<(String, PathBuf)>,
}

/// One `import` resolved as `check` resolves it, for editors (hover and go to definition on an
/// `import`): where it leads and what it brings in.
pub struct ResolvedImport {
    /// The file the import names (canonical), when the path is relative and leads to something
    /// inside the allowed folders; `None` otherwise (the problem in `libraries` says why).
    pub path: Option<PathBuf>,
    /// The libraries the import brings in, each once, by canonical path with its own items
    /// (imports removed): those it imports first, itself last. Or why it cannot be imported.
    pub libraries: Result<Vec<(PathBuf, Vec<ast::Item>)>, ImportProblem>,
}

/// Loads and checks policy files and their imports, each library once.
///
/// One loader serves a whole run (every file of `policyc check policies/`), so a library shared by
/// a thousand policies is parsed and checked once.
pub struct Loader {
    roots: Vec<PathBuf>,
    /// What has been loaded, shared with the loaders forked from this one (and it from).
    shared: Arc<Shared>,
    /// How many loads (of libraries or earlier versions) this loader is inside.
    loading: usize,
    /// The libraries being loaded, outermost first: canonical path and the name as written.
    stack: Vec<(PathBuf, String)>,
    /// The versions being loaded, the file being compiled first: canonical path and name.
    version_stack: Vec<(PathBuf, String)>,
}

/// What the loaders of a run share.
#[derive(Default)]
struct Shared {
    cache: Mutex<Cache>,
    /// Held by the loader that loads what is not cached yet (with what it imports), so that the
    /// others wait for it and find it loaded, instead of loading it too.
    loading: Mutex<()>,
}

/// The libraries and earlier versions loaded, by canonical path.
#[derive(Default)]
struct Cache {
    libraries: HashMap<PathBuf, Result<Arc<Library>, Failure>>,
    /// Earlier versions loaded for the versions that amend them.
    versions: HashMap<PathBuf, Result<Arc<Version>, Failure>>,
}

impl Default for Loader {
    fn default() -> Self {
        Loader::new(Vec::new())
    }
}

impl Loader {
    /// A loader whose imports must stay inside one of `roots`. With no root, each policy's own
    /// folder is its root.
    pub fn new(roots: Vec<PathBuf>) -> Loader {
        let roots = roots
            .into_iter()
            .map(|r| std::fs::canonicalize(&r).unwrap_or(r))
            .collect();
        Loader {
            roots,
            shared: Arc::default(),
            loading: 0,
            stack: Vec::new(),
            version_stack: Vec::new(),
        }
    }

    /// A loader over the same roots that shares this one's libraries and earlier versions, for
    /// another thread of the same run: each is loaded once, by the first loader that needs it (a
    /// library shared by a thousand policies is parsed and checked once however many threads
    /// check them).
    pub fn fork(&self) -> Loader {
        Loader {
            roots: self.roots.clone(),
            shared: Arc::clone(&self.shared),
            loading: 0,
            stack: Vec::new(),
            version_stack: Vec::new(),
        }
    }

    /// The shared cache. A thread that panicked while holding a lock left what it guards whole
    /// (every insertion is one call), so a poisoned lock is taken as it is.
    fn cache(&self) -> MutexGuard<'_, Cache> {
        self.shared.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `load` (which loads what is not cached and caches it), one loader of the run at a
    /// time: the outermost load waits for any other loader's, then looks in the cache again
    /// (`cached`) before loading; the loads it makes in turn are inside it.
    fn one_at_a_time<T>(
        &mut self,
        cached: impl Fn(&Cache) -> Option<T>,
        load: impl FnOnce(&mut Loader) -> T,
    ) -> T {
        let shared = Arc::clone(&self.shared);
        let _turn =
            (self.loading == 0).then(|| shared.loading.lock().unwrap_or_else(|e| e.into_inner()));
        if _turn.is_some() {
            if let Some(done) = cached(&self.cache()) {
                return done;
            }
        }
        self.loading += 1;
        let result = load(self);
        self.loading -= 1;
        result
    }

    /// The folders imports must stay inside (canonical paths). A run that checks files in parallel
    /// gives each thread a loader of its own over the same roots (a loader's cache is its
    /// thread's).
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Allow imports from one more folder.
    pub fn allow_root(&mut self, root: &Path) {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
    }

    /// Whether `path` (after resolving `..` and links) is inside one of the roots.
    pub fn allows(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|k| self.roots.iter().any(|r| k.starts_with(r)))
    }

    /// Read, parse and check a policy file, resolving its imports relative to it. The file itself
    /// may be of any kind the user can name (a pipe included); its size is capped.
    pub fn compile_path(&mut self, path: &Path) -> Result<Checked, ReadError> {
        let text = read_text(path, MAX_SOURCE_BYTES, true)?;
        Ok(self.compile_file(path, &text))
    }

    /// Parse and check `text`, already read from the policy file `path`, resolving its imports
    /// relative to the file. With no root configured, the file's folder is the root.
    pub fn compile_file(&mut self, path: &Path, text: &str) -> Checked {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let shown = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let implicit_root = self.roots.is_empty();
        if implicit_root {
            self.roots.push(canonical(dir));
        }
        self.stack.push((canonical(path), shown.clone()));
        self.version_stack.push((canonical(path), shown));
        let checked = self.compile_text(text, dir);
        self.stack.clear();
        self.version_stack.clear();
        if implicit_root {
            self.roots.clear();
        }
        checked
    }

    /// Parse and check a policy's text as if it were in `dir`. With no root configured, `dir` is
    /// the root.
    pub fn compile_source_in(&mut self, text: &str, dir: &Path) -> Checked {
        let implicit_root = self.roots.is_empty();
        if implicit_root {
            self.roots.push(canonical(dir));
        }
        let checked = self.compile_text(text, dir);
        self.stack.clear();
        self.version_stack.clear();
        if implicit_root {
            self.roots.clear();
        }
        checked
    }

    /// Where the import `written` in a file of the folder `dir` leads (canonical path), by the
    /// rules of an import: relative, and inside the roots. With no root configured, `dir` is the
    /// root. Nothing is read.
    pub fn locate_import(&self, written: &str, dir: &Path) -> Result<PathBuf, ImportProblem> {
        let implicit = [canonical(dir)];
        let roots = if self.roots.is_empty() {
            &implicit[..]
        } else {
            &self.roots[..]
        };
        locate(roots, written, dir).map_err(|f| f.problem())
    }

    /// Resolve the import `written` in a file of the folder `dir` as `check` resolves it: the
    /// same rules, the same loading and checking of the library, the same problems. `importer` is
    /// the importing file, if it is one on disk (an import leading back to it is a circle). With no
    /// root configured, `dir` is the root.
    pub fn resolve_import(
        &mut self,
        written: &str,
        dir: &Path,
        importer: Option<&Path>,
    ) -> ResolvedImport {
        let implicit_root = self.roots.is_empty();
        if implicit_root {
            self.roots.push(canonical(dir));
        }
        if let Some(p) = importer {
            let shown = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.stack.push((canonical(p), shown));
        }
        let path = self.locate(written, dir).ok();
        let libraries = self
            .load(written, dir)
            .map(|lib| {
                lib.closure
                    .iter()
                    .map(|(p, items)| (p.clone(), items.to_vec()))
                    .collect()
            })
            .map_err(|f| f.problem());
        self.stack.clear();
        if implicit_root {
            self.roots.clear();
        }
        ResolvedImport { path, libraries }
    }

    fn compile_text(&mut self, text: &str, dir: &Path) -> Checked {
        let file = match parser::parse_all(text) {
            Ok(f) => f,
            Err(diagnostics) => {
                return Checked {
                    program: None,
                    diagnostics,
                    spans: Default::default(),
                    library: false,
                }
            }
        };
        let (imports, amended, _) = self.resolve(&file, dir);
        check::check_version(file, imports, amended)
    }

    /// The file's imports and the earlier version it amends, loaded; and the imports of the
    /// whole chain of versions (as written, with their folders), for a version that amends it.
    fn resolve(
        &mut self,
        file: &ast::File,
        dir: &Path,
    ) -> (Vec<Import>, Option<Amended>, Vec<(String, PathBuf)>) {
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut imports = self.imports_of(file, dir, &mut seen);
        let mut chain: Vec<(String, PathBuf)> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Import(s) => Some((s.value.clone(), dir.to_path_buf())),
                _ => None,
            })
            .collect();
        let Some((written, span)) = check::amends_entry(&file.items) else {
            return (imports, None, chain);
        };
        let amended = match self.load_version(&written, dir) {
            Ok(v) => {
                for (w, d) in &v.imports {
                    let items = self.load(w, d).map(|lib| {
                        let mut items = Vec::new();
                        for (path, own) in &lib.closure {
                            if seen.insert(path.clone()) {
                                items.extend(own.iter().cloned());
                            }
                        }
                        items
                    });
                    imports.push(Import {
                        span,
                        path: w.clone(),
                        items: items.map_err(|f| f.problem()),
                    });
                }
                chain.extend(v.imports.iter().cloned());
                Amended {
                    span,
                    path: written,
                    items: Ok(v.items.to_vec()),
                }
            }
            Err(f) => Amended {
                span,
                path: written,
                items: Err(f.problem()),
            },
        };
        (imports, Some(amended), chain)
    }

    /// The file `written` (as an `import` or `amends` entry writes it) names relative to `dir`, by
    /// its canonical path: never an absolute path, and only inside the allowed folders.
    fn locate(&self, written: &str, dir: &Path) -> Result<PathBuf, Failure> {
        locate(&self.roots, written, dir)
    }

    /// Load the earlier version `written` (as the `amends` entry writes it) relative to `dir`.
    fn load_version(&mut self, written: &str, dir: &Path) -> Result<Arc<Version>, Failure> {
        let key = self.locate(written, dir)?;
        if let Some(cycle) = cycle(&self.version_stack, &key, written) {
            return Err(cycle);
        }
        if let Some(done) = self.cache().versions.get(&key).cloned() {
            return done;
        }
        if self.version_stack.len() > MAX_IMPORT_DEPTH {
            return Err(Failure::TooDeep);
        }
        let cached = |c: &Cache| c.versions.get(&key).cloned();
        self.one_at_a_time(cached, |this| {
            this.version_stack.push((key.clone(), written.to_string()));
            let result = this.load_version_uncached(&key);
            this.version_stack.pop();
            if !matches!(result, Err(Failure::Cycle(_))) {
                this.cache().versions.insert(key.clone(), result.clone());
            }
            result
        })
    }

    fn load_version_uncached(&mut self, key: &Path) -> Result<Arc<Version>, Failure> {
        let text = read_text(key, MAX_SOURCE_BYTES, false).map_err(Failure::Unreadable)?;
        let dir = key.parent().unwrap_or(Path::new("."));
        let file = parser::parse(&text).map_err(|_| Failure::HasErrors(1))?;
        if file
            .items
            .iter()
            .any(|i| matches!(i, ast::Item::Library(_)))
        {
            return Err(Failure::IsALibrary);
        }
        let (imports, amended, chain) = self.resolve(&file, dir);
        // A circle further down is reported once, at the top.
        match &amended {
            Some(Amended {
                items: Err(ImportProblem::Cycle(chain)),
                ..
            }) => {
                let m = format!(
                    "versions amend each other in a circle: {}",
                    chain.join(" → ")
                );
                return Err(Failure::CycleBelow(m));
            }
            Some(Amended {
                items: Err(ImportProblem::CycleBelow(m)),
                ..
            }) => return Err(Failure::CycleBelow(m.clone())),
            _ => {}
        }
        let own: Vec<ast::Item> = file
            .items
            .iter()
            .filter(|i| !matches!(i, ast::Item::Import(_)))
            .cloned()
            .collect();
        let base = amended.as_ref().map(|a| match &a.items {
            Ok(items) => Ok((items.clone(), a.span)),
            Err(_) => Err(()),
        });
        let checked = check::check_version(file, imports, amended);
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        if errors > 0 {
            return Err(Failure::HasErrors(errors));
        }
        let items = match base {
            Some(Ok((base, span))) => check::merge_version(own, base, span).0,
            _ => own,
        };
        Ok(Arc::new(Version {
            items: Arc::new(items),
            imports: chain,
        }))
    }

    /// The file's imports, loaded, with each library's declarations given once (at the first
    /// import that brings it in).
    fn imports_of(
        &mut self,
        file: &ast::File,
        dir: &Path,
        seen: &mut HashSet<PathBuf>,
    ) -> Vec<Import> {
        let mut out = Vec::new();
        for item in &file.items {
            let ast::Item::Import(s) = item else { continue };
            let items = self.load(&s.value, dir).map(|lib| {
                let mut items = Vec::new();
                for (path, own) in &lib.closure {
                    if seen.insert(path.clone()) {
                        items.extend(own.iter().cloned());
                    }
                }
                items
            });
            out.push(Import {
                span: s.span,
                path: s.value.clone(),
                items: items.map_err(|f| f.problem()),
            });
        }
        out
    }

    /// Load the library `written` (as the import writes it) relative to `dir`.
    fn load(&mut self, written: &str, dir: &Path) -> Result<Arc<Library>, Failure> {
        let key = self.locate(written, dir)?;
        if let Some(cycle) = cycle(&self.stack, &key, written) {
            return Err(cycle);
        }
        if let Some(done) = self.cache().libraries.get(&key).cloned() {
            return done;
        }
        if self.stack.len() > MAX_IMPORT_DEPTH {
            return Err(Failure::TooDeep);
        }
        let cached = |c: &Cache| c.libraries.get(&key).cloned();
        self.one_at_a_time(cached, |this| {
            this.stack.push((key.clone(), written.to_string()));
            let result = this.load_uncached(&key);
            this.stack.pop();
            // A circle depends on the chain that led here; everything else is a property of the
            // file.
            if !matches!(result, Err(Failure::Cycle(_))) {
                this.cache().libraries.insert(key.clone(), result.clone());
            }
            result
        })
    }

    fn load_uncached(&mut self, key: &Path) -> Result<Arc<Library>, Failure> {
        let text = read_text(key, MAX_SOURCE_BYTES, false).map_err(Failure::Unreadable)?;
        let lib_dir = key.parent().unwrap_or(Path::new("."));
        let file = match parser::parse(&text) {
            Ok(f) => f,
            Err(_) => return Err(Failure::HasErrors(1)),
        };
        // The library's own imports, loaded (and cached) first.
        let mut closure: Vec<(PathBuf, Arc<Vec<ast::Item>>)> = Vec::new();
        let mut imports = Vec::new();
        let mut seen: HashSet<PathBuf> = HashSet::new();
        for item in &file.items {
            let ast::Item::Import(s) = item else { continue };
            let loaded = self.load(&s.value, lib_dir);
            // Too deep anywhere below is too deep here: say so at the top, not as "has errors".
            if matches!(loaded, Err(Failure::TooDeep)) {
                return Err(Failure::TooDeep);
            }
            let items = match &loaded {
                Ok(lib) => {
                    let mut items = Vec::new();
                    for (path, own) in &lib.closure {
                        if seen.insert(path.clone()) {
                            items.extend(own.iter().cloned());
                            closure.push((path.clone(), own.clone()));
                        }
                    }
                    Ok(items)
                }
                Err(f) => Err(f.problem()),
            };
            imports.push(Import {
                span: s.span,
                path: s.value.clone(),
                items,
            });
        }
        let checked = check::check_with_imports(&file, imports);
        // A circle further down is reported once, at this import.
        if let Some(d) = checked
            .diagnostics
            .iter()
            .find(|d| d.code == diag::codes::IMPORT_CYCLE)
        {
            return Err(Failure::CycleBelow(d.message.clone()));
        }
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        if errors > 0 {
            return Err(Failure::HasErrors(errors));
        }
        if !checked.library {
            return Err(Failure::NotALibrary);
        }
        let own: Vec<ast::Item> = file
            .items
            .into_iter()
            .filter(|i| !matches!(i, ast::Item::Import(_)))
            .collect();
        closure.push((key.to_path_buf(), Arc::new(own)));
        Ok(Arc::new(Library { closure }))
    }
}

/// The `.policy` files under `dir`, recursively, in sorted order. Symbolic links to folders are not
/// followed, so a link loop cannot make the walk endless.
pub fn policy_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
            .collect();
        entries.sort();
        for (p, is_dir) in entries {
            if is_dir {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|e| e == "policy") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    Ok(out)
}

/// The file `written` names relative to `dir`, by its canonical path, if it is inside one of
/// `roots`: the one rule of where an `import` or `amends` entry may lead.
fn locate(roots: &[PathBuf], written: &str, dir: &Path) -> Result<PathBuf, Failure> {
    if Path::new(written).is_absolute() {
        return Err(Failure::Absolute);
    }
    let key =
        std::fs::canonicalize(dir.join(written)).map_err(|e| Failure::Missing(e.to_string()))?;
    if !roots.iter().any(|r| key.starts_with(r)) {
        return Err(Failure::Outside);
    }
    Ok(key)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The circle `key` would close on the chain of files being loaded (`stack`: each with the name it
/// was written as), if it is on it: the names from where it first appears, then `written`.
fn cycle(stack: &[(PathBuf, String)], key: &Path, written: &str) -> Option<Failure> {
    let pos = stack.iter().position(|(p, _)| p == key)?;
    let mut chain: Vec<String> = stack[pos..]
        .iter()
        .map(|(_, shown)| shown.clone())
        .collect();
    chain.push(written.to_string());
    Some(Failure::Cycle(chain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[ast::Item]) -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Fact(f) => Some(f.name.name.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_import_resolves_as_check_resolves_it() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let d = dir.path();
        let write = |name: &str, text: &str| std::fs::write(d.join(name), text).expect("written");
        write(
            "a.policy",
            "library a\nimport \"b.policy\"\nfact x: mg \"X\"\n",
        );
        write("b.policy", "library b\nfact y: kg \"Y\"\n");
        write("bad.policy", "library bad\nfact z: mgg \"Z\"\n");
        write("back.policy", "library back\nimport \"doc.policy\"\n");
        write("doc.policy", "import \"a.policy\"\n");
        let doc = d.join("doc.policy");
        let mut loader = Loader::default();

        // The library and what it imports, dependencies first, each by canonical path.
        let r = loader.resolve_import("a.policy", d, Some(&doc));
        assert_eq!(r.path, Some(canonical(&d.join("a.policy"))));
        let Ok(libs) = r.libraries else {
            panic!("a.policy is a library without errors");
        };
        let got: Vec<(PathBuf, Vec<String>)> = libs
            .iter()
            .map(|(p, items)| (p.clone(), names(items)))
            .collect();
        assert_eq!(
            got,
            vec![
                (canonical(&d.join("b.policy")), vec!["y".to_string()]),
                (canonical(&d.join("a.policy")), vec!["x".to_string()]),
            ]
        );
        // A library with errors is found but not imported; a missing one is neither.
        let r = loader.resolve_import("bad.policy", d, Some(&doc));
        assert!(r.path.is_some());
        assert!(matches!(r.libraries, Err(ImportProblem::HasErrors(1))));
        let r = loader.resolve_import("none.policy", d, Some(&doc));
        assert!(r.path.is_none());
        assert!(matches!(r.libraries, Err(ImportProblem::Missing(_))));
        // Back to the importing file: a circle (found in the library, so reported below it).
        let r = loader.resolve_import("back.policy", d, Some(&doc));
        let Err(ImportProblem::CycleBelow(m)) = &r.libraries else {
            panic!("a circle through doc.policy");
        };
        assert!(m.contains("doc.policy → back.policy → doc.policy"), "{m}");
        // The rules of where an import may lead, without reading it.
        assert!(loader.locate_import("a.policy", d).is_ok());
        let absolute = d.join("a.policy");
        let absolute = absolute.to_str().expect("a UTF-8 path");
        assert!(matches!(
            loader.locate_import(absolute, d),
            Err(ImportProblem::Refused { .. })
        ));
        let sub = d.join("sub");
        std::fs::create_dir(&sub).expect("a folder");
        assert!(matches!(
            Loader::new(vec![sub.clone()]).locate_import("../a.policy", &sub),
            Err(ImportProblem::Refused { .. })
        ));
    }
}
