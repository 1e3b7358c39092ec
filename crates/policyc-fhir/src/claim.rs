//! A Da Vinci PAS request Bundle (`Claim/$submit`) read into one policyc request per item.
//!
//! A PAS request is a Bundle of type `collection` whose first entry is a Claim with `use`
//! `preauthorization`; the resources it references (Patient, Coverage, the insurer and the
//! provider, Conditions, the MedicationRequest an item requests, QuestionnaireResponses and
//! Observations given as supporting information) are entries of the same Bundle.
//! [`read_claim`] checks its shape: a Bundle that is not one of these, a reference that names no
//! entry, or a date that is not a date is refused with the element's path
//! (`Bundle.entry[0].resource.item[0].servicedDate`).
//!
//! Each item of the Claim is one order: its `productOrService` (HCPCS, RxNorm) selects the policy
//! ([`PasClaim::covers`]), as a MedicationRequest's code does. [`PasClaim::request`] reads the
//! item's request with the read side ([`crate::read`]), on a copy of the Bundle whose order is
//!
//! - the MedicationRequest the item requests (`extension-requestedService`), when the Bundle
//!   holds it: its route, dose and timing are read as an EHR's order is; or, without one,
//! - an order made of the item: its product, the Claim's patient, its care team member (else the
//!   Claim's provider) as the requester;
//!
//! and whose reasons are the Claim's diagnoses for the item (`item.diagnosisSequence`, else every
//! diagnosis): a `diagnosisReference` names a Condition, a `diagnosisCodeableConcept` is read as
//! the order's `reasonCode`. The other facts come from the Bundle's resources as for any Bundle.
//! The date of service is the item's `servicedDate` (or the start of its `servicedPeriod`), else
//! the requested MedicationRequest's `authoredOn`, else the day the Claim was `created`. Every
//! fact's provenance and every problem names the element of the submitted Bundle.

use crate::read::bundle::{full_date, kind, Bundle};
use crate::read::{covers, request_from_bundle_as_of, FhirFacts, ReadProblem};
use crate::write::outcome::Problem;
use policyc::ir::Program;
use serde_json::{json, Value as Json};

/// The extension of a Claim item naming the resource it requests (a MedicationRequest for a drug).
pub const REQUESTED_SERVICE: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-requestedService";

/// The path of an element of the Claim.
fn at(element: &str) -> String {
    if element.is_empty() {
        "Bundle.entry[0].resource".to_string()
    } else {
        format!("Bundle.entry[0].resource.{element}")
    }
}

/// A PAS request Bundle, checked.
#[derive(Debug)]
pub struct PasClaim<'a> {
    json: &'a Json,
    bundle: Bundle<'a>,
    /// The Claim (`Bundle.entry[0].resource`).
    pub claim: &'a Json,
    /// The Claim as a reference: `Claim/<id>`, else its entry's `fullUrl`.
    pub reference: Option<String>,
    /// The Claim's `patient`, as it is written.
    pub patient: Json,
    /// The Claim's `insurer`, as it is written.
    pub insurer: Option<Json>,
    /// The Claim's `provider` (who asks), as it is written.
    pub provider: Option<Json>,
    /// The Claim's `type`.
    pub claim_type: Option<Json>,
    /// The Bundle's `identifier`, which the response Bundle repeats.
    pub identifier: Option<Json>,
    /// The items, in the Claim's order.
    pub items: Vec<ClaimItem>,
}

/// One item of the Claim.
#[derive(Debug, Clone)]
pub struct ClaimItem {
    /// Its position in `Claim.item`.
    pub index: usize,
    /// Its `sequence`.
    pub sequence: u32,
    /// Its `productOrService`.
    pub product: Json,
    /// The date of service the item states (`servicedDate`, the start of `servicedPeriod`), with
    /// the element it is read from.
    pub date: Option<(String, String)>,
    /// The entry of the MedicationRequest it requests, if the Bundle holds it.
    order: Option<usize>,
    /// The positions in `Claim.diagnosis` of the diagnoses it is for.
    diagnoses: Vec<usize>,
    /// The reference of the care team member who provides it, if the Claim names one.
    provider: Option<(Json, String)>,
}

impl ClaimItem {
    /// The path of an element of this item: `Bundle.entry[0].resource.item[1].productOrService`.
    pub fn path(&self, element: &str) -> String {
        if element.is_empty() {
            at(&format!("item[{}]", self.index))
        } else {
            at(&format!("item[{}].{element}", self.index))
        }
    }

    /// The product as a person reads it: `hcpcs J9015 "Injection, aldesleukin"`, each coding.
    pub fn product_text(&self) -> String {
        let codings: Vec<String> = self
            .product
            .get("coding")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let system = c.get("system").and_then(Json::as_str).unwrap_or("");
                let code = c.get("code").and_then(Json::as_str).unwrap_or("");
                let system = policyc::ast::CodeSystem::from_uri(system)
                    .map_or(system.to_string(), |s| s.keyword().to_string());
                match c.get("display").and_then(Json::as_str) {
                    Some(d) => format!("{system} {code} \"{d}\""),
                    None => format!("{system} {code}"),
                }
            })
            .collect();
        if codings.is_empty() {
            self.product
                .get("text")
                .and_then(Json::as_str)
                .unwrap_or("an uncoded product")
                .to_string()
        } else {
            codings.join(", ")
        }
    }
}

/// A problem found by the read side, as an OperationOutcome issue (`code` its issue type); the
/// help, if any, follows the message.
pub fn to_problem(p: ReadProblem, code: &'static str) -> Problem {
    let message = match p.help {
        Some(h) => format!("{}; {h}", p.message),
        None => p.message,
    };
    Problem::new(p.path, code, message)
}

fn rtype(v: &Json) -> Option<&str> {
    v.get("resourceType").and_then(Json::as_str)
}

/// Every `reference` in `v`, with the path of the Reference: references are looked for in every
/// element of the Claim, so that none is left unresolved.
fn references<'v>(v: &'v Json, path: String, out: &mut Vec<(String, &'v str)>) {
    let mut stack = vec![(v, path)];
    while let Some((v, path)) = stack.pop() {
        match v {
            Json::Object(m) => {
                if let Some(Json::String(r)) = m.get("reference") {
                    out.push((path.clone(), r.as_str()));
                }
                for (k, child) in m.iter().rev() {
                    if k != "reference" {
                        stack.push((child, format!("{path}.{k}")));
                    }
                }
            }
            Json::Array(list) => {
                for (i, child) in list.iter().enumerate().rev() {
                    stack.push((child, format!("{path}[{i}]")));
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
}

/// A positive integer (`sequence`, `diagnosisSequence`).
fn positive(v: &Json) -> Option<u32> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// Read and check a PAS request Bundle. Every problem is returned, each with its element and an
/// issue type (`structure`, `required`, `value`, `not-found`).
pub fn read_claim(json: &Json) -> Result<PasClaim<'_>, Vec<Problem>> {
    let fatal =
        |path: &str, code: &'static str, msg: String| Err(vec![Problem::new(path, code, msg)]);
    match rtype(json) {
        Some("Bundle") => {}
        Some(other) => {
            return fatal(
                "Bundle.resourceType",
                "structure",
                format!("expected a PAS request Bundle, found a {other}; `Claim/$submit` takes a Bundle (type `collection`) whose first entry is the Claim"),
            )
        }
        None => {
            let found = if json.is_object() {
                "an object without `resourceType`".to_string()
            } else {
                format!("{}, not a JSON object", kind(json))
            };
            return fatal(
                "Bundle.resourceType",
                "structure",
                format!("expected a PAS request Bundle, found {found}"),
            );
        }
    }
    match json.get("type") {
        Some(Json::String(t)) if t == "collection" => {}
        Some(other) => {
            return fatal(
                "Bundle.type",
                "value",
                format!("the Bundle's type is {other}; a PAS request Bundle is a `collection`"),
            )
        }
        None => {
            return fatal(
                "Bundle.type",
                "required",
                "the Bundle states no `type`; a PAS request Bundle is a `collection`".into(),
            )
        }
    }
    let bundle = Bundle::read(json).map_err(|ps| {
        ps.into_iter()
            .map(|p| to_problem(p, "structure"))
            .collect::<Vec<_>>()
    })?;
    let first = json
        .get("entry")
        .and_then(Json::as_array)
        .and_then(|e| e.first());
    let Some(first) = first else {
        return fatal(
            "Bundle.entry",
            "required",
            "the Bundle has no entries; its first entry must be the Claim".into(),
        );
    };
    let claim = match first.get("resource") {
        Some(c) if rtype(c) == Some("Claim") => c,
        Some(c) => {
            let found = rtype(c).map_or("a resource without `resourceType`".into(), |t| {
                format!("a {t}")
            });
            return fatal(
                "Bundle.entry[0].resource.resourceType",
                "structure",
                format!("the Bundle's first entry is {found}; in a PAS request it is the Claim"),
            );
        }
        None => {
            return fatal(
                "Bundle.entry[0].resource",
                "required",
                "the Bundle's first entry holds no resource; in a PAS request it is the Claim"
                    .into(),
            )
        }
    };
    let mut problems = Vec::new();
    let mut problem = |path: String, code: &'static str, msg: String| {
        problems.push(Problem::new(path, code, msg));
    };
    match claim.get("use") {
        Some(Json::String(u)) if u == "preauthorization" => {}
        Some(other) => problem(
            at("use"),
            "value",
            format!("the Claim's use is {other}; `Claim/$submit` decides prior authorizations (`\"use\": \"preauthorization\"`)"),
        ),
        None => problem(
            at("use"),
            "required",
            "the Claim states no `use`; a PAS Claim is `\"use\": \"preauthorization\"`".into(),
        ),
    }
    // Every reference resolves, to a resource of the type the element takes.
    let contained: Vec<&str> = claim
        .get("contained")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("id").and_then(Json::as_str))
        .collect();
    let mut refs = Vec::new();
    references(claim, at(""), &mut refs);
    for (path, r) in &refs {
        let target = if let Some(id) = r.strip_prefix('#') {
            if contained.contains(&id) {
                continue;
            }
            None
        } else {
            bundle.resolve(r)
        };
        let Some(target) = target else {
            problem(
                path.clone(),
                "not-found",
                format!("the reference `{r}` names no entry of the Bundle; a PAS request Bundle holds every resource its Claim references (by `fullUrl`, or as `Type/id`)"),
            );
            continue;
        };
        let element = path.trim_start_matches("Bundle.entry[0].resource.");
        let expected: &[&str] = match element {
            "patient" => &["Patient"],
            "insurer" => &["Organization"],
            "provider" => &["Practitioner", "PractitionerRole", "Organization"],
            e if e.starts_with("insurance[") && e.ends_with(".coverage") => &["Coverage"],
            e if e.starts_with("diagnosis[") && e.ends_with(".diagnosisReference") => {
                &["Condition"]
            }
            _ => &[],
        };
        if !expected.is_empty() && !expected.contains(&target.rtype) {
            problem(
                path.clone(),
                "value",
                format!(
                    "`{r}` is a {}; `{element}` names a {}",
                    target.rtype,
                    expected.join(" or ")
                ),
            );
        }
    }
    let patient = match claim.get("patient") {
        Some(p) if p.get("reference").is_some() => p.clone(),
        _ => {
            problem(
                at("patient"),
                "required",
                "the Claim names no patient: give `patient` as a reference to the Bundle's Patient"
                    .into(),
            );
            Json::Null
        }
    };
    if claim
        .get("insurer")
        .and_then(|i| i.get("reference"))
        .is_none()
    {
        problem(
            at("insurer"),
            "required",
            "the Claim names no insurer: give `insurer` as a reference to the payer's Organization in the Bundle".into(),
        );
    }
    if let Some(c) = claim.get("created") {
        if c.as_str().map(full_date).is_none_or(|d| d.is_err()) {
            problem(
                at("created"),
                "value",
                format!("`created` is {c}, not a FHIR dateTime (`2026-01-15T09:00:00Z`)"),
            );
        }
    }
    // The diagnoses: their sequences, and each states a code or a Condition.
    let diagnoses: Vec<&Json> = claim
        .get("diagnosis")
        .and_then(Json::as_array)
        .map(|d| d.iter().collect())
        .unwrap_or_default();
    let mut dx_sequences = Vec::new();
    for (i, d) in diagnoses.iter().enumerate() {
        dx_sequences.push(d.get("sequence").and_then(positive));
        if d.get("diagnosisCodeableConcept").is_none() && d.get("diagnosisReference").is_none() {
            problem(
                at(&format!("diagnosis[{i}]")),
                "required",
                "the diagnosis states neither `diagnosisCodeableConcept` nor `diagnosisReference`"
                    .into(),
            );
        }
    }
    let care_team: Vec<&Json> = claim
        .get("careTeam")
        .and_then(Json::as_array)
        .map(|d| d.iter().collect())
        .unwrap_or_default();
    let mut items = Vec::new();
    match claim.get("item") {
        Some(Json::Array(list)) if !list.is_empty() => {
            for (index, it) in list.iter().enumerate() {
                let path = |e: &str| at(&format!("item[{index}].{e}"));
                let Some(sequence) = it.get("sequence").and_then(positive) else {
                    problem(
                        path("sequence"),
                        "required",
                        "the item states no `sequence` (a positive integer)".into(),
                    );
                    continue;
                };
                let product = it.get("productOrService").cloned().unwrap_or(Json::Null);
                let coded = product
                    .get("coding")
                    .and_then(Json::as_array)
                    .is_some_and(|c| {
                        c.iter()
                            .any(|c| c.get("code").and_then(Json::as_str).is_some())
                    });
                if !coded {
                    problem(
                        path("productOrService"),
                        "required",
                        "the item states no coded product: give `productOrService` a coding (HCPCS `J9015`, or RxNorm) of the drug requested".into(),
                    );
                }
                let mut date = None;
                for (el, v) in [
                    ("servicedDate", it.get("servicedDate")),
                    (
                        "servicedPeriod.start",
                        it.get("servicedPeriod").and_then(|p| p.get("start")),
                    ),
                    (
                        "servicedPeriod.end",
                        it.get("servicedPeriod").and_then(|p| p.get("end")),
                    ),
                ] {
                    let Some(v) = v else { continue };
                    match v.as_str().map(|s| (s, full_date(s))) {
                        Some((s, Ok(d))) if el != "servicedDate" || s.len() == 10 => {
                            if date.is_none() && el != "servicedPeriod.end" {
                                date = Some((d.to_string(), path(el)));
                            }
                        }
                        Some((_, Ok(_))) => problem(
                            path(el),
                            "value",
                            format!("`{el}` is {v}, not a FHIR date (YYYY-MM-DD)"),
                        ),
                        Some((_, Err(why))) => problem(
                            path(el),
                            "value",
                            format!("`{el}` is {v}: {why}; the date of service is a full date (YYYY-MM-DD)"),
                        ),
                        None => problem(
                            path(el),
                            "value",
                            format!("`{el}` is {}, not a date", kind(v)),
                        ),
                    }
                }
                let mut order = None;
                let exts = it.get("extension").and_then(Json::as_array);
                for (k, e) in exts.into_iter().flatten().enumerate() {
                    if e.get("url").and_then(Json::as_str) != Some(REQUESTED_SERVICE) {
                        continue;
                    }
                    let target = e
                        .get("valueReference")
                        .and_then(|r| r.get("reference"))
                        .and_then(Json::as_str)
                        .and_then(|r| bundle.resolve(r));
                    match target {
                        Some(t) if t.rtype == "MedicationRequest" => {
                            if order.is_some() {
                                problem(
                                    path(&format!("extension[{k}]")),
                                    "value",
                                    "the item requests two MedicationRequests; one item is one order".into(),
                                );
                            }
                            order = Some(t.index);
                        }
                        // A requested service of another kind (a ServiceRequest) is no order of a drug;
                        // a reference that does not resolve is reported above.
                        _ => {}
                    }
                }
                let seqs: Vec<(usize, &Json)> = it
                    .get("diagnosisSequence")
                    .and_then(Json::as_array)
                    .map(|l| l.iter().enumerate().collect())
                    .unwrap_or_default();
                let mut dx = Vec::new();
                for (k, s) in &seqs {
                    match positive(s).and_then(|n| dx_sequences.iter().position(|d| *d == Some(n))) {
                        Some(i) => dx.push(i),
                        None => problem(
                            path(&format!("diagnosisSequence[{k}]")),
                            "value",
                            format!("`diagnosisSequence` {s} names no diagnosis of the Claim (by its `sequence`)"),
                        ),
                    }
                }
                if seqs.is_empty() {
                    dx = (0..diagnoses.len()).collect();
                }
                let ct: Option<u32> = it
                    .get("careTeamSequence")
                    .and_then(Json::as_array)
                    .and_then(|l| l.first())
                    .and_then(positive);
                let member = care_team
                    .iter()
                    .enumerate()
                    .find(|(_, m)| ct.is_none() || m.get("sequence").and_then(positive) == ct)
                    .and_then(|(i, m)| {
                        m.get("provider")
                            .map(|p| (p.clone(), at(&format!("careTeam[{i}].provider"))))
                    });
                items.push(ClaimItem {
                    index,
                    sequence,
                    product,
                    date,
                    order,
                    diagnoses: dx,
                    provider: member,
                });
            }
        }
        Some(Json::Array(_)) | None => problem(
            at("item"),
            "required",
            "the Claim has no item: each item is one product or service to authorize".into(),
        ),
        Some(other) => problem(
            at("item"),
            "structure",
            format!("`item` is {}, not a list", kind(other)),
        ),
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let reference = match (
        claim.get("id").and_then(Json::as_str),
        first.get("fullUrl").and_then(Json::as_str),
    ) {
        (Some(id), _) => Some(format!("Claim/{id}")),
        (None, Some(u)) => Some(u.to_string()),
        (None, None) => None,
    };
    Ok(PasClaim {
        json,
        bundle,
        claim,
        reference,
        patient,
        insurer: claim.get("insurer").cloned(),
        provider: claim.get("provider").cloned(),
        claim_type: claim.get("type").cloned(),
        identifier: json.get("identifier").cloned(),
        items,
    })
}

/// Rewrites the paths of the order's elements that came from the Claim to the Claim's elements.
struct PathMap {
    /// (the element in the copy, the Claim's element).
    pairs: Vec<(String, String)>,
    /// The made order's reference in the copy, and the Claim's.
    resource: Option<(String, String)>,
}

impl PathMap {
    fn path(&self, p: &str) -> String {
        for (from, to) in &self.pairs {
            if let Some(rest) = p.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with('.') || rest.starts_with('[') {
                    return format!("{to}{rest}");
                }
            }
        }
        p.to_string()
    }
}

impl PasClaim<'_> {
    /// The entry a reference of the Claim names, as its `fullUrl` and resource (for the response
    /// Bundle); `None` when it names none or the entry has no `fullUrl`.
    pub fn entry_of(&self, reference: &Json) -> Option<(String, Json)> {
        let r = reference.get("reference").and_then(Json::as_str)?;
        let e = self.bundle.resolve(r)?;
        Some((e.full_url?.to_string(), e.resource.clone()))
    }

    /// Whether the policy covers the item's product: one of its codings is a drug code of the
    /// policy's header (as for a MedicationRequest's code, [`covers`]).
    pub fn covers(&self, program: &Program, item: &ClaimItem) -> bool {
        covers(program, &json!({"medicationCodeableConcept": item.product}))
    }

    /// The request id the decision carries: the Claim's first `identifier.value`, else its id,
    /// else the Bundle's.
    pub fn request_id(&self) -> Option<String> {
        let ident = self
            .claim
            .get("identifier")
            .and_then(|i| i.as_array().and_then(|l| l.first()).or(Some(i)))
            .and_then(|i| i.get("value"))
            .and_then(Json::as_str);
        ident
            .or_else(|| self.claim.get("id").and_then(Json::as_str))
            .or_else(|| self.json.get("id").and_then(Json::as_str))
            .map(str::to_string)
    }

    /// The item's date of service: its own, else (when it requests no MedicationRequest with an
    /// `authoredOn`) the date the Claim was `created`; with the element it is read from. `None`:
    /// the requested MedicationRequest's `authoredOn` is the date.
    pub fn date_of_service(&self, item: &ClaimItem) -> Option<(String, String)> {
        if let Some(d) = &item.date {
            return Some(d.clone());
        }
        let authored = item
            .order
            .and_then(|k| self.bundle.entries.iter().find(|e| e.index == k))
            .is_some_and(|e| e.resource.get("authoredOn").is_some());
        if authored {
            return None;
        }
        let created = self.claim.get("created").and_then(Json::as_str)?;
        let d = full_date(created).ok()?;
        Some((d.to_string(), at("created")))
    }

    /// The item's request under `program`, read from the Bundle as the [module documentation](self)
    /// says; each provenance and problem names the submitted Bundle's element.
    pub fn request(
        &self,
        program: &Program,
        item: &ClaimItem,
    ) -> Result<FhirFacts, Vec<ReadProblem>> {
        let mut entries: Vec<Json> = self
            .json
            .get("entry")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        // One order: the item's. Other MedicationRequests are left out (their entries stay, so
        // that every other entry keeps its position).
        for (i, e) in entries.iter_mut().enumerate() {
            let is_order = e
                .get("resource")
                .is_some_and(|r| rtype(r) == Some("MedicationRequest"));
            if is_order && Some(i) != item.order {
                if let Some(m) = e.as_object_mut() {
                    m.remove("resource");
                }
            }
        }
        let mut map = PathMap {
            pairs: Vec::new(),
            resource: None,
        };
        let product_at = item.path("productOrService");
        let k = match item.order {
            Some(k) => k,
            None => {
                let id = format!("claim-item-{}", item.sequence);
                let mut order = json!({
                    "resourceType": "MedicationRequest",
                    "id": id,
                    "status": "active",
                    "intent": "order",
                    "subject": self.patient,
                });
                let requester = item
                    .provider
                    .clone()
                    .or_else(|| self.provider.clone().map(|p| (p, at("provider"))));
                if let Some((r, path)) = requester {
                    order["requester"] = r;
                    map.pairs.push((
                        format!("Bundle.entry[{}].resource.requester", entries.len()),
                        path,
                    ));
                }
                map.pairs.push((
                    format!("Bundle.entry[{}].resource.subject", entries.len()),
                    at("patient"),
                ));
                map.resource = Some((
                    format!("MedicationRequest/{id}"),
                    self.reference.clone().unwrap_or_else(|| "Claim".into()),
                ));
                entries.push(json!({"resource": order}));
                entries.len() - 1
            }
        };
        let mut problems = Vec::new();
        let prefix = format!("Bundle.entry[{k}].resource");
        if let Some(order) = entries.get_mut(k).and_then(|e| e.get_mut("resource")) {
            if !covers(program, order) {
                let coded = order
                    .get("medicationCodeableConcept")
                    .and_then(|c| c.get("coding"))
                    .and_then(Json::as_array)
                    .is_some_and(|c| !c.is_empty());
                if coded && item.order.is_some() {
                    problems.push(ReadProblem::new(
                        format!("{prefix}.medicationCodeableConcept"),
                        format!(
                            "the item's product is {}, but the MedicationRequest it requests orders another drug",
                            item.product_text()
                        ),
                        Some("request the MedicationRequest of the drug the item names".into()),
                    ));
                } else if let Some(m) = order.as_object_mut() {
                    m.remove("medicationReference");
                    m.insert("medicationCodeableConcept".into(), item.product.clone());
                    map.pairs.push((
                        format!("{prefix}.medicationCodeableConcept"),
                        product_at.clone(),
                    ));
                }
            }
            let has_reasons =
                order.get("reasonReference").is_some() || order.get("reasonCode").is_some();
            let diagnoses = self.claim.get("diagnosis").and_then(Json::as_array);
            if !has_reasons {
                let mut refs = Vec::new();
                let mut codes = Vec::new();
                for &i in &item.diagnoses {
                    let Some(d) = diagnoses.and_then(|l| l.get(i)) else {
                        continue;
                    };
                    if let Some(r) = d.get("diagnosisReference") {
                        map.pairs.push((
                            format!("{prefix}.reasonReference[{}]", refs.len()),
                            at(&format!("diagnosis[{i}].diagnosisReference")),
                        ));
                        refs.push(r.clone());
                    }
                    if let Some(c) = d.get("diagnosisCodeableConcept") {
                        map.pairs.push((
                            format!("{prefix}.reasonCode[{}]", codes.len()),
                            at(&format!("diagnosis[{i}].diagnosisCodeableConcept")),
                        ));
                        codes.push(c.clone());
                    }
                }
                if let Some(m) = order.as_object_mut() {
                    if !refs.is_empty() {
                        m.insert("reasonReference".into(), Json::Array(refs));
                    }
                    if !codes.is_empty() {
                        m.insert("reasonCode".into(), Json::Array(codes));
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut copy = self.json.clone();
        copy["entry"] = Json::Array(entries);
        match self.request_id() {
            Some(id) => copy["id"] = json!(id),
            None => {
                if let Some(m) = copy.as_object_mut() {
                    m.remove("id");
                }
            }
        }
        let date = self.date_of_service(item);
        let read = request_from_bundle_as_of(program, &copy, date.as_ref().map(|d| d.0.as_str()));
        match read {
            Ok(mut facts) => {
                for p in &mut facts.provenance {
                    p.element = map.path(&p.element);
                    if let Some((from, to)) = &map.resource {
                        if &p.resource == from {
                            p.resource = to.clone();
                        }
                    }
                }
                if let Some((_, element)) = date {
                    facts.as_of_element = Some(element);
                } else if let Some(e) = &facts.as_of_element {
                    facts.as_of_element = Some(map.path(e));
                }
                Ok(facts)
            }
            Err(problems) => Err(problems
                .into_iter()
                .map(|mut p| {
                    p.path = map.path(&p.path);
                    p
                })
                .collect()),
        }
    }
}

#[cfg(test)]
mod tests;
