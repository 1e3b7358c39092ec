//! Syntax errors in the analyst's words: where the parse stopped, and what was expected there.

use super::Rule;
use crate::ast::Span;
use crate::diag::{codes, Diagnostic};

/// Turn a pest error into a diagnostic an analyst can act on.
pub(super) fn syntax_error(text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    // Point at the whole offending word, not an empty position.
    let word_end = text[start..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map(|(i, _)| start + i)
        .unwrap_or(text.len());
    let span = Span::new(start, end.max(word_end).max(start));
    let found = if start >= text.len() {
        "the end of the file".to_string()
    } else {
        format!("`{}`", &text[span.start..span.end])
    };
    let expected: Vec<String> = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut v: Vec<String> = positives.iter().filter_map(|r| describe(*r)).collect();
            // `regimen dose every` then another item: the name of a fact was expected, not a
            // keyword.
            if negatives.contains(&Rule::next_item_kw) {
                v.push("the name of a fact".into());
            }
            v.sort();
            v.dedup();
            v
        }
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    let expected_text = match expected.len() {
        0 => "something else".to_string(),
        1 => expected[0].clone(),
        _ => {
            let (last, rest) = expected.split_last().expect("non-empty");
            format!("{} or {}", rest.join(", "), last)
        }
    };
    let help = syntax_help(text, start, &expected);
    Diagnostic::error(
        codes::SYNTAX,
        format!("unexpected {found}: expected {expected_text}"),
        span,
        format!("expected {expected_text} here"),
    )
    .with_help(help)
}

fn syntax_help(text: &str, pos: usize, expected: &[String]) -> String {
    let rest = &text[pos.min(text.len())..];
    let before = text[..pos.min(text.len())].trim_end();
    let previous = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    if matches!(previous, "and" | "or" | "not") {
        return format!(
            "`{previous}` must be followed by a condition; remove it, or complete the condition"
        );
    }
    if expected
        .iter()
        .any(|e| e.contains("number of doses") || e.contains("`for N doses`"))
    {
        return "a phase of a course is its label, its sentence, how many doses it lasts and `:`, then what it allows: `i \"...\" for 4 doses: 3 mg/kg every 3 weeks`".into();
    }
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if before[line_start..].starts_with("regimen ")
        || expected.iter().any(|e| e == "the name of a fact")
    {
        return "a regimen is declared on one line: `regimen dose or dose_per_kg every dose_interval counting doses_given` (the dose facts, `every` and the interval fact, and for phases `counting` and the count of doses given)".into();
    }
    if previous == "every" {
        return "a regimen is the amount of each dose, `every`, and how often: `240 mg every 2 weeks`".into();
    }
    let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    if word.chars().next().is_some_and(|c| c.is_ascii_digit()) && word.contains('/') {
        return "write dates as YYYY-MM-DD, e.g. 2022-01-01".into();
    }
    if expected.iter().any(|e| e.contains("`when`")) {
        return "after a criterion's label and sentence comes `:` and its condition (or `when ...:` / `if ...:` first)".into();
    }
    if rest.starts_with('"') && expected.iter().any(|e| e.contains("labelled criterion")) {
        return "this criterion has no label: write the document's label before its sentence, e.g. `A \"Patient is at least 18 years of age\": age at least 18 years`".into();
    }
    if rest.starts_with('"') || expected.iter().any(|e| e.contains("closing")) {
        return "check that every string is closed with `\"` on the same line".into();
    }
    if expected
        .iter()
        .any(|e| e.contains("bounds of a range") || e.starts_with("a bound"))
    {
        return "a plausible range is `within <lower> to <upper>`, e.g. `within 0.3 kg to 650 kg`, `within 0 to 50` or `within 2000-01-01 to 2030-12-31`; a bound is not restated in a second unit".into();
    }
    if expected.iter().any(|e| e.contains("label")) {
        return "each criterion starts with its label and sentence from the document, e.g. `iii \"Patient has tried at least one other systemic therapy\": prior_systemic_therapies at least 1`".into();
    }
    // An item that fails at its first words is reported at its keyword: say how it is written.
    let forms = [
        ("fact ", "a fact is declared as `fact name: type \"description\"`, e.g. `fact body_weight: kg \"The patient's body weight\"`: check the `:` after the name, the type and the quoted description"),
        ("enum ", "an enumeration is declared as `enum Name \"description\" { value \"words\" ... }`: check its name, its description and its `{`"),
        ("indication ", "an indication is written `indication 1 \"Title\" { ... }`: check its number, its quoted title and its `{`"),
        ("define ", "a definition is written `define name \"sentence\" = condition` (or with parameters: `define name(x) \"sentence\" = ...`)"),
        ("equivalence ", "an equivalence is written `equivalence 18 million IU = 1.1 mg \"source\"`"),
        ("import ", "an import is written `import \"lib/common.policy\"`"),
    ];
    if let Some((_, help)) = forms.iter().find(|(k, _)| rest.starts_with(k)) {
        if expected.iter().any(|e| e.contains("item")) {
            return (*help).to_string();
        }
    }
    if expected.iter().any(|e| e.contains("item")) {
        return "a policy file holds `policy`, `enum`, `fact`, `equivalence` and `indication` blocks; check for a missing `}` or a misspelled keyword".into();
    }
    "compare this line with the language tour in the README; a missing `:`, `{` or `}` is the usual cause".into()
}

fn describe(r: Rule) -> Option<String> {
    let s = match r {
        Rule::EOI => "the end of the file",
        Rule::import
        | Rule::policy_header
        | Rule::enum_decl
        | Rule::fact_decl
        | Rule::equivalence
        | Rule::indication => "an item (`policy`, `enum`, `fact`, `equivalence`, `indication`)",
        Rule::regimen_decl => "an item (`policy`, `enum`, `fact`, `regimen`, `equivalence`, `indication`)",
        Rule::every_kw => "`every` and how often (`240 mg every 2 weeks`)",
        Rule::counting_kw => "`counting` and the fact that counts the doses given",
        Rule::phase | Rule::phases => "a phase (`i \"sentence\" for 4 doses: ...`)",
        Rule::phase_doses | Rule::for_kw => "`for N doses` or `:`",
        Rule::doses_kw => "`doses` after the number of doses",
        Rule::meta_entry => "a header entry (`title`, `drug`, `plan`, `effective`, `review`, `revision`, `not covered`, `outside dosing`)",
        Rule::enum_value => "an enumeration value (`name \"description\"`)",
        Rule::ident | Rule::fact_ref => "a name",
        Rule::string => "a quoted sentence",
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::number => "a number",
        Rule::type_ref | Rule::set_type => "a type (`boolean`, `count`, `number`, `date`, a unit, an enumeration or `set of ...`)",
        Rule::unit_expr => "a unit",
        Rule::fact_range | Rule::within_kw => "a plausible range (`within 0.3 kg to 650 kg`)",
        Rule::to_kw => "`to` between the bounds of a range",
        Rule::range_bound | Rule::range_quantity => "a bound (a number with its unit, or a date)",
        Rule::applies | Rule::duration | Rule::criteria | Rule::dosing => {
            "`applies when`, `approve for`, `criteria` or `dosing`"
        }
        Rule::duration_unit => "a duration unit (`years`, `months`, `weeks`, `days`)",
        Rule::body | Rule::group | Rule::group_kind => "`all of {`, `one of {`, `none of {` or a condition",
        Rule::node | Rule::label => "a labelled criterion (`A \"sentence\": ...`)",
        Rule::guard | Rule::only_if => "`:`, `when` or `if`",
        Rule::expr | Rule::and_expr | Rule::not_expr | Rule::comparison | Rule::membership | Rule::set_test | Rule::fact_test | Rule::known_test => "a condition",
        Rule::cmp_op => "a comparison (`at least`, `at most`, `more than`, `less than`, `is`, `=`)",
        Rule::value_expr | Rule::value_term | Rule::quantity => "a value",
        Rule::list => "a list `[a, b]`",
        Rule::and_op | Rule::or_op => "`and` or `or`",
        _ => return None,
    };
    Some(s.to_string())
}
