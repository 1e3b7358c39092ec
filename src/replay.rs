//! `policyc replay INPUT --policy [OLD] --policy NEW`: decide JSON Lines of requests under two
//! policies (or two versions of one) and count the decisions that change, by transition.
//!
//! INPUT holds requests (the JSON Lines that `eval --batch` and the service's batch route take)
//! or lines of a decision log (`serve --log`, `eval --batch --log`), which hold each request's
//! date of service and stated facts. With one `--policy`, every line must be a decision-log line,
//! and the decision it logged is the one before. A masked fact is left out of the request
//! replayed (so the replay may differ where it mattered); the report counts those lines. Each
//! request is decided with the fast path (`decide`), which is never wrong about the decision
//! `evaluate` explains.

use crate::batch::{par_map, Line, Lines, CHUNK};
use crate::{exit, OutputFormat};
use policyc::ir::Program;
use policyc::load::Loader;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many example requests are kept per transition.
const EXAMPLES: usize = 3;

/// A line of a decision log, read back: the request it logged, and what it logged.
struct Logged {
    /// The request: its id, date of service and stated facts (masked ones left out).
    request: String,
    /// The decision logged.
    decision: &'static str,
    /// Whether a fact was masked.
    masked: bool,
    /// The request's id, as logged.
    request_id: Option<String>,
    /// The policy that decided: id, effective date and content hash.
    policy: (String, String, String),
}

/// The line as a decision-log line, if it is one.
fn logged(text: &str) -> Option<Logged> {
    if !text.contains("\"policyc-decision-log\"") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if v.get("format")?.as_str()? != "policyc-decision-log" {
        return None;
    }
    let decision = ["approve", "deny", "needs_info", "refer"]
        .into_iter()
        .find(|k| v.get("decision").and_then(|d| d.as_str()) == Some(*k))?;
    let mut facts = v.get("facts")?.as_object()?.clone();
    let masked = v.get("masked").and_then(|m| m.as_array());
    for m in masked.into_iter().flatten() {
        if let Some(name) = m.as_str() {
            facts.remove(name);
        }
    }
    let request = serde_json::json!({
        "request_id": v.get("request_id"),
        "as_of": v.get("as_of"),
        "facts": facts,
    });
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    Some(Logged {
        request: request.to_string(),
        decision,
        masked: masked.is_some_and(|m| !m.is_empty()),
        request_id: v
            .get("request_id")
            .and_then(|r| r.as_str())
            .map(str::to_string),
        policy: (s("policy"), s("effective"), s("content_hash")),
    })
}

/// What a request gives under one policy: a decision, or `invalid` (it does not bind). A
/// decision-log line is read as the request it logged.
fn state(program: &Program, line: &Line, as_of: Option<&str>) -> (&'static str, Option<String>) {
    let Ok(text) = &line.text else {
        return ("invalid", None);
    };
    let from_log = logged(text);
    let text = from_log
        .as_ref()
        .map_or(text.as_str(), |l| l.request.as_str());
    match policyc::bind(program, text, as_of) {
        Ok(req) => {
            let kind = policyc::decide(program, &req).kind;
            (kind.as_str(), req.request_id)
        }
        Err(_) => ("invalid", None),
    }
}

/// An example of a transition: the line and the request's own id.
#[derive(Serialize, Clone)]
struct Example {
    line: usize,
    request_id: Option<String>,
}

impl std::fmt::Display for Example {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.request_id {
            Some(id) => write!(f, "{id}"),
            None => write!(f, "line {}", self.line),
        }
    }
}

#[derive(Serialize)]
struct Transition {
    from: &'static str,
    to: &'static str,
    count: usize,
    examples: Vec<Example>,
}

#[derive(Serialize)]
struct PolicyRef {
    path: String,
    id: String,
    effective: String,
    content_hash: String,
}

/// The report (`--format json`: `policyc-replay`, version 1).
#[derive(Serialize)]
struct Report {
    format: &'static str,
    format_version: u32,
    old: PolicyRef,
    new: PolicyRef,
    requests: usize,
    changed: usize,
    unchanged: usize,
    /// Requests invalid under both policies (counted in `unchanged`).
    invalid_under_both: usize,
    /// Decision-log lines with masked facts, replayed without them.
    masked: usize,
    transitions: Vec<Transition>,
}

fn policy_ref(path: &Path, p: &Program) -> PolicyRef {
    PolicyRef {
        path: path.display().to_string(),
        id: p.policy.id.clone(),
        effective: p.policy.effective.clone(),
        content_hash: policyc_serve::policies::content_hash(p),
    }
}

/// `policyc replay`.
pub fn run(
    loader: &mut Loader,
    input: &str,
    policies: &[PathBuf],
    format: OutputFormat,
    as_of: Option<&str>,
) -> u8 {
    let (old_path, new_path) = match policies {
        [new] => (None, new),
        [old, new] => (Some(old), new),
        _ => {
            eprintln!(
                "error: replay takes the policy before and the policy after (`--policy OLD --policy NEW`), or with a decision log only the policy after (`--policy NEW`); {} given",
                policies.len()
            );
            return exit::USAGE;
        }
    };
    if let (Some(date), Some(Err(p))) = (as_of, as_of.map(crate::check_as_of)) {
        eprintln!("error: invalid value `{date}` for --as-of: {}", p.message);
        if let Some(h) = &p.help {
            eprintln!("  help: {h}");
        }
        return exit::USAGE;
    }
    let old = match old_path {
        Some(path) => match crate::load_program(loader, path, OutputFormat::Human) {
            Ok(p) => Some(p),
            Err(c) => return c,
        },
        None => None,
    };
    let new = match crate::load_program(loader, new_path, OutputFormat::Human) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let mut lines = match Lines::open(input) {
        Ok(l) => l,
        Err(m) => {
            eprintln!("error: {m}");
            return exit::IO_ERROR;
        }
    };
    let lines_name = lines.name.clone();
    let mut transitions: BTreeMap<(&'static str, &'static str), (usize, Vec<Example>)> =
        BTreeMap::new();
    let (mut requests, mut unchanged, mut invalid_both, mut invalid_any) = (0, 0, 0, false);
    let (mut masked, mut not_logged) = (0, Vec::new());
    let mut logged_policy: Option<(String, String, String)> = None;
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        if let Err(e) = lines.next_chunk(&mut chunk, CHUNK) {
            eprintln!("error: cannot read {}: {e}", lines.name);
            return exit::IO_ERROR;
        }
        if chunk.is_empty() {
            break;
        }
        let states = par_map(&chunk, |l| {
            let log = l.text.as_deref().ok().and_then(logged);
            let before = match (&old, &log) {
                (Some(old), _) => state(old, l, as_of),
                (None, Some(log)) => (log.decision, log.request_id.clone()),
                (None, None) => ("invalid", None),
            };
            let log = log.map(|g| (g.masked, g.policy));
            (before, state(&new, l, as_of), log)
        });
        for (line, ((from, old_id), (to, new_id), log)) in chunk.iter().zip(states) {
            requests += 1;
            match log {
                Some((m, policy)) => {
                    masked += usize::from(m);
                    logged_policy.get_or_insert(policy);
                }
                None if old.is_none() && not_logged.len() < EXAMPLES => not_logged.push(line.n),
                None => {}
            }
            invalid_any |= from == "invalid" || to == "invalid";
            if from == to {
                unchanged += 1;
                invalid_both += usize::from(from == "invalid");
                continue;
            }
            let t = transitions.entry((from, to)).or_default();
            t.0 += 1;
            if t.1.len() < EXAMPLES {
                t.1.push(Example {
                    line: line.n,
                    request_id: old_id.or(new_id),
                });
            }
        }
    }
    let mut transitions: Vec<Transition> = transitions
        .into_iter()
        .map(|((from, to), (count, examples))| Transition {
            from,
            to,
            count,
            examples,
        })
        .collect();
    // The largest first; ties by name, so the order is the same from run to run.
    transitions.sort_by_key(|t| std::cmp::Reverse(t.count));
    if !not_logged.is_empty() {
        let lines: Vec<String> = not_logged.iter().map(usize::to_string).collect();
        eprintln!(
            "error: line {} of {} is not a decision-log line: with one --policy, replay compares the new policy with the decisions a log records; give the old policy too (`--policy OLD --policy NEW`) to replay requests",
            lines.join(", "),
            lines_name
        );
    }
    let old_ref = match (old_path, &old) {
        (Some(path), Some(p)) => policy_ref(path, p),
        _ => {
            let (id, effective, content_hash) = logged_policy.unwrap_or_default();
            PolicyRef {
                path: format!("the decisions logged in {lines_name}"),
                id,
                effective,
                content_hash,
            }
        }
    };
    let report = Report {
        format: "policyc-replay",
        format_version: 1,
        old: old_ref,
        new: policy_ref(new_path, &new),
        requests,
        changed: requests - unchanged,
        unchanged,
        invalid_under_both: invalid_both,
        masked,
        transitions,
    };
    let text = match format {
        OutputFormat::Human => human(&report),
        OutputFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(j) => j + "\n",
            Err(e) => {
                eprintln!("error: cannot serialize the report: {e}");
                return exit::POLICY_ERROR;
            }
        },
    };
    if crate::print_stdout(&text) != exit::OK {
        return exit::IO_ERROR;
    }
    if invalid_any || !not_logged.is_empty() {
        exit::REQUEST_ERROR
    } else {
        exit::OK
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human(r: &Report) -> String {
    let describe = |p: &PolicyRef| {
        format!(
            "{} (policy `{}`, effective {}, content hash {})",
            p.path,
            p.id,
            p.effective,
            &p.content_hash[..p.content_hash.len().min(12)]
        )
    };
    let mut out = format!(
        "old: {}\nnew: {}\n{}: {} changed, {} unchanged",
        describe(&r.old),
        describe(&r.new),
        plural(r.requests, "request", "requests"),
        r.changed,
        r.unchanged
    );
    if r.invalid_under_both > 0 {
        out.push_str(&format!(" ({} invalid under both)", r.invalid_under_both));
    }
    out.push('\n');
    if r.masked > 0 {
        out.push_str(&format!(
            "{} with masked facts, replayed without them (a change there may come from the mask)\n",
            plural(r.masked, "logged request", "logged requests")
        ));
    }
    for t in &r.transitions {
        let examples: Vec<String> = t.examples.iter().map(Example::to_string).collect();
        let more = if t.count > t.examples.len() {
            ", …"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {} → {}: {}  ({}{more})\n",
            t.from,
            t.to,
            t.count,
            examples.join(", ")
        ));
    }
    if r.transitions
        .iter()
        .any(|t| t.from == "invalid" || t.to == "invalid")
    {
        out.push_str(
            "invalid: the request does not bind under that policy; `policyc eval --batch` shows why\n",
        );
    }
    out
}
