//! Plausible ranges (`fact body_weight: kg "..." within 0.3 kg to 650 kg`): what the checker
//! accepts and refuses, how the IR carries and validates them, and how binding a request holds
//! stated and computed values to them. Expected outcomes are written by hand from the README.

use policyc::ir::{Const, Program};
use policyc::RequestError;

const POLICY: &str = r#"policy ranges {
  title "Plausible ranges" drug "Example" effective 2024-01-01
  not covered "Not covered."
}
equivalence 18 million IU = 1.1 mg "Label: 18 million IU are 1.1 mg"
fact body_weight: kg "The patient's body weight" within 0.3 kg to 650 kg
fact height: cm "The patient's height" within 20 cm to 280 cm
fact date_of_birth: date "The patient's date of birth"
fact age: years "The patient's age" within 0 years to 130 years = age_in_years(date_of_birth)
fact visits: count "Visits in the last year" within 0 to 50
fact score: number "The performance score" within 0 to 4
fact start: date "When the treatment started" within 2000-01-01 to 2030-12-31
fact dose: IU "Each dose"
fact dose_per_kg: IU/kg "Each dose per kilogram" within 0 IU/kg to 1 million IU/kg = dose / body_weight
indication 1 "One" {
  approve for 1 year
  criteria: all of {
    A "All": body_weight at least 1 kg and height at least 1 cm and age at least 18 years
      and visits at least 0 and score at most 2 and start is known and dose_per_kg at most 600,000 IU/kg
  }
}
"#;

fn compile(source: &str) -> Program {
    let checked = policyc::compile_source(source);
    checked.program.unwrap_or_else(|| {
        panic!(
            "does not compile: {:#?}",
            checked
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect::<Vec<_>>()
        )
    })
}

fn bind(p: &Program, facts: &str) -> Result<policyc::Request, Vec<RequestError>> {
    policyc::bind(
        p,
        &format!(r#"{{"as_of": "2026-01-15", "facts": {facts}}}"#),
        None,
    )
}

fn refused(p: &Program, facts: &str) -> RequestError {
    match bind(p, facts) {
        Ok(_) => panic!("{facts} binds"),
        Err(mut e) => {
            assert_eq!(e.len(), 1, "{facts}: {e:?}");
            e.remove(0)
        }
    }
}

/// The codes of a policy's errors (it must not compile).
fn error_codes(decls: &str) -> Vec<String> {
    let source = format!(
        "policy p {{\n  title \"T\" drug \"D\" effective 2024-01-01\n}}\nenum Route \"R\" {{ iv \"IV\" }}\n{decls}\nindication 1 \"One\" {{\n  approve for 1 year\n  criteria: all of {{\n    A \"a\": x is known\n  }}\n}}\n"
    );
    let checked = policyc::compile_source(&source);
    assert!(checked.program.is_none(), "{decls} compiles");
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.to_string())
        .collect()
}

#[test]
fn the_checker_holds_ranges_to_the_facts_type() {
    for (decl, code) in [
        // A unit of another dimension, on one bound or both (one diagnostic).
        (r#"fact x: kg "W" within 20 cm to 280 cm"#, "E0312"),
        (r#"fact x: kg "W" within 0.3 kg to 280 cm"#, "E0312"),
        // A quantity's bound without a unit, a count's with one.
        (r#"fact x: kg "W" within 0.3 to 650 kg"#, "E0312"),
        (r#"fact x: count "N" within 0 doses to 5 doses"#, "E0312"),
        (r#"fact x: number "N" within 0 kg to 5"#, "E0312"),
        // Dates for a date, and only for a date.
        (r#"fact x: date "D" within 0 to 5"#, "E0312"),
        (r#"fact x: count "N" within 2000-01-01 to 5"#, "E0312"),
        // No range for a yes/no fact, an enumeration or a set.
        (r#"fact x: boolean "B" within 0 to 1"#, "E0312"),
        (r#"fact x: Route "R" within 0 to 1"#, "E0312"),
        (r#"fact x: set of Route "R" within 0 to 1"#, "E0312"),
        (r#"fact x: documentation "D" within 0 to 1"#, "E0312"),
        // The lower bound above the upper one, in any units.
        (r#"fact x: kg "W" within 650 kg to 0.3 kg"#, "E0313"),
        (r#"fact x: kg "W" within 1 kg to 999 g"#, "E0313"),
        (
            r#"fact x: date "D" within 2030-01-01 to 2000-01-01"#,
            "E0313",
        ),
        (r#"fact x: count "N" within 5 to 4"#, "E0313"),
        // A bound that is no calendar date, or no exact number.
        (
            r#"fact x: date "D" within 2000-02-30 to 2030-01-01"#,
            "E0102",
        ),
        (
            r#"fact x: number "N" within 0 to 123456789012345678901234567890"#,
            "E0101",
        ),
    ] {
        assert_eq!(error_codes(decl), [code], "{decl}");
    }
}

#[test]
fn the_ir_carries_ranges_in_canonical_units() {
    let p = compile(POLICY);
    let range = |name: &str| {
        let f = &p.facts[p.fact_index(name).expect("fact")];
        let r = f.range.as_ref().expect("a range");
        (r.low, r.high, r.text.clone())
    };
    let num = |s: &str| Const::Number(s.parse().expect("decimal"));
    // Mass is canonical in micrograms, length in tenths of a millimetre (so that an inch is
    // exact), calendar time in months.
    assert_eq!(
        range("body_weight"),
        (
            num("300000000"),
            num("650000000000"),
            "0.3 kg to 650 kg".into()
        )
    );
    assert_eq!(
        range("height"),
        (num("2000"), num("28000"), "20 cm to 280 cm".into())
    );
    assert_eq!(
        range("age"),
        (num("0"), num("1560"), "0 years to 130 years".into())
    );
    assert_eq!(
        range("start"),
        (
            Const::Date(10957),
            Const::Date(22279),
            "2000-01-01 to 2030-12-31".into()
        )
    );
    assert!(p.facts[p.fact_index("date_of_birth").expect("fact")]
        .range
        .is_none());
}

#[test]
fn the_ir_reader_reads_programs_without_ranges_and_refuses_bad_ones() {
    let p = compile(POLICY);
    let json = serde_json::to_string(&p).expect("IR");
    assert_eq!(Program::from_json(&json).expect("reads back"), p);
    // A fact without a range has no `range` key, and an IR without any reads as before.
    let mut v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let dob = p.fact_index("date_of_birth").expect("fact");
    assert!(v["facts"][dob].get("range").is_none());
    for f in v["facts"].as_array_mut().expect("facts") {
        f.as_object_mut().expect("fact").remove("range");
    }
    let old = Program::from_json(&v.to_string()).expect("an IR without ranges reads");
    assert!(old.facts.iter().all(|f| f.range.is_none()));

    let weight = p.fact_index("body_weight").expect("fact");
    let start = p.fact_index("start").expect("fact");
    let tamper = |slot: usize, range: serde_json::Value| {
        let mut v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        v["facts"][slot]["range"] = range;
        Program::from_json(&v.to_string())
    };
    let reversed = tamper(
        weight,
        serde_json::json!({"low": {"kind": "number", "value": "2"}, "high": {"kind": "number", "value": "1"}, "text": "2 to 1"}),
    );
    assert!(
        reversed
            .as_ref()
            .is_err_and(|e| e.contains("lower bound above its upper bound")),
        "{reversed:?}"
    );
    let dates_for_weight = tamper(
        weight,
        serde_json::json!({"low": {"kind": "date", "value": 1}, "high": {"kind": "date", "value": 2}, "text": "x"}),
    );
    assert!(dates_for_weight.is_err(), "{dates_for_weight:?}");
    let numbers_for_date = tamper(
        start,
        serde_json::json!({"low": {"kind": "number", "value": "1"}, "high": {"kind": "number", "value": "2"}, "text": "x"}),
    );
    assert!(numbers_for_date.is_err(), "{numbers_for_date:?}");
    let on_a_boolean = {
        let src = POLICY.replace(
            "fact visits: count",
            "fact flag: boolean \"A flag\"\nfact visits: count",
        );
        let p = compile(&src);
        let mut v = serde_json::to_value(&p).expect("IR");
        let slot = p.fact_index("flag").expect("fact");
        v["facts"][slot]["range"] = serde_json::json!({"low": {"kind": "number", "value": "0"}, "high": {"kind": "number", "value": "1"}, "text": "0 to 1"});
        Program::from_json(&v.to_string())
    };
    assert!(
        on_a_boolean
            .as_ref()
            .is_err_and(|e| e.contains("only counts, numbers, quantities and dates")),
        "{on_a_boolean:?}"
    );
    let extra_key = tamper(
        weight,
        serde_json::json!({"low": {"kind": "number", "value": "1"}, "high": {"kind": "number", "value": "2"}, "text": "x", "unit": "kg"}),
    );
    assert!(extra_key.is_err(), "{extra_key:?}");
}

#[test]
fn both_bounds_are_within_the_range() {
    let p = compile(POLICY);
    for facts in [
        r#"{"body_weight": "0.3 kg"}"#,
        r#"{"body_weight": "650 kg"}"#,
        r#"{"body_weight": "300 g"}"#,
        r#"{"body_weight": {"value": 650000, "unit": "g"}}"#,
        r#"{"body_weight": "1,433 lb"}"#,
        r#"{"height": "2.8 m"}"#,
        r#"{"visits": 0}"#,
        r#"{"visits": 50}"#,
        r#"{"score": "4"}"#,
        r#"{"score": 0}"#,
        r#"{"start": "2000-01-01"}"#,
        r#"{"start": "2030-12-31"}"#,
        r#"{"age": "130 years"}"#,
        r#"{"date_of_birth": "1896-01-15"}"#,
        r#"{"dose_per_kg": "1 million IU/kg"}"#,
    ] {
        assert!(bind(&p, facts).is_ok(), "{facts}: {:?}", bind(&p, facts));
    }
}

#[test]
fn a_stated_value_outside_its_range_is_refused_with_the_policys_range() {
    let p = compile(POLICY);
    let e = refused(&p, r#"{"body_weight": "650.001 kg"}"#);
    assert_eq!(e.path, "facts.body_weight");
    assert_eq!(
        e.message,
        "`body_weight` is 650.001 kg, outside its plausible range of 0.3 kg to 650 kg"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("check the value and its unit: the policy takes `body_weight` (the patient's body weight) from 0.3 kg to 650 kg")
    );
    // In another unit, the value is also shown in the policy's.
    let e = refused(&p, r#"{"body_weight": "1,500 lb"}"#);
    assert_eq!(
        e.message,
        "`body_weight` is 1,500 lb (680.3886 kg), outside its plausible range of 0.3 kg to 650 kg"
    );
    let e = refused(&p, r#"{"body_weight": {"value": 299.99, "unit": "g"}}"#);
    assert!(e.message.contains("299.99 g (0.3 kg)"), "{}", e.message);
    let e = refused(&p, r#"{"height": "1.75 cm"}"#);
    assert_eq!(e.path, "facts.height");
    let e = refused(&p, r#"{"visits": 51}"#);
    assert_eq!(
        (e.path.as_str(), e.message.as_str(), e.help.as_deref()),
        (
            "facts.visits",
            "`visits` is 51, outside its plausible range of 0 to 50",
            Some(
                "check the value: the policy takes `visits` (visits in the last year) from 0 to 50"
            )
        )
    );
    let e = refused(&p, r#"{"score": "4.01"}"#);
    assert_eq!(e.path, "facts.score");
    let e = refused(&p, r#"{"start": "1999-12-31"}"#);
    assert_eq!(
        e.message,
        "`start` is 1999-12-31, outside its plausible range of 2000-01-01 to 2030-12-31"
    );
    let e = refused(&p, r#"{"age": "131 years"}"#);
    assert_eq!(e.path, "facts.age");
    // Every problem of a request is reported.
    let all = bind(
        &p,
        r#"{"body_weight": "0 kg", "visits": 99, "height": "3 m"}"#,
    )
    .expect_err("three values outside their ranges");
    let paths: Vec<&str> = all.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["facts.body_weight", "facts.height", "facts.visits"]);
}

#[test]
fn a_value_stated_through_an_equivalence_is_held_to_the_range_too() {
    let p = compile(POLICY);
    // 1 million IU/kg is 1.1/18 mg/kg = 0.0611 mg/kg.
    assert!(bind(&p, r#"{"dose_per_kg": "0.061 mg/kg"}"#).is_ok());
    let e = refused(&p, r#"{"dose_per_kg": "0.062 mg/kg"}"#);
    assert_eq!(e.path, "facts.dose_per_kg");
    assert_eq!(
        e.message,
        "`dose_per_kg` is 0.062 mg/kg, outside its plausible range of 0 IU/kg to 1 million IU/kg"
    );
}

#[test]
fn a_computed_value_outside_its_range_is_refused() {
    let p = compile(POLICY);
    // Born 1880: 146 years old on the date of service.
    let e = refused(&p, r#"{"date_of_birth": "1880-01-01"}"#);
    assert_eq!(e.path, "facts.age");
    assert_eq!(
        e.message,
        "`age` is computed as 146 years (from date_of_birth 1880-01-01), outside its plausible range of 0 years to 130 years"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("check the facts it is computed from (date_of_birth): the policy takes `age` from 0 years to 130 years")
    );
    // A dose per kilogram from a dose and a weight that are each plausible.
    let e = refused(&p, r#"{"dose": "70 million IU", "body_weight": "1 kg"}"#);
    assert_eq!(e.path, "facts.dose_per_kg");
    assert!(
        e.message
            .starts_with("`dose_per_kg` is computed as 70,000,000 IU/kg (from dose 70,000,000 IU, body_weight 1 kg)"),
        "{}",
        e.message
    );
    assert!(bind(&p, r#"{"dose": "70 million IU", "body_weight": "70 kg"}"#).is_ok());
}

#[test]
fn the_request_schema_states_the_ranges() {
    let p = compile(POLICY);
    let schema = policyc::schema::request_schema(&p);
    let fact = |name: &str| schema["properties"]["facts"]["properties"][name]["anyOf"][0].clone();
    let visits = fact("visits");
    assert_eq!(visits["type"], "integer");
    assert_eq!(visits["minimum"], 0);
    assert_eq!(visits["maximum"], 50);
    let score = fact("score");
    assert_eq!(score["oneOf"][0]["minimum"], 0);
    assert_eq!(score["oneOf"][0]["maximum"], 4);
    for (name, text) in [
        ("body_weight", "0.3 kg to 650 kg"),
        ("start", "2000-01-01 to 2030-12-31"),
        ("visits", "0 to 50"),
    ] {
        let d = fact(name)["description"].as_str().unwrap_or("").to_string();
        assert!(
            d.contains(&format!("Plausible range: {text}")),
            "{name}: {d}"
        );
    }
    assert!(fact("date_of_birth").get("description").is_none());
}

#[test]
fn a_range_that_does_not_parse_says_what_a_range_is() {
    for (decl, expected) in [
        (
            r#"fact x: kg "W" within 0.3 kg 650 kg"#,
            "expected `to` between the bounds of a range",
        ),
        (
            r#"fact x: kg "W" within 0.3 kg (0.66 lb) to 650 kg"#,
            "expected `to` between the bounds of a range",
        ),
        (
            r#"fact x: kg "W" within 0.3 kg to"#,
            "expected a bound (a number with its unit, or a date)",
        ),
    ] {
        let source =
            format!("policy p {{\n  title \"T\" drug \"D\" effective 2024-01-01\n}}\n{decl}\n");
        let checked = policyc::compile_source(&source);
        let d = &checked.diagnostics[0];
        assert_eq!(d.code, "E0100", "{decl}");
        assert!(d.message.contains(expected), "{decl}: {}", d.message);
        assert!(
            d.help
                .as_deref()
                .is_some_and(|h| h.contains("within <lower> to <upper>")),
            "{decl}: {:?}",
            d.help
        );
    }
}
