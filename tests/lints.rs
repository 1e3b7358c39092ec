//! One policy per lint under `tests/lints/`, named by its code: each raises its own warning, with a
//! labelled location and help, and `--strict` makes it an error.

use policyc::diag::{render_plain, Source};
use std::path::Path;

fn lint_file(path: &Path) {
    let name = path
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    let code = &name[..5];
    let text = std::fs::read_to_string(path).expect("lint example");
    let checked = policyc::compile_path(path).expect("readable");
    assert!(
        checked.diagnostics.is_empty(),
        "{name} compiles cleanly: {:?}",
        checked.diagnostics
    );
    let program = checked.program.expect("a program");
    let lints = policyc::lint::lint(&program, &checked.spans, None);
    let lints = policyc::allow::apply(&text, lints, true).kept;
    assert!(
        lints.iter().any(|d| d.code == code),
        "{name} raises {code}: {lints:#?}"
    );
    for d in &lints {
        assert!(!d.is_error(), "lints are warnings");
        assert!(d.help.is_some(), "{} has help", d.code);
        assert!(
            d.primary.span.end <= text.len() && d.primary.span.end > 0,
            "{} has a location",
            d.code
        );
    }
    let mine: Vec<_> = lints.into_iter().filter(|d| d.code == code).collect();
    insta::assert_snapshot!(render_plain(
        &mine,
        &Source::new(name.as_str(), text.as_str())
    ));
}

#[test]
fn each_lint_has_an_example() {
    insta::glob!("lints/*.policy", lint_file);
}

#[test]
fn strict_makes_lints_errors() {
    let bin = env!("CARGO_BIN_EXE_policyc");
    let file = "tests/lints/W0105-label-gap.policy";
    let run = |strict: bool| {
        let mut c = std::process::Command::new(bin);
        c.arg("check").current_dir(env!("CARGO_MANIFEST_DIR"));
        if strict {
            c.arg("--strict");
        }
        c.arg(file).output().expect("policyc runs")
    };
    let lenient = run(false);
    let strict = run(true);
    assert_eq!(lenient.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&lenient.stderr).contains("warning"));
    assert_eq!(strict.status.code(), Some(1));
}

/// An allow with its reason keeps its lint out of `check` (and `--strict`), which shows the
/// allowed warning and the reason as a note; once the problem is gone, the allow is a warning.
#[test]
fn an_allow_with_its_reason_keeps_one_lint_out_and_says_why() {
    let bin = env!("CARGO_BIN_EXE_policyc");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lints/W0105-label-gap.policy"),
    )
    .expect("the example");
    let allowed = original
        .replace(
            "    C \"Not elderly\"",
            "    # allow W0105: the document letters these A and C; B was removed in the 2024 revision\n    C \"Not elderly\"",
        )
        .replace(
            "indication 1 \"Melanoma\" {",
            "indication 1 \"Melanoma\" { # allow W0106: an example, tested by the lints corpus",
        );
    assert_ne!(allowed, original);
    let file = dir.path().join("allowed.policy");
    let run = |text: &str, strict: bool| {
        std::fs::write(&file, text).expect("write");
        let mut c = std::process::Command::new(bin);
        c.arg("check");
        if strict {
            c.arg("--strict");
        }
        let out = c.arg(&file).output().expect("policyc runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for strict in [false, true] {
        let (code, stderr) = run(&allowed, strict);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            !stderr.contains("W0105 ") || stderr.contains("note: W0105 allowed"),
            "{stderr}"
        );
        assert!(
            stderr.contains("note: W0105 allowed at ") && stderr.contains(
                "reason: the document letters these A and C; B was removed in the 2024 revision"
            ),
            "{stderr}"
        );
        assert!(
            stderr.contains(": ok\n") && !stderr.contains("warning"),
            "{stderr}"
        );
    }
    // B is back: the allow allows nothing, and says so.
    let fixed = allowed.replace(
        "    C \"Not elderly\"",
        "    B \"Not a minor\": age at least 18 years\n    C \"Not elderly\"",
    );
    let (code, stderr) = run(&fixed, false);
    assert_eq!(code, Some(0));
    assert!(stderr.contains("W0108"), "{stderr}");
    assert!(stderr.contains("allows nothing"), "{stderr}");
    let (code, _) = run(&fixed, true);
    assert_eq!(code, Some(1), "--strict makes it an error");
}
