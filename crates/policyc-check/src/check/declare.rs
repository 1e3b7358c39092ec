//! Declarations: the policy header (or a library's rule that it holds declarations only),
//! enumerations, facts and their types, and definitions; and the look-up of a fact by name.

use super::literals::{lit_text, to_canonical};
use super::{describe_ty, Checker, FactInfo, Ty, AUTHORIZATION, BUILTIN_TYPES};
use policyc_ir::ir;
use policyc_ir::units::{parse_unit, Unit, UnitError};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, did_you_mean, Diagnostic};
use std::collections::HashMap;

impl Checker<'_> {
    /// The policy header as the program's metadata: each key once, `title`, `drug` and
    /// `effective` required.
    pub(super) fn header(&mut self) -> Option<ir::PolicyMeta> {
        let headers: Vec<&PolicyHeader> = self
            .file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Policy(h) => Some(h),
                _ => None,
            })
            .collect();
        let Some(h) = headers.first() else {
            let span = Span::new(0, 0);
            self.err(
                Diagnostic::error(
                    codes::MISSING_HEADER,
                    "this file has no `policy` header",
                    span,
                    "the header should come first",
                )
                .with_help("start the file with `policy my_policy { title \"...\" drug \"...\" effective 2024-01-01 }`"),
            );
            return None;
        };
        for extra in &headers[1..] {
            self.err(
                Diagnostic::error(
                    codes::DUPLICATE_HEADER,
                    "a file holds one policy, but this is a second `policy` header",
                    extra.id.span,
                    "second header",
                )
                .with_label(h.id.span, "first header")
                .with_help("put each policy in its own file"),
            );
        }
        let mut meta = ir::PolicyMeta {
            id: h.id.name.clone(),
            title: String::new(),
            drugs: Vec::new(),
            plans: Vec::new(),
            effective: String::new(),
            review: None,
            revisions: Vec::new(),
            not_covered: None,
            outside_dosing: None,
            drug_codes: Vec::new(),
        };
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for e in &h.entries {
            match e {
                // Resolved before checking: the earlier version is merged in (`check_version`).
                MetaEntry::Text {
                    key: MetaKey::Amends,
                    ..
                } => {}
                MetaEntry::Text {
                    key, value, span, ..
                } => {
                    let single = !matches!(key, MetaKey::Drug | MetaKey::Plan);
                    if single && self.once(&mut seen, key.keyword(), *span) {
                        continue;
                    }
                    let v = value.value.clone();
                    match key {
                        MetaKey::Title => meta.title = v,
                        MetaKey::Drug => meta.drugs.push(v),
                        MetaKey::Plan => meta.plans.push(v),
                        MetaKey::NotCovered => meta.not_covered = Some(v),
                        _ => meta.outside_dosing = Some(v),
                    }
                }
                MetaEntry::Date { key, date, span } => {
                    if self.once(&mut seen, key.keyword(), *span) {
                        continue;
                    }
                    if self.date(date).is_none() {
                        continue;
                    }
                    match key {
                        MetaKey::Effective => meta.effective = date.text.clone(),
                        _ => meta.review = Some(date.text.clone()),
                    }
                }
                MetaEntry::Revision { date, text, .. } => {
                    self.date(date);
                    meta.revisions.push(ir::Revision {
                        date: date.text.clone(),
                        text: text.value.clone(),
                    });
                }
            }
        }
        let drugs: Vec<(&str, &[CodeList])> = h
            .entries
            .iter()
            .filter_map(|e| match e {
                MetaEntry::Text {
                    key: MetaKey::Drug,
                    value,
                    codes,
                    ..
                } => Some((value.value.as_str(), codes.as_slice())),
                _ => None,
            })
            .collect();
        meta.drug_codes = self
            .code_lists(
                "the policy's drugs",
                &drugs,
                &[CodeSystem::Rxnorm, CodeSystem::Hcpcs],
            )
            .into_iter()
            .flatten()
            .collect();
        for (key, example) in [
            (
                "title",
                "title \"Oncology (Injectable) – Utilization Management Medical Policy\"",
            ),
            ("drug", "drug \"Brand name (generic name)\""),
            ("effective", "effective 2022-01-01"),
        ] {
            let present = match key {
                "drug" => !meta.drugs.is_empty(),
                _ => seen.contains_key(key),
            };
            if !present {
                self.err(
                    Diagnostic::error(
                        codes::MISSING_META,
                        format!("the policy header has no `{key}`"),
                        h.id.span,
                        format!("`{key}` is missing from this header"),
                    )
                    .with_help(format!("add a line such as `{example}` inside the header")),
                );
            }
        }
        Some(meta)
    }

    /// A library holds declarations only.
    pub(super) fn library_checks(&mut self) -> Option<ir::PolicyMeta> {
        for (i, it) in self.file.items.iter().enumerate() {
            if self.imported.contains(&i) {
                continue;
            }
            let span = match it {
                Item::Policy(h) => h.id.span,
                Item::Indication(ind) => ind.label.span,
                _ => continue,
            };
            self.err(
                Diagnostic::error(codes::LIBRARY_CONTENT, "a library holds enumerations, facts, definitions and equivalences, not a policy or indications", span, "not allowed in a library")
                    .with_help("move the policy and its indications into their own file, which imports this library"),
            );
        }
        None
    }

    /// Record each `define`, reporting a name defined twice.
    pub(super) fn declare_defines(&mut self) {
        let file = self.file;
        for (i, it) in file.items.iter().enumerate() {
            let Item::Define(d) = it else { continue };
            if let Some((first, _)) = self.defines.get(&d.name.name) {
                let first = first.name.span;
                self.err(
                    Diagnostic::error(
                        codes::DUPLICATE_DEFINE,
                        format!("`{}` is defined twice", d.name.name),
                        d.name.span,
                        "second definition",
                    )
                    .with_label(first, "first definition")
                    .with_help("keep one definition, or rename one of them"),
                );
                continue;
            }
            self.defines
                .insert(d.name.name.clone(), (d, self.imported.contains(&i)));
        }
    }

    /// Record a header key; true (and an error) if it was already given.
    fn once(
        &mut self,
        seen: &mut HashMap<&'static str, Span>,
        key: &'static str,
        span: Span,
    ) -> bool {
        if let Some(first) = seen.get(key) {
            let first = *first;
            self.err(
                Diagnostic::error(
                    codes::DUPLICATE_META,
                    format!("`{key}` is given twice in the policy header"),
                    span,
                    "second one",
                )
                .with_label(first, "first one")
                .with_help(format!("keep one `{key}` line")),
            );
            true
        } else {
            seen.insert(key, span);
            false
        }
    }

    /// Declare the enumerations (and `Authorization` when there are reauthorization criteria).
    pub(super) fn declare_enums(&mut self) {
        if self.reauthorization {
            self.enum_index
                .insert("Authorization".into(), self.enums.len() as u32);
            self.enums.push(ir::EnumDef {
                name: "Authorization".into(),
                description: Some("Whether a request is for initial authorization or for reauthorization (continued therapy)".into()),
                open: false,
                values: vec![
                    ir::EnumValueDef { name: "initial".into(), description: "Initial authorization".into(), codes: Vec::new() },
                    ir::EnumValueDef { name: "reauthorization".into(), description: "Reauthorization: continued therapy".into(), codes: Vec::new() },
                ],
            });
        }
        let mut spans: HashMap<String, Span> = HashMap::new();
        if self.reauthorization {
            spans.insert("Authorization".into(), Span::default());
        }
        // The values each enumeration is extended with (`extend enum`), wherever the extensions are:
        // they follow the enumeration's own values, and are checked with them.
        let mut extensions: HashMap<&str, Vec<&EnumValue>> = HashMap::new();
        for item in &self.file.items {
            if let Item::ExtendEnum(x) = item {
                if x.values.is_empty() {
                    self.err(
                        Diagnostic::error(
                            codes::EMPTY_ENUM,
                            format!("this extension adds no values to `{}`", x.name.name),
                            x.name.span,
                            "no values",
                        )
                        .with_help("list the values it adds inside the braces, one per line: `name \"description\"`, or remove it"),
                    );
                }
                extensions
                    .entry(x.name.name.as_str())
                    .or_default()
                    .extend(&x.values);
            }
        }
        for (index, item) in self.file.items.iter().enumerate() {
            let Item::Enum(e) = item else { continue };
            let imported = self.imported.contains(&index);
            if let Some(first) = spans.get(&e.name.name) {
                let first = *first;
                self.err(
                    Diagnostic::error(
                        codes::DUPLICATE_ENUM,
                        format!("enumeration `{}` is declared twice", e.name.name),
                        e.name.span,
                        "second declaration",
                    )
                    .with_label(first, "first declaration")
                    .with_help("merge the two lists of values into one `enum`"),
                );
                continue;
            }
            spans.insert(e.name.name.clone(), e.name.span);
            if e.values.is_empty() {
                self.err(
                    Diagnostic::error(
                        codes::EMPTY_ENUM,
                        format!("enumeration `{}` lists no values", e.name.name),
                        e.name.span,
                        "empty enumeration",
                    )
                    .with_help(
                        "list its values inside the braces, one per line: `name \"description\"`",
                    ),
                );
            }
            let added = extensions.remove(e.name.name.as_str()).unwrap_or_default();
            let count = e.values.len() + added.len();
            if count > 128 {
                let more = if added.is_empty() {
                    String::new()
                } else {
                    format!(" ({} of them added by `extend enum`)", added.len())
                };
                self.err(
                    Diagnostic::error(
                        codes::ENUM_TOO_LARGE,
                        format!("enumeration `{}` has {count} values{more}; at most 128 are supported", e.name.name),
                        added.get(128usize.saturating_sub(e.values.len())).map_or(e.name.span, |v| v.name.span),
                        "too many values",
                    )
                    .with_help("split it into smaller enumerations, or make it `open` and list only the values the policy names"),
                );
            }
            // Where each value is first listed, and whether by an extension.
            let mut vspans: HashMap<&str, (Span, bool)> = HashMap::new();
            let mut values = Vec::new();
            let mut coded: Vec<(&str, &[CodeList])> = Vec::new();
            let own = e.values.iter().map(|v| (v, false));
            for (v, extension) in own.chain(added.iter().map(|v| (*v, true))) {
                if let Some(&(first, first_added)) = vspans.get(v.name.name.as_str()) {
                    let (name, en) = (&v.name.name, &e.name.name);
                    let d = match (extension, first_added) {
                        (false, _) => Diagnostic::error(
                            codes::DUPLICATE_ENUM_VALUE,
                            format!("`{name}` is listed twice in enumeration `{en}`"),
                            v.name.span,
                            "listed again here",
                        )
                        .with_label(first, "first listed here")
                        .with_help("remove one of the two lines"),
                        (true, true) => Diagnostic::error(
                            codes::DUPLICATE_ENUM_VALUE,
                            format!("`{name}` is added twice to enumeration `{en}`"),
                            v.name.span,
                            "added again here",
                        )
                        .with_label(first, "first added here")
                        .with_help("remove one of the two lines"),
                        (true, false) => Diagnostic::error(
                            codes::DUPLICATE_ENUM_VALUE,
                            format!("`{name}` is already a value of enumeration `{en}`"),
                            v.name.span,
                            "added again here",
                        )
                        .with_label(
                            first,
                            if imported {
                                "listed in the enumeration imported here"
                            } else {
                                "already listed here"
                            },
                        )
                        .with_help(format!(
                            "remove `{name}` from the extension: `{en}` has it already"
                        )),
                    };
                    self.err(d);
                    continue;
                }
                vspans.insert(&v.name.name, (v.name.span, extension));
                values.push(ir::EnumValueDef {
                    name: v.name.name.clone(),
                    description: v.description.value.clone(),
                    codes: Vec::new(),
                });
                coded.push((v.name.name.as_str(), v.codes.as_slice()));
            }
            let what = format!("enumeration `{}`", e.name.name);
            let allowed = [CodeSystem::Icd10, CodeSystem::Snomed, CodeSystem::Nucc];
            for (value, codes) in values
                .iter_mut()
                .zip(self.code_lists(&what, &coded, &allowed))
            {
                value.codes = codes;
            }
            values.truncate(128);
            self.enum_index
                .insert(e.name.name.clone(), self.enums.len() as u32);
            self.enums.push(ir::EnumDef {
                name: e.name.name.clone(),
                description: e.description.as_ref().map(|d| d.value.clone()),
                open: e.open,
                values,
            });
        }
        self.unknown_extensions(extensions);
    }

    /// Declare the facts with their types (and `authorization` when there are reauthorization
    /// criteria).
    pub(super) fn declare_facts(&mut self) {
        if self.reauthorization {
            let e = self.enum_index.get("Authorization").copied().unwrap_or(0);
            self.fact_index
                .insert(AUTHORIZATION.into(), self.facts.len() as u32);
            self.facts.push(FactInfo {
                name: AUTHORIZATION.into(),
                item: usize::MAX,
                documentation: false,
                imported: false,
                ty: Ty::Enum(e),
                unit: None,
                span: Span::default(),
            });
        }
        let file = self.file;
        for (idx, item) in file.items.iter().enumerate() {
            let Item::Fact(f) = item else { continue };
            if let Some(&first) = self.fact_index.get(&f.name.name) {
                let first_span = self.facts[first as usize].span;
                self.err(
                    Diagnostic::error(
                        codes::DUPLICATE_FACT,
                        format!("fact `{}` is declared twice", f.name.name),
                        f.name.span,
                        "second declaration",
                    )
                    .with_label(first_span, "first declaration")
                    .with_help(if f.name.name == AUTHORIZATION && self.reauthorization {
                        "`authorization` is declared by policyc for policies with reauthorization criteria; rename this fact"
                    } else {
                        "each fact is declared once; remove one declaration or rename it"
                    }),
                );
                continue;
            }
            let documentation = matches!(&f.ty, TypeRef::Named(u) if u.text == "documentation");
            let (ty, unit) = self.resolve_type(&f.ty).unwrap_or((Ty::Error, None));
            self.fact_index
                .insert(f.name.name.clone(), self.facts.len() as u32);
            self.facts.push(FactInfo {
                name: f.name.name.clone(),
                item: idx,
                documentation,
                imported: self.imported.contains(&idx),
                ty,
                unit,
                span: f.name.span,
            });
        }
    }

    /// Each fact's plausible range (`within low to high`), by slot, checked: bounds of the fact's
    /// type (dates for a date, plain numbers for a count or number, units of the fact's dimension
    /// for a quantity), exact, and the lower one not above the upper one.
    pub(super) fn fact_ranges(&mut self) -> Vec<Option<ir::FactRange>> {
        let file = self.file;
        (0..self.facts.len())
            .map(|slot| match file.items.get(self.facts[slot].item) {
                Some(Item::Fact(f)) => f.range.as_ref().and_then(|r| self.fact_range(slot, f, r)),
                _ => None,
            })
            .collect()
    }

    fn fact_range(&mut self, slot: usize, f: &FactDecl, r: &FactRange) -> Option<ir::FactRange> {
        let (ty, unit) = (self.facts[slot].ty, self.facts[slot].unit.clone());
        let name = &f.name.name;
        let what = match (ty, &unit) {
            (Ty::Error, _) => return None,
            (Ty::Bool | Ty::Enum(_) | Ty::Set(_), _) => {
                let what = describe_ty(ty, &self.enums);
                self.err(
                    Diagnostic::error(
                        codes::BAD_RANGE,
                        format!("`{name}` is {what}, which has no range of values"),
                        r.span,
                        "a range",
                    )
                    .with_label(f.name.span, what)
                    .with_help("only a count, a number, a quantity or a date can have a plausible range (`within 0.3 kg to 650 kg`); remove the `within ...` clause"),
                );
                return None;
            }
            (Ty::Quantity(_), Some(u)) => format!("measured in {} ({})", u.written, u.dim),
            _ => describe_ty(ty, &self.enums),
        };
        // The fix, with the analyst's own numbers where they can stay.
        let number = |b: &RangeBound| match b {
            RangeBound::Quantity(q) => Some(lit_text(&q.number, None)),
            RangeBound::Date(_) => None,
        };
        let example = match (ty, &unit, number(&r.low), number(&r.high)) {
            (Ty::Date, _, _, _) => "`within 2000-01-01 to 2030-12-31`".to_string(),
            (Ty::Quantity(_), Some(u), Some(l), Some(h)) => {
                format!("`within {l} {} to {h} {}`", u.written, u.written)
            }
            (Ty::Quantity(_), Some(u), _, _) => {
                format!("`within 1 {} to 100 {}`", u.written, u.written)
            }
            (_, _, Some(l), Some(h)) => format!("`within {l} to {h}`"),
            _ => "`within 0 to 50`".to_string(),
        };
        let low = self.range_bound(ty, unit.as_ref(), &example, &r.low);
        let high = self.range_bound(ty, unit.as_ref(), &example, &r.high);
        let mismatch =
            |c: &mut Self, p: &BoundProblem, span: Span, and: Option<(&BoundProblem, Span)>| {
                let found = match and {
                    Some((q, _)) => format!("{} and {}", p.found, q.found),
                    None => p.found.clone(),
                };
                let mut d = Diagnostic::error(
                    codes::BAD_RANGE,
                    format!(
                        "`{name}` is {what}, but its range is written with {found}{}",
                        p.why
                    ),
                    span,
                    p.label.clone(),
                );
                if let Some((q, qspan)) = and {
                    d = d.with_label(qspan, q.label.clone());
                }
                c.err(
                    d.with_label(f.name.span, what.clone())
                        .with_help(p.help.clone()),
                );
            };
        let (low, high) = match (low, high) {
            (Ok(l), Ok(h)) => (l, h),
            // The same mistake in both bounds (a unit of another dimension) is one diagnostic.
            (Err(Some(p)), Err(Some(q))) if p.why == q.why => {
                mismatch(self, &p, r.low.span(), Some((&q, r.high.span())));
                return None;
            }
            (l, h) => {
                for (b, span) in [(l, r.low.span()), (h, r.high.span())] {
                    if let Err(Some(p)) = b {
                        mismatch(self, &p, span, None);
                    }
                }
                return None;
            }
        };
        let ordered = match (low, high) {
            (ir::Const::Number(l), ir::Const::Number(h)) => l <= h,
            (ir::Const::Date(l), ir::Const::Date(h)) => l <= h,
            _ => true,
        };
        let (lt, ht) = (bound_text(&r.low), bound_text(&r.high));
        if !ordered {
            self.err(
                Diagnostic::error(
                    codes::RANGE_REVERSED,
                    format!(
                        "the range of `{name}` runs from {lt} down to {ht}: its lower bound is above its upper bound"
                    ),
                    r.low.span(),
                    "the lower bound",
                )
                .with_label(r.high.span(), "the upper bound")
                .with_help(format!("write the lower bound first: `within {ht} to {lt}`")),
            );
            return None;
        }
        Some(ir::FactRange {
            low,
            high,
            text: format!("{lt} to {ht}"),
        })
    }

    /// One bound of a range, as the IR holds it (a date as a day count, a number in the canonical
    /// unit of the fact's dimension); or why it is not of the fact's type (`Err(None)`: a bad
    /// number, unit or date, already reported).
    fn range_bound(
        &mut self,
        ty: Ty,
        unit: Option<&Unit>,
        example: &str,
        b: &RangeBound,
    ) -> Result<ir::Const, Option<BoundProblem>> {
        let problem = |found: String, why: &str, label: &str, help: String| {
            Err(Some(BoundProblem {
                found,
                why: why.to_string(),
                label: label.to_string(),
                help,
            }))
        };
        match (b, ty) {
            (RangeBound::Date(d), Ty::Date) => {
                let date = self.date(d).ok_or(None)?;
                Ok(ir::Const::Date(super::days_since_epoch(date)))
            }
            (RangeBound::Date(d), _) => problem(
                format!("the date {}", d.text),
                "",
                "a date",
                format!("write the bounds as values of the fact, e.g. {example}"),
            ),
            (RangeBound::Quantity(q), Ty::Date) => problem(
                format!("`{}`", lit_text(&q.number, q.unit.as_ref())),
                ", which is not a date",
                "not a date",
                format!("a date's range is two dates written YYYY-MM-DD, e.g. {example}"),
            ),
            (RangeBound::Quantity(q), Ty::Quantity(dim)) => {
                let (v, u) = self.quantity_lit(q).ok_or(None)?;
                let fu = unit.map(|u| u.written.clone()).unwrap_or_default();
                match u {
                    None => problem(
                        format!("`{}`", q.number.text),
                        ", without a unit",
                        "no unit",
                        format!("write each bound with its unit: {example}"),
                    ),
                    Some(u) if u.dim != dim => problem(
                        format!("`{}`", lit_text(&q.number, q.unit.as_ref())),
                        &format!(", in {} ({})", u.written, u.dim),
                        &format!("{} is {}", u.written, u.dim),
                        format!(
                            "state the range in {fu} or another unit of {dim}, e.g. `within 1 {fu} to 100 {fu}`"
                        ),
                    ),
                    Some(u) => {
                        let c = self.exact(to_canonical(v, &u), q.span).ok_or(None)?;
                        Ok(ir::Const::Number(c.normalize()))
                    }
                }
            }
            (RangeBound::Quantity(q), _) => {
                let (v, u) = self.quantity_lit(q).ok_or(None)?;
                match u {
                    Some(u) => problem(
                        format!("`{}`", lit_text(&q.number, q.unit.as_ref())),
                        &format!(", in {}", u.written),
                        &format!("in {}", u.written),
                        format!("write the bounds without a unit: {example}"),
                    ),
                    None => Ok(ir::Const::Number(v.normalize())),
                }
            }
        }
    }

    fn resolve_type(&mut self, t: &TypeRef) -> Option<(Ty, Option<Unit>)> {
        match t {
            TypeRef::Set(id) => match self.enum_index.get(&id.name) {
                Some(&i) => Some((Ty::Set(i), None)),
                None => {
                    self.unknown_enum(id);
                    None
                }
            },
            TypeRef::Named(u) => {
                match u.text.as_str() {
                    "boolean" | "documentation" => return Some((Ty::Bool, None)),
                    "count" => return Some((Ty::Count, None)),
                    "number" => return Some((Ty::Number, None)),
                    "date" => return Some((Ty::Date, None)),
                    _ => {}
                }
                if let Some(&i) = self.enum_index.get(&u.text) {
                    return Some((Ty::Enum(i), None));
                }
                match parse_unit(&u.text) {
                    Ok(unit) => Some((Ty::Quantity(unit.dim), Some(unit))),
                    Err(e) => {
                        let names: Vec<String> = BUILTIN_TYPES
                            .iter()
                            .map(|s| s.to_string())
                            .chain(self.enums.iter().map(|e| e.name.clone()))
                            .collect();
                        let suggestion = did_you_mean(&u.text, names.iter().map(|s| s.as_str()))
                            .or(match &e {
                                UnitError::Unknown { suggestion, .. } => suggestion.clone(),
                                _ => None,
                            });
                        let help = match suggestion {
                            Some(s) => format!("did you mean `{s}`? A fact's type is `boolean`, `count`, `number`, `date`, a unit (`[IU]/kg`, `days`), an enumeration, or `set of` an enumeration"),
                            None => "a fact's type is `boolean`, `count`, `number`, `date`, a unit (`[IU]/kg`, `days`), an enumeration declared with `enum`, or `set of` an enumeration".into(),
                        };
                        self.err(
                            Diagnostic::error(
                                codes::UNKNOWN_TYPE,
                                format!("`{}` is not a type: {e}", u.text),
                                u.span,
                                "unknown type",
                            )
                            .with_help(help),
                        );
                        None
                    }
                }
            }
        }
    }

    fn unknown_enum(&mut self, id: &Ident) {
        let names: Vec<String> = self.enums.iter().map(|e| e.name.clone()).collect();
        let help = match did_you_mean(&id.name, names.iter().map(|s| s.as_str())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "declare it first: `enum {} {{ value \"description\" }}`",
                id.name
            ),
        };
        self.err(
            Diagnostic::error(
                codes::UNKNOWN_TYPE,
                format!("`{}` is not a declared enumeration", id.name),
                id.span,
                "unknown enumeration",
            )
            .with_help(help),
        );
    }

    /// The slot of a declared fact, or an unknown-fact error; `None` too for a fact whose type
    /// was not resolved.
    pub(super) fn fact(&mut self, id: &Ident) -> Option<u32> {
        if let Some(&i) = self.fact_index.get(&id.name) {
            // A fact whose type is unresolved was reported at its declaration; say nothing more.
            return (self.facts[i as usize].ty != Ty::Error).then_some(i);
        }
        let names: Vec<String> = self.facts.iter().map(|f| f.name.clone()).collect();
        let help = match did_you_mean(&id.name, names.iter().map(|s| s.as_str())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "declare it: `fact {}: boolean \"what the request states\"`",
                id.name
            ),
        };
        self.err(
            Diagnostic::error(
                codes::UNKNOWN_FACT,
                format!("`{}` is not a declared fact", id.name),
                id.span,
                "unknown fact",
            )
            .with_help(help),
        );
        None
    }
}

/// A range's bound as the policy writes it: `0.3 kg`, `50`, `2000-01-01`.
fn bound_text(b: &RangeBound) -> String {
    match b {
        RangeBound::Quantity(q) => lit_text(&q.number, q.unit.as_ref()),
        RangeBound::Date(d) => d.text.clone(),
    }
}

/// Why a range's bound is not of its fact's type: what was written, why it does not fit (after the
/// value, `, in cm (length)`), the label at the bound, and the help.
struct BoundProblem {
    found: String,
    why: String,
    label: String,
    help: String,
}
