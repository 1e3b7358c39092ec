//! The cases runner checks the fast path against the explained decision: the comparison, on a
//! policy where both agree (as they must) and on outcomes made to disagree.

use crate::cases::{bind_json, fast_path_disagreement, parse_cases, run, Coverage};
use crate::eval::{self, DecisionKind, Outcome};
use policyc_ir::ir::Program;

/// Three indications: 1 approves with `a`, 2 with `b`, 3 refers with `c` (through a `refer
/// to a clinician` criterion). Compiled from `cases/testdata/fast-path.policy`.
fn program() -> Program {
    Program::from_json(include_str!("testdata/fast-path.ir.json")).expect(
        "the fixture reads; if its format version is old, recompile it as fast-path.policy says",
    )
}

/// The explained decision of a request stating `facts`, and the fast path's outcome.
fn both(p: &Program, facts: &str) -> (Outcome, eval::Decision) {
    let json: serde_json::Value = serde_json::from_str(&format!(
        "{{\"as_of\": \"2026-01-15\", \"facts\": {{{facts}}}}}"
    ))
    .expect("test request is JSON");
    let req = bind_json(p, &json, None).expect("test request binds");
    (eval::decide(p, &req), eval::evaluate(p, &req))
}

#[test]
fn agreeing_paths_report_nothing_for_every_kind() {
    let p = program();
    for (facts, kind, label) in [
        (r#""a": true"#, DecisionKind::Approve, Some("1")),
        (r#""a": false, "b": true"#, DecisionKind::Approve, Some("2")),
        (
            r#""a": false, "b": false, "c": true"#,
            DecisionKind::Refer,
            Some("3"),
        ),
        (
            r#""a": false, "b": false, "c": false"#,
            DecisionKind::Deny,
            None,
        ),
        (r#""a": false"#, DecisionKind::NeedsInfo, None),
    ] {
        let (fast, d) = both(&p, facts);
        assert_eq!(d.decision, kind, "{facts}");
        assert_eq!(
            d.indication.as_ref().map(|i| i.label.as_str()),
            label,
            "{facts}"
        );
        assert_eq!(fast_path_disagreement(&p, &fast, &d), None, "{facts}");
    }
}

#[test]
fn a_different_kind_is_reported_naming_both_decisions() {
    let p = program();
    let (_, d) = both(&p, r#""a": true"#);
    let fast = Outcome {
        kind: DecisionKind::Deny,
        indication: None,
    };
    let m = fast_path_disagreement(&p, &fast, &d).expect("a disagreement");
    assert!(
        m.contains("the fast path (decide) gives deny, the explained decision (evaluate) gives approve under 1"),
        "{m}"
    );
    // The same kind under no indication where the explanation names one.
    let (_, d) = both(&p, r#""a": false, "b": false, "c": false"#);
    let fast = Outcome {
        kind: DecisionKind::NeedsInfo,
        indication: None,
    };
    let m = fast_path_disagreement(&p, &fast, &d).expect("a disagreement");
    assert!(
        m.contains("gives needs_info, the explained decision (evaluate) gives deny"),
        "{m}"
    );
}

#[test]
fn a_different_indication_is_reported_naming_both() {
    let p = program();
    let (fast, d) = both(&p, r#""a": true, "b": true"#);
    assert_eq!(fast.indication, Some(0));
    let other = Outcome {
        kind: DecisionKind::Approve,
        indication: Some(1),
    };
    let m = fast_path_disagreement(&p, &other, &d).expect("a disagreement");
    assert!(
        m.contains("(decide) gives approve under 2, the explained decision (evaluate) gives approve under 1"),
        "{m}"
    );
    // The fast path naming an indication the explanation does not.
    let (_, d) = both(&p, r#""a": false, "b": false, "c": false"#);
    let other = Outcome {
        kind: DecisionKind::Deny,
        indication: Some(2),
    };
    let m = fast_path_disagreement(&p, &other, &d).expect("a disagreement");
    assert!(
        m.contains("gives deny under 3, the explained decision (evaluate) gives deny"),
        "{m}"
    );
}

#[test]
fn the_runner_passes_cases_on_which_both_paths_agree() {
    let p = program();
    let file = parse_cases(
        "cases:\n  - name: one\n    facts: {a: true}\n    expect: {decision: approve, path: \"1\"}\n  - name: refer\n    facts: {a: false, b: false, c: true}\n    expect: {decision: refer}\n  - name: open\n    facts: {a: false}\n    expect: {decision: needs_info}\n",
    )
    .expect("the cases parse");
    let results = run(&p, &file, &mut Coverage::new(&p));
    assert_eq!(results.len(), 3);
    for r in &results {
        assert!(r.passed(), "{}: {:?}", r.name, r.failures);
    }
}
