//! Why a request was not covered: the indications considered, the criteria not met, the facts
//! missing, in the policy's words.

use super::*;

impl Explainer<'_> {
    /// Why an indication did not cover a denied request.
    pub(super) fn considered(&self, ind: &IndicationDef, v: Values) -> Considered {
        let (outcome, reason) = if v.applies == Tv::False {
            let why = ind
                .applies
                .as_ref()
                .map(|a| self.reason_applies(a))
                .unwrap_or_default();
            ("not_applicable", why)
        } else if v.criteria.l == Tv::False {
            let mut labels = Vec::new();
            let mut na = Vec::new();
            self.unmet_labels(&ind.criteria, &mut labels, &mut na);
            let why = if labels.is_empty() && !na.is_empty() {
                format!(
                    "criteria not met: none of their branches applies to this request ({})",
                    na.join(", ")
                )
            } else {
                format!("criteria not met: {}", labels.join(", "))
            };
            ("criteria_not_met", why)
        } else {
            (
                "dosing_outside",
                "its criteria are met, but the requested dosing is outside the policy's".into(),
            )
        };
        Considered {
            label: ind.label.clone(),
            title: ind.title.clone(),
            outcome,
            reason,
        }
    }

    /// What a condition allows, for a person: enumeration values by their descriptions.
    pub(super) fn allowed(&self, c: &Cond) -> String {
        words::allowed_words(self.p, c)
    }

    /// What the request states of fact `slot`, for a person (`None` when it is not stated): a
    /// listed value of an enumeration by its description, its name in brackets (`cutaneous
    /// melanoma [cutaneous_melanoma]`); an open enumeration's other value as the request wrote it.
    pub(super) fn shown(&self, slot: u32) -> Option<String> {
        let shown = self.req.shown(self.p, slot as usize)?;
        let fact = &self.p.facts[slot as usize];
        let e = match fact.ty {
            FactType::Enum { enum_index } | FactType::Set { enum_index } => {
                &self.p.enums[enum_index as usize]
            }
            _ => return Some(shown),
        };
        Some(match self.f()[slot as usize] {
            Some(Value::Enum(i)) => match e.values.get(i as usize) {
                Some(v) => words::value_words(self.p, slot, &v.name),
                None => shown,
            },
            // The set's values in the request's order, as `shown` lists them (`none` when empty).
            Some(Value::Set(mask)) if mask != 0 => shown
                .split(", ")
                .map(|v| words::value_words(self.p, slot, v))
                .collect::<Vec<_>>()
                .join(", "),
            _ => shown,
        })
    }

    /// A fact named for a sentence: its description, its identifier in brackets.
    fn fact_name(&self, slot: u32) -> String {
        let f = &self.p.facts[slot as usize];
        if f.description.is_empty() {
            f.name.clone()
        } else {
            format!("{} [{}]", f.description, f.name)
        }
    }

    /// Why a condition is false, in terms of the request: `age is 16 a; requires at least 18 a`.
    pub(super) fn reason(&self, c: &Cond) -> String {
        self.why(c, false)
    }

    /// Why a branch's `when` (or an indication's `applies when`) is false: `it applies when …;
    /// the request states …`.
    pub(super) fn reason_applies(&self, c: &Cond) -> String {
        self.why(c, true)
    }

    pub(super) fn why(&self, c: &Cond, applies: bool) -> String {
        let mut out = String::new();
        self.why_into(c, applies, &mut out);
        out
    }

    /// [`Explainer::why`], written at the end of `out`.
    fn why_into(&self, c: &Cond, applies: bool, out: &mut String) {
        match c {
            Cond::All { all } => {
                for (k, x) in all
                    .iter()
                    .filter(|x| cond(x, self.f()) == Tv::False)
                    .enumerate()
                {
                    if k > 0 {
                        out.push_str("; ");
                    }
                    self.why_into(x, applies, out);
                }
            }
            Cond::Any { any } => {
                for (k, x) in any.iter().enumerate() {
                    if k > 0 {
                        out.push_str("; and ");
                    }
                    self.why_into(x, applies, out);
                }
            }
            leaf => {
                let Some(fact) = first_fact(leaf) else {
                    return;
                };
                let shown = self.shown(fact);
                let shown = shown.as_deref().unwrap_or("not stated");
                let allowed = self.allowed(leaf);
                let f = &self.p.facts[fact as usize];
                let start = out.len();
                // The fact named for a sentence: its description, its identifier in brackets.
                if f.description.is_empty() {
                    out.push_str(&f.name);
                } else {
                    out.push_str(&f.description);
                    out.push_str(" [");
                    out.push_str(&f.name);
                    out.push(']');
                }
                if applies {
                    // Mid-sentence, a description starts in lower case (`the condition …`),
                    // unless it starts with an acronym (`BRAF …`).
                    words::lowercase_first_at(out, start);
                    out.insert_str(start, "it applies when ");
                    out.push(' ');
                    out.push_str(&allowed);
                    out.push_str("; the request states ");
                    out.push_str(shown);
                    return;
                }
                out.push_str(" is ");
                out.push_str(shown);
                out.push_str("; the policy requires ");
                match allowed.as_str() {
                    "is yes" => out.push_str("yes"),
                    "is no" => out.push_str("no"),
                    a if a.starts_with("is ") || a.starts_with("has ") => {
                        out.push_str("that it ");
                        out.push_str(a);
                    }
                    a => out.push_str(a),
                }
            }
        }
    }

    /// The labelled criteria that made a false node false (`out`), and the branches that do not
    /// apply to the request (`na`).
    pub(super) fn unmet(&self, n: &Node, out: &mut Vec<Unmet>, na: &mut Vec<Unmet>) {
        if self.holds(n) != Tv::False {
            return;
        }
        if let Some(g) = &n.guard {
            if cond(g, self.f()) == Tv::False {
                let mut tests = Vec::new();
                self.deciding_tests(g, Tv::False, &mut tests);
                na.push(Unmet {
                    label: n.label.clone(),
                    text: n.text.clone(),
                    reason: self.reason_applies(g),
                    tests,
                });
                return;
            }
        }
        match &n.body {
            NodeBody::Referral { .. } => {}
            NodeBody::Condition { condition } => {
                let mut tests = Vec::new();
                self.deciding_tests(condition, Tv::False, &mut tests);
                out.push(Unmet {
                    label: n.label.clone(),
                    text: n.text.clone(),
                    reason: self.reason(condition),
                    tests,
                })
            }
            NodeBody::Group {
                of: GroupKind::NoneOf,
                children,
            } => {
                for c in children.iter().filter(|c| self.holds(c) == Tv::True) {
                    let reason = if matches!(c.body, NodeBody::Referral { .. }) {
                        "is left to people, and the policy requires that it does not hold"
                    } else {
                        "holds, but the policy requires that it does not"
                    };
                    let mut tests = Vec::new();
                    if let NodeBody::Condition { condition } = &c.body {
                        self.deciding_tests(condition, Tv::True, &mut tests);
                    }
                    out.push(Unmet {
                        label: c.label.clone(),
                        text: c.text.clone(),
                        reason: reason.into(),
                        tests,
                    });
                }
            }
            NodeBody::Group { children, .. } => {
                children.iter().for_each(|c| self.unmet(c, out, na))
            }
        }
    }

    /// The labels of what [`Explainer::unmet`] lists, in its order, without the reasons and
    /// tests.
    fn unmet_labels<'n>(&self, n: &'n Node, out: &mut Vec<&'n str>, na: &mut Vec<&'n str>) {
        if self.holds(n) != Tv::False {
            return;
        }
        if let Some(g) = &n.guard {
            if cond(g, self.f()) == Tv::False {
                na.push(&n.label);
                return;
            }
        }
        match &n.body {
            NodeBody::Referral { .. } => {}
            NodeBody::Condition { .. } => out.push(&n.label),
            NodeBody::Group {
                of: GroupKind::NoneOf,
                children,
            } => out.extend(
                children
                    .iter()
                    .filter(|c| self.holds(c) == Tv::True)
                    .map(|c| c.label.as_str()),
            ),
            NodeBody::Group { children, .. } => {
                children.iter().for_each(|c| self.unmet_labels(c, out, na))
            }
        }
    }

    pub(super) fn missing(&self, slot: u32) -> Missing {
        let fact = &self.p.facts[slot as usize];
        // Inputs, and the inputs of derived inputs, in the order the policy declares them.
        let mut inputs: Vec<u32> = Vec::new();
        let mut queue = vec![slot];
        while let Some(s) = queue.pop() {
            if let Some(c) = &self.p.facts[s as usize].derived {
                let mut direct = Vec::new();
                collect_inputs(c, &mut direct);
                for i in direct {
                    if !inputs.contains(&i) && i != slot {
                        inputs.push(i);
                        queue.push(i);
                    }
                }
            }
        }
        inputs.sort_unstable();
        Missing {
            indications: Vec::new(),
            criteria: Vec::new(),
            alternatives: Vec::new(),
            fact: fact.name.clone(),
            description: fact.description.clone(),
            or_inputs: inputs
                .iter()
                .filter(|&&i| self.f()[i as usize].is_none())
                .map(|&i| self.p.facts[i as usize].name.clone())
                .collect(),
        }
    }

    pub(super) fn not_covered_reason(&self) -> String {
        // Name the facts that decide applicability, as the request states them.
        let mut slots = Vec::new();
        for ind in &self.p.indications {
            if let Some(a) = &ind.applies {
                facts_of(a, &mut slots);
            }
        }
        slots.sort_unstable();
        slots.dedup();
        let parts: Vec<String> = slots
            .iter()
            .map(|&s| {
                format!(
                    "{} is {}",
                    words::lowercase_first(&self.fact_name(s)),
                    self.shown(s).unwrap_or_else(|| "not stated".into())
                )
            })
            .collect();
        if parts.is_empty() {
            "no indication of the policy applies".into()
        } else {
            format!(
                "{}, which no indication of the policy lists",
                parts.join(", ")
            )
        }
    }
}
