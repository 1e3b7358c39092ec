//! Reading and measuring a program: name look-ups, `Program::from_json` and the validation of
//! everything the checker guarantees (see the invariants in the parent module), and the depth and
//! size measures the checker and the reader share.

use super::*;

impl Program {
    /// The slot of the fact with this name, if there is one.
    pub fn fact_index(&self, name: &str) -> Option<usize> {
        self.facts.iter().position(|f| f.name == name)
    }

    /// Read a program from its JSON form, checking format and version and the invariants listed in
    /// the [module documentation](crate::ir).
    pub fn from_json(text: &str) -> Result<Program, String> {
        json_depth(text)?;
        let mut de = serde_json::Deserializer::from_str(text);
        // The depth is bounded above (`json_depth`), more deeply than serde_json's default of 128
        // allows for the IR of criteria at the source's nesting limit.
        de.disable_recursion_limit();
        NoDuplicateKeys::deserialize(&mut de).map_err(|e| format!("not valid JSON: {e}"))?;
        let mut de = serde_json::Deserializer::from_str(text);
        de.disable_recursion_limit();
        let v = serde_json::Value::deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| format!("not valid JSON: {e}"))?;
        match v.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            _ => {
                return Err(format!(
                    "not a policyc IR file (no `\"format\": \"{FORMAT}\"`)"
                ))
            }
        }
        match v.get("format_version").and_then(|f| f.as_u64()) {
            Some(n) if n == u64::from(FORMAT_VERSION) => {}
            Some(n) => {
                return Err(format!(
                    "IR format version {n} is not supported by this policyc (it reads version {FORMAT_VERSION}); recompile the policy"
                ))
            }
            None => return Err("the IR states no `format_version`".into()),
        }
        let p: Program = serde_json::from_value(v).map_err(|e| format!("malformed IR: {e}"))?;
        p.validate()?;
        Ok(p)
    }

    /// Check the invariants the evaluator relies on (slot indices in range), so that a hand-edited
    /// or corrupted IR file is rejected instead of making the evaluator panic.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let nf = self.facts.len() as u32;
        let ne = self.enums.len() as u32;
        for e in &self.enums {
            if e.values.len() > 128 {
                return Err(format!(
                    "enumeration `{}` has {} values; at most 128 are supported",
                    e.name,
                    e.values.len()
                ));
            }
        }
        for f in &self.facts {
            match &f.ty {
                FactType::Enum { enum_index } | FactType::Set { enum_index }
                    if *enum_index >= ne =>
                {
                    return Err(format!(
                        "fact `{}` names enumeration {enum_index}, which does not exist",
                        f.name
                    ))
                }
                _ => {}
            }
            if let Some(c) = &f.derived {
                check_calc(c, nf)?;
            }
            if let Some(r) = &f.range {
                check_range(f, r)?;
            }
        }
        for f in &self.facts {
            if let Some(c) = &f.derived {
                self.check_formula_type(f, c)?;
            }
        }
        for f in &self.facts {
            if let FactType::Quantity { alternates, .. } = &f.ty {
                for a in alternates {
                    if a.equivalence as usize >= self.equivalences.len() {
                        return Err(format!(
                            "fact `{}` names equivalence {}, which does not exist",
                            f.name, a.equivalence
                        ));
                    }
                }
            }
            if let Some(c) = &f.derived {
                if calc_depth(c) > MAX_DEPTH {
                    return Err(format!(
                        "the formula of fact `{}` is nested more than {MAX_DEPTH} levels deep",
                        f.name
                    ));
                }
            }
        }
        self.check_codes()?;
        for f in &self.facts {
            if let Some(src) = &f.source {
                self.check_source(f, src)?;
            }
        }
        self.check_derived_cycles()?;
        let mut conditions = 0usize;
        for i in &self.indications {
            if !(1..=100).contains(&i.duration.amount) {
                return Err(format!(
                    "indication {}: approval duration {} is not a whole number from 1 to 100",
                    i.label, i.duration.amount
                ));
            }
            let depth = indication_depth(i);
            if depth > MAX_DEPTH {
                return Err(format!(
                    "indication {}: its criteria are nested {depth} levels deep; at most {MAX_DEPTH} are allowed",
                    i.label
                ));
            }
            if let Some(a) = &i.applies {
                check_cond(a, nf)?;
                self.check_types(a, &mut conditions)?;
            }
            check_node(&i.criteria, nf)?;
            self.check_node_types(&i.criteria, &mut conditions)?;
            if let Some(d) = &i.dosing {
                check_node(d, nf)?;
                self.check_node_types(d, &mut conditions)?;
            }
        }
        if conditions > MAX_CONDITIONS {
            return Err(format!(
                "the program holds {conditions} conditions; at most {MAX_CONDITIONS} are allowed"
            ));
        }
        Ok(())
    }

    /// A derived fact's formula computes a value of the fact's kind (a date for a date, a number
    /// for a count, number or quantity), and every operand is of the kind its operation takes:
    /// arithmetic and body surface area on numbers and quantities, an age from a date. The
    /// checker produces no other formula; slots are in range (checked before).
    fn check_formula_type(&self, f: &FactDef, c: &Calc) -> Result<(), String> {
        let want = match f.ty {
            FactType::Date => CalcKind::Date,
            FactType::Count | FactType::Number | FactType::Quantity { .. } => CalcKind::Number,
            _ => {
                return Err(format!(
                    "fact `{}` is computed by a formula, but it is not a number, quantity or date",
                    f.name
                ))
            }
        };
        let got = self.calc_kind(c, &f.name)?;
        if got != want {
            return Err(format!(
                "the formula of fact `{}` computes a {}, but the fact is a {}",
                f.name,
                got.name(),
                want.name()
            ));
        }
        Ok(())
    }

    fn calc_kind(&self, c: &Calc, of: &str) -> Result<CalcKind, String> {
        let expect = |c: &Calc, want: CalcKind, what: &str| -> Result<(), String> {
            let got = self.calc_kind(c, of)?;
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "the formula of fact `{of}` gives {what} a {}, where it takes a {}",
                    got.name(),
                    want.name()
                ))
            }
        };
        Ok(match c {
            Calc::Fact { fact } => {
                let input = &self.facts[*fact as usize];
                match input.ty {
                    FactType::Date => CalcKind::Date,
                    FactType::Count | FactType::Number | FactType::Quantity { .. } => {
                        CalcKind::Number
                    }
                    _ => {
                        return Err(format!(
                            "the formula of fact `{of}` uses fact `{}`, which is not a number, quantity or date",
                            input.name
                        ))
                    }
                }
            }
            Calc::Number { .. } => CalcKind::Number,
            Calc::Date { .. } | Calc::DateOfService => CalcKind::Date,
            Calc::Arith { left, right, .. } => {
                expect(left, CalcKind::Number, "arithmetic")?;
                expect(right, CalcKind::Number, "arithmetic")?;
                CalcKind::Number
            }
            Calc::AgeInYears { date } => {
                expect(date, CalcKind::Date, "an age")?;
                CalcKind::Number
            }
            Calc::BsaMosteller { height, weight } => {
                expect(height, CalcKind::Number, "body surface area")?;
                expect(weight, CalcKind::Number, "body surface area")?;
                CalcKind::Number
            }
        })
    }

    /// Every code is text without spaces (a prefix only in ICD-10-CM), and no code stands for two
    /// values of one enumeration, nor twice among the drugs.
    fn check_codes(&self) -> Result<(), String> {
        let well_formed = |c: &Code, whose: &str| -> Result<(), String> {
            let ok = !c.code.is_empty()
                && c.code.len() <= 64
                && c.code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !ok {
                return Err(format!("{whose} has a malformed code {:?}", c.code));
            }
            if c.prefix && c.system != CodeSystem::Icd10 {
                return Err(format!(
                    "{whose} has the {} code {:?} as a prefix; only ICD-10-CM codes can be",
                    c.system.name(),
                    c.code
                ));
            }
            Ok(())
        };
        let overlap = |a: &Code, b: &Code| {
            a.system == b.system && (a.matches(b.system, &b.code) || b.matches(a.system, &a.code))
        };
        for (k, a) in self.policy.drug_codes.iter().enumerate() {
            well_formed(a, "the policy's drug")?;
            if let Some(b) = self.policy.drug_codes[..k].iter().find(|b| overlap(a, b)) {
                return Err(format!(
                    "the drug codes {} and {} overlap",
                    a.text(),
                    b.text()
                ));
            }
        }
        for e in &self.enums {
            let mut seen: Vec<(&Code, &str)> = Vec::new();
            for v in &e.values {
                for c in &v.codes {
                    well_formed(c, &format!("value `{}` of `{}`", v.name, e.name))?;
                    if let Some((b, other)) = seen.iter().find(|(b, _)| overlap(c, b)) {
                        return Err(format!(
                            "enumeration `{}`: code {} of `{}` overlaps code {} of `{other}`",
                            e.name,
                            c.text(),
                            v.name,
                            b.text()
                        ));
                    }
                }
                seen.extend(v.codes.iter().map(|c| (c, v.name.as_str())));
            }
        }
        Ok(())
    }

    /// A fact's source is of a kind its type can take.
    fn check_source(&self, f: &FactDef, src: &Source) -> Result<(), String> {
        // One value of an enumeration; for Conditions, also a set (every active Condition).
        let enum_with = |systems: &[CodeSystem], set: bool| {
            match f.ty {
                FactType::Enum { enum_index } => self.enums.get(enum_index as usize),
                FactType::Set { enum_index } if set => self.enums.get(enum_index as usize),
                _ => None,
            }
            .is_some_and(|e| {
                e.values
                    .iter()
                    .flat_map(|v| &v.codes)
                    .any(|c| systems.contains(&c.system))
            })
        };
        let quantity = matches!(f.ty, FactType::Quantity { .. });
        let fits = match src {
            Source::PatientBirthDate => f.ty == FactType::Date,
            Source::Observation { loinc, max_age } => {
                if loinc.is_empty() || loinc.len() > 16 {
                    return Err(format!("fact `{}` names a malformed LOINC code", f.name));
                }
                if let Some(d) = max_age {
                    if !(1..=1000).contains(&d.amount) {
                        return Err(format!(
                            "fact `{}`: the recency of its Observation is {}, not from 1 to 1,000",
                            f.name,
                            d.text()
                        ));
                    }
                }
                quantity
            }
            Source::MedicationDose | Source::MedicationFrequency => quantity,
            Source::MedicationRepeatCount => quantity || f.ty == FactType::Count,
            Source::Condition => enum_with(&[CodeSystem::Icd10, CodeSystem::Snomed], true),
            Source::MedicationRoute => enum_with(&[CodeSystem::Snomed], false),
            Source::PrescriberSpecialty => enum_with(&[CodeSystem::Nucc], false),
            Source::Questionnaire { link_id } => !link_id.is_empty() && link_id.len() <= 255,
        };
        if fits {
            Ok(())
        } else {
            Err(format!(
                "fact `{}` is read from a FHIR source its type cannot take ({})",
                f.name,
                serde_json::to_value(src)
                    .ok()
                    .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                    .unwrap_or_default()
            ))
        }
    }

    /// Derived facts whose formulas depend on each other in a circle.
    fn check_derived_cycles(&self) -> Result<(), String> {
        // 0: not visited, 1: on the current path, 2: done.
        let mut state = vec![0u8; self.facts.len()];
        for start in 0..self.facts.len() {
            if state[start] != 0 {
                continue;
            }
            // Depth-first, with an explicit stack of (fact, its references, next index).
            let mut stack: Vec<(usize, Vec<usize>, usize)> = Vec::new();
            state[start] = 1;
            stack.push((start, self.derived_refs(start), 0));
            while let Some((f, refs, next)) = stack.last_mut() {
                if let Some(&r) = refs.get(*next) {
                    *next += 1;
                    match state.get(r) {
                        Some(1) => {
                            return Err(format!(
                                "derived fact `{}` depends on itself (through `{}`)",
                                self.facts[r].name, self.facts[*f].name
                            ))
                        }
                        Some(0) => {
                            state[r] = 1;
                            let refs = self.derived_refs(r);
                            stack.push((r, refs, 0));
                        }
                        _ => {}
                    }
                } else {
                    state[*f] = 2;
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    /// The facts a derived fact's formula reads (in range: slots are checked before).
    fn derived_refs(&self, f: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut todo: Vec<&Calc> = self.facts[f].derived.iter().collect();
        while let Some(c) = todo.pop() {
            match c {
                Calc::Fact { fact } => out.push(*fact as usize),
                Calc::Arith { left, right, .. } => {
                    todo.push(left);
                    todo.push(right);
                }
                Calc::AgeInYears { date } => todo.push(date),
                Calc::BsaMosteller { height, weight } => {
                    todo.push(height);
                    todo.push(weight);
                }
                Calc::Number { .. } | Calc::Date { .. } | Calc::DateOfService => {}
            }
        }
        out
    }

    fn check_node_types(&self, n: &Node, count: &mut usize) -> Result<(), String> {
        for g in n.guard.iter().chain(&n.only_if) {
            self.check_types(g, count)?;
        }
        match &n.body {
            NodeBody::Group { children, .. } => children
                .iter()
                .try_for_each(|c| self.check_node_types(c, count)),
            NodeBody::Condition { condition } => self.check_types(condition, count),
            NodeBody::Referral { .. } => Ok(()),
        }
    }

    /// Each condition's operands are of the types the compiler gives them (slots are in range).
    fn check_types(&self, c: &Cond, count: &mut usize) -> Result<(), String> {
        *count += 1;
        let fact = |slot: u32| &self.facts[slot as usize];
        let enum_len = |i: u32| {
            self.enums
                .get(i as usize)
                .map(|e| e.values.len())
                .unwrap_or(0)
        };
        let mask_fits = |mask: u128, n: usize| n >= 128 || mask >> n == 0;
        let wrong = |slot: u32, what: &str| {
            Err(format!(
                "a condition tests fact `{}` as {what}, which it is not",
                fact(slot).name
            ))
        };
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().try_for_each(|c| self.check_types(c, count))
            }
            Cond::Not { not } => self.check_types(not, count),
            Cond::Known { .. } => Ok(()),
            Cond::IsTrue { fact: f } => match fact(*f).ty {
                FactType::Boolean | FactType::Documentation => Ok(()),
                _ => wrong(*f, "a yes/no fact"),
            },
            Cond::EnumIn { fact: f, mask, .. } => match fact(*f).ty {
                FactType::Enum { enum_index } if mask_fits(*mask, enum_len(enum_index)) => Ok(()),
                FactType::Enum { .. } => Err(format!(
                    "a condition on fact `{}` names values its enumeration does not have",
                    fact(*f).name
                )),
                _ => wrong(*f, "one value of an enumeration"),
            },
            Cond::SetHas { fact: f, mask, .. } => match fact(*f).ty {
                FactType::Set { enum_index } if mask_fits(*mask, enum_len(enum_index)) => Ok(()),
                FactType::Set { .. } => Err(format!(
                    "a condition on fact `{}` names values its enumeration does not have",
                    fact(*f).name
                )),
                _ => wrong(*f, "a set of values"),
            },
            Cond::Compare { fact: f, limit, .. } => {
                let ok = match (&fact(*f).ty, &limit.value) {
                    (FactType::Date, Const::Date(_)) => limit.alternates.is_empty(),
                    (FactType::Count | FactType::Number, Const::Number(_)) => {
                        limit.alternates.is_empty()
                    }
                    (FactType::Quantity { alternates, .. }, Const::Number(_)) => {
                        let mut last = 0u8;
                        limit.alternates.iter().all(|a| {
                            let fine = a.alt > last && (a.alt as usize) <= alternates.len();
                            last = a.alt;
                            fine
                        })
                    }
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(format!(
                        "a comparison of fact `{}` has a limit of another type (`{}`)",
                        fact(*f).name,
                        limit.text
                    ))
                }
            }
            Cond::CompareFacts { left, right, .. } => {
                let kind = |t: &FactType| match t {
                    FactType::Boolean | FactType::Documentation => (0, None, None),
                    FactType::Count | FactType::Number => (1, None, None),
                    FactType::Date => (2, None, None),
                    FactType::Quantity { unit, .. } => (3, Some(unit.dim), None),
                    FactType::Enum { enum_index } => (4, None, Some(*enum_index)),
                    FactType::Set { enum_index } => (5, None, Some(*enum_index)),
                };
                if kind(&fact(*left).ty) == kind(&fact(*right).ty) {
                    Ok(())
                } else {
                    Err(format!(
                        "facts `{}` and `{}` are compared but are not of the same type",
                        fact(*left).name,
                        fact(*right).name
                    ))
                }
            }
        }
    }
}

/// The nesting depth of an indication's criteria: its `applies`, criteria and dosing.
pub fn indication_depth(i: &IndicationDef) -> usize {
    i.applies
        .as_ref()
        .map(cond_depth)
        .unwrap_or(0)
        .max(node_depth(&i.criteria))
        .max(i.dosing.as_ref().map(node_depth).unwrap_or(0))
}

/// The number of condition nodes of an indication (`applies`, guards, `if`s and conditions).
pub fn indication_conditions(i: &IndicationDef) -> usize {
    fn node(n: &Node) -> usize {
        n.guard
            .iter()
            .chain(&n.only_if)
            .map(cond_size)
            .sum::<usize>()
            + match &n.body {
                NodeBody::Group { children, .. } => children.iter().map(node).sum(),
                NodeBody::Condition { condition } => cond_size(condition),
                NodeBody::Referral { .. } => 0,
            }
    }
    i.applies.as_ref().map(cond_size).unwrap_or(0)
        + node(&i.criteria)
        + i.dosing.as_ref().map(node).unwrap_or(0)
}

/// The nesting depth of a node: one per group level, plus the depth of its conditions.
pub fn node_depth(n: &Node) -> usize {
    let conds = n
        .guard
        .iter()
        .chain(&n.only_if)
        .map(cond_depth)
        .max()
        .unwrap_or(0);
    let body = match &n.body {
        NodeBody::Group { children, .. } => 1 + children.iter().map(node_depth).max().unwrap_or(0),
        NodeBody::Condition { condition } => cond_depth(condition),
        NodeBody::Referral { .. } => 0,
    };
    conds.max(body)
}

/// The nesting depth of a condition: one per `all`, `any` and `not` level, and one for a test.
pub fn cond_depth(c: &Cond) -> usize {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => {
            1 + v.iter().map(cond_depth).max().unwrap_or(0)
        }
        Cond::Not { not } => 1 + cond_depth(not),
        _ => 1,
    }
}

/// The number of condition nodes in a condition (each test, `all`, `any` and `not` is one).
pub fn cond_size(c: &Cond) -> usize {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => 1 + v.iter().map(cond_size).sum::<usize>(),
        Cond::Not { not } => 1 + cond_size(not),
        _ => 1,
    }
}

/// The nesting depth of a formula: one per operation, and one for a value.
pub fn calc_depth(c: &Calc) -> usize {
    match c {
        Calc::Arith { left, right, .. }
        | Calc::BsaMosteller {
            height: left,
            weight: right,
        } => 1 + calc_depth(left).max(calc_depth(right)),
        Calc::AgeInYears { date } => 1 + calc_depth(date),
        _ => 1,
    }
}

/// The JSON text is nested at most [`MAX_JSON_DEPTH`] deep (checked lexically, before parsing).
fn json_depth(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(format!(
                        "the IR is nested more than {MAX_JSON_DEPTH} levels deep; the compiler never writes criteria deeper than {MAX_DEPTH} levels"
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Any JSON value, read only to refuse an object that states a key twice (serde_json would keep
/// the last silently).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        NoDuplicateKeys::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = a.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{k}` appears twice in one object"
                )));
            }
            a.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

/// A plausible range of the fact's kind (numbers for a count, number or quantity; dates for a date),
/// its lower bound not above its upper bound.
fn check_range(f: &FactDef, r: &FactRange) -> Result<(), String> {
    let ordered = match (&f.ty, r.low, r.high) {
        (
            FactType::Count | FactType::Number | FactType::Quantity { .. },
            Const::Number(l),
            Const::Number(h),
        ) => l <= h,
        (FactType::Date, Const::Date(l), Const::Date(h)) => l <= h,
        (FactType::Date, _, _) => {
            return Err(format!(
                "the range of date fact `{}` does not have dates for bounds",
                f.name
            ))
        }
        (FactType::Count | FactType::Number | FactType::Quantity { .. }, _, _) => {
            return Err(format!(
                "the range of fact `{}` does not have numbers for bounds",
                f.name
            ))
        }
        _ => {
            return Err(format!(
            "fact `{}` has a range, but only counts, numbers, quantities and dates can have one",
            f.name
        ))
        }
    };
    if !ordered {
        return Err(format!(
            "the range of fact `{}` ({}) has its lower bound above its upper bound",
            f.name, r.text
        ));
    }
    Ok(())
}

fn check_slot(s: u32, n: u32) -> Result<(), String> {
    if s < n {
        Ok(())
    } else {
        Err(format!(
            "fact slot {s} is out of range (the IR declares {n} facts)"
        ))
    }
}

fn check_node(n: &Node, nf: u32) -> Result<(), String> {
    for g in n.guard.iter().chain(&n.only_if) {
        check_cond(g, nf)?;
    }
    if let Some(c) = &n.course {
        for r in &c.regimens {
            check_slot(r.dose, nf)?;
            check_slot(r.interval, nf)?;
        }
        if let Some(p) = &c.phase {
            check_slot(p.doses_given, nf)?;
            if p.first == 0 || p.last.is_some_and(|l| l < p.first) {
                return Err(format!(
                    "node {}: a phase runs from dose {} to {:?}; the first dose is 1 and the last is not before the first",
                    n.label, p.first, p.last
                ));
            }
        }
    }
    match &n.body {
        NodeBody::Group { children, .. } => children.iter().try_for_each(|c| check_node(c, nf)),
        NodeBody::Condition { condition } => check_cond(condition, nf),
        NodeBody::Referral { .. } => Ok(()),
    }
}

fn check_cond(c: &Cond, nf: u32) -> Result<(), String> {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().try_for_each(|c| check_cond(c, nf)),
        Cond::Not { not } => check_cond(not, nf),
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => check_slot(*fact, nf),
        Cond::CompareFacts { left, right, .. } => {
            check_slot(*left, nf)?;
            check_slot(*right, nf)
        }
    }
}

fn check_calc(c: &Calc, nf: u32) -> Result<(), String> {
    match c {
        Calc::Fact { fact } => check_slot(*fact, nf),
        Calc::Arith { left, right, .. } => {
            check_calc(left, nf)?;
            check_calc(right, nf)
        }
        Calc::AgeInYears { date } => check_calc(date, nf),
        Calc::BsaMosteller { height, weight } => {
            check_calc(height, nf)?;
            check_calc(weight, nf)
        }
        Calc::Number { .. } | Calc::Date { .. } | Calc::DateOfService => Ok(()),
    }
}

/// What a formula computes: a date, or a number (with or without a unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CalcKind {
    Date,
    Number,
}

impl CalcKind {
    fn name(self) -> &'static str {
        match self {
            CalcKind::Date => "date",
            CalcKind::Number => "number or quantity",
        }
    }
}
