//! The type checker, which also lowers the checked AST to the IR.
//!
//! It reports every error of a file in one run: each declaration and each condition is checked on
//! its own, and a failure in one does not hide the others. The IR is produced only when there is no
//! error.
//!
//! One `Checker` holds what the rooms share (the diagnostics, the symbol tables of enumerations,
//! facts and definitions, the labels seen). Each room is an `impl Checker` block (`imports` is free
//! functions); `check_merged` runs the passes in order:
//!
//! - `imports`: the imported libraries merged ahead of the file's items;
//! - `declare`: the policy header, enumerations, facts with their types and plausible ranges,
//!   definitions;
//! - `extend`: `extend enum` of an enumeration that is not there (the values extensions add are
//!   checked in `declare`, with the enumeration's own);
//! - `literals`: numbers, units, quantities and dates as written;
//! - `limits`: equivalences, alternate dimensions, and quantity limits;
//! - `sources`: where FHIR data states the facts: codes of values and drugs, `from` clauses;
//! - `derive`: formulas of derived facts, and their circles;
//! - `regimen`: the `regimen` declaration, regimens (`240 mg every 2 weeks`) and the phases of a
//!   course (`in phases`), lowered to comparisons and guarded branches;
//! - `structure`: indications, phases, sections and the labelled tree of criteria;
//! - `cond`: the conditions of the criteria;
//! - `lower`: the program assembled, with the spans of its labels and facts.

mod cond;
mod declare;
mod derive;
mod extend;
mod imports;
mod limits;
mod literals;
mod lower;
mod regimen;
mod sources;
mod structure;

pub use imports::{
    amends_entry, check_version, check_with_imports, import_problem, merge_version, Amended,
    Import, ImportProblem,
};
// Dates as day counts, as the IR holds them: kept here for the checker's callers.
pub use policyc_ir::dates::{date_from_days, days_since_epoch};
use policyc_ir::ir;
use policyc_ir::units::{Base, Dim, Unit};
use policyc_syntax::ast::*;
use policyc_syntax::diag::Diagnostic;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The result of checking a file: the program when there is no error, and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    /// The lowered program; `None` when there is any error, and always for a library.
    pub program: Option<ir::Program>,
    /// Every error and warning of the file, and the problems of its imports, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The file is a library (no program is produced for it).
    pub library: bool,
    /// Where each label and fact is written, for later passes (lints) that report on the IR.
    pub spans: SpanIndex,
}

/// Source locations of the names the IR keeps: labels (full, `1.A.iii`) and facts.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    /// Where each label is written, by its full label (`1.A.iii`, `1.Dosing`).
    pub labels: BTreeMap<String, Span>,
    /// Where each fact of this file is declared, by name (not those of imported libraries, nor
    /// the `authorization` fact policyc declares).
    pub facts: BTreeMap<String, Span>,
}

/// The type of a value in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Count,
    Number,
    Date,
    Quantity(Dim),
    Enum(u32),
    Set(u32),
    /// A fact whose type could not be resolved (already reported): it raises no further errors.
    Error,
}

impl Ty {
    fn dim(self) -> Option<Dim> {
        match self {
            Ty::Count | Ty::Number => Some(Dim::NONE),
            Ty::Quantity(d) => Some(d),
            _ => None,
        }
    }
}

struct FactInfo {
    name: String,
    /// Index of its declaration in the (merged) file's items.
    item: usize,
    /// A documentation requirement (`documentation` type), read as yes/no.
    documentation: bool,
    /// Declared in an imported library.
    imported: bool,
    ty: Ty,
    /// The unit the fact is declared in, for messages.
    unit: Option<Unit>,
    span: Span,
}

struct EquivInfo {
    /// Base and canonical amount of each side: `a` of base `x` equals `b` of base `y`.
    x: Base,
    a: Decimal,
    y: Base,
    b: Decimal,
}

/// The state of one check, shared by the rooms: the diagnostics so far and the symbol tables.
struct Checker<'a> {
    diags: Vec<Diagnostic>,
    enums: Vec<ir::EnumDef>,
    enum_index: HashMap<String, u32>,
    facts: Vec<FactInfo>,
    fact_index: HashMap<String, u32>,
    equivs: Vec<EquivInfo>,
    alternates: Vec<Vec<ir::AltDim>>,
    labels: HashMap<String, Span>,
    file: &'a File,
    /// Items that come from imported libraries (their indices in `file.items`).
    imported: std::collections::HashSet<usize>,
    defines: HashMap<String, (&'a DefineDecl, bool)>,
    /// Compiled criteria by full label, for `meets`.
    compiled: HashMap<String, ir::Node>,
    /// Whether any indication has reauthorization criteria (then `authorization` is declared).
    reauthorization: bool,
    /// The definitions being expanded, outermost first (to report one that uses itself).
    expanding: Vec<String>,
    /// How deeply the condition being lowered is nested, definitions and `meets` expanded.
    cond_depth: usize,
    /// Condition nodes lowered so far in the program, definitions and `meets` expanded.
    expanded: usize,
    /// The expansion limit has been reported (once per file is enough).
    expansion_reported: bool,
    /// The use (of a definition or `meets`) in the criteria that the current expansion started at.
    expansion_root: Option<Span>,
    /// Definitions on a circle of uses (reported by `define_cycles`).
    cyclic: std::collections::HashSet<String>,
    /// The owners of codes (`enumeration `Route``) with a code reported as wrong, whose sources
    /// are not reported again for want of codes.
    bad_codes: std::collections::HashSet<String>,
    /// The facts the policy's `regimen` declaration names, when it is well formed.
    regimen: Option<regimen::RegimenFacts>,
    /// Where the `regimen` declaration is, if there is one (well formed or not).
    regimen_declared: Option<Span>,
    /// The regimens lowered since the node being lowered started, for its [`ir::Course`].
    regimens_lowered: Vec<ir::Regimen>,
    /// A regimen without a `regimen` declaration has been reported (once per file is enough).
    regimen_missing_reported: bool,
}

const BUILTIN_TYPES: &[&str] = &["boolean", "count", "number", "date", "documentation"];
const FUNCTIONS: &[&str] = &["age_in_years", "bsa_mosteller", "date_of_service"];

/// Check a parsed file (with no imports) and lower it to IR.
pub fn check(file: &File) -> Checked {
    check_with_imports(file, Vec::new())
}

/// Check a file whose items at the indices `imported` come from its imports (or from the version
/// it amends), pass by pass.
fn check_merged(file: &File, imported: std::collections::HashSet<usize>) -> Checked {
    let mut c = Checker {
        diags: Vec::new(),
        enums: Vec::new(),
        enum_index: HashMap::new(),
        facts: Vec::new(),
        fact_index: HashMap::new(),
        equivs: Vec::new(),
        alternates: Vec::new(),
        labels: HashMap::new(),
        file,
        imported,
        defines: HashMap::new(),
        compiled: HashMap::new(),
        reauthorization: file.items.iter().any(|i| match i {
            Item::Indication(ind) => ind
                .items
                .iter()
                .any(|x| matches!(x, IndicationItem::Reauthorization(_))),
            _ => false,
        }),
        expanding: Vec::new(),
        cond_depth: 0,
        expanded: 0,
        expansion_reported: false,
        cyclic: Default::default(),
        bad_codes: Default::default(),
        expansion_root: None,
        regimen: None,
        regimen_declared: None,
        regimens_lowered: Vec::new(),
        regimen_missing_reported: false,
    };
    let library = file.items.iter().any(|i| matches!(i, Item::Library(_)));
    let meta = if library {
        c.library_checks()
    } else {
        c.header()
    };
    c.declare_enums();
    c.declare_facts();
    c.declare_regimen();
    let ranges = c.fact_ranges();
    let sources = c.fact_sources();
    c.declare_defines();
    c.define_cycles();
    let equivalences = c.equivalences();
    c.compute_alternates();
    let derived = c.derived_facts();
    let indications = c.indications();
    c.check_depths(&indications);
    let per_fact = lower::PerFact {
        derived,
        ranges,
        sources,
    };
    c.lower(library, meta, equivalences, indications, per_fact)
}

/// The fact that tells initial authorization from reauthorization, declared by the compiler when a
/// policy has reauthorization criteria.
pub(crate) const AUTHORIZATION: &str = "authorization";

impl Checker<'_> {
    /// Every lowered indication within the IR's nesting limit, so that the reader reads what the
    /// compiler writes (groups and expanded conditions together may go deeper than either alone).
    fn check_depths(&mut self, indications: &[ir::IndicationDef]) {
        let conditions: usize = indications.iter().map(ir::indication_conditions).sum();
        if conditions > ir::MAX_CONDITIONS && !self.expansion_reported {
            self.expansion_reported = true;
            let span = indications
                .first()
                .and_then(|i| self.labels.get(&i.label).copied())
                .unwrap_or_default();
            self.err(
                Diagnostic::error(
                    policyc_syntax::diag::codes::EXPANSION_LIMIT,
                    format!(
                        "with definitions and `meets` expanded, the criteria hold {conditions} conditions; at most {} are allowed",
                        ir::MAX_CONDITIONS
                    ),
                    span,
                    "the first indication",
                )
                .with_help("use fewer copies of definitions and `meets`, or split the policy"),
            );
        }
        for i in indications {
            let depth = ir::indication_depth(i);
            if depth > ir::MAX_DEPTH {
                let span = self.labels.get(&i.label).copied().unwrap_or_default();
                self.err(
                    Diagnostic::error(
                        policyc_syntax::diag::codes::EXPANSION_LIMIT,
                        format!(
                            "with its definitions and `meets` expanded, indication {} nests {depth} levels deep; at most {} are allowed",
                            i.label,
                            ir::MAX_DEPTH
                        ),
                        span,
                        "too deep once expanded",
                    )
                    .with_help("use fewer levels of groups around the definitions, or flatten the definitions"),
                );
            }
        }
    }

    /// Record a diagnostic.
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// A fact's type in words, with its declared unit, for messages.
    fn describe_fact_type(&self, slot: u32) -> String {
        let f = &self.facts[slot as usize];
        match (&f.unit, f.ty) {
            (Some(u), Ty::Quantity(_)) => format!("a quantity in {} ({})", u.written, u.dim),
            _ => describe_ty(f.ty, &self.enums),
        }
    }
}

fn same_type(a: Ty, b: Ty) -> bool {
    match (a, b) {
        (Ty::Count | Ty::Number, Ty::Count | Ty::Number) => true,
        _ => a == b,
    }
}

fn describe_ty(t: Ty, enums: &[ir::EnumDef]) -> String {
    let en = |i: u32| {
        enums
            .get(i as usize)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    };
    match t {
        Ty::Bool => "a yes/no fact".into(),
        Ty::Count => "a count".into(),
        Ty::Number => "a plain number".into(),
        Ty::Date => "a date".into(),
        Ty::Quantity(d) => format!("a quantity of {d}"),
        Ty::Enum(i) => format!("one value of `{}`", en(i)),
        Ty::Set(i) => format!("a set of `{}` values", en(i)),
        Ty::Error => "of an unresolved type".into(),
    }
}
