//! The intermediate representation: what the compiler produces and the evaluator runs.
//!
//! It is serialized as JSON (`policyc compile`), states its format and version, and can be evaluated
//! without the source. Facts are resolved to slots (indices into [`Program::facts`]); enumeration
//! values to indices and bitmasks; limits to exact canonical decimals. Evaluating a decision reads
//! slots and compares numbers: no name look-up and no allocation.
//!
//! Compatibility: readers accept exactly [`FORMAT_VERSION`]; any change to the shape of this module's
//! types that an older reader could misread increments it.

use crate::units::{Dim, Unit};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "policyc-ir";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub format: String,
    pub format_version: u32,
    pub policy: PolicyMeta,
    pub enums: Vec<EnumDef>,
    pub facts: Vec<FactDef>,
    pub equivalences: Vec<EquivalenceDef>,
    pub indications: Vec<IndicationDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    pub id: String,
    pub title: String,
    pub drugs: Vec<String>,
    pub plans: Vec<String>,
    pub effective: String,
    pub review: Option<String>,
    pub revisions: Vec<Revision>,
    /// The document's statement on circumstances it does not list.
    pub not_covered: Option<String>,
    /// The document's statement on requests outside its dosing.
    pub outside_dosing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    pub date: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    pub name: String,
    pub description: Option<String>,
    /// An open enumeration accepts values it does not list; they match none of its values.
    pub open: bool,
    pub values: Vec<EnumValueDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValueDef {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactDef {
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub ty: FactType,
    /// How the fact is computed from others when the request does not state it.
    pub derived: Option<Calc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactType {
    Boolean,
    Count,
    Number,
    Date,
    /// A documentation requirement: true when the documentation is provided, false when the
    /// request says it is not available; unstated, it is asked for.
    Documentation,
    Quantity {
        unit: Unit,
        /// Other dimensions a request may state this fact in, through a product equivalence.
        alternates: Vec<AltDim>,
    },
    Enum {
        #[serde(rename = "enum")]
        enum_index: u32,
    },
    Set {
        #[serde(rename = "enum")]
        enum_index: u32,
    },
}

/// A dimension a quantity fact may also be stated in (`mg/kg` for a fact declared in `[IU]/kg`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AltDim {
    pub dim: Dim,
    pub equivalence: u32,
    /// The base a request's unit must name in its numerator to be read through the equivalence
    /// (mass: `mg/kg` is a dose through the equivalence; `[IU]/[IU]` is not).
    pub via: Dim,
    /// A value `v` in this dimension compares with a limit `l` of the declared dimension as
    /// `v × mul_value  op  l × mul_limit` (exact: multiplications only).
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_value: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_limit: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquivalenceDef {
    pub left: String,
    pub right: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicationDef {
    pub label: String,
    pub title: String,
    /// For reauthorization (continued therapy) criteria: the label of the indication they continue.
    pub reauthorization_of: Option<String>,
    /// When the indication applies (the diagnosis it covers). `None`: always.
    pub applies: Option<Cond>,
    pub duration: DurationDef,
    pub criteria: Node,
    pub dosing: Option<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    Year,
    Month,
    Week,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationDef {
    pub amount: u32,
    pub unit: DurationUnit,
}

impl DurationDef {
    pub fn text(&self) -> String {
        let unit = match self.unit {
            DurationUnit::Year => "year",
            DurationUnit::Month => "month",
            DurationUnit::Week => "week",
            DurationUnit::Day => "day",
        };
        format!(
            "{} {unit}{}",
            self.amount,
            if self.amount == 1 { "" } else { "s" }
        )
    }
}

/// A labelled criterion or group, with the document's label (full path, `1.A.iii`) and sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub label: String,
    pub text: String,
    /// The branch applies only when this holds (`when route is intravenous`); otherwise it is not met.
    pub guard: Option<Cond>,
    /// The requirement applies only if this holds (`if dose_increase`); otherwise it is met.
    pub only_if: Option<Cond>,
    pub body: NodeBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeBody {
    Group {
        of: GroupKind,
        children: Vec<Node>,
    },
    Condition {
        condition: Cond,
    },
    /// The decision is left to people: a clinician's review, or another policy's review.
    Referral {
        redirect: Option<String>,
    },
}

/// A compiled condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cond {
    All {
        all: Vec<Cond>,
    },
    Any {
        any: Vec<Cond>,
    },
    Not {
        not: Box<Cond>,
    },
    /// A yes/no fact.
    IsTrue {
        fact: u32,
    },
    /// The request states the fact.
    Known {
        fact: u32,
    },
    /// An enumeration fact is one of the values in `mask` (bit i = value i).
    EnumIn {
        fact: u32,
        #[serde(with = "mask_str")]
        mask: u128,
        /// The values as written, for explanations.
        values: Vec<String>,
    },
    /// A set fact has any / all / none of the values in `mask`.
    SetHas {
        fact: u32,
        quant: SetQuant,
        #[serde(with = "mask_str")]
        mask: u128,
        values: Vec<String>,
    },
    /// A fact compared with a constant.
    Compare {
        fact: u32,
        op: CmpOp,
        limit: Limit,
        /// A limit that concerns the future (rest before the next cycle): when the request does not
        /// state the fact, it holds as a condition of the approval instead of being asked for.
        condition: bool,
    },
    /// Two facts compared.
    CompareFacts {
        left: u32,
        op: CmpOp,
        right: u32,
    },
}

/// A constant to compare with, exact and canonical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub value: Const,
    /// As the document states it: `600,000 [IU]/kg (0.037 mg/kg)`.
    pub text: String,
    /// Stated or derived limits for the alternate dimensions of the fact, by alternate index + 1.
    pub alternates: Vec<AltLimit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AltLimit {
    /// Which alternate dimension of the fact (1-based; 0 is the declared one).
    pub alt: u8,
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_value: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_limit: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Const {
    /// A count, a plain number, or a quantity in the canonical unit of its dimension.
    Number(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// Days since 1970-01-01.
    Date(i32),
    Bool(bool),
}

/// Arithmetic for derived facts, in canonical units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Calc {
    Fact {
        fact: u32,
    },
    Number {
        #[serde(with = "rust_decimal::serde::str")]
        value: Decimal,
    },
    Date {
        days: i32,
    },
    Arith {
        op: policyc_syntax::ast::ArithOp,
        left: Box<Calc>,
        right: Box<Calc>,
        /// Multiply the raw result by this to land in the canonical unit of the result's dimension.
        #[serde(with = "rust_decimal::serde::str")]
        rescale: Decimal,
    },
    /// Whole years from a date to the date of service, in canonical calendar units (months).
    AgeInYears {
        date: Box<Calc>,
    },
    /// Body surface area by the Mosteller formula, √(height cm × weight kg / 3600) m², rounded to
    /// 2 decimal places of m², in canonical units (mm²).
    BsaMosteller {
        height: Box<Calc>,
        weight: Box<Calc>,
    },
    /// The request's date of service.
    DateOfService,
}

mod mask_str {
    //! Bitmasks as decimal strings: JSON numbers cannot hold 128 bits portably.
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(m: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&m.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Program {
    pub fn fact_index(&self, name: &str) -> Option<usize> {
        self.facts.iter().position(|f| f.name == name)
    }

    /// Read a program from its JSON form, checking format and version.
    pub fn from_json(text: &str) -> Result<Program, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        match v.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            _ => {
                return Err(format!(
                    "not a policyc IR file (no `\"format\": \"{FORMAT}\"`)"
                ))
            }
        }
        match v.get("format_version").and_then(|f| f.as_u64()) {
            Some(n) if n == u64::from(FORMAT_VERSION) => {}
            Some(n) => {
                return Err(format!(
                    "IR format version {n} is not supported by this policyc (it reads version {FORMAT_VERSION}); recompile the policy"
                ))
            }
            None => return Err("the IR states no `format_version`".into()),
        }
        let p: Program = serde_json::from_value(v).map_err(|e| format!("malformed IR: {e}"))?;
        p.validate()?;
        Ok(p)
    }

    /// Check the invariants the evaluator relies on (slot indices in range), so that a hand-edited
    /// or corrupted IR file is rejected instead of making the evaluator panic.
    pub fn validate(&self) -> Result<(), String> {
        let nf = self.facts.len() as u32;
        let ne = self.enums.len() as u32;
        for e in &self.enums {
            if e.values.len() > 128 {
                return Err(format!(
                    "enumeration `{}` has {} values; at most 128 are supported",
                    e.name,
                    e.values.len()
                ));
            }
        }
        for f in &self.facts {
            match &f.ty {
                FactType::Enum { enum_index } | FactType::Set { enum_index }
                    if *enum_index >= ne =>
                {
                    return Err(format!(
                        "fact `{}` names enumeration {enum_index}, which does not exist",
                        f.name
                    ))
                }
                _ => {}
            }
            if let Some(c) = &f.derived {
                check_calc(c, nf)?;
            }
        }
        for i in &self.indications {
            if let Some(a) = &i.applies {
                check_cond(a, nf)?;
            }
            check_node(&i.criteria, nf)?;
            if let Some(d) = &i.dosing {
                check_node(d, nf)?;
            }
        }
        Ok(())
    }
}

fn check_slot(s: u32, n: u32) -> Result<(), String> {
    if s < n {
        Ok(())
    } else {
        Err(format!(
            "fact slot {s} is out of range (the IR declares {n} facts)"
        ))
    }
}

fn check_node(n: &Node, nf: u32) -> Result<(), String> {
    for g in n.guard.iter().chain(&n.only_if) {
        check_cond(g, nf)?;
    }
    match &n.body {
        NodeBody::Group { children, .. } => children.iter().try_for_each(|c| check_node(c, nf)),
        NodeBody::Condition { condition } => check_cond(condition, nf),
        NodeBody::Referral { .. } => Ok(()),
    }
}

fn check_cond(c: &Cond, nf: u32) -> Result<(), String> {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().try_for_each(|c| check_cond(c, nf)),
        Cond::Not { not } => check_cond(not, nf),
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => check_slot(*fact, nf),
        Cond::CompareFacts { left, right, .. } => {
            check_slot(*left, nf)?;
            check_slot(*right, nf)
        }
    }
}

fn check_calc(c: &Calc, nf: u32) -> Result<(), String> {
    match c {
        Calc::Fact { fact } => check_slot(*fact, nf),
        Calc::Arith { left, right, .. } => {
            check_calc(left, nf)?;
            check_calc(right, nf)
        }
        Calc::AgeInYears { date } => check_calc(date, nf),
        Calc::BsaMosteller { height, weight } => {
            check_calc(height, nf)?;
            check_calc(weight, nf)
        }
        Calc::Number { .. } | Calc::Date { .. } | Calc::DateOfService => Ok(()),
    }
}
