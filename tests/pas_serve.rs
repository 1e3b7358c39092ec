//! `POST /Claim/$submit` (Da Vinci PAS) end to end: the real binary on an ephemeral port. The
//! Proleukin PAS Bundles under `policies/examples/proleukin-fhir/pas/` are decided as their JSON
//! requests are, and answered with response Bundles whose ClaimResponse carries the review action
//! (X12 codes from `--x12-codes`), `preAuthRef` = the logged decision's id, the approval's dates
//! and the reasons with their labels; an official PAS request (`tests/pas/`) is accepted and its
//! item, which no policy covers, pended; malformed Bundles are OperationOutcomes naming the
//! element. Every FHIR resource answered is kept under `target/fhir-r4-samples/`, where the FHIR R4
//! check (`fhir-r4/`) parses it with a complete R4 model.

#[path = "support/server.rs"]
mod server;
use server::{keep_r4 as parse_r4, start, Server};

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_policyc");
const ROUTE: &str = "/Claim/$submit";
const CODES: &str = "docs/x12-codes.example.json";
const REVIEW_ACTION: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Server {
    /// Status, the headers we read, and the JSON body.
    fn post(&self, content_type: &str, body: &str) -> (u16, BTreeMap<String, String>, Value) {
        let mut r = self
            .agent
            .post(&format!("http://127.0.0.1:{}{ROUTE}", self.port))
            .header("Content-Type", content_type)
            .send(body)
            .expect("POST answers");
        let status = r.status().as_u16();
        let mut headers = BTreeMap::new();
        for h in [
            "content-type",
            "x-decision-id",
            "x-decision",
            "x-policy-content-hash",
        ] {
            if let Some(v) = r.headers().get(h).and_then(|v| v.to_str().ok()) {
                headers.insert(h.to_string(), v.to_string());
            }
        }
        let text = r.body_mut().read_to_string().expect("text");
        (status, headers, serde_json::from_str(&text).expect("JSON"))
    }

    fn submit(&self, bundle: &Value) -> (u16, BTreeMap<String, String>, Value) {
        self.post("application/fhir+json", &bundle.to_string())
    }
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pas(name: &str) -> Value {
    read_json(&format!("policies/examples/proleukin-fhir/pas/{name}.json"))
}

/// The decision `policyc eval` gives the JSON request of the same name.
fn eval_decision(name: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "eval",
            "policies/proleukin.policy",
            &format!("policies/examples/proleukin/{name}.json"),
            "--format",
            "json",
        ])
        .current_dir(root())
        .output()
        .expect("eval runs");
    let d: Value = serde_json::from_slice(&out.stdout).expect("a decision");
    d["decision"].as_str().unwrap_or_default().to_string()
}

/// The response Bundle's ClaimResponse, checked for the PAS response Bundle's shape.
fn claim_response(b: &Value, name: &str) -> Value {
    parse_r4(b, "Bundle", name);
    assert_eq!(b["type"], "collection", "{name}");
    assert!(b["timestamp"].is_string(), "{name}: timestamp 1..1");
    let entries = b["entry"].as_array().expect("entries");
    for e in entries {
        assert!(e["fullUrl"].is_string(), "{name}: entry.fullUrl 1..1");
    }
    let c = entries[0]["resource"].clone();
    assert_eq!(c["resourceType"], "ClaimResponse", "{name}");
    assert_eq!(c["use"], "preauthorization");
    assert_eq!(c["status"], "active");
    assert_eq!(c["outcome"], "complete");
    assert_eq!(
        c["meta"]["profile"][0],
        "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claimresponse"
    );
    for required in ["type", "patient", "created", "insurer", "request", "item"] {
        assert!(c.get(required).is_some(), "{name}: {required}");
    }
    c
}

/// The review action of an item: its code and, if it has one, its number.
fn review_action(c: &Value, item: usize) -> (String, Option<String>) {
    let ext = c["item"][item]["adjudication"][0]["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["url"] == REVIEW_ACTION)
        .cloned()
        .expect("a review action");
    let parts = ext["extension"].as_array().cloned().unwrap_or_default();
    let part = |u: &str| {
        parts
            .iter()
            .find(|p| p["url"].as_str().is_some_and(|x| x.ends_with(u)))
    };
    let code = part("reviewActionCode")
        .and_then(|p| p["valueCodeableConcept"]["coding"][0]["code"].as_str())
        .unwrap_or_default()
        .to_string();
    let number = part("number")
        .and_then(|p| p["valueString"].as_str())
        .map(String::from);
    (code, number)
}

fn notes(c: &Value) -> Vec<String> {
    c["processNote"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["text"].as_str().map(String::from))
        .collect()
}

#[test]
fn proleukin_pas_bundles_decide_as_their_requests() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let log_arg = log.display().to_string();
    let server = start(&[
        "--x12-codes",
        CODES,
        "--log",
        &log_arg,
        "--log-flush-ms",
        "10",
    ]);
    let mut ids = Vec::new();
    for (name, kind, code) in [
        ("approve-melanoma-iv", "approve", "A1"),
        ("deny-breast-cancer", "deny", "A3"),
        ("deny-melanoma-no-prior-therapy", "deny", "A3"),
        ("needs_info-rcc-no-body-weight", "needs_info", "A4"),
        ("refer-melanoma-dose-above-limit", "refer", "A4"),
    ] {
        let (status, headers, body) = server.submit(&pas(name));
        assert_eq!(status, 200, "{name}: {body:#}");
        assert_eq!(
            headers.get("content-type").map(String::as_str),
            Some("application/fhir+json")
        );
        assert_eq!(
            headers.get("x-decision").map(String::as_str),
            Some(kind),
            "{name}"
        );
        assert_eq!(
            eval_decision(name),
            kind,
            "{name}: as the JSON request decides"
        );
        let c = claim_response(&body, &format!("pas-{name}"));
        let id = headers.get("x-decision-id").cloned().unwrap_or_default();
        assert_eq!(c["preAuthRef"], id.as_str(), "{name}");
        assert_eq!(c["request"]["reference"], format!("Claim/pa-{name}"));
        assert_eq!(c["patient"]["reference"], "Patient/pat-1");
        assert_eq!(c["insurer"]["reference"], "Organization/payer-1");
        assert_eq!(c["requestor"]["reference"], "Organization/clinic-1");
        assert_eq!(
            review_action(&c, 0),
            (code.to_string(), Some(id.clone())),
            "{name}"
        );
        assert_eq!(
            body["identifier"]["value"],
            format!("pas-{name}"),
            "the request Bundle's identifier"
        );
        // The patient, insurer and requestor follow the ClaimResponse.
        let types: Vec<&str> = body["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["resource"]["resourceType"].as_str())
            .collect();
        assert_eq!(
            types,
            ["ClaimResponse", "Patient", "Organization", "Organization"]
        );
        let notes = notes(&c);
        let numbers: Vec<u64> = c["item"][0]["noteNumber"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        assert_eq!(
            numbers.len(),
            notes.len(),
            "{name}: the item points at every note"
        );
        match kind {
            "approve" => {
                assert_eq!(
                    c["preAuthPeriod"],
                    json!({"start": "2026-01-15", "end": "2027-01-14"})
                );
                assert_eq!(
                    c["item"][0]["extension"][0]["valuePeriod"],
                    c["preAuthPeriod"]
                );
                assert!(
                    notes[0].starts_with("Approved under 1 (Cutaneous Melanoma), through 1 → 1.A"),
                    "{notes:?}"
                );
                assert!(notes
                    .iter()
                    .any(|n| n.starts_with("Condition of approval 1.Dosing.A.i: ")));
            }
            "deny" => {
                assert!(c.get("preAuthPeriod").is_none());
                let label = if name.contains("breast") {
                    "not covered: "
                } else {
                    "1.A.iii: Patient has tried at least one other systemic therapy"
                };
                assert!(
                    notes.iter().any(|n| n.starts_with(label)),
                    "{name}: {notes:?}"
                );
            }
            "needs_info" => {
                assert!(
                    notes
                        .iter()
                        .any(|n| n.contains("[dose_per_kg, or body_weight]")),
                    "{notes:?}"
                );
                assert!(notes.iter().any(|n| n.contains(
                    "complete the Questionnaire https://policyc.example/fhir/Questionnaire/proleukin-adaptive"
                )), "{notes:?}");
            }
            _ => {
                assert!(
                    notes.iter().any(|n| n.starts_with("1.Dosing.A.i: ")),
                    "{notes:?}"
                );
                assert!(
                    notes
                        .iter()
                        .any(|n| n == "Pended for review by a clinician"),
                    "{notes:?}"
                );
            }
        }
        ids.push(id);
    }
    // The date of service is the item's: on 2026-07-15 the 2026 version decides, which no longer
    // asks for a prior therapy.
    let mut later = pas("deny-melanoma-no-prior-therapy");
    later["entry"][0]["resource"]["item"][0]["servicedDate"] = json!("2026-07-15");
    let (status, headers, body) = server.submit(&later);
    assert_eq!(status, 200, "{body:#}");
    let c = claim_response(&body, "pas-later-version");
    assert_ne!(review_action(&c, 0).0, "A3", "{c:#}");
    let later_id = headers.get("x-decision-id").cloned().unwrap_or_default();
    // Two items: the drug is decided, the office visit no policy covers is pended.
    let mut two = pas("approve-melanoma-iv");
    let visit = json!({"sequence": 2, "productOrService": {"coding": [{"system": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "99212"}]}, "servicedDate": "2026-01-15"});
    if let Some(items) = two["entry"][0]["resource"]["item"].as_array_mut() {
        items.push(visit);
    }
    let (status, headers, body) = server.submit(&two);
    assert_eq!(status, 200, "{body:#}");
    let c = claim_response(&body, "pas-two-items");
    let two_id = headers.get("x-decision-id").cloned().unwrap_or_default();
    assert_eq!(review_action(&c, 0), ("A1".into(), Some(two_id.clone())));
    assert_eq!(review_action(&c, 1), ("A4".into(), None));
    assert_eq!(c["item"][1]["itemSequence"], 2);
    assert!(
        c.get("preAuthPeriod").is_none(),
        "the dates are the approved item's"
    );
    assert!(c["item"][0]["extension"][0]["valuePeriod"].is_object());
    assert!(c["disposition"]
        .as_str()
        .is_some_and(|d| d.contains("Item 2: No policy of this service covers hcpcs 99212")));
    server.stop();
    // Every decision is logged under the id the response gave, with the facts read.
    let logged = std::fs::read_to_string(&log).expect("the log");
    let lines: Vec<Value> = logged
        .lines()
        .map(|l| serde_json::from_str(l).expect("a log line"))
        .collect();
    assert_eq!(
        lines.len(),
        ids.len() + 2,
        "one line per decision, none for the pended visit"
    );
    for (line, id) in lines.iter().zip(ids.iter().chain([&later_id, &two_id])) {
        assert_eq!(line["decision_id"], id.as_str());
        assert_eq!(line["policy"], "proleukin");
        assert!(line["facts"]["diagnosis"].is_string(), "{line}");
    }
    assert_eq!(lines[0]["request_id"], "pa-approve-melanoma-iv");
    assert_eq!(lines[0]["effective"], "2022-01-01");
    assert_eq!(lines[ids.len()]["effective"], "2026-07-01");
    assert_eq!(lines[ids.len()]["as_of"], "2026-07-15");
}

#[test]
fn an_official_pas_request_is_answered() {
    let server = start(&["--x12-codes", CODES]);
    let request = read_json("tests/pas/MedicalServicesAuthorizationBundleExample.json");
    // The translation itself is valid R4.
    parse_r4(&request, "Bundle", "pas-official-request");
    let (status, headers, body) = server.submit(&request);
    assert_eq!(status, 200, "{body:#}");
    let c = claim_response(&body, "pas-official-response");
    assert_eq!(body["identifier"], request["identifier"]);
    assert_eq!(
        c["request"]["reference"],
        "Claim/MedicalServicesAuthorizationExample"
    );
    assert_eq!(c["patient"]["reference"], "Patient/SubscriberExample");
    assert_eq!(c["insurer"]["reference"], "Organization/InsurerExample");
    assert_eq!(c["requestor"]["reference"], "Organization/UMOExample");
    assert_eq!(c["type"]["coding"][0]["code"], "professional");
    // No policy covers an office visit: pended for a person, and nothing decided or logged.
    assert_eq!(review_action(&c, 0), ("A4".into(), None));
    assert!(c.get("preAuthRef").is_none());
    assert!(!headers.contains_key("x-decision-id"));
    assert!(notes(&c)[0]
        .starts_with("No policy of this service covers hcpcs 99212 \"Established Office Visit\""));
    let urls: Vec<&str> = body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    assert!(urls[0].starts_with("urn:uuid:"));
    assert_eq!(
        &urls[1..],
        [
            "http://example.org/fhir/Patient/SubscriberExample",
            "http://example.org/fhir/Organization/InsurerExample",
            "http://example.org/fhir/Organization/UMOExample"
        ]
    );
    server.stop();
}

/// A change that makes a Bundle malformed.
type Change = Box<dyn Fn(&mut Value)>;

#[test]
fn malformed_pas_bundles_are_operation_outcomes() {
    let server = start(&["--x12-codes", CODES]);
    let check = |(status, _, body): (u16, BTreeMap<String, String>, Value),
                 expected: u16,
                 expression: Option<&str>,
                 name: &str| {
        assert_eq!(status, expected, "{name}: {body:#}");
        parse_r4(&body, "OperationOutcome", &format!("pas-error-{name}"));
        let issue = &body["issue"][0];
        assert_eq!(issue["severity"], "error");
        assert!(issue["details"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        match expression {
            Some(e) => assert_eq!(issue["expression"][0], e, "{name}: {body:#}"),
            None => assert!(issue.get("expression").is_none(), "{name}"),
        }
    };
    check(server.post("text/plain", "{}"), 415, None, "media-type");
    check(
        server.post("application/fhir+json", "{not json"),
        400,
        None,
        "not-json",
    );
    let ok = pas("approve-melanoma-iv");
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "not-a-bundle",
            Box::new(|b| *b = json!({"resourceType": "Claim"})),
            "Bundle.resourceType",
        ),
        (
            "transaction",
            Box::new(|b| b["type"] = json!("transaction")),
            "Bundle.type",
        ),
        (
            "claim-not-first",
            Box::new(|b| {
                if let Some(e) = b["entry"].as_array_mut() {
                    e.swap(0, 1);
                }
            }),
            "Bundle.entry[0].resource.resourceType",
        ),
        (
            "use-claim",
            Box::new(|b| b["entry"][0]["resource"]["use"] = json!("claim")),
            "Bundle.entry[0].resource.use",
        ),
        (
            "unresolved-coverage",
            Box::new(|b| {
                b["entry"][0]["resource"]["insurance"][0]["coverage"]["reference"] =
                    json!("Coverage/elsewhere")
            }),
            "Bundle.entry[0].resource.insurance[0].coverage",
        ),
        (
            "unresolved-info",
            Box::new(|b| {
                b["entry"][0]["resource"]["supportingInfo"][0]["valueReference"]["reference"] =
                    json!("QuestionnaireResponse/missing")
            }),
            "Bundle.entry[0].resource.supportingInfo[0].valueReference",
        ),
        (
            "bad-date",
            Box::new(|b| {
                b["entry"][0]["resource"]["item"][0]["servicedDate"] = json!("2026-13-01")
            }),
            "Bundle.entry[0].resource.item[0].servicedDate",
        ),
        (
            "uncoded-product",
            Box::new(|b| {
                b["entry"][0]["resource"]["item"][0]["productOrService"] =
                    json!({"text": "Proleukin"})
            }),
            "Bundle.entry[0].resource.item[0].productOrService",
        ),
        // Conflicting data is a problem of the resource that states it, never a guess.
        (
            "two-weights",
            Box::new(|b| {
                let mut w = b["entry"][10]["resource"].clone();
                w["id"] = json!("weight-2026-01-10-b");
                w["valueQuantity"]["value"] = json!(61);
                if let Some(e) = b["entry"].as_array_mut() {
                    e.push(json!({"fullUrl": "urn:uuid:observation-weight-b", "resource": w}));
                }
            }),
            "Bundle.entry[13].resource.valueQuantity",
        ),
    ];
    for (name, change, expression) in &cases {
        let mut b = ok.clone();
        change(&mut b);
        check(server.submit(&b), 400, Some(expression), name);
    }
    server.stop();
    // Without X12 codes the route is not served.
    let bare = start(&[]);
    check(bare.submit(&ok), 501, None, "no-x12-codes");
    bare.stop();
}

#[test]
fn an_x12_codes_file_is_checked_at_start() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bad = dir.path().join("codes.json");
    std::fs::write(
        &bad,
        r#"{"format": "policyc-x12-codes", "format_version": 1}"#,
    )
    .expect("written");
    for (file, says) in [
        (
            dir.path().join("absent.json"),
            "cannot read the X12 codes file",
        ),
        (bad, "is invalid"),
    ] {
        let out = Command::new(BIN)
            .args([
                "serve",
                "--policies",
                "policies",
                "--addr",
                "127.0.0.1:0",
                "--x12-codes",
            ])
            .arg(&file)
            .current_dir(root())
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(says) && err.contains(&file.display().to_string()),
            "{err}"
        );
    }
}
