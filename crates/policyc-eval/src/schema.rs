//! A JSON Schema (draft 2020-12) for the requests of one policy, for the engineers who build them.

use policyc_ir::ir::{Const, FactType, Program};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

/// A number in a string, as the binder reads it: plain digits or thousands in groups of three,
/// an optional fraction and exponent (no sign).
const UNSIGNED: &str = "([0-9]+|[1-9][0-9]{0,2}(,[0-9]{3})+)(\\.[0-9]+)?([eE][-+]?[0-9]+)?";

/// The JSON Schema of requests to `p`. It accepts what [`crate::request::bind`] accepts, except
/// what a schema cannot state: units (only their place is checked), the exact precision of
/// numbers (28 significant digits), a date of birth after the date of service, derived facts that
/// disagree with their inputs or whose computed value is outside the fact's plausible range, the
/// plausible range of a value written as a string (a quantity, a date, a number in a string: the
/// range is in the fact's `description`), and duplicate keys. A count's or number's range is
/// `minimum` and `maximum` for a JSON number.
pub fn request_schema(p: &Program) -> Value {
    let mut facts = Map::new();
    for f in &p.facts {
        let (low, high) = match f.range.as_ref().map(|r| (r.low, r.high)) {
            Some((Const::Number(l), Const::Number(h))) => (Some(l), Some(h)),
            _ => (None, None),
        };
        let json_number = |d: Decimal| -> Value {
            serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
        };
        let mut s = match &f.ty {
            FactType::Boolean => json!({"type": "boolean"}),
            FactType::Documentation => {
                json!({"type": "boolean", "description": "true: the documentation is provided; false: it is not available; leave it out until reviewed"})
            }
            FactType::Count => {
                let mut c = json!({"type": "integer", "minimum": 0});
                if let (Some(l), Some(h)) = (low, high) {
                    if l > Decimal::ZERO {
                        c["minimum"] = json_number(l);
                    }
                    c["maximum"] = json_number(h);
                }
                c
            }
            FactType::Number => {
                let mut n = json!({"type": "number"});
                if let (Some(l), Some(h)) = (low, high) {
                    n["minimum"] = json_number(l);
                    n["maximum"] = json_number(h);
                }
                json!({
                    "oneOf": [n, {"type": "string", "pattern": format!("^-?{UNSIGNED}$")}]
                })
            }
            FactType::Date => json!({"type": "string", "format": "date"}),
            FactType::Quantity { unit, alternates } => {
                let mut units = vec![unit.code.clone()];
                for a in alternates {
                    if let Some(e) = p.equivalences.get(a.equivalence as usize) {
                        units.push(format!(
                            "a unit of {} (through the equivalence {} = {})",
                            a.dim, e.left, e.right
                        ));
                    }
                }
                json!({
                    "description": format!("A quantity in {} or another unit of {}{}; as \"<number> <unit>\" or {{\"value\", \"unit\"}}", unit.code, unit.dim,
                        if units.len() > 1 { format!(", or {}", units[1..].join(", ")) } else { String::new() }),
                    "oneOf": [
                        {"type": "string", "pattern": format!("^\\s*{UNSIGNED}(\\s+(thousand|million|billion))?\\s+\\S+\\s*$"),
                         "examples": [format!("1 {}", unit.code)]},
                        {"type": "object", "required": ["value", "unit"], "additionalProperties": false,
                         "properties": {
                            "value": {"oneOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": format!("^{UNSIGNED}$")}]},
                            "unit": {"type": "string", "examples": [unit.code.clone()]}
                         }}
                    ]
                })
            }
            FactType::Enum { enum_index } => {
                let e = &p.enums[*enum_index as usize];
                let names: Vec<&str> = e.values.iter().map(|v| v.name.as_str()).collect();
                if e.open {
                    json!({"type": "string", "examples": names, "description": format!("One value of `{}`; values it does not list are accepted and match none of its criteria", e.name)})
                } else {
                    json!({"enum": names})
                }
            }
            FactType::Set { enum_index } => {
                let e = &p.enums[*enum_index as usize];
                let names: Vec<&str> = e.values.iter().map(|v| v.name.as_str()).collect();
                let item = if e.open {
                    json!({"type": "string", "examples": names})
                } else {
                    json!({"enum": names})
                };
                json!({"type": "array", "items": item, "uniqueItems": true})
            }
        };
        if let (Some(r), Value::Object(m)) = (&f.range, &mut s) {
            let range = format!(
                "Plausible range: {}, both included; a value outside it is refused",
                r.text
            );
            let desc = match m.get("description").and_then(Value::as_str) {
                Some(d) => format!("{d}. {range}"),
                None => range,
            };
            m.insert("description".into(), Value::String(desc));
        }
        if let Value::Object(m) = &mut s {
            let mut desc = f.description.clone();
            if f.derived.is_some() {
                desc.push_str(" (computed by the policy from other facts when not stated)");
            }
            m.entry("title").or_insert(Value::String(desc));
        }
        // Any fact may be null: not stated.
        facts.insert(f.name.clone(), json!({"anyOf": [s, {"type": "null"}]}));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("policyc:request:{}", p.policy.id),
        "title": format!("A prior-authorization request for policy `{}`: {}", p.policy.id, p.policy.title),
        "type": "object",
        "additionalProperties": false,
        "required": ["facts"],
        "properties": {
            "format_version": {"const": 1},
            "request_id": {"type": ["string", "null"]},
            "as_of": {"type": ["string", "null"], "format": "date", "description": "The date of service"},
            "facts": {
                "type": "object",
                "additionalProperties": false,
                "properties": facts
            }
        }
    })
}
