//! The Da Vinci CRD hook call (CDS Hooks `POST /cds-services/{id}`): the request read into one
//! Bundle per order, which [`crate::read`] reads as it reads any Bundle, and the answer written as
//! CDS Hooks cards and `systemActions`.
//!
//! **Reading** ([`read_hook`]). The call's `hook`, `hookInstance` and `context` are checked
//! (`userId` and `patientId`; the orders of the hook: `draftOrders`, a Bundle, for `order-sign`
//! and `order-select`, with `selections` naming the orders selected; `dispatchedOrders`, references
//! to orders in the prefetch, and `performer` for `order-dispatch`; `appointments` for
//! `appointment-book`). Every resource of `context` and `prefetch` is taken, whatever its prefetch
//! key: a resource, or a Bundle of them (a search result); a prefetch that the EHR could not fill
//! (`null`, or an OperationOutcome) is left out. The server fetches nothing: what the call does not
//! carry is unknown, and the decision asks for it. A call that is not of this shape is refused,
//! each problem with its place in the call (`context.draftOrders.entry[0].resource`).
//!
//! **The orders** ([`HookCall::orders`]) are the MedicationRequests of the hook (for
//! `order-select`, those selected). Each is read in a Bundle of its own: the order, and every
//! other resource of the call but the other MedicationRequests, so that the reader sees one order.
//! Problems and provenance name the element in the call (`prefetch.observations.entry[1].resource.valueQuantity`),
//! not in that Bundle.
//!
//! **Answering** ([`coverage_card`], [`problem_card`], [`update_action`], [`response`]): for each
//! order a policy decides, a `systemActions` entry of type `update` carrying the order with the
//! coverage-information extension ([`crate::write::coverage`]), and a card for the clinician with
//! the policy's sentences. An order no policy covers gets neither: policyc asserts nothing about
//! a drug it has no policy for.

use crate::read::{request_from_bundle_as_of, FhirFacts, ReadProblem};
use crate::write::coverage::{reasons, Context as CoverageContext};
use crate::write::types::{Extension, Reference};
use policyc::{Decision, DecisionKind, Program};
use serde_json::{json, Map, Value as Json};

/// The code system of CDS Hooks card types.
pub const CARD_TYPE: &str = "http://terminology.hl7.org/CodeSystem/cdshooks-card-type";

/// The longest card summary CDS Hooks allows, in characters.
pub const SUMMARY_MAX: usize = 140;

/// One resource of the call, with where it is in the call.
#[derive(Debug, Clone)]
struct Located<'a> {
    resource: &'a Json,
    rtype: &'a str,
    id: Option<&'a str>,
    full_url: Option<&'a str>,
    /// `context.draftOrders.entry[0].resource`, `prefetch.patient`.
    path: String,
}

impl Located<'_> {
    /// Whether a reference (`MedicationRequest/1111`, or an absolute URL) names this resource.
    fn named_by(&self, reference: &str) -> bool {
        if self.full_url == Some(reference) {
            return true;
        }
        let Some(id) = self.id else { return false };
        let tail = format!("{}/{id}", self.rtype);
        reference == tail || reference.ends_with(&format!("/{tail}"))
    }
}

/// A CDS Hooks call of a CRD service, read.
#[derive(Debug, Clone)]
pub struct HookCall<'a> {
    /// The hook (`order-sign`).
    pub hook: &'a str,
    /// The call's `hookInstance`.
    pub hook_instance: &'a str,
    /// `context.userId`, when stated.
    pub user_id: Option<&'a str>,
    /// `context.patientId`.
    pub patient_id: Option<&'a str>,
    resources: Vec<Located<'a>>,
    /// Indices in `resources` of the orders to decide.
    orders: Vec<usize>,
}

/// One order of a call, in the Bundle it is read in.
#[derive(Debug, Clone)]
pub struct HookOrder<'a> {
    /// The order as the call states it.
    pub resource: &'a Json,
    /// Where it is in the call (`context.draftOrders.entry[0].resource`).
    pub path: String,
    /// `MedicationRequest/id` (or the order's place in the call when it has no id).
    pub reference: String,
    /// The Bundle of the order and the call's other resources.
    pub bundle: Json,
    /// Where each entry of `bundle` is in the call.
    entry_paths: Vec<String>,
    hook_instance: String,
}

/// The hooks a CRD service reads, with the context member holding its orders.
const HOOK_ORDERS: [(&str, &str); 4] = [
    ("order-sign", "draftOrders"),
    ("order-select", "draftOrders"),
    ("order-dispatch", "dispatchedOrders"),
    ("appointment-book", "appointments"),
];

fn problem(path: impl Into<String>, message: impl Into<String>, help: Option<&str>) -> ReadProblem {
    ReadProblem {
        path: path.into(),
        message: message.into(),
        help: help.map(str::to_string),
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A string member: `Ok(None)` when absent, a problem when of another kind (or absent and
/// `required`).
fn string_member<'a>(
    obj: &'a Map<String, Json>,
    key: &str,
    at: &str,
    required: bool,
    problems: &mut Vec<ReadProblem>,
) -> Option<&'a str> {
    match obj.get(key) {
        Some(Json::String(s)) => Some(s),
        None | Some(Json::Null) if !required => None,
        None | Some(Json::Null) => {
            problems.push(problem(
                at,
                format!("`{key}` is required"),
                Some("the CDS Hooks specification of the hook requires it"),
            ));
            None
        }
        Some(other) => {
            problems.push(problem(
                at,
                format!("`{key}` is {}, not a string", kind(other)),
                None,
            ));
            None
        }
    }
}

/// The resources of a Bundle at `at` (`context.draftOrders`); with `strict`, an entry without a
/// resource is a problem (a search result's may be left out).
fn bundle_resources<'a>(
    bundle: &'a Json,
    at: &str,
    strict: bool,
    out: &mut Vec<Located<'a>>,
    problems: &mut Vec<ReadProblem>,
) {
    let entries = match bundle.get("entry") {
        None | Some(Json::Null) => return,
        Some(Json::Array(e)) => e,
        Some(other) => {
            problems.push(problem(
                format!("{at}.entry"),
                format!("expected a list of entries, found {}", kind(other)),
                None,
            ));
            return;
        }
    };
    for (i, e) in entries.iter().enumerate() {
        let here = format!("{at}.entry[{i}]");
        match e.get("resource") {
            Some(r) => resource(r, e.get("fullUrl").and_then(Json::as_str), &format!("{here}.resource"), out, problems),
            None if strict => problems.push(problem(
                format!("{here}.resource"),
                "the entry holds no resource",
                Some("each entry of the Bundle carries its resource: `{\"resource\": {\"resourceType\": \"MedicationRequest\", ...}}`"),
            )),
            None => {}
        }
    }
}

/// One resource at `at`: an object with a `resourceType`.
fn resource<'a>(
    r: &'a Json,
    full_url: Option<&'a str>,
    at: &str,
    out: &mut Vec<Located<'a>>,
    problems: &mut Vec<ReadProblem>,
) {
    if !r.is_object() {
        problems.push(problem(
            at,
            format!("expected a FHIR resource, found {}", kind(r)),
            None,
        ));
        return;
    }
    let Some(rtype) = r.get("resourceType").and_then(Json::as_str) else {
        problems.push(problem(
            format!("{at}.resourceType"),
            "the resource states no `resourceType`",
            Some("every resource names its type: `\"resourceType\": \"MedicationRequest\"`"),
        ));
        return;
    };
    out.push(Located {
        resource: r,
        rtype,
        id: r.get("id").and_then(Json::as_str),
        full_url,
        path: at.to_string(),
    });
}

/// A Bundle at `at` (the orders of a hook): an object whose `resourceType` is Bundle.
fn orders_bundle<'a>(
    v: Option<&'a Json>,
    at: &str,
    out: &mut Vec<Located<'a>>,
    problems: &mut Vec<ReadProblem>,
) -> Option<std::ops::Range<usize>> {
    let key = at.rsplit('.').next().unwrap_or(at);
    let Some(v) = v.filter(|v| !v.is_null()) else {
        problems.push(problem(
            at,
            format!("`{key}` is required: the Bundle of the orders the hook is about"),
            None,
        ));
        return None;
    };
    if v.get("resourceType").and_then(Json::as_str) != Some("Bundle") {
        let found = match (v.is_object(), v.get("resourceType").and_then(Json::as_str)) {
            (false, _) => kind(v).to_string(),
            (true, Some(t)) => format!("a {t}"),
            (true, None) => "an object without `resourceType`".into(),
        };
        problems.push(problem(
            at,
            format!("`{key}` must be a FHIR Bundle, found {found}"),
            Some("CDS Hooks sends the orders as a Bundle: `{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [...]}`"),
        ));
        return None;
    }
    let start = out.len();
    bundle_resources(v, at, true, out, problems);
    Some(start..out.len())
}

/// A list of strings at `at` (`context.selections`), required.
fn string_list<'a>(v: Option<&'a Json>, at: &str, problems: &mut Vec<ReadProblem>) -> Vec<&'a str> {
    let key = at.rsplit('.').next().unwrap_or(at);
    match v {
        Some(Json::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => out.push(s),
                    None => problems.push(problem(
                        format!("{at}[{i}]"),
                        format!(
                            "expected a reference (`MedicationRequest/123`), found {}",
                            kind(item)
                        ),
                        None,
                    )),
                }
            }
            out
        }
        None | Some(Json::Null) => {
            problems.push(problem(
                at,
                format!("`{key}` is required: the references of the orders (`[\"MedicationRequest/123\"]`)"),
                None,
            ));
            Vec::new()
        }
        Some(other) => {
            problems.push(problem(
                at,
                format!(
                    "`{key}` must be a list of references, found {}",
                    kind(other)
                ),
                None,
            ));
            Vec::new()
        }
    }
}

/// Read a CDS Hooks call made to the service of `service_hook`. Every problem of the call is
/// returned, each at its place in the call.
pub fn read_hook<'a>(call: &'a Json, service_hook: &str) -> Result<HookCall<'a>, Vec<ReadProblem>> {
    let Some(obj) = call.as_object() else {
        return Err(vec![problem(
            "",
            format!("the body is {}, not a CDS Hooks request", kind(call)),
            Some("send the hook's JSON object: `{\"hook\": \"order-sign\", \"hookInstance\": \"...\", \"context\": {...}, \"prefetch\": {...}}`"),
        )]);
    };
    let mut problems = Vec::new();
    let hook = string_member(obj, "hook", "hook", true, &mut problems);
    if let Some(h) = hook {
        if h != service_hook {
            problems.push(problem(
                "hook",
                format!(
                    "this service answers the `{service_hook}` hook, and the call is for `{h}`"
                ),
                Some("call the service of the hook (`GET /cds-services` lists them)"),
            ));
        }
    }
    let hook_instance = string_member(obj, "hookInstance", "hookInstance", true, &mut problems);
    let Some(context) = obj.get("context") else {
        problems.push(problem("context", "`context` is required", None));
        return Err(problems);
    };
    let Some(ctx) = context.as_object() else {
        problems.push(problem(
            "context",
            format!("`context` is {}, not an object", kind(context)),
            None,
        ));
        return Err(problems);
    };
    let needs_user = service_hook != "order-dispatch";
    let user_id = string_member(ctx, "userId", "context.userId", needs_user, &mut problems);
    let patient_id = string_member(ctx, "patientId", "context.patientId", true, &mut problems);
    let mut resources = Vec::new();
    let mut orders = Vec::new();
    let member = HOOK_ORDERS
        .iter()
        .find(|(h, _)| *h == service_hook)
        .map_or("draftOrders", |(_, m)| *m);
    let mut dispatched = Vec::new();
    let mut draft = None;
    match service_hook {
        "order-dispatch" => {
            dispatched = string_list(ctx.get(member), "context.dispatchedOrders", &mut problems);
            string_member(ctx, "performer", "context.performer", true, &mut problems);
        }
        _ => {
            draft = orders_bundle(
                ctx.get(member),
                &format!("context.{member}"),
                &mut resources,
                &mut problems,
            );
        }
    }
    // The prefetch: a resource, a Bundle of them, or nothing the EHR could fill.
    match obj.get("prefetch") {
        None | Some(Json::Null) => {}
        Some(Json::Object(p)) => {
            for (key, v) in p {
                let at = format!("prefetch.{key}");
                match v.get("resourceType").and_then(Json::as_str) {
                    _ if v.is_null() => {}
                    Some("Bundle") => {
                        bundle_resources(v, &at, false, &mut resources, &mut problems)
                    }
                    Some("OperationOutcome") => {}
                    _ => resource(v, None, &at, &mut resources, &mut problems),
                }
            }
        }
        Some(other) => problems.push(problem(
            "prefetch",
            format!("`prefetch` is {}, not an object", kind(other)),
            None,
        )),
    }
    match service_hook {
        "order-dispatch" => {
            for r in &dispatched {
                let found = resources
                    .iter()
                    .position(|l| l.rtype == "MedicationRequest" && l.named_by(r));
                orders.extend(found);
            }
        }
        "order-select" => {
            let selections =
                string_list(ctx.get("selections"), "context.selections", &mut problems);
            if let Some(range) = draft.clone() {
                for (i, s) in selections.iter().enumerate() {
                    match range.clone().find(|&k| resources[k].named_by(s)) {
                        Some(k) => {
                            if resources[k].rtype == "MedicationRequest" && !orders.contains(&k) {
                                orders.push(k);
                            }
                        }
                        None => problems.push(problem(
                            format!("context.selections[{i}]"),
                            format!("`{s}` names no order of `context.draftOrders`"),
                            Some("a selection is the `Type/id` of one of the draft orders"),
                        )),
                    }
                }
            }
        }
        "appointment-book" => {}
        _ => {
            if let Some(range) = draft {
                orders.extend(range.filter(|&k| resources[k].rtype == "MedicationRequest"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(HookCall {
        hook: hook.unwrap_or_default(),
        hook_instance: hook_instance.unwrap_or_default(),
        user_id,
        patient_id,
        resources,
        orders,
    })
}

impl<'a> HookCall<'a> {
    /// The orders to decide, each in its Bundle.
    pub fn orders(&self) -> Vec<HookOrder<'a>> {
        self.orders
            .iter()
            .map(|&k| {
                let order = &self.resources[k];
                let mut entries = Vec::new();
                let mut entry_paths = Vec::new();
                let mut kept: Vec<&Located> = Vec::new();
                let others = self
                    .resources
                    .iter()
                    .enumerate()
                    .filter(|(i, l)| *i != k && l.rtype != "MedicationRequest")
                    .map(|(_, l)| l);
                for l in std::iter::once(order).chain(others) {
                    // The same resource sent twice (in the prefetch and the context) is one.
                    let twice = kept.iter().any(|o| {
                        o.rtype == l.rtype && o.id.is_some() && o.id == l.id && o.resource == l.resource
                    });
                    if twice {
                        continue;
                    }
                    kept.push(l);
                    let mut e = Map::new();
                    if let Some(u) = l.full_url {
                        e.insert("fullUrl".into(), json!(u));
                    }
                    e.insert("resource".into(), l.resource.clone());
                    entries.push(Json::Object(e));
                    entry_paths.push(l.path.clone());
                }
                let reference = match order.id {
                    Some(id) => format!("MedicationRequest/{id}"),
                    None => order.path.clone(),
                };
                HookOrder {
                    resource: order.resource,
                    path: order.path.clone(),
                    reference,
                    bundle: json!({"resourceType": "Bundle", "type": "collection", "entry": entries}),
                    entry_paths,
                    hook_instance: self.hook_instance.to_string(),
                }
            })
            .collect()
    }

    /// The patient's Coverage the assertions are about: the first Coverage of the call that is
    /// active (or states no status), as its `fullUrl` or `Coverage/id`; a display-only reference
    /// when the call carries none.
    pub fn coverage(&self) -> Reference {
        let found = self.resources.iter().find(|l| {
            l.rtype == "Coverage"
                && matches!(
                    l.resource.get("status").and_then(Json::as_str),
                    None | Some("active")
                )
        });
        match found.and_then(|l| {
            l.full_url
                .map(str::to_string)
                .or_else(|| l.id.map(|id| format!("Coverage/{id}")))
        }) {
            Some(r) => Reference::to(&r),
            None => Reference {
                reference: None,
                display: Some("The call's prefetch holds no active Coverage".into()),
            },
        }
    }
}

impl HookOrder<'_> {
    /// The date of service: the order's `authoredOn` (its date), else `today` (`YYYY-MM-DD`).
    pub fn date_of_service(&self, today: &str) -> String {
        self.resource
            .get("authoredOn")
            .and_then(Json::as_str)
            .and_then(|t| t.get(..10))
            .filter(|d| policyc::dates::parse_date(d).is_some())
            .unwrap_or(today)
            .to_string()
    }

    /// Whether `program` covers the drug the order orders (its `medicationCodeableConcept`, or
    /// the Medication its `medicationReference` names, contained or elsewhere in the call).
    pub fn covered_by(&self, program: &Program) -> bool {
        crate::read::bundle_orders_drug_of(program, &self.bundle)
    }

    /// Read the order's Bundle into a request for `program`, as `policyc eval --fhir` reads a
    /// Bundle; the date of service is the order's `authoredOn`, else `today`. The request's
    /// `request_id` is the call's `hookInstance`. Problems and provenance name the element in the
    /// call.
    pub fn facts(&self, program: &Program, today: &str) -> Result<FhirFacts, Vec<ReadProblem>> {
        let as_of = match self.resource.get("authoredOn") {
            Some(_) => None,
            None => Some(today),
        };
        match request_from_bundle_as_of(program, &self.bundle, as_of) {
            Ok(mut f) => {
                for p in &mut f.provenance {
                    p.element = self.in_call(&p.element);
                }
                f.as_of_element = f.as_of_element.map(|e| self.in_call(&e));
                if let Some(r) = f.request.as_object_mut() {
                    r.insert("request_id".into(), json!(self.hook_instance));
                }
                Ok(f)
            }
            Err(problems) => Err(problems
                .into_iter()
                .map(|mut p| {
                    p.path = self.in_call(&p.path);
                    p
                })
                .collect()),
        }
    }

    /// An element path of the order's Bundle (`Bundle.entry[2].resource.valueQuantity`) as a path
    /// in the call (`prefetch.observations.entry[0].resource.valueQuantity`).
    pub fn in_call(&self, path: &str) -> String {
        let Some(rest) = path.strip_prefix("Bundle.entry[") else {
            return path.to_string();
        };
        let Some((n, tail)) = rest.split_once(']') else {
            return path.to_string();
        };
        let Some(at) = n
            .parse::<usize>()
            .ok()
            .and_then(|i| self.entry_paths.get(i))
        else {
            return path.to_string();
        };
        match tail.strip_prefix(".resource") {
            Some(t) => format!("{at}{t}"),
            None => path.to_string(),
        }
    }

    /// How the order names its drug, for people: the `medicationCodeableConcept`'s text or first
    /// display, else the policy's first drug line.
    pub fn drug_name(&self, program: &Program) -> String {
        let c = self.resource.get("medicationCodeableConcept");
        c.and_then(|c| c.get("text"))
            .and_then(Json::as_str)
            .or_else(|| {
                c.and_then(|c| c.get("coding"))
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .find_map(|c| c.get("display").and_then(Json::as_str))
            })
            .map(str::to_string)
            .or_else(|| program.policy.drugs.first().cloned())
            .unwrap_or_else(|| program.policy.id.clone())
    }
}

/// `text` cut to [`SUMMARY_MAX`] characters, with an ellipsis when cut.
pub fn summary_text(text: &str) -> String {
    if text.chars().count() <= SUMMARY_MAX {
        return text.to_string();
    }
    let mut s: String = text.chars().take(SUMMARY_MAX - 1).collect();
    s = s.trim_end().to_string();
    s.push('…');
    s
}

fn source(program: &Program, doc_url: Option<&str>, code: &str, display: &str) -> Json {
    let mut s = json!({
        "label": program.policy.title,
        "topic": {"system": CARD_TYPE, "code": code, "display": display},
    });
    if let Some(u) = doc_url {
        s["url"] = json!(u);
    }
    s
}

/// The card for the clinician of a decision on an order: the summary (at most 140 characters)
/// says what the payer asserts, `detail` quotes the policy's sentences and labels (the reasons of
/// [`reasons`]), `indicator` is `info` for an approval and `warning` otherwise, and the card's id
/// (`uuid`) is the decision's id in the log. `doc_url` is the policy document's address, if known.
pub fn coverage_card(
    order: &HookOrder,
    program: &Program,
    d: &Decision,
    ctx: &CoverageContext,
    doc_url: Option<&str>,
) -> Json {
    let drug = order.drug_name(program);
    let (summary, indicator, topic, next) = match d.decision {
        DecisionKind::Approve => {
            let under = d
                .indication
                .as_ref()
                .map(|i| format!(", approved under {} ({})", i.label, i.title))
                .unwrap_or_default();
            (
                format!("Covered, prior authorization satisfied: {drug}{under}"),
                "info",
                ("unsolicited-determ", "Unsolicited Determination"),
                format!(
                    "No prior authorization request is needed: this assertion (`{}`) is the authorization.",
                    ctx.decision_id
                ),
            )
        }
        DecisionKind::Deny => {
            let first = d
                .unmet
                .first()
                .map(|u| format!(" does not meet {}: {}", u.label, u.text))
                .unwrap_or_else(|| " is not covered by the policy".into());
            (
                format!("Not covered: {drug}{first}"),
                "warning",
                ("coverage-info", "Coverage Information"),
                "The order does not meet the policy's criteria above; a prior authorization request would be denied.".to_string(),
            )
        }
        DecisionKind::NeedsInfo => {
            let needed: Vec<&str> = d.missing.iter().map(|m| m.description.as_str()).collect();
            let ask = match &ctx.questionnaire {
                Some(q) => format!(
                    "Answer the questionnaire `{q}` (Da Vinci DTR), or record what is missing in the chart and sign again."
                ),
                None => "Record what is missing in the chart and sign again.".to_string(),
            };
            (
                format!(
                    "Prior authorization needs information for {drug}: {}",
                    needed.join("; ")
                ),
                "warning",
                ("coverage-info", "Coverage Information"),
                ask,
            )
        }
        DecisionKind::Refer => {
            let label = d
                .referral
                .as_ref()
                .map(|r| r.label.clone())
                .or_else(|| d.exceeded.first().map(|l| l.label.clone()))
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            (
                format!("Prior authorization needed: {drug} goes to a clinician's review{label}"),
                "warning",
                ("coverage-info", "Coverage Information"),
                "Submit a prior authorization request: the policy refers this order to a clinician's review.".to_string(),
            )
        }
    };
    let bullets: Vec<String> = reasons(d).iter().map(|r| format!("- {r}")).collect();
    let detail = format!(
        "**{}** (policy `{}`, effective {})\n\n{}\n\n{next}",
        program.policy.title,
        program.policy.id,
        d.policy.effective,
        bullets.join("\n"),
    );
    json!({
        "uuid": ctx.decision_id,
        "summary": summary_text(&summary),
        "indicator": indicator,
        "detail": detail,
        "source": source(program, doc_url, topic.0, topic.1),
        "extension": {"davinci-crd.associated-resource": [{"reference": order.reference}]},
    })
}

/// The card for an order the record does not let the policy decide: the data is ambiguous or
/// conflicting (two weights on one day, an answer that disagrees with the chart), or no version
/// of the policy was in force on the date of service. No coverage is asserted; the card lists
/// each problem with its place in the call.
pub fn problem_card(order: &HookOrder, program: &Program, problems: &[ReadProblem]) -> Json {
    let drug = order.drug_name(program);
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let help = p
                .help
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            if p.path.is_empty() {
                format!("- {}{help}", p.message)
            } else {
                format!("- `{}`: {}{help}", p.path, p.message)
            }
        })
        .collect();
    json!({
        "summary": summary_text(&format!(
            "Coverage of {drug} cannot be determined: the record needs correcting"
        )),
        "indicator": "warning",
        "detail": format!(
            "**{}** (policy `{}`) cannot decide this order from the record, and asserts no coverage:\n\n{}",
            program.policy.title,
            program.policy.id,
            lines.join("\n")
        ),
        "source": source(program, None, "coverage-info", "Coverage Information"),
        "extension": {"davinci-crd.associated-resource": [{"reference": order.reference}]},
    })
}

/// The `systemActions` entry that updates the order with coverage-information extensions: the
/// order as the call states it, its earlier coverage-information extensions replaced by these.
pub fn update_action(order: &HookOrder, extensions: &[Extension]) -> Json {
    let url = crate::write::coverage::COVERAGE_INFORMATION;
    let mut resource = order.resource.clone();
    let mut exts: Vec<Json> = resource
        .get("extension")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    exts.retain(|e| e.get("url").and_then(Json::as_str) != Some(url));
    exts.extend(
        extensions
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or_default()),
    );
    resource["extension"] = Json::Array(exts);
    json!({
        "type": "update",
        "description": format!("Coverage information for {}", order.reference),
        "resource": resource,
    })
}

/// The CDS Hooks response: `cards` (possibly none) and `systemActions`.
pub fn response(cards: Vec<Json>, actions: Vec<Json>) -> Json {
    json!({"cards": cards, "systemActions": actions})
}

#[cfg(test)]
mod tests;
