//! The search of [`super::changes`]: each version's residue below a partial assignment, the
//! indications' possible standings, and the depth-first walk over the facts' classes of cells.

use super::{bits, decided_of, set, Bits, Decided, Joint};
use crate::eval::cells::{for_each_cell_of, Cells, Of};
use crate::eval::logic::{
    cond_in, decide_in, node_pair, possible, values, Combined, Facts, Scope, Tv, APPROVE, DENY,
};
use crate::eval::observe::NoObserver;
use crate::eval::DecisionKind;
use crate::request::Value;
use policyc_ir::ir::{Cond, Node, NodeBody, Program};
use std::collections::{HashMap, HashSet};

/// The request being built: each version's slots, which facts it states (a completion being
/// tried gives values to facts it does not state), and which facts are still open.
pub(super) struct At<'v> {
    v: &'v [Option<Value>],
    stated: &'v [Option<Value>],
    open: &'v [bool],
}

impl Facts for At<'_> {
    fn value_ref(&self, slot: u32) -> Option<&Value> {
        self.v[slot as usize].as_ref()
    }
    fn stated(&self, slot: u32) -> bool {
        self.stated[slot as usize].is_some()
    }
    fn open(&self, slot: u32) -> bool {
        self.open[slot as usize]
    }
}

/// One fact given (or not given) a value, for a condition on it alone.
pub(super) struct One {
    pub(super) slot: u32,
    pub(super) value: Option<Value>,
}

impl Facts for One {
    fn value_ref(&self, slot: u32) -> Option<&Value> {
        if slot == self.slot {
            self.value.as_ref()
        } else {
            None
        }
    }
    fn stated(&self, slot: u32) -> bool {
        slot == self.slot && self.value.is_some()
    }
}

// Tokens of a version's residue (what is left of it below a partial assignment).
const T_TRUE: u32 = 1;
const T_FALSE: u32 = 2;
const T_UNKNOWN: u32 = 3;
const T_ALL: u32 = 4;
const T_ANY: u32 = 5;
const T_NOT: u32 = 6;
const T_END: u32 = 7;
const T_NODE: u32 = 8;
const T_REFER: u32 = 9;
const T_GROUP: u32 = 10;
const T_INDICATION: u32 = 11;
const T_NO_DOSING: u32 = 12;
pub(super) const FIRST_ID: u32 = 32;

fn tv_token(t: Tv) -> u32 {
    match t {
        Tv::True => T_TRUE,
        Tv::False => T_FALSE,
        Tv::Unknown => T_UNKNOWN,
    }
}

/// How many completions [`Search::must`] tries for one indication.
const MUST_BUDGET: u32 = 2_000;

/// What is left of one indication of a version below a partial assignment.
struct Residue {
    /// The indication's index.
    index: usize,
    /// Its parts: settled ones by value, the rest by meaning.
    tokens: Vec<u32>,
    /// The standings some request below may reach (a superset).
    may: u8,
    /// Sets of standings each of which every request below reaches one of.
    must: Vec<u8>,
}

/// An open fact an unknown condition reads: the fact, the condition's meaning, the version.
#[derive(Clone, Copy)]
struct Read<'a> {
    joint: usize,
    id: u32,
    side: usize,
    leaf: &'a Cond,
}

pub(super) struct Search<'a> {
    pub(super) p: [&'a Program; 2],
    /// Each version's slot's fact in `facts`.
    pub(super) joint_of: [Vec<Option<usize>>; 2],
    pub(super) facts: Vec<Joint>,
    /// The meaning of each leaf condition, by address: the same id in both versions for the same
    /// meaning.
    pub(super) ids: HashMap<usize, u32>,
    /// Each version's indications' label and duration, as ids.
    pub(super) names: [Vec<(u32, u32)>; 2],
    pub(super) vals: [Vec<Option<Value>>; 2],
    pub(super) open: [Vec<bool>; 2],
    /// The cells each fact is held to in the current partial assignment.
    pub(super) held: Vec<Option<Bits>>,
    pub(super) regions: Vec<(Decided, Decided, Vec<Option<Bits>>)>,
    pub(super) visited: u32,
    pub(super) budget: u32,
}

impl<'a> Search<'a> {
    fn at(&self, k: usize) -> At<'_> {
        At {
            v: &self.vals[k],
            stated: &self.vals[k],
            open: &self.open[k],
        }
    }

    /// The residue of version `k` below the current assignment, and the open facts its unknown
    /// parts read.
    fn residue(&self, k: usize, reads: &mut Vec<Read<'a>>) -> Vec<Residue> {
        let p = self.p[k];
        let f = self.at(k);
        let refers = p.policy.outside_dosing.is_some();
        let mut all = Vec::new();
        for (i, ind) in p.indications.iter().enumerate() {
            let v = values(ind, &f, &mut NoObserver);
            let may = possible(v, refers);
            if may == DENY {
                continue;
            }
            let mut out = vec![u32::from(refers)];
            let (label, duration) = self.names[k][i];
            out.extend([T_INDICATION, label, duration]);
            match (&ind.applies, v.applies) {
                (Some(a), Tv::Unknown) => self.res_cond(k, a, &f, &mut out, reads, &mut |_| {}),
                (_, t) => out.push(tv_token(t)),
            }
            self.res_node(k, &ind.criteria, &f, &mut out, reads, &mut |_| {});
            if v.criteria.l != Tv::False {
                match &ind.dosing {
                    Some(d) => self.res_node(k, d, &f, &mut out, reads, &mut |_| {}),
                    None => out.push(T_NO_DOSING),
                }
            }
            out.push(T_END);
            let mut must = Vec::new();
            if may.count_ones() == 1 {
                must.push(may);
            } else {
                let mut scratch = self.vals[k].clone();
                let mut budget = MUST_BUDGET;
                self.must(k, i, &mut scratch, 0, &mut budget, &mut must);
            }
            all.push(Residue {
                index: i,
                tokens: out,
                may,
                must,
            });
        }
        all
    }

    /// Standings indication `i` of version `k` reaches in every request below the current
    /// assignment: those a completion of the facts it leaves unstated (not the open ones) settles
    /// whatever the open facts are.
    fn must(
        &self,
        k: usize,
        i: usize,
        v: &mut Vec<Option<Value>>,
        depth: u32,
        budget: &mut u32,
        out: &mut Vec<u8>,
    ) {
        let p = self.p[k];
        let refers = p.policy.outside_dosing.is_some();
        let ind = &p.indications[i];
        let f = At {
            v,
            stated: &self.vals[k],
            open: &self.open[k],
        };
        let set = possible(values(ind, &f, &mut NoObserver), refers);
        let mut found = |x: u8| {
            if !out.contains(&x) {
                out.push(x);
            }
        };
        if set.count_ones() == 1 {
            return found(set);
        }
        if depth >= 16 || *budget == 0 {
            return;
        }
        let mut reads = Vec::new();
        let mut unstated = None;
        let mut probe = |c: &'a Cond| {
            if unstated.is_some() {
                return;
            }
            let mut slots = Vec::new();
            crate::eval::words::facts_of(c, &mut slots);
            unstated = slots
                .into_iter()
                .find(|&s| f.v[s as usize].is_none() && !f.open[s as usize]);
        };
        let mut toks = Vec::new();
        if let Some(a) = &ind.applies {
            self.res_cond(k, a, &f, &mut toks, &mut reads, &mut probe);
        }
        self.res_node(k, &ind.criteria, &f, &mut toks, &mut reads, &mut probe);
        if let Some(d) = &ind.dosing {
            self.res_node(k, d, &f, &mut toks, &mut reads, &mut probe);
        }
        let Some(slot) = unstated else {
            return found(set);
        };
        let mut cells = Vec::new();
        let of = [Of {
            p,
            only: Some(i),
            slot,
            f: &self.vals[k][..],
        }];
        if for_each_cell_of(&of, &mut |x| {
            cells.push(x);
            true
        }) == Cells::Unsupported
        {
            return;
        }
        for x in cells {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            v[slot as usize] = Some(x);
            self.must(k, i, v, depth + 1, budget, out);
            v[slot as usize] = None;
        }
    }

    fn res_cond(
        &self,
        k: usize,
        c: &'a Cond,
        f: &At<'_>,
        out: &mut Vec<u32>,
        reads: &mut Vec<Read<'a>>,
        probe: &mut dyn FnMut(&'a Cond),
    ) {
        let t = cond_in(c, f);
        if t != Tv::Unknown {
            out.push(tv_token(t));
            return;
        }
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                let (open, skip) = if matches!(c, Cond::All { .. }) {
                    (T_ALL, Tv::True)
                } else {
                    (T_ANY, Tv::False)
                };
                out.push(open);
                for x in v {
                    if cond_in(x, f) != skip {
                        self.res_cond(k, x, f, out, reads, probe);
                    }
                }
                out.push(T_END);
            }
            Cond::Not { not } => {
                out.push(T_NOT);
                self.res_cond(k, not, f, out, reads, probe);
            }
            leaf => {
                probe(leaf);
                let id = self
                    .ids
                    .get(&(leaf as *const Cond as usize))
                    .copied()
                    .unwrap_or(0);
                out.push(id);
                let mut slots = Vec::new();
                crate::eval::words::facts_of(leaf, &mut slots);
                for s in slots {
                    if f.open(s) {
                        if let Some(j) = self.joint_of[k][s as usize] {
                            reads.push(Read {
                                joint: j,
                                id,
                                side: k,
                                leaf,
                            });
                        }
                    }
                }
            }
        }
    }

    fn res_node(
        &self,
        k: usize,
        n: &'a Node,
        f: &At<'_>,
        out: &mut Vec<u32>,
        reads: &mut Vec<Read<'a>>,
        probe: &mut dyn FnMut(&'a Cond),
    ) {
        let (s, l) = node_pair(n, f, &mut NoObserver);
        if s != Tv::Unknown && l != Tv::Unknown {
            out.extend([tv_token(s), tv_token(l)]);
            return;
        }
        out.push(T_NODE);
        if let Some(g) = &n.guard {
            self.res_cond(k, g, f, out, reads, probe);
        }
        if let Some(g) = &n.only_if {
            if cond_in(g, f) == Tv::False {
                out.extend([T_FALSE, T_END]);
                return;
            }
            self.res_cond(k, g, f, out, reads, probe);
        }
        match &n.body {
            NodeBody::Condition { condition } => self.res_cond(k, condition, f, out, reads, probe),
            NodeBody::Referral { .. } => out.push(T_REFER),
            NodeBody::Group { of, children } => {
                out.extend([T_GROUP, *of as u32]);
                for c in children {
                    let (cs, cl) = node_pair(c, f, &mut NoObserver);
                    let neutral = match of {
                        policyc_syntax::ast::GroupKind::AllOf => cs == Tv::True && cl == Tv::True,
                        policyc_syntax::ast::GroupKind::OneOf => cs == Tv::False && cl == Tv::False,
                        policyc_syntax::ast::GroupKind::NoneOf => cl == Tv::False,
                    };
                    if !neutral {
                        self.res_node(k, c, f, out, reads, probe);
                    }
                }
            }
        }
        out.push(T_END);
    }

    pub(super) fn decided(&self, k: usize) -> Decided {
        let p = self.p[k];
        let mut budget = crate::eval::logic::SEARCH_BUDGET;
        let o = decide_in(p, Scope::of(&self.vals[k]), &mut budget);
        decided_of(p, o.kind, o.indication)
    }

    /// Give `x` the value `v` (`None`: not stated) in both versions, or open it again.
    pub(super) fn assign(&mut self, x: usize, v: Option<Value>, open: bool) {
        for k in 0..2 {
            if let Some(s) = self.facts[x].slot[k] {
                self.vals[k][s as usize] = v;
                self.open[k][s as usize] = open;
            }
        }
    }

    /// Search below the current assignment. `false`: out of budget.
    pub(super) fn explore(&mut self) -> bool {
        self.visited += 1;
        if self.visited > self.budget {
            return false;
        }
        let (mut r0, mut r1) = (Vec::new(), Vec::new());
        let t0 = self.residue(0, &mut r0);
        let t1 = self.residue(1, &mut r1);
        let same = |a: &[Residue], b: &[Residue]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.tokens == y.tokens)
        };
        if same(&t0, &t1) {
            return true;
        }
        let varies = match self.settled(&t0, &t1) {
            Settled::Same => return true,
            Settled::Differ(a, b) => {
                self.regions.push((a, b, self.held.clone()));
                return true;
            }
            Settled::Open(varies) => varies,
        };
        // Where one version decides every request below alike, only the other's facts matter.
        if varies == [false, true] {
            r0.clear();
        } else if varies == [true, false] {
            r1.clear();
        }
        // A fact one version reads and the other does not, first.
        let first_diff = r0
            .iter()
            .find(|r| !r1.iter().any(|o| o.joint == r.joint))
            .or_else(|| r1.iter().find(|r| !r0.iter().any(|o| o.joint == r.joint)))
            .map(|r| r.joint);
        if r0.is_empty() && r1.is_empty() {
            let (a, b) = (self.decided(0), self.decided(1));
            if a != b {
                self.regions.push((a, b, self.held.clone()));
            }
            return true;
        }
        // Then a fact an indication that is not the same in both reads, in the order it reads
        // them (what it applies to, its criteria, its dosing).
        let shared: HashSet<&[u32]> = t0
            .iter()
            .filter(|x| t1.iter().any(|y| y.tokens == x.tokens))
            .map(|x| x.tokens.as_slice())
            .collect();
        let in_differing = |r: &Read<'_>, t: &[Residue]| {
            t.iter()
                .any(|x| !shared.contains(x.tokens.as_slice()) && x.tokens.contains(&r.id))
        };
        let x = first_diff
            .or_else(|| r1.iter().find(|r| in_differing(r, &t1)).map(|r| r.joint))
            .or_else(|| r0.iter().find(|r| in_differing(r, &t0)).map(|r| r.joint))
            .or(r0.first().map(|r| r.joint))
            .or(r1.first().map(|r| r.joint));
        let Some(x) = x else { return true };
        let leaves: Vec<Read<'a>> = r0
            .iter()
            .chain(&r1)
            .filter(|r| r.joint == x)
            .copied()
            .collect();
        let ncells = self.facts[x].cells.len();
        // The classes of the fact's values: the same value for every unknown condition on it.
        let mut classes: Vec<(Vec<Tv>, Option<Value>, Bits)> = Vec::new();
        for c in 0..=ncells {
            let v = self.facts[x].cells.get(c).copied();
            let profile: Vec<Tv> = leaves
                .iter()
                .map(|r| {
                    let slot = self.facts[x].slot[r.side].unwrap_or(0);
                    cond_in(r.leaf, &One { slot, value: v })
                })
                .collect();
            match classes.iter_mut().find(|(p, _, _)| *p == profile) {
                Some((_, _, b)) => set(b, c),
                None => {
                    let mut b = bits(ncells);
                    set(&mut b, c);
                    classes.push((profile, v, b));
                }
            }
        }
        for (_, v, b) in classes {
            self.assign(x, v, false);
            self.held[x] = Some(b);
            let ok = self.explore();
            self.held[x] = None;
            self.assign(x, None, true);
            if !ok {
                return false;
            }
        }
        true
    }
}

/// What the indications' possible standings make of the two decisions below the current
/// assignment.
/// One indication for [`Search::settled`] (one in both versions when it reads alike in both):
/// the sets every request's standings meet, the standings any may reach, and its place in each
/// version's residue.
type Entry<'r> = (&'r [u8], u8, [Option<usize>; 2]);

pub(super) enum Settled {
    /// Every request decides alike.
    Same,
    /// Every request decides these two ways.
    Differ(Decided, Decided),
    /// It depends; on which versions' facts (whether each version's decision may vary).
    Open([bool; 2]),
}

impl Search<'_> {
    /// Whether the indications' standings, each some set between those every request below
    /// reaches and those any may reach (an indication the same in both versions the same set in
    /// both), settle the two decisions.
    fn settled(&self, t0: &[Residue], t1: &[Residue]) -> Settled {
        // Each distinct indication: its range, and where it is in each version.
        let mut entries: Vec<Entry<'_>> = Vec::new();
        for (k, t) in [(0usize, t0), (1, t1)] {
            for (pos, r) in t.iter().enumerate() {
                let found = if k == 1 {
                    entries.iter().position(|e| {
                        e.2[0].is_some_and(|q| t0[q].tokens == r.tokens && e.2[1].is_none())
                    })
                } else {
                    None
                };
                match found {
                    Some(e) => entries[e].2[1] = Some(pos),
                    None => {
                        let mut at = [None, None];
                        at[k] = Some(pos);
                        entries.push((&r.must, r.may, at));
                    }
                }
            }
        }
        let mut choice = vec![0u8; entries.len()];
        let mut seen: [Option<Decided>; 2] = [None, None];
        let mut varies = [false, false];
        self.tuples(t0, t1, &entries, &mut choice, 0, &mut seen, &mut varies);
        match (varies, seen) {
            ([false, false], [Some(a), Some(b)]) if a == b => Settled::Same,
            ([false, false], [Some(a), Some(b)]) => Settled::Differ(a, b),
            (v, _) if v != [false, false] => Settled::Open(v),
            _ => Settled::Open([true, true]),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn tuples(
        &self,
        t0: &[Residue],
        t1: &[Residue],
        entries: &[Entry<'_>],
        choice: &mut Vec<u8>,
        at: usize,
        seen: &mut [Option<Decided>; 2],
        varies: &mut [bool; 2],
    ) {
        if *varies == [true, true] {
            return;
        }
        if at == entries.len() {
            let mut d = [None, None];
            for (k, t) in [(0usize, t0), (1, t1)] {
                let mut all = Combined::NONE;
                let mut out = None;
                for (pos, r) in t.iter().enumerate() {
                    let e = entries
                        .iter()
                        .position(|e| e.2[k] == Some(pos))
                        .unwrap_or(0);
                    let set = choice[e];
                    if set == APPROVE {
                        out = Some(decided_of(self.p[k], DecisionKind::Approve, Some(r.index)));
                        break;
                    }
                    all.add(r.index, set);
                }
                d[k] = Some(out.unwrap_or_else(|| {
                    let o = all.outcome();
                    decided_of(self.p[k], o.kind, o.indication)
                }));
            }
            for (k, x) in d.into_iter().enumerate() {
                match (&seen[k], x) {
                    (None, x) => seen[k] = x,
                    (Some(y), Some(x)) if *y != x => varies[k] = true,
                    _ => {}
                }
            }
            return;
        }
        let (must, may, _) = entries[at];
        for set in 1..8u8 {
            if set & !may != 0 || must.iter().any(|&x| x & set == 0) {
                continue;
            }
            choice[at] = set;
            self.tuples(t0, t1, entries, choice, at + 1, seen, varies);
            if *varies == [true, true] {
                return;
            }
        }
    }
}
