//! The evaluator.
//!
//! Three-valued logic over the request's facts: a fact the request does not state is *unknown*.
//! `all of` is false if any part is false, unknown if any is unknown and none false, else true;
//! `one of` is the dual; `not` swaps true and false.
//!
//! [`decide`] answers with the decision alone, reading slots and comparing decimals, with no
//! allocation. [`evaluate`] answers with the full explanation, in the policy's own labels and words.

use crate::request::{collect_inputs, Request, Value, UNLISTED};
use policyc_ir::dates::date_from_days;
use policyc_ir::ir::{Cond, Const, IndicationDef, Node, NodeBody, Program};
use policyc_syntax::ast::{CmpOp, GroupKind, SetQuant};
use serde::Serialize;

/// A three-valued truth value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tv {
    False,
    Unknown,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Approve,
    Deny,
    NeedsInfo,
    Refer,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Approve => "approve",
            DecisionKind::Deny => "deny",
            DecisionKind::NeedsInfo => "needs_info",
            DecisionKind::Refer => "refer",
        }
    }
}

/// The decision without its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub kind: DecisionKind,
    /// The indication the decision is under (approve, refer).
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

/// Evaluate a condition.
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
pub type Referral = Tv;

/// Evaluate a labelled node: its guards, then its body. Referral leaves count as `r`.
pub fn node_r(n: &Node, f: &[Option<Value>], r: Referral) -> Tv {
    let (strict, lenient) = node_pair(n, f);
    if r == Tv::False {
        strict
    } else {
        lenient
    }
}

/// Both readings of a node at once, (strict, lenient), evaluating each condition once.
fn node_pair(n: &Node, f: &[Option<Value>]) -> (Tv, Tv) {
    let g = match &n.guard {
        Some(g) => cond(g, f),
        None => Tv::True,
    };
    if g == Tv::False {
        return (Tv::False, Tv::False);
    }
    // `if P: body` is the implication ¬P ∨ body.
    let p = match &n.only_if {
        Some(c) => cond(c, f),
        None => Tv::True,
    };
    if p == Tv::False {
        return (g, g);
    }
    let (bs, bl) = body_pair(n, f);
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

fn body_pair(n: &Node, f: &[Option<Value>]) -> (Tv, Tv) {
    match &n.body {
        NodeBody::Condition { condition } => {
            let c = cond(condition, f);
            (c, c)
        }
        NodeBody::Group { of, children } => group_pair(*of, children, f),
        NodeBody::Referral { .. } => (Tv::False, Tv::True),
    }
}

fn group_pair(of: GroupKind, children: &[Node], f: &[Option<Value>]) -> (Tv, Tv) {
    match of {
        GroupKind::AllOf => {
            let (mut s, mut l) = (Tv::True, Tv::True);
            for c in children {
                let (cs, cl) = node_pair(c, f);
                s = and3(s, cs);
                l = and3(l, cl);
                if l == Tv::False {
                    return (Tv::False, Tv::False);
                }
            }
            (s, l)
        }
        GroupKind::OneOf | GroupKind::NoneOf => {
            let (mut s, mut l) = (Tv::False, Tv::False);
            for c in children {
                let (cs, cl) = node_pair(c, f);
                s = or3(s, cs);
                l = or3(l, cl);
                if s == Tv::True {
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

/// Evaluate a node's body, ignoring its guards, a referral leaf counting as holding.
pub fn body(n: &Node, f: &[Option<Value>]) -> Tv {
    body_pair(n, f).1
}

/// How one indication stands for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The indication does not cover the request (its `applies when` is false).
    NotApplicable,
    /// Its criteria are not met.
    Denied,
    /// Its criteria are met but the dosing is outside the policy's, and the policy makes no
    /// provision for doses outside its dosing: denied.
    DeniedDosing,
    Approve,
    /// Left to people: the dosing is outside the policy's and the policy sends such requests to a
    /// clinician, or the request meets the criteria only through a referral leaf.
    Refer,
    /// Depends on facts the request does not state.
    Unknown,
}

/// What a section (criteria or dosing) comes to, strictly and leniently read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Holds without leaving anything to people.
    Holds,
    /// Holds only through a referral leaf.
    Referral,
    /// Cannot hold, even through a referral.
    Fails,
    Unknown,
}

fn section(n: Option<&Node>, f: &[Option<Value>]) -> Section {
    let Some(n) = n else { return Section::Holds };
    match node_pair(n, f) {
        (Tv::True, _) => Section::Holds,
        (_, Tv::False) => Section::Fails,
        (Tv::False, Tv::True) => Section::Referral,
        _ => Section::Unknown,
    }
}

#[derive(Debug, Clone, Copy)]
struct Values {
    applies: Tv,
    criteria: Section,
    dosing: Section,
}

fn values(ind: &IndicationDef, f: &[Option<Value>]) -> Values {
    let applies = ind.applies.as_ref().map_or(Tv::True, |a| cond(a, f));
    if applies == Tv::False {
        return Values {
            applies,
            criteria: Section::Unknown,
            dosing: Section::Unknown,
        };
    }
    let criteria = section(Some(&ind.criteria), f);
    let dosing = if criteria == Section::Fails {
        Section::Unknown
    } else {
        section(ind.dosing.as_ref(), f)
    };
    Values {
        applies,
        criteria,
        dosing,
    }
}

fn standing_of(v: Values, refers_outside_dosing: bool) -> Standing {
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

/// How an indication of `p` stands for a request.
pub fn standing(p: &Program, ind: &IndicationDef, f: &[Option<Value>]) -> Standing {
    standing_of(values(ind, f), p.policy.outside_dosing.is_some())
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
    let criteria = section(Some(&ind.criteria), f);
    match criteria {
        Section::Fails => return Standing::Denied,
        Section::Unknown => return Standing::Unknown,
        _ if applies == Tv::Unknown => return Standing::Unknown,
        _ => {}
    }
    let dosing = section(ind.dosing.as_ref(), f);
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

// ---------------------------------------------------------------------- explanations

pub const DECISION_FORMAT: &str = "policyc-decision";
pub const DECISION_FORMAT_VERSION: u32 = 1;

/// A decision with its explanation: the stable JSON output of `policyc eval`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub format: &'static str,
    pub format_version: u32,
    pub policy: PolicyRef,
    pub request_id: Option<String>,
    pub as_of: Option<String>,
    pub decision: DecisionKind,
    /// One sentence for a person.
    pub summary: String,
    /// The policy's own statement on this outcome: its "outside dosing" sentence for a referral, its
    /// "not covered" sentence for a request no indication covers.
    pub statement: Option<String>,
    pub indication: Option<IndicationRef>,
    /// The labels of the branches that held, outermost first (`["1", "1.A"]`).
    pub path: Vec<String>,
    pub approval: Option<Approval>,
    /// For a referral through a `refer to a clinician` or `redirect to` criterion: which one.
    pub referral: Option<ReferralInfo>,
    /// Criteria that held, by label.
    pub criteria_met: Vec<Cited>,
    /// Dosing limits the approval is conditional on.
    pub conditions: Vec<Limit>,
    /// Criteria that are not met (deny).
    pub unmet: Vec<Unmet>,
    /// Facts the decision depends on that the request does not state (needs_info).
    pub missing: Vec<Missing>,
    /// Dosing limits the request exceeds (refer).
    pub exceeded: Vec<Limit>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRef {
    pub id: String,
    pub title: String,
    pub effective: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicationRef {
    pub label: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub duration: String,
    /// The date of service, when the request states it.
    pub start: Option<String>,
    /// The last day of the approval (start + duration − 1 day).
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralInfo {
    pub label: String,
    pub text: String,
    /// The review the request is redirected to; `null` for a clinician's review.
    pub redirect_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub label: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmet {
    pub label: String,
    pub text: String,
    /// Why, in terms of the request's facts.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub fact: String,
    pub description: String,
    /// For a derived fact: the inputs the request could state instead (those it does not state).
    pub or_inputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub label: String,
    pub text: String,
    pub fact: String,
    /// What the request states, or `null` if it does not.
    pub requested: Option<String>,
    pub allowed: String,
}

/// Evaluate a request and explain the decision.
pub fn evaluate(p: &Program, req: &Request) -> Decision {
    let f = &req.values[..];
    let outcome = decide(p, req);
    let vals: Vec<Values> = p.indications.iter().map(|i| values(i, f)).collect();
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
            let via = if v.criteria == Section::Referral {
                lenient.referral_leaf(&ind.criteria)
            } else if v.dosing == Section::Referral {
                ind.dosing.as_ref().and_then(|n| lenient.referral_leaf(n))
            } else {
                None
            };
            lenient.path(&ind.criteria, &mut d.path);
            lenient.met(&ind.criteria, &mut d.criteria_met);
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
                    if v.dosing == Section::Referral {
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
            for (ind, v) in p.indications.iter().zip(&vals) {
                if standing_of(*v, refers) != Standing::Unknown {
                    continue;
                }
                if v.applies == Tv::Unknown {
                    if let Some(a) = &ind.applies {
                        lenient.unknown_cond(a, &mut slots);
                    }
                }
                if v.criteria == Section::Unknown {
                    Explainer::for_unknown(p, req, &ind.criteria)
                        .unknown_node(&ind.criteria, &mut slots);
                }
                if v.dosing == Section::Unknown {
                    if let Some(dn) = &ind.dosing {
                        Explainer::for_unknown(p, req, dn).unknown_node(dn, &mut slots);
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
                    if standing_of(vals[i], refers) == Standing::DeniedDosing {
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

    /// The reading under which a section is unknown: the lenient one, unless it holds leniently
    /// (through a referral) while the strict reading is still unknown.
    fn for_unknown(p: &'a Program, req: &'a Request, n: &Node) -> Explainer<'a> {
        let r = if node_r(n, &req.values, Tv::True) == Tv::Unknown {
            Tv::True
        } else {
            Tv::False
        };
        Explainer { p, req, r }
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
                let guard_holds =
                    |c: &Node| c.guard.as_ref().map_or(Tv::True, |g| cond(g, self.f())) == Tv::True;
                let applying: Vec<&Node> = children.iter().filter(|c| guard_holds(c)).collect();
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
                    out.push(Unmet {
                        label: c.label.clone(),
                        text: c.text.clone(),
                        reason: "holds, but the policy requires that it does not".into(),
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

/// What a condition requires of its fact, in words: `at most 600,000 IU/kg`, `is intravenous`.
pub fn allowed(p: &Program, c: &Cond) -> String {
    match c {
        Cond::Compare { op, limit, .. } => format!("{} {}", op.words(), limit.text),
        Cond::CompareFacts { op, right, .. } => {
            format!("{} {}", op.words(), p.facts[*right as usize].name)
        }
        Cond::EnumIn { values, .. } if values.len() == 1 => format!("is {}", values[0]),
        Cond::EnumIn { values, .. } => format!("is one of {}", values.join(", ")),
        Cond::SetHas { quant, values, .. } => {
            let q = match quant {
                SetQuant::Any => "any of",
                SetQuant::All => "all of",
                SetQuant::None => "none of",
            };
            format!("has {q} {}", values.join(", "))
        }
        Cond::IsTrue { fact } => match p.facts.get(*fact as usize).map(|f| &f.ty) {
            Some(policyc_ir::ir::FactType::Documentation) => "is provided".into(),
            _ => "is yes".into(),
        },
        Cond::Known { .. } => "is stated".into(),
        Cond::Not { not } => match not.as_ref() {
            Cond::IsTrue { fact } => match p.facts.get(*fact as usize).map(|f| &f.ty) {
                Some(policyc_ir::ir::FactType::Documentation) => "is not provided".into(),
                _ => "is no".into(),
            },
            Cond::EnumIn { values, .. } if values.len() == 1 => format!("is not {}", values[0]),
            Cond::EnumIn { values, .. } => format!("is none of {}", values.join(", ")),
            Cond::SetHas {
                quant: SetQuant::Any,
                values,
                ..
            } => format!("has none of {}", values.join(", ")),
            Cond::Known { .. } => "is not stated".into(),
            Cond::Compare { op, limit, .. } => {
                format!("{} {}", negate(*op).words(), limit.text)
            }
            other => format!("not ({})", allowed(p, other)),
        },
        Cond::All { all } => all
            .iter()
            .map(|x| allowed(p, x))
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Any { any } => any
            .iter()
            .map(|x| allowed(p, x))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// A condition in words, with the facts it tests: `route is intravenous and age at least 18 years`.
pub fn describe(p: &Program, c: &Cond) -> String {
    match c {
        Cond::All { all } => all
            .iter()
            .map(|x| describe(p, x))
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Any { any } => any
            .iter()
            .map(|x| describe(p, x))
            .collect::<Vec<_>>()
            .join(" or "),
        Cond::Not { not }
            if matches!(
                not.as_ref(),
                Cond::All { .. } | Cond::Any { .. } | Cond::Not { .. }
            ) =>
        {
            format!("not ({})", describe(p, not))
        }
        leaf => match first_fact(leaf).and_then(|f| p.facts.get(f as usize)) {
            Some(fact) => format!("{} {}", fact.name, allowed(p, leaf)),
            None => allowed(p, leaf),
        },
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
    }
}

fn first_fact(c: &Cond) -> Option<u32> {
    match c {
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => Some(*fact),
        Cond::CompareFacts { left, .. } => Some(*left),
        Cond::Not { not } => first_fact(not),
        Cond::All { all: v } | Cond::Any { any: v } => v.first().and_then(first_fact),
    }
}

fn facts_of(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| facts_of(x, out)),
        Cond::Not { not } => facts_of(not, out),
        Cond::CompareFacts { left, right, .. } => out.extend([*left, *right]),
        leaf => out.extend(first_fact(leaf)),
    }
}

/// Render a decision for a person.
pub fn render_human(d: &Decision) -> String {
    let mut s = String::new();
    let head = match d.decision {
        DecisionKind::Approve => "APPROVE",
        DecisionKind::Deny => "DENY",
        DecisionKind::NeedsInfo => "NEEDS MORE INFORMATION",
        DecisionKind::Refer if d.referral.as_ref().is_some_and(|r| r.redirect_to.is_some()) => {
            "REDIRECT TO ANOTHER REVIEW"
        }
        DecisionKind::Refer => "REFER TO A CLINICIAN",
    };
    s.push_str(&format!(
        "{head} — {} ({}, effective {})\n",
        d.policy.title, d.policy.id, d.policy.effective
    ));
    if let Some(id) = &d.request_id {
        s.push_str(&format!("request: {id}\n"));
    }
    s.push_str(&format!("{}\n", d.summary));
    if let Some(st) = &d.statement {
        s.push_str(&format!("Policy: \"{st}\"\n"));
    }
    if let Some(a) = &d.approval {
        match (&a.start, &a.end) {
            (Some(st), Some(en)) => s.push_str(&format!(
                "\nApproval: {} (from {st} through {en})\n",
                a.duration
            )),
            _ => s.push_str(&format!("\nApproval: {}\n", a.duration)),
        }
    }
    if !d.criteria_met.is_empty() {
        s.push_str("\nCriteria met:\n");
        for c in &d.criteria_met {
            s.push_str(&format!("  {}  {}\n", c.label, c.text));
        }
    }
    if !d.conditions.is_empty() {
        s.push_str("\nApproved on condition of the dosing limits:\n");
        for l in &d.conditions {
            let req = match &l.requested {
                Some(r) => format!("requested {r}"),
                None => "not stated: a condition of the approval".into(),
            };
            s.push_str(&format!(
                "  {}  {}: {} ({req})\n",
                l.label, l.fact, l.allowed
            ));
        }
    }
    if !d.exceeded.is_empty() {
        s.push_str("\nOutside the policy's dosing:\n");
        for l in &d.exceeded {
            s.push_str(&format!(
                "  {}  {}\n      {}: requested {}, allowed {}\n",
                l.label,
                l.text,
                l.fact,
                l.requested.clone().unwrap_or_else(|| "not stated".into()),
                l.allowed
            ));
        }
    }
    if !d.unmet.is_empty() {
        s.push_str("\nNot met:\n");
        for u in &d.unmet {
            s.push_str(&format!("  {}  {}\n      {}\n", u.label, u.text, u.reason));
        }
    }
    if !d.missing.is_empty() {
        s.push_str("\nThe request should state:\n");
        for m in &d.missing {
            let or = if m.or_inputs.is_empty() {
                String::new()
            } else {
                format!(" (or: {})", m.or_inputs.join(", "))
            };
            s.push_str(&format!("  {}  {}{or}\n", m.fact, m.description));
        }
    }
    s
}
