//! The PAS request reader on small Bundles: orders, diagnoses, dates, and malformed Bundles.

use super::*;

fn program() -> Program {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/proleukin.policy");
    let checked = policyc::compile_path(&path).unwrap_or_else(|e| panic!("{e}"));
    checked
        .program
        .unwrap_or_else(|| panic!("proleukin compiles"))
}

fn bundle(item: Json, diagnosis: Json) -> Json {
    json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:claim", "resource": {
                "resourceType": "Claim", "id": "c1", "status": "active", "use": "preauthorization",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
                "patient": {"reference": "Patient/p1"}, "created": "2026-01-15T09:00:00Z",
                "insurer": {"reference": "Organization/payer"}, "provider": {"reference": "PractitionerRole/r1"},
                "priority": {"coding": [{"code": "normal"}]},
                "diagnosis": diagnosis,
                "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/cov"}}],
                "item": [item]
            }},
            {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1960-03-01"}},
            {"resource": {"resourceType": "Organization", "id": "payer"}},
            {"resource": {"resourceType": "Coverage", "id": "cov", "status": "active"}},
            {"resource": {"resourceType": "PractitionerRole", "id": "r1", "specialty": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207RX0202X"}]}]}},
            {"resource": {"resourceType": "Condition", "id": "dx", "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C64.1"}]}, "subject": {"reference": "Patient/p1"}}}
        ]
    })
}

fn j9015() -> Json {
    json!({"coding": [{"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "J9015"}]})
}

#[test]
fn an_item_is_an_order_with_claim_paths() {
    let p = program();
    let b = bundle(
        json!({"sequence": 1, "productOrService": j9015(), "servicedDate": "2026-01-20"}),
        json!([{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C43.9"}]}}]),
    );
    let c = read_claim(&b).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(c.covers(&p, &c.items[0]));
    let f = c
        .request(&p, &c.items[0])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(f.request["as_of"], "2026-01-20");
    assert_eq!(f.request["request_id"], "c1");
    assert_eq!(
        f.as_of_element.as_deref(),
        Some("Bundle.entry[0].resource.item[0].servicedDate")
    );
    // The Claim's diagnosis code is the order's reason, over the Bundle's other Condition.
    let dx = f
        .provenance
        .iter()
        .find(|p| p.fact == "diagnosis")
        .unwrap_or_else(|| panic!("{f:?}"));
    assert_eq!(f.request["facts"]["diagnosis"], "cutaneous_melanoma");
    assert_eq!(
        dx.element,
        "Bundle.entry[0].resource.diagnosis[0].diagnosisCodeableConcept.coding[0]"
    );
    assert_eq!(dx.resource, "Claim/c1");
    let spec = f
        .provenance
        .iter()
        .find(|p| p.fact == "prescriber_specialty");
    assert!(
        spec.is_some_and(|s| s.element.starts_with("Bundle.entry[4]")),
        "{f:?}"
    );
}

#[test]
fn a_diagnosis_reference_names_the_condition() {
    let p = program();
    let b = bundle(
        json!({"sequence": 1, "productOrService": j9015(), "diagnosisSequence": [2]}),
        json!([
            {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C43.9"}]}},
            {"sequence": 2, "diagnosisReference": {"reference": "Condition/dx"}}
        ]),
    );
    let c = read_claim(&b).unwrap_or_else(|e| panic!("{e:?}"));
    let f = c
        .request(&p, &c.items[0])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(f.request["facts"]["diagnosis"], "renal_cell_carcinoma");
    // No servicedDate: the day the Claim was created.
    assert_eq!(f.request["as_of"], "2026-01-15");
    assert_eq!(
        f.as_of_element.as_deref(),
        Some("Bundle.entry[0].resource.created")
    );
}

fn problem_of(b: &Json) -> Problem {
    match read_claim(b) {
        Ok(_) => panic!("accepted: {b}"),
        Err(ps) => ps[0].clone(),
    }
}

#[test]
fn malformed_bundles_name_the_element() {
    let dx = json!([{"sequence": 1, "diagnosisReference": {"reference": "Condition/dx"}}]);
    let ok = bundle(
        json!({"sequence": 1, "productOrService": j9015()}),
        dx.clone(),
    );
    assert!(read_claim(&ok).is_ok());
    assert_eq!(
        problem_of(&json!({"resourceType": "Claim"})).expression,
        "Bundle.resourceType"
    );
    assert_eq!(problem_of(&json!([1])).expression, "Bundle.resourceType");
    let mut b = ok.clone();
    b["type"] = json!("transaction");
    assert_eq!(problem_of(&b).expression, "Bundle.type");
    let mut b = ok.clone();
    b["entry"][0]["resource"]["use"] = json!("claim");
    assert_eq!(problem_of(&b).expression, "Bundle.entry[0].resource.use");
    let mut b = ok.clone();
    b["entry"][0]["resource"]["insurance"][0]["coverage"]["reference"] = json!("Coverage/gone");
    let p = problem_of(&b);
    assert_eq!(
        p.expression,
        "Bundle.entry[0].resource.insurance[0].coverage"
    );
    assert_eq!(p.code, "not-found");
    let mut b = ok.clone();
    b["entry"][0]["resource"]["patient"]["reference"] = json!("Organization/payer");
    assert_eq!(
        problem_of(&b).expression,
        "Bundle.entry[0].resource.patient"
    );
    let b = bundle(
        json!({"sequence": 1, "productOrService": {"text": "a drug"}}),
        dx.clone(),
    );
    assert_eq!(
        problem_of(&b).expression,
        "Bundle.entry[0].resource.item[0].productOrService"
    );
    let b = bundle(
        json!({"sequence": 1, "productOrService": j9015(), "servicedDate": "2026-02-30"}),
        dx.clone(),
    );
    assert_eq!(
        problem_of(&b).expression,
        "Bundle.entry[0].resource.item[0].servicedDate"
    );
    let b = bundle(
        json!({"sequence": 1, "productOrService": j9015(), "servicedPeriod": {"start": "soon"}}),
        dx.clone(),
    );
    assert_eq!(
        problem_of(&b).expression,
        "Bundle.entry[0].resource.item[0].servicedPeriod.start"
    );
    let b = bundle(
        json!({"sequence": 1, "productOrService": j9015(), "diagnosisSequence": [3]}),
        dx.clone(),
    );
    assert_eq!(
        problem_of(&b).expression,
        "Bundle.entry[0].resource.item[0].diagnosisSequence[0]"
    );
    let mut b = ok.clone();
    b["entry"][0]["resource"] = json!({"resourceType": "Patient"});
    assert_eq!(
        problem_of(&b).expression,
        "Bundle.entry[0].resource.resourceType"
    );
    let mut b = ok.clone();
    b["entry"][0]["resource"]["item"] = json!([]);
    assert_eq!(problem_of(&b).expression, "Bundle.entry[0].resource.item");
}

#[test]
fn a_product_of_no_policy_is_not_covered() {
    let p = program();
    let b = bundle(
        json!({"sequence": 1, "productOrService": {"coding": [{"system": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "99212", "display": "Office visit"}]}}),
        json!([]),
    );
    let c = read_claim(&b).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!c.covers(&p, &c.items[0]));
    assert_eq!(c.items[0].product_text(), "hcpcs 99212 \"Office visit\"");
}
