//! Rules of the house that a reviewer would otherwise check by hand (see ARCHITECTURE.md).
//!
//! - No Rust source file is longer than 800 lines unless its opening comment says why, in a
//!   paragraph that starts "Longer than 800 lines on purpose:". A long file is usually two
//!   modules; where it is one on purpose, the reason is written where the next reader looks.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;
const REASON: &str = "Longer than 800 lines on purpose:";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            // Build output, dependencies and generated fuzzing folders are not the project's source.
            if !matches!(
                name.as_ref(),
                "target" | "node_modules" | "corpus" | "artifacts"
            ) {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Whether the file's opening comment (its first `//!` lines) states the reason.
fn states_reason(text: &str) -> bool {
    text.lines()
        .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .any(|l| l.contains(REASON))
}

#[test]
fn no_source_file_is_over_800_lines_without_its_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["crates", "src", "tests", "benches", "fuzz", "fhir-r4"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "only {} Rust files found", files.len());
    let mut long = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let lines = text.lines().count();
        if lines > MAX_LINES && !states_reason(&text) {
            long.push(format!(
                "{} ({lines} lines)",
                f.strip_prefix(root).unwrap_or(f).display()
            ));
        }
    }
    assert!(
        long.is_empty(),
        "these files are longer than {MAX_LINES} lines and do not say why:\n  {}\n\
         Split each into modules, or add to its opening `//!` comment a paragraph starting \
         \"{REASON}\" that gives the reason.",
        long.join("\n  ")
    );
}

#[test]
fn the_reason_must_be_in_the_opening_comment() {
    assert!(states_reason(&format!(
        "//! A module.\n//!\n//! {REASON} x.\n\nfn f() {{}}\n"
    )));
    // The phrase further down (in a test, a string) does not count.
    assert!(!states_reason(&format!(
        "//! A module.\n\nconst S: &str = \"{REASON}\";\n"
    )));
    assert!(!states_reason(&format!("use x;\n//! {REASON}\n")));
}
