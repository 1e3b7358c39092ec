//! OperationOutcome: why a FHIR input was refused, each problem with the element it is about.

use super::types::{CodeableConcept, Narrative};
use serde::Serialize;

/// A FHIR R4 OperationOutcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    pub resource_type: &'static str,
    /// The problems, for people.
    pub text: Narrative,
    /// The problems.
    pub issue: Vec<Issue>,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// `error` (or `fatal`, `warning`, `information`).
    pub severity: &'static str,
    /// The kind of problem: `structure`, `required`, `value`, `invalid`, `not-found`,
    /// `not-supported`, `processing`.
    pub code: &'static str,
    /// What is wrong and how to put it right.
    pub details: CodeableConcept,
    /// The FHIRPath of the element (`QuestionnaireResponse.item[2].answer[0]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// One problem of an input, before it becomes an [`Issue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The FHIRPath of the element, or empty when the problem is the whole input.
    pub expression: String,
    /// The issue type code (`structure`, `required`, `value`, `invalid`, `not-found`, ...).
    pub code: &'static str,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem at `expression`.
    pub fn new(
        expression: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            expression: expression.into(),
            code,
            message: message.into(),
        }
    }
}

/// The OperationOutcome of these problems (errors, in order).
pub fn operation_outcome(problems: &[Problem]) -> OperationOutcome {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            if p.expression.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.expression, p.message)
            }
        })
        .collect();
    OperationOutcome {
        resource_type: "OperationOutcome",
        text: Narrative::list("The input was refused", &lines),
        issue: problems
            .iter()
            .map(|p| Issue {
                severity: "error",
                code: p.code,
                details: CodeableConcept {
                    coding: Vec::new(),
                    text: Some(p.message.clone()),
                },
                expression: if p.expression.is_empty() {
                    Vec::new()
                } else {
                    vec![p.expression.clone()]
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_carry_their_element() {
        let o = operation_outcome(&[
            Problem::new(
                "QuestionnaireResponse.item[0].answer[0]",
                "value",
                "not a date",
            ),
            Problem::new("", "structure", "not JSON"),
        ]);
        let v = serde_json::to_value(&o).unwrap_or_default();
        assert_eq!(
            v["issue"][0]["expression"][0],
            "QuestionnaireResponse.item[0].answer[0]"
        );
        assert_eq!(v["issue"][0]["code"], "value");
        assert_eq!(v["issue"][0]["details"]["text"], "not a date");
        assert!(v["issue"][1].get("expression").is_none());
        assert!(o.text.div.contains("not a date"));
    }
}
