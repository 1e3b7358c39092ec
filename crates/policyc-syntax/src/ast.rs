//! The abstract syntax tree of a policy file. Every node carries the byte span of its source
//! text ([`Span`]), so that every later diagnostic can point at the line the analyst wrote.
//!
//! Longer than 800 lines on purpose: the whole tree in one file, each node type beside the types it
//! holds, so that the language's shape reads from top to bottom.

use serde::{Deserialize, Serialize};

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from byte `start` up to (not including) byte `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    /// Whether it covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl From<pest::Span<'_>> for Span {
    fn from(s: pest::Span<'_>) -> Self {
        Span::new(s.start(), s.end())
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        miette::SourceSpan::new(s.start.into(), s.len())
    }
}

/// A name with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A string literal (escapes already resolved) with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    /// The text, escapes resolved.
    pub value: String,
    /// Where the literal is written, quotes included.
    pub span: Span,
}

/// A date literal, `2024-01-01`, kept as written (the checker validates it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    /// The date as written, `YYYY-MM-DD`.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A parsed policy or library file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Its top-level items, in source order.
    pub items: Vec<Item>,
}

/// A top-level item of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `import "path"`: the path of a library, relative to the importing file.
    Import(Str),
    /// `policy id { ... }`: the document's metadata.
    Policy(PolicyHeader),
    /// `library name "description"`: this file is a library.
    Library(LibraryHeader),
    /// `define name(params) = condition`: a named, parameterised condition.
    Define(DefineDecl),
    /// `enum Name { ... }`: an enumeration.
    Enum(EnumDecl),
    /// `extend enum Name { ... }`: values added to an enumeration imported or declared earlier.
    ExtendEnum(EnumExtension),
    /// `fact name: type "description"`: a fact a request supplies or that is derived.
    Fact(FactDecl),
    /// `equivalence 18 million IU = 1.1 mg "..."`: a product's unit conversion.
    Equivalence(Equivalence),
    /// `regimen dose or dose_per_kg every dose_interval counting doses_given`: the facts a dosing
    /// regimen (`240 mg every 2 weeks`) and the phases of a course (`for 4 doses`) limit.
    Regimen(RegimenDecl),
    /// `indication 1 "title" { ... }`: one numbered indication of the document.
    Indication(Indication),
}

/// `library common "Shared definitions"`: a file of declarations that policies import.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryHeader {
    /// The library's name.
    pub name: Ident,
    /// What the library holds, if stated.
    pub description: Option<Str>,
    /// The whole header.
    pub span: Span,
}

/// `define prescribed_by_or_with(specialties) "..." = condition`
#[derive(Debug, Clone, PartialEq)]
pub struct DefineDecl {
    /// The definition's name, used as `name(args)` in conditions.
    pub name: Ident,
    /// Its parameters, in order.
    pub params: Vec<Ident>,
    /// Its sentence, used in explanations, if stated.
    pub description: Option<Str>,
    /// The condition, in terms of the parameters.
    pub body: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// `policy id { title "..." drug "..." effective 2024-01-01 ... }`: the document's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyHeader {
    /// The policy's identifier.
    pub id: Ident,
    /// Its entries, in source order.
    pub entries: Vec<MetaEntry>,
    /// The whole header, braces included.
    pub span: Span,
}

/// The key of a header entry holding a string or a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    /// `title "..."`: the document's title.
    Title,
    /// `drug "..."`: a drug the policy covers (one entry per drug).
    Drug,
    /// `plan "..."`: a plan the policy applies to (one entry per plan).
    Plan,
    /// `not covered "..."`: the document's statement on circumstances it does not list.
    NotCovered,
    /// `outside dosing "..."`: the document's statement on requests outside its dosing.
    OutsideDosing,
    /// `effective 2024-01-01`: the date the policy takes effect.
    Effective,
    /// `review 2025-01-01`: the date the policy is next reviewed.
    Review,
    /// `amends "proleukin.policy"`: this file is a later version of the policy in that file
    /// (relative to this one); what it states replaces that version's, the rest is kept.
    Amends,
}

impl MetaKey {
    /// The key as the grammar spells it (`not covered`).
    pub fn keyword(self) -> &'static str {
        match self {
            MetaKey::Title => "title",
            MetaKey::Drug => "drug",
            MetaKey::Plan => "plan",
            MetaKey::NotCovered => "not covered",
            MetaKey::OutsideDosing => "outside dosing",
            MetaKey::Effective => "effective",
            MetaKey::Review => "review",
            MetaKey::Amends => "amends",
        }
    }
}

/// One entry of the policy header.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaEntry {
    /// A key with a string: `title`, `drug`, `plan`, `not covered`, `outside dosing`.
    Text {
        /// Which key.
        key: MetaKey,
        /// Its string.
        value: Str,
        /// For a `drug`: the codes an order names it by (`rxnorm ["1535412"] hcpcs ["J9015"]`);
        /// empty for the other keys.
        codes: Vec<CodeList>,
        /// The whole entry.
        span: Span,
    },
    /// A key with a date: `effective`, `review`.
    Date {
        /// Which key.
        key: MetaKey,
        /// Its date.
        date: DateLit,
        /// The whole entry.
        span: Span,
    },
    /// `revision 2024-06-01 "what changed"`: an entry of the document's revision history.
    Revision {
        /// When the revision was made.
        date: DateLit,
        /// What it changed.
        text: Str,
        /// The whole entry.
        span: Span,
    },
}

/// `enum Route open "description" { intravenous "Intravenous infusion" ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    /// The enumeration's name, used as a fact type.
    pub name: Ident,
    /// `open`: it accepts values it does not list, which match none of its values.
    pub open: bool,
    /// What the enumeration is, if stated.
    pub description: Option<Str>,
    /// Its values, in source order.
    pub values: Vec<EnumValue>,
    /// The whole declaration, braces included.
    pub span: Span,
}

/// `extend enum Diagnosis { uveal_melanoma "Uveal melanoma" }`: values a policy adds to an
/// enumeration it imports from a library (or declares earlier), for itself; the library is not
/// changed.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumExtension {
    /// The enumeration extended.
    pub name: Ident,
    /// The values added, in source order.
    pub values: Vec<EnumValue>,
    /// The whole extension, braces included.
    pub span: Span,
}

/// One value of an enumeration, with the document's words for it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The value's name, as requests and conditions write it.
    pub name: Ident,
    /// The document's words for it.
    pub description: Str,
    /// The codes that stand for it in FHIR data (`icd10 ["C43*"] snomed ["372244006"]`).
    pub codes: Vec<CodeList>,
}

/// A code system a policy names codes of, as the grammar spells it (serialized in the IR as
/// `icd10`, `snomed`, `rxnorm`, `hcpcs`, `nucc`, `loinc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeSystem {
    /// ICD-10-CM diagnosis codes (`C43.9`); a code may end in `*`, a prefix.
    Icd10,
    /// SNOMED CT concepts (`47625008`).
    Snomed,
    /// RxNorm drug concepts (`1535412`).
    Rxnorm,
    /// HCPCS Level II codes (`J9015`), and CPT codes (five digits).
    Hcpcs,
    /// The NUCC Health Care Provider Taxonomy (`207RX0202X`).
    Nucc,
    /// LOINC observation codes (`29463-7`).
    Loinc,
}

impl CodeSystem {
    /// Every code system, in the grammar's order.
    pub const ALL: [CodeSystem; 6] = [
        CodeSystem::Icd10,
        CodeSystem::Snomed,
        CodeSystem::Rxnorm,
        CodeSystem::Hcpcs,
        CodeSystem::Nucc,
        CodeSystem::Loinc,
    ];

    /// The word the grammar spells it with (`icd10`).
    pub fn keyword(self) -> &'static str {
        match self {
            CodeSystem::Icd10 => "icd10",
            CodeSystem::Snomed => "snomed",
            CodeSystem::Rxnorm => "rxnorm",
            CodeSystem::Hcpcs => "hcpcs",
            CodeSystem::Nucc => "nucc",
            CodeSystem::Loinc => "loinc",
        }
    }

    /// Its name for people (`ICD-10-CM`).
    pub fn name(self) -> &'static str {
        match self {
            CodeSystem::Icd10 => "ICD-10-CM",
            CodeSystem::Snomed => "SNOMED CT",
            CodeSystem::Rxnorm => "RxNorm",
            CodeSystem::Hcpcs => "HCPCS",
            CodeSystem::Nucc => "NUCC provider taxonomy",
            CodeSystem::Loinc => "LOINC",
        }
    }

    /// The FHIR `Coding.system` URIs that name it (the first is the canonical one; HCPCS has
    /// two in use, and CPT codes are read as HCPCS Level I).
    pub fn uris(self) -> &'static [&'static str] {
        match self {
            CodeSystem::Icd10 => &["http://hl7.org/fhir/sid/icd-10-cm"],
            CodeSystem::Snomed => &["http://snomed.info/sct"],
            CodeSystem::Rxnorm => &["http://www.nlm.nih.gov/research/umls/rxnorm"],
            CodeSystem::Hcpcs => &[
                "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                "http://www.ama-assn.org/go/cpt",
            ],
            CodeSystem::Nucc => &["http://nucc.org/provider-taxonomy"],
            CodeSystem::Loinc => &["http://loinc.org"],
        }
    }

    /// The code system a FHIR `Coding.system` URI names, if policyc knows it.
    pub fn from_uri(uri: &str) -> Option<CodeSystem> {
        CodeSystem::ALL
            .into_iter()
            .find(|s| s.uris().contains(&uri))
    }
}

/// `icd10 ["C43*", "D03*"]`: codes of one system, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeList {
    /// The code system.
    pub system: CodeSystem,
    /// The codes, as written (quotes removed).
    pub codes: Vec<Str>,
    /// From the system's word to the closing bracket.
    pub span: Span,
}

/// `from observation loinc "29463-7" within 30 days`: where a FHIR Bundle states a fact.
#[derive(Debug, Clone, PartialEq)]
pub struct FactSource {
    /// Which element of which resource.
    pub kind: SourceKind,
    /// From `from` to the end of the clause.
    pub span: Span,
}

/// The resource and element a fact is read from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    /// `patient birth date`: `Patient.birthDate`.
    PatientBirthDate,
    /// `observation loinc "29463-7" within 30 days`: the latest Observation with the code, its
    /// `valueQuantity`, no older than `within` (if stated) on the date of service.
    Observation {
        /// The LOINC code, as written.
        loinc: Str,
        /// `within 30 days`: how recent it must be.
        within: Option<DurationLit>,
    },
    /// `condition`: `Condition.code` of the active, not refuted Conditions, through the codes of
    /// the fact's enumeration.
    Condition,
    /// `medication route`: `MedicationRequest.dosageInstruction.route` (SNOMED CT).
    MedicationRoute,
    /// `medication dose`: `MedicationRequest.dosageInstruction.doseAndRate.doseQuantity` (UCUM).
    MedicationDose,
    /// `medication frequency`: `dosageInstruction.timing.repeat` frequency per period.
    MedicationFrequency,
    /// `medication repeat count`: `dosageInstruction.timing.repeat.count`.
    MedicationRepeatCount,
    /// `prescriber specialty`: `PractitionerRole.specialty` (NUCC), through the enumeration's codes.
    PrescriberSpecialty,
    /// `questionnaire "link-id"`: the answer of the QuestionnaireResponse item with this linkId.
    Questionnaire {
        /// The linkId, as written.
        link_id: Str,
    },
}

impl SourceKind {
    /// The clause as the grammar spells it, after `from` (`medication route`).
    pub fn words(&self) -> String {
        match self {
            SourceKind::PatientBirthDate => "patient birth date".into(),
            SourceKind::Observation { loinc, within } => {
                let mut s = format!("observation loinc \"{}\"", loinc.value);
                if let Some(w) = within {
                    s.push_str(&format!(" within {} {}", w.amount.text, w.unit.name));
                }
                s
            }
            SourceKind::Condition => "condition".into(),
            SourceKind::MedicationRoute => "medication route".into(),
            SourceKind::MedicationDose => "medication dose".into(),
            SourceKind::MedicationFrequency => "medication frequency".into(),
            SourceKind::MedicationRepeatCount => "medication repeat count".into(),
            SourceKind::PrescriberSpecialty => "prescriber specialty".into(),
            SourceKind::Questionnaire { link_id } => format!("questionnaire \"{}\"", link_id.value),
        }
    }
}

/// `fact age: years "The patient's age"`, or a derived fact `fact x: ... "..." = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct FactDecl {
    /// The fact's name, as requests and conditions write it.
    pub name: Ident,
    /// Its type: a builtin type, an enumeration, a set of one, or a unit.
    pub ty: TypeRef,
    /// What the fact is, in the words a request form would use.
    pub description: Str,
    /// `within low to high`: the plausible values; a request stating one outside them is refused.
    pub range: Option<Box<FactRange>>,
    /// `from ...`: where a FHIR Bundle states the fact.
    pub source: Option<Box<FactSource>>,
    /// `= value`: how the fact is computed from others when a request does not state it.
    pub derived: Option<ValueExpr>,
    /// The whole declaration.
    pub span: Span,
}

/// `within 0.3 kg to 650 kg`: a fact's plausible range, both bounds included.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRange {
    /// The lower bound.
    pub low: RangeBound,
    /// The upper bound.
    pub high: RangeBound,
    /// From `within` to the end of the upper bound.
    pub span: Span,
}

/// One bound of a plausible range, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeBound {
    /// A number with its unit if any (`0.3 kg`, `50`); never restated in a second unit.
    Quantity(QuantityLit),
    /// A date (`2000-01-01`).
    Date(DateLit),
}

impl RangeBound {
    /// Where the bound is written.
    pub fn span(&self) -> Span {
        match self {
            RangeBound::Quantity(q) => q.span,
            RangeBound::Date(d) => d.span,
        }
    }
}

/// A fact's type as written.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `set of Specialty`
    Set(Ident),
    /// A builtin type name (`boolean`, `count`, ...), an enumeration name, or a unit.
    Named(UnitExpr),
}

/// A unit as written: `[IU]/kg`, `doses/day`, `m2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitExpr {
    /// The unit's text, exactly as written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// `regimen dose or dose_per_kg every dose_interval counting doses_given`: which facts a regimen
/// limits.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenDecl {
    /// The dose facts, in order, each of its own dimension (`dose` in mg, `dose_per_kg` in mg/kg):
    /// a regimen's amount limits the one of its dimension.
    pub doses: Vec<Ident>,
    /// The fact of the time from one dose to the next, which `every N weeks` bounds from below.
    pub interval: Ident,
    /// `counting doses_given`: the count of the doses given before this one, which tells the phase
    /// of a course (`for 4 doses`) a dose is in.
    pub counting: Option<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// `equivalence 18 million IU = 1.1 mg "label"`: how much of the product's own unit equals a
/// mass or volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Equivalence {
    /// The quantity before `=`.
    pub left: QuantityLit,
    /// The quantity after `=`.
    pub right: QuantityLit,
    /// Where the equivalence comes from (the label's sentence).
    pub text: Str,
    /// The whole declaration.
    pub span: Span,
}

/// `indication 1 "Melanoma" { ... }`: one numbered indication of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Indication {
    /// The document's number or label for it.
    pub label: Ident,
    /// Its title.
    pub title: Str,
    /// What it holds, in source order.
    pub items: Vec<IndicationItem>,
    /// The whole block, braces included.
    pub span: Span,
}

/// One item of an indication (or, except `applies` and `reauthorization`, of a reauthorization).
#[derive(Debug, Clone, PartialEq)]
pub enum IndicationItem {
    /// `applies when condition`: when the indication applies (the diagnosis it covers).
    Applies {
        /// The condition.
        expr: Expr,
        /// The whole item.
        span: Span,
    },
    /// `approve for 1 year`: how long an approval lasts.
    Duration(DurationLit),
    /// `criteria: body`: what must hold for approval.
    Criteria(Section),
    /// `dosing: body`: the dosing the approval covers.
    Dosing(Section),
    /// `reauthorization R "title" { ... }`: criteria for continued therapy.
    Reauthorization(Reauthorization),
}

/// Criteria for continued therapy, with their own duration.
#[derive(Debug, Clone, PartialEq)]
pub struct Reauthorization {
    /// The document's label for it.
    pub label: Ident,
    /// Its title.
    pub title: Str,
    /// Its duration, criteria and dosing, in source order.
    pub items: Vec<IndicationItem>,
    /// The whole block, braces included.
    pub span: Span,
}

/// `approve for 6 months`.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    /// The number, as written.
    pub amount: NumberLit,
    /// `year(s)`, `month(s)`, `week(s)` or `day(s)`, as written.
    pub unit: Ident,
    /// The whole item.
    pub span: Span,
}

/// `criteria "sentence": body` or `dosing "sentence": body`.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The section's sentence, if stated.
    pub text: Option<Str>,
    /// What it requires.
    pub body: Body,
    /// The whole section.
    pub span: Span,
}

/// What a section or a labelled node requires.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Body {
    /// `all of { ... }`, `one of { ... }`, `none of { ... }`: labelled nodes.
    Group(Group),
    /// A condition.
    Expr(Expr),
    /// An outcome that leaves the decision to people.
    Referral(Referral),
    /// `in phases { ... }`: the phases of a course, one after the other.
    Phases(Phases),
}

/// `in phases { i "..." for 4 doses: ...  ii "...": ... }`: the phases of a course, in order, by
/// the count of doses already given (the `regimen`'s `counting` fact).
#[derive(Debug, Clone, PartialEq)]
pub struct Phases {
    /// The phases, in order.
    pub phases: Vec<Phase>,
    /// From `in phases` to the closing brace.
    pub span: Span,
}

/// One phase of a course: `i "Induction: 3 mg/kg every 3 weeks for 4 doses" for 4 doses: body`.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// The document's label for it (`i`), relative to its parent.
    pub label: Ident,
    /// The document's sentence.
    pub text: Str,
    /// `for 4 doses`: how many doses the phase lasts; `None`: it lasts to the end of the course
    /// (only the last phase).
    pub doses: Option<NumberLit>,
    /// What a dose in this phase requires.
    pub body: Body,
    /// The whole phase.
    pub span: Span,
}

/// An outcome that leaves the decision to people.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    /// `None`: refer to a clinician; `Some(to)`: redirect to another review.
    pub redirect: Option<Str>,
    /// The whole referral.
    pub span: Span,
}

/// How a group combines its nodes (serialized in the IR as `all_of`, `one_of`, `none_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Every node is met.
    AllOf,
    /// At least one node is met.
    OneOf,
    /// No node is met.
    NoneOf,
}

impl GroupKind {
    /// The words the grammar spells it with (`all of`).
    pub fn keyword(self) -> &'static str {
        match self {
            GroupKind::AllOf => "all of",
            GroupKind::OneOf => "one of",
            GroupKind::NoneOf => "none of",
        }
    }
}

/// A group of labelled nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// How it combines them.
    pub kind: GroupKind,
    /// The nodes, in source order.
    pub nodes: Vec<Node>,
    /// From the group's keyword to its closing brace.
    pub span: Span,
}

/// A labelled criterion or group: `iii "Patient has tried ...": prior_therapies at least 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The document's label for it (`iii`), relative to its parent.
    pub label: Ident,
    /// The document's sentence.
    pub text: Str,
    /// `when ...`: the branch applies only when this holds; otherwise it is not met.
    pub guard: Option<Expr>,
    /// `if ...`: the requirement applies only if this holds; otherwise it is met.
    pub only_if: Option<Expr>,
    /// What it requires.
    pub body: Body,
    /// The whole node.
    pub span: Span,
}

/// A comparison operator (serialized in the IR as `ge`, `le`, `gt`, `lt`, `eq`, `ne`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// `at least`, `>=`, `≥`.
    Ge,
    /// `at most`, `<=`, `≤`.
    Le,
    /// `more than`, `>`.
    Gt,
    /// `less than`, `<`.
    Lt,
    /// `=`, `is`.
    Eq,
    /// `!=`, `≠`, `is not`.
    Ne,
}

impl CmpOp {
    /// The canonical spelling, as the formatter and explanations write it (`at least`, `=`).
    pub fn words(self) -> &'static str {
        match self {
            CmpOp::Ge => "at least",
            CmpOp::Le => "at most",
            CmpOp::Gt => "more than",
            CmpOp::Lt => "less than",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }
}

/// How a set test counts the listed values (serialized in the IR as `any`, `all`, `none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetQuant {
    /// `has any of`: the set holds at least one of them.
    Any,
    /// `has all of`: the set holds every one of them.
    All,
    /// `has none of`: the set holds none of them.
    None,
}

/// A condition.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Expr {
    /// `a and b and ...`: the operands of one chain, with the chain's span.
    And(Vec<Expr>, Span),
    /// `a or b or ...`: the operands of one chain, with the chain's span.
    Or(Vec<Expr>, Span),
    /// `not a`.
    Not(Box<Expr>, Span),
    /// `route is intravenous`, `route is not x`, `diagnosis is one of [a, b]`
    Membership {
        /// The enumeration fact.
        fact: Ident,
        /// `is not`.
        negated: bool,
        /// The values listed (or the parameter's name, if `param`).
        values: Vec<Ident>,
        /// The values are a definition's parameter (`is one of specialties`), not a literal list.
        param: bool,
        /// The whole test.
        span: Span,
    },
    /// `extent has any of [a, b]`, `consultants has oncologist`
    SetTest {
        /// The set fact.
        fact: Ident,
        /// `any of` (also a lone value), `all of`, `none of`.
        quant: SetQuant,
        /// The values listed (or the parameter's name, if `param`).
        values: Vec<Ident>,
        /// The values are a definition's parameter (`has any of specialties`).
        param: bool,
        /// The whole test.
        span: Span,
    },
    /// `age at least 18 years`, `dose_per_kg <= 600,000 IU/kg (0.037 mg/kg)`.
    Compare {
        /// The value before the operator.
        left: ValueExpr,
        /// The operator.
        op: CmpOp,
        /// The value after the operator.
        right: ValueExpr,
        /// `, as a condition of approval`: a dosing limit that, unstated, holds as a condition of
        /// the approval instead of being asked for.
        condition: bool,
        /// The whole comparison.
        span: Span,
    },
    /// `prescriber_specialty is known`, `... is not known`: whether the request states the fact.
    Known {
        /// The fact.
        fact: Ident,
        /// `is not known`.
        negated: bool,
        /// The whole test.
        span: Span,
    },
    /// A yes/no fact on its own.
    FactTest(Ident),
    /// `meets 1.A`: the criteria under that label hold.
    Meets {
        /// The full label, as written (`1.A`).
        label: String,
        /// The whole test.
        span: Span,
    },
    /// `240 mg every 2 weeks`: a dosing regimen, each dose at most the amount (the `regimen`
    /// declaration's dose fact of its dimension) and no more often than the interval.
    Regimen {
        /// The amount of each dose, as written (`240 mg`, `3 mg/kg`).
        amount: QuantityLit,
        /// How often, as written (`2 weeks`).
        every: QuantityLit,
        /// `, as a condition of approval`: an interval the request does not state is a condition
        /// of the approval instead of being asked for.
        condition: bool,
        /// The whole regimen.
        span: Span,
    },
    /// `prescribed_by_or_with([oncologist])`
    UseDefine {
        /// The definition's name.
        name: Ident,
        /// Its arguments, in order.
        args: Vec<DefineArg>,
        /// The whole use, parentheses included.
        span: Span,
    },
}

/// An argument to a definition: a list of values, or a value.
#[derive(Debug, Clone, PartialEq)]
pub enum DefineArg {
    /// `[a, b]`: enumeration values, with the list's span.
    List(Vec<Ident>, Span),
    /// A value: a fact, a quantity, a date, or arithmetic on them.
    Value(ValueExpr),
}

impl Expr {
    /// The source text of the whole condition.
    pub fn span(&self) -> Span {
        match self {
            Expr::And(_, s) | Expr::Or(_, s) | Expr::Not(_, s) => *s,
            Expr::Membership { span, .. }
            | Expr::SetTest { span, .. }
            | Expr::Compare { span, .. }
            | Expr::Known { span, .. }
            | Expr::Meets { span, .. }
            | Expr::Regimen { span, .. }
            | Expr::UseDefine { span, .. } => *span,
            Expr::FactTest(id) => id.span,
        }
    }
}

/// An arithmetic operator (serialized in the IR as `add`, `sub`, `mul`, `div`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArithOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`, `×`.
    Mul,
    /// `/`.
    Div,
}

/// A value: in a comparison, a derived fact, or a definition's argument.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueExpr {
    /// A fact's value.
    Fact(Ident),
    /// A number, with its unit if any.
    Quantity(QuantityLit),
    /// A date.
    Date(DateLit),
    /// `name(args)`: a builtin function (`age_in_years(birth_date)`).
    Call {
        /// The function's name.
        name: Ident,
        /// Its arguments, in order.
        args: Vec<ValueExpr>,
        /// The whole call.
        span: Span,
    },
    /// `left op right`.
    Binary {
        /// The operator.
        op: ArithOp,
        /// The left operand.
        left: Box<ValueExpr>,
        /// The right operand.
        right: Box<ValueExpr>,
        /// The whole expression.
        span: Span,
    },
}

impl ValueExpr {
    /// The source text of the whole value.
    pub fn span(&self) -> Span {
        match self {
            ValueExpr::Fact(id) => id.span,
            ValueExpr::Quantity(q) => q.span,
            ValueExpr::Date(d) => d.span,
            ValueExpr::Call { span, .. } | ValueExpr::Binary { span, .. } => *span,
        }
    }
}

/// A number as written (`600,000`, `0.037`, `6 million`), with its exact text kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberLit {
    /// The digits as written (`600,000`, `-0.5`).
    pub text: String,
    /// A scale word after them, `thousand`, `million` or `billion`.
    pub scale: Option<String>,
    /// The number, with its scale word.
    pub span: Span,
}

/// `600,000 IU/kg (0.037 mg/kg)`
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityLit {
    /// The number.
    pub number: NumberLit,
    /// Its unit, if any.
    pub unit: Option<UnitExpr>,
    /// The same quantity restated in another unit, in parentheses, as the document states it.
    pub alt: Option<(NumberLit, UnitExpr)>,
    /// The whole quantity, restatement included.
    pub span: Span,
}
