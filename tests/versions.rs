//! Versions of a policy, through the real binary: `eval` decides under the version in force on
//! the request's date (the two Proleukin versions under `policies/`), a date before the first
//! version is an error, an undated request is decided under today's version and says so; a
//! version that `amends` another restates only what changed; `test` runs each version's cases
//! against its own version.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const V1: &str = "policies/proleukin.policy";
const V2: &str = "policies/proleukin-2026.policy";
const NO_PRIOR_THERAPY: &str = "policies/examples/proleukin/deny-melanoma-no-prior-therapy.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn policyc_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policyc starts");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(text.as_bytes())
            .expect("writes the request");
    }
    child.wait_with_output().expect("policyc runs")
}

fn policyc(args: &[&str], stdin: Option<&str>) -> Output {
    policyc_in(&root(), args, stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn decision(args: &[&str]) -> Value {
    let mut all = vec!["eval", "--format", "json"];
    all.extend_from_slice(args);
    let out = policyc(&all, None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("a decision")
}

fn labels(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["label"].as_str().map(String::from))
        .collect()
}

fn hash_of(policy: &str) -> String {
    let out = policyc(&["compile", policy], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let program = policyc::ir::Program::from_json(&stdout(&out)).expect("the IR reads");
    policyc::versions::content_hash(&program)
}

/// The version in force on the date of service decides, whichever version's file is named.
#[test]
fn eval_picks_the_version_in_force_on_the_date_of_service() {
    let (h1, h2) = (hash_of(V1), hash_of(V2));
    assert_ne!(h1, h2);
    for named in [V1, V2] {
        // 2026-01-15 (the request's own date): the first version, which requires a prior therapy.
        let d = decision(&[named, NO_PRIOR_THERAPY]);
        assert_eq!(d["decision"], "deny");
        assert_eq!(labels(&d["unmet"]), ["1.A.iii"]);
        assert_eq!(d["policy"]["effective"], "2022-01-01");
        assert_eq!(d["policy"]["review"], "2025-02-05");
        assert_eq!(d["policy"]["in_force_until"], "2026-06-30");
        assert_eq!(d["policy"]["content_hash"], h1.as_str());
        assert_eq!(d["policy"]["chosen_for"]["date"], "2026-01-15");
        assert_eq!(d["policy"]["chosen_for"]["from"], "as_of");

        // The last day of the first version.
        let d = decision(&[named, NO_PRIOR_THERAPY, "--as-of", "2026-06-30"]);
        assert_eq!(d["decision"], "deny");
        assert_eq!(d["policy"]["effective"], "2022-01-01");

        // From the day the revision takes effect, the criterion is gone and the rest relettered.
        let d = decision(&[named, NO_PRIOR_THERAPY, "--as-of", "2026-07-01"]);
        assert_eq!(d["decision"], "approve");
        assert_eq!(
            labels(&d["criteria_met"]),
            ["1.A.i", "1.A.ii", "1.A.iii", "1.A.iv"]
        );
        assert_eq!(
            d["criteria_met"][2]["text"],
            "Proleukin will be used as a single agent"
        );
        assert_eq!(d["policy"]["effective"], "2026-07-01");
        assert_eq!(d["policy"]["review"], "2027-02-01");
        assert_eq!(d["policy"]["in_force_until"], Value::Null);
        assert_eq!(d["policy"]["content_hash"], h2.as_str());
        assert_eq!(d["policy"]["last_revision"]["date"], "2026-06-15");
    }
}

#[test]
fn the_human_decision_names_the_version_and_its_hash() {
    let out = policyc(
        &["eval", V1, NO_PRIOR_THERAPY, "--as-of", "2026-08-01"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(
        lines[1],
        "policy proleukin, effective 2026-07-01, reviewed 2027-02-01, last revised 2026-06-15"
    );
    assert_eq!(
        lines[2],
        "version in force from 2026-07-01, chosen for 2026-08-01 (the date of service)"
    );
    assert_eq!(lines[3], format!("IR sha256:{}", hash_of(V2)));
}

#[test]
fn a_date_before_the_first_version_is_an_error_never_the_latest_version() {
    let out = policyc(
        &["eval", V2, NO_PRIOR_THERAPY, "--as-of", "2021-06-01"],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).starts_with("error: no version of policy `proleukin` was in force on 2021-06-01; the first took effect on 2022-01-01"),
        "{}",
        stderr(&out)
    );
    let out = policyc(
        &["eval", "--format", "json", V1, "-"],
        Some(r#"{"as_of": "2021-12-31", "facts": {"diagnosis": "cutaneous_melanoma"}}"#),
    );
    assert_eq!(out.status.code(), Some(3));
    let e: Value = serde_json::from_str(&stdout(&out)).expect("an error document");
    assert_eq!(e["code"], "no_version_in_force");
    assert_eq!(e["problems"][0]["path"], "as_of");
}

/// Today's date (UTC), as the binary computes it.
fn today() -> String {
    policyc::versions::today()
}

#[test]
fn a_request_without_a_date_is_decided_under_todays_version_and_says_so() {
    let request = r#"{"facts": {"diagnosis": "breast_cancer"}}"#;
    let out = policyc(&["eval", "--format", "json", V1, "-"], Some(request));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d: Value = serde_json::from_str(&stdout(&out)).expect("a decision");
    let today = today();
    assert_eq!(d["as_of"], Value::Null);
    assert_eq!(d["policy"]["chosen_for"]["from"], "today");
    assert_eq!(d["policy"]["chosen_for"]["date"], today.as_str());
    let expected = if today.as_str() >= "2026-07-01" {
        "2026-07-01"
    } else {
        "2022-01-01"
    };
    assert_eq!(d["policy"]["effective"], expected);
    let out = policyc(&["eval", V1, "-"], Some(request));
    assert!(
        stdout(&out).contains(&format!("chosen for {today} (today: no date of service)")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn doc_url_links_every_cited_label() {
    let d = decision(&[
        V1,
        NO_PRIOR_THERAPY,
        "--doc-url",
        "https://plan.example/proleukin.html",
    ]);
    let links = d["links"].as_object().expect("links");
    for label in ["1", "1.A.iii", "1.B", "2", "3"] {
        assert_eq!(
            links[label],
            format!("https://plan.example/proleukin.html#{label}").as_str(),
            "{label}"
        );
    }
    let none = decision(&[V1, NO_PRIOR_THERAPY]);
    assert_eq!(none["links"], serde_json::json!({}));
}

// ------------------------------------------------------------------------ amends, in a folder

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("writes the file");
}

const BASE: &str = r#"
policy demo {
  title     "Demo policy"
  drug      "Demo drug"
  effective 2024-01-01
  revision  2024-01-01 "First version."
  not covered "Not covered."
}
enum Diagnosis open "The condition" { melanoma "Melanoma" nsclc "Non-small cell lung cancer" }
fact diagnosis: Diagnosis "The condition"
fact age: years "The patient's age"
fact prior: count "Prior therapies"
indication 1 "Melanoma" {
  applies when diagnosis is melanoma
  approve for 6 months
  criteria "Approve if ALL of the following (A and B)": all of {
    A "Patient is at least 18 years of age": age at least 18 years
    B "Patient has tried one prior therapy": prior at least 1
  }
}
"#;

#[test]
fn a_version_that_amends_another_restates_only_what_changed() {
    let dir = tempfile::tempdir().expect("a folder");
    write(dir.path(), "demo.policy", BASE);
    write(
        dir.path(),
        "demo-2025.policy",
        r#"
policy demo {
  amends    "demo.policy"
  effective 2025-01-01
  revision  2025-01-01 "Added lung cancer; melanoma approved for 1 year."
}
indication 1 "Melanoma" {
  applies when diagnosis is melanoma
  approve for 1 year
  criteria "Approve if the following (A)": all of {
    A "Patient is at least 18 years of age": age at least 18 years
  }
}
indication 2 "Non-Small Cell Lung Cancer" {
  applies when diagnosis is nsclc
  approve for 3 months
  criteria: all of { A "Patient is at least 21 years of age": age at least 21 years }
}
"#,
    );
    let out = policyc_in(dir.path(), &["check", "demo-2025.policy"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = policyc_in(dir.path(), &["compile", "demo-2025.policy"], None);
    let ir: Value = serde_json::from_str(&stdout(&out)).expect("the IR");
    assert_eq!(ir["policy"]["title"], "Demo policy");
    assert_eq!(ir["policy"]["effective"], "2025-01-01");
    assert_eq!(ir["policy"]["not_covered"], "Not covered.");
    let revisions: Vec<&str> = ir["policy"]["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["date"].as_str())
        .collect();
    assert_eq!(revisions, ["2024-01-01", "2025-01-01"]);
    assert_eq!(labels(&ir["indications"]), ["1", "2"]);
    assert_eq!(ir["indications"][0]["duration"]["amount"], 1);

    let request = |date: &str| {
        format!(r#"{{"as_of": "{date}", "facts": {{"diagnosis": "nsclc", "age": "30 years"}}}}"#)
    };
    let eval = |date: &str| {
        let out = policyc_in(
            dir.path(),
            &["eval", "--format", "json", "demo.policy", "-"],
            Some(&request(date)),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out)).expect("a decision")
    };
    assert_eq!(eval("2024-06-01")["decision"], "deny");
    assert_eq!(eval("2025-06-01")["decision"], "approve");
}

#[test]
fn amending_mistakes_are_reported_at_the_amends_line() {
    let dir = tempfile::tempdir().expect("a folder");
    write(dir.path(), "demo.policy", BASE);
    write(
        dir.path(),
        "lib.policy",
        "library lib \"Shared\"\nfact x: boolean \"X\"\n",
    );
    let cases: &[(&str, &str, &str)] = &[
        (
            "other.policy",
            "policy other {\n  amends \"demo.policy\"\n  effective 2025-01-01\n}\n",
            "amends a version of another policy, `demo`",
        ),
        (
            "early.policy",
            "policy demo {\n  amends \"demo.policy\"\n  effective 2023-01-01\n}\n",
            "this version takes effect on 2023-01-01, but the version it amends took effect on 2024-01-01",
        ),
        (
            "library.policy",
            "policy demo {\n  amends \"lib.policy\"\n  effective 2025-01-01\n}\n",
            "`lib.policy` is a library, not a version of a policy",
        ),
        (
            "missing.policy",
            "policy demo {\n  amends \"demo-2023.policy\"\n  effective 2025-01-01\n}\n",
            "cannot amend `demo-2023.policy`",
        ),
        (
            "a.policy",
            "policy loop {\n  amends \"b.policy\"\n  title \"A\" drug \"D\"\n  effective 2025-01-01\n}\n",
            "versions amend each other in a circle",
        ),
    ];
    write(
        dir.path(),
        "b.policy",
        "policy loop {\n  amends \"a.policy\"\n  title \"B\" drug \"D\"\n  effective 2026-01-01\n}\n",
    );
    for (name, text, message) in cases {
        write(dir.path(), name, text);
        let out = policyc_in(dir.path(), &["check", name], None);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("E0415"), "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
        std::fs::remove_file(dir.path().join(name)).expect("removes the file");
    }
}

/// Two other files of one version are ambiguous; a copy of the version named is not (the file
/// named is the one meant).
#[test]
fn two_versions_on_one_day_are_an_error() {
    let dir = tempfile::tempdir().expect("a folder");
    write(dir.path(), "demo.policy", BASE);
    write(dir.path(), "copy.policy", BASE);
    let eval = || {
        policyc_in(
            dir.path(),
            &["eval", "demo.policy", "-", "--as-of", "2024-06-01"],
            Some(r#"{"facts": {"diagnosis": "melanoma"}}"#),
        )
    };
    assert_eq!(eval().status.code(), Some(0), "{}", stderr(&eval()));
    let later = BASE.replace("effective 2024-01-01", "effective 2025-01-01");
    write(dir.path(), "later-a.policy", &later);
    write(dir.path(), "later-b.policy", &later);
    let out = eval();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("are both versions of policy `demo` that take effect on 2025-01-01"),
        "{}",
        stderr(&out)
    );
}

// --------------------------------------------------------------------------- test, by version

#[test]
fn test_runs_each_versions_cases_against_its_own_version() {
    let out = policyc(
        &[
            "test",
            "policies/proleukin.cases.yaml",
            "policies/proleukin-2026.cases.yaml",
            "--min-coverage",
            "100",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains(
        "policies/proleukin.cases.yaml (policy proleukin, version effective 2022-01-01)"
    ));
    assert!(text.contains(
        "policies/proleukin-2026.cases.yaml (policy proleukin, version effective 2026-07-01)"
    ));
}

#[test]
fn a_case_dated_under_another_version_fails_and_says_which() {
    let dir = tempfile::tempdir().expect("a folder");
    write(dir.path(), "demo.policy", BASE);
    write(
        dir.path(),
        "demo-2025.policy",
        "policy demo {\n  amends \"demo.policy\"\n  effective 2025-01-01\n}\n",
    );
    let case = |version: &str, date: &str| {
        format!(
            "policy: demo.policy\n{version}cases:\n  - name: \"adult\"\n    as_of: {date}\n    facts: {{diagnosis: melanoma, age: 40 years, prior: 1}}\n    expect: {{decision: approve}}\n"
        )
    };
    // The cases of the first version, one dated when the second is in force.
    write(dir.path(), "first.cases.yaml", &case("", "2025-03-01"));
    let out = policyc_in(dir.path(), &["test", "first.cases.yaml"], None);
    assert_eq!(out.status.code(), Some(5), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("the case is dated 2025-03-01, when the version effective 2025-01-01 is in force, not this one (effective 2024-01-01)"),
        "{}",
        stdout(&out)
    );
    // `version:` names the version the cases test.
    write(
        dir.path(),
        "second.cases.yaml",
        &case("version: 2025-01-01\n", "2025-03-01"),
    );
    let out = policyc_in(dir.path(), &["test", "second.cases.yaml"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("version effective 2025-01-01"));
    // A version no file has.
    write(
        dir.path(),
        "wrong.cases.yaml",
        &case("version: 2023-01-01\n", "2025-03-01"),
    );
    let out = policyc_in(dir.path(), &["test", "wrong.cases.yaml"], None);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("no version of policy `demo` takes effect on 2023-01-01"),
        "{}",
        stderr(&out)
    );
    // Before the first version.
    write(dir.path(), "early.cases.yaml", &case("", "2023-03-01"));
    let out = policyc_in(dir.path(), &["test", "early.cases.yaml"], None);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stdout(&out).contains("no version of policy `demo` was in force on 2023-03-01"),
        "{}",
        stdout(&out)
    );
}

/// A file of the policy's id that does not compile matters only where it would be in force.
#[test]
fn a_broken_version_stops_only_the_requests_it_would_decide() {
    let dir = tempfile::tempdir().expect("a folder");
    write(dir.path(), "demo.policy", BASE);
    write(
        dir.path(),
        "demo-2025.policy",
        "policy demo {\n  amends \"demo.policy\"\n  effective 2025-01-01\n}\nindication 1 \"Melanoma\" { approve for 1 year criteria: no_such_fact }\n",
    );
    let eval = |date: &str| {
        policyc_in(
            dir.path(),
            &["eval", "demo.policy", "-", "--as-of", date],
            Some(r#"{"facts": {"diagnosis": "melanoma", "age": "40 years", "prior": 1}}"#),
        )
    };
    let before = eval("2024-06-01");
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    assert!(stdout(&before).starts_with("APPROVE"));
    let after = eval("2025-06-01");
    assert_eq!(after.status.code(), Some(1));
    assert!(
        stderr(&after).contains("demo-2025.policy declares policy `demo` and takes effect on 2025-01-01, so it may be the version in force on 2025-06-01, but it does not compile"),
        "{}",
        stderr(&after)
    );
}
