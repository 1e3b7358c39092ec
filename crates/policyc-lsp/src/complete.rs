//! Completion: the names a document can use (its facts, enumerations, their values and its
//! definitions, and those of the libraries it imports) and the language's keywords. The client
//! filters them by what is typed.
//!
//! Where the text before the cursor says what can come next, only that is offered: after
//! `diagnosis is`, `is not`, `is one of [`, `has`, `has any of [` …, the values of the fact's
//! enumeration; after a number compared with a quantity (`dose_per_kg at most 600,000`), the units
//! of the fact's dimension (`IU/kg`, `[IU]/kg`, …), the fact's own unit first.

use crate::analysis::Symbols;
use lsp_types::{CompletionItem, CompletionItemKind, Documentation};
use policyc::ast::TypeRef;
use policyc::units::{parse_unit, units_like};

/// The grammar, whose literal words are the language's keywords.
const GRAMMAR: &str = include_str!("../../../grammar/policy.pest");

/// The keywords of the language: every word the grammar writes as a literal (`indication`,
/// `criteria`, `least`, …), in alphabetical order. Single letters (`a` of `refer to a clinician`,
/// `n` of the `\n` escape) are left out.
pub fn keywords() -> Vec<&'static str> {
    let mut words: Vec<&str> = GRAMMAR
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| l.split('"').skip(1).step_by(2))
        .filter(|w| w.len() > 1 && w.bytes().all(|b| b.is_ascii_lowercase()))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// What the text before the cursor lets come next.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    /// A value of this enumeration (after `fact is`, `fact has any of [` …).
    Value(String),
    /// A unit of the dimension of this fact's unit (after `fact at most 3`).
    Unit(String),
    /// Anything: a fact, a value, a definition, a keyword.
    Any,
}

/// The words of `line` (the text of the cursor's line before it), the word being typed left out.
fn words(line: &str) -> Vec<&str> {
    let typed = line
        .rfind(|c: char| c.is_whitespace() || c == '[' || c == ',' || c == '(')
        .map_or(0, |i| i + 1);
    line[..typed]
        .split(|c: char| c.is_whitespace() || c == '[' || c == '(' || c == ':')
        // A comma separates list items, but not the digits of `600,000`.
        .flat_map(|w| {
            let number = is_number(w.trim_end_matches(','));
            w.split(move |c| c == ',' && !number)
        })
        .map(|w| w.trim_end_matches(','))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `w` is a number as a policy writes one (`600,000`, `0.5`, `3`).
fn is_number(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

fn context(symbols: &Symbols, line: &str) -> Context {
    let words = words(line);
    let fact_type = |name: &str| {
        symbols.facts.get(name).map(|d| match &d.decl.ty {
            TypeRef::Set(id) => id.name.clone(),
            TypeRef::Named(u) => u.text.clone(),
        })
    };
    // `fact is [not] [one of] v, …` or `fact has [any|all|none of] v, …`: the last `is` or `has`
    // with a fact before it, and only list words and values after it.
    if let Some(at) = words.iter().rposition(|w| *w == "is" || *w == "has") {
        if let Some(ty) = at.checked_sub(1).and_then(|i| fact_type(words[i])) {
            if let Some(e) = symbols.enums.get(&ty) {
                let is_value = |w: &str| e.decl.values.iter().any(|v| v.name.name == w);
                let list_word = |w: &&str| {
                    matches!(*w, "not" | "one" | "of" | "any" | "all" | "none" | "]") || is_value(w)
                };
                if words[at + 1..].iter().all(list_word) {
                    return Context::Value(ty);
                }
            }
        }
    }
    // `fact <comparison> <number>`, the number last.
    const OPS: [&[&str]; 15] = [
        &["at", "least"],
        &["at", "most"],
        &["more", "than"],
        &["less", "than"],
        &[">="],
        &["<="],
        &[">"],
        &["<"],
        &["≥"],
        &["≤"],
        &["="],
        &["!="],
        &["≠"],
        &["is"],
        &["is", "not"],
    ];
    if let Some((n, rest)) = words.split_last() {
        if is_number(n) {
            for op in OPS {
                let Some(at) = rest.len().checked_sub(op.len() + 1) else {
                    continue;
                };
                if rest[at + 1..] != *op {
                    continue;
                }
                if let Some(ty) = fact_type(rest[at]) {
                    if parse_unit(&ty).is_ok_and(|u| !u.dim.is_none()) {
                        return Context::Unit(ty);
                    }
                }
            }
        }
    }
    Context::Any
}

/// The completions at a place of a document with these declarations, `line` being the text of
/// the cursor's line before it: what can come there (see the module's documentation).
pub fn items_at(symbols: &Symbols, line: &str) -> Vec<CompletionItem> {
    match context(symbols, line) {
        Context::Any => items(symbols),
        Context::Value(e) => {
            let Some(d) = symbols.enums.get(&e) else {
                return items(symbols);
            };
            d.decl
                .values
                .iter()
                .map(|v| CompletionItem {
                    label: v.name.name.clone(),
                    kind: Some(CompletionItemKind::ENUM_MEMBER),
                    detail: Some(format!("value of {e}")),
                    documentation: Some(Documentation::String(v.description.value.clone())),
                    ..CompletionItem::default()
                })
                .collect()
        }
        Context::Unit(u) => {
            let Ok(unit) = parse_unit(&u) else {
                return items(symbols);
            };
            units_like(&unit)
                .into_iter()
                .enumerate()
                .map(|(i, name)| CompletionItem {
                    detail: Some(format!("unit, as {u}")),
                    kind: Some(CompletionItemKind::UNIT),
                    // The fact's own unit first, then the list's order.
                    sort_text: Some(format!("{i:04}")),
                    label: name,
                    ..CompletionItem::default()
                })
                .collect()
        }
    }
}

/// Every completion for a document with these declarations.
pub fn items(symbols: &Symbols) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    let item = |label: &str, kind, detail: String, doc: Option<String>| CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        documentation: doc.map(Documentation::String),
        ..CompletionItem::default()
    };
    for (name, d) in &symbols.facts {
        let ty = match &d.decl.ty {
            TypeRef::Set(id) => format!("set of {}", id.name),
            TypeRef::Named(u) => u.text.clone(),
        };
        out.push(item(
            name,
            CompletionItemKind::VARIABLE,
            format!("fact: {ty}"),
            Some(d.decl.description.value.clone()),
        ));
    }
    for (name, d) in &symbols.enums {
        out.push(item(
            name,
            CompletionItemKind::ENUM,
            "enumeration".into(),
            d.decl.description.as_ref().map(|s| s.value.clone()),
        ));
        for v in &d.decl.values {
            out.push(item(
                &v.name.name,
                CompletionItemKind::ENUM_MEMBER,
                format!("value of {name}"),
                Some(v.description.value.clone()),
            ));
        }
    }
    for (name, d) in &symbols.defines {
        let params: Vec<&str> = d.decl.params.iter().map(|p| p.name.as_str()).collect();
        out.push(item(
            name,
            CompletionItemKind::FUNCTION,
            format!("define {name}({})", params.join(", ")),
            d.decl.description.as_ref().map(|s| s.value.clone()),
        ));
    }
    for k in keywords() {
        out.push(item(k, CompletionItemKind::KEYWORD, "keyword".into(), None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_before_the_cursor_leave_out_the_one_being_typed() {
        assert_eq!(
            words("  extent has any of [metastatic, unres"),
            ["extent", "has", "any", "of", "metastatic"]
        );
        assert_eq!(
            words("dose at most 600,000 "),
            ["dose", "at", "most", "600,000"]
        );
        assert_eq!(
            words("a is one of [x,y,"),
            ["a", "is", "one", "of", "x", "y"]
        );
        assert_eq!(
            words("B \"Dose\": dose <= 3 m"),
            ["B", "\"Dose\"", "dose", "<=", "3"]
        );
        assert!(is_number("600,000") && is_number("0.5") && !is_number("a1"));
    }

    #[test]
    fn the_keywords_are_the_grammars_words() {
        let k = keywords();
        for w in [
            "import",
            "library",
            "define",
            "policy",
            "enum",
            "open",
            "fact",
            "set",
            "equivalence",
            "indication",
            "applies",
            "when",
            "approve",
            "criteria",
            "dosing",
            "reauthorization",
            "refer",
            "clinician",
            "redirect",
            "all",
            "one",
            "none",
            "of",
            "if",
            "meets",
            "is",
            "not",
            "known",
            "has",
            "any",
            "at",
            "least",
            "most",
            "more",
            "less",
            "than",
            "and",
            "or",
            "million",
            "year",
            "months",
            "title",
            "drug",
            "plan",
            "covered",
            "outside",
            "effective",
            "review",
            "revision",
            "condition",
            "approval",
        ] {
            assert!(k.contains(&w), "{w} is a keyword");
        }
        assert!(!k.contains(&"n") && !k.contains(&"a"));
        // Sorted, without repeats.
        assert!(k.windows(2).all(|p| p[0] < p[1]));
    }
}
