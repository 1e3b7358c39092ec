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
//! - no JSON object states a key twice, and the JSON is nested at most `3 × MAX_DEPTH + 16` deep;
//! - every enumeration has at most 128 values, so that bit `i` of a mask stands for value `i`;
//! - every [`FactType::Enum`] and [`FactType::Set`] names an enumeration that exists, and every
//!   [`AltDim::equivalence`] indexes [`Program::equivalences`];
//! - every fact slot, in the conditions of the indications (`applies`, criteria, dosing, guards and
//!   `only_if`s) and in the formulas of derived facts, is an index into [`Program::facts`];
//! - every condition's operands have the types the checker gives them: `is_true` of a yes/no or
//!   documentation fact, `enum_in` and `set_has` of an enumeration or set fact with values it has,
//!   a comparison of a date with a date and of a number or quantity with a number (an
//!   [`AltLimit::alt`] between 1 and the fact's alternates, increasing), two facts of one type;
//! - approval durations are from 1 to 100, and derived facts do not depend on themselves;
//! - each indication nests at most [`MAX_DEPTH`] levels, each formula too, and the program holds at
//!   most [`MAX_CONDITIONS`] conditions; the checker refuses to write more, so the reader reads
//!   whatever the compiler writes.
//!
//! The compiler also guarantees what reading does not check: node labels are full paths from the
//! indication's label (`1.A.iii`; a dosing section's is `1.Dosing`).

use crate::units::{Dim, Unit};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The deepest nesting of the conditions and nodes of one indication, and of a derived fact's
/// formula: groups, `all`/`any`/`not` conditions and formula operators each count one level.
///
/// The checker refuses criteria that would lower past this depth (with definitions and `meets`
/// expanded), and the reader refuses an IR that goes past it, so that whatever the compiler
/// writes the reader reads, and the evaluator never recurses deeper than this. It is twice the
/// source's nesting limit (64), since lowering adds levels (`none of`, `when`, `if`, `is not`).
pub const MAX_DEPTH: usize = 128;

/// The deepest JSON nesting the reader accepts: enough for [`MAX_DEPTH`] levels of IR (each takes
/// at most three: node, body, children) and the program's own structure.
const MAX_JSON_DEPTH: usize = 3 * MAX_DEPTH + 16;

/// The most condition nodes a program holds, with definitions and `meets` expanded.
pub const MAX_CONDITIONS: usize = 100_000;

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
        json_depth(text)?;
        let mut de = serde_json::Deserializer::from_str(text);
        // The depth is bounded above (`json_depth`), more deeply than serde_json's default of 128
        // allows for the IR of criteria at the source's nesting limit.
        de.disable_recursion_limit();
        NoDuplicateKeys::deserialize(&mut de).map_err(|e| format!("not valid JSON: {e}"))?;
        let mut de = serde_json::Deserializer::from_str(text);
        de.disable_recursion_limit();
        let v = serde_json::Value::deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| format!("not valid JSON: {e}"))?;
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
        for f in &self.facts {
            if let FactType::Quantity { alternates, .. } = &f.ty {
                for a in alternates {
                    if a.equivalence as usize >= self.equivalences.len() {
                        return Err(format!(
                            "fact `{}` names equivalence {}, which does not exist",
                            f.name, a.equivalence
                        ));
                    }
                }
            }
            if let Some(c) = &f.derived {
                if calc_depth(c) > MAX_DEPTH {
                    return Err(format!(
                        "the formula of fact `{}` is nested more than {MAX_DEPTH} levels deep",
                        f.name
                    ));
                }
            }
        }
        self.check_derived_cycles()?;
        let mut conditions = 0usize;
        for i in &self.indications {
            if !(1..=100).contains(&i.duration.amount) {
                return Err(format!(
                    "indication {}: approval duration {} is not a whole number from 1 to 100",
                    i.label, i.duration.amount
                ));
            }
            let depth = indication_depth(i);
            if depth > MAX_DEPTH {
                return Err(format!(
                    "indication {}: its criteria are nested {depth} levels deep; at most {MAX_DEPTH} are allowed",
                    i.label
                ));
            }
            if let Some(a) = &i.applies {
                check_cond(a, nf)?;
                self.check_types(a, &mut conditions)?;
            }
            check_node(&i.criteria, nf)?;
            self.check_node_types(&i.criteria, &mut conditions)?;
            if let Some(d) = &i.dosing {
                check_node(d, nf)?;
                self.check_node_types(d, &mut conditions)?;
            }
        }
        if conditions > MAX_CONDITIONS {
            return Err(format!(
                "the program holds {conditions} conditions; at most {MAX_CONDITIONS} are allowed"
            ));
        }
        Ok(())
    }

    /// Derived facts whose formulas depend on each other in a circle.
    fn check_derived_cycles(&self) -> Result<(), String> {
        // 0: not visited, 1: on the current path, 2: done.
        let mut state = vec![0u8; self.facts.len()];
        for start in 0..self.facts.len() {
            if state[start] != 0 {
                continue;
            }
            // Depth-first, with an explicit stack of (fact, its references, next index).
            let mut stack: Vec<(usize, Vec<usize>, usize)> = Vec::new();
            state[start] = 1;
            stack.push((start, self.derived_refs(start), 0));
            while let Some((f, refs, next)) = stack.last_mut() {
                if let Some(&r) = refs.get(*next) {
                    *next += 1;
                    match state.get(r) {
                        Some(1) => {
                            return Err(format!(
                                "derived fact `{}` depends on itself (through `{}`)",
                                self.facts[r].name, self.facts[*f].name
                            ))
                        }
                        Some(0) => {
                            state[r] = 1;
                            let refs = self.derived_refs(r);
                            stack.push((r, refs, 0));
                        }
                        _ => {}
                    }
                } else {
                    state[*f] = 2;
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    /// The facts a derived fact's formula reads (in range: slots are checked before).
    fn derived_refs(&self, f: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut todo: Vec<&Calc> = self.facts[f].derived.iter().collect();
        while let Some(c) = todo.pop() {
            match c {
                Calc::Fact { fact } => out.push(*fact as usize),
                Calc::Arith { left, right, .. } => {
                    todo.push(left);
                    todo.push(right);
                }
                Calc::AgeInYears { date } => todo.push(date),
                Calc::BsaMosteller { height, weight } => {
                    todo.push(height);
                    todo.push(weight);
                }
                Calc::Number { .. } | Calc::Date { .. } | Calc::DateOfService => {}
            }
        }
        out
    }

    fn check_node_types(&self, n: &Node, count: &mut usize) -> Result<(), String> {
        for g in n.guard.iter().chain(&n.only_if) {
            self.check_types(g, count)?;
        }
        match &n.body {
            NodeBody::Group { children, .. } => children
                .iter()
                .try_for_each(|c| self.check_node_types(c, count)),
            NodeBody::Condition { condition } => self.check_types(condition, count),
            NodeBody::Referral { .. } => Ok(()),
        }
    }

    /// Each condition's operands are of the types the compiler gives them (slots are in range).
    fn check_types(&self, c: &Cond, count: &mut usize) -> Result<(), String> {
        *count += 1;
        let fact = |slot: u32| &self.facts[slot as usize];
        let enum_len = |i: u32| {
            self.enums
                .get(i as usize)
                .map(|e| e.values.len())
                .unwrap_or(0)
        };
        let mask_fits = |mask: u128, n: usize| n >= 128 || mask >> n == 0;
        let wrong = |slot: u32, what: &str| {
            Err(format!(
                "a condition tests fact `{}` as {what}, which it is not",
                fact(slot).name
            ))
        };
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().try_for_each(|c| self.check_types(c, count))
            }
            Cond::Not { not } => self.check_types(not, count),
            Cond::Known { .. } => Ok(()),
            Cond::IsTrue { fact: f } => match fact(*f).ty {
                FactType::Boolean | FactType::Documentation => Ok(()),
                _ => wrong(*f, "a yes/no fact"),
            },
            Cond::EnumIn { fact: f, mask, .. } => match fact(*f).ty {
                FactType::Enum { enum_index } if mask_fits(*mask, enum_len(enum_index)) => Ok(()),
                FactType::Enum { .. } => Err(format!(
                    "a condition on fact `{}` names values its enumeration does not have",
                    fact(*f).name
                )),
                _ => wrong(*f, "one value of an enumeration"),
            },
            Cond::SetHas { fact: f, mask, .. } => match fact(*f).ty {
                FactType::Set { enum_index } if mask_fits(*mask, enum_len(enum_index)) => Ok(()),
                FactType::Set { .. } => Err(format!(
                    "a condition on fact `{}` names values its enumeration does not have",
                    fact(*f).name
                )),
                _ => wrong(*f, "a set of values"),
            },
            Cond::Compare { fact: f, limit, .. } => {
                let ok = match (&fact(*f).ty, &limit.value) {
                    (FactType::Date, Const::Date(_)) => limit.alternates.is_empty(),
                    (FactType::Count | FactType::Number, Const::Number(_)) => {
                        limit.alternates.is_empty()
                    }
                    (FactType::Quantity { alternates, .. }, Const::Number(_)) => {
                        let mut last = 0u8;
                        limit.alternates.iter().all(|a| {
                            let fine = a.alt > last && (a.alt as usize) <= alternates.len();
                            last = a.alt;
                            fine
                        })
                    }
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(format!(
                        "a comparison of fact `{}` has a limit of another type (`{}`)",
                        fact(*f).name,
                        limit.text
                    ))
                }
            }
            Cond::CompareFacts { left, right, .. } => {
                let kind = |t: &FactType| match t {
                    FactType::Boolean | FactType::Documentation => (0, None, None),
                    FactType::Count | FactType::Number => (1, None, None),
                    FactType::Date => (2, None, None),
                    FactType::Quantity { unit, .. } => (3, Some(unit.dim), None),
                    FactType::Enum { enum_index } => (4, None, Some(*enum_index)),
                    FactType::Set { enum_index } => (5, None, Some(*enum_index)),
                };
                if kind(&fact(*left).ty) == kind(&fact(*right).ty) {
                    Ok(())
                } else {
                    Err(format!(
                        "facts `{}` and `{}` are compared but are not of the same type",
                        fact(*left).name,
                        fact(*right).name
                    ))
                }
            }
        }
    }
}

/// The nesting depth of an indication's criteria: its `applies`, criteria and dosing.
pub fn indication_depth(i: &IndicationDef) -> usize {
    i.applies
        .as_ref()
        .map(cond_depth)
        .unwrap_or(0)
        .max(node_depth(&i.criteria))
        .max(i.dosing.as_ref().map(node_depth).unwrap_or(0))
}

/// The number of condition nodes of an indication (`applies`, guards, `if`s and conditions).
pub fn indication_conditions(i: &IndicationDef) -> usize {
    fn node(n: &Node) -> usize {
        n.guard
            .iter()
            .chain(&n.only_if)
            .map(cond_size)
            .sum::<usize>()
            + match &n.body {
                NodeBody::Group { children, .. } => children.iter().map(node).sum(),
                NodeBody::Condition { condition } => cond_size(condition),
                NodeBody::Referral { .. } => 0,
            }
    }
    i.applies.as_ref().map(cond_size).unwrap_or(0)
        + node(&i.criteria)
        + i.dosing.as_ref().map(node).unwrap_or(0)
}

/// The nesting depth of a node: one per group level, plus the depth of its conditions.
pub fn node_depth(n: &Node) -> usize {
    let conds = n
        .guard
        .iter()
        .chain(&n.only_if)
        .map(cond_depth)
        .max()
        .unwrap_or(0);
    let body = match &n.body {
        NodeBody::Group { children, .. } => 1 + children.iter().map(node_depth).max().unwrap_or(0),
        NodeBody::Condition { condition } => cond_depth(condition),
        NodeBody::Referral { .. } => 0,
    };
    conds.max(body)
}

/// The nesting depth of a condition: one per `all`, `any` and `not` level, and one for a test.
pub fn cond_depth(c: &Cond) -> usize {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => {
            1 + v.iter().map(cond_depth).max().unwrap_or(0)
        }
        Cond::Not { not } => 1 + cond_depth(not),
        _ => 1,
    }
}

/// The number of condition nodes in a condition (each test, `all`, `any` and `not` is one).
pub fn cond_size(c: &Cond) -> usize {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => 1 + v.iter().map(cond_size).sum::<usize>(),
        Cond::Not { not } => 1 + cond_size(not),
        _ => 1,
    }
}

/// The nesting depth of a formula: one per operation, and one for a value.
pub fn calc_depth(c: &Calc) -> usize {
    match c {
        Calc::Arith { left, right, .. }
        | Calc::BsaMosteller {
            height: left,
            weight: right,
        } => 1 + calc_depth(left).max(calc_depth(right)),
        Calc::AgeInYears { date } => 1 + calc_depth(date),
        _ => 1,
    }
}

/// The JSON text is nested at most [`MAX_JSON_DEPTH`] deep (checked lexically, before parsing).
fn json_depth(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(format!(
                        "the IR is nested more than {MAX_JSON_DEPTH} levels deep; the compiler never writes criteria deeper than {MAX_DEPTH} levels"
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Any JSON value, read only to refuse an object that states a key twice (serde_json would keep
/// the last silently).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        NoDuplicateKeys::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = a.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{k}` appears twice in one object"
                )));
            }
            a.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
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
