//! The routes, their handlers, the limits, and the OpenAPI document built from the same table.
//!
//! Longer than 800 lines on purpose: the route table, its handlers and the OpenAPI document are kept in one file so that a route cannot be added without its description.

// The helpers return the error response itself, which the handler returns at once; boxing it
// would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

use crate::log::{DecisionLog, Masks};
use crate::metrics::Metrics;
use crate::policies::{labels, Loaded, Policies};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use policyc::{decide, evaluate, DecisionKind, ErrorCode, RequestError};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What every handler shares.
pub struct AppState {
    /// The policy set served: a reload swaps in a new one whole; each request takes one snapshot
    /// ([`AppState::snapshot`]) and is decided entirely by it.
    pub policies: RwLock<Arc<Policies>>,
    /// The counters.
    pub metrics: Metrics,
    /// The decision log, if one is kept.
    pub log: Option<DecisionLog>,
    /// Permits for requests under `/v1` in flight.
    pub permits: Arc<Semaphore>,
    /// The time a `/v1` request may take, body included.
    pub timeout: Duration,
    /// The address of the policies' published documents, if given (`--doc-url`): an explained
    /// decision links each label it cites to `URL#label` ([`policyc::Decision::link_to`]).
    pub doc_url: Option<String>,
    /// The X12 codes of PAS review actions, if configured (`--x12-codes`).
    pub x12_codes: Option<policyc_fhir::write::claim_response::X12Codes>,
}

impl AppState {
    /// The policy set served now.
    pub fn snapshot(&self) -> Arc<Policies> {
        self.policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Serve `policies` from now on (requests under way finish with the set they took).
    pub fn replace(&self, policies: Policies) {
        let new = Arc::new(policies);
        *self.policies.write().unwrap_or_else(|e| e.into_inner()) = new;
    }
}

pub(crate) type Shared = Arc<AppState>;

/// One route: the router and the OpenAPI document are both built from [`ROUTES`].
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// The path, with `{id}` for a policy id.
    pub path: &'static str,
    /// What it does, for the OpenAPI document.
    pub summary: &'static str,
    /// Subject to the concurrency limit and the timeout (the `/v1` and FHIR routes).
    pub limited: bool,
    /// A FHIR route: FHIR JSON in, OperationOutcome errors, no `explain`.
    pub fhir: bool,
    handler: fn() -> MethodRouter<Shared>,
}

/// Every route served.
pub static ROUTES: &[Route] = &[
    Route {
        method: "post",
        path: "/v1/policies/{id}/decide",
        summary: "Decide a request (the JSON of `policyc eval`); `?explain=false` answers with the decision kind and indication only",
        limited: true,
        fhir: false,
        handler: || post(decide_one),
    },
    Route {
        method: "post",
        path: "/v1/policies/{id}/decide/batch",
        summary: "Decide JSON Lines of requests: one decision or error record per line, in order",
        limited: true,
        fhir: false,
        handler: || post(decide_batch),
    },
    Route {
        method: "get",
        path: "/v1/policies",
        summary: "The loaded policies: id, title, effective and review dates, content hash",
        limited: true,
        fhir: false,
        handler: || get(list_policies),
    },
    Route {
        method: "get",
        path: "/v1/policies/{id}",
        summary: "A policy's metadata, indications and labels",
        limited: true,
        fhir: false,
        handler: || get(show_policy),
    },
    Route {
        method: "get",
        path: "/v1/policies/{id}/schema",
        summary: "The JSON Schema of the policy's requests",
        limited: true,
        fhir: false,
        handler: || get(policy_schema),
    },
    Route {
        method: "get",
        path: "/v1/openapi.json",
        summary: "This document",
        limited: true,
        fhir: false,
        handler: || get(openapi_json),
    },
    Route {
        method: "get",
        path: "/health",
        summary: "Whether the process answers",
        limited: false,
        fhir: false,
        handler: || get(health),
    },
    Route {
        method: "get",
        path: "/ready",
        summary: "Whether the service decides: `ready`, or `degraded` when some file did not compile at the last reload; each policy's load state (`loaded`, `stale`: its last good version serves, `failed`), the version serving and the last error",
        limited: false,
        fhir: false,
        handler: || get(ready),
    },
    Route {
        method: "get",
        path: "/metrics",
        summary: "Counters in the Prometheus text format",
        limited: false,
        fhir: false,
        handler: || get(metrics),
    },
    Route {
        method: "get",
        path: "/cds-services",
        summary: "CDS Hooks discovery of the Da Vinci CRD services: order-sign, order-select and order-dispatch, with their prefetch templates",
        limited: true,
        fhir: false,
        handler: || get(crate::fhir::cds_services),
    },
    Route {
        method: "post",
        path: "/cds-services/{service}",
        summary: "A Da Vinci CRD hook call (CDS Hooks: order-sign, order-select, order-dispatch, appointment-book): for each MedicationRequest a policy covers, a `systemActions` update adding the coverage-information extension, and a card with the policy's reasons",
        limited: true,
        fhir: false,
        handler: || post(crate::crd::hook),
    },
    Route {
        method: "post",
        path: "/Questionnaire/$next-question",
        summary: "Adaptive DTR: given a QuestionnaireResponse (or a Parameters holding it as `questionnaire-response`) to a policy's adaptive Questionnaire, the next question that can still change the decision, or the completed response with the decision's coverage-information extension",
        limited: true,
        fhir: true,
        handler: || post(crate::fhir::next_question),
    },
    Route {
        method: "post",
        path: "/Claim/$submit",
        summary: "Da Vinci PAS: a prior-authorization request Bundle (a Claim with use = preauthorization) answered with a response Bundle whose ClaimResponse gives each item's review action (approved, denied, pended; X12 codes from --x12-codes), preAuthRef = the decision id, the approval's dates and the reasons; 501 without --x12-codes",
        limited: true,
        fhir: true,
        handler: || post(crate::pas::submit),
    },
];

/// The router: the `/v1` routes behind the concurrency limit, the timeout and the body limit.
pub fn router(state: Shared, body_limit: usize) -> Router {
    let mut limited = Router::new();
    let mut open = Router::new();
    for r in ROUTES {
        if r.limited {
            limited = limited.route(r.path, (r.handler)());
        } else {
            open = open.route(r.path, (r.handler)());
        }
    }
    let limited = limited.layer(axum::middleware::from_fn_with_state(state.clone(), limits));
    Router::new()
        .merge(limited)
        .merge(open)
        .fallback(not_found_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

// ------------------------------------------------------------------------- errors

/// The error document: the content of `policyc eval --format json`'s (`policyc-error`, version 1),
/// with the HTTP status, and the line for a batch's error record. Its schema is
/// `policyc schema --error`.
#[derive(Serialize)]
struct ErrorDoc<'a> {
    format: &'static str,
    format_version: u32,
    code: ErrorCode,
    /// The exit code `policyc eval` gives for the same error (3 for `invalid_request`), or null.
    exit_code: Option<u8>,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    message: &'a str,
    problems: &'a [RequestError],
}

/// The HTTP status of an error: the one [`ErrorCode::status`] gives (every code the service uses
/// has one).
fn status_of(code: ErrorCode) -> StatusCode {
    code.status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The error document of `code`, compact, without a line break; with `line`, a batch's error record.
pub fn error_doc(
    code: ErrorCode,
    message: &str,
    problems: &[RequestError],
    line: Option<usize>,
) -> String {
    let doc = ErrorDoc {
        format: policyc::error_code::ERROR_FORMAT,
        format_version: policyc::error_code::ERROR_FORMAT_VERSION,
        code,
        exit_code: code.exit_code(),
        status: status_of(code).as_u16(),
        line,
        message,
        problems,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// The error response of `code`, with its status, counted.
pub(crate) fn error(
    s: &AppState,
    code: ErrorCode,
    message: &str,
    problems: &[RequestError],
) -> Response {
    let status = status_of(code);
    s.metrics.error(status.as_u16());
    let body = error_doc(code, message, problems, None) + "\n";
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn problem(path: &str, message: String, help: Option<&str>) -> RequestError {
    RequestError {
        path: path.into(),
        message,
        help: help.map(str::to_string),
    }
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body + "\n").into_response()
}

async fn not_found_route(State(s): State<Shared>, uri: Uri) -> Response {
    let paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
    let msg = format!(
        "no route {}: the routes are {}",
        uri.path(),
        paths.join(", ")
    );
    error(&s, ErrorCode::NotFound, &msg, &[])
}

async fn method_not_allowed(State(s): State<Shared>, uri: Uri) -> Response {
    let methods: Vec<String> = ROUTES
        .iter()
        .filter(|r| route_matches(r.path, uri.path()))
        .map(|r| r.method.to_uppercase())
        .collect();
    let msg = format!(
        "{} takes {} only",
        uri.path(),
        if methods.is_empty() {
            "other methods".to_string()
        } else {
            methods.join(", ")
        }
    );
    error(&s, ErrorCode::MethodNotAllowed, &msg, &[])
}

fn route_matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len() && p.iter().zip(&q).all(|(a, b)| a == b || a.starts_with('{'))
}

/// The concurrency limit (503 when every permit is taken) and the per-request timeout (408).
async fn limits(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let Ok(_permit) = s.permits.clone().try_acquire_owned() else {
        let mut r = error(
            &s,
            ErrorCode::Overloaded,
            "the service is deciding as many requests as it is configured to; retry shortly",
            &[],
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    };
    match tokio::time::timeout(s.timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let msg = format!(
                "the request took longer than {} ms (the body included) and was abandoned",
                s.timeout.as_millis()
            );
            error(&s, ErrorCode::Timeout, &msg, &[])
        }
    }
}

// ---------------------------------------------------------------------- deciding

/// The policy named in the path, or the 404 (with a suggestion) or 400 to answer.
fn policy(s: &AppState, id: Result<Path<String>, PathRejection>) -> Result<Arc<Loaded>, Response> {
    let id = match id {
        Ok(Path(id)) => id,
        Err(e) => {
            let msg = format!("the policy id in the path is not valid: {}", e.body_text());
            return Err(error(s, ErrorCode::InvalidPath, &msg, &[]));
        }
    };
    let set = s.snapshot();
    if let Some(p) = set.by_id.get(&id) {
        return Ok(p.clone());
    }
    let known: Vec<&str> = set.by_id.keys().map(String::as_str).collect();
    let help = match policyc::diag::did_you_mean(&id, known.iter().copied()) {
        Some(m) => format!("did you mean `{m}`?"),
        None => format!("the policies are {}", known.join(", ")),
    };
    let shown: String = id.chars().take(100).collect();
    let msg = format!("no policy `{shown}`");
    let problems = [problem("policy", msg.clone(), Some(&help))];
    Err(error(s, ErrorCode::UnknownPolicy, &msg, &problems))
}

/// Every version of the policy named in the path, in the order they took effect; or the error to
/// answer, as [`policy`].
fn policy_versions(
    s: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> Result<Vec<Arc<Loaded>>, Response> {
    let latest = policy(s, id)?;
    let set = s.snapshot();
    let versions = set.versions_of(&latest.program.policy.id);
    if versions.is_empty() {
        return Ok(vec![latest]);
    }
    Ok(versions.to_vec())
}

fn explain_param(s: &AppState, uri: &Uri) -> Result<bool, Response> {
    let mut explain = true;
    for pair in uri.query().unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k != "explain" {
            continue;
        }
        explain = match v {
            "true" | "1" | "" => true,
            "false" | "0" => false,
            other => {
                let shown: String = other.chars().take(40).collect();
                let p = problem(
                    "query.explain",
                    format!("`{shown}` is not true or false"),
                    Some("write `?explain=false` for the decision without its explanation"),
                );
                return Err(error(
                    s,
                    ErrorCode::InvalidRequest,
                    "the query is invalid",
                    &[p],
                ));
            }
        };
    }
    Ok(explain)
}

fn content_type_is(headers: &HeaderMap, accepted: &[&str]) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    accepted.contains(&essence.as_str())
}

pub(crate) fn check_body<'b>(
    s: &AppState,
    headers: &HeaderMap,
    accepted: &[&str],
    body: &'b Result<Bytes, BytesRejection>,
) -> Result<&'b str, Response> {
    if !content_type_is(headers, accepted) {
        let msg = format!("the request body must be {}", accepted.join(" or "));
        let help = format!("send the header `Content-Type: {}`", accepted[0]);
        let p = problem("Content-Type", msg.clone(), Some(&help));
        return Err(error(s, ErrorCode::UnsupportedMediaType, &msg, &[p]));
    }
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let msg =
                "the request body is larger than the service's limit (--body-limit)".to_string();
            return Err(error(s, ErrorCode::TooLarge, &msg, &[]));
        }
        Err(e) => {
            let msg = format!("cannot read the request body: {}", e.body_text());
            return Err(error(s, ErrorCode::InvalidBody, &msg, &[]));
        }
    };
    std::str::from_utf8(bytes).map_err(|e| {
        let p = problem("", format!("the request body is not UTF-8 text: {e}"), None);
        error(
            s,
            ErrorCode::InvalidRequest,
            "the request body is not UTF-8 text",
            &[p],
        )
    })
}

/// What a decision gives: its JSON, and its log line's fields.
pub struct Decided {
    /// The decision's compact JSON (that of `eval --format json`, or the brief of the fast path).
    pub json: String,
    /// The decision.
    pub kind: DecisionKind,
    /// The request's own `request_id`.
    pub request_id: Option<String>,
    /// The date of service the request was decided for (days since 1970-01-01), if it had one.
    pub as_of: Option<i32>,
    /// The label of the indication decided under.
    pub indication: Option<String>,
    /// The labels of the branches that held; null without the explanation (the fast path), as
    /// the three lists below.
    pub path: Option<Vec<String>>,
    /// The labels of the criteria not met.
    pub unmet: Option<Vec<String>>,
    /// The names of the facts missing.
    pub missing: Option<Vec<String>>,
    /// The labels of the dosing limits exceeded.
    pub exceeded: Option<Vec<String>>,
}

impl Decided {
    /// An explained decision: its JSON is exactly what `policyc eval --format json` prints, compact.
    pub fn explained(d: policyc::Decision, req: &policyc::Request) -> Decided {
        let json = serde_json::to_string(&d).unwrap_or_default();
        Decided {
            json,
            as_of: req.as_of,
            kind: d.decision,
            indication: d.indication.as_ref().map(|i| i.label.clone()),
            request_id: d.request_id,
            path: Some(d.path),
            unmet: Some(d.unmet.into_iter().map(|u| u.label).collect()),
            missing: Some(d.missing.into_iter().map(|m| m.fact).collect()),
            exceeded: Some(d.exceeded.into_iter().map(|l| l.label).collect()),
        }
    }
}

/// The answer of the fast path (`?explain=false`).
#[derive(Serialize)]
struct Brief<'a> {
    format: &'static str,
    format_version: u32,
    policy: BriefPolicy<'a>,
    request_id: Option<&'a str>,
    decision: &'static str,
    indication: Option<BriefIndication<'a>>,
}

/// The policy version of a [`Brief`].
#[derive(Serialize)]
struct BriefPolicy<'a> {
    id: &'a str,
    effective: &'a str,
}

/// The indication of a [`Brief`].
#[derive(Serialize)]
struct BriefIndication<'a> {
    label: &'a str,
    title: &'a str,
}

/// Why a request was not decided.
pub enum Undecided {
    /// The request is invalid for the version chosen for it: that version, and the problems.
    Invalid(Arc<Loaded>, Vec<RequestError>),
    /// No version of the policy was in force on the request's date.
    NotInForce(policyc::versions::NotInForce),
}

/// Bind and decide one request under the version of the policy in force on its date of service
/// (`as_of` overrides it; with none, today's), as `policyc eval` does. An explained decision names
/// the version (its content hash, the last day it is in force, the date it was chosen for) and,
/// with `doc_url`, links the labels it cites. Returns the version that decided.
pub fn decide_versioned(
    versions: &[Arc<Loaded>],
    text: &str,
    as_of: Option<&str>,
    explain: bool,
    doc_url: Option<&str>,
) -> Result<(Arc<Loaded>, Decided), Undecided> {
    let effective: Vec<&str> = versions
        .iter()
        .map(|v| v.program.policy.effective.as_str())
        .collect();
    let id = versions
        .first()
        .map(|v| v.program.policy.id.as_str())
        .unwrap_or_default();
    let date = policyc::versions::request_date(text, as_of);
    let (i, chosen) =
        policyc::versions::choose(id, &effective, &date).map_err(Undecided::NotInForce)?;
    let Some(p) = versions.get(i) else {
        return Err(Undecided::NotInForce(policyc::versions::NotInForce {
            id: id.to_string(),
            date: String::new(),
            first: String::new(),
            from: "as_of",
        }));
    };
    let until = versions
        .get(i + 1)
        .and_then(|n| policyc::versions::day_before(&n.program.policy.effective));
    let req =
        policyc::bind(&p.program, text, as_of).map_err(|e| Undecided::Invalid(p.clone(), e))?;
    let d = if explain {
        let mut d = evaluate(&p.program, &req);
        d.policy.content_hash = Some(p.content_hash.clone());
        d.policy.in_force_until = until;
        d.policy.chosen_for = chosen;
        if let Some(url) = doc_url {
            d.link_to(url);
        }
        Decided::explained(d, &req)
    } else {
        let o = decide(&p.program, &req);
        let ind = o.indication.and_then(|i| p.program.indications.get(i));
        let brief = Brief {
            format: "policyc-decision-brief",
            format_version: 1,
            policy: BriefPolicy {
                id: &p.program.policy.id,
                effective: &p.program.policy.effective,
            },
            request_id: req.request_id.as_deref(),
            decision: o.kind.as_str(),
            indication: ind.map(|i| BriefIndication {
                label: &i.label,
                title: &i.title,
            }),
        };
        let json = serde_json::to_string(&brief).unwrap_or_default();
        Decided {
            json,
            kind: o.kind,
            indication: ind.map(|i| i.label.clone()),
            request_id: req.request_id,
            as_of: req.as_of,
            path: None,
            unmet: None,
            missing: None,
            exceeded: None,
        }
    };
    Ok((p.clone(), d))
}

/// The error document of a request dated before the policy's first version.
pub fn not_in_force_problem(e: &policyc::versions::NotInForce) -> RequestError {
    RequestError {
        path: "as_of".into(),
        message: e.to_string(),
        help: Some(format!(
            "check the date of service: the first version of policy `{}` took effect on {}",
            e.id, e.first
        )),
    }
}

/// One line of the decision log (`policyc-decision-log`, version 1; see the README).
#[derive(Serialize)]
struct LogLine<'a> {
    format: &'static str,
    format_version: u32,
    decision_id: &'a str,
    time: String,
    policy: &'a str,
    effective: &'a str,
    content_hash: &'a str,
    request_id: Option<&'a str>,
    as_of: Option<String>,
    facts: crate::log::LoggedFacts<'a>,
    masked: Vec<String>,
    decision: &'static str,
    indication: Option<&'a str>,
    explained: bool,
    path: Option<&'a [String]>,
    unmet: Option<&'a [String]>,
    missing: Option<&'a [String]>,
    exceeded: Option<&'a [String]>,
    latency_us: u64,
}

/// A new decision id: a UUID v7 (time-ordered).
pub fn decision_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The decision log line of decision `id` (made with [`decision_id`]) of `p` for the request
/// `text`, without its newline. `header_id` is the request id to log when the request has none of
/// its own; the facts named in `masks` are masked.
pub fn log_line(
    id: &str,
    p: &Loaded,
    d: &Decided,
    header_id: Option<&str>,
    latency: Duration,
    text: &str,
    masks: &Masks,
) -> Option<String> {
    // The request has been bound, so it parses; its facts are copied as written.
    let mut facts = crate::log::stated_facts(text);
    let masked = masks.apply(&mut facts);
    let line = LogLine {
        format: "policyc-decision-log",
        format_version: 1,
        decision_id: id,
        time: jiff::Timestamp::now().to_string(),
        policy: &p.program.policy.id,
        effective: &p.program.policy.effective,
        content_hash: &p.content_hash,
        request_id: d.request_id.as_deref().or(header_id),
        as_of: d
            .as_of
            .and_then(policyc::dates::date_from_days)
            .map(|d| d.to_string()),
        facts,
        masked,
        decision: d.kind.as_str(),
        indication: d.indication.as_deref(),
        explained: d.path.is_some(),
        path: d.path.as_deref(),
        unmet: d.unmet.as_deref(),
        missing: d.missing.as_deref(),
        exceeded: d.exceeded.as_deref(),
        latency_us: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
    };
    serde_json::to_string(&line).ok()
}

/// Count and log a decision; its id.
pub(crate) fn record(
    s: &AppState,
    p: &Loaded,
    d: &Decided,
    header_id: Option<&str>,
    latency: Duration,
    text: &str,
) -> String {
    s.metrics.decision(&p.program.policy.id, d.kind, latency);
    let id = decision_id();
    if let Some(log) = &s.log {
        if let Some(l) = log_line(&id, p, d, header_id, latency, text, log.masks()) {
            log.write(l);
        }
    }
    id
}

fn header_request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

async fn decide_one(
    State(s): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let versions = match policy_versions(&s, id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let explain = match explain_param(&s, &uri) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let text = match check_body(&s, &headers, &["application/json"], &body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let start = Instant::now();
    match decide_versioned(&versions, text, None, explain, s.doc_url.as_deref()) {
        Ok((p, d)) => {
            let id = record(
                &s,
                &p,
                &d,
                header_request_id(&headers),
                start.elapsed(),
                text,
            );
            let mut r = json_response(d.json);
            if let Ok(v) = HeaderValue::from_str(&id) {
                r.headers_mut().insert("x-decision-id", v);
            }
            version_header(&mut r, &p);
            r
        }
        Err(Undecided::Invalid(p, problems)) => {
            let message = invalid_message(&p, problems.len());
            error(&s, ErrorCode::InvalidRequest, &message, &problems)
        }
        Err(Undecided::NotInForce(e)) => {
            let problems = [not_in_force_problem(&e)];
            error(&s, ErrorCode::NoVersionInForce, &e.to_string(), &problems)
        }
    }
}

/// A batch's error record for line `n` (counted from 1) dated before the policy's first version.
pub fn not_in_force_record(n: usize, e: &policyc::versions::NotInForce) -> String {
    let message = format!("line {n}: {e}");
    error_doc(
        ErrorCode::NoVersionInForce,
        &message,
        &[not_in_force_problem(e)],
        Some(n),
    )
}

/// A batch's error record for line `n` (counted from 1), an invalid request, without its newline.
pub fn batch_error_record(p: &Loaded, n: usize, problems: &[RequestError]) -> String {
    let message = format!("line {n}: {}", invalid_message(p, problems.len()));
    error_doc(ErrorCode::InvalidRequest, &message, problems, Some(n))
}

/// The content hash of the version that decided, in `x-policy-content-hash`.
fn version_header(r: &mut Response, p: &Loaded) {
    if let Ok(v) = HeaderValue::from_str(&p.content_hash) {
        r.headers_mut().insert("x-policy-content-hash", v);
    }
}

fn invalid_message(p: &Loaded, n: usize) -> String {
    format!(
        "the request is invalid for policy `{}` ({n} problem{})",
        p.program.policy.id,
        if n == 1 { "" } else { "s" }
    )
}

async fn decide_batch(
    State(s): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let versions = match policy_versions(&s, id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let explain = match explain_param(&s, &uri) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let accepted = [
        "application/x-ndjson",
        "application/jsonl",
        "application/jsonlines",
    ];
    let text = match check_body(&s, &headers, &accepted, &body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut out = String::with_capacity(text.len() * 2);
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let start = Instant::now();
        match decide_versioned(&versions, line, None, explain, s.doc_url.as_deref()) {
            Ok((p, d)) => {
                record(&s, &p, &d, None, start.elapsed(), line);
                out.push_str(&d.json);
            }
            Err(Undecided::Invalid(p, problems)) => {
                s.metrics
                    .error(status_of(ErrorCode::InvalidRequest).as_u16());
                out.push_str(&batch_error_record(&p, n + 1, &problems));
            }
            Err(Undecided::NotInForce(e)) => {
                s.metrics
                    .error(status_of(ErrorCode::NoVersionInForce).as_u16());
                out.push_str(&not_in_force_record(n + 1, &e));
            }
        }
        out.push('\n');
    }
    let mut r = ([(header::CONTENT_TYPE, "application/x-ndjson")], out).into_response();
    // With one version, the version that decided every line; with several, each line says.
    if let [p] = versions.as_slice() {
        version_header(&mut r, p);
    }
    r
}

// ---------------------------------------------------------------------- describing

/// The policy's versions, in the order they took effect: each one's `effective`, `review`,
/// `in_force_until` and `content_hash`.
fn versions_list(set: &Policies, id: &str) -> Vec<Value> {
    let versions = set.versions_of(id);
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let until = versions
                .get(i + 1)
                .and_then(|n| policyc::versions::day_before(&n.program.policy.effective));
            json!({
                "effective": v.program.policy.effective,
                "review": v.program.policy.review,
                "in_force_until": until,
                "content_hash": v.content_hash,
            })
        })
        .collect()
}

/// A policy as listed: its latest version, and every version.
fn summary(set: &Policies, p: &Loaded) -> Value {
    let m = &p.program.policy;
    json!({
        "id": m.id,
        "title": m.title,
        "effective": m.effective,
        "review": m.review,
        "content_hash": p.content_hash,
        "versions": versions_list(set, &m.id),
    })
}

async fn list_policies(State(s): State<Shared>) -> Response {
    let set = s.snapshot();
    let list: Vec<Value> = set.by_id.values().map(|p| summary(&set, p)).collect();
    json_response(json!({ "policies": list }).to_string())
}

async fn show_policy(State(s): State<Shared>, id: Result<Path<String>, PathRejection>) -> Response {
    let p = match policy(&s, id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let m = &p.program.policy;
    let labels = labels(&p.program);
    let indications: Vec<Value> = p
        .program
        .indications
        .iter()
        .zip(labels)
        .map(|(i, (_, labels))| {
            json!({
                "label": i.label,
                "title": i.title,
                "reauthorization_of": i.reauthorization_of,
                "labels": labels,
            })
        })
        .collect();
    let revisions: Vec<Value> = m
        .revisions
        .iter()
        .map(|r| json!({"date": r.date, "text": r.text}))
        .collect();
    let facts: Vec<&str> = p.program.facts.iter().map(|f| f.name.as_str()).collect();
    json_response(
        json!({
            "id": m.id,
            "title": m.title,
            "drugs": m.drugs,
            "plans": m.plans,
            "effective": m.effective,
            "review": m.review,
            "revisions": revisions,
            "not_covered": m.not_covered,
            "outside_dosing": m.outside_dosing,
            "content_hash": p.content_hash,
            "versions": versions_list(&s.snapshot(), &m.id),
            "facts": facts,
            "indications": indications,
        })
        .to_string(),
    )
}

async fn policy_schema(
    State(s): State<Shared>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    match policy(&s, id) {
        Ok(p) => json_response(policyc::schema::request_schema(&p.program).to_string()),
        Err(r) => r,
    }
}

async fn health() -> Response {
    json_response(json!({"status": "ok"}).to_string())
}

async fn ready(State(s): State<Shared>) -> Response {
    let set = s.snapshot();
    let mut list: Vec<Value> = set
        .by_id
        .iter()
        .map(|(id, p)| {
            let failure = set.failure_of(id);
            json!({
                "id": id,
                "state": if failure.is_some() { "stale" } else { "loaded" },
                "path": failure.map_or(&p.path, |f| &f.path).display().to_string(),
                "content_hash": p.content_hash,
                "loaded_at": p.loaded_at,
                "error": failure.map(|f| f.error.as_str()),
            })
        })
        .collect();
    list.extend(set.failures.iter().filter(|f| f.id.is_none()).map(|f| {
        json!({
            "id": null,
            "state": "failed",
            "path": f.path.display().to_string(),
            "content_hash": null,
            "loaded_at": null,
            "error": f.error,
        })
    }));
    let status = if set.failures.is_empty() {
        "ready"
    } else {
        "degraded"
    };
    json_response(json!({"status": status, "policies": list}).to_string())
}

async fn metrics(State(s): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(&s.snapshot()),
    )
        .into_response()
}

async fn openapi_json() -> Response {
    json_response(openapi().to_string())
}

/// The JSON Schema of `/ready`'s answer.
fn ready_schema() -> Value {
    let nullable = |t: &str| json!({"type": [t, "null"]});
    json!({
        "type": "object",
        "required": ["status", "policies"],
        "properties": {
            "status": {"enum": ["ready", "degraded"]},
            "policies": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "state", "path", "content_hash", "loaded_at", "error"],
                "properties": {
                    "id": nullable("string"),
                    "state": {"enum": ["loaded", "stale", "failed"]},
                    "path": {"type": "string"},
                    "content_hash": nullable("string"),
                    "loaded_at": nullable("string"),
                    "error": nullable("string"),
                },
            }},
        },
    })
}

/// The OpenAPI 3.1 document of [`ROUTES`].
pub fn openapi() -> Value {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let mut op = serde_json::Map::new();
        op.insert("summary".into(), json!(r.summary));
        let op_id: String = r
            .path
            .split(['/', '.'])
            .filter(|p| !p.is_empty())
            .map(|p| p.trim_matches(['{', '}', '$']))
            .collect::<Vec<_>>()
            .join("_");
        op.insert("operationId".into(), json!(format!("{}_{op_id}", r.method)));
        let mut params = Vec::new();
        if r.path.contains("{service}") {
            params.push(json!({"name": "service", "in": "path", "required": true, "description": "The CDS service's id, as `GET /cds-services` lists it (`order-sign-crd`)", "schema": {"type": "string"}}));
        }
        if r.path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true, "description": "The policy's id (`policy <id> { … }`)", "schema": {"type": "string"}}));
        }
        let mut responses = serde_json::Map::new();
        let (ok_type, ok_desc) = match r.path {
            "/metrics" => ("text/plain", "The counters"),
            p if p.ends_with("/batch") => (
                "application/x-ndjson",
                "One decision or error record per request line, in order",
            ),
            _ => ("application/json", "OK"),
        };
        let ok_content = if r.path == "/ready" {
            json!({"schema": {"$ref": "#/components/schemas/Ready"}})
        } else {
            json!({})
        };
        responses.insert(
            "200".into(),
            json!({"description": ok_desc, "content": {ok_type: ok_content}}),
        );
        if r.fhir {
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/fhir+json": {}}}),
            );
            let fhir_err = |d: &str| json!({"description": d, "content": {"application/fhir+json": {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}}});
            let pas = r.path == "/Claim/$submit";
            let ok = if pas {
                "The PAS response Bundle: the ClaimResponse, then the Claim's patient, insurer and requestor"
            } else {
                "The Parameters (`return`) or QuestionnaireResponse"
            };
            responses.insert(
                "200".into(),
                json!({"description": ok, "content": {"application/fhir+json": {}}}),
            );
            responses.insert(
                "400".into(),
                fhir_err("The input is invalid: an OperationOutcome, each issue with its element"),
            );
            if pas {
                responses.insert(
                    "422".into(),
                    fhir_err("No version of the policy was in force on the date of service"),
                );
                responses.insert(
                    "501".into(),
                    fhir_err("The service has no X12 codes (--x12-codes)"),
                );
            } else {
                responses.insert(
                    "404".into(),
                    fhir_err("The Questionnaire is no policy's adaptive Questionnaire"),
                );
            }
            responses.insert("413".into(), fhir_err("The body is larger than the limit"));
            responses.insert("415".into(), fhir_err("The body is not FHIR JSON"));
        } else if r.method == "post" {
            if !r.path.starts_with("/cds-services/") {
                params.push(json!({"name": "explain", "in": "query", "required": false, "description": "false: the fast path, the decision kind and indication only", "schema": {"type": "boolean", "default": true}}));
            }
            let ct = if r.path.ends_with("/batch") {
                "application/x-ndjson"
            } else {
                "application/json"
            };
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {ct: {}}}),
            );
            responses.insert(
                "400".into(),
                err("The request is invalid: every problem, with its path"),
            );
            responses.insert("413".into(), err("The body is larger than the limit"));
            responses.insert(
                "415".into(),
                err("The body is not of an accepted content type"),
            );
        }
        if r.path.contains("{id}") {
            responses.insert("404".into(), err("No such policy (with a suggestion)"));
        }
        if r.path.contains("{service}") {
            responses.insert("404".into(), err("No such CDS service"));
        }
        if r.limited {
            responses.insert(
                "408".into(),
                err("The request took longer than the timeout"),
            );
            responses.insert("503".into(), err("Over the concurrency limit"));
        }
        op.insert("responses".into(), Value::Object(responses));
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        let entry = paths.entry(r.path).or_insert_with(|| json!({}));
        if let Value::Object(m) = entry {
            m.insert(r.method.into(), Value::Object(op));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "policyc decision service", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        // The schema of `policyc schema --error`, which allows every code and states each one's status.
        "components": {"schemas": {
            "Error": policyc::error_schema::error_document_schema(),
            "Ready": ready_schema(),
            "OperationOutcome": {"type": "object", "required": ["resourceType", "issue"], "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}}},
        }},
    })
}
