//! Lints: warnings for policies that compile but are probably wrong (`policyc check --strict`
//! turns them into errors).
//!
//! - W0100 a fact no criterion, limit or derivation uses;
//! - W0101 a criterion that can never hold; W0102 one that can never fail;
//! - W0103 dosing limits that contradict each other (the dosing can never hold);
//!   W0104 a limit that can never be exceeded;
//! - W0105 labels with a gap or out of sequence (`1.A.i` then `1.A.iii`);
//! - W0106 an indication no test case exercises;
//! - W0107 a way to approve with no dosing limit in an indication that has dosing limits.
//!
//! "Can never hold / fail" is decided exactly for conditions over comparisons with constants: each
//! fact ranges over the points that separate the policy's own constants for it (below, at, between
//! and above them), every enumeration value, every subset of a small set, so every distinct
//! behaviour of the condition is tried. Conditions over too many combinations are skipped.
//!
//! Longer than 800 lines on purpose: the lints share one walk of the compiled program and one exact
//! search for criteria that cannot hold or fail; a fifth of the file is the tests of that search.

use crate::check::SpanIndex;
use policyc_eval::cases::Coverage;
use policyc_eval::eval::{self, Tv};
use policyc_eval::request::{Value, UNLISTED};
use policyc_ir::ir::{Cond, Const, FactType, IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::GroupKind;
use policyc_syntax::diag::Diagnostic;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The codes of the lints' warnings.
pub(crate) mod codes {
    /// A fact no criterion, limit or derivation uses.
    pub const UNUSED_FACT: &str = "W0100";
    /// A criterion that can never hold.
    pub const NEVER_HOLDS: &str = "W0101";
    /// A criterion that can never fail.
    pub const NEVER_FAILS: &str = "W0102";
    /// Dosing limits that contradict each other.
    pub const CONTRADICTORY_LIMITS: &str = "W0103";
    /// A limit that can never be exceeded.
    pub const NEVER_EXCEEDED: &str = "W0104";
    /// Labels with a gap or out of sequence.
    pub const LABEL_GAP: &str = "W0105";
    /// An indication no test case exercises.
    pub const INDICATION_WITHOUT_CASES: &str = "W0106";
    /// A way to approve with no dosing limit in an indication that has dosing limits.
    pub const APPROVAL_WITHOUT_LIMIT: &str = "W0107";
}

/// The most value combinations tried for one condition.
const MAX_COMBINATIONS: usize = 200_000;

/// Lint a compiled program. `coverage` is the coverage of its test cases, if it has a cases file.
pub fn lint(p: &Program, spans: &SpanIndex, coverage: Option<&Coverage>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unused_facts(p, spans, &mut out);
    for ind in &p.indications {
        let label_span = spans.labels.get(&ind.label).copied().unwrap_or_default();
        nodes(p, spans, &ind.criteria, false, &mut out);
        if let Some(d) = &ind.dosing {
            // A reauthorization under the indication's own dosing: its limits are linted once.
            if !inherited_dosing(p, ind) {
                nodes(p, spans, d, true, &mut out);
            }
        }
        match coverage {
            None => out.push(
                Diagnostic::warning(
                    codes::INDICATION_WITHOUT_CASES,
                    format!("indication {} (\"{}\") has no test cases: the policy has no cases file", ind.label, ind.title),
                    label_span,
                    "not tested",
                )
                .with_help("write `<policy>.cases.yaml` beside the policy, with cases that approve and deny under each indication"),
            ),
            Some(c) => {
                let reached = c.reached.contains(&ind.label);
                if !reached {
                    out.push(
                        Diagnostic::warning(
                            codes::INDICATION_WITHOUT_CASES,
                            format!("no test case exercises indication {} (\"{}\")", ind.label, ind.title),
                            label_span,
                            "not tested",
                        )
                        .with_help("add cases to the cases file whose requests fall under this indication"),
                    )
                }
            }
        }
    }
    label_gaps(p, spans, &mut out);
    approvals_without_limits(p, spans, &mut out);
    out.sort_by_key(|d| (d.primary.span.start, d.code));
    out
}

fn unused_facts(p: &Program, spans: &SpanIndex, out: &mut Vec<Diagnostic>) {
    let mut used = BTreeSet::new();
    let add_cond = |c: &Cond, used: &mut BTreeSet<u32>| cond_facts(c, used);
    for ind in &p.indications {
        if let Some(a) = &ind.applies {
            add_cond(a, &mut used);
        }
        node_facts(&ind.criteria, &mut used);
        if let Some(d) = &ind.dosing {
            node_facts(d, &mut used);
        }
    }
    // Inputs of used derived facts are used.
    let mut changed = true;
    while changed {
        changed = false;
        for (i, f) in p.facts.iter().enumerate() {
            if let (true, Some(c)) = (used.contains(&(i as u32)), &f.derived) {
                let mut ins = Vec::new();
                policyc_eval::request::collect_inputs(c, &mut ins);
                for x in ins {
                    changed |= used.insert(x);
                }
            }
        }
    }
    for (i, f) in p.facts.iter().enumerate() {
        // Only facts this file declares: a library's facts serve many policies.
        let Some(&span) = spans.facts.get(&f.name) else {
            continue;
        };
        if !used.contains(&(i as u32)) {
            out.push(
                Diagnostic::warning(
                    codes::UNUSED_FACT,
                    format!(
                        "fact `{}` is declared but no criterion, limit or derived fact uses it",
                        f.name
                    ),
                    span,
                    "unused",
                )
                .with_help(
                    "remove the declaration, or use the fact where the document requires it",
                ),
            );
        }
    }
}

fn node_facts(n: &Node, out: &mut BTreeSet<u32>) {
    for g in n.guard.iter().chain(&n.only_if) {
        cond_facts(g, out);
    }
    match &n.body {
        NodeBody::Referral { .. } => {}
        NodeBody::Condition { condition } => cond_facts(condition, out),
        NodeBody::Group { children, .. } => children.iter().for_each(|c| node_facts(c, out)),
    }
}

fn cond_facts(c: &Cond, out: &mut BTreeSet<u32>) {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| cond_facts(x, out)),
        Cond::Not { not } => cond_facts(not, out),
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => {
            out.insert(*fact);
        }
        Cond::CompareFacts { left, right, .. } => {
            out.insert(*left);
            out.insert(*right);
        }
    }
}

/// The values worth trying for each fact of `only`: those that separate the constants the
/// conditions `conds` compare it with (the other entries are empty). A node's truth depends only
/// on its own comparisons, so the constants of the node's own conditions are enough to decide
/// exactly whether it can hold and whether it can fail; taking the whole policy's would make the
/// lints quadratic in the number of indications.
fn candidates(p: &Program, conds: &[&Cond], only: &BTreeSet<u32>) -> Vec<Vec<Value>> {
    let mut constants: BTreeMap<u32, BTreeSet<Decimal>> = BTreeMap::new();
    let mut dates: BTreeMap<u32, BTreeSet<i32>> = BTreeMap::new();
    let mut masks: BTreeMap<u32, BTreeSet<u128>> = BTreeMap::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut visit = |c: &Cond| {
        let mut stack = vec![c];
        while let Some(c) = stack.pop() {
            match c {
                Cond::All { all: v } | Cond::Any { any: v } => stack.extend(v.iter()),
                Cond::Not { not } => stack.push(not),
                Cond::Compare { fact, limit, .. } => match limit.value {
                    Const::Number(d) => {
                        constants.entry(*fact).or_default().insert(d);
                    }
                    Const::Date(d) => {
                        dates.entry(*fact).or_default().insert(d);
                    }
                },
                Cond::SetHas { fact, mask, .. } => {
                    masks.entry(*fact).or_default().insert(*mask);
                }
                Cond::CompareFacts { left, right, .. } => pairs.push((*left, *right)),
                _ => {}
            }
        }
    };
    for c in conds {
        visit(c);
    }
    // Facts compared with each other share their constants, plus a point on each side of every
    // one of them, so either can be the larger.
    for (a, b) in pairs {
        for set in [
            &mut constants as &mut dyn Share,
            &mut dates as &mut dyn Share,
        ] {
            set.share(a, b);
        }
    }
    // Only the facts of `only` are given candidates: a node reads a few of the program's facts.
    let mut out: Vec<Vec<Value>> = vec![Vec::new(); p.facts.len()];
    for &i in only {
        let (Some(f), Some(slot)) = (p.facts.get(i as usize), out.get_mut(i as usize)) else {
            continue;
        };
        *slot = match &f.ty {
            FactType::Boolean | FactType::Documentation => {
                vec![Value::Bool(false), Value::Bool(true)]
            }
            FactType::Enum { enum_index } => {
                let e = &p.enums[*enum_index as usize];
                let mut v: Vec<Value> = (0..e.values.len() as u32).map(Value::Enum).collect();
                if e.open {
                    v.push(Value::Enum(UNLISTED));
                }
                v
            }
            FactType::Set { enum_index } => {
                let n = p.enums[*enum_index as usize].values.len();
                if n <= 8 {
                    (0..(1u128 << n)).map(Value::Set).collect()
                } else {
                    let mut v: BTreeSet<u128> = [0u128, (1u128 << n.min(127)) - 1].into();
                    for m in masks.get(&i).into_iter().flatten() {
                        v.insert(*m);
                        for b in 0..n {
                            v.insert(1u128 << b);
                            v.insert(*m & !(1u128 << b));
                        }
                    }
                    v.into_iter().map(Value::Set).collect()
                }
            }
            FactType::Date => separating_i32(dates.get(&i))
                .into_iter()
                .map(Value::Date)
                .collect(),
            FactType::Count => separating(constants.get(&i), true)
                .into_iter()
                .map(|d| Value::Num(d, 0))
                .collect(),
            FactType::Number => separating(constants.get(&i), false)
                .into_iter()
                .map(|d| Value::Num(d, 0))
                .collect(),
            // Quantities (doses, weights, durations) are never negative: requests are refused.
            FactType::Quantity { .. } => separating(constants.get(&i), false)
                .into_iter()
                .filter(|d| !d.is_sign_negative())
                .map(|d| Value::Num(d, 0))
                .collect(),
        };
    }
    out
}

/// Pooling the constants of two facts compared with each other.
trait Share {
    fn share(&mut self, a: u32, b: u32);
}

impl<T: Ord + Clone> Share for BTreeMap<u32, BTreeSet<T>> {
    fn share(&mut self, a: u32, b: u32) {
        let mut all: BTreeSet<T> = self.get(&a).cloned().unwrap_or_default();
        all.extend(self.get(&b).cloned().unwrap_or_default());
        if all.is_empty() {
            return;
        }
        self.insert(a, all.clone());
        self.insert(b, all);
    }
}

fn collect_node_conds<'a>(n: &'a Node, out: &mut Vec<&'a Cond>) {
    for g in n.guard.iter().chain(&n.only_if) {
        out.push(g);
    }
    match &n.body {
        NodeBody::Referral { .. } => {}
        NodeBody::Condition { condition } => out.push(condition),
        NodeBody::Group { children, .. } => {
            children.iter().for_each(|c| collect_node_conds(c, out))
        }
    }
}

fn separating(cs: Option<&BTreeSet<Decimal>>, integer: bool) -> Vec<Decimal> {
    let cs: Vec<Decimal> = cs.map(|s| s.iter().copied().collect()).unwrap_or_default();
    if cs.is_empty() {
        // Two points, so that a fact compared only with another fact can be either side of it.
        return vec![Decimal::ZERO, Decimal::ONE];
    }
    let mut out = BTreeSet::new();
    let one = Decimal::ONE;
    out.insert(cs[0] - one);
    for (i, c) in cs.iter().enumerate() {
        out.insert(*c);
        match cs.get(i + 1) {
            Some(next) => {
                let mid = (*c + *next) / Decimal::TWO;
                if integer {
                    out.insert(mid.floor());
                    out.insert(mid.ceil());
                } else {
                    out.insert(mid);
                }
            }
            None => {
                out.insert(*c + one);
            }
        }
    }
    out.into_iter()
        .filter(|d| !integer || !d.is_sign_negative())
        .collect()
}

fn separating_i32(cs: Option<&BTreeSet<i32>>) -> Vec<i32> {
    let Some(cs) = cs else { return vec![0, 1] };
    let mut out = BTreeSet::new();
    for c in cs {
        out.extend([c.saturating_sub(1), *c, c.saturating_add(1)]);
    }
    out.into_iter().collect()
}

/// Whether a node can hold and can fail over every combination of its facts' candidates: `None`
/// when there are more than [`MAX_COMBINATIONS`] of them. Found exactly, without trying each
/// combination ([`outs`]): only the facts two parts of a condition share are tried together.
fn outcomes(n: &Node, slots: &[u32], cands: &[Vec<Value>], nfacts: usize) -> Option<(bool, bool)> {
    let total = slots.iter().try_fold(1usize, |acc, s| {
        acc.checked_mul(cands[*s as usize].len().max(1))
    })?;
    if total > MAX_COMBINATIONS {
        return None;
    }
    let mut values: Vec<Option<Value>> = vec![None; nfacts];
    let mut fixed = vec![false; nfacts];
    let o = outs(&node_piece(n), cands, &mut values, &mut fixed);
    Some((o & bit(Tv::True) != 0, o & bit(Tv::False) != 0))
}

/// Whether a node can hold and can fail, trying every combination of its facts' candidates one
/// by one: what [`outcomes`] finds, the slow way (kept to check it).
#[cfg(test)]
fn outcomes_tried(
    n: &Node,
    slots: &[u32],
    cands: &[Vec<Value>],
    nfacts: usize,
) -> Option<(bool, bool)> {
    let total = slots.iter().try_fold(1usize, |acc, s| {
        acc.checked_mul(cands[*s as usize].len().max(1))
    })?;
    if total > MAX_COMBINATIONS {
        return None;
    }
    let mut values: Vec<Option<Value>> = vec![None; nfacts];
    let (mut held, mut failed) = (false, false);
    for mut k in 0..total {
        for s in slots {
            let c = &cands[*s as usize];
            values[*s as usize] = c.get(k % c.len().max(1)).copied();
            k /= c.len().max(1);
        }
        match eval::node(n, &values) {
            Tv::True => held = true,
            Tv::False => failed = true,
            Tv::Unknown => {}
        }
        if held && failed {
            break;
        }
    }
    Some((held, failed))
}

/// Lint a node and its descendants; only the deepest node at fault is reported (an ancestor that
/// cannot hold because a child cannot is not reported again). Returns whether anything was reported.
fn nodes(
    p: &Program,
    spans: &SpanIndex,
    n: &Node,
    dosing: bool,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let mut below = false;
    if let NodeBody::Group { children, .. } = &n.body {
        for c in children {
            below |= nodes(p, spans, c, dosing, out);
        }
    }
    if below {
        return true;
    }
    // A referral is an outcome, not a condition: there is nothing in it to hold or fail.
    if matches!(n.body, NodeBody::Referral { .. }) {
        return false;
    }
    let mut facts = BTreeSet::new();
    node_facts(n, &mut facts);
    let mut conds = Vec::new();
    collect_node_conds(n, &mut conds);
    let cands = candidates(p, &conds, &facts);
    let slots: Vec<u32> = facts.into_iter().collect();
    let span = spans.labels.get(&n.label).copied().unwrap_or_default();
    if let Some((held, failed)) = outcomes(n, &slots, &cands, p.facts.len()) {
        if !held {
            out.push(if dosing {
                Diagnostic::warning(codes::CONTRADICTORY_LIMITS, format!("the dosing limits of {} contradict each other: no request can meet them", n.label), span, "can never hold")
                    .with_help("check the limits against the document: a lower and an upper limit may be swapped")
            } else {
                Diagnostic::warning(codes::NEVER_HOLDS, format!("criterion {} can never hold, whatever the request states", n.label), span, "can never hold")
                    .with_help("check the condition against the document: a comparison may be reversed, or two requirements exclude each other")
            });
            return true;
        } else if !failed {
            out.push(if dosing {
                Diagnostic::warning(codes::NEVER_EXCEEDED, format!("the dosing limit {} can never be exceeded", n.label), span, "can never fail")
                    .with_help("a limit that every request meets checks nothing; check it against the document")
            } else {
                Diagnostic::warning(codes::NEVER_FAILS, format!("criterion {} can never fail, whatever the request states", n.label), span, "can never fail")
                    .with_help("a criterion every request meets checks nothing; check it against the document")
            });
            return true;
        }
    }
    // Within a dosing condition, each single limit that can never be exceeded.
    let mut reported = false;
    if dosing {
        if let NodeBody::Condition { condition } = &n.body {
            let mut leaves = Vec::new();
            leaf_conds(condition, &mut leaves);
            if leaves.len() > 1 {
                for leaf in leaves {
                    let single = Node {
                        label: n.label.clone(),
                        text: String::new(),
                        guard: None,
                        only_if: None,
                        body: NodeBody::Condition {
                            condition: leaf.clone(),
                        },
                        course: None,
                    };
                    let mut f = BTreeSet::new();
                    cond_facts(leaf, &mut f);
                    let leaf_cands = candidates(p, &[leaf], &f);
                    let s: Vec<u32> = f.into_iter().collect();
                    if let Some((true, false)) = outcomes(&single, &s, &leaf_cands, p.facts.len()) {
                        let what = policyc_eval::eval::describe(p, leaf);
                        out.push(
                            Diagnostic::warning(codes::NEVER_EXCEEDED, format!("the limit `{what}` in {} can never be exceeded", n.label), span, "can never fail")
                                .with_help("a limit that every request meets checks nothing; check it against the document"),
                        );
                        reported = true;
                    }
                }
            }
        }
    }
    reported
}

fn leaf_conds<'a>(c: &'a Cond, out: &mut Vec<&'a Cond>) {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| leaf_conds(x, out)),
        leaf => out.push(leaf),
    }
}

// ---------------------------------------------------------------------- exact outcomes

/// A set of three-valued outcomes: bit 0 false, bit 1 unknown, bit 2 true.
type Outs = u8;

const ALL_OUTS: Outs = 0b111;

fn bit(t: Tv) -> Outs {
    match t {
        Tv::False => 1,
        Tv::Unknown => 2,
        Tv::True => 4,
    }
}

const TVS: [Tv; 3] = [Tv::False, Tv::Unknown, Tv::True];

/// `{ f(a, b) : a ∈ x, b ∈ y }`.
fn combine(x: Outs, y: Outs, f: impl Fn(Tv, Tv) -> Tv) -> Outs {
    let mut out = 0;
    for a in TVS {
        if x & bit(a) == 0 {
            continue;
        }
        for b in TVS {
            if y & bit(b) != 0 {
                out |= bit(f(a, b));
            }
        }
    }
    out
}

fn and3(a: Tv, b: Tv) -> Tv {
    match (a, b) {
        (Tv::False, _) | (_, Tv::False) => Tv::False,
        (Tv::True, Tv::True) => Tv::True,
        _ => Tv::Unknown,
    }
}

fn or3(a: Tv, b: Tv) -> Tv {
    match (a, b) {
        (Tv::True, _) | (_, Tv::True) => Tv::True,
        (Tv::False, Tv::False) => Tv::False,
        _ => Tv::Unknown,
    }
}

fn not3(a: Tv) -> Tv {
    match a {
        Tv::True => Tv::False,
        Tv::False => Tv::True,
        Tv::Unknown => Tv::Unknown,
    }
}

/// A labelled node's value (as [`eval::node`] reads it) from its guard `g`, its `if` condition `p`
/// and its body `b` (each true when absent).
fn finish(g: Tv, p: Tv, b: Tv) -> Tv {
    eval::node_value(g, p, b)
}

/// A part of a node, as the exact search sees it: a function of its parts' values, or a leaf
/// condition over one or two facts; with the facts it reads, found once when it is built (the
/// search asks for them at every combination it tries).
struct Piece<'a> {
    kind: Kind<'a>,
    /// For a node, its guard (if any), its `if` condition (if any) and its body, in that order.
    parts: Vec<Piece<'a>>,
    /// The facts the part reads, in increasing order, each once.
    facts: Vec<u32>,
}

enum Kind<'a> {
    /// A node, and whether it has a guard and an `if` condition.
    Node {
        guard: bool,
        only_if: bool,
    },
    All,
    Any,
    Not,
    /// A referral leaf: holds, as [`eval::node`] reads it.
    Holds,
    Leaf(&'a Cond),
}

impl<'a> Piece<'a> {
    fn new(kind: Kind<'a>, parts: Vec<Piece<'a>>) -> Piece<'a> {
        let mut facts: Vec<u32> = match &kind {
            Kind::Leaf(c) => {
                let mut f = BTreeSet::new();
                cond_facts(c, &mut f);
                f.into_iter().collect()
            }
            _ => parts.iter().flat_map(|p| p.facts.iter().copied()).collect(),
        };
        facts.sort_unstable();
        facts.dedup();
        Piece { kind, parts, facts }
    }
}

fn cond_piece(c: &Cond) -> Piece<'_> {
    match c {
        Cond::All { all } => Piece::new(Kind::All, all.iter().map(cond_piece).collect()),
        Cond::Any { any } => Piece::new(Kind::Any, any.iter().map(cond_piece).collect()),
        Cond::Not { not } => Piece::new(Kind::Not, vec![cond_piece(not)]),
        leaf => Piece::new(Kind::Leaf(leaf), Vec::new()),
    }
}

fn node_piece(n: &Node) -> Piece<'_> {
    let body = match &n.body {
        NodeBody::Referral { .. } => Piece::new(Kind::Holds, Vec::new()),
        NodeBody::Condition { condition } => cond_piece(condition),
        NodeBody::Group { of, children } => {
            let parts = children.iter().map(node_piece).collect();
            match of {
                GroupKind::AllOf => Piece::new(Kind::All, parts),
                GroupKind::OneOf => Piece::new(Kind::Any, parts),
                GroupKind::NoneOf => Piece::new(Kind::Not, vec![Piece::new(Kind::Any, parts)]),
            }
        }
    };
    let mut parts: Vec<Piece> = n
        .guard
        .iter()
        .chain(&n.only_if)
        .map(|c| cond_piece(c))
        .collect();
    parts.push(body);
    Piece::new(
        Kind::Node {
            guard: n.guard.is_some(),
            only_if: n.only_if.is_some(),
        },
        parts,
    )
}

/// Every value a part takes over all combinations of the candidates of its facts that `values`
/// leaves unassigned (`None`): exactly what trying every combination gives, found by trying only
/// the facts that two of its parts share, and the parts' own facts separately. `fixed` marks, by
/// fact, those an enclosing part is trying (assigned in `values`); it is as it was on return.
fn outs(
    part: &Piece,
    cands: &[Vec<Value>],
    values: &mut [Option<Value>],
    fixed: &mut [bool],
) -> Outs {
    let is_free = |f: &u32, fixed: &[bool]| !fixed.get(*f as usize).copied().unwrap_or(false);
    match part.kind {
        Kind::Leaf(c) => {
            let free: Vec<u32> = part
                .facts
                .iter()
                .filter(|f| is_free(f, fixed))
                .copied()
                .collect();
            return enumerate(&free, cands, values, &mut |values| {
                bit(eval::cond(c, values))
            });
        }
        Kind::Holds => return bit(Tv::True),
        _ => {}
    }
    // The facts two parts share are tried one combination at a time; the rest of each part's
    // facts are its own, so the parts' values then combine independently.
    let mut all: Vec<u32> = part
        .parts
        .iter()
        .flat_map(|c| c.facts.iter().copied())
        .filter(|f| is_free(f, fixed))
        .collect();
    all.sort_unstable();
    let mut shared: Vec<u32> = all
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    shared.dedup();
    for f in &shared {
        fixed[*f as usize] = true;
    }
    let out = enumerate(&shared, cands, values, &mut |values| {
        let mut each = part.parts.iter().map(|c| outs(c, cands, values, fixed));
        match part.kind {
            Kind::Node { guard, only_if } => {
                let gv = if guard {
                    each.next().unwrap_or(0)
                } else {
                    bit(Tv::True)
                };
                let pv = if only_if {
                    each.next().unwrap_or(0)
                } else {
                    bit(Tv::True)
                };
                let bv = each.next().unwrap_or(0);
                let mut out = 0;
                for g in TVS.iter().filter(|t| gv & bit(**t) != 0) {
                    for p in TVS.iter().filter(|t| pv & bit(**t) != 0) {
                        for b in TVS.iter().filter(|t| bv & bit(**t) != 0) {
                            out |= bit(finish(*g, *p, *b));
                        }
                    }
                }
                out
            }
            Kind::All => each.fold(bit(Tv::True), |acc, o| combine(acc, o, and3)),
            Kind::Any => each.fold(bit(Tv::False), |acc, o| combine(acc, o, or3)),
            Kind::Not => {
                let o = each.next().unwrap_or(0);
                TVS.iter()
                    .filter(|t| o & bit(**t) != 0)
                    .fold(0, |acc, t| acc | bit(not3(*t)))
            }
            Kind::Holds | Kind::Leaf(_) => 0,
        }
    });
    for f in &shared {
        fixed[*f as usize] = false;
    }
    out
}

/// The union of `f` over every combination of the candidates of `slots` (a fact without
/// candidates stays unknown), stopping once every outcome has been seen.
fn enumerate(
    slots: &[u32],
    cands: &[Vec<Value>],
    values: &mut [Option<Value>],
    f: &mut dyn FnMut(&mut [Option<Value>]) -> Outs,
) -> Outs {
    let Some((first, rest)) = slots.split_first() else {
        return f(values);
    };
    let s = *first as usize;
    let mut out = 0;
    let c = &cands[s];
    if c.is_empty() {
        values[s] = None;
        out = enumerate(rest, cands, values, f);
    } else {
        for v in c {
            values[s] = Some(*v);
            out |= enumerate(rest, cands, values, f);
            if out == ALL_OUTS {
                break;
            }
        }
    }
    values[s] = None;
    out
}

// ---------------------------------------------------------------------- label sequences

fn roman(s: &str) -> Option<u32> {
    const R: [&str; 20] = [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv",
        "xv", "xvi", "xvii", "xviii", "xix", "xx",
    ];
    R.iter().position(|r| *r == s).map(|p| p as u32 + 1)
}

/// The position of each label in its numbering scheme, if the siblings follow one scheme.
fn sequence(labels: &[&str]) -> Option<Vec<u32>> {
    if labels.iter().all(|l| roman(l).is_some()) && labels.iter().any(|l| l.len() > 1 || *l == "i")
    {
        return labels.iter().map(|l| roman(l)).collect();
    }
    if labels
        .iter()
        .all(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_uppercase()))
    {
        return Some(
            labels
                .iter()
                .map(|l| l.as_bytes()[0] as u32 - b'A' as u32 + 1)
                .collect(),
        );
    }
    if labels
        .iter()
        .all(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_lowercase()))
    {
        return Some(
            labels
                .iter()
                .map(|l| l.as_bytes()[0] as u32 - b'a' as u32 + 1)
                .collect(),
        );
    }
    if labels.iter().all(|l| l.parse::<u32>().is_ok()) {
        return labels.iter().map(|l| l.parse().ok()).collect();
    }
    None
}

fn check_sequence(parent: &str, full: &[String], spans: &SpanIndex, out: &mut Vec<Diagnostic>) {
    let last: Vec<&str> = full
        .iter()
        .map(|l| l.rsplit('.').next().unwrap_or(l))
        .collect();
    let Some(seq) = sequence(&last) else { return };
    for (i, n) in seq.iter().enumerate() {
        let expected = i as u32 + 1;
        if *n != expected {
            let span = spans.labels.get(&full[i]).copied().unwrap_or_default();
            let prev = if i == 0 {
                format!("the first label under {parent}")
            } else {
                format!("{} follows {}", full[i], full[i - 1])
            };
            out.push(
                Diagnostic::warning(codes::LABEL_GAP, format!("labels out of sequence: {prev}; expected the {} label of the sequence", ordinal(expected)), span, "gap or jump in the numbering")
                    .with_help("labels follow the document's numbering (i, ii, iii; A, B, C): check for a missing or misnumbered criterion"),
            );
            return;
        }
    }
}

fn ordinal(n: u32) -> String {
    match n {
        1 => "1st".into(),
        2 => "2nd".into(),
        3 => "3rd".into(),
        n => format!("{n}th"),
    }
}

fn label_gaps(p: &Program, spans: &SpanIndex, out: &mut Vec<Diagnostic>) {
    let inds: Vec<String> = p.indications.iter().map(|i| i.label.clone()).collect();
    check_sequence("the policy", &inds, spans, out);
    // The labels under each label, in the order the policy writes them: a dosing criterion written
    // among the criteria (`1.B.i`, checked with the dosing) is numbered with its siblings there.
    fn walk(n: &Node, groups: &mut Vec<(String, Vec<String>)>) {
        if let NodeBody::Group { children, .. } = &n.body {
            for c in children {
                let parent = match c.label.rsplit_once('.') {
                    Some((parent, _)) => parent.to_string(),
                    None => n.label.clone(),
                };
                match groups.iter_mut().find(|(p, _)| *p == parent) {
                    Some((_, labels)) if labels.contains(&c.label) => {}
                    Some((_, labels)) => labels.push(c.label.clone()),
                    None => groups.push((parent, vec![c.label.clone()])),
                }
                walk(c, groups);
            }
        }
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for ind in &p.indications {
        walk(&ind.criteria, &mut groups);
        if let Some(d) = &ind.dosing {
            walk(d, &mut groups);
        }
    }
    for (parent, mut labels) in groups {
        labels.sort_by_key(|l| spans.labels.get(l).map_or(usize::MAX, |s| s.start));
        check_sequence(&parent, &labels, spans, out);
    }
}

/// The initial phase of the indication a reauthorization belongs to.
fn initial_of<'p>(p: &'p Program, ind: &IndicationDef) -> Option<&'p IndicationDef> {
    let of = ind.reauthorization_of.as_ref()?;
    p.indications
        .iter()
        .find(|i| i.reauthorization_of.is_none() && &i.label == of)
}

/// A reauthorization whose dosing is its indication's (it states none of its own).
fn inherited_dosing(p: &Program, ind: &IndicationDef) -> bool {
    initial_of(p, ind).is_some_and(|i| i.dosing.is_some() && i.dosing == ind.dosing)
}

/// W0107: in an indication with dosing limits, a phase (initial or reauthorization) that approves
/// with no dosing at all, or a dosing that can hold without checking any limit (a `one of`
/// alternative with no limit, a dosing of conditions that are not limits). A referral is not an
/// approval, and a limit under `if` is the document's own exception, so neither is reported.
fn approvals_without_limits(p: &Program, spans: &SpanIndex, out: &mut Vec<Diagnostic>) {
    for ind in &p.indications {
        if inherited_dosing(p, ind) {
            continue;
        }
        let base = ind.reauthorization_of.as_ref().unwrap_or(&ind.label);
        let phases: Vec<&IndicationDef> = p
            .indications
            .iter()
            .filter(|i| &i.label == base || i.reauthorization_of.as_ref() == Some(base))
            .collect();
        let Some(with_limits) = phases
            .iter()
            .find(|i| i.dosing.as_ref().is_some_and(node_has_limit))
        else {
            continue;
        };
        let what = match &ind.reauthorization_of {
            Some(_) => format!("reauthorization {}", ind.label),
            None => format!("indication {}", ind.label),
        };
        match &ind.dosing {
            None => {
                let span = spans.labels.get(&ind.label).copied().unwrap_or_default();
                out.push(
                    Diagnostic::warning(
                        codes::APPROVAL_WITHOUT_LIMIT,
                        format!(
                            "{what} (\"{}\") approves any dose: it has no dosing, but {} has dosing limits",
                            ind.title, with_limits.label
                        ),
                        span,
                        "no dosing here",
                    )
                    .with_help(format!(
                        "add the document's dosing for {what}: `dosing \"...\": ...` with its limits (e.g. `dose at most 10 mg`)"
                    )),
                );
            }
            Some(d) if node_free(d) => {
                let at = free_node(d);
                let span = spans
                    .labels
                    .get(&at.label)
                    .or_else(|| spans.labels.get(&ind.label))
                    .copied()
                    .unwrap_or_default();
                out.push(
                    Diagnostic::warning(
                        codes::APPROVAL_WITHOUT_LIMIT,
                        if with_limits.label == ind.label {
                            format!(
                                "{what} can approve through {} without checking any dosing limit, although other parts of its dosing have limits",
                                at.label
                            )
                        } else {
                            format!(
                                "{what} can approve through {} without checking any dosing limit, although {} has dosing limits",
                                at.label, with_limits.label
                            )
                        },
                        span,
                        "approves any dose",
                    )
                    .with_help(format!(
                        "state the document's dosing limit in {} (e.g. `dose at most 10 mg`), or, if the document leaves such doses to a clinician, write `refer to a clinician` there",
                        at.label
                    )),
                );
            }
            Some(_) => {}
        }
    }
}

/// Whether a node checks a limit anywhere (a comparison with a stated value or another fact).
fn node_has_limit(n: &Node) -> bool {
    match &n.body {
        NodeBody::Referral { .. } => false,
        NodeBody::Condition { condition } => cond_has_limit(condition),
        NodeBody::Group { children, .. } => children.iter().any(node_has_limit),
    }
}

fn cond_has_limit(c: &Cond) -> bool {
    match c {
        Cond::Compare { .. } | Cond::CompareFacts { .. } => true,
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().any(cond_has_limit),
        Cond::Not { not } => cond_has_limit(not),
        Cond::IsTrue { .. } | Cond::Known { .. } | Cond::EnumIn { .. } | Cond::SetHas { .. } => {
            false
        }
    }
}

/// Whether a node can hold, as an approval, without any limit being checked.
fn node_free(n: &Node) -> bool {
    if n.only_if.is_some() {
        // The document's own exception (`if dose_increase`): the limit is there, conditionally.
        return false;
    }
    match &n.body {
        NodeBody::Referral { .. } => false,
        NodeBody::Condition { condition } => cond_free(condition),
        NodeBody::Group { of, children } => match of {
            GroupKind::AllOf => children.iter().all(node_free),
            GroupKind::OneOf => children.iter().any(node_free),
            GroupKind::NoneOf => !children.iter().any(node_has_limit),
        },
    }
}

fn cond_free(c: &Cond) -> bool {
    match c {
        Cond::Compare { .. } | Cond::CompareFacts { .. } => false,
        Cond::All { all } => all.iter().all(cond_free),
        Cond::Any { any } => any.iter().any(cond_free),
        Cond::Not { not } => !cond_has_limit(not),
        Cond::IsTrue { .. } | Cond::Known { .. } | Cond::EnumIn { .. } | Cond::SetHas { .. } => {
            true
        }
    }
}

/// The node to point at for a free node: the first free alternative of a `one of`, down to the
/// innermost.
fn free_node(n: &Node) -> &Node {
    match &n.body {
        NodeBody::Group {
            of: GroupKind::OneOf,
            children,
        } => children.iter().find(|c| node_free(c)).map_or(n, free_node),
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    //! The exact search finds what trying every combination finds, for every node of every policy
    //! of this repository and of a hundred generated ones whose conditions share facts.
    use super::*;
    use crate::check::{check_with_imports, Import};
    use policyc_syntax::{ast, parser};

    fn library_items(path: &std::path::Path) -> Vec<ast::Item> {
        let text = std::fs::read_to_string(path).expect("library");
        let file = parser::parse(&text).expect("the library parses");
        file.items
            .into_iter()
            .filter(|i| !matches!(i, ast::Item::Import(_)))
            .collect()
    }

    fn compile(text: &str, dir: &std::path::Path) -> Option<Program> {
        let file = parser::parse(text).ok()?;
        let imports = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Import(s) => Some(Import {
                    span: s.span,
                    path: s.value.clone(),
                    items: Ok(library_items(&dir.join(&s.value))),
                }),
                _ => None,
            })
            .collect();
        check_with_imports(&file, imports).program
    }

    /// Compare the two searches on every node of `p` (and on each limit of a dosing condition);
    /// the number of nodes compared.
    fn agree(p: &Program, what: &str) -> usize {
        fn walk(p: &Program, n: &Node, what: &str, count: &mut usize) {
            if let NodeBody::Group { children, .. } = &n.body {
                for c in children {
                    walk(p, c, what, count);
                }
            }
            let mut pieces = vec![n.clone()];
            if let NodeBody::Condition { condition } = &n.body {
                let mut leaves = Vec::new();
                leaf_conds(condition, &mut leaves);
                pieces.extend(leaves.into_iter().map(|l| Node {
                    label: n.label.clone(),
                    text: String::new(),
                    guard: None,
                    only_if: None,
                    body: NodeBody::Condition {
                        condition: l.clone(),
                    },
                    course: None,
                }));
            }
            for piece in &pieces {
                let mut facts = BTreeSet::new();
                node_facts(piece, &mut facts);
                let mut conds = Vec::new();
                collect_node_conds(piece, &mut conds);
                let cands = candidates(p, &conds, &facts);
                let slots: Vec<u32> = facts.into_iter().collect();
                assert_eq!(
                    outcomes(piece, &slots, &cands, p.facts.len()),
                    outcomes_tried(piece, &slots, &cands, p.facts.len()),
                    "{what}: node {}",
                    piece.label
                );
                *count += 1;
            }
        }
        let mut count = 0;
        for ind in &p.indications {
            walk(p, &ind.criteria, what, &mut count);
            if let Some(d) = &ind.dosing {
                walk(p, d, what, &mut count);
            }
        }
        count
    }

    #[test]
    fn the_repository_policies() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut count = 0;
        for dir in ["policies", "tests/lints"] {
            let dir = root.join(dir);
            for e in std::fs::read_dir(&dir).expect("a folder") {
                let path = e.expect("an entry").path();
                if path.extension().is_some_and(|x| x == "policy") {
                    let text = std::fs::read_to_string(&path).expect("a policy");
                    if let Some(p) = compile(&text, &dir) {
                        count += agree(&p, &path.display().to_string());
                    }
                }
            }
        }
        assert!(count > 100, "{count} nodes compared");
    }

    /// A small deterministic generator (xorshift), so that the test needs no dependency.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const ATOMS: &[&str] = &[
        "age at least 18 years",
        "age less than 12 years",
        "age at most 65 years",
        "visits at least 2",
        "visits = 3",
        "visits > 5",
        "flag",
        "other",
        "route is iv",
        "route is one of [iv, sc]",
        "sites has any of [a, b]",
        "sites has all of [a, c]",
        "sites has none of [b]",
        "route is known",
        "dose at most 10 mg",
        "dose more than 2 mg",
        "visits at least limit_visits",
        "start at least 2024-01-01",
        "start less than 2025-06-01",
    ];

    fn condition(r: &mut Rng, depth: usize) -> String {
        if depth == 0 || r.below(3) == 0 {
            return ATOMS[r.below(ATOMS.len())].to_string();
        }
        match r.below(3) {
            0 => format!(
                "({} and {})",
                condition(r, depth - 1),
                condition(r, depth - 1)
            ),
            1 => format!(
                "({} or {})",
                condition(r, depth - 1),
                condition(r, depth - 1)
            ),
            _ => format!("not ({})", condition(r, depth - 1)),
        }
    }

    fn node(r: &mut Rng, label: &str, depth: usize, out: &mut String) {
        out.push_str(&format!("{label} \"Part {label}\""));
        if r.below(3) == 0 {
            out.push_str(&format!(" when {}", condition(r, 1)));
        }
        if r.below(4) == 0 {
            out.push_str(&format!(" if {}", condition(r, 1)));
        }
        out.push_str(": ");
        if depth > 0 && r.below(2) == 0 {
            let kind = ["all of", "one of", "none of"][r.below(3)];
            out.push_str(&format!("{kind} {{\n"));
            let labels = ["i", "ii", "iii"];
            for l in labels.iter().take(2 + r.below(2)) {
                node(r, l, depth - 1, out);
            }
            out.push_str("}\n");
        } else if r.below(8) == 0 {
            out.push_str("refer to a clinician\n");
        } else {
            out.push_str(&condition(r, 2));
            out.push('\n');
        }
    }

    #[test]
    fn generated_policies_whose_conditions_share_facts() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut compared = 0;
        for _ in 0..120 {
            let mut criteria = String::new();
            for l in ["A", "B"] {
                node(&mut r, l, 2, &mut criteria);
            }
            let text = format!(
                r#"policy generated {{
  title "Generated" drug "Example" effective 2024-01-01
  outside dosing "Reviewed by a clinician"
}}
enum Route "Route" {{ iv "IV" sc "SC" oral "Oral" }}
enum Site open "Site" {{ a "A" b "B" c "C" }}
fact age: years "Age"
fact visits: count "Visits"
fact limit_visits: count "Allowed visits"
fact flag: boolean "Flag"
fact other: documentation "Other"
fact route: Route "Route"
fact sites: set of Site "Sites"
fact dose: mg "Dose"
fact start: date "Start"
indication 1 "Generated" {{
  approve for 1 year
  criteria: all of {{
{criteria}  }}
}}
"#
            );
            if let Some(p) = compile(&text, std::path::Path::new(".")) {
                compared += agree(&p, &text);
            }
        }
        assert!(compared > 300, "{compared} nodes compared");
    }
}
