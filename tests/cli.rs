//! The `policyc` command line, run as a real process: what it prints on standard output and
//! standard error, and its exit code, for `check`, `compile` and `eval`.
//!
//! Commands run from the crate root with relative paths, so that outputs name files as a user would
//! type them; anything under a temporary directory is replaced by `<tmp>` before snapshotting.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const POLICY: &str = "policies/proleukin.policy";
const THREE_ERRORS: &str = "tests/broken/three-errors.policy";

/// A finished run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Stable text for a snapshot: exit code, then both streams, with temporary paths replaced.
    fn snapshot(&self, tmp: Option<&TempDir>) -> String {
        let norm = |s: &str| match tmp {
            Some(t) => s.replace(&t.path.display().to_string(), "<tmp>"),
            None => s.to_string(),
        };
        format!(
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            norm(&self.stdout),
            norm(&self.stderr)
        )
    }
}

fn policyc(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_policyc"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the policyc binary starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input)
            .expect("the request is written to stdin");
        // Dropping the pipe closes it, so that policyc sees the end of its input.
    }
    let out = child
        .wait_with_output()
        .expect("policyc runs to completion");
    Run {
        code: out
            .status
            .code()
            .expect("policyc exits (is not killed by a signal)"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// A fresh directory under the system temporary directory, removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "policyc-cli-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("a temporary directory can be created");
        TempDir { path }
    }

    fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn input(name: &str) -> String {
    format!("tests/cli-inputs/{name}")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("the temporary path is UTF-8")
}

// ------------------------------------------------------------------ check

#[test]
fn check_a_good_policy() {
    let run = policyc(&["check", POLICY], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn check_a_broken_policy_human() {
    let run = policyc(&["check", "--error-format", "human", THREE_ERRORS], None);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "diagnostics go to stderr: {run:?}");
    for code in ["E0211", "E0301", "E0400"] {
        assert!(run.stderr.contains(code), "{code} missing: {run:?}");
    }
    assert!(!run.stderr.contains('\u{1b}'), "no colour when piped");
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn check_a_broken_policy_json() {
    let run = policyc(&["check", "--error-format", "json", THREE_ERRORS], None);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON diagnostic"))
        .collect();
    let codes: Vec<&str> = lines.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["E0400", "E0211", "E0301"], "{run:?}");
    for d in &lines {
        assert_eq!(d["file"], THREE_ERRORS);
        assert_eq!(d["severity"], "error");
        assert!(d["line"].as_u64().is_some_and(|l| l > 0), "{d}");
        assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "{d}");
    }
    insta::assert_snapshot!(run.snapshot(None));
}

/// The `file:line:column` of a rendered diagnostic counts characters, as the JSON and GitHub formats
/// do: on a line with `≥` (three bytes) before the error, all three formats give the same column.
#[test]
fn columns_count_characters_in_every_error_format() {
    let file = "tests/broken/E0303-quantity-as-condition.policy";
    let json = policyc(&["check", "--error-format", "json", file], None);
    let first: serde_json::Value = match json.stdout.lines().next().map(serde_json::from_str) {
        Some(Ok(v)) => v,
        _ => panic!("no JSON diagnostic: {json:?}"),
    };
    let (line, column) = (first["line"].as_u64(), first["column"].as_u64());
    assert_eq!((line, column), (Some(49), Some(39)), "{json:?}");
    let human = policyc(&["check", file], None);
    let at = "E0303-quantity-as-condition.policy:49:39]";
    assert!(human.stderr.contains(at), "{human:?}");
    let github = policyc(&["check", "--error-format", "github", file], None);
    assert!(github.stdout.contains("line=49,col=39"), "{github:?}");
}

#[test]
fn check_a_broken_policy_github() {
    let run = policyc(&["check", "--error-format", "github", THREE_ERRORS], None);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "one workflow command per error: {run:?}");
    for l in &lines {
        assert!(
            l.starts_with(&format!("::error file={THREE_ERRORS},line=")),
            "{l}"
        );
    }
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn check_a_missing_file() {
    let run = policyc(&["check", "tests/cli-inputs/no-such.policy"], None);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("tests/cli-inputs/no-such.policy"),
        "{run:?}"
    );
    insta::assert_snapshot!(run.snapshot(None));
}

// ------------------------------------------------------------------ compile and eval

#[test]
fn eval_of_compiled_ir_matches_eval_of_source() {
    let tmp = TempDir::new("compile");
    let ir = tmp.join("ir.json");
    let compiled = policyc(&["compile", POLICY, "-o", path_str(&ir)], None);
    assert_eq!(compiled.code, 0, "{compiled:?}");
    assert!(compiled.stdout.is_empty(), "{compiled:?}");
    assert!(compiled.stderr.is_empty(), "{compiled:?}");
    let text = std::fs::read_to_string(&ir).expect("compile -o writes the IR");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the IR is JSON");
    assert_eq!(json["policy"]["id"], "proleukin");

    // An IR is one version: compared with its source alone in a folder (with its library), not
    // beside the policy's later version, of which the IR knows nothing.
    let alone = tmp.join("alone");
    std::fs::create_dir_all(alone.join("lib")).expect("a folder");
    for f in ["proleukin.policy", "lib/common.policy"] {
        std::fs::copy(Path::new("policies").join(f), alone.join(f)).expect("copies the policy");
    }
    let source = alone.join("proleukin.policy");
    let source = path_str(&source);
    let request = input("approve-rcc.json");
    let from_source = policyc(&["eval", source, &request], None);
    let from_ir = policyc(&["eval", path_str(&ir), &request], None);
    assert_eq!(from_source.code, 0, "{from_source:?}");
    assert_eq!(from_ir.code, 0, "{from_ir:?}");
    assert_eq!(from_ir.stdout, from_source.stdout);
    assert_eq!(from_ir.stderr, from_source.stderr);
    assert!(from_source.stdout.starts_with("APPROVE"), "{from_source:?}");

    // The JSON decision is the same too.
    let json_source = policyc(&["eval", "--format", "json", source, &request], None);
    let json_ir = policyc(&["eval", "--format", "json", path_str(&ir), &request], None);
    assert_eq!(json_source.code, 0, "{json_source:?}");
    assert_eq!(json_ir.stdout, json_source.stdout);

    insta::assert_snapshot!(from_ir.snapshot(Some(&tmp)));
}

#[test]
fn eval_reads_the_request_from_stdin() {
    let request = input("approve-rcc.json");
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(&request))
        .expect("the request file exists");
    let from_file = policyc(&["eval", POLICY, &request], None);
    let from_stdin = policyc(&["eval", POLICY, "-"], Some(&text));
    assert_eq!(from_stdin.code, 0, "{from_stdin:?}");
    assert_eq!(from_stdin.stdout, from_file.stdout);
    assert!(from_stdin.stderr.is_empty(), "{from_stdin:?}");
}

#[test]
fn eval_names_stdin_in_request_errors() {
    let run = policyc(&["eval", POLICY, "-"], Some(b"{\"facts\": [] }"));
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("the request <stdin> is invalid"),
        "{run:?}"
    );
    insta::assert_snapshot!(run.snapshot(None));
}

/// Evaluates a bad request: exit 3, nothing on stdout, and every expected text on stderr.
fn eval_bad_request(name: &str, expected: &[&str]) -> Run {
    let run = policyc(&["eval", POLICY, &input(name)], None);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stdout.is_empty(),
        "no decision for a bad request: {run:?}"
    );
    for e in expected {
        assert!(run.stderr.contains(e), "{e:?} not named: {}", run.stderr);
    }
    run
}

#[test]
fn eval_malformed_json() {
    let run = eval_bad_request(
        "malformed.json",
        &["(1 problem)", "line 6, column 3", "not valid JSON"],
    );
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn eval_unknown_fact_suggests_the_right_one() {
    let run = eval_bad_request(
        "unknown-fact.json",
        &[
            "facts.prescriber_speciality",
            "did you mean `prescriber_specialty`?",
        ],
    );
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn eval_wrong_unit() {
    let run = eval_bad_request(
        "wrong-unit.json",
        &[
            "(2 problems)",
            "facts.dose_per_kg",
            "facts.rest_before_second_cycle",
        ],
    );
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn eval_wrong_type() {
    let run = eval_bad_request(
        "wrong-type.json",
        &[
            "(3 problems)",
            "facts.single_agent",
            "facts.other_systemic_therapies",
            "facts.disease_extent",
        ],
    );
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn eval_reports_every_problem_of_a_request() {
    let run = eval_bad_request(
        "several-problems.json",
        &[
            "(4 problems)",
            "facts.prescriber_speciality",
            "did you mean `prescriber_specialty`?",
            "facts.dose_per_kg",
            "facts.single_agent",
            "facts.route",
        ],
    );
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn eval_request_errors_are_a_json_document_with_format_json() {
    let run = policyc(
        &[
            "eval",
            POLICY,
            &input("several-problems.json"),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON document");
    assert_eq!(doc["format"], "policyc-error");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["code"], "invalid_request");
    assert_eq!(doc["exit_code"], 3);
    let problems = doc["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 4, "{doc:#}");
    let paths: Vec<&str> = problems.iter().filter_map(|p| p["path"].as_str()).collect();
    assert!(paths.contains(&"facts.prescriber_speciality"), "{paths:?}");
    assert!(problems.iter().any(|p| p["help"]
        .as_str()
        .is_some_and(|h| h.contains("prescriber_specialty"))));
    insta::assert_snapshot!(run.snapshot(None));
}

#[test]
fn eval_unreadable_request_is_a_json_io_error_with_format_json() {
    let run = policyc(
        &[
            "eval",
            POLICY,
            "tests/cli-inputs/no-such.json",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 4, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON document");
    assert_eq!(doc["code"], "io_error");
    assert!(doc["message"]
        .as_str()
        .is_some_and(|m| m.contains("no-such.json")));
}

#[test]
fn a_bad_as_of_is_a_command_line_error() {
    for bad in ["2026-1-15", "01/15/2026", "2026-02-30", "tomorrow"] {
        let run = policyc(
            &["eval", POLICY, &input("approve-rcc.json"), "--as-of", bad],
            None,
        );
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(run.stderr.contains("YYYY-MM-DD"), "{bad}: {run:?}");
        assert!(run.stdout.is_empty());
    }
    let run = policyc(
        &[
            "eval",
            POLICY,
            &input("approve-rcc.json"),
            "--as-of",
            "2026-03-01",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("2026-03-01"), "{run:?}");
}

/// A value of an open enumeration that the policy does not list, but nearly does, is decided as
/// stated, with a warning naming the listed value: in human output after the summary, and in the
/// decision's `warnings`. A value far from every listed one (`cardiologist`) gets none.
#[test]
fn eval_warns_of_values_near_a_listed_one() {
    let request = input("near-miss.json");
    let run = policyc(&["eval", POLICY, &request], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "Warning: `oncologst` is not a listed value of prescriber_specialty; did you mean `oncologist`?"
        ),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(run.snapshot(None));

    let json = policyc(&["eval", POLICY, &request, "--format", "json"], None);
    assert_eq!(json.code, 0, "{json:?}");
    let d: serde_json::Value = serde_json::from_str(&json.stdout).expect("a decision");
    let warned: Vec<(&str, &str, &str)> = d["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| {
            assert_eq!(w["kind"], "near_listed_value");
            (
                w["fact"].as_str().unwrap_or_default(),
                w["value"].as_str().unwrap_or_default(),
                w["suggestion"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        warned,
        // In the order of the policy's facts (the library's, imported, first).
        [
            ("prescriber_specialty", "oncologst", "oncologist"),
            (
                "consulting_specialties",
                "Transplant Center Physician",
                "transplant_center_physician"
            ),
            ("diagnosis", "Cutaneous Melanoma", "cutaneous_melanoma"),
        ]
    );

    // The warnings do not change the decision: the same request with values far from every
    // listed one is decided alike, and has no warnings.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&request))
        .expect("the request file exists")
        .replace("Cutaneous Melanoma", "breast_cancer")
        .replace("oncologst", "cardiologist")
        .replace("Transplant Center Physician", "nephrologist");
    let far = policyc(
        &["eval", POLICY, "-", "--format", "json"],
        Some(text.as_bytes()),
    );
    assert_eq!(far.code, 0, "{far:?}");
    let f: serde_json::Value = serde_json::from_str(&far.stdout).expect("a decision");
    assert!(f.get("warnings").is_none(), "{f}");
    let labels = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| x["label"].to_string())
            .collect()
    };
    assert_eq!(d["decision"], f["decision"]);
    assert_eq!(d["decision"], "deny");
    for key in ["unmet", "not_applicable", "considered", "criteria_met"] {
        assert_eq!(labels(&d, key), labels(&f, key), "{key}");
    }
}

/// `extend enum`: a policy adds values of its own to an enumeration it imports. The compiled
/// program's enumeration is the union (the library's values first, in their order, so their
/// indices do not move), in the same IR format; a request may state an added value; the file is
/// in the canonical layout.
#[test]
fn an_extended_enumeration_is_the_union_of_both() {
    let policy = "tests/cli-inputs/extend-enum.policy";
    let run = policyc(&["compile", policy], None);
    assert_eq!(run.code, 0, "{run:?}");
    let ir: serde_json::Value = serde_json::from_str(&run.stdout).expect("the IR is JSON");
    assert_eq!(
        ir["format_version"],
        policyc::ir::FORMAT_VERSION,
        "the IR format of every program (an extension adds no field)"
    );
    let specialty = ir["enums"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == "Specialty"))
        .expect("the enumeration Specialty");
    let names: Vec<&str> = specialty["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, ["oncologist", "dermatologist", "hematologist"]);
    assert_eq!(
        specialty["open"], true,
        "the library's enumeration stays open"
    );
    assert_eq!(specialty["values"][2]["codes"][0]["code"], "207RH0000X");

    let request = br#"{"as_of": "2026-01-15", "facts": {"prescriber_specialty": "hematologist"}}"#;
    let run = policyc(&["eval", policy, "-", "--format", "json"], Some(request));
    assert_eq!(run.code, 0, "{run:?}");
    let d: serde_json::Value = serde_json::from_str(&run.stdout).expect("a decision");
    assert_eq!(d["decision"], "approve", "{d}");
    assert!(
        d.get("warnings").is_none(),
        "an added value is a listed value: {d}"
    );

    let run = policyc(&["fmt", "--check", policy], None);
    assert_eq!(run.code, 0, "{run:?}");
}

/// An extension that lists a value the enumeration has (imported, or added twice) is an error at
/// the extension, pointing at the first; one of an enumeration that is not declared or imported is
/// an error with a did-you-mean.
#[test]
fn check_reports_extensions_that_repeat_a_value_or_name_no_enumeration() {
    let run = policyc(
        &["check", "tests/cli-inputs/extend-enum-twice.policy"],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("`oncologist` is already a value of enumeration `Specialty`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`hematologist` is added twice to enumeration `Specialty`"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("extension_repeats_a_value", run.snapshot(None));

    let run = policyc(
        &[
            "check",
            "tests/broken/E0219-extends-an-unknown-enumeration.policy",
        ],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("E0219"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `Specialty`?"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("extension_of_an_unknown_enumeration", run.snapshot(None));
}

// ------------------------------------------------------------------ exit codes (README, Exit codes)

const MISSING_POLICY: &str = "tests/cli-inputs/no-such.policy";
const MISSING_CASES: &str = "tests/cli-inputs/no-such.cases.yaml";
const PASSING_CASES: &str = "tests/cli-inputs/cases-demo.cases.yaml";
const FAILING_CASES: &str = "tests/cli-inputs/cases-demo-wrong-names.cases.yaml";

/// "When several files are checked or tested, the highest code wins", whatever their order, and
/// every file is still reported.
#[test]
fn the_highest_exit_code_wins_over_several_files() {
    // check: 0 (a good policy), 1 (a policy with errors), 4 (a file that cannot be read).
    for (files, code) in [
        (vec![POLICY, THREE_ERRORS], 1),
        (vec![THREE_ERRORS, POLICY], 1),
        (vec![THREE_ERRORS, MISSING_POLICY, POLICY], 4),
        (vec![MISSING_POLICY, THREE_ERRORS], 4),
        (vec![POLICY, MISSING_POLICY], 4),
    ] {
        let args: Vec<&str> = std::iter::once("check")
            .chain(files.iter().copied())
            .collect();
        let run = policyc(&args, None);
        assert_eq!(run.code, code, "{args:?}: {run:?}");
        if files.contains(&THREE_ERRORS) {
            assert!(run.stderr.contains("E0211"), "{args:?}: {}", run.stderr);
        }
        if files.contains(&MISSING_POLICY) {
            assert!(
                run.stderr.contains(MISSING_POLICY),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
    // test: 0 (cases that pass), 4 (a cases file that cannot be read), 5 (a case that fails).
    for (files, code) in [
        (vec![FAILING_CASES, MISSING_CASES], 5),
        (vec![MISSING_CASES, FAILING_CASES], 5),
        (vec![MISSING_CASES, PASSING_CASES], 4),
        (vec![PASSING_CASES, MISSING_CASES], 4),
        (vec![PASSING_CASES, FAILING_CASES], 5),
    ] {
        let args: Vec<&str> = std::iter::once("test")
            .chain(files.iter().copied())
            .collect();
        let run = policyc(&args, None);
        assert_eq!(run.code, code, "{args:?}: {run:?}");
        if files.contains(&MISSING_CASES) {
            assert!(
                run.stderr.contains(MISSING_CASES),
                "{args:?}: {}",
                run.stderr
            );
        }
        if files.contains(&PASSING_CASES) {
            assert!(
                run.stdout.contains(PASSING_CASES),
                "{args:?}: {}",
                run.stdout
            );
        }
    }
    // The cases of a policy with errors (1) cannot run, and count as failed (5): 5 wins, over an
    // unreadable file (4) too.
    let tmp = TempDir::new("highest");
    std::fs::copy(THREE_ERRORS, tmp.join("broken.policy")).expect("the policy is copied");
    std::fs::write(
        tmp.join("broken.cases.yaml"),
        "cases:\n  - name: any\n    facts: {}\n    expect: {decision: approve}\n",
    )
    .expect("the cases are written");
    let broken = tmp.join("broken.cases.yaml");
    let run = policyc(&["test", path_str(&broken), MISSING_CASES], None);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("cannot run cases: the policy")
            && run.stderr.contains("does not compile")
            && run.stderr.contains(MISSING_CASES),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("0 passed, 1 failed"), "{}", run.stdout);
}

/// Exit code 2, "the command line is wrong": an unknown option, a missing argument, an option
/// without its value, an unknown command; nothing on standard output.
#[test]
fn command_line_errors_are_exit_code_2() {
    let request = input("approve-rcc.json");
    for (args, says) in [
        (
            vec!["eval", POLICY, request.as_str(), "--no-such-option"],
            "unexpected argument '--no-such-option'",
        ),
        (
            vec!["check", "--bogus", POLICY],
            "unexpected argument '--bogus'",
        ),
        (
            vec!["eval", POLICY],
            "the following required arguments were not provided",
        ),
        (
            vec!["check"],
            "the following required arguments were not provided",
        ),
        (
            vec!["eval", POLICY, request.as_str(), "--as-of"],
            "a value is required for '--as-of",
        ),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
    ] {
        let run = policyc(&args, None);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
    }
}

/// A computed fact stated beside its inputs must agree with them to the precision it is stated
/// with: `dose_per_kg` 500,000 IU/kg with 43,200,000 IU and 72 kg (600,000 IU/kg) is an invalid
/// request, exit code 3, in both output formats.
#[test]
fn a_derived_fact_that_disagrees_with_its_inputs_is_an_invalid_request() {
    let request = input("dose-per-kg-disagrees-with-its-inputs.json");
    let message = "`dose_per_kg` is stated as 500,000 IU/kg, but its inputs give 600,000 IU/kg (from dose 43,200,000 IU, body_weight 72 kg)";
    let help = "state either `dose_per_kg` or its inputs, or correct one of them";
    let run = policyc(&["eval", POLICY, &request], None);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.is_empty(), "no decision: {run:?}");
    assert!(
        run.stderr
            .contains(&format!("facts.dose_per_kg: {message}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(help), "{}", run.stderr);

    let run = policyc(&["eval", POLICY, &request, "--format", "json"], None);
    assert_eq!(run.code, 3, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("an error document");
    assert_eq!(doc["code"], "invalid_request");
    assert_eq!(doc["exit_code"], 3);
    assert_eq!(
        doc["problems"],
        serde_json::json!([{"path": "facts.dose_per_kg", "message": message, "help": help}])
    );

    // At 71 kg the inputs give 608,450.704… IU/kg: stated to the unit or to a tenth, it agrees
    // when it rounds the same, and not otherwise.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&request))
        .expect("the request is readable")
        .replace("\"72 kg\"", "\"71 kg\"");
    for (stated, code) in [
        ("608451", 0),
        ("608450", 3),
        ("608450.7", 0),
        ("608450.8", 3),
    ] {
        let body = text.replace("500000 IU/kg", &format!("{stated} IU/kg"));
        let run = policyc(&["eval", POLICY, "-"], Some(body.as_bytes()));
        assert_eq!(run.code, code, "{stated} IU/kg: {run:?}");
    }
}

/// "Without a date of service the decision gives only the duration": an approval of a request
/// with no `as_of` has a null start and end and keeps its duration; `as_of` stays null, and the
/// version is chosen for today, saying so.
#[test]
fn an_approval_without_a_date_of_service_keeps_only_its_duration() {
    let policy = input("cases-demo.policy");
    let request = br#"{"facts": {"diagnosis": "melanoma", "age": "40 years", "tried_therapies": 1, "single_agent": true, "prescriber_is_oncologist": true}}"#;
    let run = policyc(&["eval", &policy, "-", "--format", "json"], Some(request));
    assert_eq!(run.code, 0, "{run:?}");
    let d: serde_json::Value = serde_json::from_str(&run.stdout).expect("a decision");
    assert_eq!(d["decision"], "approve");
    assert_eq!(d["as_of"], serde_json::Value::Null);
    assert_eq!(
        d["approval"],
        serde_json::json!({
            "duration": {"amount": 1, "unit": "year", "text": "1 year"},
            "start": null,
            "end": null
        })
    );
    assert_eq!(d["policy"]["chosen_for"]["from"], "today");

    let run = policyc(&["eval", &policy, "-"], Some(request));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("request (no request_id), no date of service")
            && run
                .stdout
                .contains("Approval: 1 year from the date of service (the request states none)")
            && run.stdout.contains("(today: no date of service)"),
        "{}",
        run.stdout
    );
}
