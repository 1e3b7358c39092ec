//! Facts answered in QuestionnaireResponses: the item whose `linkId` is the fact's name (or the
//! one the policy names with `from questionnaire "..."`), its `answer`s read by the fact's type.

use super::bundle::{codings, full_date, kind, map_coding, Bundle, Entry};
use super::{Found, ReadProblem};
use policyc::eval::Provenance;
use policyc::ir::{FactType, Program, Source};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// The answers of every QuestionnaireResponse of the patient, by fact slot; problems for answers
/// a fact cannot take and for two that disagree.
pub(crate) fn answers(
    program: &Program,
    bundle: &Bundle,
    patient: Option<&Entry>,
    problems: &mut Vec<ReadProblem>,
) -> BTreeMap<usize, Found> {
    let by_link: BTreeMap<&str, usize> = program
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| match &f.source {
            Some(Source::Questionnaire { link_id }) => (link_id.as_str(), i),
            _ => (f.name.as_str(), i),
        })
        .collect();
    let mut out: BTreeMap<usize, Found> = BTreeMap::new();
    for qr in bundle.of_type("QuestionnaireResponse") {
        if matches!(qr.str("status"), Some("entered-in-error" | "stopped"))
            || qr.about_other_patient(bundle, patient)
        {
            continue;
        }
        // Items and their nested items, without recursion.
        let mut stack: Vec<(&Json, String)> = Vec::new();
        push_items(&mut stack, qr.resource, "");
        while let Some((item, at)) = stack.pop() {
            let answers: Vec<&Json> = item
                .get("answer")
                .and_then(Json::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            for (k, a) in answers.iter().enumerate().rev() {
                push_items(&mut stack, a, &format!("{at}.answer[{k}]"));
            }
            push_items(&mut stack, item, &at);
            let Some(slot) = item
                .get("linkId")
                .and_then(Json::as_str)
                .and_then(|l| by_link.get(l).copied())
            else {
                continue;
            };
            if answers.is_empty() {
                continue;
            }
            let Some(f) = answer(program, slot, qr, &at, &answers, problems) else {
                continue;
            };
            match out.get(&slot) {
                Some(prev) if prev.value != f.value => problems.push(ReadProblem::new(
                    f.prov.element.clone(),
                    format!(
                        "two answers for `{}` disagree: {} ({}) and {} ({})",
                        program.facts[slot].name,
                        prev.prov.value,
                        prev.prov.element,
                        f.prov.value,
                        f.prov.element
                    ),
                    Some(
                        "keep one answer per question: policyc does not choose between them".into(),
                    ),
                )),
                Some(_) => {}
                None => {
                    out.insert(slot, f);
                }
            }
        }
    }
    out
}

/// Push the `item`s of `parent` (a QuestionnaireResponse, an item or an answer) on the stack,
/// the first on top.
fn push_items<'j>(stack: &mut Vec<(&'j Json, String)>, parent: &'j Json, at: &str) {
    if let Some(items) = parent.get("item").and_then(Json::as_array) {
        for (i, it) in items.iter().enumerate().rev() {
            let sep = if at.is_empty() { "" } else { "." };
            stack.push((it, format!("{at}{sep}item[{i}]")));
        }
    }
}

/// The `value[x]` of an answer: its key and value.
fn value_x(a: &Json) -> Option<(&str, &Json)> {
    a.as_object()?
        .iter()
        .find(|(k, _)| k.starts_with("value"))
        .map(|(k, v)| (k.as_str(), v))
}

/// The value a fact takes from an item's answers, in request JSON.
fn answer(
    program: &Program,
    slot: usize,
    qr: &Entry,
    at: &str,
    answers: &[&Json],
    problems: &mut Vec<ReadProblem>,
) -> Option<Found> {
    let fact = &program.facts[slot];
    let set = matches!(fact.ty, FactType::Set { .. });
    if !set && answers.len() > 1 {
        problems.push(ReadProblem::new(
            qr.path(&format!("{at}.answer[1]")),
            format!(
                "the item for `{}` has {} answers; the fact takes one",
                fact.name,
                answers.len()
            ),
            None,
        ));
        return None;
    }
    let mut values = Vec::new();
    let mut shown = Vec::new();
    let mut element = String::new();
    for (k, a) in answers.iter().enumerate() {
        let Some((key, v)) = value_x(a) else {
            problems.push(ReadProblem::new(
                qr.path(&format!("{at}.answer[{k}]")),
                format!("the answer for `{}` has no value", fact.name),
                None,
            ));
            return None;
        };
        let el = format!("{at}.answer[{k}].{key}");
        if element.is_empty() {
            element = el.clone();
        }
        let wrong = |problems: &mut Vec<ReadProblem>, expected: &str| {
            problems.push(ReadProblem::new(
                qr.path(&el),
                format!(
                    "`{}` takes {expected}; the answer is a {key} ({})",
                    fact.name,
                    kind(v)
                ),
                None,
            ));
        };
        let read: Option<(Json, String)> = match (&fact.ty, key) {
            (FactType::Boolean | FactType::Documentation, "valueBoolean") => {
                Some((v.clone(), v.to_string()))
            }
            (FactType::Count | FactType::Number, "valueInteger" | "valueDecimal") => {
                Some((v.clone(), v.to_string()))
            }
            (FactType::Date, "valueDate" | "valueDateTime") => match v.as_str().map(full_date) {
                Some(Ok(d)) => Some((json!(d.to_string()), d.to_string())),
                _ => {
                    wrong(problems, "a full date (YYYY-MM-DD)");
                    return None;
                }
            },
            (FactType::Quantity { .. }, "valueQuantity") => {
                let value = v.get("value").cloned().unwrap_or(Json::Null);
                let unit = v
                    .get("code")
                    .or_else(|| v.get("unit"))
                    .and_then(Json::as_str)
                    .unwrap_or("");
                Some((
                    json!({"value": value, "unit": unit}),
                    format!("{value} {unit}"),
                ))
            }
            (
                FactType::Enum { enum_index } | FactType::Set { enum_index },
                "valueCoding" | "valueString",
            ) => {
                let en = &program.enums[*enum_index as usize];
                let text = match v {
                    Json::String(s) => Some(s.clone()),
                    _ => {
                        let code = v.get("code").and_then(Json::as_str);
                        let listed = code.filter(|c| en.values.iter().any(|x| x.name == *c));
                        let mapped = codings(Some(&json!({"coding": [v]})), "")
                            .first()
                            .and_then(|c| map_coding(en, c))
                            .map(|i| en.values[i].name.clone());
                        listed
                            .map(str::to_string)
                            .or(mapped)
                            .or(code.map(str::to_string))
                    }
                };
                text.map(|t| (json!(t), t))
            }
            _ => {
                let expected = match fact.ty {
                    FactType::Boolean | FactType::Documentation => "valueBoolean",
                    FactType::Count => "valueInteger",
                    FactType::Number => "valueDecimal",
                    FactType::Date => "valueDate",
                    FactType::Quantity { .. } => "valueQuantity",
                    _ => "valueCoding",
                };
                wrong(problems, &format!("a {expected}"));
                return None;
            }
        };
        let Some((value, text)) = read else {
            wrong(problems, "a value");
            return None;
        };
        values.push(value);
        shown.push(text);
    }
    let value = if set {
        Json::Array(values)
    } else {
        values.into_iter().next()?
    };
    Some(Found {
        value,
        prov: Provenance {
            fact: fact.name.clone(),
            resource: qr.reference(),
            element: qr.path(&element),
            value: shown.join(", "),
        },
    })
}
