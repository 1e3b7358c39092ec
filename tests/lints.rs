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
