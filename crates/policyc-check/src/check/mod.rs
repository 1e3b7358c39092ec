//! The type checker, which also lowers the checked AST to the IR.
//!
//! It reports every error of a file in one run: each declaration and each condition is checked on
//! its own, and a failure in one does not hide the others. The IR is produced only when there is no
//! error.

mod cond;
mod declare;
mod derive;
mod limits;
mod literals;
mod structure;

pub use policyc_ir::dates::{date_from_days, days_since_epoch};
use policyc_ir::ir::{self, Calc, FactType};
use policyc_ir::units::{Base, Dim, Unit};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The result of checking a file: the program when there is no error, and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    pub program: Option<ir::Program>,
    pub diagnostics: Vec<Diagnostic>,
    /// The file is a library (no program is produced for it).
    pub library: bool,
    /// Where each label and fact is written, for later passes (lints) that report on the IR.
    pub spans: SpanIndex,
}

/// Source locations of the names the IR keeps: labels (full, `1.A.iii`) and facts.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    pub labels: BTreeMap<String, Span>,
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
}

/// An `import` of a policy file: the library it names, loaded, or why it could not be.
pub struct Import {
    /// The `import` statement in the importing file.
    pub span: Span,
    pub path: String,
    /// The library's items (its own imports already merged in), or the problem loading it.
    pub items: Result<Vec<Item>, ImportProblem>,
}

pub enum ImportProblem {
    Missing(String),
    Cycle(Vec<String>),
    /// A circle found further down the chain of imports, already described.
    CycleBelow(String),
    NotALibrary,
    HasErrors(usize, String),
}

const BUILTIN_TYPES: &[&str] = &["boolean", "count", "number", "date", "documentation"];
const FUNCTIONS: &[&str] = &["age_in_years", "bsa_mosteller", "date_of_service"];

/// Check a parsed file (with no imports) and lower it to IR.
pub fn check(file: &File) -> Checked {
    check_with_imports(file, Vec::new())
}

/// Check a parsed file whose imports have been loaded, and lower it to IR.
pub fn check_with_imports(file: &File, imports: Vec<Import>) -> Checked {
    let mut problems = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    for imp in imports {
        match imp.items {
            Ok(lib) => {
                for mut it in lib {
                    if matches!(it, Item::Library(_) | Item::Import(_)) {
                        continue;
                    }
                    policyc_syntax::respan::item(&mut it, imp.span);
                    items.push(it);
                }
            }
            Err(p) => problems.push(import_problem(&imp.path, imp.span, p)),
        }
    }
    let n_imported = items.len();
    items.extend(
        file.items
            .iter()
            .filter(|i| !matches!(i, Item::Import(_)))
            .cloned(),
    );
    let merged = File { items };
    let mut checked = check_merged(&merged, n_imported);
    if !problems.is_empty() {
        // Names the failed library would have declared are reported unknown: say so.
        for d in &mut checked.diagnostics {
            if matches!(
                d.code,
                codes::UNKNOWN_FACT
                    | codes::UNKNOWN_TYPE
                    | codes::UNKNOWN_DEFINE
                    | codes::UNKNOWN_ENUM_VALUE
            ) {
                let help = d.help.take().unwrap_or_default();
                d.help = Some(format!("{help} (an import of this file failed; the name may be declared in that library)"));
            }
        }
    }
    checked.diagnostics.extend(problems);
    checked
        .diagnostics
        .sort_by_key(|d| (d.primary.span.start, d.code));
    if checked.diagnostics.iter().any(|d| d.is_error()) {
        checked.program = None;
    }
    checked
}

fn import_problem(path: &str, span: Span, p: ImportProblem) -> Diagnostic {
    match p {
        ImportProblem::Missing(why) => Diagnostic::error(codes::IMPORT, format!("cannot import `{path}`: {why}"), span, "no such library")
            .with_help("the path is relative to the importing file; check its spelling and that the library exists"),
        ImportProblem::Cycle(chain) => Diagnostic::error(codes::IMPORT_CYCLE, format!("imports form a circle: {}", chain.join(" → ")), span, "this import leads back to the importing file")
            .with_help("move the shared declarations into one library that both files import"),
        ImportProblem::CycleBelow(message) => Diagnostic::error(codes::IMPORT_CYCLE, message, span, "this import leads into a circle of imports")
            .with_help("move the shared declarations into one library that both files import"),
        ImportProblem::NotALibrary => Diagnostic::error(codes::IMPORT, format!("`{path}` is a policy, not a library: only libraries can be imported"), span, "not a library")
            .with_help("move the shared enumerations, facts and definitions into a file that starts with `library name \"description\"`"),
        ImportProblem::HasErrors(n, first) => Diagnostic::error(codes::IMPORT, format!("library `{path}` has {n} error{}; the first: {first}", if n == 1 { "" } else { "s" }), span, "library with errors")
            .with_help(format!("run `policyc check {path}` to see them")),
    }
}

fn check_merged(file: &File, n_imported: usize) -> Checked {
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
        imported: (0..n_imported).collect(),
        defines: HashMap::new(),
        compiled: HashMap::new(),
        reauthorization: file.items.iter().any(|i| match i {
            Item::Indication(ind) => ind
                .items
                .iter()
                .any(|x| matches!(x, IndicationItem::Reauthorization(_))),
            _ => false,
        }),
    };
    let library = file.items.iter().any(|i| matches!(i, Item::Library(_)));
    let meta = if library {
        c.library_checks()
    } else {
        c.header()
    };
    c.declare_enums();
    c.declare_facts();
    c.declare_defines();
    let equivalences = c.equivalences();
    c.compute_alternates();
    let derived = c.derived_facts();
    let indications = c.indications();
    let facts = c.fact_defs(derived);
    let has_error = c.diags.iter().any(|d| d.is_error());
    let program = match (meta, has_error) {
        (Some(policy), false) => Some(ir::Program {
            format: ir::FORMAT.to_string(),
            format_version: ir::FORMAT_VERSION,
            policy,
            enums: c.enums,
            facts,
            equivalences,
            indications,
        }),
        _ => None,
    };
    let spans = SpanIndex {
        labels: c.labels.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        facts: c
            .facts
            .iter()
            .filter(|f| !f.imported && f.name != AUTHORIZATION)
            .map(|f| (f.name.clone(), f.span))
            .collect(),
    };
    let mut diagnostics = c.diags;
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.code));
    Checked {
        program: if library { None } else { program },
        diagnostics,
        spans,
        library,
    }
}

/// The fact that tells initial authorization from reauthorization, declared by the compiler when a
/// policy has reauthorization criteria.
pub const AUTHORIZATION: &str = "authorization";

impl Checker<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn fact_defs(&self, mut derived: Vec<Option<Calc>>) -> Vec<ir::FactDef> {
        self.facts
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let decl = match self.file.items.get(f.item) {
                    Some(Item::Fact(d)) => Some(d),
                    _ => None,
                };
                let ty = match f.ty {
                    Ty::Bool if f.documentation => FactType::Documentation,
                    Ty::Bool | Ty::Error => FactType::Boolean,
                    Ty::Count => FactType::Count,
                    Ty::Number => FactType::Number,
                    Ty::Date => FactType::Date,
                    Ty::Enum(e) => FactType::Enum { enum_index: e },
                    Ty::Set(e) => FactType::Set { enum_index: e },
                    Ty::Quantity(_) => FactType::Quantity {
                        unit: f.unit.clone().unwrap_or(Unit {
                            code: "1".into(),
                            written: "1".into(),
                            dim: Dim::NONE,
                            factor: Decimal::ONE,
                        }),
                        alternates: self.alternates.get(i).cloned().unwrap_or_default(),
                    },
                };
                ir::FactDef {
                    name: f.name.clone(),
                    description: match decl {
                        Some(d) => d.description.value.clone(),
                        None if f.name == AUTHORIZATION => "Whether the request is for initial authorization or reauthorization (continued therapy)".into(),
                        None => String::new(),
                    },
                    ty,
                    derived: derived.get_mut(i).and_then(|d| d.take()),
                }
            })
            .collect()
    }

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
