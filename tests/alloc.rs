//! `decide` does not allocate.
//!
//! A counting global allocator wraps the system allocator for this test binary. It counts, per
//! thread, the allocations made while counting is switched on, so the test harness's other threads
//! (and other tests) cannot disturb the count.

use policyc::eval::{decide, evaluate, DecisionKind};
use policyc::ir::Program;
use policyc::request::{bind, Request};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::path::Path;

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: never panic inside the allocator (e.g. while a thread's locals are torn down).
    if ON.try_with(Cell::get).unwrap_or(false) {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    COUNT.with(|c| c.set(0));
    ON.with(|o| o.set(true));
    let r = f();
    ON.with(|o| o.set(false));
    (COUNT.with(Cell::get), r)
}

const REQUEST_DIRS: &[&str] = &["policies/examples/proleukin", "tests/requests/proleukin"];

/// Requests covering all four decisions, so that every path through `decide` is exercised.
const BUILTIN: &[(DecisionKind, &str)] = &[
    (
        DecisionKind::Approve,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "cutaneous_melanoma", "date_of_birth": "1971-06-02",
            "disease_extent": ["metastatic"], "other_systemic_therapies": 2, "single_agent": true,
            "prescriber_specialty": "oncologist", "route": "intravenous",
            "dose_per_kg": "600000 [IU]/kg", "doses_per_day": "3 {dose}/d", "doses_per_cycle": "14 {dose}"}}"#,
    ),
    (
        // Dose stated through the equivalence (mg/kg): the alternate-dimension comparison.
        DecisionKind::Approve,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "renal_cell_carcinoma", "date_of_birth": "1955-11-20",
            "disease_extent": ["metastatic"], "single_agent": true,
            "prescriber_specialty": "oncologist", "route": "intravenous",
            "dose_per_kg": "0.037 mg/kg", "doses_per_day": "3 {dose}/d", "doses_per_cycle": "14 {dose}",
            "rest_before_second_cycle": "9 d", "rest_before_next_course": "7 wk"}}"#,
    ),
    (
        DecisionKind::Approve,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "chronic_gvhd", "steroid_refractory": true, "with_systemic_corticosteroids": true,
            "prescriber_specialty": "transplant_center_physician", "route": "subcutaneous",
            "dose": "1000000 [IU]", "height": "170 cm", "body_weight": "70 kg", "doses_per_day": "1 {dose}/d"}}"#,
    ),
    (
        DecisionKind::Deny,
        r#"{"as_of": "2026-01-15", "facts": {"diagnosis": "breast_cancer"}}"#,
    ),
    (
        DecisionKind::Deny,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "renal_cell_carcinoma", "date_of_birth": "1955-11-20",
            "disease_extent": ["metastatic"], "single_agent": false,
            "prescriber_specialty": "oncologist", "route": "intravenous"}}"#,
    ),
    (
        DecisionKind::NeedsInfo,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "cutaneous_melanoma", "disease_extent": ["unresectable"],
            "other_systemic_therapies": 1, "single_agent": true,
            "prescriber_specialty": "oncologist", "route": "intravenous",
            "dose_per_kg": "500000 [IU]/kg", "doses_per_day": "3 {dose}/d", "doses_per_cycle": "14 {dose}"}}"#,
    ),
    (
        DecisionKind::NeedsInfo,
        r#"{"as_of": "2026-01-15", "facts": {"route": "intravenous"}}"#,
    ),
    (
        DecisionKind::Refer,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "cutaneous_melanoma", "date_of_birth": "1971-06-02",
            "disease_extent": ["metastatic"], "other_systemic_therapies": 2, "single_agent": true,
            "prescriber_specialty": "oncologist", "route": "intravenous",
            "dose_per_kg": "720000 [IU]/kg", "doses_per_day": "3 {dose}/d", "doses_per_cycle": "14 {dose}"}}"#,
    ),
    (
        DecisionKind::Refer,
        r#"{"as_of": "2026-01-15", "facts": {
            "diagnosis": "chronic_gvhd", "steroid_refractory": true, "with_systemic_corticosteroids": true,
            "prescriber_specialty": "oncologist", "route": "subcutaneous",
            "dose_per_m2": "1000000 [IU]/m2", "doses_per_day": "2 {dose}/d"}}"#,
    ),
];

fn prepared() -> (Program, Vec<Request>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(root.join("policies/proleukin.policy")).unwrap();
    let program = policyc::compile_source_in(&src, std::path::Path::new("policies"))
        .program
        .expect("the policy has no errors");
    let mut reqs = Vec::new();
    for (expected, text) in BUILTIN {
        let req = bind(&program, text, None).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!(decide(&program, &req).kind, *expected, "{text}");
        reqs.push(req);
    }
    // Whatever example and test requests exist; those that do not bind (error cases) are skipped.
    for dir in REQUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json") {
                if let Ok(req) = std::fs::read_to_string(&p)
                    .map_err(drop)
                    .and_then(|t| bind(&program, &t, None).map_err(drop))
                {
                    reqs.push(req);
                }
            }
        }
    }
    (program, reqs)
}

#[test]
fn the_counter_counts() {
    let (n, v) = allocations(|| black_box(vec![1u8; 16]));
    drop(v);
    assert!(n >= 1, "allocating a Vec counted {n} allocations");

    let (program, reqs) = prepared();
    let (n, d) = allocations(|| black_box(evaluate(&program, &reqs[0])));
    drop(d);
    assert!(n >= 1, "`evaluate` builds an explanation; counted {n}");
}

#[test]
fn decide_does_not_allocate() {
    let (program, reqs) = prepared();
    let mut seen = [false; 4];
    let (n, ()) = allocations(|| {
        for _ in 0..100 {
            for r in &reqs {
                let o = decide(black_box(&program), black_box(r));
                seen[o.kind as usize] = true;
                black_box(o);
            }
        }
    });
    assert_eq!(seen, [true; 4], "the requests cover all four decisions");
    assert_eq!(
        n,
        0,
        "`decide` made {n} allocations over {} decisions",
        100 * reqs.len()
    );
}

/// A program's first decision makes its flat program (and allocates for it), unless
/// `eval::prepare` made it before: then even the first decision allocates nothing.
#[test]
fn prepare_makes_the_flat_program_before_the_first_decision() {
    let (compiled, reqs) = prepared();
    let (n, first) = {
        let fresh = compiled.clone();
        allocations(|| black_box(decide(&fresh, &reqs[0])))
    };
    assert!(
        n >= 1,
        "a first decision without prepare made {n} allocations"
    );
    let fresh = compiled.clone();
    policyc::eval::prepare(&fresh);
    let (n, o) = allocations(|| black_box(decide(&fresh, &reqs[0])));
    assert_eq!(
        n, 0,
        "the first decision after prepare made {n} allocations"
    );
    assert_eq!(o, first);
}
