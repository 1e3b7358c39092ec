//! The IR of `policies/proleukin.policy`: a snapshot of its JSON form, and a round trip through
//! [`Program::from_json`] that must give an equal program with the same decisions on the corpus.

use policyc::ir::Program;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn program() -> Program {
    let path = root().join("policies/proleukin.policy");
    let src = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let checked = policyc::compile_source_in(&src, std::path::Path::new("policies"));
    match checked.program {
        Some(p) => p,
        None => panic!(
            "policies/proleukin.policy does not compile: {:#?}",
            checked.diagnostics
        ),
    }
}

/// The corpus and the README examples.
fn requests() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for d in ["tests/requests/proleukin", "policies/examples/proleukin"] {
        let dir = root().join(d);
        files.extend(
            std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
                .map(|e| e.expect("a directory entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "json")),
        );
    }
    files.sort();
    files
}

/// The whole IR of the Proleukin policy. The product's IU = mg equivalence gives an alternate
/// dimension only to amounts of the drug (`dose`, `dose_per_kg`, `dose_per_m2`, `dose_per_lesion`),
/// never to the patient's body weight.
#[test]
fn proleukin_ir_snapshot() {
    let json = serde_json::to_string_pretty(&program()).expect("the IR serializes");
    insta::assert_snapshot!("proleukin", json);
}

#[test]
fn proleukin_ir_round_trips() {
    let compiled = program();
    let json = serde_json::to_string_pretty(&compiled).expect("the IR serializes");
    let loaded = Program::from_json(&json).expect("the IR reads back");
    assert_eq!(
        loaded, compiled,
        "the IR read back differs from the compiled program"
    );
    let again = serde_json::to_string_pretty(&loaded).expect("the IR serializes");
    assert_eq!(again, json, "the IR read back serializes differently");

    // The compact form reads back to the same program too.
    let compact = serde_json::to_string(&compiled).expect("the IR serializes");
    assert_eq!(
        Program::from_json(&compact).expect("the compact IR reads back"),
        compiled
    );

    let files = requests();
    assert!(files.len() >= 30, "only {} requests", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let bind = |p: &Program| {
            policyc::request::bind(p, &text, None).unwrap_or_else(|errs| {
                panic!("{}: the request does not bind: {errs:#?}", path.display())
            })
        };
        let (a, b) = (bind(&compiled), bind(&loaded));
        let da = policyc::eval::evaluate(&compiled, &a);
        let db = policyc::eval::evaluate(&loaded, &b);
        assert_eq!(
            serde_json::to_string_pretty(&da).expect("a decision serializes"),
            serde_json::to_string_pretty(&db).expect("a decision serializes"),
            "{}: the compiled and the loaded program decide differently",
            path.display()
        );
        assert_eq!(
            policyc::eval::decide(&compiled, &a),
            policyc::eval::decide(&loaded, &b),
            "{}: the fast paths disagree",
            path.display()
        );
    }
}

/// A field this policyc does not know (from a newer writer) is refused, not silently dropped.
#[test]
fn unknown_ir_fields_are_refused() {
    let json = serde_json::to_string(&program()).expect("the IR serializes");
    let tampered = json.replacen("\"guard\":", "\"unless\":null,\"guard\":", 1);
    assert_ne!(tampered, json);
    let err = policyc::ir::Program::from_json(&tampered).expect_err("an unknown field is refused");
    assert!(err.contains("unless"), "{err}");
    let (now, next) = (policyc::ir::FORMAT_VERSION, policyc::ir::FORMAT_VERSION + 1);
    let newer = json.replacen(
        &format!("\"format_version\":{now}"),
        &format!("\"format_version\":{next}"),
        1,
    );
    assert_ne!(newer, json);
    let err = policyc::ir::Program::from_json(&newer).expect_err("a newer version is refused");
    assert!(err.contains(&format!("version {next}")), "{err}");
}

/// The compiled fixture of the cases runner's unit tests (policyc-eval cannot compile policies
/// itself) is what its policy compiles to today: a change to the compiler or the IR that would
/// leave the fixture stale fails here, naming the command that renews it.
#[test]
fn the_cases_runner_fixture_is_its_policy_compiled() {
    let dir = Path::new("crates/policyc-eval/src/cases/testdata");
    let src = std::fs::read_to_string(dir.join("fast-path.policy")).expect("the fixture's policy");
    let ir = std::fs::read_to_string(dir.join("fast-path.ir.json")).expect("the fixture's IR");
    let compiled = policyc::compile_source(&src)
        .program
        .expect("the fixture's policy compiles");
    let fixture = Program::from_json(&ir).expect("the fixture reads");
    assert!(
        compiled == fixture,
        "{} is stale: run `policyc compile {} -o {}`",
        dir.join("fast-path.ir.json").display(),
        dir.join("fast-path.policy").display(),
        dir.join("fast-path.ir.json").display()
    );
}
