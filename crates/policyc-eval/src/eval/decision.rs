//! The decision and its explanation as data: the stable JSON output of `policyc eval`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Approve,
    Deny,
    NeedsInfo,
    Refer,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Approve => "approve",
            DecisionKind::Deny => "deny",
            DecisionKind::NeedsInfo => "needs_info",
            DecisionKind::Refer => "refer",
        }
    }
}

pub const DECISION_FORMAT: &str = "policyc-decision";
pub const DECISION_FORMAT_VERSION: u32 = 1;

/// A decision with its explanation: the stable JSON output of `policyc eval`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub format: &'static str,
    pub format_version: u32,
    pub policy: PolicyRef,
    pub request_id: Option<String>,
    pub as_of: Option<String>,
    pub decision: DecisionKind,
    /// One sentence for a person.
    pub summary: String,
    /// The policy's own statement on this outcome: its "outside dosing" sentence for a referral, its
    /// "not covered" sentence for a request no indication covers.
    pub statement: Option<String>,
    pub indication: Option<IndicationRef>,
    /// The labels of the branches that held, outermost first (`["1", "1.A"]`).
    pub path: Vec<String>,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRef {
    pub id: String,
    pub title: String,
    pub effective: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicationRef {
    pub label: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub duration: String,
    /// The date of service, when the request states it.
    pub start: Option<String>,
    /// The last day of the approval (start + duration − 1 day).
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralInfo {
    pub label: String,
    pub text: String,
    /// The review the request is redirected to; `null` for a clinician's review.
    pub redirect_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub label: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmet {
    pub label: String,
    pub text: String,
    /// Why, in terms of the request's facts.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub fact: String,
    pub description: String,
    /// For a derived fact: the inputs the request could state instead (those it does not state).
    pub or_inputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub label: String,
    pub text: String,
    pub fact: String,
    /// What the request states, or `null` if it does not.
    pub requested: Option<String>,
    pub allowed: String,
}
