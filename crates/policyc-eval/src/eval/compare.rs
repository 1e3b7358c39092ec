//! Which requests two versions of a policy decide differently ([`changes`]): the regions of the
//! request space where the decisions differ, each with its transition and a witness request.
//!
//! The space is the product, over the facts of both versions (matched by name), of each fact's
//! cells (the partition of its domain cut by the constants of both versions) and "not stated". A
//! fact only one version has is not asked by the other (its requests leave it out). What counts as a
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
//! - where each indication's standings, taken as any set between those every request below
//!   reaches and those some request may reach, settle both decisions (one region, if they differ);
//! - where no unknown part of either version reads an open fact (then each version decides every
//!   request below alike: one region, if the two decisions differ).
//!
//! Where one version's decision is settled below a partial assignment and the other's is not,
//! only the facts the other reads are given values next.
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

mod search;
mod text;

use search::{One, Search, FIRST_ID};

use super::cells::{for_each_cell_of, leaves_cond, leaves_node, Cells, Of};
use super::logic::{cond_in, Tv};
use super::DecisionKind;
use crate::request::{bind_json, Value};
use policyc_ir::ir::{Calc, Cond, FactType, Program};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::{HashMap, HashSet};

/// How the comparison runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many regions are kept with their conditions and witnesses (the rest are counted); every
    /// transition keeps at least one region, even past this cap.
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
            max_regions: 20,
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
    /// The two versions decide every request alike: the comparison is exact, for every request,
    /// and found no region (false whenever `not_exact` says anything).
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
    /// How many regions there are for each transition: those decided both ways first (neither
    /// needs_info), then by count, largest first.
    pub transitions: Vec<TransitionCount>,
    /// The regions kept with their conditions and witnesses, in the order of `transitions`: the
    /// first region of every transition, then the others in that order up to
    /// [`Options::max_regions`] in all (more only when there are more transitions than that).
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
        for (o, slot) in open.iter_mut().zip(j.slot) {
            if let Some(s) = slot {
                o[s as usize] = j.usable;
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
    // Decided both ways first (what an approval becomes), then the most regions.
    let open = |t: &TransitionCount| {
        t.from.decision == DecisionKind::NeedsInfo || t.to.decision == DecisionKind::NeedsInfo
    };
    counts.sort_by(|x, y| open(x).cmp(&open(y)).then(y.regions.cmp(&x.regions)));
    // Each region with the place of its transition in `counts`, in that order (a stable sort:
    // within a transition, the order the search found them).
    let mut order: Vec<(usize, usize)> = (0..search.regions.len())
        .map(|i| {
            let (a, b, _) = &search.regions[i];
            let t = counts
                .iter()
                .position(|t| t.from == *a && t.to == *b)
                .unwrap_or(0);
            (t, i)
        })
        .collect();
    order.sort_by_key(|&(t, _)| t);
    let regions: Vec<Region> = shown(&order, counts.len(), opts.max_regions)
        .into_iter()
        .map(|i| text::region(&search, &search.regions[i], method))
        .collect();
    Changes {
        alike: search.regions.is_empty() && not_exact.is_empty(),
        method,
        not_exact,
        samples,
        seed,
        region_count: search.regions.len(),
        transitions: counts,
        regions,
    }
}

/// Which regions are kept with their conditions and witnesses: the first region of every
/// transition, then the others in order until `cap` are kept (more than `cap` only when there are
/// more transitions than `cap`), so that the regions shown, and the witnesses written from them,
/// have every transition. `order` is each region's (transition, region) in transition order; the
/// regions kept are returned in that order.
fn shown(order: &[(usize, usize)], transitions: usize, cap: usize) -> Vec<usize> {
    let mut keep = vec![false; order.len()];
    let mut seen = vec![false; transitions];
    let mut kept = 0;
    for (k, &(t, _)) in order.iter().enumerate() {
        if t < transitions && !seen[t] {
            seen[t] = true;
            keep[k] = true;
            kept += 1;
        }
    }
    for k in keep.iter_mut() {
        if kept >= cap {
            break;
        }
        if !*k {
            *k = true;
            kept += 1;
        }
    }
    order
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(&(_, i), _)| i)
        .collect()
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

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn every_transition_keeps_a_region_before_the_cap_is_filled() {
        // Transition 0 has five regions, 1 and 2 one each; a cap of 3 keeps one of each.
        let order = [(0, 4), (0, 0), (0, 1), (0, 2), (0, 3), (1, 5), (2, 6)];
        assert_eq!(shown(&order, 3, 3), vec![4, 5, 6]);
        // A cap of 5 fills up with transition 0's next regions, in order.
        assert_eq!(shown(&order, 3, 5), vec![4, 0, 1, 5, 6]);
        // A cap below the number of transitions still keeps one of each; a large cap keeps all.
        assert_eq!(shown(&order, 3, 1), vec![4, 5, 6]);
        assert_eq!(shown(&order, 3, 100), vec![4, 0, 1, 2, 3, 5, 6]);
        assert_eq!(shown(&[], 0, 20), Vec::<usize>::new());
    }
}
