//! What a `needs_info` decision asks for: exactly the unstated facts whose value can change the
//! decision, the criteria that need each, and the facts that can stand in for one another.
//!
//! A fact *can change the decision* when, for some values of the other unstated facts, two of its
//! values give different decisions. Values are tried one per cell of each fact's domain, as the
//! policy's constants partition it ([`super::cells`]), so "some values" is exact. The search is
//! depth first, giving values to one fact after another, and stops below a completion that is
//! decided whatever the remaining facts are ([`decide_in`]); it is bounded (a budget per fact),
//! and a fact whose search runs out is listed, as it may matter.
//!
//! When every completion leads to the same kind of decision but no one indication decides it
//! (an approval under one indication or another depending on a fact), no fact changes the kind;
//! then a fact is listed when stating it alone decides the request, and if none does, the facts
//! that the undecided indications' unknown parts read are listed, since they decide which
//! indication approves (or refers).

use super::cells::{for_each_cell, Cells};
use super::logic::{
    cond_in, decide_in, exact_standings, node_pair, possible, values, Facts, Scope, Tv,
    SEARCH_BUDGET,
};
use super::observe::NoObserver;
use super::{DecisionKind, Outcome};
use crate::request::{collect_inputs, Value};
use policyc_ir::ir::{Cond, Node, NodeBody, Program};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// How many cells the search for one fact's relevance tries at most, its decisions' own searches
/// included.
const WITNESS_BUDGET: u32 = 20_000;
/// How many facts deep that search goes.
const WITNESS_DEPTH: u32 = 24;

/// A fact the decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Need {
    /// Its slot.
    pub(super) slot: u32,
    /// The labels of the criteria that need it (an indication's own label for its `applies when`),
    /// in the policy's order.
    pub(super) criteria: Vec<String>,
    /// The indications whose standing it can change, by index.
    pub(super) indications: Vec<usize>,
    /// The other needed facts that can settle one of those criteria instead of it.
    pub(super) alternatives: Vec<u32>,
}

/// Where an unstated fact is read by an unknown part: the fact, the indication, the label of the
/// innermost criterion (or the indication's, for `applies when`).
struct Read {
    slot: u32,
    indication: usize,
    label: String,
}

/// Visit each unstated fact read by an unknown leaf of an unknown condition, with the label it is
/// under.
fn reads_cond<F: Facts + ?Sized>(c: &Cond, f: &F, label: &str, out: &mut dyn FnMut(u32, &str)) {
    if cond_in(c, f) != Tv::Unknown {
        return;
    }
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => {
            return v.iter().for_each(|x| reads_cond(x, f, label, out));
        }
        Cond::Not { not } => return reads_cond(not, f, label, out),
        _ => {}
    }
    let mut push = |slot: u32| {
        if f.value(slot).is_none() {
            out(slot, label);
        }
    };
    match c {
        Cond::All { .. } | Cond::Any { .. } | Cond::Not { .. } => {}
        Cond::CompareFacts { left, right, .. } => {
            push(*left);
            push(*right);
        }
        Cond::IsTrue { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => push(*fact),
        Cond::Known { .. } => {}
    }
}

fn reads_node<F: Facts + ?Sized>(n: &Node, f: &F, out: &mut dyn FnMut(u32, &str)) {
    let (s, l) = node_pair(n, f, &mut NoObserver);
    if s != Tv::Unknown && l != Tv::Unknown {
        return;
    }
    for g in n.guard.iter().chain(&n.only_if) {
        match cond_in(g, f) {
            Tv::False => return,
            Tv::Unknown => reads_cond(g, f, &n.label, out),
            Tv::True => {}
        }
    }
    match &n.body {
        NodeBody::Condition { condition } => reads_cond(condition, f, &n.label, out),
        NodeBody::Group { children, .. } => children.iter().for_each(|c| reads_node(c, f, out)),
        NodeBody::Referral { .. } => {}
    }
}

/// Visit each unstated fact the unknown parts of an indication read: whether it applies, its
/// criteria, and (when they may hold) its dosing.
fn reads_indication<F: Facts + ?Sized>(
    ind: &policyc_ir::ir::IndicationDef,
    f: &F,
    out: &mut dyn FnMut(u32, &str),
) {
    let v = values(ind, f, &mut NoObserver);
    if v.applies == Tv::False {
        return;
    }
    if v.applies == Tv::Unknown {
        if let Some(a) = &ind.applies {
            reads_cond(a, f, &ind.label, out);
        }
    }
    reads_node(&ind.criteria, f, out);
    if v.criteria.l != Tv::False {
        if let Some(d) = &ind.dosing {
            reads_node(d, f, out);
        }
    }
}

/// The unstated facts read by the unknown parts of every indication whose standing is open.
fn reads(p: &Program, base: &[Option<Value>]) -> Vec<Read> {
    let refers = p.policy.outside_dosing.is_some();
    let s = Scope::of(base);
    let mut out = Vec::new();
    for (i, ind) in p.indications.iter().enumerate() {
        let mut budget = SEARCH_BUDGET;
        if exact_standings(p, i, s, refers, false, &mut budget).count_ones() <= 1 {
            continue;
        }
        reads_indication(ind, base, &mut |slot, label| {
            out.push(Read {
                slot,
                indication: i,
                label: label.to_string(),
            })
        });
    }
    out
}

/// The decision kind as a bit (approve 1, refer 2, deny 4).
fn kind_bit(k: DecisionKind) -> u8 {
    match k {
        DecisionKind::Approve => 1,
        DecisionKind::Refer => 2,
        DecisionKind::Deny => 4,
        DecisionKind::NeedsInfo => 0,
    }
}

/// Whether an open indication's unknown parts read `x` below `s`; and the first other unstated
/// fact that such an indication reads (what to give a value to next: what decides whether `x`
/// is read).
fn around(p: &Program, s: &Scope<'_>, x: u32) -> (bool, Option<u32>) {
    let refers = p.policy.outside_dosing.is_some();
    let mut next = None;
    let mut read = false;
    for ind in &p.indications {
        let v = values(ind, s, &mut NoObserver);
        if possible(v, refers).count_ones() <= 1 {
            continue;
        }
        let mut here = false;
        let mut other = None;
        reads_indication(ind, s, &mut |slot, _| {
            if slot == x {
                here = true;
            } else if other.is_none() {
                other = Some(slot);
            }
        });
        if here {
            read = true;
            if next.is_none() {
                next = other;
            }
        }
    }
    if next.is_none() {
        // Another fact an open indication reads: what may still decide whether `x` matters.
        for ind in &p.indications {
            let v = values(ind, s, &mut NoObserver);
            if possible(v, refers).count_ones() <= 1 {
                continue;
            }
            reads_indication(ind, s, &mut |slot, _| {
                if slot != x && next.is_none() {
                    next = Some(slot);
                }
            });
            if next.is_some() {
                break;
            }
        }
    }
    (read, next)
}

/// The values a partial completion gives to unstated facts, by slot (each slot once, in slot
/// order), each as its kind and bits: what a decision of it is remembered by. Two values with the
/// same bits are the same value; two equal decimals written differently (`1.0`, `1`) are not
/// taken for one another, which only means that a decision is worked out again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Given(Vec<(u32, u8, u128)>);

/// A value as its kind and bits.
fn bits(v: Value) -> (u8, u128) {
    match v {
        Value::Bool(b) => (0, u128::from(b)),
        Value::Num(d, alt) => (1 + alt.min(250), u128::from_le_bytes(d.serialize())),
        Value::Date(d) => (252, u128::from(d as u32)),
        Value::Enum(i) => (253, u128::from(i)),
        Value::Set(m) => (254, m),
    }
}

impl Given {
    /// These values, with `slot` given `v` too.
    fn and(&self, slot: u32, v: Value) -> Given {
        let (kind, b) = bits(v);
        let mut out = Vec::with_capacity(self.0.len() + 1);
        out.extend_from_slice(&self.0);
        match out.binary_search_by_key(&slot, |(s, _, _)| *s) {
            Ok(k) => out[k] = (slot, kind, b),
            Err(k) => out.insert(k, (slot, kind, b)),
        }
        Given(out)
    }
}

/// A hasher for [`Given`]s (a multiply and xor for each word written, mixed at the end as
/// splitmix64 does): the default one, made to resist chosen keys, is several times slower, and
/// these keys are the search's own.
#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x0000_0100_0000_01b3) ^ (self.0 >> 29);
    }
}

/// A decision of a partial completion, and how much search budget working it out took.
#[derive(Debug, Clone, Copy)]
struct Run {
    outcome: Outcome,
    used: u32,
}

/// The decisions of the partial completions the search for needed facts has worked out. The
/// search asks for many of them again (each fact's search tries the same completions of the other
/// facts, and stating a fact alone is tried before searching it), so each is worked out once.
///
/// Exact, budget included: [`decide_in`] reads its budget only to stop when it is spent, so a
/// completion worked out without spending its budget gives the same decision, and uses the same
/// budget, whenever more budget than that is left; it is remembered only then, and taken from the
/// memory only then, the budget it used taken off as if it had been worked out again.
#[derive(Default)]
struct Decisions {
    known: HashMap<Given, Run, BuildHasherDefault<Mix>>,
}

impl Decisions {
    /// [`decide_in`] of `s`, the completion that gives the values `given`.
    fn decide(&mut self, p: &Program, s: Scope<'_>, given: &Given, budget: &mut u32) -> Outcome {
        if let Some(r) = self.known.get(given) {
            if *budget > r.used {
                *budget -= r.used;
                return r.outcome;
            }
        }
        let before = *budget;
        let outcome = decide_in(p, s, budget);
        // A budget spent to the end may have cut the search short.
        if *budget > 0 {
            let used = before - *budget;
            self.known.insert(given.clone(), Run { outcome, used });
        }
        outcome
    }
}

/// Whether, for some values of the other unstated facts (below the partial completion `s`), two
/// values of `x` give different decisions. `None`: the search ran out before it could tell.
fn witness(
    p: &Program,
    memo: &mut Decisions,
    s: Scope<'_>,
    given: &Given,
    x: u32,
    depth: u32,
    budget: &mut u32,
) -> Option<bool> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    // Below `s`, `x` is read by no unknown part: no value of it changes anything unknown.
    let (read, next) = around(p, &s, x);
    if !read {
        return Some(false);
    }
    if memo.decide(p, s, given, budget).kind != DecisionKind::NeedsInfo {
        return Some(false);
    }
    let mut kinds = 0u8;
    let mut open = false;
    let cells = for_each_cell(p, None, x, &s, &mut |v| {
        let link = s.link(x, v);
        let sx = s.with(&link);
        match memo.decide(p, sx, &given.and(x, v), budget).kind {
            DecisionKind::NeedsInfo => open = true,
            k => kinds |= kind_bit(k),
        }
        kinds.count_ones() < 2
    });
    if cells == Cells::Unsupported {
        return None;
    }
    if kinds.count_ones() >= 2 {
        return Some(true);
    }
    if !open {
        return Some(false);
    }
    let y = next?;
    if depth >= WITNESS_DEPTH {
        return None;
    }
    let mut found = Some(false);
    let cells = for_each_cell(p, None, y, &s, &mut |w| {
        let link = s.link(y, w);
        match witness(
            p,
            memo,
            s.with(&link),
            &given.and(y, w),
            x,
            depth + 1,
            budget,
        ) {
            Some(true) => {
                found = Some(true);
                false
            }
            None => {
                found = None;
                true
            }
            Some(false) => true,
        }
    });
    if cells == Cells::Unsupported {
        return None;
    }
    // A branch that could not tell leaves it open, unless another branch found a witness.
    found
}

/// Whether stating `x` alone, with some value, decides the request (or two of its values give
/// different decisions): then it is needed, even where every completion gives one kind of decision
/// and `x` decides only under which indication.
fn settles_alone(
    p: &Program,
    memo: &mut Decisions,
    s: Scope<'_>,
    x: u32,
    budget: &mut u32,
) -> bool {
    let mut first = None;
    let mut yes = false;
    for_each_cell(p, None, x, &s, &mut |v| {
        let link = s.link(x, v);
        let o = memo.decide(p, s.with(&link), &Given::default().and(x, v), budget);
        yes = o.kind != DecisionKind::NeedsInfo || first.is_some_and(|f| f != o);
        first = Some(o);
        !yes
    });
    yes
}

/// The sub-conditions and nodes that are unknown for the request, in the policy's order: where
/// facts may stand in for one another.
enum Point<'a> {
    Cond(&'a Cond),
    Node(&'a Node),
}

fn points_cond<'a>(c: &'a Cond, f: &[Option<Value>], out: &mut Vec<Point<'a>>) {
    if cond_in(c, f) != Tv::Unknown {
        return;
    }
    out.push(Point::Cond(c));
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => {
            v.iter().for_each(|x| points_cond(x, f, out))
        }
        Cond::Not { not } => points_cond(not, f, out),
        _ => {}
    }
}

fn points_node<'a>(n: &'a Node, f: &[Option<Value>], out: &mut Vec<Point<'a>>) {
    let (s, l) = node_pair(n, f, &mut NoObserver);
    if s != Tv::Unknown && l != Tv::Unknown {
        return;
    }
    out.push(Point::Node(n));
    for g in n.guard.iter().chain(&n.only_if) {
        points_cond(g, f, out);
    }
    match &n.body {
        NodeBody::Condition { condition } => points_cond(condition, f, out),
        NodeBody::Group { children, .. } => children.iter().for_each(|c| points_node(c, f, out)),
        NodeBody::Referral { .. } => {}
    }
}

impl Point<'_> {
    /// Whether the point holds (a node: if people agree) in the partial completion.
    fn holds(&self, s: &Scope<'_>) -> bool {
        match self {
            Point::Cond(c) => cond_in(c, s) == Tv::True,
            Point::Node(n) => node_pair(n, s, &mut NoObserver).1 == Tv::True,
        }
    }
}

/// Whether stating `x` alone (with some value) makes the point hold.
fn settles(p: &Program, base: &[Option<Value>], point: &Point<'_>, x: u32) -> bool {
    let s = Scope::of(base);
    let mut yes = false;
    for_each_cell(p, None, x, &s, &mut |v| {
        let link = s.link(x, v);
        yes = point.holds(&s.with(&link));
        !yes
    });
    yes
}

/// The facts a `needs_info` decision needs, with the criteria that need them and their
/// alternatives, in the order the policy asks for them (what an indication applies to, then its
/// criteria and dosing, indication by indication). A fact the policy computes from others is
/// replaced by its unstated inputs when one of them is needed too.
pub(super) fn needed(p: &Program, base: &[Option<Value>]) -> Vec<Need> {
    let rs = reads(p, base);
    let mut slots: Vec<u32> = Vec::new();
    for r in &rs {
        if !slots.contains(&r.slot) {
            slots.push(r.slot);
        }
    }
    let root = Scope::of(base);
    let mut memo = Decisions::default();
    let relevant: Vec<u32> = slots
        .iter()
        .copied()
        .filter(|&x| {
            let mut budget = WITNESS_BUDGET;
            settles_alone(p, &mut memo, root, x, &mut budget)
                || witness(p, &mut memo, root, &Given::default(), x, 0, &mut budget) != Some(false)
        })
        .collect();
    // Every completion gives one kind of decision, but under one indication or another.
    let relevant = if relevant.is_empty() { slots } else { relevant };
    let mut needs: Vec<Need> = relevant
        .iter()
        .map(|&slot| {
            let mut criteria: Vec<String> = Vec::new();
            let mut indications: Vec<usize> = Vec::new();
            for r in rs.iter().filter(|r| r.slot == slot) {
                if !criteria.contains(&r.label) {
                    criteria.push(r.label.clone());
                }
                if !indications.contains(&r.indication) {
                    indications.push(r.indication);
                }
            }
            Need {
                slot,
                criteria,
                indications,
                alternatives: Vec::new(),
            }
        })
        .collect();
    merge_derived(p, base, &mut needs);
    alternatives(p, base, &mut needs);
    needs
}

/// A computed fact listed beside one of its own unstated inputs is replaced by those inputs (the
/// request states the inputs, and the fact is computed).
fn merge_derived(p: &Program, base: &[Option<Value>], needs: &mut Vec<Need>) {
    let mut k = 0;
    while k < needs.len() {
        let slot = needs[k].slot;
        let Some(calc) = p.facts.get(slot as usize).and_then(|f| f.derived.as_ref()) else {
            k += 1;
            continue;
        };
        // Its unstated inputs, and theirs, in the policy's order.
        let mut inputs: Vec<u32> = Vec::new();
        let mut direct = Vec::new();
        collect_inputs(calc, &mut direct);
        let mut queue = direct;
        while let Some(i) = queue.pop() {
            if i == slot || inputs.contains(&i) {
                continue;
            }
            inputs.push(i);
            if let Some(c) = p.facts.get(i as usize).and_then(|f| f.derived.as_ref()) {
                collect_inputs(c, &mut queue);
            }
        }
        inputs.retain(|&i| base.get(i as usize).is_some_and(Option::is_none));
        inputs.sort_unstable();
        if !needs.iter().any(|n| inputs.contains(&n.slot)) {
            k += 1;
            continue;
        }
        let merged = needs.remove(k);
        let mut at = k;
        for i in inputs {
            if p.facts.get(i as usize).is_some_and(|f| f.derived.is_some()) {
                continue;
            }
            match needs.iter_mut().find(|n| n.slot == i) {
                Some(n) => {
                    for c in &merged.criteria {
                        if !n.criteria.contains(c) {
                            n.criteria.push(c.clone());
                        }
                    }
                    for &x in &merged.indications {
                        if !n.indications.contains(&x) {
                            n.indications.push(x);
                        }
                    }
                }
                None => {
                    needs.insert(
                        at,
                        Need {
                            slot: i,
                            criteria: merged.criteria.clone(),
                            indications: merged.indications.clone(),
                            alternatives: Vec::new(),
                        },
                    );
                    at += 1;
                }
            }
        }
        k = at;
    }
    for n in needs.iter_mut() {
        n.indications.sort_unstable();
    }
}

/// Facts that can each settle one criterion on their own (`prescriber_specialty is one of [..] or
/// consulting_specialties has any of [..]`) are each other's alternatives.
fn alternatives(p: &Program, base: &[Option<Value>], needs: &mut [Need]) {
    let mut points = Vec::new();
    for ind in &p.indications {
        if let Some(a) = &ind.applies {
            points_cond(a, base, &mut points);
        }
        points_node(&ind.criteria, base, &mut points);
        if let Some(d) = &ind.dosing {
            points_node(d, base, &mut points);
        }
    }
    let listed: Vec<u32> = needs.iter().map(|n| n.slot).collect();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut read: Vec<u32> = Vec::new();
    for point in &points {
        // The needed facts read under the point, once each.
        let mut under: Vec<u32> = Vec::new();
        let mut add = |c: &Cond| {
            read.clear();
            super::words::facts_of(c, &mut read);
            for &s in &read {
                if listed.contains(&s) && !under.contains(&s) {
                    under.push(s);
                }
            }
        };
        match point {
            Point::Cond(c) => add(c),
            Point::Node(n) => super::cells::leaves_node(n, &mut |c| add(c)),
        }
        if under.len() < 2 {
            continue;
        }
        let alone: Vec<u32> = under
            .into_iter()
            .filter(|&x| settles(p, base, point, x))
            .collect();
        for (a, &x) in alone.iter().enumerate() {
            for &y in &alone[a + 1..] {
                pairs.push((x, y));
            }
        }
    }
    for n in needs.iter_mut() {
        for &(x, y) in &pairs {
            let other = if x == n.slot {
                y
            } else if y == n.slot {
                x
            } else {
                continue;
            };
            if !n.alternatives.contains(&other) {
                n.alternatives.push(other);
            }
        }
    }
}
