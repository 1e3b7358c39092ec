//! The atoms policyc knows: each unit's UCUM code, its name in words, its other spellings, its
//! base dimension and its scale relative to the smallest atom of that base.

use super::Base;

/// One unit atom.
pub(super) struct Atom {
    /// UCUM code.
    pub(super) code: &'static str,
    /// Its name in words, singular (`milligram`, `international unit`), for editors' hovers.
    pub(super) name: &'static str,
    /// Other spellings accepted in policies and requests.
    pub(super) aliases: &'static [&'static str],
    /// The base dimension it belongs to.
    pub(super) base: Option<Base>,
    /// Scale relative to the smallest atom of the same base (for pure scales, the scale itself).
    pub(super) scale: i128,
}

pub(super) const ATOMS: &[Atom] = &[
    Atom {
        code: "ug",
        name: "microgram",
        aliases: &["mcg", "microgram", "micrograms", "µg", "μg"],
        base: Some(Base::Mass),
        scale: 1,
    },
    Atom {
        code: "mg",
        name: "milligram",
        aliases: &["milligram", "milligrams"],
        base: Some(Base::Mass),
        scale: 1_000,
    },
    Atom {
        code: "g",
        name: "gram",
        aliases: &["gram", "grams"],
        base: Some(Base::Mass),
        scale: 1_000_000,
    },
    Atom {
        code: "kg",
        name: "kilogram",
        aliases: &["kilogram", "kilograms"],
        base: Some(Base::Mass),
        scale: 1_000_000_000,
    },
    // The avoirdupois pound is 453.59237 g exactly (as FHIR and UCUM define it).
    Atom {
        code: "[lb_av]",
        name: "pound",
        aliases: &["lb", "lbs", "pound", "pounds"],
        base: Some(Base::Mass),
        scale: 453_592_370,
    },
    Atom {
        code: "mm",
        name: "millimetre",
        aliases: &["millimetre", "millimeter", "millimetres", "millimeters"],
        base: Some(Base::Length),
        scale: 10,
    },
    Atom {
        code: "cm",
        name: "centimetre",
        aliases: &["centimetre", "centimeter", "centimetres", "centimeters"],
        base: Some(Base::Length),
        scale: 100,
    },
    Atom {
        code: "m",
        name: "metre",
        aliases: &["metre", "meter", "metres", "meters"],
        base: Some(Base::Length),
        scale: 10_000,
    },
    // The international inch is 25.4 mm and the foot 304.8 mm exactly: the smallest length atom
    // is a tenth of a millimetre (no unit is named for it) so that both are whole multiples.
    Atom {
        code: "[in_i]",
        name: "inch",
        aliases: &["in", "inch", "inches"],
        base: Some(Base::Length),
        scale: 254,
    },
    Atom {
        code: "[ft_i]",
        name: "foot",
        aliases: &["ft", "foot", "feet"],
        base: Some(Base::Length),
        scale: 3_048,
    },
    Atom {
        code: "uL",
        name: "microlitre",
        aliases: &[
            "microlitre",
            "microliter",
            "microlitres",
            "microliters",
            "µL",
        ],
        base: Some(Base::Volume),
        scale: 1,
    },
    Atom {
        code: "mL",
        name: "millilitre",
        aliases: &[
            "ml",
            "millilitre",
            "milliliter",
            "millilitres",
            "milliliters",
        ],
        base: Some(Base::Volume),
        scale: 1_000,
    },
    Atom {
        code: "dL",
        name: "decilitre",
        aliases: &["dl", "decilitre", "deciliter"],
        base: Some(Base::Volume),
        scale: 100_000,
    },
    Atom {
        code: "L",
        name: "litre",
        aliases: &["l", "litre", "liter", "litres", "liters"],
        base: Some(Base::Volume),
        scale: 1_000_000,
    },
    Atom {
        code: "s",
        name: "second",
        aliases: &["second", "seconds"],
        base: Some(Base::Time),
        scale: 1,
    },
    Atom {
        code: "min",
        name: "minute",
        aliases: &["minute", "minutes"],
        base: Some(Base::Time),
        scale: 60,
    },
    Atom {
        code: "h",
        name: "hour",
        aliases: &["hour", "hours"],
        base: Some(Base::Time),
        scale: 3_600,
    },
    Atom {
        code: "d",
        name: "day",
        aliases: &["day", "days", "daily"],
        base: Some(Base::Time),
        scale: 86_400,
    },
    Atom {
        code: "wk",
        name: "week",
        aliases: &["week", "weeks", "weekly"],
        base: Some(Base::Time),
        scale: 604_800,
    },
    Atom {
        code: "mo",
        name: "month",
        aliases: &["month", "months"],
        base: Some(Base::Calendar),
        scale: 1,
    },
    Atom {
        code: "a",
        name: "year",
        aliases: &["year", "years"],
        base: Some(Base::Calendar),
        scale: 12,
    },
    Atom {
        code: "{dose}",
        name: "dose",
        aliases: &["dose", "doses"],
        base: Some(Base::Count),
        scale: 1,
    },
    Atom {
        code: "[IU]",
        name: "international unit",
        aliases: &["IU", "iu", "[iU]"],
        base: Some(Base::InternationalUnit),
        scale: 1,
    },
    Atom {
        code: "[PFU]",
        name: "plaque-forming unit",
        aliases: &["PFU", "pfu"],
        base: Some(Base::PlaqueFormingUnit),
        scale: 1,
    },
];
