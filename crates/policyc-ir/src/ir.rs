//! The intermediate representation: what the compiler produces and the evaluator runs.
//!
//! It is serialized as JSON (`policyc compile`), states its format and version, and can be evaluated
//! without the source. Facts are resolved to slots (indices into [`Program::facts`]); enumeration
//! values to indices and bitmasks; limits to exact canonical decimals. Evaluating a decision reads
//! slots and compares numbers: no name look-up and no allocation.
//!
//! # Format and compatibility
//!
//! A serialized program is a JSON object whose `format` is [`FORMAT`] (`"policyc-ir"`) and whose
//! `format_version` is [`FORMAT_VERSION`]. Readers accept exactly that version; any change to the
//! shape of this module's types that an older reader could misread increments it. Within the JSON:
//! - field names are those of the Rust fields, except [`FactDef::ty`], serialized as `type`, and
//!   the enumeration index of [`FactType::Enum`] and [`FactType::Set`], serialized as `enum`;
//! - variants of [`FactType`], [`NodeBody`], [`Cond`] and [`Calc`] are objects tagged by `kind`
//!   (snake case); a [`Const`] is `{"kind": ..., "value": ...}`;
//! - decimals are strings (`"0.037"`), so that no value passes through binary floating point, and
//!   enumeration bitmasks are decimal strings, since JSON numbers cannot hold 128 bits portably;
//! - dimensions ([`Dim`]) are objects of their non-zero exponents by base name, and of a ratio
//!   base (mass in `mg/kg`) with exponent 0;
//! - the structs of this module reject fields they do not know.
//!
//! # Invariants
//!
//! [`Program::from_json`] accepts a program only if, besides its format and version:
//! - every enumeration has at most 128 values, so that bit `i` of a mask stands for value `i`;
//! - every [`FactType::Enum`] and [`FactType::Set`] names an enumeration that exists;
//! - every fact slot, in the conditions of the indications (`applies`, criteria, dosing, guards and
//!   `only_if`s) and in the formulas of derived facts, is an index into [`Program::facts`].
//!
//! The compiler also guarantees what reading does not check: derived facts do not depend on
//! themselves; an [`AltDim::equivalence`] indexes [`Program::equivalences`]; an [`AltLimit::alt`]
//! is between 1 and the number of the compared fact's alternates, each at most once per limit and
//! in increasing order; node labels are full paths from the indication's label (`1.A.iii`; a dosing
//! section's is `1.Dosing`).

use crate::units::{Dim, Unit};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The `format` every serialized program states.
pub const FORMAT: &str = "policyc-ir";
/// The `format_version` this crate writes and the only one it reads.
pub const FORMAT_VERSION: u32 = 2;

/// A compiled policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Always [`FORMAT`].
    pub format: String,
    /// The version of the format, [`FORMAT_VERSION`] for programs this crate reads.
    pub format_version: u32,
    /// The document's metadata.
    pub policy: PolicyMeta,
    /// The enumerations, imported ones included; facts refer to them by index.
    pub enums: Vec<EnumDef>,
    /// The facts, imported ones included; a fact's index here is its slot.
    pub facts: Vec<FactDef>,
    /// The product equivalences, in declaration order.
    pub equivalences: Vec<EquivalenceDef>,
    /// The indications, each followed by its reauthorizations, in source order.
    pub indications: Vec<IndicationDef>,
}

/// The policy header: the document's identity and dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    /// The policy's identifier (`policy id { ... }`).
    pub id: String,
    /// The document's title.
    pub title: String,
    /// The drugs it covers, in header order.
    pub drugs: Vec<String>,
    /// The plans it applies to, in header order (none: not stated).
    pub plans: Vec<String>,
    /// The date it takes effect, `YYYY-MM-DD`.
    pub effective: String,
    /// The date of its next review, `YYYY-MM-DD`, if stated.
    pub review: Option<String>,
    /// Its revision history, in header order.
    pub revisions: Vec<Revision>,
    /// The document's statement on circumstances it does not list.
    pub not_covered: Option<String>,
    /// The document's statement on requests outside its dosing.
    pub outside_dosing: Option<String>,
}

/// One entry of the document's revision history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// When, `YYYY-MM-DD`.
    pub date: String,
    /// What changed.
    pub text: String,
}

/// An enumeration: the values an enumeration or set fact can take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// What it is, if the policy says.
    pub description: Option<String>,
    /// An open enumeration accepts values it does not list; they match none of its values.
    pub open: bool,
    /// Its values; a value's index here is its bit in masks.
    pub values: Vec<EnumValueDef>,
}

/// One value of an enumeration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValueDef {
    /// Its name, as requests write it.
    pub name: String,
    /// The document's words for it.
    pub description: String,
}

/// A fact: a value a request states, or one derived from others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactDef {
    /// Its name, as requests write it.
    pub name: String,
    /// What it is, in the words a request form would use.
    pub description: String,
    /// Its type (serialized as `type`).
    #[serde(rename = "type")]
    pub ty: FactType,
    /// How the fact is computed from others when the request does not state it.
    pub derived: Option<Calc>,
}

/// The type of a fact (tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactType {
    /// Yes or no.
    Boolean,
    /// A count of things (the `count` type).
    Count,
    /// A plain number, without a unit.
    Number,
    /// A calendar date.
    Date,
    /// A documentation requirement: true when the documentation is provided, false when the
    /// request says it is not available; unstated, it is asked for.
    Documentation,
    /// A number with a unit.
    Quantity {
        /// The unit the policy declares it in; limits are in the canonical unit of its dimension.
        unit: Unit,
        /// Other dimensions a request may state this fact in, through a product equivalence.
        alternates: Vec<AltDim>,
    },
    /// One value of an enumeration.
    Enum {
        /// The enumeration, an index into [`Program::enums`] (serialized as `enum`).
        #[serde(rename = "enum")]
        enum_index: u32,
    },
    /// Any number of the values of an enumeration.
    Set {
        /// The enumeration, an index into [`Program::enums`] (serialized as `enum`).
        #[serde(rename = "enum")]
        enum_index: u32,
    },
}

/// A dimension a quantity fact may also be stated in (`mg/kg` for a fact declared in `[IU]/kg`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AltDim {
    /// The other dimension.
    pub dim: Dim,
    /// The equivalence that converts to it, an index into [`Program::equivalences`].
    pub equivalence: u32,
    /// The base a request's unit must name in its numerator to be read through the equivalence
    /// (mass: `mg/kg` is a dose through the equivalence; `[IU]/[IU]` is not).
    pub via: Dim,
    /// A value `v` in this dimension compares with a limit `l` of the declared dimension as
    /// `v × mul_value  op  l × mul_limit` (exact: multiplications only).
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_value: Decimal,
    /// The multiplier of the limit in that comparison.
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_limit: Decimal,
}

/// A product equivalence, kept for explanations (the conversions it implies are in [`AltDim`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EquivalenceDef {
    /// The left amount, with its unit's UCUM code.
    pub left: String,
    /// The right amount, with its unit's UCUM code.
    pub right: String,
    /// Where it comes from, as the policy states it.
    pub text: String,
}

/// An indication, or the reauthorization (continued therapy) of one: what it approves, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicationDef {
    /// Its label (`1`; a reauthorization's is `1.R`).
    pub label: String,
    /// Its title (a reauthorization's is the indication's, `—`, its own).
    pub title: String,
    /// For reauthorization (continued therapy) criteria: the label of the indication they continue.
    pub reauthorization_of: Option<String>,
    /// When the indication applies (the diagnosis it covers). `None`: always.
    pub applies: Option<Cond>,
    /// How long an approval lasts.
    pub duration: DurationDef,
    /// What must hold for approval; its label is the indication's.
    pub criteria: Node,
    /// The dosing an approval covers, if the indication states one.
    pub dosing: Option<Node>,
}

/// The unit of an approval duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    /// Calendar years.
    Year,
    /// Calendar months.
    Month,
    /// Weeks.
    Week,
    /// Days.
    Day,
}

/// How long an approval lasts: `approve for 6 months`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationDef {
    /// How many units, from 1 to 100.
    pub amount: u32,
    /// The unit.
    pub unit: DurationUnit,
}

impl DurationDef {
    /// The duration in words: `1 year`, `6 months`.
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
    /// The full label (`1.A.iii`).
    pub label: String,
    /// The document's sentence (empty for a section that states none).
    pub text: String,
    /// The branch applies only when this holds (`when route is intravenous`); otherwise it is not met.
    pub guard: Option<Cond>,
    /// The requirement applies only if this holds (`if dose_increase`); otherwise it is met.
    pub only_if: Option<Cond>,
    /// What it requires.
    pub body: NodeBody,
}

/// What a node requires (tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeBody {
    /// Labelled nodes, combined.
    Group {
        /// All, one or none of them.
        of: GroupKind,
        /// The nodes, in source order.
        children: Vec<Node>,
    },
    /// A condition.
    Condition {
        /// The condition.
        condition: Cond,
    },
    /// The decision is left to people: a clinician's review, or another policy's review.
    Referral {
        /// `None`: refer to a clinician; `Some(to)`: redirect to that review.
        redirect: Option<String>,
    },
}

/// A compiled condition (tagged by `kind`); facts are slots, indices into [`Program::facts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cond {
    /// Every condition holds.
    All {
        /// The conditions.
        all: Vec<Cond>,
    },
    /// At least one condition holds.
    Any {
        /// The conditions.
        any: Vec<Cond>,
    },
    /// The condition does not hold.
    Not {
        /// The condition.
        not: Box<Cond>,
    },
    /// A yes/no fact.
    IsTrue {
        /// The fact's slot.
        fact: u32,
    },
    /// The request states the fact.
    Known {
        /// The fact's slot.
        fact: u32,
    },
    /// An enumeration fact is one of the values in `mask` (bit i = value i).
    EnumIn {
        /// The fact's slot.
        fact: u32,
        /// The values, as bits (a decimal string in JSON).
        #[serde(with = "mask_str")]
        mask: u128,
        /// The values as written, for explanations.
        values: Vec<String>,
    },
    /// A set fact has any / all / none of the values in `mask`.
    SetHas {
        /// The fact's slot.
        fact: u32,
        /// Any, all or none of the values.
        quant: SetQuant,
        /// The values, as bits (a decimal string in JSON).
        #[serde(with = "mask_str")]
        mask: u128,
        /// The values as written, for explanations.
        values: Vec<String>,
    },
    /// A fact compared with a constant.
    Compare {
        /// The fact's slot.
        fact: u32,
        /// `fact op limit`.
        op: CmpOp,
        /// The constant.
        limit: Limit,
        /// A limit that concerns the future (rest before the next cycle): when the request does not
        /// state the fact, it holds as a condition of the approval instead of being asked for.
        condition: bool,
    },
    /// Two facts compared.
    CompareFacts {
        /// The left fact's slot.
        left: u32,
        /// `left op right`.
        op: CmpOp,
        /// The right fact's slot.
        right: u32,
    },
}

/// A constant to compare with, exact and canonical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// The value, in the canonical unit of the fact's dimension.
    pub value: Const,
    /// As the document states it: `600,000 [IU]/kg (0.037 mg/kg)`.
    pub text: String,
    /// Stated or derived limits for the alternate dimensions of the fact, by alternate index + 1.
    pub alternates: Vec<AltLimit>,
}

/// A limit for a value a request states in an alternate dimension of the fact: the value `v` (in
/// that dimension's canonical unit) passes when `v × mul_value  op  value × mul_limit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AltLimit {
    /// Which alternate dimension of the fact (1-based; 0 is the declared one).
    pub alt: u8,
    /// The limit: the policy's restatement in that dimension (both multipliers 1), or else the
    /// declared limit, which the multipliers convert.
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    /// The multiplier of the request's value.
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_value: Decimal,
    /// The multiplier of the limit.
    #[serde(with = "rust_decimal::serde::str")]
    pub mul_limit: Decimal,
}

/// A constant value (`{"kind": ..., "value": ...}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Const {
    /// A count, a plain number, or a quantity in the canonical unit of its dimension.
    Number(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// Days since 1970-01-01.
    Date(i32),
    /// Yes or no.
    Bool(bool),
}

/// Arithmetic for derived facts, in canonical units (tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Calc {
    /// A fact's value.
    Fact {
        /// The fact's slot.
        fact: u32,
    },
    /// A number, in the canonical unit of its dimension.
    Number {
        /// The number.
        #[serde(with = "rust_decimal::serde::str")]
        value: Decimal,
    },
    /// A date.
    Date {
        /// Days since 1970-01-01.
        days: i32,
    },
    /// `left op right`.
    Arith {
        /// The operator.
        op: policyc_syntax::ast::ArithOp,
        /// The left operand.
        left: Box<Calc>,
        /// The right operand.
        right: Box<Calc>,
        /// Multiply the raw result by this to land in the canonical unit of the result's dimension.
        #[serde(with = "rust_decimal::serde::str")]
        rescale: Decimal,
    },
    /// Whole years from a date to the date of service, in canonical calendar units (months).
    AgeInYears {
        /// The date to count from (a date of birth).
        date: Box<Calc>,
    },
    /// Body surface area by the Mosteller formula, √(height cm × weight kg / 3600) m², rounded to
    /// 2 decimal places of m², in canonical units (mm²).
    BsaMosteller {
        /// The height.
        height: Box<Calc>,
        /// The weight.
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
    /// The slot of the fact with this name, if there is one.
    pub fn fact_index(&self, name: &str) -> Option<usize> {
        self.facts.iter().position(|f| f.name == name)
    }

    /// Read a program from its JSON form, checking format and version and the invariants listed in
    /// the [module documentation](self).
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
    pub(crate) fn validate(&self) -> Result<(), String> {
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
