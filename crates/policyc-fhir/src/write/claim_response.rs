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
    /// The decision id.
    pub pre_auth_ref: String,
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

/// The PAS ClaimResponse of a decision.
pub fn claim_response(d: &Decision, ctx: &Context, codes: &X12Codes) -> ClaimResponse {
    let r = &codes.review_action;
    let action = match d.decision {
        DecisionKind::Approve => &r.approved,
        DecisionKind::Deny => &r.denied,
        DecisionKind::NeedsInfo | DecisionKind::Refer => &r.pended,
    };
    let period = match (&d.decision, &d.approval) {
        (DecisionKind::Approve, Some(a)) if a.start.is_some() || a.end.is_some() => Some(Period {
            start: a.start.clone(),
            end: a.end.clone(),
        }),
        _ => None,
    };
    let mut notes = reasons(d);
    if d.decision == DecisionKind::NeedsInfo {
        if let Some(q) = &ctx.questionnaire {
            notes.push(format!(
                "Pended for more information: complete the Questionnaire {q} and submit again"
            ));
        }
    }
    let process_note: Vec<ProcessNote> = notes
        .into_iter()
        .enumerate()
        .map(|(i, text)| ProcessNote {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            ty: "display",
            text,
        })
        .collect();
    let note_numbers: Vec<u32> = process_note.iter().map(|n| n.number).collect();
    let items = if ctx.items.is_empty() {
        vec![1]
    } else {
        ctx.items.clone()
    };
    let item = items
        .iter()
        .map(|&seq| ResponseItem {
            extension: period
                .iter()
                .map(|p| Extension::value(ITEM_PREAUTH_PERIOD, ExtValue::Period(p.clone())))
                .collect(),
            item_sequence: seq,
            note_number: note_numbers.clone(),
            adjudication: vec![Adjudication {
                extension: vec![Extension::complex(
                    REVIEW_ACTION,
                    vec![
                        Extension::value(
                            REVIEW_ACTION_CODE,
                            ExtValue::CodeableConcept(CodeableConcept {
                                coding: vec![Coding {
                                    system: Some(r.system.clone()),
                                    code: Some(action.code.clone()),
                                    display: action.display.clone(),
                                }],
                                text: None,
                            }),
                        ),
                        Extension::value("number", ExtValue::String(ctx.decision_id.clone())),
                    ],
                )],
                category: CodeableConcept {
                    coding: vec![Coding {
                        system: Some(ADJUDICATION.into()),
                        code: Some("submitted".into()),
                        display: None,
                    }],
                    text: None,
                },
            }],
        })
        .collect();
    let lines: Vec<String> = process_note.iter().map(|n| n.text.clone()).collect();
    ClaimResponse {
        resource_type: "ClaimResponse",
        id: fhir_id(&ctx.decision_id),
        meta: Meta {
            profile: vec![PROFILE.to_string()],
        },
        text: Narrative::list(&d.summary, &lines),
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
        disposition: d.summary.clone(),
        pre_auth_ref: ctx.decision_id.clone(),
        pre_auth_period: period,
        item,
        process_note,
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
            assert_eq!(c.pre_auth_ref, ctx.decision_id);
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
