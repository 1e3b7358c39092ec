//! policyc: a compiler and evaluator for drug coverage policies.
//!
//! Pipeline: [`parser`] (pest grammar to a spanned [`ast`]) → [`check`] (type checker, lowering to
//! the versioned [`ir`]) → [`request`] (binding a JSON request to fact slots) → [`eval`] (decision
//! and explanation). Diagnostics are [`diag::Diagnostic`]s rendered through miette.
//!
//! ```
//! let src = std::fs::read_to_string("policies/proleukin.policy").unwrap();
//! let compiled = policyc::compile_source(&src);
//! let program = compiled.program.expect("the policy has no errors");
//! let req = policyc::request::bind(&program, r#"{"facts": {"diagnosis": "breast_cancer"}}"#, None).unwrap();
//! let decision = policyc::eval::evaluate(&program, &req);
//! assert_eq!(decision.decision, policyc::eval::DecisionKind::Deny);
//! ```

pub mod ast;
pub mod cases;
pub mod check;
pub mod diag;
pub mod eval;
pub mod ir;
pub mod lint;
pub mod parser;
pub mod request;
pub mod schema;
pub mod units;

/// Parse and check a policy's source text: the program if there is no error, and all diagnostics.
pub fn compile_source(text: &str) -> check::Checked {
    match parser::parse(text) {
        Ok(file) => check::check(&file),
        Err(d) => check::Checked {
            program: None,
            diagnostics: vec![*d],
            spans: Default::default(),
        },
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
