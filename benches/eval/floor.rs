//! The floor: what a programmer would write by hand for the Proleukin policy alone. The request is
//! read with serde's derive into a plain struct (numbers as `f64`, enumerations as Rust enums, sets
//! as bitmasks, the units the corpus uses in a table), and a hand-written function decides it with
//! the same three-valued reading and the same decision rule as policyc. The bench checks, before it
//! measures anything, that the floor gives policyc's decision for every request of the corpus, so the
//! ratio to it compares the same work.

use policyc::eval::DecisionKind;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Three-valued truth: `None` is unknown.
type Tv = Option<bool>;

fn and(a: Tv, b: Tv) -> Tv {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Tv, b: Tv) -> Tv {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Diagnosis {
    CutaneousMelanoma,
    RenalCellCarcinoma,
    ChronicGvhd,
    AcuteGvhd,
    #[serde(other)]
    Unlisted,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Route {
    Intravenous,
    Intralesional,
    Subcutaneous,
    Oral,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Specialty {
    Oncologist,
    Dermatologist,
    TransplantCenterPhysician,
    #[serde(other)]
    Unlisted,
}

const ONCOLOGIST: u8 = 1;
const DERMATOLOGIST: u8 = 2;
const TRANSPLANT: u8 = 4;

impl Specialty {
    fn bit(self) -> u8 {
        match self {
            Specialty::Oncologist => ONCOLOGIST,
            Specialty::Dermatologist => DERMATOLOGIST,
            Specialty::TransplantCenterPhysician => TRANSPLANT,
            Specialty::Unlisted => 0,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Extent {
    Metastatic,
    Unresectable,
    LimitedResectable,
    Advanced,
    Recurrent,
    Localized,
}

const METASTATIC: u8 = 1;
const UNRESECTABLE: u8 = 2;
const RECURRENT: u8 = 16;

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum LesionSite {
    Cutaneous,
    Subcutaneous,
    Nodal,
    Visceral,
}

/// A set of enumeration values as a bitmask; a value listed twice is an error.
struct Mask<T>(u8, std::marker::PhantomData<T>);

trait Bit {
    fn bit(self) -> u8;
}
impl Bit for Extent {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}
impl Bit for LesionSite {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}
impl Bit for Specialty {
    fn bit(self) -> u8 {
        Specialty::bit(self)
    }
}

impl<'de, T: Deserialize<'de> + Bit> Deserialize<'de> for Mask<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Bit> Visitor<'de> for V<T> {
            type Value = Mask<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Mask<T>, A::Error> {
                let mut m = 0u8;
                while let Some(x) = seq.next_element::<T>()? {
                    let b = x.bit();
                    if b != 0 && m & b != 0 {
                        return Err(de::Error::custom("a value listed twice"));
                    }
                    m |= b;
                }
                Ok(Mask(m, std::marker::PhantomData))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// The dimensions the corpus states quantities in, each in one canonical unit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dim {
    /// International units.
    Iu,
    /// International units per kilogram.
    IuPerKg,
    /// Milligrams per kilogram (through the label's equivalence).
    MgPerKg,
    /// International units per square metre.
    IuPerM2,
    /// Doses.
    Dose,
    /// Doses per week.
    DosePerWeek,
    /// Days.
    Day,
    /// Kilograms.
    Kg,
    /// Centimetres.
    Cm,
    /// Square metres.
    M2,
    /// Years.
    Year,
}

fn unit(u: &str) -> Option<(f64, Dim)> {
    Some(match u {
        "IU" | "[IU]" => (1.0, Dim::Iu),
        "IU/kg" | "[IU]/kg" => (1.0, Dim::IuPerKg),
        "mg/kg" => (1.0, Dim::MgPerKg),
        "ug/kg" | "mcg/kg" => (0.001, Dim::MgPerKg),
        "IU/m2" | "[IU]/m2" => (1.0, Dim::IuPerM2),
        "dose" | "doses" | "{dose}" => (1.0, Dim::Dose),
        "doses/day" | "dose/day" | "{dose}/d" => (7.0, Dim::DosePerWeek),
        "doses/week" | "dose/week" | "{dose}/wk" => (1.0, Dim::DosePerWeek),
        "d" | "day" | "days" => (1.0, Dim::Day),
        "wk" | "week" | "weeks" => (7.0, Dim::Day),
        "kg" => (1.0, Dim::Kg),
        "g" => (0.001, Dim::Kg),
        "lb" | "[lb_av]" => (0.453_592_37, Dim::Kg),
        "cm" => (1.0, Dim::Cm),
        "m" => (100.0, Dim::Cm),
        "mm" => (0.1, Dim::Cm),
        "in" | "[in_i]" => (2.54, Dim::Cm),
        "m2" => (1.0, Dim::M2),
        "a" | "year" | "years" => (1.0, Dim::Year),
        _ => return None,
    })
}

/// A quantity in the canonical unit of its dimension.
#[derive(Clone, Copy)]
struct Qty(f64, Dim);

fn number(t: &str) -> Option<f64> {
    if t.contains(',') {
        t.replace(',', "").parse().ok()
    } else {
        t.parse().ok()
    }
}

fn quantity(value: f64, u: &str) -> Option<Qty> {
    let (f, d) = unit(u)?;
    (value >= 0.0).then_some(Qty(value * f, d))
}

impl<'de> Deserialize<'de> for Qty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Qty, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Qty;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"<number> <unit>\" or {\"value\", \"unit\"}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Qty, E> {
                let bad = || E::custom(format!("not a quantity: {s}"));
                let mut w = s.split_whitespace();
                let n = w.next().and_then(number).ok_or_else(bad)?;
                let (scale, u) = match (w.next(), w.next()) {
                    (Some("million"), Some(u)) => (1e6, u),
                    (Some("thousand"), Some(u)) => (1e3, u),
                    (Some(u), None) => (1.0, u),
                    _ => return Err(bad()),
                };
                if w.next().is_some() {
                    return Err(bad());
                }
                quantity(n * scale, u).ok_or_else(bad)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Qty, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Parts<'a> {
                    value: f64,
                    #[serde(borrow)]
                    unit: std::borrow::Cow<'a, str>,
                }
                let p = Parts::deserialize(de::value::MapAccessDeserializer::new(&mut m))?;
                quantity(p.value, &p.unit).ok_or_else(|| de::Error::custom("not a quantity"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A date as (year, month, day), written `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Date(u16, u8, u8);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                let b = s.as_bytes();
                let digits = |r: std::ops::Range<usize>| -> Option<u32> {
                    b[r].iter().try_fold(0u32, |acc, c| {
                        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
                    })
                };
                let bad = || E::custom(format!("not a date: {s}"));
                if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                    return Err(bad());
                }
                let (y, m, d) = (
                    digits(0..4).ok_or_else(bad)?,
                    digits(5..7).ok_or_else(bad)?,
                    digits(8..10).ok_or_else(bad)?,
                );
                let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
                let days = [
                    31,
                    if leap { 29 } else { 28 },
                    31,
                    30,
                    31,
                    30,
                    31,
                    31,
                    30,
                    31,
                    30,
                    31,
                ];
                if !(1..=12).contains(&m) || d == 0 || d > days[m as usize - 1] {
                    return Err(bad());
                }
                Ok(Date(y as u16, m as u8, d as u8))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Facts {
    diagnosis: Option<Diagnosis>,
    other_systemic_therapies: Option<u32>,
    with_systemic_corticosteroids: Option<bool>,
    steroid_refractory: Option<bool>,
    lesion_sites: Option<Mask<LesionSite>>,
    dose: Option<Qty>,
    body_weight: Option<Qty>,
    height: Option<Qty>,
    body_surface_area: Option<Qty>,
    dose_per_kg: Option<Qty>,
    dose_per_m2: Option<Qty>,
    dose_per_lesion: Option<Qty>,
    doses_per_day: Option<Qty>,
    doses_per_week: Option<Qty>,
    doses_per_cycle: Option<Qty>,
    rest_before_second_cycle: Option<Qty>,
    rest_before_next_course: Option<Qty>,
    prescriber_specialty: Option<Specialty>,
    consulting_specialties: Option<Mask<Specialty>>,
    disease_extent: Option<Mask<Extent>>,
    route: Option<Route>,
    date_of_birth: Option<Date>,
    age: Option<Qty>,
    single_agent: Option<bool>,
}

/// A Proleukin request as the floor reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request<'a> {
    #[expect(
        dead_code,
        reason = "read as policyc reads it; the decision does not use it"
    )]
    #[serde(borrow, default)]
    request_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    format_version: Option<u32>,
    #[serde(default)]
    as_of: Option<Date>,
    facts: Facts,
}

/// Read a request, with the checks policyc makes on the corpus (dimensions, plausible ranges,
/// a date of service for an age).
pub fn read(text: &str) -> Result<Request<'_>, String> {
    let r: Request = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if r.format_version.is_some_and(|v| v != 1) {
        return Err("format version".into());
    }
    let f = &r.facts;
    let dim = |q: Option<Qty>, d: &[Dim]| q.is_none_or(|q| d.contains(&q.1));
    let ok = dim(f.dose, &[Dim::Iu])
        && dim(f.body_weight, &[Dim::Kg])
        && dim(f.height, &[Dim::Cm])
        && dim(f.body_surface_area, &[Dim::M2])
        && dim(f.dose_per_kg, &[Dim::IuPerKg, Dim::MgPerKg])
        && dim(f.dose_per_m2, &[Dim::IuPerM2])
        && dim(f.dose_per_lesion, &[Dim::Iu])
        && dim(f.doses_per_day, &[Dim::DosePerWeek])
        && dim(f.doses_per_week, &[Dim::DosePerWeek])
        && dim(f.doses_per_cycle, &[Dim::Dose])
        && dim(f.rest_before_second_cycle, &[Dim::Day])
        && dim(f.rest_before_next_course, &[Dim::Day])
        && dim(f.age, &[Dim::Year]);
    if !ok {
        return Err("a quantity in the wrong dimension".into());
    }
    let within = |q: Option<Qty>, lo: f64, hi: f64| q.is_none_or(|q| lo <= q.0 && q.0 <= hi);
    if !within(f.body_weight, 0.3, 650.0) || !within(f.height, 20.0, 280.0) {
        return Err("outside a plausible range".into());
    }
    if f.date_of_birth.is_some() && r.as_of.is_none() {
        return Err("an age without a date of service".into());
    }
    Ok(r)
}

fn at_most(q: Option<Qty>, limit: f64) -> Tv {
    q.map(|q| q.0 <= limit)
}

fn at_least(q: Option<Qty>, limit: f64) -> Tv {
    q.map(|q| q.0 >= limit)
}

/// A limit `as a condition of approval`: met when not stated.
fn condition(t: Tv) -> Tv {
    t.or(Some(true))
}

fn has_any(m: Option<u8>, of: u8) -> Tv {
    m.map(|m| m & of != 0)
}

/// The decision of policyc for a request the floor has read.
pub fn decide(r: &Request) -> DecisionKind {
    let f = &r.facts;
    // Derived facts.
    let age = match (f.age, f.date_of_birth, r.as_of) {
        (Some(a), _, _) => Some(a.0),
        (None, Some(b), Some(t)) => {
            let years = i32::from(t.0) - i32::from(b.0) - i32::from((t.1, t.2) < (b.1, b.2));
            Some(f64::from(years))
        }
        _ => None,
    };
    let bsa = f
        .body_surface_area
        .map(|q| q.0)
        .or_else(|| match (f.height, f.body_weight) {
            (Some(h), Some(w)) => Some(((h.0 * w.0 / 3600.0).sqrt() * 100.0).round() / 100.0),
            _ => None,
        });
    let per_kg = f.dose_per_kg.or_else(|| match (f.dose, f.body_weight) {
        (Some(d), Some(w)) => Some(Qty(d.0 / w.0, Dim::IuPerKg)),
        _ => None,
    });
    let per_m2 = f.dose_per_m2.or_else(|| match (f.dose, bsa) {
        (Some(d), Some(b)) => Some(Qty(d.0 / b, Dim::IuPerM2)),
        _ => None,
    });
    let adult = age.map(|a| a >= 18.0);
    let route = |x: Route| f.route.map(|r| r == x);
    let diagnosis = |x: Diagnosis| f.diagnosis.map(|d| d == x);
    let extent = f.disease_extent.as_ref().map(|m| m.0);
    let sites = f.lesion_sites.as_ref().map(|m| m.0);
    let by_or_with = |of: u8| {
        or(
            f.prescriber_specialty.map(|s| s.bit() & of != 0),
            has_any(f.consulting_specialties.as_ref().map(|m| m.0), of),
        )
    };
    let per_kg_limit = per_kg.map(|q| match q.1 {
        Dim::MgPerKg => q.0 <= 0.037,
        _ => q.0 <= 600_000.0,
    });
    let iv_limits = and(
        and(per_kg_limit, at_most(f.doses_per_day, 21.0)),
        at_most(f.doses_per_cycle, 14.0),
    );
    let rests = and(
        condition(at_least(f.rest_before_second_cycle, 9.0)),
        condition(at_least(f.rest_before_next_course, 49.0)),
    );

    // 1: cutaneous melanoma.
    let a1 = diagnosis(Diagnosis::CutaneousMelanoma);
    let c1 = or(
        and(
            route(Route::Intravenous),
            and(
                and(adult, has_any(extent, METASTATIC | UNRESECTABLE)),
                and(
                    and(f.other_systemic_therapies.map(|n| n >= 1), f.single_agent),
                    by_or_with(ONCOLOGIST),
                ),
            ),
        ),
        and(
            route(Route::Intralesional),
            and(
                and(
                    adult,
                    and(
                        has_any(extent, METASTATIC | RECURRENT | UNRESECTABLE),
                        has_any(sites, 0b111),
                    ),
                ),
                by_or_with(ONCOLOGIST | DERMATOLOGIST),
            ),
        ),
    );
    let d1 = or(
        and(route(Route::Intravenous), and(iv_limits, rests)),
        and(
            route(Route::Intralesional),
            and(
                at_most(f.dose_per_lesion, 6_000_000.0),
                at_most(f.doses_per_week, 3.0),
            ),
        ),
    );
    // 2: renal cell carcinoma.
    let a2 = diagnosis(Diagnosis::RenalCellCarcinoma);
    let c2 = and(
        and(adult, has_any(extent, METASTATIC)),
        and(f.single_agent, by_or_with(ONCOLOGIST)),
    );
    let d2 = and(and(iv_limits, route(Route::Intravenous)), rests);
    // 3: graft-versus-host disease.
    let a3 = or(
        diagnosis(Diagnosis::ChronicGvhd),
        diagnosis(Diagnosis::AcuteGvhd),
    );
    let c3 = and(
        and(diagnosis(Diagnosis::ChronicGvhd), f.steroid_refractory),
        and(
            f.with_systemic_corticosteroids,
            by_or_with(ONCOLOGIST | TRANSPLANT),
        ),
    );
    let d3 = and(
        and(at_most(per_m2, 1_000_000.0), route(Route::Subcutaneous)),
        at_most(f.doses_per_day, 7.0),
    );

    // The decision rule: approve under an indication that surely approves; else the one decision
    // every completion gives (refer if some indication surely refers, deny if none can approve or
    // refer); else needs_info.
    let inds = [(a1, c1, d1), (a2, c2, d2), (a3, c3, d3)];
    let (mut can_approve, mut sure_refer, mut can_refer) = (false, false, false);
    for (a, c, d) in inds {
        if a == Some(true) && c == Some(true) && d == Some(true) {
            return DecisionKind::Approve;
        }
        let possible = a != Some(false) && c != Some(false);
        can_approve |= possible && d != Some(false);
        can_refer |= possible && d != Some(true);
        sure_refer |= a == Some(true) && c == Some(true) && d == Some(false);
    }
    if can_approve {
        DecisionKind::NeedsInfo
    } else if sure_refer {
        DecisionKind::Refer
    } else if can_refer {
        DecisionKind::NeedsInfo
    } else {
        DecisionKind::Deny
    }
}
