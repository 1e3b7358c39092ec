//! The CDS Hooks discovery document (`GET /cds-services`) of the CRD service: one service per
//! order hook (`order-sign`, `order-select`, `order-dispatch`), each with the prefetch templates of
//! the resources policies decide from (the patient, the coverage, active conditions, body weight
//! and height, the medication order, the prescriber's role, completed QuestionnaireResponses), in
//! the shape of the Da Vinci CRD guide's `CRDServices.json`; and `appointment-book`, which CRD
//! clients call too: an appointment orders no drug, so it is answered with no card (the order
//! itself is decided at `order-select`, `order-sign` or `order-dispatch`).

use policyc::Program;
use serde_json::{json, Map, Value};

/// The CRD version the services follow.
pub const CRD_VERSION: &str = "2.2";

/// The hooks served, with their service ids.
pub const HOOKS: [(&str, &str); 4] = [
    ("order-sign", "order-sign-crd"),
    ("order-select", "order-select-crd"),
    ("order-dispatch", "order-dispatch-crd"),
    ("appointment-book", "appointment-book-crd"),
];

fn prefetch(hook: &str) -> Map<String, Value> {
    let mut p = Map::new();
    let mut put = |k: &str, v: &str| {
        p.insert(k.to_string(), Value::String(v.to_string()));
    };
    put("patient", "Patient/{{context.patientId}}");
    put(
        "coverage",
        "Coverage?patient={{context.patientId}}&status=active",
    );
    if hook == "appointment-book" {
        return p;
    }
    put(
        "conditions",
        "Condition?patient={{context.patientId}}&clinical-status=active",
    );
    put(
        "observations",
        "Observation?patient={{context.patientId}}&code=http://loinc.org|29463-7,http://loinc.org|8302-2&_sort=-date",
    );
    put(
        "questionnaireResponses",
        "QuestionnaireResponse?subject={{context.patientId}}&status=completed",
    );
    if hook == "order-dispatch" {
        put(
            "medicationRequests",
            "MedicationRequest?_id={{context.dispatchedOrders.resolve().ofType(MedicationRequest).id}}",
        );
        put(
            "medications",
            "Medication?_id={{%medicationRequests.entry.resource.medication.resolve().id}}",
        );
        put(
            "practitionerRoles",
            "PractitionerRole?_id={{%medicationRequests.entry.resource.requester.resolve().ofType(PractitionerRole).id}}",
        );
    } else {
        put(
            "medications",
            "Medication?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).medication.resolve().id}}",
        );
        put(
            "practitionerRoles",
            "PractitionerRole?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).requester.resolve().ofType(PractitionerRole).id}}",
        );
    }
    p
}

/// The discovery document for the policies served: `{"services": [...]}`.
pub fn discovery<'p>(policies: impl IntoIterator<Item = &'p Program>) -> Value {
    let drugs: Vec<String> = policies
        .into_iter()
        .flat_map(|p| p.policy.drugs.iter().cloned())
        .collect();
    let covers = if drugs.is_empty() {
        String::new()
    } else {
        format!(" Policies cover: {}.", drugs.join("; "))
    };
    let services: Vec<Value> = HOOKS
        .iter()
        .map(|(hook, id)| {
            let (title, what) = match *hook {
                "order-sign" => ("Coverage requirements at order signing", "orders being signed"),
                "order-select" => ("Coverage requirements at order selection", "orders being selected"),
                "order-dispatch" => ("Coverage requirements at order dispatch", "orders being routed to a performer"),
                _ => ("Coverage requirements at appointment booking", ""),
            };
            let description = if what.is_empty() {
                "Answered with no card: policies decide drug orders, which an appointment is not; the order is decided at order-select, order-sign or order-dispatch.".to_string()
            } else {
                format!("Whether {what} are covered and need prior authorization, with the policy's reasons and a questionnaire for missing information.{covers}")
            };
            json!({
                "hook": hook,
                "title": title,
                "description": description,
                "id": id,
                "prefetch": prefetch(hook),
                "extension": {
                    "davinci-crd.version": [CRD_VERSION],
                    "davinci-crd.configuration-options": [{
                        "code": "coverage-info",
                        "type": "boolean",
                        "name": "Coverage Information",
                        "description": "Return the coverage-information extension on each order a policy covers: covered or not, whether prior authorization is needed or already satisfied, and the questionnaire when facts are missing",
                        "default": true
                    }]
                }
            })
        })
        .collect();
    json!({ "services": services })
}
