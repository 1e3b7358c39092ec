//! The adaptive DTR `$next-question`: from a QuestionnaireResponse so far to the next question
//! that can still change the decision, or to the completed response with the decision's
//! coverage information.
//!
//! The input is a `Parameters` whose `questionnaire-response` (or SDC's `in`) is the
//! QuestionnaireResponse, or the QuestionnaireResponse itself. The response contains its
//! adaptive Questionnaire (`questionnaire` = `#id`), whose `url` names the policy
//! ([`super::questionnaire::questionnaire_url`] of the adaptive form). Each answer is read by its
//! `linkId`, the fact's name, into a policyc request whose date of service is the response's
//! `authored` date.
//!
//! When the decision needs facts ([`policyc::eval::Missing`], which lists exactly the
//! facts that can change it), the first of them in the policy's order not asked yet is added to
//! the contained Questionnaire (for a fact the policy computes, the first of its inputs not
//! stated) and the response stays `in-progress`. Otherwise, or when every missing fact was asked
//! and left unanswered, the response is `completed` and carries the coverage-information
//! extension ([`super::coverage`]). The answer has the input's form: a `Parameters` with `return`,
//! or the QuestionnaireResponse.

use super::coverage::{coverage_information, Context as CoverageContext};
use super::outcome::Problem;
use super::questionnaire::{
    adaptive_questionnaire, questionnaire_id, questionnaire_url, questions_for, Options,
};
use super::types::Reference;
use policyc::ir::FactType;
use policyc::{Decision, DecisionKind, Program, Request};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A QuestionnaireResponse read and bound to its policy, ready to be decided.
#[derive(Debug)]
pub struct Session<'p> {
    /// The policy whose adaptive Questionnaire the response answers.
    pub program: &'p Program,
    /// The answers as a policyc request.
    pub request: Request,
    /// The same request as policyc request JSON (as `policyc eval` reads it).
    pub request_json: Value,
    /// The FHIR base URL of the contained Questionnaire's `url` (before `/Questionnaire/`): the
    /// questions added and the coverage information's questionnaire keep it.
    pub base_url: String,
    qr: Value,
    wrapped: bool,
    contained: usize,
    /// Facts the contained Questionnaire asks, in order.
    asked: Vec<String>,
}

/// What `$next-question` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The Parameters (`return`) or QuestionnaireResponse to send back.
    pub body: Value,
    /// True when the response is completed (no question left that could change the decision).
    pub completed: bool,
    /// The fact asked next, when not completed.
    pub asked: Option<String>,
}

fn ptype(v: &Value) -> &str {
    v.get("resourceType").and_then(Value::as_str).unwrap_or("")
}

/// Read a `$next-question` input and bind its answers to the policy among `programs` whose
/// adaptive Questionnaire it contains. Every problem found is returned, each with the element it
/// is about (relative to the QuestionnaireResponse).
pub fn start<'p>(
    text: &str,
    programs: impl IntoIterator<Item = &'p Program>,
) -> Result<Session<'p>, Vec<Problem>> {
    let input: Value = serde_json::from_str(text).map_err(|e| {
        vec![Problem::new(
            "",
            "structure",
            format!("the body is not JSON: {e}"),
        )]
    })?;
    let (qr, wrapped) = match ptype(&input) {
        "QuestionnaireResponse" => (input, false),
        "Parameters" => {
            let found = input
                .get("parameter")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|p| {
                    matches!(
                        p.get("name").and_then(Value::as_str),
                        Some("questionnaire-response" | "in")
                    )
                })
                .and_then(|p| p.get("resource"))
                .filter(|r| ptype(r) == "QuestionnaireResponse")
                .cloned();
            match found {
                Some(qr) => (qr, true),
                None => {
                    return Err(vec![Problem::new(
                        "Parameters.parameter",
                        "required",
                        "no parameter `questionnaire-response` holding a QuestionnaireResponse resource",
                    )])
                }
            }
        }
        other => {
            return Err(vec![Problem::new(
                "",
                "structure",
                format!(
                    "expected a Parameters or a QuestionnaireResponse, found {}",
                    if other.is_empty() {
                        "no resourceType".to_string()
                    } else {
                        format!("a {other}")
                    }
                ),
            )])
        }
    };
    let mut problems = Vec::new();
    // The contained adaptive Questionnaire, and through its url the policy.
    let reference = qr
        .get("questionnaire")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(local) = reference.strip_prefix('#') else {
        return Err(vec![Problem::new(
            "QuestionnaireResponse.questionnaire",
            "required",
            "an adaptive response contains its Questionnaire: `questionnaire` must be `#` and the id of the contained Questionnaire",
        )]);
    };
    let contained = qr.get("contained").and_then(Value::as_array).and_then(|c| {
        c.iter().position(|r| {
            ptype(r) == "Questionnaire" && r.get("id").and_then(Value::as_str) == Some(local)
        })
    });
    let Some(contained) = contained else {
        return Err(vec![Problem::new(
            "QuestionnaireResponse.contained",
            "required",
            format!("no contained Questionnaire with id `{local}`"),
        )]);
    };
    let q = &qr["contained"][contained];
    let url = q.get("url").and_then(Value::as_str).unwrap_or("");
    let (base_url, id) = url.rsplit_once("/Questionnaire/").unwrap_or(("", ""));
    let base_url = base_url.to_string();
    let programs: Vec<&Program> = programs.into_iter().collect();
    let Some(program) = programs
        .iter()
        .copied()
        .find(|p| questionnaire_id(p, true) == id)
    else {
        let known: Vec<String> = programs.iter().map(|p| questionnaire_id(p, true)).collect();
        return Err(vec![Problem::new(
            format!("QuestionnaireResponse.contained[{contained}].url"),
            "not-found",
            format!(
                "`{url}` is not the adaptive Questionnaire of a policy served; their ids are {}",
                known.join(", ")
            ),
        )]);
    };
    let asked: Vec<String> = q
        .get("item")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("linkId").and_then(Value::as_str).map(str::to_string))
        .collect();
    let as_of = match qr.get("authored").and_then(Value::as_str) {
        Some(t) if t.len() >= 10 && policyc::dates::parse_date(&t[..10]).is_some() => {
            Some(t[..10].to_string())
        }
        Some(t) => {
            problems.push(Problem::new(
                "QuestionnaireResponse.authored",
                "value",
                format!("`{t}` is not a FHIR dateTime starting YYYY-MM-DD"),
            ));
            None
        }
        None => {
            problems.push(Problem::new(
                "QuestionnaireResponse.authored",
                "required",
                "`authored` is needed: its date is the date of service the policy decides on",
            ));
            None
        }
    };
    // The answers, by fact.
    let mut facts = Map::new();
    let mut where_: BTreeMap<String, String> = BTreeMap::new();
    let mut items = Vec::new();
    flatten_items(&qr, "QuestionnaireResponse", &mut items);
    for (path, item) in items {
        let Some(link) = item.get("linkId").and_then(Value::as_str) else {
            problems.push(Problem::new(path, "required", "an item without `linkId`"));
            continue;
        };
        let Some(slot) = program.fact_index(link) else {
            problems.push(Problem::new(
                format!("{path}.linkId"),
                "not-found",
                format!(
                    "`{link}` is not a question of policy `{}`",
                    program.policy.id
                ),
            ));
            continue;
        };
        if where_.contains_key(link) {
            problems.push(Problem::new(
                path,
                "invalid",
                format!("`{link}` is answered twice"),
            ));
            continue;
        }
        where_.insert(link.to_string(), path.clone());
        let answers: Vec<&Value> = item
            .get("answer")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        if answers.is_empty() {
            continue;
        }
        let def = &program.facts[slot];
        if def.derived.is_some() {
            problems.push(Problem::new(
                path,
                "invalid",
                format!("`{link}` is computed by the policy, not asked"),
            ));
            continue;
        }
        let set = matches!(def.ty, FactType::Set { .. });
        if !set && answers.len() > 1 {
            problems.push(Problem::new(
                format!("{path}.answer[1]"),
                "invalid",
                format!("`{link}` takes one answer, found {}", answers.len()),
            ));
            continue;
        }
        let mut values = Vec::new();
        for (j, a) in answers.iter().enumerate() {
            match answer_value(&def.ty, a) {
                Ok(v) => values.push(v),
                Err(m) => problems.push(Problem::new(format!("{path}.answer[{j}]"), "value", m)),
            }
        }
        if values.len() == answers.len() {
            let v = if set {
                Value::Array(values)
            } else {
                values.remove(0)
            };
            facts.insert(link.to_string(), v);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut request_json = json!({ "as_of": as_of, "facts": facts });
    if let Some(id) = qr.get("id").and_then(Value::as_str) {
        request_json["request_id"] = Value::String(id.to_string());
    }
    let request = policyc::request::bind_json(program, &request_json, None).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let at = e
                    .path
                    .strip_prefix("facts.")
                    .and_then(|f| where_.get(f.split('[').next().unwrap_or(f)))
                    .cloned()
                    .unwrap_or_else(|| match e.path.as_str() {
                        "as_of" => "QuestionnaireResponse.authored".to_string(),
                        _ => "QuestionnaireResponse".to_string(),
                    });
                let message = match e.help {
                    Some(h) => format!("{} ({h})", e.message),
                    None => e.message,
                };
                Problem::new(at, "value", message)
            })
            .collect::<Vec<_>>()
    })?;
    Ok(Session {
        program,
        request,
        request_json,
        base_url,
        qr,
        wrapped,
        contained,
        asked,
    })
}

/// Every item of a response (groups and answers' nested items included), with its path.
fn flatten_items<'v>(node: &'v Value, path: &str, out: &mut Vec<(String, &'v Value)>) {
    for (i, item) in node
        .get("item")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{path}.item[{i}]");
        if item.get("answer").is_some() || item.get("item").is_none() {
            out.push((p.clone(), item));
        }
        flatten_items(item, &p, out);
        for (j, a) in item
            .get("answer")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            flatten_items(a, &format!("{p}.answer[{j}]"), out);
        }
    }
}

/// An answer as the request JSON states the fact.
fn answer_value(ty: &FactType, a: &Value) -> Result<Value, String> {
    let get = |k: &str| a.get(k);
    let found = || {
        a.as_object()
            .and_then(|o| o.keys().find(|k| k.starts_with("value")).cloned())
            .map_or("no value".to_string(), |k| format!("`{k}`"))
    };
    match ty {
        FactType::Boolean | FactType::Documentation => match get("valueBoolean") {
            Some(Value::Bool(b)) => Ok(Value::Bool(*b)),
            _ => Err(format!(
                "a yes/no question: expected `valueBoolean`, found {}",
                found()
            )),
        },
        FactType::Count => match get("valueInteger") {
            Some(Value::Number(n)) => Ok(Value::Number(n.clone())),
            _ => Err(format!(
                "a count: expected `valueInteger`, found {}",
                found()
            )),
        },
        FactType::Number => match get("valueDecimal").or_else(|| get("valueInteger")) {
            Some(Value::Number(n)) => Ok(Value::Number(n.clone())),
            _ => Err(format!(
                "a number: expected `valueDecimal`, found {}",
                found()
            )),
        },
        FactType::Date => match get("valueDate") {
            Some(Value::String(s)) => Ok(Value::String(s.clone())),
            _ => Err(format!("a date: expected `valueDate`, found {}", found())),
        },
        FactType::Quantity { unit, .. } => {
            let Some(q) = get("valueQuantity").and_then(Value::as_object) else {
                return Err(format!(
                    "a quantity: expected `valueQuantity` in {}, found {}",
                    unit.code,
                    found()
                ));
            };
            if let Some(s) = q.get("system").and_then(Value::as_str) {
                if s != super::types::UCUM {
                    return Err(format!(
                        "the unit's system is `{s}`; units are UCUM (http://unitsofmeasure.org)"
                    ));
                }
            }
            let Some(value) = q.get("value").filter(|v| v.is_number()) else {
                return Err("the quantity has no numeric `value`".into());
            };
            let Some(code) = q
                .get("code")
                .or_else(|| q.get("unit"))
                .and_then(Value::as_str)
            else {
                return Err(format!(
                    "the quantity has no unit: give `code` in UCUM, e.g. {}",
                    unit.code
                ));
            };
            Ok(json!({ "value": value, "unit": code }))
        }
        FactType::Enum { .. } | FactType::Set { .. } => {
            if let Some(code) = get("valueCoding")
                .and_then(|c| c.get("code"))
                .and_then(Value::as_str)
            {
                return Ok(Value::String(code.to_string()));
            }
            match get("valueString") {
                Some(Value::String(s)) => Ok(Value::String(s.clone())),
                _ => Err(format!(
                    "a choice: expected `valueCoding` (or `valueString`), found {}",
                    found()
                )),
            }
        }
    }
}

impl Session<'_> {
    /// The facts to ask next, in order: for each fact the decision misses, those of it (itself,
    /// or its inputs) the request does not state; none for a decision other than `needs_info`.
    pub fn candidates(&self, d: &Decision) -> Vec<usize> {
        if d.decision != DecisionKind::NeedsInfo {
            return Vec::new();
        }
        let stated = |f: usize| self.request.stated.get(f).copied().unwrap_or(false);
        let mut out = Vec::new();
        for m in &d.missing {
            if let Some(f) = self.program.fact_index(&m.fact) {
                for q in questions_for(self.program, f, &stated) {
                    if !out.contains(&q) {
                        out.push(q);
                    }
                }
            }
        }
        out
    }

    /// The answer to send, given the decision on the session's request, its id in the decision
    /// log, and the day (`YYYY-MM-DD`) the coverage assertion is made.
    pub fn respond(
        mut self,
        d: &Decision,
        decision_id: &str,
        today: &str,
        opts: &Options,
    ) -> Answer {
        let next = self
            .candidates(d)
            .into_iter()
            .map(|f| self.program.facts[f].name.clone())
            .find(|name| !self.asked.contains(name));
        let completed = next.is_none();
        if let Some(name) = &next {
            self.asked.push(name.clone());
        }
        let asked: Vec<&str> = self.asked.iter().map(String::as_str).collect();
        let mut q = serde_json::to_value(adaptive_questionnaire(self.program, opts, &asked))
            .unwrap_or_default();
        // Keep the contained id the response refers to.
        q["id"] = self.qr["contained"][self.contained]["id"].clone();
        self.qr["contained"][self.contained] = q;
        self.qr["status"] = Value::String(
            if completed {
                "completed"
            } else {
                "in-progress"
            }
            .into(),
        );
        if completed {
            let ctx = CoverageContext {
                decision_id: decision_id.to_string(),
                coverage: coverage_of(&self.qr),
                date: today.to_string(),
                questionnaire: Some(questionnaire_url(self.program, opts, true)),
            };
            let ext = serde_json::to_value(coverage_information(d, &ctx)).unwrap_or_default();
            let url = super::coverage::COVERAGE_INFORMATION;
            let mut exts: Vec<Value> = self
                .qr
                .get("extension")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            exts.retain(|e| e.get("url").and_then(Value::as_str) != Some(url));
            exts.push(ext);
            self.qr["extension"] = Value::Array(exts);
        }
        let body = if self.wrapped {
            json!({"resourceType": "Parameters", "parameter": [{"name": "return", "resource": self.qr}]})
        } else {
            self.qr
        };
        Answer {
            body,
            completed,
            asked: next,
        }
    }
}

/// The Coverage the response's extensions refer to (DTR's `qr-context` and the like), or a
/// display-only reference when it names none.
fn coverage_of(qr: &Value) -> Reference {
    let found = qr
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("valueReference"))
        .filter_map(|r| r.get("reference").and_then(Value::as_str))
        .find(|r| r.starts_with("Coverage/") || r.contains("/Coverage/"));
    match found {
        Some(r) => Reference::to(r),
        None => Reference {
            reference: None,
            display: Some("The coverage is not named in the QuestionnaireResponse".into()),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::write::coverage::tests::examples;

    /// A response to policy `program`'s adaptive Questionnaire with `items` (linkId, answer).
    pub(crate) fn response(program: &Program, items: &[(&str, Value)], wrapped: bool) -> String {
        let opts = Options::default();
        let asked: Vec<&str> = items.iter().map(|(l, _)| *l).collect();
        let mut q = serde_json::to_value(adaptive_questionnaire(program, &opts, &asked))
            .unwrap_or_default();
        q["id"] = json!("q");
        let items: Vec<Value> = items
            .iter()
            .map(|(l, a)| {
                if a.is_null() {
                    json!({"linkId": l})
                } else {
                    json!({"linkId": l, "answer": [a]})
                }
            })
            .collect();
        let qr = json!({
            "resourceType": "QuestionnaireResponse",
            "id": "qr-1",
            "contained": [q],
            "extension": [
                {"url": "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context", "valueReference": {"reference": "Coverage/cov-1"}},
                {"url": "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context", "valueReference": {"reference": "MedicationRequest/mr-1"}}
            ],
            "questionnaire": "#q",
            "status": "in-progress",
            "subject": {"reference": "Patient/p-1"},
            "authored": "2026-01-15T10:00:00Z",
            "item": items
        });
        let body = if wrapped {
            json!({"resourceType": "Parameters", "parameter": [{"name": "questionnaire-response", "resource": qr}]})
        } else {
            qr
        };
        body.to_string()
    }

    fn step(program: &Program, items: &[(&str, Value)]) -> (Answer, Decision) {
        let text = response(program, items, true);
        let s = start(&text, [program]).unwrap_or_else(|e| panic!("{e:?}"));
        let d = policyc::evaluate(program, &s.request);
        (s.respond(&d, "id-1", "2026-01-15", &Options::default()), d)
    }

    #[test]
    fn asks_until_decided_then_completes() {
        let (program, _) = examples();
        // Answer each question the way the approving example does, until the response completes.
        let answers: BTreeMap<&str, Value> = BTreeMap::from([
            (
                "diagnosis",
                json!({"valueCoding": {"code": "cutaneous_melanoma"}}),
            ),
            ("route", json!({"valueCoding": {"code": "intravenous"}})),
            ("date_of_birth", json!({"valueDate": "1971-06-02"})),
            (
                "disease_extent",
                json!({"valueCoding": {"code": "metastatic"}}),
            ),
            ("other_systemic_therapies", json!({"valueInteger": 2})),
            ("single_agent", json!({"valueBoolean": true})),
            (
                "prescriber_specialty",
                json!({"valueCoding": {"code": "oncologist"}}),
            ),
            (
                "consulting_specialties",
                json!({"valueCoding": {"code": "oncologist"}}),
            ),
            (
                "dose",
                json!({"valueQuantity": {"value": 43200000, "code": "[IU]", "system": "http://unitsofmeasure.org"}}),
            ),
            (
                "body_weight",
                json!({"valueQuantity": {"value": 72, "code": "kg", "system": "http://unitsofmeasure.org"}}),
            ),
            (
                "doses_per_day",
                json!({"valueQuantity": {"value": 3, "code": "{dose}/d"}}),
            ),
            (
                "doses_per_cycle",
                json!({"valueQuantity": {"value": 14, "code": "{dose}"}}),
            ),
        ]);
        let mut items: Vec<(&str, Value)> = Vec::new();
        let mut asked = Vec::new();
        let mut completed = false;
        for _ in 0..30 {
            let (a, d) = step(&program, &items);
            if a.completed {
                completed = true;
                assert_eq!(d.decision, DecisionKind::Approve, "{:?}", d.summary);
                let qr = &a.body["parameter"][0]["resource"];
                assert_eq!(a.body["parameter"][0]["name"], "return");
                assert_eq!(qr["status"], "completed");
                let ext = qr["extension"]
                    .as_array()
                    .and_then(|e| e.last())
                    .cloned()
                    .unwrap_or_default();
                assert_eq!(ext["url"], crate::write::coverage::COVERAGE_INFORMATION);
                let s = ext.to_string();
                assert!(s.contains("\"valueCode\":\"covered\""), "{s}");
                assert!(s.contains("Coverage/cov-1"), "{s}");
                assert!(s.contains("\"valueString\":\"id-1\""), "{s}");
                break;
            }
            let next = a.asked.clone().unwrap_or_default();
            assert!(!asked.contains(&next), "asked {next} twice");
            let qr = &a.body["parameter"][0]["resource"];
            assert_eq!(qr["status"], "in-progress");
            let q_items = qr["contained"][0]["item"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                q_items.last().map(|i| i["linkId"].clone()),
                Some(json!(next))
            );
            assert_eq!(qr["contained"][0]["id"], "q");
            // The question asked is one the decision misses (or an input of one).
            let slot = program.fact_index(&next).unwrap_or(usize::MAX);
            assert!(
                d.missing.iter().any(|m| m.fact == next
                    || m.or_inputs.contains(&next)
                    || program.fact_index(&m.fact).is_some_and(|f| questions_for(
                        &program,
                        f,
                        &|_| false
                    )
                    .contains(&slot))),
                "{next} is not missing: {:?}",
                d.missing
            );
            let answer = answers.get(next.as_str()).cloned().unwrap_or(Value::Null);
            asked.push(next.clone());
            let name: &str = answers.keys().find(|k| **k == next).copied().unwrap_or("");
            assert!(
                !name.is_empty(),
                "asked {next}, which the approving request does not state"
            );
            items.push((name, answer));
        }
        assert!(completed, "never completed; asked {asked:?}");
        // Never asked what cannot change the decision: neither the lesions (intralesional only)
        // nor the corticosteroids (graft-versus-host disease only).
        assert!(!asked.contains(&"lesion_sites".to_string()));
        assert!(!asked.contains(&"with_systemic_corticosteroids".to_string()));
        assert!(asked.len() <= answers.len());
    }

    #[test]
    fn unanswered_question_completes_as_needs_info() {
        let (program, _) = examples();
        let items = vec![
            (
                "diagnosis",
                json!({"valueCoding": {"code": "renal_cell_carcinoma"}}),
            ),
            ("date_of_birth", Value::Null),
        ];
        let (a, d) = step(&program, &items);
        // date_of_birth was asked and left unanswered: the next missing fact is asked instead.
        assert_eq!(d.decision, DecisionKind::NeedsInfo);
        assert_ne!(a.asked.as_deref(), Some("date_of_birth"));
    }

    #[test]
    fn a_denial_completes_at_once() {
        let (program, _) = examples();
        let items = vec![("diagnosis", json!({"valueString": "breast_cancer"}))];
        let (a, d) = step(&program, &items);
        assert_eq!(d.decision, DecisionKind::Deny);
        assert!(a.completed);
        assert!(a.body.to_string().contains("not-covered"));
    }

    #[test]
    fn bad_inputs_name_the_element() {
        let (program, _) = examples();
        let errs = |text: &str| start(text, [&program]).err().unwrap_or_default();
        assert_eq!(errs("nope")[0].code, "structure");
        assert_eq!(errs(r#"{"resourceType":"Patient"}"#)[0].code, "structure");
        let bad = response(
            &program,
            &[
                ("date_of_birth", json!({"valueString": "x"})),
                ("route", json!({"valueCoding": {"code": "nasal"}})),
            ],
            false,
        );
        let e = errs(&bad);
        assert_eq!(e[0].expression, "QuestionnaireResponse.item[0].answer[0]");
        assert!(e[0].message.contains("valueDate"), "{e:?}");
        let bad = response(
            &program,
            &[("route", json!({"valueCoding": {"code": "nasal"}}))],
            false,
        );
        let e = errs(&bad);
        assert_eq!(e[0].expression, "QuestionnaireResponse.item[0]", "{e:?}");
        let bad = response(
            &program,
            &[("nonsense", json!({"valueBoolean": true}))],
            false,
        );
        assert_eq!(
            errs(&bad)[0].expression,
            "QuestionnaireResponse.item[0].linkId"
        );
        let mut v: Value =
            serde_json::from_str(&response(&program, &[], false)).unwrap_or_default();
        v["contained"][0]["url"] = json!("https://x.example/fhir/Questionnaire/other-adaptive");
        assert_eq!(errs(&v.to_string())[0].code, "not-found");
        v["questionnaire"] = json!("https://x.example/fhir/Questionnaire/other-adaptive");
        assert_eq!(
            errs(&v.to_string())[0].expression,
            "QuestionnaireResponse.questionnaire"
        );
    }
}
