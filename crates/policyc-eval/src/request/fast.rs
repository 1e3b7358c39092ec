//! Binding straight from the JSON text into slots, without a JSON tree.
//!
//! The request is read with a serde visitor over the program's fact table: each fact's value is
//! read as its type expects, into its slot, with no intermediate [`serde_json::Value`], no string
//! kept but the request's identifier, units parsed once per thread for each distinct unit string
//! ([`unit`]), and display strings left to [`Request::shown`](super::Request::shown).
//!
//! This path only ever accepts: at the first thing that is not a well-formed, valid request
//! (a parse error, a key written twice, an unknown name, a value of the wrong type, a value out of
//! range, a problem computing a derived fact, or merely something unusual such as an unlisted value
//! in a set) it gives up, and [`bind`](super::bind) reads the request again the thorough way, which
//! finds and words every problem. So every message stays that of the thorough reading, and what
//! this path accepts it binds exactly as that reading does (`tests/bind_fast.rs` compares them).

use super::number::{exact_mul, parse_number};
use super::{derive, parse_date, within_range, Request, Shown, Value, UNLISTED};
use policyc_ir::dates::days_since_epoch;
use policyc_ir::ir::{FactType, Program};
use policyc_ir::units::{numerator, parse_unit, Dim, Unit};
use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

/// serde_json's private marker for a number read with `arbitrary_precision`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Bind `text`, or `None` when the thorough reading must decide (see the module documentation).
pub(super) fn bind(program: &Program, text: &str, as_of: Option<&str>) -> Option<Request> {
    let override_days = match as_of {
        Some(s) => Some(days_since_epoch(parse_date(s)?)),
        None => None,
    };
    let mut req = Request::unknown(program.facts.len());
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(
        &mut de,
        Top {
            program,
            req: &mut req,
            overridden: as_of.is_some(),
        },
    )
    .ok()?;
    de.end().ok()?;
    if override_days.is_some() {
        req.as_of = override_days;
    }
    let mut errors = Vec::new();
    derive::derive(program, &mut req, &mut errors);
    errors.is_empty().then_some(req)
}

fn give_up<E: de::Error>() -> E {
    E::custom("")
}

// ------------------------------------------------------------------ the request object

struct Top<'a> {
    program: &'a Program,
    req: &'a mut Request,
    overridden: bool,
}

#[derive(Clone, Copy)]
enum TopKey {
    FormatVersion = 0,
    RequestId = 1,
    AsOf = 2,
    Facts = 3,
}

/// A key of the request object; any other key gives up.
struct TopKeySeed;

impl<'de> DeserializeSeed<'de> for TopKeySeed {
    type Value = TopKey;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<TopKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for TopKeySeed {
    type Value = TopKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key of a request")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<TopKey, E> {
        match s {
            "format_version" => Ok(TopKey::FormatVersion),
            "request_id" => Ok(TopKey::RequestId),
            "as_of" => Ok(TopKey::AsOf),
            "facts" => Ok(TopKey::Facts),
            _ => Err(give_up()),
        }
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a request object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = 0u8;
        while let Some(key) = map.next_key_seed(TopKeySeed)? {
            let bit = 1u8 << (key as u8);
            if seen & bit != 0 {
                return Err(give_up());
            }
            seen |= bit;
            match key {
                TopKey::FormatVersion => match map.next_value_seed(Scalar)? {
                    Tok::U64(1) => {}
                    Tok::Text(t) if parse_number(&t) == Ok(Decimal::ONE) => {}
                    _ => return Err(give_up()),
                },
                TopKey::RequestId => match map.next_value_seed(Scalar)? {
                    Tok::Null => {}
                    Tok::Str(s) => self.req.request_id = Some(s.into_owned()),
                    _ => return Err(give_up()),
                },
                TopKey::AsOf => match map.next_value_seed(Scalar)? {
                    Tok::Null => {}
                    // A date of service given on the command line replaces the request's.
                    Tok::Str(_) if self.overridden => {}
                    Tok::Str(s) => match parse_date(&s) {
                        Some(d) => self.req.as_of = Some(days_since_epoch(d)),
                        None => return Err(give_up()),
                    },
                    _ if self.overridden => {}
                    _ => return Err(give_up()),
                },
                TopKey::Facts => map.next_value_seed(Facts {
                    program: self.program,
                    req: &mut *self.req,
                })?,
            }
        }
        if seen & (1 << TopKey::Facts as u8) == 0 {
            return Err(give_up());
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ scalars

/// A JSON value that is not a list or an object (other than a number read with its text).
enum Tok<'de> {
    Null,
    /// `true` or `false`.
    Bool,
    U64(u64),
    /// A negative whole number.
    Negative,
    /// A number's text, when it is not a whole number that fits 64 bits.
    Text(String),
    Str(Cow<'de, str>),
}

/// Reads a [`Tok`]; a list or an object (other than a number) gives up.
struct Scalar;

impl<'de> DeserializeSeed<'de> for Scalar {
    type Value = Tok<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Tok<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scalar {
    type Value = Tok<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Tok<'de>, E> {
        Ok(Tok::Null)
    }
    fn visit_none<E>(self) -> Result<Tok<'de>, E> {
        Ok(Tok::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Tok<'de>, E> {
        Ok(Tok::Bool)
    }
    fn visit_u64<E>(self, n: u64) -> Result<Tok<'de>, E> {
        Ok(Tok::U64(n))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Tok<'de>, E> {
        Ok(Tok::Negative)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Tok<'de>, E> {
        Err(give_up())
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Tok<'de>, E> {
        Ok(Tok::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Tok<'de>, E> {
        Ok(Tok::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<Tok<'de>, E> {
        Ok(Tok::Str(Cow::Owned(s)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tok<'de>, A::Error> {
        match map.next_key_seed(KeySeed)? {
            Some(Key::Number) => number_value(&mut map).map(Tok::Text),
            _ => Err(give_up()),
        }
    }
}

/// The text of a number, after its marker key: the only member of its map.
fn number_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<String, A::Error> {
    let text = match map.next_value_seed(Scalar)? {
        Tok::Str(s) => s.into_owned(),
        _ => return Err(give_up()),
    };
    match map.next_key_seed(KeySeed)? {
        None => Ok(text),
        Some(_) => Err(give_up()),
    }
}

/// A key inside a fact's value: a number's marker, or a member of a quantity object.
#[derive(PartialEq, Eq)]
enum Key {
    Number,
    Value,
    Unit,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
        match s {
            NUMBER_TOKEN => Ok(Key::Number),
            "value" => Ok(Key::Value),
            "unit" => Ok(Key::Unit),
            _ => Err(give_up()),
        }
    }
}

// ------------------------------------------------------------------ facts

struct Facts<'a> {
    program: &'a Program,
    req: &'a mut Request,
}

impl<'de> DeserializeSeed<'de> for Facts<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// A fact's name: its slot, or give up.
struct FactName<'a>(&'a Program);

impl<'de> DeserializeSeed<'de> for FactName<'_> {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FactName<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a fact's name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<usize, E> {
        self.0.fact_index(s).ok_or_else(give_up)
    }
}

impl<'de> Visitor<'de> for Facts<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of facts")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let n = self.program.facts.len();
        // Which names were written (a null included), to find a name written twice.
        let mut small = [0u64; 4];
        let mut large = Vec::new();
        let seen: &mut [u64] = if n <= 256 {
            &mut small
        } else {
            large.resize(n.div_ceil(64), 0);
            &mut large
        };
        while let Some(slot) = map.next_key_seed(FactName(self.program))? {
            let (word, bit) = (slot / 64, 1u64 << (slot % 64));
            if seen[word] & bit != 0 {
                return Err(give_up());
            }
            seen[word] |= bit;
            let stated = map.next_value_seed(Fact {
                program: self.program,
                slot,
            })?;
            if let Some((v, shown)) = stated {
                if !within_range(&self.program.facts[slot], v) {
                    return Err(give_up());
                }
                if let (Value::Enum(UNLISTED), Shown::Text(t)) = (v, &shown) {
                    self.req.unlisted.push((slot, t.clone()));
                }
                self.req.values[slot] = Some(v);
                self.req.shown[slot] = shown;
                self.req.stated[slot] = true;
            }
        }
        Ok(())
    }
}

/// One fact's value: `None` for null (unknown).
struct Fact<'a> {
    program: &'a Program,
    slot: usize,
}

type Stated = Option<(Value, Shown)>;

impl<'de> DeserializeSeed<'de> for Fact<'_> {
    type Value = Stated;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Stated, D::Error> {
        d.deserialize_any(self)
    }
}

impl Fact<'_> {
    fn ty(&self) -> &FactType {
        &self.program.facts[self.slot].ty
    }

    /// A number (`json`: written as a JSON number, not in a string) for a count or number fact.
    fn number<E: de::Error>(&self, d: Decimal, json: bool) -> Result<Stated, E> {
        match self.ty() {
            FactType::Count if json => {
                if !d.fract().is_zero() || d.is_sign_negative() {
                    return Err(give_up());
                }
                Ok(Some((Value::Num(d.normalize(), 0), Shown::Value)))
            }
            FactType::Number => Ok(Some((Value::Num(d.normalize(), 0), Shown::Value))),
            _ => Err(give_up()),
        }
    }

    fn string<E: de::Error>(&self, s: &str) -> Result<Stated, E> {
        match self.ty() {
            FactType::Number => {
                let d = parse_number(s).map_err(|_| give_up())?;
                self.number(d, false)
            }
            FactType::Date => match parse_date(s) {
                Some(d) => Ok(Some((Value::Date(days_since_epoch(d)), Shown::Value))),
                None => Err(give_up()),
            },
            FactType::Enum { enum_index } => {
                let e = &self.program.enums[*enum_index as usize];
                match e.values.iter().position(|x| x.name == s) {
                    Some(i) => Ok(Some((Value::Enum(i as u32), Shown::Value))),
                    None if e.open => Ok(Some((Value::Enum(UNLISTED), Shown::Text(s.into())))),
                    None => Err(give_up()),
                }
            }
            FactType::Quantity { .. } => {
                // `"600000 [IU]/kg"`, `"6 million IU"`: a number, maybe a scale word, one unit
                // word (a unit written in several words is left to the thorough reading).
                let mut words = s.split_whitespace();
                let (Some(number), Some(second)) = (words.next(), words.next()) else {
                    return Err(give_up());
                };
                let scale = match second {
                    "thousand" => Some(1_000),
                    "million" => Some(1_000_000),
                    "billion" => Some(1_000_000_000),
                    _ => None,
                };
                let unit = match scale {
                    Some(_) => words.next().ok_or_else(give_up)?,
                    None => second,
                };
                if words.next().is_some() {
                    return Err(give_up());
                }
                let mut n = amount(number, false).ok_or_else(give_up)?;
                if let Some(m) = scale {
                    n = exact_mul(n, Decimal::from(m)).ok_or_else(give_up)?;
                }
                self.quantity(n, unit)
            }
            _ => Err(give_up()),
        }
    }

    /// A quantity of `n` in the unit written `unit`, converted exactly to the canonical unit.
    fn quantity<E: de::Error>(&self, n: Decimal, unit: &str) -> Result<Stated, E> {
        let FactType::Quantity {
            unit: declared,
            alternates,
        } = self.ty()
        else {
            return Err(give_up());
        };
        let u = cached_unit(unit).ok_or_else(give_up)?;
        let alt = if u.unit.dim == declared.dim {
            0
        } else if let Some(i) = alternates.iter().position(|a| {
            a.dim == u.unit.dim
                && u.numerator
                    .0
                    .iter()
                    .zip(a.via.0)
                    .all(|(n, v)| v <= 0 || *n >= v)
        }) {
            (i + 1) as u8
        } else {
            return Err(give_up());
        };
        let canonical = exact_mul(n, u.unit.factor).ok_or_else(give_up)?;
        Ok(Some((
            Value::Num(canonical.normalize(), alt),
            Shown::Quantity(n, u.written.clone()),
        )))
    }
}

/// A quantity's number: JSON numbers are 0 or more; a number in a string is written without a
/// sign. `None`: not such a number.
fn amount(text: &str, json_number: bool) -> Option<Decimal> {
    if !json_number && text.starts_with('-') {
        return None;
    }
    let d = parse_number(text).ok()?;
    (!d.is_sign_negative()).then_some(d)
}

impl<'de> Visitor<'de> for Fact<'_> {
    type Value = Stated;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a fact's value")
    }
    fn visit_unit<E>(self) -> Result<Stated, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Stated, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Stated, E> {
        match self.ty() {
            FactType::Boolean | FactType::Documentation => Ok(Some((Value::Bool(b), Shown::Value))),
            _ => Err(give_up()),
        }
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Stated, E> {
        self.number(Decimal::from(n), true)
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Stated, E> {
        self.number(Decimal::from(n), true)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Stated, E> {
        Err(give_up())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Stated, E> {
        self.string(s)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stated, A::Error> {
        let mut value: Option<Decimal> = None;
        let mut unit: Option<Cow<'de, str>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key {
                // A number that is not a whole number of 64 bits, the only member of its map.
                Key::Number if value.is_none() && unit.is_none() => {
                    let text = number_value(&mut map)?;
                    let d = parse_number(&text).map_err(|_| give_up())?;
                    return self.number(d, true);
                }
                Key::Value if value.is_none() => {
                    let d = match map.next_value_seed(Scalar)? {
                        Tok::U64(n) => Some(Decimal::from(n)),
                        Tok::Negative => None,
                        Tok::Text(t) => amount(&t, true),
                        Tok::Str(s) => amount(&s, false),
                        Tok::Null | Tok::Bool => None,
                    };
                    value = Some(d.ok_or_else(give_up)?);
                }
                Key::Unit if unit.is_none() => match map.next_value_seed(Scalar)? {
                    Tok::Str(s) => unit = Some(s),
                    _ => return Err(give_up()),
                },
                _ => return Err(give_up()),
            }
        }
        match (value, unit) {
            (Some(n), Some(u)) => self.quantity(n, &u),
            _ => Err(give_up()),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Stated, A::Error> {
        let FactType::Set { enum_index } = self.ty() else {
            return Err(give_up());
        };
        let e = &self.program.enums[*enum_index as usize];
        let (mut mask, mut order, mut len) = (0u128, 0u128, 0u8);
        while let Some(tok) = seq.next_element_seed(Scalar)? {
            let Tok::Str(s) = tok else {
                return Err(give_up());
            };
            // An unlisted value of an open enumeration is left to the thorough reading.
            let i = e
                .values
                .iter()
                .position(|x| x.name == *s)
                .ok_or_else(give_up)?;
            if mask & (1u128 << i) != 0 || usize::from(len) >= Shown::MAX_ORDER {
                return Err(give_up());
            }
            mask |= 1u128 << i;
            order |= (i as u128) << (8 * u32::from(len));
            len += 1;
        }
        Ok(Some((Value::Set(mask), Shown::Order(order, len))))
    }
}

// ------------------------------------------------------------------ units

/// A unit string, parsed, with what binding reads from it.
pub(super) struct CachedUnit {
    text: Box<str>,
    /// The unit.
    pub unit: Unit,
    /// The dimension of its numerator (for the choice of an equivalence's dimension).
    pub numerator: Dim,
    /// The unit as written, shared by every value stated in it.
    pub written: Arc<str>,
}

/// How many distinct unit strings a thread keeps parsed.
const UNIT_CACHE: usize = 64;

thread_local! {
    static UNITS: RefCell<Vec<Rc<CachedUnit>>> = const { RefCell::new(Vec::new()) };
}

/// The unit written `text`, parsed once per thread for each distinct text (at most
/// [`UNIT_CACHE`] of them are kept); `None` when it is not a unit.
pub(super) fn cached_unit(text: &str) -> Option<Rc<CachedUnit>> {
    let found = UNITS
        .try_with(|c| c.borrow().iter().find(|u| &*u.text == text).cloned())
        .ok()
        .flatten();
    if found.is_some() {
        return found;
    }
    let unit = parse_unit(text).ok()?;
    let parsed = Rc::new(CachedUnit {
        text: text.into(),
        numerator: numerator(text),
        written: unit.written.as_str().into(),
        unit,
    });
    let _ = UNITS.try_with(|c| {
        let mut c = c.borrow_mut();
        if c.len() < UNIT_CACHE {
            c.push(parsed.clone());
        }
    });
    Some(parsed)
}
