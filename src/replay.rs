//! `policyc replay REQUESTS --policy OLD --policy NEW`: decide JSON Lines of requests under two
//! policies (or two versions of one) and count the decisions that change, by transition.
//!
//! The decision log of `serve --log` does not hold the requests' facts (only ids, decisions and
//! labels), so it cannot be re-decided: replay reads the requests themselves, the JSON Lines that
//! `eval --batch` and the service's batch route take. Each request is decided with the fast path
//! (`decide`), which is never wrong about the decision `evaluate` explains.

use crate::batch::{par_map, Line, Lines, CHUNK};
use crate::{exit, OutputFormat};
use policyc::ir::Program;
use policyc::load::Loader;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many example requests are kept per transition.
const EXAMPLES: usize = 3;

/// What a request gives under one policy: a decision, or `invalid` (it does not bind).
fn state(program: &Program, line: &Line, as_of: Option<&str>) -> (&'static str, Option<String>) {
    let Ok(text) = &line.text else {
        return ("invalid", None);
    };
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
    let [old_path, new_path] = policies else {
        eprintln!(
            "error: replay takes two policies, the one before and the one after: `--policy OLD --policy NEW` ({} given)",
            policies.len()
        );
        return exit::USAGE;
    };
    if let (Some(date), Some(Err(p))) = (as_of, as_of.map(crate::check_as_of)) {
        eprintln!("error: invalid value `{date}` for --as-of: {}", p.message);
        if let Some(h) = &p.help {
            eprintln!("  help: {h}");
        }
        return exit::USAGE;
    }
    let old = match crate::load_program(loader, old_path, OutputFormat::Human) {
        Ok(p) => p,
        Err(c) => return c,
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
    let mut transitions: BTreeMap<(&'static str, &'static str), (usize, Vec<Example>)> =
        BTreeMap::new();
    let (mut requests, mut unchanged, mut invalid_both, mut invalid_any) = (0, 0, 0, false);
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        if let Err(e) = lines.next_chunk(&mut chunk, CHUNK) {
            eprintln!("error: cannot read {}: {e}", lines.name);
            return exit::IO_ERROR;
        }
        if chunk.is_empty() {
            break;
        }
        let states = par_map(&chunk, |l| (state(&old, l, as_of), state(&new, l, as_of)));
        for (line, ((from, old_id), (to, new_id))) in chunk.iter().zip(states) {
            requests += 1;
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
    let report = Report {
        format: "policyc-replay",
        format_version: 1,
        old: policy_ref(old_path, &old),
        new: policy_ref(new_path, &new),
        requests,
        changed: requests - unchanged,
        unchanged,
        invalid_under_both: invalid_both,
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
    if invalid_any {
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
