//! Decisions decided as soon as they are determined, and needs_info asking only what matters
//! (README, Decisions): each test runs `policyc eval --format json` on a request and reads the
//! decision's JSON. The expected answers are worked out by hand from the README.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// `policyc eval <policy> - --format json` with `request` on standard input.
fn eval(policy: &Path, request: &str) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["eval", policy.to_str().unwrap(), "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A policy written to a fresh folder.
fn policy(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.policy"));
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn missing(d: &Value) -> Vec<&str> {
    d["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["fact"].as_str().unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

/// A dosing `one of` whose last branch refers doses backed by literature, in a policy that refers
/// doses outside its dosing anyway: a dose outside the other branches is referred whatever
/// `literature_submitted` is, naming the exceeded limit; the fact is not asked for.
const LITERATURE: &str = r#"
policy lit {
  title "Literature" drug "D" effective 2024-01-01
  outside dosing "Other doses are reviewed by a clinician."
}
fact single_agent: boolean "Given as a single agent"
fact dose: mcg "The dose"
fact literature_submitted: documentation "Literature supporting the requested dose"
indication 1 "One" {
  approve for 6 months
  criteria: all of { A "Single agent": single_agent }
  dosing "One of (a or b)": one of {
    a "No more than 68 mcg": dose at most 68 mcg
    b "The dose is supported by literature" when literature_submitted: refer to a clinician
  }
}
"#;

#[test]
fn a_dose_outside_the_dosing_is_referred_whatever_the_literature_is() {
    let (_dir, path) = policy("lit", LITERATURE);
    let d = eval(
        &path,
        r#"{"facts": {"single_agent": true, "dose": "100 mcg"}}"#,
    );
    assert_eq!(d["decision"], "refer", "{d:#}");
    let exceeded: Vec<&str> = d["exceeded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(exceeded, ["1.Dosing.a"]);
    assert!(d["statement"].is_string());
    // With the criteria unstated too, only the criteria are asked for: the referral does not
    // depend on the literature.
    let d = eval(&path, r#"{"facts": {"dose": "100 mcg"}}"#);
    assert_eq!(d["decision"], "needs_info");
    assert_eq!(missing(&d), ["single_agent"]);
    assert_eq!(strings(&d["missing"][0]["criteria"]), ["1.A"]);
}

/// A fact read twice by one indication, so that no single part settles it: every completion
/// approves (the count is either at least 2, or less than 2 and then the other branch's limit
/// holds), so the request is approved without asking for the count.
#[test]
fn a_criterion_that_holds_for_every_value_of_a_fact_approves() {
    let (_dir, path) = policy(
        "both",
        r#"
policy both { title "T" drug "D" effective 2024-01-01 }
fact prior_therapies: count "Other therapies tried"
fact dose: mg "The dose"
indication 1 "One" {
  approve for 1 year
  criteria: one of {
    A "Two or more prior therapies": prior_therapies at least 2
    B "Fewer than two, at a low dose" when prior_therapies less than 2: dose at most 100 mg
  }
}
"#,
    );
    let d = eval(&path, r#"{"facts": {"dose": "50 mg"}}"#);
    assert_eq!(d["decision"], "approve", "{d:#}");
    // At a higher dose the count decides, and only it is asked for.
    let d = eval(&path, r#"{"facts": {"dose": "150 mg"}}"#);
    assert_eq!(d["decision"], "needs_info");
    assert_eq!(missing(&d), ["prior_therapies"]);
}

/// `flag_a or flag_b`: both are listed (either can change the decision), as alternatives of one
/// another; `flag_a and flag_b` lists both, as no alternatives.
#[test]
fn alternatives_are_grouped_and_requirements_are_not() {
    let text = |cond: &str| {
        format!(
            r#"
policy alt {{ title "T" drug "D" effective 2024-01-01 }}
fact flag_a: boolean "Flag A"
fact flag_b: boolean "Flag B"
indication 1 "One" {{
  approve for 1 year
  criteria: all of {{ A "Either": {cond} }}
}}
"#
        )
    };
    let (_dir, path) = policy("alt", &text("flag_a or flag_b"));
    let d = eval(&path, r#"{"facts": {}}"#);
    assert_eq!(missing(&d), ["flag_a", "flag_b"]);
    assert_eq!(strings(&d["missing"][0]["alternatives"]), ["flag_b"]);
    assert_eq!(strings(&d["missing"][1]["alternatives"]), ["flag_a"]);
    assert_eq!(strings(&d["missing"][0]["criteria"]), ["1.A"]);
    assert!(
        d["summary"]
            .as_str()
            .unwrap()
            .ends_with(": Flag A [flag_a] or Flag B [flag_b]."),
        "{}",
        d["summary"]
    );
    let (_dir, path) = policy("alt", &text("flag_a and flag_b"));
    let d = eval(&path, r#"{"facts": {}}"#);
    assert_eq!(missing(&d), ["flag_a", "flag_b"]);
    assert_eq!(
        strings(&d["missing"][0]["alternatives"]),
        Vec::<&str>::new()
    );
}

/// Proleukin's "prescribed by or in consultation with an oncologist", neither fact stated: the two
/// are alternatives, both needed for 1.A.v.
#[test]
fn prescriber_and_consulting_specialties_are_alternatives() {
    let d = eval(
        &repo("policies/proleukin.policy"),
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "cutaneous_melanoma", "date_of_birth": "1971-06-02",
            "disease_extent": ["metastatic"], "other_systemic_therapies": 2, "single_agent": true,
            "route": "intravenous", "dose_per_kg": "600000 [IU]/kg", "doses_per_day": "3 {dose}/d",
            "doses_per_cycle": "14 {dose}"}}"#,
    );
    assert_eq!(d["decision"], "needs_info", "{d:#}");
    assert_eq!(
        missing(&d),
        ["prescriber_specialty", "consulting_specialties"]
    );
    assert_eq!(
        strings(&d["missing"][0]["alternatives"]),
        ["consulting_specialties"]
    );
    assert_eq!(strings(&d["missing"][1]["criteria"]), ["1.A.v"]);
}

/// Nivolumab without a body weight: the weight band and the dose per kilogram both need it, and
/// the dose per kilogram is computed from it: only `body_weight` is asked for.
#[test]
fn a_computed_fact_is_not_listed_beside_its_input() {
    let d = eval(
        &repo("policies/nivolumab.policy"),
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "cutaneous_melanoma", "with_ipilimumab": false, "date_of_birth": "1970-05-01",
            "disease_extent": ["metastatic"], "single_agent": true,
            "prescriber_specialty": "oncologist", "consulting_specialties": [],
            "route": "intravenous", "dose": "240 mg", "dose_interval": "2 weeks"}}"#,
    );
    assert_eq!(d["decision"], "needs_info", "{d:#}");
    assert_eq!(missing(&d), ["body_weight"]);
    let criteria = strings(&d["missing"][0]["criteria"]);
    assert!(criteria.len() >= 2, "{criteria:?}");
}

/// The exact search is bounded (README, Decisions: 20,000 cells a decision): `n_i more than 1 or
/// n_i at most 1` holds whatever `n_i` is, but the three-valued reading leaves it unknown. With 5
/// such facts unstated (3^5 = 243 completions) every completion is tried and the request is
/// approved; with 10 (3^10 = 59,049) the search stops at its bound and the decision is read
/// three-valued: needs_info. (A search without its bound would approve both.)
#[test]
fn the_exact_search_stops_at_its_bound() {
    let text = |n: usize| {
        let facts: String = (0..n)
            .map(|i| format!("fact n{i}: count \"Count {i}\"\n"))
            .collect();
        let conds: Vec<String> = (0..n)
            .map(|i| {
                format!("    C{i} \"Count {i} is anything\": n{i} more than 1 or n{i} at most 1")
            })
            .collect();
        format!(
            "policy bound {{ title \"T\" drug \"D\" effective 2024-01-01 }}\n{facts}indication 1 \"One\" {{\n  approve for 1 year\n  criteria: all of {{\n{}\n  }}\n}}\n",
            conds.join("\n")
        )
    };
    let (_dir, path) = policy("bound5", &text(5));
    let d = eval(&path, r#"{"as_of": "2026-01-15", "facts": {}}"#);
    assert_eq!(d["decision"], "approve", "{d:#}");
    let (_dir, path) = policy("bound10", &text(10));
    let d = eval(&path, r#"{"as_of": "2026-01-15", "facts": {}}"#);
    assert_eq!(d["decision"], "needs_info", "{d:#}");
    assert_eq!(missing(&d).len(), 10, "{d:#}");
}
