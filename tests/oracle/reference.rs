//! The reference evaluator: the README's semantics, written as plainly as possible over the
//! generated policy model (not the IR), sharing nothing with `policyc::eval`.
//!
//! - A fact the request does not state is unknown. `and`/`all of` is false if any part is false,
//!   else unknown if any part is unknown, else true; `or`/`one of` is the dual; `not` and
//!   `none of` swap true and false.
//! - A branch with `when G` holds iff G and its body hold; a requirement with `if P` is "P implies
//!   the body".
//! - `refer to a clinician` / `redirect to` leave the decision to people: read once as false (what
//!   holds without people, "strict") and once as true (what holds if people agree, "lenient").
//! - A limit `, as a condition of approval` that the request does not state holds.
//! - Per indication: approve if it applies and its criteria and dosing hold strictly; refer if it
//!   applies and the criteria hold (perhaps through a referral) and either the dosing fails with an
//!   `outside dosing` statement or something holds only through a referral; deny if it does not
//!   apply or cannot hold; unknown otherwise. A reauthorization without a `dosing` of its own is
//!   under its indication's dosing.
//! - `none of` holds iff none of its parts holds even if people agree (a referral under it makes
//!   it fail either way).
//! - The decision, by the possible outcomes of each phase once every unstated fact is stated
//!   ([`possible_standings`], each unknown section value taken as free): approve under the first
//!   phase that surely approves; else the one decision every combination gives (refer under the
//!   first phase that surely refers, or deny); else needs_info.
//!
//! Where the README is silent, the choices (checked against the implementation's intent, written
//! here independently): an indication with reauthorization criteria adds `authorization is
//! initial` / `is reauthorization` to its `applies when` (one without serves both phases); the
//! path follows the first branch of each `one of` that holds, through `all of`s; indications are
//! considered in document order, a reauthorization right after its indication.
//! [`decide_by_outcomes`] is a second, stricter reading of "the result depends on facts the
//! request does not state"; the differential test counts where it differs instead of failing.
//!
//! Longer than 800 lines on purpose: the reference evaluator is written to share nothing with the
//! evaluator it checks, so all of it is here, as plainly as possible.

use super::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tv {
    F,
    U,
    T,
}

impl Tv {
    pub fn of(b: bool) -> Tv {
        if b {
            Tv::T
        } else {
            Tv::F
        }
    }
    pub fn not(self) -> Tv {
        match self {
            Tv::T => Tv::F,
            Tv::F => Tv::T,
            Tv::U => Tv::U,
        }
    }
    /// The truth values this could turn out to be, once every fact is stated.
    pub fn possible(self) -> &'static [bool] {
        match self {
            Tv::T => &[true],
            Tv::F => &[false],
            Tv::U => &[true, false],
        }
    }
}

pub fn and(ts: impl IntoIterator<Item = Tv>) -> Tv {
    let ts: Vec<Tv> = ts.into_iter().collect();
    if ts.contains(&Tv::F) {
        Tv::F
    } else if ts.contains(&Tv::U) {
        Tv::U
    } else {
        Tv::T
    }
}

pub fn or(ts: impl IntoIterator<Item = Tv>) -> Tv {
    let ts: Vec<Tv> = ts.into_iter().collect();
    if ts.contains(&Tv::T) {
        Tv::T
    } else if ts.contains(&Tv::U) {
        Tv::U
    } else {
        Tv::F
    }
}

pub struct Ref<'a> {
    pub policy: &'a Policy,
    pub req: &'a Req,
    /// The request as it was sent: what `is known` and a condition of approval read (a completion
    /// of its unstated facts does not change them; README, Decisions).
    pub sent: &'a Req,
}

impl Ref<'_> {
    fn value(&self, fact: usize) -> Option<&V> {
        self.req.values[fact].as_ref()
    }

    pub fn cond(&self, c: &C) -> Tv {
        match c {
            C::Flag { fact, .. } => match self.value(*fact) {
                Some(V::B(b)) => Tv::of(*b),
                _ => Tv::U,
            },
            C::FlagNo { fact, .. } => match self.value(*fact) {
                Some(V::B(b)) => Tv::of(!*b),
                _ => Tv::U,
            },
            C::EnumIn {
                fact,
                values,
                negated,
                ..
            } => match self.value(*fact) {
                Some(V::Enum(v)) => {
                    let listed = values.iter().any(|x| x == v);
                    Tv::of(listed != *negated)
                }
                _ => Tv::U,
            },
            C::SetHas {
                fact,
                quant,
                values,
            } => match self.value(*fact) {
                Some(V::Set(s)) => {
                    let has = |x: &&str| s.iter().any(|y| y == x);
                    Tv::of(match quant {
                        Quant::Single | Quant::Any => values.iter().any(has),
                        Quant::All => values.iter().all(has),
                        Quant::None => !values.iter().any(has),
                    })
                }
                _ => Tv::U,
            },
            C::Cmp {
                fact,
                op,
                value,
                coa,
                flipped,
                ..
            } => match (self.value(*fact), value) {
                _ if *coa && self.sent.values[*fact].is_none() => Tv::T,
                (None, _) => Tv::U,
                (Some(V::Num(x)), V::Num(l)) if *flipped => Tv::of(op.holds(l, x)),
                (Some(V::Date(x)), V::Date(l)) if *flipped => Tv::of(op.holds(l, x)),
                (Some(V::Num(x)), V::Num(l)) => Tv::of(op.holds(x, l)),
                (Some(V::Date(x)), V::Date(l)) => Tv::of(op.holds(x, l)),
                (Some(v), l) => panic!("reference: {v:?} compared with {l:?}"),
            },
            C::CmpFacts {
                left, op, right, ..
            } => match (self.value(*left), self.value(*right)) {
                (Some(V::Num(a)), Some(V::Num(b))) => Tv::of(op.holds(a, b)),
                (Some(V::Date(a)), Some(V::Date(b))) => Tv::of(op.holds(a, b)),
                _ => Tv::U,
            },
            C::Known { fact, negated } => Tv::of(self.sent.values[*fact].is_some() != *negated),
            C::And(cs) => and(cs.iter().map(|c| self.cond(c))),
            C::Or(cs) => or(cs.iter().map(|c| self.cond(c))),
            C::Not(c) => self.cond(c).not(),
            C::Def1 => self.cond(&self.policy.def1),
            C::OnRoute(vs) => match self.value(ROUTE) {
                Some(V::Enum(v)) => Tv::of(vs.iter().any(|x| x == v)),
                _ => Tv::U,
            },
            // `meets` names criteria without referrals, so either reading is the same.
            C::Meets(n) => self.node(n, Tv::F),
        }
    }

    /// A labelled node; referral leaves count as `referral`.
    pub fn node(&self, n: &Node, referral: Tv) -> Tv {
        let body = match &n.body {
            Body::Leaf(c) => self.cond(c),
            Body::Refer(_) => referral,
            Body::Group(Gk::All, ch) => and(ch.iter().map(|c| self.node(c, referral))),
            Body::Group(Gk::One, ch) => or(ch.iter().map(|c| self.node(c, referral))),
            // `none of` holds only if no part holds even if people agree: a referral under it
            // makes it fail, with or without people.
            Body::Group(Gk::None, ch) => or(ch.iter().map(|c| self.node(c, Tv::T))).not(),
        };
        // `if P`: P implies the body.
        let required = match &n.only_if {
            Some(p) => or([self.cond(p).not(), body]),
            None => body,
        };
        // `when G`: the guard and the requirement.
        match &n.guard {
            Some(g) => and([self.cond(g), required]),
            None => required,
        }
    }
}

/// What one phase of an indication (initial or reauthorization) comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    NotApplicable,
    Denied,
    /// The criteria hold but the dosing is outside and the policy has no outside-dosing statement.
    DeniedDosing,
    Approve,
    Refer,
    Unknown,
}

/// A section's (criteria's or dosing's) strict and lenient truth values.
#[derive(Debug, Clone, Copy)]
pub struct Sec {
    pub strict: Tv,
    pub lenient: Tv,
}

/// One phase, flattened, in the order the README's decision rules consider them.
pub struct Unit<'a> {
    pub label: String,
    pub applies: Option<C>,
    pub phase: &'a Phase,
    /// The phase's dosing: a reauthorization without its own is under the indication's (README).
    pub dosing: Option<&'a Node>,
}

pub fn units(p: &Policy) -> Vec<Unit<'_>> {
    let reauth = p.has_reauth();
    let mut out = Vec::new();
    for ind in &p.indications {
        let phase_cond = |initial: bool| C::EnumIn {
            fact: AUTH,
            values: vec![if initial {
                "initial"
            } else {
                "reauthorization"
            }],
            negated: false,
            one_of: false,
        };
        let with = |initial: bool| {
            let mut parts: Vec<C> = ind.applies.iter().cloned().collect();
            // Only an indication with reauthorization criteria tells the phases apart (the
            // README is silent; the checker's comment says so).
            if reauth && ind.reauth.is_some() {
                parts.push(phase_cond(initial));
            }
            match parts.len() {
                0 => None,
                1 => parts.pop(),
                _ => Some(C::And(parts)),
            }
        };
        out.push(Unit {
            label: ind.label.clone(),
            applies: with(true),
            phase: &ind.initial,
            dosing: ind.initial.dosing.as_ref(),
        });
        if let Some(r) = &ind.reauth {
            out.push(Unit {
                label: format!("{}.R", ind.label),
                applies: with(false),
                phase: r,
                dosing: r.dosing.as_ref().or(ind.initial.dosing.as_ref()),
            });
        }
    }
    out
}

pub struct Facts {
    pub applies: Tv,
    pub criteria: Sec,
    /// `None`: the phase has no dosing section (it holds).
    pub dosing: Option<Sec>,
}

impl Ref<'_> {
    pub fn sec(&self, n: &Node) -> Sec {
        Sec {
            strict: self.node(n, Tv::F),
            lenient: self.node(n, Tv::T),
        }
    }

    pub fn facts(&self, u: &Unit) -> Facts {
        Facts {
            applies: u.applies.as_ref().map_or(Tv::T, |a| self.cond(a)),
            criteria: self.sec(&u.phase.criteria),
            dosing: u.dosing.map(|d| self.sec(d)),
        }
    }
}

/// The standing from the three-valued section values, the rules read directly: an unknown part
/// makes the standing unknown unless the indication already cannot apply or cannot be met.
pub fn standing(f: &Facts, outside_dosing: bool) -> Standing {
    if f.applies == Tv::F {
        return Standing::NotApplicable;
    }
    if f.criteria.lenient == Tv::F {
        return Standing::Denied;
    }
    let criteria_known =
        f.criteria.strict == Tv::T || (f.criteria.strict == Tv::F && f.criteria.lenient == Tv::T);
    if f.applies == Tv::U || !criteria_known {
        return Standing::Unknown;
    }
    // The criteria hold, strictly or through a referral.
    let crit_strict = f.criteria.strict == Tv::T;
    let (dos_strict, dos_lenient) = match &f.dosing {
        None => (Tv::T, Tv::T),
        Some(d) => (d.strict, d.lenient),
    };
    if dos_strict == Tv::T {
        return if crit_strict {
            Standing::Approve
        } else {
            Standing::Refer
        };
    }
    if dos_lenient == Tv::F {
        return if outside_dosing {
            Standing::Refer
        } else {
            Standing::DeniedDosing
        };
    }
    if dos_lenient == Tv::T && dos_strict == Tv::F {
        return Standing::Refer;
    }
    Standing::Unknown
}

/// The outcomes a phase could have once every fact is stated, treating each unknown section
/// value as "either": the README's "the result depends on facts the request does not state".
pub fn possible_standings(f: &Facts, outside_dosing: bool) -> Vec<Standing> {
    let states = |s: Sec| -> Vec<(Tv, Tv)> {
        let mut v = Vec::new();
        for &st in s.strict.possible() {
            for &le in s.lenient.possible() {
                // What holds without people holds with them.
                if st && !le {
                    continue;
                }
                v.push((Tv::of(st), Tv::of(le)));
            }
        }
        v
    };
    let mut out = Vec::new();
    for &a in f.applies.possible() {
        for (cs, cl) in states(f.criteria) {
            let dosings = match f.dosing {
                None => vec![(Tv::T, Tv::T)],
                Some(d) => states(d),
            };
            for (ds, dl) in dosings {
                let one = Facts {
                    applies: Tv::of(a),
                    criteria: Sec {
                        strict: cs,
                        lenient: cl,
                    },
                    dosing: Some(Sec {
                        strict: ds,
                        lenient: dl,
                    }),
                };
                let s = match standing(&one, outside_dosing) {
                    Standing::NotApplicable | Standing::DeniedDosing => Standing::Denied,
                    s => s,
                };
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Approve,
    Deny,
    NeedsInfo,
    Refer,
}

/// The reference decision and what it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct RefDecision {
    pub kind: Kind,
    pub indication: Option<String>,
    pub path: Vec<String>,
    pub criteria_met: Vec<String>,
    pub duration: Option<String>,
    pub referral: Option<String>,
    /// Exceeded limits' labels (refer for dosing outside the policy's).
    pub exceeded: Option<Vec<String>>,
    pub unmet: Vec<String>,
    /// Branches that do not apply (their guard is false), apart from `unmet`.
    pub not_applicable: Vec<String>,
    /// Whether the decision was worked out over every completion ([`exact`]); when not, it is the
    /// three-valued reading, right only when it is not needs_info.
    pub exact: bool,
    /// needs_info: the facts whose value can change the decision, by index (`None`: not worked
    /// out, because the completions were too many or every completion gives the same kind).
    pub missing: Option<Vec<usize>>,
}

pub fn decide(p: &Policy, req: &Req) -> RefDecision {
    decide_sent(p, req, req)
}

/// The decision for `req`, a completion of the request `sent` (which `is known` and conditions of
/// approval read).
pub fn decide_sent(p: &Policy, req: &Req, sent: &Req) -> RefDecision {
    let r = Ref {
        policy: p,
        req,
        sent,
    };
    let us = units(p);
    let facts: Vec<Facts> = us.iter().map(|u| r.facts(u)).collect();
    let st: Vec<Standing> = facts
        .iter()
        .map(|f| standing(f, p.outside_dosing))
        .collect();
    let mut d = RefDecision {
        kind: Kind::Deny,
        indication: None,
        path: vec![],
        criteria_met: vec![],
        duration: None,
        referral: None,
        exceeded: None,
        unmet: vec![],
        not_applicable: vec![],
        exact: false,
        missing: None,
    };
    let _ = &st;
    // The three-valued reading, and every completion where it may be wrong: where it says
    // needs_info, or where an earlier phase might also surely approve (or refer).
    let three: Vec<Vec<Standing>> = facts
        .iter()
        .map(|f| possible_standings(f, p.outside_dosing))
        .collect();
    let three_kind = decide_by_outcomes_sent(p, req, sent);
    let first = |s: Standing| three.iter().position(|ps| ps[..] == [s]);
    let earlier = |s: Standing| first(s).is_some_and(|i| three[..i].iter().any(|x| x.contains(&s)));
    let settled = match three_kind {
        Kind::Approve => !earlier(Standing::Approve),
        Kind::Refer => !earlier(Standing::Refer),
        Kind::Deny => true,
        Kind::NeedsInfo => false,
    };
    let maybe_exact = if settled { None } else { exact(p, req) };
    if settled {
        d.exact = true;
    }
    let (poss, kind) = match maybe_exact {
        Some(e) => {
            d.exact = true;
            d.missing = e.missing;
            (e.sets, e.kind)
        }
        None => (three, three_kind),
    };
    let sure = |s: Standing| poss.iter().position(|ps| ps[..] == [s]);
    if let Some(i) = sure(Standing::Approve) {
        let u = &us[i];
        d.kind = Kind::Approve;
        d.indication = Some(u.label.clone());
        d.path = r.path(&u.phase.criteria, Tv::F);
        r.met(&u.phase.criteria, Tv::F, &mut d.criteria_met);
        let (n, unit) = u.phase.duration;
        let unit = unit.trim_end_matches('s');
        d.duration = Some(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        return d;
    }
    if kind == Kind::NeedsInfo {
        d.kind = Kind::NeedsInfo;
        return d;
    }
    if kind == Kind::Refer {
        let i = sure(Standing::Refer).expect("a phase that surely refers");
        let u = &us[i];
        let f = &facts[i];
        d.kind = Kind::Refer;
        d.indication = Some(u.label.clone());
        // The branches that held: strictly, if the criteria hold without people.
        let reading = if f.criteria.strict == Tv::T {
            Tv::F
        } else {
            Tv::T
        };
        d.path = r.path(&u.phase.criteria, reading);
        let dosing_fails = f.dosing.is_some_and(|s| s.lenient == Tv::F);
        if f.criteria.strict == Tv::F {
            d.referral = r.referral_leaf(&u.phase.criteria);
        } else if !dosing_fails {
            d.referral = u.dosing.and_then(|n| r.referral_leaf(n));
            // Decided only by trying every completion: the criteria may hold without people, or
            // only through their referral.
            if d.referral.is_none() && f.criteria.strict != Tv::T && f.criteria.lenient != Tv::F {
                d.referral = r
                    .referral_leaf(&u.phase.criteria)
                    .or_else(|| r.some_referral(&u.phase.criteria));
            }
        }
        if d.referral.is_none() {
            let mut ex = Vec::new();
            if let Some(n) = u.dosing {
                r.exceeded(n, &mut ex);
            }
            d.exceeded = Some(ex);
        }
        return d;
    }
    // Deny.
    assert_eq!(kind, Kind::Deny);
    let applicable: Vec<usize> = (0..us.len())
        .filter(|&i| facts[i].applies != Tv::F)
        .collect();
    if applicable.is_empty() {
        d.unmet.push("not covered".into());
    }
    for i in applicable {
        // Denied whatever the unstated facts are: for the dosing if the criteria may hold.
        if facts[i].criteria.lenient != Tv::F {
            if let Some(n) = us[i].dosing {
                r.exceeded(n, &mut d.unmet);
            }
        } else {
            r.unmet(&us[i].phase.criteria, &mut d.unmet, &mut d.not_applicable);
        }
    }
    d
}

/// The decision kind by possible outcomes: needs_info only if stating the missing facts could
/// still change the decision.
pub fn decide_by_outcomes(p: &Policy, req: &Req) -> Kind {
    decide_by_outcomes_sent(p, req, req)
}

fn decide_by_outcomes_sent(p: &Policy, req: &Req, sent: &Req) -> Kind {
    let r = Ref {
        policy: p,
        req,
        sent,
    };
    let poss: Vec<Vec<Standing>> = units(p)
        .iter()
        .map(|u| possible_standings(&r.facts(u), p.outside_dosing))
        .collect();
    // Every combination of the phases' possible outcomes.
    let mut kinds: Vec<Kind> = Vec::new();
    let mut idx = vec![0usize; poss.len()];
    loop {
        let combo: Vec<Standing> = idx.iter().zip(&poss).map(|(&i, p)| p[i]).collect();
        let k = if combo.contains(&Standing::Approve) {
            Kind::Approve
        } else if combo.contains(&Standing::Refer) {
            Kind::Refer
        } else {
            Kind::Deny
        };
        if !kinds.contains(&k) {
            kinds.push(k);
        }
        // Next combination.
        let mut j = 0;
        loop {
            if j == idx.len() {
                return if kinds.len() == 1 {
                    kinds[0]
                } else {
                    Kind::NeedsInfo
                };
            }
            idx[j] += 1;
            if idx[j] < poss[j].len() {
                break;
            }
            idx[j] = 0;
            j += 1;
        }
    }
}

impl Ref<'_> {
    /// The labels of the branches that held: the section, then the branch each `one of` chose
    /// (the first that holds), through `all of`s, in document order.
    fn path(&self, root: &Node, reading: Tv) -> Vec<String> {
        let mut out = vec![root.full.clone()];
        self.chosen(root, reading, &mut out);
        out
    }

    fn chosen(&self, n: &Node, reading: Tv, out: &mut Vec<String>) {
        match &n.body {
            Body::Group(Gk::One, ch) => {
                if let Some(c) = ch.iter().find(|c| self.node(c, reading) == Tv::T) {
                    out.push(c.full.clone());
                    self.chosen(c, reading, out);
                }
            }
            Body::Group(Gk::All, ch) => ch.iter().for_each(|c| self.chosen(c, reading, out)),
            _ => {}
        }
    }

    /// The criteria met: each leaf that holds along the chosen branches; a `none of` as a whole.
    fn met(&self, n: &Node, reading: Tv, out: &mut Vec<String>) {
        if self.node(n, reading) != Tv::T {
            return;
        }
        match &n.body {
            Body::Leaf(_) | Body::Refer(_) | Body::Group(Gk::None, _) => out.push(n.full.clone()),
            Body::Group(Gk::One, ch) => {
                if let Some(c) = ch.iter().find(|c| self.node(c, reading) == Tv::T) {
                    self.met(c, reading, out);
                }
            }
            Body::Group(Gk::All, ch) => ch.iter().for_each(|c| self.met(c, reading, out)),
        }
    }

    /// The first referral leaf under a node that may hold if people agree.
    fn some_referral(&self, n: &Node) -> Option<String> {
        if self.node(n, Tv::T) == Tv::F {
            return None;
        }
        match &n.body {
            Body::Refer(_) => Some(n.full.clone()),
            Body::Leaf(_) => None,
            Body::Group(_, ch) => ch.iter().find_map(|c| self.some_referral(c)),
        }
    }

    /// The referral leaf through which a node holds if people agree, but not without them.
    fn referral_leaf(&self, n: &Node) -> Option<String> {
        if self.node(n, Tv::F) == Tv::T || self.node(n, Tv::T) != Tv::T {
            return None;
        }
        match &n.body {
            Body::Refer(_) => Some(n.full.clone()),
            Body::Leaf(_) => None,
            Body::Group(Gk::One, ch) => ch
                .iter()
                .find(|c| self.node(c, Tv::T) == Tv::T)
                .and_then(|c| self.referral_leaf(c)),
            Body::Group(_, ch) => ch.iter().find_map(|c| self.referral_leaf(c)),
        }
    }

    /// The criteria not met, leniently read: a leaf that is false; under a false `none of`, the
    /// parts that hold; under other groups, their false parts. A branch whose guard is false goes
    /// to `na` (it does not apply).
    fn unmet(&self, n: &Node, out: &mut Vec<String>, na: &mut Vec<String>) {
        if self.node(n, Tv::T) != Tv::F {
            return;
        }
        if n.guard.as_ref().is_some_and(|g| self.cond(g) == Tv::F) {
            na.push(n.full.clone());
            return;
        }
        match &n.body {
            Body::Refer(_) => {}
            Body::Leaf(_) => out.push(n.full.clone()),
            Body::Group(Gk::None, ch) => {
                for c in ch.iter().filter(|c| self.node(c, Tv::T) == Tv::T) {
                    out.push(c.full.clone());
                }
            }
            Body::Group(_, ch) => ch.iter().for_each(|c| self.unmet(c, out, na)),
        }
    }

    /// The dosing limits exceeded: the false leaves, through the false branches that apply (whose
    /// guard is not false); when no branch of a group applies, the branches themselves.
    fn exceeded(&self, n: &Node, out: &mut Vec<String>) {
        match &n.body {
            Body::Leaf(_) => {
                if self.node(n, Tv::T) == Tv::F {
                    out.push(n.full.clone())
                }
            }
            Body::Refer(_) => {}
            Body::Group(_, ch) => {
                let applies = |c: &Node| c.guard.as_ref().is_none_or(|g| self.cond(g) != Tv::F);
                if ch.iter().any(applies) {
                    for c in ch.iter().filter(|c| applies(c)) {
                        if self.node(c, Tv::T) == Tv::F {
                            self.exceeded(c, out);
                        }
                    }
                } else {
                    out.extend(ch.iter().map(|c| c.full.clone()));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------- every completion

/// How many completions [`exact`] tries at most.
pub const EXACT_LIMIT: usize = 1500;

/// What every completion of a request's unstated facts gives.
pub struct Exact {
    /// Each phase's standings over the completions (not applicable and denied for the dosing
    /// counted as denied).
    pub sets: Vec<Vec<Standing>>,
    /// The decision: approve under a phase that approves in every completion, refer under one that
    /// refers in every completion when none approves in any, deny when every completion denies,
    /// else needs_info.
    pub kind: Kind,
    /// needs_info: the facts for which two completions that differ only in that fact give
    /// different kinds of decision. `None` when none does (every completion gives one kind, but
    /// under one phase or another).
    pub missing: Option<Vec<usize>>,
}

/// Every condition of the policy, nested ones included (`d1()` and `meets` expanded).
fn all_conds<'a>(p: &'a Policy, out: &mut Vec<&'a C>) {
    fn c<'a>(p: &'a Policy, x: &'a C, out: &mut Vec<&'a C>) {
        out.push(x);
        match x {
            C::And(cs) | C::Or(cs) => cs.iter().for_each(|y| c(p, y, out)),
            C::Not(y) => c(p, y, out),
            C::Def1 => c(p, &p.def1, out),
            C::Meets(n) => node(p, n, out),
            _ => {}
        }
    }
    fn node<'a>(p: &'a Policy, n: &'a Node, out: &mut Vec<&'a C>) {
        for g in n.guard.iter().chain(&n.only_if) {
            c(p, g, out);
        }
        match &n.body {
            Body::Leaf(x) => c(p, x, out),
            Body::Group(_, ch) => ch.iter().for_each(|y| node(p, y, out)),
            Body::Refer(_) => {}
        }
    }
    for ind in &p.indications {
        if let Some(a) = &ind.applies {
            c(p, a, out);
        }
        for ph in [Some(&ind.initial), ind.reauth.as_ref()]
            .into_iter()
            .flatten()
        {
            node(p, &ph.criteria, out);
            if let Some(d) = &ph.dosing {
                node(p, d, out);
            }
        }
    }
}

/// Days since 0000-03-01 of a `yyyymmdd` date (a civil-calendar day count).
fn days(ymd: i32) -> i64 {
    let (y, m, d) = (ymd as i64 / 10000, ymd as i64 / 100 % 100, ymd as i64 % 100);
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 1
}

/// The `yyyymmdd` date of a day count of [`days`].
fn ymd(n: i64) -> i32 {
    // Search from a year below: fine for the years the generator uses.
    let mut y = n / 366;
    while days(((y + 1) * 10000 + 101) as i32) <= n {
        y += 1;
    }
    let mut m = 1;
    while m < 12 && days((y * 10000 + (m + 1) * 100 + 1) as i32) <= n {
        m += 1;
    }
    let d = n - days((y * 10000 + m * 100 + 1) as i32) + 1;
    (y * 10000 + m * 100 + d) as i32
}

/// The values to try for an unstated fact: one or two of each cell of its domain, as the
/// policy's constants (and those of the facts it is compared with) cut it.
pub fn cells(p: &Policy, req: &Req, fact: usize) -> Vec<V> {
    use rust_decimal::Decimal;
    let mut conds = Vec::new();
    all_conds(p, &mut conds);
    let num = |v: &V| match v {
        V::Num(d) => Some(*d),
        V::Date(d) => Some(Decimal::from(days(*d))),
        _ => None,
    };
    let mut ks: Vec<Decimal> = Vec::new();
    let add = |ks: &mut Vec<Decimal>, d: Decimal| {
        if !ks.contains(&d) {
            ks.push(d)
        }
    };
    let mut partners = Vec::new();
    for c in &conds {
        if let C::CmpFacts { left, right, .. } = c {
            if *left == fact {
                partners.push(*right);
            }
            if *right == fact {
                partners.push(*left);
            }
        }
    }
    for c in &conds {
        if let C::Cmp { fact: f, value, .. } = c {
            if *f == fact || partners.contains(f) {
                if let Some(d) = num(value) {
                    add(&mut ks, d);
                }
            }
        }
    }
    for &o in &partners {
        if let Some(d) = req.values[o].as_ref().and_then(num) {
            add(&mut ks, d);
        }
    }
    match fact {
        FLAG_A | FLAG_B | RECORDS => vec![V::B(true), V::B(false)],
        ROUTE => ROUTES.iter().map(|r| V::Enum(r.to_string())).collect(),
        DIAG => DIAGNOSES.iter().map(|r| V::Enum(r.to_string())).collect(),
        AUTH => ["initial", "reauthorization"]
            .iter()
            .map(|r| V::Enum(r.to_string()))
            .collect(),
        SITES => (0..8)
            .map(|b: usize| {
                V::Set(
                    SITES_VALUES
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| b >> i & 1 == 1)
                        .map(|(_, s)| s.to_string())
                        .collect(),
                )
            })
            .collect(),
        N => {
            let top = ks.iter().copied().max().unwrap_or_default();
            let top = top.floor().to_string().parse::<i64>().unwrap_or(0).max(0) + 2;
            (0..=top).map(|k| V::Num(Decimal::from(k))).collect()
        }
        START | END => {
            if ks.is_empty() {
                ks.push(Decimal::from(days(20200315)));
            }
            ks.sort();
            let mut out: Vec<i64> = Vec::new();
            let int = |d: Decimal| d.to_string().parse::<i64>().unwrap();
            for (i, &k) in ks.iter().enumerate() {
                let k = int(k);
                for x in [k - 2, k - 1, k, k + 1, k + 2] {
                    let below_next = ks.get(i + 1).is_none_or(|&n| x < int(n) || x == k);
                    let above_prev = i == 0 || x > int(ks[i - 1]) || x == k;
                    if below_next && above_prev && !out.contains(&x) {
                        out.push(x);
                    }
                }
            }
            out.into_iter().map(|d| V::Date(ymd(d))).collect()
        }
        SCORE | DOSE | DOSE_MAX | REST => {
            let floor = fact != SCORE;
            if floor {
                add(&mut ks, Decimal::ZERO);
            }
            if ks.is_empty() {
                ks.push(Decimal::ZERO);
            }
            ks.sort();
            let mut out = Vec::new();
            let lo = ks[0];
            out.push(lo - Decimal::ONE);
            out.push(lo - Decimal::TWO);
            for (i, &k) in ks.iter().enumerate() {
                out.push(k);
                let next = ks.get(i + 1).copied().unwrap_or(k + Decimal::from(4));
                // A quarter, a half and three quarters of the way to the next.
                for q in 1..=3 {
                    out.push(k + (next - k) * Decimal::from(q) / Decimal::from(4));
                }
            }
            out.retain(|d| !floor || *d >= Decimal::ZERO);
            out.into_iter().map(|d| V::Num(d.normalize())).collect()
        }
        _ => unreachable!(),
    }
}

/// The facts the request leaves unstated whose value a condition reads (not only `is known` or
/// a condition of approval), with the values to try for each.
pub fn unstated(p: &Policy, req: &Req) -> Vec<(usize, Vec<V>)> {
    let mut conds = Vec::new();
    all_conds(p, &mut conds);
    let mut read = [false; NFACTS];
    for c in conds {
        match c {
            C::Flag { fact, .. }
            | C::FlagNo { fact, .. }
            | C::EnumIn { fact, .. }
            | C::SetHas { fact, .. } => read[*fact] = true,
            C::Cmp { fact, coa, .. } => read[*fact] |= !coa,
            C::CmpFacts { left, right, .. } => {
                read[*left] = true;
                read[*right] = true;
            }
            C::OnRoute(_) => read[ROUTE] = true,
            _ => {}
        }
    }
    // The phases of an indication with reauthorization criteria are told apart by `authorization`.
    read[AUTH] = p.indications.iter().any(|i| i.reauth.is_some());
    (0..NFACTS)
        .filter(|&f| read[f] && req.values[f].is_none())
        .map(|f| (f, cells(p, req, f)))
        .collect()
}

/// The kind of decision of a completion, from its phases' standings.
fn kind_of(st: &[Standing]) -> Kind {
    if st.contains(&Standing::Approve) {
        Kind::Approve
    } else if st.contains(&Standing::Refer) {
        Kind::Refer
    } else {
        Kind::Deny
    }
}

/// How many completions the unstated facts `free` have; `None` past [`EXACT_LIMIT`] (or
/// `ORACLE_EXACT_LIMIT`).
fn completion_count(free: &[(usize, Vec<V>)]) -> Option<usize> {
    let limit = std::env::var("ORACLE_EXACT_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(EXACT_LIMIT);
    let mut total: usize = 1;
    for (_, vs) in free {
        total = total.checked_mul(vs.len())?;
        if total > limit {
            return None;
        }
    }
    Some(total)
}

/// Completion number `idx` of the unstated facts `free`, written into `done`.
fn complete(free: &[(usize, Vec<V>)], idx: usize, done: &mut Req) {
    let mut rest = idx;
    for (f, vs) in free {
        done.values[*f] = Some(vs[rest % vs.len()].clone());
        rest /= vs.len();
    }
}

/// Every completion of the request's unstated facts, each decided (as a completion of `req`);
/// `None` when they are too many.
pub fn completed_decisions(p: &Policy, req: &Req) -> Option<Vec<RefDecision>> {
    let free = unstated(p, req);
    let total = completion_count(&free)?;
    let mut done = req.clone();
    Some(
        (0..total)
            .map(|idx| {
                complete(&free, idx, &mut done);
                decide_sent(p, &done, req)
            })
            .collect(),
    )
}

/// Every completion of the request's unstated facts, tried one by one: `None` if there are more
/// than [`EXACT_LIMIT`].
pub fn exact(p: &Policy, req: &Req) -> Option<Exact> {
    let free = unstated(p, req);
    let total = completion_count(&free)?;
    let us = units(p);
    let mut sets: Vec<Vec<Standing>> = vec![Vec::new(); us.len()];
    let mut kinds = Vec::with_capacity(total);
    let mut done = req.clone();
    for idx in 0..total {
        complete(&free, idx, &mut done);
        let r = Ref {
            policy: p,
            req: &done,
            sent: req,
        };
        let st: Vec<Standing> = us
            .iter()
            .map(|u| match standing(&r.facts(u), p.outside_dosing) {
                Standing::NotApplicable | Standing::DeniedDosing => Standing::Denied,
                Standing::Unknown => panic!(
                    "a completion leaves phase {} unknown: {:?}\n{}",
                    u.label,
                    done.values,
                    render_policy(p)
                ),
                s => s,
            })
            .collect();
        for (set, s) in sets.iter_mut().zip(&st) {
            if !set.contains(s) {
                set.push(*s);
            }
        }
        kinds.push(kind_of(&st));
    }
    let sure = |s: Standing| sets.iter().any(|x| x[..] == [s]);
    let kind = if sure(Standing::Approve) {
        Kind::Approve
    } else if !kinds.contains(&Kind::Approve) && sure(Standing::Refer) {
        Kind::Refer
    } else if kinds.iter().all(|&k| k == Kind::Deny) {
        Kind::Deny
    } else {
        Kind::NeedsInfo
    };
    let missing = (kind == Kind::NeedsInfo).then(|| {
        let mut stride = 1;
        let mut out = Vec::new();
        for (f, vs) in &free {
            let n = vs.len();
            // Completions that differ only in this fact: the same index but for its digit.
            let differs = (0..total)
                .filter(|i| i / stride % n == 0)
                .any(|i| (1..n).any(|k| kinds[i + k * stride] != kinds[i]));
            if differs {
                out.push(*f);
            }
            stride *= n;
        }
        out
    });
    let missing = missing.filter(|m| !m.is_empty());
    Some(Exact {
        sets,
        kind,
        missing,
    })
}
