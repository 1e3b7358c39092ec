//! The documentation shows the tool as it is: every `$ …` block of README.md and
//! docs/analyst-guide.md is run through the real binary and its output compared with the block,
//! and every example file the guide shows is the file in `docs/examples/`.
//!
//! In a block whose first line starts with `$ `, that line is a shell command (with `policyc` on
//! the `PATH`) and the rest is its output, standard output and standard error together. `…` marks
//! output the document shortens: it matches any text, across lines. Trailing spaces are ignored.
//! README commands run at the repository's root, the guide's in `docs/examples/`.
//!
//! A block preceded by `<!-- file: NAME -->` is the whole of `docs/examples/NAME`; one preceded by
//! `<!-- excerpt: NAME -->` is a part of it, line for line.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fenced block of a Markdown document: its first line's number, the marker comment before it
/// (if any) and its text.
struct Block {
    line: usize,
    marker: Option<String>,
    text: String,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = doc.lines().enumerate();
    let mut previous: Option<&str> = None;
    while let Some((n, line)) = lines.next() {
        if line.starts_with("```") {
            let marker = previous
                .map(str::trim)
                .and_then(|p| p.strip_prefix("<!--"))
                .and_then(|p| p.strip_suffix("-->"))
                .map(|m| m.trim().to_string());
            let mut text = String::new();
            let mut closed = false;
            for (_, body) in lines.by_ref() {
                if body.starts_with("```") {
                    closed = true;
                    break;
                }
                text.push_str(body);
                text.push('\n');
            }
            assert!(closed, "the block at line {} is not closed", n + 1);
            out.push(Block {
                line: n + 1,
                marker,
                text,
            });
            previous = None;
        } else if !line.trim().is_empty() {
            previous = Some(line);
        }
    }
    out
}

fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_string()
}

/// Whether `actual` is `expected`, each `…` of `expected` (with the spaces around it) standing for
/// any text.
fn matches(expected: &str, actual: &str) -> bool {
    let pieces: Vec<&str> = expected.split('…').collect();
    if pieces.len() == 1 {
        return expected == actual;
    }
    let n = pieces.len();
    let pieces: Vec<&str> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| match (i == 0, i == n - 1) {
            (true, _) => p.trim_end_matches(' '),
            (_, true) => p.trim_start_matches(' '),
            _ => p.trim_matches(' '),
        })
        .collect();
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !actual.starts_with(first) || !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

fn run(command: &str, dir: &Path) -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_policyc"));
    let bin_dir = bin.parent().expect("the binary is in a folder");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{{ {command}\n}} 2>&1"))
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).expect("a valid PATH"))
        .env_remove("NO_COLOR")
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs every command block of `doc` in `dir`; returns how many were run.
fn check_commands(doc: &str, dir: &Path) -> usize {
    let text = std::fs::read_to_string(root().join(doc)).expect("the document exists");
    let mut ran = 0;
    let mut failures = Vec::new();
    for block in blocks(&text) {
        let Some(command) = block.text.lines().next().and_then(|l| l.strip_prefix("$ ")) else {
            assert!(
                !block.text.lines().any(|l| l.starts_with("$ ")),
                "{doc}:{}: a `$` command must be the block's first line",
                block.line
            );
            continue;
        };
        let expected: String = block
            .text
            .lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            !expected.lines().any(|l| l.starts_with("$ ")),
            "{doc}:{}: one command per block",
            block.line
        );
        let actual = run(command, dir);
        ran += 1;
        if !matches(&normalise(&expected), &normalise(&actual)) {
            failures.push(format!(
                "{doc}:{}: `{command}` printed\n{actual}\n--- where the document shows\n{expected}",
                block.line
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n=====\n"));
    ran
}

#[test]
fn readme_commands_print_what_the_readme_shows() {
    assert!(check_commands("README.md", &root()) >= 7);
}

#[test]
fn analyst_guide_commands_print_what_the_guide_shows() {
    assert!(check_commands("docs/analyst-guide.md", &root().join("docs/examples")) >= 6);
}

#[test]
fn the_guides_example_files_are_the_files_in_docs_examples() {
    let guide = std::fs::read_to_string(root().join("docs/analyst-guide.md")).expect("the guide");
    let mut seen = 0;
    for block in blocks(&guide) {
        let Some(marker) = block.marker else { continue };
        let (whole, name) = if let Some(name) = marker.strip_prefix("file:") {
            (true, name.trim())
        } else if let Some(name) = marker.strip_prefix("excerpt:") {
            (false, name.trim())
        } else {
            continue;
        };
        let file = std::fs::read_to_string(root().join("docs/examples").join(name))
            .unwrap_or_else(|e| panic!("docs/examples/{name}: {e}"));
        if whole {
            assert_eq!(
                block.text, file,
                "the guide's `{name}` (line {}) differs",
                block.line
            );
        } else {
            assert!(
                file.contains(&block.text),
                "the guide's excerpt of `{name}` (line {}) is not in the file",
                block.line
            );
        }
        seen += 1;
    }
    assert!(seen >= 3, "the guide marks its example files");
}

/// The guide recommends `fmt --check`; its finished example passes it.
#[test]
fn the_guides_finished_example_is_formatted() {
    let bin = env!("CARGO_BIN_EXE_policyc");
    let out = Command::new(bin)
        .args(["fmt", "--check", "demo.policy"])
        .current_dir(root().join("docs/examples"))
        .output()
        .expect("policyc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_wildcard_matches_only_what_it_should() {
    assert!(matches("a\n…\nd", "a\nb\nc\nd"));
    assert!(matches("x { … } y", "x { 1, 2 } y"));
    assert!(!matches("a\n…\nd", "a\nb\nc\ne"));
    assert!(!matches("a\nb", "a\nc"));
    assert!(!matches("a…b…c", "acb"));
}
