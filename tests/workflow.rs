//! The analyst's workflow through the real binary: `test` output when cases pass and when one
//! fails, the coverage report, and `schema`.

use std::process::Command;

fn policyc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("policyc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn test_output_when_every_case_passes_with_the_coverage_report() {
    let (code, out) = policyc(&[
        "test",
        "policies/binimetinib.cases.yaml",
        "--coverage",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn test_output_when_a_case_fails() {
    let dir = std::env::temp_dir().join(format!("policyc-workflow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let policies = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let cases = format!(
        "policy: {}\nas_of: 2026-01-15\ncases:\n{}",
        policies.join("proleukin.policy").display(),
        r#"  - name: "a wrong expectation: RCC at the limits is approved, not denied"
    facts:
      diagnosis: renal_cell_carcinoma
      date_of_birth: "1962-11-20"
      disease_extent: [metastatic]
      single_agent: true
      prescriber_specialty: oncologist
      consulting_specialties: []
      route: intravenous
      dose_per_kg: "600000 IU/kg"
      doses_per_day: "3 doses/day"
      doses_per_cycle: "14 doses"
    expect:
      decision: deny
      unmet: [2.A]
  - name: "a right expectation"
    facts:
      diagnosis: breast_cancer
    expect:
      decision: deny
      unmet: ["not covered"]
"#
    );
    let file = dir.join("wrong.cases.yaml");
    std::fs::write(&file, cases).expect("write cases");
    // The cases file is outside `policies/`: its policy is allowed explicitly.
    let (code, out) = policyc(&[
        "test",
        &file.to_string_lossy(),
        "--allow-imports-from",
        &policies.to_string_lossy(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 5, "{out}");
    assert!(out.trim_end().ends_with("1 passed, 1 failed"), "{out}");
    insta::assert_snapshot!(out.replace(&dir.display().to_string(), "<tmp>"));
}

#[test]
fn schema_of_a_policy() {
    let (code, out) = policyc(&["schema", "policies/binimetinib.policy"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("the schema is JSON");
    assert_eq!(v["required"][0], "facts");
    insta::assert_snapshot!(out);
}

/// Coverage counts what every case shows, also the parts of a criterion that the decision did not
/// need: in the first case `i` fails, which settles `all of`, yet `ii` is still seen holding. So
/// two cases cover both criteria both ways. (Were the parts after a settled group not observed,
/// `ii` would never be seen holding.)
#[test]
fn coverage_counts_the_parts_a_settled_group_did_not_need() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("demo.policy"),
        r#"policy demo {
  title     "Demo"
  drug      "Proleukin"
  effective 2025-01-01
}

fact age: years "The patient's age"
fact other_systemic_therapies: count "How many other systemic therapies the patient has tried"

indication 1 "Cutaneous Melanoma" {
  approve for 1 year

  criteria: all of {
    i  "Patient is at least 18 years of age": age at least 18 years
    ii "Patient has tried another systemic therapy": other_systemic_therapies at least 1
  }
}
"#,
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("demo.cases.yaml"),
        r#"policy: demo.policy
as_of: 2026-01-15
cases:
  - name: "too young, though treated before: i fails and settles the group; ii holds"
    facts: { age: "17 years", other_systemic_therapies: 1 }
    expect: { decision: deny, unmet: [1.i] }
  - name: "old enough, never treated: ii fails"
    facts: { age: "40 years", other_systemic_therapies: 0 }
    expect: { decision: deny, unmet: [1.ii] }
"#,
    )
    .expect("writes");
    let cases = dir.path().join("demo.cases.yaml");
    let (code, out) = policyc(&["test", &cases.to_string_lossy(), "--coverage"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 passed"), "{out}");
    let line = |label: &str| {
        out.lines()
            .find(|l| l.contains(&format!(" {label} \"")))
            .unwrap_or_default()
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("1.i"), "held yes failed yes unknown no", "{out}");
    assert_eq!(line("1.ii"), "held yes failed yes unknown no", "{out}");
    // The indication's criteria never held: no case approves.
    assert!(out.contains("coverage: 2/3 criteria"), "{out}");
}

/// A cases file's `defaults` are the facts of every case; a case's own facts override them, and
/// `unknown` (or `null`) leaves one unstated.
#[test]
fn cases_state_only_what_differs_from_the_defaults() {
    let (code, out) = policyc(&[
        "test",
        "tests/cli-inputs/cases-demo.cases.yaml",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("5 passed, 0 failed"), "{out}");
    insta::assert_snapshot!(out);
}

/// An expectation naming a label or a fact the policy does not have, and a case un-stating a fact
/// the policy does not have, fail the case with the place in the cases file and a did-you-mean.
#[test]
fn cases_naming_labels_and_facts_the_policy_lacks_fail_where_written() {
    let (code, out) = policyc(&["test", "tests/cli-inputs/cases-demo-wrong-names.cases.yaml"]);
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("0 passed, 5 failed"), "{out}");
    assert!(
        out.contains("cases-demo-wrong-names.cases.yaml:16:15: `expect.unmet` names `1.B.iv`"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}
