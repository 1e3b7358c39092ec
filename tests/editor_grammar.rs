//! The editor's TextMate grammar (`editors/vscode/syntaxes/policy.tmLanguage.json`) keeps up with
//! the language's grammar (`grammar/policy.pest`): every keyword the pest grammar writes as a
//! literal (`indication`, `least`, `clinician`, `months`, `million`, …) and every operator of
//! comparisons and formulas (`>=`, `≥`, `×`, …) appears in one of the TextMate grammar's regular
//! expressions. A keyword added to the language without highlighting fails here, by name.
//! (Which scope each keyword gets is asserted by the extension's own tests, editors/vscode/test/.)

use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The rules of a pest grammar: `(name, body)` for each `name = { body }` line, comments left out.
/// Every rule of policy.pest is written on one line.
fn pest_rules(pest: &str) -> Vec<(&str, &str)> {
    pest.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .filter_map(|l| {
            let (name, rest) = l.split_once('=')?;
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return None;
            }
            let rest = rest.trim_start().trim_start_matches(['_', '@', '$', '!']);
            let body = rest.strip_prefix('{')?.strip_suffix('}')?;
            Some((name, body))
        })
        .collect()
}

/// The string literals of a rule's body, unescaped (`"\""` is `"`; an escape of a control or
/// other character, `"\n"` or `"\u{FEFF}"`, is kept as a character that is not a letter).
fn literals(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut lit = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                // `\"` and `\\` stand for themselves; `\n`, `\t`, `\u{FEFF}` for characters
                // that are not letters (so such a literal is never a keyword).
                '\\' => match chars.next() {
                    Some(c @ ('"' | '\\')) => lit.push(c),
                    Some(_) => lit.push('\u{1}'),
                    None => {}
                },
                c => lit.push(c),
            }
        }
        out.push(lit);
    }
    out
}

/// The keywords of the language: every literal of policy.pest made of letters. The rule
/// `string_inner` is left out: its literals are the characters of escapes (`\n`), not words.
fn pest_keywords(pest: &str) -> BTreeSet<String> {
    pest_rules(pest)
        .into_iter()
        .filter(|(name, _)| *name != "string_inner")
        .flat_map(|(_, body)| literals(body))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic()))
        .collect()
}

/// The operators of comparisons and formulas: the literals of the rules `cmp_*`, `add_op` and
/// `mul_op` that are not words (`>=`, `≥`, `!=`, `×`, `+`, …).
fn pest_operators(pest: &str) -> BTreeSet<String> {
    pest_rules(pest)
        .into_iter()
        .filter(|(name, _)| name.starts_with("cmp_") || *name == "add_op" || *name == "mul_op")
        .flat_map(|(_, body)| literals(body))
        .filter(|l| !l.is_empty() && !l.chars().any(|c| c.is_ascii_alphabetic()))
        .collect()
}

/// The regular expressions of a TextMate grammar: the `match`, `begin` and `end` strings of every
/// rule, wherever they are nested.
fn regexes(grammar: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![grammar];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s)
                            if matches!(k.as_str(), "match" | "begin" | "end") =>
                        {
                            out.push(s.clone())
                        }
                        v => stack.push(v),
                    }
                }
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// The words a regular expression matches literally: runs of letters, where an escape (`\b`, `\s`,
/// `\t`) ends a run and is not part of one.
fn regex_words(regex: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    let mut word = String::new();
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        if c.is_ascii_alphabetic() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            words.insert(std::mem::take(&mut word));
        }
        if c == '\\' {
            chars.next();
        }
    }
    if !word.is_empty() {
        words.insert(word);
    }
    words
}

/// A regular expression with the escapes of punctuation undone (`\*` is `*`, `\-` is `-`).
fn unescaped(regex: &str) -> String {
    let mut out = String::new();
    let mut chars = regex.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&n)) if !n.is_ascii_alphanumeric() => {
                out.push(n);
                chars.next();
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// What the TextMate grammar lacks: the keywords and operators of the pest grammar that none of
/// its regular expressions matches.
fn missing(pest: &str, textmate: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let grammar: serde_json::Value = serde_json::from_str(textmate)
        .map_err(|e| format!("the TextMate grammar is not JSON: {e}"))?;
    let regexes = regexes(&grammar);
    let words: BTreeSet<String> = regexes.iter().flat_map(|r| regex_words(r)).collect();
    let texts: Vec<String> = regexes.iter().map(|r| unescaped(r)).collect();
    let keywords = pest_keywords(pest)
        .into_iter()
        .filter(|k| !words.contains(k))
        .collect();
    let operators = pest_operators(pest)
        .into_iter()
        .filter(|o| !texts.iter().any(|t| t.contains(o.as_str())))
        .collect();
    Ok((keywords, operators))
}

const PEST: &str = "grammar/policy.pest";
const TEXTMATE: &str = "editors/vscode/syntaxes/policy.tmLanguage.json";

#[test]
fn the_textmate_grammar_has_every_keyword_and_operator_of_policy_pest() {
    let (keywords, operators) =
        missing(&read(PEST), &read(TEXTMATE)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        keywords.is_empty() && operators.is_empty(),
        "{TEXTMATE} does not match these keywords of {PEST}: [{}], nor these operators: [{}].\n\
         Add each to a rule of the TextMate grammar with the scope its kind has (see the grammar's \
         repository), and an assertion of that scope to editors/vscode/test/*.test.policy.",
        keywords.join(", "),
        operators.join(" "),
    );
}

#[test]
fn the_keywords_and_operators_are_read_from_policy_pest() {
    let pest = read(PEST);
    let keywords = pest_keywords(&pest);
    let expected = "import library define policy title covered outside effective enum open fact \
        within set equivalence indication applies approve months criteria dosing reauthorization \
        refer a clinician redirect none when if meets least most than condition approval known \
        thousand million billion and or not";
    for k in expected.split_whitespace() {
        assert!(
            keywords.contains(k),
            "`{k}` was not read from {PEST}: {keywords:?}"
        );
    }
    assert!(
        !keywords.contains("n"),
        "the `\\n` escape of strings was read as a keyword"
    );
    let operators = pest_operators(&pest);
    for o in ">= ≥ <= ≤ > < != ≠ = + - * × /".split_whitespace() {
        assert!(
            operators.contains(o),
            "`{o}` was not read from {PEST}: {operators:?}"
        );
    }
}

#[test]
fn a_keyword_or_operator_the_textmate_grammar_lacks_is_named() {
    let pest = read(PEST);
    let textmate = read(TEXTMATE);
    // The same grammar without `reauthorization`, `clinician` and `≠`: each is reported.
    let broken = textmate
        .replace("reauthorization", "reauthorisation")
        .replace("clinician", "doctor")
        .replace('≠', "~");
    let (keywords, operators) = missing(&pest, &broken).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keywords, ["clinician", "reauthorization"]);
    assert_eq!(operators, ["≠"]);
    // A word in a scope name, a comment or a string of the grammar does not count: only what its
    // regular expressions match.
    let named_only = textmate.replace(r#"\\b(?:criteria|dosing)\\b"#, r#"\\b(?:dosing)\\b"#);
    assert_ne!(
        named_only, textmate,
        "the rule for `criteria` was not found to remove"
    );
    let named_only = named_only.replacen(
        r#""scopeName""#,
        r#""information_for_contributors": ["criteria"], "scopeName""#,
        1,
    );
    let (keywords, _) = missing(&pest, &named_only).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keywords, ["criteria"]);
    assert!(missing(&pest, "{ not json").is_err());
}
