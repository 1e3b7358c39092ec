//! The hostile-input corpus of `tests/hostile/`, through the real binary: policy texts nested too
//! deep, definitions that use themselves or expand exponentially, lines too long, CR-only line
//! endings, and tampered IR files. Each case asserts the exit code and what the message says, and
//! that nothing crashes (a stack overflow is exit 134, a panic 101).
//!
//! Also: whatever the compiler writes, the reader reads, for every policy under `policies/` and for
//! generated policies at the nesting limit.

use policyc::ir::Program;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn hostile(name: &str) -> PathBuf {
    root().join("tests").join("hostile").join(name)
}

fn policyc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Runs `policyc <cmd> tests/hostile/<file> [extra]` and checks the exit code and that each of
/// `expect` appears in the output.
fn expect(cmd: &str, file: &str, extra: &[&str], code: i32, expect: &[&str]) {
    let path = path_str(&hostile(file));
    let mut args = vec![cmd, path.as_str()];
    args.extend_from_slice(extra);
    let (rc, out) = policyc(&args);
    assert_eq!(rc, code, "policyc {args:?}: exit {rc}, output:\n{out}");
    for e in expect {
        assert!(out.contains(e), "policyc {args:?}: no {e:?} in:\n{out}");
    }
}

/// Every stage that reads policy text: check, compile (to a temporary file) and fmt.
fn refused_everywhere(file: &str, messages: &[&str]) {
    expect("check", file, &[], 1, messages);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = path_str(&dir.path().join("out.json"));
    expect("compile", file, &["-o", out.as_str()], 1, messages);
    assert!(
        !dir.path().join("out.json").exists(),
        "{file}: compile wrote an IR"
    );
    expect("fmt", file, &["--check"], 1, messages);
}

#[test]
fn deep_parentheses_are_refused() {
    refused_everywhere(
        "deep-parentheses.policy",
        &["E0110", "nested more than 64 levels deep"],
    );
}

#[test]
fn thousands_of_nots_are_refused() {
    refused_everywhere(
        "many-nots.policy",
        &["E0110", "nested more than 64 levels deep"],
    );
}

#[test]
fn deeply_nested_groups_are_refused() {
    refused_everywhere(
        "nested-groups.policy",
        &["E0110", "nested more than 64 levels deep"],
    );
}

#[test]
fn long_formula_chains_are_refused() {
    refused_everywhere(
        "long-operator-chain.policy",
        &["E0110", "formulas nested more than 64 levels deep"],
    );
}

#[test]
fn a_definition_that_uses_itself_is_a_cycle() {
    expect(
        "check",
        "define-self.policy",
        &[],
        1,
        &["E0420", "definition `d` uses itself: d → d"],
    );
    expect(
        "check",
        "define-mutual.policy",
        &[],
        1,
        &["E0420", "d1 → d2 → d1"],
    );
    // Through `not` (and `and`) too.
    expect(
        "check",
        "define-self-through-not.policy",
        &[],
        1,
        &["E0420", "definition `d` uses itself: d → d"],
    );
}

#[test]
fn exponential_definitions_and_meets_are_bounded() {
    for file in ["define-exponential.policy", "meets-exponential.policy"] {
        let start = std::time::Instant::now();
        expect(
            "check",
            file,
            &[],
            1,
            &["E0421", "more than 100000 conditions"],
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{file} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn lines_too_long_are_refused_before_rendering() {
    // A comment line, and an error past column 65,535: neither may crash the renderer.
    for file in ["long-line.policy", "long-line-error.policy"] {
        expect(
            "check",
            file,
            &[],
            1,
            &["E0111", "longer than 10000 characters"],
        );
        expect("check", file, &["--error-format", "json"], 1, &["E0111"]);
    }
}

#[test]
fn cr_only_line_endings_end_comments() {
    // The comment before indication 2 does not swallow it: both indications are seen.
    let text = std::fs::read_to_string(hostile("cr-only-comment.policy")).expect("readable");
    assert!(text.contains('\r') && !text.contains('\n'), "CR-only file");
    let checked = policyc::compile_source(&text);
    let program = checked.program.expect("compiles");
    let labels: Vec<&str> = program
        .indications
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(labels, ["1", "2"]);
    // And an error after a comment is reported, on the right line.
    expect(
        "check",
        "cr-only-duplicate.policy",
        &[],
        1,
        &["E0407", "cr-only-duplicate.policy:12:12"],
    );
    // fmt formats it (with LF line endings) and the result is stable and equivalent.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let copy = dir.path().join("p.policy");
    std::fs::write(&copy, &text).expect("write");
    let (rc, out) = policyc(&["fmt", path_str(&copy).as_str()]);
    assert_eq!(rc, 0, "fmt: {out}");
    let formatted = std::fs::read_to_string(&copy).expect("readable");
    assert!(formatted.contains("# the second indication follows\nindication 2"));
    let (rc, out) = policyc(&["fmt", "--check", path_str(&copy).as_str()]);
    assert_eq!(rc, 0, "fmt --check after fmt: {out}");
    let again = policyc::compile_source(&formatted)
        .program
        .expect("formatted text compiles");
    assert_eq!(again.indications.len(), 2);
}

#[test]
fn lf_cr_and_crlf_read_alike() {
    let lf = std::fs::read_to_string(hostile("valid-source.policy")).expect("readable");
    let lf = lf.replace(
        "approve for 1 year",
        "# a comment\n  approve for 1 year # another",
    );
    let want = policyc::compile_source(&lf).program.expect("compiles");
    for ending in ["\r", "\r\n"] {
        let text = lf.replace('\n', ending);
        let got = policyc::compile_source(&text);
        assert_eq!(
            got.program.as_ref(),
            Some(&want),
            "{ending:?}: {:?}",
            got.diagnostics
        );
    }
}

#[test]
fn a_file_over_one_mebibyte_is_refused() {
    let text = format!("# {}\n", "x".repeat(1 << 20));
    let checked = policyc::compile_source(&text);
    assert!(
        checked.diagnostics.iter().any(|d| d.code == "E0112"),
        "{:?}",
        checked.diagnostics
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("big.policy");
    std::fs::write(&path, text).expect("write");
    let (rc, out) = policyc(&["check", path_str(&path).as_str()]);
    // The loader refuses to read it (exit 4, an input that cannot be read), naming the limit.
    assert_eq!(rc, 4, "{out}");
    assert!(out.contains("larger than 1048576 bytes"), "{out}");
}

#[test]
fn tampered_ir_is_refused() {
    let request = path_str(&hostile("request.json"));
    let r = request.as_str();
    expect("eval", "valid.ir.json", &[r], 0, &["APPROVE"]);
    let cases: &[(&str, &str)] = &[
        (
            "zero-duration.ir.json",
            "approval duration 0 is not a whole number from 1 to 100",
        ),
        (
            "source-on-enum-without-codes.ir.json",
            "fact `route` is read from a FHIR source its type cannot take (condition)",
        ),
        (
            "code-for-two-values.ir.json",
            "enumeration `Route`: code snomed 47625008 of `oral` overlaps code snomed 47625008 of `intravenous`",
        ),
        (
            "wrong-operand-type.ir.json",
            "a comparison of fact `start` has a limit of another type",
        ),
        (
            "is-true-on-enum.ir.json",
            "tests fact `route` as a yes/no fact, which it is not",
        ),
        (
            "formula-divides-an-enumeration.ir.json",
            "the formula of fact `dose_per_kg` uses fact `route`, which is not a number, quantity or date",
        ),
        (
            "formula-gives-a-date-for-a-quantity.ir.json",
            "the formula of fact `dose_per_kg` computes a date, but the fact is a number or quantity",
        ),
        (
            "derived-cycle.ir.json",
            "derived fact `weight` depends on itself",
        ),
        (
            "duplicate-key.ir.json",
            "the key `indications` appears twice in one object",
        ),
        (
            "too-deep.ir.json",
            "the IR is nested more than 400 levels deep",
        ),
        (
            "past-depth-limit.ir.json",
            "nested 132 levels deep; at most 128 are allowed",
        ),
    ];
    for (file, message) in cases {
        expect("eval", file, &[r], 1, &["error:", message]);
        let text = std::fs::read_to_string(hostile(file)).expect("readable");
        assert!(Program::from_json(&text).is_err(), "{file} was read");
    }
}

/// Compile, serialize and read back: the same program.
fn round_trip(name: &str, text: &str, dir: &Path) -> Program {
    let checked = policyc::compile_source_in(text, dir);
    let Some(program) = checked.program else {
        panic!("{name} does not compile: {:#?}", checked.diagnostics)
    };
    let json = serde_json::to_string_pretty(&program).expect("the IR serializes");
    match Program::from_json(&json) {
        Ok(back) => {
            assert_eq!(back, program, "{name}: read back differs");
            back
        }
        Err(e) => panic!("{name}: the reader refuses what the compiler wrote: {e}"),
    }
}

#[test]
fn every_shipped_policy_reads_back() {
    let dir = root().join("policies");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("policies/ exists") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "policy") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        round_trip(&path.display().to_string(), &text, &dir);
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} policies");
}

const HEAD: &str = "policy p {\n  title \"A policy\" drug \"A drug\" effective 2024-01-01\n}\nfact a: boolean \"A yes/no fact\"\nfact n: count \"A count\"\n";

fn indication(criteria: &str) -> String {
    format!("indication 1 \"Anything\" {{\n  approve for 1 year\n  criteria: {criteria}\n}}\n")
}

/// `levels` nested groups, each with a guard, around a negated leaf.
fn nested_groups(levels: usize) -> String {
    let mut g = "not a".to_string();
    for k in 0..levels {
        g = format!("none of {{\n X{k} \"Nested\" when not a: {g} }}");
    }
    format!("{HEAD}{}", indication(&g))
}

#[test]
fn policies_at_the_depth_limit_read_back() {
    // The deepest nesting of groups the parser accepts (the indication's braces count one).
    let deepest = (1..=64)
        .rev()
        .find(|&n| policyc::compile_source(&nested_groups(n)).program.is_some())
        .expect("some depth compiles");
    assert!(deepest >= 60, "only {deepest} levels of groups compile");
    round_trip("deepest groups", &nested_groups(deepest), Path::new("."));
    assert!(policyc::compile_source(&nested_groups(deepest + 1))
        .diagnostics
        .iter()
        .any(|d| d.code == "E0110"));
    // The deepest run of `not`s.
    let nots = |n: usize| {
        format!(
            "{HEAD}{}",
            indication(&format!("all of {{ A \"x\": {}a }}", "not ".repeat(n)))
        )
    };
    let deepest = (1..=64)
        .rev()
        .find(|&n| policyc::compile_source(&nots(n)).program.is_some())
        .expect("some depth compiles");
    assert!(deepest >= 60, "only {deepest} `not`s compile");
    round_trip("deepest nots", &nots(deepest), Path::new("."));
    // Definitions of 60 `not`s each, the second using the first, inside groups 20 deep: over the
    // IR's limit once expanded, which the checker reports rather than writing an IR the reader
    // would refuse.
    let def = format!(
        "define deep1() \"Deep\" = {}a\ndefine deep() \"Deeper\" = {}deep1()\n",
        "not ".repeat(60),
        "not ".repeat(60)
    );
    let mut g = "deep()".to_string();
    for k in 0..20 {
        g = format!("all of {{\n X{k} \"Nested\": {g} }}");
    }
    let text = format!("{HEAD}{def}{}", indication(&g));
    let checked = policyc::compile_source(&text);
    assert!(
        checked.diagnostics.iter().any(|d| d.code == "E0421"),
        "{:?}",
        checked.diagnostics
    );
    // Shallower, it compiles and reads back.
    let mut g = "deep()".to_string();
    for k in 0..4 {
        g = format!("all of {{\n X{k} \"Nested\": {g} }}");
    }
    let program = round_trip(
        "expanded definition",
        &format!("{HEAD}{def}{}", indication(&g)),
        Path::new("."),
    );
    let depth = program
        .indications
        .iter()
        .map(policyc::ir::indication_depth)
        .max()
        .unwrap_or(0);
    assert!(depth > 120, "only {depth} levels");
    // The evaluator, in a test thread's stack, at nearly the IR's limit.
    for facts in [r#"{"facts": {"a": true}}"#, r#"{"facts": {}}"#] {
        let request = policyc::bind(&program, facts, None).expect("binds");
        let _ = policyc::evaluate(&program, &request);
    }
}

#[test]
fn too_many_items_are_refused() {
    let facts: String = (0..5001)
        .map(|k| format!("fact f{k}: boolean \"F\"\n"))
        .collect();
    let checked = policyc::compile_source(&format!("{HEAD}{facts}{}", indication("a")));
    assert!(
        checked.diagnostics.iter().any(|d| d.code == "E0112"),
        "{:?}",
        checked.diagnostics
    );
}

#[test]
fn expansions_at_the_size_limit_read_back() {
    // e_k uses e_{k-1} twice: e_15 expands to 65,535 conditions, e_16 to 131,071.
    let defs = |levels: usize| -> String {
        let mut d = "define e0() \"Level 0\" = a\n".to_string();
        for k in 1..=levels {
            d.push_str(&format!(
                "define e{k}() \"Level {k}\" = e{}() and e{}()\n",
                k - 1,
                k - 1
            ));
        }
        d
    };
    let policy = |levels: usize| {
        format!(
            "{HEAD}{}{}",
            defs(levels),
            indication(&format!("all of {{ A \"Uses e{levels}\": e{levels}() }}"))
        )
    };
    round_trip("65,535 conditions", &policy(15), Path::new("."));
    let checked = policyc::compile_source(&policy(16));
    assert!(
        checked.diagnostics.iter().any(|d| d.code == "E0421"),
        "{:?}",
        checked.diagnostics
    );
}

#[test]
fn the_binary_formats_compiles_and_evaluates_at_the_depth_limit() {
    let deepest = (1..=64)
        .rev()
        .find(|&n| policyc::compile_source(&nested_groups(n)).program.is_some())
        .expect("some depth compiles");
    // In a test thread's smaller stack too: format, and evaluate the IR read back.
    let formatted = policyc::fmt::format_source(&nested_groups(deepest)).expect("formats");
    let program = policyc::compile_source(&formatted)
        .program
        .expect("compiles");
    let json = serde_json::to_string(&program).expect("serializes");
    let back = Program::from_json(&json).expect("reads back");
    let request = policyc::bind(&back, r#"{"facts": {"a": true}}"#, None).expect("binds");
    // Neither recursion overflows the stack at this depth.
    let _ = policyc::evaluate(&back, &request);
    let _ = policyc::decide(&back, &request);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = dir.path().join("deep.policy");
    std::fs::write(&source, nested_groups(deepest)).expect("write");
    let src = path_str(&source);
    let (rc, out) = policyc(&["fmt", src.as_str()]);
    assert_eq!(rc, 0, "fmt: {out}");
    let (rc, out) = policyc(&["fmt", "--check", src.as_str()]);
    assert_eq!(rc, 0, "fmt --check: {out}");
    let ir = path_str(&dir.path().join("deep.json"));
    let (rc, out) = policyc(&["compile", src.as_str(), "-o", ir.as_str()]);
    assert_eq!(rc, 0, "compile: {out}");
    let request = dir.path().join("request.json");
    std::fs::write(&request, r#"{"facts": {"a": true}}"#).expect("write");
    let req = path_str(&request);
    let (rc_ir, from_ir) = policyc(&["eval", ir.as_str(), req.as_str()]);
    let (rc_src, from_src) = policyc(&["eval", src.as_str(), req.as_str()]);
    assert!(
        rc_ir == 0 || rc_ir == 1,
        "eval of the IR: exit {rc_ir}: {from_ir}"
    );
    assert_eq!(
        (rc_ir, from_ir),
        (rc_src, from_src),
        "IR and source decide alike"
    );
}

/// Every policy file of the repository that compiles (the formatter's, the linter's and the
/// documentation's inputs as well as `policies/`) reads back from its IR: the compiler never
/// writes what the reader refuses, for any construct the repository uses.
#[test]
fn every_policy_of_the_repository_that_compiles_reads_back() {
    let mut seen = 0;
    for folder in [
        "tests/fmt-inputs",
        "tests/lints",
        "docs/examples",
        "policies/lib",
    ] {
        let dir = root().join(folder);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "policy") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let checked = policyc::compile_source_in(&text, &dir);
            let Some(program) = checked.program else {
                continue;
            };
            let json = serde_json::to_string(&program).expect("the IR serializes");
            match Program::from_json(&json) {
                Ok(back) => assert_eq!(back, program, "{}: read back differs", path.display()),
                Err(e) => panic!(
                    "{}: the reader refuses what the compiler wrote: {e}",
                    path.display()
                ),
            }
            seen += 1;
        }
    }
    assert!(seen >= 12, "only {seen} policies compiled");
}
