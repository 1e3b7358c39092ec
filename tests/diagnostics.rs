//! The broken-policy corpus: every file in `tests/broken/` is a small policy with a realistic
//! analyst mistake, named after the diagnostic code it must produce (`E0211-unknown-fact.policy`).
//! Each file must fail to compile with that code among its errors, every diagnostic must carry help
//! and a primary label inside the file, and the plain rendering is snapshotted so that a change in
//! wording or in where a diagnostic points is seen in review.

use policyc::diag::{render_plain, Diagnostic, Source};
use std::path::{Path, PathBuf};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn broken_dir() -> PathBuf {
    Path::new(MANIFEST_DIR).join("tests").join("broken")
}

fn read(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

/// The code a corpus file is named after (`E0211` for `E0211-unknown-fact.policy`), if any.
fn expected_code(file_name: &str) -> Option<&str> {
    let code = file_name.split('-').next()?;
    let is_code =
        code.len() == 5 && code.starts_with('E') && code[1..].chars().all(|c| c.is_ascii_digit());
    is_code.then_some(code)
}

/// Checks every diagnostic is usable: non-empty message, help and label, and a primary span (and
/// secondary spans) that lie inside the file on character boundaries.
fn assert_well_formed(name: &str, text: &str, diags: &[Diagnostic]) {
    for d in diags {
        let what = format!("{name}: {} {:?}", d.code, d.message);
        assert!(!d.message.trim().is_empty(), "{what}: empty message");
        let help = d.help.as_deref().unwrap_or("");
        assert!(!help.trim().is_empty(), "{what}: no help");
        assert!(
            !d.primary.message.trim().is_empty(),
            "{what}: the primary label has no text"
        );
        for (kind, label) in std::iter::once(("primary", &d.primary))
            .chain(d.secondary.iter().map(|l| ("secondary", l)))
        {
            let span = label.span;
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{what}: {kind} label {:?} at {}..{} is outside the file ({} bytes)",
                label.message,
                span.start,
                span.end,
                text.len()
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{what}: {kind} label {:?} at {}..{} splits a character",
                label.message,
                span.start,
                span.end
            );
        }
    }
}

/// Compiles one corpus file, checks it, and snapshots its plain rendering.
fn check_broken(path: &Path) {
    let text = read(path);
    let name = match path.strip_prefix(broken_dir()) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => panic!("{} is not under tests/broken", path.display()),
    };
    let checked = policyc::compile_path(path).expect("corpus file is readable");
    let diags = &checked.diagnostics;
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    let codes: Vec<&str> = errors.iter().map(|d| d.code).collect();

    assert!(!errors.is_empty(), "{name}: compiled without any error");
    assert!(
        checked.program.is_none(),
        "{name}: has errors, but a program was produced"
    );
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(code) = expected_code(&file_name) {
        assert!(
            codes.contains(&code),
            "{name}: expected error {code}, got {codes:?}"
        );
    } else {
        assert_eq!(
            file_name, "three-errors.policy",
            "a corpus file must be named <CODE>-<description>.policy"
        );
    }
    assert_well_formed(&name, &text, diags);

    let rendered = render_plain(diags, &Source::new(name.as_str(), text.as_str()));
    insta::assert_snapshot!(rendered);
}

#[test]
fn broken_policies_report_their_error() {
    insta::glob!("broken/*.policy", check_broken);
}

/// `tests/broken/syntax/`: files with several syntax errors each; one run reports every one (at
/// least two), each pointing where it is, an unclosed delimiter where it was opened.
fn check_several_syntax_errors(path: &Path) {
    let text = read(path);
    let name = match path.strip_prefix(broken_dir()) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => panic!("{} is not under tests/broken", path.display()),
    };
    let checked = policyc::compile_path(path).expect("corpus file is readable");
    let diags = &checked.diagnostics;
    assert!(
        diags.len() >= 2,
        "{name}: one run reports several syntax errors: {diags:#?}"
    );
    assert!(
        diags.iter().all(|d| d.code == "E0100" && d.is_error()),
        "{name}: {diags:#?}"
    );
    assert_well_formed(&name, &text, diags);
    let rendered = render_plain(diags, &Source::new(name.as_str(), text.as_str()));
    insta::assert_snapshot!(rendered);
}

#[test]
fn several_syntax_errors_in_one_run() {
    insta::glob!("broken/syntax/*.policy", check_several_syntax_errors);
}

#[test]
fn corpus_covers_the_error_codes() {
    let mut covered = Vec::new();
    for entry in std::fs::read_dir(broken_dir()).expect("tests/broken exists") {
        let entry = entry.expect("a readable directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(code) = expected_code(&name) {
            covered.push(code.to_string());
        }
    }
    covered.sort();
    let before = covered.len();
    covered.dedup();
    assert_eq!(before, covered.len(), "one file per code: {covered:?}");
    // Every error code the checker defines (in `policyc-syntax`'s `diag::codes`, each a
    // `pub const NAME: &str = "E…";` after its doc comment) has its corpus file, except the retired
    // ones, whose doc comment starts with "Retired".
    let source = read(&Path::new(MANIFEST_DIR).join("crates/policyc-syntax/src/diag.rs"));
    let mut defined = Vec::new();
    let mut doc = String::new();
    for line in source.lines().map(str::trim) {
        if let Some(d) = line.strip_prefix("///") {
            if doc.is_empty() {
                doc = d.trim().to_string();
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("pub const ") {
            if let Some(code) = rest
                .split('"')
                .nth(1)
                .filter(|c| expected_code(&format!("{c}-")).is_some())
            {
                if !doc.starts_with("Retired") {
                    defined.push(code.to_string());
                }
            }
        }
        doc.clear();
    }
    assert!(
        defined.len() >= 40,
        "codes not found in diag.rs: {defined:?}"
    );
    let uncovered: Vec<&String> = defined.iter().filter(|c| !covered.contains(c)).collect();
    assert!(
        uncovered.is_empty(),
        "error codes without a file in tests/broken/: {uncovered:?}"
    );
}

#[test]
fn all_errors_of_a_file_are_reported_in_one_run() {
    let path = broken_dir().join("three-errors.policy");
    let text = read(&path);
    let checked = policyc::compile_source_in(&text, std::path::Path::new("policies"));
    let mut codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(codes.len(), 3, "expected exactly 3 errors, got {codes:?}");
    codes.sort_unstable();
    assert_eq!(codes, ["E0211", "E0301", "E0400"]);
}

#[test]
fn shipped_policies_compile_cleanly() {
    let dir = Path::new(MANIFEST_DIR).join("policies");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("policies/ exists") {
        let path = entry.expect("a readable directory entry").path();
        if path.extension() != Some(std::ffi::OsStr::new("policy")) {
            continue;
        }
        seen += 1;
        let text = read(&path);
        let checked = policyc::compile_source_in(&text, std::path::Path::new("policies"));
        let name = path.display().to_string();
        let rendered = render_plain(
            &checked.diagnostics,
            &Source::new(name.as_str(), text.as_str()),
        );
        assert!(
            checked.diagnostics.is_empty(),
            "{name} has diagnostics:\n{rendered}"
        );
        assert!(checked.program.is_some(), "{name} produced no program");
    }
    assert!(seen > 0, "no policies/*.policy found");
}
