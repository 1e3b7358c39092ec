//! This repository's own CI over its policies, through the real binary: every policy under
//! `policies/` passes `check --strict`, its cases pass with 100% criterion coverage, and it is
//! formatted. And coverage really guards CI: removing a case drops it below 100% and fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn policyc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the policyc binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn policies() -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies"))
            .expect("policies/ exists")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
            .map(|p| {
                format!(
                    "policies/{}",
                    p.file_name().expect("a file name").to_string_lossy()
                )
            })
            .collect();
    v.sort();
    v
}

#[test]
fn every_policy_passes_check_strict() {
    let files = policies();
    assert!(!files.is_empty());
    let mut args = vec!["check", "--strict"];
    args.extend(files.iter().map(|s| s.as_str()));
    args.push("policies/lib/common.policy");
    let (code, _, err) = policyc(&args);
    assert_eq!(code, 0, "check --strict failed:\n{err}");
}

#[test]
fn every_policy_has_cases_that_pass_with_full_coverage() {
    for p in policies() {
        let cases = p.replace(".policy", ".cases.yaml");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(&cases).exists(),
            "{p} has no cases file"
        );
    }
    let (code, out, err) = policyc(&["test", "policies", "--min-coverage", "100"]);
    assert_eq!(code, 0, "policyc test failed:\n{out}\n{err}");
    let last = out.lines().last().unwrap_or_default();
    assert!(last.ends_with("passed, 0 failed"), "{last}");
    for line in out
        .lines()
        .filter(|l| l.trim_start().starts_with("coverage:"))
    {
        assert!(line.contains("(100%)"), "{line}");
    }
}

/// A copy of `policies/` in a fresh temporary directory.
fn copy_policies(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policyc-policies-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    copy_dir(&src, &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create temp dir");
    for e in std::fs::read_dir(from)
        .expect("read dir")
        .filter_map(|e| e.ok())
    {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy file");
        }
    }
}

/// The cases file without the case of that name.
fn without_case(yaml: &str, name: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in yaml.lines() {
        if line.starts_with("  - name:") {
            skipping = line.contains(name);
        } else if !line.starts_with("    ") {
            skipping = false;
        }
        if !skipping {
            out.push(line);
        }
    }
    out.join("\n") + "\n"
}

#[test]
fn removing_one_case_drops_coverage_and_fails_ci() {
    let dir = copy_policies("drop");
    let cases = dir.join("proleukin.cases.yaml");
    let yaml = std::fs::read_to_string(&cases).expect("cases file");
    let name = "1.A.iii fails: no other systemic therapy tried";
    assert!(yaml.contains(name), "the case exists");
    let reduced = without_case(&yaml, name);
    assert!(!reduced.contains(name) && reduced.len() < yaml.len());
    std::fs::write(&cases, reduced).expect("write reduced cases");
    let path = cases.to_string_lossy().into_owned();
    let (code, out, _) = policyc(&["test", &path, "--min-coverage", "100"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 5, "coverage below 100% must fail:\n{out}");
    assert!(out.contains("47/48"), "{out}");
    assert!(
        out.contains("failed NO") && out.contains("1.A.iii"),
        "the uncovered criterion is named:\n{out}"
    );
    assert!(out.contains("is below the required 100%"), "{out}");
    // The same cases still pass without the threshold: it is coverage, not a case, that fails.
    let (code, out2, _) = policyc(&["test", "policies/proleukin.cases.yaml"]);
    assert_eq!(code, 0, "{out2}");
}

#[test]
fn coverage_threshold_is_exact_not_rounded() {
    let dir = copy_policies("exact");
    let cases = dir.join("proleukin.cases.yaml");
    let yaml = std::fs::read_to_string(&cases).expect("cases file");
    std::fs::write(
        &cases,
        without_case(&yaml, "1.A.iii fails: no other systemic therapy tried"),
    )
    .expect("write");
    let path = cases.to_string_lossy().into_owned();
    // 47/48 is 97.91666…%: it meets 97.9 and fails 97.92, and is shown truncated, never rounded up.
    let (meets, out, _) = policyc(&["test", &path, "--min-coverage", "97.9"]);
    let (fails, _, _) = policyc(&["test", &path, "--min-coverage", "97.92"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(meets, 0, "{out}");
    assert_eq!(fails, 5);
    assert!(out.contains("(97.9%)"), "{out}");
}

#[test]
fn every_policy_is_formatted() {
    let (code, out, err) = policyc(&["fmt", "--check", "policies"]);
    assert_eq!(code, 0, "fmt --check failed:\n{out}\n{err}");
}

#[test]
fn fmt_check_and_diff_report_an_unformatted_file_without_changing_it() {
    let dir = copy_policies("fmt");
    let file = dir.join("proleukin.policy");
    let original = std::fs::read_to_string(&file).expect("policy");
    let messy = original.replacen("  effective 2022-01-01", "      effective    2022-01-01", 1);
    assert_ne!(messy, original);
    std::fs::write(&file, &messy).expect("write");
    let path = file.to_string_lossy().into_owned();
    let (check, _, err) = policyc(&["fmt", "--check", &path]);
    let (diff, out, _) = policyc(&["fmt", "--diff", &path]);
    let untouched = std::fs::read_to_string(&file).expect("policy");
    let (write, _, _) = policyc(&["fmt", &path]);
    let formatted = std::fs::read_to_string(&file).expect("policy");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(check, 1, "{err}");
    assert!(err.contains("not formatted"), "{err}");
    assert_eq!(diff, 0);
    assert!(
        out.contains("-      effective    2022-01-01") && out.contains("+  effective 2022-01-01"),
        "{out}"
    );
    assert_eq!(untouched, messy, "--check and --diff change nothing");
    assert_eq!(write, 0);
    assert_eq!(
        formatted, original,
        "formatting restores the canonical layout"
    );
}
