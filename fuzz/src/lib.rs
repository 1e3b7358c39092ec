//! What the fuzz targets share: the compiled Proleukin policy, a folder with no files for policies
//! whose imports must find nothing, a few fixed requests, and the checks every target makes.

use policyc::diag::{render_plain, to_github_line, to_json_line, Source};
use policyc::{Checked, Program, Request};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The repository's root (the fuzz package is `fuzz/` inside it).
pub fn repo() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        here.parent().unwrap_or(here).to_path_buf()
    })
}

/// `policies/proleukin.policy` and its library, compiled once through the real loader.
pub fn proleukin() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let path = repo().join("policies/proleukin.policy");
        let checked = match policyc::compile_path(&path) {
            Ok(c) => c,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        match checked.program {
            Some(p) => p,
            None => panic!("{} does not compile", path.display()),
        }
    })
}

/// A folder with no files in it, the folder fuzzed policies are compiled in: every import they
/// write names a file that does not exist, or one outside the folder, and so reads nothing.
pub fn empty_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/empty-root");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("cannot create {}: {e}", dir.display());
        }
        dir
    })
}

/// Compile a policy's text in [`empty_dir`].
pub fn compile(text: &str) -> Checked {
    policyc::compile_source_in(text, empty_dir())
}

/// A few fixed requests: empty ones, which bind against any program, and some of the Proleukin
/// requests under tests/requests/, which bind against Proleukin and its mutants.
pub fn sample_requests() -> &'static [String] {
    static REQUESTS: OnceLock<Vec<String>> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        let mut out = vec![
            "{}".to_string(),
            r#"{"facts": {}}"#.to_string(),
            r#"{"as_of": "2026-01-15", "facts": {}}"#.to_string(),
        ];
        for name in [
            "1A-approve-all-criteria-met.json",
            "1A-i-age-17.json",
            "1B-approve-intralesional.json",
            "1-route-subcutaneous-melanoma.json",
        ] {
            let path = repo().join("tests/requests/proleukin").join(name);
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
        out
    })
}

/// Decide and evaluate a bound request: neither panics, and both reach the same decision.
pub fn decide_and_evaluate(program: &Program, request: &Request) {
    let outcome = policyc::decide(program, request);
    let decision = policyc::evaluate(program, request);
    assert_eq!(
        outcome.kind, decision.decision,
        "decide and evaluate disagree"
    );
    let _ = serde_json::to_string(&decision);
}

/// Bind a request's text and, if it binds, decide and evaluate it.
pub fn bind_and_evaluate(program: &Program, text: &str, as_of: Option<&str>) {
    if let Ok(request) = policyc::bind(program, text, as_of) {
        decide_and_evaluate(program, &request);
    }
}

/// The checks on a compiled policy: every label's span is inside the text, the renderers do not
/// panic, there is a program exactly when there is no error and the text is not a library, and the
/// program's IR reads back.
pub fn check_compiled(text: &str, checked: &Checked) {
    let source = Source::new("fuzz.policy", text);
    for d in &checked.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let s = label.span;
            assert!(
                s.start <= s.end && s.end <= text.len(),
                "{} {:?}: label at {}..{} is outside the {}-byte text",
                d.code,
                d.message,
                s.start,
                s.end,
                text.len()
            );
        }
        let _ = to_json_line(d, &source);
        let _ = to_github_line(d, &source);
    }
    let _ = render_plain(&checked.diagnostics, &source);
    let has_error = checked.diagnostics.iter().any(|d| d.is_error());
    match &checked.program {
        // A library compiles to no program, and is not an error.
        None => assert!(
            has_error || checked.library,
            "no program, but no error either"
        ),
        Some(program) => {
            assert!(!has_error, "a program despite errors");
            assert!(!checked.library, "a program for a library");
            let json = serde_json::to_string(program).expect("the IR serializes");
            match Program::from_json(&json) {
                Ok(reread) => assert!(reread == *program, "the IR does not read back the same"),
                Err(e) => panic!("the IR does not read back: {e}"),
            }
        }
    }
}
