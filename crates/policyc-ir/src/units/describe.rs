//! Units in words, for editors: a unit's name (`mg/m2` is "milligram per square metre") and the
//! canonical unit of its dimension, the one every unit of the dimension converts to exactly.

use super::atoms::ATOMS;
use super::{parse_unit, split_exponent, tokenize, Dim, Unit, UnitError, BASES};
use rust_decimal::Decimal;

/// A unit's name in words, singular, from the names of its atoms: `mg/m2` is `milligram per
/// square metre`, `[IU]/kg` `international unit per kilogram`, `doses/day` `dose per day`,
/// `10*6.[IU]` `million international unit`. An error if [`parse_unit`] would refuse the unit.
pub fn unit_name(text: &str) -> Result<String, UnitError> {
    let text = text.trim();
    parse_unit(text)?;
    if text == "1" {
        return Ok("one (a plain number)".into());
    }
    let mut out = String::new();
    for (i, (op, tok)) in tokenize(text)?.into_iter().enumerate() {
        let (name, exp) = split_exponent(&tok);
        let word = atom_name(name).ok_or_else(|| UnitError::Unknown {
            atom: tok.clone(),
            suggestion: None,
        })?;
        let word = match exp {
            1 => word,
            2 => format!("square {word}"),
            3 => format!("cubic {word}"),
            e => format!("{word}^{e}"),
        };
        match (i, op) {
            (0, _) => {}
            (_, '/') => out.push_str(" per "),
            _ => out.push(' '),
        }
        out.push_str(&word);
    }
    Ok(out)
}

/// The name of one atom as written (`mg`, `milligrams`, `10*6`).
fn atom_name(name: &str) -> Option<String> {
    if let Some(rest) = name
        .strip_prefix("10*")
        .or_else(|| name.strip_prefix("10^"))
    {
        return Some(match rest {
            "3" => "thousand".into(),
            "6" => "million".into(),
            "9" => "billion".into(),
            n => format!("10^{n}"),
        });
    }
    ATOMS
        .iter()
        .find(|a| a.code == name || a.aliases.contains(&name))
        .map(|a| a.name.to_string())
}

/// The canonical unit of a dimension, named: each base of a positive exponent in its smallest
/// unit, each of a negative exponent in its largest, and a ratio of one base as the smallest over
/// itself (`mg` → `ug`, `[IU]/kg` → `[IU]/kg`, `doses/day` → `{dose}/wk`, `mg/kg` → `ug/ug`).
/// Every unit of the dimension converts to it by a multiplication that is a terminating decimal
/// (see [`super::Quantity::convert_to`]). It is the unit policyc compares quantities in, except
/// for length, which is compared in tenths of a millimetre, a unit without a name: a positive
/// exponent of length is named in `mm`.
pub fn canonical_unit(dim: Dim) -> Unit {
    if dim.is_none() {
        return Unit {
            code: "1".into(),
            written: "1".into(),
            dim,
            factor: Decimal::ONE,
        };
    }
    let mut num: Vec<(&str, i8)> = Vec::new();
    let mut den: Vec<(&str, i8)> = Vec::new();
    let mut factor = Decimal::ONE;
    for b in BASES {
        let atoms = ATOMS.iter().filter(|a| a.base == Some(b));
        let (Some(smallest), Some(largest)) = (
            atoms.clone().min_by_key(|a| a.scale),
            atoms.max_by_key(|a| a.scale),
        ) else {
            continue;
        };
        let e = dim.exp(b);
        if e > 0 {
            num.push((smallest.code, e));
            for _ in 0..e {
                factor *= Decimal::from_i128_with_scale(smallest.scale, 0);
            }
        } else if e < 0 {
            den.push((largest.code, -e));
        } else if dim.is_ratio(b) {
            num.push((smallest.code, 1));
            den.push((smallest.code, 1));
        }
    }
    let mut code = num
        .iter()
        .map(|(c, e)| power(c, *e, "."))
        .collect::<Vec<_>>()
        .join(".");
    if code.is_empty() {
        code.push('1');
    }
    for (c, e) in &den {
        code.push('/');
        code.push_str(&power(c, *e, "/"));
    }
    Unit {
        written: code.clone(),
        code,
        dim,
        factor,
    }
}

/// An atom to a power, as [`parse_unit`] reads it back: `m2`, or for a bracketed atom (whose
/// exponent cannot be a suffix) the atom repeated, joined by `sep` (`[IU].[IU]`, or `[IU]/[IU]`
/// after a `/`).
fn power(code: &str, e: i8, sep: &str) -> String {
    match e {
        1 => code.to_string(),
        2..=9 if !code.starts_with(['[', '{']) => format!("{code}{e}"),
        _ => vec![code; e.unsigned_abs() as usize].join(sep),
    }
}

/// How many of the canonical unit of its dimension ([`canonical_unit`]) one `unit` is, exactly:
/// 1,000 for `mg` (in `ug`), 7 for `doses/day` (in `{dose}/wk`). `None` only if it overflows.
pub fn one_in_canonical(unit: &Unit) -> Option<Decimal> {
    let one = super::Quantity::new(Decimal::ONE, unit.clone())?;
    Some(one.convert_to(&canonical_unit(unit.dim))?.value())
}
