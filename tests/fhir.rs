//! Requests read from FHIR data: `policyc eval --fhir` run as a real process on the example
//! Bundles under `policies/examples/proleukin-fhir/` (each decides as the JSON request of the same
//! name under `policies/examples/proleukin/`, with provenance), on Bundles changed to be
//! ambiguous, conflicting or malformed (each a problem at its element path, exit 3), and the
//! library API (`policyc_fhir::read`) on every JSON value put anywhere in a Bundle (no panic).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const POLICY: &str = "policies/proleukin.policy";
const EXAMPLES: [&str; 5] = [
    "approve-melanoma-iv",
    "deny-breast-cancer",
    "deny-melanoma-no-prior-therapy",
    "needs_info-rcc-no-body-weight",
    "refer-melanoma-dose-above-limit",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bundle_path(name: &str) -> PathBuf {
    root().join(format!("policies/examples/proleukin-fhir/{name}.json"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn policyc(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_policyc"));
    cmd.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes()).expect("stdin is written");
    }
    let out = child.wait_with_output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `eval --fhir --format json` of a Bundle given on standard input: the exit code and the JSON.
fn eval_bundle(bundle: &Value) -> (i32, Value) {
    let text = serde_json::to_string(bundle).expect("a Bundle serializes");
    let run = policyc(
        &["eval", "--fhir", POLICY, "-", "--format", "json"],
        Some(&text),
    );
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, json)
}

/// The labels (or facts) of a list of a decision, in order.
fn labels(d: &Value, field: &str, key: &str) -> Vec<String> {
    d[field]
        .as_array()
        .unwrap_or_else(|| panic!("`{field}` is a list"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_string())
        .collect()
}

/// What a decision cites, field by field, for comparing two decisions.
fn cited(d: &Value) -> Vec<(String, Value)> {
    let mut out = vec![
        ("decision".to_string(), d["decision"].clone()),
        ("indication".to_string(), d["indication"].clone()),
        ("path".to_string(), d["path"].clone()),
        ("approval".to_string(), d["approval"].clone()),
        ("statement".to_string(), d["statement"].clone()),
    ];
    for (field, key) in [
        ("criteria_met", "label"),
        ("conditions", "label"),
        ("unmet", "label"),
        ("not_applicable", "label"),
        ("considered", "label"),
        ("exceeded", "label"),
        ("missing", "fact"),
    ] {
        out.push((field.to_string(), json!(labels(d, field, key))));
    }
    out.push((
        "missing.or_inputs".to_string(),
        json!(d["missing"]
            .as_array()
            .map(|m| m.iter().map(|x| x["or_inputs"].clone()).collect::<Vec<_>>())),
    ));
    out
}

/// The decision schema (`policyc schema --decision`), compiled.
fn validator() -> &'static (boon::Schemas, boon::SchemaIndex) {
    static V: OnceLock<(boon::Schemas, boon::SchemaIndex)> = OnceLock::new();
    V.get_or_init(|| {
        let run = policyc(&["schema", "--decision"], None);
        let schema: Value = serde_json::from_str(&run.stdout).expect("the schema is JSON");
        let id = schema["$id"].as_str().expect("an $id").to_string();
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.enable_format_assertions();
        compiler
            .add_resource(&id, schema)
            .expect("the schema is accepted");
        let mut schemas = boon::Schemas::new();
        let index = compiler.compile(&id, &mut schemas).expect("it compiles");
        (schemas, index)
    })
}

#[test]
fn each_example_bundle_decides_as_its_json_request_with_provenance() {
    for name in EXAMPLES {
        let request = format!("policies/examples/proleukin/{name}.json");
        let from_json = policyc(&["eval", POLICY, &request, "--format", "json"], None);
        assert_eq!(from_json.code, 0, "{name}: {}", from_json.stderr);
        let from_json: Value = serde_json::from_str(&from_json.stdout).expect("JSON");
        let bundle = bundle_path(name).display().to_string();
        let from_fhir = policyc(
            &["eval", "--fhir", POLICY, &bundle, "--format", "json"],
            None,
        );
        assert_eq!(from_fhir.code, 0, "{name}: {}", from_fhir.stdout);
        let from_fhir: Value = serde_json::from_str(&from_fhir.stdout).expect("JSON");
        assert_eq!(cited(&from_fhir), cited(&from_json), "{name}");
        assert!(
            from_json.get("provenance").is_none(),
            "{name}: a JSON request's decision has no provenance"
        );
        let prov = from_fhir["provenance"].as_array().expect("provenance");
        let facts: Vec<&str> = prov.iter().filter_map(|p| p["fact"].as_str()).collect();
        for fact in [
            "diagnosis",
            "date_of_birth",
            "route",
            "prescriber_specialty",
            "dose",
        ] {
            assert!(
                facts.contains(&fact),
                "{name}: no provenance for {fact}: {facts:?}"
            );
        }
        for p in prov {
            let element = p["element"].as_str().unwrap_or_default();
            assert!(element.starts_with("Bundle.entry["), "{name}: {p}");
            assert!(
                p["resource"].as_str().is_some_and(|r| r.contains('/')),
                "{name}: {p}"
            );
        }
        let (schemas, index) = validator();
        if let Err(e) = schemas.validate(&from_fhir, *index) {
            panic!("{name}: the decision does not match the schema: {e:#}");
        }
    }
}

#[test]
fn provenance_names_resource_and_element_in_both_formats() {
    let (_, d) = eval_bundle(&read_json(&bundle_path("approve-melanoma-iv")));
    let prov = d["provenance"].as_array().expect("provenance");
    let weight = prov
        .iter()
        .find(|p| p["fact"] == "body_weight")
        .expect("the body weight's provenance");
    // The latest of the two weights (2026-01-10, not 2025-12-01).
    assert_eq!(weight["resource"], "Observation/weight-2026-01-10");
    assert_eq!(weight["element"], "Bundle.entry[6].resource.valueQuantity");
    assert_eq!(weight["value"], "72 kg on 2026-01-10");
    let diagnosis = prov
        .iter()
        .find(|p| p["fact"] == "diagnosis")
        .expect("diagnosis");
    assert_eq!(diagnosis["resource"], "Condition/dx-1");
    assert_eq!(
        diagnosis["element"],
        "Bundle.entry[3].resource.code.coding[0]"
    );

    let bundle = bundle_path("approve-melanoma-iv").display().to_string();
    let human = policyc(&["eval", "--fhir", POLICY, &bundle], None);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("Facts read from FHIR:"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("body_weight  72 kg on 2026-01-10, from Observation/weight-2026-01-10"),
        "{}",
        human.stdout
    );
}

/// The Bundle with the entries for which `drop` holds removed.
fn without(mut bundle: Value, drop: impl Fn(&Value) -> bool) -> Value {
    if let Some(entries) = bundle["entry"].as_array_mut() {
        entries.retain(|e| !drop(&e["resource"]));
    }
    bundle
}

fn is_weight(r: &Value) -> bool {
    r["resourceType"] == "Observation" && r["code"]["coding"][0]["code"] == "29463-7"
}

#[test]
fn a_bundle_missing_the_weight_needs_it() {
    for name in ["approve-melanoma-iv", "needs_info-rcc-no-body-weight"] {
        let bundle = without(read_json(&bundle_path(name)), is_weight);
        let (code, d) = eval_bundle(&bundle);
        assert_eq!(code, 0, "{name}: {d}");
        assert_eq!(d["decision"], "needs_info", "{name}");
        assert_eq!(labels(&d, "missing", "fact"), ["dose_per_kg"], "{name}");
        assert_eq!(
            d["missing"][0]["or_inputs"],
            json!(["body_weight"]),
            "{name}"
        );
    }
}

#[test]
fn a_weight_older_than_the_policy_allows_is_not_used() {
    // The needs_info example's only weight is from 2025-11-02: more than 30 days before the date
    // of service; with the date of service a month earlier, it is recent enough.
    let bundle = bundle_path("needs_info-rcc-no-body-weight")
        .display()
        .to_string();
    let run = policyc(
        &[
            "eval",
            "--fhir",
            POLICY,
            &bundle,
            "--format",
            "json",
            "--as-of",
            "2025-11-20",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let d: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(d["decision"], "approve", "{d}");
    assert_eq!(d["as_of"], "2025-11-20");
}

/// The example Bundle with its latest weight replaced by `quantity`.
fn with_weight(name: &str, quantity: Value) -> Value {
    let mut b = read_json(&bundle_path(name));
    for e in b["entry"].as_array_mut().expect("entries") {
        if is_weight(&e["resource"]) && e["resource"]["id"] == "weight-2026-01-10" {
            e["resource"]["valueQuantity"] = quantity.clone();
        }
    }
    b
}

#[test]
fn ucum_pounds_and_grams_convert_exactly() {
    // 200 [lb_av] is exactly 90.718474 kg; 54,431,084.4 IU is exactly 600,000 IU/kg of it: at the
    // limit, which approves.
    let mut b = with_weight(
        "approve-melanoma-iv",
        json!({"value": 200, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"}),
    );
    for e in b["entry"].as_array_mut().expect("entries") {
        if e["resource"]["resourceType"] == "MedicationRequest" {
            e["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] =
                serde_json::from_str("54431084.4").expect("a number");
        }
    }
    let (code, d) = eval_bundle(&b);
    assert_eq!(code, 0, "{d}");
    assert_eq!(d["decision"], "approve", "{d}");
    let limit = &d["conditions"][0];
    assert_eq!(limit["fact"], "dose_per_kg");
    assert_eq!(limit["requested_value"]["value"], "600000", "{limit}");
    // One more tenth of an IU is over the limit.
    for e in b["entry"].as_array_mut().expect("entries") {
        if e["resource"]["resourceType"] == "MedicationRequest" {
            e["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] =
                serde_json::from_str("54431084.5").expect("a number");
        }
    }
    let (_, d) = eval_bundle(&b);
    assert_eq!(d["decision"], "refer", "{d}");
}

/// `eval --fhir` refuses the Bundle: exit 3, an `invalid_request` error document, whose problems
/// are returned.
fn refused(bundle: &Value) -> Vec<Value> {
    let (code, d) = eval_bundle(bundle);
    assert_eq!(code, 3, "{d}");
    assert_eq!(d["format"], "policyc-error");
    assert_eq!(d["code"], "invalid_request");
    d["problems"].as_array().cloned().unwrap_or_default()
}

fn has_problem(problems: &[Value], path: &str, words: &str) {
    assert!(
        problems.iter().any(|p| p["path"] == path
            && p["message"].as_str().is_some_and(|m| m.contains(words))
            && p["help"].is_string()),
        "no problem at {path} saying {words:?}: {}",
        serde_json::to_string_pretty(problems).unwrap_or_default()
    );
}

#[test]
fn two_weights_on_one_day_that_differ_are_a_problem() {
    let mut b = read_json(&bundle_path("refer-melanoma-dose-above-limit"));
    let entries = b["entry"].as_array_mut().expect("entries");
    let weight = entries
        .iter()
        .find(|e| is_weight(&e["resource"]))
        .cloned()
        .expect("a weight");
    let mut same = weight.clone();
    same["resource"]["id"] = json!("weight-again");
    same["resource"]["valueQuantity"] =
        json!({"value": 72, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"});
    entries.push(same);
    // The same weight twice (72,000 g and 72 kg) is one weight.
    let (code, d) = eval_bundle(&b);
    assert_eq!((code, d["decision"].clone()), (0, json!("refer")), "{d}");
    let mut other = weight;
    other["resource"]["id"] = json!("weight-other");
    other["resource"]["valueQuantity"] =
        json!({"value": 74, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"});
    b["entry"].as_array_mut().expect("entries").push(other);
    let n = b["entry"].as_array().map_or(0, Vec::len) - 1;
    let problems = refused(&b);
    has_problem(
        &problems,
        &format!("Bundle.entry[{n}].resource.valueQuantity"),
        "two Observations of LOINC 29463-7 on 2026-01-10 disagree: 72,000 g (Observation/weight-2026-01-10) and 74 kg (Observation/weight-other)",
    );
}

#[test]
fn a_unit_policyc_does_not_read_is_a_problem_at_its_element() {
    let b = with_weight("approve-melanoma-iv", json!({"value": 11, "unit": "stone"}));
    let problems = refused(&b);
    has_problem(
        &problems,
        "Bundle.entry[6].resource.valueQuantity.unit",
        "`stone` is not a unit policyc reads",
    );
    // A unit of another dimension: the request's own check, at the element the weight came from.
    let b = with_weight(
        "approve-melanoma-iv",
        json!({"value": 160, "system": "http://unitsofmeasure.org", "code": "cm"}),
    );
    let problems = refused(&b);
    has_problem(
        &problems,
        "Bundle.entry[6].resource.valueQuantity",
        "cannot be compared with cm",
    );
}

fn condition(id: &str, code: &str) -> Value {
    json!({"resource": {
        "resourceType": "Condition", "id": id,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
        "subject": {"reference": "Patient/pat-1"}
    }})
}

#[test]
fn conditions_that_stand_for_two_diagnoses_are_a_problem() {
    // Without the order's reason, two active Conditions of two covered diagnoses.
    let mut b = read_json(&bundle_path("approve-melanoma-iv"));
    for e in b["entry"].as_array_mut().expect("entries") {
        if e["resource"]["resourceType"] == "MedicationRequest" {
            if let Some(o) = e["resource"].as_object_mut() {
                o.remove("reasonReference");
            }
        }
    }
    b["entry"]
        .as_array_mut()
        .expect("entries")
        .push(condition("dx-kidney", "C64.1"));
    let problems = refused(&b);
    assert!(
        problems
            .iter()
            .any(|p| p["message"].as_str().is_some_and(|m| m.contains(
                "two active Conditions of the patient stand for different values of `diagnosis`"
            ))),
        "{problems:?}"
    );
    // A refuted Condition does not count.
    let last = b["entry"].as_array().map_or(0, Vec::len) - 1;
    b["entry"][last]["resource"]["verificationStatus"] = json!({"coding": [{"code": "refuted"}]});
    let (code, d) = eval_bundle(&b);
    assert_eq!((code, d["decision"].clone()), (0, json!("approve")), "{d}");
    // One Condition whose two codes stand for two values.
    let mut b = read_json(&bundle_path("approve-melanoma-iv"));
    b["entry"][3]["resource"]["code"]["coding"]
        .as_array_mut()
        .expect("codings")
        .push(json!({"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C64.1"}));
    let problems = refused(&b);
    has_problem(
        &problems,
        "Bundle.entry[3].resource.code.coding[1]",
        "stand for two values of `diagnosis`",
    );
}

#[test]
fn an_answer_that_disagrees_with_the_record_is_a_problem() {
    let mut b = read_json(&bundle_path("approve-melanoma-iv"));
    let qr = b["entry"]
        .as_array_mut()
        .expect("entries")
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "QuestionnaireResponse")
        .expect("a QuestionnaireResponse");
    qr["resource"]["item"]
        .as_array_mut()
        .expect("items")
        .push(json!({
            "linkId": "body_weight",
            "answer": [{"valueQuantity": {"value": 72000, "code": "g"}}]
        }));
    // The same weight, in grams: no problem.
    let (code, d) = eval_bundle(&b);
    assert_eq!((code, d["decision"].clone()), (0, json!("approve")), "{d}");
    let n = b["entry"].as_array().map_or(0, Vec::len) - 1;
    b["entry"][n]["resource"]["item"][3]["answer"][0]["valueQuantity"]["value"] = json!(80000);
    let problems = refused(&b);
    has_problem(
        &problems,
        &format!("Bundle.entry[{n}].resource.item[3].answer[0].valueQuantity"),
        "the QuestionnaireResponse answers `body_weight` with 80000 g, but Observation/weight-2026-01-10 states 72 kg",
    );
}

#[test]
fn a_bundle_for_another_drug_or_not_a_bundle_is_refused() {
    let mut b = read_json(&bundle_path("approve-melanoma-iv"));
    for e in b["entry"].as_array_mut().expect("entries") {
        if e["resource"]["resourceType"] == "MedicationRequest" {
            e["resource"]["medicationCodeableConcept"]["coding"][0]["code"] = json!("J9228");
        }
    }
    let problems = refused(&b);
    has_problem(
        &problems,
        "Bundle.entry[7].resource.medicationCodeableConcept",
        "no MedicationRequest orders a drug of policy `proleukin` (hcpcs J9015)",
    );
    let problems = refused(&json!({"resourceType": "Patient"}));
    has_problem(
        &problems,
        "Bundle.resourceType",
        "expected a FHIR Bundle, found a Patient",
    );
    let run = policyc(
        &["eval", "--fhir", POLICY, "-"],
        Some("{\"resourceType\": "),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("the Bundle is not valid JSON"),
        "{}",
        run.stderr
    );
}

#[test]
fn covers_tells_whether_the_policy_covers_the_ordered_drug() {
    let program = policyc::compile_path(&root().join(POLICY))
        .expect("readable")
        .program
        .expect("compiles");
    let order = |codeable: Value| json!({"resourceType": "MedicationRequest", "medicationCodeableConcept": codeable});
    let hcpcs = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
    assert!(policyc_fhir::read::covers(
        &program,
        &order(json!({"coding": [{"system": hcpcs, "code": "J9015"}]}))
    ));
    assert!(!policyc_fhir::read::covers(
        &program,
        &order(json!({"coding": [{"system": hcpcs, "code": "J9228"}]}))
    ));
    assert!(!policyc_fhir::read::covers(
        &program,
        &order(json!({"coding": [{"system": "http://example.org", "code": "J9015"}]}))
    ));
    let contained = json!({
        "resourceType": "MedicationRequest",
        "contained": [{"resourceType": "Medication", "id": "m",
                       "code": {"coding": [{"system": hcpcs, "code": "J9015"}]}}],
        "medicationReference": {"reference": "#m"}
    });
    assert!(policyc_fhir::read::covers(&program, &contained));
    for hostile in [
        json!(null),
        json!([]),
        json!("x"),
        json!({"medicationReference": 3}),
    ] {
        assert!(!policyc_fhir::read::covers(&program, &hostile));
    }
}

/// Every node of `v`, as a path of keys and indices.
fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(Step::Key(k.clone()));
                paths(x, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                at.push(Step::Index(i));
                paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in path {
        cur = match s {
            Step::Key(k) => cur.get_mut(k)?,
            Step::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

#[test]
fn no_json_anywhere_in_a_bundle_makes_the_reader_panic() {
    let program = policyc::compile_path(&root().join(POLICY))
        .expect("readable")
        .program
        .expect("compiles");
    let replacements: Vec<Value> = vec![
        json!(null),
        json!(true),
        json!(-1),
        serde_json::from_str("1e400").expect("a big number"),
        serde_json::from_str("0.00000000000000000000000000000001").expect("a small number"),
        json!(""),
        json!("2026-13-45T99:99"),
        json!("#"),
        json!([]),
        json!([{}]),
        json!({}),
        json!({"reference": "Patient/pat-1"}),
    ];
    for name in ["approve-melanoma-iv", "refer-melanoma-dose-above-limit"] {
        let bundle = read_json(&bundle_path(name));
        let mut all = Vec::new();
        paths(&bundle, &mut Vec::new(), &mut all);
        for path in &all {
            for r in &replacements {
                let mut b = bundle.clone();
                if let Some(slot) = at_mut(&mut b, path) {
                    *slot = r.clone();
                }
                // Decided or refused with problems: both are answers; a panic fails the test.
                match policyc_fhir::read::evaluate_bundle(&program, &b, None) {
                    Ok(d) => assert!(!d.summary.is_empty()),
                    Err(problems) => assert!(problems
                        .iter()
                        .all(|p| !p.path.is_empty() && !p.message.is_empty())),
                }
            }
        }
    }
}

/// The formatter's input that uses every kind of source, compiled.
fn every_source() -> policyc::Program {
    let path = root().join("tests/fmt-inputs/fhir-sources.policy");
    policyc::compile_path(&path)
        .expect("readable")
        .program
        .expect("compiles")
}

#[test]
fn sets_of_conditions_named_link_ids_and_closed_routes() {
    let program = every_source();
    let icd = "http://hl7.org/fhir/sid/icd-10-cm";
    let bundle = |route: &str, birth: &str| {
        json!({"resourceType": "Bundle", "id": "b", "entry": [
            {"resource": {"resourceType": "Patient", "id": "p", "birthDate": birth}},
            {"resource": {"resourceType": "Condition", "id": "c1",
                "code": {"coding": [{"system": icd, "code": "C43.9"}]}}},
            {"resource": {"resourceType": "Condition", "id": "c2",
                "code": {"coding": [{"system": icd, "code": "C64.1"}]}}},
            {"resource": {"resourceType": "Condition", "id": "c3",
                "code": {"coding": [{"system": icd, "code": "I10"}]}}},
            {"resource": {"resourceType": "MedicationRequest", "id": "o", "status": "active",
                "authoredOn": "2026-01-15",
                "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1535412"}]},
                "reasonReference": [{"reference": "Condition/c1"}],
                "dosageInstruction": [{"route": {"coding": [{"system": "http://snomed.info/sct", "code": route}]}}]}},
            {"resource": {"resourceType": "QuestionnaireResponse", "id": "q", "status": "completed",
                "item": [{"linkId": "group", "item": [
                    {"linkId": "single-agent #q", "answer": [{"valueBoolean": true}]},
                    {"linkId": "single_agent", "answer": [{"valueBoolean": false}]}
                ]}]}}
        ]})
    };
    let facts =
        policyc_fhir::read::request_from_bundle(&program, &bundle("47625008", "1971-06-02"))
            .unwrap_or_else(|p| panic!("{p:?}"));
    let f = &facts.request["facts"];
    // The order's reason gives the diagnosis; the set takes every Condition's value.
    assert_eq!(f["diagnosis"], "melanoma");
    assert_eq!(f["comorbidities"], json!(["melanoma", "kidney"]));
    assert_eq!(f["route"], "intravenous");
    // Answered by the linkId the policy names, not by the fact's name.
    assert_eq!(f["single_agent"], true);
    let answer = facts
        .provenance
        .iter()
        .find(|p| p.fact == "single_agent")
        .expect("provenance");
    assert_eq!(
        answer.element,
        "Bundle.entry[5].resource.item[0].item[0].answer[0].valueBoolean"
    );
    assert_eq!(facts.request["as_of"], "2026-01-15");
    // Intramuscular is none of the closed enumeration's routes; a year of birth is not a date.
    let problems = policyc_fhir::read::request_from_bundle(&program, &bundle("78421000", "1971"))
        .expect_err("refused");
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert!(
        paths.contains(&"Bundle.entry[4].resource.dosageInstruction[0].route.coding[0]"),
        "{problems:?}"
    );
    assert!(
        paths.contains(&"Bundle.entry[0].resource.birthDate"),
        "{problems:?}"
    );
    assert!(problems.iter().all(|p| p.help.is_some()), "{problems:?}");
}
