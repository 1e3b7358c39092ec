//! Conditions and decisions in words: what a condition requires, a condition with its facts, and a
//! decision rendered for a person.

use super::{Decision, DecisionKind};
use policyc_ir::ir::{Cond, Program};
use policyc_syntax::ast::{CmpOp, SetQuant};

/// What a condition requires of its fact, in words: `at most 600,000 IU/kg`, `is intravenous`.
pub(crate) fn allowed(p: &Program, c: &Cond) -> String {
    match c {
        Cond::Compare { op, limit, .. } => format!("{} {}", op.words(), limit.text),
        Cond::CompareFacts { op, right, .. } => {
            format!("{} {}", op.words(), p.facts[*right as usize].name)
        }
        Cond::EnumIn { values, .. } if values.len() == 1 => format!("is {}", values[0]),
        Cond::EnumIn { values, .. } => format!("is one of {}", values.join(", ")),
        Cond::SetHas { quant, values, .. } => {
            let q = match quant {
                SetQuant::Any => "any of",
                SetQuant::All => "all of",
                SetQuant::None => "none of",
            };
            format!("has {q} {}", values.join(", "))
        }
        Cond::IsTrue { fact } => match p.facts.get(*fact as usize).map(|f| &f.ty) {
            Some(policyc_ir::ir::FactType::Documentation) => "is provided".into(),
            _ => "is yes".into(),
        },
        Cond::Known { .. } => "is stated".into(),
        Cond::Not { not } => match not.as_ref() {
            Cond::IsTrue { fact } => match p.facts.get(*fact as usize).map(|f| &f.ty) {
                Some(policyc_ir::ir::FactType::Documentation) => "is not provided".into(),
                _ => "is no".into(),
            },
            Cond::EnumIn { values, .. } if values.len() == 1 => format!("is not {}", values[0]),
            Cond::EnumIn { values, .. } => format!("is none of {}", values.join(", ")),
            Cond::SetHas {
                quant: SetQuant::Any,
                values,
                ..
            } => format!("has none of {}", values.join(", ")),
            Cond::Known { .. } => "is not stated".into(),
            Cond::Compare { op, limit, .. } => {
                format!("{} {}", negate(*op).words(), limit.text)
            }
            other => format!("not ({})", allowed(p, other)),
        },
        Cond::All { all } => all
            .iter()
            .map(|x| allowed(p, x))
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Any { any } => any
            .iter()
            .map(|x| allowed(p, x))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// A condition in words, with the facts it tests: `route is intravenous and age at least 18 years`.
pub fn describe(p: &Program, c: &Cond) -> String {
    match c {
        Cond::All { all } => all
            .iter()
            .map(|x| describe(p, x))
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Any { any } => any
            .iter()
            .map(|x| describe(p, x))
            .collect::<Vec<_>>()
            .join(" or "),
        Cond::Not { not }
            if matches!(
                not.as_ref(),
                Cond::All { .. } | Cond::Any { .. } | Cond::Not { .. }
            ) =>
        {
            format!("not ({})", describe(p, not))
        }
        leaf => match first_fact(leaf).and_then(|f| p.facts.get(f as usize)) {
            Some(fact) => format!("{} {}", fact.name, allowed(p, leaf)),
            None => allowed(p, leaf),
        },
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
    }
}

pub(super) fn first_fact(c: &Cond) -> Option<u32> {
    match c {
        Cond::IsTrue { fact }
        | Cond::Known { fact }
        | Cond::EnumIn { fact, .. }
        | Cond::SetHas { fact, .. }
        | Cond::Compare { fact, .. } => Some(*fact),
        Cond::CompareFacts { left, .. } => Some(*left),
        Cond::Not { not } => first_fact(not),
        Cond::All { all: v } | Cond::Any { any: v } => v.first().and_then(first_fact),
    }
}

pub(super) fn facts_of(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::All { all: v } | Cond::Any { any: v } => v.iter().for_each(|x| facts_of(x, out)),
        Cond::Not { not } => facts_of(not, out),
        Cond::CompareFacts { left, right, .. } => out.extend([*left, *right]),
        leaf => out.extend(first_fact(leaf)),
    }
}

/// Render a decision for a person: the decision and policy, the summary, then what was met, not
/// met, exceeded or missing, one item a line.
pub fn render_human(d: &Decision) -> String {
    let mut s = String::new();
    let head = match d.decision {
        DecisionKind::Approve => "APPROVE",
        DecisionKind::Deny => "DENY",
        DecisionKind::NeedsInfo => "NEEDS MORE INFORMATION",
        DecisionKind::Refer if d.referral.as_ref().is_some_and(|r| r.redirect_to.is_some()) => {
            "REDIRECT TO ANOTHER REVIEW"
        }
        DecisionKind::Refer => "REFER TO A CLINICIAN",
    };
    s.push_str(&format!(
        "{head} — {} ({}, effective {})\n",
        d.policy.title, d.policy.id, d.policy.effective
    ));
    if let Some(id) = &d.request_id {
        s.push_str(&format!("request: {id}\n"));
    }
    s.push_str(&format!("{}\n", d.summary));
    if let Some(st) = &d.statement {
        s.push_str(&format!("Policy: \"{st}\"\n"));
    }
    if let Some(a) = &d.approval {
        match (&a.start, &a.end) {
            (Some(st), Some(en)) => s.push_str(&format!(
                "\nApproval: {} (from {st} through {en})\n",
                a.duration
            )),
            _ => s.push_str(&format!("\nApproval: {}\n", a.duration)),
        }
    }
    if !d.criteria_met.is_empty() {
        s.push_str("\nCriteria met:\n");
        for c in &d.criteria_met {
            s.push_str(&format!("  {}  {}\n", c.label, c.text));
        }
    }
    if !d.conditions.is_empty() {
        s.push_str("\nApproved on condition of the dosing limits:\n");
        for l in &d.conditions {
            let req = match &l.requested {
                Some(r) => format!("requested {r}"),
                None => "not stated: a condition of the approval".into(),
            };
            s.push_str(&format!(
                "  {}  {}: {} ({req})\n",
                l.label, l.fact, l.allowed
            ));
        }
    }
    if !d.exceeded.is_empty() {
        s.push_str("\nOutside the policy's dosing:\n");
        for l in &d.exceeded {
            s.push_str(&format!(
                "  {}  {}\n      {}: requested {}, allowed {}\n",
                l.label,
                l.text,
                l.fact,
                l.requested.clone().unwrap_or_else(|| "not stated".into()),
                l.allowed
            ));
        }
    }
    if !d.unmet.is_empty() {
        s.push_str("\nNot met:\n");
        for u in &d.unmet {
            s.push_str(&format!("  {}  {}\n      {}\n", u.label, u.text, u.reason));
        }
    }
    if !d.missing.is_empty() {
        s.push_str("\nThe request should state:\n");
        for m in &d.missing {
            let or = if m.or_inputs.is_empty() {
                String::new()
            } else {
                format!(" (or: {})", m.or_inputs.join(", "))
            };
            s.push_str(&format!("  {}  {}{or}\n", m.fact, m.description));
        }
    }
    s
}
