//! Imports: the libraries a file imports, merged ahead of its own items (their spans moved to the
//! `import` statement), and the problems of loading them reported as diagnostics.

use super::{check_merged, Checked};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};

/// An `import` of a policy file: the library it names, loaded, or why it could not be.
pub struct Import {
    /// The `import` statement in the importing file.
    pub span: Span,
    /// The path as written in the `import` statement (relative to the importing file).
    pub path: String,
    /// The library's items (its own imports already merged in), or the problem loading it.
    pub items: Result<Vec<Item>, ImportProblem>,
}

/// Why an imported library could not be loaded; each is reported as an error at its `import`.
pub enum ImportProblem {
    /// The file could not be read; the reason (as the operating system gives it).
    Missing(String),
    /// The import leads back to a file already being imported: the chain of paths, in order.
    Cycle(Vec<String>),
    /// A circle found further down the chain of imports, already described.
    CycleBelow(String),
    /// The file is a policy (it has a `policy` header), not a `library`.
    NotALibrary,
    /// The library has errors of its own: how many (they are shown by checking it on its own).
    HasErrors(usize),
    /// The file may not be imported: why, and how to fix it.
    Refused {
        /// What is wrong with the file or the path.
        why: String,
        /// How to fix it.
        help: String,
    },
}

/// Check a parsed file whose imports have been loaded, and lower it to IR.
pub fn check_with_imports(file: &File, imports: Vec<Import>) -> Checked {
    let mut problems = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    for imp in imports {
        match imp.items {
            Ok(lib) => {
                for mut it in lib {
                    if matches!(it, Item::Library(_) | Item::Import(_)) {
                        continue;
                    }
                    policyc_syntax::respan::item(&mut it, imp.span);
                    items.push(it);
                }
            }
            Err(p) => problems.push(import_problem(&imp.path, imp.span, p)),
        }
    }
    let n_imported = items.len();
    items.extend(
        file.items
            .iter()
            .filter(|i| !matches!(i, Item::Import(_)))
            .cloned(),
    );
    let merged = File { items };
    let mut checked = check_merged(&merged, n_imported);
    if !problems.is_empty() {
        // Names the failed library would have declared are reported unknown: say so.
        for d in &mut checked.diagnostics {
            if matches!(
                d.code,
                codes::UNKNOWN_FACT
                    | codes::UNKNOWN_TYPE
                    | codes::UNKNOWN_DEFINE
                    | codes::UNKNOWN_ENUM_VALUE
            ) {
                let help = d.help.take().unwrap_or_default();
                d.help = Some(format!("{help} (an import of this file failed; the name may be declared in that library)"));
            }
        }
    }
    checked.diagnostics.extend(problems);
    checked
        .diagnostics
        .sort_by_key(|d| (d.primary.span.start, d.code));
    if checked.diagnostics.iter().any(|d| d.is_error()) {
        checked.program = None;
    }
    checked
}

fn import_problem(path: &str, span: Span, p: ImportProblem) -> Diagnostic {
    match p {
        ImportProblem::Missing(why) => Diagnostic::error(codes::IMPORT, format!("cannot import `{path}`: {why}"), span, "no such library")
            .with_help("the path is relative to the importing file; check its spelling and that the library exists"),
        ImportProblem::Cycle(chain) => Diagnostic::error(codes::IMPORT_CYCLE, format!("imports form a circle: {}", chain.join(" → ")), span, "this import leads back to the importing file")
            .with_help("move the shared declarations into one library that both files import"),
        ImportProblem::CycleBelow(message) => Diagnostic::error(codes::IMPORT_CYCLE, message, span, "this import leads into a circle of imports")
            .with_help("move the shared declarations into one library that both files import"),
        ImportProblem::NotALibrary => Diagnostic::error(codes::IMPORT, format!("`{path}` is a policy, not a library: only libraries can be imported"), span, "not a library")
            .with_help("move the shared enumerations, facts and definitions into a file that starts with `library name \"description\"`"),
        ImportProblem::HasErrors(n) => Diagnostic::error(codes::IMPORT, format!("library `{path}` has {n} error{}", if n == 1 { "" } else { "s" }), span, "library with errors")
            .with_help(format!("run `policyc check {path}` to see them")),
        ImportProblem::Refused { why, help } => Diagnostic::error(codes::IMPORT, format!("cannot import `{path}`: {why}"), span, "import refused")
            .with_help(help),
    }
}
