//! The facts a policy reads from the EHR's resources (`from ...` in the policy): the Patient's
//! birth date, the latest Observation of a LOINC code, the Conditions through the enumeration's
//! codes, the MedicationRequest's route, dose, frequency and repeats, and the prescriber's
//! specialty. Each gives a value in the terms of policyc's request JSON, with its provenance, or
//! a problem when the data is ambiguous or conflicting: policyc never chooses between two values.
//!
//! Longer than 800 lines on purpose: one reader per `from` source of the language (Patient,
//! Observation, Condition, MedicationRequest, PractitionerRole), sharing the rules for ambiguous
//! and conflicting data.

use super::bundle::{codings, full_date, kind, map_coding, status_code, Bundle, Coding, Entry};
use super::{Found, ReadProblem};
use policyc::ast::CodeSystem;
use policyc::eval::Provenance;
use policyc::ir::{DurationDef, DurationUnit, FactDef, FactType, Program, Source};
use policyc::request::number::{exact_mul, parse_number};
use policyc::units::{format_decimal, parse_unit, Dim};
use rust_decimal::Decimal;
use serde_json::{json, Value as Json};

/// The UCUM code system.
const UCUM: &str = "http://unitsofmeasure.org";

/// What the readers share: the program, the Bundle, the request's patient and order, the date
/// of service, and the problems found so far.
pub(crate) struct Context<'a, 'b> {
    pub program: &'a Program,
    pub bundle: &'b Bundle<'a>,
    pub patient: Option<&'b Entry<'a>>,
    pub order: Option<&'b Entry<'a>>,
    pub as_of: Option<jiff::civil::Date>,
    pub problems: Vec<ReadProblem>,
}

/// The codes of the drug a MedicationRequest orders: its `medicationCodeableConcept`, or the
/// `code` of the Medication its `medicationReference` names (contained, or in the Bundle).
pub(crate) fn medication_codings<'a>(
    order: &'a Json,
    bundle: Option<&Bundle<'a>>,
) -> Vec<Coding<'a>> {
    if let Some(c) = order.get("medicationCodeableConcept") {
        return codings(Some(c), "medicationCodeableConcept");
    }
    let Some(r) = order
        .get("medicationReference")
        .and_then(|m| m.get("reference"))
        .and_then(Json::as_str)
    else {
        return Vec::new();
    };
    if let Some(id) = r.strip_prefix('#') {
        let contained = order.get("contained").and_then(Json::as_array);
        let found = contained.and_then(|list| {
            list.iter().enumerate().find(|(_, m)| {
                m.get("id").and_then(Json::as_str) == Some(id)
                    && m.get("resourceType").and_then(Json::as_str) == Some("Medication")
            })
        });
        return match found {
            Some((i, m)) => codings(m.get("code"), &format!("contained[{i}].code")),
            None => Vec::new(),
        };
    }
    match bundle.and_then(|b| b.resolve(r)) {
        Some(e) if e.rtype == "Medication" => codings(e.resource.get("code"), "code"),
        _ => Vec::new(),
    }
}

/// Whether the program's drug codes include one of the codings.
pub(crate) fn codes_cover(program: &Program, list: &[Coding]) -> bool {
    list.iter().any(|c| {
        c.system.is_some_and(|s| {
            program
                .policy
                .drug_codes
                .iter()
                .any(|d| d.matches(s, c.code))
        })
    })
}

/// A MedicationRequest that still stands (not cancelled, stopped or entered in error).
fn order_stands(e: &Entry) -> bool {
    !matches!(
        e.str("status"),
        Some("cancelled" | "stopped" | "entered-in-error")
    )
}

/// The MedicationRequest the request is about: the one that orders a drug of the policy (or,
/// for a policy without drug codes, the only one).
pub(crate) fn select_order<'a, 'b>(
    program: &Program,
    bundle: &'b Bundle<'a>,
) -> Result<Option<&'b Entry<'a>>, ReadProblem> {
    let orders: Vec<&Entry> = bundle
        .of_type("MedicationRequest")
        .filter(|e| order_stands(e))
        .collect();
    let drugs: Vec<String> = program.policy.drug_codes.iter().map(|c| c.text()).collect();
    if program.policy.drug_codes.is_empty() {
        return match orders.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            [_, second, ..] => Err(ReadProblem::new(
                second.path(""),
                format!(
                    "the Bundle has {} MedicationRequests, and policy `{}` declares no drug codes to tell which one it is about",
                    orders.len(),
                    program.policy.id
                ),
                Some("send one MedicationRequest, or list the drug's codes on the policy's `drug` line (`hcpcs [\"J9015\"]`)".into()),
            )),
        };
    }
    let covered: Vec<&Entry> = orders
        .iter()
        .copied()
        .filter(|e| codes_cover(program, &medication_codings(e.resource, Some(bundle))))
        .collect();
    match covered.as_slice() {
        [one] => Ok(Some(one)),
        [first, second, ..] => Err(ReadProblem::new(
            second.path("medicationCodeableConcept"),
            format!(
                "two MedicationRequests order a drug of policy `{}`: {} and {}",
                program.policy.id,
                first.reference(),
                second.reference()
            ),
            Some("send one order per request: policyc decides one order at a time".into()),
        )),
        [] => match orders.first() {
            None => Ok(None),
            Some(first) => {
                let ordered: Vec<String> = medication_codings(first.resource, Some(bundle))
                    .iter()
                    .map(Coding::text)
                    .collect();
                let ordered = if ordered.is_empty() {
                    "no coded drug".to_string()
                } else {
                    ordered.join(", ")
                };
                Err(ReadProblem::new(
                    first.path("medicationCodeableConcept"),
                    format!(
                        "no MedicationRequest orders a drug of policy `{}` ({}); {} orders {ordered}",
                        program.policy.id,
                        drugs.join(", "),
                        first.reference()
                    ),
                    Some("decide the order under the policy of the drug it orders".into()),
                ))
            }
        },
    }
}

/// The request's patient: the one the order names, else the Bundle's only Patient.
pub(crate) fn select_patient<'a, 'b>(
    bundle: &'b Bundle<'a>,
    order: Option<&Entry>,
) -> Result<Option<&'b Entry<'a>>, ReadProblem> {
    let named = order
        .and_then(|o| o.resource.get("subject"))
        .and_then(|s| s.get("reference"))
        .and_then(Json::as_str)
        .and_then(|r| bundle.resolve(r))
        .filter(|e| e.rtype == "Patient");
    if named.is_some() {
        return Ok(named);
    }
    let patients: Vec<&Entry> = bundle.of_type("Patient").collect();
    match patients.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        [first, second, ..] => Err(ReadProblem::new(
            second.path(""),
            format!(
                "the Bundle holds two Patients ({} and {}) and no MedicationRequest names which the request is about",
                first.reference(),
                second.reference()
            ),
            Some("send the resources of one patient, with the MedicationRequest's `subject` naming them".into()),
        )),
    }
}

/// A value read, with its provenance.
fn found(fact: &FactDef, e: &Entry, element: &str, shown: String, value: Json) -> Found {
    Found {
        value,
        prov: Provenance {
            fact: fact.name.clone(),
            resource: e.reference(),
            element: e.path(element),
            value: shown,
        },
    }
}

/// A FHIR Quantity read exactly: its value (a JSON number), its UCUM unit (the `code` of a
/// UCUM quantity, else its `unit`), the value in the canonical unit and the dimension.
struct Quantity {
    value: Json,
    unit: String,
    canonical: Decimal,
    dim: Dim,
    shown: String,
}

fn quantity(q: &Json, e: &Entry, element: &str) -> Result<Quantity, ReadProblem> {
    let at = |sub: &str| e.path(&format!("{element}.{sub}"));
    let value = match q.get("value") {
        Some(v @ Json::Number(_)) => v.clone(),
        Some(other) => {
            return Err(ReadProblem::new(
                at("value"),
                format!("the quantity's value is {}, not a number", kind(other)),
                None,
            ))
        }
        None => {
            return Err(ReadProblem::new(
                at("value"),
                "the quantity states no value",
                None,
            ))
        }
    };
    let system = q.get("system").and_then(Json::as_str);
    let (unit, unit_at) = match (q.get("code").and_then(Json::as_str), system) {
        (Some(c), None | Some(UCUM)) => (c, "code"),
        _ => match q.get("unit").and_then(Json::as_str) {
            Some(u) => (u, "unit"),
            None => {
                return Err(ReadProblem::new(
                    at("code"),
                    "the quantity states no UCUM unit",
                    Some("state the unit as a UCUM code: `\"system\": \"http://unitsofmeasure.org\", \"code\": \"kg\"`".into()),
                ))
            }
        },
    };
    let u = parse_unit(unit).map_err(|err| {
        ReadProblem::new(
            at(unit_at),
            format!("`{unit}` is not a unit policyc reads: {err}"),
            Some("state the unit as a UCUM code (`kg`, `[lb_av]`, `g`, `cm`, `[in_i]`, `mg`, `[iU]`)".into()),
        )
    })?;
    let text = value
        .as_number()
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    let number = parse_number(&text).map_err(|err| {
        let (m, h) = err.explain(&text);
        ReadProblem::new(at("value"), m, Some(h))
    })?;
    let canonical = exact_mul(number, u.factor).ok_or_else(|| {
        ReadProblem::new(
            at("value"),
            format!("{text} {unit} cannot be converted exactly"),
            None,
        )
    })?;
    Ok(Quantity {
        shown: format!("{} {}", format_decimal(number), u.code),
        value,
        unit: unit.to_string(),
        canonical: canonical.normalize(),
        dim: u.dim,
    })
}

impl<'a, 'b> Context<'a, 'b> {
    /// The value of the fact at `slot` from its source, if the Bundle states it.
    pub(crate) fn read(&mut self, slot: usize, src: &Source) -> Option<Found> {
        let fact = &self.program.facts[slot];
        match src {
            Source::PatientBirthDate => self.birth_date(fact),
            Source::Observation { loinc, max_age } => {
                self.observation(fact, loinc, max_age.as_ref())
            }
            Source::Condition => self.condition(fact),
            Source::MedicationRoute => self.route(fact),
            Source::MedicationDose => self.dose(fact),
            Source::MedicationFrequency => self.frequency(fact),
            Source::MedicationRepeatCount => self.repeat_count(fact),
            Source::PrescriberSpecialty => self.specialty(fact),
            Source::Questionnaire { .. } => None,
        }
    }

    fn problem(&mut self, path: String, message: String, help: Option<&str>) {
        self.problems
            .push(ReadProblem::new(path, message, help.map(str::to_string)));
    }

    fn birth_date(&mut self, fact: &FactDef) -> Option<Found> {
        let p = self.patient?;
        let text = p.resource.get("birthDate")?;
        let Some(s) = text.as_str() else {
            self.problem(
                p.path("birthDate"),
                format!("the birth date is {}, not a date", kind(text)),
                None,
            );
            return None;
        };
        match full_date(s) {
            Ok(d) if s.len() == 10 => Some(found(
                fact,
                p,
                "birthDate",
                s.to_string(),
                json!(d.to_string()),
            )),
            Ok(_) | Err(_) => {
                let why = full_date(s).err().unwrap_or("not a FHIR date (YYYY-MM-DD)");
                self.problem(
                    p.path("birthDate"),
                    format!("the birth date `{s}` is {why}: `{}` needs the full date", fact.name),
                    Some("record the full date of birth (YYYY-MM-DD), or answer it in the QuestionnaireResponse"),
                );
                None
            }
        }
    }

    /// The day before which an Observation is too old: the date of service less the recency.
    fn cutoff(&self, max_age: &DurationDef) -> Option<jiff::civil::Date> {
        let as_of = self.as_of?;
        let n = i64::from(max_age.amount);
        let span = match max_age.unit {
            DurationUnit::Day => jiff::Span::new().try_days(n).ok()?,
            DurationUnit::Week => jiff::Span::new().try_weeks(n).ok()?,
            DurationUnit::Month => jiff::Span::new().try_months(n).ok()?,
            DurationUnit::Year => jiff::Span::new().try_years(n).ok()?,
        };
        as_of.checked_sub(span).ok()
    }

    fn observation(
        &mut self,
        fact: &FactDef,
        loinc: &str,
        max_age: Option<&DurationDef>,
    ) -> Option<Found> {
        struct Cand<'e, 'a> {
            entry: &'e Entry<'a>,
            date: jiff::civil::Date,
            q: Quantity,
            element: String,
        }
        let bundle = self.bundle;
        let mut cands: Vec<Cand> = Vec::new();
        let mut failed = false;
        for e in bundle.of_type("Observation") {
            if e.about_other_patient(bundle, self.patient) {
                continue;
            }
            let coded = codings(e.resource.get("code"), "code")
                .iter()
                .any(|c| c.system == Some(CodeSystem::Loinc) && c.code == loinc);
            if !coded {
                continue;
            }
            if let Some(s) = e.str("status") {
                if !matches!(s, "final" | "amended" | "corrected") {
                    continue;
                }
            }
            let Some(vq) = e.resource.get("valueQuantity") else {
                if e.resource.get("dataAbsentReason").is_none() {
                    self.problem(
                        e.path("valueQuantity"),
                        format!(
                            "the Observation of LOINC {loinc} for `{}` states no valueQuantity",
                            fact.name
                        ),
                        Some("state the measurement as a valueQuantity with a UCUM unit, or a dataAbsentReason when there is none"),
                    );
                    failed = true;
                }
                continue;
            };
            let date_el = ["effectiveDateTime", "effectiveInstant", "issued"]
                .into_iter()
                .find(|k| e.resource.get(*k).is_some())
                .map(|k| (e.resource.get(k), k.to_string()))
                .or_else(|| {
                    let p = e.resource.get("effectivePeriod")?;
                    ["end", "start"]
                        .into_iter()
                        .find_map(|k| p.get(k).map(|v| (Some(v), format!("effectivePeriod.{k}"))))
                });
            let Some((Some(date_json), date_at)) = date_el else {
                self.problem(
                    e.path("effectiveDateTime"),
                    format!(
                        "the Observation of LOINC {loinc} for `{}` has no date, so which is the latest cannot be told",
                        fact.name
                    ),
                    Some("state when it was measured: `effectiveDateTime`"),
                );
                failed = true;
                continue;
            };
            let date = match date_json.as_str().map(full_date) {
                Some(Ok(d)) => d,
                _ => {
                    self.problem(
                        e.path(&date_at),
                        format!("`{date_json}` is not a full date and time"),
                        Some("write it as FHIR does: `2026-01-10` or `2026-01-10T08:30:00Z`"),
                    );
                    failed = true;
                    continue;
                }
            };
            if self.as_of.is_some_and(|a| date > a) {
                // Measured after the date of service: not what the order was decided on.
                continue;
            }
            match quantity(vq, e, "valueQuantity") {
                Ok(q) => cands.push(Cand {
                    entry: e,
                    date,
                    q,
                    element: "valueQuantity".into(),
                }),
                Err(p) => {
                    self.problems.push(p);
                    failed = true;
                }
            }
        }
        if failed {
            return None;
        }
        let latest = cands.iter().map(|c| c.date).max()?;
        if let Some(m) = max_age {
            if self.as_of.is_none() {
                self.problem(
                    "Bundle".into(),
                    format!(
                        "`{}` must be measured within {} of the date of service, and the Bundle gives no date of service",
                        fact.name,
                        m.text()
                    ),
                    Some("give the MedicationRequest an `authoredOn` date, or pass --as-of YYYY-MM-DD"),
                );
                return None;
            }
            if self.cutoff(m).is_some_and(|c| latest < c) {
                return None;
            }
        }
        let same_day: Vec<&Cand> = cands.iter().filter(|c| c.date == latest).collect();
        let first = same_day.first()?;
        if let Some(other) = same_day
            .iter()
            .find(|c| c.q.canonical != first.q.canonical || c.q.dim != first.q.dim)
        {
            self.problem(
                other.entry.path(&other.element),
                format!(
                    "two Observations of LOINC {loinc} on {latest} disagree: {} ({}) and {} ({}); policyc does not choose between them",
                    first.q.shown,
                    first.entry.reference(),
                    other.q.shown,
                    other.entry.reference()
                ),
                Some("correct the wrong one, or mark it `entered-in-error`"),
            );
            return None;
        }
        let value = json!({"value": first.q.value, "unit": first.q.unit});
        Some(found(
            fact,
            first.entry,
            &first.element,
            format!("{} on {latest}", first.q.shown),
            value,
        ))
    }

    /// Whether a Condition counts: active (or recurring, relapsing, or without a clinical status)
    /// and not refuted or entered in error.
    fn condition_counts(&self, e: &Entry) -> bool {
        let active = status_code(e.resource, "clinicalStatus")
            .is_none_or(|s| matches!(s, "active" | "recurrence" | "relapse"));
        let refuted = status_code(e.resource, "verificationStatus")
            .is_some_and(|s| matches!(s, "refuted" | "entered-in-error"));
        active && !refuted && !e.about_other_patient(self.bundle, self.patient)
    }

    /// The values of enumeration `ei` one CodeableConcept stands for (by its codings), each with
    /// the coding; a problem when its codes stand for two.
    fn concept_value<'j>(
        &mut self,
        ei: usize,
        e: &Entry,
        list: &[Coding<'j>],
        fact: &FactDef,
    ) -> Result<Option<(usize, Coding<'j>)>, ()> {
        let en = &self.program.enums[ei];
        let mut hit: Option<(usize, Coding)> = None;
        for c in list {
            if let Some(v) = map_coding(en, c) {
                match &hit {
                    Some((w, first)) if *w != v => {
                        let msg = format!(
                            "the codes of {} stand for two values of `{}`: {} is {}, {} is {}",
                            e.reference(),
                            fact.name,
                            first.text(),
                            en.values[*w].name,
                            c.text(),
                            en.values[v].name
                        );
                        self.problem(
                            e.path(&c.element),
                            msg,
                            Some("correct the resource's codes, or the policy's code lists, so that they agree"),
                        );
                        return Err(());
                    }
                    Some(_) => {}
                    None => hit = Some((v, c.clone())),
                }
            }
        }
        Ok(hit)
    }

    fn condition(&mut self, fact: &FactDef) -> Option<Found> {
        let (ei, set) = match fact.ty {
            FactType::Enum { enum_index } => (enum_index as usize, false),
            FactType::Set { enum_index } => (enum_index as usize, true),
            _ => return None,
        };
        let bundle = self.bundle;
        let en = &self.program.enums[ei];
        let en_name = en.name.clone();
        let open = en.open;
        // The order's own reasons, when it gives them, say what it is for.
        let mut reasons: Vec<(&Entry, Vec<Coding>)> = Vec::new();
        if let (Some(o), false) = (self.order, set) {
            let refs = o.resource.get("reasonReference").and_then(Json::as_array);
            for r in refs.into_iter().flatten() {
                let target = r
                    .get("reference")
                    .and_then(Json::as_str)
                    .and_then(|r| bundle.resolve(r));
                if let Some(c) = target.filter(|c| c.rtype == "Condition") {
                    if self.condition_counts(c) {
                        reasons.push((c, codings(c.resource.get("code"), "code")));
                    }
                }
            }
            let codes = o.resource.get("reasonCode").and_then(Json::as_array);
            for (i, concept) in codes.into_iter().flatten().enumerate() {
                reasons.push((o, codings(Some(concept), &format!("reasonCode[{i}]"))));
            }
            reasons.retain(|(_, c)| !c.is_empty());
        }
        let from_reasons = !reasons.is_empty();
        let pool: Vec<(&Entry, Vec<Coding>)> = if from_reasons {
            reasons
        } else {
            bundle
                .of_type("Condition")
                .filter(|c| self.condition_counts(c))
                .map(|c| (c, codings(c.resource.get("code"), "code")))
                .collect()
        };
        let mut hits: Vec<(usize, &Entry, Coding)> = Vec::new();
        for (e, list) in &pool {
            match self.concept_value(ei, e, list, fact) {
                Err(()) => return None,
                Ok(Some((v, c))) => hits.push((v, e, c)),
                Ok(None) => {}
            }
        }
        if set {
            if pool.is_empty() {
                return None;
            }
            let mut names: Vec<String> = Vec::new();
            let mut shown: Vec<String> = Vec::new();
            for (v, _, c) in &hits {
                let n = self.program.enums[ei].values[*v].name.clone();
                if !names.contains(&n) {
                    names.push(n);
                    shown.push(c.text());
                }
            }
            let (e, element) = match hits.first() {
                Some((_, e, c)) => (*e, c.element.clone()),
                None => (pool[0].0, "code".to_string()),
            };
            let shown = if shown.is_empty() {
                "no Condition of the policy's codes".to_string()
            } else {
                shown.join(", ")
            };
            return Some(found(fact, e, &element, shown, json!(names)));
        }
        let Some((v, e, c)) = hits.first() else {
            if !from_reasons {
                return None;
            }
            // The order is for a condition the policy lists no code of.
            let (e, list) = &pool[0];
            let shown: Vec<String> = list.iter().map(Coding::text).collect();
            if !open {
                self.problem(
                    e.path(&list[0].element),
                    format!(
                        "the order is for {}, which stands for no value of `{en_name}` (fact `{}`)",
                        shown.join(", "),
                        fact.name
                    ),
                    Some("list the code on the value it means in the policy's enumeration"),
                );
                return None;
            }
            let value = list
                .iter()
                .map(|c| match c.system {
                    Some(s) => format!("{} {}", s.keyword(), c.code),
                    None => c.code.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Some(found(
                fact,
                e,
                &list[0].element,
                shown.join(", "),
                json!(value),
            ));
        };
        if let Some((w, e2, c2)) = hits.iter().find(|(w, _, _)| w != v) {
            let names = &self.program.enums[ei].values;
            let msg = format!(
                "two {} of the patient stand for different values of `{}`: {} ({}) is {}, {} ({}) is {}",
                if from_reasons { "reasons for the order" } else { "active Conditions" },
                fact.name,
                c.text(),
                e.reference(),
                names[*v].name,
                c2.text(),
                e2.reference(),
                names[*w].name
            );
            self.problem(
                e2.path(&c2.element),
                msg,
                Some("name the Condition the order is for in the MedicationRequest's reasonReference, or resolve the conflicting Conditions"),
            );
            return None;
        }
        let name = self.program.enums[ei].values[*v].name.clone();
        Some(found(fact, e, &c.element, c.text(), json!(name)))
    }

    /// The order's dosage instructions, each with its index.
    fn dosages(&self) -> Vec<(usize, &'a Json)> {
        self.order
            .and_then(|o| o.resource.get("dosageInstruction"))
            .and_then(Json::as_array)
            .map(|l| l.iter().enumerate().collect())
            .unwrap_or_default()
    }

    /// One value from every dosage instruction that states it: a problem when they disagree.
    fn one_of_dosages(&mut self, fact: &FactDef, what: &str, vals: Vec<Found>) -> Option<Found> {
        let first = vals.first()?;
        if let Some(other) = vals.iter().find(|v| v.value != first.value) {
            let msg = format!(
                "the order's dosage instructions state two {what}s for `{}`: {} and {}",
                fact.name, first.prov.value, other.prov.value
            );
            self.problem(
                other.prov.element.clone(),
                msg,
                Some("policyc decides one dosage: send the orders for other dosages separately"),
            );
            return None;
        }
        vals.into_iter().next()
    }

    fn route(&mut self, fact: &FactDef) -> Option<Found> {
        let FactType::Enum { enum_index } = fact.ty else {
            return None;
        };
        let ei = enum_index as usize;
        let o = self.order?;
        let mut vals = Vec::new();
        for (d, dosage) in self.dosages() {
            let element = format!("dosageInstruction[{d}].route");
            let list = codings(dosage.get("route"), &element);
            if list.is_empty() {
                continue;
            }
            match self.concept_value(ei, o, &list, fact) {
                Err(()) => return None,
                Ok(Some((v, c))) => {
                    let name = self.program.enums[ei].values[v].name.clone();
                    vals.push(found(fact, o, &c.element, c.text(), json!(name)));
                }
                Ok(None) => {
                    let en = &self.program.enums[ei];
                    let shown: Vec<String> = list.iter().map(Coding::text).collect();
                    if !en.open {
                        let listed: Vec<&str> = en.values.iter().map(|v| v.name.as_str()).collect();
                        let msg = format!(
                            "the route {} stands for no value of `{}` ({})",
                            shown.join(", "),
                            en.name,
                            listed.join(", ")
                        );
                        self.problem(
                            o.path(&list[0].element),
                            msg,
                            Some("code the route in SNOMED CT, as one of the routes the policy lists"),
                        );
                        return None;
                    }
                    let value: Vec<String> = list
                        .iter()
                        .map(|c| match c.system {
                            Some(s) => format!("{} {}", s.keyword(), c.code),
                            None => c.code.to_string(),
                        })
                        .collect();
                    vals.push(found(
                        fact,
                        o,
                        &list[0].element,
                        shown.join(", "),
                        json!(value.join(", ")),
                    ));
                }
            }
        }
        self.one_of_dosages(fact, "route", vals)
    }

    fn dose(&mut self, fact: &FactDef) -> Option<Found> {
        let o = self.order?;
        let mut vals = Vec::new();
        for (d, dosage) in self.dosages() {
            let rates = dosage.get("doseAndRate").and_then(Json::as_array);
            for (r, dr) in rates.into_iter().flatten().enumerate() {
                let element = format!("dosageInstruction[{d}].doseAndRate[{r}]");
                if dr.get("doseRange").is_some() {
                    self.problem(
                        o.path(&format!("{element}.doseRange")),
                        format!("the order states a range of doses; `{}` is one dose", fact.name),
                        Some("order one dose (doseQuantity), or answer the dose in the QuestionnaireResponse"),
                    );
                    return None;
                }
                let Some(q) = dr.get("doseQuantity") else {
                    continue;
                };
                let element = format!("{element}.doseQuantity");
                match quantity(q, o, &element) {
                    Ok(q) => vals.push(found(
                        fact,
                        o,
                        &element,
                        q.shown.clone(),
                        json!({"value": q.value, "unit": q.unit}),
                    )),
                    Err(p) => {
                        self.problems.push(p);
                        return None;
                    }
                }
            }
        }
        self.one_of_dosages(fact, "dose", vals)
    }

    fn frequency(&mut self, fact: &FactDef) -> Option<Found> {
        let o = self.order?;
        let mut vals = Vec::new();
        for (d, dosage) in self.dosages() {
            let element = format!("dosageInstruction[{d}].timing.repeat");
            let Some(rep) = dosage.get("timing").and_then(|t| t.get("repeat")) else {
                continue;
            };
            let Some(period) = rep.get("period") else {
                continue;
            };
            let number = |v: Option<&Json>, key: &str, this: &mut Self| -> Option<Decimal> {
                let v = v?;
                let parsed = v.as_number().and_then(|n| parse_number(n.as_str()).ok());
                if parsed.is_none_or(|x| x <= Decimal::ZERO) {
                    this.problem(
                        o.path(&format!("{element}.{key}")),
                        format!("`{key}` is {v}, not a number above 0"),
                        None,
                    );
                }
                parsed.filter(|x| *x > Decimal::ZERO)
            };
            // The most frequent schedule the order allows: `frequencyMax` when it states one.
            let (freq_key, freq) = match rep.get("frequencyMax") {
                Some(f) => ("frequencyMax", Some(f)),
                None => ("frequency", rep.get("frequency")),
            };
            let freq = match freq {
                Some(_) => number(freq, freq_key, self)?,
                None => Decimal::ONE,
            };
            let period = number(Some(period), "period", self)?;
            let unit = match rep.get("periodUnit").and_then(Json::as_str) {
                Some(u @ ("s" | "min" | "h" | "d" | "wk" | "mo" | "a")) => u,
                other => {
                    self.problem(
                        o.path(&format!("{element}.periodUnit")),
                        format!(
                            "the period's unit is {}, not one of s, min, h, d, wk, mo, a",
                            other.map_or("not stated".to_string(), |u| format!("`{u}`"))
                        ),
                        None,
                    );
                    return None;
                }
            };
            let per = freq
                .checked_div(period)
                .filter(|q| q.checked_mul(period) == Some(freq));
            let Some(per) = per else {
                self.problem(
                    o.path(&format!("{element}.period")),
                    format!(
                        "{} doses every {} {unit} is not an exact number of doses per {unit}",
                        format_decimal(freq),
                        format_decimal(period)
                    ),
                    Some("answer the frequency in the QuestionnaireResponse in a unit it is exact in"),
                );
                return None;
            };
            let shown = format!(
                "{} per {} {unit}",
                format_decimal(freq),
                format_decimal(period)
            );
            vals.push(found(
                fact,
                o,
                &element,
                shown,
                json!({"value": per.normalize().to_string(), "unit": format!("{{dose}}/{unit}")}),
            ));
        }
        self.one_of_dosages(fact, "frequency", vals)
    }

    fn repeat_count(&mut self, fact: &FactDef) -> Option<Found> {
        let o = self.order?;
        let mut vals = Vec::new();
        for (d, dosage) in self.dosages() {
            let element = format!("dosageInstruction[{d}].timing.repeat.count");
            let Some(c) = dosage
                .get("timing")
                .and_then(|t| t.get("repeat"))
                .and_then(|r| r.get("count"))
            else {
                continue;
            };
            let whole = c.as_number().and_then(|n| parse_number(n.as_str()).ok());
            let Some(n) = whole.filter(|n| n.fract().is_zero() && !n.is_sign_negative()) else {
                self.problem(
                    o.path(&element),
                    format!("the number of repeats is {c}, not a whole number"),
                    None,
                );
                return None;
            };
            let value = match fact.ty {
                FactType::Count => c.clone(),
                _ => json!({"value": c, "unit": "{dose}"}),
            };
            vals.push(found(
                fact,
                o,
                &element,
                format!("{} times", format_decimal(n)),
                value,
            ));
        }
        self.one_of_dosages(fact, "number of repeat", vals)
    }

    /// The prescriber's PractitionerRoles: the one the order's requester names, the roles of
    /// the Practitioner it names, else the Bundle's only PractitionerRole.
    fn prescriber_roles(&self) -> Vec<&'b Entry<'a>> {
        let bundle = self.bundle;
        let requester = self
            .order
            .and_then(|o| o.resource.get("requester"))
            .and_then(|r| r.get("reference"))
            .and_then(Json::as_str)
            .and_then(|r| bundle.resolve(r));
        match requester {
            Some(r) if r.rtype == "PractitionerRole" => vec![r],
            Some(r) if r.rtype == "Practitioner" => bundle
                .of_type("PractitionerRole")
                .filter(|role| {
                    role.resource
                        .get("practitioner")
                        .and_then(|p| p.get("reference"))
                        .and_then(Json::as_str)
                        .and_then(|p| bundle.resolve(p))
                        .is_some_and(|p| p.index == r.index)
                })
                .collect(),
            _ => {
                let roles: Vec<&Entry> = bundle.of_type("PractitionerRole").collect();
                if roles.len() == 1 {
                    roles
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn specialty(&mut self, fact: &FactDef) -> Option<Found> {
        let FactType::Enum { enum_index } = fact.ty else {
            return None;
        };
        let ei = enum_index as usize;
        let mut hits: Vec<(usize, &Entry, Coding)> = Vec::new();
        let mut unmapped: Vec<(&Entry, Coding)> = Vec::new();
        for role in self.prescriber_roles() {
            let specs = role.resource.get("specialty").and_then(Json::as_array);
            for (i, concept) in specs.into_iter().flatten().enumerate() {
                let list = codings(Some(concept), &format!("specialty[{i}]"));
                match self.concept_value(ei, role, &list, fact) {
                    Err(()) => return None,
                    Ok(Some((v, c))) => hits.push((v, role, c)),
                    Ok(None) => unmapped.extend(
                        list.into_iter()
                            .filter(|c| c.system == Some(CodeSystem::Nucc))
                            .map(|c| (role, c)),
                    ),
                }
            }
        }
        let en = &self.program.enums[ei];
        if let Some((v, e, c)) = hits.first() {
            if let Some((w, e2, c2)) = hits.iter().find(|(w, _, _)| w != v) {
                let msg =
                    format!(
                    "the prescriber's specialties stand for two values of `{}`: {} is {}, {} is {}",
                    fact.name, c.text(), en.values[*v].name, c2.text(), en.values[*w].name
                );
                self.problem(
                    e2.path(&c2.element),
                    msg,
                    Some("answer the specialty the order is written in, in the QuestionnaireResponse"),
                );
                return None;
            }
            let name = en.values[*v].name.clone();
            return Some(found(fact, e, &c.element, c.text(), json!(name)));
        }
        let (e, c) = unmapped.first()?;
        if !en.open {
            let msg = format!(
                "the prescriber's specialty {} stands for no value of `{}`",
                c.text(),
                en.name
            );
            self.problem(
                e.path(&c.element),
                msg,
                Some("list the code on the value it means in the policy's enumeration"),
            );
            return None;
        }
        let value = format!("nucc {}", c.code);
        Some(found(fact, e, &c.element, c.text(), json!(value)))
    }
}
