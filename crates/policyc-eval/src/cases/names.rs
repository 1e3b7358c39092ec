//! The names a case may give that its policy lacks: labels in its expectations, facts in
//! `expect.missing` and facts it un-states; and `unknown` where it cannot un-state.

use super::{unstated, Case, CaseFile, Expect, UNSTATED};
use policyc_ir::ir::{FactType, Node, NodeBody, Program};
use policyc_syntax::diag::did_you_mean;

/// The labels and fact names of a program that a case's expectations may name.
pub(super) struct Names<'p> {
    program: &'p Program,
    /// Every label: the indications', their nodes' (criteria and dosing), and `not covered`;
    /// sorted.
    labels: Vec<String>,
    /// The same labels in the policy's order.
    in_order: Vec<String>,
}

impl<'p> Names<'p> {
    pub(super) fn of(program: &'p Program) -> Names<'p> {
        fn walk(n: &Node, out: &mut Vec<String>) {
            out.push(n.label.clone());
            if let NodeBody::Group { children, .. } = &n.body {
                children.iter().for_each(|c| walk(c, out));
            }
        }
        let mut labels = vec!["not covered".to_string()];
        for ind in &program.indications {
            labels.push(ind.label.clone());
            walk(&ind.criteria, &mut labels);
            if let Some(d) = &ind.dosing {
                walk(d, &mut labels);
            }
        }
        let in_order = labels.clone();
        labels.sort();
        labels.dedup();
        Names {
            program,
            labels,
            in_order,
        }
    }

    /// A message per fact the case (or the file's defaults) un-states that the policy does not
    /// have (the binder, which reports the facts a request names wrongly, never sees them).
    pub(super) fn unstated_unknown_facts(&self, file: &CaseFile, case: &Case) -> Vec<String> {
        let p = self.program;
        [("defaults", &file.defaults), ("facts", &case.facts)]
            .into_iter()
            .flat_map(|(key, facts)| facts.iter().map(move |x| (key, facts, x)))
            .filter(|(_, _, (name, v))| unstated(v) && !p.facts.iter().any(|f| &f.name == *name))
            .map(|(key, facts, (name, _))| {
                let hint = match did_you_mean(name, p.facts.iter().map(|f| f.name.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a fact of the policy".into(),
                };
                let (line, column) = facts.places.get(name).copied().unwrap_or_default();
                format!(
                    "{}: `{key}` un-states `{name}`, which is not a fact of policy `{}`: {hint}",
                    file.place(line, column),
                    p.policy.id
                )
            })
            .collect()
    }

    /// A message per fact the case (or the file's defaults) gives `unknown` while the fact's
    /// enumeration lists a value `unknown`: the word un-states the fact, it cannot state that value.
    pub(super) fn ambiguous_unknown(&self, file: &CaseFile, case: &Case) -> Vec<String> {
        let p = self.program;
        [&file.defaults, &case.facts]
            .into_iter()
            .flat_map(|facts| facts.iter().map(move |x| (facts, x)))
            .filter(|(_, (_, v))| v.as_str() == Some(UNSTATED))
            .filter_map(|(facts, (name, _))| {
                let fact = p.facts.iter().find(|f| &f.name == name)?;
                let FactType::Enum { enum_index } = fact.ty else {
                    return None;
                };
                let e = p.enums.get(enum_index as usize)?;
                e.values.iter().any(|v| v.name == UNSTATED).then(|| {
                    let (line, column) = facts.places.get(name).copied().unwrap_or_default();
                    format!(
                        "{}: `{name}: {UNSTATED}` leaves `{name}` unstated in a cases file, but its enumeration `{}` lists a value `{UNSTATED}`, which a cases file therefore cannot state: give that value another name in the policy (`not_known`)",
                        file.place(line, column),
                        e.name
                    )
                })
            })
            .collect()
    }

    /// The labels beside `label` when its parent is a label of the policy: `1.A has 1.A.i, 1.A.ii`.
    fn siblings(&self, label: &str) -> Option<String> {
        let (parent, _) = label.rsplit_once('.')?;
        self.labels
            .binary_search_by(|l| l.as_str().cmp(parent))
            .ok()?;
        let prefix = format!("{parent}.");
        let under: Vec<String> = self
            .in_order
            .iter()
            .filter(|l| {
                l.strip_prefix(&prefix)
                    .is_some_and(|rest| !rest.contains('.'))
            })
            .map(|l| format!("`{l}`"))
            .collect();
        (!under.is_empty()).then(|| format!("the labels under `{parent}` are {}", under.join(", ")))
    }

    /// One message per label or fact name an expectation gives that the policy does not have:
    /// where it is written, and the nearest the policy has.
    pub(super) fn check(&self, file: &CaseFile, e: &Expect) -> Vec<String> {
        let mut out = Vec::new();
        let id = &self.program.policy.id;
        let labels = e
            .path
            .iter()
            .map(|p| ("path", p))
            .chain(e.unmet.iter().flatten().map(|l| ("unmet", l)))
            .chain(
                e.not_applicable
                    .iter()
                    .flatten()
                    .map(|l| ("not_applicable", l)),
            )
            .chain(e.exceeded.iter().flatten().map(|l| ("exceeded", l)));
        for (what, l) in labels {
            if self.labels.binary_search(&l.value).is_err() {
                let hint = match did_you_mean(&l.value, self.labels.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "an expectation names labels as the decision cites them, full paths such as `1.A.iii`".into(),
                };
                let hint = match self.siblings(&l.value) {
                    Some(list) => format!("{hint} ({list})"),
                    None => hint,
                };
                out.push(format!(
                    "{}: `expect.{what}` names `{}`, which is not a label of policy `{id}`: {hint}",
                    file.place(l.referenced.line(), l.referenced.column()),
                    l.value
                ));
            }
        }
        for m in e.missing.iter().flatten() {
            let facts = self.program.facts.iter().map(|f| f.name.as_str());
            if !self.program.facts.iter().any(|f| f.name == m.value) {
                let hint = match did_you_mean(&m.value, facts) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`expect.missing` names facts of the policy".into(),
                };
                out.push(format!(
                    "{}: `expect.missing` names `{}`, which is not a fact of policy `{id}`: {hint}",
                    file.place(m.referenced.line(), m.referenced.column()),
                    m.value
                ));
            }
        }
        out
    }
}
