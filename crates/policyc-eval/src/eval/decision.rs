//! The decision and its explanation as data: the stable JSON output of `policyc eval`.

use serde::Serialize;

/// The four decisions; in JSON, `"approve"`, `"deny"`, `"needs_info"` and `"refer"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
pub(crate) const DECISION_FORMAT_VERSION: u32 = 1;

/// A decision with its explanation: the stable JSON output of `policyc eval`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Always `"policyc-decision"`: what the JSON document is.
    pub format: &'static str,
    /// The version of this format, `1`; it changes when the JSON changes incompatibly.
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
    /// Facts the decision depends on that the request does not state (needs_info).
    pub missing: Vec<Missing>,
    /// Dosing limits the request exceeds (refer).
    pub exceeded: Vec<Limit>,
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
}

/// An indication of the policy, by label and title.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicationRef {
    /// The indication's label (`1`).
    pub label: String,
    /// The indication's title (`Cutaneous Melanoma`).
    pub title: String,
}

/// How long an approval lasts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    /// The approval duration, as the policy states it (`1 year`).
    pub duration: String,
    /// The date of service, when the request states it.
    pub start: Option<String>,
    /// The last day of the approval (start + duration − 1 day).
    pub end: Option<String>,
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
}

/// A dosing limit, and what the request states of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// The label of the dosing criterion the limit belongs to (`1.Dosing.A.i`).
    pub label: String,
    /// That criterion's text, in the policy's words.
    pub text: String,
    /// The fact the limit is on (`dose_per_kg`).
    pub fact: String,
    /// What the request states, or `null` if it does not.
    pub requested: Option<String>,
    /// What the limit allows, in words (`at most 600,000 [IU]/kg`).
    pub allowed: String,
}
