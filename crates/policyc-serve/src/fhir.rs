//! The FHIR routes: the CDS Hooks discovery of the CRD services (`GET /cds-services`) and the
//! adaptive DTR `$next-question` (`POST /Questionnaire/$next-question`). Their errors are FHIR
//! OperationOutcomes, each issue with the element it is about.

// As in `http`: the helpers return the error response itself, which the handler returns at once.
#![allow(clippy::result_large_err)]

use crate::http::{record, Decided, Shared};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use policyc_fhir::write::next_question::start;
use policyc_fhir::write::outcome::{operation_outcome, Problem};
use policyc_fhir::write::questionnaire::Options;
use std::time::Instant;

/// The media type of FHIR JSON.
pub const FHIR_JSON: &str = "application/fhir+json";

/// An OperationOutcome answer, counted as an error.
pub(crate) fn outcome(s: &Shared, status: StatusCode, problems: &[Problem]) -> Response {
    s.metrics.error(status.as_u16());
    let body = serde_json::to_string(&operation_outcome(problems)).unwrap_or_default() + "\n";
    (status, [(header::CONTENT_TYPE, FHIR_JSON)], body).into_response()
}

/// The body of a FHIR route as text, or the OperationOutcome to answer (415, 413, 400).
pub(crate) fn fhir_body<'b>(
    s: &Shared,
    headers: &HeaderMap,
    body: &'b Result<Bytes, BytesRejection>,
) -> Result<&'b str, Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if ct != FHIR_JSON && ct != "application/json" {
        let p = Problem::new(
            "",
            "not-supported",
            format!("the body must be {FHIR_JSON} (or application/json); send the header `Content-Type: {FHIR_JSON}`"),
        );
        return Err(outcome(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, &[p]));
    }
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let p = Problem::new(
                "",
                "too-costly",
                "the body is larger than the service's limit (--body-limit)",
            );
            return Err(outcome(s, StatusCode::PAYLOAD_TOO_LARGE, &[p]));
        }
        Err(e) => {
            let p = Problem::new(
                "",
                "structure",
                format!("cannot read the body: {}", e.body_text()),
            );
            return Err(outcome(s, StatusCode::BAD_REQUEST, &[p]));
        }
    };
    std::str::from_utf8(bytes).map_err(|e| {
        let p = Problem::new("", "structure", format!("the body is not UTF-8 text: {e}"));
        outcome(s, StatusCode::BAD_REQUEST, &[p])
    })
}

/// `GET /cds-services`: the CRD services' discovery document.
pub(crate) async fn cds_services(State(s): State<Shared>) -> Response {
    let set = s.snapshot();
    let doc = policyc_fhir::write::cds::discovery(set.by_id.values().map(|p| &p.program));
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.to_string() + "\n",
    )
        .into_response()
}

/// `POST /Questionnaire/$next-question`: the next question of an adaptive form, or the
/// completed response with the decision's coverage information. The decision is logged; its id is
/// in `x-decision-id` (and, once completed, the coverage information's `coverage-assertion-id`).
pub(crate) async fn next_question(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let text = match fhir_body(&s, &headers, &body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let set = s.snapshot();
    let session = match start(text, set.by_id.values().map(|p| &p.program)) {
        Ok(session) => session,
        Err(problems) => {
            let status = if problems
                .iter()
                .any(|p| p.code == "not-found" && p.expression.ends_with(".url"))
            {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::BAD_REQUEST
            };
            return outcome(&s, status, &problems);
        }
    };
    let Some(p) = set.by_id.get(&session.program.policy.id).cloned() else {
        let p = Problem::new("", "processing", "the policy is no longer served");
        return outcome(&s, StatusCode::NOT_FOUND, &[p]);
    };
    let started = Instant::now();
    let d = policyc::evaluate(&p.program, &session.request);
    let decided = Decided::explained(d.clone(), &session.request);
    let id = record(&s, &p, &decided, None, started.elapsed(), text);
    let opts = Options {
        base_url: session.base_url.clone(),
    };
    let today = jiff::Zoned::now().date().to_string();
    let answer = session.respond(&d, &id, &today, &opts);
    let mut r = (
        [(header::CONTENT_TYPE, FHIR_JSON)],
        answer.body.to_string() + "\n",
    )
        .into_response();
    let h = r.headers_mut();
    for (name, value) in [
        ("x-decision-id", id.as_str()),
        ("x-decision", d.decision.as_str()),
        ("x-policy-content-hash", p.content_hash.as_str()),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    r
}
