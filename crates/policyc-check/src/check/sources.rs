//! Where FHIR data states each fact: the codes of enumeration values and of the header's drugs
//! (each well-formed for its code system, none standing for two values), and each fact's `from`
//! clause (of a kind its type can take, in units of the right dimension, no linkId twice).

use super::{describe_ty, Checker, Ty};
use policyc_ir::ir;
use policyc_ir::units::{parse_unit, Base, Dim, BASES};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};
use std::collections::HashMap;

/// LOINC codes whose unit policyc knows, with a UCUM unit of their dimension and their name.
const LOINC_UNITS: &[(&str, &str, &str)] = &[
    ("29463-7", "kg", "Body weight"),
    ("3141-9", "kg", "Body weight (measured)"),
    ("8302-2", "cm", "Body height"),
    ("8306-3", "cm", "Body height (lying)"),
    ("8308-9", "cm", "Body height (standing)"),
    ("8287-5", "cm", "Head circumference"),
    ("39156-5", "kg/m2", "Body mass index"),
    ("8277-6", "m2", "Body surface area"),
];

/// The known LOINC code's unit (a UCUM code of its dimension) and name.
pub(crate) fn loinc_unit(code: &str) -> Option<(&'static str, &'static str)> {
    LOINC_UNITS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, u, n)| (*u, *n))
}

/// A code accepted so far, for the duplicate check: the code, whose it is, and where written.
struct Seen {
    code: ir::Code,
    owner: String,
    span: Span,
}

impl Checker<'_> {
    /// The codes of one enumeration's values (`entries`: each value's name with its code lists),
    /// or of the header's drugs, checked; by entry, in order.
    pub(super) fn code_lists(
        &mut self,
        what: &str,
        entries: &[(&str, &[CodeList])],
        allowed: &[CodeSystem],
    ) -> Vec<Vec<ir::Code>> {
        let errors_before = self.diags.len();
        let mut seen: Vec<Seen> = Vec::new();
        let mut out = Vec::new();
        for (owner, lists) in entries {
            let mut codes_of = Vec::new();
            for list in lists.iter() {
                if !allowed.contains(&list.system) {
                    let names: Vec<&str> = allowed.iter().map(|s| s.keyword()).collect();
                    let help = match list.system {
                        CodeSystem::Rxnorm | CodeSystem::Hcpcs => format!(
                            "{} codes name drugs: write them on the header's `drug` line (`drug \"...\" hcpcs [\"J9015\"]`)",
                            list.system.name()
                        ),
                        CodeSystem::Loinc => "LOINC codes name observations: write them in a fact's source (`from observation loinc \"29463-7\"`)".to_string(),
                        _ => format!("{what} takes codes of {}", names.join(", ")),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::BAD_CODE,
                            format!(
                                "{} codes cannot stand for the values of {what}",
                                list.system.name()
                            ),
                            list.span,
                            format!("{} codes", list.system.keyword()),
                        )
                        .with_help(help),
                    );
                    continue;
                }
                for c in &list.codes {
                    let Some(code) = self.code(list.system, c) else {
                        continue;
                    };
                    let overlap = seen.iter().find(|s| {
                        s.code.matches(code.system, &code.code)
                            || code.matches(s.code.system, &s.code.code)
                    });
                    if let Some(first) = overlap {
                        let (msg, help) = if first.code == code && first.owner == *owner {
                            (
                                format!("{} is listed twice for `{owner}`", code.text()),
                                "list each code once".to_string(),
                            )
                        } else if first.code == code {
                            (
                                format!(
                                    "{} stands for both `{}` and `{owner}` in {what}",
                                    code.text(),
                                    first.owner
                                ),
                                "a code stands for one value: keep it on the value it means and remove it from the other".to_string(),
                            )
                        } else {
                            (
                                format!(
                                    "{} of `{owner}` overlaps {} of `{}` in {what}",
                                    code.text(),
                                    first.code.text(),
                                    first.owner
                                ),
                                "a code read from FHIR data must stand for one value: narrow the prefix (`C43*` to `C43.9`), or list the codes one by one".to_string(),
                            )
                        };
                        let first_span = first.span;
                        self.err(
                            Diagnostic::error(
                                codes::DUPLICATE_CODE,
                                msg,
                                c.span,
                                "mapped again here",
                            )
                            .with_label(first_span, "first mapped here")
                            .with_help(help),
                        );
                        continue;
                    }
                    seen.push(Seen {
                        code: code.clone(),
                        owner: owner.to_string(),
                        span: c.span,
                    });
                    codes_of.push(code);
                }
            }
            out.push(codes_of);
        }
        if self.diags.len() > errors_before {
            self.bad_codes.insert(what.to_string());
        }
        out
    }

    /// One code as written, checked against its system's form.
    fn code(&mut self, system: CodeSystem, c: &Str) -> Option<ir::Code> {
        let (text, prefix) = match c.value.strip_suffix('*') {
            Some(t) => (t, true),
            None => (c.value.as_str(), false),
        };
        if prefix && system != CodeSystem::Icd10 {
            self.err(
                Diagnostic::error(
                    codes::BAD_CODE,
                    format!("`{}` is a prefix, but only ICD-10-CM codes can be", c.value),
                    c.span,
                    format!("{} code", a_code(system)),
                )
                .with_help(format!(
                    "list each {} code in full, without `*`",
                    system.name()
                )),
            );
            return None;
        }
        if let Err(why) = code_form(system, text, prefix) {
            self.err(
                Diagnostic::error(
                    codes::BAD_CODE,
                    format!("`{}` is not {} code: {why}", c.value, a_code(system)),
                    c.span,
                    format!("not {} code", a_code(system)),
                )
                .with_help(code_help(system)),
            );
            return None;
        }
        Some(ir::Code {
            system,
            code: text.to_string(),
            prefix,
        })
    }

    /// Each fact's source (`from ...`), by slot, checked.
    pub(super) fn fact_sources(&mut self) -> Vec<Option<ir::Source>> {
        let file = self.file;
        let mut link_ids: HashMap<String, (String, Span)> = HashMap::new();
        // Every fact is answered by the linkId of its name, unless it names another.
        for f in &self.facts {
            let explicit = match file.items.get(f.item) {
                Some(Item::Fact(d)) => matches!(
                    d.source.as_deref().map(|s| &s.kind),
                    Some(SourceKind::Questionnaire { .. })
                ),
                _ => false,
            };
            if !explicit {
                link_ids.insert(f.name.clone(), (f.name.clone(), f.span));
            }
        }
        (0..self.facts.len())
            .map(|slot| match file.items.get(self.facts[slot].item) {
                Some(Item::Fact(d)) => d
                    .source
                    .as_deref()
                    .and_then(|s| self.fact_source(slot, d, s, &mut link_ids)),
                _ => None,
            })
            .collect()
    }

    fn fact_source(
        &mut self,
        slot: usize,
        d: &FactDecl,
        src: &FactSource,
        link_ids: &mut HashMap<String, (String, Span)>,
    ) -> Option<ir::Source> {
        let ty = self.facts[slot].ty;
        if ty == Ty::Error {
            return None;
        }
        let name = d.name.name.clone();
        let what = match (&self.facts[slot].unit, ty) {
            (Some(u), Ty::Quantity(_)) => format!("a quantity in {} ({})", u.written, u.dim),
            _ => describe_ty(ty, &self.enums),
        };
        let words = src.kind.words();
        let wrong_type = |c: &mut Self, takes: &str, help: String| {
            c.err(
                Diagnostic::error(
                    codes::BAD_SOURCE,
                    format!("`{name}` is {what}, but `from {words}` gives {takes}"),
                    src.span,
                    format!("gives {takes}"),
                )
                .with_label(d.name.span, what.clone())
                .with_help(help),
            );
            None
        };
        let quantity_dim = match ty {
            Ty::Quantity(dim) => Some(dim),
            _ => None,
        };
        match &src.kind {
            SourceKind::PatientBirthDate => match ty {
                Ty::Date => Some(ir::Source::PatientBirthDate),
                _ => wrong_type(
                    self,
                    "a date",
                    "read a date fact from the patient's birth date (`fact date_of_birth: date \"...\" from patient birth date`)".into(),
                ),
            },
            SourceKind::Observation { loinc, within } => {
                let Some(dim) = quantity_dim else {
                    return wrong_type(
                        self,
                        "a quantity (an Observation's valueQuantity)",
                        "declare the fact with a unit (`fact body_weight: kg \"...\" from observation loinc \"29463-7\"`)".into(),
                    );
                };
                let code = self.code(CodeSystem::Loinc, loinc)?;
                if let Some((unit, observed)) = loinc_unit(&code.code) {
                    if let Ok(u) = parse_unit(unit) {
                        if u.dim != dim {
                            self.err(
                                Diagnostic::error(
                                    codes::SOURCE_UNIT,
                                    format!(
                                        "LOINC {} is {} ({}), but `{name}` is {what}",
                                        code.code,
                                        observed.to_lowercase(),
                                        u.dim
                                    ),
                                    loinc.span,
                                    format!("{observed}, measured in {unit}"),
                                )
                                .with_label(d.name.span, what.clone())
                                .with_help(format!(
                                    "check the LOINC code, or declare `{name}` in a unit of {} (`{unit}`)",
                                    u.dim
                                )),
                            );
                            return None;
                        }
                    }
                }
                let max_age = match within {
                    None => None,
                    Some(w) => Some(self.recency(w)?),
                };
                Some(ir::Source::Observation {
                    loinc: code.code,
                    max_age,
                })
            }
            SourceKind::Condition | SourceKind::MedicationRoute | SourceKind::PrescriberSpecialty => {
                let (systems, element, example): (&[CodeSystem], &str, &str) = match &src.kind {
                    SourceKind::Condition => (
                        &[CodeSystem::Icd10, CodeSystem::Snomed],
                        "a Condition's code",
                        "melanoma \"Melanoma\" icd10 [\"C43*\"]",
                    ),
                    SourceKind::MedicationRoute => (
                        &[CodeSystem::Snomed],
                        "a MedicationRequest's route",
                        "intravenous \"Intravenous infusion\" snomed [\"47625008\"]",
                    ),
                    _ => (
                        &[CodeSystem::Nucc],
                        "a PractitionerRole's specialty",
                        "oncologist \"Oncologist\" nucc [\"207RX0202X\"]",
                    ),
                };
                let enum_index = match (ty, &src.kind) {
                    (Ty::Enum(e), _) => e,
                    (Ty::Set(e), SourceKind::Condition) => e,
                    _ => {
                        return wrong_type(
                            self,
                            &format!("{element}, one value of an enumeration"),
                            "declare the fact as an enumeration whose values list their codes".into(),
                        )
                    }
                };
                let e = &self.enums[enum_index as usize];
                let has_codes = e
                    .values
                    .iter()
                    .flat_map(|v| &v.codes)
                    .any(|c| systems.contains(&c.system));
                // Codes that did not check were reported with their enumeration.
                let reported = self.bad_codes.contains(&format!("enumeration `{}`", e.name));
                if reported {
                    return None;
                }
                if !has_codes {
                    let names: Vec<&str> = systems.iter().map(|s| s.name()).collect();
                    let msg = format!(
                        "`{name}` is read from {element}, but no value of `{}` lists {} codes",
                        e.name,
                        names.join(" or ")
                    );
                    self.err(
                        Diagnostic::error(codes::BAD_SOURCE, msg, src.span, "nothing to map the code onto")
                            .with_label(d.name.span, what.clone())
                            .with_help(format!(
                                "list the codes after each value's description in `enum {}`: `{example}`",
                                e.name
                            )),
                    );
                    return None;
                }
                Some(match &src.kind {
                    SourceKind::Condition => ir::Source::Condition,
                    SourceKind::MedicationRoute => ir::Source::MedicationRoute,
                    _ => ir::Source::PrescriberSpecialty,
                })
            }
            SourceKind::MedicationDose => {
                let Some(dim) = quantity_dim else {
                    return wrong_type(
                        self,
                        "a quantity (the dose ordered, with its unit)",
                        "declare the dose with its unit (`fact dose: mg \"...\" from medication dose`)".into(),
                    );
                };
                let rate = [Base::Time, Base::Calendar, Base::Count]
                    .into_iter()
                    .find(|b| dim.exp(*b) != 0);
                if let Some(b) = rate {
                    return self.source_unit(
                        d,
                        src,
                        &what,
                        format!("the dose ordered is an amount of the drug, without {}", b.name()),
                        "read an amount (`fact dose: mg \"...\" from medication dose`); read how often it is given with `from medication frequency`".into(),
                    );
                }
                Some(ir::Source::MedicationDose)
            }
            SourceKind::MedicationFrequency => {
                let Some(dim) = quantity_dim else {
                    return wrong_type(
                        self,
                        "a quantity of doses per time",
                        "declare the fact in doses per time (`fact doses_per_day: doses/day \"...\" from medication frequency`)".into(),
                    );
                };
                let per_time = |time: Base| {
                    BASES.iter().all(|b| match b {
                        Base::Count => dim.exp(*b) == 1,
                        x if *x == time => dim.exp(*b) == -1,
                        x => dim.exp(*x) == 0,
                    })
                };
                if !(per_time(Base::Time) || per_time(Base::Calendar)) {
                    return self.source_unit(
                        d,
                        src,
                        &what,
                        "the frequency ordered is doses per time".into(),
                        format!("declare `{name}` in doses per time: `doses/day` or `doses/week`"),
                    );
                }
                Some(ir::Source::MedicationFrequency)
            }
            SourceKind::MedicationRepeatCount => {
                let doses = Dim::NONE;
                match ty {
                    Ty::Count => Some(ir::Source::MedicationRepeatCount),
                    Ty::Quantity(dim)
                        if BASES.iter().all(|b| match b {
                            Base::Count => dim.exp(*b) == 1,
                            x => dim.exp(*x) == doses.exp(*x),
                        }) =>
                    {
                        Some(ir::Source::MedicationRepeatCount)
                    }
                    Ty::Quantity(_) => self.source_unit(
                        d,
                        src,
                        &what,
                        "the number of repeats ordered is a number of doses".into(),
                        format!("declare `{name}` as a count or in `doses`"),
                    ),
                    _ => wrong_type(
                        self,
                        "a number of doses",
                        format!("declare `{name}` as a count or in `doses`"),
                    ),
                }
            }
            SourceKind::Questionnaire { link_id } => {
                let id = link_id.value.trim();
                if id.is_empty() || id.len() > 255 || id != link_id.value {
                    self.err(
                        Diagnostic::error(
                            codes::BAD_SOURCE,
                            format!("`{}` is not a linkId", link_id.value),
                            link_id.span,
                            "a linkId",
                        )
                        .with_help("a linkId is the item's identifier in the Questionnaire: 1 to 255 characters, without spaces at either end"),
                    );
                    return None;
                }
                if let Some((other, first)) = link_ids.get(id) {
                    let first = *first;
                    let msg = format!(
                        "linkId `{id}` answers both `{other}` and `{name}`"
                    );
                    self.err(
                        Diagnostic::error(codes::DUPLICATE_CODE, msg, link_id.span, "mapped again here")
                            .with_label(first, format!("`{other}` is answered by linkId `{id}`"))
                            .with_help("each QuestionnaireResponse item answers one fact: give this fact another linkId (a fact without `from questionnaire` is answered by the linkId of its own name)"),
                    );
                    return None;
                }
                link_ids.insert(id.to_string(), (name.clone(), link_id.span));
                Some(ir::Source::Questionnaire {
                    link_id: id.to_string(),
                })
            }
        }
    }

    fn source_unit(
        &mut self,
        d: &FactDecl,
        src: &FactSource,
        what: &str,
        why: String,
        help: String,
    ) -> Option<ir::Source> {
        self.err(
            Diagnostic::error(
                codes::SOURCE_UNIT,
                format!(
                    "`{}` is {what}, which `from {}` cannot give: {why}",
                    d.name.name,
                    src.kind.words()
                ),
                src.span,
                "of another dimension",
            )
            .with_label(d.name.span, what.to_string())
            .with_help(help),
        );
        None
    }

    /// `within 30 days`: a whole number of days, weeks, months or years, from 1 to 1,000.
    fn recency(&mut self, w: &DurationLit) -> Option<ir::DurationDef> {
        let text = w.amount.text.replace(',', "");
        let amount = text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n) && w.amount.scale.is_none());
        let Some(amount) = amount else {
            self.err(
                Diagnostic::error(
                    codes::BAD_SOURCE,
                    format!(
                        "an Observation must be at most {} {} old: that is not a whole number from 1 to 1,000",
                        w.amount.text, w.unit.name
                    ),
                    w.span,
                    "how recent",
                )
                .with_help("write how recent the Observation must be as a whole number of days, weeks, months or years: `within 30 days`"),
            );
            return None;
        };
        let unit = match w.unit.name.trim_end_matches('s') {
            "year" => ir::DurationUnit::Year,
            "month" => ir::DurationUnit::Month,
            "week" => ir::DurationUnit::Week,
            _ => ir::DurationUnit::Day,
        };
        Some(ir::DurationDef { amount, unit })
    }
}

/// Whether `text` (without a trailing `*`) has the form of a code of `system`; if not, why.
pub(crate) fn code_form(system: CodeSystem, text: &str, prefix: bool) -> Result<(), String> {
    let b = text.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    match system {
        CodeSystem::Icd10 => {
            // The dot, if written, comes after the category's three characters and before at
            // least one more (a prefix may end at the dot).
            let dot_ok = match text.find('.') {
                None => true,
                Some(i) => i == 3 && (prefix || text.len() > 4) && text[4..].find('.').is_none(),
            };
            let s: Vec<u8> = b.iter().copied().filter(|c| *c != b'.').collect();
            let min = if prefix { 2 } else { 3 };
            let ok = dot_ok
                && (min..=7).contains(&s.len())
                && s[0].is_ascii_uppercase()
                && s[1].is_ascii_digit()
                && s[2..]
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
            if ok {
                Ok(())
            } else {
                Err("ICD-10-CM codes are a capital letter, a digit and a character, then up to four after a dot (`C43.9`, `D89.811`)".into())
            }
        }
        CodeSystem::Snomed => {
            if !digits(b) || b.len() < 6 || b.len() > 18 || b[0] == b'0' {
                Err("SNOMED CT identifiers are 6 to 18 digits".into())
            } else if !verhoeff(b) {
                Err("its check digit (the last) is wrong: a digit is mistyped".into())
            } else {
                Ok(())
            }
        }
        CodeSystem::Rxnorm => {
            if digits(b) && b.len() <= 10 && b[0] != b'0' {
                Ok(())
            } else {
                Err("RxNorm concept identifiers (RXCUI) are 1 to 10 digits".into())
            }
        }
        CodeSystem::Hcpcs => {
            let level2 = b.len() == 5 && (b'A'..=b'V').contains(&b[0]) && digits(&b[1..]);
            let cpt = b.len() == 5
                && digits(&b[..4])
                && (b[4].is_ascii_digit() || matches!(b[4], b'F' | b'T' | b'U'));
            if level2 || cpt {
                Ok(())
            } else {
                Err("HCPCS codes are a letter and four digits (`J9015`), CPT codes five characters (`96413`)".into())
            }
        }
        CodeSystem::Nucc => {
            let ok = b.len() == 10
                && digits(&b[..3])
                && b[3..9]
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                && b[9] == b'X';
            if ok {
                Ok(())
            } else {
                Err("NUCC taxonomy codes are ten characters ending in X (`207RX0202X`)".into())
            }
        }
        CodeSystem::Loinc => {
            let Some((num, check)) = text.split_once('-') else {
                return Err(
                    "LOINC codes are digits, a hyphen and a check digit (`29463-7`)".into(),
                );
            };
            let (nb, cb) = (num.as_bytes(), check.as_bytes());
            if !digits(nb) || nb.len() > 7 || cb.len() != 1 || !digits(cb) {
                Err("LOINC codes are digits, a hyphen and a check digit (`29463-7`)".into())
            } else if loinc_check(nb) != cb[0] - b'0' {
                Err(format!(
                    "its check digit is wrong: `{num}-{}` is the code with that number",
                    loinc_check(nb)
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// `a SNOMED CT`, `an ICD-10-CM`.
fn a_code(system: CodeSystem) -> String {
    let article = match system {
        CodeSystem::Icd10 | CodeSystem::Nucc => "an",
        _ => "a",
    };
    format!("{article} {}", system.name())
}

fn code_help(system: CodeSystem) -> String {
    match system {
        CodeSystem::Icd10 => "write the code as ICD-10-CM prints it (`C43.9`), or a category with `*` for every code in it (`C43*`)".into(),
        CodeSystem::Snomed => "copy the concept identifier from the SNOMED CT browser (`47625008` is the intravenous route)".into(),
        CodeSystem::Rxnorm => "copy the RXCUI from RxNav (digits only)".into(),
        CodeSystem::Hcpcs => "copy the code from the HCPCS release (`J9015`)".into(),
        CodeSystem::Nucc => "copy the code from the NUCC taxonomy (`207RX0202X` is medical oncology)".into(),
        CodeSystem::Loinc => "copy the code from the LOINC search, with its check digit (`29463-7` is body weight)".into(),
    }
}

/// The LOINC check digit of a code's number (the Mod 10 algorithm LOINC publishes).
fn loinc_check(num: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, c) in num.iter().rev().enumerate() {
        let d = u32::from(c - b'0');
        if i % 2 == 0 {
            let x = d * 2;
            sum += x / 10 + x % 10;
        } else {
            sum += d;
        }
    }
    ((10 - sum % 10) % 10) as u8
}

/// Whether digits pass the Verhoeff check SNOMED CT identifiers carry in their last digit.
fn verhoeff(digits: &[u8]) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, d) in digits.iter().rev().enumerate() {
        c = D[c as usize][P[i % 8][(d - b'0') as usize] as usize];
    }
    c == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_codes() {
        for c in [
            "29463-7", "8302-2", "39156-5", "8867-4", "2160-0", "718-7", "8277-6",
        ] {
            assert!(code_form(CodeSystem::Loinc, c, false).is_ok(), "{c}");
        }
        assert!(code_form(CodeSystem::Loinc, "29463-8", false).is_err());
        for c in [
            "47625008",
            "34206005",
            "26643006",
            "372464004",
            "73211009",
            "38341003",
        ] {
            assert!(code_form(CodeSystem::Snomed, c, false).is_ok(), "{c}");
        }
        assert!(code_form(CodeSystem::Snomed, "47625009", false).is_err());
    }

    #[test]
    fn code_forms() {
        let ok = |s, c, p| code_form(s, c, p).is_ok();
        assert!(ok(CodeSystem::Icd10, "C43.9", false));
        assert!(ok(CodeSystem::Icd10, "D89.811", false));
        assert!(ok(CodeSystem::Icd10, "C64", false));
        assert!(ok(CodeSystem::Icd10, "C439", false));
        assert!(ok(CodeSystem::Icd10, "C43", true));
        assert!(ok(CodeSystem::Icd10, "C4", true));
        assert!(ok(CodeSystem::Icd10, "D89.81", true));
        assert!(!ok(CodeSystem::Icd10, "c43.9", false));
        assert!(!ok(CodeSystem::Icd10, "43.9", false));
        assert!(!ok(CodeSystem::Icd10, "C4", false));
        assert!(!ok(CodeSystem::Icd10, "C43.", false));
        assert!(!ok(CodeSystem::Icd10, "C43.12345", false));
        assert!(ok(CodeSystem::Hcpcs, "J9015", false));
        assert!(ok(CodeSystem::Hcpcs, "96413", false));
        assert!(!ok(CodeSystem::Hcpcs, "J901", false));
        assert!(ok(CodeSystem::Nucc, "207RX0202X", false));
        assert!(!ok(CodeSystem::Nucc, "207RX0202", false));
        assert!(ok(CodeSystem::Rxnorm, "1535412", false));
        assert!(!ok(CodeSystem::Rxnorm, "0123", false));
    }
}
