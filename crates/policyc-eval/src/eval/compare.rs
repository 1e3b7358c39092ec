//! Which requests two versions of a policy decide differently ([`changes`]): the regions of the
//! request space where the decisions differ, each with its transition and a witness request.
//!
//! The space is the product, over the facts of both versions (matched by name), of each fact's
//! cells ([`super::cells`], cut by the constants of both versions) and "not stated". A fact only
//! one version has is not asked by the other (its requests leave it out). What counts as a
//! different decision: another kind (`deny` → `approve`), or, for two approvals, another
//! indication or approval duration.
//!
//! The search never enumerates the whole product. It gives values to one fact at a time, depth
//! first, and stops below a partial assignment (the other facts still *open*, stated or not)
//!
//! - where the two versions are the same function of the open facts: each indication, with the
//!   parts already settled replaced by their values and the parts that cannot change the decision
//!   (an indication denied whatever the open facts are, a criterion that holds inside `all of`)
//!   left out, reads alike in both (then no request below decides differently);
//! - where no unknown part of either version reads an open fact (then each version decides every
//!   request below alike: one region, if the two decisions differ).
//!
//! Facts the differing parts read are given values first, so facts that only the parts both
//! versions share read multiply nothing where the versions agree. A fact's values are tried by
//! class: the cells that give every condition still unknown on it the same value are one branch.
//! Regions that differ only in one fact's condition and have the same transition are merged.
//!
//! Where this is not exact (two facts compared with each other, a fact computed from facts the
//! policy also reads, a fact whose type differs between the versions, a fact with more constants
//! than cells are worked out for, a search past its budget), it says so, and the regions are found
//! by sampling random requests instead ([`Options::samples`], [`Options::seed`]).

mod text;

use super::cells::{for_each_cell_of, leaves_cond, leaves_node, Cells, Of};
use super::logic::{
    cond_in, decide_in, node_pair, possible, values, Combined, Facts, Scope, Tv, APPROVE, DENY,
};
use super::observe::NoObserver;
use super::DecisionKind;
use crate::request::{bind_json, Value};
use policyc_ir::ir::{Calc, Cond, FactType, Node, NodeBody, Program};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::{HashMap, HashSet};

/// How the comparison runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many regions are kept with their conditions and witnesses (the rest are counted).
    pub max_regions: usize,
    /// How many random requests are decided when the comparison cannot be exact.
    pub samples: u32,
    /// The seed of those random requests.
    pub seed: u64,
    /// How many partial assignments the exact search visits at most before it falls back to
    /// sampling.
    pub budget: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_regions: 50,
            samples: 20_000,
            seed: 1,
            budget: 200_000,
        }
    }
}

/// How a version decides, as far as a change counts: the kind, and for an approval the
/// indication and the approval duration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Decided {
    /// The decision.
    pub decision: DecisionKind,
    /// For an approval: the indication's label.
    pub indication: Option<String>,
    /// For an approval: the indication's title.
    pub title: Option<String>,
    /// For an approval: the approval duration (`1 year`).
    pub duration: Option<String>,
}

impl Decided {
    /// `approve (1 Cutaneous Melanoma, 1 year)`, `deny`.
    pub fn words(&self) -> String {
        match (&self.indication, &self.duration) {
            (Some(i), Some(d)) => format!(
                "{} ({i} {}, {d})",
                self.decision.as_str(),
                self.title.as_deref().unwrap_or("")
            ),
            _ => self.decision.as_str().to_string(),
        }
    }
}

/// A fact's condition in a region: `body_weight in [40 kg, 150 kg)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactCondition {
    /// The fact.
    pub fact: String,
    /// Its condition, in words, starting with the fact's name.
    pub condition: String,
}

/// A concrete request of a region: the facts each version is asked (a fact only one version
/// has is left out of the other's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Witness {
    /// The request's facts for the old version, as a request's `facts` object.
    pub old: Map<String, Json>,
    /// The request's facts for the new version.
    pub new: Map<String, Json>,
    /// Whether binding and deciding the two requests gave the region's transition.
    pub confirmed: bool,
}

/// A region of requests that the two versions decide differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// How the old version decides every request of the region.
    pub from: Decided,
    /// How the new version decides them.
    pub to: Decided,
    /// The region: a condition per fact (a fact not named may be anything, stated or not). For
    /// a sampled comparison, the one request's values.
    pub conditions: Vec<FactCondition>,
    /// One request of the region.
    pub witness: Witness,
    /// For [`Region::contains`]: each fact the region holds to some cells, with one value of
    /// each of those cells (`None`: not stated).
    #[serde(skip)]
    pub members: Vec<(String, Vec<Option<Value>>)>,
}

impl Region {
    /// Whether a request (bound to each version: `old_values`, `new_values`, by slot) is in the
    /// region: for each fact it holds, the request's value is in one of its cells (every
    /// condition of both versions on the fact reads it as it reads one of the cells' values).
    pub fn contains<'p>(
        &self,
        old: &'p Program,
        new: &'p Program,
        old_values: &[Option<Value>],
        new_values: &[Option<Value>],
    ) -> bool {
        let sides = [(old, old_values), (new, new_values)];
        self.members.iter().all(|(name, cells)| {
            let mut value = None;
            let mut reads: Vec<(u32, &'p Cond)> = Vec::new();
            for (p, vals) in sides {
                if let Some(slot) = p.facts.iter().position(|f| &f.name == name) {
                    value = vals.get(slot).copied().flatten();
                    let mut add = |c: &'p Cond| {
                        let mut v = Vec::new();
                        super::words::facts_of(c, &mut v);
                        if v.contains(&(slot as u32)) {
                            reads.push((slot as u32, c));
                        }
                    };
                    for ind in &p.indications {
                        if let Some(a) = &ind.applies {
                            leaves_cond(a, &mut add);
                        }
                        leaves_node(&ind.criteria, &mut add);
                        if let Some(d) = &ind.dosing {
                            leaves_node(d, &mut add);
                        }
                    }
                }
            }
            let profile = |v: Option<Value>| -> Vec<Tv> {
                reads
                    .iter()
                    .map(|(slot, c)| {
                        cond_in(
                            c,
                            &One {
                                slot: *slot,
                                value: v,
                            },
                        )
                    })
                    .collect()
            };
            let want = profile(value);
            cells
                .iter()
                .any(|c| c.is_none() == value.is_none() && profile(*c) == want)
        })
    }
}

/// How `p` decides the bound request `r`, as far as a change counts.
pub fn decided(p: &Program, r: &crate::request::Request) -> Decided {
    let o = super::decide(p, r);
    decided_of(p, o.kind, o.indication)
}

/// How the regions were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Over every cell of every fact: every request that decides differently is in a region.
    Exact,
    /// By deciding random requests: the regions are the requests found.
    Sampled,
}

/// Which requests two versions decide differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// No request found decides differently (for an exact comparison: the two versions decide
    /// every request alike).
    pub alike: bool,
    /// How the regions were found.
    pub method: Method,
    /// Why the comparison is not exact, or holds only for requests that leave a fact out (empty
    /// when it is exact).
    pub not_exact: Vec<String>,
    /// For a sampled comparison: how many random requests were decided.
    pub samples: Option<u32>,
    /// For a sampled comparison: the seed.
    pub seed: Option<u64>,
    /// How many regions there are (for a sampled comparison: distinct requests found).
    pub region_count: usize,
    /// How many regions there are for each transition, largest first.
    pub transitions: Vec<TransitionCount>,
    /// The first [`Options::max_regions`] regions, largest transition first.
    pub regions: Vec<Region>,
}

/// How many regions have one transition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionCount {
    /// The old version's decision.
    pub from: Decided,
    /// The new version's decision.
    pub to: Decided,
    /// How many regions.
    pub regions: usize,
}

// ------------------------------------------------------------------------ the facts of both

/// A fact of one or both versions.
struct Joint {
    name: String,
    /// Its slot in the old and in the new version.
    slot: [Option<u32>; 2],
    /// One value of each cell (both versions' constants); empty when not usable.
    cells: Vec<Value>,
    /// Given values in the search (false: held unknown, the reason in `not_exact`).
    usable: bool,
}

/// A set of a fact's cells, bit `cells.len()` for "not stated".
type Bits = Vec<u64>;

fn bits(n: usize) -> Bits {
    vec![0; n / 64 + 1]
}
fn set(b: &mut Bits, i: usize) {
    b[i / 64] |= 1 << (i % 64);
}
fn has(b: &Bits, i: usize) -> bool {
    b[i / 64] >> (i % 64) & 1 == 1
}

/// Two facts declared alike enough to give one value to both: the same kind, dimension,
/// enumeration values.
fn same_type(a: &Program, x: u32, b: &Program, y: u32) -> bool {
    let (fa, fb) = (&a.facts[x as usize], &b.facts[y as usize]);
    let same_enum = |i: u32, j: u32| match (a.enums.get(i as usize), b.enums.get(j as usize)) {
        (Some(e), Some(f)) => {
            e.open == f.open
                && e.values.len() == f.values.len()
                && e.values
                    .iter()
                    .zip(&f.values)
                    .all(|(v, w)| v.name == w.name)
        }
        _ => false,
    };
    match (&fa.ty, &fb.ty) {
        (FactType::Quantity { unit: u, .. }, FactType::Quantity { unit: v, .. }) => u.dim == v.dim,
        (FactType::Enum { enum_index: i }, FactType::Enum { enum_index: j })
        | (FactType::Set { enum_index: i }, FactType::Set { enum_index: j }) => same_enum(*i, *j),
        (x, y) => std::mem::discriminant(x) == std::mem::discriminant(y),
    }
}

/// The slots every condition of `p` reads.
fn read_slots(p: &Program) -> HashSet<u32> {
    let mut out = HashSet::new();
    let mut add = |c: &Cond| {
        let mut v = Vec::new();
        super::words::facts_of(c, &mut v);
        out.extend(v);
    };
    for ind in &p.indications {
        if let Some(a) = &ind.applies {
            leaves_cond(a, &mut add);
        }
        leaves_node(&ind.criteria, &mut add);
        if let Some(d) = &ind.dosing {
            leaves_node(d, &mut add);
        }
    }
    out
}

fn has_compare_facts(p: &Program) -> bool {
    let mut found = false;
    let mut see = |c: &Cond| found |= matches!(c, Cond::CompareFacts { .. });
    for ind in &p.indications {
        if let Some(a) = &ind.applies {
            leaves_cond(a, &mut see);
        }
        leaves_node(&ind.criteria, &mut see);
        if let Some(d) = &ind.dosing {
            leaves_node(d, &mut see);
        }
    }
    found
}

fn calc_inputs(c: &Calc, out: &mut Vec<u32>, dated: &mut bool) {
    match c {
        Calc::Fact { fact } => out.push(*fact),
        Calc::Arith { left, right, .. } => {
            calc_inputs(left, out, dated);
            calc_inputs(right, out, dated);
        }
        Calc::AgeInYears { date } => calc_inputs(date, out, dated),
        Calc::BsaMosteller { height, weight } => {
            calc_inputs(height, out, dated);
            calc_inputs(weight, out, dated);
        }
        Calc::DateOfService => *dated = true,
        Calc::Number { .. } | Calc::Date { .. } => {}
    }
}

/// Why comparing `p` over its facts' cells is not exact: a computed fact read by a condition
/// whose inputs (or theirs) a condition reads too, or one computed from the date of service.
fn derived_problems(p: &Program, read: &HashSet<u32>, out: &mut Vec<String>) {
    for &slot in read {
        let Some(calc) = p.facts.get(slot as usize).and_then(|f| f.derived.as_ref()) else {
            continue;
        };
        let (mut inputs, mut dated) = (Vec::new(), false);
        calc_inputs(calc, &mut inputs, &mut dated);
        let mut k = 0;
        while k < inputs.len() {
            if let Some(c) = p
                .facts
                .get(inputs[k] as usize)
                .and_then(|f| f.derived.as_ref())
            {
                calc_inputs(c, &mut inputs, &mut dated);
            }
            k += 1;
            if k > 256 {
                break;
            }
        }
        let name = &p.facts[slot as usize].name;
        if dated {
            out.push(format!(
                "`{name}` is computed from the date of service: requests are compared with it left out"
            ));
        }
        if let Some(&i) = inputs.iter().find(|i| read.contains(i)) {
            out.push(format!(
                "`{name}` is computed from `{}`, which a condition reads too (a formula over two facts)",
                p.facts[i as usize].name
            ));
        }
    }
}

// ------------------------------------------------------------------------ the search

/// The request being built: each version's slots, which facts it states (a completion being
/// tried gives values to facts it does not state), and which facts are still open.
struct At<'v> {
    v: &'v [Option<Value>],
    stated: &'v [Option<Value>],
    open: &'v [bool],
}

impl Facts for At<'_> {
    fn value(&self, slot: u32) -> Option<Value> {
        self.v[slot as usize]
    }
    fn stated(&self, slot: u32) -> bool {
        self.stated[slot as usize].is_some()
    }
    fn open(&self, slot: u32) -> bool {
        self.open[slot as usize]
    }
}

/// One fact given (or not given) a value, for a condition on it alone.
struct One {
    slot: u32,
    value: Option<Value>,
}

impl Facts for One {
    fn value(&self, slot: u32) -> Option<Value> {
        if slot == self.slot {
            self.value
        } else {
            None
        }
    }
    fn stated(&self, slot: u32) -> bool {
        slot == self.slot && self.value.is_some()
    }
}

// Tokens of a version's residue (what is left of it below a partial assignment).
const T_TRUE: u32 = 1;
const T_FALSE: u32 = 2;
const T_UNKNOWN: u32 = 3;
const T_ALL: u32 = 4;
const T_ANY: u32 = 5;
const T_NOT: u32 = 6;
const T_END: u32 = 7;
const T_NODE: u32 = 8;
const T_REFER: u32 = 9;
const T_GROUP: u32 = 10;
const T_INDICATION: u32 = 11;
const T_NO_DOSING: u32 = 12;
const FIRST_ID: u32 = 32;

fn tv_token(t: Tv) -> u32 {
    match t {
        Tv::True => T_TRUE,
        Tv::False => T_FALSE,
        Tv::Unknown => T_UNKNOWN,
    }
}

/// How many completions [`Search::must`] tries for one indication.
const MUST_BUDGET: u32 = 2_000;

/// What is left of one indication of a version below a partial assignment.
struct Residue {
    /// The indication's index.
    index: usize,
    /// Its parts: settled ones by value, the rest by meaning.
    tokens: Vec<u32>,
    /// The standings some request below may reach (a superset).
    may: u8,
    /// Sets of standings each of which every request below reaches one of.
    must: Vec<u8>,
}

/// An open fact an unknown condition reads: the fact, the condition's meaning, the version.
#[derive(Clone, Copy)]
struct Read<'a> {
    joint: usize,
    id: u32,
    side: usize,
    leaf: &'a Cond,
}

struct Search<'a> {
    p: [&'a Program; 2],
    /// Each version's slot's fact in `facts`.
    joint_of: [Vec<Option<usize>>; 2],
    facts: Vec<Joint>,
    /// The meaning of each leaf condition, by address: the same id in both versions for the same
    /// meaning.
    ids: HashMap<usize, u32>,
    /// Each version's indications' label and duration, as ids.
    names: [Vec<(u32, u32)>; 2],
    vals: [Vec<Option<Value>>; 2],
    open: [Vec<bool>; 2],
    /// The cells each fact is held to in the current partial assignment.
    held: Vec<Option<Bits>>,
    regions: Vec<(Decided, Decided, Vec<Option<Bits>>)>,
    visited: u32,
    budget: u32,
}

impl<'a> Search<'a> {
    fn at(&self, k: usize) -> At<'_> {
        At {
            v: &self.vals[k],
            stated: &self.vals[k],
            open: &self.open[k],
        }
    }

    /// The residue of version `k` below the current assignment, and the open facts its unknown
    /// parts read.
    fn residue(&self, k: usize, reads: &mut Vec<Read<'a>>) -> Vec<Residue> {
        let p = self.p[k];
        let f = self.at(k);
        let refers = p.policy.outside_dosing.is_some();
        let mut all = Vec::new();
        for (i, ind) in p.indications.iter().enumerate() {
            let v = values(ind, &f, &mut NoObserver);
            let may = possible(v, refers);
            if may == DENY {
                continue;
            }
            let mut out = vec![u32::from(refers)];
            let (label, duration) = self.names[k][i];
            out.extend([T_INDICATION, label, duration]);
            match (&ind.applies, v.applies) {
                (Some(a), Tv::Unknown) => self.res_cond(k, a, &f, &mut out, reads, &mut |_| {}),
                (_, t) => out.push(tv_token(t)),
            }
            self.res_node(k, &ind.criteria, &f, &mut out, reads, &mut |_| {});
            if v.criteria.l != Tv::False {
                match &ind.dosing {
                    Some(d) => self.res_node(k, d, &f, &mut out, reads, &mut |_| {}),
                    None => out.push(T_NO_DOSING),
                }
            }
            out.push(T_END);
            let mut must = Vec::new();
            if may.count_ones() == 1 {
                must.push(may);
            } else {
                let mut scratch = self.vals[k].clone();
                let mut budget = MUST_BUDGET;
                self.must(k, i, &mut scratch, 0, &mut budget, &mut must);
            }
            all.push(Residue {
                index: i,
                tokens: out,
                may,
                must,
            });
        }
        all
    }

    /// Standings indication `i` of version `k` reaches in every request below the current
    /// assignment: those a completion of the facts it leaves unstated (not the open ones) settles
    /// whatever the open facts are.
    fn must(
        &self,
        k: usize,
        i: usize,
        v: &mut Vec<Option<Value>>,
        depth: u32,
        budget: &mut u32,
        out: &mut Vec<u8>,
    ) {
        let p = self.p[k];
        let refers = p.policy.outside_dosing.is_some();
        let ind = &p.indications[i];
        let f = At {
            v,
            stated: &self.vals[k],
            open: &self.open[k],
        };
        let set = possible(values(ind, &f, &mut NoObserver), refers);
        let mut found = |x: u8| {
            if !out.contains(&x) {
                out.push(x);
            }
        };
        if set.count_ones() == 1 {
            return found(set);
        }
        if depth >= 16 || *budget == 0 {
            return;
        }
        let mut reads = Vec::new();
        let mut unstated = None;
        let mut probe = |c: &'a Cond| {
            if unstated.is_some() {
                return;
            }
            let mut slots = Vec::new();
            super::words::facts_of(c, &mut slots);
            unstated = slots
                .into_iter()
                .find(|&s| f.v[s as usize].is_none() && !f.open[s as usize]);
        };
        let mut toks = Vec::new();
        if let Some(a) = &ind.applies {
            self.res_cond(k, a, &f, &mut toks, &mut reads, &mut probe);
        }
        self.res_node(k, &ind.criteria, &f, &mut toks, &mut reads, &mut probe);
        if let Some(d) = &ind.dosing {
            self.res_node(k, d, &f, &mut toks, &mut reads, &mut probe);
        }
        let Some(slot) = unstated else {
            return found(set);
        };
        let mut cells = Vec::new();
        let of = [Of {
            p,
            only: Some(i),
            slot,
            f: &self.vals[k][..],
        }];
        if for_each_cell_of(&of, &mut |x| {
            cells.push(x);
            true
        }) == Cells::Unsupported
        {
            return;
        }
        for x in cells {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            v[slot as usize] = Some(x);
            self.must(k, i, v, depth + 1, budget, out);
            v[slot as usize] = None;
        }
    }

    fn res_cond(
        &self,
        k: usize,
        c: &'a Cond,
        f: &At<'_>,
        out: &mut Vec<u32>,
        reads: &mut Vec<Read<'a>>,
        probe: &mut dyn FnMut(&'a Cond),
    ) {
        let t = cond_in(c, f);
        if t != Tv::Unknown {
            out.push(tv_token(t));
            return;
        }
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                let (open, skip) = if matches!(c, Cond::All { .. }) {
                    (T_ALL, Tv::True)
                } else {
                    (T_ANY, Tv::False)
                };
                out.push(open);
                for x in v {
                    if cond_in(x, f) != skip {
                        self.res_cond(k, x, f, out, reads, probe);
                    }
                }
                out.push(T_END);
            }
            Cond::Not { not } => {
                out.push(T_NOT);
                self.res_cond(k, not, f, out, reads, probe);
            }
            leaf => {
                probe(leaf);
                let id = self
                    .ids
                    .get(&(leaf as *const Cond as usize))
                    .copied()
                    .unwrap_or(0);
                out.push(id);
                let mut slots = Vec::new();
                super::words::facts_of(leaf, &mut slots);
                for s in slots {
                    if f.open(s) {
                        if let Some(j) = self.joint_of[k][s as usize] {
                            reads.push(Read {
                                joint: j,
                                id,
                                side: k,
                                leaf,
                            });
                        }
                    }
                }
            }
        }
    }

    fn res_node(
        &self,
        k: usize,
        n: &'a Node,
        f: &At<'_>,
        out: &mut Vec<u32>,
        reads: &mut Vec<Read<'a>>,
        probe: &mut dyn FnMut(&'a Cond),
    ) {
        let (s, l) = node_pair(n, f, &mut NoObserver);
        if s != Tv::Unknown && l != Tv::Unknown {
            out.extend([tv_token(s), tv_token(l)]);
            return;
        }
        out.push(T_NODE);
        if let Some(g) = &n.guard {
            self.res_cond(k, g, f, out, reads, probe);
        }
        if let Some(g) = &n.only_if {
            if cond_in(g, f) == Tv::False {
                out.extend([T_FALSE, T_END]);
                return;
            }
            self.res_cond(k, g, f, out, reads, probe);
        }
        match &n.body {
            NodeBody::Condition { condition } => self.res_cond(k, condition, f, out, reads, probe),
            NodeBody::Referral { .. } => out.push(T_REFER),
            NodeBody::Group { of, children } => {
                out.extend([T_GROUP, *of as u32]);
                for c in children {
                    let (cs, cl) = node_pair(c, f, &mut NoObserver);
                    let neutral = match of {
                        policyc_syntax::ast::GroupKind::AllOf => cs == Tv::True && cl == Tv::True,
                        policyc_syntax::ast::GroupKind::OneOf => cs == Tv::False && cl == Tv::False,
                        policyc_syntax::ast::GroupKind::NoneOf => cl == Tv::False,
                    };
                    if !neutral {
                        self.res_node(k, c, f, out, reads, probe);
                    }
                }
            }
        }
        out.push(T_END);
    }

    fn decided(&self, k: usize) -> Decided {
        let p = self.p[k];
        let mut budget = super::logic::SEARCH_BUDGET;
        let o = decide_in(p, Scope::of(&self.vals[k]), &mut budget);
        decided_of(p, o.kind, o.indication)
    }

    /// Give `x` the value `v` (`None`: not stated) in both versions, or open it again.
    fn assign(&mut self, x: usize, v: Option<Value>, open: bool) {
        for k in 0..2 {
            if let Some(s) = self.facts[x].slot[k] {
                self.vals[k][s as usize] = v;
                self.open[k][s as usize] = open;
            }
        }
    }

    /// Search below the current assignment. `false`: out of budget.
    fn explore(&mut self) -> bool {
        self.visited += 1;
        if self.visited > self.budget {
            return false;
        }
        let (mut r0, mut r1) = (Vec::new(), Vec::new());
        let t0 = self.residue(0, &mut r0);
        let t1 = self.residue(1, &mut r1);
        let same = |a: &[Residue], b: &[Residue]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.tokens == y.tokens)
        };
        if same(&t0, &t1) {
            return true;
        }
        let varies = match self.settled(&t0, &t1) {
            Settled::Same => return true,
            Settled::Differ(a, b) => {
                self.regions.push((a, b, self.held.clone()));
                return true;
            }
            Settled::Open(varies) => varies,
        };
        // Where one version decides every request below alike, only the other's facts matter.
        if varies == [false, true] {
            r0.clear();
        } else if varies == [true, false] {
            r1.clear();
        }
        // A fact one version reads and the other does not, first.
        let first_diff = r0
            .iter()
            .find(|r| !r1.iter().any(|o| o.joint == r.joint))
            .or_else(|| r1.iter().find(|r| !r0.iter().any(|o| o.joint == r.joint)))
            .map(|r| r.joint);
        if r0.is_empty() && r1.is_empty() {
            let (a, b) = (self.decided(0), self.decided(1));
            if a != b {
                self.regions.push((a, b, self.held.clone()));
            }
            return true;
        }
        // Then a fact an indication that is not the same in both reads, in the order it reads
        // them (what it applies to, its criteria, its dosing).
        let shared: HashSet<&[u32]> = t0
            .iter()
            .filter(|x| t1.iter().any(|y| y.tokens == x.tokens))
            .map(|x| x.tokens.as_slice())
            .collect();
        let in_differing = |r: &Read<'_>, t: &[Residue]| {
            t.iter()
                .any(|x| !shared.contains(x.tokens.as_slice()) && x.tokens.contains(&r.id))
        };
        let x = first_diff
            .or_else(|| r1.iter().find(|r| in_differing(r, &t1)).map(|r| r.joint))
            .or_else(|| r0.iter().find(|r| in_differing(r, &t0)).map(|r| r.joint))
            .or(r0.first().map(|r| r.joint))
            .or(r1.first().map(|r| r.joint));
        let Some(x) = x else { return true };
        let leaves: Vec<Read<'a>> = r0
            .iter()
            .chain(&r1)
            .filter(|r| r.joint == x)
            .copied()
            .collect();
        let ncells = self.facts[x].cells.len();
        // The classes of the fact's values: the same value for every unknown condition on it.
        let mut classes: Vec<(Vec<Tv>, Option<Value>, Bits)> = Vec::new();
        for c in 0..=ncells {
            let v = self.facts[x].cells.get(c).copied();
            let profile: Vec<Tv> = leaves
                .iter()
                .map(|r| {
                    let slot = self.facts[x].slot[r.side].unwrap_or(0);
                    cond_in(r.leaf, &One { slot, value: v })
                })
                .collect();
            match classes.iter_mut().find(|(p, _, _)| *p == profile) {
                Some((_, _, b)) => set(b, c),
                None => {
                    let mut b = bits(ncells);
                    set(&mut b, c);
                    classes.push((profile, v, b));
                }
            }
        }
        for (_, v, b) in classes {
            self.assign(x, v, false);
            self.held[x] = Some(b);
            let ok = self.explore();
            self.held[x] = None;
            self.assign(x, None, true);
            if !ok {
                return false;
            }
        }
        true
    }
}

/// What the indications' possible standings make of the two decisions below the current
/// assignment.
enum Settled {
    /// Every request decides alike.
    Same,
    /// Every request decides these two ways.
    Differ(Decided, Decided),
    /// It depends; on which versions' facts (whether each version's decision may vary).
    Open([bool; 2]),
}

impl Search<'_> {
    /// Whether the indications' standings, each some set between those every request below
    /// reaches and those any may reach (an indication the same in both versions the same set in
    /// both), settle the two decisions.
    fn settled(&self, t0: &[Residue], t1: &[Residue]) -> Settled {
        // Each distinct indication: its range, and where it is in each version.
        let mut entries: Vec<(&[u8], u8, [Option<usize>; 2])> = Vec::new();
        for (k, t) in [(0usize, t0), (1, t1)] {
            for (pos, r) in t.iter().enumerate() {
                let found = if k == 1 {
                    entries.iter().position(|e| {
                        e.2[0].is_some_and(|q| t0[q].tokens == r.tokens && e.2[1].is_none())
                    })
                } else {
                    None
                };
                match found {
                    Some(e) => entries[e].2[1] = Some(pos),
                    None => {
                        let mut at = [None, None];
                        at[k] = Some(pos);
                        entries.push((&r.must, r.may, at));
                    }
                }
            }
        }
        let mut choice = vec![0u8; entries.len()];
        let mut seen: [Option<Decided>; 2] = [None, None];
        let mut varies = [false, false];
        self.tuples(t0, t1, &entries, &mut choice, 0, &mut seen, &mut varies);
        match (varies, seen) {
            ([false, false], [Some(a), Some(b)]) if a == b => Settled::Same,
            ([false, false], [Some(a), Some(b)]) => Settled::Differ(a, b),
            (v, _) if v != [false, false] => Settled::Open(v),
            _ => Settled::Open([true, true]),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn tuples(
        &self,
        t0: &[Residue],
        t1: &[Residue],
        entries: &[(&[u8], u8, [Option<usize>; 2])],
        choice: &mut Vec<u8>,
        at: usize,
        seen: &mut [Option<Decided>; 2],
        varies: &mut [bool; 2],
    ) {
        if *varies == [true, true] {
            return;
        }
        if at == entries.len() {
            let mut d = [None, None];
            for (k, t) in [(0usize, t0), (1, t1)] {
                let mut all = Combined::NONE;
                let mut out = None;
                for (pos, r) in t.iter().enumerate() {
                    let e = entries
                        .iter()
                        .position(|e| e.2[k] == Some(pos))
                        .unwrap_or(0);
                    let set = choice[e];
                    if set == APPROVE {
                        out = Some(decided_of(self.p[k], DecisionKind::Approve, Some(r.index)));
                        break;
                    }
                    all.add(r.index, set);
                }
                d[k] = Some(out.unwrap_or_else(|| {
                    let o = all.outcome();
                    decided_of(self.p[k], o.kind, o.indication)
                }));
            }
            for (k, x) in d.into_iter().enumerate() {
                match (&seen[k], x) {
                    (None, x) => seen[k] = x,
                    (Some(y), Some(x)) if *y != x => varies[k] = true,
                    _ => {}
                }
            }
            return;
        }
        let (must, may, _) = entries[at];
        for set in 1..8u8 {
            if set & !may != 0 || must.iter().any(|&x| x & set == 0) {
                continue;
            }
            choice[at] = set;
            self.tuples(t0, t1, entries, choice, at + 1, seen, varies);
            if *varies == [true, true] {
                return;
            }
        }
    }
}

fn decided_of(p: &Program, kind: DecisionKind, indication: Option<usize>) -> Decided {
    let ind = indication
        .filter(|_| kind == DecisionKind::Approve)
        .and_then(|i| p.indications.get(i));
    Decided {
        decision: kind,
        indication: ind.map(|i| i.label.clone()),
        title: ind.map(|i| i.title.clone()),
        duration: ind.map(|i| i.duration.text()),
    }
}

/// A leaf condition's meaning, with facts by name.
fn leaf_key(p: &Program, c: &Cond) -> String {
    let name = |s: &u32| p.facts.get(*s as usize).map_or("?", |f| f.name.as_str());
    match c {
        Cond::IsTrue { fact } => format!("t {}", name(fact)),
        Cond::Known { fact } => format!("k {}", name(fact)),
        Cond::EnumIn { fact, mask, .. } => format!("e {} {mask}", name(fact)),
        Cond::SetHas {
            fact, quant, mask, ..
        } => format!("s {} {quant:?} {mask}", name(fact)),
        Cond::Compare {
            fact,
            op,
            limit,
            condition,
        } => format!("c {} {op:?} {:?} {condition}", name(fact), limit.value),
        Cond::CompareFacts { left, op, right } => {
            format!("f {} {op:?} {}", name(left), name(right))
        }
        other => format!("{other:?}"),
    }
}

/// Which requests `old` and `new` decide differently (see the module's documentation).
pub fn changes(old: &Program, new: &Program, opts: &Options) -> Changes {
    let p = [old, new];
    let mut not_exact = Vec::new();
    // The facts of both, by name, in the new version's order, then the old's.
    let mut facts: Vec<Joint> = Vec::new();
    let mut joint_of: [Vec<Option<usize>>; 2] =
        [vec![None; old.facts.len()], vec![None; new.facts.len()]];
    for k in [1, 0] {
        for (s, f) in p[k].facts.iter().enumerate() {
            let j = match facts.iter().position(|x| x.name == f.name) {
                Some(j) => j,
                None => {
                    facts.push(Joint {
                        name: f.name.clone(),
                        slot: [None, None],
                        cells: Vec::new(),
                        usable: true,
                    });
                    facts.len() - 1
                }
            };
            facts[j].slot[k] = Some(s as u32);
            joint_of[k][s] = Some(j);
        }
    }
    let read = [read_slots(old), read_slots(new)];
    let mut sampling = false;
    for k in 0..2 {
        derived_problems(p[k], &read[k], &mut not_exact);
    }
    if has_compare_facts(old) || has_compare_facts(new) {
        not_exact.push("a condition compares two facts with each other".into());
    }
    sampling |= !not_exact.is_empty();
    let empty: [Vec<Option<Value>>; 2] = [vec![None; old.facts.len()], vec![None; new.facts.len()]];
    for j in &mut facts {
        let is_read = (0..2).any(|k| j.slot[k].is_some_and(|s| read[k].contains(&s)));
        if let [Some(a), Some(b)] = j.slot {
            if !same_type(old, a, new, b) {
                j.usable = false;
                if is_read {
                    not_exact.push(format!(
                        "`{}` has another type in each version: only requests that leave it out are compared",
                        j.name
                    ));
                }
                continue;
            }
        }
        if !is_read {
            continue;
        }
        let of: Vec<Of<'_, [Option<Value>]>> = (0..2)
            .filter_map(|k| {
                j.slot[k].map(|slot| Of {
                    p: p[k],
                    only: None,
                    slot,
                    f: &empty[k][..],
                })
            })
            .collect();
        let mut cells = Vec::new();
        if for_each_cell_of(&of, &mut |v| {
            cells.push(v);
            true
        }) == Cells::Unsupported
        {
            not_exact.push(format!(
                "`{}` is compared with more constants (or names more values) than its cells are worked out for",
                j.name
            ));
            sampling = true;
            cells = text::sample_values(&of);
        }
        j.cells = cells;
    }
    // The meaning of every leaf condition of both, by address.
    let mut by_key: HashMap<String, u32> = HashMap::new();
    let mut ids: HashMap<usize, u32> = HashMap::new();
    let intern = |key: String, by_key: &mut HashMap<String, u32>| -> u32 {
        let n = FIRST_ID + by_key.len() as u32;
        *by_key.entry(key).or_insert(n)
    };
    let mut names: [Vec<(u32, u32)>; 2] = [Vec::new(), Vec::new()];
    for k in 0..2 {
        for ind in &p[k].indications {
            let mut add = |c: &Cond| {
                let id = intern(leaf_key(p[k], c), &mut by_key);
                ids.insert(c as *const Cond as usize, id);
            };
            if let Some(a) = &ind.applies {
                leaves_cond(a, &mut add);
            }
            leaves_node(&ind.criteria, &mut add);
            if let Some(d) = &ind.dosing {
                leaves_node(d, &mut add);
            }
            let label = intern(format!("label {}", ind.label), &mut by_key);
            let duration = intern(format!("duration {}", ind.duration.text()), &mut by_key);
            names[k].push((label, duration));
        }
    }
    let mut open = [vec![false; old.facts.len()], vec![false; new.facts.len()]];
    for j in &facts {
        for k in 0..2 {
            if let Some(s) = j.slot[k] {
                open[k][s as usize] = j.usable;
            }
        }
    }
    let nfacts = facts.len();
    let mut search = Search {
        p,
        joint_of,
        facts,
        ids,
        names,
        vals: empty.clone(),
        open,
        held: vec![None; nfacts],
        regions: Vec::new(),
        visited: 0,
        budget: opts.budget,
    };
    let mut method = Method::Exact;
    let mut samples = None;
    let mut seed = None;
    if !sampling && !search.explore() {
        not_exact.push(format!(
            "the search went past {} partial requests (an over-large product of cells)",
            opts.budget
        ));
        sampling = true;
    }
    if sampling {
        method = Method::Sampled;
        samples = Some(opts.samples);
        seed = Some(opts.seed);
        search.regions = text::sample(&mut search, opts);
    } else {
        merge(&mut search.regions);
    }
    let mut counts: Vec<TransitionCount> = Vec::new();
    for (a, b, _) in &search.regions {
        match counts.iter_mut().find(|t| t.from == *a && t.to == *b) {
            Some(t) => t.regions += 1,
            None => counts.push(TransitionCount {
                from: a.clone(),
                to: b.clone(),
                regions: 1,
            }),
        }
    }
    counts.sort_by(|x, y| y.regions.cmp(&x.regions));
    let mut order: Vec<usize> = (0..search.regions.len()).collect();
    order.sort_by_key(|&i| {
        let (a, b, _) = &search.regions[i];
        counts
            .iter()
            .position(|t| t.from == *a && t.to == *b)
            .unwrap_or(0)
    });
    let regions: Vec<Region> = order
        .iter()
        .take(opts.max_regions)
        .map(|&i| text::region(&search, &search.regions[i], method))
        .collect();
    Changes {
        alike: search.regions.is_empty(),
        method,
        not_exact,
        samples,
        seed,
        region_count: search.regions.len(),
        transitions: counts,
        regions,
    }
}

/// Merge regions with one transition that differ in one fact's condition only, until none do.
#[allow(clippy::type_complexity)]
fn merge(regions: &mut Vec<(Decided, Decided, Vec<Option<Bits>>)>) {
    let nfacts = regions.first().map_or(0, |r| r.2.len());
    loop {
        let mut changed = false;
        for x in 0..nfacts {
            let mut at: HashMap<(Decided, Decided, Vec<Option<Bits>>), usize> = HashMap::new();
            let mut keep: Vec<bool> = vec![true; regions.len()];
            for i in 0..regions.len() {
                let (a, b, held) = &regions[i];
                if held[x].is_none() {
                    continue;
                }
                let mut key = held.clone();
                key[x] = None;
                match at.get(&(a.clone(), b.clone(), key.clone())) {
                    Some(&first) => {
                        let add = held[x].clone().unwrap_or_default();
                        if let Some(m) = regions[first].2[x].as_mut() {
                            for (w, v) in m.iter_mut().zip(add) {
                                *w |= v;
                            }
                        }
                        keep[i] = false;
                        changed = true;
                    }
                    None => {
                        at.insert((a.clone(), b.clone(), key), i);
                    }
                }
            }
            let mut k = 0;
            regions.retain(|_| {
                k += 1;
                keep[k - 1]
            });
        }
        if !changed {
            break;
        }
    }
}

/// Bind a witness's facts under `p` and decide it.
fn decide_facts(p: &Program, facts: &Map<String, Json>) -> Option<Decided> {
    let mut req = Map::new();
    req.insert("facts".into(), Json::Object(facts.clone()));
    let r = bind_json(p, &Json::Object(req), None).ok()?;
    let o = super::decide(p, &r);
    Some(decided_of(p, o.kind, o.indication))
}
