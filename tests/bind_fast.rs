//! Binding reads a valid request straight from its text into the slots; anything else is read
//! again as a JSON tree, which reports every problem. These tests show that the direct reading
//! binds exactly what the thorough reading binds (values, stated facts, identifier, date of service
//! and the text of every value), that it is the one taken for the whole request corpus, and that it
//! steps aside for every invalid request.

use policyc::ir::Program;
use policyc::request::{bind, bind_direct, bind_json, Request};
use std::path::Path;

fn compile(path: &str) -> Program {
    let src = std::fs::read_to_string(path).expect("policy file");
    policyc::compile_source_in(&src, Path::new("policies"))
        .program
        .expect("the policy compiles")
}

fn thorough(p: &Program, text: &str, as_of: Option<&str>) -> Result<Request, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    bind_json(p, &json, as_of).map_err(|e| format!("{e:?}"))
}

/// The two readings agree on everything a decision or an explanation reads.
fn same(p: &Program, a: &Request, b: &Request, what: &str) {
    assert_eq!(a.values, b.values, "{what}: values");
    assert_eq!(a.stated, b.stated, "{what}: stated");
    assert_eq!(a.request_id, b.request_id, "{what}: request_id");
    assert_eq!(a.as_of, b.as_of, "{what}: as_of");
    for slot in 0..p.facts.len() {
        assert_eq!(
            a.shown(p, slot),
            b.shown(p, slot),
            "{what}: shown {}",
            p.facts[slot].name
        );
    }
}

fn json_files(dir: &str) -> Vec<(String, String)> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("a request folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("request file");
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn the_corpus_is_read_directly_and_as_the_tree_reads_it() {
    let p = compile("policies/proleukin.policy");
    let mut files = json_files("tests/requests/proleukin");
    files.extend(json_files("policies/examples/proleukin"));
    assert!(files.len() > 50);
    for (name, text) in &files {
        for as_of in [None, Some("2026-03-01")] {
            let direct = bind_direct(&p, text, as_of)
                .unwrap_or_else(|| panic!("{name} is not read directly"));
            let tree = thorough(&p, text, as_of).expect("the corpus binds");
            same(&p, &direct, &tree, name);
            let via_bind = bind(&p, text, as_of).expect("the corpus binds");
            same(&p, &via_bind, &tree, name);
        }
    }
}

/// Requests written in every way the direct reading takes, and some it leaves to the thorough one.
const VARIANTS: &[&str] = &[
    r#"{"facts": {}}"#,
    r#"{"format_version": 1, "facts": {"diagnosis": "cutaneous_melanoma"}}"#,
    r#"{"format_version": 1.0, "facts": {"diagnosis": "cutaneous_melanoma"}}"#,
    r#"{"format_version": 10e-1, "facts": {}}"#,
    r#"{"request_id": null, "as_of": null, "facts": {"route": null}}"#,
    r#"{"request_id": "r-\u00e9\n", "as_of": "2026-01-15", "facts": {"diagnosis": "\u0063utaneous_melanoma"}}"#,
    r#"{"facts": {"diagnosis": "breast_cancer", "prescriber_specialty": "urologist"}}"#,
    r#"{"as_of": "2026-01-15", "facts": {"date_of_birth": "2008-01-15"}}"#,
    r#"{"as_of": "2024-02-28", "facts": {"date_of_birth": "2000-02-29"}}"#,
    r#"{"facts": {"other_systemic_therapies": 0}}"#,
    r#"{"facts": {"other_systemic_therapies": 3.0}}"#,
    r#"{"facts": {"other_systemic_therapies": 1e1}}"#,
    r#"{"facts": {"other_systemic_therapies": 18446744073709551616}}"#,
    r#"{"facts": {"dose_per_kg": "600,000 [IU]/kg"}}"#,
    r#"{"facts": {"dose_per_kg": "0.6 million IU/kg"}}"#,
    r#"{"facts": {"dose_per_kg": "600 thousand IU/kg"}}"#,
    r#"{"facts": {"dose_per_kg": "0.037 mg/kg"}}"#,
    r#"{"facts": {"dose_per_kg": "37 ug/kg"}}"#,
    r#"{"facts": {"dose_per_kg": {"value": 0.037, "unit": "mg/kg"}}}"#,
    r#"{"facts": {"dose_per_kg": {"unit": "[IU]/kg", "value": "600,000"}}}"#,
    r#"{"facts": {"dose_per_kg": {"value": 600000, "unit": " IU/kg "}}}"#,
    r#"{"facts": {"dose_per_kg": "  600000   IU/kg  "}}"#,
    r#"{"facts": {"dose_per_kg": "600000 IU / kg"}}"#,
    r#"{"facts": {"dose": "70 million IU", "body_weight": "154 lb"}}"#,
    r#"{"facts": {"dose": "70000000 IU", "body_weight": "70000 g"}}"#,
    r#"{"facts": {"dose": "1000000 [IU]", "height": "170 cm", "body_weight": "70 kg"}}"#,
    r#"{"facts": {"dose": "1 million IU", "height": "5.5 ft", "body_weight": {"value": "70", "unit": "kg"}}}"#,
    r#"{"facts": {"body_surface_area": "1.82 m2", "dose": "1 million IU"}}"#,
    r#"{"facts": {"doses_per_day": "3 doses/day", "doses_per_week": "21 {dose}/wk"}}"#,
    r#"{"facts": {"doses_per_cycle": "14 {dose}", "rest_before_next_course": "49 d"}}"#,
    r#"{"facts": {"disease_extent": [], "lesion_sites": ["nodal", "cutaneous"]}}"#,
    r#"{"facts": {"consulting_specialties": ["dermatologist", "cardiologist"]}}"#,
    r#"{"facts": {"consulting_specialties": ["dermatologist", "oncologist", "transplant_center_physician"]}}"#,
    r#"{"facts": {"single_agent": false, "steroid_refractory": true}}"#,
    r#"{"facts": {"age": "40 years"}}"#,
    r#"{"facts": {"age": "40 a", "date_of_birth": "1985-06-01"}, "as_of": "2026-01-15"}"#,
    r#"  {"facts": {"route": "oral"}}  "#,
];

#[test]
fn every_way_of_writing_a_request_binds_as_the_tree_reads_it() {
    let p = compile("policies/proleukin.policy");
    for text in VARIANTS {
        for as_of in [None, Some("2026-01-15")] {
            let tree = thorough(&p, text, as_of);
            let via_bind = bind(&p, text, as_of).map_err(|e| format!("{e:?}"));
            match (&via_bind, &tree) {
                (Ok(a), Ok(b)) => same(&p, a, b, text),
                (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
                _ => panic!("{text}: bind {via_bind:?}, the tree {tree:?}"),
            }
            if let Some(direct) = bind_direct(&p, text, as_of) {
                let tree = tree.as_ref().expect("what is read directly is valid");
                same(&p, &direct, tree, text);
            }
        }
    }
}

#[test]
fn the_plain_ways_are_read_directly() {
    let p = compile("policies/proleukin.policy");
    for text in [
        VARIANTS[1],
        VARIANTS[5],
        VARIANTS[13],
        VARIANTS[18],
        VARIANTS[30],
    ] {
        assert!(bind_direct(&p, text, None).is_some(), "{text}");
    }
}

/// Anything invalid is left to the thorough reading, which reports it.
#[test]
fn invalid_requests_are_left_to_the_thorough_reading() {
    let p = compile("policies/proleukin.policy");
    let mut texts: Vec<String> = json_files("tests/requests/invalid/proleukin")
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    for t in [
        r#"{"facts": {"diagnosis": "cutaneous_melanoma", "diagnosis": "renal_cell_carcinoma"}}"#,
        r#"{"facts": {}, "facts": {}}"#,
        r#"{"facts": {"dose_per_kg": {"value": 1, "value": 2, "unit": "IU/kg"}}}"#,
        r#"{"facts": {"route": "intravenous"}} x"#,
        r#"{"facts": {"disease_extent": ["metastatic", "metastatic"]}}"#,
        r#"{"facts": {"other_systemic_therapies": -1}}"#,
        r#"{"facts": {"other_systemic_therapies": "2"}}"#,
        r#"{"facts": {"body_weight": "72000 kg"}}"#,
        r#"{"facts": {"body_weight": "-72 kg"}}"#,
        r#"{"facts": {"body_weight": 72}}"#,
        r#"{"facts": {"dose_per_kg": "600000 IU"}}"#,
        r#"{"facts": {"dose": "1 mg", "body_weight": "70 kg"}}"#,
        r#"{"facts": {"date_of_birth": "1970-01-01"}}"#,
        r#"{"as_of": "2026-1-15", "facts": {}}"#,
        r#"{"facts": {"unknown_fact": 1}}"#,
        r#"{"facts": {"route": "intravenous"}, "extra": 1}"#,
        r#"{"facts": null}"#,
        r#"{}"#,
        r#"[]"#,
        r#"{"format_version": 2, "facts": {}}"#,
        r#"{"format_version": 2.0, "facts": {}}"#,
        r#"{"format_version": 1.5, "facts": {}}"#,
        r#"{"request_id": 7, "facts": {}}"#,
    ] {
        texts.push(t.to_string());
    }
    for t in &texts {
        assert!(bind_direct(&p, t, None).is_none(), "{t} is read directly");
        assert!(bind(&p, t, None).is_err(), "{t} binds");
    }
}
