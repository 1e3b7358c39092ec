//! Conditions and decisions in words: what a condition requires, a condition with its facts, and a
//! decision rendered for a person.

use super::{Decision, DecisionKind};
use policyc_ir::ir::{Cond, FactType, Program};
use policyc_syntax::ast::{CmpOp, SetQuant};

/// What a condition requires of its fact, in words: `at most 600,000 IU/kg`, `is intravenous`
/// (values by their names, as the policy's code writes them: for analysts).
pub(crate) fn allowed(p: &Program, c: &Cond) -> String {
    allowed_in(p, c, false)
}

/// What a condition requires of its fact, in words for a person reading a decision: values of an
/// enumeration by their descriptions, their names in brackets (`is intravenous infusion
/// [intravenous]`), and limits in one number style with the values a decision states (`at most
/// 1,000,000 IU/m2` for the policy's `1 million IU/m2`).
pub(crate) fn allowed_words(p: &Program, c: &Cond) -> String {
    allowed_in(p, c, true)
}

/// `text` with each number followed by a scale word written out in digits, grouped by thousands
/// as decisions write every other number: `1 million IU/m2` → `1,000,000 IU/m2`, `1.5 thousand
/// IU` → `1,500 IU`. Other text is kept as it is.
pub(crate) fn plain_numbers(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let scale = match words.get(i + 1).copied() {
            Some("thousand") => Some(1_000u64),
            Some("million") => Some(1_000_000),
            Some("billion") => Some(1_000_000_000),
            _ => None,
        };
        // The number, after an opening parenthesis if any (`(1 million IU)`).
        let w = words[i];
        let (open, number) = w.split_at(w.len() - w.trim_start_matches('(').len());
        let value = number
            .replace(',', "")
            .parse::<rust_decimal::Decimal>()
            .ok()
            .filter(|_| number.starts_with(|c: char| c.is_ascii_digit()));
        match (value, scale) {
            (Some(v), Some(k)) => match v.checked_mul(rust_decimal::Decimal::from(k)) {
                Some(n) => {
                    out.push(format!("{open}{}", policyc_ir::units::format_decimal(n)));
                    i += 2;
                }
                None => {
                    out.push(w.to_string());
                    i += 1;
                }
            },
            _ => {
                out.push(w.to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
}

/// `text` as it reads inside a sentence: `The patient's body weight` → `the patient's body
/// weight`; a text that starts with an initialism (`BSA`, `BRAF V600`) is kept.
pub(crate) fn lowercase_first(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    lowercase_first_into(text, &mut out);
    out
}

/// [`lowercase_first`], written at the end of `out`.
fn lowercase_first_into(text: &str, out: &mut String) {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            out.extend(a.to_lowercase());
            out.push_str(&text[a.len_utf8()..]);
        }
        _ => out.push_str(text),
    }
}

/// [`lowercase_first`] of the text `out` holds from byte `start` on, in place.
pub(crate) fn lowercase_first_at(out: &mut String, start: usize) {
    let mut chars = out[start..].chars();
    let (Some(a), Some(b)) = (chars.next(), chars.next()) else {
        return;
    };
    if a.is_uppercase() && !b.is_uppercase() {
        // A letter lowercases to at most 3 letters of at most 4 bytes each.
        let mut buf = [0u8; 12];
        let mut n = 0;
        for c in a.to_lowercase() {
            n += c.encode_utf8(&mut buf[n..]).len();
        }
        if let Ok(lower) = std::str::from_utf8(&buf[..n]) {
            out.replace_range(start..start + a.len_utf8(), lower);
        }
    }
}

/// A fact's description as it reads inside a sentence: its first word lowercased only when it is
/// a common word that starts a description (`The patient's age` → `the patient's age`, `Each
/// dose …`, `How many …`); a description that starts with a name (`Proleukin will be used …`,
/// `Specialties of …`) or an initialism is kept as written.
pub(crate) fn description_in_sentence(text: &str) -> String {
    const COMMON: [&str; 22] = [
        "the",
        "a",
        "an",
        "each",
        "every",
        "any",
        "all",
        "how",
        "what",
        "which",
        "whether",
        "when",
        "where",
        "whose",
        "its",
        "their",
        "this",
        "that",
        "these",
        "those",
        "according",
        "number",
    ];
    let first = text
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    if COMMON.contains(&first.to_lowercase().as_str()) {
        lowercase_first(text)
    } else {
        text.to_string()
    }
}

/// A value of the enumeration of fact `slot` (an enumeration or a set fact) for a person: its
/// description as it reads inside a sentence, its name in brackets (`cutaneous melanoma
/// [cutaneous_melanoma]`; `oncologist` alone when they say the same); its name alone when the policy gives no description or does not list
/// it (an open enumeration's other value, as the request wrote it).
pub(crate) fn value_words(p: &Program, slot: u32, name: &str) -> String {
    let mut out = String::new();
    value_words_into(p, slot, name, &mut out);
    out
}

/// [`value_words`], written at the end of `out`.
fn value_words_into(p: &Program, slot: u32, name: &str, out: &mut String) {
    let e = match p.facts.get(slot as usize).map(|f| &f.ty) {
        Some(FactType::Enum { enum_index }) | Some(FactType::Set { enum_index }) => {
            p.enums.get(*enum_index as usize)
        }
        _ => None,
    };
    match e.and_then(|e| e.values.iter().find(|v| v.name == name)) {
        Some(v) if !v.description.is_empty() => {
            let start = out.len();
            lowercase_first_into(&v.description, out);
            // `oncologist` for a value `oncologist "Oncologist"`: the name adds nothing.
            if !same_words(&out[start..], &v.name) {
                out.push_str(" [");
                out.push_str(&v.name);
                out.push(']');
            }
        }
        _ => out.push_str(name),
    }
}

/// Whether `words` and a value's `name` say the same, case and underscores aside (`Oncologist`,
/// `oncologist`; `transplant center physician`, `transplant_center_physician`).
fn same_words(words: &str, name: &str) -> bool {
    if words.is_ascii() && name.is_ascii() {
        let name = name.bytes().map(|b| if b == b'_' { b' ' } else { b });
        return words.len() == name.len()
            && words
                .bytes()
                .zip(name)
                .all(|(a, b)| a.eq_ignore_ascii_case(&b));
    }
    words.to_lowercase() == name.replace('_', " ").to_lowercase()
}

/// Whether `text` has a scale word that [`plain_numbers`] may write out in digits (without one,
/// it returns the text as it is).
fn has_scale_word(text: &str) -> bool {
    text.split(' ')
        .any(|w| matches!(w, "thousand" | "million" | "billion"))
}

/// What a condition requires, for analysts (`people` false: values by name, limits as written) or
/// for a person reading a decision (`people`: see [`allowed_words`]).
fn allowed_in(p: &Program, c: &Cond, people: bool) -> String {
    let mut out = String::new();
    allowed_into(p, c, people, &mut out);
    out
}

/// [`allowed_in`], written at the end of `out`.
fn allowed_into(p: &Program, c: &Cond, people: bool, out: &mut String) {
    let list = |fact: &u32, values: &[String], out: &mut String| {
        for (k, v) in values.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            if people {
                value_words_into(p, *fact, v, out);
            } else {
                out.push_str(v);
            }
        }
    };
    let limit = |text: &str, out: &mut String| {
        if people && has_scale_word(text) {
            out.push_str(&plain_numbers(text));
        } else {
            out.push_str(text);
        }
    };
    let documentation = |fact: &u32| {
        matches!(
            p.facts.get(*fact as usize).map(|f| &f.ty),
            Some(FactType::Documentation)
        )
    };
    match c {
        Cond::Compare { op, limit: l, .. } => {
            out.push_str(op.words());
            out.push(' ');
            limit(&l.text, out);
        }
        Cond::CompareFacts { op, right, .. } => {
            out.push_str(op.words());
            out.push(' ');
            out.push_str(&p.facts[*right as usize].name);
        }
        Cond::EnumIn { fact, values, .. } => {
            out.push_str(if values.len() == 1 {
                "is "
            } else {
                "is one of "
            });
            list(fact, values, out);
        }
        Cond::SetHas {
            fact,
            quant,
            values,
            ..
        } => {
            out.push_str(match quant {
                SetQuant::Any => "has any of ",
                SetQuant::All => "has all of ",
                SetQuant::None => "has none of ",
            });
            list(fact, values, out);
        }
        Cond::IsTrue { fact } => out.push_str(if documentation(fact) {
            "is provided"
        } else {
            "is yes"
        }),
        Cond::Known { .. } => out.push_str("is stated"),
        Cond::Not { not } => match not.as_ref() {
            Cond::IsTrue { fact } => out.push_str(if documentation(fact) {
                "is not provided"
            } else {
                "is no"
            }),
            Cond::EnumIn { fact, values, .. } => {
                out.push_str(if values.len() == 1 {
                    "is not "
                } else {
                    "is none of "
                });
                list(fact, values, out);
            }
            Cond::SetHas {
                fact,
                quant: SetQuant::Any,
                values,
                ..
            } => {
                out.push_str("has none of ");
                list(fact, values, out);
            }
            Cond::Known { .. } => out.push_str("is not stated"),
            Cond::Compare { op, limit: l, .. } => {
                out.push_str(negate(*op).words());
                out.push(' ');
                limit(&l.text, out);
            }
            other => {
                out.push_str("not (");
                allowed_into(p, other, people, out);
                out.push(')');
            }
        },
        Cond::All { all: v } | Cond::Any { any: v } => {
            let and = if matches!(c, Cond::All { .. }) {
                " and "
            } else {
                " or "
            };
            for (k, x) in v.iter().enumerate() {
                if k > 0 {
                    out.push_str(and);
                }
                allowed_into(p, x, people, out);
            }
        }
    }
}

/// A condition in words, with the facts it tests: `route is intravenous and age at least 18 years`.
pub fn describe(p: &Program, c: &Cond) -> String {
    match c {
        Cond::All { all } => all
            .iter()
            .map(|x| describe(p, x))
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Any { any } => any
            .iter()
            .map(|x| describe(p, x))
            .collect::<Vec<_>>()
            .join(" or "),
        Cond::Not { not }
            if matches!(
                not.as_ref(),
                Cond::All { .. } | Cond::Any { .. } | Cond::Not { .. }
            ) =>
        {
            format!("not ({})", describe(p, not))
        }
        leaf => match first_fact(leaf).and_then(|f| p.facts.get(f as usize)) {
            Some(fact) => format!("{} {}", fact.name, allowed(p, leaf)),
            None => allowed(p, leaf),
        },
    }
}

pub(super) fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
    }
}

pub(super) fn first_fact(c: &Cond) -> Option<u32> {
    match c {
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => Some(*fact),
        Cond::CompareFacts { left, .. } => Some(*left),
        Cond::Not { not } => first_fact(not),
        Cond::All { all: v } | Cond::Any { any: v } => v.first().and_then(first_fact),
    }
}

pub(super) fn facts_of(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| facts_of(x, out)),
        Cond::Not { not } => facts_of(not, out),
        Cond::CompareFacts { left, right, .. } => out.extend([*left, *right]),
        leaf => out.extend(first_fact(leaf)),
    }
}

/// The width human output wraps at.
const WIDTH: usize = 100;

/// `text` wrapped at word boundaries to [`WIDTH`] columns: the first line after `first` (already
/// indented as the caller wants), the following lines indented by `indent` spaces. A word longer
/// than a line is left whole.
fn wrap(first: &str, text: &str, indent: usize) -> String {
    let mut out = String::from(first);
    let mut col = first.chars().count();
    let mut at_start = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if !at_start && col + 1 + len > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if !at_start {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
        at_start = false;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// UCUM codes as a person reads them, in text that may hold several values with units.
const UCUM_NAMES: &[(&str, &str, &str)] = &[
    // (code, name after the number 1, name after other numbers)
    ("{dose}/d", "dose/day", "doses/day"),
    ("{dose}/wk", "dose/week", "doses/week"),
    ("{dose}", "dose", "doses"),
    ("[IU]", "IU", "IU"),
    ("[lb_av]", "lb", "lb"),
    ("[in_i]", "in", "in"),
];

/// A unit, or a text with values and units, as a person reads it: UCUM's bracketed codes by their
/// names (`[lb_av]` as `lb`, `{dose}/d` as `doses/day`), `m2` as `m²`, `m3` as `m³`.
pub(crate) fn display_unit(text: &str) -> String {
    let mut named = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (code, one, many) in UCUM_NAMES {
            if let Some(after) = rest.strip_prefix(code) {
                let name = if named.ends_with(" 1 ") || named == "1 " {
                    one
                } else {
                    many
                };
                named.push_str(name);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            named.push(c);
        }
        rest = chars.as_str();
    }
    let text = named.as_str();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // An `m` that ends a unit (`m2`, `IU/m2`, `cm2`), not an identifier (`dose_per_m2`).
        let word = |c: &char| c.is_alphanumeric() || *c == '_';
        let unit_m = i > 0 && chars[i - 1] == 'm' && (i < 2 || chars[i - 2] != '_');
        let ends = !chars.get(i + 1).is_some_and(word);
        match c {
            '2' if unit_m && ends => out.push('²'),
            '3' if unit_m && ends => out.push('³'),
            _ => out.push(c),
        }
    }
    out
}

/// What the request states of a tested fact, in the unit the policy writes (the request's own
/// wording after it when that differs), or `not stated`.
fn requested_words(t: &super::Test) -> String {
    let Some(shown) = &t.requested else {
        return "not stated".into();
    };
    let Some(super::Amount {
        value,
        unit: Some(unit),
        ..
    }) = &t.requested_value
    else {
        return display_unit(shown);
    };
    let Ok(v) = value.parse::<rust_decimal::Decimal>() else {
        return display_unit(shown);
    };
    if !t.derived_from.is_empty() {
        let inputs: Vec<String> = t
            .derived_from
            .iter()
            .filter_map(|i| {
                i.value
                    .as_ref()
                    .map(|v| format!("{} {}", i.fact, display_unit(v)))
            })
            .collect();
        let main = format!(
            "{} {}",
            policyc_ir::units::format_measured(v),
            display_unit(unit)
        );
        return if inputs.is_empty() {
            main
        } else {
            format!("{main}, computed from {}", inputs.join(", "))
        };
    }
    let main = format!(
        "{} {}",
        policyc_ir::units::format_decimal(v),
        display_unit(unit)
    );
    if display_unit(shown) == main {
        main
    } else {
        format!("{main} (stated as {})", display_unit(shown))
    }
}

/// A fact for a person: its description with its identifier in brackets.
fn fact_words(t: &super::Test) -> String {
    if t.description.is_empty() {
        t.fact.clone()
    } else {
        format!("{} [{}]", t.description, t.fact)
    }
}

/// Render a decision for a person: the decision, the policy and the request, the summary, then
/// what was met, not met, not applicable, exceeded or missing, one item a line, in the policy's
/// labels and words, wrapped at 100 columns.
pub fn render_human(d: &Decision) -> String {
    let mut s = String::new();
    let head = match d.decision {
        DecisionKind::Approve => "APPROVE",
        DecisionKind::Deny => "DENY",
        DecisionKind::NeedsInfo => "NEEDS MORE INFORMATION",
        DecisionKind::Refer if d.referral.as_ref().is_some_and(|r| r.redirect_to.is_some()) => {
            "REDIRECT TO ANOTHER REVIEW"
        }
        DecisionKind::Refer => "REFER TO A CLINICIAN",
    };
    s.push_str(&wrap(&format!("{head} — "), &d.policy.title, 2));
    let mut policy = format!("policy {}, effective {}", d.policy.id, d.policy.effective);
    if let Some(r) = &d.policy.review {
        policy.push_str(&format!(", reviewed {r}"));
    }
    if let Some(r) = &d.policy.last_revision {
        policy.push_str(&format!(", last revised {}", r.date));
    }
    s.push_str(&wrap("", &policy, 2));
    if let Some(v) = version_line(d) {
        s.push_str(&wrap("", &v, 2));
    }
    if let Some(h) = &d.policy.content_hash {
        s.push_str(&format!("IR sha256:{h}\n"));
    }
    let mut request = match &d.request_id {
        Some(id) => format!("request {id}"),
        None => "request (no request_id)".into(),
    };
    match &d.as_of {
        Some(date) => request.push_str(&format!(", date of service {date}")),
        None => request.push_str(", no date of service"),
    }
    s.push_str(&wrap("", &request, 2));
    s.push('\n');
    s.push_str(&wrap("", &d.summary, 0));
    if let Some(st) = &d.statement {
        s.push_str(&wrap("Policy: ", &format!("\"{st}\""), 2));
    }
    for w in &d.warnings {
        s.push_str(&wrap("Warning: ", &w.message, 2));
    }
    if let Some(a) = &d.approval {
        match (&a.start, &a.end) {
            (Some(st), Some(en)) => s.push_str(&format!(
                "\nApproval: {}, from {st} through {en}\n",
                a.duration.text
            )),
            _ => s.push_str(&format!(
                "\nApproval: {} from the date of service (the request states none)\n",
                a.duration.text
            )),
        }
    }
    if !d.criteria_met.is_empty() {
        s.push_str("\nCriteria met:\n");
        for c in &d.criteria_met {
            s.push_str(&wrap(&format!("  {}  ", c.label), &c.text, 6));
        }
    }
    if let Some(r) = &d.regimen {
        s.push_str("\nDosing regimen:\n");
        if let Some(p) = &r.phase {
            s.push_str(&wrap("  ", &display_unit(&super::phase_sentence(p)), 4));
        }
        let approves = d.decision == DecisionKind::Approve;
        if let Some(line) = super::regimen_sentence(&r.regimens, approves) {
            s.push_str(&wrap("  ", &display_unit(&line), 4));
        }
    }
    if !d.conditions.is_empty() {
        s.push_str("\nApproved on condition of the dosing limits:\n");
        for l in &d.conditions {
            s.push_str(&wrap(&format!("  {}  ", l.label), &fact_words(&l.test), 6));
            let req = match &l.test.requested {
                Some(_) => format!("requested {}", requested_words(&l.test)),
                None => "not stated: a condition of the approval".into(),
            };
            s.push_str(&wrap(
                "      ",
                &format!("{}; {req}", display_unit(&l.test.allowed)),
                8,
            ));
        }
    }
    if !d.exceeded.is_empty() {
        s.push_str("\nOutside the policy's dosing:\n");
        for l in &d.exceeded {
            s.push_str(&wrap(&format!("  {}  ", l.label), &l.text, 6));
            s.push_str(&wrap(
                "      ",
                &format!(
                    "{}: requested {}; the policy allows {}",
                    fact_words(&l.test),
                    requested_words(&l.test),
                    display_unit(&l.test.allowed)
                ),
                8,
            ));
        }
    }
    if !d.unmet.is_empty() {
        s.push_str("\nNot met:\n");
        for u in &d.unmet {
            s.push_str(&wrap(&format!("  {}  ", u.label), &u.text, 6));
            s.push_str(&wrap("      ", &display_unit(&u.reason), 8));
        }
    }
    if !d.not_applicable.is_empty() {
        s.push_str("\nNot applicable to this request (not counted against it):\n");
        for u in &d.not_applicable {
            s.push_str(&wrap(&format!("  {}  ", u.label), &u.text, 6));
            s.push_str(&wrap("      ", &display_unit(&u.reason), 8));
        }
    }
    if d.decision == DecisionKind::Deny && d.considered.len() > 1 {
        s.push_str("\nIndications considered:\n");
        for c in &d.considered {
            s.push_str(&wrap(
                &format!("  {}  ", c.label),
                &format!("{}: {}", c.title, display_unit(&c.reason)),
                6,
            ));
        }
    }
    if !d.missing.is_empty() {
        s.push_str("\nThe request should state:\n");
        for m in &d.missing {
            let or = if m.or_inputs.is_empty() {
                String::new()
            } else {
                format!(" (or: {})", m.or_inputs.join(", "))
            };
            let under: Vec<&str> = if m.criteria.is_empty() {
                m.indications.iter().map(|i| i.label.as_str()).collect()
            } else {
                m.criteria.iter().map(String::as_str).collect()
            };
            let under = if under.is_empty() {
                String::new()
            } else {
                format!("; needed for {}", under.join(", "))
            };
            let instead = if m.alternatives.is_empty() {
                String::new()
            } else {
                format!("; or instead: {}", m.alternatives.join(", "))
            };
            s.push_str(&wrap(
                &format!("  {}  ", m.fact),
                &format!("{}{or}{under}{instead}", m.description),
                6,
            ));
        }
    }
    if !d.provenance.is_empty() {
        s.push_str("\nFacts read from FHIR:\n");
        for p in &d.provenance {
            s.push_str(&wrap(
                &format!("  {}  ", p.fact),
                &format!("{}, from {} ({})", p.value, p.resource, p.element),
                6,
            ));
        }
    }
    if !d.links.is_empty() {
        s.push_str("\nIn the policy document:\n");
        let width = d.links.keys().map(|l| l.chars().count()).max().unwrap_or(0);
        for (label, url) in &d.links {
            s.push_str(&format!("  {label:<width$}  {url}\n"));
        }
    }
    s
}

/// The line naming the version that decided, when the caller chose it by date: `version in
/// force from 2022-01-01 until 2026-06-30, chosen for 2026-01-15 (the date of service)`.
fn version_line(d: &Decision) -> Option<String> {
    let p = &d.policy;
    p.chosen_for.as_ref()?;
    let mut v = format!("version in force from {}", p.effective);
    if let Some(u) = &p.in_force_until {
        v.push_str(&format!(" until {u}"));
    }
    if let Some(c) = &p.chosen_for {
        let why = match c.from {
            "today" => "today: no date of service",
            _ => "the date of service",
        };
        v.push_str(&format!(", chosen for {} ({why})", c.date));
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::{lowercase_first, plain_numbers};

    #[test]
    fn scale_words_are_written_in_digits_and_other_text_is_kept() {
        assert_eq!(plain_numbers("1 million IU/m2"), "1,000,000 IU/m2");
        assert_eq!(plain_numbers("6 million IU"), "6,000,000 IU");
        assert_eq!(plain_numbers("1.5 thousand IU"), "1,500 IU");
        assert_eq!(plain_numbers("2 billion cells"), "2,000,000,000 cells");
        assert_eq!(
            plain_numbers("18 million IU (1.1 mg)"),
            "18,000,000 IU (1.1 mg)"
        );
        assert_eq!(plain_numbers("(1 million IU)"), "(1,000,000 IU)");
        assert_eq!(
            plain_numbers("600,000 [IU]/kg (0.037 mg/kg)"),
            "600,000 [IU]/kg (0.037 mg/kg)"
        );
        assert_eq!(plain_numbers("a million thanks"), "a million thanks");
        assert_eq!(plain_numbers("million"), "million");
    }

    #[test]
    fn a_description_starts_in_lower_case_inside_a_sentence_unless_an_initialism() {
        assert_eq!(lowercase_first("Cutaneous melanoma"), "cutaneous melanoma");
        assert_eq!(lowercase_first("BRAF V600 mutation"), "BRAF V600 mutation");
        assert_eq!(lowercase_first("oncologist"), "oncologist");
        assert_eq!(lowercase_first(""), "");
    }
}
