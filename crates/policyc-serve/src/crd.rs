//! The Da Vinci CRD hook call: `POST /cds-services/{service}`, one CDS Hooks service per hook that
//! `GET /cds-services` lists. Each MedicationRequest of the call whose drug a policy covers is
//! read from the call's context and prefetch (the server fetches nothing), decided under the
//! version in force on its date of service, logged like every decision, and answered with a
//! `systemActions` update carrying the coverage-information extension and a card for the
//! clinician. A call that is not a CDS Hooks request of the service's hook is a 400
//! `invalid_request` document, each problem with its place in the call.

// As in `http`: the helpers return the error response itself, which the handler returns at once.
#![allow(clippy::result_large_err)]

use crate::http::{check_body, error, record, Decided, Shared};
use crate::policies::Loaded;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use policyc::versions::{choose, day_before, RequestDate};
use policyc::{DecisionKind, ErrorCode, RequestError};
use policyc_fhir::hook::{
    coverage_card, problem_card, read_hook, response, update_action, HookOrder,
};
use policyc_fhir::read::ReadProblem;
use policyc_fhir::write::cds::HOOKS;
use policyc_fhir::write::coverage::{coverage_information, Context as CoverageContext};
use policyc_fhir::write::questionnaire::questionnaire_id;
use policyc_fhir::write::types::Reference;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

fn request_errors(problems: Vec<ReadProblem>) -> Vec<RequestError> {
    problems
        .into_iter()
        .map(|p| RequestError {
            path: p.path,
            message: p.message,
            help: p.help,
        })
        .collect()
}

/// The FHIR base of this service as the caller reached it (`http://host:port`, or what a proxy
/// states in `X-Forwarded-Proto` and `X-Forwarded-Host`): the adaptive Questionnaires a
/// coverage assertion names are answered at `{base}/Questionnaire/$next-question`.
fn base_url(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match get("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// What one order's decision under one policy gives.
enum Outcome {
    Asserted(policyc_fhir::write::types::Extension, Value),
    Problem(Value),
}

/// Decide `order` under the version of `versions` in force on its date of service; log it.
fn decide_order(
    s: &Shared,
    latest: &Arc<Loaded>,
    versions: &[Arc<Loaded>],
    order: &HookOrder,
    coverage: &Reference,
    today: &str,
    base: &str,
) -> Outcome {
    let effective: Vec<&str> = versions
        .iter()
        .map(|v| v.program.policy.effective.as_str())
        .collect();
    let date = order.date_of_service(today);
    let (i, chosen) = match choose(
        &latest.program.policy.id,
        &effective,
        &RequestDate::Stated(date),
    ) {
        Ok(c) => c,
        Err(e) => {
            let p = ReadProblem {
                path: format!("{}.authoredOn", order.path),
                message: e.to_string(),
                help: Some(format!(
                    "the first version of policy `{}` took effect on {}",
                    e.id, e.first
                )),
            };
            return Outcome::Problem(problem_card(order, &latest.program, &[p]));
        }
    };
    let p = versions.get(i).unwrap_or(latest);
    let facts = match order.facts(&p.program, today) {
        Ok(f) => f,
        Err(problems) => return Outcome::Problem(problem_card(order, &p.program, &problems)),
    };
    let req = match facts.bind(&p.program) {
        Ok(r) => r,
        Err(problems) => return Outcome::Problem(problem_card(order, &p.program, &problems)),
    };
    let started = Instant::now();
    let mut d = policyc::evaluate(&p.program, &req);
    d.provenance = facts.provenance.clone();
    d.policy.content_hash = Some(p.content_hash.clone());
    d.policy.in_force_until = versions
        .get(i + 1)
        .and_then(|n| day_before(&n.program.policy.effective));
    d.policy.chosen_for = chosen;
    if let Some(url) = s.doc_url.as_deref() {
        d.link_to(url);
    }
    let decided = Decided::explained(d.clone(), &req);
    let request_text = facts.request.to_string();
    let decision_id = record(s, p, &decided, None, started.elapsed(), &request_text);
    let ctx = CoverageContext {
        decision_id,
        coverage: coverage.clone(),
        date: today.to_string(),
        questionnaire: (d.decision == DecisionKind::NeedsInfo).then(|| {
            format!(
                "{base}/Questionnaire/{}",
                questionnaire_id(&p.program, true)
            )
        }),
    };
    let card = coverage_card(order, &p.program, &d, &ctx, s.doc_url.as_deref());
    Outcome::Asserted(coverage_information(&d, &ctx), card)
}

/// `POST /cds-services/{service}`: the CRD hook call.
pub(crate) async fn hook(
    State(s): State<Shared>,
    service: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let service = match service {
        Ok(Path(id)) => id,
        Err(e) => {
            let msg = format!("the service id in the path is not valid: {}", e.body_text());
            return error(&s, ErrorCode::InvalidPath, &msg, &[]);
        }
    };
    let Some((hook_name, _)) = HOOKS.iter().find(|(_, id)| *id == service) else {
        let ids: Vec<&str> = HOOKS.iter().map(|(_, id)| *id).collect();
        let shown: String = service.chars().take(100).collect();
        let msg = format!(
            "no CDS service `{shown}`: the services are {} (GET /cds-services)",
            ids.join(", ")
        );
        return error(&s, ErrorCode::NotFound, &msg, &[]);
    };
    let text = match check_body(&s, &headers, &["application/json"], &body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let call_json: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let p = RequestError {
                path: String::new(),
                message: format!("the body is not JSON: {e}"),
                help: Some("send the CDS Hooks request as a JSON object".into()),
            };
            return error(
                &s,
                ErrorCode::InvalidRequest,
                "the hook request is not JSON",
                &[p],
            );
        }
    };
    let call = match read_hook(&call_json, hook_name) {
        Ok(c) => c,
        Err(problems) => {
            let n = problems.len();
            let msg = format!(
                "the {hook_name} request is not a valid CDS Hooks call ({n} problem{})",
                if n == 1 { "" } else { "s" }
            );
            return error(
                &s,
                ErrorCode::InvalidRequest,
                &msg,
                &request_errors(problems),
            );
        }
    };
    let set = s.snapshot();
    let today = jiff::Zoned::now().date().to_string();
    let base = base_url(&headers);
    let coverage = call.coverage();
    let mut cards = Vec::new();
    let mut actions = Vec::new();
    for order in call.orders() {
        let mut extensions = Vec::new();
        for (id, latest) in &set.by_id {
            if !order.covered_by(&latest.program) {
                continue;
            }
            let versions = match set.versions_of(id) {
                [] => vec![latest.clone()],
                v => v.to_vec(),
            };
            match decide_order(&s, latest, &versions, &order, &coverage, &today, &base) {
                Outcome::Asserted(ext, card) => {
                    extensions.push(ext);
                    cards.push(card);
                }
                Outcome::Problem(card) => cards.push(card),
            }
        }
        if !extensions.is_empty() {
            actions.push(update_action(&order, &extensions));
        }
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        response(cards, actions).to_string() + "\n",
    )
        .into_response()
}
