//! Formulas and derived facts: a fact declared with `= formula` is typed against its declaration,
//! and the derived facts are checked for circles.

use super::literals::to_canonical;
use super::{describe_ty, same_type, Checker, Ty, FUNCTIONS};
use policyc_ir::dates::days_since_epoch;
use policyc_ir::ir::Calc;
use policyc_ir::units::{self, parse_unit};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, did_you_mean, Diagnostic};
use rust_decimal::Decimal;

impl Checker<'_> {
    /// The formula of each derived fact by slot, typed against its declaration; those in a
    /// circle are reported and left out.
    pub(super) fn derived_facts(&mut self) -> Vec<Option<Calc>> {
        let mut out: Vec<Option<Calc>> = vec![None; self.facts.len()];
        let mut deps: Vec<Vec<u32>> = vec![Vec::new(); self.facts.len()];
        let file = self.file;
        for (idx, item) in file.items.iter().enumerate() {
            let Item::Fact(f) = item else { continue };
            let Some(expr) = &f.derived else { continue };
            let Some(&slot) = self.fact_index.get(&f.name.name) else {
                continue;
            };
            if self.facts[slot as usize].item != idx || self.facts[slot as usize].ty == Ty::Error {
                continue; // a duplicate declaration, or an unresolved type, already reported
            }
            let Some((calc, ty)) = self.calc(expr) else {
                continue;
            };
            let want = self.facts[slot as usize].ty;
            if !same_type(ty, want) {
                let written = self.formula_unit(expr);
                let want_s = self.describe_fact_type(slot);
                let got_s = match (ty, &written) {
                    (Ty::Quantity(d), Some(w)) => format!("a quantity in {w} ({d})"),
                    _ => describe_ty(ty, &self.enums),
                };
                let help = match (ty, &written) {
                    (Ty::Quantity(_), Some(w)) => format!(
                        "declare `{}` in a unit of the formula's dimension, as the document states its limits (`fact {}: {w} ...`), or change the formula",
                        f.name.name, f.name.name
                    ),
                    _ => "change the declared type or the formula so that they agree".to_string(),
                };
                self.err(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`{}` is declared as {want_s}, but its formula gives {got_s}",
                            f.name.name
                        ),
                        expr.span(),
                        format!("this gives {got_s}"),
                    )
                    .with_label(f.name.span, format!("declared as {want_s}"))
                    .with_help(help),
                );
                continue;
            }
            collect_calc_facts(&calc, &mut deps[slot as usize]);
            out[slot as usize] = Some(calc);
        }
        // Cycles among derived facts: each reported once, from its first fact.
        let mut state = vec![0u8; self.facts.len()];
        let mut in_reported = vec![false; self.facts.len()];
        for start in 0..self.facts.len() {
            if state[start] != 0 {
                continue;
            }
            let mut path = Vec::new();
            if let Some(cycle) = find_cycle(start, &deps, &mut state, &mut path) {
                if cycle.is_empty() || cycle.iter().any(|&i| in_reported[i]) {
                    continue;
                }
                let names: Vec<String> = cycle
                    .iter()
                    .map(|&i| format!("`{}`", self.facts[i].name))
                    .collect();
                let span = self.facts[cycle[0]].span;
                let message = if cycle.len() == 1 {
                    format!("derived fact {} is computed from itself", names[0])
                } else {
                    format!(
                        "derived facts depend on each other in a circle: {} → {}",
                        names.join(" → "),
                        names[0]
                    )
                };
                self.err(
                    Diagnostic::error(codes::DERIVED_CYCLE, message, span, "this fact is computed from itself")
                        .with_help("one of these facts must be supplied by the request; remove its `=` formula"),
                );
                for &i in &cycle {
                    in_reported[i] = true;
                    out[i] = None;
                }
            }
        }
        out
    }

    fn calc(&mut self, e: &ValueExpr) -> Option<(Calc, Ty)> {
        match e {
            ValueExpr::Fact(id) => {
                let slot = self.fact(id)?;
                Some((Calc::Fact { fact: slot }, self.facts[slot as usize].ty))
            }
            ValueExpr::Quantity(q) => {
                let (v, unit) = self.quantity_lit(q)?;
                match unit {
                    Some(u) => Some((
                        Calc::Number {
                            value: self.exact(to_canonical(v, &u), q.span)?,
                        },
                        Ty::Quantity(u.dim),
                    )),
                    None => Some((Calc::Number { value: v }, Ty::Number)),
                }
            }
            ValueExpr::Date(d) => {
                let date = self.date(d)?;
                Some((
                    Calc::Date {
                        days: days_since_epoch(date),
                    },
                    Ty::Date,
                ))
            }
            ValueExpr::Binary {
                op,
                left,
                right,
                span,
            } => {
                let l = self.calc(left);
                let r = self.calc(right);
                let ((lc, lt), (rc, rt)) = (l?, r?);
                let (Some(ld), Some(rd)) = (lt.dim(), rt.dim()) else {
                    self.err(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            format!(
                                "arithmetic needs numbers or quantities, not {} and {}",
                                describe_ty(lt, &self.enums),
                                describe_ty(rt, &self.enums)
                            ),
                            *span,
                            "cannot compute this",
                        )
                        .with_help("use `+ - * /` only between counts, numbers and quantities"),
                    );
                    return None;
                };
                let (dim, rescale) = match op {
                    ArithOp::Add | ArithOp::Sub => {
                        if ld != rd {
                            self.err(
                                Diagnostic::error(
                                    codes::UNIT_MISMATCH,
                                    format!("cannot add or subtract {ld} and {rd}"),
                                    *span,
                                    "different dimensions",
                                )
                                .with_help("both sides of `+` or `-` must be in units of the same dimension"),
                            );
                            return None;
                        }
                        (ld, Decimal::ONE)
                    }
                    ArithOp::Mul => (ld.times(rd), units::rescale(ld, rd, false)?),
                    ArithOp::Div => (ld.per(rd), units::rescale(ld, rd, true)?),
                };
                let ty = if dim.is_none()
                    && matches!((lt, rt), (Ty::Count, Ty::Count))
                    && !matches!(op, ArithOp::Div)
                {
                    Ty::Count
                } else if dim.is_none() {
                    Ty::Number
                } else {
                    Ty::Quantity(dim)
                };
                Some((
                    Calc::Arith {
                        op: *op,
                        left: Box::new(lc),
                        right: Box::new(rc),
                        rescale,
                    },
                    ty,
                ))
            }
            ValueExpr::Call { name, args, span } => self.call(name, args, *span),
        }
    }

    /// The unit a formula's value is in, written from its operands' units as the policy writes
    /// them (`mg/kg` for `dose / body_weight`), for messages; `None` for a plain number.
    fn formula_unit(&self, e: &ValueExpr) -> Option<String> {
        match e {
            ValueExpr::Fact(id) => {
                let slot = self.fact_index.get(&id.name)?;
                let f = &self.facts[*slot as usize];
                match f.ty {
                    Ty::Quantity(_) => f.unit.as_ref().map(|u| u.written.clone()),
                    _ => None,
                }
            }
            ValueExpr::Quantity(q) => q.unit.as_ref().map(|u| u.text.clone()),
            ValueExpr::Date(_) => None,
            ValueExpr::Binary {
                op, left, right, ..
            } => {
                let (l, r) = (self.formula_unit(left), self.formula_unit(right));
                let group = |u: String| {
                    if u.contains(['/', '.']) {
                        format!("({u})")
                    } else {
                        u
                    }
                };
                match op {
                    ArithOp::Add | ArithOp::Sub => l.or(r),
                    ArithOp::Mul => match (l, r) {
                        (Some(a), Some(b)) => Some(format!("{a}.{}", group(b))),
                        (a, b) => a.or(b),
                    },
                    ArithOp::Div => match (l, r) {
                        (Some(a), Some(b)) => Some(format!("{a}/{}", group(b))),
                        (Some(a), None) => Some(a),
                        (None, Some(b)) => Some(format!("1/{}", group(b))),
                        (None, None) => None,
                    },
                }
            }
            ValueExpr::Call { name, .. } => match name.name.as_str() {
                "age_in_years" => Some("years".into()),
                "bsa_mosteller" => Some("m2".into()),
                _ => None,
            },
        }
    }

    fn call(&mut self, name: &Ident, args: &[ValueExpr], span: Span) -> Option<(Calc, Ty)> {
        let calcs: Vec<Option<(Calc, Ty)>> = args.iter().map(|a| self.calc(a)).collect();
        let arity = match name.name.as_str() {
            "age_in_years" => 1,
            "bsa_mosteller" => 2,
            "date_of_service" => 0,
            _ => {
                let help = match did_you_mean(&name.name, FUNCTIONS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "the functions are {}",
                        FUNCTIONS
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.err(
                    Diagnostic::error(
                        codes::UNKNOWN_FUNCTION,
                        format!("`{}` is not a function policyc knows", name.name),
                        name.span,
                        "unknown function",
                    )
                    .with_help(help),
                );
                return None;
            }
        };
        if calcs.len() != arity {
            self.err(
                Diagnostic::error(
                    codes::BAD_ARGUMENTS,
                    format!("`{}` takes {arity} argument{}, but is given {}", name.name, if arity == 1 { "" } else { "s" }, calcs.len()),
                    span,
                    "wrong number of arguments",
                )
                .with_help(match name.name.as_str() {
                    "age_in_years" => "write `age_in_years(date_of_birth)`",
                    "bsa_mosteller" => "write `bsa_mosteller(height, weight)` with a height in a length unit and a weight in a mass unit",
                    _ => "write `date_of_service()`",
                }),
            );
            return None;
        }
        let calcs: Vec<(Calc, Ty)> = calcs.into_iter().collect::<Option<_>>()?;
        let length = parse_unit("cm").ok()?.dim;
        let mass = parse_unit("kg").ok()?.dim;
        let arg_err = |c: &mut Self, i: usize, want: &str| {
            c.err(
                Diagnostic::error(
                    codes::BAD_ARGUMENTS,
                    format!("argument {} of `{}` must be {want}", i + 1, name.name),
                    args[i].span(),
                    format!("this is {}", describe_ty(calcs[i].1, &c.enums)),
                )
                .with_help(format!("pass {want}")),
            );
        };
        match name.name.as_str() {
            "age_in_years" => {
                if calcs[0].1 != Ty::Date {
                    arg_err(self, 0, "a date (the date of birth)");
                    return None;
                }
                let years = parse_unit("a").ok()?;
                Some((
                    Calc::AgeInYears {
                        date: Box::new(calcs[0].0.clone()),
                    },
                    Ty::Quantity(years.dim),
                ))
            }
            "bsa_mosteller" => {
                let mut ok = true;
                if calcs[0].1 != Ty::Quantity(length) {
                    arg_err(self, 0, "a height in a length unit (cm, m)");
                    ok = false;
                }
                if calcs[1].1 != Ty::Quantity(mass) {
                    arg_err(self, 1, "a weight in a mass unit (kg)");
                    ok = false;
                }
                if !ok {
                    return None;
                }
                let m2 = parse_unit("m2").ok()?;
                Some((
                    Calc::BsaMosteller {
                        height: Box::new(calcs[0].0.clone()),
                        weight: Box::new(calcs[1].0.clone()),
                    },
                    Ty::Quantity(m2.dim),
                ))
            }
            _ => Some((Calc::DateOfService, Ty::Date)),
        }
    }
}

fn collect_calc_facts(c: &Calc, out: &mut Vec<u32>) {
    match c {
        Calc::Fact { fact } => out.push(*fact),
        Calc::Arith { left, right, .. } => {
            collect_calc_facts(left, out);
            collect_calc_facts(right, out);
        }
        Calc::AgeInYears { date } => collect_calc_facts(date, out),
        Calc::BsaMosteller { height, weight } => {
            collect_calc_facts(height, out);
            collect_calc_facts(weight, out);
        }
        Calc::Number { .. } | Calc::Date { .. } | Calc::DateOfService => {}
    }
}

fn find_cycle(
    n: usize,
    deps: &[Vec<u32>],
    state: &mut [u8],
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    match state[n] {
        2 => return None,
        1 => {
            let pos = path.iter().position(|&p| p == n)?;
            return Some(path[pos..].to_vec());
        }
        _ => {}
    }
    state[n] = 1;
    path.push(n);
    let mut found = None;
    for &d in &deps[n] {
        if let Some(c) = find_cycle(d as usize, deps, state, path) {
            found = Some(c);
            break;
        }
    }
    path.pop();
    state[n] = 2;
    found
}
