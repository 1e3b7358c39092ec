//! The service's counters, exposed in the Prometheus text format.

use policyc::DecisionKind;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
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

/// Counters, updated without locks.
pub struct Metrics {
    policies: Vec<String>,
    /// Per policy (by index), per kind (in `KINDS` order).
    decisions: Vec<[AtomicU64; 4]>,
    /// Non-cumulative counts per bucket, the last one for +Inf.
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_ns: AtomicU64,
    errors: [AtomicU64; ERROR_STATUSES.len()],
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
    /// Counters for these policies (ids in index order).
    pub fn new(policies: Vec<String>) -> Metrics {
        let decisions = policies.iter().map(|_| Default::default()).collect();
        Metrics {
            policies,
            decisions,
            latency: Default::default(),
            latency_sum_ns: AtomicU64::new(0),
            errors: Default::default(),
        }
    }

    /// Count one decision of policy `index`, and how long binding and deciding took.
    pub fn decision(&self, index: usize, kind: DecisionKind, latency: Duration) {
        if let Some(row) = self.decisions.get(index) {
            row[kind_index(kind)].fetch_add(1, Relaxed);
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

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# HELP policyc_decisions_total Decisions made, by policy and decision kind.\n");
        s.push_str("# TYPE policyc_decisions_total counter\n");
        for (id, row) in self.policies.iter().zip(&self.decisions) {
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
        s
    }
}

/// A label value escaped for the text format.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
