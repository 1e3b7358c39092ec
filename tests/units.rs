//! Units, exactness and dates: property tests for conversions and comparisons, the checker's
//! dimension errors, and approval end dates.

use policyc::units::{parse_unit, Quantity};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::path::Path;

/// Units grouped by dimension, each with its size in the family's first unit, written here from
/// the units' definitions (UCUM; the README's 453.59237 g and 2.54 cm; `mo` and `a` being calendar
/// months and years), not read from policyc: a wrong conversion factor in policyc makes the
/// properties below fail.
const FAMILIES: &[&[(&str, &str)]] = &[
    &[
        ("ug", "1"),
        ("mg", "1000"),
        ("g", "1000000"),
        ("kg", "1000000000"),
        ("[lb_av]", "453592370"),
    ],
    &[
        ("mm", "1"),
        ("cm", "10"),
        ("m", "1000"),
        ("[in_i]", "25.4"),
        ("[ft_i]", "304.8"),
    ],
    &[
        ("uL", "1"),
        ("mL", "1000"),
        ("dL", "100000"),
        ("L", "1000000"),
    ],
    &[
        ("s", "1"),
        ("min", "60"),
        ("h", "3600"),
        ("d", "86400"),
        ("wk", "604800"),
    ],
    &[("mo", "1"), ("a", "12")],
    &[("[IU]", "1"), ("10*6.[IU]", "1000000")],
    // In [IU]/kg.
    &[
        ("[IU]/kg", "1"),
        ("[IU]/g", "1000"),
        ("10*6.[IU]/kg", "1000000"),
        ("IU/mg", "1000000"),
    ],
    // In {dose}/wk.
    &[("{dose}/wk", "1"), ("{dose}/d", "7"), ("{dose}/h", "168")],
    // In ug/kg.
    &[
        ("ug/kg", "1"),
        ("mg/kg", "1000"),
        ("mg/g", "1000000"),
        ("g/kg", "1000000"),
    ],
    // In ug/kg/wk.
    &[
        ("ug/kg/d", "7"),
        ("mg/kg/d", "7000"),
        ("mg/kg/wk", "1000"),
        ("g/kg/h", "168000000"),
    ],
    // In ug/kg/h.
    &[
        ("ug/kg/min", "60"),
        ("mg/kg/h", "1000"),
        ("mg/kg/min", "60000"),
    ],
    // In uL/kg.
    &[("mL/kg", "1000"), ("L/kg", "1000000"), ("uL/g", "1000")],
    // In mg/m2: 1 ug/cm2 is 0.001 mg per 0.0001 m2.
    &[("mg/m2", "1"), ("ug/cm2", "10")],
    // A plain number: no ratio above ever compares with it.
    &[("1", "1")],
    &[("[IU]/m2", "1"), ("[IU]/cm2", "10000")],
    &[("[PFU]/L", "1"), ("[PFU]/mL", "1000")],
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

/// A unit of the table: its code, its parsed form, and its size in its family's first unit.
struct U {
    code: &'static str,
    unit: policyc::units::Unit,
    size: Decimal,
}

fn unit(f: usize, i: usize) -> U {
    let (code, size) = FAMILIES[f][i % FAMILIES[f].len()];
    U {
        code,
        unit: parse_unit(code).unwrap_or_else(|e| panic!("{code}: {e:?}")),
        size: size.parse().expect("a size"),
    }
}

fn decimal() -> impl Strategy<Value = Decimal> {
    // Up to 9 integer digits and 0 to 6 decimal places, as doses, weights and limits are written,
    // so values of different scales meet. (Exact decimals hold 28 significant digits: a value
    // times the largest size above, 10^9, plus a step of 10^-9 must fit.)
    (0u32..=6).prop_flat_map(|s| (0i64..10i64.pow(9 + s)).prop_map(move |m| Decimal::new(m, s)))
}

/// A family and two of its units (by index, taken modulo the family's size).
fn same_dimension_pair() -> impl Strategy<Value = (usize, usize, usize)> {
    (0..FAMILIES.len(), 0..5usize, 0..5usize)
}

/// The smallest step at the scale the properties compare at.
fn step() -> Decimal {
    Decimal::new(1, 9)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A quantity converted to another unit of its dimension has the value the table's sizes give
    /// (exactly, when that value is a terminating decimal), and converting it back gives the value
    /// it started with, exactly.
    #[test]
    fn conversion_round_trip_is_exact(v in decimal(), (f, i, j) in same_dimension_pair()) {
        let (a, b) = (unit(f, i), unit(f, j));
        let q = Quantity::new(v, a.unit.clone()).expect("no overflow");
        let in_b = q.convert_to(&b.unit).expect("same dimension");
        // v a is v·size(a)/size(b) b.
        let amount = v * a.size;
        match amount.checked_div(b.size) {
            Some(e) if e * b.size == amount => prop_assert_eq!(
                in_b.value(), e.normalize(), "{} {} in {}", v, a.code, b.code
            ),
            _ => {
                // Not a terminating decimal: rounded to 28 significant digits.
                let off = (in_b.value() * b.size - amount).abs();
                prop_assert!(
                    off * Decimal::from(10i64.pow(18)) <= amount.max(Decimal::ONE),
                    "{} {} in {}: {}", v, a.code, b.code, in_b.value()
                );
            }
        }
        let back = in_b.convert_to(&a.unit).expect("same dimension");
        prop_assert_eq!(back.value(), v.normalize());
        prop_assert_eq!(back.compare(&q), Some(Ordering::Equal));
    }

    /// Two quantities in any units of one dimension compare as their values times the units'
    /// sizes do; `v·size(b)` of `a` is `v·size(a)` of `b`, and one step more or less compares
    /// accordingly; converting both to a third unit keeps the order; across dimensions they do
    /// not compare at all.
    #[test]
    fn comparison_does_not_depend_on_the_unit(
        v in decimal(), w in decimal(), f in 0..FAMILIES.len(), i in 0..5usize, j in 0..5usize, k in 0..5usize, other in 0..FAMILIES.len()
    ) {
        let (a, b, c) = (unit(f, i), unit(f, j), unit(f, k));
        let x = Quantity::new(v, a.unit.clone()).expect("no overflow");
        let y = Quantity::new(w, b.unit.clone()).expect("no overflow");
        let expected = (v * a.size).cmp(&(w * b.size));
        prop_assert_eq!(x.compare(&y), Some(expected), "{} {} vs {} {}", v, a.code, w, b.code);
        let xc = x.convert_to(&c.unit).expect("same dimension");
        let yc = y.convert_to(&c.unit).expect("same dimension");
        prop_assert_eq!(xc.compare(&yc), Some(expected));
        // At the boundary.
        let at = |value: Decimal, u: &U| Quantity::new(value, u.unit.clone()).expect("no overflow");
        let xa = at(v * b.size, &a);
        prop_assert_eq!(xa.compare(&at(v * a.size, &b)), Some(Ordering::Equal), "{} {} vs {}", v, a.code, b.code);
        prop_assert_eq!(xa.compare(&at(v * a.size + step(), &b)), Some(Ordering::Less));
        prop_assert_eq!(xa.compare(&at(v * a.size - step(), &b)), Some(Ordering::Greater));
        let o = unit(other, 0);
        if o.unit.dim != x.unit.dim {
            prop_assert_eq!(xc.compare(&at(w, &o)), None);
        }
    }

    /// `v a` equals `v·k b` where 1 a = k b; one step either side compares accordingly. This checks
    /// the conversion factors themselves, not only the representation.
    #[test]
    fn stated_ratios_hold_exactly(v in decimal(), i in 0..RATIOS.len()) {
        let (a, b, k) = RATIOS[i];
        let x = Quantity::new(v, parse_unit(a).expect("a")).expect("no overflow");
        let vb = v * Decimal::from(k);
        let y = Quantity::new(vb, parse_unit(b).expect("b")).expect("no overflow");
        prop_assert_eq!(x.compare(&y), Some(Ordering::Equal));
        let above = Quantity::new(vb + step(), parse_unit(b).expect("b")).expect("no overflow");
        let below = Quantity::new(vb - step(), parse_unit(b).expect("b")).expect("no overflow");
        prop_assert_eq!(x.compare(&above), Some(Ordering::Less));
        prop_assert_eq!(x.compare(&below), Some(Ordering::Greater));
    }
}

/// The generator gives every scale from 0 to 6 decimal places (the properties above meet values
/// of different scales).
#[test]
fn generated_decimals_have_every_scale() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut scales = std::collections::BTreeSet::new();
    for _ in 0..500 {
        let d = decimal().new_tree(&mut runner).expect("a value").current();
        scales.insert(d.scale());
    }
    assert_eq!(
        scales.into_iter().collect::<Vec<_>>(),
        (0..=6).collect::<Vec<u32>>()
    );
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

// ------------------------------------------------------------------ dimensions, by hand
// Found by mutation testing (docs/mutation-testing.md): each of these failed no test before.

fn dim(code: &str) -> policyc::units::Dim {
    parse_unit(code)
        .unwrap_or_else(|e| panic!("`{code}` parses: {e}"))
        .dim
}

#[test]
fn a_ratio_stays_a_ratio_through_a_product_and_the_ir() {
    use policyc::units::Base;
    // mg/kg × d: the mass cancels, and stays a ratio of masses (as `dose_per_kg` per day).
    let per_day = dim("mg/kg").times(dim("d"));
    assert!(per_day.is_ratio(Base::Mass), "{per_day}");
    assert_eq!(per_day.exp(Base::Time), 1);
    // The IR writes a ratio of any base and reads it back as a ratio (volume: mL/L).
    for code in ["mg/kg", "mL/L", "{dose}/{dose}"] {
        let d = dim(code);
        let json = serde_json::to_string(&d).expect("a dimension serializes");
        let back: policyc::units::Dim = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(back, d, "{code}: {json}");
    }
}

#[test]
fn a_dimension_with_only_a_denominator_reads_per() {
    // A plain number divided by a time (`1 / rest`): "per time", not " per time".
    assert_eq!(
        policyc::units::Dim::NONE.per(dim("d")).to_string(),
        "per time"
    );
    assert_eq!(dim("mg/d").to_string(), "mass per time");
}

#[test]
fn a_unit_with_a_space_is_refused_saying_so() {
    for text in ["mg /kg", "mg/ kg", "[IU] /kg"] {
        let e = parse_unit(text).expect_err(text).to_string();
        assert!(e.contains("contains a space"), "{text}: {e}");
    }
}
