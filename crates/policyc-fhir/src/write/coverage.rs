//! The Da Vinci CRD coverage-information extension of a decision.
//!
//! | decision | `covered` | `pa-needed` | `doc-needed` | more |
//! | --- | --- | --- | --- | --- |
//! | `approve` | `covered` | `satisfied` | | `satisfied-pa-id` = the decision id |
//! | `deny` | `not-covered` | | | |
//! | `needs_info` | `conditional` | `conditional` | `clinical` | `doc-purpose` `withpa`, `questionnaire` |
//! | `refer` | `conditional` | `auth-needed` | | |
//!
//! Every decision carries `reason`s citing the policy's labels and sentences, the `date` of the
//! assertion and `coverage-assertion-id`, the decision id of the decision log.

use super::types::{CodeableConcept, ExtValue, Extension, Reference};
use policyc::{Decision, DecisionKind};

/// The extension's URL.
pub const COVERAGE_INFORMATION: &str =
    "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information";

/// What the assertion is about, besides the decision.
#[derive(Debug, Clone)]
pub struct Context {
    /// The decision's id in the decision log (`coverage-assertion-id`; for an approval also
    /// `satisfied-pa-id`).
    pub decision_id: String,
    /// The patient's Coverage the assertion applies to.
    pub coverage: Reference,
    /// The day the assertion is made, `YYYY-MM-DD`.
    pub date: String,
    /// The canonical URL of the Questionnaire that collects the missing facts (for `needs_info`).
    pub questionnaire: Option<String>,
}

/// The reasons of a decision, each citing the policy's labels and quoting its sentences: the
/// indication and branch of an approval and the limits it is conditional on; each criterion a
/// denial does not meet; each fact a request for information needs; the criterion or limits that
/// refer a request.
pub fn reasons(d: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    match d.decision {
        DecisionKind::Approve => {
            if let Some(i) = &d.indication {
                out.push(format!(
                    "Approved under {} ({}), through {}",
                    i.label,
                    i.title,
                    d.path.join(" → ")
                ));
            }
            for c in &d.criteria_met {
                if d.path.contains(&c.label) && !c.text.is_empty() {
                    out.push(format!("{}: {}", c.label, c.text));
                }
            }
            // A limit that tests several amounts (dose, frequency, count) is one condition.
            for l in &d.conditions {
                let r = format!("Condition of approval {}: {}", l.label, l.text);
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        DecisionKind::Deny => {
            for u in &d.unmet {
                out.push(format!("{}: {} — {}", u.label, u.text, u.reason));
            }
        }
        DecisionKind::NeedsInfo => {
            for m in &d.missing {
                let for_: Vec<String> = m
                    .indications
                    .iter()
                    .map(|i| format!("{} ({})", i.label, i.title))
                    .collect();
                let or = if m.or_inputs.is_empty() {
                    String::new()
                } else {
                    format!(", or {}", m.or_inputs.join(" and "))
                };
                out.push(format!(
                    "Needed: {} [{}{or}], for {}",
                    m.description,
                    m.fact,
                    for_.join(", ")
                ));
            }
        }
        DecisionKind::Refer => {
            if let Some(r) = &d.referral {
                let to = r
                    .redirect_to
                    .as_ref()
                    .map_or_else(|| "a clinician's review".to_string(), |t| t.clone());
                out.push(format!("{}: {} — referred to {to}", r.label, r.text));
            }
            for l in &d.exceeded {
                out.push(format!(
                    "{}: {} — requested {}, the policy allows {}",
                    l.label,
                    l.text,
                    l.test.requested.as_deref().unwrap_or("nothing stated"),
                    l.test.allowed
                ));
            }
        }
    }
    if let Some(s) = &d.statement {
        out.push(s.clone());
    }
    out
}

/// The coverage-information extension (`ext-coverage-information`) of a decision.
pub fn coverage_information(d: &Decision, ctx: &Context) -> Extension {
    let code = |url: &str, c: &str| Extension::value(url, ExtValue::Code(c.to_string()));
    let mut parts = vec![Extension::value(
        "coverage",
        ExtValue::Reference(ctx.coverage.clone()),
    )];
    let (covered, pa) = match d.decision {
        DecisionKind::Approve => ("covered", Some("satisfied")),
        DecisionKind::Deny => ("not-covered", None),
        DecisionKind::NeedsInfo => ("conditional", Some("conditional")),
        DecisionKind::Refer => ("conditional", Some("auth-needed")),
    };
    parts.push(code("covered", covered));
    if let Some(pa) = pa {
        parts.push(code("pa-needed", pa));
    }
    let asks = d.decision == DecisionKind::NeedsInfo;
    if asks {
        parts.push(code("doc-needed", "clinical"));
        parts.push(code("doc-purpose", "withpa"));
    }
    for r in reasons(d) {
        parts.push(Extension::value(
            "reason",
            ExtValue::CodeableConcept(CodeableConcept {
                coding: Vec::new(),
                text: Some(r),
            }),
        ));
    }
    if asks {
        if let Some(q) = &ctx.questionnaire {
            parts.push(Extension::value(
                "questionnaire",
                ExtValue::Canonical(q.clone()),
            ));
        }
    }
    parts.push(Extension::value("date", ExtValue::Date(ctx.date.clone())));
    parts.push(Extension::value(
        "coverage-assertion-id",
        ExtValue::String(ctx.decision_id.clone()),
    ));
    if d.decision == DecisionKind::Approve {
        parts.push(Extension::value(
            "satisfied-pa-id",
            ExtValue::String(ctx.decision_id.clone()),
        ));
    }
    Extension::complex(COVERAGE_INFORMATION, parts)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;

    /// The Proleukin policy and the decision on each example request, by file stem.
    pub(crate) fn examples() -> (policyc::Program, Vec<(String, Decision)>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let checked = policyc::compile_path(&root.join("policies/proleukin.policy"))
            .unwrap_or_else(|e| panic!("reads: {e}"));
        let program = checked.program.unwrap_or_else(|| panic!("compiles"));
        let dir = root.join("policies/examples/proleukin");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        let decisions = files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                let req = policyc::bind(&program, &text, None)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
                let stem = f.file_stem().map(|s| s.to_string_lossy().to_string());
                (stem.unwrap_or_default(), policyc::evaluate(&program, &req))
            })
            .collect();
        (program, decisions)
    }

    pub(crate) fn context() -> Context {
        Context {
            decision_id: "0190a6c2-0000-7000-8000-000000000001".into(),
            coverage: Reference::to("Coverage/example"),
            date: "2026-01-15".into(),
            questionnaire: Some("https://payer.example/fhir/Questionnaire/proleukin".into()),
        }
    }

    fn part<'a>(e: &'a Extension, url: &'a str) -> Vec<&'a ExtValue> {
        e.parts(url).filter_map(|p| p.value.as_ref()).collect()
    }

    fn code(e: &Extension, url: &str) -> Option<String> {
        match part(e, url).first() {
            Some(ExtValue::Code(c)) => Some(c.clone()),
            _ => None,
        }
    }

    fn reason_texts(e: &Extension) -> Vec<String> {
        part(e, "reason")
            .into_iter()
            .filter_map(|v| match v {
                ExtValue::CodeableConcept(c) => c.text.clone(),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_decision_kind() {
        let (_, decisions) = examples();
        let ctx = context();
        let mut seen = 0;
        for (name, d) in &decisions {
            let e = coverage_information(d, &ctx);
            assert_eq!(e.url, COVERAGE_INFORMATION);
            assert_eq!(part(&e, "coverage").len(), 1, "{name}");
            assert_eq!(
                part(&e, "coverage-assertion-id"),
                [&ExtValue::String(ctx.decision_id.clone())]
            );
            assert_eq!(part(&e, "date"), [&ExtValue::Date("2026-01-15".into())]);
            let reasons = reason_texts(&e);
            match d.decision {
                DecisionKind::Approve => {
                    seen += 1;
                    assert_eq!(code(&e, "covered").as_deref(), Some("covered"));
                    assert_eq!(code(&e, "pa-needed").as_deref(), Some("satisfied"));
                    assert_eq!(part(&e, "satisfied-pa-id").len(), 1);
                    assert!(
                        reasons[0]
                            .starts_with("Approved under 1 (Cutaneous Melanoma), through 1 → 1.A"),
                        "{reasons:?}"
                    );
                    assert!(part(&e, "questionnaire").is_empty());
                }
                DecisionKind::Deny => {
                    seen += 10;
                    assert_eq!(code(&e, "covered").as_deref(), Some("not-covered"));
                    assert!(part(&e, "pa-needed").is_empty());
                    for u in &d.unmet {
                        assert!(
                            reasons
                                .iter()
                                .any(|r| r.starts_with(&format!("{}: ", u.label))),
                            "{reasons:?}"
                        );
                    }
                }
                DecisionKind::NeedsInfo => {
                    seen += 100;
                    assert_eq!(code(&e, "covered").as_deref(), Some("conditional"));
                    assert_eq!(code(&e, "doc-needed").as_deref(), Some("clinical"));
                    assert_eq!(
                        part(&e, "questionnaire"),
                        [&ExtValue::Canonical(
                            "https://payer.example/fhir/Questionnaire/proleukin".into()
                        )]
                    );
                    assert!(
                        reasons
                            .iter()
                            .any(|r| r.contains("[dose_per_kg, or body_weight]")),
                        "{reasons:?}"
                    );
                }
                DecisionKind::Refer => {
                    seen += 1000;
                    assert_eq!(code(&e, "pa-needed").as_deref(), Some("auth-needed"));
                    assert!(
                        reasons.iter().any(|r| r.starts_with("1.Dosing.A.i: ")),
                        "{reasons:?}"
                    );
                }
            }
            // crd-ci-q2 and crd-ci-q5, crd-ci-q1.
            let not_covered = code(&e, "covered").as_deref() == Some("not-covered");
            assert_eq!(part(&e, "pa-needed").is_empty(), not_covered);
            assert_eq!(
                code(&e, "pa-needed").as_deref() == Some("satisfied"),
                !part(&e, "satisfied-pa-id").is_empty()
            );
            if !part(&e, "questionnaire").is_empty() {
                assert!(code(&e, "doc-needed").is_some_and(|c| c != "no-doc"));
            }
        }
        // One approval, two denials, one request for information, one referral.
        assert_eq!(seen, 1121);
    }
}
