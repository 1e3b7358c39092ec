use super::*;
use std::str::FromStr;

fn q(v: &str, u: &str) -> Quantity {
    Quantity::new(Decimal::from_str(v).unwrap(), parse_unit(u).unwrap()).unwrap()
}

#[test]
fn units_like_a_unit_are_those_of_its_dimension() {
    let like = units_like(&parse_unit("mg/kg").unwrap());
    assert_eq!(like[0], "mg/kg");
    for u in ["ug/kg", "mcg/kg", "g/kg", "[mg]/kg"] {
        assert_eq!(
            like.contains(&u.to_string()),
            u != "[mg]/kg",
            "{u}: {like:?}"
        );
    }
    assert!(
        !like.iter().any(|u| u == "mg" || u == "kg" || u == "IU/kg"),
        "{like:?}"
    );
    let mass = units_like(&parse_unit("kg").unwrap());
    for u in ["kg", "g", "mg", "[lb_av]", "lb"] {
        assert!(mass.contains(&u.to_string()), "{u}: {mass:?}");
    }
    assert!(!mass.contains(&"cm".to_string()));
    let mut sorted = mass.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), mass.len(), "no unit twice");
}

#[test]
fn plain_names_become_ucum_codes() {
    assert_eq!(parse_unit("IU/kg").unwrap().code, "[IU]/kg");
    assert_eq!(parse_unit("doses/day").unwrap().code, "{dose}/d");
    assert_eq!(parse_unit("years").unwrap().code, "a");
    assert_eq!(parse_unit("m2").unwrap().code, "m2");
    assert_eq!(parse_unit("10*6.[IU]").unwrap().code, "10*6.[IU]");
}

#[test]
fn comparisons_convert_exactly() {
    assert_eq!(
        q("3", "{dose}/d").compare(&q("21", "{dose}/wk")),
        Some(std::cmp::Ordering::Equal)
    );
    assert_eq!(
        q("7", "wk").compare(&q("49", "d")),
        Some(std::cmp::Ordering::Equal)
    );
    assert_eq!(
        q("0.037", "mg/kg").compare(&q("37", "ug/kg")),
        Some(std::cmp::Ordering::Equal)
    );
    assert_eq!(
        q("6", "10*6.[IU]").compare(&q("6000000", "[IU]")),
        Some(std::cmp::Ordering::Equal)
    );
    assert_eq!(
        q("1", "a").compare(&q("12", "mo")),
        Some(std::cmp::Ordering::Equal)
    );
    assert_eq!(q("1", "a").compare(&q("365", "d")), None);
}

#[test]
fn mixed_ratios_that_do_not_terminate_are_rejected() {
    assert!(matches!(parse_unit("h/d"), Err(UnitError::Inexact(_))));
}

#[test]
fn unknown_units_suggest_a_near_name() {
    match parse_unit("[IU]/kgg") {
        Err(UnitError::Unknown { suggestion, .. }) => {
            assert_eq!(suggestion.as_deref(), Some("kg"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn small_measured_values_keep_three_significant_digits() {
    let d = |t: &str| Decimal::from_str(t).unwrap();
    assert_eq!(format_measured(d("6.861111111")), "6.8611");
    assert_eq!(format_measured(d("0.0000416666")), "0.0000417");
    assert_eq!(format_measured(d("0.0123456")), "0.0123");
    assert_eq!(format_measured(d("1234.56789")), "1,234.5679");
    assert_eq!(format_measured(Decimal::ZERO), "0");
}

#[test]
fn ratio_units_do_not_cancel_to_a_plain_number() {
    let mgkg = parse_unit("mg/kg").unwrap();
    assert!(!mgkg.dim.is_none());
    assert_eq!(mgkg.dim, parse_unit("ug/kg").unwrap().dim);
    assert_eq!(mgkg.dim, parse_unit("g/kg").unwrap().dim);
    assert_ne!(mgkg.dim, parse_unit("1").unwrap().dim);
    let mass = parse_unit("kg").unwrap().dim;
    assert_eq!(mass.per(mass), mgkg.dim);
    assert_eq!(mgkg.dim.times(mass), mass);
    let iu_kg = parse_unit("[IU]/kg").unwrap().dim;
    assert_eq!(iu_kg.times(mass), parse_unit("[IU]").unwrap().dim);
    assert_eq!(parse_unit("[IU]").unwrap().dim.per(iu_kg), mass);
    assert_eq!(
        iu_kg.exchange(Base::InternationalUnit, Base::Mass),
        mgkg.dim
    );
    let per_day = parse_unit("mg/d").unwrap().dim.per(mass);
    assert_eq!(per_day, parse_unit("mg/kg/d").unwrap().dim);
    assert_eq!(mgkg.dim.to_string(), "mass per mass");
    assert_eq!(
        parse_unit("ug/kg/min").unwrap().dim.to_string(),
        "mass per mass × time"
    );
}

#[test]
fn ratio_dimensions_survive_the_ir() {
    for u in ["mg/kg", "mg/kg/d", "mL/kg", "[IU]/kg", "1"] {
        let d = parse_unit(u).unwrap().dim;
        let json = serde_json::to_string(&d).unwrap();
        let back: Dim = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d, "{u}: {json}");
    }
}

#[test]
fn format_decimal_groups_thousands() {
    assert_eq!(format_decimal(Decimal::from(600000)), "600,000");
    assert_eq!(
        format_decimal(Decimal::from_str("0.0370").unwrap()),
        "0.037"
    );
    assert_eq!(
        format_decimal(Decimal::from_str("-1234.5").unwrap()),
        "-1,234.5"
    );
}

#[test]
fn units_are_named_in_words_from_their_atoms() {
    let name = |u: &str| unit_name(u).unwrap();
    assert_eq!(name("mg"), "milligram");
    assert_eq!(name("milligrams"), "milligram");
    assert_eq!(name("mg/m2"), "milligram per square metre");
    assert_eq!(name("[IU]/kg"), "international unit per kilogram");
    assert_eq!(name("IU/kg"), "international unit per kilogram");
    assert_eq!(name("doses/day"), "dose per day");
    assert_eq!(name("weeks"), "week");
    assert_eq!(name("mg/kg/d"), "milligram per kilogram per day");
    assert_eq!(name("10*6.[IU]"), "million international unit");
    assert_eq!(name("cm3"), "cubic centimetre");
    assert_eq!(name("kg.m"), "kilogram metre");
    assert_eq!(name("1"), "one (a plain number)");
    // What `parse_unit` refuses has no name either, for the same reason.
    assert_eq!(unit_name("mgg"), parse_unit("mgg").map(|_| String::new()));
    assert!(matches!(unit_name("h/d"), Err(UnitError::Inexact(_))));
    // Every atom and every spelling of it has a name.
    for a in ATOMS {
        for spelling in std::iter::once(a.code).chain(a.aliases.iter().copied()) {
            assert_eq!(unit_name(spelling).as_deref(), Ok(a.name), "{spelling}");
        }
    }
}

#[test]
fn the_canonical_unit_of_a_dimension_reads_back_as_itself() {
    let canonical = |u: &str| canonical_unit(parse_unit(u).unwrap().dim);
    for (written, code) in [
        ("mg", "ug"),
        ("kg", "ug"),
        ("[IU]/kg", "[IU]/kg"),
        ("mg/m2", "ug/m2"),
        ("doses/day", "{dose}/wk"),
        ("weeks", "s"),
        ("years", "mo"),
        ("mg/kg", "ug/ug"),
        ("mg/kg/d", "ug/ug/wk"),
        ("m2", "mm2"),
        ("[IU].[IU]", "[IU].[IU]"),
        ("mg/[IU]/[IU]", "ug/[IU]/[IU]"),
        ("1", "1"),
    ] {
        let c = canonical(written);
        assert_eq!(c.code, code, "{written}");
        assert_eq!(c.dim, parse_unit(written).unwrap().dim, "{written}");
        // Read back, it is the same unit: same dimension, same factor.
        let back = parse_unit(code).unwrap();
        assert_eq!((back.dim, back.factor), (c.dim, c.factor), "{code}");
    }
    // A dimension with no unit above the line keeps UCUM's `1/`.
    let per_volume = canonical_unit(parse_unit("10*3/uL").unwrap().dim);
    assert_eq!(per_volume.code, "1/L");
    // Every unit converts to it exactly.
    let in_canonical = |v: &str, u: &str| {
        let q = q(v, u);
        let c = canonical_unit(q.unit.dim);
        q.convert_to(&c).unwrap().value()
    };
    assert_eq!(in_canonical("1", "mg"), Decimal::from(1000));
    assert_eq!(in_canonical("1", "doses/day"), Decimal::from(7));
    assert_eq!(in_canonical("1", "m2"), Decimal::from(1_000_000));
    assert_eq!(
        in_canonical("3", "mg/kg"),
        Decimal::from_str("0.000003").unwrap()
    );
    assert_eq!(in_canonical("2", "weeks"), Decimal::from(1_209_600));
    // One of a unit, in the canonical unit.
    let one = |u: &str| one_in_canonical(&parse_unit(u).unwrap()).unwrap();
    assert_eq!(one("mg"), Decimal::from(1000));
    assert_eq!(one("doses/day"), Decimal::from(7));
    assert_eq!(one("mg/kg"), Decimal::from_str("0.000001").unwrap());
    assert_eq!(one("[IU]/kg"), Decimal::ONE);
    assert_eq!(one("lb"), Decimal::from(453_592_370));
    assert_eq!(one("a"), Decimal::from(12));
}
