//! The atoms policyc knows: each unit's UCUM code, its other spellings, its base dimension and its
//! scale relative to the smallest atom of that base.

use super::Base;

/// One unit atom.
pub(super) struct Atom {
    /// UCUM code.
    pub(super) code: &'static str,
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
        aliases: &["mcg", "microgram", "micrograms", "µg", "μg"],
        base: Some(Base::Mass),
        scale: 1,
    },
    Atom {
        code: "mg",
        aliases: &["milligram", "milligrams"],
        base: Some(Base::Mass),
        scale: 1_000,
    },
    Atom {
        code: "g",
        aliases: &["gram", "grams"],
        base: Some(Base::Mass),
        scale: 1_000_000,
    },
    Atom {
        code: "kg",
        aliases: &["kilogram", "kilograms"],
        base: Some(Base::Mass),
        scale: 1_000_000_000,
    },
    // The avoirdupois pound is 453.59237 g exactly (as FHIR and UCUM define it).
    Atom {
        code: "[lb_av]",
        aliases: &["lb", "lbs", "pound", "pounds"],
        base: Some(Base::Mass),
        scale: 453_592_370,
    },
    Atom {
        code: "mm",
        aliases: &["millimetre", "millimeter", "millimetres", "millimeters"],
        base: Some(Base::Length),
        scale: 10,
    },
    Atom {
        code: "cm",
        aliases: &["centimetre", "centimeter", "centimetres", "centimeters"],
        base: Some(Base::Length),
        scale: 100,
    },
    Atom {
        code: "m",
        aliases: &["metre", "meter", "metres", "meters"],
        base: Some(Base::Length),
        scale: 10_000,
    },
    // The international inch is 25.4 mm and the foot 304.8 mm exactly: the smallest length atom
    // is a tenth of a millimetre (no unit is named for it) so that both are whole multiples.
    Atom {
        code: "[in_i]",
        aliases: &["in", "inch", "inches"],
        base: Some(Base::Length),
        scale: 254,
    },
    Atom {
        code: "[ft_i]",
        aliases: &["ft", "foot", "feet"],
        base: Some(Base::Length),
        scale: 3_048,
    },
    Atom {
        code: "uL",
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
        aliases: &["dl", "decilitre", "deciliter"],
        base: Some(Base::Volume),
        scale: 100_000,
    },
    Atom {
        code: "L",
        aliases: &["l", "litre", "liter", "litres", "liters"],
        base: Some(Base::Volume),
        scale: 1_000_000,
    },
    Atom {
        code: "s",
        aliases: &["second", "seconds"],
        base: Some(Base::Time),
        scale: 1,
    },
    Atom {
        code: "min",
        aliases: &["minute", "minutes"],
        base: Some(Base::Time),
        scale: 60,
    },
    Atom {
        code: "h",
        aliases: &["hour", "hours"],
        base: Some(Base::Time),
        scale: 3_600,
    },
    Atom {
        code: "d",
        aliases: &["day", "days", "daily"],
        base: Some(Base::Time),
        scale: 86_400,
    },
    Atom {
        code: "wk",
        aliases: &["week", "weeks", "weekly"],
        base: Some(Base::Time),
        scale: 604_800,
    },
    Atom {
        code: "mo",
        aliases: &["month", "months"],
        base: Some(Base::Calendar),
        scale: 1,
    },
    Atom {
        code: "a",
        aliases: &["year", "years"],
        base: Some(Base::Calendar),
        scale: 12,
    },
    Atom {
        code: "{dose}",
        aliases: &["dose", "doses"],
        base: Some(Base::Count),
        scale: 1,
    },
    Atom {
        code: "[IU]",
        aliases: &["IU", "iu", "[iU]"],
        base: Some(Base::InternationalUnit),
        scale: 1,
    },
    Atom {
        code: "[PFU]",
        aliases: &["PFU", "pfu"],
        base: Some(Base::PlaqueFormingUnit),
        scale: 1,
    },
];
