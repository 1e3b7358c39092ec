//! Decisions on the request corpus, as snapshots.
//!
//! Every request under `tests/requests/proleukin/` is bound to `policies/proleukin.policy` and
//! evaluated; its decision must be the one `tests/requests/proleukin/expected.txt` states for it (the
//! kind, and the branch, unmet criteria, exceeded limits or missing facts it cites), and its decision
//! JSON is snapshotted. The README examples under `policies/examples/`
//! are snapshotted in both forms: the decision JSON and the human rendering. For every file the
//! evaluation must be deterministic (byte-identical JSON twice over) and the fast path
//! ([`policyc::eval::decide`]) must agree with the explained decision ([`policyc::eval::evaluate`]).
//!
//! Requests kept under `tests/requests/pending/` are inputs whose decision is known to be wrong;
//! they are not snapshotted until the behaviour is fixed.

use policyc::eval::{decide, evaluate, render_human, Decision, DecisionKind};
use policyc::ir::Program;
use std::collections::BTreeMap;
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

/// The expectations of `tests/requests/proleukin/expected.txt`, by file name (without `.json`): the
/// decision's name, then its `key=value` items (see the file's opening comment).
fn expectations() -> BTreeMap<String, (String, Vec<(String, String)>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/requests/proleukin/expected.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(name), Some(kind)) = (words.next(), words.next()) else {
            panic!(
                "expected.txt:{}: a line is `<file> <decision> [key=value...]`",
                n + 1
            )
        };
        let items = words
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (w.to_string(), String::new()),
            })
            .collect();
        let before = out.insert(name.to_string(), (kind.to_string(), items));
        assert!(
            before.is_none(),
            "expected.txt:{}: {name} is listed twice",
            n + 1
        );
    }
    out
}

fn list(v: &str) -> Vec<&str> {
    v.split(',').collect()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

/// Check a decision against its line of `expected.txt`.
fn check_expectation(name: &str, kind: &str, items: &[(String, String)], d: &Decision) {
    let p = program();
    assert_eq!(
        d.decision.as_str(),
        kind,
        "{name}: the decision ({})",
        d.summary
    );
    let mut cites_indication = None;
    for (key, value) in items {
        match key.as_str() {
            "path" => {
                assert_eq!(
                    d.path.last().map(String::as_str),
                    Some(value.as_str()),
                    "{name}: the branch"
                );
                cites_indication = Some(value.as_str());
            }
            "unmet" => assert_eq!(
                sorted(d.unmet.iter().map(|u| u.label.as_str()).collect()),
                sorted(list(value)),
                "{name}: the unmet criteria"
            ),
            "not_applicable" => assert_eq!(
                sorted(d.not_applicable.iter().map(|u| u.label.as_str()).collect()),
                sorted(list(value)),
                "{name}: the branches not applying"
            ),
            "not_covered" => {
                assert_eq!(d.statement, p.policy.not_covered, "{name}: the statement");
                assert!(d.statement.is_some(), "{name}: the `not covered` statement");
                assert!(
                    !d.considered.is_empty()
                        && d.considered.iter().all(|c| c.outcome == "not_applicable"),
                    "{name}: some indication applies: {:?}",
                    d.considered
                );
            }
            "exceeded" => {
                let got: Vec<String> = d
                    .exceeded
                    .iter()
                    .map(|l| format!("{}:{}", l.label, l.test.fact))
                    .collect();
                assert_eq!(
                    sorted(got.iter().map(String::as_str).collect()),
                    sorted(list(value)),
                    "{name}: the exceeded limits"
                );
                cites_indication = list(value).first().copied();
            }
            "missing" => assert_eq!(
                d.missing
                    .iter()
                    .map(|m| m.fact.as_str())
                    .collect::<Vec<_>>(),
                list(value),
                "{name}: the missing facts"
            ),
            "or_inputs" => {
                for input in list(value) {
                    assert!(
                        d.missing
                            .iter()
                            .any(|m| m.or_inputs.iter().any(|i| i == input)),
                        "{name}: no missing fact can be computed from {input}: {:?}",
                        d.missing
                    );
                }
            }
            other => panic!("expected.txt, {name}: unknown key `{other}`"),
        }
    }
    // An approval or a referral is under the indication the label cited is part of.
    if let Some(label) = cites_indication {
        let ind = label.split(['.', ':']).next().unwrap_or(label);
        assert_eq!(
            d.indication.as_ref().map(|i| i.label.as_str()),
            Some(ind),
            "{name}: the indication"
        );
    }
}

#[test]
fn proleukin_requests() {
    let expected = expectations();
    insta::glob!("requests/proleukin/*.json", |path| {
        let (decision, json) = decision_json(path);
        let name = stem(path);
        assert_eq!(
            decision.request_id.as_deref(),
            Some(name.as_str()),
            "{}: the request_id should be the file's name",
            path.display()
        );
        let Some((kind, items)) = expected.get(&name) else {
            panic!(
                "{}: no expectation; add a line `{name} <decision> ...` to tests/requests/proleukin/expected.txt",
                path.display()
            )
        };
        check_expectation(&name, kind, items, &decision);
        insta::assert_snapshot!("decision", json);
    });
}

/// Every line of `expected.txt` is about a request of the folder, and every request has one.
#[test]
fn every_corpus_request_has_an_expectation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/requests/proleukin");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| stem(&p))
        .collect();
    let expected = expectations();
    let listed: Vec<&String> = expected.keys().collect();
    let mut files_sorted: Vec<&String> = files.iter().collect();
    files_sorted.sort();
    assert_eq!(
        listed, files_sorted,
        "tests/requests/proleukin/expected.txt and the request files differ"
    );
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
