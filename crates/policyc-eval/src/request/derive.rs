//! Derived facts: computed in dependency order from the facts a request states (`age_in_years`,
//! `bsa_mosteller`, formulas), and checked against their inputs when the request states them too.

use super::*;
use std::sync::OnceLock;

/// Why a derived fact could not be computed.
enum CalcStop {
    /// An input is missing: the fact stays unknown.
    Missing,
    /// A real problem with the request.
    Error(String, Option<String>),
}

/// Compute derived facts the request does not state, and check those it states against their inputs.
pub(super) fn derive(program: &Program, req: &mut Request, errors: &mut Vec<RequestError>) {
    // Derived facts may depend on other derived facts: compute in dependency order by recursion
    // (the checker rejects cycles; `VISITING` guards a hand-edited IR). The state of each fact is
    // kept on the stack for policies of up to 256 facts.
    let n = program.facts.len();
    if !program.facts.iter().any(|f| f.derived.is_some()) {
        return;
    }
    let mut small = [0u8; 256];
    let mut large = Vec::new();
    let state: &mut [u8] = if n <= small.len() {
        &mut small[..n]
    } else {
        large.resize(n, 0);
        &mut large
    };
    for slot in 0..n {
        if program.facts[slot].derived.is_some() {
            derive_one(program, req, slot, state, errors);
        }
    }
}

/// The state of a fact during [`derive`].
const VISITING: u8 = 1;
const DONE: u8 = 2;

/// Call `f` with the slot of every fact `c` reads directly (a fact read twice, twice).
fn for_each_input(c: &Calc, f: &mut impl FnMut(usize)) {
    match c {
        Calc::Fact { fact } => f(*fact as usize),
        Calc::Arith { left, right, .. } => {
            for_each_input(left, f);
            for_each_input(right, f);
        }
        Calc::AgeInYears { date } => for_each_input(date, f),
        Calc::BsaMosteller { height, weight } => {
            for_each_input(height, f);
            for_each_input(weight, f);
        }
        _ => {}
    }
}

fn derive_one(
    program: &Program,
    req: &mut Request,
    slot: usize,
    state: &mut [u8],
    errors: &mut Vec<RequestError>,
) {
    if state[slot] != 0 {
        return;
    }
    state[slot] = VISITING;
    let fact = &program.facts[slot];
    if let Some(calc) = &fact.derived {
        for_each_input(calc, &mut |i| derive_one(program, req, i, state, errors));
        // An input stated through a product equivalence (a dose in mg) is not converted back:
        // say so rather than leave the derived fact silently unknown.
        let mut through_equivalence = false;
        for_each_input(calc, &mut |i| {
            through_equivalence |= matches!(req.values[i], Some(Value::Num(_, alt)) if alt != 0);
        });
        if req.values[slot].is_none() && through_equivalence {
            let mut inputs = Vec::new();
            collect_inputs(calc, &mut inputs);
            for i in inputs {
                if let Some(Value::Num(_, alt)) = req.values[i as usize] {
                    if alt != 0 {
                        let input = &program.facts[i as usize];
                        let declared = match &input.ty {
                            FactType::Quantity { unit, .. } => unit.code.clone(),
                            _ => String::new(),
                        };
                        errors.push(rerr(
                            format!("facts.{}", input.name),
                            format!(
                                "`{}` is stated as {}, but `{}` is computed from `{}` in {declared}",
                                input.name,
                                req.shown(program, i as usize).unwrap_or_default(),
                                fact.name,
                                input.name
                            ),
                            Some(format!("state `{}` in {declared}, or state `{}` itself (it may be given in the equivalent unit)", input.name, fact.name)),
                        ));
                    }
                }
            }
        }
        match eval_calc(calc, req) {
            Ok(v) => {
                let shown = || show_derived(program, slot, v, calc, req);
                match req.values[slot] {
                    None => {
                        let computed = match fact.ty {
                            // A derived date (`date_of_service()`) is a day count.
                            FactType::Date => {
                                i32::try_from(v.trunc().mantissa()).ok().map(Value::Date)
                            }
                            _ => Some(Value::Num(v.normalize(), 0)),
                        };
                        // A computed value is held to the fact's plausible range too: inputs
                        // that give an impossible age or dose per kilogram are a mistake.
                        if let (Some(r), Some(c)) = (&fact.range, computed) {
                            if !within_range(fact, c) {
                                let mut inputs = Vec::new();
                                collect_inputs(calc, &mut inputs);
                                let names: Vec<&str> = inputs
                                    .iter()
                                    .map(|&i| program.facts[i as usize].name.as_str())
                                    .collect();
                                errors.push(rerr(
                                    format!("facts.{}", fact.name),
                                    format!(
                                        "`{}` is computed as {}, outside its plausible range of {}",
                                        fact.name,
                                        shown(),
                                        r.text
                                    ),
                                    Some(format!(
                                        "check the facts it is computed from ({}): the policy takes `{}` from {}",
                                        names.join(", "),
                                        fact.name,
                                        r.text
                                    )),
                                ));
                            }
                        }
                        req.values[slot] = computed;
                        req.shown[slot] = Shown::Derived(v);
                    }
                    Some(Value::Num(stated, 0)) => {
                        // The request states the fact and its inputs: they must agree, to the
                        // precision the request states.
                        let dp = stated.scale();
                        let computed =
                            v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
                        if computed != stated.round_dp(dp) {
                            errors.push(rerr(
                                format!("facts.{}", fact.name),
                                format!(
                                    "`{}` is stated as {}, but its inputs give {}",
                                    fact.name,
                                    req.shown(program, slot).unwrap_or_default(),
                                    shown()
                                ),
                                Some(format!(
                                    "state either `{}` or its inputs, or correct one of them",
                                    fact.name
                                )),
                            ));
                        }
                    }
                    Some(Value::Date(stated)) if v != Decimal::from(stated) => {
                        errors.push(rerr(
                            format!("facts.{}", fact.name),
                            format!(
                                "`{}` disagrees with the value computed from its inputs ({})",
                                fact.name,
                                shown()
                            ),
                            None,
                        ));
                    }
                    _ => {}
                }
            }
            Err(CalcStop::Missing) => {}
            Err(CalcStop::Error(m, h)) => {
                // Without a help of its own, the error points at the facts it comes from.
                let h = h.or_else(|| {
                    let mut inputs = Vec::new();
                    collect_inputs(calc, &mut inputs);
                    let names: Vec<String> = inputs
                        .iter()
                        .map(|&i| format!("`{}`", program.facts[i as usize].name))
                        .collect();
                    Some(format!(
                        "`{}` is computed from {}: check their values and units",
                        fact.name,
                        names.join(", ")
                    ))
                });
                errors.push(rerr(format!("facts.{}", fact.name), m, h))
            }
        }
    }
    state[slot] = DONE;
}

/// The slots of the facts a calculation reads directly, each once, in first-use order, added to
/// `out` (which may already hold some).
pub fn collect_inputs(c: &Calc, out: &mut Vec<u32>) {
    match c {
        Calc::Fact { fact } if !out.contains(fact) => out.push(*fact),
        Calc::Fact { .. } => {}
        Calc::Arith { left, right, .. } => {
            collect_inputs(left, out);
            collect_inputs(right, out);
        }
        Calc::AgeInYears { date } => collect_inputs(date, out),
        Calc::BsaMosteller { height, weight } => {
            collect_inputs(height, out);
            collect_inputs(weight, out);
        }
        _ => {}
    }
}

fn eval_calc(c: &Calc, req: &Request) -> Result<Decimal, CalcStop> {
    let overflow = || CalcStop::Error("a value is too large to compute with exactly".into(), None);
    match c {
        Calc::Fact { fact } => match req.values.get(*fact as usize).copied().flatten() {
            Some(Value::Num(v, 0)) => Ok(v),
            Some(Value::Date(d)) => Ok(Decimal::from(d)),
            // A value stated through an equivalence, or not a number: not an input to arithmetic.
            _ => Err(CalcStop::Missing),
        },
        Calc::Number { value } => Ok(*value),
        Calc::Date { days } => Ok(Decimal::from(*days)),
        Calc::DateOfService => req.as_of.map(Decimal::from).ok_or(CalcStop::Missing),
        Calc::Arith {
            op,
            left,
            right,
            rescale,
        } => {
            let l = eval_calc(left, req)?;
            let r = eval_calc(right, req)?;
            let raw = match op {
                policyc_syntax::ast::ArithOp::Add => l.checked_add(r),
                policyc_syntax::ast::ArithOp::Sub => l.checked_sub(r),
                policyc_syntax::ast::ArithOp::Mul => l.checked_mul(r),
                policyc_syntax::ast::ArithOp::Div => {
                    if r.is_zero() {
                        return Err(CalcStop::Error(
                            "a divisor is zero (is a weight or body surface area stated as 0?)"
                                .into(),
                            None,
                        ));
                    }
                    l.checked_div(r)
                }
            };
            raw.and_then(|x| x.checked_mul(*rescale))
                .ok_or_else(overflow)
        }
        Calc::AgeInYears { date } => {
            let dob = eval_calc(date, req)?;
            let Some(as_of) = req.as_of else {
                return Err(CalcStop::Error(
                    "the age cannot be computed from the date of birth without the date of service"
                        .into(),
                    Some("add \"as_of\": \"YYYY-MM-DD\" to the request, or pass --as-of".into()),
                ));
            };
            let dob_i = i32::try_from(dob.trunc().mantissa()).map_err(|_| overflow())?;
            let years = age_in_years(dob_i, as_of).ok_or_else(|| {
                CalcStop::Error(
                    "the date of birth is after the date of service".into(),
                    Some("check the date of birth and `as_of`".into()),
                )
            })?;
            // Canonical calendar unit: months.
            Ok(Decimal::from(years) * Decimal::from(12))
        }
        Calc::BsaMosteller { height, weight } => {
            let h = eval_calc(height, req)?; // canonical length
            let w = eval_calc(weight, req)?; // canonical mass
            if h <= Decimal::ZERO || w <= Decimal::ZERO {
                return Err(CalcStop::Error(
                    "height and weight must be more than zero to compute body surface area".into(),
                    None,
                ));
            }
            let (cm, kg, m2) = bsa_factors().ok_or_else(overflow)?;
            let h_cm = h.checked_div(cm).ok_or_else(overflow)?;
            let w_kg = w.checked_div(kg).ok_or_else(overflow)?;
            let bsa = h_cm
                .checked_mul(w_kg)
                .and_then(|x| x.checked_div(Decimal::from(3600)))
                .and_then(|x| x.sqrt())
                .ok_or_else(overflow)?;
            let bsa = bsa.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            bsa.checked_mul(m2).ok_or_else(overflow)
        }
    }
}

/// The factors of centimetres, kilograms and square metres to their canonical units, found once.
fn bsa_factors() -> Option<(Decimal, Decimal, Decimal)> {
    static FACTORS: OnceLock<Option<(Decimal, Decimal, Decimal)>> = OnceLock::new();
    *FACTORS.get_or_init(|| {
        let factor = |code: &str| parse_unit(code).map(|u| u.factor).ok();
        Some((factor("cm")?, factor("kg")?, factor("m2")?))
    })
}

/// Whole years from `dob` to `as_of` (days since epoch), by the calendar: a person born on
/// 29 February reaches each new year of age on 1 March in common years.
pub fn age_in_years(dob: i32, as_of: i32) -> Option<i64> {
    let b = date_from_days(dob)?;
    let t = date_from_days(as_of)?;
    if t < b {
        return None;
    }
    let span = b.until((jiff::Unit::Year, t)).ok()?;
    let mut years = i64::from(span.get_years());
    // jiff clamps 29 February to 28 February in common years; the birthday has not yet come then.
    if b.month() == 2
        && b.day() == 29
        && t.month() == 2
        && t.day() == 28
        && !t.in_leap_year()
        && years > 0
    {
        let anniversary = b.checked_add(jiff::Span::new().years(years)).ok()?;
        if anniversary == t {
            years -= 1;
        }
    }
    Some(years)
}

/// A derived fact's value as a person reads it, with the stated values it is computed from.
pub(super) fn show_derived(
    program: &Program,
    slot: usize,
    v: Decimal,
    calc: &Calc,
    req: &Request,
) -> String {
    let fact = &program.facts[slot];
    let value = match &fact.ty {
        FactType::Quantity { unit, .. } => {
            let x = v.checked_div(unit.factor).unwrap_or(v);
            format!("{} {}", format_measured(x), unit.written)
        }
        FactType::Date => i32::try_from(v.trunc().mantissa())
            .ok()
            .and_then(date_from_days)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        _ => format_decimal(v.round_dp(4)),
    };
    let mut inputs = Vec::new();
    collect_inputs(calc, &mut inputs);
    let parts: Vec<String> = inputs
        .iter()
        .filter_map(|&i| {
            req.shown(program, i as usize)
                .map(|s| format!("{} {}", program.facts[i as usize].name, s))
        })
        .collect();
    if parts.is_empty() {
        value
    } else {
        format!("{value} (from {})", parts.join(", "))
    }
}
