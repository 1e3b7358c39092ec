//! policyc: a compiler and evaluator for drug coverage policies.
//!
//! Pipeline: [`parser`] (pest grammar to a spanned [`ast`]) → [`check`] (type checker, lowering to
//! the versioned [`ir`]) → [`request`] (binding a JSON request to fact slots) → [`eval`] (decision
//! and explanation). Diagnostics are [`diag::Diagnostic`]s rendered through miette.
//!
//! ```
//! let policy = r#"
//! policy example {
//!   title "Example policy" drug "Example drug" effective 2024-01-01
//! }
//! enum Diagnosis open "The condition" { melanoma "Melanoma" }
//! fact diagnosis: Diagnosis "The condition the drug is requested for"
//! fact age: years "The patient's age"
//! indication 1 "Melanoma" {
//!   applies when diagnosis is melanoma
//!   approve for 1 year
//!   criteria: all of { A "Patient is at least 18 years of age": age at least 18 years }
//! }
//! "#;
//! let program = policyc::compile_source(policy).program.expect("the policy has no errors");
//! let request = r#"{"facts": {"diagnosis": "breast_cancer"}}"#;
//! let req = policyc::request::bind(&program, request, None).expect("a valid request");
//! let decision = policyc::eval::evaluate(&program, &req);
//! assert_eq!(decision.decision, policyc::eval::DecisionKind::Deny);
//! ```

#![warn(missing_docs)]

// The stage crates' modules, for tools that need more than the top-level API (the CLI, the
// formatter, the lints). The stable API is the items below: compile, bind, decide, evaluate.
pub use policyc_check::{check, lint};
pub use policyc_eval::{cases, eval, request, schema};
pub use policyc_ir::{dates, ir, units};
pub use policyc_syntax::{ast, diag, fmt, parser, respan};

pub use policyc_check::check::Checked;
pub use policyc_eval::eval::{decide, evaluate, Decision, DecisionKind};
pub use policyc_eval::request::{bind, Request, RequestError};
pub use policyc_ir::ir::Program;
pub use policyc_syntax::diag::Diagnostic;

/// Parse and check a policy's source text: the program if there is no error, and all diagnostics.
/// Imports are resolved relative to the current directory; use [`compile_path`] for a file.
pub fn compile_source(text: &str) -> check::Checked {
    compile_source_in(text, std::path::Path::new("."))
}

/// Read, parse and check a policy file, resolving its imports relative to the file.
pub fn compile_path(path: &std::path::Path) -> std::io::Result<check::Checked> {
    let text = std::fs::read_to_string(path)?;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let shown = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stack = vec![(canonical(path), shown)];
    Ok(compile_in(&text, dir, &mut stack))
}

/// Parse and check a policy's source text, resolving its imports relative to `dir` (the directory
/// the text would be in).
pub fn compile_source_in(text: &str, dir: &std::path::Path) -> check::Checked {
    compile_in(text, dir, &mut Vec::new())
}

fn canonical(p: &std::path::Path) -> std::path::PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn compile_in(
    text: &str,
    dir: &std::path::Path,
    stack: &mut Vec<(std::path::PathBuf, String)>,
) -> check::Checked {
    let file = match parser::parse(text) {
        Ok(f) => f,
        Err(d) => {
            return check::Checked {
                program: None,
                diagnostics: vec![*d],
                spans: Default::default(),
                library: false,
            }
        }
    };
    let imports = file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Import(s) => Some(s.clone()),
            _ => None,
        })
        .map(|s| load_import(&s, dir, stack))
        .collect();
    check::check_with_imports(&file, imports)
}

/// Load one imported library: its items with its own imports merged in, or the problem.
fn load_import(
    s: &ast::Str,
    dir: &std::path::Path,
    stack: &mut Vec<(std::path::PathBuf, String)>,
) -> check::Import {
    use check::ImportProblem;
    let path = dir.join(&s.value);
    let key = canonical(&path);
    let result = (|| {
        if let Some(pos) = stack.iter().position(|(p, _)| *p == key) {
            let mut chain: Vec<String> = stack[pos..]
                .iter()
                .map(|(_, shown)| shown.clone())
                .collect();
            chain.push(s.value.clone());
            return Err(ImportProblem::Cycle(chain));
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| ImportProblem::Missing(e.to_string()))?;
        let lib_dir = path.parent().unwrap_or(std::path::Path::new("."));
        stack.push((key.clone(), s.value.clone()));
        let checked = compile_in(&text, lib_dir, stack);
        stack.pop();
        // A cycle further down is reported once, at this import.
        if let Some(d) = checked
            .diagnostics
            .iter()
            .find(|d| d.code == diag::codes::IMPORT_CYCLE)
        {
            return Err(ImportProblem::CycleBelow(d.message.clone()));
        }
        let errors: Vec<&diag::Diagnostic> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        if !errors.is_empty() {
            return Err(ImportProblem::HasErrors(
                errors.len(),
                errors[0].message.clone(),
            ));
        }
        if !checked.library {
            return Err(ImportProblem::NotALibrary);
        }
        // The library's own imports, merged: parse again (cheap) to collect its items.
        let file = parser::parse(&text).map_err(|d| ImportProblem::HasErrors(1, d.message))?;
        let mut items = Vec::new();
        for it in &file.items {
            if let ast::Item::Import(inner) = it {
                stack.push((key.clone(), s.value.clone()));
                let sub = load_import(inner, lib_dir, stack);
                stack.pop();
                if let Ok(sub_items) = sub.items {
                    items.extend(sub_items);
                }
            } else {
                items.push(it.clone());
            }
        }
        Ok(items)
    })();
    check::Import {
        span: s.span,
        path: s.value.clone(),
        items: result,
    }
}

/// Write a file atomically: to a temporary file beside it, flushed, then renamed over the target,
/// so that a crash mid-write never leaves a truncated file.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.policyc-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
