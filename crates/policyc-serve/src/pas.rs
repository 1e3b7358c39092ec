//! The Da Vinci PAS route: `POST /Claim/$submit`. A PAS request Bundle (a Claim with `use` =
//! preauthorization and the resources it references) is answered with a PAS response Bundle: a
//! ClaimResponse whose items carry their review action (approved, denied, pended, with the X12
//! codes of `--x12-codes`), `preAuthRef` the decision id, the approval's dates and the reasons as
//! notes, followed by the Claim's patient, insurer and requestor.
//!
//! Each item is decided under the policy that covers its product, in the version in force on its
//! date of service, and logged like every decision. An item no policy covers is pended for a
//! person's review. A Bundle that is not a PAS request, or whose data cannot be read, is answered
//! 400 with an OperationOutcome naming the element; nothing is decided or logged then.

// As in `http`: the helpers return the error response itself, which the handler returns at once.
#![allow(clippy::result_large_err)]

use crate::fhir::{fhir_body, outcome, FHIR_JSON};
use crate::http::{decision_id, record, Decided, Shared};
use crate::policies::Loaded;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use policyc::eval::ChosenFor;
use policyc::versions::{choose, day_before, request_date};
use policyc_fhir::claim::{read_claim, to_problem, PasClaim};
use policyc_fhir::read::FhirFacts;
use policyc_fhir::write::claim_response::{
    claim_response_items, response_bundle, Context, ItemAnswer,
};
use policyc_fhir::write::outcome::Problem;
use policyc_fhir::write::questionnaire::{questionnaire_url, Options};
use policyc_fhir::write::types::{CodeableConcept, Coding, Reference};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// What one item comes to before anything is decided.
enum Plan {
    /// Decide this request under this version.
    Decide {
        sequence: u32,
        version: Arc<Loaded>,
        until: Option<String>,
        chosen: Option<ChosenFor>,
        facts: Box<FhirFacts>,
        request: Box<policyc::Request>,
    },
    /// No policy decides it: pended, for this reason.
    Pend { sequence: u32, reason: String },
}

/// A FHIR Reference as the Claim writes it.
fn reference(v: &Value) -> Reference {
    Reference {
        reference: v.get("reference").and_then(Value::as_str).map(String::from),
        display: v.get("display").and_then(Value::as_str).map(String::from),
    }
}

/// A CodeableConcept as the Claim writes it (its codings and text).
fn concept(v: &Value) -> CodeableConcept {
    let text = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).map(String::from);
    CodeableConcept {
        coding: v
            .get("coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| Coding {
                system: text(c, "system"),
                code: text(c, "code"),
                display: text(c, "display"),
            })
            .collect(),
        text: text(v, "text"),
    }
}

/// Read one item's request under the version of its policy in force on its date of service.
fn plan_item(
    s: &Shared,
    claim: &PasClaim,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Result<Option<Plan>, Response> {
    let item = &claim.items[index];
    let set = s.snapshot();
    let covering: Vec<&Arc<Loaded>> = set
        .by_id
        .values()
        .filter(|p| claim.covers(&p.program, item))
        .collect();
    let latest = match covering.as_slice() {
        [] => {
            return Ok(Some(Plan::Pend {
                sequence: item.sequence,
                reason: format!(
                "No policy of this service covers {}: the item is pended for review by a person",
                item.product_text()
            ),
            }))
        }
        [one] => Arc::clone(one),
        several => {
            let ids: Vec<&str> = several
                .iter()
                .map(|p| p.program.policy.id.as_str())
                .collect();
            return Ok(Some(Plan::Pend {
                sequence: item.sequence,
                reason: format!(
                    "Policies {} all cover {}: which applies is not decided here, and the item is pended for review by a person",
                    ids.join(", "),
                    item.product_text()
                ),
            }));
        }
    };
    let id = latest.program.policy.id.clone();
    let mut versions = set.versions_of(&id).to_vec();
    if versions.is_empty() {
        versions.push(latest);
    }
    let last = versions.len() - 1;
    // The date of service is read from the Bundle (it may be the order's `authoredOn`): read it
    // with the latest version, then again with the version in force on it if that is another.
    let read = |v: &Loaded, problems: &mut Vec<Problem>| match claim.request(&v.program, item) {
        Ok(f) => Some(f),
        Err(ps) => {
            problems.extend(ps.into_iter().map(|p| to_problem(p, "invalid")));
            None
        }
    };
    let Some(facts) = read(&versions[last], problems) else {
        return Ok(None);
    };
    let effective: Vec<&str> = versions
        .iter()
        .map(|v| v.program.policy.effective.as_str())
        .collect();
    let date = request_date(&facts.request.to_string(), None);
    let (i, chosen) = match choose(&id, &effective, &date) {
        Ok(c) => c,
        Err(e) => {
            let at = facts.as_of_element.clone().unwrap_or_default();
            let p = Problem::new(at, "business-rule", e.to_string());
            return Err(outcome(s, StatusCode::UNPROCESSABLE_ENTITY, &[p]));
        }
    };
    let i = i.min(last);
    let facts = if i == last {
        facts
    } else {
        match read(&versions[i], problems) {
            Some(f) => f,
            None => return Ok(None),
        }
    };
    let version = versions[i].clone();
    let until = versions
        .get(i + 1)
        .and_then(|n| day_before(&n.program.policy.effective));
    match facts.bind(&version.program) {
        Ok(request) => Ok(Some(Plan::Decide {
            sequence: item.sequence,
            version,
            until,
            chosen,
            facts: Box::new(facts),
            request: Box::new(request),
        })),
        Err(ps) => {
            problems.extend(ps.into_iter().map(|p| to_problem(p, "value")));
            Ok(None)
        }
    }
}

/// `POST /Claim/$submit`: decide a PAS request Bundle's items and answer with the PAS response
/// Bundle. Each decision is logged; their ids are in `x-decision-id` (comma-separated, in the
/// items' order) and in each item's review action.
pub(crate) async fn submit(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let text = match fhir_body(&s, &headers, &body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(codes) = s.x12_codes.clone() else {
        let p = Problem::new(
            "",
            "not-supported",
            "this service has no X12 codes for PAS review actions: start it with --x12-codes FILE (or `x12_codes` in the configuration file); see the README's \"X12 codes\"",
        );
        return outcome(&s, StatusCode::NOT_IMPLEMENTED, &[p]);
    };
    let json: Value = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => {
            let p = Problem::new("", "structure", format!("the body is not JSON: {e}"));
            return outcome(&s, StatusCode::BAD_REQUEST, &[p]);
        }
    };
    let claim = match read_claim(&json) {
        Ok(c) => c,
        Err(problems) => return outcome(&s, StatusCode::BAD_REQUEST, &problems),
    };
    // Every item is read before any is decided: a Bundle with a problem decides nothing.
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    for i in 0..claim.items.len() {
        match plan_item(&s, &claim, i, &mut problems) {
            Ok(Some(plan)) => plans.push(plan),
            Ok(None) => {}
            Err(r) => return r,
        }
    }
    if !problems.is_empty() {
        return outcome(&s, StatusCode::BAD_REQUEST, &problems);
    }
    let mut decisions = Vec::new();
    let mut pended = Vec::new();
    let mut hashes: Vec<String> = Vec::new();
    for plan in plans {
        match plan {
            Plan::Pend { sequence, reason } => pended.push((sequence, reason)),
            Plan::Decide {
                sequence,
                version,
                until,
                chosen,
                facts,
                request,
            } => {
                let started = Instant::now();
                let mut d = policyc::evaluate(&version.program, &request);
                d.provenance = facts.provenance.clone();
                d.policy.content_hash = Some(version.content_hash.clone());
                d.policy.in_force_until = until;
                d.policy.chosen_for = chosen;
                if let Some(url) = s.doc_url.as_deref() {
                    d.link_to(url);
                }
                let decided = Decided::explained(d.clone(), &request);
                let logged = facts.request.to_string();
                let id = record(&s, &version, &decided, None, started.elapsed(), &logged);
                let q = questionnaire_url(&version.program, &Options::default(), true);
                if !hashes.contains(&version.content_hash) {
                    hashes.push(version.content_hash.clone());
                }
                decisions.push((sequence, d, id, q));
            }
        }
    }
    let mut answers: Vec<ItemAnswer> = Vec::new();
    for item in &claim.items {
        if let Some((sequence, d, id, q)) = decisions.iter().find(|x| x.0 == item.sequence) {
            answers.push(ItemAnswer::Decided {
                sequence: *sequence,
                decision: d,
                decision_id: id.clone(),
                questionnaire: Some(q.clone()),
            });
        } else if let Some((sequence, reason)) = pended.iter().find(|x| x.0 == item.sequence) {
            answers.push(ItemAnswer::NotDecided {
                sequence: *sequence,
                reason: reason.clone(),
            });
        }
    }
    let ids: Vec<&str> = decisions.iter().map(|d| d.2.as_str()).collect();
    let kinds: Vec<&str> = decisions.iter().map(|d| d.1.decision.as_str()).collect();
    let now = jiff::Timestamp::now().to_string();
    let ctx = Context {
        decision_id: ids.first().map_or_else(decision_id, |i| i.to_string()),
        created: now.clone(),
        claim_type: claim.claim_type.as_ref().map(concept),
        patient: reference(&claim.patient),
        insurer: claim.insurer.as_ref().map(reference).unwrap_or_default(),
        requestor: claim.provider.as_ref().map(reference),
        request: match &claim.reference {
            Some(r) => Reference::to(r),
            None => Reference {
                reference: None,
                display: Some("the submitted Claim".into()),
            },
        },
        items: Vec::new(),
        questionnaire: None,
    };
    let response = claim_response_items(&answers, &ctx, &codes);
    let mut others: Vec<(String, Value)> = Vec::new();
    for r in [
        Some(&claim.patient),
        claim.insurer.as_ref(),
        claim.provider.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(e) = claim.entry_of(r) {
            if !others.iter().any(|o| o.0 == e.0) {
                others.push(e);
            }
        }
    }
    let bundle = response_bundle(response, claim.identifier.clone(), &now, others);
    let body = serde_json::to_string(&bundle).unwrap_or_default() + "\n";
    let mut r = ([(header::CONTENT_TYPE, FHIR_JSON)], body).into_response();
    let h = r.headers_mut();
    for (name, value) in [
        ("x-decision-id", ids.join(", ")),
        ("x-decision", kinds.join(", ")),
        ("x-policy-content-hash", hashes.join(", ")),
    ] {
        if value.is_empty() {
            continue;
        }
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    r
}
