//! [`evaluate`]: the decision with its explanation, in the policy's own labels and words.

use super::logic::{node_r, values, Referral, Values};
use super::observe::{NoObserver, Observer};
use super::words;
use super::words::{allowed, facts_of, first_fact};
use super::{cond, decide, Decision, DecisionKind, Tv};
use super::{Amount, Approval, Cited, Considered, DurationRef, IndicationRef, Input, Limit};
use super::{Missing, PolicyRef, ReferralInfo, RevisionRef, Test, Unmet};
use super::{DECISION_FORMAT, DECISION_FORMAT_VERSION};
use crate::request::{collect_inputs, Request, Value};
use policyc_ir::dates::date_from_days;
use policyc_ir::ir::{Cond, Const, FactType, IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};
use rust_decimal::Decimal;

/// A comparison's name in a [`Test`].
fn op_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Le => "at_most",
        CmpOp::Ge => "at_least",
        CmpOp::Gt => "more_than",
        CmpOp::Lt => "less_than",
        CmpOp::Eq => "equals",
        CmpOp::Ne => "not_equals",
    }
}

/// An exact decimal as data: no thousands separators, no trailing zeros (`600000`, `0.037`).
fn decimal_text(d: Decimal) -> String {
    d.normalize().to_string()
}

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
    let mut d = Decision {
        format: DECISION_FORMAT,
        format_version: DECISION_FORMAT_VERSION,
        policy: PolicyRef {
            id: p.policy.id.clone(),
            title: p.policy.title.clone(),
            effective: p.policy.effective.clone(),
            review: p.policy.review.clone(),
            last_revision: p
                .policy
                .revisions
                .iter()
                .max_by(|a, b| a.date.cmp(&b.date))
                .map(|r| RevisionRef {
                    date: r.date.clone(),
                    text: r.text.clone(),
                }),
            content_hash: None,
            in_force_until: None,
            chosen_for: None,
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
        not_applicable: Vec::new(),
        considered: Vec::new(),
        missing: Vec::new(),
        exceeded: Vec::new(),
        provenance: Vec::new(),
        links: Default::default(),
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
            // (A section's value may be unknown where only trying the completions decided.)
            let dosing_via = v.dosing.s != Tv::True && v.dosing.l == Tv::True;
            let via = if v.criteria.referral() {
                lenient.referral_leaf(&ind.criteria)
            } else if dosing_via {
                ind.dosing.as_ref().and_then(|n| lenient.referral_leaf(n))
            } else {
                None
            };
            // Decided only by trying every completion: the criteria hold in some completions only
            // through a referral; name it.
            let via = match via {
                None if v.criteria.s != Tv::True
                    && v.criteria.l != Tv::False
                    && v.dosing.l != Tv::False =>
                {
                    lenient
                        .referral_leaf(&ind.criteria)
                        .or_else(|| lenient.some_referral(&ind.criteria))
                }
                via => via,
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
                    if dosing_via && !v.criteria.referral() {
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
            let needs = super::needs::needed(p, f);
            let name = |slot: u32| p.facts[slot as usize].name.clone();
            d.missing = needs
                .iter()
                .map(|n| {
                    let mut m = lenient.missing(n.slot);
                    m.indications = n
                        .indications
                        .iter()
                        .map(|&i| indication_ref(&p.indications[i]))
                        .collect();
                    m.criteria = n.criteria.clone();
                    m.alternatives = n.alternatives.iter().map(|&s| name(s)).collect();
                    m
                })
                .collect();
            // Alternatives named together: `prescriber_specialty or consulting_specialties`.
            let mut said: Vec<u32> = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for n in &needs {
                if said.contains(&n.slot) {
                    continue;
                }
                said.push(n.slot);
                let mut group = vec![name(n.slot)];
                for &a in &n.alternatives {
                    if !said.contains(&a) {
                        said.push(a);
                        group.push(name(a));
                    }
                }
                names.push(group.join(" or "));
            }
            let mut inds: Vec<usize> = needs
                .iter()
                .flat_map(|n| n.indications.iter().copied())
                .collect();
            inds.sort_unstable();
            inds.dedup();
            let under: Vec<String> = inds.iter().map(|&i| named(&p.indications[i])).collect();
            d.summary = format!(
                "More information is needed to decide under {}: {}.",
                under.join(", "),
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
                    tests: Vec::new(),
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
                            let requested = l
                                .test
                                .requested
                                .clone()
                                .unwrap_or_else(|| "not stated".into());
                            d.unmet.push(Unmet {
                                label: l.label,
                                text: l.text,
                                reason: format!(
                                    "{} is {requested}; the policy allows {}",
                                    named_fact(&l.test),
                                    l.test.allowed
                                ),
                                tests: vec![l.test],
                            });
                        }
                    } else {
                        lenient.unmet(&ind.criteria, &mut d.unmet, &mut d.not_applicable);
                    }
                }
                let mut labels: Vec<String> = d.unmet.iter().map(|u| u.label.clone()).collect();
                labels.dedup();
                let considered: Vec<String> = vals
                    .iter()
                    .zip(&p.indications)
                    .filter(|(v, _)| v.applies != Tv::False)
                    .map(|(_, ind)| named(ind))
                    .collect();
                d.summary = format!(
                    "Deny: the criteria of {} are not met ({}).",
                    considered.join(" and "),
                    labels.join(", ")
                );
            }
            d.considered = p
                .indications
                .iter()
                .zip(&vals)
                .map(|(ind, v)| lenient.considered(ind, *v))
                .collect();
        }
    }
    d
}

/// An indication by label and title.
fn indication_ref(ind: &IndicationDef) -> IndicationRef {
    IndicationRef {
        label: ind.label.clone(),
        title: ind.title.clone(),
    }
}

/// An indication named for a sentence: `1 (Cutaneous Melanoma)`.
fn named(ind: &IndicationDef) -> String {
    format!("{} ({})", ind.label, ind.title)
}

/// A fact named for a sentence: its description, with its identifier in brackets.
pub(super) fn named_fact(t: &Test) -> String {
    if t.description.is_empty() {
        t.fact.clone()
    } else {
        format!("{} [{}]", t.description, t.fact)
    }
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
    let unit = match ind.duration.unit {
        Year => "year",
        Month => "month",
        Week => "week",
        Day => "day",
    };
    Approval {
        duration: DurationRef {
            amount: ind.duration.amount,
            unit,
            text: ind.duration.text(),
        },
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

    /// The first referral leaf under a node that may hold if people agree (in the policy's order).
    fn some_referral<'n>(&self, n: &'n Node) -> Option<&'n Node> {
        if node_r(n, self.f(), Tv::True) == Tv::False {
            return None;
        }
        match &n.body {
            NodeBody::Referral { .. } => Some(n),
            NodeBody::Condition { .. } => None,
            NodeBody::Group { children, .. } => children.iter().find_map(|c| self.some_referral(c)),
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
            leaf => {
                if failing && cond(leaf, self.f()) != Tv::False {
                    return;
                }
                if let Some(test) = self.test(leaf) {
                    out.push(Limit {
                        label: n.label.clone(),
                        text: n.text.clone(),
                        test,
                    });
                }
            }
        }
    }

    /// A leaf condition (or `not` of one) as a [`Test`]: the fact, the operator, what the request
    /// states and what the policy allows.
    fn test(&self, c: &Cond) -> Option<Test> {
        let slot = first_fact(c)?;
        let fact = &self.p.facts[slot as usize];
        let (negated, leaf) = match c {
            Cond::Not { not } => (true, not.as_ref()),
            other => (false, other),
        };
        let doc = matches!(fact.ty, FactType::Documentation);
        let mut values = Vec::new();
        let mut allowed_value = None;
        let mut other_fact = None;
        let operator = match leaf {
            Cond::Compare { op, limit, .. } => {
                allowed_value = self.amount(slot, &limit.value);
                let op = if negated { words::negate(*op) } else { *op };
                op_name(op)
            }
            Cond::CompareFacts { op, right, .. } => {
                let r = &self.p.facts[*right as usize];
                other_fact = Some(r.name.clone());
                allowed_value = self.requested_amount(*right);
                let op = if negated { words::negate(*op) } else { *op };
                op_name(op)
            }
            Cond::EnumIn { values: v, .. } => {
                values = v.clone();
                match (negated, v.len() == 1) {
                    (false, true) => "is",
                    (false, false) => "is_one_of",
                    (true, true) => "is_not",
                    (true, false) => "is_none_of",
                }
            }
            Cond::SetHas {
                quant, values: v, ..
            } => {
                values = v.clone();
                match (quant, negated) {
                    (SetQuant::Any, false) | (SetQuant::None, true) => "has_any_of",
                    (SetQuant::All, false) => "has_all_of",
                    (SetQuant::None, false) | (SetQuant::Any, true) => "has_none_of",
                    // `not (has all of …)`: named by its words in `allowed`.
                    (SetQuant::All, true) => "has_not_all_of",
                }
            }
            Cond::IsTrue { .. } => match (doc, negated) {
                (true, false) => "is_provided",
                (true, true) => "is_not_provided",
                (false, false) => "is_yes",
                (false, true) => "is_no",
            },
            Cond::Known { .. } if negated => "is_not_stated",
            Cond::Known { .. } => "is_stated",
            // A `not` of several tests: named by its first fact, in words in `allowed`.
            Cond::Not { .. } | Cond::All { .. } | Cond::Any { .. } => "compound",
        };
        let mut derived_from = Vec::new();
        if let Some(calc) = &fact.derived {
            let mut inputs = Vec::new();
            collect_inputs(calc, &mut inputs);
            inputs.dedup();
            derived_from = inputs
                .iter()
                .map(|&i| Input {
                    fact: self.p.facts[i as usize].name.clone(),
                    value: self.req.shown(self.p, i as usize),
                })
                .collect();
        }
        Some(Test {
            fact: fact.name.clone(),
            description: fact.description.clone(),
            operator,
            requested: self.req.shown(self.p, slot as usize),
            requested_value: self.requested_amount(slot),
            allowed: self.allowed(c),
            allowed_value,
            values,
            other_fact,
            derived_from,
        })
    }

    /// A constant of fact `slot`'s type as data, in the unit the policy declares the fact in.
    fn amount(&self, slot: u32, k: &Const) -> Option<Amount> {
        let fact = &self.p.facts[slot as usize];
        match (k, &fact.ty) {
            (Const::Number(v), FactType::Quantity { unit, .. }) => Some(Amount {
                value: decimal_text(v.checked_div(unit.factor).unwrap_or(*v)),
                unit: Some(unit.written.clone()),
                ucum: Some(unit.code.clone()),
            }),
            (Const::Number(v), _) => Some(Amount {
                value: decimal_text(*v),
                unit: None,
                ucum: None,
            }),
            (Const::Date(d), _) => date_from_days(*d).map(|d| Amount {
                value: d.to_string(),
                unit: None,
                ucum: None,
            }),
        }
    }

    /// The value the request states (or the policy computed) of fact `slot`, as data.
    fn requested_amount(&self, slot: u32) -> Option<Amount> {
        let fact = &self.p.facts[slot as usize];
        let plain = |value: String| Amount {
            value,
            unit: None,
            ucum: None,
        };
        match self.f()[slot as usize]? {
            Value::Num(v, 0) => self.amount(slot, &Const::Number(v)),
            // Stated in another dimension (through an equivalence): only as written.
            Value::Num(..) => None,
            Value::Bool(b) => Some(plain(b.to_string())),
            Value::Date(d) => date_from_days(d).map(|d| plain(d.to_string())),
            Value::Enum(i) => {
                let FactType::Enum { enum_index } = fact.ty else {
                    return None;
                };
                let e = &self.p.enums[enum_index as usize];
                Some(plain(match e.values.get(i as usize) {
                    Some(v) => v.name.clone(),
                    // An open enumeration's unlisted value: as the request wrote it.
                    None => self.req.shown(self.p, slot as usize).unwrap_or_default(),
                }))
            }
            Value::Set(mask) => {
                let FactType::Set { enum_index } = fact.ty else {
                    return None;
                };
                let e = &self.p.enums[enum_index as usize];
                let names: Vec<&str> = e
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 128 && mask & (1u128 << i) != 0)
                    .map(|(_, v)| v.name.as_str())
                    .collect();
                Some(plain(names.join(", ")))
            }
        }
    }

    /// The leaf tests that make a false condition false (`want` = false), or a true one true.
    fn deciding_tests(&self, c: &Cond, want: Tv, out: &mut Vec<Test>) {
        if cond(c, self.f()) != want {
            return;
        }
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().for_each(|x| self.deciding_tests(x, want, out))
            }
            Cond::Not { not }
                if matches!(
                    not.as_ref(),
                    Cond::All { .. } | Cond::Any { .. } | Cond::Not { .. }
                ) =>
            {
                let flipped = match want {
                    Tv::True => Tv::False,
                    Tv::False => Tv::True,
                    Tv::Unknown => Tv::Unknown,
                };
                self.deciding_tests(not, flipped, out)
            }
            leaf => out.extend(self.test(leaf)),
        }
    }

    /// Why an indication did not cover a denied request.
    fn considered(&self, ind: &IndicationDef, v: Values) -> Considered {
        let (outcome, reason) = if v.applies == Tv::False {
            let why = ind
                .applies
                .as_ref()
                .map(|a| self.reason_applies(a))
                .unwrap_or_default();
            ("not_applicable", why)
        } else if v.criteria.l == Tv::False {
            let mut unmet = Vec::new();
            let mut na = Vec::new();
            self.unmet(&ind.criteria, &mut unmet, &mut na);
            let labels: Vec<&str> = unmet.iter().map(|u| u.label.as_str()).collect();
            (
                "criteria_not_met",
                format!("criteria not met: {}", labels.join(", ")),
            )
        } else {
            (
                "dosing_outside",
                "its criteria are met, but the requested dosing is outside the policy's".into(),
            )
        };
        Considered {
            label: ind.label.clone(),
            title: ind.title.clone(),
            outcome,
            reason,
        }
    }

    fn allowed(&self, c: &Cond) -> String {
        allowed(self.p, c)
    }

    /// Why a condition is false, in terms of the request: `age is 16 a; requires at least 18 a`.
    fn reason(&self, c: &Cond) -> String {
        self.why(c, false)
    }

    /// Why a branch's `when` (or an indication's `applies when`) is false: `it applies when …;
    /// the request states …`.
    fn reason_applies(&self, c: &Cond) -> String {
        self.why(c, true)
    }

    fn why(&self, c: &Cond, applies: bool) -> String {
        match c {
            Cond::All { all } => all
                .iter()
                .filter(|x| cond(x, self.f()) == Tv::False)
                .map(|x| self.why(x, applies))
                .collect::<Vec<_>>()
                .join("; "),
            Cond::Any { any } => any
                .iter()
                .map(|x| self.why(x, applies))
                .collect::<Vec<_>>()
                .join("; and "),
            leaf => {
                let Some(fact) = first_fact(leaf) else {
                    return String::new();
                };
                let f = &self.p.facts[fact as usize];
                let name = if f.description.is_empty() {
                    f.name.clone()
                } else {
                    format!("{} [{}]", f.description, f.name)
                };
                let shown = self
                    .req
                    .shown(self.p, fact as usize)
                    .unwrap_or_else(|| "not stated".into());
                let allowed = self.allowed(leaf);
                if applies {
                    // Mid-sentence, a description starts in lower case (`the condition …`),
                    // unless it starts with an acronym (`BRAF …`).
                    let mut chars = name.chars();
                    let name = match (chars.next(), chars.next()) {
                        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
                            a.to_lowercase().chain(name.chars().skip(1)).collect()
                        }
                        _ => name,
                    };
                    return format!("it applies when {name} {allowed}; the request states {shown}");
                }
                let required = match allowed.as_str() {
                    "is yes" => "yes".to_string(),
                    "is no" => "no".to_string(),
                    a if a.starts_with("is ") || a.starts_with("has ") => format!("that it {a}"),
                    a => a.to_string(),
                };
                format!("{name} is {shown}; the policy requires {required}")
            }
        }
    }

    /// The labelled criteria that made a false node false (`out`), and the branches that do not
    /// apply to the request (`na`).
    fn unmet(&self, n: &Node, out: &mut Vec<Unmet>, na: &mut Vec<Unmet>) {
        if self.holds(n) != Tv::False {
            return;
        }
        if let Some(g) = &n.guard {
            if cond(g, self.f()) == Tv::False {
                let mut tests = Vec::new();
                self.deciding_tests(g, Tv::False, &mut tests);
                na.push(Unmet {
                    label: n.label.clone(),
                    text: n.text.clone(),
                    reason: self.reason_applies(g),
                    tests,
                });
                return;
            }
        }
        match &n.body {
            NodeBody::Referral { .. } => {}
            NodeBody::Condition { condition } => {
                let mut tests = Vec::new();
                self.deciding_tests(condition, Tv::False, &mut tests);
                out.push(Unmet {
                    label: n.label.clone(),
                    text: n.text.clone(),
                    reason: self.reason(condition),
                    tests,
                })
            }
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
                    let mut tests = Vec::new();
                    if let NodeBody::Condition { condition } = &c.body {
                        self.deciding_tests(condition, Tv::True, &mut tests);
                    }
                    out.push(Unmet {
                        label: c.label.clone(),
                        text: c.text.clone(),
                        reason: reason.into(),
                        tests,
                    });
                }
            }
            NodeBody::Group { children, .. } => {
                children.iter().for_each(|c| self.unmet(c, out, na))
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
            indications: Vec::new(),
            criteria: Vec::new(),
            alternatives: Vec::new(),
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
                    self.req
                        .shown(self.p, s as usize)
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
