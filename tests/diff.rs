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
            "\nThe two versions do not differ in their header, indications, criteria or dosing.\n\nDecisions:\n  The two versions decide every request alike.\n"
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

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("policyc runs")
}

#[test]
fn proleukin_revision_changes_exactly_the_requests_that_relied_on_the_removed_criterion() {
    let d: Value = serde_json::from_str(&policyc(&[
        "diff",
        V1,
        V2,
        "--format",
        "json",
        "--regions",
        "1000",
    ]))
    .expect("JSON");
    let c = &d["decisions"];
    assert_eq!(c["method"], "exact", "{c}");
    assert_eq!(c["not_exact"], serde_json::json!([]));
    assert_eq!(c["alike"], false);
    let regions = c["regions"].as_array().expect("regions");
    assert_eq!(
        regions.len() as u64,
        c["region_count"].as_u64().expect("count")
    );
    let transitions: Vec<(String, String)> = c["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| {
            (
                t["from"]["decision"].as_str().unwrap_or("").to_string(),
                t["to"]["decision"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        transitions.contains(&("deny".into(), "approve".into())),
        "{transitions:?}"
    );
    for r in regions {
        assert_eq!(r["witness"]["confirmed"], true, "{r}");
        // Every request that changes is one the removed criterion (tried another systemic
        // therapy) failed or left open, under the melanoma indication or without a diagnosis.
        let conds: Vec<&str> = r["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .map(|x| x["condition"].as_str().unwrap_or(""))
            .collect();
        assert!(
            conds
                .iter()
                .any(|x| x.starts_with("other_systemic_therapies at most 0")
                    || *x == "other_systemic_therapies not stated"),
            "{conds:?}"
        );
        assert_ne!(r["from"], r["to"]);
        // The revision kept every fact, so both versions are asked the same request.
        assert_eq!(r["witness"]["old"], r["witness"]["new"]);
    }
    // A deny → approve witness: melanoma, intravenous, no other therapy tried.
    let approve = regions
        .iter()
        .find(|r| r["from"]["decision"] == "deny" && r["to"]["decision"] == "approve")
        .expect("a deny → approve region");
    let w = &approve["witness"]["new"];
    assert_eq!(w["diagnosis"], "cutaneous_melanoma");
    assert_eq!(w["route"], "intravenous");
    assert_eq!(w["other_systemic_therapies"], 0);
    assert_eq!(approve["to"]["indication"], "1");
    assert_eq!(approve["to"]["duration"], "1 year");
}

/// A decision as `diff` names it in a witness case: `deny`, `approve (1 Cutaneous Melanoma, 1 year)`.
fn words(d: &Value) -> String {
    let kind = d["decision"].as_str().unwrap_or("");
    match (d["indication"].as_str(), d["duration"].as_str()) {
        (Some(i), Some(t)) => format!("{kind} ({i} {}, {t})", d["title"].as_str().unwrap_or("")),
        _ => kind.to_string(),
    }
}

/// One case of a witnesses file: its name, version, and expected decision and duration.
#[derive(Debug)]
struct WitnessCase {
    name: String,
    version: String,
    decision: String,
    duration: Option<String>,
}

/// The cases of a witnesses file, in order (it is written one key a line).
fn witness_cases(text: &str) -> Vec<WitnessCase> {
    let value = |case: &str, key: &str| {
        case.lines()
            .find_map(|l| l.trim_start().strip_prefix(key))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    text.split("\n  - name: ")
        .skip(1)
        .map(|case| WitnessCase {
            name: case
                .lines()
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string(),
            version: value(case, "version: ").unwrap_or_default(),
            decision: value(case, "decision: ").unwrap_or_default(),
            duration: value(case, "duration: "),
        })
        .collect()
}

#[test]
fn the_witnesses_confirm_each_transition_under_test_and_a_wrong_expectation_fails() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("witnesses.cases.yaml");
    let f = file.to_str().expect("UTF-8");
    let out = run(&["diff", V1, V2, "--witnesses", f]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("the witnesses");
    assert!(text.contains("version: 2022-01-01"), "{text}");
    assert!(text.contains("version: 2026-07-01"), "{text}");
    // The witnesses (written with the default cap, fewer regions than the diff counts) hold a
    // pair of cases of every transition the diff reports, expecting its two decisions.
    let d: Value =
        serde_json::from_str(&policyc(&["diff", V1, V2, "--format", "json"])).expect("JSON");
    let c = &d["decisions"];
    assert!(
        c["regions"].as_array().expect("regions").len()
            < c["region_count"].as_u64().expect("count") as usize,
        "the cap leaves regions out: {c}"
    );
    let transitions = c["transitions"].as_array().expect("transitions");
    assert_eq!(transitions.len(), 5, "{c}");
    let cases = witness_cases(&text);
    assert_eq!(
        cases.len(),
        2 * c["regions"].as_array().expect("regions").len(),
        "{text}"
    );
    for t in transitions {
        let (from, to) = (words(&t["from"]), words(&t["to"]));
        let name = format!("({from} → {to})");
        let pair = cases
            .chunks(2)
            .find(|p| p[0].name.contains(&name))
            .unwrap_or_else(|| panic!("no witness of {name} in\n{text}"));
        for (case, side, version, decided) in [
            (&pair[0], "old version", "2022-01-01", &t["from"]),
            (&pair[1], "new version", "2026-07-01", &t["to"]),
        ] {
            assert!(
                case.name.contains(&name) && case.name.ends_with(side),
                "{case:?}"
            );
            assert_eq!(case.version, version, "{case:?}");
            assert_eq!(Some(case.decision.as_str()), decided["decision"].as_str());
            assert_eq!(case.duration.as_deref(), decided["duration"].as_str());
        }
    }
    let test = run(&["test", f, "--allow-imports-from", "policies"]);
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert_eq!(
        test.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&test.stderr)
    );
    assert!(stdout.contains("version effective 2022-01-01"), "{stdout}");
    assert!(stdout.contains("version effective 2026-07-01"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
    // The first new-version case expecting an approval, made to expect a denial: it fails.
    let at = text
        .find("new version\"")
        .and_then(|i| text[i..].find("decision: ").map(|j| i + j))
        .expect("a new-version case");
    let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
    let wrong = format!(
        "{}decision: {}{}",
        &text[..at],
        if text[at..end].contains("deny") {
            "approve"
        } else {
            "deny"
        },
        &text[end..]
    );
    std::fs::write(&file, wrong).expect("written");
    let test = run(&["test", f, "--allow-imports-from", "policies"]);
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert_eq!(test.status.code(), Some(5), "{stdout}");
    assert_eq!(stdout.matches("FAIL").count(), 1, "{stdout}");
}

#[test]
fn a_version_decides_every_request_as_itself() {
    let out = policyc(&["diff", V1, V1]);
    assert!(
        out.contains("\nDecisions:\n  The two versions decide every request alike.\n"),
        "{out}"
    );
}

#[test]
fn witnesses_need_two_versions_of_one_policy() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("w.cases.yaml");
    let out = run(&[
        "diff",
        OLD,
        V2,
        "--witnesses",
        file.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--witnesses"));
    assert!(!file.exists());
}
