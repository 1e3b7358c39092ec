//! The cells of a fact's domain: the finite partition of the values a fact can take by the
//! policy's own constants, one value of each cell. Two values in one cell make every condition the
//! policy has on the fact come out the same, so trying one value of each cell tries every value.
//!
//! - a yes/no or documentation fact: `true`, `false`;
//! - an enumeration: its values, those that no condition tells apart counted once, and for an open
//!   enumeration "another value" (which matches none);
//! - a set: the subsets of the "atoms" of the values its conditions name (the values no condition
//!   tells apart form one atom); values no condition names never matter;
//! - a count, number, quantity or date: each constant it is compared with (and, where it is
//!   compared with another fact, that fact's constants and stated value), each interval between
//!   two consecutive constants, and the values below the smallest and above the largest; within
//!   its plausible range (`within`), and from 0 for a count or quantity. Where it is compared with
//!   another fact, two values of each interval, so that both orders of the two facts within one
//!   interval are tried.
//!
//! Two versions of a policy are partitioned together by [`for_each_cell_of`] (the constants of
//! both), for comparing their decisions.
//!
//! Nothing here allocates: constants are collected in a fixed array, and a fact with more distinct
//! constants than it holds (or a set with more atoms than [`MAX_ATOMS`]) is [`Cells::Unsupported`].
//! Except inside [`remembering_cells`] (what an explanation runs in, where a search for the facts
//! a request needs asks for the cells of the same facts many times): there each fact's cells are
//! worked out once, kept in a list, and visited from it.

use super::logic::Facts;
use crate::request::{Value, UNLISTED};
use policyc_ir::ir::{Cond, Const, FactType, Node, NodeBody, Program};
use rust_decimal::Decimal;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The most distinct constants a numeric or date fact's cells are worked out from.
const MAX_CONSTANTS: usize = 40;
/// The most atoms a set fact's cells are worked out from (2^this subsets).
pub(crate) const MAX_ATOMS: u32 = 10;

/// Whether every cell was visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cells {
    /// Every cell was visited (or the visitor stopped the enumeration).
    Done,
    /// The fact has more distinct constants, or atoms, than are tried: nothing was visited.
    Unsupported,
}

/// Visit every leaf condition of the conditions and nodes `each` visits.
pub(crate) fn leaves_cond<'a>(c: &'a Cond, f: &mut impl FnMut(&'a Cond)) {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| leaves_cond(x, f)),
        Cond::Not { not } => leaves_cond(not, f),
        leaf => f(leaf),
    }
}

/// Every leaf condition of a node: its `when`, its `if`, its condition, its children's.
pub(crate) fn leaves_node<'a>(n: &'a Node, f: &mut impl FnMut(&'a Cond)) {
    for g in n.guard.iter().chain(&n.only_if) {
        leaves_cond(g, f);
    }
    match &n.body {
        NodeBody::Condition { condition } => leaves_cond(condition, f),
        NodeBody::Group { children, .. } => children.iter().for_each(|c| leaves_node(c, f)),
        NodeBody::Referral { .. } => {}
    }
}

/// Every leaf condition of indication `only` (or of every indication).
fn leaves_of<'a>(p: &'a Program, only: Option<usize>, f: &mut impl FnMut(&'a Cond)) {
    for (i, ind) in p.indications.iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        if let Some(a) = &ind.applies {
            leaves_cond(a, f);
        }
        leaves_node(&ind.criteria, f);
        if let Some(d) = &ind.dosing {
            leaves_node(d, f);
        }
    }
}

/// A fixed-size set of distinct decimals (or day counts, as decimals).
struct Constants {
    v: [Decimal; MAX_CONSTANTS],
    n: usize,
    overflow: bool,
}

impl Constants {
    fn new() -> Constants {
        Constants {
            v: [Decimal::ZERO; MAX_CONSTANTS],
            n: 0,
            overflow: false,
        }
    }
    fn add(&mut self, d: Decimal) {
        if self.v[..self.n].contains(&d) {
            return;
        }
        if self.n == MAX_CONSTANTS {
            self.overflow = true;
            return;
        }
        self.v[self.n] = d;
        self.n += 1;
    }
    fn sorted(&mut self) -> &[Decimal] {
        let v = &mut self.v[..self.n];
        v.sort_unstable();
        v
    }
}

/// The values of an enumeration (by index, up to 128) that the masks seen so far do not tell
/// apart: two values are in one class when every mask has both or neither. Refined one mask at a
/// time, so the classes after all of a fact's conditions take one pass over them.
struct Classes {
    /// The class of each value below `n`.
    of: [u8; 128],
    /// How many values are tracked one by one; the others are in no mask seen so far.
    n: usize,
    /// The class of the values in no mask seen so far.
    absent: u8,
}

impl Classes {
    /// The values of an enumeration of `n` values, none told apart yet.
    fn new(n: usize) -> Classes {
        Classes {
            of: [0; 128],
            n: n.min(128),
            absent: 0,
        }
    }
    /// Split every class by whether its values are in `mask`.
    fn split(&mut self, mask: u128) {
        let top = (128 - mask.leading_zeros()) as usize;
        if top > self.n {
            self.of[self.n..top].fill(self.absent);
            self.n = top;
        }
        // The new class of (old class, whether in the mask); `u8::MAX` for none yet.
        let mut new = [[u8::MAX; 2]; 130];
        let mut n = 0u8;
        let mut class = |old: u8, bit: u128| {
            let slot = &mut new[usize::from(old)][bit as usize];
            if *slot == u8::MAX {
                *slot = n;
                n += 1;
            }
            *slot
        };
        for (i, c) in self.of[..self.n].iter_mut().enumerate() {
            *c = class(*c, mask >> i & 1);
        }
        self.absent = class(self.absent, 0);
    }
    fn class(&self, i: usize) -> u8 {
        if i < self.n {
            self.of[i]
        } else {
            self.absent
        }
    }
    /// Whether no mask seen tells values `i` and `j` apart.
    fn same(&self, i: usize, j: usize) -> bool {
        self.class(i) == self.class(j)
    }
}

fn as_decimal(k: &Const) -> Decimal {
    match k {
        Const::Number(d) => *d,
        Const::Date(d) => Decimal::from(*d),
    }
}

fn value_decimal(v: Value) -> Option<Decimal> {
    match v {
        Value::Num(d, 0) => Some(d),
        Value::Date(d) => Some(Decimal::from(d)),
        _ => None,
    }
}

/// The constants fact `slot` is compared with in the conditions of `only` (or of every
/// indication), with the constants and stated values of the facts it is compared with; and
/// whether it is compared with another fact.
fn constants_of(
    p: &Program,
    only: Option<usize>,
    slot: u32,
    f: &(impl Facts + ?Sized),
    out: &mut Constants,
) -> bool {
    let mut paired = false;
    leaves_of(p, only, &mut |c| match c {
        Cond::Compare { fact, limit, .. } if *fact == slot => out.add(as_decimal(&limit.value)),
        Cond::CompareFacts { left, right, .. } if *left == slot || *right == slot => {
            paired = true;
            let other = if *left == slot { *right } else { *left };
            if let Some(d) = f.value(other).and_then(value_decimal) {
                out.add(d);
            }
            // The other fact's own constants: where it may fall, this fact must be tried too.
            leaves_of(p, only, &mut |d| {
                if let Cond::Compare { fact, limit, .. } = d {
                    if *fact == other {
                        out.add(as_decimal(&limit.value));
                    }
                }
            });
        }
        _ => {}
    });
    paired
}

/// One program's view of a fact whose cells are wanted: the program, the indication whose
/// conditions count (`None`: every indication), the fact's slot in it, and where the stated
/// values of the facts it is compared with are read.
pub(crate) struct Of<'a, F: Facts + ?Sized> {
    /// The program.
    pub(crate) p: &'a Program,
    /// The indication whose conditions cut the domain, or every indication.
    pub(crate) only: Option<usize>,
    /// The fact's slot in `p`.
    pub(crate) slot: u32,
    /// The facts of `p` (for the values of the facts this one is compared with).
    pub(crate) f: &'a F,
}

/// Visit one value of each cell of fact `slot`'s domain, as the conditions of indication `only`
/// (or of every indication) partition it, given the facts `f` (the stated values of the facts it is
/// compared with). `visit` returns whether to go on.
pub(crate) fn for_each_cell(
    p: &Program,
    only: Option<usize>,
    slot: u32,
    f: &(impl Facts + ?Sized),
    visit: &mut impl FnMut(Value) -> bool,
) -> Cells {
    let of = [Of { p, only, slot, f }];
    if REMEMBERING.get() == p as *const Program as usize {
        match remembered(&of) {
            Some(Plan::Values(values)) => {
                for &v in values.iter() {
                    if !visit(v) {
                        break;
                    }
                }
                return Cells::Done;
            }
            Some(Plan::Unsupported) => return Cells::Unsupported,
            Some(Plan::Live) | None => {}
        }
    }
    for_each_cell_of(&of, visit)
}

thread_local! {
    /// The address of the program whose cells [`PLANS`] remembers on this thread (0: none). Read
    /// on every [`for_each_cell`]: a plain number, so that reading it never allocates.
    static REMEMBERING: Cell<usize> = const { Cell::new(0) };
    /// The cells of the facts of that program: for every indication (first), then for each
    /// indication, by slot.
    static PLANS: RefCell<Vec<Vec<Option<Plan>>>> = const { RefCell::new(Vec::new()) };
}

/// The cells of one fact, as [`for_each_cell`] visits them, worked out once.
#[derive(Debug, Clone)]
enum Plan {
    /// One value of each cell, in the order they are visited.
    Values(Rc<[Value]>),
    /// [`Cells::Unsupported`] (nothing is visited).
    Unsupported,
    /// The cells depend on the stated values of the facts the fact is compared with: worked out
    /// each time.
    Live,
}

/// Run `f` with the cells of `p`'s facts remembered on this thread: each fact's cells (for each
/// indication, and for all of them) are worked out the first time [`for_each_cell`] asks for them
/// and visited from a list after that. Nothing is kept once `f` returns. Inside another call
/// (for this program or another), `f` runs in that one's memory.
pub(crate) fn remembering_cells<R>(p: &Program, f: impl FnOnce() -> R) -> R {
    /// Forgets the cells when the call ends (or unwinds).
    struct Forget;
    impl Drop for Forget {
        fn drop(&mut self) {
            REMEMBERING.set(0);
            PLANS.with(|c| c.borrow_mut().clear());
        }
    }
    if REMEMBERING.get() != 0 {
        return f();
    }
    REMEMBERING.set(p as *const Program as usize);
    let _forget = Forget;
    f()
}

/// The remembered cells of `of`'s fact (worked out now if they are not yet), or `None` when the
/// fact or the indication is not the program's.
fn remembered<F: Facts + ?Sized>(of: &[Of<'_, F>; 1]) -> Option<Plan> {
    let o = &of[0];
    let facts = o.p.facts.len();
    let slot = o.slot as usize;
    if slot >= facts || o.only.is_some_and(|i| i >= o.p.indications.len()) {
        return None;
    }
    PLANS.with(|c| {
        let mut plans = c.borrow_mut();
        if plans.is_empty() {
            plans.resize_with(o.p.indications.len() + 1, Vec::new);
        }
        let of_only = plans.get_mut(o.only.map_or(0, |i| i + 1))?;
        if of_only.is_empty() {
            of_only.resize(facts, None);
        }
        let plan = of_only.get_mut(slot)?;
        Some(plan.get_or_insert_with(|| plan_of(of)).clone())
    })
}

/// The cells of `of`'s fact, as a list.
fn plan_of<F: Facts + ?Sized>(of: &[Of<'_, F>; 1]) -> Plan {
    let o = &of[0];
    let numeric = o.p.facts.get(o.slot as usize).is_some_and(|x| {
        matches!(
            x.ty,
            FactType::Count | FactType::Number | FactType::Quantity { .. } | FactType::Date
        )
    });
    let mut paired = false;
    leaves_of(o.p, o.only, &mut |c| {
        if let Cond::CompareFacts { left, right, .. } = c {
            paired |= *left == o.slot || *right == o.slot;
        }
    });
    if numeric && paired {
        return Plan::Live;
    }
    let mut values = Vec::new();
    match for_each_cell_of(of, &mut |v| {
        values.push(v);
        true
    }) {
        Cells::Done => Plan::Values(values.into()),
        Cells::Unsupported => Plan::Unsupported,
    }
}

/// [`for_each_cell`] for one fact as several programs see it (two versions of a policy, the fact
/// matched by name and of one type in all): the partition of its domain by the constants of all
/// of them, within the plausible range every one of them accepts. The type, enumeration and value
/// indices are those of the first.
pub(crate) fn for_each_cell_of<F: Facts + ?Sized>(
    of: &[Of<'_, F>],
    visit: &mut impl FnMut(Value) -> bool,
) -> Cells {
    let Some(first) = of.first() else {
        return Cells::Unsupported;
    };
    let Some(fact) = first.p.facts.get(first.slot as usize) else {
        return Cells::Unsupported;
    };
    // Every leaf condition of every program's view, with the slot it reads the fact at.
    let leaves = |g: &mut dyn FnMut(&Cond, u32)| {
        for o in of {
            leaves_of(o.p, o.only, &mut |c| g(c, o.slot));
        }
    };
    match &fact.ty {
        FactType::Boolean | FactType::Documentation => {
            let _ = visit(Value::Bool(true)) && visit(Value::Bool(false));
            Cells::Done
        }
        FactType::Enum { enum_index } => {
            let Some(e) = first.p.enums.get(*enum_index as usize) else {
                return Cells::Unsupported;
            };
            let n = e.values.len().min(128);
            // Two values are told apart by some `is` (one of) of the fact; a value is named by
            // one. Worked out in one pass over the conditions.
            let mut classes = Classes::new(n);
            let mut union = 0u128;
            leaves(&mut |c, slot| {
                if let Cond::EnumIn { fact, mask, .. } = c {
                    if *fact == slot {
                        classes.split(*mask);
                        union |= mask;
                    }
                }
            });
            let named = |i: usize| union >> i & 1 == 1;
            for i in 0..n {
                // An open enumeration's unlisted value stands for the values no condition names.
                if e.open && !named(i) {
                    continue;
                }
                if (0..i).any(|j| (!e.open || named(j)) && classes.same(i, j)) {
                    continue;
                }
                if !visit(Value::Enum(i as u32)) {
                    return Cells::Done;
                }
            }
            if e.open {
                visit(Value::Enum(UNLISTED));
            }
            Cells::Done
        }
        FactType::Set { enum_index } => {
            let n = first
                .p
                .enums
                .get(*enum_index as usize)
                .map_or(128, |e| e.values.len());
            set_cells(n, &leaves, visit)
        }
        FactType::Count | FactType::Number | FactType::Quantity { .. } | FactType::Date => {
            let mut k = Constants::new();
            let mut paired = false;
            for o in of {
                paired |= constants_of(o.p, o.only, o.slot, o.f, &mut k);
            }
            let floor = matches!(fact.ty, FactType::Count | FactType::Quantity { .. });
            if floor {
                k.add(Decimal::ZERO);
            }
            let (mut lo, mut hi): (Option<Decimal>, Option<Decimal>) = (None, None);
            for o in of {
                let range =
                    o.p.facts
                        .get(o.slot as usize)
                        .and_then(|x| x.range.as_ref());
                if let Some(r) = range {
                    let (l, h) = (as_decimal(&r.low), as_decimal(&r.high));
                    lo = Some(lo.map_or(l, |x| x.max(l)));
                    hi = Some(hi.map_or(h, |x| x.min(h)));
                    k.add(l);
                    k.add(h);
                }
            }
            if floor {
                lo = Some(lo.map_or(Decimal::ZERO, |l: Decimal| l.max(Decimal::ZERO)));
            }
            if k.overflow {
                return Cells::Unsupported;
            }
            if k.n == 0 {
                k.add(Decimal::ZERO);
            }
            let integers = matches!(fact.ty, FactType::Count | FactType::Date);
            let per = if paired { 2 } else { 1 };
            let make = |d: Decimal| -> Option<Value> {
                if lo.is_some_and(|l| d < l) || hi.is_some_and(|h| d > h) {
                    return None;
                }
                match fact.ty {
                    FactType::Date => i32::try_from(d.mantissa())
                        .ok()
                        .filter(|_| d.scale() == 0)
                        .map(Value::Date),
                    _ => Some(Value::Num(d.normalize(), 0)),
                }
            };
            let ks = k.sorted();
            let mut go = |d: Option<Decimal>| match d.and_then(make) {
                Some(v) => visit(v),
                None => true,
            };
            let one = Decimal::ONE;
            // Below the smallest constant.
            let min = ks[0];
            for step in 1..=per {
                let s = Decimal::from(step as u32);
                let d = if integers {
                    min.floor()
                        .checked_sub(if min.fract().is_zero() { s } else { s - one })
                } else {
                    min.checked_sub(s)
                };
                if !go(d) {
                    return Cells::Done;
                }
            }
            for (idx, &c) in ks.iter().enumerate() {
                // The constant itself (for a whole-number fact, only a whole constant is a value).
                if (!integers || c.fract().is_zero()) && !go(Some(c)) {
                    return Cells::Done;
                }
                // The interval above it: up to the next constant, or open.
                let next = ks.get(idx + 1).copied();
                for step in 1..=per {
                    let s = Decimal::from(step as u32);
                    let d = if integers {
                        c.floor().checked_add(s)
                    } else {
                        match next {
                            // A quarter and a half of the way to the next constant.
                            Some(b) => b
                                .checked_sub(c)
                                .and_then(|w| w.checked_mul(s))
                                .and_then(|w| w.checked_div(Decimal::from(4)))
                                .and_then(|w| c.checked_add(w)),
                            None => c.checked_add(s),
                        }
                    };
                    let inside = match (d, next) {
                        (Some(d), Some(b)) => d > c && d < b,
                        (Some(d), None) => d > c,
                        (None, _) => false,
                    };
                    if inside && !go(d) {
                        return Cells::Done;
                    }
                }
            }
            Cells::Done
        }
    }
}

/// The cells of a set fact: every subset of the atoms of the values its conditions name.
fn set_cells(
    n: usize,
    leaves: &impl Fn(&mut dyn FnMut(&Cond, u32)),
    visit: &mut impl FnMut(Value) -> bool,
) -> Cells {
    // Two values are in one atom when no condition tells them apart.
    let mut union = 0u128;
    let mut classes = Classes::new(n);
    leaves(&mut |c, slot| {
        if let Cond::SetHas { fact, mask, .. } = c {
            if *fact == slot {
                union |= mask;
                classes.split(*mask);
            }
        }
    });
    let same = |i: u32, j: u32| classes.same(i as usize, j as usize);
    let in_union = |i: u32| union >> i & 1 == 1;
    // Each atom's values, found from its first value.
    let mut atoms = [0u128; MAX_ATOMS as usize];
    let mut n = 0usize;
    let mut covered = 0u128;
    for r in 0..128u32 {
        if !in_union(r) || covered >> r & 1 == 1 {
            continue;
        }
        if n == MAX_ATOMS as usize {
            return Cells::Unsupported;
        }
        let mut atom = 0u128;
        for i in r..128u32 {
            if in_union(i) && covered >> i & 1 == 0 && same(i, r) {
                atom |= 1u128 << i;
            }
        }
        covered |= atom;
        atoms[n] = atom;
        n += 1;
    }
    for bits in 0..(1u32 << n) {
        let mut set = 0u128;
        for (k, atom) in atoms[..n].iter().enumerate() {
            if bits >> k & 1 == 1 {
                set |= atom;
            }
        }
        if !visit(Value::Set(set)) {
            break;
        }
    }
    Cells::Done
}

/// The constants that cut a numeric or date fact's domain into the cells [`for_each_cell_of`]
/// visits (each cell is one of them, or the values between two consecutive ones, or beyond the
/// first or last), sorted: for describing a cell in words. `None` for another type, or when there
/// are too many.
pub(crate) fn constants_for<F: Facts + ?Sized>(of: &[Of<'_, F>]) -> Option<Vec<Decimal>> {
    let first = of.first()?;
    let fact = first.p.facts.get(first.slot as usize)?;
    if !matches!(
        fact.ty,
        FactType::Count | FactType::Number | FactType::Quantity { .. } | FactType::Date
    ) {
        return None;
    }
    let mut k = Constants::new();
    for o in of {
        constants_of(o.p, o.only, o.slot, o.f, &mut k);
        if let Some(r) =
            o.p.facts
                .get(o.slot as usize)
                .and_then(|x| x.range.as_ref())
        {
            k.add(as_decimal(&r.low));
            k.add(as_decimal(&r.high));
        }
    }
    if matches!(fact.ty, FactType::Count | FactType::Quantity { .. }) {
        k.add(Decimal::ZERO);
    }
    if k.overflow {
        return None;
    }
    if k.n == 0 {
        k.add(Decimal::ZERO);
    }
    Some(k.sorted().to_vec())
}
