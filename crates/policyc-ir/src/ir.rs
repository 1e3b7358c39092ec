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
//! - a fact's [`FactRange`] is on a count, number or quantity fact (numbers) or a date fact (dates),
//!   and its `low` is not above its `high`;
//! - a fact's [`Source`] is of a kind its type can take (a birth date for a date fact, an
//!   Observation or a dose for a quantity, a condition, route or specialty for an enumeration
//!   whose values have codes of the system read), a recency from 1 to 1,000 units, a linkId not
//!   empty; every [`Code`] is non-empty text without spaces, a prefix only in ICD-10-CM, and no
//!   code stands for two values of one enumeration;
//! - approval durations are from 1 to 100, and derived facts do not depend on themselves;
//! - a node's [`Course`] names facts in range: a regimen's dose and interval, a phase's count of
//!   doses given; a phase's first dose is at least 1 and its last (if any) not before its first;
//! - each indication nests at most [`MAX_DEPTH`] levels, each formula too, and the program holds at
//!   most [`MAX_CONDITIONS`] conditions; the checker refuses to write more, so the reader reads
//!   whatever the compiler writes.
//!
//! The compiler also guarantees what reading does not check: node labels are full paths from the
//! indication's label (`1.A.iii`; a dosing section's is `1.Dosing`).

use crate::units::{Dim, Unit};
pub use policyc_syntax::ast::CodeSystem;
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
pub const FORMAT_VERSION: u32 = 5;

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
    /// Forms of the program that later stages derive from it for speed (the evaluator's flat
    /// program), made on first use; not part of the program's meaning, never serialized. See
    /// [`Derived`].
    #[serde(skip)]
    pub derived: Derived,
}

/// A cache of one form derived from a [`Program`] by a later stage (the evaluator's flat program),
/// made the first time it is asked for and then shared by every reader of the program.
///
/// It belongs to the program it was made from: a program is not changed once it is evaluated (the
/// service, the CLI and the library compile or read a program and then only read it). A clone
/// starts with an empty cache, so a copy that is then changed derives its own form; two programs
/// compare equal whatever their caches hold.
#[derive(Default)]
pub struct Derived(std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>);

impl Derived {
    /// The derived form of type `T`, made by `make` if no form is held yet; `None` if a form of
    /// another type is held (only one stage derives a form, so this does not happen in practice).
    pub fn get_or_make<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce() -> T,
    ) -> Option<&T> {
        self.0.get_or_init(|| Box::new(make())).downcast_ref::<T>()
    }
}

impl Clone for Derived {
    fn clone(&self) -> Derived {
        Derived::default()
    }
}

impl PartialEq for Derived {
    fn eq(&self, _: &Derived) -> bool {
        true
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
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
    /// The codes an order names the policy's drugs by (RxNorm, HCPCS), from the header's `drug`
    /// lines; a FHIR MedicationRequest is covered by the policy when its medication has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drug_codes: Vec<Code>,
}

/// A code of a code system, as a policy declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// The code system.
    pub system: CodeSystem,
    /// The code, without a trailing `*` (`C43`, `47625008`).
    pub code: String,
    /// An ICD-10-CM prefix (`C43*`): it stands for every code that starts with `code`, dots
    /// aside.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prefix: bool,
}

impl Code {
    /// Whether a code of `system` read from FHIR data is this code (or, for a prefix, starts
    /// with it). ICD-10-CM codes compare without their dot and case (`C43.9` is `c439`); the
    /// others exactly.
    pub fn matches(&self, system: CodeSystem, code: &str) -> bool {
        if system != self.system {
            return false;
        }
        if system == CodeSystem::Icd10 {
            let norm = |s: &str| -> String {
                s.chars()
                    .filter(|c| *c != '.')
                    .map(|c| c.to_ascii_uppercase())
                    .collect()
            };
            let (mine, theirs) = (norm(&self.code), norm(code));
            if self.prefix {
                theirs.starts_with(&mine)
            } else {
                theirs == mine
            }
        } else {
            code == self.code
        }
    }

    /// As the policy writes it: `icd10 C43*`.
    pub fn text(&self) -> String {
        format!(
            "{} {}{}",
            self.system.keyword(),
            self.code,
            if self.prefix { "*" } else { "" }
        )
    }
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
    /// The codes that stand for it in FHIR data (`Condition.code`, a route, a specialty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
}

/// Where a FHIR Bundle states a fact (`from ...` in the policy), tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// `Patient.birthDate` (a date fact).
    PatientBirthDate,
    /// The latest Observation with this LOINC code, its `valueQuantity` (a quantity fact).
    Observation {
        /// The LOINC code.
        loinc: String,
        /// How recent it must be on the date of service (`within 30 days`), if the policy says.
        max_age: Option<DurationDef>,
    },
    /// `Condition.code` of the active, not refuted Conditions, through the codes of the fact's
    /// enumeration (an enumeration fact).
    Condition,
    /// `MedicationRequest.dosageInstruction.route`, through the enumeration's SNOMED CT codes.
    MedicationRoute,
    /// `MedicationRequest.dosageInstruction.doseAndRate.doseQuantity` (a quantity fact).
    MedicationDose,
    /// `dosageInstruction.timing.repeat`: `frequency` per `period` `periodUnit` (a quantity fact
    /// of doses per time).
    MedicationFrequency,
    /// `dosageInstruction.timing.repeat.count` (a count, or a quantity of doses).
    MedicationRepeatCount,
    /// `PractitionerRole.specialty` of the prescriber, through the enumeration's NUCC codes.
    PrescriberSpecialty,
    /// The answer of the QuestionnaireResponse item with this linkId.
    Questionnaire {
        /// The item's linkId.
        link_id: String,
    },
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
    /// The plausible values (`within 0.3 kg to 650 kg`): a request stating a value outside them,
    /// or whose inputs compute one, is refused. Absent from the JSON when the policy states none,
    /// so an IR written before ranges existed reads as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<FactRange>,
    /// Where a FHIR Bundle states the fact (`from ...`), if the policy says. Without one, a
    /// Bundle states it only in a QuestionnaireResponse answer whose linkId is the fact's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// A fact's plausible range, both bounds included: `low ≤ value ≤ high`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactRange {
    /// The lower bound: a number (in the canonical unit of a quantity's dimension) for a count,
    /// number or quantity fact; a date for a date fact.
    pub low: Const,
    /// The upper bound, of the same kind; never below `low`.
    pub high: Const,
    /// As the policy states it, in its units: `0.3 kg to 650 kg`.
    pub text: String,
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
    /// What the node states of a course of doses in the document's terms (its regimens, the phase
    /// it is), for explanations; absent from the JSON when it states none. Added in format
    /// version 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<Course>,
}

/// What a dosing node states of a course of doses, in the document's terms, for explanations only:
/// the checker lowers a regimen to comparisons of its dose and interval facts (in the node's
/// condition) and a phase to the node's `guard`, which is all that evaluation reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    /// The regimens the node's condition states, in the policy's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regimens: Vec<Regimen>,
    /// The phase of a course the node is (`for 4 doses`), if it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
}

/// A dosing regimen, `240 mg every 2 weeks`: each dose at most the amount, no more often than the
/// interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimen {
    /// The amount of each dose, as the policy writes it: `240 mg`.
    pub amount: String,
    /// How often, as the policy writes it (after `every`): `2 weeks`.
    pub every: String,
    /// The slot of the dose fact it limits (the one of its amount's dimension).
    pub dose: u32,
    /// The slot of the fact of the time from one dose to the next.
    pub interval: u32,
}

impl Regimen {
    /// The regimen as the policy writes it: `240 mg every 2 weeks`.
    pub fn text(&self) -> String {
        format!("{} every {}", self.amount, self.every)
    }
}

/// A phase of a course: the doses it covers, by their number in the course (the first is 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// The slot of the count of doses given before this one (a dose's number is one more).
    pub doses_given: u32,
    /// The number of the phase's first dose.
    pub first: u32,
    /// The number of its last dose; `None`: it lasts to the end of the course.
    pub last: Option<u32>,
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

mod read;
pub use read::{
    calc_depth, cond_depth, cond_size, indication_conditions, indication_depth, node_depth,
};
