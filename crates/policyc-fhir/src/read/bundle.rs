//! A Bundle's entries, the references between them, and the small readers of FHIR data types
//! (dates, codings, quantities) the sources share. Nothing here panics on any JSON: every access
//! is a look-up that may find nothing.

use super::ReadProblem;
use policyc::ast::CodeSystem;
use policyc::ir::{Code, EnumDef};
use serde_json::Value as Json;

/// One resource of the Bundle, with where it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry<'a> {
    /// Its position in `Bundle.entry`.
    pub index: usize,
    /// The resource.
    pub resource: &'a Json,
    /// Its `resourceType`.
    pub rtype: &'a str,
    /// Its `id`, if it has one.
    pub id: Option<&'a str>,
    /// The entry's `fullUrl`, if it has one.
    pub full_url: Option<&'a str>,
}

impl Entry<'_> {
    /// The path of an element of the resource: `Bundle.entry[3].resource.valueQuantity`.
    pub fn path(&self, element: &str) -> String {
        if element.is_empty() {
            format!("Bundle.entry[{}].resource", self.index)
        } else {
            format!("Bundle.entry[{}].resource.{element}", self.index)
        }
    }

    /// The resource as a FHIR reference: `Observation/weight-1`, or its type and the entry's
    /// position when it has no id.
    pub fn reference(&self) -> String {
        match self.id {
            Some(id) => format!("{}/{id}", self.rtype),
            None => match self.full_url {
                Some(u) => format!("{} {u}", self.rtype),
                None => format!("{} (entry {})", self.rtype, self.index),
            },
        }
    }

    /// A string element of the resource.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.resource.get(key).and_then(Json::as_str)
    }

    /// Whether a resource that names a patient (`subject` or `patient`) names another one than
    /// `patient`: such a resource is not about this request's patient.
    pub fn about_other_patient(&self, bundle: &Bundle, patient: Option<&Entry>) -> bool {
        let Some(patient) = patient else { return false };
        let r = ["subject", "patient"].iter().find_map(|k| {
            self.resource
                .get(*k)
                .and_then(|s| s.get("reference"))
                .and_then(Json::as_str)
        });
        match r {
            None => false,
            Some(r) => match bundle.resolve(r) {
                Some(e) => e.index != patient.index,
                // A reference the Bundle cannot resolve: compared by id.
                None => patient
                    .id
                    .is_none_or(|id| !r.ends_with(&format!("Patient/{id}"))),
            },
        }
    }
}

/// The resources of a Bundle.
#[derive(Debug)]
pub(crate) struct Bundle<'a> {
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Bundle<'a> {
    /// The Bundle's entries; problems when it is not a Bundle.
    pub fn read(json: &'a Json) -> Result<Bundle<'a>, Vec<ReadProblem>> {
        let rtype = json.get("resourceType").and_then(Json::as_str);
        if rtype != Some("Bundle") {
            let found = match (json.is_object(), rtype) {
                (false, _) => format!("{}, not a JSON object", kind(json)),
                (true, Some(t)) => format!("a {t}"),
                (true, None) => "an object without `resourceType`".to_string(),
            };
            return Err(vec![ReadProblem::new(
                "Bundle.resourceType",
                format!("expected a FHIR Bundle, found {found}"),
                Some("policyc reads a Bundle (`\"resourceType\": \"Bundle\"`) of the patient's resources: Patient, Condition, Observation, MedicationRequest, PractitionerRole, QuestionnaireResponse".into()),
            )]);
        }
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        match json.get("entry") {
            None | Some(Json::Null) => {}
            Some(Json::Array(items)) => {
                for (index, e) in items.iter().enumerate() {
                    let Some(resource) = e.get("resource") else {
                        continue;
                    };
                    let Some(rtype) = resource.get("resourceType").and_then(Json::as_str) else {
                        problems.push(ReadProblem::new(
                            format!("Bundle.entry[{index}].resource.resourceType"),
                            "the resource states no `resourceType`",
                            Some("every resource names its type: `\"resourceType\": \"Observation\"`".into()),
                        ));
                        continue;
                    };
                    entries.push(Entry {
                        index,
                        resource,
                        rtype,
                        id: resource.get("id").and_then(Json::as_str),
                        full_url: e.get("fullUrl").and_then(Json::as_str),
                    });
                }
            }
            Some(other) => problems.push(ReadProblem::new(
                "Bundle.entry",
                format!("expected a list of entries, found {}", kind(other)),
                None,
            )),
        }
        if problems.is_empty() {
            Ok(Bundle { entries })
        } else {
            Err(problems)
        }
    }

    /// The resources of a type, in Bundle order.
    pub fn of_type(&self, rtype: &'a str) -> impl Iterator<Item = &Entry<'a>> + '_ {
        self.entries.iter().filter(move |e| e.rtype == rtype)
    }

    /// The resource a reference names: by the entry's `fullUrl`, else by `Type/id` at the end of
    /// the reference (a relative or an absolute URL).
    pub fn resolve(&self, reference: &str) -> Option<&Entry<'a>> {
        if let Some(e) = self.entries.iter().find(|e| e.full_url == Some(reference)) {
            return Some(e);
        }
        let mut parts = reference.rsplit('/');
        let id = parts.next()?;
        let rtype = parts.next()?;
        self.entries
            .iter()
            .find(|e| e.rtype == rtype && e.id == Some(id))
    }
}

/// A JSON value's kind, for messages.
pub(crate) fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A FHIR `date` or the date of a `dateTime`/`instant` (`2026-01-10T08:30:00Z` is 2026-01-10),
/// when it is a full date; `Err` says what it is instead.
pub(crate) fn full_date(text: &str) -> Result<jiff::civil::Date, &'static str> {
    let date = text.get(..10).unwrap_or(text);
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    let rest_ok = text.len() == 10 || text.as_bytes().get(10) == Some(&b'T');
    if shape && rest_ok {
        return date.parse().map_err(|_| "not a calendar date");
    }
    let partial = |t: &str| {
        let b = t.as_bytes();
        (b.len() == 4 && b.iter().all(u8::is_ascii_digit))
            || (b.len() == 7
                && b[4] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || c.is_ascii_digit()))
    };
    if partial(text) {
        Err("only a year or a year and month")
    } else {
        Err("not a FHIR date (YYYY-MM-DD)")
    }
}

/// One coding of a CodeableConcept: its system (if policyc knows it), code, display and path.
#[derive(Debug, Clone)]
pub(crate) struct Coding<'a> {
    pub system: Option<CodeSystem>,
    pub system_uri: Option<&'a str>,
    pub code: &'a str,
    pub display: Option<&'a str>,
    /// The coding's element path below the resource (`code.coding[1]`).
    pub element: String,
}

impl Coding<'_> {
    /// As a person reads it: `icd10 C43.9 "Melanoma of skin"`.
    pub fn text(&self) -> String {
        let system = match (self.system, self.system_uri) {
            (Some(s), _) => s.keyword().to_string(),
            (None, Some(u)) => u.to_string(),
            (None, None) => "(no system)".to_string(),
        };
        match self.display {
            Some(d) => format!("{system} {} \"{d}\"", self.code),
            None => format!("{system} {}", self.code),
        }
    }
}

/// The codings of a CodeableConcept at `element` (`code`, `specialty[0]`).
pub(crate) fn codings<'a>(concept: Option<&'a Json>, element: &str) -> Vec<Coding<'a>> {
    let Some(list) = concept
        .and_then(|c| c.get("coding"))
        .and_then(Json::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let code = c.get("code").and_then(Json::as_str)?;
            let system_uri = c.get("system").and_then(Json::as_str);
            Some(Coding {
                system: system_uri.and_then(CodeSystem::from_uri),
                system_uri,
                code,
                display: c.get("display").and_then(Json::as_str),
                element: format!("{element}.coding[{i}]"),
            })
        })
        .collect()
}

/// The value of an enumeration a coding stands for, through the codes its values list.
pub(crate) fn map_coding(e: &EnumDef, coding: &Coding) -> Option<usize> {
    let system = coding.system?;
    e.values.iter().position(|v| {
        v.codes
            .iter()
            .any(|c: &Code| c.matches(system, coding.code))
    })
}

/// The codes of a CodeableConcept's `code` element: its first `code`, for the codes of an
/// element that is itself a code (`clinicalStatus`).
pub(crate) fn status_code<'a>(resource: &'a Json, element: &str) -> Option<&'a str> {
    resource
        .get(element)?
        .get("coding")?
        .as_array()?
        .iter()
        .find_map(|c| c.get("code").and_then(Json::as_str))
}
