//! Units, exactness and dates: property tests for conversions and comparisons, the checker's
//! dimension errors, and approval end dates.

use policyc::units::{parse_unit, Quantity};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::path::Path;

/// Units grouped by dimension.
const FAMILIES: &[&[&str]] = &[
    &["ug", "mg", "g", "kg", "[lb_av]"],
    &["mm", "cm", "m", "[in_i]", "[ft_i]"],
    &["uL", "mL", "dL", "L"],
    &["s", "min", "h", "d", "wk"],
    &["mo", "a"],
    &["[IU]", "10*6.[IU]"],
    &["[IU]/kg", "[IU]/g", "10*6.[IU]/kg", "IU/mg"],
    &["{dose}/d", "{dose}/wk", "{dose}/h"],
    &["mg/kg", "ug/kg", "mg/g", "g/kg"],
    &["mg/kg/d", "ug/kg/d", "mg/kg/wk", "g/kg/h"],
    &["ug/kg/min", "mg/kg/h", "mg/kg/min"],
    &["mL/kg", "L/kg", "uL/g"],
    &["mg/m2", "ug/cm2"],
    // A plain number: no ratio above ever compares with it.
    &["1"],
    &["[IU]/m2", "[IU]/cm2"],
    &["[PFU]/mL", "[PFU]/L"],
];

/// Pairs (a, b, k) where 1 a = k b exactly.
const RATIOS: &[(&str, &str, i64)] = &[
    ("g", "mg", 1000),
    ("kg", "ug", 1_000_000_000),
    ("wk", "d", 7),
    ("d", "h", 24),
    ("h", "min", 60),
    ("a", "mo", 12),
    ("L", "mL", 1000),
    ("m", "cm", 100),
    ("{dose}/h", "{dose}/d", 24),
    ("{dose}/d", "{dose}/wk", 7),
    ("[IU]/g", "[IU]/kg", 1000),
    ("10*6.[IU]", "[IU]", 1_000_000),
    ("mg/kg", "ug/kg", 1000),
    ("g/kg", "mg/kg", 1000),
    ("mg/kg/d", "mg/kg/wk", 7),
    ("mg/kg/min", "mg/kg/h", 60),
    ("[lb_av]", "ug", 453_592_370),
    ("[ft_i]", "[in_i]", 12),
    ("m", "mm", 1000),
    ("[IU]/cm2", "[IU]/m2", 10_000),
];

fn decimal() -> impl Strategy<Value = Decimal> {
    // Up to 9 integer digits and 6 decimal places, as doses, weights and limits are written. (Exact
    // decimals hold 28 significant digits: a value times the largest unit ratio, 10^9, plus a
    // step of 10^-9 must fit.)
    (0i64..1_000_000_000_000_000, 6u32..=6).prop_map(|(m, s)| Decimal::new(m, s))
}

fn same_dimension_pair() -> impl Strategy<Value = (&'static str, &'static str)> {
    (0..FAMILIES.len()).prop_flat_map(|f| {
        let fam = FAMILIES[f];
        (0..fam.len(), 0..fam.len()).prop_map(move |(a, b)| (fam[a], fam[b]))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Converting a quantity to another unit of its dimension and back gives the same value, exactly.
    #[test]
    fn conversion_round_trip_is_exact(v in decimal(), (a, b) in same_dimension_pair()) {
        let ua = parse_unit(a).expect("unit a");
        let ub = parse_unit(b).expect("unit b");
        let q = Quantity::new(v, ua.clone()).expect("no overflow");
        let back = q.convert_to(&ub).expect("same dimension").convert_to(&ua).expect("same dimension");
        prop_assert_eq!(back.value(), v.normalize());
        prop_assert_eq!(back.compare(&q), Some(Ordering::Equal));
    }

    /// Two quantities compare the same way whatever units they are expressed in; across
    /// dimensions they do not compare at all.
    #[test]
    fn comparison_does_not_depend_on_the_unit(
        v in decimal(), w in decimal(), f in 0..FAMILIES.len(), i in 0..4usize, j in 0..4usize, k in 0..4usize, other in 0..FAMILIES.len()
    ) {
        let fam = FAMILIES[f];
        let (a, b, c) = (fam[i % fam.len()], fam[j % fam.len()], fam[k % fam.len()]);
        let (ua, ub, uc) = (parse_unit(a).expect("a"), parse_unit(b).expect("b"), parse_unit(c).expect("c"));
        let x = Quantity::new(v, ua.clone()).expect("no overflow");
        let y = Quantity::new(w, ua).expect("no overflow");
        let expected = v.cmp(&w);
        prop_assert_eq!(x.compare(&y), Some(expected));
        let xb = x.convert_to(&ub).expect("same dimension");
        let yc = y.convert_to(&uc).expect("same dimension");
        prop_assert_eq!(xb.compare(&yc), Some(expected));
        let uo = parse_unit(FAMILIES[other][0]).expect("other");
        if uo.dim != xb.unit.dim {
            prop_assert_eq!(xb.compare(&Quantity::new(w, uo).expect("no overflow")), None);
        }
    }

    /// `v a` equals `v·k b` where 1 a = k b; one step either side compares accordingly. This checks
    /// the conversion factors themselves, not only the representation.
    #[test]
    fn stated_ratios_hold_exactly(v in decimal(), i in 0..RATIOS.len()) {
        let (a, b, k) = RATIOS[i];
        let x = Quantity::new(v, parse_unit(a).expect("a")).expect("no overflow");
        let vb = v * Decimal::from(k);
        let step = Decimal::new(1, 9);
        let y = Quantity::new(vb, parse_unit(b).expect("b")).expect("no overflow");
        prop_assert_eq!(x.compare(&y), Some(Ordering::Equal));
        let above = Quantity::new(vb + step, parse_unit(b).expect("b")).expect("no overflow");
        let below = Quantity::new(vb - step, parse_unit(b).expect("b")).expect("no overflow");
        prop_assert_eq!(x.compare(&above), Some(Ordering::Less));
        prop_assert_eq!(x.compare(&below), Some(Ordering::Greater));
    }
}

/// A small policy comparing a fact declared in `fact_unit` with a limit in `limit_unit`.
fn mismatch_policy(fact_unit: &str, limit: &str) -> String {
    format!(
        r#"policy units {{
  title "Units" drug "Example" effective 2024-01-01
}}
fact amount: {fact_unit} "An amount"
indication 1 "One" {{
  approve for 1 year
  criteria: all of {{
    A "Within the limit": amount at most {limit}
  }}
}}
"#
    )
}

/// Each comparison across dimensions is rejected, naming both units and both dimensions.
#[test]
fn dimension_mismatches_name_both_units() {
    let cases = [
        ("[IU]/kg", "9 days"),
        ("mg", "4 mL"),
        ("years", "200 days"),
        ("doses/day", "14 doses"),
        ("IU", "1.1 mg"),
        ("m2", "70 kg"),
        ("mcg", "20 IU"),
        ("PFU/mL", "4 mL"),
    ];
    let mut out = String::new();
    for (fact_unit, limit) in cases {
        let text = mismatch_policy(fact_unit, limit);
        let checked = policyc::compile_source_in(&text, Path::new("."));
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert_eq!(errors.len(), 1, "{fact_unit} vs {limit}: {errors:#?}");
        let e = errors[0];
        assert_eq!(e.code, "E0301", "{fact_unit} vs {limit}");
        // Both units, as the policy writes them.
        let limit_unit = limit.split_once(' ').expect("value unit").1;
        assert!(
            e.message.contains(fact_unit) && e.message.contains(limit_unit),
            "{}",
            e.message
        );
        out.push_str(&format!(
            "{fact_unit} vs {limit}:\n  {}\n  help: {}\n",
            e.message,
            e.help.clone().unwrap_or_default()
        ));
    }
    insta::assert_snapshot!(out);
}

/// An approval runs from the date of service through the day before the same date one duration
/// later, for each unit of duration, including month ends and leap days.
#[test]
fn approval_end_dates_for_each_duration_unit() {
    let mut out = String::new();
    for duration in ["1 year", "6 months", "1 month", "12 weeks", "30 days"] {
        let text = format!(
            r#"policy durations {{
  title "Durations" drug "Example" effective 2024-01-01
}}
fact eligible: boolean "Eligible"
indication 1 "One" {{
  approve for {duration}
  criteria: all of {{
    A "Eligible": eligible
  }}
}}
"#
        );
        let program = policyc::compile_source_in(&text, Path::new("."))
            .program
            .expect("the policy compiles");
        for as_of in ["2026-01-15", "2026-01-31", "2028-02-29", "2026-12-31"] {
            let request = format!(r#"{{"as_of": "{as_of}", "facts": {{"eligible": true}}}}"#);
            let req = policyc::request::bind(&program, &request, None).expect("valid request");
            let d = policyc::eval::evaluate(&program, &req);
            let a = d.approval.expect("approved");
            out.push_str(&format!(
                "{duration:>9} from {as_of}: {} through {}\n",
                a.start.unwrap_or_default(),
                a.end.unwrap_or_default()
            ));
        }
    }
    insta::assert_snapshot!(out);
}

/// Ages follow the calendar: the day before, on and after an 18th birthday, and a 29 February
/// birth, which reaches each new year of age on 1 March in common years.
#[test]
fn ages_follow_the_calendar() {
    let day = |s: &str| policyc::check::days_since_epoch(s.parse().expect("date"));
    let age = |dob: &str, on: &str| {
        policyc::request::age_in_years(day(dob), day(on)).expect("born before")
    };
    assert_eq!(age("2008-03-04", "2026-03-03"), 17);
    assert_eq!(age("2008-03-04", "2026-03-04"), 18);
    assert_eq!(age("2008-03-04", "2026-03-05"), 18);
    assert_eq!(age("2008-02-29", "2026-02-28"), 17);
    assert_eq!(age("2008-02-29", "2026-03-01"), 18);
    assert_eq!(age("2008-02-29", "2028-02-28"), 19);
    assert_eq!(age("2008-02-29", "2028-02-29"), 20);
    assert_eq!(age("2008-02-29", "2008-02-29"), 0);
    assert!(policyc::request::age_in_years(day("2026-01-02"), day("2026-01-01")).is_none());
}
