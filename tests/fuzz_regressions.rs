//! Every input kept under `fuzz/regressions/` (crashes and hangs the fuzz targets were written to
//! find) goes through the stages its target exercises, on stable Rust: each must end with a clear
//! error or a program that the IR reader reads back, never a crash or a hang.

use std::path::Path;

/// What must hold for one `parse_check` input: errors carry codes; a program reads back equal.
fn parse_check(name: &str, text: &str) {
    let dir = tempfile::tempdir().expect("an empty folder for imports");
    let checked = policyc::compile_source_in(text, dir.path());
    match &checked.program {
        Some(program) => {
            let json = serde_json::to_string(program).expect("the IR serializes");
            let back = policyc::ir::Program::from_json(&json).unwrap_or_else(|e| {
                panic!("{name}: the compiler wrote IR its reader refuses: {e}")
            });
            assert_eq!(&back, program, "{name}: the IR does not read back equal");
        }
        None => {
            assert!(
                checked.library || checked.diagnostics.iter().any(|d| d.is_error()),
                "{name}: no program and no error"
            );
        }
    }
    // Formatting must not crash either, and be idempotent when it succeeds.
    if let Ok(formatted) = policyc::fmt::format_source(text) {
        let again = policyc::fmt::format_source(&formatted).expect("formatted text formats");
        assert_eq!(again, formatted, "{name}: formatting is not idempotent");
    }
}

#[test]
fn every_kept_fuzz_input_ends_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut seen = 0;
    for target in std::fs::read_dir(&root).expect("fuzz/regressions") {
        let target = target.expect("an entry").path();
        let target_name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for file in std::fs::read_dir(&target).expect("a target folder") {
            let file = file.expect("an entry").path();
            let bytes = std::fs::read(&file).expect("a regression file");
            let text = String::from_utf8_lossy(&bytes);
            let name = file.display().to_string();
            match target_name.as_str() {
                "parse_check" | "fmt_roundtrip" => parse_check(&name, &text),
                other => panic!("{name}: no replay for fuzz target `{other}`; add one here"),
            }
            seen += 1;
        }
    }
    assert!(seen >= 5, "the kept inputs were not found ({seen})");
}

#[test]
fn the_deep_inputs_are_refused_with_the_depth_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/parse_check");
    for name in [
        "stack-overflow-3000-nested-parens",
        "stack-overflow-1500-nots",
    ] {
        let text = std::fs::read_to_string(root.join(name)).expect("the file");
        let checked = policyc::compile_source(&text);
        assert!(checked.program.is_none(), "{name}");
        assert!(
            checked.diagnostics.iter().any(|d| d.code == "E0110"),
            "{name}: {:?}",
            checked
                .diagnostics
                .iter()
                .map(|d| &d.code)
                .collect::<Vec<_>>()
        );
    }
}
