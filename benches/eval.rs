//! Benchmarks for the Proleukin policy, and for checking and deciding at scale.
//!
//! - `floor`: a hand-written reader (serde's derive over a plain struct) and decision function for
//!   the Proleukin policy alone ([`floor`]): what the figures below are compared with;
//! - `bind` (JSON parsing and binding), `decide` (no explanation), `evaluate` (with explanation),
//!   `bind+decide` per decision kind and `bind+evaluate`: per request, end to end from the JSON text;
//! - `check`: `policyc check` (and `check --strict`) of 10, 100 and 1,000 generated Proleukin-sized
//!   policies in a temporary folder, through the release binary;
//! - `batch`: `policyc eval --batch` (explained, and `--brief`) over 100,000 JSON Lines requests,
//!   through the release binary;
//! - `compile`: check and compile of the policy source, in the library.
//!
//! Requests: a built-in set covering all four decisions, plus every `*.json` under
//! `policies/examples/proleukin/` and `tests/requests/proleukin/` (whatever exists; files that do
//! not bind, e.g. requests written to test errors, are skipped). Before measuring, the floor is
//! checked to give policyc's decision for every one of them.
//!
//! Run with `cargo bench --bench eval` (one group: `cargo bench --bench eval -- bind+decide`). The
//! per-request groups report throughput per request (criterion's `Throughput::Elements`); the run
//! ends with a summary table of time per request and the ratio to the floor, measured again
//! outside criterion so that it is one table whatever groups the filter selects (set
//! `POLICYC_BENCH_NO_SUMMARY=1` to leave it out).

#[path = "eval/floor.rs"]
mod floor;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use policyc::eval::{decide, evaluate, DecisionKind};
use policyc::ir::Program;
use policyc::request::{bind, Request};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const POLICY: &str = "policies/proleukin.policy";
const REQUEST_DIRS: &[&str] = &["policies/examples/proleukin", "tests/requests/proleukin"];

/// Built-in requests, so that every decision is measured whatever files exist.
const BUILTIN: &[(&str, DecisionKind, &str)] = &[
    (
        "approve-melanoma-iv",
        DecisionKind::Approve,
        r#"{
          "request_id": "bench-approve-melanoma-iv",
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "cutaneous_melanoma",
            "date_of_birth": "1971-06-02",
            "disease_extent": ["metastatic"],
            "other_systemic_therapies": 2,
            "single_agent": true,
            "prescriber_specialty": "oncologist",
            "route": "intravenous",
            "dose_per_kg": "600000 [IU]/kg",
            "doses_per_day": "3 {dose}/d",
            "doses_per_cycle": "14 {dose}"
          }
        }"#,
    ),
    (
        "approve-melanoma-intralesional",
        DecisionKind::Approve,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "cutaneous_melanoma",
            "date_of_birth": "1960-03-10",
            "disease_extent": ["recurrent"],
            "lesion_sites": ["cutaneous", "nodal"],
            "prescriber_specialty": "other_specialty",
            "consulting_specialties": ["dermatologist"],
            "route": "intralesional",
            "dose_per_lesion": "2000000 [IU]",
            "doses_per_week": "3 {dose}/wk"
          }
        }"#,
    ),
    (
        "approve-gvhd-bsa",
        DecisionKind::Approve,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "chronic_gvhd",
            "steroid_refractory": true,
            "with_systemic_corticosteroids": true,
            "prescriber_specialty": "transplant_center_physician",
            "route": "subcutaneous",
            "dose": "1000000 [IU]",
            "height": "170 cm",
            "body_weight": "70 kg",
            "doses_per_day": "1 {dose}/d"
          }
        }"#,
    ),
    (
        "approve-rcc-mg-per-kg",
        DecisionKind::Approve,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "renal_cell_carcinoma",
            "date_of_birth": "1955-11-20",
            "disease_extent": ["metastatic", "unresectable"],
            "single_agent": true,
            "prescriber_specialty": "oncologist",
            "route": "intravenous",
            "dose_per_kg": "0.037 mg/kg",
            "doses_per_day": "3 {dose}/d",
            "doses_per_cycle": "14 {dose}",
            "rest_before_second_cycle": "9 d",
            "rest_before_next_course": "7 wk"
          }
        }"#,
    ),
    (
        "deny-unlisted-diagnosis",
        DecisionKind::Deny,
        r#"{"as_of": "2026-01-15", "facts": {"diagnosis": "breast_cancer"}}"#,
    ),
    (
        "deny-rcc-combination",
        DecisionKind::Deny,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "renal_cell_carcinoma",
            "date_of_birth": "1955-11-20",
            "disease_extent": ["metastatic"],
            "single_agent": false,
            "prescriber_specialty": "oncologist",
            "route": "intravenous"
          }
        }"#,
    ),
    (
        "deny-acute-gvhd",
        DecisionKind::Deny,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "acute_gvhd",
            "steroid_refractory": true,
            "with_systemic_corticosteroids": true,
            "prescriber_specialty": "oncologist"
          }
        }"#,
    ),
    (
        "needs-info-melanoma-iv-no-age",
        DecisionKind::NeedsInfo,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "cutaneous_melanoma",
            "disease_extent": ["unresectable"],
            "other_systemic_therapies": 1,
            "single_agent": true,
            "prescriber_specialty": "oncologist",
            "route": "intravenous",
            "dose_per_kg": "500000 [IU]/kg",
            "doses_per_day": "3 {dose}/d",
            "doses_per_cycle": "14 {dose}"
          }
        }"#,
    ),
    (
        "needs-info-no-diagnosis",
        DecisionKind::NeedsInfo,
        r#"{"as_of": "2026-01-15", "facts": {"route": "intravenous"}}"#,
    ),
    (
        "refer-melanoma-iv-dose",
        DecisionKind::Refer,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "cutaneous_melanoma",
            "date_of_birth": "1971-06-02",
            "disease_extent": ["metastatic"],
            "other_systemic_therapies": 2,
            "single_agent": true,
            "prescriber_specialty": "oncologist",
            "route": "intravenous",
            "dose_per_kg": "720000 [IU]/kg",
            "doses_per_day": "3 {dose}/d",
            "doses_per_cycle": "14 {dose}"
          }
        }"#,
    ),
    (
        "refer-gvhd-frequency",
        DecisionKind::Refer,
        r#"{
          "as_of": "2026-01-15",
          "facts": {
            "diagnosis": "chronic_gvhd",
            "steroid_refractory": true,
            "with_systemic_corticosteroids": true,
            "prescriber_specialty": "oncologist",
            "route": "subcutaneous",
            "dose_per_m2": "1000000 [IU]/m2",
            "doses_per_day": "2 {dose}/d"
          }
        }"#,
    ),
];

struct Case {
    name: String,
    text: String,
    req: Request,
    kind: DecisionKind,
}

fn program(root: &Path) -> (String, Program) {
    let src = std::fs::read_to_string(root.join(POLICY)).expect("read the policy");
    let program = policyc::compile_source_in(&src, std::path::Path::new("policies"))
        .program
        .expect("the policy has no errors");
    (src, program)
}

fn request_files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in REQUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((
                    format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                    text,
                ));
            }
        }
    }
    out
}

fn cases(program: &Program, root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for (name, expected, text) in BUILTIN {
        let req = bind(program, text, None)
            .unwrap_or_else(|e| panic!("built-in request {name} does not bind: {e:?}"));
        let kind = decide(program, &req).kind;
        assert_eq!(kind, *expected, "built-in request {name}");
        out.push(Case {
            name: format!("builtin:{name}"),
            text: text.to_string(),
            req,
            kind,
        });
    }
    let mut skipped = 0;
    for (name, text) in request_files(root) {
        match bind(program, &text, None) {
            Ok(req) => {
                let kind = decide(program, &req).kind;
                out.push(Case {
                    name,
                    text,
                    req,
                    kind,
                });
            }
            Err(_) => skipped += 1,
        }
    }
    let count = |k| out.iter().filter(|c| c.kind == k).count();
    eprintln!(
        "eval bench: {} requests ({} built in, {} from files; {skipped} files skipped: they do not bind): \
         approve {}, deny {}, needs_info {}, refer {}",
        out.len(),
        BUILTIN.len(),
        out.len() - BUILTIN.len(),
        count(DecisionKind::Approve),
        count(DecisionKind::Deny),
        count(DecisionKind::NeedsInfo),
        count(DecisionKind::Refer),
    );
    out
}

/// The floor's decision for every case, checked against policyc's; the requests it reads.
fn floor_agrees(cases: &[Case]) {
    for c in cases {
        let r = floor::read(&c.text)
            .unwrap_or_else(|e| panic!("the floor cannot read {}: {e}", c.name));
        let kind = floor::decide(&r);
        assert_eq!(
            kind, c.kind,
            "the floor disagrees with policyc on {}",
            c.name
        );
    }
}

/// Time per element of `f` (which handles `n` elements), outside criterion: the best mean of
/// several rounds of about 100 ms each.
fn per_element(n: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut best = Duration::MAX;
    for _ in 0..7 {
        let start = std::time::Instant::now();
        let mut rounds = 0u32;
        while start.elapsed() < Duration::from_millis(100) {
            f();
            rounds += 1;
        }
        best = best.min(start.elapsed() / (rounds * n as u32));
    }
    best
}

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (src, program) = program(root);
    let cases = cases(&program, root);
    floor_agrees(&cases);
    let reqs: Vec<&Request> = cases.iter().map(|c| &c.req).collect();
    let n = reqs.len() as u64;
    const KINDS: [DecisionKind; 4] = [
        DecisionKind::Approve,
        DecisionKind::Deny,
        DecisionKind::NeedsInfo,
        DecisionKind::Refer,
    ];
    let of_kind =
        |kind: DecisionKind| -> Vec<&Case> { cases.iter().filter(|c| c.kind == kind).collect() };

    // The floor: the hand-written reader and decision function, end to end from the JSON text.
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("read+decide", n), |b| {
        b.iter(|| {
            for c in &cases {
                let r = floor::read(black_box(&c.text));
                black_box(r.map(|r| floor::decide(&r)).is_ok());
            }
        })
    });
    g.finish();

    // The decision alone, over every prepared request; per decision = time / n.
    let mut g = c.benchmark_group("decide");
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("all", n), |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(decide(black_box(&program), black_box(r)));
            }
        })
    });
    // Per decision kind, to see which paths are slow.
    for kind in KINDS {
        let subset = of_kind(kind);
        g.throughput(Throughput::Elements(subset.len() as u64));
        g.bench_function(BenchmarkId::new(kind.as_str(), subset.len()), |b| {
            b.iter(|| {
                for c in &subset {
                    black_box(decide(black_box(&program), black_box(&c.req)));
                }
            })
        });
    }
    g.finish();

    // The decision with its explanation, over the same requests.
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("all", n), |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(evaluate(black_box(&program), black_box(r)));
            }
        })
    });
    g.finish();

    // Parsing and binding: one typical request, and the whole set.
    let mut g = c.benchmark_group("bind");
    let approve = &cases[0];
    debug_assert!(approve.name.starts_with("builtin:approve"));
    g.throughput(Throughput::Elements(1));
    g.bench_function("approve-melanoma-iv", |b| {
        b.iter(|| black_box(bind(black_box(&program), black_box(&approve.text), None)))
    });
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("all", n), |b| {
        b.iter(|| {
            for c in &cases {
                black_box(bind(black_box(&program), black_box(&c.text), None).is_ok());
            }
        })
    });
    g.finish();

    // End to end from the JSON text: bind then decide, per decision kind; bind then evaluate.
    let mut g = c.benchmark_group("bind+decide");
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("all", n), |b| {
        b.iter(|| {
            for c in &cases {
                let r = bind(black_box(&program), black_box(&c.text), None);
                black_box(r.map(|r| decide(&program, &r).kind).is_ok());
            }
        })
    });
    for kind in KINDS {
        let subset = of_kind(kind);
        g.throughput(Throughput::Elements(subset.len() as u64));
        g.bench_function(BenchmarkId::new(kind.as_str(), subset.len()), |b| {
            b.iter(|| {
                for c in &subset {
                    let r = bind(black_box(&program), black_box(&c.text), None);
                    black_box(r.map(|r| decide(&program, &r).kind).is_ok());
                }
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("bind+evaluate");
    g.throughput(Throughput::Elements(n));
    g.bench_function(BenchmarkId::new("all", n), |b| {
        b.iter(|| {
            for c in &cases {
                let r = bind(black_box(&program), black_box(&c.text), None);
                black_box(r.map(|r| evaluate(&program, &r).decision).is_ok());
            }
        })
    });
    g.finish();

    // Parse, check and lower the policy from its source text.
    let mut g = c.benchmark_group("compile");
    g.throughput(Throughput::Elements(1));
    g.bench_function("proleukin", |b| {
        b.iter(|| {
            black_box(policyc::compile_source_in(
                black_box(&src),
                std::path::Path::new("policies"),
            ))
        })
    });
    g.finish();

    // `policyc diff` of the two Proleukin versions: what changed by meaning, and the exact
    // regions of requests they decide differently (with their witnesses).
    let version = |f: &str| {
        policyc::compile_path(&root.join("policies").join(f))
            .expect("read the version")
            .program
            .expect("the version has no errors")
    };
    let (v1, v2) = (
        version("proleukin.policy"),
        version("proleukin-2026.policy"),
    );
    let d = policyc::diff::diff(&v1, &v2);
    assert_eq!(
        d.decisions.method,
        policyc::eval::compare::Method::Exact,
        "the Proleukin diff is exact"
    );
    let mut g = c.benchmark_group("diff");
    g.throughput(Throughput::Elements(1));
    g.bench_function("proleukin", |b| {
        b.iter(|| black_box(policyc::diff::diff(black_box(&v1), black_box(&v2))))
    });
    g.finish();

    // `policyc check` of many policies, through the release binary.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(2));
    let mut made = 0;
    for count in [10usize, 100, 1_000] {
        made = generate_policies(root, dir.path(), made, count);
        let files = policy_paths(dir.path(), count);
        g.throughput(Throughput::Elements(count as u64));
        for strict in [false, true] {
            let name = if strict { "strict" } else { "plain" };
            g.bench_function(BenchmarkId::new(name, count), |b| {
                b.iter(|| run_check(&files, strict))
            });
        }
    }
    g.finish();

    // `policyc eval --batch` over JSON Lines, through the release binary.
    let lines = dir.path().join("requests.jsonl");
    write_batch(&lines, &cases, BATCH_LINES);
    let policy = root.join(POLICY);
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements(BATCH_LINES as u64));
    g.bench_function(BenchmarkId::new("eval --batch", BATCH_LINES), |b| {
        b.iter(|| run_batch(&policy, &lines, false))
    });
    g.bench_function(BenchmarkId::new("eval --batch --brief", BATCH_LINES), |b| {
        b.iter(|| run_batch(&policy, &lines, true))
    });
    g.finish();

    if std::env::var_os("POLICYC_BENCH_NO_SUMMARY").is_none() {
        summary(&program, &cases, dir.path());
    }
}

/// How many requests the batch benchmark decides per run.
const BATCH_LINES: usize = 100_000;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_policyc")
}

/// Write policies `from..to` into `dir` (with the library they import): copies of the Proleukin
/// policy, each with its own name and its own limit on doses per cycle. Returns `to`.
fn generate_policies(root: &Path, dir: &Path, from: usize, to: usize) -> usize {
    let src = std::fs::read_to_string(root.join(POLICY)).expect("read the policy");
    let lib =
        std::fs::read_to_string(root.join("policies/lib/common.policy")).expect("read the library");
    std::fs::create_dir_all(dir.join("lib")).expect("a folder for the library");
    std::fs::write(dir.join("lib/common.policy"), lib).expect("write the library");
    for i in from..to {
        let text = src
            .replace("policy proleukin {", &format!("policy proleukin_{i:04} {{"))
            .replace(
                "doses_per_cycle at most 14 doses",
                &format!("doses_per_cycle at most {} doses", 10 + i % 20),
            );
        std::fs::write(dir.join(format!("p{i:04}.policy")), text).expect("write a policy");
    }
    to
}

fn policy_paths(dir: &Path, count: usize) -> Vec<std::path::PathBuf> {
    (0..count)
        .map(|i| dir.join(format!("p{i:04}.policy")))
        .collect()
}

fn run_check(files: &[std::path::PathBuf], strict: bool) {
    let mut cmd = std::process::Command::new(binary());
    cmd.arg("check").args(files);
    if strict {
        cmd.arg("--strict");
    }
    let out = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run policyc check");
    // Plain: warnings only (no cases files); strict: the warnings are errors.
    assert_eq!(
        out.code(),
        Some(if strict { 1 } else { 0 }),
        "policyc check (strict: {strict})"
    );
}

fn write_batch(path: &Path, cases: &[Case], count: usize) {
    let mut text = String::new();
    for c in cases.iter().cycle().take(count) {
        let v: serde_json::Value = serde_json::from_str(&c.text).expect("a request is JSON");
        text.push_str(&v.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).expect("write the requests");
}

/// `policyc eval --batch`, explained or (`brief`) not.
fn run_batch(policy: &Path, lines: &Path, brief: bool) {
    let status = std::process::Command::new(binary())
        .arg("eval")
        .arg(policy)
        .arg(lines)
        .arg("--batch")
        .args(brief.then_some("--brief"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run policyc eval --batch");
    assert_eq!(status.code(), Some(0), "policyc eval --batch");
}

/// The summary table: time per request (or per policy) and the ratio to the floor.
fn summary(program: &Program, cases: &[Case], dir: &Path) {
    let n = cases.len();
    let floor = per_element(n, || {
        for c in cases {
            let r = floor::read(black_box(&c.text));
            black_box(r.map(|r| floor::decide(&r)).is_ok());
        }
    });
    let bind_t = per_element(n, || {
        for c in cases {
            black_box(bind(program, black_box(&c.text), None).is_ok());
        }
    });
    let decide_t = per_element(n, || {
        for c in cases {
            black_box(decide(program, black_box(&c.req)));
        }
    });
    let evaluate_t = per_element(n, || {
        for c in cases {
            black_box(evaluate(program, black_box(&c.req)));
        }
    });
    let bind_decide = per_element(n, || {
        for c in cases {
            let r = bind(program, black_box(&c.text), None);
            black_box(r.map(|r| decide(program, &r).kind).is_ok());
        }
    });
    let bind_evaluate = per_element(n, || {
        for c in cases {
            let r = bind(program, black_box(&c.text), None);
            black_box(r.map(|r| evaluate(program, &r).decision).is_ok());
        }
    });
    let ratio = |d: Duration| d.as_secs_f64() / floor.as_secs_f64();
    eprintln!(
        "\nsummary ({n} requests; the floor is the hand-written reader and decision function):"
    );
    eprintln!("  {:<28} {:>12} {:>10}", "what", "per request", "× floor");
    for (what, d) in [
        ("floor (read + decide)", floor),
        ("bind", bind_t),
        ("decide", decide_t),
        ("evaluate", evaluate_t),
        ("bind + decide", bind_decide),
        ("bind + evaluate", bind_evaluate),
    ] {
        eprintln!(
            "  {what:<28} {:>9.0} ns {:>9.2}×",
            d.as_secs_f64() * 1e9,
            ratio(d)
        );
    }
    let time = |f: &dyn Fn()| {
        let start = std::time::Instant::now();
        f();
        start.elapsed()
    };
    let files = policy_paths(dir, 1_000);
    let check = (0..3)
        .map(|_| time(&|| run_check(&files, false)))
        .min()
        .unwrap_or_default();
    let strict = (0..3)
        .map(|_| time(&|| run_check(&files, true)))
        .min()
        .unwrap_or_default();
    let lines = dir.join("requests.jsonl");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join(POLICY);
    let batch = (0..3)
        .map(|_| time(&|| run_batch(&policy, &lines, false)))
        .min()
        .unwrap_or_default();
    let brief = (0..3)
        .map(|_| time(&|| run_batch(&policy, &lines, true)))
        .min()
        .unwrap_or_default();
    eprintln!(
        "  {:<28} {:>9.3} s",
        "check, 1,000 policies",
        check.as_secs_f64()
    );
    eprintln!(
        "  {:<28} {:>9.3} s",
        "check --strict, 1,000",
        strict.as_secs_f64()
    );
    eprintln!(
        "  {:<28} {:>9.0} requests/s ({:.2}× floor per request)",
        "eval --batch",
        BATCH_LINES as f64 / batch.as_secs_f64(),
        batch.as_secs_f64() / BATCH_LINES as f64 / floor.as_secs_f64()
    );
    eprintln!(
        "  {:<28} {:>9.0} requests/s ({:.2}× floor per request)",
        "eval --batch --brief",
        BATCH_LINES as f64 / brief.as_secs_f64(),
        brief.as_secs_f64() / BATCH_LINES as f64 / floor.as_secs_f64()
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = eval;
    config = config();
    targets = benches
}
criterion_main!(eval);
