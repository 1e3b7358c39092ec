//! Literals: numbers (with thousands separators and scale words), units, quantities and dates,
//! read exactly or reported; and how a quantity is quoted back in messages and the IR.

use super::Checker;
use policyc_ir::units::{self, format_decimal, parse_unit, Unit, UnitError};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};
use rust_decimal::Decimal;
use std::str::FromStr;

impl Checker<'_> {
    /// A date literal as a calendar date, or an error if there is no such date.
    pub(super) fn date(&mut self, d: &DateLit) -> Option<jiff::civil::Date> {
        match d.text.parse::<jiff::civil::Date>() {
            Ok(x) => Some(x),
            Err(_) => {
                self.err(
                    Diagnostic::error(
                        codes::BAD_DATE,
                        format!("`{}` is not a calendar date", d.text),
                        d.span,
                        "no such date",
                    )
                    .with_help(
                        "write dates as YYYY-MM-DD with a real month and day, e.g. 2025-02-05",
                    ),
                );
                None
            }
        }
    }

    /// A number as written, with thousands separators and a scale word, as an exact decimal.
    pub(super) fn number(&mut self, n: &NumberLit) -> Option<Decimal> {
        let digits: String = n.text.chars().filter(|c| *c != ',').collect();
        let Ok(mut v) = Decimal::from_str(&digits) else {
            self.err(
                Diagnostic::error(
                    codes::BAD_NUMBER,
                    format!("`{}` is not a number policyc can hold exactly", n.text),
                    n.span,
                    "this number",
                )
                .with_help("numbers have at most 28 significant digits"),
            );
            return None;
        };
        if let Some(s) = &n.scale {
            let m = match s.as_str() {
                "thousand" => Decimal::from(1_000),
                "million" => Decimal::from(1_000_000),
                _ => Decimal::from(1_000_000_000),
            };
            v = self.exact(v.checked_mul(m), n.span)?;
        }
        Some(v)
    }

    /// An arithmetic result, or an error when it overflows exact decimals.
    pub(super) fn exact(&mut self, v: Option<Decimal>, span: Span) -> Option<Decimal> {
        if v.is_none() {
            self.err(
                Diagnostic::error(codes::BAD_NUMBER, "this number is too large to hold exactly", span, "too large")
                    .with_help("numbers have at most 28 significant digits; check for extra digits or a wrong scale word"),
            );
        }
        v
    }

    /// A quantity literal's primary value and unit (the unit is `None` for a plain number).
    pub(super) fn quantity_lit(&mut self, q: &QuantityLit) -> Option<(Decimal, Option<Unit>)> {
        let v = self.number(&q.number)?;
        match &q.unit {
            None => Some((v, None)),
            Some(u) => Some((v, Some(self.unit(u)?))),
        }
    }

    /// A unit as written, or an unknown-unit error.
    pub(super) fn unit(&mut self, u: &UnitExpr) -> Option<Unit> {
        match parse_unit(&u.text) {
            Ok(x) => Some(x),
            Err(e) => {
                let help = match &e {
                    UnitError::Unknown { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
                    UnitError::Inexact(_) => "state the quantity in a single unit of each dimension, e.g. `{dose}/d` rather than `{dose}/h.d`".into(),
                    _ => "write a UCUM unit such as `[IU]/kg`, `mg/kg`, `[IU]/m2`, `{dose}/d`, `d`, `wk`, `a`, or its plain name (`IU/kg`, `doses/day`, `days`, `weeks`, `years`)".into(),
                };
                self.err(
                    Diagnostic::error(
                        codes::BAD_UNIT,
                        format!("unknown unit: {e}"),
                        u.span,
                        "unknown unit",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }
}

/// A quantity as written in the policy: its number (with any scale word) and unit.
pub(super) fn lit_text(n: &NumberLit, u: Option<&UnitExpr>) -> String {
    let number = match &n.scale {
        Some(s) => format!("{} {s}", n.text),
        None => n.text.clone(),
    };
    match u {
        Some(u) => format!("{number} {}", u.text),
        None => number,
    }
}

/// A value in a unit, as a message quotes it.
pub(super) fn q_text(v: Decimal, u: Option<&Unit>) -> String {
    match u {
        Some(u) => format!("{} {}", format_decimal(v), u.written),
        None => format_decimal(v),
    }
}

/// A value in a unit, in the canonical unit of its dimension (`None` on overflow).
pub(super) fn to_canonical(v: Decimal, u: &Unit) -> Option<Decimal> {
    units::Quantity::new(v, u.clone()).map(|q| q.canonical())
}
