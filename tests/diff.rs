//! `policyc diff OLD NEW`, through the real binary: what changed between two versions, by
//! meaning, for people and as JSON (snapshots): the two Proleukin versions under `policies/` (one
//! criterion removed, the rest relettered), and the pair under `tests/diff-inputs/` (a criterion
//! added, limits, a sentence, a duration, the header, an indication removed and one added).

use serde_json::Value;
use std::process::{Command, Stdio};

fn policyc(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("policyc runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

const V1: &str = "policies/proleukin.policy";
const V2: &str = "policies/proleukin-2026.policy";
const OLD: &str = "tests/diff-inputs/old.policy";
const NEW: &str = "tests/diff-inputs/new.policy";

#[test]
fn proleukin_revision_is_one_removal_and_a_relettering() {
    let human = policyc(&["diff", V1, V2]);
    insta::assert_snapshot!("proleukin_human", human);
    let json = policyc(&["diff", V1, V2, "--format", "json"]);
    insta::assert_snapshot!("proleukin_json", json);
    let d: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(d["format"], "policyc-diff");
    let ind = d["indications"].as_array().expect("indications");
    assert_eq!(ind.len(), 1, "only indication 1 changed");
    let a = &ind[0]["criteria"][0];
    assert_eq!(a["new_label"], "1.A");
    let changes: Vec<(String, String, String)> = a["children"]
        .as_array()
        .expect("the items of 1.A")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("status"), s("old_label"), s("new_label"))
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("removed".into(), "1.A.iii".into(), String::new()),
            ("relabelled".into(), "1.A.iv".into(), "1.A.iii".into()),
            ("relabelled".into(), "1.A.v".into(), "1.A.iv".into()),
        ]
    );
}

#[test]
fn a_revision_of_every_kind() {
    insta::assert_snapshot!("inputs_human", policyc(&["diff", OLD, NEW]));
    let json = policyc(&["diff", OLD, NEW, "--format", "json"]);
    insta::assert_snapshot!("inputs_json", json);
    let d: Value = serde_json::from_str(&json).expect("JSON");
    let status: Vec<(&str, &str)> = d["indications"]
        .as_array()
        .expect("indications")
        .iter()
        .map(|i| {
            (
                i["label"].as_str().unwrap_or(""),
                i["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("1", "changed"),
            ("2", "changed"),
            ("3", "removed"),
            ("4", "added")
        ]
    );
    let limit = &d["indications"][0]["dosing"][0]["limits"][0];
    assert_eq!(limit["field"], "dose");
    assert_eq!(limit["old"], "at most 200 mg");
    assert_eq!(limit["new"], "at most 240 mg");
    assert_eq!(
        d["indications"][0]["fields"][0]["field"],
        "approval duration"
    );
}

#[test]
fn the_reverse_diff_undoes_the_forward_one() {
    let d: Value =
        serde_json::from_str(&policyc(&["diff", V2, V1, "--format", "json"])).expect("JSON");
    let items = &d["indications"][0]["criteria"][0]["children"];
    assert_eq!(items[0]["status"], "added");
    assert_eq!(items[0]["new_label"], "1.A.iii");
    assert_eq!(items[1]["status"], "relabelled");
    assert_eq!(items[1]["old_label"], "1.A.iii");
    assert_eq!(items[1]["new_label"], "1.A.iv");
}

#[test]
fn a_version_does_not_differ_from_itself_or_from_its_ir() {
    let out = policyc(&["diff", V1, V1]);
    assert!(
        out.ends_with(
            "\nThe two versions do not differ in their header, indications, criteria or dosing.\n"
        ),
        "{out}"
    );
    let dir = tempfile::tempdir().expect("a folder");
    let ir = dir.path().join("v2.json");
    policyc(&["compile", V2, "-o", ir.to_str().expect("UTF-8")]);
    let d: Value = serde_json::from_str(&policyc(&[
        "diff",
        V2,
        ir.to_str().expect("UTF-8"),
        "--format",
        "json",
    ]))
    .expect("JSON");
    assert_eq!(d["header"], serde_json::json!([]));
    assert_eq!(d["indications"], serde_json::json!([]));
    assert_eq!(d["old"]["content_hash"], d["new"]["content_hash"]);
}
