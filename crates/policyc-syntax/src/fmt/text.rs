//! Text printed on one line: string literals, numbers and quantities as written, values, and
//! conditions with the parentheses the analyst wrote and those the parse needs.

use crate::ast::*;
use crate::parser::WrittenParens;
use std::cell::RefCell;
use std::collections::HashMap;

/// How many pairs of parentheses the file writes around each condition and value, by span.
#[derive(Default)]
struct Kept {
    conditions: HashMap<(usize, usize), u32>,
    values: HashMap<(usize, usize), u32>,
}

thread_local! {
    /// The parentheses of the file being printed ([`with_written_parens`]).
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
}

/// Run `f` (the printing of a file) keeping the parentheses `written` says the file has.
pub(super) fn with_written_parens<T>(written: &WrittenParens, f: impl FnOnce() -> T) -> T {
    let count = |spans: &[Span]| {
        let mut m: HashMap<(usize, usize), u32> = HashMap::new();
        for s in spans {
            *m.entry((s.start, s.end)).or_default() += 1;
        }
        m
    };
    KEPT.with(|k| {
        *k.borrow_mut() = Kept {
            conditions: count(&written.conditions),
            values: count(&written.values),
        }
    });
    let r = f();
    KEPT.with(|k| *k.borrow_mut() = Kept::default());
    r
}

fn written_around(span: Span, values: bool) -> u32 {
    KEPT.with(|k| {
        let k = k.borrow();
        let m = if values { &k.values } else { &k.conditions };
        m.get(&(span.start, span.end)).copied().unwrap_or(0)
    })
}

/// `text` inside `n` pairs of parentheses.
pub(super) fn wrap_parens(n: u32, text: String) -> String {
    if n == 0 {
        return text;
    }
    let n = n as usize;
    format!("{}{text}{}", "(".repeat(n), ")".repeat(n))
}

pub(super) fn width(s: &str) -> usize {
    s.chars().count()
}

/// A string literal, escaped as the grammar reads it back.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// The printing functions destructure the AST exhaustively, so that a field added to it later
// cannot be dropped silently: the formatter stops compiling until it prints the field.

/// ` icd10 ["C43*", "D03*"] snomed ["372244006"]`: code lists, each after a space.
pub(super) fn code_lists_text(lists: &[CodeList]) -> String {
    let mut s = String::new();
    for l in lists {
        let codes: Vec<String> = l.codes.iter().map(|c| quote(&c.value)).collect();
        s.push_str(&format!(" {} [{}]", l.system.keyword(), codes.join(", ")));
    }
    s
}

/// `from observation loinc "29463-7" within 30 days`.
pub(super) fn source_text(src: &FactSource) -> String {
    let words = match &src.kind {
        SourceKind::Observation { loinc, within } => {
            let mut s = format!("observation loinc {}", quote(&loinc.value));
            if let Some(w) = within {
                s.push_str(&format!(
                    " within {} {}",
                    number_text(&w.amount),
                    w.unit.name
                ));
            }
            s
        }
        SourceKind::Questionnaire { link_id } => format!("questionnaire {}", quote(&link_id.value)),
        other => other.words(),
    };
    format!("from {words}")
}

pub(super) fn number_text(n: &NumberLit) -> String {
    let NumberLit {
        text,
        scale,
        span: _,
    } = n;
    match scale {
        Some(s) => format!("{text} {s}"),
        None => text.clone(),
    }
}

/// Whether `unit` starts with a scale word (`million`) the grammar would read as the number's scale
/// if a space came before it.
fn starts_with_scale(unit: &str) -> bool {
    ["thousand", "million", "billion"].iter().any(|w| {
        unit.strip_prefix(w).is_some_and(|rest| {
            !rest
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

fn number_unit(n: &NumberLit, u: &UnitExpr) -> String {
    let UnitExpr { text, span: _ } = u;
    let sep = if n.scale.is_none() && starts_with_scale(text) {
        ""
    } else {
        " "
    };
    format!("{}{sep}{text}", number_text(n))
}

/// A quantity as written: `600,000 IU/kg (0.037 mg/kg)`, `6 million IU`.
pub(super) fn quantity_text(q: &QuantityLit) -> String {
    let QuantityLit {
        number,
        unit,
        alt,
        span: _,
    } = q;
    let mut s = match unit {
        Some(u) => number_unit(number, u),
        None => number_text(number),
    };
    if let Some((n, u)) = alt {
        s.push_str(" (");
        s.push_str(&number_unit(n, u));
        s.push(')');
    }
    s
}

fn value_prec(v: &ValueExpr) -> u8 {
    match v {
        ValueExpr::Binary {
            op: ArithOp::Add | ArithOp::Sub,
            ..
        } => 1,
        ValueExpr::Binary { .. } => 2,
        _ => 3,
    }
}

/// A value, inside the parentheses the analyst wrote around it.
pub(super) fn value_text(v: &ValueExpr) -> String {
    wrap_parens(written_around(v.span(), true), bare_value_text(v))
}

/// A value without the parentheses written around it as a whole.
fn bare_value_text(v: &ValueExpr) -> String {
    match v {
        ValueExpr::Fact(id) => id.name.clone(),
        ValueExpr::Quantity(q) => quantity_text(q),
        ValueExpr::Date(DateLit { text, span: _ }) => text.clone(),
        ValueExpr::Call {
            name,
            args,
            span: _,
        } => {
            let args: Vec<String> = args.iter().map(value_text).collect();
            format!("{}({})", name.name, args.join(", "))
        }
        ValueExpr::Binary {
            op,
            left,
            right,
            span: _,
        } => {
            let p = value_prec(v);
            // An operand keeps the parentheses written around it; without any, it gets those the
            // parse needs.
            let wrap = |x: &ValueExpr, paren: bool| {
                let written = written_around(x.span(), true);
                wrap_parens(written.max(u32::from(paren)), bare_value_text(x))
            };
            let sym = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            // Chains are left-associative: the right operand needs parentheses at equal precedence.
            format!(
                "{} {sym} {}",
                wrap(left, value_prec(left) < p),
                wrap(right, value_prec(right) <= p)
            )
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Parent {
    And,
    Or,
    Not,
}

/// Whether `e` needs parentheses as an operand of `parent` for the parse to give it back.
pub(super) fn needs_parens(e: &Expr, parent: Parent) -> bool {
    match e {
        // Kept even where only associativity differs: the program keeps the grouping.
        Expr::Or(..) => true,
        Expr::And(..) => parent != Parent::Or,
        _ => false,
    }
}

fn list_text(values: &[Ident]) -> String {
    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    format!("[{}]", names.join(", "))
}

/// A definition's parameter standing for a list (the parser keeps it as the only value).
fn param_text(values: &[Ident]) -> String {
    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    names.join(", ")
}

/// How many pairs of parentheses go around `e` as an operand of `parent` (whose span is
/// `parent_span`; `None` at the top of a condition): those the analyst wrote, or at least those
/// the parse needs. A condition with its parent's span (the inner `not` of `not not a`) shares the
/// parent's parentheses.
pub(super) fn parens_for(e: &Expr, parent: Option<(Parent, Span)>) -> u32 {
    let written = match parent {
        Some((_, ps)) if ps == e.span() => 0,
        _ => written_around(e.span(), false),
    };
    let needed = parent.is_some_and(|(p, _)| needs_parens(e, p));
    written.max(u32::from(needed))
}

fn operand_text(e: &Expr, parent: Parent, parent_span: Span) -> String {
    wrap_parens(
        parens_for(e, Some((parent, parent_span))),
        bare_expr_text(e),
    )
}

/// A condition on one line, inside the parentheses the analyst wrote around it.
pub(super) fn expr_text(e: &Expr) -> String {
    wrap_parens(parens_for(e, None), bare_expr_text(e))
}

/// A condition on one line, without the parentheses written around it as a whole.
pub(super) fn bare_expr_text(e: &Expr) -> String {
    match e {
        Expr::And(parts, sp) => parts
            .iter()
            .map(|p| operand_text(p, Parent::And, *sp))
            .collect::<Vec<_>>()
            .join(" and "),
        Expr::Or(parts, sp) => parts
            .iter()
            .map(|p| operand_text(p, Parent::Or, *sp))
            .collect::<Vec<_>>()
            .join(" or "),
        Expr::Not(inner, sp) => format!("not {}", operand_text(inner, Parent::Not, *sp)),
        Expr::Membership {
            fact,
            negated,
            values,
            param,
            span: _,
        } => {
            let not = if *negated { "not " } else { "" };
            match (param, values.as_slice()) {
                // `is one of specialties`: a definition's parameter.
                (true, _) => format!("{} is {not}one of {}", fact.name, param_text(values)),
                (false, [one]) => format!("{} is {not}{}", fact.name, one.name),
                (false, _) => format!("{} is {not}one of {}", fact.name, list_text(values)),
            }
        }
        Expr::SetTest {
            fact,
            quant,
            values,
            param,
            span: _,
        } => {
            let q = match quant {
                SetQuant::Any => "any",
                SetQuant::All => "all",
                SetQuant::None => "none",
            };
            match (param, quant, values.as_slice()) {
                (true, _, _) => format!("{} has {q} of {}", fact.name, param_text(values)),
                (false, SetQuant::Any, [one]) => format!("{} has {}", fact.name, one.name),
                (false, _, _) => format!("{} has {q} of {}", fact.name, list_text(values)),
            }
        }
        Expr::Meets { label, span: _ } => format!("meets {label}"),
        Expr::UseDefine {
            name,
            args,
            span: _,
        } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match a {
                    DefineArg::List(values, _) => list_text(values),
                    DefineArg::Value(v) => value_text(v),
                })
                .collect();
            format!("{}({})", name.name, args.join(", "))
        }
        Expr::Compare {
            left,
            op,
            right,
            condition,
            span: _,
        } => {
            let cond = if *condition {
                ", as a condition of approval"
            } else {
                ""
            };
            format!(
                "{} {} {}{cond}",
                value_text(left),
                op.words(),
                value_text(right)
            )
        }
        Expr::Known {
            fact,
            negated,
            span: _,
        } => {
            let not = if *negated { "not " } else { "" };
            format!("{} is {not}known", fact.name)
        }
        Expr::FactTest(id) => id.name.clone(),
        Expr::Regimen {
            amount,
            every,
            condition,
            span: _,
        } => {
            let cond = if *condition {
                ", as a condition of approval"
            } else {
                ""
            };
            format!(
                "{} every {}{cond}",
                quantity_text(amount),
                quantity_text(every)
            )
        }
    }
}

pub(super) fn referral_text(r: &Referral) -> String {
    let Referral { redirect, span: _ } = r;
    match redirect {
        Some(to) => format!("redirect to {}", quote(&to.value)),
        None => "refer to a clinician".to_string(),
    }
}
