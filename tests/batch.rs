//! `policyc eval --batch` and `policyc replay`, run as the real binary: the batch's lines are, in
//! order, what the library decides for each request (`policyc::bind` + `policyc::eval::evaluate`,
//! serialized), error records carry their input line's number, and replay counts exactly the
//! decisions that change between two versions of a policy.
//!
//! Longer than 800 lines on purpose: batch and replay share the generated requests, the small
//! versioned policy and the binary's helpers at the top; each test after them is short.

#[path = "support/error_schema.rs"]
mod error_schema;

use policyc::ir::Program;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const POLICY: &str = "policies/proleukin.policy";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn policyc(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(root())
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
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // Written from a thread: the binary writes while it reads, so a large input written here
        // while nobody reads its output would fill both pipes.
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("policyc finishes")
}

fn program(path: &Path) -> Program {
    let checked = policyc::compile_path(path).expect("the policy reads");
    checked.program.expect("the policy compiles")
}

/// The versions of the policy in `path` (it and the other files of its folder with its id), as
/// the library finds them.
fn versions(path: &Path) -> policyc::versions::Versions {
    let mut loader = policyc::load::Loader::new(vec![root().join("policies")]);
    policyc::versions::discover(&mut loader, path, program(path)).expect("the versions compile")
}

fn examples() -> Vec<Value> {
    let dir = root().join("policies/examples/proleukin");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the examples folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "the five proleukin examples");
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).expect("reads")).expect("JSON"))
        .collect()
}

/// `n` request lines made from the examples by varying their facts, with invalid requests, lines
/// that are not JSON and blank lines among them (all at positions computed from `i`, so the test
/// knows where they are).
fn generate(n: usize) -> Vec<String> {
    let examples = examples();
    let diagnoses = [
        "cutaneous_melanoma",
        "renal_cell_carcinoma",
        "acute_gvhd",
        "breast_cancer",
    ];
    let specialties = ["oncologist", "dermatologist", "cardiologist"];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut lines = Vec::with_capacity(n);
    for i in 0..n {
        if i % 1013 == 500 {
            lines.push(String::new());
            continue;
        }
        if i % 997 == 3 {
            lines.push(format!("{{\"request_id\": \"r{i}\", \"facts\": "));
            continue;
        }
        let mut req = examples[i % examples.len()].clone();
        req["request_id"] = Value::String(format!("r{i}"));
        let facts = req["facts"].as_object_mut().expect("facts is an object");
        let r = next();
        if r % 3 == 0 {
            facts.insert("other_systemic_therapies".into(), Value::from((r >> 8) % 4));
        }
        if r % 5 == 1 {
            let d = diagnoses[((r >> 12) % diagnoses.len() as u64) as usize];
            facts.insert("diagnosis".into(), Value::String(d.into()));
        }
        if r % 7 == 2 {
            let s = specialties[((r >> 16) % specialties.len() as u64) as usize];
            facts.insert("prescriber_specialty".into(), Value::String(s.into()));
        }
        if r % 4 == 3 {
            let per_kg = 500_000 + 50_000 * ((r >> 20) % 5);
            facts.insert(
                "dose_per_kg".into(),
                Value::String(format!("{per_kg} [IU]/kg")),
            );
        }
        if r % 6 == 4 {
            facts.remove("single_agent");
        }
        if r % 11 == 5 {
            let year = 1950 + (r >> 24) % 70;
            facts.insert(
                "date_of_birth".into(),
                Value::String(format!("{year}-03-04")),
            );
        }
        if i % 89 == 7 {
            // Invalid for the policy: a wrong type and an unknown fact.
            facts.insert(
                "other_systemic_therapies".into(),
                Value::String("many".into()),
            );
            facts.insert("favourite_colour".into(), Value::String("blue".into()));
        }
        lines.push(serde_json::to_string(&req).expect("serializes"));
    }
    lines
}

/// What the library answers for one line: the decision's compact JSON under the version in force
/// on its date, or the problems.
fn expected(
    versions: &policyc::versions::Versions,
    line: &str,
) -> Result<String, Vec<(String, String)>> {
    let date = policyc::versions::request_date(line, None);
    let (i, chosen) = versions
        .choose(&date)
        .expect("every line is dated after 2022");
    let program = &versions.all()[i].program;
    match policyc::bind(program, line, None) {
        Ok(req) => {
            let mut d = policyc::eval::evaluate(program, &req);
            versions.stamp(i, chosen, &mut d);
            Ok(serde_json::to_string(&d).expect("a decision serializes"))
        }
        Err(errors) => Err(errors.into_iter().map(|e| (e.path, e.message)).collect()),
    }
}

/// Runs the batch over `n` generated requests, from a file, and compares every output line with
/// the library's answer for the same input line.
fn batch_matches_the_library(n: usize) {
    let lines = generate(n);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").expect("writes the requests");
    let out = policyc(
        &["eval", "--batch", POLICY, &input.display().to_string()],
        None,
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let versions = versions(&root().join(POLICY));
    let inputs: Vec<(usize, &String)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let outputs: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        outputs.len(),
        inputs.len(),
        "one output line per non-blank input line; stderr: {stderr}"
    );
    let (mut decided, mut errors) = (0, 0);
    for ((n, line), got) in inputs.iter().zip(&outputs) {
        match expected(&versions, line) {
            Ok(json) => {
                assert_eq!(*got, json, "input line {n}: the decision differs");
                decided += 1;
            }
            Err(problems) => {
                let doc: Value = serde_json::from_str(got).expect("an error record is JSON");
                assert_eq!(doc["format"], "policyc-error", "input line {n}: {got}");
                assert_eq!(doc["code"], "invalid_request", "input line {n}: {got}");
                assert_eq!(doc["exit_code"], 3, "input line {n}: {got}");
                assert_eq!(doc["line"], *n, "input line {n}: the record's line number");
                let got_problems: Vec<(String, String)> = doc["problems"]
                    .as_array()
                    .expect("problems")
                    .iter()
                    .map(|p| {
                        (
                            p["path"].as_str().unwrap_or_default().to_string(),
                            p["message"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                assert_eq!(got_problems, problems, "input line {n}: the problems");
                errors += 1;
            }
        }
    }
    assert!(
        decided > n / 2 && errors > n / 200,
        "{decided} decided, {errors} errors"
    );
    assert_eq!(out.status.code(), Some(3), "some lines are invalid: exit 3");
    let total = decided + errors;
    assert!(
        stderr.starts_with(&format!("{total} requests: ")),
        "the summary: {stderr}"
    );
    assert!(
        stderr.contains(&format!("; {errors} errors (lines ")),
        "the summary counts the errors: {stderr}"
    );
}

#[test]
fn batch_of_10_000_requests_matches_the_library_line_by_line() {
    batch_matches_the_library(10_000);
}

/// The full size of the check (about 35 s in a debug build, over the default suite's budget): `cargo test --test batch -- --ignored`.
#[test]
#[ignore]
fn batch_of_100_000_requests_matches_the_library_line_by_line() {
    batch_matches_the_library(100_000);
}

#[test]
fn decision_counts_in_the_summary_are_those_of_the_output() {
    let lines = generate(3_000);
    let out = policyc(
        &["eval", "--batch", POLICY, "-"],
        Some((lines.join("\n") + "\n").as_bytes()),
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let mut counts = std::collections::BTreeMap::new();
    for l in stdout.lines() {
        let v: Value = serde_json::from_str(l).expect("JSON lines");
        let key = match v["decision"].as_str() {
            Some(k) => k.to_string(),
            None => "error".to_string(),
        };
        *counts.entry(key).or_insert(0usize) += 1;
    }
    for kind in ["approve", "deny", "needs_info", "refer"] {
        let n = counts.get(kind).copied().unwrap_or(0);
        assert!(n > 0, "the generated requests give some {kind}");
        assert!(
            stderr.contains(&format!(" {n} {kind}")),
            "{kind}: {n} in the output, the summary says {stderr}"
        );
    }
}

#[test]
fn error_lines_carry_their_input_line_numbers() {
    let input = concat!(
        "{\"facts\": {\"diagnosis\": \"cutaneous_melanoma\"}}\n",
        "\n",
        "not json\n",
        "   \n",
        "{\"facts\": {\"no_such_fact\": 1}}\r\n",
        "{\"facts\": {\"diagnosis\": \"breast_cancer\"}}",
    );
    let out = policyc(&["eval", "--batch", POLICY, "-"], Some(input.as_bytes()));
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let docs: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(docs.len(), 4, "blank lines give no output: {stdout}");
    assert_eq!(docs[0]["decision"], "needs_info");
    assert_eq!(docs[1]["line"], 3);
    assert_eq!(docs[1]["code"], "invalid_request");
    assert_eq!(docs[1]["status"], 400);
    assert_eq!(docs[2]["line"], 5);
    assert_eq!(docs[2]["problems"][0]["path"], "facts.no_such_fact");
    assert!(
        docs[2]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("line 5: ")),
        "{}",
        docs[2]
    );
    assert_eq!(
        docs[3]["decision"], "deny",
        "the last line needs no line break"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "4 requests: 0 approve, 1 deny, 1 needs_info, 0 refer; 2 errors (lines 3, 5); "
        ),
        "{stderr}"
    );
}

#[test]
fn every_error_record_is_a_valid_error_document() {
    let out = policyc(
        &["eval", "--batch", POLICY, "-"],
        Some(b"[1]\n{\"facts\": {\"route\": 7}}\n"),
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(stdout.lines().count(), 2);
    for l in stdout.lines() {
        let v: Value = serde_json::from_str(l).expect("JSON");
        error_schema::assert_valid(&v, "a batch error record");
    }
}

#[test]
fn an_empty_input_decides_nothing_and_succeeds() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("writes");
    let out = policyc(
        &["eval", "--batch", POLICY, &empty.display().to_string()],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("0 requests: 0 approve, 0 deny, 0 needs_info, 0 refer; no error; "),
        "{stderr}"
    );
    // Standard input is the default input.
    let out = policyc(&["eval", "--batch", POLICY], Some(b"\n\n"));
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn standard_input_gives_the_same_lines_as_a_file() {
    let lines = generate(300).join("\n") + "\n";
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("r.jsonl");
    std::fs::write(&file, &lines).expect("writes");
    let from_file = policyc(
        &["eval", "--batch", POLICY, &file.display().to_string()],
        None,
    );
    let from_stdin = policyc(&["eval", "--batch", POLICY, "-"], Some(lines.as_bytes()));
    assert_eq!(from_file.status.code(), from_stdin.status.code());
    assert!(!from_file.stdout.is_empty());
    assert_eq!(from_file.stdout, from_stdin.stdout);
}

#[test]
fn every_line_decided_exits_0() {
    let examples: Vec<String> = examples()
        .iter()
        .map(|v| serde_json::to_string(v).expect("serializes"))
        .collect();
    let out = policyc(
        &["eval", "--batch", POLICY, "-"],
        Some((examples.join("\n") + "\n").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
}

#[test]
fn a_line_over_the_request_limit_is_a_too_large_record_and_the_next_line_is_decided() {
    let big = format!(
        "{{\"request_id\": \"{}\", \"facts\": {{}}}}\n",
        "x".repeat(1 << 20)
    );
    let input = big + "{\"facts\": {\"diagnosis\": \"breast_cancer\"}}\n";
    let out = policyc(&["eval", "--batch", POLICY, "-"], Some(input.as_bytes()));
    assert_eq!(
        out.status.code(),
        Some(4),
        "too large: the exit code of too_large"
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let docs: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["code"], "too_large");
    assert_eq!(docs[0]["line"], 1);
    assert_eq!(docs[1]["decision"], "deny");
}

#[test]
fn a_missing_input_file_is_an_io_error() {
    let out = policyc(&["eval", "--batch", POLICY, "no/such/file.jsonl"], None);
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read no/such/file.jsonl"),
        "{stderr}"
    );
}

#[test]
fn the_log_has_one_service_log_line_per_decision() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let input = concat!(
        "{\"request_id\": \"a\", \"facts\": {\"diagnosis\": \"breast_cancer\"}}\n",
        "oops\n",
        "{\"request_id\": \"b\", \"facts\": {\"diagnosis\": \"cutaneous_melanoma\"}}\n",
    );
    let out = policyc(
        &[
            "eval",
            "--batch",
            POLICY,
            "-",
            "--log",
            &log.display().to_string(),
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(3));
    let text = std::fs::read_to_string(&log).expect("the log is written");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "one line per decision, none for the error");
    // The requests state no date: the version in force today decides them.
    let versions = versions(&root().join(POLICY));
    let (today, _) = versions
        .choose(&policyc::versions::RequestDate::Unstated)
        .expect("a version is in force today");
    let hash = versions.all()[today].content_hash.clone();
    for (l, (id, decision)) in lines.iter().zip([("a", "deny"), ("b", "needs_info")]) {
        assert_eq!(l["format"], "policyc-decision-log");
        assert_eq!(l["format_version"], 1);
        assert_eq!(l["policy"], "proleukin");
        assert_eq!(l["content_hash"], hash.as_str());
        assert_eq!(l["request_id"], id);
        assert_eq!(l["decision"], decision);
        assert_eq!(l["explained"], true);
    }
    // The fields of the service's log line, in its order.
    let keys = [
        "format",
        "format_version",
        "decision_id",
        "time",
        "policy",
        "effective",
        "content_hash",
        "request_id",
        "as_of",
        "facts",
        "masked",
        "decision",
        "indication",
        "explained",
        "path",
        "unmet",
        "missing",
        "exceeded",
        "latency_us",
    ];
    for raw in text.lines() {
        let at: Vec<usize> = keys
            .iter()
            .map(|k| raw.find(&format!("\"{k}\":")).expect("the field is there"))
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "fields out of order: {raw}"
        );
    }
    assert_eq!(lines[0].as_object().map(|o| o.len()), Some(keys.len()));
    assert_ne!(lines[0]["decision_id"], lines[1]["decision_id"]);
}

// ---------------------------------------------------------------------------------- replay

/// A small policy; version 2 raises both thresholds and no longer takes `notes`.
fn small_policy(version: u32) -> String {
    let (effective, age, therapies, notes) = match version {
        1 => (
            "2025-01-01",
            18,
            1,
            "fact notes: count \"How many clinical notes are attached\"\n",
        ),
        _ => ("2026-01-01", 21, 2, ""),
    };
    format!(
        r#"policy demo {{
  title     "Demo"
  drug      "Proleukin"
  effective {effective}
}}

fact age: years "The patient's age"
fact other_systemic_therapies: count "How many other systemic therapies the patient has tried"
{notes}
indication 1 "Cutaneous Melanoma" {{
  approve for 1 year

  criteria: all of {{
    i  "Patient is at least {age} years of age": age at least {age} years
    ii "Patient has tried other systemic therapies": other_systemic_therapies at least {therapies}
  }}
}}
"#
    )
}

fn request(id: &str, age: Option<u32>, therapies: Option<u32>, notes: bool) -> String {
    let mut facts = serde_json::Map::new();
    if let Some(a) = age {
        facts.insert("age".into(), Value::String(format!("{a} years")));
    }
    if let Some(t) = therapies {
        facts.insert("other_systemic_therapies".into(), Value::from(t));
    }
    if notes {
        facts.insert("notes".into(), Value::from(2));
    }
    serde_json::json!({"request_id": id, "as_of": "2026-03-01", "facts": facts}).to_string()
}

/// The two versions and the requests, in a temporary folder.
fn replay_fixture() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("v1.policy"), small_policy(1)).expect("writes");
    std::fs::write(dir.path().join("v2.policy"), small_policy(2)).expect("writes");
    let lines = vec![
        request("same-approve", Some(40), Some(2), false), // approve, approve
        request("a1", Some(40), Some(1), false),           // approve → deny (therapies)
        request("a2", Some(19), Some(3), false),           // approve → deny (age)
        request("same-deny", Some(17), Some(5), false),    // deny, deny
        request("a3", Some(20), Some(2), false),           // approve → deny (age)
        request("a4", Some(30), Some(1), false),           // approve → deny (therapies)
        request("same-info", Some(40), None, false),       // needs_info, needs_info
        request("n1", None, Some(1), false),               // needs_info → deny (therapies)
        request("gone", Some(40), Some(2), true),          // approve → invalid (notes)
        "not json".to_string(),                            // invalid, invalid
    ];
    (dir, lines)
}

fn run_replay(dir: &Path, lines: &[String], json: bool) -> Output {
    let v1 = dir.join("v1.policy").display().to_string();
    let v2 = dir.join("v2.policy").display().to_string();
    let mut args = vec!["replay", "-", "--policy", &v1, "--policy", &v2];
    if json {
        args.extend(["--format", "json"]);
    }
    policyc(&args, Some((lines.join("\n") + "\n").as_bytes()))
}

#[test]
fn replay_counts_exactly_the_decisions_that_change() {
    let (dir, lines) = replay_fixture();
    let out = run_replay(dir.path(), &lines, true);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a request invalid under a policy: exit 3; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    assert_eq!(report["format"], "policyc-replay");
    assert_eq!(report["requests"], 10);
    assert_eq!(report["changed"], 6);
    assert_eq!(report["unchanged"], 4);
    assert_eq!(report["invalid_under_both"], 1);
    assert_eq!(report["old"]["effective"], "2025-01-01");
    assert_eq!(report["new"]["effective"], "2026-01-01");
    let transitions: Vec<(String, String, u64, Vec<String>)> = report["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| {
            (
                t["from"].as_str().unwrap_or_default().to_string(),
                t["to"].as_str().unwrap_or_default().to_string(),
                t["count"].as_u64().unwrap_or_default(),
                t["examples"]
                    .as_array()
                    .expect("examples")
                    .iter()
                    .map(|e| e["request_id"].as_str().unwrap_or_default().to_string())
                    .collect(),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        transitions,
        [
            (s("approve"), s("deny"), 4, vec![s("a1"), s("a2"), s("a3")]),
            (s("approve"), s("invalid"), 1, vec![s("gone")]),
            (s("needs_info"), s("deny"), 1, vec![s("n1")]),
        ]
    );
    assert_eq!(report["transitions"][0]["examples"][0]["line"], 2);
}

#[test]
fn replay_in_text_names_each_transition() {
    let (dir, lines) = replay_fixture();
    let out = run_replay(dir.path(), &lines, false);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let body: Vec<&str> = stdout.lines().skip(2).collect();
    assert_eq!(
        body,
        [
            "10 requests: 6 changed, 4 unchanged (1 invalid under both)",
            "  approve → deny: 4  (a1, a2, a3, …)",
            "  approve → invalid: 1  (gone)",
            "  needs_info → deny: 1  (n1)",
            "invalid: the request does not bind under that policy; `policyc eval --batch` shows why",
        ],
        "{stdout}"
    );
    assert!(stdout.starts_with("old: "), "{stdout}");
}

#[test]
fn replay_of_a_policy_against_itself_changes_nothing_and_exits_0() {
    let (dir, lines) = replay_fixture();
    let v1 = dir.path().join("v1.policy").display().to_string();
    let valid: Vec<String> = lines[..8].to_vec();
    let out = policyc(
        &["replay", "-", "--policy", &v1, "--policy", &v1],
        Some((valid.join("\n") + "\n").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        stdout.contains("\n8 requests: 0 changed, 8 unchanged\n"),
        "{stdout}"
    );
}

#[test]
fn replay_takes_one_or_two_policies() {
    let (dir, lines) = replay_fixture();
    let v1 = dir.path().join("v1.policy").display().to_string();
    let out = policyc(
        &[
            "replay", "-", "--policy", &v1, "--policy", &v1, "--policy", &v1,
        ],
        Some(b""),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--policy OLD --policy NEW"), "{stderr}");
    // One policy: the lines must be a decision log's, whose decisions are the ones before.
    let out = policyc(
        &["replay", "-", "--policy", &v1],
        Some((lines[..2].join("\n") + "\n").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 1, 2 of <stdin> is not a decision-log line"),
        "{stderr}"
    );
}

/// The log of `eval --batch --log` under the old version, replayed under the new one alone,
/// finds the same transitions as replaying the requests under both.
#[test]
fn replay_of_a_decision_log_compares_with_the_logged_decisions() {
    let (dir, lines) = replay_fixture();
    // Alone in a folder, v1 decides every date (beside v2, a version of the same policy, it would
    // give way to v2 from v2's effective date).
    let alone = dir.path().join("old");
    std::fs::create_dir(&alone).expect("a folder");
    std::fs::copy(dir.path().join("v1.policy"), alone.join("v1.policy")).expect("copy");
    let v1 = alone.join("v1.policy").display().to_string();
    let v2 = dir.path().join("v2.policy").display().to_string();
    let log = dir.path().join("decisions.jsonl");
    let log_s = log.display().to_string();
    // The requests v1 can decide (the log has a line for each decision).
    let valid: Vec<String> = lines[..9].to_vec();
    let input = valid.join("\n") + "\n";
    let out = policyc(
        &["eval", "--batch", &v1, "-", "--log", &log_s],
        Some(input.as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_log = policyc(
        &["replay", &log_s, "--policy", &v2, "--format", "json"],
        None,
    );
    let both = policyc(
        &[
            "replay", "-", "--policy", &v1, "--policy", &v2, "--format", "json",
        ],
        Some(input.as_bytes()),
    );
    let a: Value = serde_json::from_slice(&from_log.stdout).expect("JSON");
    let b: Value = serde_json::from_slice(&both.stdout).expect("JSON");
    assert_eq!(from_log.status.code(), both.status.code());
    for k in ["requests", "changed", "unchanged", "transitions"] {
        assert_eq!(a[k], b[k], "{k}: {a:#} vs {b:#}");
    }
    assert_eq!(a["masked"], 0);
    assert_eq!(a["old"]["id"], "demo");
    assert_eq!(a["old"]["effective"], "2025-01-01");
    assert_eq!(a["old"]["content_hash"], b["old"]["content_hash"]);
    assert!(a["old"]["path"]
        .as_str()
        .is_some_and(|p| p.contains("decisions.jsonl")));

    // Masked facts are replayed unknown, and counted.
    std::fs::remove_file(&log).expect("remove the log");
    let out = policyc(
        &[
            "eval",
            "--batch",
            &v1,
            "-",
            "--log",
            &log_s,
            "--log-mask",
            "age=omit",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(0));
    let masked = policyc(
        &["replay", &log_s, "--policy", &v1, "--format", "json"],
        None,
    );
    let m: Value = serde_json::from_slice(&masked.stdout).expect("JSON");
    assert_eq!(
        m["masked"], 8,
        "every request but one states the age: {m:#}"
    );
    // Without its age, an approval of v1 becomes needs_info.
    assert!(
        m["transitions"].as_array().is_some_and(|t| t
            .iter()
            .any(|t| t["from"] == "approve" && t["to"] == "needs_info")),
        "{m:#}"
    );
    let text = policyc(&["replay", &log_s, "--policy", &v1], None);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("8 logged requests with masked facts"),
        "{stdout}"
    );
}

/// The two versions of Proleukin under `policies/`: the 2026 revision removed criterion 1.A.iii
/// (at least one other systemic therapy), so of the five example requests exactly the melanoma
/// patient denied for having tried none is approved under it, and the rest decide alike.
#[test]
fn replay_reports_the_changed_decisions_between_the_shipped_proleukin_versions() {
    let examples = root().join("policies/examples/proleukin");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("the examples folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    let mut lines = String::new();
    for p in &names {
        let mut request: Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("reads")).expect("JSON");
        // Name each line by its file, so the report's examples say which request changed.
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        request["request_id"] = Value::from(stem);
        lines.push_str(&request.to_string());
        lines.push('\n');
    }
    let old = root()
        .join("policies/proleukin.policy")
        .display()
        .to_string();
    let new = root()
        .join("policies/proleukin-2026.policy")
        .display()
        .to_string();
    let out = policyc(
        &[
            "replay", "-", "--policy", &old, "--policy", &new, "--format", "json",
        ],
        Some(lines.as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    assert_eq!(report["requests"], 5);
    assert_eq!(report["changed"], 1);
    assert_eq!(report["unchanged"], 4);
    assert_eq!(report["old"]["effective"], "2022-01-01");
    assert_eq!(report["new"]["effective"], "2026-07-01");
    let t = &report["transitions"];
    assert_eq!(t.as_array().map(Vec::len), Some(1), "{t}");
    assert_eq!(
        (&t[0]["from"], &t[0]["to"], &t[0]["count"]),
        (&"deny".into(), &"approve".into(), &1.into())
    );
    assert_eq!(
        t[0]["examples"][0]["request_id"],
        "deny-melanoma-no-prior-therapy"
    );
}

/// `--brief` writes each decision without its explanation, as the service's `?explain=false`:
/// line for line the same decision kind and indication as the explained batch, and error records
/// unchanged.
#[test]
fn a_brief_batch_decides_each_line_as_the_explained_one() {
    let lines = generate(2_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("requests.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").expect("writes the requests");
    let input = input.display().to_string();
    let full = policyc(&["eval", "--batch", POLICY, &input], None);
    let brief = policyc(&["eval", "--batch", "--brief", POLICY, &input], None);
    assert_eq!(brief.status.code(), full.status.code());
    let full = String::from_utf8(full.stdout).expect("UTF-8");
    let brief = String::from_utf8(brief.stdout).expect("UTF-8");
    assert_eq!(full.lines().count(), brief.lines().count());
    let mut by_kind = std::collections::BTreeMap::new();
    for (n, (f, b)) in full.lines().zip(brief.lines()).enumerate() {
        let f: Value = serde_json::from_str(f).expect("JSON");
        let b: Value = serde_json::from_str(b).expect("JSON");
        if f["format"] == "policyc-error" {
            assert_eq!(f, b, "line {}: error records are the same", n + 1);
            continue;
        }
        assert_eq!(b["format"], "policyc-decision-brief", "line {}: {b}", n + 1);
        assert_eq!(b["decision"], f["decision"], "line {}", n + 1);
        assert_eq!(b["request_id"], f["request_id"], "line {}", n + 1);
        assert_eq!(
            b["indication"]["label"],
            f["indication"]["label"],
            "line {}",
            n + 1
        );
        assert!(b.get("path").is_none(), "no explanation: {b}");
        *by_kind.entry(f["decision"].to_string()).or_insert(0) += 1;
    }
    assert_eq!(
        by_kind.len(),
        4,
        "every kind of decision is compared: {by_kind:?}"
    );
}

#[test]
fn brief_needs_batch() {
    let out = policyc(&["eval", "--brief", POLICY, "-"], Some(b"{}"));
    assert_eq!(out.status.code(), Some(2));
}
