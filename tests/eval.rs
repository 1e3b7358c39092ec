//! Decisions on the request corpus, as snapshots.
//!
//! Every request under `tests/requests/proleukin/` is bound to `policies/proleukin.policy` and
//! evaluated; its decision JSON is snapshotted. The README examples under `policies/examples/`
//! are snapshotted in both forms: the decision JSON and the human rendering. For every file the
//! evaluation must be deterministic (byte-identical JSON twice over) and the fast path
//! ([`policyc::eval::decide`]) must agree with the explained decision ([`policyc::eval::evaluate`]).
//!
//! Requests kept under `tests/requests/pending/` are inputs whose decision is known to be wrong;
//! they are not snapshotted until the behaviour is fixed.

use policyc::eval::{decide, evaluate, render_human, Decision, DecisionKind};
use policyc::ir::Program;
use std::path::Path;
use std::sync::OnceLock;

fn program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/proleukin.policy");
        let src = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let checked = policyc::compile_source_in(&src, std::path::Path::new("policies"));
        match checked.program {
            Some(p) => p,
            None => panic!(
                "policies/proleukin.policy does not compile: {:#?}",
                checked.diagnostics
            ),
        }
    })
}

/// Bind and evaluate one request file, checking that `decide` agrees with `evaluate`.
fn run(path: &Path) -> Decision {
    let p = program();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let req = policyc::request::bind(p, &text, None)
        .unwrap_or_else(|errs| panic!("{}: the request does not bind: {errs:#?}", path.display()));
    let decision = evaluate(p, &req);
    let outcome = decide(p, &req);
    assert_eq!(
        outcome.kind,
        decision.decision,
        "{}: decide and evaluate disagree",
        path.display()
    );
    assert_eq!(
        outcome.indication.map(|i| p.indications[i].label.clone()),
        decision.indication.as_ref().map(|i| i.label.clone()),
        "{}: decide and evaluate name different indications",
        path.display()
    );
    decision
}

/// The decision JSON, after checking that a second evaluation gives the same bytes.
fn decision_json(path: &Path) -> (Decision, String) {
    let first = run(path);
    let json = serde_json::to_string_pretty(&first).expect("a decision serializes");
    let again = serde_json::to_string_pretty(&run(path)).expect("a decision serializes");
    assert_eq!(
        json,
        again,
        "{}: evaluating twice gives different JSON",
        path.display()
    );
    (first, json)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .expect("a file name")
        .to_string()
}

#[test]
fn proleukin_requests() {
    insta::glob!("requests/proleukin/*.json", |path| {
        let (decision, json) = decision_json(path);
        assert_eq!(
            decision.request_id.as_deref(),
            Some(stem(path).as_str()),
            "{}: the request_id should be the file's name",
            path.display()
        );
        insta::assert_snapshot!("decision", json);
    });
}

#[test]
fn proleukin_examples() {
    insta::glob!("../policies/examples", "proleukin/*.json", |path| {
        let (decision, json) = decision_json(path);
        // Examples are named by their decision: `approve-…`, `deny-…`, `needs_info-…`, `refer-…`.
        let name = stem(path);
        let kind = decision.decision.as_str();
        assert!(
            name.starts_with(&format!("{kind}-")),
            "{}: the example is named for another decision than {kind}",
            path.display()
        );
        insta::assert_snapshot!("example_decision", json);
        let human = render_human(&decision);
        assert_eq!(
            human,
            render_human(&run(path)),
            "{}: rendering twice differs",
            path.display()
        );
        insta::assert_snapshot!("example_human", human);
    });
}

/// The README examples show each of the four decisions, and the corpus is large enough to cover
/// every criterion and limit of the policy.
#[test]
fn corpus_covers_every_decision() {
    let dir = |d: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(d);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
    };
    let kinds = |files: &[std::path::PathBuf]| {
        let mut k: Vec<DecisionKind> = files.iter().map(|f| run(f).decision).collect();
        k.sort_by_key(|d| d.as_str());
        k.dedup();
        k
    };
    let all = vec![
        DecisionKind::Approve,
        DecisionKind::Deny,
        DecisionKind::NeedsInfo,
        DecisionKind::Refer,
    ];
    let corpus = dir("tests/requests/proleukin");
    assert!(
        corpus.len() >= 30,
        "the corpus has {} requests",
        corpus.len()
    );
    assert_eq!(kinds(&corpus), all);
    assert_eq!(kinds(&dir("policies/examples/proleukin")), all);
}
