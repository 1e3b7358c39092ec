//! What a leaf condition tests, in the request's and the policy's amounts: the limits and the
//! deciding tests an explanation shows.

use super::*;

impl Explainer<'_> {
    /// The leaf comparisons of a condition, as limits; only the failing ones when `failing`.
    pub(super) fn limits(&self, n: &Node, c: &Cond, failing: bool, out: &mut Vec<Limit>) {
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().for_each(|x| self.limits(n, x, failing, out))
            }
            leaf => {
                if failing && cond(leaf, self.f()) != Tv::False {
                    return;
                }
                if let Some(test) = self.test(leaf) {
                    out.push(Limit {
                        label: n.label.clone(),
                        text: n.text.clone(),
                        test,
                    });
                }
            }
        }
    }

    /// A leaf condition (or `not` of one) as a [`Test`]: the fact, the operator, what the request
    /// states and what the policy allows.
    pub(super) fn test(&self, c: &Cond) -> Option<Test> {
        let slot = first_fact(c)?;
        let fact = &self.p.facts[slot as usize];
        let (negated, leaf) = match c {
            Cond::Not { not } => (true, not.as_ref()),
            other => (false, other),
        };
        let doc = matches!(fact.ty, FactType::Documentation);
        let mut values = Vec::new();
        let mut allowed_value = None;
        let mut other_fact = None;
        let operator = match leaf {
            Cond::Compare { op, limit, .. } => {
                allowed_value = self.amount(slot, &limit.value);
                let op = if negated { words::negate(*op) } else { *op };
                op_name(op)
            }
            Cond::CompareFacts { op, right, .. } => {
                let r = &self.p.facts[*right as usize];
                other_fact = Some(r.name.clone());
                allowed_value = self.requested_amount(*right);
                let op = if negated { words::negate(*op) } else { *op };
                op_name(op)
            }
            Cond::EnumIn { values: v, .. } => {
                values = v.clone();
                match (negated, v.len() == 1) {
                    (false, true) => "is",
                    (false, false) => "is_one_of",
                    (true, true) => "is_not",
                    (true, false) => "is_none_of",
                }
            }
            Cond::SetHas {
                quant, values: v, ..
            } => {
                values = v.clone();
                match (quant, negated) {
                    (SetQuant::Any, false) | (SetQuant::None, true) => "has_any_of",
                    (SetQuant::All, false) => "has_all_of",
                    (SetQuant::None, false) | (SetQuant::Any, true) => "has_none_of",
                    // `not (has all of …)`: named by its words in `allowed`.
                    (SetQuant::All, true) => "has_not_all_of",
                }
            }
            Cond::IsTrue { .. } => match (doc, negated) {
                (true, false) => "is_provided",
                (true, true) => "is_not_provided",
                (false, false) => "is_yes",
                (false, true) => "is_no",
            },
            Cond::Known { .. } if negated => "is_not_stated",
            Cond::Known { .. } => "is_stated",
            // A `not` of several tests: named by its first fact, in words in `allowed`.
            Cond::Not { .. } | Cond::All { .. } | Cond::Any { .. } => "compound",
        };
        let mut derived_from = Vec::new();
        if let Some(calc) = &fact.derived {
            let mut inputs = Vec::new();
            collect_inputs(calc, &mut inputs);
            inputs.dedup();
            derived_from = inputs
                .iter()
                .map(|&i| Input {
                    fact: self.p.facts[i as usize].name.clone(),
                    value: self.req.shown(self.p, i as usize),
                })
                .collect();
        }
        Some(Test {
            fact: fact.name.clone(),
            description: fact.description.clone(),
            operator,
            requested: self.shown(slot),
            requested_value: self.requested_amount(slot),
            allowed: self.allowed(c),
            allowed_value,
            values,
            other_fact,
            derived_from,
        })
    }

    /// A constant of fact `slot`'s type as data, in the unit the policy declares the fact in.
    pub(super) fn amount(&self, slot: u32, k: &Const) -> Option<Amount> {
        let fact = &self.p.facts[slot as usize];
        match (k, &fact.ty) {
            (Const::Number(v), FactType::Quantity { unit, .. }) => Some(Amount {
                value: decimal_text(v.checked_div(unit.factor).unwrap_or(*v)),
                unit: Some(unit.written.clone()),
                ucum: Some(unit.code.clone()),
            }),
            (Const::Number(v), _) => Some(Amount {
                value: decimal_text(*v),
                unit: None,
                ucum: None,
            }),
            (Const::Date(d), _) => date_from_days(*d).map(|d| Amount {
                value: d.to_string(),
                unit: None,
                ucum: None,
            }),
        }
    }

    /// The value the request states (or the policy computed) of fact `slot`, as data.
    pub(super) fn requested_amount(&self, slot: u32) -> Option<Amount> {
        let fact = &self.p.facts[slot as usize];
        let plain = |value: String| Amount {
            value,
            unit: None,
            ucum: None,
        };
        match self.f()[slot as usize]? {
            Value::Num(v, 0) => self.amount(slot, &Const::Number(v)),
            // Stated in another dimension (through an equivalence): only as written.
            Value::Num(..) => None,
            Value::Bool(b) => Some(plain(b.to_string())),
            Value::Date(d) => date_from_days(d).map(|d| plain(d.to_string())),
            Value::Enum(i) => {
                let FactType::Enum { enum_index } = fact.ty else {
                    return None;
                };
                let e = &self.p.enums[enum_index as usize];
                Some(plain(match e.values.get(i as usize) {
                    Some(v) => v.name.clone(),
                    // An open enumeration's unlisted value: as the request wrote it.
                    None => self.req.shown(self.p, slot as usize).unwrap_or_default(),
                }))
            }
            Value::Set(mask) => {
                let FactType::Set { enum_index } = fact.ty else {
                    return None;
                };
                let e = &self.p.enums[enum_index as usize];
                let names: Vec<&str> = e
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 128 && mask & (1u128 << i) != 0)
                    .map(|(_, v)| v.name.as_str())
                    .collect();
                Some(plain(names.join(", ")))
            }
        }
    }

    /// The leaf tests that make a false condition false (`want` = false), or a true one true.
    pub(super) fn deciding_tests(&self, c: &Cond, want: Tv, out: &mut Vec<Test>) {
        if cond(c, self.f()) != want {
            return;
        }
        match c {
            Cond::All { all: v } | Cond::Any { any: v } => {
                v.iter().for_each(|x| self.deciding_tests(x, want, out))
            }
            Cond::Not { not }
                if matches!(
                    not.as_ref(),
                    Cond::All { .. } | Cond::Any { .. } | Cond::Not { .. }
                ) =>
            {
                let flipped = match want {
                    Tv::True => Tv::False,
                    Tv::False => Tv::True,
                    Tv::Unknown => Tv::Unknown,
                };
                self.deciding_tests(not, flipped, out)
            }
            leaf => out.extend(self.test(leaf)),
        }
    }
}
