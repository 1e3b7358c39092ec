//! Differential tests: `decide`, `evaluate` and an independent reference evaluator
//! (tests/oracle/reference.rs, written from the README) on random small policies, compiled from
//! source, and many random requests each, bound from JSON.
//!
//! `ORACLE_SEED=<n>` runs with another seed; `ORACLE_POLICIES` / `ORACLE_REQUESTS` change the
//! counts. A failure prints the policy source and the request JSON.
//!
//! Longer than 800 lines on purpose: the differential tests and the generators' checks share one
//! set of helpers for compiling and binding; each test is short.

#[path = "oracle/generate.rs"]
mod generate;
#[path = "oracle/model.rs"]
mod model;
#[path = "oracle/reference.rs"]
mod reference;

use generate::{Gen, Rng};
use model::*;
use policyc::eval::DecisionKind;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use reference::Kind;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn kind_of(k: DecisionKind) -> Kind {
    match k {
        DecisionKind::Approve => Kind::Approve,
        DecisionKind::Deny => Kind::Deny,
        DecisionKind::NeedsInfo => Kind::NeedsInfo,
        DecisionKind::Refer => Kind::Refer,
    }
}

fn dedup(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().collect();
    v.dedup();
    v
}

#[derive(Default)]
struct Stats {
    policies: usize,
    pairs: usize,
    by_kind: [usize; 4],
    /// Pairs where the decision by possible outcomes differs from the implementation's.
    outcome_diffs: usize,
    first_outcome_diff: Option<String>,
    outcome_diff_kinds: std::collections::BTreeMap<String, usize>,
    /// Disagreements where the README says policyc is wrong (see the ignored tests), by kind:
    /// how many pairs, and the first.
    findings: std::collections::BTreeMap<&'static str, (usize, String)>,
}

/// Counted, not failed (README, Known limitations): needs_info leaves out facts that matter only
/// once a fact it lists, read by `is known` or by a condition of approval, is stated.
const NEEDS_INFO_KNOWN: &str = "needs-info-after-is-known";

/// Counted, not failed: needs_info by the three-valued reading, with too many completions for the
/// reference to try them all ([`reference::EXACT_LIMIT`]).
const TOO_MANY: &str = "too-many-completions";

/// Counted, not failed: stating every fact needs_info lists gives one kind of decision in every
/// completion, but under one indication or another (README, Decisions), so needs_info asks again.
const NEEDS_INFO_WHICH: &str = "needs-info-which-indication";

/// Counted, not failed (README, Decisions): every completion refers under the same indication,
/// but for the dose in some and through a referral criterion in others; policyc names a reason
/// some completion refers for.
const REFER_REASON: &str = "refer-reason-depends-on-unstated-facts";

/// Whether any condition of the policy tests `fact is (not) known`, or reads it in a limit
/// `, as a condition of approval` (which holds while the fact is not stated): stating the fact
/// changes a value that was not unknown.
fn uses_known(p: &Policy, fact: usize) -> bool {
    fn c(x: &C, fact: usize) -> bool {
        match x {
            C::Known { fact: f, .. } => *f == fact,
            C::Cmp {
                fact: f, coa: true, ..
            } => *f == fact,
            C::And(cs) | C::Or(cs) => cs.iter().any(|y| c(y, fact)),
            C::Not(y) => c(y, fact),
            C::Meets(n) => node(n, fact),
            _ => false,
        }
    }
    fn node(n: &Node, fact: usize) -> bool {
        n.guard.iter().chain(&n.only_if).any(|g| c(g, fact))
            || match &n.body {
                Body::Leaf(x) => c(x, fact),
                Body::Group(_, ch) => ch.iter().any(|y| node(y, fact)),
                Body::Refer(_) => false,
            }
    }
    c(&p.def1, fact)
        || p.indications.iter().any(|i| {
            i.applies.as_ref().is_some_and(|a| c(a, fact))
                || [Some(&i.initial), i.reauth.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|ph| {
                        node(&ph.criteria, fact)
                            || ph.dosing.as_ref().is_some_and(|d| node(d, fact))
                    })
        })
}

fn idx(k: Kind) -> usize {
    match k {
        Kind::Approve => 0,
        Kind::Deny => 1,
        Kind::NeedsInfo => 2,
        Kind::Refer => 3,
    }
}

/// Everything the reference and the implementation disagree on for one pair (empty: agreement).
fn compare(
    policy: &Policy,
    program: &policyc::Program,
    req: &Req,
    bound: &policyc::Request,
    r: &mut Rng,
    g: &Gen,
    found: &mut Vec<(&'static str, String)>,
) -> Vec<String> {
    let mut bad = Vec::new();
    let fast = policyc::eval::decide(program, bound);
    let full = policyc::eval::evaluate(program, bound);
    let want = reference::decide(policy, req);
    if let Err(e) = policyc::eval::flat_self_check(program, bound) {
        bad.push(format!("the flat program: {e}"));
    }
    let tree = policyc::eval::decide_by_tree(program, bound);
    if fast != tree {
        bad.push(format!(
            "decide says {fast:?}, the tree alone (without the flat program) says {tree:?}"
        ));
    }
    if fast.kind != full.decision {
        bad.push(format!(
            "decide says {:?}, evaluate says {:?}",
            fast.kind, full.decision
        ));
    }
    let fast_ind = fast
        .indication
        .map(|i| program.indications[i].label.clone());
    let full_ind = full.indication.as_ref().map(|i| i.label.clone());
    if fast_ind != full_ind {
        bad.push(format!(
            "decide's indication {fast_ind:?}, evaluate's {full_ind:?}"
        ));
    }
    let got = kind_of(full.decision);
    if !want.exact && want.kind == Kind::NeedsInfo {
        // Too many completions to try them all: the three-valued reading says only that the
        // decision may depend on the unstated facts. Counted, not compared.
        found.push((TOO_MANY, String::new()));
        return bad;
    }
    if got != want.kind {
        bad.push(format!("decision: expected {:?}, got {:?}", want.kind, got));
        return bad;
    }
    if !want.exact && full_ind != want.indication {
        // The three-valued reading finds the indications that surely approve (or refer) that it
        // can; with every completion tried, an earlier one may be found too.
        found.push((TOO_MANY, String::new()));
        return bad;
    }
    if full_ind != want.indication {
        bad.push(format!(
            "indication: expected {:?}, got {full_ind:?}",
            want.indication
        ));
    }
    if full.path != want.path {
        bad.push(format!(
            "path: expected {:?}, got {:?}",
            want.path, full.path
        ));
    }
    match want.kind {
        Kind::Approve => {
            let met: Vec<String> = full.criteria_met.iter().map(|c| c.label.clone()).collect();
            if met != want.criteria_met {
                bad.push(format!(
                    "criteria met: expected {:?}, got {met:?}",
                    want.criteria_met
                ));
            }
            let dur = full.approval.as_ref().map(|a| a.duration.text.clone());
            if dur != want.duration {
                bad.push(format!(
                    "approval: expected {:?}, got {dur:?}",
                    want.duration
                ));
            }
        }
        Kind::Refer => {
            let mut refer_bad = Vec::new();
            let referral = full.referral.as_ref().map(|r| r.label.clone());
            if referral != want.referral {
                refer_bad.push(format!(
                    "referral: expected {:?}, got {referral:?}",
                    want.referral
                ));
            }
            if let Some(ex) = &want.exceeded {
                let got = dedup(full.exceeded.iter().map(|l| l.label.clone()));
                if &got != ex {
                    refer_bad.push(format!("exceeded: expected {ex:?}, got {got:?}"));
                }
                if full.statement.is_none() {
                    refer_bad.push("a referral for dosing quotes no statement".into());
                }
            }
            // Every completion refers, but whether for the dose or through a referral criterion
            // may depend on the unstated facts (the reference reads the reason three-valued). The
            // reason policyc gives must then be the one some completion refers for.
            if !refer_bad.is_empty() && want.exact {
                let justified = reference::completed_decisions(policy, req).is_some_and(|ds| {
                    ds.iter().any(|d| {
                        d.kind == Kind::Refer
                            && d.indication == full_ind
                            && d.referral == referral
                            && (referral.is_some() || full.statement.is_some())
                    })
                });
                if justified {
                    found.push((
                        REFER_REASON,
                        format!("{}: {}", refer_bad.join("; "), req.to_json()),
                    ));
                    refer_bad.clear();
                }
            }
            bad.extend(refer_bad);
        }
        Kind::Deny => {
            let got = dedup(full.unmet.iter().map(|u| u.label.clone()));
            let exp = dedup(want.unmet.iter().cloned());
            if got != exp {
                bad.push(format!("unmet: expected {exp:?}, got {got:?}"));
            }
            let got = dedup(full.not_applicable.iter().map(|u| u.label.clone()));
            let exp = dedup(want.not_applicable.iter().cloned());
            if got != exp {
                bad.push(format!("not applicable: expected {exp:?}, got {got:?}"));
            }
        }
        Kind::NeedsInfo => {
            let names: Vec<&str> = full.missing.iter().map(|m| m.fact.as_str()).collect();
            if names.is_empty() {
                bad.push("needs_info lists no missing fact".into());
            }
            // Exactly the facts whose value can change the decision (README, Decisions).
            if let Some(exp) = &want.missing {
                let mut exp: Vec<&str> = exp.iter().map(|&f| NAMES[f]).collect();
                let mut got = names.clone();
                exp.sort_unstable();
                got.sort_unstable();
                if got != exp {
                    bad.push(format!("missing: expected {exp:?}, got {got:?}"));
                }
            }
            let mut completed = req.clone();
            for (k, name) in names.iter().enumerate() {
                if names[..k].contains(name) {
                    bad.push(format!("missing lists {name} twice"));
                }
                match NAMES.iter().position(|n| n == name) {
                    None => bad.push(format!("missing names an unknown fact {name}")),
                    Some(f) if req.values[f].is_some() => {
                        bad.push(format!("missing names {name}, which the request states"))
                    }
                    Some(f) => {
                        let (v, j) = generate::value(r, g, policy.has_reauth(), f);
                        completed.values[f] = Some(v);
                        completed.json[f] = Some(j);
                    }
                }
            }
            // Stating every fact it asks for must let the request be decided.
            if bad.is_empty() {
                let json = completed.to_json();
                let rebound = policyc::request::bind(program, &json, None).unwrap_or_else(|e| {
                    panic!("the completed request does not bind: {e:?}\n{json}")
                });
                let again = policyc::eval::decide(program, &rebound);
                if again.kind == DecisionKind::NeedsInfo {
                    let still = policyc::eval::evaluate(program, &rebound);
                    let more: Vec<&str> = still.missing.iter().map(|m| m.fact.as_str()).collect();
                    let text = format!(
                        "stating what needs_info asked for ({names:?}) still needs {more:?}: {json}"
                    );
                    // Stating a fact that an `is known` test reads changes which other facts
                    // matter; the README's "together with the other unstated facts" covers these
                    // too, but they are a separate kind of finding.
                    let known = names.iter().any(|n| {
                        NAMES
                            .iter()
                            .position(|x| x == n)
                            .is_some_and(|f| uses_known(policy, f))
                    });
                    let which =
                        reference::exact(policy, &completed).is_some_and(|e| e.missing.is_none());
                    if known {
                        found.push((NEEDS_INFO_KNOWN, text));
                    } else if which {
                        found.push((NEEDS_INFO_WHICH, text));
                    } else {
                        bad.push(text);
                    }
                }
            }
        }
    }
    bad
}

/// One generated policy and its requests.
fn one_policy(seed: u64, requests: usize, stats: &mut Stats) -> Result<(), String> {
    let mut r = Rng::new(seed);
    let mut rr = Rng::new(seed ^ 0x5EED);
    let mut g = Gen {
        r: &mut r,
        consts: vec![Vec::new(); NFACTS],
        dates: Vec::new(),
        meetable: Vec::new(),
        allow_meets: false,
    };
    let policy = g.policy();
    let source = render_policy(&policy);
    let checked = policyc::compile_source(&source);
    let Some(program) = checked.program else {
        let msgs: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        panic!("seed {seed}: the generated policy does not compile: {msgs:#?}\n{source}");
    };
    stats.policies += 1;
    let reauth = policy.has_reauth();
    for _ in 0..requests {
        let req = generate::request(&mut rr, &g, reauth);
        let json = req.to_json();
        let bound = policyc::request::bind(&program, &json, None)
            .unwrap_or_else(|e| panic!("seed {seed}: request does not bind: {e:?}\n{json}"));
        let mut found = Vec::new();
        let bad = compare(&policy, &program, &req, &bound, &mut rr, &g, &mut found);
        for (what, text) in found {
            let e = stats.findings.entry(what).or_insert((0, String::new()));
            e.0 += 1;
            if e.1.is_empty() {
                e.1 = format!("{text}\n--- policy\n{source}--- request\n{json}\n");
            }
        }
        if !bad.is_empty() {
            return Err(format!(
                "seed {seed}: {}\n--- policy\n{source}--- request\n{json}\n",
                bad.join("\n")
            ));
        }
        stats.pairs += 1;
        let kind = kind_of(policyc::eval::decide(&program, &bound).kind);
        stats.by_kind[idx(kind)] += 1;
        let precise = reference::decide_by_outcomes(&policy, &req);
        if precise != kind {
            stats.outcome_diffs += 1;
            *stats
                .outcome_diff_kinds
                .entry(format!("{precise:?} by outcomes, {kind:?} by policyc"))
                .or_default() += 1;
            if stats.first_outcome_diff.is_none() {
                stats.first_outcome_diff = Some(format!(
                    "by possible outcomes {precise:?}, policyc {kind:?}\n--- policy\n{source}--- request\n{json}\n"
                ));
            }
        }
    }
    Ok(())
}

fn run(policies: u64, requests: u64) -> Stats {
    let mut stats = Stats::default();
    let seed = env("ORACLE_SEED", 0);
    if seed != 0 && std::env::var("ORACLE_ONE").is_ok() {
        one_policy(seed, requests as usize, &mut stats).unwrap_or_else(|e| panic!("{e}"));
        return stats;
    }
    let config = Config {
        cases: policies as u32,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let cell = std::cell::RefCell::new(&mut stats);
    let result = runner.run(&any::<u64>(), |s| {
        one_policy(s, requests as usize, &mut cell.borrow_mut()).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    stats
}

/// The implementation and the reference agree on every pair (strict: any disagreement fails; only
/// needs_info after stating a fact read by `is known` or a condition of approval is counted).
#[test]
fn decide_evaluate_and_reference_agree() {
    let start = std::time::Instant::now();
    // 100 policies × 1,400 requests: at least 100,000 pairs compared with the reference in every
    // run (about a quarter have too many completions for the reference to try them all).
    let stats = run(env("ORACLE_POLICIES", 100), env("ORACLE_REQUESTS", 1400));
    eprintln!(
        "{} policies, {} pairs in {:.1?}; approve/deny/needs_info/refer: {:?}; {} pairs decided otherwise by possible outcomes",
        stats.policies,
        stats.pairs,
        start.elapsed(),
        stats.by_kind,
        stats.outcome_diffs
    );
    if let Some(ex) = &stats.first_outcome_diff {
        eprintln!("{:?}; first: {ex}", stats.outcome_diff_kinds);
    }
    for (what, (n, first)) in &stats.findings {
        eprintln!("finding {what}: {n} pairs; first:\n{first}");
    }
    // Every decision is exercised.
    assert!(stats.by_kind.iter().all(|&n| n > 0), "{:?}", stats.by_kind);
    // The only classes counted instead of failed are intended (README, Known limitations).
    assert!(
        stats.findings.keys().all(|&k| [
            NEEDS_INFO_KNOWN,
            TOO_MANY,
            NEEDS_INFO_WHICH,
            REFER_REASON
        ]
        .contains(&k)),
        "{:?}",
        stats.findings.keys()
    );
    // Most pairs are compared over every completion.
    let skipped = stats.findings.get(TOO_MANY).map_or(0, |f| f.0);
    assert!(
        skipped * 3 < stats.pairs,
        "{skipped} of {} pairs had too many completions",
        stats.pairs
    );
    let defaults = ["ORACLE_POLICIES", "ORACLE_REQUESTS", "ORACLE_SEED"]
        .iter()
        .all(|v| std::env::var_os(v).is_none());
    if defaults {
        assert!(
            stats.pairs - skipped >= 100_000,
            "only {} pairs compared with the reference ({} generated)",
            stats.pairs - skipped,
            stats.pairs
        );
    }
}

/// The same run, failing on any pair where the README and policyc disagree: the findings below,
/// and decisions that differ from the decision by possible outcomes.
#[test]
#[ignore = "fails on the `is known` / condition-of-approval class, which is intended (README, Known limitations; findings::needs_info_lists_facts_behind_is_known)"]
fn no_findings_on_generated_policies() {
    let stats = run(env("ORACLE_POLICIES", 100), env("ORACLE_REQUESTS", 200));
    let problems: Vec<String> = stats
        .findings
        .iter()
        .map(|(what, (n, first))| format!("{what}: {n} pairs; first:\n{first}"))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------- properties of needs_info

/// Each generated policy (compiled) with requests, bound, handed to `check`; a failure names the
/// policy and request. Seeds come from proptest, as in [`run`].
fn for_pairs(
    policies: u64,
    requests: usize,
    mut check: impl FnMut(&Policy, &policyc::Program, &Req, &policyc::Request) -> Result<(), String>,
) {
    let config = Config {
        cases: policies as u32,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&env("ORACLE_SEED", 0).to_le_bytes());
    key[8] = 0x11;
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let check = std::cell::RefCell::new(&mut check);
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
        let policy = g.policy();
        let source = render_policy(&policy);
        let program = policyc::compile_source(&source)
            .program
            .ok_or_else(|| TestCaseError::fail(format!("does not compile:\n{source}")))?;
        for _ in 0..requests {
            let req = generate::request(&mut rr, &g, policy.has_reauth());
            let json = req.to_json();
            let bound = policyc::request::bind(&program, &json, None)
                .map_err(|e| TestCaseError::fail(format!("{e:?}\n{json}")))?;
            (check.borrow_mut())(&policy, &program, &req, &bound).map_err(|e| {
                TestCaseError::fail(format!(
                    "seed {seed}: {e}\n--- policy\n{source}--- request\n{json}\n"
                ))
            })?;
        }
        Ok(())
    };
    // `ORACLE_ONE` with `ORACLE_SEED`: that policy seed alone (as a failure names it).
    let result = match std::env::var("ORACLE_ONE") {
        Ok(_) => one(env("ORACLE_SEED", 0)).map_err(|e| e.to_string()),
        Err(_) => runner.run(&any::<u64>(), one).map_err(|e| e.to_string()),
    };
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The request with `fact` stated as `v`, decided.
fn stated(program: &policyc::Program, req: &Req, sets: &[(usize, model::V)]) -> DecisionKind {
    let mut r = req.clone();
    for (fact, v) in sets {
        r.values[*fact] = Some(v.clone());
        r.json[*fact] = Some(generate::json_of(*fact, v));
    }
    let json = r.to_json();
    let bound = policyc::request::bind(program, &json, None)
        .unwrap_or_else(|e| panic!("the completed request does not bind: {e:?}\n{json}"));
    policyc::eval::decide(program, &bound).kind
}

/// The unstated facts a completion may state without changing what `is known` and conditions of
/// approval read, with the values to try for each (one or two of each cell of its domain).
fn free_facts(policy: &Policy, req: &Req) -> Vec<(usize, Vec<model::V>)> {
    reference::unstated(policy, req)
        .into_iter()
        .filter(|(f, _)| !uses_known(policy, *f))
        .collect()
}

/// (a) Stating an unstated fact that needs_info does not list (any fact, for another decision)
/// never changes the decision, whatever value it is given: in particular an approval stays an
/// approval. (Facts read by `is known` or by a condition of approval are left out: stating them
/// changes what those read, README, Decisions.)
#[test]
fn stating_an_unlisted_fact_never_changes_the_decision() {
    let mut tried = 0usize;
    for_pairs(
        env("ORACLE_POLICIES", 60),
        env("ORACLE_REQUESTS", 40) as usize,
        |policy, program, req, bound| {
            let d = policyc::eval::evaluate(program, bound);
            let listed: Vec<&str> = d.missing.iter().map(|m| m.fact.as_str()).collect();
            for (fact, values) in free_facts(policy, req) {
                if listed.contains(&NAMES[fact]) {
                    continue;
                }
                for v in values {
                    tried += 1;
                    let k = stated(program, req, &[(fact, v.clone())]);
                    if k != d.decision {
                        return Err(format!(
                            "{:?}, missing {listed:?}; stating {} = {v:?} gives {k:?}",
                            d.decision, NAMES[fact]
                        ));
                    }
                }
            }
            Ok(())
        },
    );
    assert!(tried > 1000, "only {tried} statements tried");
}

/// (b) needs_info never names a fact whose every value gives the same decision: for each fact it
/// lists, some values of the other unstated facts and two values of it give different decisions
/// (found by deciding the completed requests, over one or two values of each cell, where there are
/// at most 400 completions).
#[test]
fn needs_info_names_only_facts_that_can_change_the_decision() {
    let mut witnessed = 0usize;
    for_pairs(
        env("ORACLE_POLICIES", 60),
        env("ORACLE_REQUESTS", 40) as usize,
        |policy, program, req, bound| {
            let d = policyc::eval::evaluate(program, bound);
            if d.decision != DecisionKind::NeedsInfo {
                return Ok(());
            }
            let free = free_facts(policy, req);
            let total: usize = free.iter().map(|(_, v)| v.len()).product();
            if total > 400 || free.len() != reference::unstated(policy, req).len() {
                return Ok(());
            }
            // Every completion's decision.
            let mut kinds = Vec::with_capacity(total);
            for idx in 0..total {
                let mut rest = idx;
                let sets: Vec<(usize, model::V)> = free
                    .iter()
                    .map(|(f, vs)| {
                        let v = vs[rest % vs.len()].clone();
                        rest /= vs.len();
                        (*f, v)
                    })
                    .collect();
                kinds.push(stated(program, req, &sets));
            }
            let mut stride = 1;
            for (f, vs) in &free {
                let n = vs.len();
                let differs = (0..total)
                    .filter(|i| i / stride % n == 0)
                    .any(|i| (1..n).any(|k| kinds[i + k * stride] != kinds[i]));
                let listed = d.missing.iter().any(|m| m.fact == NAMES[*f]);
                let which = kinds.iter().all(|k| *k == kinds[0]);
                if listed && !differs && !which {
                    return Err(format!(
                        "needs_info lists {}, whose every value gives the same decision",
                        NAMES[*f]
                    ));
                }
                if !listed && differs {
                    return Err(format!(
                        "needs_info leaves out {}, whose value changes the decision",
                        NAMES[*f]
                    ));
                }
                witnessed += usize::from(listed);
                stride *= n;
            }
            Ok(())
        },
    );
    assert!(witnessed > 100, "only {witnessed} listed facts checked");
}

/// (c) A decision other than needs_info, on a request that leaves facts unstated, is the one every
/// completion of them gives (20 completions sampled over the cells of their domains).
#[test]
fn a_decision_is_the_one_every_completion_gives() {
    let mut sampled = 0usize;
    let mut rng = Rng::new(env("ORACLE_SEED", 7));
    for_pairs(
        env("ORACLE_POLICIES", 60),
        env("ORACLE_REQUESTS", 40) as usize,
        |policy, program, req, bound| {
            let kind = policyc::eval::decide(program, bound).kind;
            let free = free_facts(policy, req);
            if kind == DecisionKind::NeedsInfo || free.is_empty() {
                return Ok(());
            }
            for _ in 0..20 {
                let sets: Vec<(usize, model::V)> = free
                    .iter()
                    .map(|(f, vs)| (*f, rng.pick(vs).clone()))
                    .collect();
                sampled += 1;
                let k = stated(program, req, &sets);
                if k != kind {
                    return Err(format!("{kind:?}, but the completion {sets:?} gives {k:?}"));
                }
            }
            Ok(())
        },
    );
    assert!(sampled > 1000, "only {sampled} completions sampled");
}

/// Minimal reproductions of the disagreements the differential tests found, with what the README
/// says the answer is. All are fixed but the `is known` one, which is intended and stays ignored.
mod findings {
    use policyc::eval::{Decision, DecisionKind};

    fn eval(source: &str, request: &str) -> Decision {
        let checked = policyc::compile_source(source);
        let program = checked
            .program
            .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
        let req = policyc::request::bind(&program, request, None).expect("a valid request");
        let d = policyc::eval::evaluate(&program, &req);
        assert_eq!(d.decision, policyc::eval::decide(&program, &req).kind);
        d
    }

    fn missing(d: &Decision) -> Vec<&str> {
        d.missing.iter().map(|m| m.fact.as_str()).collect()
    }

    const REDIRECT_OR_FLAG: &str = r#"
policy p {
  title "T" drug "D" effective 2024-01-01
  outside dosing "Other doses are reviewed by a clinician."
}
fact flag_a: boolean "A"
fact flag_b: boolean "B"
fact dose: mg "The dose"
indication 1 "One" {
  approve for 1 year
  criteria: one of {
    A "Reviewed under another policy" when flag_a: redirect to "Another review"
    B "Flag B": flag_b
  }
  dosing: all of { A "At most 100 mg": dose at most 100 mg }
}
"#;

    /// README: `path` is "labels of the branches that held"; a referral for dosing outside the
    /// policy's is for a request whose "criteria hold but its dosing does not". Here the criteria
    /// hold through 1.B; 1.A would hold only if another review agreed. policyc explains the
    /// criteria as if the redirect held: the path, the criteria met and the summary cite 1.A.
    #[test]
    fn refer_for_dosing_cites_the_branch_that_holds() {
        let d = eval(
            REDIRECT_OR_FLAG,
            r#"{"facts": {"flag_a": true, "flag_b": true, "dose": "200 mg"}}"#,
        );
        assert_eq!(d.decision, DecisionKind::Refer);
        assert_eq!(d.exceeded[0].label, "1.Dosing.A");
        // policyc: ["1", "1.A"], criteria met ["1.A"], "the criteria for One are met (1.A)".
        assert_eq!(d.path, ["1", "1.B"]);
        let met: Vec<&str> = d.criteria_met.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(met, ["1.B"]);
    }

    /// README (Known limitations): needs_info "lists every unstated fact whose value could change
    /// the decision together with the other unstated facts". With `{}`, flag_b decides, together
    /// with flag_a, between approve (flag_b no) and refer (flag_b yes); policyc lists only flag_a,
    /// and once flag_a is stated, asks again, for flag_b.
    #[test]
    fn needs_info_lists_the_facts_that_decide_a_referral() {
        let policy = r#"
policy p { title "T" drug "D" effective 2024-01-01 }
fact flag_a: boolean "A"
fact flag_b: boolean "B"
indication 1 "One" {
  approve for 1 year
  criteria: all of {
    A "Flag A": flag_a
    B "Reviewed by a clinician if B" if flag_b: refer to a clinician
  }
}
"#;
        let then = eval(policy, r#"{"facts": {"flag_a": true}}"#);
        assert_eq!(then.decision, DecisionKind::NeedsInfo);
        assert_eq!(missing(&then), ["flag_b"]);
        let d = eval(policy, r#"{"facts": {}}"#);
        assert_eq!(d.decision, DecisionKind::NeedsInfo);
        // policyc: ["flag_a"].
        assert_eq!(missing(&d), ["flag_a", "flag_b"]);
    }

    /// README: needs_info is for when "the result depends on facts the request does not state",
    /// and "without an `outside dosing` statement, dosing outside the policy's is a denial". A
    /// dose of 200 mg is outside; whatever the diagnosis, the request is denied (not covered, or
    /// dosing outside). policyc asks for the diagnosis.
    #[test]
    fn dosing_outside_without_statement_is_denied_whatever_the_diagnosis() {
        let d = eval(
            r#"
policy p { title "T" drug "D" effective 2024-01-01 }
enum Diagnosis open "The condition" { melanoma "Melanoma" }
fact diagnosis: Diagnosis "The condition"
fact dose: mg "The dose"
indication 1 "Melanoma" {
  applies when diagnosis is melanoma
  approve for 1 year
  criteria: all of { A "The dose is stated": dose is known }
  dosing: all of { A "At most 100 mg": dose at most 100 mg }
}
"#,
            r#"{"facts": {"dose": "200 mg"}}"#,
        );
        // policyc: needs_info, missing ["diagnosis"].
        assert_eq!(d.decision, DecisionKind::Deny, "{:?}", missing(&d));
    }

    /// The same with an `outside dosing` statement: the dose is outside, so the request is referred
    /// whether flag_a holds (criteria met, dosing outside) or not (criteria met only through the
    /// clinician's review). policyc asks for flag_a.
    #[test]
    fn dosing_outside_is_referred_whether_or_not_the_criteria_need_a_clinician() {
        let d = eval(
            r#"
policy p {
  title "T" drug "D" effective 2024-01-01
  outside dosing "Other doses are reviewed by a clinician."
}
fact flag_a: boolean "A"
fact dose: mg "The dose"
indication 1 "One" {
  approve for 1 year
  criteria: one of {
    A "Flag A": flag_a
    B "Otherwise a clinician decides": refer to a clinician
  }
  dosing: all of { A "At most 100 mg": dose at most 100 mg }
}
"#,
            r#"{"facts": {"dose": "200 mg"}}"#,
        );
        // policyc: needs_info, missing ["flag_a"].
        assert_eq!(d.decision, DecisionKind::Refer, "{:?}", missing(&d));
    }

    /// Arguable: with `is known`, stating a fact changes which other facts matter. With `{}`,
    /// indication 1 fails (flag_a is not known) and needs_info asks for flag_a (indication 2);
    /// once flag_a is stated, indication 1 depends on flag_b, which was not listed, though the
    /// README's "could change the decision together with the other unstated facts" covers it.
    #[test]
    #[ignore = "intended (README, Known limitations): `is known` reads the request as stated; stating flag_a brings in indication 1, and needs_info then asks for flag_b"]
    fn needs_info_lists_facts_behind_is_known() {
        let policy = r#"
policy p { title "T" drug "D" effective 2024-01-01 }
fact flag_a: boolean "A"
fact flag_b: boolean "B"
indication 1 "One" {
  approve for 1 year
  criteria: all of {
    A "A is stated": flag_a is known
    B "Flag B": flag_b
  }
}
indication 2 "Two" {
  approve for 1 year
  criteria: all of { A "Flag A": flag_a }
}
"#;
        let then = eval(policy, r#"{"facts": {"flag_a": false}}"#);
        assert_eq!(then.decision, DecisionKind::NeedsInfo);
        assert_eq!(missing(&then), ["flag_b"]);
        let d = eval(policy, r#"{"facts": {}}"#);
        // policyc: ["flag_a"].
        assert_eq!(missing(&d), ["flag_a", "flag_b"]);
    }

    /// A `refer to a clinician` under `none of`: policyc approves the request outright, without
    /// anyone's review, while its own lint W0101 says the criterion can never hold; and the same
    /// `none of` as one part of an `all of` makes the request a denial instead. The README
    /// approves only when the criteria hold, and leaves referral criteria to people; an approval
    /// that holds only by reading a clinician's review as not happening is neither.
    #[test]
    fn referral_under_none_of_is_not_an_approval() {
        let policy = |criteria: &str| {
            format!(
                r#"
policy p {{ title "T" drug "D" effective 2024-01-01 }}
fact flag_a: boolean "A"
indication 1 "One" {{
  approve for 1 year
  criteria: {criteria}
}}
"#
            )
        };
        let request = r#"{"facts": {"flag_a": true}}"#;
        let inner = eval(
            &policy(
                r#"all of {
    A "Flag A": flag_a
    B "Not left to a clinician": none of { i "A clinician decides": refer to a clinician }
  }"#,
            ),
            request,
        );
        assert_eq!(inner.decision, DecisionKind::Deny);
        let outer = eval(
            &policy(r#"none of { A "A clinician decides": refer to a clinician }"#),
            request,
        );
        // policyc: approve.
        assert_eq!(outer.decision, inner.decision);
    }

    /// A `when` branch of the dosing whose guard is unknown and whose limit is exceeded: the
    /// branch fails whatever the route, so the dosing is outside the policy's, and the request is
    /// referred (with the statement) or denied (without). README: a referral for dosing "lists
    /// each exceeded limit with the requested and allowed value", a denial "lists the criteria not
    /// met". policyc lists none: its summary reads "outside the policy's ()" / "criteria not met
    /// ()".
    #[test]
    fn exceeded_limit_behind_an_unknown_guard_is_cited() {
        let policy = |statement: &str| {
            format!(
                r#"
policy p {{
  title "T" drug "D" effective 2024-01-01
  {statement}
}}
enum Route "The route" {{ iv "Intravenous" sc "Subcutaneous" }}
fact route: Route "The route"
fact dose: mg "The dose"
indication 1 "One" {{
  approve for 1 year
  criteria: all of {{ A "The dose is stated": dose is known }}
  dosing: all of {{ A "Intravenous: at most 100 mg" when route is iv: dose at most 100 mg }}
}}
"#
            )
        };
        let request = r#"{"facts": {"dose": "200 mg"}}"#;
        let refer = eval(
            &policy(r#"outside dosing "Other doses are reviewed by a clinician.""#),
            request,
        );
        assert_eq!(refer.decision, DecisionKind::Refer);
        let deny = eval(&policy(""), request);
        assert_eq!(deny.decision, DecisionKind::Deny);
        let exceeded: Vec<&str> = refer.exceeded.iter().map(|l| l.label.as_str()).collect();
        let unmet: Vec<&str> = deny.unmet.iter().map(|u| u.label.as_str()).collect();
        // policyc: [] and [].
        assert_eq!((exceeded, unmet), (vec!["1.Dosing.A"], vec!["1.Dosing.A"]));
    }
}
