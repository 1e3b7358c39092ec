//! The decision and its explanation as data: the stable JSON output of `policyc eval`.

use serde::Serialize;

/// The four decisions; in JSON, `"approve"`, `"deny"`, `"needs_info"` and `"refer"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The request meets an indication's criteria and dosing.
    Approve,
    /// No indication can approve the request, whatever it might add.
    Deny,
    /// The decision depends on facts the request does not state.
    NeedsInfo,
    /// The decision is left to people: a clinician's review, or another review it is redirected to.
    Refer,
}

impl DecisionKind {
    /// The decision's name, as in JSON and in cases files (`needs_info`).
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Approve => "approve",
            DecisionKind::Deny => "deny",
            DecisionKind::NeedsInfo => "needs_info",
            DecisionKind::Refer => "refer",
        }
    }
}

/// The `format` of every decision.
pub(crate) const DECISION_FORMAT: &str = "policyc-decision";
/// The `format_version` of decisions; it changes when the JSON changes incompatibly.
pub(crate) const DECISION_FORMAT_VERSION: u32 = 2;

/// A decision with its explanation: the stable JSON output of `policyc eval`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Always `"policyc-decision"`: what the JSON document is.
    pub format: &'static str,
    /// The version of this format, `2`; it changes when the JSON changes incompatibly.
    pub format_version: u32,
    /// The policy that decided.
    pub policy: PolicyRef,
    /// The request's own `request_id`, echoed; `null` when it has none.
    pub request_id: Option<String>,
    /// The date of service the decision was made for (`2026-01-15`); `null` when none was given.
    pub as_of: Option<String>,
    /// The decision: `approve`, `deny`, `needs_info` or `refer`.
    pub decision: DecisionKind,
    /// One sentence for a person.
    pub summary: String,
    /// The policy's own statement on this outcome: its "outside dosing" sentence for a referral, its
    /// "not covered" sentence for a request no indication covers.
    pub statement: Option<String>,
    /// The indication the decision is under (approve, refer); `null` otherwise.
    pub indication: Option<IndicationRef>,
    /// The labels of the branches that held, outermost first (`["1", "1.A"]`).
    pub path: Vec<String>,
    /// The approval's duration and dates (approve); `null` otherwise.
    pub approval: Option<Approval>,
    /// For a referral through a `refer to a clinician` or `redirect to` criterion: which one.
    pub referral: Option<ReferralInfo>,
    /// Criteria that held, by label.
    pub criteria_met: Vec<Cited>,
    /// Dosing limits the approval is conditional on.
    pub conditions: Vec<Limit>,
    /// Criteria that are not met (deny).
    pub unmet: Vec<Unmet>,
    /// Branches of the indications considered that do not apply to the request (deny): their
    /// `when` (or the indication's `applies when`) is false. Listed apart from `unmet`, since the
    /// request is not expected to meet them.
    pub not_applicable: Vec<Unmet>,
    /// Every indication of the policy and why it did not cover the request (deny).
    pub considered: Vec<Considered>,
    /// Facts the decision depends on that the request does not state (needs_info).
    pub missing: Vec<Missing>,
    /// Dosing limits the request exceeds (refer).
    pub exceeded: Vec<Limit>,
    /// Every label the decision cites, with its link into the policy's published document
    /// (`URL#1.A.iii`), when the caller gives the document's address (`--doc-url`); empty
    /// otherwise. Added within format version 2.
    pub links: std::collections::BTreeMap<String, String>,
    /// The dosing regimens of the indication the decision is under, in the document's words: the
    /// phase of the course the requested dose is in, and the regimens that apply to the request
    /// with what it asks for. Added within format version 2, and present only where the dosing
    /// states regimens or phases (absent, not `null`, otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regimen: Option<DosingRegimen>,
    /// For a request read from FHIR data: where each fact it states came from. Added within
    /// format version 2, and present only in decisions on requests read from FHIR (absent, not
    /// `[]`, otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<Provenance>,
    /// What in the request looks like a mistake without being one the request can be refused
    /// for: a value of an open enumeration the policy does not list but nearly does
    /// (`monotherpy` for `monotherapy`). Warnings never change the decision. Added within format
    /// version 2, and present only when there is one (absent, not `[]`, otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// Something in a request that looks like a mistake; the decision is the same without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What kind of warning: `near_listed_value`, a value of an open enumeration that is not
    /// listed but is close to a listed one.
    pub kind: &'static str,
    /// The fact that states it (`therapy_type`).
    pub fact: String,
    /// The value as the request states it (`monotherpy`).
    pub value: String,
    /// The listed value it is close to (`monotherapy`).
    pub suggestion: String,
    /// The warning in words.
    pub message: String,
}

impl Decision {
    /// The labels the decision cites: the indication, its path, the criteria met, the
    /// conditions, the criteria unmet and not applicable, the indications considered, the
    /// referral, the exceeded limits and the indications a missing fact is needed for.
    pub fn cited_labels(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        out.extend(self.indication.iter().map(|i| i.label.as_str()));
        out.extend(self.path.iter().map(String::as_str));
        out.extend(self.criteria_met.iter().map(|c| c.label.as_str()));
        out.extend(self.conditions.iter().map(|c| c.label.as_str()));
        out.extend(self.unmet.iter().map(|c| c.label.as_str()));
        out.extend(self.not_applicable.iter().map(|c| c.label.as_str()));
        out.extend(self.considered.iter().map(|c| c.label.as_str()));
        out.extend(self.referral.iter().map(|c| c.label.as_str()));
        out.extend(self.exceeded.iter().map(|c| c.label.as_str()));
        for m in &self.missing {
            out.extend(m.indications.iter().map(|i| i.label.as_str()));
        }
        out
    }

    /// Link every cited label to its anchor in the policy's document at `url`
    /// (`url#1.A.iii`; the `not covered` statement is `url#not-covered`).
    pub fn link_to(&mut self, url: &str) {
        let labels: Vec<String> = self.cited_labels().into_iter().map(String::from).collect();
        for l in labels {
            let link = format!("{url}#{}", anchor(&l));
            self.links.insert(l, link);
        }
    }
}

/// The anchor of a label in the rendered policy document: the label itself (`1.A.iii`,
/// `1.Dosing.A.i`), with spaces as hyphens (`not covered` is `not-covered`).
pub fn anchor(label: &str) -> String {
    label.replace(' ', "-")
}

/// The dosing regimens that apply to a request, in the document's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DosingRegimen {
    /// One sentence for a person: `480 mg is allowed every 4 weeks (1.Dosing.B.ii.b)`, or `the
    /// request is 480 mg every 2 weeks; allowed: 240 mg every 2 weeks (1.Dosing.B.ii.a) or 480 mg
    /// every 4 weeks (1.Dosing.B.ii.b)`; the phase's sentence first for a course in phases.
    pub summary: String,
    /// The phase of the course the requested dose is in (or the last one, for a dose after the
    /// course); `null` when the dosing has no phases or the request does not state the doses given.
    pub phase: Option<PhaseRef>,
    /// The regimens that apply to the request (their branch's `when` is not false), in the policy's
    /// order.
    pub regimens: Vec<RegimenRef>,
}

/// The phase of a course a dose is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseRef {
    /// The phase's label (`1.Dosing.B.ii`).
    pub label: String,
    /// The phase's sentence, in the policy's words.
    pub text: String,
    /// The number of the requested dose in the course (the doses given before it, plus one).
    pub dose: u32,
    /// The number of the phase's first dose.
    pub first: u32,
    /// The number of its last dose; `null` when it lasts to the end of the course.
    pub last: Option<u32>,
    /// `true` when the dose is in the phase; `false` when it is after the last phase of the course.
    pub within: bool,
}

/// A regimen of the policy, and what the request asks for in its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegimenRef {
    /// The label of the criterion that states it (`1.Dosing.B.ii.a`).
    pub label: String,
    /// The regimen as the policy writes it (`240 mg every 2 weeks`).
    pub regimen: String,
    /// The amount of each dose it allows (`240 mg`).
    pub amount: String,
    /// How often at most (`2 weeks`).
    pub every: String,
    /// What the request asks for, in the regimen's terms (`480 mg every 2 weeks`; a dose per
    /// kilogram computed from the dose and the body weight), or with `not stated` for a part it
    /// does not state.
    pub requested: String,
    /// Whether the request is within this regimen: `true`, `false`, or `null` when that depends on
    /// facts it does not state.
    pub within: Option<bool>,
}

/// Where a fact of a request read from FHIR data came from: the resource and the element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The fact (`body_weight`).
    pub fact: String,
    /// The resource, as a FHIR reference: `Observation/weight-2026-01-10` (its type and id).
    pub resource: String,
    /// The element read, as a path from the Bundle:
    /// `Bundle.entry[3].resource.valueQuantity`.
    pub element: String,
    /// The value as the resource states it, before conversion to the policy's terms
    /// (`158.73 [lb_av]`, `icd10 C43.9 "Melanoma of skin"`, `2026-01-10`).
    pub value: String,
}

/// Which policy decided: its header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRef {
    /// The policy's identifier (`proleukin`).
    pub id: String,
    /// The policy's title.
    pub title: String,
    /// The date the policy takes effect (`2022-01-01`).
    pub effective: String,
    /// The date of its next review, when the policy states one.
    pub review: Option<String>,
    /// Its latest revision (the last of its `revision` lines), when it states one.
    pub last_revision: Option<RevisionRef>,
    /// The SHA-256 of the compiled program (its compact IR JSON), in lowercase hex: the version
    /// that decided, exactly. `null` only when the program was evaluated through the library
    /// without it. Added within format version 2.
    pub content_hash: Option<String>,
    /// The last day this version is in force, when a later version of the policy took effect
    /// after it (the day before); `null` for the latest version known. Added within format
    /// version 2.
    pub in_force_until: Option<String>,
    /// The date this version was chosen for, and where that date comes from; `null` when the
    /// program was given alone (a compiled IR, or the library). Added within format version 2.
    pub chosen_for: Option<ChosenFor>,
}

/// The date a version of the policy was chosen for: the version in force on that date decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChosenFor {
    /// The date (`2026-01-15`).
    pub date: String,
    /// `as_of`: the request's date of service (or `--as-of`); `today`: the request states none,
    /// so the version in force on the day of the decision (UTC) decided.
    pub from: &'static str,
}

/// A revision of the policy, as its header states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionRef {
    /// The date of the revision.
    pub date: String,
    /// What changed, in the policy's words.
    pub text: String,
}

/// An indication of the policy, by label and title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicationRef {
    /// The indication's label (`1`).
    pub label: String,
    /// The indication's title (`Cutaneous Melanoma`).
    pub title: String,
}

/// How long an approval lasts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    /// The approval duration.
    pub duration: DurationRef,
    /// The date of service, when the request states it.
    pub start: Option<String>,
    /// The last day of the approval (start + duration − 1 day).
    pub end: Option<String>,
}

/// A duration as a number and a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DurationRef {
    /// How many units (`1`).
    pub amount: u32,
    /// The unit: `year`, `month`, `week` or `day`.
    pub unit: &'static str,
    /// As the policy states it (`1 year`, `6 months`).
    pub text: String,
}

/// The criterion through which a request is referred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralInfo {
    /// The criterion's label (`1.B.ii`).
    pub label: String,
    /// The criterion's text, in the policy's words.
    pub text: String,
    /// The review the request is redirected to; `null` for a clinician's review.
    pub redirect_to: Option<String>,
}

/// A criterion, by label and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cited {
    /// The criterion's label (`1.A`).
    pub label: String,
    /// The criterion's text, in the policy's words.
    pub text: String,
}

/// A criterion the request does not meet, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmet {
    /// The criterion's label (`1.A`); `not covered` when no indication applies.
    pub label: String,
    /// The criterion's text, in the policy's words (for `not covered`, the policy's statement).
    pub text: String,
    /// Why, in terms of the request's facts.
    pub reason: String,
    /// The tests of facts that decide it: those that fail (a criterion not met, a limit
    /// exceeded), those that make a branch not apply, or those that hold where the policy
    /// requires that they do not.
    pub tests: Vec<Test>,
}

/// An indication the policy has, and why it did not cover a denied request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Considered {
    /// The indication's label (`1`).
    pub label: String,
    /// The indication's title.
    pub title: String,
    /// `not_applicable` (its `applies when` is false), `criteria_not_met`, or `dosing_outside`
    /// (its criteria are met, but the dosing is outside the policy's and the policy does not
    /// review such doses case by case).
    pub outcome: &'static str,
    /// Why, in words.
    pub reason: String,
}

/// A fact the decision needs that the request does not state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The fact's name, as a request states it (`date_of_birth`).
    pub fact: String,
    /// The fact's description, from the policy.
    pub description: String,
    /// For a derived fact: the inputs the request could state instead (those it does not state).
    pub or_inputs: Vec<String>,
    /// The indications whose decision depends on it.
    pub indications: Vec<IndicationRef>,
    /// The labels of the criteria that need it (`1.A.v`; an indication's own label, `2`, for
    /// what decides whether the indication applies), in the policy's order.
    pub criteria: Vec<String>,
    /// Other missing facts that can settle one of those criteria instead of it: stating either
    /// one may be enough (`prescriber_specialty`, or `consulting_specialties`).
    pub alternatives: Vec<String>,
}

/// A dosing limit, and what the request states of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// The label of the dosing criterion the limit belongs to (`1.Dosing.A.i`).
    pub label: String,
    /// That criterion's text, in the policy's words.
    pub text: String,
    /// The test of the fact: `fact`, `description`, `operator`, `requested`, `allowed`, and their
    /// values as data (flattened into the limit's object).
    #[serde(flatten)]
    pub test: Test,
}

/// One test of one fact (`dose_per_kg at most 600,000 IU/kg`), what the request states of the
/// fact, and what the policy allows: in words, and as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Test {
    /// The fact tested (`dose_per_kg`).
    pub fact: String,
    /// The fact's description, from the policy (`Each dose per kilogram of body weight`).
    pub description: String,
    /// The test: `at_most`, `at_least`, `more_than`, `less_than`, `equals`, `not_equals` (a number,
    /// quantity or date, compared with `allowed_value`, or with another fact); `is`, `is_not`,
    /// `is_one_of`, `is_none_of` (one value of an enumeration, against `values`); `has_any_of`,
    /// `has_all_of`, `has_none_of` (a set of values); `is_yes`, `is_no`, `is_provided`,
    /// `is_not_provided`, `is_stated`, `is_not_stated`; `compound` for a `not (…)` of several
    /// tests, named by its first fact and given in words in `allowed`.
    pub operator: &'static str,
    /// What the request states (or the policy computed) of the fact, as a person reads it
    /// (`600,000 IU/kg`, `700,000 IU/kg (from dose 50,400,000 IU, body_weight 72 kg)`); `null`
    /// when it is not stated.
    pub requested: Option<String>,
    /// The requested value as data, in the unit the policy declares the fact in; `null` when it
    /// is not stated, or is stated in another dimension (a dose in mg/kg for a fact in IU/kg).
    pub requested_value: Option<Amount>,
    /// What the test allows, in words (`at most 600,000 IU/kg (0.037 mg/kg)`).
    pub allowed: String,
    /// The bound as data, for the comparisons; `null` for the other tests.
    pub allowed_value: Option<Amount>,
    /// The values an enumeration test names (`["intravenous"]`); `[]` for the other tests.
    pub values: Vec<String>,
    /// The other fact, for a comparison of two facts; `null` otherwise.
    pub other_fact: Option<String>,
    /// For a fact the policy computes from others: those it was computed from, with their values.
    pub derived_from: Vec<Input>,
}

/// A value as data: exact, in the unit the policy writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amount {
    /// The value: an exact decimal as a string (`"600000"`, `"0.5"`), a date (`"2026-01-15"`),
    /// `"true"`/`"false"`, or the name of an enumeration value.
    pub value: String,
    /// The unit as the policy writes it (`IU/kg`, `doses/day`); `null` for a value with no unit.
    pub unit: Option<String>,
    /// The unit's UCUM code (`[IU]/kg`, `{dose}/d`); `null` for a value with no unit.
    pub ucum: Option<String>,
}

/// An input of a computed fact, with its value as the request states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Input {
    /// The input fact (`body_weight`).
    pub fact: String,
    /// Its value, as a person reads it (`72 kg`); `null` when the request does not state it.
    pub value: Option<String>,
}
