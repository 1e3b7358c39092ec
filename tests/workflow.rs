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
