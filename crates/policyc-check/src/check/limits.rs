//! Units and limits: the product's equivalences (IU to mg), the other dimensions a quantity fact
//! may be stated in through them, and a quantity limit checked against its fact's unit and its
//! restatement in parentheses.

use super::literals::{lit_text, q_text, to_canonical};
use super::{Checker, EquivInfo, Ty};
use policyc_ir::ir::{self, Const, Limit};
use policyc_ir::units::{self, format_decimal, Base, Dim};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};
use rust_decimal::{Decimal, RoundingStrategy};

impl Checker<'_> {
    /// The equivalences between a product's own unit (IU, PFU) and a mass or volume.
    pub(super) fn equivalences(&mut self) -> Vec<ir::EquivalenceDef> {
        let mut out = Vec::new();
        for item in &self.file.items {
            let Item::Equivalence(e) = item else { continue };
            let l = self.quantity_lit(&e.left);
            let r = self.quantity_lit(&e.right);
            let (Some((lv, Some(lu))), Some((rv, Some(ru)))) = (l, r) else {
                self.err(
                    Diagnostic::error(
                        codes::BAD_EQUIVALENCE,
                        "both sides of an equivalence need a unit",
                        e.span,
                        "this equivalence",
                    )
                    .with_help("write it as the label does, e.g. `equivalence 18 million IU = 1.1 mg \"...\"`"),
                );
                continue;
            };
            let single = |d: Dim| -> Option<Base> {
                let mut found = None;
                for b in units::BASES {
                    match d.exp(b) {
                        0 => {}
                        1 if found.is_none() => found = Some(b),
                        _ => return None,
                    }
                }
                found
            };
            let product_specific =
                |b: Base| matches!(b, Base::InternationalUnit | Base::PlaqueFormingUnit);
            let sides = match (single(lu.dim), single(ru.dim)) {
                (Some(x), Some(y)) if product_specific(y) && !product_specific(x) => {
                    Some((y, x, rv, ru.clone(), lv, lu.clone()))
                }
                (Some(x), Some(y)) if product_specific(x) && !product_specific(y) => {
                    Some((x, y, lv, lu.clone(), rv, ru.clone()))
                }
                _ => None,
            };
            match sides {
                Some((x, y, lv, lu, rv, ru)) => {
                    let (Some(a), Some(b)) = (to_canonical(lv, &lu), to_canonical(rv, &ru)) else {
                        self.err(Diagnostic::error(codes::BAD_NUMBER, "an amount in this equivalence is too large to hold exactly", e.span, "too large")
                            .with_help("numbers have at most 28 significant digits"));
                        continue;
                    };
                    if a.is_zero() || b.is_zero() {
                        self.err(Diagnostic::error(
                            codes::BAD_EQUIVALENCE,
                            "an equivalence cannot state a zero amount",
                            e.span,
                            "zero amount",
                        ).with_help("state the label's amounts, e.g. `18 million IU = 1.1 mg`"));
                        continue;
                    }
                    self.equivs.push(EquivInfo { x, a, y, b });
                    out.push(ir::EquivalenceDef {
                        left: format!("{} {}", format_decimal(lv), lu.code),
                        right: format!("{} {}", format_decimal(rv), ru.code),
                        text: e.text.value.clone(),
                    });
                }
                None => self.err(
                    Diagnostic::error(
                        codes::BAD_EQUIVALENCE,
                        format!(
                            "an equivalence converts a product's own unit (IU, PFU) to a mass or volume, but this one relates `{}` ({}) and `{}` ({})",
                            lu.code, lu.dim, ru.code, ru.dim
                        ),
                        e.span,
                        "this equivalence",
                    )
                    .with_help("state how much of one unit equals the other for this product, e.g. `equivalence 18 million IU = 1.1 mg \"...\"`"),
                ),
            }
        }
        out
    }

    /// For each quantity fact, the other dimensions it may be stated in through an equivalence.
    pub(super) fn compute_alternates(&mut self) {
        self.alternates = self
            .facts
            .iter()
            .map(|f| {
                let Ty::Quantity(d) = f.ty else {
                    return Vec::new();
                };
                let mut alts = Vec::new();
                for (i, e) in self.equivs.iter().enumerate() {
                    // Only amounts of the product convert: from its own unit (IU) to the other
                    // (mg), never a mass (a body weight) to IU.
                    let (from, to, a, b) = (e.x, e.y, e.a, e.b);
                    {
                        let ex = d.exp(from);
                        if ex != 1 && ex != -1 {
                            continue;
                        }
                        // `[IU]/kg` becomes `mg/kg`: a ratio of masses, not a plain number.
                        let nd = d.exchange(from, to);
                        // `a` of `from` is `b` of `to`. A value p of the declared dimension is
                        // p·(b/a)^ex in the other; compare v·a^ex with l·b^ex, clearing denominators.
                        let (mv, ml) = if ex == 1 { (a, b) } else { (b, a) };
                        // A canonical unit is 1/den of the smallest atoms' unit; clear both.
                        let (Some(dd), Some(dn)) =
                            (units::canonical_den(d), units::canonical_den(nd))
                        else {
                            continue;
                        };
                        let (Some(mul_value), Some(mul_limit)) =
                            (mv.checked_mul(dd), ml.checked_mul(dn))
                        else {
                            continue;
                        };
                        let mut via = Dim::NONE;
                        via.0[to as usize] = 1;
                        alts.push(ir::AltDim {
                            dim: nd,
                            equivalence: i as u32,
                            via,
                            mul_value,
                            mul_limit,
                        });
                    }
                }
                alts
            })
            .collect();
    }

    /// A quantity limit for a fact: its canonical value, checked against the fact's unit, plus the
    /// restatement in parentheses, checked against the policy's equivalences.
    pub(super) fn limit(&mut self, fid: &Ident, slot: u32, q: &QuantityLit) -> Option<Limit> {
        let (v, unit) = self.quantity_lit(q)?;
        let f = &self.facts[slot as usize];
        let fty = f.ty;
        let fdim = fty.dim().unwrap_or(Dim::NONE);
        // Limits are quoted as the policy writes them (`600,000 IU/kg`, `18 years`).
        let text = lit_text(&q.number, q.unit.as_ref());
        let canonical = match (&unit, fty) {
            (None, Ty::Quantity(_)) => {
                let u = f
                    .unit
                    .as_ref()
                    .map(|u| u.written.clone())
                    .unwrap_or_default();
                self.err(
                    Diagnostic::error(
                        codes::MISSING_UNIT,
                        format!(
                            "`{}` is measured in {u}, but `{}` has no unit",
                            fid.name, q.number.text
                        ),
                        q.span,
                        "no unit",
                    )
                    .with_label(fid.span, format!("measured in {u}"))
                    .with_help(format!(
                        "write the unit, as the document does: `{} {u}`",
                        q.number.text
                    )),
                );
                return None;
            }
            (None, _) => v,
            (Some(u), Ty::Count | Ty::Number) if !u.dim.is_none() => {
                self.err(
                    Diagnostic::error(
                        codes::UNIT_MISMATCH,
                        format!(
                            "`{}` is a plain {}, but `{text}` is in {} ({})",
                            fid.name,
                            if fty == Ty::Count { "count" } else { "number" },
                            u.written,
                            u.dim
                        ),
                        q.span,
                        format!("in {}", u.written),
                    )
                    .with_label(fid.span, "no unit")
                    .with_help(format!(
                        "declare `{}` in the unit the document states its limit in (`fact {}: {} ...`); a plain number is not in {}, so do not remove the unit",
                        fid.name, fid.name, u.written, u.written
                    )),
                );
                return None;
            }
            (Some(u), _) => {
                if u.dim != fdim {
                    let fu = f
                        .unit
                        .as_ref()
                        .map(|x| x.written.clone())
                        .unwrap_or_default();
                    let through = self.alternates[slot as usize]
                        .iter()
                        .any(|a| a.dim == u.dim);
                    let could_relate = units::equivalence_could_relate(fdim, u.dim);
                    let help = if through {
                        format!("state the limit in {fu} first, and its restatement in {} in parentheses: `... {fu} ({text})`", u.written)
                    } else {
                        if could_relate {
                            format!("state the limit in {fu} or another unit of {fdim}; to compare {} with {}, declare the product's `equivalence` (e.g. `equivalence 18 million IU = 1.1 mg \"label\"`)", fdim, u.dim)
                        } else if fdim.exp(Base::Calendar) != 0 && u.dim.exp(Base::Time) != 0
                            || fdim.exp(Base::Time) != 0 && u.dim.exp(Base::Calendar) != 0
                        {
                            format!("years and months do not convert exactly to weeks or days; state the limit in {fu} or another unit of {fdim}")
                        } else {
                            format!("state the limit in {fu} or another unit of {fdim}")
                        }
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNIT_MISMATCH,
                            format!("`{}` is measured in {fu} ({fdim}), which cannot be compared with {} ({})", fid.name, u.written, u.dim),
                            q.span,
                            format!("{} is {}", u.written, u.dim),
                        )
                        .with_label(fid.span, format!("{fu} is {fdim}"))
                        .with_help(help),
                    );
                    return None;
                }
                self.exact(to_canonical(v, u), q.span)?
            }
        };
        let mut alternates = Vec::new();
        let mut text = text;
        if let Some((n, ue)) = &q.alt {
            let av = self.number(n)?;
            let au = self.unit(ue)?;
            let atext = lit_text(n, Some(ue));
            text = format!("{text} ({atext})");
            let found = self.alternates[slot as usize]
                .iter()
                .enumerate()
                .find(|(_, a)| a.dim == au.dim)
                .map(|(i, a)| (i, a.clone()));
            let Some((i, alt)) = found else {
                let fu = self.facts[slot as usize]
                    .unit
                    .as_ref()
                    .map(|x| x.written.clone())
                    .unwrap_or_default();
                self.err(
                    Diagnostic::error(
                        codes::UNIT_MISMATCH,
                        format!("the limit is restated in {} ({}), which does not convert from {fu} ({fdim})", au.written, au.dim),
                        ue.span,
                        format!("{} is {}", au.written, au.dim),
                    )
                    .with_help("declare the product's equivalence between the two units, e.g. `equivalence 18 million IU = 1.1 mg \"label\"`"),
                );
                return None;
            };
            let acanon = self.exact(to_canonical(av, &au), ue.span)?;
            // The restatement must be the converted limit, rounded as the document rounds it.
            // converted = canonical · mul_limit / mul_value (in canonical units of the other dimension).
            let converted = canonical
                .checked_mul(alt.mul_limit)
                .and_then(|x| x.checked_div(alt.mul_value));
            let converted = self.exact(converted, q.span)?;
            {
                let conv_in_unit = converted.checked_div(au.factor).unwrap_or(converted);
                let sig = significant_digits(av);
                let rounded = round_significant(conv_in_unit, sig);
                if rounded != av.normalize() {
                    self.err(
                        Diagnostic::error(
                            codes::INCONSISTENT_ALTERNATE,
                            format!("{} restates the limit as {atext}, but by the declared equivalence it is {} {}", q_text(v, unit.as_ref()), format_decimal(round_significant(conv_in_unit, sig + 2)), au.written),
                            ue.span,
                            "does not match the equivalence",
                        )
                        .with_help("check both numbers against the document and the product's `equivalence`"),
                    );
                    return None;
                }
            }
            alternates.push(ir::AltLimit {
                alt: (i + 1) as u8,
                value: acanon,
                mul_value: Decimal::ONE,
                mul_limit: Decimal::ONE,
            });
        }
        // Alternate dimensions the limit is not restated in compare through the equivalence.
        for (i, a) in self.alternates[slot as usize].iter().enumerate() {
            if alternates.iter().any(|x| x.alt as usize == i + 1) {
                continue;
            }
            alternates.push(ir::AltLimit {
                alt: (i + 1) as u8,
                value: canonical,
                mul_value: a.mul_value,
                mul_limit: a.mul_limit,
            });
        }
        alternates.sort_by_key(|a| a.alt);
        Some(Limit {
            value: Const::Number(canonical.normalize()),
            text,
            alternates,
        })
    }
}

fn significant_digits(d: Decimal) -> u32 {
    let m = d.normalize().mantissa().unsigned_abs();
    (m.to_string().len() as u32).max(1)
}

/// Round to `sig` significant digits.
fn round_significant(d: Decimal, sig: u32) -> Decimal {
    if d.is_zero() {
        return d;
    }
    let abs = d.abs();
    // Position of the most significant digit relative to the decimal point.
    let int_digits = abs.trunc().normalize().mantissa().to_string().len() as i64;
    let magnitude = if abs >= Decimal::ONE {
        int_digits
    } else {
        // 0.0367 -> -1 (first significant digit at the 2nd decimal place)
        let s = abs.normalize().to_string();
        let frac = s.split_once('.').map(|(_, f)| f).unwrap_or("");
        -(frac.chars().take_while(|c| *c == '0').count() as i64)
    };
    let dp = sig as i64 - magnitude;
    if dp >= 0 {
        d.round_dp_with_strategy(dp.min(28) as u32, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    } else {
        let p = Decimal::from(10i64.pow((-dp) as u32));
        ((d / p).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) * p).normalize()
    }
}
