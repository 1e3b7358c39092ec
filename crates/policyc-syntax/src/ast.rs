//! The abstract syntax tree of a policy file. Every node carries the byte span of its source
//! text ([`Span`]), so that every later diagnostic can point at the line the analyst wrote.

use serde::{Deserialize, Serialize};

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
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
    pub name: String,
    pub span: Span,
}

/// A string literal (escapes already resolved) with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Str),
    Policy(PolicyHeader),
    Library(LibraryHeader),
    Define(DefineDecl),
    Enum(EnumDecl),
    Fact(FactDecl),
    Equivalence(Equivalence),
    Indication(Indication),
}

/// `library common "Shared definitions"`: a file of declarations that policies import.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryHeader {
    pub name: Ident,
    pub description: Option<Str>,
    pub span: Span,
}

/// `define prescribed_by_or_with(specialties) "..." = condition`
#[derive(Debug, Clone, PartialEq)]
pub struct DefineDecl {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub description: Option<Str>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyHeader {
    pub id: Ident,
    pub entries: Vec<MetaEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    Title,
    Drug,
    Plan,
    NotCovered,
    OutsideDosing,
    Effective,
    Review,
}

impl MetaKey {
    pub fn keyword(self) -> &'static str {
        match self {
            MetaKey::Title => "title",
            MetaKey::Drug => "drug",
            MetaKey::Plan => "plan",
            MetaKey::NotCovered => "not covered",
            MetaKey::OutsideDosing => "outside dosing",
            MetaKey::Effective => "effective",
            MetaKey::Review => "review",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetaEntry {
    Text {
        key: MetaKey,
        value: Str,
        span: Span,
    },
    Date {
        key: MetaKey,
        date: DateLit,
        span: Span,
    },
    Revision {
        date: DateLit,
        text: Str,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub open: bool,
    pub description: Option<Str>,
    pub values: Vec<EnumValue>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: Ident,
    pub description: Str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FactDecl {
    pub name: Ident,
    pub ty: TypeRef,
    pub description: Str,
    pub derived: Option<ValueExpr>,
    pub span: Span,
}

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
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Equivalence {
    pub left: QuantityLit,
    pub right: QuantityLit,
    pub text: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indication {
    pub label: Ident,
    pub title: Str,
    pub items: Vec<IndicationItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IndicationItem {
    Applies { expr: Expr, span: Span },
    Duration(DurationLit),
    Criteria(Section),
    Dosing(Section),
    Reauthorization(Reauthorization),
}

/// Criteria for continued therapy, with their own duration.
#[derive(Debug, Clone, PartialEq)]
pub struct Reauthorization {
    pub label: Ident,
    pub title: Str,
    pub items: Vec<IndicationItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    pub amount: NumberLit,
    pub unit: Ident,
    pub span: Span,
}

/// `criteria "sentence": body` or `dosing "sentence": body`.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub text: Option<Str>,
    pub body: Body,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Body {
    Group(Group),
    Expr(Expr),
    Referral(Referral),
}

/// An outcome that leaves the decision to people.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    /// `None`: refer to a clinician; `Some(to)`: redirect to another review.
    pub redirect: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    AllOf,
    OneOf,
    NoneOf,
}

impl GroupKind {
    pub fn keyword(self) -> &'static str {
        match self {
            GroupKind::AllOf => "all of",
            GroupKind::OneOf => "one of",
            GroupKind::NoneOf => "none of",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub kind: GroupKind,
    pub nodes: Vec<Node>,
    pub span: Span,
}

/// A labelled criterion or group: `iii "Patient has tried ...": prior_therapies at least 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub label: Ident,
    pub text: Str,
    pub guard: Option<Expr>,
    /// `if ...`: the requirement applies only if this holds; otherwise it is met.
    pub only_if: Option<Expr>,
    pub body: Body,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl CmpOp {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetQuant {
    Any,
    All,
    None,
}

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Expr {
    And(Vec<Expr>, Span),
    Or(Vec<Expr>, Span),
    Not(Box<Expr>, Span),
    /// `route is intravenous`, `route is not x`, `diagnosis is one of [a, b]`
    Membership {
        fact: Ident,
        negated: bool,
        values: Vec<Ident>,
        /// The values are a definition's parameter (`is one of specialties`), not a literal list.
        param: bool,
        span: Span,
    },
    /// `extent has any of [a, b]`, `consultants has oncologist`
    SetTest {
        fact: Ident,
        quant: SetQuant,
        values: Vec<Ident>,
        /// The values are a definition's parameter (`has any of specialties`).
        param: bool,
        span: Span,
    },
    Compare {
        left: ValueExpr,
        op: CmpOp,
        right: ValueExpr,
        condition: bool,
        span: Span,
    },
    Known {
        fact: Ident,
        negated: bool,
        span: Span,
    },
    /// A yes/no fact on its own.
    FactTest(Ident),
    /// `meets 1.A`: the criteria under that label hold.
    Meets {
        label: String,
        span: Span,
    },
    /// `prescribed_by_or_with([oncologist])`
    UseDefine {
        name: Ident,
        args: Vec<DefineArg>,
        span: Span,
    },
}

/// An argument to a definition: a list of values, or a value.
#[derive(Debug, Clone, PartialEq)]
pub enum DefineArg {
    List(Vec<Ident>, Span),
    Value(ValueExpr),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::And(_, s) | Expr::Or(_, s) | Expr::Not(_, s) => *s,
            Expr::Membership { span, .. }
            | Expr::SetTest { span, .. }
            | Expr::Compare { span, .. }
            | Expr::Known { span, .. }
            | Expr::Meets { span, .. }
            | Expr::UseDefine { span, .. } => *span,
            Expr::FactTest(id) => id.span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueExpr {
    Fact(Ident),
    Quantity(QuantityLit),
    Date(DateLit),
    Call {
        name: Ident,
        args: Vec<ValueExpr>,
        span: Span,
    },
    Binary {
        op: ArithOp,
        left: Box<ValueExpr>,
        right: Box<ValueExpr>,
        span: Span,
    },
}

impl ValueExpr {
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
    pub text: String,
    pub scale: Option<String>,
    pub span: Span,
}

/// `600,000 IU/kg (0.037 mg/kg)`
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityLit {
    pub number: NumberLit,
    pub unit: Option<UnitExpr>,
    pub alt: Option<(NumberLit, UnitExpr)>,
    pub span: Span,
}
