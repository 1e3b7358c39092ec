//! DTR Questionnaires from a policy: one question per fact a request can state, shown only when
//! the policy's `applies when` and `when` let it matter.
//!
//! # Which questions
//!
//! A fact some criterion, limit, `applies when`, `when` or `if` reads is asked, in the policy's
//! order of facts; a fact no criterion reads cannot change a decision and is not asked. A fact the
//! policy computes (`dose_per_kg = dose / body_weight`) is not asked: the facts it is computed
//! from are, where it is read.
//!
//! # When a question shows (`enableWhen`)
//!
//! Each place the policy reads a fact has a context: the `applies when` of its indication and the
//! `when` (and `if`) of each branch around it. The question is relevant when one of its contexts
//! holds. FHIR's `enableWhen` is a flat list combined by `any` or `all`, so the relevance is
//! written exactly when it has that shape, and otherwise widened (never narrowed) to one that
//! has: a question may show when it turns out not to matter, but is never hidden when it might.
//! Tests the list cannot state (comparisons of numbers and dates, `has none of`) are widened to
//! "always"; so is everything past 64 alternatives. A question is never enabled by itself or by a
//! computed fact.
//!
//! Longer than 800 lines on purpose: which questions, their answer types and their enableWhen
//! conditions are one translation of the policy; a fifth of the file is its unit tests.

use super::types::{fhir_id, Coding, ExtValue, Extension, Meta, Narrative, UCUM};
use policyc::ast::SetQuant;
use policyc::ir::{Calc, Cond, FactType, Node, NodeBody, Program};
use serde::Serialize;
use std::collections::BTreeSet;

/// The DTR standard Questionnaire profile.
pub const STD_PROFILE: &str =
    "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-std-questionnaire";
/// The DTR adaptive Questionnaire profile.
pub const ADAPTIVE_PROFILE: &str =
    "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-questionnaire-adapt";
/// The SDC extension that marks a Questionnaire adaptive (its value: where `$next-question` is).
pub const ADAPTIVE_EXT: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-questionnaireAdaptive";
const UNIT_OPTION: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption";
const MIN_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/minValue";

/// Where the Questionnaires and code systems of policyc's answers live.
#[derive(Debug, Clone)]
pub struct Options {
    /// The FHIR base URL the canonical URLs start with, without a trailing `/`
    /// (`https://payer.example/fhir`): the Questionnaire of policy `proleukin` is
    /// `{base}/Questionnaire/proleukin`.
    pub base_url: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            base_url: DEFAULT_BASE.to_string(),
        }
    }
}

/// The base URL when none is configured: a reserved documentation domain, to be replaced by the
/// payer's own.
pub const DEFAULT_BASE: &str = "https://policyc.example/fhir";

/// A FHIR R4 Questionnaire (the elements policyc fills in).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Questionnaire {
    /// Always `Questionnaire`.
    pub resource_type: &'static str,
    /// The policy's id, as a FHIR id (`-` for `_`); for the adaptive form, followed by `-adaptive`.
    pub id: String,
    /// The DTR profile claimed.
    pub meta: Meta,
    /// The questions, for people.
    pub text: Narrative,
    /// The adaptive marker, on the adaptive form.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `{base}/Questionnaire/{id}`.
    pub url: String,
    /// The policy's version: the date of its last revision, or of its taking effect.
    pub version: String,
    /// A computer-friendly name (`Proleukin`, `AldesleukinOtherPlan`).
    pub name: String,
    /// The policy's title.
    pub title: String,
    /// Always `active`.
    pub status: &'static str,
    /// Always `Patient`.
    pub subject_type: Vec<&'static str>,
    /// The policy's version date.
    pub date: String,
    /// The questions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<Item>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The unit offered for a quantity, or the least value of a count.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The fact's name.
    pub link_id: String,
    /// The fact's description.
    pub text: String,
    /// `boolean`, `integer`, `decimal`, `quantity`, `date`, `choice` or `open-choice`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// When the question shows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enable_when: Vec<EnableWhen>,
    /// `all` or `any`, with more than one `enableWhen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_behavior: Option<&'static str>,
    /// True for a set of values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<bool>,
    /// The values of an enumeration.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answer_option: Vec<AnswerOption>,
}

/// One value a choice offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerOption {
    /// The enumeration value: its name as the code, its description as the display.
    pub value_coding: Coding,
}

/// One condition for a question to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableWhen {
    /// The `linkId` of the question it depends on.
    pub question: String,
    /// `=`, `!=` or `exists`.
    pub operator: &'static str,
    /// For a yes/no question, or `exists`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_boolean: Option<bool>,
    /// For a choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_coding: Option<Coding>,
}

/// The canonical URL of a policy's Questionnaire (`adaptive`: of its adaptive form).
pub fn questionnaire_url(program: &Program, opts: &Options, adaptive: bool) -> String {
    format!(
        "{}/Questionnaire/{}",
        opts.base_url,
        questionnaire_id(program, adaptive)
    )
}

/// The id of a policy's Questionnaire: the policy's id as a FHIR id, `-adaptive` for the adaptive
/// form.
pub fn questionnaire_id(program: &Program, adaptive: bool) -> String {
    let id = fhir_id(&program.policy.id);
    if adaptive {
        let mut id: String = id.chars().take(55).collect();
        id.push_str("-adaptive");
        id
    } else {
        id
    }
}

/// The canonical URL of the code system of an enumeration of the policy.
pub fn code_system_url(program: &Program, opts: &Options, enum_index: usize) -> String {
    let name = program
        .enums
        .get(enum_index)
        .map_or("", |e| e.name.as_str());
    format!(
        "{}/CodeSystem/{}-{}",
        opts.base_url,
        fhir_id(&program.policy.id),
        fhir_id(name)
    )
}

fn version(program: &Program) -> String {
    program
        .policy
        .revisions
        .last()
        .map_or_else(|| program.policy.effective.clone(), |r| r.date.clone())
}

/// A computer-friendly name: `aldesleukin_other_plan` → `AldesleukinOtherPlan`.
fn computer_name(id: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.insert_str(0, "Policy");
    }
    out.chars().take(255).collect()
}

fn resource(program: &Program, opts: &Options, adaptive: bool, item: Vec<Item>) -> Questionnaire {
    let heading = if adaptive {
        format!(
            "{}: the questions that can still change the decision, asked one at a time",
            program.policy.title
        )
    } else {
        format!("{}: the questions the policy asks", program.policy.title)
    };
    let lines: Vec<String> = item
        .iter()
        .map(|i| format!("{} ({})", i.text, i.link_id))
        .collect();
    Questionnaire {
        resource_type: "Questionnaire",
        id: questionnaire_id(program, adaptive),
        meta: Meta {
            profile: vec![if adaptive {
                ADAPTIVE_PROFILE
            } else {
                STD_PROFILE
            }
            .to_string()],
        },
        text: Narrative::list(&heading, &lines),
        extension: if adaptive {
            vec![Extension::value(
                ADAPTIVE_EXT,
                ExtValue::Url(format!("{}/Questionnaire/$next-question", opts.base_url)),
            )]
        } else {
            Vec::new()
        },
        url: questionnaire_url(program, opts, adaptive),
        version: version(program),
        name: computer_name(&program.policy.id) + if adaptive { "Adaptive" } else { "" },
        title: program.policy.title.clone(),
        status: "active",
        subject_type: vec!["Patient"],
        date: version(program),
        item,
    }
}

/// The standard (DTR `dtr-std-questionnaire`) Questionnaire of a policy: every question, each
/// with the `enableWhen` of its relevance (see the module documentation).
pub fn questionnaire(program: &Program, opts: &Options) -> Questionnaire {
    let relevance = relevance(program);
    let asked: Vec<usize> = (0..program.facts.len())
        .filter(|&f| is_askable(program, f) && !relevance[f].is_empty())
        .collect();
    // A question shown always is the best one to widen a condition to.
    let always_shown = |f: usize| relevance[f].iter().any(BTreeSet::is_empty);
    let mut enable: Vec<(Vec<Atom>, bool)> = asked
        .iter()
        .map(|&f| enable_when(f, &relevance[f], &always_shown))
        .collect();
    drop_cycles(&asked, &mut enable);
    // Each question after those it depends on (otherwise in the policy's order of facts).
    let depth = depths(&asked, &enable);
    let mut order: Vec<usize> = (0..asked.len()).collect();
    order.sort_by_key(|&i| depth[i]);
    let items = order
        .into_iter()
        .map(|i| (asked[i], enable[i].clone()))
        .filter_map(|(f, (atoms, all))| {
            let mut item = item(program, opts, f)?;
            item.enable_when = atoms
                .iter()
                .filter_map(|a| enable_when_json(program, opts, a))
                .collect();
            if item.enable_when.len() > 1 {
                item.enable_behavior = Some(if all { "all" } else { "any" });
            }
            Some(item)
        })
        .collect();
    resource(program, opts, false, items)
}

/// The adaptive (DTR `dtr-questionnaire-adapt`) Questionnaire of a policy, holding the questions
/// named (fact names; unknown names are skipped): none to start with, then one more at each
/// `$next-question`. Adaptive forms have no `enableWhen`: the service asks only what can still
/// change the decision.
pub fn adaptive_questionnaire(program: &Program, opts: &Options, asked: &[&str]) -> Questionnaire {
    let items = asked
        .iter()
        .filter_map(|n| program.fact_index(n))
        .filter_map(|f| item(program, opts, f))
        .collect();
    resource(program, opts, true, items)
}

/// Whether a request can state the fact and a questionnaire asks for it: every fact the policy
/// does not compute.
pub fn is_askable(program: &Program, fact: usize) -> bool {
    program.facts.get(fact).is_some_and(|f| f.derived.is_none())
}

/// The question for a fact (without `enableWhen`); `None` for a fact the policy computes.
pub fn item(program: &Program, opts: &Options, fact: usize) -> Option<Item> {
    if !is_askable(program, fact) {
        return None;
    }
    let f = &program.facts[fact];
    let mut item = Item {
        extension: Vec::new(),
        link_id: f.name.clone(),
        text: f.description.clone(),
        ty: "boolean",
        enable_when: Vec::new(),
        enable_behavior: None,
        repeats: None,
        answer_option: Vec::new(),
    };
    match &f.ty {
        FactType::Boolean | FactType::Documentation => {}
        FactType::Count => {
            item.ty = "integer";
            item.extension
                .push(Extension::value(MIN_VALUE, ExtValue::Integer(0)));
        }
        FactType::Number => item.ty = "decimal",
        FactType::Date => item.ty = "date",
        FactType::Quantity { unit, .. } => {
            item.ty = "quantity";
            let display = if unit.written.is_empty() {
                unit.code.clone()
            } else {
                unit.written.clone()
            };
            item.extension.push(Extension::value(
                UNIT_OPTION,
                ExtValue::Coding(Coding::new(UCUM, &unit.code, &display)),
            ));
        }
        FactType::Enum { enum_index } | FactType::Set { enum_index } => {
            let e = program.enums.get(*enum_index as usize)?;
            item.ty = if e.open { "open-choice" } else { "choice" };
            if matches!(f.ty, FactType::Set { .. }) {
                item.repeats = Some(true);
            }
            let system = code_system_url(program, opts, *enum_index as usize);
            item.answer_option = e
                .values
                .iter()
                .map(|v| AnswerOption {
                    value_coding: Coding::new(&system, &v.name, &v.description),
                })
                .collect();
        }
    }
    Some(item)
}

/// The facts to ask so that `fact` becomes known: itself if a request can state it, else the
/// facts it is computed from (recursively) that `stated` does not already hold, in formula order.
pub fn questions_for(program: &Program, fact: usize, stated: &dyn Fn(usize) -> bool) -> Vec<usize> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![fact];
    while let Some(f) = stack.pop() {
        if !seen.insert(f) {
            continue;
        }
        let Some(def) = program.facts.get(f) else {
            continue;
        };
        match &def.derived {
            None => {
                if !stated(f) {
                    out.push(f);
                }
            }
            Some(calc) => {
                let mut inputs = Vec::new();
                calc_facts(calc, &mut inputs);
                // The stack pops the last first: push in reverse to keep formula order.
                for i in inputs.into_iter().rev() {
                    if !stated(i) {
                        stack.push(i);
                    }
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------------ relevance

/// One test a question's `enableWhen` can state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Atom {
    fact: usize,
    test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Test {
    /// `=` true/false (a yes/no or documentation fact).
    Bool(bool),
    /// `=` this enumeration value (for a set: one of its values).
    Is(u32),
    /// `!=` this enumeration value.
    IsNot(u32),
    /// `exists` true/false.
    Exists(bool),
}

/// A condition in disjunctive normal form: any of these conjunctions. `[]` never holds; a
/// conjunction with no atom always does.
type Dnf = Vec<BTreeSet<Atom>>;

const MAX_ALTERNATIVES: usize = 64;

fn always() -> Dnf {
    vec![BTreeSet::new()]
}

fn or(mut a: Dnf, b: Dnf) -> Dnf {
    a.extend(b);
    simplify(a)
}

fn and(a: &Dnf, b: &Dnf) -> Dnf {
    if a.len() * b.len() > MAX_ALTERNATIVES * 4 {
        return always();
    }
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let mut c = x.clone();
            c.extend(y.iter().cloned());
            out.push(c);
        }
    }
    simplify(out)
}

/// Drop impossible conjunctions (a fact equal to two values) and those another one implies.
fn simplify(d: Dnf) -> Dnf {
    let mut d: Dnf = d.into_iter().filter(possible).collect();
    d.sort_by_key(|c| c.len());
    d.dedup();
    let mut kept: Dnf = Vec::new();
    for c in d {
        if !kept.iter().any(|k| k.is_subset(&c)) {
            kept.push(c);
        }
    }
    if kept.len() > MAX_ALTERNATIVES {
        return always();
    }
    kept
}

fn possible(c: &BTreeSet<Atom>) -> bool {
    // `Is` on a set fact may name several values at once; only one-value facts are checked here
    // through `Bool`, `Exists` and `Is`/`IsNot` of the same value.
    !c.iter().any(|a| {
        c.iter().any(|b| {
            a.fact == b.fact
                && match (&a.test, &b.test) {
                    (Test::Bool(x), Test::Bool(y)) | (Test::Exists(x), Test::Exists(y)) => x != y,
                    (Test::Is(x), Test::IsNot(y)) => x == y,
                    _ => false,
                }
        })
    })
}

/// A condition under which `cond` (or, `negated`, its negation) may hold: implied by it, as
/// narrow as the tests `enableWhen` can state allow.
fn widen(program: &Program, cond: &Cond, negated: bool) -> Dnf {
    let askable = |f: u32| is_askable(program, f as usize);
    let atom = |fact: u32, test: Test| {
        vec![BTreeSet::from([Atom {
            fact: fact as usize,
            test,
        }])]
    };
    let values = |mask: u128| (0..128u32).filter(move |i| mask & (1u128 << i) != 0);
    match cond {
        Cond::All { all } | Cond::Any { any: all } => {
            let conj = matches!(cond, Cond::All { .. }) != negated;
            let parts = all.iter().map(|c| widen(program, c, negated));
            if conj {
                parts.fold(always(), |acc, p| and(&acc, &p))
            } else {
                parts.fold(Vec::new(), or)
            }
        }
        Cond::Not { not } => widen(program, not, !negated),
        Cond::IsTrue { fact } if askable(*fact) => atom(*fact, Test::Bool(!negated)),
        Cond::Known { fact } if askable(*fact) => atom(*fact, Test::Exists(!negated)),
        Cond::EnumIn { fact, mask, .. } if askable(*fact) => {
            if negated {
                values(*mask)
                    .map(|v| atom(*fact, Test::IsNot(v)))
                    .fold(always(), |acc, p| and(&acc, &p))
            } else {
                values(*mask)
                    .map(|v| atom(*fact, Test::Is(v)))
                    .fold(Vec::new(), or)
            }
        }
        Cond::SetHas {
            fact, quant, mask, ..
        } if askable(*fact) => match (quant, negated) {
            (SetQuant::Any, false) | (SetQuant::None, true) => values(*mask)
                .map(|v| atom(*fact, Test::Is(v)))
                .fold(Vec::new(), or),
            (SetQuant::All, false) => values(*mask)
                .map(|v| atom(*fact, Test::Is(v)))
                .fold(always(), |acc, p| and(&acc, &p)),
            _ => always(),
        },
        _ => always(),
    }
}

fn calc_facts(calc: &Calc, out: &mut Vec<usize>) {
    match calc {
        Calc::Fact { fact } => {
            if !out.contains(&(*fact as usize)) {
                out.push(*fact as usize);
            }
        }
        Calc::Arith { left, right, .. } => {
            calc_facts(left, out);
            calc_facts(right, out);
        }
        Calc::AgeInYears { date } => calc_facts(date, out),
        Calc::BsaMosteller { height, weight } => {
            calc_facts(height, out);
            calc_facts(weight, out);
        }
        Calc::Number { .. } | Calc::Date { .. } | Calc::DateOfService => {}
    }
}

fn cond_facts(cond: &Cond, out: &mut Vec<usize>) {
    match cond {
        Cond::All { all: cs } | Cond::Any { any: cs } => cs.iter().for_each(|c| cond_facts(c, out)),
        Cond::Not { not } => cond_facts(not, out),
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => out.push(*fact as usize),
        Cond::CompareFacts { left, right, .. } => {
            out.push(*left as usize);
            out.push(*right as usize);
        }
    }
}

struct Walk<'p> {
    program: &'p Program,
    relevance: Vec<Dnf>,
}

impl Walk<'_> {
    /// The facts a condition reads (computed facts through their inputs) matter in `ctx`.
    fn reads(&mut self, cond: &Cond, ctx: &Dnf) {
        let mut facts = Vec::new();
        cond_facts(cond, &mut facts);
        let stated = |_: usize| false;
        for f in facts {
            for q in questions_for(self.program, f, &stated) {
                let r = std::mem::take(&mut self.relevance[q]);
                self.relevance[q] = or(r, ctx.clone());
            }
        }
    }

    fn node(&mut self, node: &Node, ctx: &Dnf) {
        let mut ctx = ctx.clone();
        for c in [&node.guard, &node.only_if].into_iter().flatten() {
            self.reads(c, &ctx);
            ctx = and(&ctx, &widen(self.program, c, false));
        }
        match &node.body {
            NodeBody::Group { children, .. } => {
                for c in children {
                    self.node(c, &ctx);
                }
            }
            NodeBody::Condition { condition } => self.reads(condition, &ctx),
            NodeBody::Referral { .. } => {}
        }
    }
}

/// For each fact, when it matters (`[]`: never).
fn relevance(program: &Program) -> Vec<Dnf> {
    let mut w = Walk {
        program,
        relevance: vec![Vec::new(); program.facts.len()],
    };
    for ind in &program.indications {
        let mut ctx = always();
        if let Some(a) = &ind.applies {
            w.reads(a, &always());
            ctx = widen(program, a, false);
        }
        w.node(&ind.criteria, &ctx);
        if let Some(d) = &ind.dosing {
            w.node(d, &ctx);
        }
    }
    w.relevance
}

/// The flat `enableWhen` of a relevance (widened where needed), and whether it is `all` (else
/// `any`). No atom: always shown.
fn enable_when(fact: usize, rel: &Dnf, always_shown: &dyn Fn(usize) -> bool) -> (Vec<Atom>, bool) {
    // A question is not enabled by itself: drop such atoms (widening).
    let rel: Dnf = simplify(
        rel.iter()
            .map(|c| c.iter().filter(|a| a.fact != fact).cloned().collect())
            .collect(),
    );
    if rel.iter().any(BTreeSet::is_empty) || rel.is_empty() {
        return (Vec::new(), true);
    }
    if rel.len() == 1 {
        return (rel[0].iter().cloned().collect(), true);
    }
    if rel.iter().all(|c| c.len() == 1) {
        return (rel.iter().flat_map(|c| c.iter().cloned()).collect(), false);
    }
    let common: BTreeSet<Atom> = rel.iter().skip(1).fold(rel[0].clone(), |acc, c| {
        acc.intersection(c).cloned().collect()
    });
    if !common.is_empty() {
        return (common.into_iter().collect(), true);
    }
    // Each alternative widened to one of its tests, of a question shown always where it has
    // one (so the question shows as soon as that one is answered): any of them.
    let firsts: BTreeSet<Atom> = rel
        .iter()
        .filter_map(|c| {
            c.iter()
                .find(|a| always_shown(a.fact))
                .or_else(|| c.first())
                .cloned()
        })
        .collect();
    (firsts.into_iter().collect(), false)
}

/// Questions that would enable each other in a circle would never show: those lose their
/// `enableWhen` (shown always).
fn drop_cycles(asked: &[usize], enable: &mut [(Vec<Atom>, bool)]) {
    let index = |f: usize| asked.iter().position(|&a| a == f);
    loop {
        let deps: Vec<Vec<usize>> = enable
            .iter()
            .map(|(atoms, _)| atoms.iter().filter_map(|a| index(a.fact)).collect())
            .collect();
        // Find a node on a cycle by depth-first search with colours.
        let n = deps.len();
        let mut colour = vec![0u8; n];
        let mut on_cycle = None;
        for start in 0..n {
            if colour[start] != 0 || on_cycle.is_some() {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            colour[start] = 1;
            while let Some(&mut (v, ref mut next)) = stack.last_mut() {
                if let Some(&w) = deps[v].get(*next) {
                    *next += 1;
                    match colour[w] {
                        0 => {
                            colour[w] = 1;
                            stack.push((w, 0));
                        }
                        1 => {
                            on_cycle = Some(w);
                            break;
                        }
                        _ => {}
                    }
                } else {
                    colour[v] = 2;
                    stack.pop();
                }
            }
        }
        match on_cycle {
            Some(v) => enable[v].0.clear(),
            None => return,
        }
    }
}

/// How many questions deep each question's `enableWhen` goes (0: shown always); the
/// dependencies have no circle ([`drop_cycles`]).
fn depths(asked: &[usize], enable: &[(Vec<Atom>, bool)]) -> Vec<usize> {
    let mut depth = vec![0usize; asked.len()];
    // At most `asked.len()` rounds: each sets the depth of one more level.
    for _ in 0..asked.len() {
        let mut changed = false;
        for (i, (atoms, _)) in enable.iter().enumerate() {
            let d = atoms
                .iter()
                .filter_map(|a| asked.iter().position(|&f| f == a.fact))
                .map(|j| depth[j] + 1)
                .max()
                .unwrap_or(0);
            if d != depth[i] && d <= asked.len() {
                depth[i] = d;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

fn enable_when_json(program: &Program, opts: &Options, a: &Atom) -> Option<EnableWhen> {
    let f = program.facts.get(a.fact)?;
    let mut e = EnableWhen {
        question: f.name.clone(),
        operator: "=",
        answer_boolean: None,
        answer_coding: None,
    };
    let coding = |v: u32| -> Option<Coding> {
        let (FactType::Enum { enum_index } | FactType::Set { enum_index }) = &f.ty else {
            return None;
        };
        let en = program.enums.get(*enum_index as usize)?;
        let value = en.values.get(v as usize)?;
        Some(Coding {
            system: Some(code_system_url(program, opts, *enum_index as usize)),
            code: Some(value.name.clone()),
            display: None,
        })
    };
    match &a.test {
        Test::Bool(b) => e.answer_boolean = Some(*b),
        Test::Exists(b) => {
            e.operator = "exists";
            e.answer_boolean = Some(*b);
        }
        Test::Is(v) => e.answer_coding = Some(coding(*v)?),
        Test::IsNot(v) => {
            e.operator = "!=";
            e.answer_coding = Some(coding(*v)?);
        }
    }
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(src: &str) -> Program {
        let checked = policyc::compile_source(src);
        match checked.program {
            Some(p) => p,
            None => panic!("does not compile: {:?}", checked.diagnostics),
        }
    }

    const POLICY: &str = r#"
policy p {
  title "T" drug "D" effective 2024-01-01
}
enum Diagnosis open "The condition" { a "A" b "B" c "C" }
enum Route "How" { iv "IV" sc "SC" }
fact diagnosis: Diagnosis "The condition"
fact route: Route "The route"
fact adult: boolean "Adult"
fact weight: kg "Weight"
fact dose: mg "Dose"
fact dose_per_kg: mg/kg "Dose per kg" = dose / weight
fact prior: count "Prior therapies"
fact unused: boolean "Never read"
indication 1 "A" {
  applies when diagnosis is a
  approve for 1 year
  criteria: one of {
    A "IV" when route is iv: all of {
      i "Adult": adult
      ii "Dose": dose_per_kg at most 1 mg/kg
    }
    B "SC" when route is sc: prior at least 1
  }
}
indication 2 "B" {
  applies when diagnosis is one of [b, c]
  approve for 1 year
  criteria: all of { A "Adult": adult }
}
"#;

    fn find<'a>(q: &'a Questionnaire, id: &str) -> &'a Item {
        q.item
            .iter()
            .find(|i| i.link_id == id)
            .unwrap_or_else(|| panic!("no item {id}"))
    }

    fn conds(i: &Item) -> Vec<(String, &'static str, String)> {
        i.enable_when
            .iter()
            .map(|e| {
                let ans = match (&e.answer_boolean, &e.answer_coding) {
                    (Some(b), _) => b.to_string(),
                    (_, Some(c)) => c.code.clone().unwrap_or_default(),
                    _ => String::new(),
                };
                (e.question.clone(), e.operator, ans)
            })
            .collect()
    }

    #[test]
    fn items_types_and_enable_when() {
        let p = compile(POLICY);
        let q = questionnaire(&p, &Options::default());
        let ids: Vec<&str> = q.item.iter().map(|i| i.link_id.as_str()).collect();
        // Derived facts are not asked, their inputs are; a fact nothing reads is not asked.
        assert_eq!(
            ids,
            ["diagnosis", "route", "adult", "weight", "dose", "prior"]
        );
        assert_eq!(find(&q, "diagnosis").ty, "open-choice");
        assert!(find(&q, "diagnosis").enable_when.is_empty());
        assert_eq!(find(&q, "route").ty, "choice");
        assert_eq!(find(&q, "weight").ty, "quantity");
        assert_eq!(find(&q, "prior").ty, "integer");
        // route matters under indication 1 only.
        assert_eq!(
            conds(find(&q, "route")),
            [("diagnosis".into(), "=", "a".into())]
        );
        // dose (through dose_per_kg) under 1.A: diagnosis a and route iv.
        assert_eq!(
            conds(find(&q, "dose")),
            [
                ("diagnosis".into(), "=", "a".into()),
                ("route".into(), "=", "iv".into())
            ]
        );
        assert_eq!(find(&q, "dose").enable_behavior, Some("all"));
        assert_eq!(
            conds(find(&q, "prior")),
            [
                ("diagnosis".into(), "=", "a".into()),
                ("route".into(), "=", "sc".into())
            ]
        );
        // adult: (a and iv) or b or c: widened to any of a, b, c.
        assert_eq!(
            conds(find(&q, "adult")),
            [
                ("diagnosis".into(), "=", "a".into()),
                ("diagnosis".into(), "=", "b".into()),
                ("diagnosis".into(), "=", "c".into())
            ]
        );
        assert_eq!(find(&q, "adult").enable_behavior, Some("any"));
    }

    #[test]
    fn derived_inputs_in_formula_order() {
        let p = compile(POLICY);
        let dpk = p.fact_index("dose_per_kg").unwrap_or(usize::MAX);
        let names = |v: Vec<usize>| -> Vec<String> {
            v.into_iter().map(|f| p.facts[f].name.clone()).collect()
        };
        assert_eq!(
            names(questions_for(&p, dpk, &|_| false)),
            ["dose", "weight"]
        );
        let dose = p.fact_index("dose").unwrap_or(usize::MAX);
        assert_eq!(names(questions_for(&p, dpk, &|f| f == dose)), ["weight"]);
    }

    #[test]
    fn negated_guards_and_cycles() {
        let p = compile(
            r#"
policy p { title "T" drug "D" effective 2024-01-01 }
enum Route "How" { iv "IV" sc "SC" oral "Oral" }
fact route: Route "The route"
fact x: boolean "X"
fact y: boolean "Y"
indication 1 "A" {
  approve for 1 year
  criteria: all of {
    A "not iv" when not (route is iv): x
    B "y" when x: y
  }
}
"#,
        );
        let q = questionnaire(&p, &Options::default());
        assert_eq!(conds(find(&q, "x")), [] as [(String, &str, String); 0]);
        assert_eq!(conds(find(&q, "y")), [("x".into(), "=", "true".into())]);
        // x is read both always (as B's guard) and when route is not iv: always wins.
        let mut enable = vec![
            (
                vec![Atom {
                    fact: 1,
                    test: Test::Bool(true),
                }],
                true,
            ),
            (
                vec![Atom {
                    fact: 0,
                    test: Test::Bool(true),
                }],
                true,
            ),
        ];
        drop_cycles(&[0, 1], &mut enable);
        assert!(enable.iter().any(|(a, _)| a.is_empty()));
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(
            computer_name("aldesleukin_other_plan"),
            "AldesleukinOtherPlan"
        );
        assert_eq!(computer_name("9x"), "Policy9x");
        assert_eq!(fhir_id("a_b.c"), "a-b.c");
    }
}
