//! The service's counters, exposed in the Prometheus text format.

use crate::policies::Policies;
use policyc::DecisionKind;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::RwLock;
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.1, 1.0,
];

/// The HTTP statuses counted as errors.
pub const ERROR_STATUSES: [u16; 8] = [400, 404, 405, 408, 413, 415, 500, 503];

const KINDS: [DecisionKind; 4] = [
    DecisionKind::Approve,
    DecisionKind::Deny,
    DecisionKind::NeedsInfo,
    DecisionKind::Refer,
];

/// Counters, updated without locks (but for a policy's first decision, which adds its row).
pub struct Metrics {
    /// Per policy id, per kind (in `KINDS` order). A policy no longer served keeps its row:
    /// counters never go back.
    decisions: RwLock<BTreeMap<String, [AtomicU64; 4]>>,
    /// Non-cumulative counts per bucket, the last one for +Inf.
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_ns: AtomicU64,
    errors: [AtomicU64; ERROR_STATUSES.len()],
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

fn kind_index(k: DecisionKind) -> usize {
    match k {
        DecisionKind::Approve => 0,
        DecisionKind::Deny => 1,
        DecisionKind::NeedsInfo => 2,
        DecisionKind::Refer => 3,
    }
}

impl Metrics {
    /// Counters for these policies (each shown from the start, at 0).
    pub fn new(policies: Vec<String>) -> Metrics {
        let decisions = policies
            .into_iter()
            .map(|id| (id, Default::default()))
            .collect();
        Metrics {
            decisions: RwLock::new(decisions),
            latency: Default::default(),
            latency_sum_ns: AtomicU64::new(0),
            errors: Default::default(),
            reloads: AtomicU64::new(0),
            reload_failures: AtomicU64::new(0),
        }
    }

    /// Count one decision of policy `id`, and how long binding and deciding took.
    pub fn decision(&self, id: &str, kind: DecisionKind, latency: Duration) {
        let k = kind_index(kind);
        let counted = {
            let rows = self.decisions.read().unwrap_or_else(|e| e.into_inner());
            rows.get(id)
                .map(|row| row[k].fetch_add(1, Relaxed))
                .is_some()
        };
        if !counted {
            let mut rows = self.decisions.write().unwrap_or_else(|e| e.into_inner());
            rows.entry(id.to_string()).or_default()[k].fetch_add(1, Relaxed);
        }
        let secs = latency.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.latency[bucket].fetch_add(1, Relaxed);
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_sum_ns.fetch_add(ns, Relaxed);
    }

    /// Count one answer with an error status.
    pub fn error(&self, status: u16) {
        if let Some(i) = ERROR_STATUSES.iter().position(|s| *s == status) {
            self.errors[i].fetch_add(1, Relaxed);
        }
    }

    /// Count one reload, and whether some file failed to compile in it.
    pub fn reload(&self, failed: bool) {
        self.reloads.fetch_add(1, Relaxed);
        if failed {
            self.reload_failures.fetch_add(1, Relaxed);
        }
    }

    /// The Prometheus text exposition (format 0.0.4), with the state of `policies`, the set served.
    pub fn render(&self, policies: &Policies) -> String {
        let mut s = String::new();
        s.push_str("# HELP policyc_decisions_total Decisions made, by policy and decision kind.\n");
        s.push_str("# TYPE policyc_decisions_total counter\n");
        let rows = self.decisions.read().unwrap_or_else(|e| e.into_inner());
        for (id, row) in rows.iter() {
            for (k, c) in KINDS.iter().zip(row) {
                let _ = writeln!(
                    s,
                    "policyc_decisions_total{{policy=\"{}\",decision=\"{}\"}} {}",
                    escape(id),
                    k.as_str(),
                    c.load(Relaxed)
                );
            }
        }
        s.push_str("# HELP policyc_decision_duration_seconds Time to bind a request and decide it (each decision of a batch counts once).\n");
        s.push_str("# TYPE policyc_decision_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += self.latency[i].load(Relaxed);
            let _ = writeln!(
                s,
                "policyc_decision_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}"
            );
        }
        cumulative += self.latency[BUCKETS.len()].load(Relaxed);
        let _ = writeln!(
            s,
            "policyc_decision_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.latency_sum_ns.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(s, "policyc_decision_duration_seconds_sum {sum}");
        let _ = writeln!(s, "policyc_decision_duration_seconds_count {cumulative}");
        s.push_str("# HELP policyc_request_errors_total Requests answered with an error, by HTTP status (400: a bad request; batch lines in error are counted as 400 too).\n");
        s.push_str("# TYPE policyc_request_errors_total counter\n");
        for (st, c) in ERROR_STATUSES.iter().zip(&self.errors) {
            let _ = writeln!(
                s,
                "policyc_request_errors_total{{status=\"{st}\"}} {}",
                c.load(Relaxed)
            );
        }
        s.push_str("# HELP policyc_reloads_total Reloads of the policies folder (file changes and SIGHUP).\n");
        s.push_str("# TYPE policyc_reloads_total counter\n");
        let _ = writeln!(s, "policyc_reloads_total {}", self.reloads.load(Relaxed));
        s.push_str("# HELP policyc_reload_failures_total Reloads in which some file did not compile (its policy kept its last good version).\n");
        s.push_str("# TYPE policyc_reload_failures_total counter\n");
        let _ = writeln!(
            s,
            "policyc_reload_failures_total {}",
            self.reload_failures.load(Relaxed)
        );
        s.push_str("# HELP policyc_policies Policies and files by load state: loaded (the file's current version serves), stale (the file no longer compiles; its last good version serves), failed (a file that does not compile and serves nothing).\n");
        s.push_str("# TYPE policyc_policies gauge\n");
        let stale = policies.failures.iter().filter(|f| f.id.is_some()).count();
        let failed = policies.failures.len() - stale;
        let loaded = policies.by_id.len().saturating_sub(stale);
        for (state, n) in [("loaded", loaded), ("stale", stale), ("failed", failed)] {
            let _ = writeln!(s, "policyc_policies{{state=\"{state}\"}} {n}");
        }
        s.push_str("# HELP policyc_policy_stale Whether the policy serves a version older than its file (1: its file no longer compiles).\n");
        s.push_str("# TYPE policyc_policy_stale gauge\n");
        for id in policies.by_id.keys() {
            let v = u8::from(policies.failure_of(id).is_some());
            let _ = writeln!(s, "policyc_policy_stale{{policy=\"{}\"}} {v}", escape(id));
        }
        s
    }
}

/// A label value escaped for the text format.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
