//! The decision JSON Schema that `policyc schema --decision` prints, checked against decisions.
//!
//! The schema is taken from the real binary and compiled with a draft 2020-12 validator (format
//! assertions on). Every decision snapshot under `tests/snapshots` must validate, and so must the
//! decisions on every request of the corpus, every policy example, every case of every
//! `policies/*.cases.yaml`, and what `policyc eval --format json` prints. Decisions that break the
//! format (an unknown field, a wrong kind, a missing field, fields the kind does not fill in) must
//! not.

use policyc::eval::{evaluate, Decision};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn policyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the policyc binary runs")
}

/// The schema as the binary prints it.
fn schema_json() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let out = policyc(&["schema", "--decision"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "policyc schema --decision fails: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "it prints nothing on stderr");
        serde_json::from_slice(&out.stdout).expect("the schema is JSON")
    })
}

/// The schema, compiled.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema = schema_json();
        let id = schema["$id"].as_str().expect("the schema has an $id");
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.enable_format_assertions();
        compiler
            .add_resource(id, schema.clone())
            .unwrap_or_else(|e| panic!("the schema is not accepted: {e}"));
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile(id, &mut schemas)
            .unwrap_or_else(|e| panic!("the schema does not compile: {e:#}"));
        Validator { schemas, index }
    })
}

/// Whether `decision` validates; the validator's explanation if not.
fn check(decision: &Value) -> Result<(), String> {
    let v = validator();
    v.schemas
        .validate(decision, v.index)
        .map_err(|e| format!("{e:#}"))
}

fn assert_valid(decision: &Value, what: &str) {
    if let Err(e) = check(decision) {
        panic!(
            "{what}: the decision does not match the schema: {e}\n{}",
            serde_json::to_string_pretty(decision).unwrap_or_default()
        );
    }
}

fn assert_invalid(decision: &Value, what: &str) {
    assert!(
        check(decision).is_err(),
        "{what}: the schema accepts it:\n{}",
        serde_json::to_string_pretty(decision).unwrap_or_default()
    );
}

fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

fn to_value(d: &Decision) -> Value {
    serde_json::to_value(d).expect("a decision serializes")
}

/// A decision the corpus produces: the approval of `approve-melanoma-iv`.
fn approval() -> Value {
    let text = std::fs::read_to_string(
        root().join("policies/examples/proleukin/approve-melanoma-iv.json"),
    )
    .expect("the example request is readable");
    let p = proleukin();
    let req = policyc::request::bind(p, &text, None).expect("the example binds");
    to_value(&evaluate(p, &req))
}

fn proleukin() -> &'static policyc::Program {
    static PROGRAM: OnceLock<policyc::Program> = OnceLock::new();
    PROGRAM.get_or_init(|| compile(&root().join("policies/proleukin.policy")))
}

fn compile(path: &Path) -> policyc::Program {
    let checked = policyc::compile_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    checked.program.unwrap_or_else(|| {
        panic!(
            "{} does not compile: {:#?}",
            path.display(),
            checked.diagnostics
        )
    })
}

#[test]
fn the_schema_is_a_draft_2020_12_schema_of_the_decision_format() {
    let s = schema_json();
    assert_eq!(
        s["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
    assert_eq!(
        s["properties"]["format"]["const"],
        json!("policyc-decision")
    );
    assert_eq!(s["properties"]["format_version"]["const"], json!(2));
    assert_eq!(s["additionalProperties"], json!(false));
    // Every property is described.
    let props = s["properties"].as_object().expect("properties");
    for (name, p) in props {
        assert!(
            p["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name} has no description"
        );
    }
    validator();
}

#[test]
fn schema_without_a_policy_or_decision_is_a_usage_error() {
    let out = policyc(&["schema"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let both = policyc(&["schema", "--decision", "policies/proleukin.policy"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn every_decision_snapshot_matches_the_schema() {
    let mut seen = 0;
    for path in files(&root().join("tests/snapshots"), ".snap") {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        // An insta snapshot: a `---` header, then the body.
        let body = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("{}: no insta header", path.display()));
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            continue;
        };
        if value["format"] != json!("policyc-decision") {
            continue;
        }
        assert_valid(&value, &path.display().to_string());
        seen += 1;
    }
    assert!(
        seen >= 70,
        "only {seen} decision snapshots found: are they still under tests/snapshots?"
    );
}

#[test]
fn decisions_on_the_request_corpus_match_the_schema() {
    let p = proleukin();
    let mut seen = 0;
    for dir in ["tests/requests/proleukin", "policies/examples/proleukin"] {
        for path in files(&root().join(dir), ".json") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let req = policyc::request::bind(p, &text, None).unwrap_or_else(|errs| {
                panic!("{}: the request does not bind: {errs:#?}", path.display())
            });
            assert_valid(&to_value(&evaluate(p, &req)), &path.display().to_string());
            // The same request without a date of service: dates become null.
            if let Ok(mut v) = serde_json::from_str::<Value>(&text) {
                if let Some(m) = v.as_object_mut() {
                    m.remove("as_of");
                    m.remove("request_id");
                }
                if let Ok(req) = policyc::request::bind_json(p, &v, None) {
                    let what = format!("{} without as_of", path.display());
                    assert_valid(&to_value(&evaluate(p, &req)), &what);
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 70, "only {seen} requests found");
}

#[test]
fn decisions_on_every_policy_case_match_the_schema() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut seen = 0;
    for cases_path in files(&root().join("policies"), ".cases.yaml") {
        let text = std::fs::read_to_string(&cases_path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", cases_path.display()));
        let cases = policyc::cases::parse_cases(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", cases_path.display()));
        // As `policyc test` finds it: the `policy` key, relative to the cases file, or beside it.
        let policy_path = match &cases.policy {
            Some(p) => cases_path.parent().unwrap_or(root()).join(p),
            None => PathBuf::from(
                cases_path
                    .to_string_lossy()
                    .trim_end_matches(".cases.yaml")
                    .to_string()
                    + ".policy",
            ),
        };
        let program = compile(&policy_path);
        for case in &cases.cases {
            let case = &case.value;
            // The request as `policyc test` builds it.
            let mut request = serde_json::Map::new();
            if let Some(d) = case.as_of.as_ref().or(cases.as_of.as_ref()) {
                request.insert("as_of".into(), Value::String(d.clone()));
            }
            request.insert("facts".into(), Value::Object(cases.facts_of(case)));
            let what = format!("{}: case {:?}", cases_path.display(), case.name);
            let req = policyc::request::bind_json(&program, &Value::Object(request), None)
                .unwrap_or_else(|errs| panic!("{what}: the request does not bind: {errs:#?}"));
            let d = evaluate(&program, &req);
            kinds.insert(d.decision.as_str());
            assert_valid(&to_value(&d), &what);
            seen += 1;
        }
    }
    assert!(seen >= 50, "only {seen} cases found");
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["approve", "deny", "needs_info", "refer"],
        "the cases see every kind of decision"
    );
}

#[test]
fn what_policyc_eval_prints_matches_the_schema() {
    for example in files(&root().join("policies/examples/proleukin"), ".json") {
        let path = example.to_string_lossy().into_owned();
        let out = policyc(&[
            "eval",
            "policies/proleukin.policy",
            &path,
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{path}");
        let value: Value = serde_json::from_slice(&out.stdout).expect("eval prints JSON");
        assert_valid(&value, &path);
    }
}

#[test]
fn a_decision_with_warnings_matches_the_schema() {
    let out = policyc(&[
        "eval",
        "policies/proleukin.policy",
        "tests/cli-inputs/near-miss.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let value: Value = serde_json::from_slice(&out.stdout).expect("eval prints JSON");
    assert_eq!(
        value["warnings"].as_array().map(Vec::len),
        Some(3),
        "{value}"
    );
    assert_valid(&value, "near-miss.json");
    let mut wrong = value.clone();
    wrong["warnings"][0]["kind"] = json!("something_else");
    assert_invalid(&wrong, "a warning of an unknown kind");
    let mut wrong = value;
    wrong["warnings"][0]
        .as_object_mut()
        .map(|w| w.remove("suggestion"));
    assert_invalid(&wrong, "a warning without its suggestion");
}

#[test]
fn a_referral_by_a_redirecting_criterion_matches_the_schema() {
    // Every optional field filled in: a redirect, with the approval dates of the request.
    let mut d = approval();
    d["decision"] = json!("refer");
    d["approval"] = Value::Null;
    d["conditions"] = json!([]);
    d["referral"] = json!({"label": "1.B", "text": "Redirect", "redirect_to": "Another policy"});
    d["statement"] = json!("A statement");
    assert_valid(&d, "a redirect");
    d["referral"]["redirect_to"] = Value::Null;
    assert_valid(&d, "a referral to a clinician");
}

#[test]
fn the_schema_rejects_what_is_not_a_decision() {
    let good = approval();
    assert_valid(&good, "the approval");

    /// A change to a valid decision that makes it invalid.
    type Mutation = (&'static str, fn(&mut Value));
    let mutations: Vec<Mutation> = vec![
        ("an unknown field", |d| d["reviewer"] = json!("someone")),
        ("an unknown field in a nested object", |d| {
            d["approval"]["renewal"] = json!(true)
        }),
        ("an unknown field in a cited criterion", |d| {
            d["criteria_met"][0]["held"] = json!(true)
        }),
        ("an unknown decision kind", |d| {
            d["decision"] = json!("approved")
        }),
        ("a decision kind in capitals", |d| {
            d["decision"] = json!("APPROVE")
        }),
        ("a missing required field", |d| {
            d.as_object_mut().map(|m| m.remove("summary"));
        }),
        (
            "a missing nullable field (null is not the same as absent)",
            |d| {
                d.as_object_mut().map(|m| m.remove("referral"));
            },
        ),
        ("a missing field of a limit", |d| {
            d["conditions"][0]
                .as_object_mut()
                .map(|m| m.remove("allowed"));
        }),
        ("another format", |d| d["format"] = json!("policyc-request")),
        ("another format version", |d| d["format_version"] = json!(1)),
        ("the format version as a string", |d| {
            d["format_version"] = json!("2")
        }),
        ("a date that is not YYYY-MM-DD", |d| {
            d["as_of"] = json!("01/15/2026")
        }),
        ("an impossible date", |d| {
            d["approval"]["end"] = json!("2027-02-30")
        }),
        ("a path label that is not a string", |d| {
            d["path"] = json!([1])
        }),
        ("a null list", |d| d["unmet"] = Value::Null),
        ("an approval without its approval", |d| {
            d["approval"] = Value::Null
        }),
        ("an approval with unmet criteria", |d| {
            d["unmet"] = json!([{"label": "1.A.i", "text": "T", "reason": "R", "tests": []}]);
        }),
        ("an approval with a branch that does not apply", |d| {
            d["not_applicable"] =
                json!([{"label": "1.B", "text": "T", "reason": "R", "tests": []}]);
        }),
        ("an approval duration as text only", |d| {
            d["approval"]["duration"] = json!("1 year")
        }),
        ("an approval duration in fortnights", |d| {
            d["approval"]["duration"]["unit"] = json!("fortnight")
        }),
        ("a limit with an unknown operator", |d| {
            d["conditions"][0]["operator"] = json!("about")
        }),
        (
            "a limit whose value is a number, not exact decimal text",
            |d| d["conditions"][0]["allowed_value"]["value"] = json!(600000),
        ),
        ("a denial under an indication", |d| {
            d["decision"] = json!("deny");
            d["approval"] = Value::Null;
        }),
        ("a missing fact without its or_inputs", |d| {
            d["decision"] = json!("needs_info");
            d["indication"] = Value::Null;
            d["approval"] = Value::Null;
            d["path"] = json!([]);
            d["criteria_met"] = json!([]);
            d["conditions"] = json!([]);
            d["missing"] = json!([{"fact": "body_weight", "description": "D", "indications": []}]);
        }),
    ];
    for (what, mutate) in mutations {
        let mut d = good.clone();
        mutate(&mut d);
        assert_invalid(&d, what);
    }
}
