//! The Da Vinci CRD hook call (`POST /cds-services/{service}`), end to end: the real binary on an
//! ephemeral port. Every official CRD request example is answered; a Proleukin order with its
//! chart in the prefetch is approved; without a recent body weight it is conditional, names the
//! adaptive questionnaire, and the answers (through `$next-question`, or a second call with the
//! answer or the weight recorded) approve it; each assertion is the decision logged under its id;
//! a malformed call is a `policyc-error` document naming the place in the call. Every FHIR
//! resource answered is kept under `target/fhir-r4-samples/` for the FHIR R4 check (`fhir-r4/`).

#[path = "support/error_schema.rs"]
mod error_schema;

#[path = "support/server.rs"]
mod server;
use server::{keep_r4, start, Server};

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_policyc");
const COVERAGE_INFORMATION: &str =
    "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn official(name: &str) -> Value {
    let path = root().join("../shared/fhir-examples/crd").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the official Da Vinci examples are needed",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("JSON")
}

fn example(name: &str) -> Value {
    let path = root().join(format!("policies/examples/proleukin-fhir/{name}.json"));
    let text = std::fs::read_to_string(&path).expect("the example hook call");
    serde_json::from_str(&text).expect("JSON")
}

impl Server {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, Value) {
        let mut r = self
            .agent
            .post(&format!("{}{path}", self.base()))
            .header("Content-Type", content_type)
            .send(body)
            .expect("POST answers");
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().expect("text");
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }

    /// Call the service of the hook the call names.
    fn hook(&self, call: &Value) -> (u16, Value) {
        let hook = call["hook"].as_str().unwrap_or("order-sign");
        self.post(
            &format!("/cds-services/{hook}-crd"),
            "application/json",
            &call.to_string(),
        )
    }
}

/// A CDS Hooks response: its cards are well formed (summary of at most 140 characters, an
/// indicator, a source), each systemAction is an update of a resource, kept for the R4 check.
fn check_response(body: &Value, name: &str) {
    let cards = body["cards"].as_array().expect("cards is a list");
    for c in cards {
        let summary = c["summary"].as_str().expect("a summary");
        assert!(
            !summary.is_empty() && summary.chars().count() <= 140,
            "{summary}"
        );
        assert!(
            ["info", "warning", "critical"].contains(&c["indicator"].as_str().unwrap_or("")),
            "{c:#}"
        );
        assert!(c["source"]["label"].is_string(), "{c:#}");
        assert_eq!(
            c["source"]["topic"]["system"],
            "http://terminology.hl7.org/CodeSystem/cdshooks-card-type"
        );
        assert!(c["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let actions = body["systemActions"]
        .as_array()
        .expect("systemActions is a list");
    for (i, a) in actions.iter().enumerate() {
        assert_eq!(a["type"], "update", "{a:#}");
        let r = &a["resource"];
        let ty = r["resourceType"].as_str().unwrap_or("");
        keep_r4(r, ty, &format!("crd-{name}-action-{i}"));
    }
}

/// The parts of the coverage-information extension of an updated order, by URL.
fn coverage_parts(resource: &Value) -> Vec<Value> {
    let exts: Vec<&Value> = resource["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["url"] == COVERAGE_INFORMATION)
        .collect();
    assert_eq!(exts.len(), 1, "one assertion: {resource:#}");
    exts[0]["extension"].as_array().cloned().expect("parts")
}

fn part<'v>(parts: &'v [Value], url: &str) -> Vec<&'v Value> {
    parts
        .iter()
        .filter(|p| p["url"] == url)
        .map(|p| {
            p.as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.starts_with("value")))
                .map(|(_, v)| v)
                .expect("a value")
        })
        .collect()
}

fn code(parts: &[Value], url: &str) -> Option<String> {
    part(parts, url)
        .first()
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// The one update of a response, and its card.
fn one_assertion(body: &Value) -> (Value, Vec<Value>, Value) {
    let actions = body["systemActions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{body:#}");
    let resource = actions[0]["resource"].clone();
    let parts = coverage_parts(&resource);
    let cards = body["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1, "{body:#}");
    (resource, parts, cards[0].clone())
}

#[test]
fn every_official_crd_request_is_answered() {
    let server = start(&[]);
    for name in [
        "CRDServiceRequest.json",
        "CRDServiceRequest2.json",
        "CRDServiceRequest3.json",
        "CRDServiceRequest4.json",
    ] {
        let call = official(name);
        let (status, body) = server.hook(&call);
        assert_eq!(status, 200, "{name}: {body:#}");
        check_response(&body, name);
        // No policy covers their orders (mammography, a biopsy report, diclofenac, an
        // appointment): policyc asserts nothing about them.
        assert_eq!(body, json!({"cards": [], "systemActions": []}), "{name}");
    }
    // The guide's order-sign call made to the order-dispatch service is refused, at `hook`.
    let call = official("CRDServiceRequest.json");
    let (status, body) = server.post(
        "/cds-services/order-dispatch-crd",
        "application/json",
        &call.to_string(),
    );
    assert_eq!(status, 400, "{body:#}");
    error_schema::assert_valid(&body, "a hook for another service");
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["path"].as_str())
        .collect();
    assert!(paths.contains(&"hook"), "{body:#}");
    server.stop();
}

#[test]
fn a_proleukin_order_with_its_chart_in_the_prefetch_is_approved_and_logged() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let log_arg = log.display().to_string();
    let server = start(&["--log", &log_arg, "--log-flush-ms", "10"]);
    let mut ids = Vec::new();
    for name in [
        "crd-order-sign-approve-melanoma-iv",
        "crd-order-dispatch-approve-melanoma-iv",
    ] {
        let call = example(name);
        let (status, body) = server.hook(&call);
        assert_eq!(status, 200, "{name}: {body:#}");
        check_response(&body, name);
        let (order, parts, card) = one_assertion(&body);
        // The order is the one the call states, with the assertion added; the lab order beside
        // it in draftOrders is no drug a policy covers, and gets nothing.
        assert_eq!(order["resourceType"], "MedicationRequest");
        assert_eq!(order["id"], "order-1");
        assert_eq!(
            order["medicationCodeableConcept"]["coding"][0]["code"],
            "J9015"
        );
        assert_eq!(code(&parts, "covered").as_deref(), Some("covered"));
        assert_eq!(code(&parts, "pa-needed").as_deref(), Some("satisfied"));
        assert!(part(&parts, "questionnaire").is_empty());
        assert_eq!(
            part(&parts, "coverage")[0]["reference"],
            "http://ehr.example/fhir/Coverage/cov-1"
        );
        let id = code(&parts, "coverage-assertion-id").expect("an assertion id");
        assert_eq!(
            code(&parts, "satisfied-pa-id").as_deref(),
            Some(id.as_str())
        );
        let today = Command::new("date").arg("+%F").output().expect("date runs");
        let today = String::from_utf8_lossy(&today.stdout).trim().to_string();
        assert_eq!(code(&parts, "date").as_deref(), Some(today.as_str()));
        let reasons: Vec<&str> = part(&parts, "reason")
            .iter()
            .filter_map(|r| r["text"].as_str())
            .collect();
        assert_eq!(
            reasons.first().copied(),
            Some("Approved under 1 (Cutaneous Melanoma), through 1 → 1.A")
        );
        assert!(reasons.iter().any(|r| r.starts_with("Condition of approval 1.Dosing.A.i: Each dose must not exceed 600,000 International Units/kg")));
        // The card: the decision's id, the policy's sentences and labels.
        assert_eq!(card["uuid"], id.as_str());
        assert_eq!(card["indicator"], "info");
        assert_eq!(
            card["summary"],
            "Covered, prior authorization satisfied: Proleukin (aldesleukin), approved under 1 (Cutaneous Melanoma)"
        );
        assert_eq!(
            card["source"]["label"],
            "Oncology (Injectable) – Proleukin Utilization Management Medical Policy"
        );
        let detail = card["detail"].as_str().unwrap_or("");
        for r in &reasons {
            assert!(detail.contains(&format!("- {r}")), "{detail}");
        }
        assert_eq!(
            card["extension"]["davinci-crd.associated-resource"][0]["reference"],
            "MedicationRequest/order-1"
        );
        ids.push(id);
    }
    server.stop();
    let logged = std::fs::read_to_string(&log).expect("the log");
    let lines: Vec<Value> = logged
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), ids.len());
    for (line, id) in lines.iter().zip(&ids) {
        assert_eq!(line["decision_id"], id.as_str());
        assert_eq!(line["decision"], "approve");
        assert_eq!(line["policy"], "proleukin");
        assert_eq!(line["as_of"], "2026-01-15");
        // The facts read from the chart, as the decision read them.
        assert_eq!(line["facts"]["diagnosis"], "cutaneous_melanoma");
        assert!(line["facts"]["body_weight"].is_object(), "{line}");
    }
    assert_eq!(
        lines[0]["request_id"],
        example("crd-order-sign-approve-melanoma-iv")["hookInstance"]
    );
}

/// The answers of the chart, and the body weight, to Proleukin's adaptive Questionnaire, as a
/// DTR client pre-populates them.
fn prepopulated(questionnaire: &Value) -> String {
    let answers = [
        (
            "diagnosis",
            json!({"valueCoding": {"code": "renal_cell_carcinoma"}}),
        ),
        ("date_of_birth", json!({"valueDate": "1971-06-02"})),
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
            json!({"valueQuantity": {"value": 43200000, "unit": "IU", "system": "http://unitsofmeasure.org", "code": "[iU]"}}),
        ),
        (
            "doses_per_day",
            json!({"valueQuantity": {"value": 3, "system": "http://unitsofmeasure.org", "code": "{dose}/d"}}),
        ),
        (
            "doses_per_cycle",
            json!({"valueQuantity": {"value": 14, "system": "http://unitsofmeasure.org", "code": "{dose}"}}),
        ),
        (
            "body_weight",
            json!({"valueQuantity": {"value": 165, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"}}),
        ),
    ];
    let items: Vec<Value> = answers
        .iter()
        .map(|(l, a)| json!({"linkId": l, "answer": [a]}))
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": "qr-rcc",
        "contained": [questionnaire],
        "extension": [{"url": "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context", "valueReference": {"reference": "http://ehr.example/fhir/Coverage/cov-1"}}],
        "questionnaire": "#aq",
        "status": "in-progress",
        "subject": {"reference": "Patient/pat-1"},
        "authored": "2026-01-15T10:05:00Z",
        "item": items
    })
    .to_string()
}

#[test]
fn without_a_recent_weight_the_order_is_conditional_and_the_answers_approve_it() {
    let server = start(&[]);
    let mut questionnaire_url = String::new();
    for name in [
        "crd-order-sign-needs_info-rcc-no-body-weight",
        "crd-order-select-needs_info-rcc-no-body-weight",
    ] {
        let (status, body) = server.hook(&example(name));
        assert_eq!(status, 200, "{name}: {body:#}");
        check_response(&body, name);
        let (_, parts, card) = one_assertion(&body);
        // CRD: information is needed, with the prior authorization; clinical documentation; the
        // questionnaire that collects it.
        assert_eq!(code(&parts, "covered").as_deref(), Some("conditional"));
        assert_eq!(code(&parts, "pa-needed").as_deref(), Some("conditional"));
        assert_eq!(code(&parts, "doc-needed").as_deref(), Some("clinical"));
        assert_eq!(code(&parts, "doc-purpose").as_deref(), Some("withpa"));
        assert!(part(&parts, "satisfied-pa-id").is_empty());
        let reasons: Vec<&str> = part(&parts, "reason")
            .iter()
            .filter_map(|r| r["text"].as_str())
            .collect();
        assert_eq!(
            reasons,
            ["Needed: Each dose per kilogram of body weight [dose_per_kg, or body_weight], for 2 (Renal Cell Carcinoma)"]
        );
        questionnaire_url = code(&parts, "questionnaire").expect("a questionnaire");
        assert_eq!(
            questionnaire_url,
            format!("{}/Questionnaire/proleukin-adaptive", server.base())
        );
        assert_eq!(card["indicator"], "warning");
        assert!(card["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("Prior authorization needs information for Proleukin")));
        assert!(card["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&questionnaire_url)));
    }
    // DTR: the adaptive Questionnaire the assertion names, pre-populated from the chart, with the
    // weight answered, completes to an approval.
    let out = Command::new(BIN)
        .args(["questionnaire", "--adaptive", "--base-url", &server.base()])
        .arg("policies/proleukin.policy")
        .current_dir(root())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let mut q: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(q["url"], questionnaire_url.as_str());
    q["id"] = json!("aq");
    let (status, qr) = server.post(
        "/Questionnaire/$next-question",
        "application/fhir+json",
        &prepopulated(&q),
    );
    assert_eq!(status, 200, "{qr:#}");
    keep_r4(&qr, "QuestionnaireResponse", "crd-dtr-completed");
    assert_eq!(qr["status"], "completed");
    let parts = coverage_parts(&qr);
    assert_eq!(code(&parts, "covered").as_deref(), Some("covered"));
    assert_eq!(code(&parts, "pa-needed").as_deref(), Some("satisfied"));
    // Or, the answer stored in the chart (a completed QuestionnaireResponse) or the weight
    // recorded, and the order signed again: approved.
    for name in [
        "crd-order-sign-approve-rcc-weight-answered",
        "crd-order-sign-approve-rcc-weight-recorded",
    ] {
        let (status, body) = server.hook(&example(name));
        assert_eq!(status, 200, "{name}: {body:#}");
        check_response(&body, name);
        let (_, parts, card) = one_assertion(&body);
        assert_eq!(
            code(&parts, "covered").as_deref(),
            Some("covered"),
            "{name}"
        );
        assert_eq!(code(&parts, "pa-needed").as_deref(), Some("satisfied"));
        assert!(part(&parts, "questionnaire").is_empty());
        let reasons: Vec<&str> = part(&parts, "reason")
            .iter()
            .filter_map(|r| r["text"].as_str())
            .collect();
        assert_eq!(
            reasons.first().copied(),
            Some("Approved under 2 (Renal Cell Carcinoma), through 2")
        );
        assert_eq!(card["indicator"], "info");
    }
    server.stop();
}

#[test]
fn conflicting_chart_data_is_a_warning_without_an_assertion() {
    let server = start(&[]);
    let mut call = example("crd-order-sign-approve-rcc-weight-recorded");
    // A second weight on the same day, which disagrees.
    let entries = call["prefetch"]["observations"]["entry"]
        .as_array_mut()
        .expect("observations");
    let mut other = entries[0].clone();
    other["resource"]["id"] = json!("weight-2026-01-15-b");
    other["fullUrl"] = json!("http://ehr.example/fhir/Observation/weight-2026-01-15-b");
    other["resource"]["valueQuantity"] =
        json!({"value": 80, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"});
    entries.push(other);
    let (status, body) = server.hook(&call);
    assert_eq!(status, 200, "{body:#}");
    check_response(&body, "conflict");
    assert_eq!(body["systemActions"], json!([]));
    let card = &body["cards"][0];
    assert_eq!(card["indicator"], "warning");
    let detail = card["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("`prefetch.observations.entry["),
        "the problem names the place in the call: {detail}"
    );
    server.stop();
}

/// A change that breaks a hook call.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn malformed_calls_are_refused_with_the_place() {
    let server = start(&[]);
    let good = example("crd-order-sign-approve-melanoma-iv");
    let check = |status: u16, body: &Value, expected: u16, path: Option<&str>| {
        assert_eq!(status, expected, "{body:#}");
        error_schema::assert_valid(body, "a hook error");
        if let Some(p) = path {
            let paths: Vec<&str> = body["problems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["path"].as_str())
                .collect();
            assert!(paths.contains(&p), "expected a problem at {p}: {body:#}");
        }
    };
    let url = "/cds-services/order-sign-crd";
    let (s, b) = server.post(url, "application/json", "{not json");
    check(s, &b, 400, Some(""));
    assert_eq!(b["code"], "invalid_request");
    let (s, b) = server.post(url, "application/json", "[]");
    check(s, &b, 400, Some(""));
    let (s, b) = server.post(url, "text/plain", &good.to_string());
    check(s, &b, 415, None);
    let (s, b) = server.post("/cds-services/patient-view", "application/json", "{}");
    check(s, &b, 404, None);
    assert_eq!(b["code"], "not_found");
    let edits: Vec<(&str, Edit)> = vec![
        (
            "hookInstance",
            Box::new(|v| {
                v.as_object_mut().map(|o| o.remove("hookInstance"));
            }),
        ),
        (
            "context.patientId",
            Box::new(|v| v["context"]["patientId"] = json!(123)),
        ),
        (
            "context.userId",
            Box::new(|v| {
                v["context"].as_object_mut().map(|o| o.remove("userId"));
            }),
        ),
        (
            "context.draftOrders",
            Box::new(|v| v["context"]["draftOrders"] = json!([])),
        ),
        (
            "context.draftOrders.entry[0].resource",
            Box::new(|v| {
                v["context"]["draftOrders"]["entry"][0] = json!({"fullUrl": "urn:uuid:x"});
            }),
        ),
        (
            "context.draftOrders.entry[0].resource.resourceType",
            Box::new(|v| {
                v["context"]["draftOrders"]["entry"][0]["resource"]
                    .as_object_mut()
                    .map(|o| o.remove("resourceType"));
            }),
        ),
        (
            "prefetch.observations.entry[0].resource",
            Box::new(|v| {
                v["prefetch"]["observations"]["entry"][0]["resource"] = json!("weight");
            }),
        ),
        ("prefetch", Box::new(|v| v["prefetch"] = json!(["patient"]))),
    ];
    for (path, edit) in &edits {
        let mut call = good.clone();
        edit(&mut call);
        let (s, b) = server.hook(&call);
        check(s, &b, 400, Some(path));
    }
    // order-select: a selection that names no draft order.
    let mut call = example("crd-order-select-needs_info-rcc-no-body-weight");
    call["context"]["selections"] = json!(["MedicationRequest/nothing"]);
    let (s, b) = server.hook(&call);
    check(s, &b, 400, Some("context.selections[0]"));
    // order-dispatch: the performer is required.
    let mut call = example("crd-order-dispatch-approve-melanoma-iv");
    call["context"]
        .as_object_mut()
        .map(|o| o.remove("performer"));
    let (s, b) = server.hook(&call);
    check(s, &b, 400, Some("context.performer"));
    // Missing prefetch is no error: nothing is known, and the decision asks for it.
    let mut call = good.clone();
    call.as_object_mut().map(|o| o.remove("prefetch"));
    let (s, b) = server.hook(&call);
    assert_eq!(s, 200, "{b:#}");
    let (_, parts, _) = one_assertion(&b);
    assert_eq!(code(&parts, "covered").as_deref(), Some("conditional"));
    assert!(part(&parts, "coverage")[0]["display"].is_string());
    server.stop();
}
