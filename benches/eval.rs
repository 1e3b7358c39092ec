//! Benchmarks for the Proleukin policy: `decide` (no explanation), `evaluate` (with explanation),
//! `bind` (JSON parsing and binding) and check+compile of the policy source.
//!
//! Requests: a built-in set covering all four decisions, plus every `*.json` under
//! `policies/examples/proleukin/` and `tests/requests/proleukin/` (whatever exists; files that do
//! not bind, e.g. requests written to test errors, are skipped).
//!
//! Run with `cargo bench --bench eval`. The `decide`, `evaluate` and `bind` figures are per request
//! (criterion's `Throughput::Elements`, shown as elements per second; time per element = the
//! reported time divided by the number of requests, which is printed at start-up).

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

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (src, program) = program(root);
    let cases = cases(&program, root);
    let reqs: Vec<&Request> = cases.iter().map(|c| &c.req).collect();
    let n = reqs.len() as u64;

    // (a) The decision alone, over every prepared request; per decision = time / n.
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
    for kind in [
        DecisionKind::Approve,
        DecisionKind::Deny,
        DecisionKind::NeedsInfo,
        DecisionKind::Refer,
    ] {
        let subset: Vec<&Request> = cases
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| &c.req)
            .collect();
        g.throughput(Throughput::Elements(subset.len() as u64));
        g.bench_function(BenchmarkId::new(kind.as_str(), subset.len()), |b| {
            b.iter(|| {
                for r in &subset {
                    black_box(decide(black_box(&program), black_box(r)));
                }
            })
        });
    }
    g.finish();

    // (b) The decision with its explanation, over the same requests.
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

    // (c) Parsing and binding: one typical request, and the whole set.
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

    // (d) Parse, check and lower the policy from its source text.
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
