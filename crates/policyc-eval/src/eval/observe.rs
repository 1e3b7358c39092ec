//! Observing an evaluation: the events the evaluator reports as it evaluates each indication,
//! node and limit, for test coverage and other traces.
//!
//! The evaluator is generic over an [`Observer`]. With [`NoObserver`] (what [`super::decide`] and
//! [`super::evaluate`] use) every report is an empty inline call and [`Observer::ACTIVE`] is false,
//! so the observation compiles away and evaluation short-circuits as usual. An active observer
//! sees every part that evaluation *reaches*: a group's children are all evaluated, even after its
//! value is settled, and an indication's dosing is evaluated even when its criteria fail. What is
//! not reached is not evaluated: nothing of an indication whose `applies when` is false, nothing
//! under a `when` or `if` that is false. Values are the same either way.

use super::Tv;
use policyc_ir::ir::{Cond, IndicationDef, Node};

/// Which section of an indication the evaluator is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The indication's criteria.
    Criteria,
    /// The indication's dosing.
    Dosing,
}

/// Receives the evaluator's reports. Every method has an empty default.
pub trait Observer {
    /// Whether the observer is interested at all. When false the evaluator skips the work that only
    /// observation needs (evaluating what short-circuiting would skip, breaking conditions into
    /// limits), so an inactive observer costs nothing.
    const ACTIVE: bool = true;

    /// What an indication's `applies when` is for the request (`True` when it has none).
    fn applies(&mut self, _ind: &IndicationDef, _tv: Tv) {}

    /// The evaluator starts on a section of `ind`; the reports that follow, up to the next
    /// `section` or `applies`, are about it.
    fn section(&mut self, _ind: &IndicationDef, _part: Part) {}

    /// What a node's `when` is.
    fn guard(&mut self, _n: &Node, _tv: Tv) {}

    /// What a node's `if` is (reported only when its `when` is not false).
    fn only_if(&mut self, _n: &Node, _tv: Tv) {}

    /// What a node's body is, ignoring its `when` and `if`, a referral leaf counting as holding
    /// (reported only when neither `when` nor `if` is false).
    fn body(&mut self, _n: &Node, _tv: Tv) {}

    /// Whether to report the individual limits of the condition bodies that follow, as
    /// [`Observer::limit`]. Asked for each condition body.
    fn wants_limits(&self) -> bool {
        false
    }

    /// What the `k`-th limit of a node's condition is: the `k`-th leaf under its `all of` and
    /// `one of` (only for a condition with more than one), reported with the node's body when
    /// [`Observer::wants_limits`].
    fn limit(&mut self, _n: &Node, _k: usize, _tv: Tv) {}
}

/// The observer that observes nothing: evaluation exactly as without observation.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    const ACTIVE: bool = false;
}

/// The individual limits of a dosing condition: the leaves under its `all of` and `one of`, in
/// order, and only when there is more than one (a single limit is the condition itself).
pub(crate) fn limit_leaves<'a>(c: &'a Cond, out: &mut Vec<&'a Cond>) {
    fn leaves<'a>(c: &'a Cond, out: &mut Vec<&'a Cond>) {
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| leaves(x, out)),
            leaf => out.push(leaf),
        }
    }
    let mut all = Vec::new();
    leaves(c, &mut all);
    if all.len() > 1 {
        out.extend(all);
    }
}
