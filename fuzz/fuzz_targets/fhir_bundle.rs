//! Arbitrary bytes as a FHIR R4 Bundle for the Proleukin policy (which reads its facts from the
//! Patient, Conditions, Observations and the MedicationRequest): read it into a request, and
//! where it reads, decide and evaluate it, which must reach the same decision. Also the
//! questionnaire answers (a QuestionnaireResponse) and `covers` on every entry.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let program = policyc_fuzz::proleukin();
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for as_of in [None, Some("2026-01-15")] {
        if let Ok(facts) = policyc_fhir::read::request_from_bundle_as_of(program, &json, as_of) {
            if let Ok(request) = facts.bind(program) {
                policyc_fuzz::decide_and_evaluate(program, &request);
            }
        }
    }
    if let Some(entries) = json.get("entry").and_then(|e| e.as_array()) {
        for e in entries {
            if let Some(r) = e.get("resource") {
                let _ = policyc_fhir::read::covers(program, r);
            }
        }
    }
});
