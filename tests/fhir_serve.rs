//! The FHIR routes of the decision service, end to end: the real binary on an ephemeral port.
//! `GET /cds-services` has the shape of the Da Vinci CRD guide's own `CRDServices.json`; the
//! adaptive `POST /Questionnaire/$next-question` asks, one question at a time, only what can still
//! change the decision, and completes with the coverage information of a logged decision; its
//! errors are OperationOutcomes naming the element. Every FHIR resource answered is kept under
//! `target/fhir-r4-samples/`, where the FHIR R4 check (`fhir-r4/`) parses it with a complete R4
//! model.

#[path = "support/server.rs"]
mod server;
use server::{keep_r4 as parse_r4, start, Server};

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_policyc");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The official CRD examples, kept beside the repository.
fn examples() -> PathBuf {
    let dir = root().join("../shared/fhir-examples");
    assert!(
        dir.is_dir(),
        "{} is missing: the official Da Vinci examples are needed",
        dir.display()
    );
    dir
}

impl Server {
    fn get(&self, path: &str) -> (u16, Value) {
        let mut r = self
            .agent
            .get(&format!("http://127.0.0.1:{}{path}", self.port))
            .call()
            .expect("GET answers");
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_string().expect("text");
        (status, serde_json::from_str(&body).expect("JSON"))
    }

    /// Status, headers we read, and the JSON body.
    fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> (u16, BTreeMap<String, String>, Value) {
        let mut r = self
            .agent
            .post(&format!("http://127.0.0.1:{}{path}", self.port))
            .header("Content-Type", content_type)
            .send(body)
            .expect("POST answers");
        let status = r.status().as_u16();
        let mut headers = BTreeMap::new();
        for h in ["content-type", "x-decision-id", "x-decision"] {
            if let Some(v) = r.headers().get(h).and_then(|v| v.to_str().ok()) {
                headers.insert(h.to_string(), v.to_string());
            }
        }
        let text = r.body_mut().read_to_string().expect("text");
        (status, headers, serde_json::from_str(&text).expect("JSON"))
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn cds_services_has_the_official_shape() {
    let text =
        std::fs::read_to_string(examples().join("crd/CRDServices.json")).expect("CRDServices.json");
    let official: Value = serde_json::from_str(&text).expect("JSON");
    let server = start(&[]);
    let (status, doc) = server.get("/cds-services");
    assert_eq!(status, 200);
    let ours = doc["services"].as_array().expect("services");
    let hooks: Vec<&str> = ours.iter().filter_map(|s| s["hook"].as_str()).collect();
    assert_eq!(
        hooks,
        [
            "order-sign",
            "order-select",
            "order-dispatch",
            "appointment-book"
        ]
    );
    for s in ours {
        let hook = s["hook"].as_str().unwrap_or("");
        let theirs = official["services"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["hook"] == hook)
            .unwrap_or_else(|| panic!("the official document has {hook}"));
        for (k, v) in s.as_object().expect("object") {
            let t = theirs
                .get(k)
                .unwrap_or_else(|| panic!("{hook}: `{k}` is not in the official shape"));
            assert_eq!(type_of(v), type_of(t), "{hook}.{k}");
        }
        for required in ["hook", "description", "id"] {
            assert!(s[required].is_string(), "{hook}: {required}");
        }
        // Prefetch: templates of strings; those the official service also has are the same query
        // where they are the standard ones.
        for (k, v) in s["prefetch"].as_object().expect("prefetch") {
            let v = v
                .as_str()
                .unwrap_or_else(|| panic!("{hook}: prefetch {k} is a string"));
            assert!(
                v.contains("{{context.") || v.contains("{{%"),
                "{hook}: {k} is a template"
            );
            if ["patient", "coverage", "medications"].contains(&k.as_str())
                && hook != "order-dispatch"
                || k == "patient"
                || k == "coverage"
            {
                assert_eq!(
                    Some(v),
                    theirs["prefetch"][k].as_str(),
                    "{hook}: prefetch {k}"
                );
            }
        }
        for k in ["patient", "coverage"] {
            assert!(s["prefetch"][k].is_string(), "{hook} prefetches {k}");
        }
        let ext = s["extension"].as_object().expect("extension");
        for (k, v) in ext {
            assert_eq!(
                type_of(v),
                type_of(&theirs["extension"][k]),
                "{hook}: extension {k}"
            );
        }
        // The version we follow is one the official service declares (its appointment-book
        // service declares 2.1 too).
        let theirs_versions = theirs["extension"]["davinci-crd.version"]
            .as_array()
            .expect("versions");
        for v in ext["davinci-crd.version"].as_array().expect("versions") {
            assert!(theirs_versions.contains(v), "{hook}: version {v}");
        }
        let option_keys = |o: &Value| -> Vec<String> {
            let mut k: Vec<String> = o
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            k.sort();
            k
        };
        let their_option = &theirs["extension"]["davinci-crd.configuration-options"][0];
        for o in ext["davinci-crd.configuration-options"]
            .as_array()
            .expect("options")
        {
            assert_eq!(
                option_keys(o),
                option_keys(their_option),
                "{hook}: option shape"
            );
        }
    }
    server.stop();
}

/// A QuestionnaireResponse to Proleukin's adaptive Questionnaire with these answers, in a
/// Parameters.
fn response(questionnaire: &Value, answers: &[(&str, Value)]) -> String {
    let items: Vec<Value> = answers
        .iter()
        .map(|(l, a)| json!({"linkId": l, "answer": [a]}))
        .collect();
    let mut body = json!({
        "resourceType": "Parameters",
        "parameter": [{"name": "questionnaire-response", "resource": {
            "resourceType": "QuestionnaireResponse",
            "id": "qr-walk",
            "contained": [questionnaire],
            "extension": [{"url": "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context", "valueReference": {"reference": "Coverage/cov-1"}}],
            "questionnaire": "#aq",
            "status": "in-progress",
            "subject": {"reference": "Patient/p-1"},
            "authored": "2026-01-15T10:00:00Z",
            "item": items
        }}]
    });
    // FHIR has no empty arrays: a response with no answer yet has no `item`.
    if answers.is_empty() {
        if let Some(qr) = body["parameter"][0]["resource"].as_object_mut() {
            qr.remove("item");
        }
    }
    body.to_string()
}

fn adaptive() -> Value {
    // The standard form too, as the command writes it, for the R4 check.
    for policy in ["proleukin", "aldesleukin_other_plan", "ipilimumab"] {
        let out = Command::new(BIN)
            .args(["questionnaire", &format!("policies/{policy}.policy")])
            .current_dir(root())
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let q: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        parse_r4(&q, "Questionnaire", &format!("questionnaire-{policy}"));
    }
    let out = Command::new(BIN)
        .args([
            "questionnaire",
            "--adaptive",
            "--base-url",
            "https://payer.example/fhir",
            "policies/proleukin.policy",
        ])
        .current_dir(root())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut q: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    parse_r4(&q, "Questionnaire", "questionnaire-adaptive");
    assert!(q.get("item").is_none(), "no question yet");
    q["id"] = json!("aq");
    q
}

#[test]
fn next_question_walks_to_an_approval_and_logs_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let log_arg = log.display().to_string();
    let server = start(&["--log", &log_arg, "--log-flush-ms", "10"]);
    // What the clinician answers, by question; anything else asked fails the test.
    let answers: BTreeMap<&str, Value> = BTreeMap::from([
        (
            "diagnosis",
            json!({"valueCoding": {"system": "https://payer.example/fhir/CodeSystem/proleukin-Diagnosis", "code": "renal_cell_carcinoma"}}),
        ),
        ("date_of_birth", json!({"valueDate": "1960-03-01"})),
        (
            "disease_extent",
            json!({"valueCoding": {"code": "metastatic"}}),
        ),
        ("single_agent", json!({"valueBoolean": true})),
        (
            "prescriber_specialty",
            json!({"valueCoding": {"code": "oncologist"}}),
        ),
        ("route", json!({"valueCoding": {"code": "intravenous"}})),
        (
            "dose",
            json!({"valueQuantity": {"value": 36000000, "unit": "IU", "system": "http://unitsofmeasure.org", "code": "[IU]"}}),
        ),
        (
            "body_weight",
            json!({"valueQuantity": {"value": 160, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"}}),
        ),
        (
            "doses_per_day",
            json!({"valueQuantity": {"value": 3, "system": "http://unitsofmeasure.org", "code": "{dose}/d"}}),
        ),
        (
            "doses_per_cycle",
            json!({"valueQuantity": {"value": 14, "system": "http://unitsofmeasure.org", "code": "{dose}"}}),
        ),
    ]);
    let mut q = adaptive();
    let mut given: Vec<(&str, Value)> = Vec::new();
    let mut ids = Vec::new();
    let mut final_ext = Value::Null;
    for round in 0..=answers.len() {
        let (status, headers, body) = server.post(
            "/Questionnaire/$next-question",
            "application/fhir+json",
            &response(&q, &given),
        );
        assert_eq!(status, 200, "{body:#}");
        assert_eq!(
            headers.get("content-type").map(String::as_str),
            Some("application/fhir+json")
        );
        parse_r4(&body, "Parameters", &format!("next-question-round-{round}"));
        assert_eq!(body["parameter"][0]["name"], "return");
        let qr = &body["parameter"][0]["resource"];
        ids.push(headers.get("x-decision-id").cloned().unwrap_or_default());
        q = qr["contained"][0].clone();
        assert_eq!(q["id"], "aq");
        if qr["status"] == "completed" {
            assert_eq!(
                headers.get("x-decision").map(String::as_str),
                Some("approve")
            );
            final_ext = qr["extension"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["url"] == "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information")
                .cloned()
                .unwrap_or(Value::Null);
            break;
        }
        assert_eq!(qr["status"], "in-progress");
        assert_eq!(
            headers.get("x-decision").map(String::as_str),
            Some("needs_info")
        );
        let asked = q["item"]
            .as_array()
            .and_then(|i| i.last())
            .cloned()
            .expect("a new question");
        let link = asked["linkId"].as_str().unwrap_or("");
        assert!(asked["answerOption"].as_array().is_none_or(|o| o
            .iter()
            .all(|o| o["valueCoding"]["system"]
                .as_str()
                .is_some_and(|s| s.starts_with("https://payer.example/fhir/CodeSystem/")))));
        let (name, answer) = answers.get_key_value(link).unwrap_or_else(|| {
            panic!(
                "asked `{link}`, which cannot change this decision (given {:?})",
                given.iter().map(|g| g.0).collect::<Vec<_>>()
            )
        });
        assert!(!given.iter().any(|(g, _)| g == name), "asked {link} twice");
        given.push((name, answer.clone()));
    }
    let parts = final_ext["extension"]
        .as_array()
        .cloned()
        .expect("the coverage information");
    let part = |u: &str| {
        parts
            .iter()
            .find(|p| p["url"] == u)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(part("covered")["valueCode"], "covered");
    assert_eq!(part("pa-needed")["valueCode"], "satisfied");
    assert_eq!(
        part("coverage")["valueReference"]["reference"],
        "Coverage/cov-1"
    );
    let last = ids.last().cloned().unwrap_or_default();
    assert_eq!(part("coverage-assertion-id")["valueString"], last.as_str());
    assert!(part("reason")["valueCodeableConcept"]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("Approved under 2 (Renal Cell Carcinoma)")));
    // Not asked: what only melanoma's intralesional branch or graft-versus-host disease reads.
    let asked: Vec<&str> = given.iter().map(|g| g.0).collect();
    assert_eq!(asked.len(), answers.len(), "{asked:?}");
    server.stop();
    // Every decision is in the log, under the id the response gave.
    let logged = std::fs::read_to_string(&log).expect("the log");
    for id in &ids {
        assert!(
            logged.contains(&format!("\"decision_id\":\"{id}\"")),
            "{id} not logged"
        );
    }
    assert_eq!(logged.lines().count(), ids.len());
}

#[test]
fn next_question_errors_are_operation_outcomes() {
    let server = start(&[]);
    let q = adaptive();
    let path = "/Questionnaire/$next-question";
    let check = |status: u16, expected: u16, body: &Value, expression: Option<&str>| {
        assert_eq!(status, expected, "{body:#}");
        parse_r4(
            body,
            "OperationOutcome",
            &format!("error-{expected}-{}", expression.unwrap_or("body")),
        );
        let issue = &body["issue"][0];
        assert_eq!(issue["severity"], "error");
        assert!(issue["details"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        if let Some(e) = expression {
            assert_eq!(issue["expression"][0], e, "{body:#}");
        }
    };
    let (s, _, b) = server.post(path, "text/plain", "{}");
    check(s, 415, &b, None);
    let (s, _, b) = server.post(path, "application/fhir+json", "{not json");
    check(s, 400, &b, None);
    let (s, _, b) = server.post(
        path,
        "application/fhir+json",
        &response(&q, &[("date_of_birth", json!({"valueString": "June"}))]),
    );
    check(s, 400, &b, Some("QuestionnaireResponse.item[0].answer[0]"));
    let (s, _, b) = server.post(
        path,
        "application/fhir+json",
        &response(&q, &[("route", json!({"valueCoding": {"code": "nasal"}}))]),
    );
    check(s, 400, &b, Some("QuestionnaireResponse.item[0]"));
    assert!(b["issue"][0]["details"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("nasal")));
    let mut other = q.clone();
    other["url"] = json!("https://payer.example/fhir/Questionnaire/nothing-adaptive");
    let (s, _, b) = server.post(path, "application/fhir+json", &response(&other, &[]));
    check(s, 404, &b, Some("QuestionnaireResponse.contained[0].url"));
    let (s, _, b) = server.post(
        path,
        "application/fhir+json",
        r#"{"resourceType": "Parameters", "parameter": []}"#,
    );
    check(s, 400, &b, Some("Parameters.parameter"));
    server.stop();
}
