//! Policy test cases (`<policy>.cases.yaml`) and criterion coverage.
//!
//! A case gives a request and the decision expected for it, and optionally the expected branch,
//! duration, unmet criteria, missing facts and exceeded limits. Running the cases also records, for
//! every criterion and dosing limit, whether some case has seen it hold, fail, and be unknown.
//! Each case is decided both ways, by the fast path ([`eval::decide`]) and with its explanation
//! ([`eval::evaluate_with`]): a case on which they differ fails, naming both decisions.

use crate::eval::{self, limit_leaves, Decision, Observer, Part, Tv};
use crate::request::{bind_json, Request};
use policyc_ir::ir::{IndicationDef, Node, NodeBody, Program};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashMap};

mod names;
use names::Names;

/// A cases file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The policy file, relative to the cases file. Default: the same name with `.policy`.
    pub policy: Option<String>,
    /// The version of the policy the cases test, by the date it took effect (`2026-07-01`):
    /// the cases run against that version, found among the files of the policy's folder that
    /// declare the same id. Default: the version in the policy file.
    pub version: Option<String>,
    /// The date of service for cases that do not state their own.
    pub as_of: Option<String>,
    /// Facts every case states unless it says otherwise: a case's own `facts` override them, and
    /// a case un-states one by giving it the value `unknown` (or `null`).
    #[serde(default)]
    pub defaults: Facts,
    /// The cases, each with the place it is written (for messages).
    pub cases: Vec<Spanned<Case>>,
    /// The name of the cases file in messages (`policies/x.cases.yaml`), set by the caller; without
    /// one, messages give only the line and column.
    #[serde(skip)]
    pub path: Option<String>,
}

/// One test case: a request and what the policy should decide for it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The case's name, for reports.
    pub name: String,
    /// The date of service; default: the file's `as_of`.
    pub as_of: Option<String>,
    /// The version of the policy the case tests, by the date it took effect; default: the
    /// file's `version`. A file may so hold cases of several versions (the witnesses `policyc
    /// diff --witnesses` writes).
    #[serde(default)]
    pub version: Option<String>,
    /// The request's facts, as in a request's `facts` object, over the file's `defaults`: the
    /// value `unknown` (or `null`) leaves a fact unstated. Numbers keep the text the file writes
    /// them with (never read through binary floating point), for the binder to read exactly.
    #[serde(default)]
    pub facts: Facts,
    /// What the decision should be.
    pub expect: Expect,
}

/// The facts of a case, or a file's defaults: each value, and where it is written.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The values by fact name, as in a request's `facts` object.
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Where each value is written: its line and column.
    pub places: HashMap<String, (u64, u64)>,
}

impl std::ops::Deref for Facts {
    type Target = serde_json::Map<String, serde_json::Value>;
    fn deref(&self) -> &Self::Target {
        &self.values
    }
}

impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Facts, D::Error> {
        exact::facts(d)
    }
}

/// The expected decision of a case; what it leaves out is not checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `approve`, `deny`, `needs_info` or `refer`.
    pub decision: String,
    /// The label of the branch the decision is under (`1.A`): the last label of the path.
    pub path: Option<Spanned<String>>,
    /// The approval duration (`1 year`).
    pub duration: Option<String>,
    /// The approval's last day.
    pub approval_end: Option<String>,
    /// Labels of the unmet criteria (deny), in any order.
    pub unmet: Option<Vec<Spanned<String>>>,
    /// Labels of the branches that do not apply to the request (deny), in any order.
    pub not_applicable: Option<Vec<Spanned<String>>>,
    /// Names of the missing facts (needs_info), in any order.
    pub missing: Option<Vec<Spanned<String>>>,
    /// Labels of the exceeded limits (refer), in any order.
    pub exceeded: Option<Vec<Spanned<String>>>,
}

/// Read a cases file; the error names the line and column.
pub fn parse_cases(text: &str) -> Result<CaseFile, String> {
    exact::with_source(text, || serde_saphyr::from_str::<CaseFile>(text))
        .map_err(|e| e.to_string().trim_start_matches("error: ").to_string())
}

/// Fact values read from the YAML with each number's own text.
///
/// serde-saphyr hands a plain scalar that looks like a number to a visitor as an `f64` (so
/// `0.99999999999999999999` would become `1`). Each value is therefore read with its place in the
/// source ([`serde_saphyr::Spanned`]), and a number's text is taken from the source itself.
mod exact {
    use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;
    use serde_json::{Map, Number, Value};
    use serde_saphyr::Spanned;
    use std::cell::RefCell;
    use std::fmt;

    thread_local! {
        static SOURCE: RefCell<String> = const { RefCell::new(String::new()) };
    }

    /// Run `f` with `text` as the source that number spans refer to.
    pub(super) fn with_source<T>(text: &str, f: impl FnOnce() -> T) -> T {
        SOURCE.with(|s| text.clone_into(&mut s.borrow_mut()));
        let r = f();
        SOURCE.with(|s| s.borrow_mut().clear());
        r
    }

    /// A YAML node before numbers are given their text.
    enum Raw {
        Null,
        Bool(bool),
        /// A number; the integer when it is one (for YAML spellings that JSON lacks, `0x1F`).
        Num(Option<i128>),
        Str(String),
        Seq(Vec<Spanned<Raw>>),
        Map(Vec<(String, Spanned<Raw>)>),
    }

    impl<'de> Deserialize<'de> for Raw {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Raw;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a fact value")
                }
                fn visit_bool<E>(self, b: bool) -> Result<Raw, E> {
                    Ok(Raw::Bool(b))
                }
                fn visit_i64<E>(self, n: i64) -> Result<Raw, E> {
                    Ok(Raw::Num(Some(n.into())))
                }
                fn visit_u64<E>(self, n: u64) -> Result<Raw, E> {
                    Ok(Raw::Num(Some(n.into())))
                }
                fn visit_f64<E>(self, _: f64) -> Result<Raw, E> {
                    Ok(Raw::Num(None))
                }
                fn visit_str<E>(self, s: &str) -> Result<Raw, E> {
                    Ok(Raw::Str(s.to_string()))
                }
                fn visit_string<E>(self, s: String) -> Result<Raw, E> {
                    Ok(Raw::Str(s))
                }
                fn visit_unit<E>(self) -> Result<Raw, E> {
                    Ok(Raw::Null)
                }
                fn visit_none<E>(self) -> Result<Raw, E> {
                    Ok(Raw::Null)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                    let mut v = Vec::new();
                    while let Some(x) = a.next_element()? {
                        v.push(x);
                    }
                    Ok(Raw::Seq(v))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                    let mut v = Vec::new();
                    while let Some(x) = a.next_entry()? {
                        v.push(x);
                    }
                    Ok(Raw::Map(v))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// Whether `t` is a JSON number (what the binder reads).
    fn json_number(t: &str) -> bool {
        t.parse::<Number>().is_ok() && !t.starts_with('+')
    }

    fn convert<E: de::Error>(node: Spanned<Raw>, source: &str) -> Result<Value, E> {
        Ok(match node.value {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Str(s) => Value::String(s),
            Raw::Num(int) => {
                let span = node.defined.span();
                let text = span
                    .byte_offset()
                    .zip(span.byte_len())
                    .and_then(|(o, l)| source.get(o as usize..o.saturating_add(l) as usize))
                    .map(str::trim);
                match (text, int) {
                    (Some(t), _) if json_number(t) => {
                        Value::Number(t.parse().map_err(E::custom)?)
                    }
                    (_, Some(i)) => Value::Number(
                        i.to_string().parse().map_err(E::custom)?,
                    ),
                    (t, None) => {
                        return Err(E::custom(format!(
                            "line {}: the number {} cannot be read exactly; write it in decimal (0.5, 1000, 1.5e3)",
                            node.referenced.line(),
                            t.map(|t| format!("`{t}`")).unwrap_or_default()
                        )))
                    }
                }
            }
            Raw::Seq(items) => Value::Array(
                items
                    .into_iter()
                    .map(|x| convert(x, source))
                    .collect::<Result<_, E>>()?,
            ),
            Raw::Map(entries) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(k, convert(v, source)?);
                }
                Value::Object(m)
            }
        })
    }

    /// A case's `facts` (or a file's `defaults`), each number with its source text.
    pub(super) fn facts<'de, D: Deserializer<'de>>(d: D) -> Result<super::Facts, D::Error> {
        let entries: Vec<(String, Spanned<Raw>)> = match Raw::deserialize(d)? {
            Raw::Map(e) => e,
            Raw::Null => return Ok(super::Facts::default()),
            _ => {
                return Err(de::Error::custom(
                    "`facts` is a mapping of fact names to values",
                ))
            }
        };
        SOURCE.with(|s| {
            let source = s.borrow();
            let mut facts = super::Facts::default();
            for (k, v) in entries {
                let place = (v.referenced.line(), v.referenced.column());
                facts.places.insert(k.clone(), place);
                facts.values.insert(k, convert(v, &source)?);
            }
            Ok(facts)
        })
    }
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// The line of the cases file the case starts on.
    pub line: u64,
    /// Empty when the case passed; otherwise each way the result differs from the expectation.
    pub failures: Vec<String>,
    /// The decision the policy made (`approve`); `None` when the case's request did not bind.
    pub decision: Option<String>,
    /// The decision's summary sentence; `None` when the case's request did not bind.
    pub summary: Option<String>,
}

impl CaseResult {
    /// Whether the result is what the case expects.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl CaseFile {
    /// The version case `i` tests: its own `version`, else the file's.
    pub fn version_of(&self, i: usize) -> Option<&str> {
        let case = &self.cases.get(i)?.value;
        case.version.as_deref().or(self.version.as_deref())
    }

    /// The date of service of case `i`: its own `as_of`, else the file's.
    pub fn date_of(&self, i: usize) -> Option<&str> {
        let case = &self.cases.get(i)?.value;
        case.as_of.as_deref().or(self.as_of.as_deref())
    }
}

/// Run every case of a file against a program, recording coverage.
pub fn run(program: &Program, file: &CaseFile, coverage: &mut Coverage) -> Vec<CaseResult> {
    let all: Vec<usize> = (0..file.cases.len()).collect();
    run_some(program, file, &all, coverage)
}

/// Run the cases `which` (indices into the file's cases) against a program, recording coverage.
pub fn run_some(
    program: &Program,
    file: &CaseFile,
    which: &[usize],
    coverage: &mut Coverage,
) -> Vec<CaseResult> {
    let names = Names::of(program);
    which
        .iter()
        .filter_map(|&i| file.cases.get(i))
        .map(|sc| {
            let case = &sc.value;
            let mut request = serde_json::Map::new();
            if let Some(d) = case.as_of.as_ref().or(file.as_of.as_ref()) {
                request.insert("as_of".into(), serde_json::Value::String(d.clone()));
            }
            request.insert(
                "facts".into(),
                serde_json::Value::Object(file.facts_of(case)),
            );
            let mut r = CaseResult {
                name: case.name.clone(),
                line: sc.referenced.line(),
                failures: Vec::new(),
                decision: None,
                summary: None,
            };
            let mut problems = names.check(file, &case.expect);
            problems.extend(names.ambiguous_unknown(file, case));
            problems.extend(names.unstated_unknown_facts(file, case));
            match bind_json(program, &serde_json::Value::Object(request), None) {
                Err(errors) => {
                    r.failures = errors
                        .iter()
                        .map(|e| format!("the case's request is invalid: {e}"))
                        .collect();
                }
                Ok(req) => {
                    let d = coverage.record(program, &req);
                    r.failures = compare(&case.expect, &d);
                    // The fast path must decide as the explained decision does: every case of
                    // every policy so checks `decide` against `evaluate`.
                    let fast = eval::decide(program, &req);
                    r.failures
                        .extend(fast_path_disagreement(program, &fast, &d));

                    r.decision = Some(d.decision.as_str().to_string());
                    r.summary = Some(d.summary.clone());
                }
            }
            // An expectation the policy cannot meet says why first.
            r.failures.splice(0..0, problems);
            r
        })
        .collect()
}

impl CaseFile {
    /// The facts of a case's request: the file's `defaults`, then the case's own `facts` over
    /// them; a fact given `unknown` or `null` is left out.
    pub fn facts_of(&self, case: &Case) -> serde_json::Map<String, serde_json::Value> {
        let mut facts = self.defaults.values.clone();
        for (name, value) in case.facts.iter() {
            if unstated(value) {
                facts.remove(name);
            } else {
                facts.insert(name.clone(), value.clone());
            }
        }
        facts.retain(|_, v| !unstated(v));
        facts
    }

    /// Where line `line`, column `column` of the file is, for a message.
    fn place(&self, line: u64, column: u64) -> String {
        match &self.path {
            Some(p) => format!("{p}:{line}:{column}"),
            None => format!("line {line}, column {column}"),
        }
    }
}

/// Whether a cases file's fact value leaves the fact unstated: `unknown` or `null`.
fn unstated(v: &serde_json::Value) -> bool {
    v.is_null() || v.as_str() == Some(UNSTATED)
}

/// The value that un-states a fact in a cases file (`diagnosis: unknown`).
pub const UNSTATED: &str = "unknown";

/// How the fast path's outcome ([`eval::decide`]) and the explained decision ([`eval::evaluate`])
/// of the same request differ in the decision or the indication it is under: a message naming
/// both; `None` when they agree. A difference is a bug of the evaluator, not of the case.
fn fast_path_disagreement(program: &Program, fast: &eval::Outcome, d: &Decision) -> Option<String> {
    let fast_label = fast.indication.map(|i| {
        program
            .indications
            .get(i)
            .map_or("(no such indication)", |x| x.label.as_str())
    });
    let label = d.indication.as_ref().map(|i| i.label.as_str());
    if fast.kind == d.decision && fast_label == label {
        return None;
    }
    let show = |kind: eval::DecisionKind, label: Option<&str>| match label {
        Some(l) => format!("{} under {l}", kind.as_str()),
        None => kind.as_str().to_string(),
    };
    Some(format!(
        "the evaluator disagrees with itself: the fast path (decide) gives {}, the explained decision (evaluate) gives {}; this is a bug of policyc, please report it with this case",
        show(fast.kind, fast_label),
        show(d.decision, label)
    ))
}

fn compare(e: &Expect, d: &Decision) -> Vec<String> {
    let mut f = Vec::new();
    if e.decision != d.decision.as_str() {
        f.push(format!(
            "expected decision {}, got {}",
            e.decision,
            d.decision.as_str()
        ));
    }
    let approval = d.approval.as_ref();
    let scalars = [
        (
            "path",
            &e.path.as_ref().map(|p| p.value.clone()),
            d.path.last().cloned(),
        ),
        (
            "duration",
            &e.duration,
            approval.map(|a| a.duration.text.clone()),
        ),
        (
            "approval end",
            &e.approval_end,
            approval.and_then(|a| a.end.clone()),
        ),
    ];
    for (what, want, got) in scalars {
        if let Some(want) = want {
            let got = got.unwrap_or_else(|| "(none)".into());
            if *want != got {
                f.push(format!("expected {what} {want}, got {got}"));
            }
        }
    }
    type Expected<'a> = (&'a str, &'a Option<Vec<Spanned<String>>>, Vec<String>);
    let sets: [Expected; 4] = [
        (
            "unmet",
            &e.unmet,
            d.unmet.iter().map(|u| u.label.clone()).collect(),
        ),
        (
            "not applicable",
            &e.not_applicable,
            d.not_applicable.iter().map(|u| u.label.clone()).collect(),
        ),
        (
            "missing",
            &e.missing,
            d.missing.iter().map(|m| m.fact.clone()).collect(),
        ),
        (
            "exceeded",
            &e.exceeded,
            d.exceeded.iter().map(|l| l.label.clone()).collect(),
        ),
    ];
    for (what, want, got) in sets {
        if let Some(want) = want {
            let w: BTreeSet<&String> = want.iter().map(|x| &x.value).collect();
            let g: BTreeSet<&String> = got.iter().collect();
            if w != g {
                let show = |s: &BTreeSet<&String>| {
                    s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
                };
                f.push(format!(
                    "expected {what} [{}], got [{}]",
                    show(&w),
                    show(&g)
                ));
            }
        }
    }
    f
}

// ---------------------------------------------------------------------- coverage

/// What is covered: a labelled criterion or group, a branch's `when`, or one dosing limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A labelled criterion or group: its body, ignoring its `when` and `if`.
    Criterion,
    /// A branch's `when` or `if`.
    Branch,
    /// One limit of a dosing condition that has several.
    Limit,
}

/// One thing coverage counts, and what the cases have made of it so far.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageUnit {
    /// The label of the node it belongs to (`1.A`).
    pub label: String,
    /// What kind of unit it is.
    pub kind: UnitKind,
    /// What it tests, for a person.
    pub what: String,
    /// Some case reached it and it held.
    pub held: bool,
    /// Some case reached it and it failed.
    pub failed: bool,
    /// Some case reached it and it was unknown.
    pub unknown: bool,
}

impl CoverageUnit {
    /// Covered: seen both holding and failing.
    pub fn covered(&self) -> bool {
        self.held && self.failed
    }
}

/// Criterion coverage of one policy.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Every unit of the program, in document order: per node, its `when`, `if`, body, limits.
    pub units: Vec<CoverageUnit>,
    /// Labels of the indications some case fell under (its `applies when` did not fail).
    pub reached: BTreeSet<String>,
    /// For each node of the program (by address), the index of its first unit.
    #[serde(skip)]
    first_unit: HashMap<usize, usize>,
}

/// A node's identity while its program is borrowed: its address.
fn node_key(n: &Node) -> usize {
    n as *const Node as usize
}

impl Coverage {
    /// Every unit of the program, none seen yet.
    pub fn new(program: &Program) -> Coverage {
        let mut units = Vec::new();
        let mut first_unit = HashMap::new();
        for ind in &program.indications {
            collect_units(program, &ind.criteria, false, &mut units, &mut first_unit);
            if let Some(d) = &ind.dosing {
                collect_units(program, d, true, &mut units, &mut first_unit);
            }
        }
        Coverage {
            units,
            reached: BTreeSet::new(),
            first_unit,
        }
    }

    /// Evaluate and explain one request, recording what it makes of every unit it reaches. The
    /// program must be the one the coverage was made for.
    pub(crate) fn record(&mut self, program: &Program, req: &Request) -> Decision {
        eval::evaluate_with(
            program,
            req,
            &mut Recorder {
                coverage: self,
                dosing: false,
            },
        )
    }

    /// How many units are covered.
    pub fn covered(&self) -> usize {
        self.units.iter().filter(|u| u.covered()).count()
    }

    /// Whether coverage is at least `min` percent, compared exactly (no rounding).
    pub fn meets(&self, min: Decimal) -> bool {
        Decimal::from(self.covered() as u64) * Decimal::from(100)
            >= min * Decimal::from(self.units.len() as u64)
    }

    /// The percentage, truncated (never rounded up) to one decimal place.
    pub fn percent_text(&self) -> String {
        if self.units.is_empty() {
            return "100%".into();
        }
        let p = Decimal::from(self.covered() as u64) * Decimal::from(100)
            / Decimal::from(self.units.len() as u64);
        format!("{}%", p.trunc_with_scale(1).normalize())
    }

    /// A report: the summary line, then each unit not covered both ways (all units if `full`).
    pub fn render(&self, full: bool) -> String {
        let mut s = format!(
            "coverage: {}/{} criteria, branches and limits seen both holding and failing ({})\n",
            self.covered(),
            self.units.len(),
            self.percent_text()
        );
        for u in &self.units {
            if !full && u.covered() {
                continue;
            }
            let mark = |b: bool| if b { "yes" } else { "NO " };
            s.push_str(&format!(
                "  held {}  failed {}  unknown {}  {} {}\n",
                mark(u.held),
                mark(u.failed),
                if u.unknown { "yes" } else { "no " },
                u.label,
                u.what
            ));
        }
        s
    }
}

/// Records the evaluator's reports as coverage: each report marks the unit it is about.
struct Recorder<'c> {
    coverage: &'c mut Coverage,
    /// Whether the reports are about a dosing section (whose conditions are broken into limits).
    dosing: bool,
}

impl Recorder<'_> {
    /// Mark the unit `offset` places after the first of node `n`.
    fn mark(&mut self, n: &Node, offset: usize, tv: Tv) {
        let Some(&first) = self.coverage.first_unit.get(&node_key(n)) else {
            return;
        };
        if let Some(u) = self.coverage.units.get_mut(first + offset) {
            match tv {
                Tv::True => u.held = true,
                Tv::False => u.failed = true,
                Tv::Unknown => u.unknown = true,
            }
        }
    }
}

/// How many of a node's units are its `when` and `if`: they come first, then its body (none for a
/// referral), then its limits (the order of [`collect_units`]).
fn guards(n: &Node) -> usize {
    usize::from(n.guard.is_some()) + usize::from(n.only_if.is_some())
}

impl Observer for Recorder<'_> {
    fn applies(&mut self, ind: &IndicationDef, tv: Tv) {
        if tv != Tv::False {
            self.coverage.reached.insert(ind.label.clone());
        }
    }

    fn section(&mut self, _ind: &IndicationDef, part: Part) {
        self.dosing = part == Part::Dosing;
    }

    fn guard(&mut self, n: &Node, tv: Tv) {
        self.mark(n, 0, tv);
    }

    fn only_if(&mut self, n: &Node, tv: Tv) {
        self.mark(n, usize::from(n.guard.is_some()), tv);
    }

    fn body(&mut self, n: &Node, tv: Tv) {
        if !matches!(n.body, NodeBody::Referral { .. }) {
            self.mark(n, guards(n), tv);
        }
    }

    fn wants_limits(&self) -> bool {
        self.dosing
    }

    fn limit(&mut self, n: &Node, k: usize, tv: Tv) {
        self.mark(n, guards(n) + 1 + k, tv);
    }
}

fn collect_units(
    p: &Program,
    n: &Node,
    dosing: bool,
    out: &mut Vec<CoverageUnit>,
    first_unit: &mut HashMap<usize, usize>,
) {
    first_unit.insert(node_key(n), out.len());
    if let Some(g) = &n.guard {
        out.push(CoverageUnit {
            label: n.label.clone(),
            kind: UnitKind::Branch,
            what: format!("(when {})", crate::eval::describe(p, g)),
            held: false,
            failed: false,
            unknown: false,
        });
    }
    if let Some(g) = &n.only_if {
        out.push(CoverageUnit {
            label: n.label.clone(),
            kind: UnitKind::Branch,
            what: format!("(if {})", crate::eval::describe(p, g)),
            held: false,
            failed: false,
            unknown: false,
        });
    }
    if matches!(n.body, NodeBody::Referral { .. }) {
        return;
    }
    out.push(CoverageUnit {
        label: n.label.clone(),
        kind: UnitKind::Criterion,
        what: format!("\"{}\"", truncate(&n.text, 70)),
        held: false,
        failed: false,
        unknown: false,
    });
    match &n.body {
        NodeBody::Condition { condition } if dosing => {
            let mut leaves = Vec::new();
            limit_leaves(condition, &mut leaves);
            for leaf in leaves {
                out.push(CoverageUnit {
                    label: n.label.clone(),
                    kind: UnitKind::Limit,
                    what: format!("limit: {}", crate::eval::describe(p, leaf)),
                    held: false,
                    failed: false,
                    unknown: false,
                });
            }
        }
        NodeBody::Condition { .. } | NodeBody::Referral { .. } => {}
        NodeBody::Group { children, .. } => children
            .iter()
            .for_each(|c| collect_units(p, c, dosing, out, first_unit)),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod exact_tests;

#[cfg(test)]
mod fast_path_tests;
