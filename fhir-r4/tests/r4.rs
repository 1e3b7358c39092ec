//! Every resource policyc writes is valid FHIR R4: it parses with a complete R4 model (fhirbolt,
//! strict: unknown elements, missing required elements and wrong types are errors) and carries the
//! elements its Da Vinci profile requires: those the library writes, made here, and those the
//! service answered in the workspace's server tests (`tests/fhir_serve.rs`), which leave them in
//! `target/fhir-r4-samples/`.

use fhirbolt::model::r4::Resource;
use fhirbolt::serde::{DeserializationConfig, DeserializationMode};
use policyc::{Decision, DecisionKind, Program};
use policyc_fhir::write::claim_response::{claim_response, Context as ClaimContext, X12Codes};
use policyc_fhir::write::coverage::{
    coverage_information, Context as CoverageContext, COVERAGE_INFORMATION,
};
use policyc_fhir::write::next_question::start;
use policyc_fhir::write::outcome::{operation_outcome, Problem};
use policyc_fhir::write::questionnaire::{
    adaptive_questionnaire, questionnaire, Options, ADAPTIVE_EXT,
};
use policyc_fhir::write::types::Reference;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Parse `v` strictly as an R4 resource of type `ty`.
fn parse_r4(v: &Value, ty: &str, what: &str) {
    assert_eq!(v["resourceType"], ty, "{what}");
    let cfg = DeserializationConfig {
        mode: DeserializationMode::Strict,
    };
    let r: Result<Resource, _> = fhirbolt::json::from_str(&v.to_string(), Some(cfg));
    if let Err(e) = r {
        panic!("{what} is not valid FHIR R4: {e}\n{v:#}");
    }
}

fn programs() -> Vec<(PathBuf, Program)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .expect("policies/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    files
        .into_iter()
        .map(|f| {
            let checked = policyc::compile_path(&f).expect("reads");
            let p = checked
                .program
                .unwrap_or_else(|| panic!("{} compiles", f.display()));
            (f, p)
        })
        .collect()
}

fn proleukin_decisions() -> (Program, Vec<(String, Decision)>) {
    let p = programs()
        .into_iter()
        .find(|(_, p)| p.policy.id == "proleukin")
        .expect("proleukin")
        .1;
    let dir = root().join("policies/examples/proleukin");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let ds = files
        .iter()
        .map(|f| {
            let req = policyc::bind(&p, &std::fs::read_to_string(f).expect("reads"), None)
                .expect("binds");
            let name = f
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            (name, policyc::evaluate(&p, &req))
        })
        .collect();
    (p, ds)
}

/// The DTR Questionnaire profiles: narrative, status, subject type Patient, unique linkIds,
/// `enableWhen` on existing questions with `enableBehavior` when there are several, answer
/// options only on choices.
fn check_questionnaire(q: &Value, adaptive: bool, what: &str) {
    parse_r4(q, "Questionnaire", what);
    assert_eq!(q["text"]["status"], "generated", "{what}");
    assert!(q["text"]["div"]
        .as_str()
        .is_some_and(|d| d.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">")));
    assert_eq!(q["subjectType"], json!(["Patient"]), "{what}");
    assert_eq!(q["status"], "active");
    // A contained Questionnaire keeps the id its response refers to.
    let id = if what == "contained" {
        "proleukin-adaptive"
    } else {
        q["id"].as_str().unwrap_or("?")
    };
    assert!(
        q["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/Questionnaire/{id}"))),
        "{what}"
    );
    assert!(
        q["name"].as_str().is_some_and(|n| n
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')),
        "que-0: {}",
        q["name"]
    );
    let empty = Vec::new();
    let items = q["item"].as_array().unwrap_or(&empty);
    let ids: Vec<&str> = items.iter().filter_map(|i| i["linkId"].as_str()).collect();
    assert_eq!(ids.len(), items.len());
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "que-2: unique linkIds"
    );
    for i in items {
        let ty = i["type"].as_str().unwrap_or("");
        assert!(
            [
                "boolean",
                "integer",
                "decimal",
                "quantity",
                "date",
                "choice",
                "open-choice"
            ]
            .contains(&ty),
            "{ty}"
        );
        assert!(i["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(
            i.get("answerOption").is_some(),
            ty.ends_with("choice"),
            "que-4: {i}"
        );
        let ew = i
            .get("enableWhen")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if adaptive {
            assert!(
                ew.is_empty() && i.get("enableBehavior").is_none(),
                "adaptive forms have no enableWhen"
            );
        }
        assert_eq!(
            i.get("enableBehavior").is_some(),
            ew.len() > 1,
            "que-12: {i}"
        );
        for e in &ew {
            let target = e["question"].as_str().unwrap_or("");
            assert!(
                ids.contains(&target) && target != i["linkId"],
                "{what}: enableWhen on `{target}`"
            );
        }
    }
    let ext = q
        .get("extension")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert_eq!(ext.iter().any(|e| e["url"] == ADAPTIVE_EXT), adaptive);
    let profile = q["meta"]["profile"][0].as_str().unwrap_or("");
    assert!(profile.ends_with(if adaptive {
        "dtr-questionnaire-adapt"
    } else {
        "dtr-std-questionnaire"
    }));
}

#[test]
fn questionnaires_of_every_policy() {
    let opts = Options::default();
    for (path, p) in programs() {
        let what = path.display().to_string();
        let q = serde_json::to_value(questionnaire(&p, &opts)).expect("JSON");
        check_questionnaire(&q, false, &what);
        assert!(
            q["item"].as_array().is_some_and(|i| !i.is_empty()),
            "{what} asks something"
        );
        let names: Vec<&str> = q["item"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["linkId"].as_str())
            .collect();
        let a = serde_json::to_value(adaptive_questionnaire(&p, &opts, &names)).expect("JSON");
        check_questionnaire(&a, true, &what);
        let empty = serde_json::to_value(adaptive_questionnaire(&p, &opts, &[])).expect("JSON");
        check_questionnaire(&empty, true, &what);
    }
}

fn medication_request(ext: Value) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "extension": [ext],
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Proleukin"},
        "subject": {"reference": "Patient/example"}
    })
}

#[test]
fn coverage_information_of_every_decision() {
    let (_, decisions) = proleukin_decisions();
    let kinds: BTreeSet<&str> = decisions.iter().map(|(_, d)| d.decision.as_str()).collect();
    assert_eq!(kinds.len(), 4, "every kind of decision is exercised");
    for (name, d) in &decisions {
        let ctx = CoverageContext {
            decision_id: "0190a6c2-0000-7000-8000-000000000001".into(),
            coverage: Reference::to("Coverage/example"),
            date: "2026-01-15".into(),
            questionnaire: Some(
                "https://payer.example/fhir/Questionnaire/proleukin-adaptive".into(),
            ),
        };
        let ext = serde_json::to_value(coverage_information(d, &ctx)).expect("JSON");
        assert_eq!(ext["url"], COVERAGE_INFORMATION);
        let count = |u: &str| {
            ext["extension"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["url"] == u)
                .count()
        };
        for required in ["coverage", "covered", "date", "coverage-assertion-id"] {
            assert_eq!(count(required), 1, "{name}: {required} 1..1");
        }
        assert!(count("reason") >= 1, "{name}: reasons cite the policy");
        parse_r4(&medication_request(ext), "MedicationRequest", name);
    }
}

#[test]
fn claim_responses_of_every_decision() {
    let (_, decisions) = proleukin_decisions();
    let text =
        std::fs::read_to_string(root().join("docs/x12-codes.example.json")).expect("example codes");
    let codes = X12Codes::from_json(&text).expect("valid codes file");
    for (name, d) in &decisions {
        let ctx = ClaimContext {
            decision_id: "0190a6c2-0000-7000-8000-000000000001".into(),
            created: "2026-01-15T10:00:00Z".into(),
            claim_type: None,
            patient: Reference::to("Patient/example"),
            insurer: Reference::to("Organization/payer"),
            requestor: Some(Reference::to("PractitionerRole/example")),
            request: Reference::to("Claim/example"),
            items: vec![1],
            questionnaire: Some(
                "https://payer.example/fhir/Questionnaire/proleukin-adaptive".into(),
            ),
        };
        let c = serde_json::to_value(claim_response(d, &ctx, &codes)).expect("JSON");
        parse_r4(&c, "ClaimResponse", name);
        for required in [
            "status", "type", "use", "patient", "created", "insurer", "request", "outcome",
        ] {
            assert!(c.get(required).is_some(), "{name}: {required}");
        }
        assert_eq!(c["use"], "preauthorization");
        assert_eq!(c["preAuthRef"], ctx.decision_id);
        assert_eq!(
            c["item"][0]["adjudication"][0]["category"]["coding"][0]["code"],
            "submitted"
        );
        for n in c["processNote"].as_array().into_iter().flatten() {
            assert!(n["number"].is_u64(), "PAS: processNote.number 1..1");
        }
        assert_eq!(
            c["preAuthPeriod"].is_object(),
            d.decision == DecisionKind::Approve,
            "{name}"
        );
    }
}

#[test]
fn operation_outcome_is_r4() {
    let o = operation_outcome(&[
        Problem::new(
            "QuestionnaireResponse.item[0].answer[0]",
            "value",
            "not a date",
        ),
        Problem::new("", "structure", "not JSON"),
    ]);
    parse_r4(
        &serde_json::to_value(o).expect("JSON"),
        "OperationOutcome",
        "outcome",
    );
}

#[test]
fn next_question_answers_are_r4() {
    let (p, _) = proleukin_decisions();
    let opts = Options::default();
    let mut q =
        serde_json::to_value(adaptive_questionnaire(&p, &opts, &["diagnosis"])).expect("JSON");
    q["id"] = json!("q");
    for (answer, completed) in [
        (
            json!({"valueCoding": {"code": "cutaneous_melanoma"}}),
            false,
        ),
        (json!({"valueString": "breast_cancer"}), true),
    ] {
        let qr = json!({
            "resourceType": "QuestionnaireResponse",
            "contained": [q],
            "questionnaire": "#q",
            "status": "in-progress",
            "subject": {"reference": "Patient/p-1"},
            "authored": "2026-01-15T10:00:00Z",
            "item": [{"linkId": "diagnosis", "answer": [answer]}]
        });
        let input = json!({"resourceType": "Parameters", "parameter": [{"name": "questionnaire-response", "resource": qr}]});
        parse_r4(&input, "Parameters", "input");
        let s = start(&input.to_string(), [&p]).expect("reads");
        let d = policyc::evaluate(&p, &s.request);
        let a = s.respond(&d, "id-1", "2026-01-15", &opts);
        assert_eq!(a.completed, completed);
        parse_r4(&a.body, "Parameters", "output");
        let out = &a.body["parameter"][0]["resource"];
        check_questionnaire(&out["contained"][0], true, "contained");
    }
}

/// The service's answers, kept by `tests/fhir_serve.rs` (run the workspace's tests first).
#[test]
fn server_answers_are_r4() {
    let dir = root().join("target/fhir-r4-samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `cargo test --test fhir_serve` at the repository's root first",
                dir.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut kinds = BTreeSet::new();
    for f in &files {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("reads")).expect("JSON");
        let ty = v["resourceType"].as_str().unwrap_or("").to_string();
        parse_r4(&v, &ty, &f.display().to_string());
        kinds.insert(ty);
    }
    assert!(files.len() >= 10, "only {} answers kept", files.len());
    for k in [
        "Bundle",
        "MedicationRequest",
        "OperationOutcome",
        "Parameters",
        "Questionnaire",
        "QuestionnaireResponse",
    ] {
        assert!(
            kinds.contains(k),
            "no {k} among the answers kept: {kinds:?}"
        );
    }
}
