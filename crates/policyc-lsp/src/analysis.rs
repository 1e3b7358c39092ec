//! What a document declares and uses, from its syntax tree: the declarations of the file and of
//! the libraries it imports (for hover, definitions and completion), and every name it uses with
//! what the name refers to.

use policyc::ast::{
    Body, DefineArg, DefineDecl, DurationLit, EnumDecl, Expr, FactDecl, File, Ident,
    IndicationItem, Item, QuantityLit, RangeBound, SourceKind, Span, TypeRef, UnitExpr, ValueExpr,
};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// A file whose declarations are known: the document (always the first) or a library it imports.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it is on disk (`None` for an unsaved document).
    pub path: Option<PathBuf>,
    /// Its text.
    pub text: String,
}

/// A declaration and the file (an index into [`Symbols::files`]) it is written in.
#[derive(Debug, Clone)]
pub struct Decl<T> {
    /// The declaration.
    pub decl: T,
    /// Its file.
    pub file: usize,
}

/// The declarations a document can use: its own, then those of its libraries (its own win).
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    /// The document (index 0) and each library read.
    pub files: Vec<Source>,
    /// Facts by name.
    pub facts: BTreeMap<String, Decl<FactDecl>>,
    /// Enumerations by name.
    pub enums: BTreeMap<String, Decl<EnumDecl>>,
    /// Definitions by name.
    pub defines: BTreeMap<String, Decl<DefineDecl>>,
    /// The labels of the document's criteria.
    pub labels: Vec<crate::labels::LabelDecl>,
    /// The document's own imports that lead to a file, as written → the file (canonical path),
    /// whether or not it reads as a library.
    pub imports: BTreeMap<String, PathBuf>,
}

impl Symbols {
    /// The declarations of `file` (the parsed `text` of the document at `path`), and of the
    /// libraries it imports that can be read: each import located by the loader's rule (relative
    /// to its importing file, inside the document's folder), so no file is read that `check`
    /// would refuse. A library with errors of its own still declares what it parses to.
    pub fn new(file: &File, text: &str, path: Option<&Path>) -> Symbols {
        let mut s = Symbols::default();
        s.files.push(Source {
            path: path.map(Path::to_path_buf),
            text: text.to_string(),
        });
        s.add(file, 0);
        s.labels = crate::labels::labels(file);
        let Some(dir) = path.and_then(Path::parent) else {
            return s;
        };
        let Ok(root) = std::fs::canonicalize(dir) else {
            return s;
        };
        let loader = policyc::load::Loader::new(vec![root]);
        for name in imports(file) {
            if let Ok(lib) = loader.locate_import(&name, dir) {
                if lib.is_file() {
                    s.imports.insert(name, lib);
                }
            }
        }
        let mut seen = HashSet::new();
        if let Some(p) = path.and_then(|p| std::fs::canonicalize(p).ok()) {
            seen.insert(p);
        }
        // Breadth first, at most MAX_IMPORT_DEPTH libraries deep.
        let mut level: Vec<(PathBuf, Vec<String>)> = vec![(dir.to_path_buf(), imports(file))];
        for _ in 0..policyc::load::MAX_IMPORT_DEPTH {
            let mut next = Vec::new();
            for (dir, names) in level {
                for name in names {
                    let Ok(lib) = loader.locate_import(&name, &dir) else {
                        continue;
                    };
                    if !seen.insert(lib.clone()) {
                        continue;
                    }
                    let Ok(text) =
                        policyc::load::read_text(&lib, policyc::load::MAX_SOURCE_BYTES, false)
                    else {
                        continue;
                    };
                    let Ok(parsed) = policyc::parser::parse(&text) else {
                        continue;
                    };
                    let index = s.files.len();
                    s.files.push(Source {
                        path: Some(lib.clone()),
                        text,
                    });
                    s.add(&parsed, index);
                    if let Some(d) = lib.parent() {
                        next.push((d.to_path_buf(), imports(&parsed)));
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        s
    }

    fn add(&mut self, file: &File, index: usize) {
        for item in &file.items {
            match item {
                Item::Fact(f) => {
                    self.facts.entry(f.name.name.clone()).or_insert(Decl {
                        decl: f.clone(),
                        file: index,
                    });
                }
                Item::Enum(e) => {
                    self.enums.entry(e.name.name.clone()).or_insert(Decl {
                        decl: e.clone(),
                        file: index,
                    });
                }
                Item::Define(d) => {
                    self.defines.entry(d.name.name.clone()).or_insert(Decl {
                        decl: d.clone(),
                        file: index,
                    });
                }
                _ => {}
            }
        }
    }

    /// What a name written in the document refers to, knowing the declarations: a fact's type
    /// that reads as a unit is an enumeration if one has that name (as the checker resolves it).
    pub fn resolve(&self, what: &Ref) -> Ref {
        match what {
            Ref::Unit(u) if self.enums.contains_key(u) => Ref::Enum(u.clone()),
            w => w.clone(),
        }
    }

    /// The enumeration a fact takes its values from (its type, or the type of its set).
    pub fn enum_of_fact(&self, fact: &str) -> Option<&Decl<EnumDecl>> {
        let name = match &self.facts.get(fact)?.decl.ty {
            TypeRef::Set(id) => &id.name,
            TypeRef::Named(u) => &u.text,
        };
        self.enums.get(name)
    }

    /// The enumeration that declares a value: `of`, the enumeration of the fact tested, or the
    /// first that has a value of that name.
    pub fn enum_of_value(&self, name: &str, of: &Of) -> Option<&Decl<EnumDecl>> {
        let has = |e: &&Decl<EnumDecl>| e.decl.values.iter().any(|v| v.name.name == name);
        let direct = match of {
            Of::Enum(e) => self.enums.get(e),
            Of::Fact(f) => self.enum_of_fact(f),
            Of::Unknown => None,
        };
        direct
            .filter(has)
            .or_else(|| self.enums.values().find(|e| has(e)))
    }
}

fn imports(file: &File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|i| match i {
            Item::Import(s) => Some(s.value.clone()),
            _ => None,
        })
        .collect()
}

/// Where an enumeration value's enumeration is to be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Of {
    /// The value is declared in this enumeration.
    Enum(String),
    /// The value is tested against this fact.
    Fact(String),
    /// A definition's argument: any enumeration that has it.
    Unknown,
}

/// What a name written in the document refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    /// A fact.
    Fact(String),
    /// An enumeration.
    Enum(String),
    /// A value of an enumeration.
    Value {
        /// The value's name.
        name: String,
        /// Its enumeration.
        of: Of,
    },
    /// A definition.
    Define(String),
    /// A definition's parameter, declared at this span of the document.
    Param(Span),
    /// A criterion's full label (`1.A`): where it is written, or `meets 1.A`.
    Label(String),
    /// A unit, as written (`mg/m2`, `[IU]/kg`, `weeks`): in a fact's type (unless an enumeration
    /// has the name, see [`Symbols::resolve`]), a quantity or a duration.
    Unit(String),
    /// The path of an `import`, as written (`lib/common.policy`).
    Import(String),
}

/// A name written in the document, and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Where the name is written.
    pub span: Span,
    /// What it names.
    pub what: Ref,
}

/// The name written at byte `offset` (a cursor just after a name is on it).
pub fn site_at(file: &File, offset: usize) -> Option<Site> {
    let sites = sites(file);
    sites
        .iter()
        .find(|s| s.span.start <= offset && offset < s.span.end)
        .or_else(|| sites.iter().find(|s| s.span.end == offset))
        .cloned()
}

/// Every name the document writes, declarations included, in no particular order.
pub fn sites(file: &File) -> Vec<Site> {
    let mut w = Walker::default();
    for item in &file.items {
        match item {
            Item::Fact(f) => {
                w.push(&f.name, Ref::Fact(f.name.name.clone()));
                match &f.ty {
                    TypeRef::Set(id) => w.push(id, Ref::Enum(id.name.clone())),
                    TypeRef::Named(u) if policyc::units::parse_unit(&u.text).is_ok() => w.unit(u),
                    TypeRef::Named(u) => w.out.push(Site {
                        span: u.span,
                        what: Ref::Enum(u.text.clone()),
                    }),
                }
                if let Some(r) = &f.range {
                    for bound in [&r.low, &r.high] {
                        if let RangeBound::Quantity(q) = bound {
                            w.quantity(q);
                        }
                    }
                }
                if let Some(SourceKind::Observation {
                    within: Some(d), ..
                }) = f.source.as_ref().map(|s| &s.kind)
                {
                    w.duration(d);
                }
                if let Some(v) = &f.derived {
                    w.value(v);
                }
            }
            Item::Enum(e) => {
                w.push(&e.name, Ref::Enum(e.name.name.clone()));
                for v in &e.values {
                    w.push(
                        &v.name,
                        Ref::Value {
                            name: v.name.name.clone(),
                            of: Of::Enum(e.name.name.clone()),
                        },
                    );
                }
            }
            Item::Define(d) => {
                w.push(&d.name, Ref::Define(d.name.name.clone()));
                for p in &d.params {
                    w.push(p, Ref::Param(p.span));
                }
                w.params = d.params.clone();
                w.expr(&d.body);
                w.params.clear();
            }
            Item::ExtendEnum(x) => {
                w.push(&x.name, Ref::Enum(x.name.name.clone()));
                for v in &x.values {
                    w.push(
                        &v.name,
                        Ref::Value {
                            name: v.name.name.clone(),
                            of: Of::Enum(x.name.name.clone()),
                        },
                    );
                }
            }
            Item::Indication(ind) => w.items(&ind.items),
            Item::Regimen(r) => {
                for f in r.doses.iter().chain([&r.interval]).chain(&r.counting) {
                    w.push(f, Ref::Fact(f.name.clone()));
                }
            }
            Item::Import(path) => w.out.push(Site {
                span: path.span,
                what: Ref::Import(path.value.clone()),
            }),
            Item::Equivalence(e) => {
                w.quantity(&e.left);
                w.quantity(&e.right);
            }
            Item::Policy(_) | Item::Library(_) => {}
        }
    }
    w.out
        .extend(crate::labels::labels(file).into_iter().map(|l| Site {
            span: l.span,
            what: Ref::Label(l.full),
        }));
    w.out
}

#[derive(Default)]
struct Walker {
    out: Vec<Site>,
    /// The parameters of the definition being walked.
    params: Vec<Ident>,
}

impl Walker {
    fn push(&mut self, id: &Ident, what: Ref) {
        self.out.push(Site {
            span: id.span,
            what,
        });
    }

    fn unit(&mut self, u: &UnitExpr) {
        self.out.push(Site {
            span: u.span,
            what: Ref::Unit(u.text.clone()),
        });
    }

    /// The units of a quantity: its own and that of its restatement (`(0.037 mg/kg)`).
    fn quantity(&mut self, q: &QuantityLit) {
        for u in q.unit.iter().chain(q.alt.as_ref().map(|(_, u)| u)) {
            self.unit(u);
        }
    }

    /// The unit of `approve for 6 months`, `within 30 days`.
    fn duration(&mut self, d: &DurationLit) {
        self.push(&d.unit, Ref::Unit(d.unit.name.clone()));
    }

    /// A fact, or the enclosing definition's parameter of that name.
    fn fact(&mut self, id: &Ident) {
        let what = match self.params.iter().find(|p| p.name == id.name) {
            Some(p) => Ref::Param(p.span),
            None => Ref::Fact(id.name.clone()),
        };
        self.push(id, what);
    }

    fn values(&mut self, values: &[Ident], param: bool, of: Of) {
        for v in values {
            if param {
                self.fact(v);
            } else {
                self.push(
                    v,
                    Ref::Value {
                        name: v.name.clone(),
                        of: of.clone(),
                    },
                );
            }
        }
    }

    fn items(&mut self, items: &[IndicationItem]) {
        for item in items {
            match item {
                IndicationItem::Applies { expr, .. } => self.expr(expr),
                IndicationItem::Criteria(s) | IndicationItem::Dosing(s) => self.body(&s.body),
                IndicationItem::Reauthorization(r) => self.items(&r.items),
                IndicationItem::Duration(d) => self.duration(d),
            }
        }
    }

    fn body(&mut self, body: &Body) {
        // Groups nest; walk them with a stack rather than recursion.
        let mut stack = vec![body];
        while let Some(b) = stack.pop() {
            match b {
                Body::Expr(e) => self.expr(e),
                Body::Referral(_) => {}
                Body::Phases(ps) => stack.extend(ps.phases.iter().map(|p| &p.body)),
                Body::Group(g) => {
                    for n in &g.nodes {
                        if let Some(e) = &n.guard {
                            self.expr(e);
                        }
                        if let Some(e) = &n.only_if {
                            self.expr(e);
                        }
                        stack.push(&n.body);
                    }
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        let mut stack = vec![expr];
        while let Some(e) = stack.pop() {
            match e {
                Expr::And(es, _) | Expr::Or(es, _) => stack.extend(es),
                Expr::Not(e, _) => stack.push(e),
                Expr::Membership {
                    fact,
                    values,
                    param,
                    ..
                }
                | Expr::SetTest {
                    fact,
                    values,
                    param,
                    ..
                } => {
                    self.fact(fact);
                    self.values(values, *param, Of::Fact(fact.name.clone()));
                }
                Expr::Compare { left, right, .. } => {
                    self.value(left);
                    self.value(right);
                }
                Expr::Known { fact, .. } => self.fact(fact),
                Expr::FactTest(id) => self.fact(id),
                Expr::Regimen { amount, every, .. } => {
                    self.quantity(amount);
                    self.quantity(every);
                }
                Expr::Meets { label, span } => self.out.push(Site {
                    span: *span,
                    what: Ref::Label(label.clone()),
                }),
                Expr::UseDefine { name, args, .. } => {
                    self.push(name, Ref::Define(name.name.clone()));
                    for a in args {
                        match a {
                            DefineArg::List(values, _) => self.values(values, false, Of::Unknown),
                            DefineArg::Value(v) => self.value(v),
                        }
                    }
                }
            }
        }
    }

    fn value(&mut self, value: &ValueExpr) {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                ValueExpr::Fact(id) => self.fact(id),
                ValueExpr::Quantity(q) => self.quantity(q),
                ValueExpr::Date(_) => {}
                ValueExpr::Call { args, .. } => stack.extend(args),
                ValueExpr::Binary { left, right, .. } => {
                    stack.push(left);
                    stack.push(right);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
enum Route "How it is given" { intravenous "Intravenous" oral "By mouth" }
fact route: Route "The route"
fact weight: kg "Body weight"
fact dose: mg "The dose"
fact dose_per_kg: mg/kg "Dose per kilogram" = dose / weight
define by_route(routes) "Given by one of the routes" = route is one of routes
indication 1 "X" {
  applies when route is intravenous and by_route([oral])
}
"#;

    fn at(word: &str, nth: usize) -> Option<Site> {
        let file = policyc::parser::parse(POLICY).ok()?;
        let offset = POLICY.match_indices(word).nth(nth)?.0;
        site_at(&file, offset)
    }

    #[test]
    fn names_are_resolved_by_their_place() {
        let what = |w: &str, n: usize| at(w, n).map(|s| s.what);
        assert_eq!(what("Route", 1), Some(Ref::Enum("Route".into())));
        // The second `weight` is in a string; the third is in the formula.
        assert_eq!(what("weight", 1), None);
        assert_eq!(what("weight", 2), Some(Ref::Fact("weight".into())));
        assert_eq!(
            what("intravenous", 1),
            Some(Ref::Value {
                name: "intravenous".into(),
                of: Of::Fact("route".into())
            })
        );
        assert_eq!(
            what("oral", 1),
            Some(Ref::Value {
                name: "oral".into(),
                of: Of::Unknown
            })
        );
        assert_eq!(what("by_route", 1), Some(Ref::Define("by_route".into())));
        let param = at("routes", 0).map(|s| s.span);
        assert_eq!(what("routes", 2), param.map(Ref::Param));
        // Inside a string, and on a keyword: nothing.
        assert_eq!(what("How", 0), None);
        assert_eq!(what("applies", 0), None);
    }

    #[test]
    fn units_and_imports_are_written_names() {
        let text = r#"import "lib/common.policy"
equivalence 18 million IU = 1.1 mg "Label"
enum day "Named like a unit" { one "One" }
fact weight: kg "Body weight" within 0.3 kg to 650 kg from observation loinc "29463-7" within 30 days
fact kind: day "Its kind"
fact dose: mg "The dose"
fact dose_interval: weeks "Weeks since the last dose"
regimen dose every dose_interval
indication 1 "X" {
  approve for 1 year
  dosing: 240 mg every 2 weeks or dose at most 600,000 IU (0.037 mg)
}
"#;
        let Ok(file) = policyc::parser::parse(text) else {
            panic!("the test policy parses");
        };
        let all = sites(&file);
        let unit_at = |needle: &str, nth: usize| {
            let offset = text.match_indices(needle).nth(nth).map(|m| m.0)?;
            all.iter()
                .find(|s| s.span.start == offset && matches!(s.what, Ref::Unit(_)))
                .map(|s| (s.span.end - s.span.start, s.what.clone()))
        };
        let unit = |u: &str| Ref::Unit(u.into());
        // The equivalence, the type, both bounds and the source's `within`, the duration, the
        // regimen's amount and interval, a limit and its restatement.
        assert_eq!(unit_at("IU =", 0), Some((2, unit("IU"))));
        assert_eq!(unit_at("mg \"Label", 0), Some((2, unit("mg"))));
        assert_eq!(unit_at("kg \"Body", 0), Some((2, unit("kg"))));
        assert_eq!(unit_at("kg to", 0), Some((2, unit("kg"))));
        assert_eq!(unit_at("kg from", 0), Some((2, unit("kg"))));
        assert_eq!(unit_at("days", 0), Some((4, unit("days"))));
        assert_eq!(unit_at("year", 0), Some((4, unit("year"))));
        assert_eq!(unit_at("mg every", 0), Some((2, unit("mg"))));
        assert_eq!(unit_at("weeks or", 0), Some((5, unit("weeks"))));
        assert_eq!(unit_at("IU (", 0), Some((2, unit("IU"))));
        assert_eq!(unit_at("mg)", 0), Some((2, unit("mg"))));
        // A type that reads as a unit is one unless an enumeration has its name.
        assert_eq!(unit_at("day \"Its", 0), Some((3, unit("day"))));
        let symbols = Symbols::new(&file, text, None);
        assert_eq!(symbols.resolve(&unit("day")), Ref::Enum("day".into()));
        assert_eq!(symbols.resolve(&unit("mg")), unit("mg"));
        // The import's path, quotes included.
        let import = all.iter().find(|s| matches!(s.what, Ref::Import(_)));
        assert_eq!(
            import.map(|s| (s.span.start, s.span.end, s.what.clone())),
            Some((7, 26, Ref::Import("lib/common.policy".into())))
        );
    }

    #[test]
    fn values_find_their_enumeration() {
        let Ok(file) = policyc::parser::parse(POLICY) else {
            panic!("the test policy parses");
        };
        let s = Symbols::new(&file, POLICY, None);
        let e = |name: &str, of: Of| s.enum_of_value(name, &of).map(|d| d.decl.name.name.clone());
        assert_eq!(e("oral", Of::Unknown), Some("Route".into()));
        assert_eq!(e("oral", Of::Fact("route".into())), Some("Route".into()));
        assert_eq!(e("nasal", Of::Unknown), None);
    }
}
