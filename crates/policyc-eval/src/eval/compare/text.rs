//! The regions in words (a condition per fact), their witness requests, and the sampling that
//! stands in for the search where it cannot be exact.

use super::super::cells::{constants_for, leaves_cond, leaves_node, Of};
use super::{
    bits, decide_facts, has, set, Bits, Decided, FactCondition, Method, Options, Region, Search,
    Witness,
};
use crate::request::{Value, UNLISTED};
use policyc_ir::dates::date_from_days;
use policyc_ir::ir::{Cond, FactType, Program};
use policyc_ir::units::format_decimal;
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// A raw region: the two decisions and the cells each fact is held to.
type Raw = (Decided, Decided, Vec<Option<Bits>>);

/// The version whose declaration of fact `x` words it: the new one if it has the fact.
fn side_of(s: &Search<'_>, x: usize) -> (usize, u32) {
    match s.facts[x].slot {
        [_, Some(b)] => (1, b),
        [Some(a), None] => (0, a),
        [None, None] => (1, 0),
    }
}

/// The region in words, with its witness (bound and decided under both versions to confirm it).
pub(super) fn region(s: &Search<'_>, raw: &Raw, method: Method) -> Region {
    let (from, to, held) = raw;
    let mut conditions = Vec::new();
    let mut members = Vec::new();
    let (mut old, mut new) = (Map::new(), Map::new());
    for (x, h) in held.iter().enumerate() {
        let Some(h) = h else { continue };
        let j = &s.facts[x];
        let n = j.cells.len();
        let (k, slot) = side_of(s, x);
        let condition = match method {
            Method::Sampled => (0..n)
                .find(|&c| has(h, c))
                .map(|c| format!("{} is {}", j.name, value_words(s.p[k], slot, j.cells[c])))
                .unwrap_or_else(|| format!("{} not stated", j.name)),
            Method::Exact => describe(s, x, h),
        };
        conditions.push(FactCondition {
            fact: j.name.clone(),
            condition,
        });
        members.push((
            j.name.clone(),
            (0..=n)
                .filter(|&c| has(h, c))
                .map(|c| j.cells.get(c).copied())
                .collect(),
        ));
        if let Some(c) = (0..n).find(|&c| has(h, c)) {
            for (side, out) in [(0, &mut old), (1, &mut new)] {
                if let Some(slot) = j.slot[side] {
                    out.insert(j.name.clone(), json_of(s.p[side], slot, j.cells[c]));
                }
            }
        }
    }
    let confirmed = decide_facts(s.p[0], &old).as_ref() == Some(from)
        && decide_facts(s.p[1], &new).as_ref() == Some(to);
    Region {
        from: from.clone(),
        to: to.clone(),
        conditions,
        witness: Witness {
            old,
            new,
            confirmed,
        },
        members,
    }
}

// ------------------------------------------------------------------------ values

/// An enumeration value's name, or a name the enumeration does not list for [`UNLISTED`].
fn enum_name(p: &Program, enum_index: u32, i: u32) -> String {
    let Some(e) = p.enums.get(enum_index as usize) else {
        return String::new();
    };
    if i == UNLISTED {
        let mut name = "other".to_string();
        let mut n = 1;
        while e.values.iter().any(|v| v.name == name) {
            name = format!("other_{n}");
            n += 1;
        }
        return name;
    }
    e.values
        .get(i as usize)
        .map(|v| v.name.clone())
        .unwrap_or_default()
}

/// A number in the fact's own unit: `(value, unit)`.
fn in_unit(p: &Program, slot: u32, d: Decimal) -> (Decimal, String) {
    match p.facts.get(slot as usize).map(|f| &f.ty) {
        Some(FactType::Quantity { unit, .. }) => {
            let mut v = d.checked_div(unit.factor).unwrap_or(d).normalize();
            // A value between two constants that the unit does not write exactly (a second
            // above 9 days): to 6 decimal places, still between them.
            if v.scale() > 6 {
                v = v
                    .round_dp_with_strategy(6, rust_decimal::RoundingStrategy::ToPositiveInfinity)
                    .normalize();
            }
            let u = if unit.written.is_empty() {
                unit.code.clone()
            } else {
                unit.written.clone()
            };
            (v, u)
        }
        _ => (d.normalize(), String::new()),
    }
}

fn date_text(days: i32) -> String {
    date_from_days(days).map_or_else(|| days.to_string(), |d| d.to_string())
}

/// A value as a request states it, for fact `slot` of `p`.
fn json_of(p: &Program, slot: u32, v: Value) -> Json {
    let Some(fact) = p.facts.get(slot as usize) else {
        return Json::Null;
    };
    match (v, &fact.ty) {
        (Value::Bool(b), _) => Json::Bool(b),
        (Value::Date(d), _) => Json::String(date_text(d)),
        (Value::Enum(i), FactType::Enum { enum_index }) => {
            Json::String(enum_name(p, *enum_index, i))
        }
        (Value::Set(bits), FactType::Set { enum_index }) => Json::Array(
            (0..128u32)
                .filter(|i| bits >> i & 1 == 1)
                .map(|i| Json::String(enum_name(p, *enum_index, i)))
                .collect(),
        ),
        (Value::Num(d, _), FactType::Quantity { .. }) => {
            let (v, u) = in_unit(p, slot, d);
            Json::String(format!("{v} {u}"))
        }
        (Value::Num(d, _), _) => d
            .normalize()
            .to_string()
            .parse::<serde_json::Number>()
            .map_or(Json::Null, Json::Number),
        _ => Json::Null,
    }
}

/// A value in words, in the fact's unit: `18 years`, `metastatic_melanoma`, `[cutaneous, nodal]`.
fn value_words(p: &Program, slot: u32, v: Value) -> String {
    match v {
        Value::Num(d, _) => number_words(p, slot, d),
        Value::Date(d) => date_text(d),
        Value::Bool(b) => b.to_string(),
        Value::Enum(_) | Value::Set(_) => match json_of(p, slot, v) {
            Json::String(s) => s,
            Json::Array(a) => format!(
                "[{}]",
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.to_string(),
        },
    }
}

fn number_words(p: &Program, slot: u32, d: Decimal) -> String {
    if matches!(
        p.facts.get(slot as usize).map(|f| &f.ty),
        Some(FactType::Date)
    ) {
        return i32::try_from(d.mantissa()).map_or_else(|_| d.to_string(), date_text);
    }
    let (v, u) = in_unit(p, slot, d);
    let u = super::super::words::display_unit(&u);
    if u.is_empty() {
        format_decimal(v)
    } else {
        format!("{} {u}", format_decimal(v))
    }
}

// ------------------------------------------------------------------------ conditions in words

/// Every leaf condition of `p` that reads `slot`.
fn leaves_on<'p>(p: &'p Program, slot: u32) -> Vec<&'p Cond> {
    let mut out = Vec::new();
    let mut add = |c: &'p Cond| {
        let mut v = Vec::new();
        super::super::words::facts_of(c, &mut v);
        if v.contains(&slot) {
            out.push(c);
        }
    };
    for ind in &p.indications {
        if let Some(a) = &ind.applies {
            leaves_cond(a, &mut add);
        }
        leaves_node(&ind.criteria, &mut add);
        if let Some(d) = &ind.dosing {
            leaves_node(d, &mut add);
        }
    }
    out
}

/// The masks of the `is` / `has` conditions on fact `x` in both versions.
fn masks_of(s: &Search<'_>, x: usize) -> Vec<u128> {
    let mut out = Vec::new();
    for k in 0..2 {
        if let Some(slot) = s.facts[x].slot[k] {
            for c in leaves_on(s.p[k], slot) {
                if let Cond::EnumIn { mask, .. } | Cond::SetHas { mask, .. } = c {
                    out.push(*mask);
                }
            }
        }
    }
    out
}

/// Fact `x` held to the cells `h`, in words.
fn describe(s: &Search<'_>, x: usize, h: &Bits) -> String {
    let j = &s.facts[x];
    let n = j.cells.len();
    let unknown = has(h, n);
    let chosen: Vec<usize> = (0..n).filter(|&c| has(h, c)).collect();
    let (k, slot) = side_of(s, x);
    let p = s.p[k];
    let name = &j.name;
    if chosen.is_empty() {
        return format!("{name} not stated");
    }
    let values = match p.facts.get(slot as usize).map(|f| &f.ty) {
        Some(FactType::Boolean | FactType::Documentation) => {
            if chosen.len() == n {
                format!("{name} stated")
            } else {
                format!("{name} is {}", value_words(p, slot, j.cells[chosen[0]]))
            }
        }
        Some(FactType::Enum { enum_index }) => {
            let masks = masks_of(s, x);
            let e = p.enums.get(*enum_index as usize);
            let count = e.map_or(0, |e| e.values.len().min(128));
            let sig = |i: u32| -> Vec<bool> {
                masks
                    .iter()
                    .map(|m| i != UNLISTED && m >> (i & 127) & 1 == 1)
                    .collect()
            };
            let mut names = Vec::new();
            let mut other = false;
            for &c in &chosen {
                let Value::Enum(rep) = j.cells[c] else {
                    continue;
                };
                let want = sig(rep);
                for i in 0..count as u32 {
                    let unnamed_open = e.is_some_and(|e| e.open) && sig(i).iter().all(|b| !b);
                    if sig(i) == want && (rep == UNLISTED) == unnamed_open {
                        names.push(enum_name(p, *enum_index, i));
                    }
                }
                if rep == UNLISTED {
                    other = true;
                }
            }
            if other {
                names.push("another value".into());
            }
            match names.len() {
                1 => format!("{name} is {}", names[0]),
                _ => format!("{name} is one of [{}]", names.join(", ")),
            }
        }
        Some(FactType::Set { enum_index }) => set_words(s, x, &chosen, p, *enum_index),
        Some(_) => number_runs(s, x, &chosen, p, slot),
        None => name.clone(),
    };
    if unknown {
        format!("{values}, or not stated")
    } else {
        values
    }
}

/// A set fact held to some of its cells: the values always in, and always out, when the cells
/// are every combination of the others; else the cells one by one.
fn set_words(s: &Search<'_>, x: usize, chosen: &[usize], p: &Program, enum_index: u32) -> String {
    let j = &s.facts[x];
    let name = &j.name;
    let masks = masks_of(s, x);
    let union = masks.iter().fold(0u128, |a, m| a | m);
    // The atoms: values no condition tells apart.
    let mut atoms: Vec<u128> = Vec::new();
    for i in 0..128u32 {
        if union >> i & 1 == 0 || atoms.iter().any(|a| a >> i & 1 == 1) {
            continue;
        }
        let sig = |v: u32| masks.iter().map(|m| m >> v & 1).collect::<Vec<_>>();
        let atom = (i..128)
            .filter(|&v| union >> v & 1 == 1 && sig(v) == sig(i))
            .fold(0u128, |a, v| a | 1 << v);
        atoms.push(atom);
    }
    let sets: Vec<u128> = chosen
        .iter()
        .filter_map(|&c| match j.cells[c] {
            Value::Set(b) => Some(b),
            _ => None,
        })
        .collect();
    let atom_words = |a: u128| {
        let names: Vec<String> = (0..128u32)
            .filter(|i| a >> i & 1 == 1)
            .map(|i| enum_name(p, enum_index, i))
            .collect();
        names.join("/")
    };
    let (mut always, mut never, mut mixed) = (Vec::new(), Vec::new(), 0u32);
    for &a in &atoms {
        let ins = sets.iter().filter(|&&b| b & a != 0).count();
        if ins == sets.len() {
            always.push(atom_words(a));
        } else if ins == 0 {
            never.push(atom_words(a));
        } else {
            mixed += 1;
        }
    }
    if mixed < 32 && sets.len() == 1usize << mixed {
        let mut parts = Vec::new();
        if !always.is_empty() {
            parts.push(format!("has {}", always.join(" and ")));
        }
        if !never.is_empty() {
            parts.push(format!("has none of [{}]", never.join(", ")));
        }
        if parts.is_empty() {
            return format!("{name} stated");
        }
        return format!("{name} {}", parts.join(" and "));
    }
    // One of the policy's own conditions on the fact, or its negation, holding exactly there.
    for k in 0..2 {
        let Some(slot) = j.slot[k] else { continue };
        for c in leaves_on(s.p[k], slot) {
            let Cond::SetHas { quant, mask, .. } = c else {
                continue;
            };
            let holds = |b: u128| match quant {
                policyc_syntax::ast::SetQuant::Any => b & mask != 0,
                policyc_syntax::ast::SetQuant::All => b & mask == *mask,
                policyc_syntax::ast::SetQuant::None => b & mask == 0,
            };
            let all: Vec<u128> = j
                .cells
                .iter()
                .filter_map(|v| match v {
                    Value::Set(b) => Some(*b),
                    _ => None,
                })
                .collect();
            for want in [true, false] {
                let matching: Vec<u128> =
                    all.iter().copied().filter(|&b| holds(b) == want).collect();
                if matching.len() == sets.len() && matching.iter().all(|b| sets.contains(b)) {
                    let words = super::super::words::describe(s.p[k], c);
                    return if want {
                        words
                    } else {
                        format!("not ({words})")
                    };
                }
            }
        }
    }
    let each: Vec<String> = chosen
        .iter()
        .map(|&c| value_words(p, side_of(s, x).1, j.cells[c]))
        .collect();
    format!("{name} is one of {}", each.join(", "))
}

/// A number or date fact held to some of its cells, as runs of consecutive cells.
fn number_runs(s: &Search<'_>, x: usize, chosen: &[usize], p: &Program, slot: u32) -> String {
    let j = &s.facts[x];
    let name = &j.name;
    let empty: [Vec<Option<Value>>; 2] = [
        vec![None; s.p[0].facts.len()],
        vec![None; s.p[1].facts.len()],
    ];
    let of: Vec<Of<'_, [Option<Value>]>> = (0..2)
        .filter_map(|k| {
            j.slot[k].map(|slot| Of {
                p: s.p[k],
                only: None,
                slot,
                f: &empty[k][..],
            })
        })
        .collect();
    let consts = constants_for(&of).unwrap_or_default();
    let dec = |v: Value| match v {
        Value::Num(d, _) => d,
        Value::Date(d) => Decimal::from(d),
        _ => Decimal::ZERO,
    };
    // Every cell in ascending order, and whether it is chosen.
    let mut order: Vec<usize> = (0..j.cells.len()).collect();
    order.sort_by_key(|&c| dec(j.cells[c]));
    let words = |d: Decimal| number_words(p, slot, d);
    let mut runs = Vec::new();
    let mut i = 0;
    while i < order.len() {
        if !chosen.contains(&order[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < order.len() && chosen.contains(&order[i + 1]) {
            i += 1;
        }
        let (lo, hi) = (dec(j.cells[order[start]]), dec(j.cells[order[i]]));
        let first = start == 0;
        let last = i + 1 == order.len();
        // The bound below: the cell's constant (closed), or the constant below its interval.
        let lower = if first {
            None
        } else if consts.contains(&lo) {
            Some((true, lo))
        } else {
            consts.iter().rev().find(|&&c| c < lo).map(|&c| (false, c))
        };
        let upper = if last {
            None
        } else if consts.contains(&hi) {
            Some((true, hi))
        } else {
            consts.iter().find(|&&c| c > hi).map(|&c| (false, c))
        };
        runs.push(match (lower, upper) {
            (None, None) => format!("{name} stated"),
            (Some((true, a)), Some((true, b))) if a == b => format!("{name} = {}", words(a)),
            (Some((closed, a)), None) => {
                format!(
                    "{name} {} {}",
                    if closed { "at least" } else { "more than" },
                    words(a)
                )
            }
            (None, Some((closed, b))) => {
                format!(
                    "{name} {} {}",
                    if closed { "at most" } else { "less than" },
                    words(b)
                )
            }
            (Some((ca, a)), Some((cb, b))) => format!(
                "{name} in {}{}, {}{}",
                if ca { "[" } else { "(" },
                words(a),
                words(b),
                if cb { "]" } else { ")" }
            ),
        });
        i += 1;
    }
    runs.join(" or ")
}

// ------------------------------------------------------------------------ sampling

/// Values to sample a fact with whose cells are not worked out: the constants its conditions
/// name and one either side, or the values they name (a set: each value alone and all of them).
pub(super) fn sample_values(of: &[Of<'_, [Option<Value>]>]) -> Vec<Value> {
    let mut out = Vec::new();
    let Some(first) = of.first() else { return out };
    let Some(fact) = first.p.facts.get(first.slot as usize) else {
        return out;
    };
    let mut consts = Vec::new();
    let mut masks = Vec::new();
    for o in of {
        for c in leaves_on(o.p, o.slot) {
            match c {
                Cond::Compare { limit, .. } => consts.push(match limit.value {
                    policyc_ir::ir::Const::Number(d) => d,
                    policyc_ir::ir::Const::Date(d) => Decimal::from(d),
                }),
                Cond::EnumIn { mask, .. } | Cond::SetHas { mask, .. } => masks.push(*mask),
                _ => {}
            }
        }
    }
    match fact.ty {
        FactType::Set { .. } => {
            let union = masks.iter().fold(0u128, |a, m| a | m);
            out.push(Value::Set(0));
            out.push(Value::Set(union));
            for i in 0..128u32 {
                if union >> i & 1 == 1 {
                    out.push(Value::Set(1 << i));
                }
            }
        }
        FactType::Enum { .. } => {
            for i in 0..128u32 {
                if masks.iter().any(|m| m >> i & 1 == 1) {
                    out.push(Value::Enum(i));
                }
            }
            out.push(Value::Enum(UNLISTED));
        }
        _ => {
            let date = matches!(fact.ty, FactType::Date);
            let mut push = |d: Decimal| {
                if d < Decimal::ZERO && !matches!(fact.ty, FactType::Number | FactType::Date) {
                    return;
                }
                out.push(if date {
                    Value::Date(i32::try_from(d.mantissa()).unwrap_or(0))
                } else {
                    Value::Num(d.normalize(), 0)
                });
            };
            for c in consts {
                push(c);
                push(c - Decimal::ONE);
                push(c + Decimal::ONE);
            }
        }
    }
    out
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Decide `opts.samples` random requests (each fact a random cell, or not stated one time in
/// four) under both versions; each distinct request decided differently is a region.
pub(super) fn sample(s: &mut Search<'_>, opts: &Options) -> Vec<Raw> {
    let mut rng = Rng(opts.seed);
    let mut out: Vec<Raw> = Vec::new();
    let facts: Vec<usize> = (0..s.facts.len())
        .filter(|&x| s.facts[x].usable && !s.facts[x].cells.is_empty())
        .collect();
    for _ in 0..opts.samples {
        let mut held = vec![None; s.facts.len()];
        for &x in &facts {
            let n = s.facts[x].cells.len();
            let v = if rng.next().is_multiple_of(4) {
                None
            } else {
                let c = (rng.next() % n as u64) as usize;
                let mut b = bits(n);
                set(&mut b, c);
                held[x] = Some(b);
                Some(s.facts[x].cells[c])
            };
            s.assign(x, v, false);
        }
        let (a, b) = (s.decided(0), s.decided(1));
        if a != b && !out.iter().any(|r| r.2 == held) {
            out.push((a, b, held));
        }
    }
    for &x in &facts {
        s.assign(x, None, false);
    }
    out
}
