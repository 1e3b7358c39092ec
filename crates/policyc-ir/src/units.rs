//! Units as types.
//!
//! A unit is a product of atoms with integer exponents (`[IU]/kg`, `{dose}/d`, `m2`). Each atom
//! belongs to one base dimension; a unit's dimension is the vector of exponents over the bases.
//! Two quantities compare only when their dimensions are equal.
//!
//! Exactness: every quantity is converted, by a multiplication only, to the *canonical unit* of its
//! dimension, and compared there. Within a base dimension every atom's scale is an integer multiple
//! of the smallest atom (`ug`, a tenth of a `mm`, `uL`, `s`, `mo`, ...), and the canonical unit uses the smallest
//! atom for a positive total exponent and the largest for a negative one, so the factor from any
//! unit to its canonical unit is an integer or a power of ten: a terminating decimal. Units whose
//! factor would not terminate (`h/d`) are rejected with a message. No binary floating point is used.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

mod atoms;
use atoms::ATOMS;
mod describe;
pub use describe::{canonical_unit, one_in_canonical, unit_name};

/// The base dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Mass (`ug` to `kg`, `[lb_av]`).
    Mass = 0,
    /// Length (`mm` to `m`, `[in_i]`, `[ft_i]`); its smallest atom is a tenth of a millimetre.
    Length = 1,
    /// Volume (`uL` to `L`).
    Volume = 2,
    /// Clock time (`s` to `wk`).
    Time = 3,
    /// Months and years: calendar time, which does not convert exactly to days.
    Calendar = 4,
    /// Counted things: doses.
    Count = 5,
    /// International units: a dimension of their own (they convert to mass only through a product
    /// equivalence declared in a policy).
    InternationalUnit = 6,
    /// Plaque-forming units.
    PlaqueFormingUnit = 7,
}

/// Every base, in the order of a [`Dim`]'s exponents.
pub const BASES: [Base; 8] = [
    Base::Mass,
    Base::Length,
    Base::Volume,
    Base::Time,
    Base::Calendar,
    Base::Count,
    Base::InternationalUnit,
    Base::PlaqueFormingUnit,
];

impl Base {
    /// The base's name in messages (`international units`).
    pub fn name(self) -> &'static str {
        match self {
            Base::Mass => "mass",
            Base::Length => "length",
            Base::Volume => "volume",
            Base::Time => "time",
            Base::Calendar => "calendar time",
            Base::Count => "doses",
            Base::InternationalUnit => "international units",
            Base::PlaqueFormingUnit => "plaque-forming units",
        }
    }
    /// Scale of the largest atom of this base, relative to the smallest.
    fn largest(self) -> i128 {
        ATOMS
            .iter()
            .filter(|a| a.base == Some(self))
            .map(|a| a.scale)
            .max()
            .unwrap_or(1)
    }
}

/// A dimension: exponents over the base dimensions, and the bases that are a *ratio* of two amounts
/// of the same base.
///
/// A ratio does not cancel to a plain number: `mg/kg` (a dose per kilogram of body weight) is mass
/// per mass, which compares with `ug/kg` and `g/kg` but never with a plain number, and `mg/kg/d` is
/// mass per mass and per time. A base is a ratio when its exponent is 0 and the unit divides an
/// amount of it by another (`mg/kg`, or a formula `dose / body_weight`); multiplying by an amount of
/// the base gives the amount again (`mg/kg` × `kg` is `mg`). Multiplying a mass by a per-mass
/// (`kg` × `[IU]/kg`) cancels as usual: that is a conversion, not a ratio.
///
/// Serialized as the non-zero exponents by base name, and a ratio base with exponent 0:
/// `{"international_units": 1, "mass": -1}`, `{"mass": 0, "time": -1}` (mg/kg/d).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dim(pub [i8; 8], u8);

impl Base {
    /// The base's name in the IR.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Base::Mass => "mass",
            Base::Length => "length",
            Base::Volume => "volume",
            Base::Time => "time",
            Base::Calendar => "calendar",
            Base::Count => "count",
            Base::InternationalUnit => "international_units",
            Base::PlaqueFormingUnit => "plaque_forming_units",
        }
    }
}

impl Serialize for Dim {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let nonzero: Vec<Base> = BASES
            .iter()
            .copied()
            .filter(|b| self.exp(*b) != 0 || self.is_ratio(*b))
            .collect();
        let mut m = s.serialize_map(Some(nonzero.len()))?;
        for b in nonzero {
            m.serialize_entry(b.key(), &self.exp(b))?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Dim {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = std::collections::BTreeMap::<String, i8>::deserialize(d)?;
        let mut dim = Dim::NONE;
        for (k, v) in m {
            let b = BASES
                .iter()
                .find(|b| b.key() == k)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown dimension `{k}`")))?;
            dim.0[*b as usize] = v;
            if v == 0 {
                dim.1 |= 1 << (*b as u8);
            }
        }
        Ok(dim)
    }
}

impl Dim {
    /// No dimension: a plain number.
    pub const NONE: Dim = Dim([0; 8], 0);

    /// Whether this is no dimension (a plain number). A ratio (`mg/kg`) is not.
    pub fn is_none(&self) -> bool {
        self.0 == [0; 8] && self.1 == 0
    }

    /// Whether `b` is a ratio of two amounts of that base in this dimension (mass in `mg/kg`).
    pub fn is_ratio(&self, b: Base) -> bool {
        self.1 & (1 << (b as u8)) != 0
    }

    /// The dimension with exponent `e` for base `b`; `ratio` marks a base of exponent 0 as a ratio.
    fn with(mut self, b: Base, e: i8, ratio: bool) -> Dim {
        self.0[b as usize] = e;
        if e == 0 && ratio {
            self.1 |= 1 << (b as u8);
        } else {
            self.1 &= !(1 << (b as u8));
        }
        self
    }

    /// The dimension of a product. A ratio stays a ratio while its base cancels (`mg/kg` × `d`);
    /// an amount times a per-amount cancels (`kg` × `[IU]/kg` is `[IU]`).
    pub fn times(self, o: Dim) -> Dim {
        let mut r = self;
        for b in BASES {
            let e = self.exp(b).saturating_add(o.exp(b));
            r = r.with(b, e, self.is_ratio(b) || o.is_ratio(b));
        }
        r
    }

    /// The dimension of a quotient. Dividing by an amount (a dimension with no negative exponent,
    /// such as a body weight) of a base the dividend also has gives their ratio (`dose /
    /// body_weight` in mass per mass, `mg/d` by `kg` in mass per mass and per time), never a
    /// plain number. Dividing by a rate cancels as usual (`[IU]` by `[IU]/kg` is `kg`).
    pub fn per(self, o: Dim) -> Dim {
        let amount = BASES.iter().all(|b| o.exp(*b) >= 0);
        let mut r = self;
        for b in BASES {
            let e = self.exp(b).saturating_sub(o.exp(b));
            let ratio =
                self.is_ratio(b) || o.is_ratio(b) || (amount && self.exp(b) > 0 && o.exp(b) > 0);
            r = r.with(b, e, ratio);
        }
        r
    }

    /// The dimension with the amount of `from` (exponent ±1) exchanged for the same exponent of
    /// `to`, as a product equivalence converts a dose in IU to mg: `[IU]/kg` becomes `mg/kg`, a
    /// ratio of masses.
    pub fn exchange(self, from: Base, to: Base) -> Dim {
        let ex = self.exp(from);
        let e = self.exp(to).saturating_add(ex);
        self.with(from, 0, false)
            .with(to, e, self.exp(to) != 0 || self.is_ratio(to))
    }

    /// The exponent of one base.
    pub fn exp(&self, b: Base) -> i8 {
        self.0[b as usize]
    }
}

impl fmt::Display for Dim {
    /// `international units per mass`, `doses per time`, `length^2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            return f.write_str("a plain number");
        }
        let part = |pos: bool| {
            BASES
                .iter()
                .filter_map(|b| {
                    let e = self.exp(*b);
                    let e = if pos { e } else { -e };
                    match e {
                        0 if self.is_ratio(*b) => Some(b.name().to_string()),
                        e if e <= 0 => None,
                        1 => Some(b.name().to_string()),
                        e => Some(format!("{}^{}", b.name(), e)),
                    }
                })
                .collect::<Vec<_>>()
                .join(" × ")
        };
        let (num, den) = (part(true), part(false));
        match (num.is_empty(), den.is_empty()) {
            (false, true) => f.write_str(&num),
            (true, false) => write!(f, "per {den}"),
            _ => write!(f, "{num} per {den}"),
        }
    }
}

/// One atom of a unit with its exponent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Factor {
    code: String,
    base: Option<Base>,
    scale: i128,
    exp: i32,
}

/// A parsed unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// The UCUM code (`[IU]/kg`).
    pub code: String,
    /// The unit as the policy or request wrote it (`IU/kg`, `years`), for explanations in its words.
    #[serde(default)]
    pub written: String,
    /// Its dimension.
    pub dim: Dim,
    /// Multiply a value in this unit by `factor` to get the value in the canonical unit of `dim`.
    #[serde(with = "rust_decimal::serde::str")]
    pub factor: Decimal,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// Why a unit could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitError {
    /// An atom that is not a known unit.
    Unknown {
        /// The atom as written.
        atom: String,
        /// A known unit name close to it, if any.
        suggestion: Option<String>,
    },
    /// The text is not a unit expression; the message says why.
    Malformed(String),
    /// The unit (as written) mixes units of one dimension whose ratio is not a terminating decimal.
    Inexact(String),
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitError::Unknown { atom, .. } => write!(f, "`{atom}` is not a unit policyc knows"),
            UnitError::Malformed(m) => f.write_str(m),
            UnitError::Inexact(u) => write!(
                f,
                "`{u}` mixes units of one dimension whose ratio is not a terminating decimal"
            ),
        }
    }
}

/// Every unit name accepted, for suggestions and documentation.
pub(crate) fn known_unit_names() -> impl Iterator<Item = &'static str> {
    ATOMS
        .iter()
        .flat_map(|a| std::iter::once(a.code).chain(a.aliases.iter().copied()))
}

/// The units a value compared with a quantity in `unit` may be written in: every spelling of a
/// known unit of the same dimension, and, for a ratio (`mg/kg`), each numerator of the
/// numerator's dimension over the same denominator (`ug/kg`, `g/kg`). The unit as written comes
/// first; no unit is listed twice. For editors' completion.
pub fn units_like(unit: &Unit) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: String| {
        if !out.contains(&c) && parse_unit(&c).is_ok_and(|u| u.dim == unit.dim) {
            out.push(c);
        }
    };
    for w in [&unit.written, &unit.code] {
        if !w.is_empty() {
            push(w.clone());
        }
    }
    let written = if unit.written.is_empty() {
        &unit.code
    } else {
        &unit.written
    };
    let rest = written.find('/').map(|i| &written[i..]);
    for name in known_unit_names() {
        push(name.to_string());
        if let Some(rest) = rest {
            push(format!("{name}{rest}"));
        }
    }
    out
}

fn atom(name: &str) -> Option<Factor> {
    if let Some(rest) = name
        .strip_prefix("10*")
        .or_else(|| name.strip_prefix("10^"))
    {
        let n: u32 = rest.parse().ok().filter(|n| *n <= 18)?;
        return Some(Factor {
            code: format!("10*{n}"),
            base: None,
            scale: 10i128.pow(n),
            exp: 1,
        });
    }
    ATOMS
        .iter()
        .find(|a| a.code == name || a.aliases.contains(&name))
        .map(|a| Factor {
            code: a.code.to_string(),
            base: a.base,
            scale: a.scale,
            exp: 1,
        })
}

/// Split `[IU]/kg.d` into atoms with their operators, keeping bracketed atoms whole.
fn tokenize(text: &str) -> Result<Vec<(char, String)>, UnitError> {
    let mut out = Vec::new();
    let mut op = '.';
    let mut cur = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '[' | '{' => {
                depth += 1;
                cur.push(c)
            }
            ']' | '}' => {
                depth -= 1;
                cur.push(c)
            }
            '/' | '.' if depth == 0 => {
                if cur.is_empty() {
                    return Err(UnitError::Malformed(format!(
                        "`{text}` has an operator with no unit before it"
                    )));
                }
                out.push((op, std::mem::take(&mut cur)));
                op = c;
            }
            c if c.is_whitespace() => {
                return Err(UnitError::Malformed(format!(
                    "`{text}` contains a space; write units without spaces, e.g. `[IU]/kg`"
                )))
            }
            c => cur.push(c),
        }
    }
    if cur.is_empty() {
        return Err(UnitError::Malformed(if text.is_empty() {
            "the unit is empty".to_string()
        } else {
            format!("`{text}` ends with an operator")
        }));
    }
    out.push((op, cur));
    Ok(out)
}

/// Parse a unit, in UCUM or plain spelling (`[IU]/kg`, `IU/kg`, `doses/day`, `m2`, `years`).
pub fn parse_unit(text: &str) -> Result<Unit, UnitError> {
    let text = text.trim();
    if text == "1" {
        return Ok(Unit {
            code: "1".into(),
            written: "1".into(),
            dim: Dim::NONE,
            factor: Decimal::ONE,
        });
    }
    let mut factors: Vec<Factor> = Vec::new();
    for (op, tok) in tokenize(text)? {
        let (name, exp) = split_exponent(&tok);
        let mut f = match atom(name) {
            Some(f) => f,
            None => {
                return Err(UnitError::Unknown {
                    atom: tok.clone(),
                    suggestion: policyc_syntax::diag::did_you_mean(name, known_unit_names()),
                })
            }
        };
        f.exp = if op == '/' { -exp } else { exp };
        factors.push(f);
    }
    // Each factor multiplies or divides, so that `mg/kg` is a ratio of masses, as `dose / body_weight`.
    let mut dim = Dim::NONE;
    for f in &factors {
        if let Some(b) = f.base {
            let mut one = Dim::NONE;
            one.0[b as usize] = f.exp.unsigned_abs().min(i8::MAX as u32) as i8;
            dim = if f.exp < 0 {
                dim.per(one)
            } else {
                dim.times(one)
            };
        }
    }
    // factor = Π (scale / ref)^exp, where ref is 1 (smallest atom) for a base with a non-negative
    // total exponent, and the largest atom's scale for a negative one.
    let (mut num, mut den): (i128, i128) = (1, 1);
    for f in &factors {
        let reference = match f.base {
            Some(b) if dim.exp(b) < 0 => b.largest(),
            _ => 1,
        };
        for _ in 0..f.exp.unsigned_abs() {
            let (n, d) = if f.exp > 0 {
                (f.scale, reference)
            } else {
                (reference, f.scale)
            };
            num = num
                .checked_mul(n)
                .ok_or_else(|| UnitError::Inexact(text.into()))?;
            den = den
                .checked_mul(d)
                .ok_or_else(|| UnitError::Inexact(text.into()))?;
            let g = gcd(num, den);
            num /= g;
            den /= g;
        }
    }
    let factor = terminating(num, den).ok_or_else(|| UnitError::Inexact(text.into()))?;
    let code = factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let op = match (i, f.exp < 0) {
                (0, true) => "/",
                (0, false) => "",
                (_, true) => "/",
                (_, false) => ".",
            };
            let e = f.exp.unsigned_abs();
            if e == 1 {
                format!("{op}{}", f.code)
            } else {
                format!("{op}{}{e}", f.code)
            }
        })
        .collect::<String>();
    let code = if code.starts_with('/') {
        format!("1{code}")
    } else {
        code
    };
    Ok(Unit {
        code,
        written: text.to_string(),
        dim,
        factor,
    })
}

fn split_exponent(tok: &str) -> (&str, i32) {
    if tok.starts_with('[')
        || tok.starts_with('{')
        || tok.starts_with("10*")
        || tok.starts_with("10^")
    {
        return (tok, 1);
    }
    let digits = tok.len() - tok.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 1 && digits < tok.len() {
        let (n, e) = tok.split_at(tok.len() - 1);
        (n, e.parse().unwrap_or(1))
    } else {
        (tok, 1)
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

/// `num / den` as an exact decimal, if it terminates.
fn terminating(num: i128, den: i128) -> Option<Decimal> {
    let mut d = den;
    while d % 2 == 0 {
        d /= 2;
    }
    while d % 5 == 0 {
        d /= 5;
    }
    if d != 1 {
        return None;
    }
    let n = Decimal::try_from_i128_with_scale(num, 0).ok()?;
    let dd = Decimal::try_from_i128_with_scale(den, 0).ok()?;
    n.checked_div(dd)
}

/// The canonical unit of a dimension, relative to the smallest atoms of its bases, as a rational
/// `(num, den)`: the smallest atom for a base with a positive exponent, the largest for a negative one.
fn canonical_scale(dim: Dim) -> (i128, i128) {
    let mut den: i128 = 1;
    for b in BASES {
        let e = dim.exp(b);
        if e < 0 {
            for _ in 0..(-e) {
                den = den.saturating_mul(b.largest());
            }
        }
    }
    (1, den)
}

/// The factor that brings the product (or quotient) of two canonical values into the canonical unit
/// of the result's dimension. `None` if it would not be a terminating decimal.
pub fn rescale(a: Dim, b: Dim, divide: bool) -> Option<Decimal> {
    let (an, ad) = canonical_scale(a);
    let (bn, bd) = canonical_scale(b);
    let result = if divide { a.per(b) } else { a.times(b) };
    let (rn, rd) = canonical_scale(result);
    // (a × b) / r, or (a / b) / r, each a rational.
    let (mut num, mut den) = if divide {
        (an.checked_mul(bd)?, ad.checked_mul(bn)?)
    } else {
        (an.checked_mul(bn)?, ad.checked_mul(bd)?)
    };
    num = num.checked_mul(rd)?;
    den = den.checked_mul(rn)?;
    let g = gcd(num, den);
    terminating(num / g, den / g)
}

/// The canonical unit of `dim` is 1/den of the unit made of the smallest atoms of its bases.
pub fn canonical_den(dim: Dim) -> Option<Decimal> {
    let (_, den) = canonical_scale(dim);
    Decimal::try_from_i128_with_scale(den, 0).ok()
}

/// The bases named with a positive exponent in a unit (`mg/kg` names mass; `[IU]/[IU]` names
/// international units), before exponents of the same base cancel.
pub fn numerator(text: &str) -> Dim {
    let mut d = Dim::NONE;
    if let Ok(tokens) = tokenize(text.trim()) {
        for (op, tok) in tokens {
            let (name, exp) = split_exponent(&tok);
            if let (Some(Factor { base: Some(b), .. }), '.') = (atom(name), op) {
                d.0[b as usize] = d.0[b as usize].saturating_add(exp as i8);
            }
        }
    }
    d
}

/// Whether a product equivalence (IU or PFU to a mass or volume) could relate two dimensions.
pub fn equivalence_could_relate(a: Dim, b: Dim) -> bool {
    let d = a.per(b);
    let nonzero: Vec<Base> = BASES.iter().copied().filter(|x| d.exp(*x) != 0).collect();
    match nonzero.as_slice() {
        [x, y] => {
            let own = |b: &Base| matches!(b, Base::InternationalUnit | Base::PlaqueFormingUnit);
            let amount = |b: &Base| matches!(b, Base::Mass | Base::Volume);
            d.exp(*x) == -d.exp(*y) && ((own(x) && amount(y)) || (amount(x) && own(y)))
        }
        _ => false,
    }
}

/// A number with its unit. It holds its value exactly in the canonical unit of its dimension, and
/// the unit it is expressed in: converting to another unit of the dimension changes only the unit,
/// so converting and converting back is exact, and comparisons never depend on the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    canonical: Decimal,
    /// The unit it is expressed in.
    pub unit: Unit,
}

impl Quantity {
    /// `value` in `unit`; `None` only when the canonical value overflows 96-bit decimals.
    pub fn new(value: Decimal, unit: Unit) -> Option<Self> {
        Some(Quantity {
            canonical: value.checked_mul(unit.factor)?,
            unit,
        })
    }

    /// The value in the canonical unit of the dimension (exact).
    pub fn canonical(&self) -> Decimal {
        self.canonical
    }

    /// The value in this quantity's unit: exact when it is a terminating decimal (always, for the
    /// unit the quantity was created in), otherwise rounded to 28 significant digits.
    pub fn value(&self) -> Decimal {
        self.canonical
            .checked_div(self.unit.factor)
            .unwrap_or(self.canonical)
            .normalize()
    }

    /// Compare with another quantity of the same dimension; `None` across dimensions.
    pub fn compare(&self, other: &Quantity) -> Option<std::cmp::Ordering> {
        (self.unit.dim == other.unit.dim).then(|| self.canonical.cmp(&other.canonical))
    }

    /// This quantity expressed in another unit of the same dimension; `None` across dimensions.
    pub fn convert_to(&self, unit: &Unit) -> Option<Quantity> {
        (self.unit.dim == unit.dim).then(|| Quantity {
            canonical: self.canonical,
            unit: unit.clone(),
        })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_decimal(self.value()), self.unit.code)
    }
}

/// A decimal with thousands separators, as a document writes it: `600,000`, `0.037`.
pub fn format_decimal(d: Decimal) -> String {
    let s = d.normalize().to_string();
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    // Up to 999: nothing to group.
    if int.len() <= 3 {
        return s;
    }
    let mut grouped = String::with_capacity(s.len() + int.len() / 3);
    grouped.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(f);
    }
    grouped
}

/// A computed value for an explanation (`6.8611` mg/kg): rounded to 4 decimal places, or to 3
/// significant digits when it is smaller (`0.0000417`), so that a small ratio never shows as `0`.
/// Half away from zero; thousands grouped as [`format_decimal`].
pub fn format_measured(d: Decimal) -> String {
    use rust_decimal::RoundingStrategy::MidpointAwayFromZero;
    let mut dp = 4;
    let abs = d.abs();
    if !abs.is_zero() {
        // Decimal places needed for 3 significant digits.
        let mut scaled = abs;
        let mut lead = 0u32;
        while scaled < Decimal::ONE && lead < 28 {
            scaled *= Decimal::TEN;
            lead += 1;
        }
        dp = dp.max((lead + 2).min(28));
    }
    format_decimal(d.round_dp_with_strategy(dp, MidpointAwayFromZero))
}

#[cfg(test)]
mod tests;
