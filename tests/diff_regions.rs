//! Property test of the requests `policyc diff` reports decided differently: random small
//! policies (the generator of tests/oracle/) and a mutation of each (a constant changed, a
//! criterion removed or added, an approval duration changed). Every witness decides as its
//! region says under the two versions (differently), and, where the comparison is exact, every
//! random request the two versions decide differently lies in a reported region (so requests
//! outside the regions decide the same).
//!
//! `ORACLE_SEED=<n>` runs with another seed; `DIFF_POLICIES` / `DIFF_REQUESTS` change the counts.

#[path = "oracle/generate.rs"]
#[allow(dead_code)]
mod generate;
#[path = "oracle/model.rs"]
#[allow(dead_code)]
mod model;

use generate::{Gen, Rng};
use model::*;
use policyc::eval::compare::{changes, decided, Method, Options};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use rust_decimal::Decimal;
use std::str::FromStr;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Visit every labelled node of a section, depth first, until `f` says it changed one.
fn visit(n: &mut Node, f: &mut dyn FnMut(&mut Node) -> bool) -> bool {
    if f(n) {
        return true;
    }
    match &mut n.body {
        Body::Group(_, children) => children.iter_mut().any(|c| visit(c, f)),
        _ => false,
    }
}

/// Change the first number of a comparison's written limit by one (`250 mg` → `251 mg`).
fn bump_constant(c: &mut C) -> bool {
    match c {
        C::Cmp { text, .. } => {
            let (first, rest) = text.split_once(' ').unwrap_or((text.as_str(), ""));
            let Ok(d) = Decimal::from_str(first) else {
                return false;
            };
            let rest = rest.to_string();
            *text = if rest.is_empty() {
                (d + Decimal::ONE).to_string()
            } else {
                format!("{} {rest}", d + Decimal::ONE)
            };
            true
        }
        C::And(v) | C::Or(v) => v.iter_mut().any(bump_constant),
        C::Not(x) => bump_constant(x),
        _ => false,
    }
}

/// One mutation of the policy, chosen by `r`: `None` if the chosen kind finds nothing to change.
fn mutate(p: &Policy, g: &mut Gen<'_>) -> Option<(Policy, &'static str)> {
    let mut q = p.clone();
    let kind = g.r.below(4);
    let i = g.r.below(q.indications.len());
    // Skip a random number of nodes first, so that any node may be the one changed.
    let mut skip = g.r.below(6);
    let added = g.leaf(false);
    let phase = &mut q.indications[i].initial;
    if kind == 3 {
        phase.duration.0 += 1;
        return Some((q, "a duration changed"));
    }
    let mut added = Some(added);
    let mut change = |n: &mut Node| -> bool {
        let hit = match (kind, &mut n.body) {
            (0, Body::Leaf(c)) => skip == 0 && bump_constant(c),
            (1, Body::Group(_, children)) if children.len() >= 2 => {
                if skip == 0 {
                    let at = children.len() / 2;
                    children.remove(at);
                }
                skip == 0
            }
            (2, Body::Group(_, children)) => {
                if skip == 0 {
                    if let Some(leaf) = added.take() {
                        children.push(Node {
                            local: "Z".into(),
                            full: format!("{}.Z", n.full),
                            text: "An added criterion".into(),
                            guard: None,
                            only_if: None,
                            body: Body::Leaf(leaf),
                        });
                    }
                }
                skip == 0
            }
            _ => return false,
        };
        skip = skip.saturating_sub(1);
        hit
    };
    let mut done = false;
    for _ in 0..2 {
        done = visit(&mut phase.criteria, &mut change)
            || phase.dosing.as_mut().is_some_and(|d| visit(d, &mut change));
        if done {
            break;
        }
    }
    let what = [
        "a constant changed",
        "a criterion removed",
        "a criterion added",
    ][kind];
    done.then_some((q, what))
}

/// Replace each comparison of two facts (which the comparison cannot do exactly) with a yes/no
/// fact, in every condition of the policy, so that most pairs are compared exactly.
fn without_fact_comparisons(p: &mut Policy) {
    fn cond(c: &mut C) {
        match c {
            C::CmpFacts { .. } => {
                *c = C::Flag {
                    fact: FLAG_B,
                    spelled: "",
                }
            }
            C::And(v) | C::Or(v) => v.iter_mut().for_each(cond),
            C::Not(x) => cond(x),
            C::Meets(n) => node(n),
            _ => {}
        }
    }
    fn node(n: &mut Node) {
        n.guard
            .iter_mut()
            .chain(n.only_if.iter_mut())
            .for_each(cond);
        match &mut n.body {
            Body::Leaf(c) => cond(c),
            Body::Group(_, children) => children.iter_mut().for_each(node),
            Body::Refer(_) => {}
        }
    }
    cond(&mut p.def1);
    for i in &mut p.indications {
        i.applies.iter_mut().for_each(cond);
        for phase in std::iter::once(&mut i.initial).chain(i.reauth.as_mut()) {
            node(&mut phase.criteria);
            phase.dosing.iter_mut().for_each(node);
        }
    }
}

#[derive(Default)]
struct Stats {
    pairs: usize,
    exact: usize,
    regions: usize,
    differing_requests: usize,
}

#[test]
fn witnesses_decide_differently_and_requests_outside_the_regions_alike() {
    let config = Config {
        cases: env("DIFF_POLICIES", 70) as u32,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&env("ORACLE_SEED", 0).to_le_bytes());
    key[8] = 0xD1;
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let stats = std::cell::RefCell::new(Stats::default());
    let requests = env("DIFF_REQUESTS", 60) as usize;
    let opts = Options {
        max_regions: usize::MAX,
        samples: 400,
        seed: 7,
        budget: 6_000,
    };
    let one = |seed: u64| -> Result<(), TestCaseError> {
        let mut r = Rng::new(seed);
        let mut rr = Rng::new(seed ^ 0x5EED);
        let mut g = Gen {
            r: &mut r,
            consts: vec![Vec::new(); NFACTS],
            dates: Vec::new(),
            meetable: Vec::new(),
            allow_meets: false,
        };
        let mut policy = g.policy();
        // One policy in four keeps its comparisons of two facts (compared by sampling).
        if g.r.below(4) != 0 {
            without_fact_comparisons(&mut policy);
        }
        let Some((mutated, what)) = mutate(&policy, &mut g) else {
            return Ok(());
        };
        let (a, b) = (render_policy(&policy), render_policy(&mutated));
        let (Some(old), Some(new)) = (
            policyc::compile_source(&a).program,
            policyc::compile_source(&b).program,
        ) else {
            // A removed criterion that a `meets` names, an added one that repeats a label.
            return Ok(());
        };
        let c = changes(&old, &new, &opts);
        let fail = |m: String| {
            TestCaseError::fail(format!(
                "seed {seed} ({what}): {m}\n--- old\n{a}--- new\n{b}"
            ))
        };
        {
            let mut s = stats.borrow_mut();
            s.pairs += 1;
            s.exact += usize::from(c.method == Method::Exact);
            s.regions += c.region_count;
        }
        for region in &c.regions {
            if region.from == region.to {
                return Err(fail(format!("a region without a change: {region:?}")));
            }
            if !region.witness.confirmed {
                return Err(fail(format!(
                    "a witness that does not decide as its region says: {region:?}"
                )));
            }
        }
        if c.method != Method::Exact {
            return Ok(());
        }
        for _ in 0..requests {
            let req = generate::request(&mut rr, &g, policy.has_reauth() || mutated.has_reauth());
            let json = req.to_json();
            let (Ok(x), Ok(y)) = (
                policyc::request::bind(&old, &json, None),
                policyc::request::bind(&new, &json, None),
            ) else {
                continue;
            };
            let (p, q) = (decided(&old, &x), decided(&new, &y));
            let inside = c
                .regions
                .iter()
                .filter(|r| r.contains(&old, &new, &x.values, &y.values))
                .collect::<Vec<_>>();
            if p != q {
                stats.borrow_mut().differing_requests += 1;
                if !inside.iter().any(|r| r.from == p && r.to == q) {
                    return Err(fail(format!(
                        "{json} decides {} → {}, in no region of that transition",
                        p.words(),
                        q.words()
                    )));
                }
            } else if !inside.is_empty() {
                return Err(fail(format!(
                    "{json} decides {} under both, inside a region {:?}",
                    p.words(),
                    inside[0].conditions
                )));
            }
        }
        Ok(())
    };
    let result = match std::env::var("ORACLE_ONE") {
        Ok(_) => one(env("ORACLE_SEED", 0)).map_err(|e| e.to_string()),
        Err(_) => runner.run(&any::<u64>(), one).map_err(|e| e.to_string()),
    };
    if let Err(e) = result {
        panic!("{e}");
    }
    let s = stats.into_inner();
    eprintln!(
        "{} pairs compiled, {} compared exactly, {} regions, {} random requests decided differently",
        s.pairs, s.exact, s.regions, s.differing_requests
    );
    // The test must have teeth: many pairs are compared exactly, and some requests change.
    assert!(s.pairs >= 20, "only {} pairs compiled", s.pairs);
    assert!(
        s.exact * 2 >= s.pairs,
        "only {} of {} pairs exact",
        s.exact,
        s.pairs
    );
    assert!(
        s.differing_requests > 0,
        "no random request decided differently"
    );
}
