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
pub use policyc_check::{allow, check, lint};
pub use policyc_eval::{cases, decision_schema, error_code, error_schema, eval, request, schema};
pub use policyc_ir::{dates, ir, units};
pub use policyc_syntax::{ast, diag, fmt, parser, respan};

pub use policyc_check::check::Checked;
pub use policyc_eval::error_code::ErrorCode;
pub use policyc_eval::eval::{decide, evaluate, Decision, DecisionKind};
pub use policyc_eval::request::{bind, Request, RequestError};
pub use policyc_ir::ir::Program;
pub use policyc_syntax::diag::Diagnostic;

pub mod diff;
pub mod load;
pub mod render;
pub mod versions;

/// Parse and check a policy's source text: the program if there is no error, and all diagnostics.
/// Imports are resolved relative to the current directory, which is also the folder they must
/// stay in; use [`compile_path`] for a file, or a [`load::Loader`] for many.
pub fn compile_source(text: &str) -> check::Checked {
    compile_source_in(text, std::path::Path::new("."))
}

/// Read, parse and check a policy file, resolving its imports relative to the file (and keeping
/// them inside the file's folder). See [`load`] for the rules.
pub fn compile_path(path: &std::path::Path) -> Result<check::Checked, load::ReadError> {
    load::Loader::default().compile_path(path)
}

/// Parse and check a policy's source text, resolving its imports relative to `dir` (the directory
/// the text would be in, and the folder imports must stay in).
pub fn compile_source_in(text: &str, dir: &std::path::Path) -> check::Checked {
    load::Loader::default().compile_source_in(text, dir)
}

/// The coverage of a policy's test cases (`<policy>.cases.yaml` beside `policy`), for the lint of
/// indications no case exercises: `None` when the policy has no cases file, or one that cannot be
/// read or parsed (`policyc test` reports those).
pub fn cases_coverage(policy: &std::path::Path, program: &Program) -> Option<cases::Coverage> {
    let text = load::read_text(
        &policy.with_extension("cases.yaml"),
        load::MAX_SOURCE_BYTES,
        false,
    )
    .ok()?;
    let cases = cases::parse_cases(&text).ok()?;
    let mut coverage = cases::Coverage::new(program);
    cases::run(program, &cases, &mut coverage);
    Some(coverage)
}

/// Write a file safely, and atomically where the file allows it.
///
/// - A regular file (or a new one) is written to a temporary file created exclusively, with an
///   unpredictable name, in the same folder, flushed to disk, given the target's permissions (a
///   read-only file stays read-only), then renamed over the target: a crash mid-write never leaves
///   a truncated file, and a link planted in the folder cannot redirect the write.
/// - A symbolic link is written through: its target is replaced, the link stays.
/// - A regular file with several hard links is rewritten in place, so that every link sees the new
///   content (this write is not atomic).
/// - A device or FIFO (`/dev/null`, `/dev/stdout`) is written directly, never replaced; a folder
///   is refused.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    let permissions = match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => {
            return Err(std::io::Error::other("it is a folder"));
        }
        Ok(m) if !m.is_file() || several_links(&m) => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(m.is_file())
                .open(&target)?;
            f.write_all(bytes)?;
            if m.is_file() {
                f.sync_all()?;
            }
            return Ok(());
        }
        Ok(m) => Some(m.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".policyc-");
    #[cfg(unix)]
    if permissions.is_none() {
        // A new file gets the usual mode, less the umask, as if it had been created directly.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if let Some(p) = permissions {
        tmp.as_file().set_permissions(p)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn several_links(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() > 1
}

#[cfg(not(unix))]
fn several_links(_: &std::fs::Metadata) -> bool {
    false
}
