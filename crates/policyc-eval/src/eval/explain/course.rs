//! Regimens and the phases of a course in the document's words: the phase the requested dose is
//! in, what the request asks for in each regimen's terms, and which regimen allows it ("480 mg is
//! allowed every 4 weeks") or which ones it is outside of.

use super::*;
use crate::eval::{DosingRegimen, PhaseRef, RegimenRef};
use policyc_ir::ir::Regimen;
use policyc_ir::units::{format_decimal, format_measured};

impl Explainer<'_> {
    /// The regimens and phases of a dosing section that states any (`None` otherwise): for an
    /// approval (`approves`), the regimen that allows the request; otherwise those it is outside.
    pub(super) fn regimen(&self, dosing: &Node, approves: bool) -> Option<DosingRegimen> {
        if !has_course(dosing) {
            return None;
        }
        let mut regimens = Vec::new();
        let mut phase = None;
        self.course_walk(dosing, &mut regimens, &mut phase);
        if regimens.is_empty() && phase.is_none() {
            return None;
        }
        let mut parts: Vec<String> = phase.iter().map(phase_sentence).collect();
        parts.extend(regimen_sentence(&regimens, approves));
        Some(DosingRegimen {
            summary: parts.join("; "),
            phase,
            regimens,
        })
    }

    /// The regimens of the branches that apply to the request, and the phase its dose is in.
    fn course_walk(&self, n: &Node, out: &mut Vec<RegimenRef>, phase: &mut Option<PhaseRef>) {
        if n.guard
            .iter()
            .chain(&n.only_if)
            .any(|g| cond(g, self.f()) == Tv::False)
        {
            return;
        }
        if let Some(c) = &n.course {
            if let Some(p) = &c.phase {
                if let Some(dose) = self.dose_number(p.doses_given) {
                    *phase = Some(PhaseRef {
                        label: n.label.clone(),
                        text: n.text.clone(),
                        dose,
                        first: p.first,
                        last: p.last,
                        within: true,
                    });
                }
            }
            if !c.regimens.is_empty() {
                let mut pairs = Vec::new();
                if let NodeBody::Condition { condition } = &n.body {
                    regimen_conds(condition, &mut pairs);
                }
                for r in &c.regimens {
                    let within = pairs
                        .iter()
                        .position(|(d, i, _)| *d == r.dose && *i == r.interval)
                        .map(|k| pairs.remove(k).2)
                        .map(|c| cond(c, self.f()));
                    out.push(RegimenRef {
                        label: n.label.clone(),
                        regimen: r.text(),
                        amount: r.amount.clone(),
                        every: r.every.clone(),
                        requested: self.requested_regimen(r),
                        within: match within {
                            Some(Tv::True) => Some(true),
                            Some(Tv::False) => Some(false),
                            _ => None,
                        },
                    });
                }
            }
        }
        if let NodeBody::Group { children, .. } = &n.body {
            for c in children {
                self.course_walk(c, out, phase);
            }
            // A dose after the last phase of a course: no phase applies to it.
            let phases: Vec<&policyc_ir::ir::Phase> = children
                .iter()
                .filter_map(|c| c.course.as_ref().and_then(|k| k.phase.as_ref()))
                .collect();
            if phase.is_none() && !phases.is_empty() && phases.len() == children.len() {
                if let (Some(last), Some(p)) = (children.last(), phases.last()) {
                    if let Some(dose) = self.dose_number(p.doses_given) {
                        if p.last.is_some_and(|l| dose > l) {
                            *phase = Some(PhaseRef {
                                label: last.label.clone(),
                                text: last.text.clone(),
                                dose,
                                first: p.first,
                                last: p.last,
                                within: false,
                            });
                        }
                    }
                }
            }
        }
    }

    /// The number of the requested dose in the course: the doses given before it, plus one.
    fn dose_number(&self, doses_given: u32) -> Option<u32> {
        match self.f().get(doses_given as usize).copied().flatten() {
            Some(Value::Num(v, 0)) => u32::try_from(v.normalize().mantissa())
                .ok()
                .filter(|_| v.normalize().scale() == 0)
                .and_then(|n| n.checked_add(1)),
            _ => None,
        }
    }

    /// What the request asks for, in a regimen's terms: `480 mg every 2 weeks`.
    fn requested_regimen(&self, r: &Regimen) -> String {
        let amount = |slot: u32| -> Option<String> {
            let a = self.requested_amount(slot)?;
            let v: Decimal = a.value.parse().ok()?;
            let derived = self.p.facts[slot as usize].derived.is_some();
            let v = if derived {
                format_measured(v)
            } else {
                format_decimal(v)
            };
            Some(match a.unit {
                Some(u) => format!("{v} {}", singular_for_one(&v, &u)),
                None => v,
            })
        };
        match (amount(r.dose), amount(r.interval)) {
            (Some(d), Some(i)) => format!("{d} every {i}"),
            (Some(d), None) => format!("{d}, how often not stated"),
            (None, Some(i)) => format!("a dose not stated, every {i}"),
            (None, None) => "not stated".into(),
        }
    }
}

/// Whether a node or one below it states a regimen or is a phase of a course.
fn has_course(n: &Node) -> bool {
    n.course.is_some()
        || match &n.body {
            NodeBody::Group { children, .. } => children.iter().any(has_course),
            _ => false,
        }
}

/// The lowered regimens in a condition, in order: `all` of the dose at most its amount and the
/// interval at least its time, with the dose's and the interval's slots.
fn regimen_conds<'c>(c: &'c Cond, out: &mut Vec<(u32, u32, &'c Cond)>) {
    match c {
        Cond::All { all } => {
            if let [Cond::Compare {
                fact: d,
                op: CmpOp::Le,
                ..
            }, Cond::Compare {
                fact: i,
                op: CmpOp::Ge,
                ..
            }] = all.as_slice()
            {
                out.push((*d, *i, c));
            } else {
                all.iter().for_each(|x| regimen_conds(x, out));
            }
        }
        Cond::Any { any: v } => v.iter().for_each(|x| regimen_conds(x, out)),
        Cond::Not { not } => regimen_conds(not, out),
        _ => {}
    }
}

/// The phase a dose is in, for a person: `dose 5 is in 1.Dosing.B.ii (doses 5 and later):
/// Maintenance: 480 mg every 4 weeks`, or after the course: `dose 5 is after the course: its last
/// phase, 1.Dosing.C.i (doses 1 to 4), ends with dose 4`.
pub(crate) fn phase_sentence(p: &PhaseRef) -> String {
    let doses = match p.last {
        Some(l) if l == p.first => format!("dose {l}"),
        Some(l) => format!("doses {} to {l}", p.first),
        None => format!("doses {} and later", p.first),
    };
    if p.within {
        format!("dose {} is in {} ({doses}): {}", p.dose, p.label, p.text)
    } else {
        let last = p.last.unwrap_or(p.first);
        format!(
            "dose {} is after the course: its last phase, {} ({doses}), ends with dose {last}",
            p.dose, p.label
        )
    }
}

/// The regimens for a person: for an approval, the one that allows the request (`480 mg is allowed
/// every 4 weeks (1.Dosing.B.ii.b)`); otherwise what the request is and what is allowed.
pub(crate) fn regimen_sentence(regimens: &[RegimenRef], approves: bool) -> Option<String> {
    if regimens.is_empty() {
        return None;
    }
    if approves {
        if let Some(r) = regimens.iter().find(|r| r.within == Some(true)) {
            return Some(format!(
                "{} is allowed every {} ({}); the request is {}",
                r.amount, r.every, r.label, r.requested
            ));
        }
    }
    let same = regimens
        .iter()
        .all(|r| r.requested == regimens[0].requested);
    let allowed: Vec<String> = regimens
        .iter()
        .map(|r| {
            if same {
                format!("{} ({})", r.regimen, r.label)
            } else {
                format!(
                    "{} ({}; the request is {})",
                    r.regimen, r.label, r.requested
                )
            }
        })
        .collect();
    Some(if same {
        format!(
            "the request is {}; allowed: {}",
            regimens[0].requested,
            allowed.join(" or ")
        )
    } else {
        format!("allowed: {}", allowed.join(" or "))
    })
}

/// A time unit in words for an amount of exactly one: `1 week`, not `1 weeks` (other units, and
/// other amounts, as they are).
fn singular_for_one<'u>(value: &str, unit: &'u str) -> &'u str {
    const TIME: [&str; 6] = ["hours", "days", "weeks", "months", "years", "minutes"];
    if value == "1" && TIME.contains(&unit) {
        &unit[..unit.len() - 1]
    } else {
        unit
    }
}
