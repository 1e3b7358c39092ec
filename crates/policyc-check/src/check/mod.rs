//! The type checker, which also lowers the checked AST to the IR.
//!
//! It reports every error of a file in one run: each declaration and each condition is checked on
//! its own, and a failure in one does not hide the others. The IR is produced only when there is no
//! error.

mod declare;
mod derive;
mod limits;
mod literals;

pub use policyc_ir::dates::{date_from_days, days_since_epoch};
use policyc_ir::ir::{self, Calc, Cond, Const, FactType, Limit};
use policyc_ir::units::{Base, Dim, Unit};
use policyc_syntax::ast::{self, *};
use policyc_syntax::diag::{codes, did_you_mean, Diagnostic};
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

    // ------------------------------------------------------------------ indications
    fn indications(&mut self) -> Vec<ir::IndicationDef> {
        let mut out = Vec::new();
        let file = self.file;
        let inds: Vec<&Indication> = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Indication(x) => Some(x),
                _ => None,
            })
            .collect();
        if inds.is_empty() && file.items.iter().any(|i| matches!(i, Item::Policy(_))) {
            let span = file
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Policy(h) => Some(h.id.span),
                    _ => None,
                })
                .unwrap_or_default();
            self.err(
                Diagnostic::error(codes::NO_INDICATIONS, "this policy has no indications", span, "nothing can be approved under this policy")
                    .with_help("add an `indication 1 \"...\" { ... }` block for each numbered indication of the document"),
            );
        }
        for ind in inds {
            if let Some(first) = self.labels.get(&ind.label.name) {
                let first = *first;
                self.err(
                    Diagnostic::error(
                        codes::DUPLICATE_INDICATION,
                        format!("indication `{}` is numbered twice", ind.label.name),
                        ind.label.span,
                        "second indication with this number",
                    )
                    .with_label(first, "first one")
                    .with_help("number the indications as the document does: 1, 2, 3"),
                );
            } else {
                self.labels.insert(ind.label.name.clone(), ind.label.span);
                // A duplicate is not lowered: its labels would all repeat the first one's.
                out.extend(self.indication(ind));
            }
        }
        out
    }

    /// An indication: its initial criteria and, if it has any, its reauthorization criteria, each
    /// lowered to an [`ir::IndicationDef`] of its own.
    fn indication(&mut self, ind: &Indication) -> Vec<ir::IndicationDef> {
        let mut applies = None;
        let mut applies_ok = true;
        for item in &ind.items {
            if let IndicationItem::Applies { expr, span } = item {
                if applies.is_some() {
                    self.err(
                        Diagnostic::error(codes::DUPLICATE_SECTION, format!("indication {} has two `applies when` sections", ind.label.name), *span, "second one")
                            .with_help("combine them into one `applies when`, joining the conditions with `or`"),
                    );
                    continue;
                }
                applies = self.cond(expr, false);
                applies_ok &= applies.is_some();
            }
        }
        let phase_cond = |c: &Self, initial: bool| -> Option<Cond> {
            let slot = *c.fact_index.get(AUTHORIZATION)?;
            Some(Cond::EnumIn {
                fact: slot,
                mask: if initial { 1 } else { 2 },
                values: vec![if initial {
                    "initial"
                } else {
                    "reauthorization"
                }
                .into()],
            })
        };
        // Only an indication with reauthorization criteria tells the phases apart; the criteria of
        // one without serve initial and continued therapy alike ("extended approvals are allowed
        // if the patient continues to meet the criteria").
        let has_reauth = ind
            .items
            .iter()
            .any(|x| matches!(x, IndicationItem::Reauthorization(_)));
        let with_phase = |c: &Self, initial: bool| -> Option<Cond> {
            match (
                applies.clone(),
                has_reauth.then(|| phase_cond(c, initial)).flatten(),
            ) {
                (Some(a), Some(p)) => Some(Cond::All { all: vec![a, p] }),
                (a, p) => a.or(p),
            }
        };
        let mut out = Vec::new();
        let initial_applies = with_phase(self, true);
        if let Some(def) = self.phase(
            &ind.label.name,
            &ind.label,
            &ind.title.value,
            &ind.items,
            initial_applies,
            None,
        ) {
            out.push(def);
        }
        for item in &ind.items {
            if let IndicationItem::Reauthorization(r) = item {
                let label = format!("{}.{}", ind.label.name, r.label.name);
                if let Some(first) = self.labels.get(&label) {
                    let first = *first;
                    self.err(
                        Diagnostic::error(codes::DUPLICATE_LABEL, format!("label {label} is used twice"), r.label.span, "second use")
                            .with_label(first, "first use")
                            .with_help("give the reauthorization criteria a label of their own, e.g. `reauthorization R \"Reauthorization\" { ... }`"),
                    );
                    continue;
                }
                self.labels.insert(label.clone(), r.label.span);
                let title = format!("{} — {}", ind.title.value, r.title.value);
                let applies = with_phase(self, false);
                if let Some(def) = self.phase(
                    &label,
                    &r.label,
                    &title,
                    &r.items,
                    applies,
                    Some(ind.label.name.clone()),
                ) {
                    out.push(def);
                }
            }
        }
        if !applies_ok {
            return Vec::new();
        }
        out
    }

    /// One phase (initial or reauthorization) of an indication.
    fn phase(
        &mut self,
        label: &str,
        at: &Ident,
        title: &str,
        items: &[IndicationItem],
        applies: Option<Cond>,
        reauthorization_of: Option<String>,
    ) -> Option<ir::IndicationDef> {
        let mut duration = None;
        let mut criteria = None;
        let mut dosing = None;
        let what = match &reauthorization_of {
            Some(_) => format!("reauthorization {label}"),
            None => format!("indication {label}"),
        };
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut ok = true;
        for item in items {
            let (key, span) = match item {
                IndicationItem::Applies { .. } | IndicationItem::Reauthorization(_) => continue,
                IndicationItem::Duration(d) => ("approve for", d.span),
                IndicationItem::Criteria(s) => ("criteria", s.span),
                IndicationItem::Dosing(s) => ("dosing", s.span),
            };
            if let Some(first) = seen.get(key) {
                let first = *first;
                self.err(
                    Diagnostic::error(codes::DUPLICATE_SECTION, format!("{what} has two `{key}` sections"), span, "second one")
                        .with_label(first, "first one")
                        .with_help(format!("combine them into one `{key}`; use `all of {{ ... }}` to require several things")),
                );
                ok = false;
                continue;
            }
            seen.insert(key, span);
            match item {
                IndicationItem::Duration(d) => duration = self.duration(d),
                IndicationItem::Criteria(s) => criteria = self.section(s, label, false),
                IndicationItem::Dosing(s) => {
                    let dl = format!("{label}.Dosing");
                    let at = Span::new(s.span.start, s.span.start + "dosing".len());
                    self.labels.entry(dl.clone()).or_insert(at);
                    dosing = self.section(s, &dl, true)
                }
                _ => {}
            }
        }
        if !seen.contains_key("approve for") {
            self.err(
                Diagnostic::error(
                    codes::MISSING_DURATION,
                    format!("{what} (\"{title}\") has no approval duration"),
                    at.span,
                    "no `approve for` here",
                )
                .with_help(
                    "state how long an approval lasts, as the document does: `approve for 1 year`",
                ),
            );
            ok = false;
        }
        if !seen.contains_key("criteria") {
            self.err(
                Diagnostic::error(
                    codes::MISSING_CRITERIA,
                    format!("{what} (\"{title}\") has no criteria"),
                    at.span,
                    "no `criteria` here",
                )
                .with_help(
                    "add `criteria \"...\": all of { ... }` with the document's lettered criteria",
                ),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        Some(ir::IndicationDef {
            label: label.to_string(),
            title: title.to_string(),
            reauthorization_of,
            applies,
            duration: duration?,
            criteria: criteria?,
            dosing,
        })
    }

    fn duration(&mut self, d: &DurationLit) -> Option<ir::DurationDef> {
        let unit = match d.unit.name.trim_end_matches('s') {
            "year" => ir::DurationUnit::Year,
            "month" => ir::DurationUnit::Month,
            "week" => ir::DurationUnit::Week,
            _ => ir::DurationUnit::Day,
        };
        let amount = self.number(&d.amount)?;
        match u32::try_from(amount.normalize().mantissa())
            .ok()
            .filter(|n| *n > 0 && amount.normalize().scale() == 0 && *n <= 100)
        {
            Some(n) => Some(ir::DurationDef { amount: n, unit }),
            None => {
                self.err(
                    Diagnostic::error(codes::BAD_DURATION, format!("`{}` is not a usable approval duration", d.amount.text), d.amount.span, "not a whole number from 1 to 100")
                        .with_help("write a whole number of years, months, weeks or days, e.g. `approve for 6 months`"),
                );
                None
            }
        }
    }

    fn section(&mut self, s: &Section, label: &str, dosing: bool) -> Option<ir::Node> {
        let text = s.text.as_ref().map(|t| t.value.clone()).unwrap_or_default();
        let body = self.body(&s.body, label, dosing)?;
        let node = ir::Node {
            label: label.to_string(),
            text,
            guard: None,
            only_if: None,
            body,
        };
        self.compiled.insert(label.to_string(), node.clone());
        Some(node)
    }

    fn body(&mut self, b: &Body, label: &str, dosing: bool) -> Option<ir::NodeBody> {
        match b {
            Body::Expr(e) => Some(ir::NodeBody::Condition {
                condition: self.cond(e, dosing)?,
            }),
            Body::Referral(r) => Some(ir::NodeBody::Referral {
                redirect: r.redirect.as_ref().map(|t| t.value.clone()),
            }),
            Body::Group(g) => {
                if g.nodes.is_empty() {
                    self.err(
                        Diagnostic::error(
                            codes::EMPTY_GROUP,
                            format!("`{}` group of {label} lists nothing", g.kind.keyword()),
                            g.span,
                            "empty group",
                        )
                        .with_help(
                            "list the labelled criteria inside the braces, or remove the group",
                        ),
                    );
                    return None;
                }
                let mut children = Vec::new();
                let mut ok = true;
                for n in &g.nodes {
                    match self.node(n, label, dosing) {
                        Some(c) => children.push(c),
                        None => ok = false,
                    }
                }
                ok.then_some(ir::NodeBody::Group {
                    of: g.kind,
                    children,
                })
            }
        }
    }

    fn node(&mut self, n: &ast::Node, parent: &str, dosing: bool) -> Option<ir::Node> {
        let full = format!("{parent}.{}", n.label.name);
        if let Some(first) = self.labels.get(&full) {
            let first = *first;
            self.err(
                Diagnostic::error(codes::DUPLICATE_LABEL, format!("label {full} is used twice"), n.label.span, "second use")
                    .with_label(first, "first use")
                    .with_help("labels follow the document's numbering and are unique: check for a copy-paste slip (i, ii, iii, ...)"),
            );
        } else {
            self.labels.insert(full.clone(), n.label.span);
        }
        let guard = n.guard.as_ref().map(|g| self.cond(g, false));
        let only_if = n.only_if.as_ref().map(|g| self.cond(g, false));
        let body = self.body(&n.body, &full, dosing);
        let guard = match guard {
            Some(g) => Some(g?),
            None => None,
        };
        let only_if = match only_if {
            Some(g) => Some(g?),
            None => None,
        };
        let node = ir::Node {
            label: full.clone(),
            text: n.text.value.clone(),
            guard,
            only_if,
            body: body?,
        };
        self.compiled.insert(full, node.clone());
        Some(node)
    }

    // ------------------------------------------------------------------ conditions
    fn cond(&mut self, e: &Expr, dosing: bool) -> Option<Cond> {
        match e {
            Expr::Meets { label, span } => {
                let Some(n) = self.compiled.get(label).cloned() else {
                    let known: Vec<String> = self.compiled.keys().cloned().collect();
                    let help = match did_you_mean(label, known.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `meets {s}`? A criterion can refer only to criteria written above it"),
                        None => "`meets` names the full label of criteria written above it in this policy, e.g. `meets 1.A`".into(),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNKNOWN_LABEL,
                            format!("there are no criteria labelled {label} above this line"),
                            *span,
                            "unknown label",
                        )
                        .with_help(help),
                    );
                    return None;
                };
                match node_cond(&n) {
                    Some(c) => Some(c),
                    None => {
                        self.err(
                            Diagnostic::error(codes::UNKNOWN_LABEL, format!("criteria {label} leave the decision to people (`refer` or `redirect`), so they cannot be met by reference"), *span, "refers to a referral")
                                .with_help("refer to the criteria inside it that decide automatically"),
                        );
                        None
                    }
                }
            }
            Expr::UseDefine { name, args, span } => {
                let Some((def, imported)) = self.defines.get(&name.name).copied() else {
                    let known: Vec<String> = self
                        .defines
                        .keys()
                        .cloned()
                        .chain(FUNCTIONS.iter().map(|s| s.to_string()))
                        .collect();
                    let help = match did_you_mean(&name.name, known.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("define it: `define {}(...) \"what it means\" = condition`, or import the library that defines it", name.name),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNKNOWN_DEFINE,
                            format!("`{}` is not defined", name.name),
                            name.span,
                            "not defined",
                        )
                        .with_help(help),
                    );
                    return None;
                };
                if def.params.len() != args.len() {
                    let params: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
                    self.err(
                        Diagnostic::error(
                            codes::BAD_ARGUMENTS,
                            format!(
                                "`{}` takes {} argument{}, but is given {}",
                                name.name,
                                params.len(),
                                if params.len() == 1 { "" } else { "s" },
                                args.len()
                            ),
                            *span,
                            "wrong number of arguments",
                        )
                        .with_help(format!(
                            "write `{}({})`",
                            name.name,
                            params.join(", ")
                        )),
                    );
                    return None;
                }
                let mut body = def.body.clone();
                let bindings: HashMap<&str, &DefineArg> = def
                    .params
                    .iter()
                    .map(|p| p.name.as_str())
                    .zip(args.iter())
                    .collect();
                if let Err((bad, why)) = policyc_syntax::respan::substitute(&mut body, &bindings) {
                    self.err(Diagnostic::error(codes::BAD_ARGUMENTS, format!("argument `{bad}` of `{}`: {why}", name.name), *span, "this use").with_help("pass a list `[a, b]` where the definition tests membership, and a value where it compares"));
                    return None;
                }
                if imported {
                    // The definition's text is in another file: point at this use.
                    policyc_syntax::respan::expr(&mut body, *span);
                }
                self.cond(&body, dosing)
            }
            Expr::And(parts, _) | Expr::Or(parts, _) => {
                let cs: Vec<Option<Cond>> = parts.iter().map(|p| self.cond(p, dosing)).collect();
                let cs: Vec<Cond> = cs.into_iter().collect::<Option<_>>()?;
                Some(if matches!(e, Expr::And(..)) {
                    Cond::All { all: cs }
                } else {
                    Cond::Any { any: cs }
                })
            }
            Expr::Not(inner, _) => Some(Cond::Not {
                not: Box::new(self.cond(inner, dosing)?),
            }),
            Expr::FactTest(id) => {
                let slot = self.fact(id)?;
                if self.facts[slot as usize].ty != Ty::Bool {
                    let t = self.describe_fact_type(slot);
                    self.err(
                        Diagnostic::error(codes::NOT_BOOLEAN, format!("`{}` is {t}, not a yes/no fact, so it cannot stand alone as a condition", id.name), id.span, "not yes/no")
                            .with_help(format!("compare it with something, e.g. `{} at least ...` or `{} is ...`", id.name, id.name)),
                    );
                    return None;
                }
                Some(Cond::IsTrue { fact: slot })
            }
            Expr::Known { fact, negated, .. } => {
                let slot = self.fact(fact)?;
                let c = Cond::Known { fact: slot };
                Some(if *negated {
                    Cond::Not { not: Box::new(c) }
                } else {
                    c
                })
            }
            Expr::Membership {
                fact,
                negated,
                values,
                span,
                ..
            } => {
                let slot = self.fact(fact)?;
                let c = match self.facts[slot as usize].ty {
                    Ty::Enum(en) => {
                        let mask = self.enum_mask(en, values)?;
                        Cond::EnumIn {
                            fact: slot,
                            mask,
                            values: values.iter().map(|v| v.name.clone()).collect(),
                        }
                    }
                    Ty::Bool if values.len() == 1 => match values[0].name.as_str() {
                        "yes" | "true" => Cond::IsTrue { fact: slot },
                        "no" | "false" => Cond::Not {
                            not: Box::new(Cond::IsTrue { fact: slot }),
                        },
                        other => {
                            self.err(
                                Diagnostic::error(
                                    codes::TYPE_MISMATCH,
                                    format!(
                                        "`{}` is a yes/no fact; `{other}` is not yes or no",
                                        fact.name
                                    ),
                                    values[0].span,
                                    "not yes or no",
                                )
                                .with_help(format!(
                                    "write `{} is yes`, `{} is no`, or just `{}`",
                                    fact.name, fact.name, fact.name
                                )),
                            );
                            return None;
                        }
                    },
                    Ty::Set(_) => {
                        self.err(
                            Diagnostic::error(
                                codes::NOT_ENUM,
                                format!(
                                    "`{}` is a set of values, so `is` does not apply",
                                    fact.name
                                ),
                                *span,
                                "a set",
                            )
                            .with_help(format!(
                                "test its members with `{} has {}` or `{} has any of [...]`",
                                fact.name,
                                values.first().map(|v| v.name.as_str()).unwrap_or("value"),
                                fact.name
                            )),
                        );
                        return None;
                    }
                    _ => {
                        // `age is 18 years` and the like parse as a value; `age is adult` does not.
                        let t = self.describe_fact_type(slot);
                        let v = values.first().map(|v| v.name.clone()).unwrap_or_default();
                        self.err(
                            Diagnostic::error(codes::NOT_ENUM, format!("`{}` is {t}; `{v}` is not a value it can take", fact.name), *span, "not an enumeration")
                                .with_help("`is` with a name tests an enumeration fact; compare numbers and quantities with `at least`, `at most`, `=`"),
                        );
                        return None;
                    }
                };
                Some(if *negated {
                    Cond::Not { not: Box::new(c) }
                } else {
                    c
                })
            }
            Expr::SetTest {
                fact,
                quant,
                values,
                span,
                ..
            } => {
                let slot = self.fact(fact)?;
                let Ty::Set(en) = self.facts[slot as usize].ty else {
                    let t = self.describe_fact_type(slot);
                    let help = if matches!(self.facts[slot as usize].ty, Ty::Enum(_)) {
                        format!("`{}` holds one value: test it with `{} is ...` or `{} is one of [...]`", fact.name, fact.name, fact.name)
                    } else {
                        "`has` tests a fact declared as `set of` an enumeration".to_string()
                    };
                    self.err(
                        Diagnostic::error(
                            codes::NOT_SET,
                            format!("`{}` is {t}, not a set of values", fact.name),
                            *span,
                            "not a set",
                        )
                        .with_help(help),
                    );
                    return None;
                };
                let mask = self.enum_mask(en, values)?;
                Some(Cond::SetHas {
                    fact: slot,
                    quant: *quant,
                    mask,
                    values: values.iter().map(|v| v.name.clone()).collect(),
                })
            }
            Expr::Compare {
                left,
                op,
                right,
                condition,
                span,
            } => self.compare(left, *op, right, *condition, *span, dosing),
        }
    }

    fn enum_mask(&mut self, en: u32, values: &[Ident]) -> Option<u128> {
        let mut mask = 0u128;
        let mut ok = true;
        for v in values {
            let def = &self.enums[en as usize];
            match def.values.iter().position(|x| x.name == v.name) {
                Some(i) => mask |= 1u128 << i,
                None => {
                    let name = def.name.clone();
                    let listed: Vec<String> = def.values.iter().map(|x| x.name.clone()).collect();
                    let help = match did_you_mean(&v.name, listed.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "`{name}` lists: {}; add `{}` to it if the policy names it",
                            listed.join(", "),
                            v.name
                        ),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNKNOWN_ENUM_VALUE,
                            format!("`{}` is not a value of `{name}`", v.name),
                            v.span,
                            format!("not in `{name}`"),
                        )
                        .with_help(help),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(mask)
    }

    fn compare(
        &mut self,
        left: &ValueExpr,
        op: CmpOp,
        right: &ValueExpr,
        condition: bool,
        span: Span,
        dosing: bool,
    ) -> Option<Cond> {
        if condition && !dosing {
            self.err(
                Diagnostic::error(codes::BAD_CONDITION, "only a dosing limit can be carried as a condition of approval", span, "in the criteria")
                    .with_help("remove `, as a condition of approval`, or move this limit into the indication's `dosing`"),
            );
            return None;
        }
        // `route = intravenous`: an enumeration value on the right.
        if let (ValueExpr::Fact(f), ValueExpr::Fact(v)) = (left, right) {
            if let (Some(&slot), None) =
                (self.fact_index.get(&f.name), self.fact_index.get(&v.name))
            {
                if let Ty::Enum(en) = self.facts[slot as usize].ty {
                    if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                        let mask = self.enum_mask(en, std::slice::from_ref(v))?;
                        let c = Cond::EnumIn {
                            fact: slot,
                            mask,
                            values: vec![v.name.clone()],
                        };
                        return Some(if op == CmpOp::Ne {
                            Cond::Not { not: Box::new(c) }
                        } else {
                            c
                        });
                    }
                }
            }
        }
        let (fact_side, other, op) = match (left, right) {
            (ValueExpr::Fact(_), _) => (left, right, op),
            (_, ValueExpr::Fact(_)) => (right, left, flip(op)),
            _ => {
                self.err(
                    Diagnostic::error(codes::NOT_A_LIMIT, "a comparison needs a fact on one side", span, "no fact here")
                        .with_help("compare a fact with a value (`age at least 18 years`); compute anything else as a derived fact: `fact dose_per_kg: [IU]/kg \"...\" = dose / body_weight`"),
                );
                return None;
            }
        };
        let ValueExpr::Fact(fid) = fact_side else {
            return None;
        };
        let slot = self.fact(fid)?;
        let fty = self.facts[slot as usize].ty;
        if let ValueExpr::Fact(oid) = other {
            let oslot = self.fact(oid)?;
            let oty = self.facts[oslot as usize].ty;
            if !same_type(fty, oty) {
                self.mismatch(fid, slot, other.span(), &self.describe_fact_type(oslot));
                return None;
            }
            if condition {
                self.err(
                    Diagnostic::error(
                        codes::BAD_CONDITION,
                        "a condition of approval compares a fact with a stated limit",
                        span,
                        "two facts",
                    )
                    .with_help("compare the fact with a value, e.g. `rest_days at least 9 days`"),
                );
                return None;
            }
            return Some(Cond::CompareFacts {
                left: slot,
                op,
                right: oslot,
            });
        }
        let limit = match other {
            ValueExpr::Quantity(_) if fty == Ty::Date => {
                self.err(
                    Diagnostic::error(codes::TYPE_MISMATCH, format!("`{}` is a date, but is compared with a quantity", fid.name), other.span(), "a quantity, not a date")
                        .with_label(fid.span, "a date")
                        .with_help(format!("compare a date with a date (`{} at least 2020-01-01`); for an age, compare `age` (computed from the date of birth) with years", fid.name)),
                );
                return None;
            }
            ValueExpr::Quantity(q) => self.limit(fid, slot, q)?,
            ValueExpr::Date(d) => {
                let date = self.date(d)?;
                if fty != Ty::Date {
                    self.mismatch(fid, slot, d.span, "a date");
                    return None;
                }
                Limit {
                    value: Const::Date(days_since_epoch(date)),
                    text: d.text.clone(),
                    alternates: Vec::new(),
                }
            }
            _ => {
                self.err(
                    Diagnostic::error(codes::NOT_A_LIMIT, "a fact can be compared with a stated value or another fact, not a formula", other.span(), "a formula")
                        .with_help("declare a derived fact for the formula (`fact x: ... = ...`) and compare that"),
                );
                return None;
            }
        };
        if matches!(fty, Ty::Bool | Ty::Enum(_) | Ty::Set(_)) {
            self.mismatch(fid, slot, other.span(), "a number");
            return None;
        }
        Some(Cond::Compare {
            fact: slot,
            op,
            limit,
            condition,
        })
    }

    fn mismatch(&mut self, fid: &Ident, slot: u32, other: Span, other_desc: &str) {
        let t = self.describe_fact_type(slot);
        self.err(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!("`{}` is {t}, but is compared with {other_desc}", fid.name),
                other,
                format!("this is {other_desc}"),
            )
            .with_label(fid.span, format!("this is {t}"))
            .with_help("compare facts only with values of their own type"),
        );
    }
}

/// A node as a plain condition (for `meets`); `None` if it contains a referral.
fn node_cond(n: &ir::Node) -> Option<Cond> {
    let body = match &n.body {
        ir::NodeBody::Condition { condition } => condition.clone(),
        ir::NodeBody::Referral { .. } => return None,
        ir::NodeBody::Group { of, children } => {
            let cs: Vec<Cond> = children.iter().map(node_cond).collect::<Option<_>>()?;
            match of {
                GroupKind::AllOf => Cond::All { all: cs },
                GroupKind::OneOf => Cond::Any { any: cs },
                GroupKind::NoneOf => Cond::Not {
                    not: Box::new(Cond::Any { any: cs }),
                },
            }
        }
    };
    let body = match &n.only_if {
        Some(p) => Cond::Any {
            any: vec![
                Cond::Not {
                    not: Box::new(p.clone()),
                },
                body,
            ],
        },
        None => body,
    };
    Some(match &n.guard {
        Some(g) => Cond::All {
            all: vec![g.clone(), body],
        },
        None => body,
    })
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Lt => CmpOp::Gt,
        o => o,
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
