//! The three-valued core: conditions, labelled nodes, how an indication stands, and [`decide`],
//! the decision without explanation.

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
    fn not(self) -> Tv {
        match self {
            Tv::True => Tv::False,
            Tv::False => Tv::True,
            Tv::Unknown => Tv::Unknown,
        }
    }
    fn from(b: bool) -> Tv {
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

fn cmp_holds(op: CmpOp, o: std::cmp::Ordering) -> bool {
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

fn compare_value(v: Value, op: CmpOp, limit: &policyc_ir::ir::Limit) -> Tv {
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
        (Value::Bool(x), Const::Bool(l)) => Tv::from(cmp_holds(op, x.cmp(&l))),
        _ => Tv::Unknown,
    }
}

/// Evaluate a condition over the request's fact slots (`f`, indexed by slot; `None`: not stated).
pub fn cond(c: &Cond, f: &[Option<Value>]) -> Tv {
    match c {
        Cond::All { all } => {
            let mut r = Tv::True;
            for x in all {
                match cond(x, f) {
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
                match cond(x, f) {
                    Tv::True => return Tv::True,
                    Tv::Unknown => r = Tv::Unknown,
                    Tv::False => {}
                }
            }
            r
        }
        Cond::Not { not } => cond(not, f).not(),
        Cond::IsTrue { fact } => match f[*fact as usize] {
            Some(Value::Bool(b)) => Tv::from(b),
            _ => Tv::Unknown,
        },
        Cond::Known { fact } => Tv::from(f[*fact as usize].is_some()),
        Cond::EnumIn { fact, mask, .. } => match f[*fact as usize] {
            Some(Value::Enum(UNLISTED)) => Tv::False,
            Some(Value::Enum(i)) => Tv::from(mask & (1u128 << (i & 127)) != 0),
            _ => Tv::Unknown,
        },
        Cond::SetHas {
            fact, quant, mask, ..
        } => match f[*fact as usize] {
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
        } => match f[*fact as usize] {
            Some(v) => compare_value(v, *op, limit),
            // A condition of approval that the request does not state holds (it is carried).
            None if *condition => Tv::True,
            None => Tv::Unknown,
        },
        Cond::CompareFacts { left, op, right } => match (f[*left as usize], f[*right as usize]) {
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

/// Both readings of a node at once, (strict, lenient), evaluating each condition once, reporting
/// to `o`.
fn node_pair<O: Observer>(n: &Node, f: &[Option<Value>], o: &mut O) -> (Tv, Tv) {
    let g = match &n.guard {
        Some(c) => {
            let g = cond(c, f);
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
            let p = cond(c, f);
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
    let finish = |b: Tv| {
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
    };
    (finish(bs), finish(bl))
}

fn body_pair<O: Observer>(n: &Node, f: &[Option<Value>], o: &mut O) -> (Tv, Tv) {
    match &n.body {
        NodeBody::Condition { condition } => {
            let c = cond(condition, f);
            if O::ACTIVE && o.wants_limits() {
                let mut leaves = Vec::new();
                limit_leaves(condition, &mut leaves);
                for (k, leaf) in leaves.into_iter().enumerate() {
                    o.limit(n, k, cond(leaf, f));
                }
            }
            (c, c)
        }
        NodeBody::Group { of, children } => group_pair(*of, children, f, o),
        NodeBody::Referral { .. } => (Tv::False, Tv::True),
    }
}

fn group_pair<O: Observer>(
    of: GroupKind,
    children: &[Node],
    f: &[Option<Value>],
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
                if s == Tv::True {
                    if O::ACTIVE {
                        observe_rest(&children[i + 1..], f, o);
                    }
                    break;
                }
            }
            if of == GroupKind::NoneOf {
                (s.not(), l.not())
            } else {
                (s, l)
            }
        }
    }
}

/// For an active observer: evaluate the children a settled group skips, for their reports only.
fn observe_rest<O: Observer>(rest: &[Node], f: &[Option<Value>], o: &mut O) {
    for c in rest {
        node_pair(c, f, o);
    }
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

/// Evaluate a labelled node, a referral leaf counting as holding.
pub fn node(n: &Node, f: &[Option<Value>]) -> Tv {
    node_r(n, f, Tv::True)
}

/// How one indication stands for a request.
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
    /// Depends on facts the request does not state.
    Unknown,
}

/// What a section (criteria or dosing) comes to, strictly and leniently read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    /// Holds without leaving anything to people.
    Holds,
    /// Holds only through a referral leaf.
    Referral,
    /// Cannot hold, even through a referral.
    Fails,
    /// Depends on facts the request does not state.
    Unknown,
}

fn section<O: Observer>(n: Option<&Node>, f: &[Option<Value>], o: &mut O) -> Section {
    let Some(n) = n else { return Section::Holds };
    match node_pair(n, f, o) {
        (Tv::True, _) => Section::Holds,
        (_, Tv::False) => Section::Fails,
        (Tv::False, Tv::True) => Section::Referral,
        _ => Section::Unknown,
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Values {
    pub(super) applies: Tv,
    pub(super) criteria: Section,
    pub(super) dosing: Section,
}

/// The values of an indication's parts, reporting to `o`. Dosing is not read when the criteria
/// fail (for an active observer it is evaluated, and its value still not used).
pub(super) fn values<O: Observer>(ind: &IndicationDef, f: &[Option<Value>], o: &mut O) -> Values {
    let applies = ind.applies.as_ref().map_or(Tv::True, |a| cond(a, f));
    o.applies(ind, applies);
    if applies == Tv::False {
        return Values {
            applies,
            criteria: Section::Unknown,
            dosing: Section::Unknown,
        };
    }
    o.section(ind, Part::Criteria);
    let criteria = section(Some(&ind.criteria), f, o);
    let dosing = if criteria == Section::Fails {
        if O::ACTIVE {
            o.section(ind, Part::Dosing);
            section(ind.dosing.as_ref(), f, o);
        }
        Section::Unknown
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

pub(super) fn standing_of(v: Values, refers_outside_dosing: bool) -> Standing {
    use Section::*;
    let outside = if refers_outside_dosing {
        Standing::Refer
    } else {
        Standing::DeniedDosing
    };
    match (v.applies, v.criteria, v.dosing) {
        (Tv::False, _, _) => Standing::NotApplicable,
        (_, Fails, _) => Standing::Denied,
        (Tv::Unknown, _, _) | (_, Unknown, _) | (_, _, Unknown) => Standing::Unknown,
        (_, Holds, Holds) => Standing::Approve,
        (_, _, Fails) => outside,
        _ => Standing::Refer,
    }
}

/// How an indication stands, doing only the work that can change the decision: dosing is read
/// only when the indication applies and its criteria can hold, and once another indication is
/// already unknown, only an approval matters.
fn standing_lean(
    ind: &IndicationDef,
    f: &[Option<Value>],
    refers: bool,
    already_unknown: bool,
) -> Standing {
    let applies = ind.applies.as_ref().map_or(Tv::True, |a| cond(a, f));
    match applies {
        Tv::False => return Standing::NotApplicable,
        Tv::Unknown if already_unknown => return Standing::Unknown,
        _ => {}
    }
    let criteria = section(Some(&ind.criteria), f, &mut NoObserver);
    match criteria {
        Section::Fails => return Standing::Denied,
        Section::Unknown => return Standing::Unknown,
        _ if applies == Tv::Unknown => return Standing::Unknown,
        _ => {}
    }
    let dosing = section(ind.dosing.as_ref(), f, &mut NoObserver);
    standing_of(
        Values {
            applies,
            criteria,
            dosing,
        },
        refers,
    )
}

/// The decision, without explanation. No allocation.
pub fn decide(p: &Program, req: &Request) -> Outcome {
    let f = &req.values[..];
    let mut unknown = false;
    let mut refer = None;
    let refers = p.policy.outside_dosing.is_some();
    for (i, ind) in p.indications.iter().enumerate() {
        match standing_lean(ind, f, refers, unknown) {
            Standing::Approve => {
                return Outcome {
                    kind: DecisionKind::Approve,
                    indication: Some(i),
                }
            }
            Standing::Unknown => unknown = true,
            Standing::Refer if refer.is_none() => refer = Some(i),
            _ => {}
        }
    }
    let kind = if unknown {
        DecisionKind::NeedsInfo
    } else if refer.is_some() {
        DecisionKind::Refer
    } else {
        DecisionKind::Deny
    };
    Outcome {
        kind,
        indication: if kind == DecisionKind::Refer {
            refer
        } else {
            None
        },
    }
}
