//! [`evaluate`]: the decision with its explanation, in the policy's own labels and words.

use super::logic::{node_r, values, Referral, Values};
use super::observe::{NoObserver, Observer};
use super::words;
use super::words::{facts_of, first_fact};
use super::{cond, decide, Decision, DecisionKind, Tv};
use super::{Amount, Approval, Cited, Considered, DurationRef, IndicationRef, Input, Limit};
use super::{Missing, PolicyRef, ReferralInfo, RevisionRef, Test, Unmet};
use super::{DECISION_FORMAT, DECISION_FORMAT_VERSION};
use crate::request::{collect_inputs, Request, Value};
use policyc_ir::dates::date_from_days;
use policyc_ir::ir::{Cond, Const, FactType, IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};
use rust_decimal::Decimal;

mod course;
mod limits;
mod unmet;

pub(crate) use course::{phase_sentence, regimen_sentence};

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
    super::cells::remembering_cells(p, || explained(p, req, o))
}

fn explained<O: Observer>(p: &Program, req: &Request, o: &mut O) -> Decision {
    let f = &req.values[..];
    let outcome = decide(p, req);
    // Every indication's values: what a referral and a denial are explained from (and what an
    // active observer is told about, whatever the decision).
    let vals: Vec<Values> =
        if O::ACTIVE || matches!(outcome.kind, DecisionKind::Refer | DecisionKind::Deny) {
            p.indications.iter().map(|i| values(i, f, o)).collect()
        } else {
            Vec::new()
        };
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
        regimen: None,
        provenance: Vec::new(),
        links: Default::default(),
        warnings: super::near::near_misses(p, req),
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
                d.regimen = strict.regimen(dosing, true);
            }
            // The branch that held (`1.A`), or the indication itself (`indication 1`).
            let branch = match d.path.last() {
                Some(b) if *b != ind.label => b.clone(),
                _ => format!("indication {}", ind.label),
            };
            d.approval = Some(approval(ind, req));
            d.summary = format!(
                "Approve for {} under {} ({branch}).",
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
            // The branch that held (`1.A`), or the indication itself (`indication 1`).
            let branch = match d.path.last() {
                Some(b) if *b != ind.label => b.clone(),
                _ => format!("indication {}", ind.label),
            };
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
                            d.regimen = strict.regimen(dosing, false);
                        }
                    }
                }
                None => {
                    if let Some(dosing) = &ind.dosing {
                        lenient.exceeded(dosing, &mut d.exceeded);
                        d.regimen = strict.regimen(dosing, false);
                    }
                    let mut what: Vec<String> =
                        d.exceeded.iter().map(|l| l.label.clone()).collect();
                    what.dedup();
                    d.statement = p.policy.outside_dosing.clone();
                    d.summary = format!(
                        "Refer to a clinician: the criteria for {} are met ({branch}), but the requested dosing is outside the policy's ({}).",
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
            // Facts named by their descriptions, the identifier in brackets (the request's key).
            let fact_words = |slot: u32| {
                let f = &p.facts[slot as usize];
                if f.description.is_empty() {
                    f.name.clone()
                } else {
                    format!(
                        "{} [{}]",
                        super::words::description_in_sentence(&f.description),
                        f.name
                    )
                }
            };
            // Alternatives named together: `prescriber_specialty or consulting_specialties`.
            let mut said: Vec<u32> = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for n in &needs {
                if said.contains(&n.slot) {
                    continue;
                }
                said.push(n.slot);
                let mut group = vec![fact_words(n.slot)];
                for &a in &n.alternatives {
                    if !said.contains(&a) {
                        said.push(a);
                        group.push(fact_words(a));
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
                            if d.regimen.is_none() {
                                d.regimen = strict.regimen(dn, false);
                            }
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
                d.summary = if labels.is_empty() && !d.not_applicable.is_empty() {
                    // Every branch has a `when` the request fails: nothing was failed as such.
                    let na: Vec<&str> = d.not_applicable.iter().map(|u| u.label.as_str()).collect();
                    format!(
                        "Deny: the criteria for {} are not met: none of their branches applies to this request ({}).",
                        considered.join(" and for "),
                        na.join(", ")
                    )
                } else {
                    format!(
                        "Deny: the criteria for {} are not met ({}).",
                        considered.join(" and for "),
                        labels.join(", ")
                    )
                };
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

/// An indication named for a sentence, by its title and then its label: `Cutaneous Melanoma
/// (indication 1)`.
fn named(ind: &IndicationDef) -> String {
    format!("{} (indication {})", ind.title, ind.label)
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
}
