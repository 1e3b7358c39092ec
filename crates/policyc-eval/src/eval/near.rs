//! Near misses: a request's value of an open enumeration that the policy does not list, but that
//! is so close to a listed value that it is probably that value misspelt (`monotherpy`,
//! `Mono_Therapy`). An open enumeration accepts it, and it matches none of the listed values, so
//! the decision stands; the decision warns about it.

use super::Warning;
use crate::request::Request;
use policyc_ir::ir::{EnumDef, FactType, Program};

/// The kind of the warning for a near miss.
pub(crate) const NEAR_LISTED_VALUE: &str = "near_listed_value";

/// A value without case, underscores, hyphens and spaces: `Mono_therapy` and `mono-therapy` are
/// `monotherapy`.
fn folded(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// How many letters [`folded`] gives, without building it.
fn folded_len(s: &str) -> usize {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '\t'))
        .map(|c| c.to_lowercase().count())
        .sum()
}

/// How many edits (a letter added, removed, replaced, or two letters swapped) a value of this
/// many letters may be from a listed value and still be taken for it: none up to 4 letters (`iv`
/// and `im` are different routes), one up to 8, two beyond.
fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The listed value of `e` that `value` (unlisted) is a near miss of, if any: the same once case,
/// underscores, hyphens and spaces are set aside, or within a few edits of it. The closest wins;
/// between equally close ones, the first listed.
pub(crate) fn nearest<'e>(e: &'e EnumDef, value: &str) -> Option<&'e str> {
    let v = folded(value);
    if v.is_empty() {
        return None;
    }
    let letters = v.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for listed in &e.values {
        // Each edit changes the length by one letter at most: a listed value whose length is
        // further from the value's than the edits allowed is not near (and not folded).
        let length = folded_len(&listed.name);
        if letters.abs_diff(length) > allowed_edits(letters.min(length)) {
            continue;
        }
        let l = folded(&listed.name);
        let shorter = letters.min(length);
        let d = strsim::osa_distance(&v, &l);
        if d <= allowed_edits(shorter) && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, listed.name.as_str()));
        }
    }
    best.map(|(_, name)| name)
}

/// A warning for each unlisted value of an open enumeration the request states that is a near
/// miss of a listed one, in the order of the policy's facts (a set's values in the request's order).
pub(crate) fn near_misses(p: &Program, req: &Request) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut unlisted: Vec<&(usize, Box<str>)> = req.unlisted.iter().collect();
    unlisted.sort_by_key(|(slot, _)| *slot);
    for (slot, value) in unlisted {
        let Some(fact) = p.facts.get(*slot) else {
            continue;
        };
        let (FactType::Enum { enum_index } | FactType::Set { enum_index }) = fact.ty else {
            continue;
        };
        let Some(e) = p.enums.get(enum_index as usize) else {
            continue;
        };
        if let Some(listed) = nearest(e, value) {
            out.push(Warning {
                kind: NEAR_LISTED_VALUE,
                fact: fact.name.clone(),
                value: value.to_string(),
                suggestion: listed.to_string(),
                message: format!(
                    "`{value}` is not a listed value of {}; did you mean `{listed}`? The request was decided with `{value}` as stated, which matches no listed value",
                    fact.name
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use policyc_ir::ir::EnumValueDef;

    fn therapy() -> EnumDef {
        let value = |name: &str| EnumValueDef {
            name: name.into(),
            description: String::new(),
            codes: Vec::new(),
        };
        EnumDef {
            name: "TherapyType".into(),
            description: None,
            open: true,
            values: vec![
                value("monotherapy"),
                value("combination_therapy"),
                value("iv"),
            ],
        }
    }

    #[test]
    fn misspellings_and_other_spellings_are_near() {
        let e = therapy();
        assert_eq!(nearest(&e, "monotherpy"), Some("monotherapy"));
        assert_eq!(nearest(&e, "montoherapy"), Some("monotherapy"));
        assert_eq!(nearest(&e, "Mono Therapy"), Some("monotherapy"));
        assert_eq!(
            nearest(&e, "Combination-Therapy"),
            Some("combination_therapy")
        );
        assert_eq!(
            nearest(&e, "combinaton_therpy"),
            Some("combination_therapy")
        );
        assert_eq!(nearest(&e, "IV"), Some("iv"));
    }

    #[test]
    fn other_values_are_not_near() {
        let e = therapy();
        assert_eq!(nearest(&e, "im"), None);
        assert_eq!(nearest(&e, "radiotherapy"), None);
        assert_eq!(nearest(&e, "combination"), None);
        assert_eq!(nearest(&e, "mnthrpy"), None);
        assert_eq!(nearest(&e, ""), None);
        assert_eq!(nearest(&e, "___"), None);
    }
}
