//! Structure and labels: indications and their phases (initial, reauthorization), the sections
//! of each (`applies when`, `approve for`, `criteria`, `dosing`) and the labelled tree of
//! criteria, each label unique.

use super::{Checker, AUTHORIZATION};
use policyc_ir::ir::{self, Cond};
use policyc_syntax::ast::{self, *};
use policyc_syntax::diag::{codes, Diagnostic};
use std::collections::HashMap;

impl Checker<'_> {
    /// The indications, each number once; a policy with none is an error.
    pub(super) fn indications(&mut self) -> Vec<ir::IndicationDef> {
        let mut out = Vec::new();
        let file = self.file;
        let inds: Vec<&Indication> = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Indication(x) => Some(x),
                _ => None,
            })
            .collect();
        if inds.is_empty() && file.items.iter().any(|i| matches!(i, Item::Policy(_))) {
            let span = file
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Policy(h) => Some(h.id.span),
                    _ => None,
                })
                .unwrap_or_default();
            self.err(
                Diagnostic::error(codes::NO_INDICATIONS, "this policy has no indications", span, "nothing can be approved under this policy")
                    .with_help("add an `indication 1 \"...\" { ... }` block for each numbered indication of the document"),
            );
        }
        for ind in inds {
            if let Some(first) = self.labels.get(&ind.label.name) {
                let first = *first;
                self.err(
                    Diagnostic::error(
                        codes::DUPLICATE_INDICATION,
                        format!("indication `{}` is numbered twice", ind.label.name),
                        ind.label.span,
                        "second indication with this number",
                    )
                    .with_label(first, "first one")
                    .with_help("number the indications as the document does: 1, 2, 3"),
                );
            } else {
                self.labels.insert(ind.label.name.clone(), ind.label.span);
                // A duplicate is not lowered: its labels would all repeat the first one's.
                out.extend(self.indication(ind));
            }
        }
        out
    }

    /// An indication: its initial criteria and, if it has any, its reauthorization criteria, each
    /// lowered to an [`ir::IndicationDef`] of its own.
    fn indication(&mut self, ind: &Indication) -> Vec<ir::IndicationDef> {
        let mut applies = None;
        let mut applies_ok = true;
        for item in &ind.items {
            if let IndicationItem::Applies { expr, span } = item {
                if applies.is_some() {
                    self.err(
                        Diagnostic::error(codes::DUPLICATE_SECTION, format!("indication {} has two `applies when` sections", ind.label.name), *span, "second one")
                            .with_help("combine them into one `applies when`, joining the conditions with `or`"),
                    );
                    continue;
                }
                applies = self.cond(expr, false);
                applies_ok &= applies.is_some();
            }
        }
        let phase_cond = |c: &Self, initial: bool| -> Option<Cond> {
            let slot = *c.fact_index.get(AUTHORIZATION)?;
            Some(Cond::EnumIn {
                fact: slot,
                mask: if initial { 1 } else { 2 },
                values: vec![if initial {
                    "initial"
                } else {
                    "reauthorization"
                }
                .into()],
            })
        };
        // Only an indication with reauthorization criteria tells the phases apart; the criteria of
        // one without serve initial and continued therapy alike ("extended approvals are allowed
        // if the patient continues to meet the criteria").
        let has_reauth = ind
            .items
            .iter()
            .any(|x| matches!(x, IndicationItem::Reauthorization(_)));
        let with_phase = |c: &Self, initial: bool| -> Option<Cond> {
            match (
                applies.clone(),
                has_reauth.then(|| phase_cond(c, initial)).flatten(),
            ) {
                (Some(a), Some(p)) => Some(Cond::All { all: vec![a, p] }),
                (a, p) => a.or(p),
            }
        };
        let mut out = Vec::new();
        let initial_applies = with_phase(self, true);
        if let Some(def) = self.phase(
            &ind.label.name,
            &ind.label,
            &ind.title.value,
            &ind.items,
            initial_applies,
            None,
        ) {
            out.push(def);
        }
        for item in &ind.items {
            if let IndicationItem::Reauthorization(r) = item {
                let label = format!("{}.{}", ind.label.name, r.label.name);
                if let Some(first) = self.labels.get(&label) {
                    let first = *first;
                    self.err(
                        Diagnostic::error(codes::DUPLICATE_LABEL, format!("label {label} is used twice"), r.label.span, "second use")
                            .with_label(first, "first use")
                            .with_help("give the reauthorization criteria a label of their own, e.g. `reauthorization R \"Reauthorization\" { ... }`"),
                    );
                    continue;
                }
                self.labels.insert(label.clone(), r.label.span);
                let title = format!("{} — {}", ind.title.value, r.title.value);
                let applies = with_phase(self, false);
                if let Some(def) = self.phase(
                    &label,
                    &r.label,
                    &title,
                    &r.items,
                    applies,
                    Some(ind.label.name.clone()),
                ) {
                    out.push(def);
                }
            }
        }
        if !applies_ok {
            return Vec::new();
        }
        // A reauthorization without a `dosing` of its own is under the indication's: continued
        // therapy is never approved at a dose the document does not allow. Its limits keep their
        // labels (`1.Dosing.A`), since they are the indication's.
        let initial_dosing = out
            .first()
            .filter(|d| d.reauthorization_of.is_none())
            .and_then(|d| d.dosing.clone());
        for def in out.iter_mut().skip(1) {
            if def.dosing.is_none() {
                def.dosing = initial_dosing.clone();
            }
        }
        out
    }

    /// One phase (initial or reauthorization) of an indication.
    fn phase(
        &mut self,
        label: &str,
        at: &Ident,
        title: &str,
        items: &[IndicationItem],
        applies: Option<Cond>,
        reauthorization_of: Option<String>,
    ) -> Option<ir::IndicationDef> {
        let mut duration = None;
        let mut criteria = None;
        let mut dosing = None;
        let what = match &reauthorization_of {
            Some(_) => format!("reauthorization {label}"),
            None => format!("indication {label}"),
        };
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut ok = true;
        // Dosing criteria written among the criteria, under their own labels (`1.C`).
        let mut moved: Vec<ir::Node> = Vec::new();
        let mut dosing_span = None;
        for item in items {
            let (key, span) = match item {
                IndicationItem::Applies { .. } | IndicationItem::Reauthorization(_) => continue,
                IndicationItem::Duration(d) => ("approve for", d.span),
                IndicationItem::Criteria(s) => ("criteria", s.span),
                IndicationItem::Dosing(s) => ("dosing", s.span),
            };
            if let Some(first) = seen.get(key) {
                let first = *first;
                self.err(
                    Diagnostic::error(codes::DUPLICATE_SECTION, format!("{what} has two `{key}` sections"), span, "second one")
                        .with_label(first, "first one")
                        .with_help(format!("combine them into one `{key}`; use `all of {{ ... }}` to require several things")),
                );
                ok = false;
                continue;
            }
            seen.insert(key, span);
            match item {
                IndicationItem::Duration(d) => duration = self.duration(d),
                IndicationItem::Criteria(s) => {
                    let mut kept = s.clone();
                    let mut out = Vec::new();
                    if let Body::Group(g) = &mut kept.body {
                        split_dosing(g, label, &mut out);
                    }
                    criteria = self.section(&kept, label, false);
                    for (parent, n) in &out {
                        match self.node(n, parent, true) {
                            Some(x) => moved.push(x),
                            None => ok = false,
                        }
                    }
                }
                IndicationItem::Dosing(s) => {
                    dosing_span = Some(s.span);
                    let dl = format!("{label}.Dosing");
                    let at = Span::new(s.span.start, s.span.start + "dosing".len());
                    self.labels.entry(dl.clone()).or_insert(at);
                    dosing = self.section(s, &dl, true)
                }
                _ => {}
            }
        }
        if !seen.contains_key("approve for") {
            self.err(
                Diagnostic::error(
                    codes::MISSING_DURATION,
                    format!("{what} (\"{title}\") has no approval duration"),
                    at.span,
                    "no `approve for` here",
                )
                .with_help(
                    "state how long an approval lasts, as the document does: `approve for 1 year`",
                ),
            );
            ok = false;
        }
        if !seen.contains_key("criteria") {
            self.err(
                Diagnostic::error(
                    codes::MISSING_CRITERIA,
                    format!("{what} (\"{title}\") has no criteria"),
                    at.span,
                    "no `criteria` here",
                )
                .with_help(
                    "add `criteria \"...\": all of { ... }` with the document's lettered criteria",
                ),
            );
            ok = false;
        }
        if !moved.is_empty() {
            dosing = match dosing {
                None if dosing_span.is_some() => None,
                None => Some(ir::Node {
                    label: format!("{label}.Dosing"),
                    text: String::new(),
                    guard: None,
                    only_if: None,
                    body: ir::NodeBody::Group {
                        of: GroupKind::AllOf,
                        children: moved,
                    },
                    course: None,
                }),
                Some(mut d) => match &mut d.body {
                    ir::NodeBody::Group {
                        of: GroupKind::AllOf,
                        children,
                    } => {
                        children.splice(0..0, moved);
                        Some(d)
                    }
                    _ => {
                        self.err(
                            Diagnostic::error(
                                codes::REGIMEN_PLACE,
                                format!("{what} has dosing among its criteria, but its `dosing` is not `all of`, so they cannot be checked together"),
                                dosing_span.unwrap_or(at.span),
                                "not `all of { ... }`",
                            )
                            .with_help("write the `dosing` as `all of { ... }` (the dosing criteria among the criteria are checked with it), or move those criteria into it"),
                        );
                        ok = false;
                        None
                    }
                },
            };
        }
        if !ok {
            return None;
        }
        Some(ir::IndicationDef {
            label: label.to_string(),
            title: title.to_string(),
            reauthorization_of,
            applies,
            duration: duration?,
            criteria: criteria?,
            dosing,
        })
    }

    fn duration(&mut self, d: &DurationLit) -> Option<ir::DurationDef> {
        let unit = match d.unit.name.trim_end_matches('s') {
            "year" => ir::DurationUnit::Year,
            "month" => ir::DurationUnit::Month,
            "week" => ir::DurationUnit::Week,
            _ => ir::DurationUnit::Day,
        };
        let amount = self.number(&d.amount)?;
        match u32::try_from(amount.normalize().mantissa())
            .ok()
            .filter(|n| *n > 0 && amount.normalize().scale() == 0 && *n <= 100)
        {
            Some(n) => Some(ir::DurationDef { amount: n, unit }),
            None => {
                self.err(
                    Diagnostic::error(codes::BAD_DURATION, format!("`{}` is not a usable approval duration", d.amount.text), d.amount.span, "not a whole number from 1 to 100")
                        .with_help("write a whole number of years, months, weeks or days, e.g. `approve for 6 months`"),
                );
                None
            }
        }
    }

    fn section(&mut self, s: &Section, label: &str, dosing: bool) -> Option<ir::Node> {
        let text = s.text.as_ref().map(|t| t.value.clone()).unwrap_or_default();
        let mark = self.regimens_lowered.len();
        let body = self.body(&s.body, label, dosing);
        let course = course(self.regimens_lowered.split_off(mark));
        let node = ir::Node {
            label: label.to_string(),
            text,
            guard: None,
            only_if: None,
            body: body?,
            course,
        };
        self.compiled.insert(label.to_string(), node.clone());
        Some(node)
    }

    pub(super) fn body(&mut self, b: &Body, label: &str, dosing: bool) -> Option<ir::NodeBody> {
        match b {
            Body::Expr(e) => Some(ir::NodeBody::Condition {
                condition: self.cond(e, dosing)?,
            }),
            Body::Referral(r) => Some(ir::NodeBody::Referral {
                redirect: r.redirect.as_ref().map(|t| t.value.clone()),
            }),
            Body::Phases(ps) => self.phases(ps, label, dosing),
            Body::Group(g) => {
                if g.nodes.is_empty() {
                    self.err(
                        Diagnostic::error(
                            codes::EMPTY_GROUP,
                            format!("`{}` group of {label} lists nothing", g.kind.keyword()),
                            g.span,
                            "empty group",
                        )
                        .with_help(
                            "list the labelled criteria inside the braces, or remove the group",
                        ),
                    );
                    return None;
                }
                let mut children = Vec::new();
                let mut ok = true;
                for n in &g.nodes {
                    match self.node(n, label, dosing) {
                        Some(c) => children.push(c),
                        None => ok = false,
                    }
                }
                ok.then_some(ir::NodeBody::Group {
                    of: g.kind,
                    children,
                })
            }
        }
    }

    /// A node's full label, reported if it is used twice.
    pub(super) fn label(&mut self, full: &str, span: Span) {
        if let Some(first) = self.labels.get(full) {
            let first = *first;
            self.err(
                Diagnostic::error(codes::DUPLICATE_LABEL, format!("label {full} is used twice"), span, "second use")
                    .with_label(first, "first use")
                    .with_help("labels follow the document's numbering and are unique: check for a copy-paste slip (i, ii, iii, ...)"),
            );
        } else {
            self.labels.insert(full.to_string(), span);
        }
    }

    fn node(&mut self, n: &ast::Node, parent: &str, dosing: bool) -> Option<ir::Node> {
        let full = format!("{parent}.{}", n.label.name);
        self.label(&full, n.label.span);
        let guard = n.guard.as_ref().map(|g| self.cond(g, false));
        let only_if = n.only_if.as_ref().map(|g| self.cond(g, false));
        let mark = self.regimens_lowered.len();
        let body = self.body(&n.body, &full, dosing);
        let course = course(self.regimens_lowered.split_off(mark));
        let guard = match guard {
            Some(g) => Some(g?),
            None => None,
        };
        let only_if = match only_if {
            Some(g) => Some(g?),
            None => None,
        };
        let node = ir::Node {
            label: full.clone(),
            text: n.text.value.clone(),
            guard,
            only_if,
            body: body?,
            course,
        };
        self.compiled.insert(full, node.clone());
        Some(node)
    }
}

/// Take the dosing criteria out of criteria (`all of` groups from the top, without `when` or `if`):
/// each node whose body states a regimen or phases of a course is checked as dosing, under its own
/// label, so that exceeding it is outside the policy's dosing (referred), not a criterion unmet.
/// A group of dosing criteria only is taken whole. Each goes to `out` with its parent's label.
fn split_dosing(g: &mut Group, parent: &str, out: &mut Vec<(String, ast::Node)>) {
    if g.kind != GroupKind::AllOf {
        return;
    }
    let nodes = std::mem::take(&mut g.nodes);
    // Keep the criteria if every one of them is dosing: criteria state something (a dosing
    // criterion there is then reported where it stands).
    if nodes.iter().all(|n| states_dosing(&n.body)) {
        g.nodes = nodes;
        return;
    }
    for mut n in nodes {
        if !states_dosing(&n.body) {
            g.nodes.push(n);
            continue;
        }
        let full = format!("{parent}.{}", n.label.name);
        let inner = match &mut n.body {
            Body::Group(inner)
                if inner.kind == GroupKind::AllOf && n.guard.is_none() && n.only_if.is_none() =>
            {
                Some(inner)
            }
            _ => None,
        };
        match inner {
            Some(inner) if !inner.nodes.iter().all(|c| states_dosing(&c.body)) => {
                split_dosing(inner, &full, out);
                g.nodes.push(n);
            }
            _ => out.push((parent.to_string(), n)),
        }
    }
}

/// Whether a body states a regimen or the phases of a course (not counting `when` and `if`).
fn states_dosing(b: &Body) -> bool {
    match b {
        Body::Phases(_) => true,
        Body::Referral(_) => false,
        Body::Group(g) => g.nodes.iter().any(|n| states_dosing(&n.body)),
        Body::Expr(e) => {
            let mut todo = vec![e];
            while let Some(e) = todo.pop() {
                match e {
                    Expr::Regimen { .. } => return true,
                    Expr::And(p, _) | Expr::Or(p, _) => todo.extend(p),
                    Expr::Not(i, _) => todo.push(i),
                    _ => {}
                }
            }
            false
        }
    }
}

/// The course a node's own condition states: its regimens, if any.
fn course(regimens: Vec<ir::Regimen>) -> Option<ir::Course> {
    (!regimens.is_empty()).then_some(ir::Course {
        regimens,
        phase: None,
    })
}
