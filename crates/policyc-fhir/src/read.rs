//! A FHIR R4 Bundle read into a policyc request, each fact with the resource and element it came
//! from.
//!
//! The policy says where each fact comes from (`from ...` on its declaration, codes on its
//! enumeration's values and on the header's drugs; see the README). [`request_from_bundle`] reads
//! a Bundle of the patient's resources (Patient, Condition, Observation, MedicationRequest,
//! PractitionerRole, QuestionnaireResponse) by those declarations:
//!
//! - the **order** is the MedicationRequest that orders a drug the policy's header lists a code
//!   of ([`covers`]); for a policy that lists none, the Bundle's only MedicationRequest;
//! - the **patient** is the one the order's `subject` names, else the Bundle's only Patient;
//!   resources about another patient are left out;
//! - the **date of service** is the order's `authoredOn` (or the `as_of` given), from which an
//!   Observation's recency (`within 30 days`) is counted; Observations after it are left out;
//! - every fact can also be answered in a QuestionnaireResponse, by the item whose `linkId` is
//!   the fact's name (or the one `from questionnaire "..."` names).
//!
//! Data that is ambiguous or conflicting is a [`ReadProblem`] at the element's path
//! (`Bundle.entry[3].resource.valueQuantity.code`), never a guess: two weights on the latest day
//! that differ, a Condition whose codes stand for two values, two active Conditions (or two
//! reasons for the order) that stand for different diagnoses, two orders of the drug, an answer
//! that disagrees with the EHR's value. Any JSON is safe to read: a value of the wrong kind is a
//! problem, never a panic.
//!
//! ```
//! let policy = r#"
//! policy example {
//!   title "Example" drug "Example drug" hcpcs ["J9015"] effective 2024-01-01
//! }
//! fact body_weight: kg "The patient's body weight" from observation loinc "29463-7"
//! indication 1 "Any" {
//!   approve for 1 year
//!   criteria: all of { A "Weighs at least 40 kg": body_weight at least 40 kg }
//! }
//! "#;
//! let program = policyc::compile_source(policy).program.expect("the policy has no errors");
//! let bundle = serde_json::json!({
//!   "resourceType": "Bundle", "type": "collection",
//!   "entry": [{"resource": {
//!     "resourceType": "Observation", "id": "w", "status": "final",
//!     "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
//!     "effectiveDateTime": "2026-01-10",
//!     "valueQuantity": {"value": 160, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]"}
//!   }}]
//! });
//! let facts = policyc_fhir::read::request_from_bundle(&program, &bundle).expect("readable");
//! assert_eq!(facts.provenance[0].element, "Bundle.entry[0].resource.valueQuantity");
//! let decision = facts.evaluate(&program).expect("a valid request");
//! assert_eq!(decision.decision, policyc::eval::DecisionKind::Approve);
//! ```

mod answers;
pub(crate) mod bundle;
mod ehr;

use bundle::Bundle;
use policyc::eval::{evaluate, Decision, Provenance};
use policyc::ir::Program;
use policyc::request::{bind_json, Request};
use serde::Serialize;
use serde_json::{json, Map, Value as Json};
use std::fmt;

/// The request a Bundle states, with where each fact came from.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirFacts {
    /// The request in policyc's request JSON: `request_id` (the Bundle's `id`), `as_of` (the
    /// date of service) and `facts`, each value in the terms `policyc eval` reads.
    pub request: Json,
    /// Where each fact the request states came from, in the order of the policy's facts.
    pub provenance: Vec<Provenance>,
    /// The element the date of service was read from, if it was read from the Bundle.
    pub as_of_element: Option<String>,
}

/// A problem with a Bundle: where (a FHIR element path from the Bundle), what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadProblem {
    /// The element: `Bundle.entry[3].resource.valueQuantity.unit`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to put it right, when there is something to suggest.
    pub help: Option<String>,
}

impl ReadProblem {
    pub(crate) fn new(
        path: impl Into<String>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        ReadProblem {
            path: path.into(),
            message: message.into(),
            help,
        }
    }
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// A fact's value in request JSON, with its provenance.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub value: Json,
    pub prov: Provenance,
}

/// Read a Bundle into a request for `program`, the date of service being the order's
/// `authoredOn`. See the [module documentation](self) for what is read and what is a problem.
pub fn request_from_bundle(
    program: &Program,
    bundle: &Json,
) -> Result<FhirFacts, Vec<ReadProblem>> {
    request_from_bundle_as_of(program, bundle, None)
}

/// Read a Bundle into a request for `program`, on the date of service `as_of` (`YYYY-MM-DD`;
/// `None`: the order's `authoredOn`).
pub fn request_from_bundle_as_of(
    program: &Program,
    json: &Json,
    as_of: Option<&str>,
) -> Result<FhirFacts, Vec<ReadProblem>> {
    let bundle = Bundle::read(json)?;
    let order = ehr::select_order(program, &bundle).map_err(|p| vec![p])?;
    let patient = ehr::select_patient(&bundle, order).map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    let (as_of_date, as_of_element) = match as_of {
        Some(s) => match bundle::full_date(s) {
            Ok(d) if s.len() == 10 => (Some(d), None),
            _ => {
                return Err(vec![ReadProblem::new(
                    "--as-of",
                    format!("`{s}` is not a date"),
                    Some("write the date of service as YYYY-MM-DD".into()),
                )])
            }
        },
        None => match order.and_then(|o| o.resource.get("authoredOn")) {
            None => (None, None),
            Some(v) => match v.as_str().map(bundle::full_date) {
                Some(Ok(d)) => (Some(d), order.map(|o| o.path("authoredOn"))),
                _ => {
                    problems.push(ReadProblem::new(
                        order.map(|o| o.path("authoredOn")).unwrap_or_default(),
                        format!("the order's `authoredOn` is {v}, not a date and time"),
                        Some("write it as FHIR does (`2026-01-15` or `2026-01-15T09:00:00Z`), or pass --as-of".into()),
                    ));
                    (None, None)
                }
            },
        },
    };
    let mut ctx = ehr::Context {
        program,
        bundle: &bundle,
        patient,
        order,
        as_of: as_of_date,
        problems,
    };
    let mut from_ehr: Vec<Option<Found>> = Vec::with_capacity(program.facts.len());
    for (slot, f) in program.facts.iter().enumerate() {
        from_ehr.push(f.source.as_ref().and_then(|s| ctx.read(slot, s)));
    }
    let mut problems = ctx.problems;
    let mut answered = answers::answers(program, &bundle, patient, &mut problems);
    let mut facts = Map::new();
    let mut provenance = Vec::new();
    for (slot, ehr_value) in from_ehr.into_iter().enumerate() {
        let name = &program.facts[slot].name;
        let chosen = match (ehr_value, answered.remove(&slot)) {
            (Some(e), Some(a)) => {
                if !same_value(program, name, &e.value, &a.value) {
                    problems.push(ReadProblem::new(
                        a.prov.element.clone(),
                        format!(
                            "the QuestionnaireResponse answers `{name}` with {}, but {} states {} ({})",
                            a.prov.value, e.prov.resource, e.prov.value, e.prov.element
                        ),
                        Some("correct the record or the answer: policyc does not choose between them".into()),
                    ));
                }
                Some(e)
            }
            (e, a) => e.or(a),
        };
        if let Some(f) = chosen {
            facts.insert(name.clone(), f.value);
            provenance.push(f.prov);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut request = Map::new();
    if let Some(id) = json.get("id").and_then(Json::as_str) {
        request.insert("request_id".into(), json!(id));
    }
    if let Some(d) = as_of_date {
        request.insert("as_of".into(), json!(d.to_string()));
    }
    request.insert("facts".into(), Json::Object(facts));
    Ok(FhirFacts {
        request: Json::Object(request),
        provenance,
        as_of_element,
    })
}

/// Whether two request values of one fact are the same value (compared once bound: `72 kg` is
/// `72000 g`); values that do not bind alone are compared as written.
fn same_value(program: &Program, name: &str, a: &Json, b: &Json) -> bool {
    let bound = |v: &Json| {
        let req = json!({"facts": {name: v}});
        bind_json(program, &req, None).ok().and_then(|r| {
            program
                .fact_index(name)
                .and_then(|i| r.values.get(i).copied().flatten())
        })
    };
    match (bound(a), bound(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

impl FhirFacts {
    /// Bind the request to the program's slots, as `policyc eval` binds a request; each problem
    /// names the element the fact was read from.
    pub fn bind(&self, program: &Program) -> Result<Request, Vec<ReadProblem>> {
        bind_json(program, &self.request, None).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let fact = e.path.strip_prefix("facts.");
                    let from = fact.and_then(|f| self.provenance.iter().find(|p| p.fact == f));
                    let path = match (from, e.path.as_str()) {
                        (Some(p), _) => p.element.clone(),
                        (None, "as_of") => self.as_of_element.clone().unwrap_or(e.path.clone()),
                        (None, _) => e.path.clone(),
                    };
                    ReadProblem::new(path, e.message, e.help)
                })
                .collect()
        })
    }

    /// Bind and decide the request, the decision's `provenance` saying where each fact came from.
    pub fn evaluate(&self, program: &Program) -> Result<Decision, Vec<ReadProblem>> {
        let req = self.bind(program)?;
        let mut d = evaluate(program, &req);
        d.provenance = self.provenance.clone();
        Ok(d)
    }
}

/// Read and decide a Bundle (see [`request_from_bundle_as_of`] and [`FhirFacts::evaluate`]).
pub fn evaluate_bundle(
    program: &Program,
    bundle: &Json,
    as_of: Option<&str>,
) -> Result<Decision, Vec<ReadProblem>> {
    request_from_bundle_as_of(program, bundle, as_of)?.evaluate(program)
}

/// Whether the policy covers the drug a MedicationRequest orders: its
/// `medicationCodeableConcept`, or the contained Medication its `medicationReference` names,
/// has a code the policy's header lists (`drug "..." hcpcs ["J9015"]`). A policy that lists no
/// drug codes covers no order; a reference to a Medication outside the resource cannot be
/// followed here (read the Bundle with [`request_from_bundle`] instead).
pub fn covers(program: &Program, medication_request: &Json) -> bool {
    let list = ehr::medication_codings(medication_request, None);
    ehr::codes_cover(program, &list)
}

/// Whether a Bundle holds a MedicationRequest (not cancelled, stopped or entered in error) of a
/// drug the policy's header lists a code of, following a `medicationReference` to a Medication
/// contained in the order or in the Bundle. A Bundle that is not one covers nothing.
pub fn bundle_orders_drug_of(program: &Program, bundle: &Json) -> bool {
    let Ok(b) = Bundle::read(bundle) else {
        return false;
    };
    ehr::select_order(program, &b).is_ok_and(|o| o.is_some())
        && !program.policy.drug_codes.is_empty()
}
