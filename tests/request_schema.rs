//! `policyc schema <policy>` and the binder accept exactly the same requests.
//!
//! Requests are generated per fact type of every policy under `policies/` and of a small policy
//! with a fact of every type: valid and invalid values (numbers with and without thousands
//! separators, misplaced commas, strings for counts, negative quantities, impossible dates, unknown
//! enumeration values, duplicates in sets, quantity objects with extra keys). Each is validated
//! against the request schema (draft 2020-12, format assertions on) and bound; the two must agree.
//!
//! What a schema cannot state is kept out of the generator and documented on
//! `policyc::schema::request_schema`: unit names (units are generated from the fact's own), the
//! exact precision limit (generated numbers have at most 15 significant digits), derived facts that
//! disagree with their inputs (one fact per request) and duplicate keys. A plausible range is in
//! the schema as `minimum`/`maximum` for a count's or number's JSON number, and only in the
//! description for a value written as a string (a quantity, a date, a number in a string): for those
//! the schema is compared with the binder of the same policy without ranges, and the binder with
//! ranges must then differ from it only by range errors at the fact's path.

use policyc::ir::{FactType, Program};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::OnceLock;

const EVERY_TYPE: &str = r#"policy every_type {
  title "T" drug "D" effective 2024-01-01
  not covered "Not covered."
}
enum Site "A site" { skin "Skin" lymph "Lymph node" organ "Organ" }
enum Kind open "A kind" { a "A" b "B" }
fact flag: boolean "Flag"
fact records: documentation "Records"
fact n: count "A count"
fact score: number "A score"
fact dose: mg "The dose"
fact weight: kg "The weight"
fact start_date: date "The start"
fact visits: count "Visits, within a range" within 1 to 50
fact grade: number "A grade, within a range" within -10 to 100.5
fact body_weight: kg "A body weight, within a range" within 0.3 kg to 650 kg
fact birth_date: date "A date of birth, within a range" within 1900-01-01 to 2020-12-31
fact site: Site "The site"
fact kind: Kind "The kind"
fact sites: set of Site "The sites"
fact kinds: set of Kind "The kinds"
indication 1 "One" {
  approve for 1 year
  criteria: all of {
    A "All": flag and records and n at least 1 and score at least 1 and dose at most 5 mg
      and weight at least 1 kg and start_date at most 2030-01-01 and site is skin and kind is a
      and sites has any of [skin] and kinds has any of [a]
  }
}
"#;

struct Subject {
    program: Program,
    /// The same program without plausible ranges.
    unranged: Program,
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

fn compile_schema(program: Program) -> Subject {
    let schema = policyc::schema::request_schema(&program);
    let id = schema["$id"].as_str().expect("$id").to_string();
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    compiler.enable_format_assertions();
    compiler
        .add_resource(&id, schema)
        .unwrap_or_else(|e| panic!("the schema is not accepted: {e}"));
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&id, &mut schemas)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e:#}"));
    let mut unranged = program.clone();
    unranged.facts.iter_mut().for_each(|f| f.range = None);
    Subject {
        program,
        unranged,
        schemas,
        index,
    }
}

fn subjects() -> &'static [Subject] {
    static S: OnceLock<Vec<Subject>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        let checked = policyc::compile_source(EVERY_TYPE);
        out.push(compile_schema(checked.program.unwrap_or_else(|| {
            panic!("does not compile: {:?}", checked.diagnostics)
        })));
        let mut files: Vec<_> = std::fs::read_dir("policies")
            .expect("policies/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "policy"))
            .collect();
        files.sort();
        for f in files {
            let src = std::fs::read_to_string(&f).expect("policy");
            let program = policyc::compile_source_in(&src, Path::new("policies"))
                .program
                .unwrap_or_else(|| panic!("{} compiles", f.display()));
            out.push(compile_schema(program));
        }
        out
    })
}

/// Number texts: mostly well-formed, some with misplaced commas, signs or exponents.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "(0|[1-9][0-9]{0,5})(\\.[0-9]{1,4})?",
        "[1-9][0-9]{0,2}(,[0-9]{3}){1,2}(\\.[0-9]{1,3})?",
        "[0-9]{1,4},[0-9]{1,4}",
        ",[0-9]{1,3}",
        "[0-9]{1,3}(,[0-9]{1,4}){1,3}(\\.[0-9]{1,2})?",
        "-(0|[1-9][0-9]{0,3})(\\.[0-9]{1,2})?",
        "[1-9][0-9]{0,2}(\\.[0-9]{1,2})?[eE][-+]?[0-2]",
        "0[0-9]{1,3}",
        "[0-9]{1,3}\\.",
        "\\.[0-9]{1,3}",
        "[0-9]{1,3} [0-9]{3}",
    ]
}

/// JSON number texts (always JSON), some negative or fractional.
fn json_number() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?([eE][-+]?[0-2])?"
}

fn names(program: &Program, enum_index: u32) -> Vec<String> {
    program.enums[enum_index as usize]
        .values
        .iter()
        .map(|v| v.name.clone())
        .collect()
}

/// Values at and just past the bounds of the fact's plausible range, if it has one of numbers: as
/// JSON numbers for a count or number, as quantities in the declared unit for a quantity.
fn range_edges(program: &Program, slot: usize) -> Vec<Value> {
    use policyc::ir::Const;
    use rust_decimal::Decimal;
    let f = &program.facts[slot];
    let Some((Const::Number(l), Const::Number(h))) = f.range.as_ref().map(|r| (r.low, r.high))
    else {
        return Vec::new();
    };
    let (factor, code) = match &f.ty {
        FactType::Quantity { unit, .. } => (unit.factor, Some(unit.code.clone())),
        _ => (Decimal::ONE, None),
    };
    let step = Decimal::new(1, 2);
    let mut edges = Vec::new();
    for c in [l, h] {
        let v = c / factor;
        for x in [v - step, v, v + step, v - Decimal::ONE, v + Decimal::ONE] {
            let x = x.normalize();
            edges.push(match &code {
                Some(code) => json!(format!("{x} {code}")),
                None => Value::Number(x.to_string().parse().expect("JSON number")),
            });
        }
    }
    edges
}

/// A value for fact `slot` of `program`, valid or not.
fn value_for(program: &Program, slot: usize) -> BoxedStrategy<Value> {
    let edges = range_edges(program, slot);
    let base = value_of_type(program, slot);
    if edges.is_empty() {
        base
    } else {
        prop_oneof![3 => base, 1 => proptest::sample::select(edges)].boxed()
    }
}

/// A value of the fact's type, valid or not.
fn value_of_type(program: &Program, slot: usize) -> BoxedStrategy<Value> {
    let num = || json_number().prop_map(|t| Value::Number(t.parse().expect("JSON number")));
    let any_other = prop_oneof![
        Just(json!(true)),
        Just(json!("yes")),
        Just(json!([])),
        Just(json!({})),
        Just(json!(3)),
    ];
    match &program.facts[slot].ty {
        FactType::Boolean | FactType::Documentation => {
            prop_oneof![Just(json!(true)), Just(json!(false)), any_other].boxed()
        }
        FactType::Count => prop_oneof![
            3 => num(),
            1 => number_text().prop_map(Value::String),
            1 => any_other,
        ]
        .boxed(),
        FactType::Number => prop_oneof![
            2 => num(),
            3 => number_text().prop_map(Value::String),
            1 => any_other,
        ]
        .boxed(),
        FactType::Date => prop_oneof![
            (1900u32..2026, 0u32..14, 0u32..33)
                .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}"))),
            Just(json!("2020-1-5")),
            Just(json!("20200105")),
            Just(json!("2020-01-05T00:00")),
            Just(json!(" 2020-01-05")),
            any_other,
        ]
        .boxed(),
        FactType::Enum { enum_index } => {
            let mut n = names(program, *enum_index);
            n.push("not_a_value".into());
            prop_oneof![
                proptest::sample::select(n).prop_map(Value::String),
                any_other
            ]
            .boxed()
        }
        FactType::Set { enum_index } => {
            let mut n = names(program, *enum_index);
            n.push("not_a_value".into());
            prop_oneof![
                proptest::collection::vec(proptest::sample::select(n), 0..4).prop_map(|v| json!(v)),
                Just(json!([1])),
                any_other
            ]
            .boxed()
        }
        FactType::Quantity { unit, .. } => {
            let code = unit.code.clone();
            let code2 = code.clone();
            let code3 = code.clone();
            let scale = prop_oneof![Just(""), Just(" thousand"), Just(" million")];
            prop_oneof![
                4 => (number_text(), scale, proptest::bool::ANY).prop_map(move |(n, s, pad)| {
                    if pad {
                        json!(format!("  {n}{s}   {code}  "))
                    } else {
                        json!(format!("{n}{s} {code}"))
                    }
                }),
                2 => (prop_oneof![num(), number_text().prop_map(Value::String)], proptest::bool::weighted(0.1))
                    .prop_map(move |(v, extra)| {
                        let mut o = json!({"value": v, "unit": code2.clone()});
                        if extra {
                            o["note"] = json!("x");
                        }
                        o
                    }),
                1 => Just(json!({"value": 1})),
                1 => Just(json!({"unit": code3})),
                1 => num(),
                1 => any_other,
            ]
            .boxed()
        }
    }
}

fn request() -> impl Strategy<Value = (usize, usize, String)> {
    (0..subjects().len())
        .prop_flat_map(|i| {
            let p = &subjects()[i].program;
            (Just(i), 0..p.facts.len())
        })
        .prop_flat_map(|(i, slot)| {
            let p = &subjects()[i].program;
            let name = p.facts[slot].name.clone();
            (Just(i), value_for(p, slot)).prop_map(move |(i, v)| {
                let r = json!({"as_of": "2026-01-15", "facts": {name.clone(): v}});
                (i, slot, r.to_string())
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn schema_and_binder_agree((i, slot, text) in request()) {
        let s = &subjects()[i];
        let parsed: Value = serde_json::from_str(&text).expect("JSON");
        let schema = s.schemas.validate(&parsed, s.index).map_err(|e| format!("{e:#}"));
        let bound = policyc::request::bind(&s.program, &text, None);
        let fact = &s.program.facts[slot];
        let stated = &parsed["facts"][&fact.name];
        // A range the schema states only in words: compare it with the binder without ranges,
        // and the binder with ranges with that one, which it may refuse only for the range.
        let in_words = fact.range.is_some()
            && !(matches!(fact.ty, FactType::Count | FactType::Number) && stated.is_number());
        let reference = if in_words {
            let unranged = policyc::request::bind(&s.unranged, &text, None);
            if let (Err(errors), Ok(_)) = (&bound, &unranged) {
                for e in errors {
                    prop_assert!(
                        e.path == format!("facts.{}", fact.name) && e.message.contains("outside its plausible range"),
                        "{}: refused for something else than its range: {:?}", text, e
                    );
                }
            }
            prop_assert!(bound.is_err() || unranged.is_ok(), "{}: binds only with ranges", text);
            unranged.is_ok()
        } else {
            bound.is_ok()
        };
        prop_assert_eq!(
            schema.is_ok(),
            reference,
            "policy {}: {}\nschema: {:?}\nbind: {:?}",
            s.program.policy.id,
            text,
            schema.err(),
            bound.err()
        );
    }

    #[test]
    fn thousands_separators_bind_to_the_same_value(
        int in 0u64..10_000_000_000_000,
        frac in proptest::option::of("[0-9]{1,4}"),
        scale in prop_oneof![Just(""), Just(" thousand"), Just(" million")],
    ) {
        let plain = int.to_string();
        let mut grouped = String::new();
        for (k, c) in plain.chars().enumerate() {
            if k > 0 && (plain.len() - k) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        let p = &subjects()[0].program;
        let bind = |number: &str| {
            let text = json!({"facts": {
                "score": number,
                "weight": format!("{number}{scale} kg"),
                "dose": {"value": number, "unit": "mg"},
            }})
            .to_string();
            policyc::request::bind(p, &text, None)
                .unwrap_or_else(|e| panic!("{text}: {e:?}"))
                .values
        };
        prop_assert_eq!(bind(&format!("{plain}{frac}")), bind(&format!("{grouped}{frac}")));
    }
}

#[test]
fn duplicate_keys_are_reported_with_their_path() {
    let p = &subjects()[0].program;
    let text = r#"{"facts": {"n": 1, "flag": true}, "facts": {"n": 2}}"#;
    let e = policyc::request::bind(p, text, None).expect_err("duplicate facts");
    assert_eq!(e[0].path, "facts");
    let text = r#"{"facts": {"n": 1, "dose": {"value": 1, "unit": "mg", "unit": "g"}, "n": 2}}"#;
    let e = policyc::request::bind(p, text, None).expect_err("duplicates");
    let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["facts.dose.unit", "facts.n"]);
}

#[test]
fn counts_are_json_numbers() {
    let p = &subjects()[0].program;
    for (facts, ok) in [
        (r#"{"n": 2}"#, true),
        (r#"{"n": 2.0}"#, true),
        (r#"{"n": "2"}"#, false),
        (r#"{"n": 2.5}"#, false),
        (r#"{"n": 0.99999999999999999999}"#, false),
        (r#"{"n": -1}"#, false),
    ] {
        let text = format!(r#"{{"facts": {facts}}}"#);
        assert_eq!(policyc::request::bind(p, &text, None).is_ok(), ok, "{text}");
    }
}

#[test]
fn values_that_would_round_are_refused() {
    let p = &subjects()[0].program;
    for (facts, ok) in [
        (r#"{"weight": "72.5 kg"}"#, true),
        (r#"{"weight": "72,5 kg"}"#, false),
        (r#"{"weight": "7,2 kg"}"#, false),
        (r#"{"score": 0.99999999999999999999}"#, true),
        (r#"{"score": 0.99999999999999999999999999999}"#, false),
        (r#"{"weight": "79228162514264337593543950 kg"}"#, false),
        (r#"{"weight": "79228162514264337593543 million kg"}"#, false),
        (r#"{"weight": "1.234567890123456789 kg"}"#, true),
        (r#"{"weight": "79228162514264337593543950335 kg"}"#, false),
        (
            r#"{"weight": "1.2345678901234567890123456 million kg"}"#,
            true,
        ),
    ] {
        let text = format!(r#"{{"facts": {facts}}}"#);
        assert_eq!(policyc::request::bind(p, &text, None).is_ok(), ok, "{text}");
    }
}

/// The generator is not one-sided: it makes both requests that bind and requests that do not.
#[test]
fn generated_requests_are_both_valid_and_invalid() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = request();
    let (mut ok, mut bad) = (0, 0);
    for _ in 0..1000 {
        let (i, _, text) = strategy.new_tree(&mut runner).expect("a request").current();
        match policyc::request::bind(&subjects()[i].program, &text, None) {
            Ok(_) => ok += 1,
            Err(_) => bad += 1,
        }
    }
    assert!(ok > 200 && bad > 200, "{ok} bind, {bad} do not");
}

/// Cases YAML numbers reach the binder with their text: `0.99999999999999999999` is not the count
/// 1, and a value beyond the exact precision is refused rather than rounded.
#[test]
fn cases_numbers_are_read_exactly() {
    let p = &subjects()[0].program;
    let text = r#"
cases:
  - name: almost one
    facts: {n: 0.99999999999999999999}
    expect: {decision: approve}
  - name: exactly one
    facts: {n: 1.0}
    expect: {decision: needs_info}
  - name: too precise
    facts: {score: 0.99999999999999999999999999999}
    expect: {decision: deny}
"#;
    let file = policyc::cases::parse_cases(text).expect("cases parse");
    let mut coverage = policyc::cases::Coverage::new(p);
    let results = policyc::cases::run(p, &file, &mut coverage);
    assert!(
        results[0].failures[0].contains("is a count"),
        "{:?}",
        results[0]
    );
    assert!(results[1].passed(), "{:?}", results[1]);
    assert!(
        results[2].failures[0].contains("cannot be read exactly"),
        "{:?}",
        results[2]
    );
}
