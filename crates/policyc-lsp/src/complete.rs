//! Completion: the names a document can use (its facts, enumerations, their values and its
//! definitions, and those of the libraries it imports) and the language's keywords. The client
//! filters them by what is typed.

use crate::analysis::Symbols;
use lsp_types::{CompletionItem, CompletionItemKind, Documentation};
use policyc::ast::TypeRef;

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
