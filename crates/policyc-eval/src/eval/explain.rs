//! [`evaluate`]: the decision with its explanation, in the policy's own labels and words.

use super::logic::{bit, node_r, possible, standing_known, values, Referral, Values};
use super::logic::{APPROVE, DENY, REFER};
use super::observe::{NoObserver, Observer};
use super::words::{allowed, facts_of, first_fact};
use super::{cond, decide, Decision, DecisionKind, Tv};
use super::{Approval, Cited, IndicationRef, Limit, Missing, PolicyRef, ReferralInfo, Unmet};
use super::{DECISION_FORMAT, DECISION_FORMAT_VERSION};
use crate::request::{collect_inputs, Request, Value};
use policyc_ir::dates::date_from_days;
use policyc_ir::ir::{Cond, IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::GroupKind;

/// Evaluate a request and explain the decision.
pub fn evaluate(p: &Program, req: &Request) -> Decision {
    evaluate_with(p, req, &mut NoObserver)
}

/// Evaluate a request and explain the decision, reporting to `o` how every indication's parts
/// evaluate (see [`Observer`]). The decision is the same as [`evaluate`]'s.
pub fn evaluate_with<O: Observer>(p: &Program, req: &Request, o: &mut O) -> Decision {
    let f = &req.values[..];
    let outcome = decide(p, req);
    let vals: Vec<Values> = p.indications.iter().map(|i| values(i, f, o)).collect();
    let refers = p.policy.outside_dosing.is_some();
    let mut d = Decision {
        format: DECISION_FORMAT,
        format_version: DECISION_FORMAT_VERSION,
        policy: PolicyRef {
            id: p.policy.id.clone(),
            title: p.policy.title.clone(),
            effective: p.policy.effective.clone(),
        },
        request_id: req.request_id.clone(),
        as_of: req.as_of.and_then(date_from_days).map(|d| d.to_string()),
        decision: outcome.kind,
        summary: String::new(),
        statement: None,
        indication: None,
        path: Vec::new(),
        approval: None,
        referral: None,
        criteria_met: Vec::new(),
        conditions: Vec::new(),
        unmet: Vec::new(),
        missing: Vec::new(),
        exceeded: Vec::new(),
    };
    let strict = Explainer {
        p,
        req,
        r: Tv::False,
    };
    let lenient = Explainer {
        p,
        req,
        r: Tv::True,
    };
    match outcome.kind {
        DecisionKind::Approve => {
            let i = outcome.indication.unwrap_or(0);
            let ind = &p.indications[i];
            d.indication = Some(IndicationRef {
                label: ind.label.clone(),
                title: ind.title.clone(),
            });
            strict.path(&ind.criteria, &mut d.path);
            strict.met(&ind.criteria, &mut d.criteria_met);
            if let Some(dosing) = &ind.dosing {
                strict.conditions(dosing, &mut d.conditions);
            }
            let branch = d.path.last().cloned().unwrap_or_else(|| ind.label.clone());
            d.approval = Some(approval(ind, req));
            d.summary = format!(
                "Approve for {} under {branch} ({}).",
                ind.duration.text(),
                ind.title
            );
        }
        DecisionKind::Refer => {
            let i = outcome.indication.unwrap_or(0);
            let ind = &p.indications[i];
            let v = vals[i];
            d.indication = Some(IndicationRef {
                label: ind.label.clone(),
                title: ind.title.clone(),
            });
            // The indication refers whatever the unstated facts are: its criteria hold only
            // through a referral leaf; or they may hold on their own, and the dosing holds only
            // through a referral leaf, or is outside the policy's (with the statement).
            let via = if v.criteria.referral() {
                lenient.referral_leaf(&ind.criteria)
            } else if v.dosing.referral() {
                ind.dosing.as_ref().and_then(|n| lenient.referral_leaf(n))
            } else {
                None
            };
            // The branches that held: without people when the criteria hold on their own.
            let reading = if v.criteria.s == Tv::True {
                &strict
            } else {
                &lenient
            };
            reading.path(&ind.criteria, &mut d.path);
            reading.met(&ind.criteria, &mut d.criteria_met);
            let branch = d.path.last().cloned().unwrap_or_else(|| ind.label.clone());
            match via {
                Some(leaf) => {
                    let to = match &leaf.body {
                        NodeBody::Referral { redirect } => redirect.clone(),
                        _ => None,
                    };
                    d.summary = match &to {
                        Some(t) => format!("Redirect to {t}: {} ({}).", leaf.label, leaf.text),
                        None => format!("Refer to a clinician: {} ({}).", leaf.label, leaf.text),
                    };
                    d.referral = Some(ReferralInfo {
                        label: leaf.label.clone(),
                        text: leaf.text.clone(),
                        redirect_to: to,
                    });
                    // A referral through the dosing: tell the clinician what the dose exceeds.
                    if v.dosing.referral() {
                        if let Some(dosing) = &ind.dosing {
                            strict.exceeded(dosing, &mut d.exceeded);
                        }
                    }
                }
                None => {
                    if let Some(dosing) = &ind.dosing {
                        lenient.exceeded(dosing, &mut d.exceeded);
                    }
                    let mut what: Vec<String> =
                        d.exceeded.iter().map(|l| l.label.clone()).collect();
                    what.dedup();
                    d.statement = p.policy.outside_dosing.clone();
                    d.summary = format!(
                        "Refer to a clinician: the criteria of {branch} ({}) are met, but the requested dosing is outside the policy's ({}).",
                        ind.title,
                        what.join(", ")
                    );
                }
            }
        }
        DecisionKind::NeedsInfo => {
            let mut slots = Vec::new();
            let sets: Vec<u8> = vals.iter().map(|v| possible(*v, refers)).collect();
            for (i, (ind, v)) in p.indications.iter().zip(&vals).enumerate() {
                if !matters(&sets, i) {
                    continue;
                }
                // The unknown values that can change the indication's standing, and the facts
                // that make each unknown: whether it applies, whether the criteria and the dosing
                // hold, and whether they hold without a referral.
                let m = value_matters(*v, refers);
                if m[0] {
                    if let Some(a) = &ind.applies {
                        lenient.unknown_cond(a, &mut slots);
                    }
                }
                let sections = [
                    (Some(&ind.criteria), m[1], m[2]),
                    (ind.dosing.as_ref(), m[3], m[4]),
                ];
                for (n, s, l) in sections {
                    let Some(n) = n else { continue };
                    if l {
                        lenient.unknown_node(n, &mut slots);
                    }
                    if s {
                        strict.unknown_node(n, &mut slots);
                    }
                }
            }
            // In the order the policy asks for them: what an indication applies to, then its
            // criteria and dosing, indication by indication.
            let mut seen = std::collections::HashSet::new();
            slots.retain(|s| seen.insert(*s));
            d.missing = slots.iter().map(|&s| lenient.missing(s)).collect();
            let names: Vec<String> = d.missing.iter().map(|m| m.fact.clone()).collect();
            d.summary = format!(
                "More information is needed to decide: {}.",
                names.join(", ")
            );
        }
        DecisionKind::Deny => {
            let applicable: Vec<usize> = vals
                .iter()
                .enumerate()
                .filter(|(_, v)| v.applies != Tv::False)
                .map(|(i, _)| i)
                .collect();
            if applicable.is_empty() {
                let what = lenient.not_covered_reason();
                let statement = p.policy.not_covered.clone().unwrap_or_default();
                d.unmet.push(Unmet {
                    label: "not covered".into(),
                    text: statement,
                    reason: what.clone(),
                });
                d.summary = format!("Deny: not a covered indication ({what}).");
                d.statement = p.policy.not_covered.clone();
            } else {
                for i in applicable {
                    let ind = &p.indications[i];
                    // Denied whatever the unstated facts are: the criteria fail, or the
                    // dosing is outside the policy's (which has no statement for it).
                    if vals[i].criteria.l != Tv::False {
                        let mut ex = Vec::new();
                        if let Some(dn) = &ind.dosing {
                            lenient.exceeded(dn, &mut ex);
                        }
                        for l in ex {
                            let requested =
                                l.requested.clone().unwrap_or_else(|| "not stated".into());
                            d.unmet.push(Unmet {
                                label: l.label,
                                text: l.text,
                                reason: format!(
                                    "{} is {requested}; allowed: {}",
                                    l.fact, l.allowed
                                ),
                            });
                        }
                    } else {
                        lenient.unmet(&ind.criteria, &mut d.unmet);
                    }
                }
                let mut labels: Vec<String> = d.unmet.iter().map(|u| u.label.clone()).collect();
                labels.dedup();
                d.summary = format!("Deny: criteria not met ({}).", labels.join(", "));
            }
        }
    }
    d
}

/// Whether the standing of indication `i` can change the decision, given every indication's set
/// of possible standings (`sets`): two of its possible standings give different decisions for
/// some possible standings of the others.
fn matters(sets: &[u8], i: usize) -> bool {
    let set = sets[i];
    let others = sets
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != i)
        .map(|(_, &s)| s);
    // Every other indication may not approve / may be denied.
    let others_may_not_approve = others.clone().all(|s| s & !APPROVE != 0);
    let others_may_deny = others.clone().all(|s| s & DENY != 0);
    let approve_or_not = set & APPROVE != 0 && set & !APPROVE != 0;
    let refer_or_deny = set & REFER != 0 && set & DENY != 0;
    (approve_or_not && others_may_not_approve) || (refer_or_deny && others_may_deny)
}

/// Which of an indication's unknown values (applies; criteria strict, lenient; dosing strict,
/// lenient) can change its standing: for some values of the others, the two values of this one
/// give different standings (a section's strict reading never holding where its lenient fails).
fn value_matters(v: Values, refers: bool) -> [bool; 5] {
    let tvs = [
        v.applies,
        v.criteria.s,
        v.criteria.l,
        v.dosing.s,
        v.dosing.l,
    ];
    // The values with the unknown ones taken from `bits`; `None` if not a possible combination.
    let fixed = |bits: u8| -> Option<[bool; 5]> {
        let mut x = [false; 5];
        for (j, t) in tvs.iter().enumerate() {
            x[j] = match t {
                Tv::True => true,
                Tv::False => false,
                Tv::Unknown => bits & (1 << j) != 0,
            };
        }
        let valid = (!x[1] || x[2]) && (!x[3] || x[4]);
        valid.then_some(x)
    };
    let standing = |x: [bool; 5]| bit(standing_known(x[0], (x[1], x[2]), (x[3], x[4]), refers));
    let mut out = [false; 5];
    for (k, t) in tvs.iter().enumerate() {
        if *t != Tv::Unknown {
            continue;
        }
        out[k] =
            (0..32u8)
                .filter(|b| b & (1 << k) == 0)
                .any(|b| match (fixed(b), fixed(b | 1 << k)) {
                    (Some(x), Some(y)) => standing(x) != standing(y),
                    _ => false,
                });
    }
    out
}

fn approval(ind: &IndicationDef, req: &Request) -> Approval {
    use policyc_ir::ir::DurationUnit::*;
    let start = req.as_of.and_then(date_from_days);
    let end = start.and_then(|s| {
        let n = i64::from(ind.duration.amount);
        let span = match ind.duration.unit {
            Year => jiff::Span::new().try_years(n),
            Month => jiff::Span::new().try_months(n),
            Week => jiff::Span::new().try_weeks(n),
            Day => jiff::Span::new().try_days(n),
        }
        .ok()?;
        s.checked_add(span).ok()?.yesterday().ok()
    });
    Approval {
        duration: ind.duration.text(),
        start: start.map(|d| d.to_string()),
        end: end.map(|d| d.to_string()),
    }
}

struct Explainer<'a> {
    p: &'a Program,
    req: &'a Request,
    /// How referral leaves count (see [`Referral`]).
    r: Referral,
}

impl<'a> Explainer<'a> {
    fn f(&self) -> &[Option<Value>] {
        &self.req.values
    }

    fn holds(&self, n: &Node) -> Tv {
        node_r(n, self.f(), self.r)
    }

    /// The referral leaf through which a node holds (leniently) but not strictly.
    fn referral_leaf<'n>(&self, n: &'n Node) -> Option<&'n Node> {
        if node_r(n, self.f(), Tv::False) == Tv::True || node_r(n, self.f(), Tv::True) != Tv::True {
            return None;
        }
        match &n.body {
            NodeBody::Referral { .. } => Some(n),
            NodeBody::Condition { .. } => None,
            NodeBody::Group {
                of: GroupKind::OneOf,
                children,
            } => children
                .iter()
                .find(|c| node_r(c, self.f(), Tv::True) == Tv::True)
                .and_then(|c| self.referral_leaf(c)),
            NodeBody::Group { children, .. } => children.iter().find_map(|c| self.referral_leaf(c)),
        }
    }

    /// The labels of the branches that held: the node itself, then the branch each `one of`
    /// chose, at any depth, in document order (`["1", "1.C.i"]`).
    fn path(&self, n: &Node, out: &mut Vec<String>) {
        out.push(n.label.clone());
        self.choices(n, out);
    }

    fn choices(&self, n: &Node, out: &mut Vec<String>) {
        match &n.body {
            NodeBody::Group {
                of: GroupKind::OneOf,
                children,
            } => {
                if let Some(c) = children.iter().find(|c| self.holds(c) == Tv::True) {
                    out.push(c.label.clone());
                    self.choices(c, out);
                }
            }
            NodeBody::Group {
                of: GroupKind::AllOf,
                children,
            } => children.iter().for_each(|c| self.choices(c, out)),
            _ => {}
        }
    }

    /// Whether a node's `when` and `if` let it apply to the request (neither is false).
    fn applies(&self, n: &Node) -> bool {
        n.guard
            .iter()
            .chain(&n.only_if)
            .all(|g| cond(g, self.f()) != Tv::False)
    }

    fn met(&self, n: &Node, out: &mut Vec<Cited>) {
        if self.holds(n) != Tv::True {
            return;
        }
        match &n.body {
            NodeBody::Condition { .. } | NodeBody::Referral { .. } => out.push(Cited {
                label: n.label.clone(),
                text: n.text.clone(),
            }),
            NodeBody::Group {
                of: GroupKind::OneOf,
                children,
            } => {
                if let Some(c) = children.iter().find(|c| self.holds(c) == Tv::True) {
                    self.met(c, out);
                }
            }
            NodeBody::Group {
                of: GroupKind::AllOf,
                children,
            } => children.iter().for_each(|c| self.met(c, out)),
            NodeBody::Group {
                of: GroupKind::NoneOf,
                ..
            } => out.push(Cited {
                label: n.label.clone(),
                text: n.text.clone(),
            }),
        }
    }

    /// The dosing limits along the branch that held.
    fn conditions(&self, n: &Node, out: &mut Vec<Limit>) {
        match &n.body {
            NodeBody::Condition { condition } => self.limits(n, condition, false, out),
            NodeBody::Referral { .. } => {}
            NodeBody::Group {
                of: GroupKind::OneOf,
                children,
            } => {
                if let Some(c) = children.iter().find(|c| self.holds(c) == Tv::True) {
                    self.conditions(c, out);
                }
            }
            NodeBody::Group { children, .. } => children
                .iter()
                .filter(|c| self.applies(c))
                .for_each(|c| self.conditions(c, out)),
        }
    }

    /// The dosing limits the request exceeds, in the branches that apply to it.
    fn exceeded(&self, n: &Node, out: &mut Vec<Limit>) {
        match &n.body {
            NodeBody::Condition { condition } => self.limits(n, condition, true, out),
            NodeBody::Referral { .. } => {}
            NodeBody::Group { children, .. } => {
                // A branch whose `when` is unknown may apply: if it fails whatever its `when`
                // is, its limits are outside.
                let may_apply = |c: &Node| {
                    c.guard.as_ref().map_or(Tv::True, |g| cond(g, self.f())) != Tv::False
                };
                let applying: Vec<&Node> = children.iter().filter(|c| may_apply(c)).collect();
                if applying.is_empty() {
                    // No branch applies to the request: the branch conditions are what is outside.
                    for c in children {
                        if let Some(g) = &c.guard {
                            self.limits(c, g, true, out);
                        }
                    }
                } else {
                    for c in applying {
                        if self.holds(c) == Tv::False {
                            self.exceeded(c, out);
                        }
                    }
                }
            }
        }
    }

    /// The leaf comparisons of a condition, as limits; only the failing ones when `failing`.
    fn limits(&self, n: &Node, c: &Cond, failing: bool, out: &mut Vec<Limit>) {
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().for_each(|x| self.limits(n, x, failing, out))
            }
            Cond::Not { not } => {
                if !failing || cond(c, self.f()) == Tv::False {
                    if let Some(fact) = first_fact(not) {
                        out.push(self.limit_entry(n, fact, self.allowed(c)));
                    }
                }
            }
            leaf => {
                if failing && cond(leaf, self.f()) != Tv::False {
                    return;
                }
                if let Some(fact) = first_fact(leaf) {
                    out.push(self.limit_entry(n, fact, self.allowed(leaf)));
                }
            }
        }
    }

    fn limit_entry(&self, n: &Node, fact: u32, allowed: String) -> Limit {
        Limit {
            label: n.label.clone(),
            text: n.text.clone(),
            fact: self.p.facts[fact as usize].name.clone(),
            requested: self.req.shown[fact as usize].clone(),
            allowed,
        }
    }

    fn allowed(&self, c: &Cond) -> String {
        allowed(self.p, c)
    }

    /// Why a condition is false, in terms of the request: `age is 16 a; requires at least 18 a`.
    fn reason(&self, c: &Cond) -> String {
        match c {
            Cond::All { all } => all
                .iter()
                .filter(|x| cond(x, self.f()) == Tv::False)
                .map(|x| self.reason(x))
                .collect::<Vec<_>>()
                .join("; "),
            Cond::Any { any } => any
                .iter()
                .map(|x| self.reason(x))
                .collect::<Vec<_>>()
                .join("; and "),
            leaf => {
                let Some(fact) = first_fact(leaf) else {
                    return String::new();
                };
                let name = &self.p.facts[fact as usize].name;
                let shown = self.req.shown[fact as usize]
                    .clone()
                    .unwrap_or_else(|| "not stated".into());
                format!("{name} is {shown}; required: {name} {}", self.allowed(leaf))
            }
        }
    }

    /// The labelled criteria that made a false node false.
    fn unmet(&self, n: &Node, out: &mut Vec<Unmet>) {
        if self.holds(n) != Tv::False {
            return;
        }
        if let Some(g) = &n.guard {
            if cond(g, self.f()) == Tv::False {
                out.push(Unmet {
                    label: n.label.clone(),
                    text: n.text.clone(),
                    reason: format!("does not apply: {}", self.reason(g)),
                });
                return;
            }
        }
        match &n.body {
            NodeBody::Referral { .. } => {}
            NodeBody::Condition { condition } => out.push(Unmet {
                label: n.label.clone(),
                text: n.text.clone(),
                reason: self.reason(condition),
            }),
            NodeBody::Group {
                of: GroupKind::NoneOf,
                children,
            } => {
                for c in children.iter().filter(|c| self.holds(c) == Tv::True) {
                    let reason = if matches!(c.body, NodeBody::Referral { .. }) {
                        "is left to people, and the policy requires that it does not hold"
                    } else {
                        "holds, but the policy requires that it does not"
                    };
                    out.push(Unmet {
                        label: c.label.clone(),
                        text: c.text.clone(),
                        reason: reason.into(),
                    });
                }
            }
            NodeBody::Group { children, .. } => children.iter().for_each(|c| self.unmet(c, out)),
        }
    }

    /// Facts whose absence makes an unknown condition unknown.
    fn unknown_cond(&self, c: &Cond, out: &mut Vec<u32>) {
        if cond(c, self.f()) != Tv::Unknown {
            return;
        }
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().for_each(|x| self.unknown_cond(x, out))
            }
            Cond::Not { not } => self.unknown_cond(not, out),
            Cond::CompareFacts { left, right, .. } => {
                for s in [*left, *right] {
                    if self.f()[s as usize].is_none() {
                        out.push(s);
                    }
                }
            }
            leaf => {
                if let Some(s) = first_fact(leaf) {
                    out.push(s);
                }
            }
        }
    }

    fn unknown_node(&self, n: &Node, out: &mut Vec<u32>) {
        if self.holds(n) != Tv::Unknown {
            return;
        }
        for g in n.guard.iter().chain(&n.only_if) {
            self.unknown_cond(g, out);
        }
        match &n.body {
            NodeBody::Referral { .. } => {}
            NodeBody::Condition { condition } => self.unknown_cond(condition, out),
            NodeBody::Group { children, .. } => {
                children.iter().for_each(|c| self.unknown_node(c, out))
            }
        }
    }

    fn missing(&self, slot: u32) -> Missing {
        let fact = &self.p.facts[slot as usize];
        // Inputs, and the inputs of derived inputs, in the order the policy declares them.
        let mut inputs: Vec<u32> = Vec::new();
        let mut queue = vec![slot];
        while let Some(s) = queue.pop() {
            if let Some(c) = &self.p.facts[s as usize].derived {
                let mut direct = Vec::new();
                collect_inputs(c, &mut direct);
                for i in direct {
                    if !inputs.contains(&i) && i != slot {
                        inputs.push(i);
                        queue.push(i);
                    }
                }
            }
        }
        inputs.sort_unstable();
        Missing {
            fact: fact.name.clone(),
            description: fact.description.clone(),
            or_inputs: inputs
                .iter()
                .filter(|&&i| self.f()[i as usize].is_none())
                .map(|&i| self.p.facts[i as usize].name.clone())
                .collect(),
        }
    }

    fn not_covered_reason(&self) -> String {
        // Name the facts that decide applicability, as the request states them.
        let mut slots = Vec::new();
        for ind in &self.p.indications {
            if let Some(a) = &ind.applies {
                facts_of(a, &mut slots);
            }
        }
        slots.sort_unstable();
        slots.dedup();
        let parts: Vec<String> = slots
            .iter()
            .map(|&s| {
                format!(
                    "{} is {}",
                    self.p.facts[s as usize].name,
                    self.req.shown[s as usize]
                        .clone()
                        .unwrap_or_else(|| "not stated".into())
                )
            })
            .collect();
        if parts.is_empty() {
            "no indication of the policy applies".into()
        } else {
            format!(
                "{}, which no indication of the policy lists",
                parts.join(", ")
            )
        }
    }
}
