//! The Da Vinci PAS ClaimResponse of a decision, and the X12 codes it needs.
//!
//! Each item of the Claim gets a review action: `approve` → approved, `deny` → denied, `refer`
//! and `needs_info` → pended (a person reviews, or the missing facts are asked for through the
//! policy's Questionnaire). The X12 code values of those actions come from configuration
//! ([`X12Codes`]): the X12 code lists are licensed and policyc ships none of its own.
//! `preAuthRef` is the decision id; an approval with dates gives `preAuthPeriod` (the claim's and
//! each item's); the reasons ([`super::coverage::reasons`]) are `processNote`s.

use super::coverage::reasons;
use super::types::{
    fhir_id, CodeableConcept, Coding, ExtValue, Extension, Meta, Narrative, Period, Reference,
};
use policyc::{Decision, DecisionKind};
use serde::{Deserialize, Serialize};

/// The PAS ClaimResponse profile.
pub const PROFILE: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claimresponse";
/// The review action extension of an item's adjudication.
pub const REVIEW_ACTION: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction";
/// The code part of the review action.
pub const REVIEW_ACTION_CODE: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode";
/// The period an item's authorization is valid.
pub const ITEM_PREAUTH_PERIOD: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemPreAuthPeriod";
const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";

/// The `format` of an X12 codes file.
pub const X12_FORMAT: &str = "policyc-x12-codes";

/// The X12 codes of the review actions (X12 278 `HCR01`, code list 306), read from a JSON file:
///
/// ```json
/// {
///   "format": "policyc-x12-codes",
///   "format_version": 1,
///   "license": "who licensed these values, for the record",
///   "review_action": {
///     "system": "https://codesystem.x12.org/005010/306",
///     "approved": {"code": "…", "display": "…"},
///     "denied": {"code": "…", "display": "…"},
///     "pended": {"code": "…", "display": "…"}
///   }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct X12Codes {
    /// Always [`X12_FORMAT`].
    pub format: String,
    /// Always 1.
    pub format_version: u32,
    /// Free text: where the values come from and under which licence.
    #[serde(default)]
    pub license: Option<String>,
    /// The review action codes.
    pub review_action: ReviewActionCodes,
}

/// The code system and the three codes of review actions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewActionCodes {
    /// The code system's URL.
    pub system: String,
    /// For an approval.
    pub approved: Code,
    /// For a denial.
    pub denied: Code,
    /// For a referral or a request for information.
    pub pended: Code,
}

/// One code, with its display.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// The code.
    pub code: String,
    /// Its display text.
    #[serde(default)]
    pub display: Option<String>,
}

impl X12Codes {
    /// Read an X12 codes file; the error says what is wrong and where (line and column).
    pub fn from_json(text: &str) -> Result<X12Codes, String> {
        let codes: X12Codes = serde_json::from_str(text).map_err(|e| {
            format!("not an X12 codes file ({e}); see the README's \"X12 codes\" for its shape")
        })?;
        if codes.format != X12_FORMAT {
            return Err(format!(
                "`format` is `{}`; an X12 codes file states \"format\": \"{X12_FORMAT}\"",
                codes.format
            ));
        }
        if codes.format_version != 1 {
            return Err(format!(
                "X12 codes format version {} is not supported; this policyc reads version 1",
                codes.format_version
            ));
        }
        let r = &codes.review_action;
        for (name, c) in [
            ("approved", &r.approved),
            ("denied", &r.denied),
            ("pended", &r.pended),
        ] {
            if c.code.trim().is_empty() {
                return Err(format!(
                    "`review_action.{name}.code` is empty: give the X12 code"
                ));
            }
        }
        if r.system.trim().is_empty() {
            return Err("`review_action.system` is empty: give the code system's URL".into());
        }
        Ok(codes)
    }
}

/// What the ClaimResponse answers, besides the decision: the Claim's parties and items.
#[derive(Debug, Clone)]
pub struct Context {
    /// The decision's id in the decision log: `preAuthRef`, the review action's number and the
    /// ClaimResponse's id.
    pub decision_id: String,
    /// When the response is made (a FHIR dateTime).
    pub created: String,
    /// The Claim's `type` (`professional` when the Claim states none).
    pub claim_type: Option<CodeableConcept>,
    /// The patient.
    pub patient: Reference,
    /// The payer.
    pub insurer: Reference,
    /// Who asked, if the Claim names them.
    pub requestor: Option<Reference>,
    /// The Claim answered.
    pub request: Reference,
    /// The Claim's item sequences (at least one; `[1]` for a Claim of one item).
    pub items: Vec<u32>,
    /// The Questionnaire that collects the missing facts (for `needs_info`).
    pub questionnaire: Option<String>,
}

/// A PAS ClaimResponse (the elements policyc fills in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResponse {
    /// Always `ClaimResponse`.
    pub resource_type: &'static str,
    /// The decision id, as a FHIR id.
    pub id: String,
    /// The PAS profile.
    pub meta: Meta,
    /// The decision, for people.
    pub text: Narrative,
    /// Always `active`.
    pub status: &'static str,
    /// The Claim's type.
    #[serde(rename = "type")]
    pub ty: CodeableConcept,
    /// Always `preauthorization`.
    #[serde(rename = "use")]
    pub use_: &'static str,
    /// The patient.
    pub patient: Reference,
    /// When.
    pub created: String,
    /// The payer.
    pub insurer: Reference,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requestor: Option<Reference>,
    /// The Claim.
    pub request: Reference,
    /// Always `complete`: the request was processed (the review action says how).
    pub outcome: &'static str,
    /// The decision's summary.
    pub disposition: String,
    /// The decision id (of the first item's decision); none when no policy decides any item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_auth_ref: Option<String>,
    /// The approval's dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_auth_period: Option<Period>,
    /// One per item of the Claim.
    pub item: Vec<ResponseItem>,
    /// The reasons, quoted from the policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub process_note: Vec<ProcessNote>,
}

/// The answer to one item of the Claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseItem {
    /// The approval's dates for this item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The Claim item's sequence.
    pub item_sequence: u32,
    /// The notes that give the reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note_number: Vec<u32>,
    /// One adjudication (category `submitted`) carrying the review action.
    pub adjudication: Vec<Adjudication>,
}

/// An item's adjudication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adjudication {
    /// The review action.
    pub extension: Vec<Extension>,
    /// Always `submitted`.
    pub category: CodeableConcept,
}

/// A note: one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessNote {
    /// From 1.
    pub number: u32,
    /// Always `display`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The reason.
    pub text: String,
}

/// How one item of a Claim is answered.
#[derive(Debug, Clone)]
pub enum ItemAnswer<'d> {
    /// Decided under a policy.
    Decided {
        /// The Claim item's sequence.
        sequence: u32,
        /// The decision.
        decision: &'d Decision,
        /// Its id in the decision log (the review action's number).
        decision_id: String,
        /// The Questionnaire that collects the missing facts (for `needs_info`).
        questionnaire: Option<String>,
    },
    /// No policy decides the item's product: pended for a person's review, with the reason.
    NotDecided {
        /// The Claim item's sequence.
        sequence: u32,
        /// Why (`No policy covers hcpcs 99212`).
        reason: String,
    },
}

impl ItemAnswer<'_> {
    fn sequence(&self) -> u32 {
        match self {
            ItemAnswer::Decided { sequence, .. } | ItemAnswer::NotDecided { sequence, .. } => {
                *sequence
            }
        }
    }
}

/// The notes of one answer: the decision's reasons, and what pends it.
fn notes_of(a: &ItemAnswer) -> Vec<String> {
    match a {
        ItemAnswer::NotDecided { reason, .. } => vec![reason.clone()],
        ItemAnswer::Decided {
            decision: d,
            questionnaire,
            ..
        } => {
            // A sentence that bounds several facts is one reason.
            let mut notes: Vec<String> = Vec::new();
            for r in reasons(d) {
                if !notes.contains(&r) {
                    notes.push(r);
                }
            }
            match d.decision {
                DecisionKind::NeedsInfo => {
                    if let Some(q) = questionnaire {
                        notes.push(format!(
                            "Pended for more information: complete the Questionnaire {q} and submit again"
                        ));
                    }
                }
                DecisionKind::Refer => {
                    let to = d
                        .referral
                        .as_ref()
                        .and_then(|r| r.redirect_to.clone())
                        .unwrap_or_else(|| "a clinician".to_string());
                    notes.push(format!("Pended for review by {to}"));
                }
                DecisionKind::Approve | DecisionKind::Deny => {}
            }
            notes
        }
    }
}

/// The approval's dates of a decision, if it approves with dates.
fn approval_period(d: &Decision) -> Option<Period> {
    match (&d.decision, &d.approval) {
        (DecisionKind::Approve, Some(a)) if a.start.is_some() || a.end.is_some() => Some(Period {
            start: a.start.clone(),
            end: a.end.clone(),
        }),
        _ => None,
    }
}

fn review_action(code: &Code, system: &str, number: Option<&str>) -> Extension {
    let mut parts = vec![Extension::value(
        REVIEW_ACTION_CODE,
        ExtValue::CodeableConcept(CodeableConcept {
            coding: vec![Coding {
                system: Some(system.to_string()),
                code: Some(code.code.clone()),
                display: code.display.clone(),
            }],
            text: None,
        }),
    )];
    if let Some(n) = number {
        parts.push(Extension::value("number", ExtValue::String(n.to_string())));
    }
    Extension::complex(REVIEW_ACTION, parts)
}

/// The PAS ClaimResponse of a decision, for every item of `ctx.items`.
pub fn claim_response(d: &Decision, ctx: &Context, codes: &X12Codes) -> ClaimResponse {
    let items = if ctx.items.is_empty() {
        vec![1]
    } else {
        ctx.items.clone()
    };
    let answers: Vec<ItemAnswer> = items
        .iter()
        .map(|&sequence| ItemAnswer::Decided {
            sequence,
            decision: d,
            decision_id: ctx.decision_id.clone(),
            questionnaire: ctx.questionnaire.clone(),
        })
        .collect();
    claim_response_items(&answers, ctx, codes)
}

/// The PAS ClaimResponse of a Claim whose items are answered each on its own (`ctx.items` and
/// `ctx.questionnaire` are not read: the answers say). Items decided by one decision share its
/// notes. `preAuthRef` is the first decision's id, and `preAuthPeriod` the approval's dates when
/// one decision answers every item; each item's review action carries its own decision's id and
/// each approved item its `itemPreAuthPeriod`. An item no policy decides is pended.
pub fn claim_response_items(
    answers: &[ItemAnswer],
    ctx: &Context,
    codes: &X12Codes,
) -> ClaimResponse {
    let r = &codes.review_action;
    // One group of notes per decision (or per item no policy decides), in the items' order.
    let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
    let mut process_note: Vec<ProcessNote> = Vec::new();
    let key = |a: &ItemAnswer| match a {
        ItemAnswer::Decided { decision_id, .. } => decision_id.clone(),
        ItemAnswer::NotDecided { sequence, .. } => format!("item {sequence}"),
    };
    for a in answers {
        let k = key(a);
        if groups.iter().any(|(g, _)| *g == k) {
            continue;
        }
        let mut numbers = Vec::new();
        for text in notes_of(a) {
            let number = u32::try_from(process_note.len() + 1).unwrap_or(u32::MAX);
            numbers.push(number);
            process_note.push(ProcessNote {
                number,
                ty: "display",
                text,
            });
        }
        groups.push((k, numbers));
    }
    let decided: Vec<(&Decision, &str)> = answers
        .iter()
        .filter_map(|a| match a {
            ItemAnswer::Decided {
                decision,
                decision_id,
                ..
            } => Some((*decision, decision_id.as_str())),
            ItemAnswer::NotDecided { .. } => None,
        })
        .collect();
    let item = answers
        .iter()
        .map(|a| {
            let (action, number, period) = match a {
                ItemAnswer::Decided {
                    decision,
                    decision_id,
                    ..
                } => {
                    let action = match decision.decision {
                        DecisionKind::Approve => &r.approved,
                        DecisionKind::Deny => &r.denied,
                        DecisionKind::NeedsInfo | DecisionKind::Refer => &r.pended,
                    };
                    (
                        action,
                        Some(decision_id.as_str()),
                        approval_period(decision),
                    )
                }
                ItemAnswer::NotDecided { .. } => (&r.pended, None, None),
            };
            let k = key(a);
            let note_number = groups
                .iter()
                .find(|(g, _)| *g == k)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            ResponseItem {
                extension: period
                    .into_iter()
                    .map(|p| Extension::value(ITEM_PREAUTH_PERIOD, ExtValue::Period(p)))
                    .collect(),
                item_sequence: a.sequence(),
                note_number,
                adjudication: vec![Adjudication {
                    extension: vec![review_action(action, &r.system, number)],
                    category: CodeableConcept {
                        coding: vec![Coding {
                            system: Some(ADJUDICATION.into()),
                            code: Some("submitted".into()),
                            display: None,
                        }],
                        text: None,
                    },
                }],
            }
        })
        .collect();
    let one_decision = groups.len() == 1 && decided.len() == answers.len();
    let pre_auth_period = match decided.first() {
        Some((d, _)) if one_decision => approval_period(d),
        _ => None,
    };
    let mut summaries: Vec<String> = Vec::new();
    for a in answers {
        let s = match a {
            ItemAnswer::Decided { decision, .. } => decision.summary.clone(),
            ItemAnswer::NotDecided { reason, .. } => reason.clone(),
        };
        let s = if one_decision || answers.len() == 1 {
            s
        } else {
            format!("Item {}: {s}", a.sequence())
        };
        if !summaries.contains(&s) {
            summaries.push(s);
        }
    }
    let disposition = summaries.join(" ");
    let lines: Vec<String> = process_note.iter().map(|n| n.text.clone()).collect();
    ClaimResponse {
        resource_type: "ClaimResponse",
        id: fhir_id(&ctx.decision_id),
        meta: Meta {
            profile: vec![PROFILE.to_string()],
        },
        text: Narrative::list(&disposition, &lines),
        status: "active",
        ty: ctx.claim_type.clone().unwrap_or_else(|| CodeableConcept {
            coding: vec![Coding {
                system: Some(CLAIM_TYPE.into()),
                code: Some("professional".into()),
                display: None,
            }],
            text: None,
        }),
        use_: "preauthorization",
        patient: ctx.patient.clone(),
        created: ctx.created.clone(),
        insurer: ctx.insurer.clone(),
        requestor: ctx.requestor.clone(),
        request: ctx.request.clone(),
        outcome: "complete",
        disposition,
        pre_auth_ref: decided.first().map(|(_, id)| id.to_string()),
        pre_auth_period,
        item,
        process_note,
    }
}

/// The PAS response Bundle profile.
pub const RESPONSE_BUNDLE_PROFILE: &str =
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-pas-response-bundle";

/// A resource of the response Bundle: the ClaimResponse, or one repeated from the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BundleResource {
    /// The answer.
    ClaimResponse(Box<ClaimResponse>),
    /// A resource of the request (the patient, the insurer, the requestor), as it was sent.
    Other(serde_json::Value),
}

/// An entry of the response Bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// Its `fullUrl`.
    pub full_url: String,
    /// The resource.
    pub resource: BundleResource,
}

/// The PAS response Bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseBundle {
    /// Always `Bundle`.
    pub resource_type: &'static str,
    /// The PAS response Bundle profile.
    pub meta: Meta,
    /// The request Bundle's identifier, repeated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<serde_json::Value>,
    /// Always `collection`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// When the response was made.
    pub timestamp: String,
    /// The ClaimResponse first, then the resources it names.
    pub entry: Vec<BundleEntry>,
}

/// The PAS response Bundle (type `collection`): the ClaimResponse first (its `fullUrl`
/// `urn:uuid:` and its id when that is a UUID, as a decision id is), then `others` (each entry's
/// `fullUrl` and resource: the Claim's patient, insurer and requestor). `identifier` repeats the
/// request Bundle's; `timestamp` is when the response is made (a FHIR instant).
pub fn response_bundle(
    response: ClaimResponse,
    identifier: Option<serde_json::Value>,
    timestamp: &str,
    others: Vec<(String, serde_json::Value)>,
) -> ResponseBundle {
    let full_url = if response.id.len() == 36 && response.id.matches('-').count() == 4 {
        format!("urn:uuid:{}", response.id)
    } else {
        format!("ClaimResponse/{}", response.id)
    };
    let mut entry = vec![BundleEntry {
        full_url,
        resource: BundleResource::ClaimResponse(Box::new(response)),
    }];
    for (full_url, resource) in others {
        entry.push(BundleEntry {
            full_url,
            resource: BundleResource::Other(resource),
        });
    }
    ResponseBundle {
        resource_type: "Bundle",
        meta: Meta {
            profile: vec![RESPONSE_BUNDLE_PROFILE.to_string()],
        },
        identifier,
        ty: "collection",
        timestamp: timestamp.to_string(),
        entry,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::write::coverage::tests::examples;

    pub(crate) fn codes() -> X12Codes {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/x12-codes.example.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        X12Codes::from_json(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) fn context() -> Context {
        Context {
            decision_id: "0190a6c2-0000-7000-8000-000000000001".into(),
            created: "2026-01-15T10:00:00Z".into(),
            claim_type: None,
            patient: Reference::to("Patient/example"),
            insurer: Reference::to("Organization/payer"),
            requestor: None,
            request: Reference::to("Claim/example"),
            items: vec![1, 2],
            questionnaire: Some("https://payer.example/fhir/Questionnaire/proleukin".into()),
        }
    }

    fn action(c: &ClaimResponse, item: usize) -> String {
        let ra = &c.item[item].adjudication[0].extension[0];
        assert_eq!(ra.url, REVIEW_ACTION);
        match ra
            .parts(REVIEW_ACTION_CODE)
            .next()
            .and_then(|p| p.value.as_ref())
        {
            Some(ExtValue::CodeableConcept(cc)) => cc.coding[0].code.clone().unwrap_or_default(),
            other => panic!("no review action code: {other:?}"),
        }
    }

    #[test]
    fn each_decision_kind() {
        let (_, decisions) = examples();
        let codes = codes();
        let ctx = context();
        for (name, d) in &decisions {
            let c = claim_response(d, &ctx, &codes);
            assert_eq!(c.pre_auth_ref.as_deref(), Some(ctx.decision_id.as_str()));
            assert_eq!(c.item.len(), 2);
            assert_eq!(c.item[1].item_sequence, 2);
            let expected = match d.decision {
                DecisionKind::Approve => "A1",
                DecisionKind::Deny => "A3",
                _ => "A4",
            };
            assert_eq!(action(&c, 0), expected, "{name}");
            assert_eq!(action(&c, 1), expected, "{name}");
            let notes: Vec<&str> = c.process_note.iter().map(|n| n.text.as_str()).collect();
            match d.decision {
                DecisionKind::Approve => {
                    let p = c.pre_auth_period.clone().unwrap_or_default();
                    assert_eq!(p.start.as_deref(), Some("2026-01-15"));
                    assert_eq!(p.end.as_deref(), Some("2027-01-14"));
                    assert_eq!(c.item[0].extension[0].url, ITEM_PREAUTH_PERIOD);
                }
                DecisionKind::Deny => {
                    assert!(c.pre_auth_period.is_none());
                    for u in &d.unmet {
                        assert!(
                            notes.iter().any(|n| n.contains(&u.text)),
                            "{name}: {notes:?}"
                        );
                    }
                }
                DecisionKind::NeedsInfo => {
                    assert!(notes.iter().any(|n| n.contains(
                        "Questionnaire https://payer.example/fhir/Questionnaire/proleukin"
                    )));
                }
                DecisionKind::Refer => {
                    assert!(
                        notes.iter().any(|n| n.starts_with("1.Dosing.A.i")),
                        "{notes:?}"
                    );
                }
            }
            assert_eq!(c.item[0].note_number.len(), c.process_note.len());
        }
    }

    #[test]
    fn items_answered_each_on_its_own() {
        let (_, decisions) = examples();
        let codes = codes();
        let approve = decisions
            .iter()
            .find(|(_, d)| d.decision == DecisionKind::Approve)
            .map(|(_, d)| d)
            .unwrap_or_else(|| panic!("an approval"));
        let deny = decisions
            .iter()
            .find(|(_, d)| d.decision == DecisionKind::Deny)
            .map(|(_, d)| d)
            .unwrap_or_else(|| panic!("a denial"));
        let answers = [
            ItemAnswer::Decided {
                sequence: 1,
                decision: approve,
                decision_id: "id-1".into(),
                questionnaire: None,
            },
            ItemAnswer::NotDecided {
                sequence: 2,
                reason: "No policy covers hcpcs 99212".into(),
            },
            ItemAnswer::Decided {
                sequence: 3,
                decision: deny,
                decision_id: "id-3".into(),
                questionnaire: None,
            },
        ];
        let c = claim_response_items(&answers, &context(), &codes);
        assert_eq!(c.pre_auth_ref.as_deref(), Some("id-1"));
        assert!(c.pre_auth_period.is_none(), "three answers: dates per item");
        assert_eq!(c.item[0].extension[0].url, ITEM_PREAUTH_PERIOD);
        assert!(c.item[2].extension.is_empty());
        assert_eq!(
            (action(&c, 0), action(&c, 1), action(&c, 2)),
            ("A1".into(), "A4".into(), "A3".into())
        );
        let numbers: Vec<Option<String>> = c
            .item
            .iter()
            .map(|i| {
                i.adjudication[0].extension[0]
                    .parts("number")
                    .next()
                    .and_then(|p| match &p.value {
                        Some(ExtValue::String(s)) => Some(s.clone()),
                        _ => None,
                    })
            })
            .collect();
        assert_eq!(numbers, [Some("id-1".into()), None, Some("id-3".into())]);
        // Each item points at its own notes, and every note at one item.
        let mut all: Vec<u32> = c.item.iter().flat_map(|i| i.note_number.clone()).collect();
        all.sort_unstable();
        let expected: Vec<u32> = (1..=u32::try_from(c.process_note.len()).unwrap_or(0)).collect();
        assert_eq!(all, expected);
        let n2 = &c.item[1].note_number;
        assert_eq!(
            c.process_note[(n2[0] - 1) as usize].text,
            "No policy covers hcpcs 99212"
        );
        assert!(
            c.disposition.contains("Item 2: No policy covers"),
            "{}",
            c.disposition
        );
    }

    #[test]
    fn x12_codes_file_errors() {
        assert!(X12Codes::from_json("{")
            .unwrap_err()
            .contains("not an X12 codes file"));
        let bad = r#"{"format":"policyc-x12-codes","format_version":1,"review_action":{"system":"s","approved":{"code":""},"denied":{"code":"b"},"pended":{"code":"c"}}}"#;
        assert!(X12Codes::from_json(bad)
            .unwrap_err()
            .contains("review_action.approved.code"));
        let other = r#"{"format":"x","format_version":1,"review_action":{"system":"s","approved":{"code":"a"},"denied":{"code":"b"},"pended":{"code":"c"}}}"#;
        assert!(X12Codes::from_json(other).unwrap_err().contains("`format`"));
        let unknown = r#"{"format":"policyc-x12-codes","format_version":1,"extra":1,"review_action":{"system":"s","approved":{"code":"a"},"denied":{"code":"b"},"pended":{"code":"c"}}}"#;
        assert!(X12Codes::from_json(unknown).unwrap_err().contains("extra"));
    }
}
