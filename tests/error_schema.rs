//! Errors as data: every error `policyc eval` can end with is, with `--format json`, one error
//! document on standard output (format `policyc-error`) with its stable code and its exit code, and
//! every such document validates against `policyc schema --error`. The error snapshots under
//! `tests/snapshots` must validate too, documents that break the format must not, and the README's
//! table of codes must be the one the binary uses.

#[path = "support/error_schema.rs"]
mod error_schema;

use error_schema::{assert_valid, check, schema_json};
use policyc::ErrorCode;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const POLICY: &str = "policies/proleukin.policy";
const REQUEST: &str = "tests/cli-inputs/approve-rcc.json";

/// A finished run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn policyc(args: &[String], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the policyc binary starts");
    let writer = stdin.map(|input| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        // policyc stops reading past its limit: the rest of the write may fail, which is expected.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        })
    });
    let out = child
        .wait_with_output()
        .expect("policyc runs to completion");
    if let Some(w) = writer {
        w.join().expect("the writer thread ends");
    }
    Run {
        code: out.status.code().expect("policyc exits (is not killed)"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// One error class of `eval`: how to cause it, its code and exit code, and what else its document
/// must say.
struct Case {
    what: &'static str,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    code: ErrorCode,
    exit: i32,
    expect: fn(&Value),
}

fn eval_args(policy: &str, request: &str, more: &[&str]) -> Vec<String> {
    let mut args = vec!["eval".to_string(), policy.to_string(), request.to_string()];
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

fn nothing(_: &Value) {}

fn problem_paths(doc: &Value) -> Vec<&str> {
    doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["path"].as_str().expect("a path"))
        .collect()
}

fn message_has(doc: &Value, part: &str) {
    let m = doc["message"].as_str().expect("a message");
    assert!(m.contains(part), "{part:?} not in {m:?}");
}

/// Every error class of `eval`, with its input written under `tmp`.
fn cases(tmp: &Path) -> Vec<Case> {
    let file = |name: &str, bytes: &[u8]| {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).expect("a temporary file");
        p.to_str().expect("a UTF-8 path").to_string()
    };
    let big = vec![b' '; (1 << 20) + 1];
    let big_request = file("big.json", &big);
    let big_policy = file("big.policy", &big);
    let duplicate = file("duplicate.json", br#"{"facts": {"age": 40, "age": 41}}"#);
    let latin1 = file(
        "latin1.json",
        b"{\"facts\": {\"route\": \"intraveno\xfas\"}}",
    );
    vec![
        Case {
            what: "an --as-of that is not a date",
            args: eval_args(POLICY, REQUEST, &["--as-of", "2026-02-30"]),
            stdin: None,
            code: ErrorCode::Usage,
            exit: 2,
            expect: |d| {
                assert_eq!(problem_paths(d), ["--as-of"]);
                assert!(d["problems"][0]["help"]
                    .as_str()
                    .is_some_and(|h| h.contains("YYYY-MM-DD")));
            },
        },
        Case {
            what: "a request that is not valid for the policy",
            args: eval_args(POLICY, "tests/cli-inputs/several-problems.json", &[]),
            stdin: None,
            code: ErrorCode::InvalidRequest,
            exit: 3,
            expect: |d| {
                assert_eq!(d["problems"].as_array().map(Vec::len), Some(4));
                assert!(problem_paths(d).contains(&"facts.prescriber_speciality"));
            },
        },
        Case {
            what: "a request dated before the policy's first version",
            args: eval_args(POLICY, REQUEST, &["--as-of", "2021-06-01"]),
            stdin: None,
            code: ErrorCode::NoVersionInForce,
            exit: 3,
            expect: |d| {
                assert_eq!(problem_paths(d), ["as_of"]);
                assert_eq!(
                    d["message"],
                    "no version of policy `proleukin` was in force on 2021-06-01; the first took effect on 2022-01-01"
                );
            },
        },
        Case {
            what: "a request that is not JSON",
            args: eval_args(POLICY, "tests/cli-inputs/malformed.json", &[]),
            stdin: None,
            code: ErrorCode::InvalidRequest,
            exit: 3,
            expect: |d| assert_eq!(problem_paths(d), ["line 6, column 3"]),
        },
        Case {
            what: "a request with a key written twice",
            args: eval_args(POLICY, &duplicate, &[]),
            stdin: None,
            code: ErrorCode::InvalidRequest,
            exit: 3,
            expect: |d| {
                assert!(problem_paths(d).contains(&"facts.age"), "{d:#}");
                assert!(d["problems"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("more than once")));
            },
        },
        Case {
            what: "a request that is not JSON, on standard input",
            args: eval_args(POLICY, "-", &[]),
            stdin: Some(b"{\"facts\": ".to_vec()),
            code: ErrorCode::InvalidRequest,
            exit: 3,
            expect: |d| message_has(d, "<stdin>"),
        },
        Case {
            what: "a request file larger than the limit",
            args: eval_args(POLICY, &big_request, &[]),
            stdin: None,
            code: ErrorCode::TooLarge,
            exit: 4,
            expect: |d| message_has(d, "larger than 1048576 bytes"),
        },
        Case {
            what: "a request on standard input larger than the limit",
            args: eval_args(POLICY, "-", &[]),
            stdin: Some(big.clone()),
            code: ErrorCode::TooLarge,
            exit: 4,
            expect: |d| message_has(d, "standard input is larger than 1048576 bytes"),
        },
        Case {
            what: "a policy file larger than the limit",
            args: eval_args(&big_policy, REQUEST, &[]),
            stdin: None,
            code: ErrorCode::TooLarge,
            exit: 4,
            expect: |d| message_has(d, "big.policy"),
        },
        Case {
            what: "a request file that does not exist",
            args: eval_args(POLICY, "tests/cli-inputs/no-such.json", &[]),
            stdin: None,
            code: ErrorCode::IoError,
            exit: 4,
            expect: |d| message_has(d, "no-such.json"),
        },
        Case {
            what: "a request that is a folder",
            args: eval_args(POLICY, "tests/cli-inputs", &[]),
            stdin: None,
            code: ErrorCode::IoError,
            exit: 4,
            expect: |d| message_has(d, "not a regular file"),
        },
        Case {
            what: "a request file that is not UTF-8",
            args: eval_args(POLICY, &latin1, &[]),
            stdin: None,
            code: ErrorCode::IoError,
            exit: 4,
            expect: |d| message_has(d, "not UTF-8"),
        },
        Case {
            what: "a request on standard input that is not UTF-8",
            args: eval_args(POLICY, "-", &[]),
            stdin: Some(b"{\"facts\": {\"route\": \"\xff\"}}".to_vec()),
            code: ErrorCode::IoError,
            exit: 4,
            expect: |d| message_has(d, "not UTF-8"),
        },
        Case {
            what: "a policy file that does not exist",
            args: eval_args("policies/no-such.policy", REQUEST, &[]),
            stdin: None,
            code: ErrorCode::IoError,
            exit: 4,
            expect: |d| message_has(d, "policies/no-such.policy"),
        },
        Case {
            what: "a policy with errors",
            args: eval_args("tests/broken/three-errors.policy", REQUEST, &[]),
            stdin: None,
            code: ErrorCode::PolicyError,
            exit: 1,
            expect: |d| {
                let codes: Vec<&str> = d["problems"]
                    .as_array()
                    .expect("problems")
                    .iter()
                    .map(|p| p["code"].as_str().expect("a diagnostic code"))
                    .collect();
                assert_eq!(codes, ["E0400", "E0211", "E0301"]);
                assert_eq!(
                    problem_paths(d),
                    [
                        "tests/broken/three-errors.policy:51:5",
                        "tests/broken/three-errors.policy:53:7",
                        "tests/broken/three-errors.policy:62:41"
                    ]
                );
                assert_eq!(
                    d["problems"][1]["help"],
                    "did you mean `prescriber_specialty`?"
                );
                message_has(d, "3 errors");
            },
        },
        Case {
            what: "a library instead of a policy",
            args: eval_args("policies/lib/common.policy", REQUEST, &[]),
            stdin: None,
            code: ErrorCode::PolicyError,
            exit: 1,
            expect: |d| message_has(d, "is a library"),
        },
        Case {
            what: "an IR file with a key written twice",
            args: eval_args("tests/hostile/duplicate-key.ir.json", REQUEST, &[]),
            stdin: None,
            code: ErrorCode::InvalidIr,
            exit: 1,
            expect: |d| message_has(d, "appears twice"),
        },
        Case {
            what: "an IR file of another format version",
            args: eval_args(
                &file(
                    "future.ir.json",
                    br#"{"format": "policyc-ir", "format_version": 99}"#,
                ),
                REQUEST,
                &[],
            ),
            stdin: None,
            code: ErrorCode::InvalidIr,
            exit: 1,
            expect: |d| message_has(d, "future.ir.json"),
        },
        Case {
            what: "an IR file that is not an IR",
            args: eval_args(REQUEST, REQUEST, &[]),
            stdin: None,
            code: ErrorCode::InvalidIr,
            exit: 1,
            expect: nothing,
        },
    ]
}

#[test]
fn every_error_of_eval_is_a_valid_document_with_its_code_and_exit_code() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    for case in cases(tmp.path()) {
        let mut args = case.args.clone();
        args.extend(["--format".to_string(), "json".to_string()]);
        let run = policyc(&args, case.stdin.as_deref());
        let what = case.what;
        assert_eq!(run.code, case.exit, "{what}: {run:?}");
        assert!(run.stderr.is_empty(), "{what}: nothing on stderr: {run:?}");
        let doc: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{what}: stdout is not one JSON document ({e}): {run:?}"));
        assert_eq!(doc["format"], "policyc-error", "{what}");
        assert_eq!(doc["format_version"], 1, "{what}");
        assert_eq!(doc["code"], case.code.as_str(), "{what}: {doc:#}");
        assert_eq!(doc["exit_code"], case.exit, "{what}");
        assert!(
            doc.get("status").is_none(),
            "{what}: status is the service's"
        );
        assert_valid(&doc, what);
        (case.expect)(&doc);
    }
}

/// Without `--format json` the same errors are text on standard error, with the same exit codes.
#[test]
fn the_same_errors_are_text_on_stderr_for_people() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    for case in cases(tmp.path()) {
        let run = policyc(&case.args, case.stdin.as_deref());
        let what = case.what;
        assert_eq!(run.code, case.exit, "{what}: {run:?}");
        assert!(run.stdout.is_empty(), "{what}: nothing on stdout: {run:?}");
        assert!(run.stderr.contains("error"), "{what}: {run:?}");
        assert!(!run.stderr.contains("policyc-error"), "{what}: {run:?}");
    }
}

/// Every code `eval` can end with has a case above, but `internal_error` (the decision cannot be
/// serialized, which no input causes).
#[test]
fn every_code_of_eval_has_a_case() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let seen: Vec<ErrorCode> = cases(tmp.path()).iter().map(|c| c.code).collect();
    for code in ErrorCode::ALL {
        if code.exit_code().is_some() && *code != ErrorCode::InternalError {
            assert!(seen.contains(code), "no case causes `{code}`");
        }
    }
}

#[test]
fn the_schema_allows_exactly_the_codes_and_their_exit_codes() {
    let schema = schema_json();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$id"], "policyc:error:1");
    let codes: Vec<&str> = schema["properties"]["code"]["enum"]
        .as_array()
        .expect("the codes are an enum")
        .iter()
        .map(|c| c.as_str().expect("a code"))
        .collect();
    let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, all);
    // The library gives the same schema as the binary.
    assert_eq!(schema, &policyc::error_schema::error_schema());
}

/// A document of the command line (`cli`) or of the service, as the program writes them.
fn doc(code: &str, exit_code: Value) -> Value {
    json!({
        "format": "policyc-error",
        "format_version": 1,
        "code": code,
        "exit_code": exit_code,
        "message": "the request is invalid",
        "problems": [{"path": "facts.age", "message": "not a number", "help": null}],
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().expect("an object").remove(key);
    v
}

#[test]
fn the_schema_rejects_documents_that_break_the_format() {
    let good = doc("invalid_request", json!(3));
    assert_valid(&good, "a CLI document");
    assert_valid(
        &with(good.clone(), "status", json!(400)),
        "a service document",
    );
    let service_only = with(doc("unknown_policy", Value::Null), "status", json!(404));
    assert_valid(&service_only, "a service-only error");
    assert_valid(
        &with(service_only.clone(), "line", json!(4)),
        "a batch record",
    );
    let mut diag = doc("policy_error", json!(1));
    diag["problems"][0]["code"] = json!("E0211");
    assert_valid(&diag, "a policy diagnostic");
    let mut bad_code = diag.clone();
    bad_code["problems"][0]["code"] = json!("oops");
    let mut extra_problem_field = good.clone();
    extra_problem_field["problems"][0]["severity"] = json!("error");
    let broken = [
        ("an unknown code", doc("no_such_code", json!(3))),
        ("the wrong exit code", doc("invalid_request", json!(4))),
        (
            "a null exit code for a CLI error",
            doc("io_error", Value::Null),
        ),
        (
            "an exit code for a service-only error",
            with(doc("timeout", json!(3)), "status", json!(408)),
        ),
        (
            "a service-only error without its status",
            doc("overloaded", Value::Null),
        ),
        ("the wrong status", with(good.clone(), "status", json!(404))),
        (
            "a status on an error only the CLI has",
            with(doc("usage", json!(2)), "status", json!(400)),
        ),
        (
            "another format",
            with(good.clone(), "format", json!("policyc-decision")),
        ),
        (
            "another version",
            with(good.clone(), "format_version", json!(2)),
        ),
        ("no problems", without(good.clone(), "problems")),
        ("no message", without(good.clone(), "message")),
        ("an unknown field", with(good.clone(), "hint", json!("x"))),
        ("a line 0", with(service_only, "line", json!(0))),
        ("a malformed diagnostic code", bad_code),
        ("an unknown problem field", extra_problem_field),
    ];
    for (what, d) in broken {
        assert!(check(&d).is_err(), "{what}: the schema accepts it:\n{d:#}");
    }
}

/// The error documents kept as snapshots (their stdout is a `policyc-error` document) validate, and
/// their exit code is the document's.
#[test]
fn error_snapshots_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("the snapshots folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("a snapshot");
        let Some((head, rest)) = text.split_once("\n--- stdout\n") else {
            continue;
        };
        let Some((stdout, _)) = rest.split_once("--- stderr\n") else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(stdout) else {
            continue;
        };
        if doc["format"] != "policyc-error" {
            continue;
        }
        let name = path.display().to_string();
        assert_valid(&doc, &name);
        let exit = head
            .rsplit_once("exit code: ")
            .and_then(|(_, c)| c.trim().parse::<i64>().ok());
        assert_eq!(doc["exit_code"].as_i64(), exit, "{name}");
        seen += 1;
    }
    assert!(seen >= 1, "no error snapshot found under {}", dir.display());
}

/// The README's table of error codes is the one of [`ErrorCode`]: each code once, with its exit
/// code and its HTTP status (`—` for none).
#[test]
fn the_readme_lists_every_code_with_its_exit_code_and_status() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("the README");
    let rows: Vec<Vec<&str>> = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .filter(|cells: &Vec<&str>| cells.len() == 4 && cells[0] != "`code`")
        .collect();
    for code in ErrorCode::ALL {
        let name = format!("`{code}`");
        let found: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == name).collect();
        assert_eq!(found.len(), 1, "{name} in the README's table of codes");
        let dash = || "—".to_string();
        assert_eq!(
            found[0][1],
            code.exit_code().map_or_else(dash, |e| e.to_string()),
            "the exit code of {name}"
        );
        assert_eq!(
            found[0][2],
            code.status().map_or_else(dash, |s| s.to_string()),
            "the status of {name}"
        );
    }
    assert_eq!(rows.len(), ErrorCode::ALL.len(), "{rows:?}");
}

/// A standard output that cannot be written (here `/dev/full`; a closed pipe alike) ends `eval`
/// with exit code 4, quietly and without a panic: the decision, or the error document, has nowhere
/// to go.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_standard_output_is_exit_code_4() {
    for request in [REQUEST, "tests/cli-inputs/several-problems.json"] {
        for format in ["human", "json"] {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full opens");
            let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
                .args(["eval", POLICY, request, "--format", format])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdin(Stdio::null())
                .stdout(full)
                .output()
                .expect("policyc runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            // For people, the request's problems go to standard error, which is writable.
            let expected = if format == "human" && request != REQUEST {
                3
            } else {
                4
            };
            assert_eq!(
                out.status.code(),
                Some(expected),
                "{request} {format}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
}
