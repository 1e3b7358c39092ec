//! Request JSON read into a [`serde_json::Value`], with every duplicate key found (serde_json
//! alone keeps the last silently).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Where a value is, built into a path string only when a duplicate is found.
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn path(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, k) => {
                let p = parent.path();
                if p.is_empty() {
                    (*k).to_string()
                } else {
                    format!("{p}.{k}")
                }
            }
            At::Index(parent, i) => format!("{}[{i}]", parent.path()),
        }
    }
}

/// A duplicate key: the JSON path of the repeated member (`facts.dose`, or `facts` for a second
/// `facts` object).
pub(crate) struct Duplicate {
    pub path: String,
    pub key: String,
}

struct Seed<'a> {
    at: &'a At<'a>,
    dups: &'a RefCell<Vec<Duplicate>>,
}

/// serde_json's private marker for a number read with `arbitrary_precision`.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            let at = At::Index(self.at, out.len());
            let seed = Seed {
                at: &at,
                dups: self.dups,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            if first && key == NUMBER_TOKEN {
                let text: String = map.next_value()?;
                return text
                    .parse::<Number>()
                    .map(Value::Number)
                    .map_err(de::Error::custom);
            }
            first = false;
            let at = At::Key(self.at, &key);
            let v = map.next_value_seed(Seed {
                at: &at,
                dups: self.dups,
            })?;
            if out.contains_key(&key) {
                let path = at.path();
                self.dups.borrow_mut().push(Duplicate { path, key });
            } else {
                out.insert(key, v);
            }
        }
        Ok(Value::Object(out))
    }
}

/// Parse `text` as JSON, keeping the first of repeated keys and listing every repetition.
pub(crate) fn parse(text: &str) -> Result<(Value, Vec<Duplicate>), serde_json::Error> {
    let dups = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Seed {
        at: &At::Root,
        dups: &dups,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok((v, dups.into_inner()))
}
