//! The FHIR R4 data types policyc writes, hand-written: only the elements policyc fills in, each
//! serialized under its R4 name, absent when empty (FHIR forbids empty arrays and nulls).

use serde::Serialize;

/// `Coding`: a code from a code system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Coding {
    /// The code system's canonical URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its meaning, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    /// A coding with all three parts.
    pub fn new(system: &str, code: &str, display: &str) -> Coding {
        Coding {
            system: Some(system.to_string()),
            code: Some(code.to_string()),
            display: Some(display.to_string()),
        }
    }
}

/// `CodeableConcept`: codings and, or, text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CodeableConcept {
    /// The codings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// The concept in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `Reference`: a literal reference, or a display only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Reference {
    /// `Coverage/123`, an absolute URL, or `#contained`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Text for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A literal reference.
    pub fn to(reference: &str) -> Reference {
        Reference {
            reference: Some(reference.to_string()),
            display: None,
        }
    }
}

/// `Period`: start and end dates (both included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Period {
    /// The first day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// `Narrative`: the resource's text for people (XHTML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Narrative {
    /// Always `generated`: made from the structured data.
    pub status: &'static str,
    /// An XHTML `<div>`.
    pub div: String,
}

impl Narrative {
    /// A generated narrative: a heading and a list, escaped.
    pub fn list(heading: &str, lines: &[String]) -> Narrative {
        let mut div = format!(
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p>",
            escape(heading)
        );
        if !lines.is_empty() {
            div.push_str("<ul>");
            for l in lines {
                div.push_str(&format!("<li>{}</li>", escape(l)));
            }
            div.push_str("</ul>");
        }
        div.push_str("</div>");
        Narrative {
            status: "generated",
            div,
        }
    }
}

/// Text escaped for XHTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `Meta`: the profiles a resource claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// Canonical URLs of the profiles.
    pub profile: Vec<String>,
}

/// `Quantity` in UCUM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quantity {
    /// The value, exact (written as a JSON number from its decimal text).
    pub value: serde_json::Number,
    /// The unit for people.
    pub unit: String,
    /// Always `http://unitsofmeasure.org`.
    pub system: &'static str,
    /// The UCUM code.
    pub code: String,
}

/// The URL of UCUM.
pub const UCUM: &str = "http://unitsofmeasure.org";

/// An extension's value (`value[x]`), serialized under its type's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ExtValue {
    /// `valueCode`.
    #[serde(rename = "valueCode")]
    Code(String),
    /// `valueString`.
    #[serde(rename = "valueString")]
    String(String),
    /// `valueBoolean`.
    #[serde(rename = "valueBoolean")]
    Boolean(bool),
    /// `valueDate`.
    #[serde(rename = "valueDate")]
    Date(String),
    /// `valueUrl`.
    #[serde(rename = "valueUrl")]
    Url(String),
    /// `valueCanonical`.
    #[serde(rename = "valueCanonical")]
    Canonical(String),
    /// `valueInteger`.
    #[serde(rename = "valueInteger")]
    Integer(i64),
    /// `valueDecimal`.
    #[serde(rename = "valueDecimal")]
    Decimal(serde_json::Number),
    /// `valueCoding`.
    #[serde(rename = "valueCoding")]
    Coding(Coding),
    /// `valueCodeableConcept`.
    #[serde(rename = "valueCodeableConcept")]
    CodeableConcept(CodeableConcept),
    /// `valueReference`.
    #[serde(rename = "valueReference")]
    Reference(Reference),
    /// `valuePeriod`.
    #[serde(rename = "valuePeriod")]
    Period(Period),
}

/// `Extension`: a URL and either a value or nested extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// The extension's URL (relative, for a part of a complex extension).
    pub url: String,
    /// Its parts, for a complex extension.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Its value, for a simple one.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub value: Option<ExtValue>,
}

impl Extension {
    /// A simple extension.
    pub fn value(url: &str, value: ExtValue) -> Extension {
        Extension {
            url: url.to_string(),
            extension: Vec::new(),
            value: Some(value),
        }
    }

    /// A complex extension of parts.
    pub fn complex(url: &str, parts: Vec<Extension>) -> Extension {
        Extension {
            url: url.to_string(),
            extension: parts,
            value: None,
        }
    }

    /// The parts with this URL.
    pub fn parts<'a>(&'a self, url: &'a str) -> impl Iterator<Item = &'a Extension> + 'a {
        self.extension.iter().filter(move |e| e.url == url)
    }
}

/// A FHIR `id` made from a name: letters, digits, `-` and `.` only, at most 64 characters
/// (`aldesleukin_other_plan` becomes `aldesleukin-other-plan`).
pub fn fhir_id(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect()
}

/// A decimal's exact text as a JSON number (no binary floating point on the way).
pub fn json_number(text: &str) -> Option<serde_json::Number> {
    serde_json::from_str::<serde_json::Number>(text).ok()
}
