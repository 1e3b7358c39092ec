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
        match c {
            Cond::All { all } => all
                .iter()
                .filter(|x| cond(x, self.f()) == Tv::False)
                .map(|x| self.why(x, applies))
                .collect::<Vec<_>>()
                .join("; "),
            Cond::Any { any } => any
                .iter()
                .map(|x| self.why(x, applies))
                .collect::<Vec<_>>()
                .join("; and "),
            leaf => {
                let Some(fact) = first_fact(leaf) else {
                    return String::new();
                };
                let name = self.fact_name(fact);
                let shown = self.shown(fact).unwrap_or_else(|| "not stated".into());
                let allowed = self.allowed(leaf);
                if applies {
                    // Mid-sentence, a description starts in lower case (`the condition …`),
                    // unless it starts with an acronym (`BRAF …`).
                    let name = words::lowercase_first(&name);
                    return format!("it applies when {name} {allowed}; the request states {shown}");
                }
                let required = match allowed.as_str() {
                    "is yes" => "yes".to_string(),
                    "is no" => "no".to_string(),
                    a if a.starts_with("is ") || a.starts_with("has ") => format!("that it {a}"),
                    a => a.to_string(),
                };
                format!("{name} is {shown}; the policy requires {required}")
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
