//! The flat program: what [`super::decide`] runs.
//!
//! Each indication's conditions and labelled nodes are laid out in three arrays (leaf
//! comparisons, conditions, nodes), children side by side, and read by index instead of through
//! the tree's boxes and vectors; each comparison with a decimal keeps its constant's scale and
//! mantissa, so that a value of the same scale is compared as one integer. The meaning is the
//! tree's, condition for condition: [`Ind::cond`] and [`Ind::node`] are [`super::logic::cond_in`]
//! and [`super::logic::node_pair`] without an observer. [`self_check`] compares the two readings
//! (and the two forms of the search below); the differential tests run it on every policy and
//! request they make, and compare `decide` with the tree's decision (`decide_by_tree`).
//!
//! Where the three-valued values leave an indication's standing open, the exact search runs here
//! too, over bit masks instead of the request: every leaf of the indication is read into two masks
//! (holds, unknown), and what each cell of a fact makes of the leaves that read it is worked out
//! once, when the flat program is made, as a bit pattern over those leaves. Giving a fact a cell's
//! value is then an OR of its pattern, and reading the indication again is one pass over its
//! postorder form ([`post`]). The search is the tree's step for step (the same fact settled first,
//! the same cells in the same order, the same pruning and budget), so its answer is the tree's; it
//! runs here whenever it can: the indication has at most 64 leaves and compares no two facts, the
//! cells of each unstated fact it reads are supported, and every unknown leaf is unknown because
//! its fact is unstated. Otherwise, `None` sends the caller to the tree.

mod build;
mod masks;
mod post;
mod self_check;

pub use self_check::self_check;

use super::cells::{self, Cells};
use super::logic::{
    and3, cmp_holds, compare_value, cond_in, node_value, or3, possible, Facts, Scope, Sec, Tv,
    Values, APPROVE, DENY, SEARCH_DEPTH,
};
use crate::request::{Value, UNLISTED};
use policyc_ir::ir::{Cond, Const, IndicationDef, Limit, Program};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};

/// No condition (a node's absent `when` or `if`).
const NONE: u32 = u32::MAX;
/// The most leaves an indication may have to be read from bit masks.
const MAX_LEAVES: usize = 64;
/// The most unstated facts whose cells are combined exactly; past it, the tree's search decides.
const MAX_OPEN: usize = 16;

/// The flat program: one entry per indication, `None` where the indication is read from the tree.
pub(crate) struct Flat {
    inds: Vec<Option<Ind>>,
}

/// The flat program of `p`, made on first use and kept with the program.
pub(crate) fn of(p: &Program) -> Option<&Flat> {
    p.derived.get_or_make(|| Flat::new(p))
}

impl Flat {
    fn new(p: &Program) -> Flat {
        Flat {
            inds: (0..p.indications.len()).map(|i| Ind::new(p, i)).collect(),
        }
    }

    /// Indication `i`'s flat form, if it has one.
    pub(crate) fn ind(&self, i: usize) -> Option<&Ind> {
        self.inds.get(i).and_then(Option::as_ref)
    }
}

/// A leaf comparison: the tree's leaf [`Cond`], with what reading it fast needs.
enum Leaf {
    IsTrue {
        slot: u32,
    },
    Known {
        slot: u32,
    },
    Enum {
        slot: u32,
        mask: u128,
    },
    Set {
        slot: u32,
        quant: SetQuant,
        mask: u128,
    },
    Compare {
        slot: u32,
        op: CmpOp,
        condition: bool,
        /// The constant, when it is a number: its scale and mantissa.
        number: Option<(u32, i128)>,
        /// The constant as the tree has it (for another scale, or an alternate dimension).
        limit: Box<Limit>,
    },
    /// Two facts compared: read by the tree's code.
    Facts(Box<Cond>),
}

impl Leaf {
    fn new(c: &Cond) -> Leaf {
        match c {
            Cond::IsTrue { fact } => Leaf::IsTrue { slot: *fact },
            Cond::Known { fact } => Leaf::Known { slot: *fact },
            Cond::EnumIn { fact, mask, .. } => Leaf::Enum {
                slot: *fact,
                mask: *mask,
            },
            Cond::SetHas {
                fact, quant, mask, ..
            } => Leaf::Set {
                slot: *fact,
                quant: *quant,
                mask: *mask,
            },
            Cond::Compare {
                fact,
                op,
                limit,
                condition,
            } => Leaf::Compare {
                slot: *fact,
                op: *op,
                condition: *condition,
                number: match limit.value {
                    Const::Number(d) => Some((d.scale(), d.mantissa())),
                    Const::Date(_) => None,
                },
                limit: Box::new(limit.clone()),
            },
            other => Leaf::Facts(Box::new(other.clone())),
        }
    }

    /// The leaf's value: [`cond_in`] of the tree's leaf. Values are read in place (a copy of a
    /// decimal through the stack costs more than the comparison).
    #[inline]
    fn eval<F: Facts + ?Sized>(&self, f: &F) -> Tv {
        match self {
            Leaf::IsTrue { slot } => match f.value_ref(*slot) {
                Some(Value::Bool(b)) => Tv::from(*b),
                _ => Tv::Unknown,
            },
            Leaf::Known { slot } if f.open(*slot) => Tv::Unknown,
            Leaf::Known { slot } => Tv::from(f.stated(*slot)),
            Leaf::Enum { slot, mask } => match f.value_ref(*slot) {
                Some(Value::Enum(UNLISTED)) => Tv::False,
                Some(Value::Enum(i)) => Tv::from(mask & (1u128 << (i & 127)) != 0),
                _ => Tv::Unknown,
            },
            Leaf::Set { slot, quant, mask } => match f.value_ref(*slot) {
                Some(Value::Set(s)) => Tv::from(match quant {
                    SetQuant::Any => s & mask != 0,
                    SetQuant::All => s & mask == *mask,
                    SetQuant::None => s & mask == 0,
                }),
                _ => Tv::Unknown,
            },
            Leaf::Compare {
                slot,
                op,
                condition,
                number,
                limit,
            } => {
                if *condition && !f.stated(*slot) {
                    return if f.open(*slot) { Tv::Unknown } else { Tv::True };
                }
                match (f.value_ref(*slot), number) {
                    (Some(Value::Num(x, 0)), Some((scale, mantissa))) => {
                        let o = if x.scale() == *scale {
                            x.mantissa().cmp(mantissa)
                        } else {
                            match limit.value {
                                Const::Number(l) => x.cmp(&l),
                                Const::Date(_) => return Tv::Unknown,
                            }
                        };
                        Tv::from(cmp_holds(*op, o))
                    }
                    (Some(v), _) => compare_value(*v, *op, limit),
                    (None, _) => Tv::Unknown,
                }
            }
            Leaf::Facts(c) => cond_in(c, f),
        }
    }

    /// The fact whose cells can change the leaf's value, for a leaf whose value is a function of
    /// one fact's value alone (not of whether it is stated).
    fn varying_slot(&self) -> Option<u32> {
        match self {
            Leaf::IsTrue { slot } | Leaf::Enum { slot, .. } | Leaf::Set { slot, .. } => Some(*slot),
            Leaf::Compare {
                slot, condition, ..
            } => (!condition).then_some(*slot),
            Leaf::Known { .. } | Leaf::Facts(_) => None,
        }
    }
}

/// A condition: a leaf, or `all`/`any` of the conditions `[start, start + len)`, or `not`.
#[derive(Clone, Copy)]
enum C {
    Leaf(u32),
    All(u32, u32),
    Any(u32, u32),
    Not(u32),
}

/// A node's body: a condition, a group of the nodes `[start, start + len)`, or a referral.
#[derive(Clone, Copy)]
enum Body {
    Cond(u32),
    Group(GroupKind, u32, u32),
    Referral,
}

/// A labelled node: its `when` and `if` ([`NONE`] if absent), and its body.
#[derive(Clone, Copy)]
struct N {
    guard: u32,
    only_if: u32,
    body: Body,
}

/// What one unstated fact's cells make of the leaves that read it.
struct SlotCells {
    slot: u32,
    /// The leaves whose value is a function of the fact's value.
    mask: u64,
    /// The pattern of those leaves that hold, one per cell, in the order the tree's search tries
    /// the cells (cells alike are not merged, so that the search and its budget go as the tree's
    /// do); `None` when the cells are not supported or a cell leaves a leaf unknown.
    patterns: Option<Vec<u64>>,
}

/// One indication, flat.
pub(crate) struct Ind {
    leaves: Vec<Leaf>,
    conds: Vec<C>,
    nodes: Vec<N>,
    applies: u32,
    criteria: u32,
    dosing: u32,
    /// The cells of each fact the leaves read; `None` when the indication compares two facts, so
    /// that a fact's cells depend on the other's value.
    slots: Option<Vec<SlotCells>>,
    /// The indication in postorder, for reading it over masks (see [`post`]).
    post: Option<post::Post>,
    /// It has no referral leaf, so each node's strict and lenient readings are one.
    single: bool,
}

/// Leaf values given as bit masks: bit `k` of `unknown` if leaf `k` is unknown, else of `holds`
/// if it holds.
struct Masks {
    holds: u64,
    unknown: u64,
}

impl Masks {
    #[inline]
    fn get(&self, k: u32) -> Tv {
        if self.unknown >> k & 1 == 1 {
            Tv::Unknown
        } else {
            Tv::from(self.holds >> k & 1 == 1)
        }
    }
}

impl Ind {
    fn new(p: &Program, i: usize) -> Option<Ind> {
        let def: &IndicationDef = p.indications.get(i)?;
        let mut b = build::Builder {
            leaves: Vec::new(),
            conds: Vec::new(),
            nodes: Vec::new(),
        };
        let applies = b.new_cond(def.applies.as_ref());
        let criteria = b.new_node(Some(&def.criteria));
        let dosing = b.new_node(def.dosing.as_ref());
        let mut ind = Ind {
            leaves: b.leaves,
            conds: b.conds,
            nodes: b.nodes,
            applies,
            criteria,
            dosing,
            slots: None,
            post: None,
            single: false,
        };
        ind.single = !ind.nodes.iter().any(|n| matches!(n.body, Body::Referral));
        if ind.leaves.len() <= MAX_LEAVES && !ind.leaves.iter().any(|l| matches!(l, Leaf::Facts(_)))
        {
            ind.slots = Some(ind.cells(p, i));
            ind.post = post::Post::new(&ind);
        }
        Some(ind)
    }

    /// What each cell of each fact the leaves read makes of them.
    fn cells(&self, p: &Program, i: usize) -> Vec<SlotCells> {
        let mut out: Vec<SlotCells> = Vec::new();
        for (k, leaf) in self.leaves.iter().enumerate() {
            let Some(slot) = leaf.varying_slot() else {
                continue;
            };
            match out.iter_mut().find(|s| s.slot == slot) {
                Some(s) => s.mask |= 1 << k,
                None => out.push(SlotCells {
                    slot,
                    mask: 1 << k,
                    patterns: None,
                }),
            }
        }
        let unstated: Vec<Option<Value>> = vec![None; p.facts.len()];
        for s in &mut out {
            let base = Scope::of(&unstated);
            let mut patterns = Vec::new();
            let mut unsure = false;
            let cells = cells::for_each_cell(p, Some(i), s.slot, &base, &mut |value| {
                let link = base.link(s.slot, value);
                let f = base.with(&link);
                let mut pattern = 0u64;
                for (k, leaf) in self.leaves.iter().enumerate() {
                    if s.mask >> k & 1 == 0 {
                        continue;
                    }
                    match leaf.eval(&f) {
                        Tv::True => pattern |= 1 << k,
                        Tv::False => {}
                        Tv::Unknown => unsure = true,
                    }
                }
                patterns.push(pattern);
                !unsure
            });
            if cells == Cells::Done && !unsure && !patterns.is_empty() {
                s.patterns = Some(patterns);
            }
        }
        out
    }

    /// Condition `i`: [`cond_in`].
    fn cond<F: Facts + ?Sized>(&self, i: u32, f: &F) -> Tv {
        match self.conds[i as usize] {
            C::Leaf(k) => self.leaves[k as usize].eval(f),
            C::All(start, n) => {
                let mut r = Tv::True;
                for j in start..start + n {
                    match self.cond(j, f) {
                        Tv::False => return Tv::False,
                        Tv::Unknown => r = Tv::Unknown,
                        Tv::True => {}
                    }
                }
                r
            }
            C::Any(start, n) => {
                let mut r = Tv::False;
                for j in start..start + n {
                    match self.cond(j, f) {
                        Tv::True => return Tv::True,
                        Tv::Unknown => r = Tv::Unknown,
                        Tv::False => {}
                    }
                }
                r
            }
            C::Not(j) => self.cond(j, f).not(),
        }
    }

    /// Node `i`, both readings (strict, lenient): [`super::logic::node_pair`].
    fn node<F: Facts + ?Sized>(&self, i: u32, f: &F) -> (Tv, Tv) {
        let n = self.nodes[i as usize];
        let g = if n.guard == NONE {
            Tv::True
        } else {
            self.cond(n.guard, f)
        };
        if g == Tv::False {
            return (Tv::False, Tv::False);
        }
        let p = if n.only_if == NONE {
            Tv::True
        } else {
            self.cond(n.only_if, f)
        };
        if p == Tv::False {
            return (g, g);
        }
        let (bs, bl) = match n.body {
            Body::Cond(c) => {
                let c = self.cond(c, f);
                (c, c)
            }
            Body::Referral => (Tv::False, Tv::True),
            Body::Group(of, start, len) => self.group(of, start, len, f),
        };
        (node_value(g, p, bs), node_value(g, p, bl))
    }

    /// A group's readings: [`super::logic::node_pair`]'s groups.
    fn group<F: Facts + ?Sized>(&self, of: GroupKind, start: u32, len: u32, f: &F) -> (Tv, Tv) {
        match of {
            GroupKind::AllOf => {
                let (mut st, mut l) = (Tv::True, Tv::True);
                for j in start..start + len {
                    let (cs, cl) = self.node(j, f);
                    st = and3(st, cs);
                    l = and3(l, cl);
                    if l == Tv::False {
                        return (Tv::False, Tv::False);
                    }
                }
                (st, l)
            }
            GroupKind::OneOf | GroupKind::NoneOf => {
                let (mut st, mut l) = (Tv::False, Tv::False);
                for j in start..start + len {
                    let (cs, cl) = self.node(j, f);
                    st = or3(st, cs);
                    l = or3(l, cl);
                    let settled = if of == GroupKind::OneOf { st } else { l };
                    if settled == Tv::True {
                        break;
                    }
                }
                if of == GroupKind::NoneOf {
                    (l.not(), l.not())
                } else {
                    (st, l)
                }
            }
        }
    }

    fn section<F: Facts + ?Sized>(&self, i: u32, f: &F) -> Sec {
        if i == NONE {
            return Sec {
                s: Tv::True,
                l: Tv::True,
            };
        }
        if self.single {
            let v = self.node1(i, f);
            return Sec { s: v, l: v };
        }
        let (st, l) = self.node(i, f);
        Sec { s: st, l }
    }

    /// Node `i` of an indication without referral leaves, whose two readings are one:
    /// [`Ind::node`], read once.
    fn node1<F: Facts + ?Sized>(&self, i: u32, f: &F) -> Tv {
        let n = self.nodes[i as usize];
        let g = if n.guard == NONE {
            Tv::True
        } else {
            self.cond(n.guard, f)
        };
        if g == Tv::False {
            return Tv::False;
        }
        let p = if n.only_if == NONE {
            Tv::True
        } else {
            self.cond(n.only_if, f)
        };
        if p == Tv::False {
            return g;
        }
        let b = match n.body {
            Body::Cond(c) => self.cond(c, f),
            // Not in an indication read once; as in `node`, a referral fails strictly.
            Body::Referral => Tv::False,
            Body::Group(GroupKind::AllOf, start, len) => {
                let mut r = Tv::True;
                for j in start..start + len {
                    r = and3(r, self.node1(j, f));
                    if r == Tv::False {
                        break;
                    }
                }
                r
            }
            Body::Group(of, start, len) => {
                let mut r = Tv::False;
                for j in start..start + len {
                    r = or3(r, self.node1(j, f));
                    if r == Tv::True {
                        break;
                    }
                }
                if of == GroupKind::NoneOf {
                    r.not()
                } else {
                    r
                }
            }
        };
        node_value(g, p, b)
    }

    /// The standings the indication could have, doing only the work that can change the
    /// decision: `possible_lean` of the tree (see there), then, where that leaves more than one,
    /// [`Ind::exact`]. `None`: ask the tree.
    pub(crate) fn standings<F: Facts + ?Sized>(
        &self,
        f: &F,
        refers: bool,
        approve_only: bool,
        budget: &mut u32,
    ) -> Option<u8> {
        let applies = if self.applies == NONE {
            Tv::True
        } else {
            self.cond(self.applies, f)
        };
        match applies {
            Tv::False => return Some(DENY),
            Tv::Unknown if approve_only => return self.exact(f, refers, true, budget),
            _ => {}
        }
        let criteria = self.section(self.criteria, f);
        if criteria.l == Tv::False {
            return Some(DENY);
        }
        if approve_only && criteria.s != Tv::True {
            return self.exact(f, refers, true, budget);
        }
        let dosing = self.section(self.dosing, f);
        let set = possible(
            Values {
                applies,
                criteria,
                dosing,
            },
            refers,
        );
        if set.count_ones() <= 1 {
            return Some(set);
        }
        self.exact(f, refers, approve_only, budget)
    }

    /// Every leaf's value for the facts `f`, as masks (at most [`MAX_LEAVES`] leaves).
    fn masks<F: Facts + ?Sized>(&self, f: &F) -> Masks {
        let (mut holds, mut unknown) = (0u64, 0u64);
        for (k, leaf) in self.leaves.iter().enumerate() {
            match leaf.eval(f) {
                Tv::True => holds |= 1 << k,
                Tv::Unknown => unknown |= 1 << k,
                Tv::False => {}
            }
        }
        Masks { holds, unknown }
    }

    /// The standings the indication reaches over every completion of the facts the request
    /// leaves unstated: the tree's `exact_standings`, worked out over bit masks (see the module's
    /// documentation). With `approve_only`, stops once something other than an approval is
    /// reached. Each cell tried costs one of `budget`, as in the tree's search; when it runs out,
    /// the three-valued superset is the answer. `None` where this cannot be worked out
    /// here: ask the tree.
    pub(crate) fn exact<F: Facts + ?Sized>(
        &self,
        f: &F,
        refers: bool,
        approve_only: bool,
        budget: &mut u32,
    ) -> Option<u8> {
        let slots = self.slots.as_ref()?;
        let Masks { holds, unknown } = self.masks(f);
        let read = self.over(&Masks { holds, unknown });
        let set = possible(read.0, refers);
        if set.count_ones() <= 1 || (approve_only && set & APPROVE == 0) {
            return Some(set);
        }
        // The unstated facts the unknown leaves read, each with its patterns.
        let mut open: [(&[u64], u64); MAX_OPEN] = [(&[], 0); MAX_OPEN];
        let mut n = 0;
        let mut covered = 0u64;
        for s in slots {
            if s.mask & unknown == 0 {
                continue;
            }
            if f.value(s.slot).is_some() || n == MAX_OPEN {
                return None;
            }

            open[n] = (s.patterns.as_deref()?, s.mask);
            n += 1;
            covered |= s.mask;
        }
        if unknown & !covered != 0 || n == 0 {
            return None;
        }
        Some(self.search(
            &open[..n],
            holds,
            unknown,
            read,
            refers,
            approve_only,
            0,
            0,
            budget,
        ))
    }

    /// The standings reachable from the leaf values `holds` and `unknown` (every unknown leaf
    /// read by one of the facts in `open`, with its patterns and its leaves): the tree's search,
    /// step for step, over bit masks. The third argument is the indication read over those masks
    /// ([`Ind::over`]: its values, and the leaf to settle first), which the caller has made.
    /// `found`: standings already known to be reachable elsewhere.
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        open: &[(&[u64], u64)],
        holds: u64,
        unknown: u64,
        (v, leaf): (Values, u32),
        refers: bool,
        approve_only: bool,
        found: u8,
        depth: u32,
        budget: &mut u32,
    ) -> u8 {
        let set = possible(v, refers);
        if set.count_ones() <= 1 || (approve_only && set & APPROVE == 0) || set & !found == 0 {
            return set;
        }
        if leaf == NONE {
            return set;
        }
        if depth >= SEARCH_DEPTH || *budget == 0 {
            return set;
        }
        let Some(&(patterns, mask)) = open.iter().find(|(_, m)| m >> leaf & 1 == 1) else {
            return set;
        };
        let mut out = 0u8;
        let mut short = false;
        for &pattern in patterns {
            if *budget == 0 {
                short = true;
                break;
            }
            *budget -= 1;
            let (holds, unknown) = (holds | pattern, unknown & !mask);
            out |= self.search(
                open,
                holds,
                unknown,
                self.over(&Masks { holds, unknown }),
                refers,
                approve_only,
                found | out,
                depth + 1,
                budget,
            );
            if out == set || (approve_only && out & !APPROVE != 0) {
                break;
            }
        }
        if short || out == 0 {
            set
        } else {
            out
        }
    }

    /// The values of the indication's parts over masks, with the first unknown leaf its unknown
    /// values read: from the postorder form where there is one, else [`Ind::mvalues`].
    #[inline]
    fn over(&self, m: &Masks) -> (Values, u32) {
        match &self.post {
            Some(post) => post.values(m),
            None => self.mvalues(m),
        }
    }
}
