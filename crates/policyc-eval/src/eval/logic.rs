//! The three-valued core: conditions, labelled nodes, how an indication stands, and [`decide`],
//! the decision without explanation.
//!
//! Longer than 800 lines on purpose: the three-valued semantics that `decide`, `evaluate` and
//! needs_info all use is one definition of what each condition means; half of the file is the slow,
//! plain versions of its searches that the tests compare it with.

use super::observe::{limit_leaves, NoObserver, Observer, Part};
use super::DecisionKind;
use crate::request::{Request, Value, UNLISTED};
use policyc_ir::ir::{Cond, Const, IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};

/// A three-valued truth value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tv {
    /// Does not hold.
    False,
    /// Depends on facts the request does not state.
    Unknown,
    /// Holds.
    True,
}

impl Tv {
    pub(super) fn not(self) -> Tv {
        match self {
            Tv::True => Tv::False,
            Tv::False => Tv::True,
            Tv::Unknown => Tv::Unknown,
        }
    }
    pub(super) fn from(b: bool) -> Tv {
        if b {
            Tv::True
        } else {
            Tv::False
        }
    }
}

/// The decision without its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The decision.
    pub kind: DecisionKind,
    /// The index, in the program's indications, of the indication the decision is under
    /// (approve, refer); `None` otherwise.
    pub indication: Option<usize>,
}

// ---------------------------------------------------------------------- the fast path

pub(super) fn cmp_holds(op: CmpOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CmpOp::Ge => o != Less,
        CmpOp::Le => o != Greater,
        CmpOp::Gt => o == Greater,
        CmpOp::Lt => o == Less,
        CmpOp::Eq => o == Equal,
        CmpOp::Ne => o != Equal,
    }
}

/// Decimal comparison, fast when both have the same scale (values and limits are normalized when
/// they are bound and compiled, so they usually do).
#[inline]
fn dec_cmp(a: rust_decimal::Decimal, b: rust_decimal::Decimal) -> std::cmp::Ordering {
    if a.scale() == b.scale() {
        a.mantissa().cmp(&b.mantissa())
    } else {
        a.cmp(&b)
    }
}

pub(super) fn compare_value(v: Value, op: CmpOp, limit: &policyc_ir::ir::Limit) -> Tv {
    match (v, limit.value) {
        (Value::Num(x, 0), Const::Number(l)) => Tv::from(cmp_holds(op, dec_cmp(x, l))),
        (Value::Num(x, alt), Const::Number(_)) => {
            match limit.alternates.iter().find(|a| a.alt == alt) {
                Some(a) => match (x.checked_mul(a.mul_value), a.value.checked_mul(a.mul_limit)) {
                    (Some(l), Some(r)) => Tv::from(cmp_holds(op, l.cmp(&r))),
                    _ => Tv::Unknown,
                },
                None => Tv::Unknown,
            }
        }
        (Value::Date(x), Const::Date(l)) => Tv::from(cmp_holds(op, x.cmp(&l))),
        _ => Tv::Unknown,
    }
}

/// Evaluate a condition over the request's fact slots (`f`, indexed by slot; `None`: not stated).
pub fn cond(c: &Cond, f: &[Option<Value>]) -> Tv {
    cond_in(c, f)
}

/// Where the evaluator reads facts: the request's slots, or the request with some of the facts it
/// leaves unstated given a value (a completion being tried, see [`Scope`]).
pub(crate) trait Facts {
    /// The value conditions compare: stated, derived, or given by the completion.
    fn value_ref(&self, slot: u32) -> Option<&Value>;
    /// [`Facts::value_ref`], copied.
    #[inline]
    fn value(&self, slot: u32) -> Option<Value> {
        self.value_ref(slot).copied()
    }
    /// Whether the request itself states (or derives) the fact: what `is known` and a condition of
    /// approval read, which a completion does not change.
    fn stated(&self, slot: u32) -> bool;
    /// Whether the fact is still open, neither stated nor known to be unstated (a region of
    /// requests being searched, where it may be either): then `is known` and a condition of
    /// approval on it are unknown too, so that every value read is one that stating or leaving
    /// out the fact can only settle, never reverse.
    #[inline]
    fn open(&self, _slot: u32) -> bool {
        false
    }
}

impl Facts for [Option<Value>] {
    #[inline]
    fn value_ref(&self, slot: u32) -> Option<&Value> {
        self[slot as usize].as_ref()
    }
    #[inline]
    fn stated(&self, slot: u32) -> bool {
        self[slot as usize].is_some()
    }
}

/// One fact given a value by a completion being tried, on top of the others (a list on the stack).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link<'a> {
    slot: u32,
    value: Value,
    up: Option<&'a Link<'a>>,
}

/// The request's slots, with some unstated facts given values: a partial completion. Lives on the
/// stack (each value a [`Link`] in the caller's frame), so trying completions allocates nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    base: &'a [Option<Value>],
    top: Option<&'a Link<'a>>,
}

impl<'a> Scope<'a> {
    /// The request as it is.
    pub(crate) fn of(base: &'a [Option<Value>]) -> Scope<'a> {
        Scope { base, top: None }
    }
    /// A link giving `slot` the value `value` on top of this scope (see [`Scope::with`]).
    pub(crate) fn link(&self, slot: u32, value: Value) -> Link<'a> {
        Link {
            slot,
            value,
            up: self.top,
        }
    }
    /// This scope with the link on top.
    pub(crate) fn with<'b>(&self, link: &'b Link<'a>) -> Scope<'b>
    where
        'a: 'b,
    {
        Scope {
            base: self.base,
            top: Some(link),
        }
    }
}

impl Facts for Scope<'_> {
    fn value_ref(&self, slot: u32) -> Option<&Value> {
        let mut l = self.top;
        while let Some(x) = l {
            if x.slot == slot {
                return Some(&x.value);
            }
            l = x.up;
        }
        self.base[slot as usize].as_ref()
    }
    fn stated(&self, slot: u32) -> bool {
        self.base[slot as usize].is_some()
    }
}

/// [`cond`] over any [`Facts`].
pub(crate) fn cond_in<F: Facts + ?Sized>(c: &Cond, f: &F) -> Tv {
    match c {
        Cond::All { all } => {
            let mut r = Tv::True;
            for x in all {
                match cond_in(x, f) {
                    Tv::False => return Tv::False,
                    Tv::Unknown => r = Tv::Unknown,
                    Tv::True => {}
                }
            }
            r
        }
        Cond::Any { any } => {
            let mut r = Tv::False;
            for x in any {
                match cond_in(x, f) {
                    Tv::True => return Tv::True,
                    Tv::Unknown => r = Tv::Unknown,
                    Tv::False => {}
                }
            }
            r
        }
        Cond::Not { not } => cond_in(not.as_ref(), f).not(),
        Cond::IsTrue { fact } => match f.value(*fact) {
            Some(Value::Bool(b)) => Tv::from(b),
            _ => Tv::Unknown,
        },
        Cond::Known { fact } if f.open(*fact) => Tv::Unknown,
        Cond::Known { fact } => Tv::from(f.stated(*fact)),
        Cond::EnumIn { fact, mask, .. } => match f.value(*fact) {
            Some(Value::Enum(UNLISTED)) => Tv::False,
            Some(Value::Enum(i)) => Tv::from(mask & (1u128 << (i & 127)) != 0),
            _ => Tv::Unknown,
        },
        Cond::SetHas {
            fact, quant, mask, ..
        } => match f.value(*fact) {
            Some(Value::Set(s)) => Tv::from(match quant {
                SetQuant::Any => s & mask != 0,
                SetQuant::All => s & mask == *mask,
                SetQuant::None => s & mask == 0,
            }),
            _ => Tv::Unknown,
        },
        Cond::Compare {
            fact,
            op,
            limit,
            condition,
        } => {
            // A condition of approval that the request does not state holds (it is carried),
            // whatever a completion would state.
            if *condition && !f.stated(*fact) {
                return if f.open(*fact) { Tv::Unknown } else { Tv::True };
            }
            match f.value(*fact) {
                Some(v) => compare_value(v, *op, limit),
                None => Tv::Unknown,
            }
        }
        Cond::CompareFacts { left, op, right } => match (f.value(*left), f.value(*right)) {
            (Some(Value::Num(a, 0)), Some(Value::Num(b, 0))) => {
                Tv::from(cmp_holds(*op, dec_cmp(a, b)))
            }
            (Some(Value::Date(a)), Some(Value::Date(b))) => Tv::from(cmp_holds(*op, a.cmp(&b))),
            _ => Tv::Unknown,
        },
    }
}

/// How a referral leaf (`refer to a clinician`, `redirect to ...`) counts: `Tv::False` for the
/// *strict* reading (what holds without leaving the decision to people), `Tv::True` for the
/// *lenient* one (what holds if people decide).
pub(crate) type Referral = Tv;

/// Evaluate a labelled node: its guards, then its body. Referral leaves count as `r`.
pub(crate) fn node_r(n: &Node, f: &[Option<Value>], r: Referral) -> Tv {
    let (strict, lenient) = node_pair(n, f, &mut NoObserver);
    if r == Tv::False {
        strict
    } else {
        lenient
    }
}

/// A node's value from its `when` `g`, its `if` `p` (each true when absent) and its body's value
/// `b` in one reading: the node is not met where its `when` is false, and `if P: body` is the
/// implication ¬P ∨ body. Every reading of a node (the tree's, the flat program's, the lints')
/// ends here.
#[inline]
pub fn node_value(g: Tv, p: Tv, b: Tv) -> Tv {
    if g == Tv::False {
        return Tv::False;
    }
    if p == Tv::False {
        return g;
    }
    let b = match (p, b) {
        (Tv::Unknown, Tv::True) => Tv::True,
        (Tv::Unknown, _) => Tv::Unknown,
        (_, b) => b,
    };
    match (g, b) {
        (_, Tv::False) => Tv::False,
        (Tv::True, b) => b,
        _ => Tv::Unknown,
    }
}

/// Both readings of a node at once, (strict, lenient), evaluating each condition once, reporting
/// to `o`.
pub(crate) fn node_pair<F: Facts + ?Sized, O: Observer>(n: &Node, f: &F, o: &mut O) -> (Tv, Tv) {
    let g = match &n.guard {
        Some(c) => {
            let g = cond_in(c, f);
            o.guard(n, g);
            g
        }
        None => Tv::True,
    };
    if g == Tv::False {
        return (Tv::False, Tv::False);
    }
    // `if P: body` is the implication ¬P ∨ body.
    let p = match &n.only_if {
        Some(c) => {
            let p = cond_in(c, f);
            o.only_if(n, p);
            p
        }
        None => Tv::True,
    };
    if p == Tv::False {
        return (g, g);
    }
    let (bs, bl) = body_pair(n, f, o);
    o.body(n, bl);
    (node_value(g, p, bs), node_value(g, p, bl))
}

fn body_pair<F: Facts + ?Sized, O: Observer>(n: &Node, f: &F, o: &mut O) -> (Tv, Tv) {
    match &n.body {
        NodeBody::Condition { condition } => {
            let c = cond_in(condition, f);
            if O::ACTIVE && o.wants_limits() {
                let mut leaves = Vec::new();
                limit_leaves(condition, &mut leaves);
                for (k, leaf) in leaves.into_iter().enumerate() {
                    o.limit(n, k, cond_in(leaf, f));
                }
            }
            (c, c)
        }
        NodeBody::Group { of, children } => group_pair(*of, children, f, o),
        NodeBody::Referral { .. } => (Tv::False, Tv::True),
    }
}

fn group_pair<F: Facts + ?Sized, O: Observer>(
    of: GroupKind,
    children: &[Node],
    f: &F,
    o: &mut O,
) -> (Tv, Tv) {
    match of {
        GroupKind::AllOf => {
            let (mut s, mut l) = (Tv::True, Tv::True);
            for (i, c) in children.iter().enumerate() {
                let (cs, cl) = node_pair(c, f, o);
                s = and3(s, cs);
                l = and3(l, cl);
                if l == Tv::False {
                    if O::ACTIVE {
                        observe_rest(&children[i + 1..], f, o);
                    }
                    return (Tv::False, Tv::False);
                }
            }
            (s, l)
        }
        GroupKind::OneOf | GroupKind::NoneOf => {
            let (mut s, mut l) = (Tv::False, Tv::False);
            for (i, c) in children.iter().enumerate() {
                let (cs, cl) = node_pair(c, f, o);
                s = or3(s, cs);
                l = or3(l, cl);
                // `one of` is settled once it holds strictly; `none of` (below) reads only the
                // lenient value, settled once some part may hold.
                let settled = if of == GroupKind::OneOf { s } else { l };
                if settled == Tv::True {
                    if O::ACTIVE {
                        observe_rest(&children[i + 1..], f, o);
                    }
                    break;
                }
            }
            if of == GroupKind::NoneOf {
                // `none of` holds only if no part holds, even one that people could find holding:
                // a referral under it cannot be excluded without them, nor does their review make
                // the exclusion hold. Both readings are the negated lenient one, so a `none of`
                // over a referral leaf fails (and `strict` never holds where `lenient` fails).
                (l.not(), l.not())
            } else {
                (s, l)
            }
        }
    }
}

/// For an active observer: evaluate the children a settled group skips, for their reports only.
fn observe_rest<F: Facts + ?Sized, O: Observer>(rest: &[Node], f: &F, o: &mut O) {
    for c in rest {
        node_pair(c, f, o);
    }
}

pub(super) fn and3(a: Tv, b: Tv) -> Tv {
    match (a, b) {
        (Tv::False, _) | (_, Tv::False) => Tv::False,
        (Tv::True, Tv::True) => Tv::True,
        _ => Tv::Unknown,
    }
}

pub(super) fn or3(a: Tv, b: Tv) -> Tv {
    match (a, b) {
        (Tv::True, _) | (_, Tv::True) => Tv::True,
        (Tv::False, Tv::False) => Tv::False,
        _ => Tv::Unknown,
    }
}

/// Evaluate a labelled node, a referral leaf counting as holding.
pub fn node(n: &Node, f: &[Option<Value>]) -> Tv {
    node_r(n, f, Tv::True)
}

/// How one indication stands for a request, once every part's value is known.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The indication does not cover the request (its `applies when` is false).
    NotApplicable,
    /// Its criteria are not met.
    Denied,
    /// Its criteria are met but the dosing is outside the policy's, and the policy makes no
    /// provision for doses outside its dosing: denied.
    DeniedDosing,
    /// Its criteria and dosing hold.
    Approve,
    /// Left to people: the dosing is outside the policy's and the policy sends such requests to a
    /// clinician, or the request meets the criteria only through a referral leaf.
    Refer,
}

/// What a section (criteria or dosing) comes to: its strict reading (referral leaves fail: what
/// holds without leaving anything to people) and its lenient one (referral leaves hold). Strict
/// never holds where lenient fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sec {
    /// Referral leaves counting as failing.
    pub(super) s: Tv,
    /// Referral leaves counting as holding.
    pub(super) l: Tv,
}

impl Sec {
    const HOLDS: Sec = Sec {
        s: Tv::True,
        l: Tv::True,
    };
    const UNREAD: Sec = Sec {
        s: Tv::Unknown,
        l: Tv::Unknown,
    };
    /// Holds only through a referral leaf.
    pub(super) fn referral(self) -> bool {
        self.s == Tv::False && self.l == Tv::True
    }
}

fn section<F: Facts + ?Sized, O: Observer>(n: Option<&Node>, f: &F, o: &mut O) -> Sec {
    let Some(n) = n else { return Sec::HOLDS };
    let (s, l) = node_pair(n, f, o);
    Sec { s, l }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Values {
    pub(super) applies: Tv,
    pub(super) criteria: Sec,
    pub(super) dosing: Sec,
}

/// The values of an indication's parts, reporting to `o`. Dosing is not read when the criteria
/// fail (for an active observer it is evaluated, and its value still not used).
pub(super) fn values<F: Facts + ?Sized, O: Observer>(
    ind: &IndicationDef,
    f: &F,
    o: &mut O,
) -> Values {
    let applies = ind.applies.as_ref().map_or(Tv::True, |a| cond_in(a, f));
    o.applies(ind, applies);
    if applies == Tv::False {
        return Values {
            applies,
            criteria: Sec::UNREAD,
            dosing: Sec::UNREAD,
        };
    }
    o.section(ind, Part::Criteria);
    let criteria = section(Some(&ind.criteria), f, o);
    let dosing = if criteria.l == Tv::False {
        if O::ACTIVE {
            o.section(ind, Part::Dosing);
            section(ind.dosing.as_ref(), f, o);
        }
        Sec::UNREAD
    } else {
        o.section(ind, Part::Dosing);
        section(ind.dosing.as_ref(), f, o)
    };
    Values {
        applies,
        criteria,
        dosing,
    }
}

/// The standing once every value is known: `applies`, and each section as (strict, lenient).
#[cfg(test)]
fn standing_known(
    applies: bool,
    criteria: (bool, bool),
    dosing: (bool, bool),
    refers_outside_dosing: bool,
) -> Standing {
    match (applies, criteria, dosing) {
        (false, _, _) => Standing::NotApplicable,
        (_, (_, false), _) => Standing::Denied,
        (_, (true, _), (true, _)) => Standing::Approve,
        (_, _, (_, false)) if refers_outside_dosing => Standing::Refer,
        (_, _, (_, false)) => Standing::DeniedDosing,
        // The criteria or the dosing hold only through a referral leaf.
        _ => Standing::Refer,
    }
}

/// A set of possible standings, as a bit set of these.
pub(super) const APPROVE: u8 = 1;
/// See [`APPROVE`].
pub(super) const REFER: u8 = 2;
/// See [`APPROVE`]: not applicable, denied, or denied for its dosing.
pub(super) const DENY: u8 = 4;

/// The standing's bit in a set of possible standings.
#[cfg(test)]
fn bit(s: Standing) -> u8 {
    match s {
        Standing::Approve => APPROVE,
        Standing::Refer => REFER,
        _ => DENY,
    }
}

#[cfg(test)]
fn tvs(t: Tv) -> &'static [bool] {
    match t {
        Tv::True => &[true],
        Tv::False => &[false],
        Tv::Unknown => &[false, true],
    }
}

/// The (strict, lenient) values a section may turn out to have, each as bits 0 (strict) and 1
/// (lenient), as a set: bit `k` of the result for the state `k`. Strict never holds where
/// lenient fails (state 1 is excluded).
#[cfg(test)]
fn sec_states(x: Sec) -> u8 {
    let mut out = 0;
    for &s in tvs(x.s) {
        for &l in tvs(x.l) {
            if !s || l {
                out |= 1 << (usize::from(s) | usize::from(l) << 1);
            }
        }
    }
    out
}

/// The standings (a set of [`APPROVE`], [`REFER`], [`DENY`]) an indication could have once every
/// fact the request leaves unstated is stated, taking each part's three-valued value (applies,
/// and each section strictly and leniently read) as free where it is unknown. Exact when the
/// unknown parts are independent; otherwise a superset of the standings reachable.
pub(super) fn possible(v: Values, refers: bool) -> u8 {
    if v.applies == Tv::False || v.criteria.l == Tv::False {
        return DENY;
    }
    let may = |t: Tv, b: bool| t == Tv::Unknown || t == Tv::from(b);
    let (a, c, d) = (v.applies, v.criteria, v.dosing);
    // The standing of known values (`standing_known`), read for some values the unknown ones
    // may take. A section's state (false, true) is possible whenever its strict reading may
    // fail and its lenient one may hold.
    let mut out = 0;
    if may(a, true) && may(c.s, true) && may(d.s, true) {
        out |= APPROVE;
    }
    if may(a, true) && (may(c.s, false) || may(d.s, false)) && (may(d.l, true) || refers) {
        out |= REFER;
    }
    if may(a, false) || may(c.l, false) || (!refers && may(d.l, false)) {
        out |= DENY;
    }
    out
}

/// [`possible`] by enumeration of every combination of values, for the test.
#[cfg(test)]
fn possible_by_enumeration(v: Values, refers: bool) -> u8 {
    if v.applies == Tv::False || v.criteria.l == Tv::False {
        return DENY;
    }
    let mut out = 0;
    let (cs, ds) = (sec_states(v.criteria), sec_states(v.dosing));
    for &a in tvs(v.applies) {
        for c in 0..4u8 {
            if cs & (1 << c) == 0 {
                continue;
            }
            for d in 0..4u8 {
                if ds & (1 << d) != 0 {
                    out |= bit(standing_known(
                        a,
                        (c & 1 != 0, c & 2 != 0),
                        (d & 1 != 0, d & 2 != 0),
                        refers,
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn possible_standings_by_formula_and_by_enumeration_agree() {
        let all = [Tv::False, Tv::Unknown, Tv::True];
        let rank = |t: Tv| all.iter().position(|&x| x == t);
        let below = |s: Tv, l: Tv| rank(s) <= rank(l);
        for n in 0..3usize.pow(5) * 2 {
            let t = |k: u32| all[n / 3usize.pow(k) % 3];
            let (a, cs, cl, ds, dl) = (t(0), t(1), t(2), t(3), t(4));
            let refers = n >= 3usize.pow(5);
            // Strict never holds where lenient fails (three-valued: strict ≤ lenient).
            if !below(cs, cl) || !below(ds, dl) {
                continue;
            }
            let v = Values {
                applies: a,
                criteria: Sec { s: cs, l: cl },
                dosing: Sec { s: ds, l: dl },
            };
            assert_eq!(
                possible(v, refers),
                possible_by_enumeration(v, refers),
                "{v:?} {refers}"
            );
        }
    }
}

/// Of the indications' sets of possible standings, in order: what the decision can be. An
/// indication that approves whatever the unstated facts are decides at once (`decide` returns), so
/// every set added may be something other than an approval.
#[derive(Debug, Clone, Copy)]
pub(super) struct Combined {
    /// Some indication may approve.
    pub(super) may_approve: bool,
    /// Some indication may refer.
    pub(super) may_refer: bool,
    /// Every indication may be denied.
    pub(super) all_may_deny: bool,
    /// The first indication that refers whatever the unstated facts are.
    pub(super) first_refer: Option<usize>,
}

impl Combined {
    pub(super) const NONE: Combined = Combined {
        may_approve: false,
        may_refer: false,
        all_may_deny: true,
        first_refer: None,
    };

    /// Add indication `i`'s set of possible standings (never exactly [`APPROVE`]).
    pub(super) fn add(&mut self, i: usize, set: u8) {
        debug_assert!(set != APPROVE, "a sure approval decides at once");
        self.may_approve |= set & APPROVE != 0;
        self.may_refer |= set & REFER != 0;
        self.all_may_deny &= set & DENY != 0;
        if set == REFER && self.first_refer.is_none() {
            self.first_refer = Some(i);
        }
    }

    /// Whether both an approval and something else are possible (every indication added may be
    /// something other than an approval): then only an indication that approves whatever the
    /// facts are can still change the decision.
    fn open(&self) -> bool {
        self.may_approve
    }

    /// The decision: the only one every completion of the unstated facts leads to, or
    /// needs_info. No indication is sure to approve, so a possible approval is one outcome of
    /// several (needs_info); otherwise refer when some indication may refer and not every one
    /// may be denied, deny when every one may be denied and none may refer.
    pub(super) fn outcome(&self) -> Outcome {
        let kind = match (self.may_approve, self.may_refer, self.all_may_deny) {
            (false, true, false) => DecisionKind::Refer,
            (false, false, true) => DecisionKind::Deny,
            _ => DecisionKind::NeedsInfo,
        };
        Outcome {
            kind,
            indication: if kind == DecisionKind::Refer {
                self.first_refer
            } else {
                None
            },
        }
    }
}

/// The standings an indication could have, doing only the work that can change the decision:
/// dosing is read only when the indication may apply and its criteria may hold, and once the
/// decision is open between an approval and something else (`approve_only`), only a sure
/// approval matters. Read from the three-valued values: a superset of the standings reachable.
fn possible_lean<F: Facts + ?Sized>(
    ind: &IndicationDef,
    f: &F,
    refers: bool,
    approve_only: bool,
) -> u8 {
    let applies = ind.applies.as_ref().map_or(Tv::True, |a| cond_in(a, f));
    match applies {
        Tv::False => return DENY,
        Tv::Unknown if approve_only => return DENY | APPROVE,
        _ => {}
    }
    let criteria = section(Some(&ind.criteria), f, &mut NoObserver);
    if criteria.l == Tv::False {
        return DENY;
    }
    if approve_only && criteria.s != Tv::True {
        return DENY | APPROVE;
    }
    let dosing = section(ind.dosing.as_ref(), f, &mut NoObserver);
    possible(
        Values {
            applies,
            criteria,
            dosing,
        },
        refers,
    )
}

// ---------------------------------------------------------------------- exactly, by cells

/// How deep a search for the standings an indication can reach goes: how many unstated facts
/// it gives values to, one below the other.
pub(super) const SEARCH_DEPTH: u32 = 32;

/// How many completions (a value of one cell of one fact) one decision tries at most, over all
/// its indications. Past it, an indication's standings are read from its three-valued values
/// (a superset of those reachable), so a decision other than needs_info stays right.
pub(crate) const SEARCH_BUDGET: u32 = 20_000;

/// The first unstated fact that makes a condition unknown, in the order the condition reads them.
pub(crate) fn pick_cond<F: Facts + ?Sized>(c: &Cond, f: &F) -> Option<u32> {
    if cond_in(c, f) != Tv::Unknown {
        return None;
    }
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().find_map(|x| pick_cond(x, f)),
        Cond::Not { not } => pick_cond(not, f),
        Cond::CompareFacts { left, right, .. } => {
            [*left, *right].into_iter().find(|&s| f.value(s).is_none())
        }
        Cond::IsTrue { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => f.value(*fact).is_none().then_some(*fact),
        Cond::Known { .. } => None,
    }
}

/// The first unstated fact that makes a node unknown (in either reading), in the policy's order.
pub(crate) fn pick_node<F: Facts + ?Sized>(n: &Node, f: &F) -> Option<u32> {
    for g in n.guard.iter().chain(&n.only_if) {
        match cond_in(g, f) {
            Tv::False => return None,
            Tv::Unknown => {
                if let Some(s) = pick_cond(g, f) {
                    return Some(s);
                }
            }
            Tv::True => {}
        }
    }
    match &n.body {
        NodeBody::Condition { condition } => pick_cond(condition, f),
        NodeBody::Referral { .. } => None,
        NodeBody::Group { children, .. } => children.iter().find_map(|c| {
            let (s, l) = node_pair(c, f, &mut NoObserver);
            if s == Tv::Unknown || l == Tv::Unknown {
                pick_node(c, f)
            } else {
                None
            }
        }),
    }
}

/// The first unstated fact an indication's unknown values read: whether it applies, then its
/// criteria, then (when they may hold) its dosing.
pub(crate) fn pick_indication<F: Facts + ?Sized>(
    ind: &IndicationDef,
    f: &F,
    v: Values,
) -> Option<u32> {
    if v.applies == Tv::Unknown {
        if let Some(s) = ind.applies.as_ref().and_then(|a| pick_cond(a, f)) {
            return Some(s);
        }
    }
    if v.criteria.s == Tv::Unknown || v.criteria.l == Tv::Unknown {
        if let Some(s) = pick_node(&ind.criteria, f) {
            return Some(s);
        }
    }
    if v.criteria.l != Tv::False && (v.dosing.s == Tv::Unknown || v.dosing.l == Tv::Unknown) {
        return ind.dosing.as_ref().and_then(|d| pick_node(d, f));
    }
    None
}

/// The standings indication `i` reaches over every completion of the facts the request leaves
/// unstated (each given one value of each cell of its domain, [`super::cells`]): a set of
/// [`APPROVE`], [`REFER`], [`DENY`]. Exact, unless the search runs out of `budget` or depth, or a
/// value is unknown for another reason than an unstated fact (then the three-valued superset).
/// With `approve_only`, stops as soon as something other than an approval is reachable.
pub(crate) fn exact_standings(
    p: &Program,
    i: usize,
    s: Scope<'_>,
    refers: bool,
    approve_only: bool,
    budget: &mut u32,
) -> u8 {
    if let Some(set) = super::flat::of(p)
        .and_then(|flat| flat.ind(i))
        .and_then(|ind| ind.exact(&s, refers, approve_only, budget))
    {
        return set;
    }
    search(p, i, s, refers, approve_only, 0, 0, budget)
}

/// The standings reachable below `s`; `found`: standings already known to be reachable elsewhere,
/// so that a part of the search that can only find those is skipped (what it returns is then a
/// superset of its own, within `found`, and the union stays exact).
#[allow(clippy::too_many_arguments)]
pub(crate) fn search(
    p: &Program,
    i: usize,
    s: Scope<'_>,
    refers: bool,
    approve_only: bool,
    found: u8,
    depth: u32,
    budget: &mut u32,
) -> u8 {
    let ind = &p.indications[i];
    let v = values(ind, &s, &mut NoObserver);
    let set = possible(v, refers);
    if set.count_ones() <= 1 || (approve_only && set & APPROVE == 0) || set & !found == 0 {
        return set;
    }
    let Some(slot) = pick_indication(ind, &s, v) else {
        return set;
    };
    if depth >= SEARCH_DEPTH || *budget == 0 {
        return set;
    }
    let mut out = 0u8;
    let mut short = false;
    let cells = super::cells::for_each_cell(p, Some(i), slot, &s, &mut |value| {
        if *budget == 0 {
            short = true;
            return false;
        }
        *budget -= 1;
        let link = s.link(slot, value);
        out |= search(
            p,
            i,
            s.with(&link),
            refers,
            approve_only,
            found | out,
            depth + 1,
            budget,
        );
        !(out == set || (approve_only && out & !APPROVE != 0))
    });
    if short || cells == super::cells::Cells::Unsupported || out == 0 {
        set
    } else {
        out
    }
}

/// The decision, without explanation. No allocation (but for the first decision of a program,
/// which makes its flat program; see [`prepare`]).
///
/// Approve under the first indication that approves whatever the unstated facts are; else refer
/// under the first indication that refers whatever they are, if no indication can approve; else
/// deny if every indication is denied whatever they are; else needs_info. "Whatever the unstated
/// facts are" is worked out exactly, over one value of each cell of each unstated fact's domain
/// as the policy's constants partition it (README, Decisions), where the three-valued values
/// leave it open.
pub fn decide(p: &Program, req: &Request) -> Outcome {
    let mut budget = SEARCH_BUDGET;
    let base = &req.values[..];
    decide_over(p, super::flat::of(p), base, Scope::of(base), &mut budget)
}

/// Make the flat program [`decide`] runs now, rather than on the first decision: for a service
/// that loads a policy and then answers requests, so that no request pays for it.
pub fn prepare(p: &Program) {
    let _ = super::flat::of(p);
}

/// [`decide`] read from the tree alone, without the flat program: what the tests compare the
/// flat program with. Not for use outside them.
#[doc(hidden)]
pub fn decide_by_tree(p: &Program, req: &Request) -> Outcome {
    let mut budget = SEARCH_BUDGET;
    let base = &req.values[..];
    decide_over(p, None, base, Scope::of(base), &mut budget)
}

/// [`decide`] for a partial completion of the request.
pub(crate) fn decide_in(p: &Program, s: Scope<'_>, budget: &mut u32) -> Outcome {
    decide_over(p, super::flat::of(p), &s, s, budget)
}

/// [`decide_in`], by the flat program `flat` where it can (reading the facts from `f`: those of
/// `s`, read without walking a scope when they are the request's own), else by the tree.
fn decide_over<F: Facts + ?Sized>(
    p: &Program,
    flat: Option<&super::flat::Flat>,
    f: &F,
    s: Scope<'_>,
    budget: &mut u32,
) -> Outcome {
    let refers = p.policy.outside_dosing.is_some();
    let mut all = Combined::NONE;
    for (i, ind) in p.indications.iter().enumerate() {
        let open = all.open();
        let fast = flat
            .and_then(|flat| flat.ind(i))
            .and_then(|fi| fi.standings(f, refers, open, budget));
        let set = match fast {
            Some(set) => set,
            None => {
                let set = possible_lean(ind, &s, refers, open);
                if set.count_ones() > 1 {
                    search(p, i, s, refers, open, 0, 0, budget)
                } else {
                    set
                }
            }
        };
        if set == APPROVE {
            return Outcome {
                kind: DecisionKind::Approve,
                indication: Some(i),
            };
        }
        all.add(i, set);
    }
    all.outcome()
}
