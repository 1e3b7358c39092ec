//! An indication in postorder, for reading it over bit masks: what the exact search does at
//! every completion it tries. Each operation pops its parts' values from a fixed stack and pushes
//! its own; nothing is skipped (over masks, reading a part costs less than deciding whether to),
//! and nothing recurses. The values, and the leaf each unknown value would be settled by first,
//! are those of [`Ind::mvalues`], which reads the same indication recursively and short-circuits:
//! the three-valued `and`, `or` and `not` do not depend on the order parts are read in, and the
//! first unknown part is the first in reading order either way. The tests compare the two.
//!
//! A value is two bits (bit 0: may hold, bit 1: may fail: 1 true, 2 false, 3 unknown); a stack
//! entry holds a node's strict reading in bits 0–1, its lenient one in bits 2–3 (a condition has
//! both the same) and, in bits 8–15, the leaf that makes it unknown ([`NO_PICK`] for none).

use super::{Body, Ind, Masks, C, NONE};
use crate::eval::logic::{Sec, Tv, Values};
use policyc_syntax::ast::GroupKind;

const T: u16 = 1;
const F: u16 = 2;
const U: u16 = 3;
/// No leaf picked.
const NO_PICK: u16 = 0xFF;
/// The deepest the stack may grow; an indication that needs more is read recursively.
pub(super) const MAX_STACK: usize = 96;

#[derive(Debug, Clone, Copy)]
enum Op {
    Leaf(u8),
    All(u16),
    Any(u16),
    Not,
    /// A labelled node's `when` and `if` (whichever it has) applied to its body.
    Node {
        guard: bool,
        only_if: bool,
    },
    Group(GroupKind, u16),
    Referral,
    /// Leaves `first..first + n` (parts side by side of one `all`/`any` or group), read at once
    /// from the masks: all of them (`all`) or any.
    Run {
        all: bool,
        first: u8,
        n: u8,
    },
}

/// The operations of one indication: its `applies when`, criteria and dosing, in that order.
pub(super) struct Post {
    ops: Vec<Op>,
    applies: bool,
    dosing: bool,
}

struct Emit<'a> {
    ind: &'a Ind,
    ops: Vec<Op>,
    depth: usize,
    deepest: usize,
}

impl Emit<'_> {
    fn push(&mut self, op: Op, pops: usize) {
        self.ops.push(op);
        self.depth = self.depth + 1 - pops;
        self.deepest = self.deepest.max(self.depth);
    }

    /// Emit parts `start..start + n`, each run of two or more side by side that are bare leaves
    /// (`leaf`) as one [`Op::Run`] (`all`: the run's leaves combined by `and`, else `or`; `and`
    /// and `or` are associative, so a run counts as one part), the others by `emit`. Returns how
    /// many entries they push.
    fn parts(
        &mut self,
        start: u32,
        n: u32,
        all: bool,
        leaf: impl Fn(u32) -> Option<u32>,
        mut emit: impl FnMut(&mut Self, u32) -> Option<()>,
    ) -> Option<usize> {
        let mut pushed = 0;
        let mut j = start;
        while j < start + n {
            let mut end = j;
            while end < start + n && leaf(end).is_some() {
                end += 1;
            }
            if end - j >= 2 {
                let first = u8::try_from(leaf(j)?).ok()?;
                self.push(
                    Op::Run {
                        all,
                        first,
                        n: u8::try_from(end - j).ok()?,
                    },
                    0,
                );
                j = end;
            } else {
                emit(self, j)?;
                j += 1;
            }
            pushed += 1;
        }
        Some(pushed)
    }

    fn cond(&mut self, i: u32) -> Option<()> {
        match self.ind.conds[i as usize] {
            C::Leaf(k) => self.push(Op::Leaf(u8::try_from(k).ok()?), 0),
            C::All(start, n) | C::Any(start, n) => {
                let all = matches!(self.ind.conds[i as usize], C::All(..));
                let leaf = |j: u32| match self.ind.conds[j as usize] {
                    C::Leaf(k) => Some(k),
                    _ => None,
                };
                let parts = self.parts(start, n, all, leaf, |e, j| e.cond(j))?;
                let parts = u16::try_from(parts).ok()?;
                self.push(
                    if all { Op::All(parts) } else { Op::Any(parts) },
                    parts as usize,
                );
            }
            C::Not(j) => {
                self.cond(j)?;
                self.push(Op::Not, 1);
            }
        }
        Some(())
    }

    fn node(&mut self, i: u32) -> Option<()> {
        let n = self.ind.nodes[i as usize];
        let (guard, only_if) = (n.guard != NONE, n.only_if != NONE);
        if guard {
            self.cond(n.guard)?;
        }
        if only_if {
            self.cond(n.only_if)?;
        }
        match n.body {
            Body::Cond(c) => self.cond(c)?,
            Body::Referral => self.push(Op::Referral, 0),
            Body::Group(of, start, len) => {
                // A part that is a bare leaf (no `when`, no `if`) reads as the leaf.
                let leaf = |j: u32| {
                    let n = self.ind.nodes[j as usize];
                    match (n.guard, n.only_if, n.body) {
                        (NONE, NONE, Body::Cond(c)) => match self.ind.conds[c as usize] {
                            C::Leaf(k) => Some(k),
                            _ => None,
                        },
                        _ => None,
                    }
                };
                let all = of == GroupKind::AllOf;
                let parts = self.parts(start, len, all, leaf, |e, j| e.node(j))?;
                let parts = u16::try_from(parts).ok()?;
                self.push(Op::Group(of, parts), parts as usize);
            }
        }
        if guard || only_if {
            let pops = usize::from(guard) + usize::from(only_if) + 1;
            self.push(Op::Node { guard, only_if }, pops);
        }
        Some(())
    }
}

impl Post {
    /// The indication's operations; `None` when they would need more stack than [`MAX_STACK`]
    /// or a group has more parts than an operation counts.
    pub(super) fn new(ind: &Ind) -> Option<Post> {
        let mut e = Emit {
            ind,
            ops: Vec::new(),
            depth: 0,
            deepest: 0,
        };
        let applies = ind.applies != NONE;
        if applies {
            e.cond(ind.applies)?;
        }
        e.node(ind.criteria)?;
        let dosing = ind.dosing != NONE;
        if dosing {
            e.node(ind.dosing)?;
        }
        (e.deepest <= MAX_STACK).then_some(Post {
            ops: e.ops,
            applies,
            dosing,
        })
    }

    /// The values of the indication's parts over `m`, with the first unknown leaf its unknown
    /// values read ([`NONE`] if none): [`Ind::mvalues`].
    pub(super) fn values(&self, m: &Masks) -> (Values, u32) {
        let mut stack = [0u16; MAX_STACK];
        let mut sp = 0usize;
        for op in &self.ops {
            let e = match *op {
                Op::Leaf(k) => {
                    let v = tv(m.get(u32::from(k)));
                    let pick = if v == U { u16::from(k) } else { NO_PICK };
                    v | v << 2 | pick << 8
                }
                Op::All(n) | Op::Any(n) => {
                    let all = matches!(op, Op::All(_));
                    let parts = &stack[sp - n as usize..sp];
                    sp -= n as usize;
                    // May hold / may fail: all (any) parts may hold, some (every) part may fail.
                    let (mut t, mut f) = if all { (1, 0) } else { (0, 2) };
                    let mut pick = NO_PICK;
                    for &p in parts {
                        let v = p & 3;
                        if all {
                            t &= v & 1;
                            f |= v & 2;
                        } else {
                            t |= v & 1;
                            f &= v & 2;
                        }
                        if v == U && pick == NO_PICK {
                            pick = p >> 8;
                        }
                    }
                    let v = t | f;
                    v | v << 2 | (if v == U { pick } else { NO_PICK }) << 8
                }
                Op::Not => {
                    sp -= 1;
                    let p = stack[sp];
                    let v = p & 3;
                    let v = (v & 1) << 1 | (v & 2) >> 1;
                    v | v << 2 | (p & 0xFF00)
                }
                Op::Referral => F | T << 2 | NO_PICK << 8,
                Op::Run { all, first, n } => {
                    let range = (u64::MAX >> (64 - u32::from(n))) << first;
                    let unknown = m.unknown & range;
                    let holds = m.holds & range & !unknown;
                    let fails = range & !holds & !unknown;
                    let v = if (all && fails != 0) || (!all && holds != 0) {
                        if all {
                            F
                        } else {
                            T
                        }
                    } else if unknown != 0 {
                        U
                    } else if all {
                        T
                    } else {
                        F
                    };
                    let pick = if v == U {
                        unknown.trailing_zeros() as u16
                    } else {
                        NO_PICK
                    };
                    v | v << 2 | pick << 8
                }
                Op::Group(of, n) => {
                    let parts = &stack[sp - n as usize..sp];
                    sp -= n as usize;
                    group(of, parts)
                }
                Op::Node { guard, only_if } => {
                    sp -= 1;
                    let body = stack[sp];
                    let p = if only_if {
                        sp -= 1;
                        stack[sp]
                    } else {
                        T | NO_PICK << 8
                    };
                    let g = if guard {
                        sp -= 1;
                        stack[sp]
                    } else {
                        T | NO_PICK << 8
                    };
                    node(g, p, body)
                }
            };
            stack[sp] = e;
            sp += 1;
        }
        let mut at = 0;
        let applies = if self.applies {
            at += 1;
            stack[0]
        } else {
            T | NO_PICK << 8
        };
        let criteria = stack[at];
        let dosing = if self.dosing {
            stack[at + 1]
        } else {
            T | T << 2 | NO_PICK << 8
        };
        let (a, (cs, cl), (ds, dl)) = (of(applies & 3), pair(criteria), pair(dosing));
        let pick = if a == Tv::Unknown && applies >> 8 != NO_PICK {
            applies >> 8
        } else if (cs == Tv::Unknown || cl == Tv::Unknown) && criteria >> 8 != NO_PICK {
            criteria >> 8
        } else if cl != Tv::False && (ds == Tv::Unknown || dl == Tv::Unknown) {
            dosing >> 8
        } else {
            NO_PICK
        };
        let v = Values {
            applies: a,
            criteria: Sec { s: cs, l: cl },
            dosing: Sec { s: ds, l: dl },
        };
        (
            v,
            if pick == NO_PICK {
                NONE
            } else {
                u32::from(pick)
            },
        )
    }
}

fn tv(t: Tv) -> u16 {
    match t {
        Tv::True => T,
        Tv::False => F,
        Tv::Unknown => U,
    }
}

fn of(v: u16) -> Tv {
    match v {
        T => Tv::True,
        F => Tv::False,
        _ => Tv::Unknown,
    }
}

fn pair(e: u16) -> (Tv, Tv) {
    (of(e & 3), of(e >> 2 & 3))
}

/// A group of parts: [`Ind::mgroup`].
fn group(of: GroupKind, parts: &[u16]) -> u16 {
    let all = of == GroupKind::AllOf;
    // Bits 0 and 2: both readings may hold; 1 and 3: may fail.
    let (mut t, mut f) = if all { (0b0101, 0) } else { (0, 0b1010) };
    let mut pick = NO_PICK;
    for &p in parts {
        let v = p & 0xF;
        if all {
            t &= v & 0b0101;
            f |= v & 0b1010;
        } else {
            t |= v & 0b0101;
            f &= v & 0b1010;
        }
        if pick == NO_PICK && (v & 3 == U || v >> 2 == U) {
            pick = p >> 8;
        }
    }
    let v = t | f;
    match of {
        GroupKind::AllOf if v >> 2 == F => F | F << 2 | NO_PICK << 8,
        GroupKind::NoneOf => {
            // Both readings are the negated lenient one.
            let l = v >> 2;
            let n = (l & 1) << 1 | (l & 2) >> 1;
            n | n << 2 | pick << 8
        }
        _ => v | pick << 8,
    }
}

/// A node's `when` `g` and `if` `p` applied to its body `b`: [`Ind::mnode`].
fn node(g: u16, p: u16, b: u16) -> u16 {
    let (gv, pv) = (g & 3, p & 3);
    if gv == F {
        return F | F << 2 | NO_PICK << 8;
    }
    if pv == F {
        return gv | gv << 2 | (g & 0xFF00);
    }
    let finish = |b: u16| {
        let b = if pv == U && b != T { U } else { b };
        if b == F || gv == T {
            b
        } else {
            U
        }
    };
    let pick = if gv == U {
        g >> 8
    } else if pv == U {
        p >> 8
    } else {
        b >> 8
    };
    finish(b & 3) | finish(b >> 2 & 3) << 2 | pick << 8
}
