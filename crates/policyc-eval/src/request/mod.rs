//! Requests: JSON in, fact slots out.
//!
//! A request states facts by name; binding resolves each to its slot, checks its type and unit, and
//! computes derived facts. Every problem in a request is reported (with its JSON path), not only the
//! first. Numbers are read from their JSON text exactly (no binary floating point), and refused
//! when they cannot be represented exactly ([`number`]); a key written twice is an error.
//!
//! Longer than 800 lines on purpose: binding every type of fact from JSON is one place, so that
//! every type refuses a bad value with the same kind of JSON path and message.

mod derive;
mod fast;
mod json;
pub mod number;

use number::{exact_mul, parse_number, NumberError};

use policyc_ir::dates::{date_from_days, days_since_epoch};
use policyc_ir::ir::{Calc, Const, FactDef, FactType, Program};
use policyc_ir::units::{format_decimal, format_measured, parse_unit};
use policyc_syntax::diag::did_you_mean;
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};
use serde::Serialize;
use serde_json::Value as Json;
use std::fmt;
use std::sync::Arc;

/// The value of a fact, as the evaluator reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A yes/no or documentation fact.
    Bool(bool),
    /// A count, number, or quantity in the canonical unit of its dimension; `alt` says which
    /// dimension (0: the declared one; i > 0: the fact's i-th alternate, through an equivalence).
    Num(Decimal, u8),
    /// Days since 1970-01-01.
    Date(i32),
    /// Index of an enumeration value, or [`UNLISTED`].
    Enum(u32),
    /// A set of enumeration values, one bit per value index.
    Set(u128),
}

/// An open enumeration's value that the policy does not list.
pub const UNLISTED: u32 = u32::MAX;

/// A request bound to a program's slots.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The request's own identifier, if it states one.
    pub request_id: Option<String>,
    /// Days since 1970-01-01.
    pub as_of: Option<i32>,
    /// Each fact's value by slot (stated or derived); `None`: unknown.
    pub values: Vec<Option<Value>>,
    /// What each stated or derived value reads as, in a form that costs nothing to build; the
    /// text is made by [`Request::shown`] when an explanation asks for it.
    shown: Vec<Shown>,
    /// Facts the request stated itself (not derived).
    pub stated: Vec<bool>,
    /// The values of open enumerations the request states that the policy does not list, by
    /// slot (for the warnings of near misses).
    pub(crate) unlisted: Vec<(usize, Box<str>)>,
}

/// How a value reads for a person, kept until an explanation asks for the text.
#[derive(Debug, Clone, Default)]
enum Shown {
    /// Not known.
    #[default]
    None,
    /// Read from the value and its fact's type: yes/no, provided, a count or number, a date, a
    /// listed value.
    Value,
    /// A quantity as the request states it: the number before conversion, and the unit as written.
    Quantity(Decimal, Arc<str>),
    /// The values of a set in the request's order: value indices, 8 bits each, and how many.
    Order(u128, u8),
    /// A derived fact: the value computed, before normalisation.
    Derived(Decimal),
    /// The text itself (an unlisted value of an open enumeration; anything the thorough reading
    /// of a request binds).
    Text(Box<str>),
}

impl Shown {
    /// The most values of a set that [`Shown::Order`] holds.
    const MAX_ORDER: usize = 16;
}

impl Request {
    /// A request of `n` facts, all unknown.
    fn unknown(n: usize) -> Request {
        Request {
            request_id: None,
            as_of: None,
            values: vec![None; n],
            shown: vec![Shown::None; n],
            stated: vec![false; n],
            unlisted: Vec::new(),
        }
    }

    /// The value of fact `slot` as a person reads it (`540,000 [IU]/kg`, `cutaneous, nodal`, `1.9 m2
    /// (from height 170 cm, body_weight 70 kg)`), for explanations; `None` when it is unknown.
    /// `program` is the one the request was bound to.
    pub fn shown(&self, program: &Program, slot: usize) -> Option<String> {
        let fact = program.facts.get(slot)?;
        match self.shown.get(slot)? {
            Shown::None => None,
            Shown::Text(t) => Some(t.to_string()),
            Shown::Quantity(n, unit) => {
                let mut s = format_decimal(*n);
                s.push(' ');
                s.push_str(unit);
                Some(s)
            }
            Shown::Derived(v) => {
                let calc = fact.derived.as_ref()?;
                Some(derive::show_derived(program, slot, *v, calc, self))
            }
            Shown::Order(order, len) => {
                let FactType::Set { enum_index } = fact.ty else {
                    return None;
                };
                let e = program.enums.get(enum_index as usize)?;
                if *len == 0 {
                    return Some("none".into());
                }
                let mut out = String::new();
                for k in 0..u32::from(*len) {
                    let i = ((order >> (8 * k)) & 0xff) as usize;
                    if k > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&e.values.get(i)?.name);
                }
                Some(out)
            }
            Shown::Value => Some(
                match (self.values.get(slot).copied().flatten()?, &fact.ty) {
                    (Value::Bool(b), FactType::Documentation) => {
                        if b { "provided" } else { "not provided" }.to_string()
                    }
                    (Value::Bool(b), _) => if b { "yes" } else { "no" }.to_string(),
                    (Value::Num(d, _), _) => format_decimal(d),
                    (Value::Date(d), _) => date_from_days(d)?.to_string(),
                    (Value::Enum(i), FactType::Enum { enum_index }) => program
                        .enums
                        .get(*enum_index as usize)?
                        .values
                        .get(i as usize)?
                        .name
                        .clone(),
                    _ => return None,
                },
            ),
        }
    }
}

/// One problem with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestError {
    /// Where in the request: a JSON path such as `facts.dose_per_kg`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to put it right, when there is something to suggest.
    pub help: Option<String>,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

fn rerr(path: impl Into<String>, message: impl Into<String>, help: Option<String>) -> RequestError {
    RequestError {
        path: path.into(),
        message: message.into(),
        help,
    }
}

/// Parse and bind a JSON request. `as_of` overrides the request's own date of service. A key
/// written twice in one object is an error (with its JSON path), as are all the problems
/// [`bind_json`] finds.
///
/// A valid request is read straight into its slots; at the first sign of a problem the request is
/// read again as a JSON tree, which finds and reports every problem (see `fast.rs`).
pub fn bind(
    program: &Program,
    text: &str,
    as_of: Option<&str>,
) -> Result<Request, Vec<RequestError>> {
    if let Some(req) = fast::bind(program, text, as_of) {
        return Ok(req);
    }
    let (json, duplicates) = json::parse(text).map_err(|e| {
        vec![rerr(
            format!("line {}, column {}", e.line(), e.column()),
            format!("the request is not valid JSON: {e}"),
            Some("a request is a JSON object: {\"as_of\": \"2026-01-15\", \"facts\": {\"diagnosis\": \"...\"}}".into()),
        )]
    })?;
    if duplicates.is_empty() {
        return bind_json(program, &json, as_of);
    }
    let mut errors: Vec<RequestError> = duplicates
        .into_iter()
        .map(|d| {
            rerr(
                d.path,
                format!("`{}` is written more than once in the same object", d.key),
                Some(
                    "state each key once: a JSON reader would silently keep only one of the values"
                        .into(),
                ),
            )
        })
        .collect();
    if let Err(more) = bind_json(program, &json, as_of) {
        errors.extend(more);
    }
    Err(errors)
}

/// The direct reading of [`bind`] alone: the request bound straight from its text, or `None` when
/// it is not a plainly valid request and [`bind`] reads it again to report its problems. For tests
/// that show the two readings agree; callers use [`bind`].
#[doc(hidden)]
pub fn bind_direct(program: &Program, text: &str, as_of: Option<&str>) -> Option<Request> {
    fast::bind(program, text, as_of)
}

/// Bind a request already parsed as JSON. `as_of_override` overrides the request's own date of
/// service. Duplicate keys cannot be seen here (the parsed JSON kept one of them): callers that
/// have the text use [`bind`]. Numbers must have been parsed with their text kept
/// (serde_json's `arbitrary_precision`), never through `f64`.
pub fn bind_json(
    program: &Program,
    json: &Json,
    as_of_override: Option<&str>,
) -> Result<Request, Vec<RequestError>> {
    let mut errors = Vec::new();
    let mut req = Request::unknown(program.facts.len());
    let Some(obj) = json.as_object() else {
        return Err(vec![rerr(
            "(request)",
            "the request must be a JSON object",
            Some("{\"as_of\": \"2026-01-15\", \"facts\": { ... }}".into()),
        )]);
    };
    const KEYS: &[&str] = &["format_version", "request_id", "as_of", "facts"];
    for k in obj.keys() {
        if !KEYS.contains(&k.as_str()) {
            let help = did_you_mean(k, KEYS.iter().copied()).map(|s| format!("did you mean `{s}`?")).or(Some("a request has `as_of`, `facts`, and optionally `request_id` and `format_version`".into()));
            errors.push(rerr(
                k.clone(),
                format!("`{k}` is not part of a request"),
                help,
            ));
        }
    }
    if let Some(v) = obj.get("format_version") {
        let one = matches!(v, Json::Number(n) if parse_number(n.as_str()) == Ok(Decimal::ONE));
        if !one {
            errors.push(rerr(
                "format_version",
                format!("request format version {v} is not supported"),
                Some("this policyc reads request format version 1".into()),
            ));
        }
    }
    match obj.get("request_id") {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) => req.request_id = Some(s.clone()),
        Some(other) => errors.push(rerr(
            "request_id",
            format!("expected a string, found {}", kind(other)),
            None,
        )),
    }
    let as_of_text = match as_of_override {
        Some(s) => Some((s.to_string(), "--as-of".to_string())),
        None => match obj.get("as_of") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some((s.clone(), "as_of".to_string())),
            Some(other) => {
                errors.push(rerr(
                    "as_of",
                    format!("expected a date \"YYYY-MM-DD\", found {}", kind(other)),
                    None,
                ));
                None
            }
        },
    };
    if let Some((s, path)) = as_of_text {
        match parse_date(&s) {
            Some(d) => req.as_of = Some(days_since_epoch(d)),
            None => errors.push(rerr(
                path,
                format!("`{s}` is not a date"),
                Some("write the date of service as YYYY-MM-DD".into()),
            )),
        }
    }
    let facts = match obj.get("facts") {
        Some(Json::Object(m)) => Some(m),
        None => {
            errors.push(rerr(
                "facts",
                "the request states no `facts`",
                Some("add \"facts\": { \"diagnosis\": \"...\", ... }".into()),
            ));
            None
        }
        Some(other) => {
            errors.push(rerr(
                "facts",
                format!("expected an object of facts, found {}", kind(other)),
                None,
            ));
            None
        }
    };
    if let Some(facts) = facts {
        for (name, v) in facts {
            let path = format!("facts.{name}");
            let Some(slot) = program.fact_index(name) else {
                let help = match did_you_mean(name, program.facts.iter().map(|f| f.name.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "policy `{}` declares: {}",
                        program.policy.id,
                        program
                            .facts
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                errors.push(rerr(
                    path,
                    format!("`{name}` is not a fact of policy `{}`", program.policy.id),
                    Some(help),
                ));
                continue;
            };
            if v.is_null() {
                continue;
            }
            match value(program, slot, v) {
                Ok((val, shown)) => {
                    if let Some((msg, help)) = outside_range(&program.facts[slot], val, &shown) {
                        errors.push(rerr(path, msg, help));
                        continue;
                    }
                    req.unlisted
                        .extend(unlisted_values(program, slot, v).map(|t| (slot, t.into())));
                    req.values[slot] = Some(val);
                    req.shown[slot] = Shown::Text(shown.into());
                    req.stated[slot] = true;
                }
                Err((msg, help)) => errors.push(rerr(path, msg, help)),
            }
        }
    }
    if errors.is_empty() {
        derive::derive(program, &mut req, &mut errors);
    }
    if errors.is_empty() {
        Ok(req)
    } else {
        Err(errors)
    }
}

/// The values a bound fact's JSON states that its open enumeration does not list (none for a
/// closed one, which refuses them, and for other types).
fn unlisted_values<'a>(
    program: &'a Program,
    slot: usize,
    v: &'a Json,
) -> impl Iterator<Item = &'a str> + 'a {
    let e = match program.facts[slot].ty {
        FactType::Enum { enum_index } | FactType::Set { enum_index } => {
            program.enums.get(enum_index as usize).filter(|e| e.open)
        }
        _ => None,
    };
    let items: Vec<&'a str> = match (e, v) {
        (None, _) => Vec::new(),
        (Some(_), Json::String(s)) => vec![s.as_str()],
        (Some(_), Json::Array(a)) => a.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter(move |s| e.is_some_and(|e| !e.values.iter().any(|x| x.name == *s)))
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A date written exactly as `YYYY-MM-DD` (what JSON Schema's `date` format accepts).
fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    s.parse::<jiff::civil::Date>().ok()
}

/// The text of a number a request states: a JSON number, or (`strings`) a JSON string.
fn number_text(v: &Json, strings: bool) -> Option<&str> {
    match v {
        Json::Number(n) => Some(n.as_str()),
        Json::String(s) if strings => Some(s),
        _ => None,
    }
}

/// The message and help for a number that does not read.
fn number_problem(fact: &str, text: &str, e: &NumberError) -> (String, Option<String>) {
    let (m, h) = e.explain(text);
    (format!("`{fact}`: {m}"), Some(h))
}

type ValueResult = Result<(Value, String), (String, Option<String>)>;

fn value(program: &Program, slot: usize, v: &Json) -> ValueResult {
    let fact = &program.facts[slot];
    match &fact.ty {
        FactType::Documentation => match v {
            Json::Bool(b) => Ok((Value::Bool(*b), if *b { "provided" } else { "not provided" }.to_string())),
            other => Err((
                format!("`{}` is a documentation requirement; expected true (provided) or false (not available), found {}", fact.name, kind(other)),
                Some("leave it out while the documentation has not been reviewed yet".into()),
            )),
        },
        FactType::Boolean => match v {
            Json::Bool(b) => Ok((Value::Bool(*b), if *b { "yes" } else { "no" }.to_string())),
            other => Err((
                format!(
                    "`{}` is yes/no; expected true or false, found {}",
                    fact.name,
                    kind(other)
                ),
                None,
            )),
        },
        FactType::Count => {
            let not_a_count = || {
                (
                    format!(
                        "`{}` is a count; expected a whole number of 0 or more, found {}",
                        fact.name,
                        show_json(v)
                    ),
                    Some(match v {
                        Json::String(_) => format!("write the count as a JSON number, without quotes: \"{}\": 2", fact.name),
                        _ => format!("write it as a whole number: \"{}\": 2", fact.name),
                    }),
                )
            };
            let Some(text) = number_text(v, false) else {
                return Err(not_a_count());
            };
            let d = parse_number(text).map_err(|e| number_problem(&fact.name, text, &e))?;
            if !d.fract().is_zero() || d.is_sign_negative() {
                return Err(not_a_count());
            }
            Ok((Value::Num(d.normalize(), 0), format_decimal(d)))
        }
        FactType::Number => {
            let Some(text) = number_text(v, true) else {
                return Err((
                    format!("`{}` is a number; found {}", fact.name, show_json(v)),
                    Some(format!("write it as a JSON number: \"{}\": 72.5", fact.name)),
                ));
            };
            let d = parse_number(text).map_err(|e| number_problem(&fact.name, text, &e))?;
            Ok((Value::Num(d.normalize(), 0), format_decimal(d)))
        }
        FactType::Date => match v.as_str().and_then(parse_date) {
            Some(d) => Ok((Value::Date(days_since_epoch(d)), d.to_string())),
            None => Err((
                format!(
                    "`{}` is a date; expected \"YYYY-MM-DD\", found {}",
                    fact.name,
                    show_json(v)
                ),
                None,
            )),
        },
        FactType::Quantity { unit, alternates } => {
            let example = format!(
                "\"{} {}\" or {{\"value\": 1, \"unit\": \"{}\"}}",
                "1", unit.code, unit.code
            );
            let negative = || {
                (
                    format!("`{}` is {}: a quantity cannot be negative", fact.name, show_json(v)),
                    Some(format!("state it as 0 or more, e.g. {example}")),
                )
            };
            // A number in a string is written without a sign; a JSON number is 0 or more.
            let read = |text: &str, json_number: bool| -> Result<Decimal, (String, Option<String>)> {
                if !json_number && text.starts_with('-') {
                    return Err(negative());
                }
                let d = parse_number(text).map_err(|e| number_problem(&fact.name, text, &e))?;
                if d.is_sign_negative() {
                    return Err(negative());
                }
                Ok(d)
            };
            let (num, unit_text) = match v {
                Json::String(s) => {
                    let (n, scale, unit) = split_quantity(s);
                    let n = match n {
                        Some(t) => Some(read(t, false)?),
                        None => None,
                    };
                    let n = match (n, scale) {
                        (Some(n), Some(m)) => Some(exact_mul(n, m).ok_or_else(|| {
                            number_problem(&fact.name, s.trim(), &NumberError::Precision)
                        })?),
                        (n, _) => n,
                    };
                    (n, unit)
                }
                Json::Object(m) => {
                    if let Some(k) = m.keys().find(|k| *k != "value" && *k != "unit") {
                        return Err((
                            format!("`{}`: `{k}` is not part of a quantity", fact.name),
                            Some(format!("write it as {example}")),
                        ));
                    }
                    let n = match m.get("value") {
                        Some(Json::Number(n)) => Some(read(n.as_str(), true)?),
                        Some(Json::String(s)) => Some(read(s, false)?),
                        _ => None,
                    };
                    (n, m.get("unit").and_then(|u| u.as_str()).map(str::to_string))
                }
                Json::Number(n) => (Some(read(n.as_str(), true)?), None),
                _ => (None, None),
            };
            let Some(num) = num else {
                return Err((
                    format!(
                        "`{}` is a quantity in {}; found {}",
                        fact.name,
                        unit.code,
                        show_json(v)
                    ),
                    Some(format!("write it as {example}")),
                ));
            };
            let Some(ut) = unit_text else {
                return Err((
                    format!(
                        "`{}` needs a unit: it is measured in {}",
                        fact.name, unit.code
                    ),
                    Some(format!("write it as {example}")),
                ));
            };
            let u = parse_unit(&ut).map_err(|e| {
                (
                    format!("`{}`: {e}", fact.name),
                    Some(format!("write it as {example}")),
                )
            })?;
            let alt = if u.dim == unit.dim {
                0
            } else if let Some(i) = alternates.iter().position(|a| {
                a.dim == u.dim
                    && policyc_ir::units::numerator(&ut)
                        .0
                        .iter()
                        .zip(a.via.0)
                        .all(|(n, v)| v <= 0 || *n >= v)
            }) {
                (i + 1) as u8
            } else {
                return Err((
                    format!(
                        "`{}` is measured in {} ({}), which cannot be compared with {} ({})",
                        fact.name, unit.code, unit.dim, u.code, u.dim
                    ),
                    Some(format!(
                        "state it in {} or another unit of {}",
                        unit.code, unit.dim
                    )),
                ));
            };
            let shown = format!("{} {}", format_decimal(num), u.written);
            // In the canonical unit exactly, or refused: never rounded.
            let canonical = exact_mul(num, u.factor).ok_or_else(|| {
                (
                    format!(
                        "`{}` is {shown}, which cannot be converted exactly: in the unit the policy computes with it has more than 28 significant digits, or is too large",
                        fact.name
                    ),
                    Some(format!("state it with fewer digits, or in {}", unit.code)),
                )
            })?;
            Ok((Value::Num(canonical.normalize(), alt), shown))
        }
        FactType::Enum { enum_index } => {
            let e = &program.enums[*enum_index as usize];
            let Some(s) = v.as_str() else {
                return Err((
                    format!(
                        "`{}` is one value of `{}`; expected a string, found {}",
                        fact.name,
                        e.name,
                        kind(v)
                    ),
                    None,
                ));
            };
            match e.values.iter().position(|x| x.name == s) {
                Some(i) => Ok((Value::Enum(i as u32), s.to_string())),
                None if e.open => Ok((Value::Enum(UNLISTED), s.to_string())),
                None => Err(enum_error(
                    &fact.name,
                    &e.name,
                    s,
                    e.values.iter().map(|x| x.name.as_str()),
                )),
            }
        }
        FactType::Set { enum_index } => {
            let e = &program.enums[*enum_index as usize];
            let Some(items) = v.as_array() else {
                return Err((
                    format!(
                        "`{}` is a set of `{}` values; expected a list, found {}",
                        fact.name,
                        e.name,
                        kind(v)
                    ),
                    Some("write it as [\"a\", \"b\"] (or [] for none)".into()),
                ));
            };
            let mut mask = 0u128;
            let mut names: Vec<String> = Vec::new();
            for it in items {
                let Some(s) = it.as_str() else {
                    return Err((
                        format!("`{}` lists {}, not a value name", fact.name, show_json(it)),
                        None,
                    ));
                };
                match e.values.iter().position(|x| x.name == s) {
                    Some(i) => mask |= 1u128 << i,
                    None if e.open => {}
                    None => {
                        return Err(enum_error(
                            &fact.name,
                            &e.name,
                            s,
                            e.values.iter().map(|x| x.name.as_str()),
                        ))
                    }
                }
                if names.iter().any(|n| n == s) {
                    return Err((
                        format!("`{}` lists `{s}` more than once", fact.name),
                        Some("list each value once".into()),
                    ));
                }
                names.push(s.to_string());
            }
            let shown = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            Ok((Value::Set(mask), shown))
        }
    }
}

/// Whether a value lies within the fact's plausible range (both bounds included); a fact without
/// one takes any value. A value stated through an equivalence (`alt` > 0) is compared by
/// cross-multiplication, as limits are; a product too large to hold is outside.
pub(crate) fn within_range(fact: &FactDef, v: Value) -> bool {
    let Some(r) = &fact.range else { return true };
    match (v, r.low, r.high) {
        (Value::Date(d), Const::Date(l), Const::Date(h)) => l <= d && d <= h,
        (Value::Num(v, 0), Const::Number(l), Const::Number(h)) => l <= v && v <= h,
        (Value::Num(v, alt), Const::Number(l), Const::Number(h)) => {
            let FactType::Quantity { alternates, .. } = &fact.ty else {
                return false;
            };
            let Some(a) = alternates.get(usize::from(alt) - 1) else {
                return false;
            };
            match (
                v.checked_mul(a.mul_value),
                l.checked_mul(a.mul_limit),
                h.checked_mul(a.mul_limit),
            ) {
                (Some(v), Some(l), Some(h)) => l <= v && v <= h,
                _ => false,
            }
        }
        // The reader accepts a range only of the fact's kind.
        _ => true,
    }
}

/// The value in the fact's declared unit, when the request stated it in another
/// (`1,500 [lb_av]` is `680.3886 kg`); `None` when it is already in that unit.
pub(crate) fn in_declared_unit(fact: &FactDef, v: Value, shown: &str) -> Option<String> {
    let (FactType::Quantity { unit, .. }, Value::Num(v, 0)) = (&fact.ty, v) else {
        return None;
    };
    let text = format!(
        "{} {}",
        format_measured(v.checked_div(unit.factor)?),
        unit.written
    );
    (text != shown).then_some(text)
}

/// The problem with a stated value outside the fact's plausible range, if it is.
fn outside_range(fact: &FactDef, v: Value, shown: &str) -> Option<(String, Option<String>)> {
    let r = fact.range.as_ref()?;
    if within_range(fact, v) {
        return None;
    }
    let converted = in_declared_unit(fact, v, shown)
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    Some((
        format!(
            "`{}` is {shown}{converted}, outside its plausible range of {}",
            fact.name, r.text
        ),
        Some(format!(
            "check the value{}: the policy takes `{}` ({}) from {}",
            if matches!(fact.ty, FactType::Quantity { .. }) {
                " and its unit"
            } else {
                ""
            },
            fact.name,
            lowercase_first(&fact.description),
            r.text
        )),
    ))
}

/// `The patient's body weight` → `the patient's body weight`, as it reads inside a sentence (an
/// initialism such as `BSA` is kept).
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

/// `"6 million IU"` → (`6`, 1000000, `IU`); `"600000 [IU]/kg"` → (`600000`, none, `[IU]/kg`).
fn split_quantity(s: &str) -> (Option<&str>, Option<Decimal>, Option<String>) {
    let mut words = s.split_whitespace();
    let number = words.next();
    let rest: Vec<&str> = words.collect();
    let (scale, unit) = match rest.first() {
        Some(&"thousand") => (Some(Decimal::from(1_000)), &rest[1..]),
        Some(&"million") => (Some(Decimal::from(1_000_000)), &rest[1..]),
        Some(&"billion") => (Some(Decimal::from(1_000_000_000)), &rest[1..]),
        _ => (None, &rest[..]),
    };
    let unit = if unit.is_empty() {
        None
    } else {
        Some(unit.join(" "))
    };
    (number, scale, unit)
}

fn enum_error<'a>(
    fact: &str,
    en: &str,
    s: &str,
    values: impl Iterator<Item = &'a str> + Clone,
) -> (String, Option<String>) {
    let help = match did_you_mean(s, values.clone()) {
        Some(x) => format!("did you mean `{x}`?"),
        None => format!("`{en}` lists: {}", values.collect::<Vec<_>>().join(", ")),
    };
    (
        format!("`{s}` is not a value of `{en}` (fact `{fact}`)"),
        Some(help),
    )
}

fn show_json(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(60).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

pub use derive::{age_in_years, collect_inputs};
