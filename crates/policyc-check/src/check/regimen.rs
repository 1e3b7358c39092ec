//! Regimens and the phases of a course: the `regimen` declaration (which facts a regimen limits), a
//! regimen (`240 mg every 2 weeks`) lowered to comparisons of those facts, and the phases of a
//! course (`in phases { ... for 4 doses ... }`) lowered to the branches of a `one of`, each guarded
//! by the count of doses given. The IR keeps the document's words of each ([`ir::Course`]) for
//! explanations; evaluation reads only the comparisons and guards.

use super::literals::lit_text;
use super::{Checker, Ty};
use policyc_ir::ir::{self, Cond, Const, Limit};
use policyc_ir::units::{parse_unit, Dim};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, Diagnostic};
use rust_decimal::Decimal;

/// The facts of the policy's `regimen` declaration, resolved to slots.
#[derive(Clone)]
pub(super) struct RegimenFacts {
    /// The dose facts, each of its own dimension, with their names as declared.
    doses: Vec<(u32, Dim)>,
    /// The interval fact.
    interval: u32,
    /// The count of doses given, if declared.
    counting: Option<u32>,
    /// The declaration.
    span: Span,
}

/// The most doses one phase of a course may last.
const MAX_PHASE_DOSES: u32 = 10_000;

impl Checker<'_> {
    /// The policy's `regimen` declaration (its own or a library's): each fact of the right type,
    /// the dose facts of distinct dimensions, declared once.
    pub(super) fn declare_regimen(&mut self) {
        let file = self.file;
        let time = parse_unit("d").map(|u| u.dim).ok();
        for item in &file.items {
            let Item::Regimen(r) = item else { continue };
            if let Some(first) = self.regimen_declared {
                self.err(
                    Diagnostic::error(
                        codes::BAD_REGIMEN,
                        "the policy declares its regimen facts twice",
                        r.span,
                        "second `regimen` declaration",
                    )
                    .with_label(first, "first one")
                    .with_help("a policy has one `regimen` line naming all its dose facts: `regimen dose or dose_per_kg every dose_interval`"),
                );
                continue;
            }
            self.regimen_declared = Some(r.span);
            let mut ok = true;
            let mut doses: Vec<(u32, Dim)> = Vec::new();
            for d in &r.doses {
                let Some(slot) = self.fact(d) else {
                    ok = false;
                    continue;
                };
                match self.facts[slot as usize].ty {
                    Ty::Quantity(dim) if Some(dim) != time => {
                        if let Some(&(other, _)) = doses.iter().find(|(_, od)| *od == dim) {
                            let other = self.facts[other as usize].name.clone();
                            let t = self.describe_fact_type(slot);
                            self.err(
                                Diagnostic::error(
                                    codes::BAD_REGIMEN,
                                    format!("`{}` and `{other}` are both {t}, so a regimen's amount cannot tell which of them it limits", d.name),
                                    d.span,
                                    "same dimension as another dose fact",
                                )
                                .with_help("name one dose fact of each dimension: a flat dose in mg, a dose per kilogram in mg/kg, a dose per square metre in mg/m2"),
                            );
                            ok = false;
                        } else {
                            doses.push((slot, dim));
                        }
                    }
                    _ => {
                        let t = self.describe_fact_type(slot);
                        self.err(
                            Diagnostic::error(
                                codes::BAD_REGIMEN,
                                format!("`{}` is {t}; a regimen's dose is an amount (in mg, mg/kg, IU, ...)", d.name),
                                d.span,
                                "not an amount",
                            )
                            .with_help(format!("name the fact of each dose's amount (`fact dose: mg \"The amount of each dose\"`), not `{}`", d.name)),
                        );
                        ok = false;
                    }
                }
            }
            let interval = match self.fact(&r.interval) {
                Some(slot) if time.is_some() && self.facts[slot as usize].ty.dim() == time => {
                    Some(slot)
                }
                Some(slot) => {
                    let t = self.describe_fact_type(slot);
                    self.err(
                        Diagnostic::error(
                            codes::BAD_REGIMEN,
                            format!("`{}` is {t}; the interval of a regimen (after `every`) is a time from one dose to the next", r.interval.name),
                            r.interval.span,
                            "not a time",
                        )
                        .with_help("name a fact in weeks or days (`fact dose_interval: weeks \"Time from the previous dose to this one\"`), in the order `regimen <dose facts> every <interval> counting <doses given>`"),
                    );
                    None
                }
                None => None,
            };
            let counting = match &r.counting {
                None => Some(None),
                Some(c) => match self.fact(c) {
                    Some(slot) if self.facts[slot as usize].ty == Ty::Count => Some(Some(slot)),
                    Some(slot) => {
                        let t = self.describe_fact_type(slot);
                        self.err(
                            Diagnostic::error(
                                codes::BAD_REGIMEN,
                                format!("`{}` is {t}; the fact after `counting` is the count of doses given before this one", c.name),
                                c.span,
                                "not a count",
                            )
                            .with_help("name a count (`fact doses_given: count \"How many doses of the course were given before this one\"`), in the order `regimen <dose facts> every <interval> counting <doses given>`"),
                        );
                        None
                    }
                    None => None,
                },
            };
            if let (true, Some(interval), Some(counting)) = (ok, interval, counting) {
                self.regimen = Some(RegimenFacts {
                    doses,
                    interval,
                    counting,
                    span: r.span,
                });
            }
        }
    }

    /// `240 mg every 2 weeks`: the dose fact of the amount's dimension at most the amount, and the
    /// interval fact at least the interval (`, as a condition of approval` when `condition`).
    pub(super) fn regimen_cond(
        &mut self,
        amount: &QuantityLit,
        every: &QuantityLit,
        condition: bool,
        span: Span,
        dosing: bool,
    ) -> Option<Cond> {
        if !dosing {
            self.misplaced(span, "a regimen");
            return None;
        }
        let Some(r) = self.regimen.clone() else {
            if self.regimen_declared.is_none() && !self.regimen_missing_reported {
                self.regimen_missing_reported = true;
                self.err(
                    Diagnostic::error(
                        codes::REGIMEN_UNDECLARED,
                        "a regimen limits the policy's dose and interval facts, but the policy does not say which they are",
                        span,
                        "which facts does this limit?",
                    )
                    .with_help("declare them once, after the facts: `regimen dose or dose_per_kg every dose_interval` (the dose facts, then the time from one dose to the next); this is reported at the first regimen only"),
                );
            }
            return None;
        };
        let (_, unit) = self.quantity_lit(amount)?;
        let (_, every_unit) = self.quantity_lit(every)?;
        let names = |c: &Self| -> String {
            let names: Vec<String> = r
                .doses
                .iter()
                .map(|(s, _)| {
                    let f = &c.facts[*s as usize];
                    let u = f
                        .unit
                        .as_ref()
                        .map(|u| u.written.clone())
                        .unwrap_or_default();
                    format!("`{}` ({u}, {})", f.name, f.ty.dim().unwrap_or(Dim::NONE))
                })
                .collect::<Vec<_>>();
            match names.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => names.join(""),
            }
        };
        let dose = unit
            .as_ref()
            .and_then(|u| r.doses.iter().find(|(_, d)| *d == u.dim))
            .map(|(s, _)| *s);
        let Some(dose) = dose else {
            let what = match &unit {
                Some(u) => format!(
                    "`{}` is in {} ({})",
                    lit_text(&amount.number, amount.unit.as_ref()),
                    u.written,
                    u.dim
                ),
                None => format!("`{}` has no unit", amount.number.text),
            };
            let examples: Vec<String> = r
                .doses
                .iter()
                .filter_map(|(s, _)| self.facts[*s as usize].unit.as_ref())
                .map(|u| format!("`{} {}`", amount.number.text, u.written))
                .collect();
            self.err(
                Diagnostic::error(
                    codes::REGIMEN_UNIT,
                    format!("{what}, but the regimen's dose facts are {}", names(self)),
                    amount.span,
                    "no dose fact of this dimension",
                )
                .with_help(format!(
                    "state the amount in the unit of one of them ({}), as the document does, or add a dose fact of this dimension to the `regimen` line",
                    examples.join(", ")
                )),
            );
            return None;
        };
        let interval_dim = self.facts[r.interval as usize].ty.dim();
        if every_unit.as_ref().map(|u| u.dim) != interval_dim {
            let what = match &every_unit {
                Some(u) if u.written == u.dim.to_string() => format!(
                    "`every {}` is in {}",
                    lit_text(&every.number, every.unit.as_ref()),
                    u.written
                ),
                Some(u) => format!(
                    "`every {}` is in {} ({})",
                    lit_text(&every.number, every.unit.as_ref()),
                    u.written,
                    u.dim
                ),
                None => format!("`every {}` has no unit", every.number.text),
            };
            let name = self.facts[r.interval as usize].name.clone();
            self.err(
                Diagnostic::error(
                    codes::REGIMEN_UNIT,
                    format!("{what}, but how often a dose is given is a time (the regimen's interval fact, `{name}`)"),
                    every.span,
                    "not a time",
                )
                .with_help(format!("state how often in weeks or days, as the document does: `every {} weeks`", every.number.text)),
            );
            return None;
        }
        let dose_id = Ident {
            name: self.facts[dose as usize].name.clone(),
            span: r.span,
        };
        let interval_id = Ident {
            name: self.facts[r.interval as usize].name.clone(),
            span: r.span,
        };
        let dose_limit = self.limit(&dose_id, dose, amount)?;
        let interval_limit = self.limit(&interval_id, r.interval, every)?;
        self.regimens_lowered.push(ir::Regimen {
            amount: dose_limit.text.clone(),
            every: interval_limit.text.clone(),
            dose,
            interval: r.interval,
        });
        Some(Cond::All {
            all: vec![
                Cond::Compare {
                    fact: dose,
                    op: CmpOp::Le,
                    limit: dose_limit,
                    condition: false,
                },
                Cond::Compare {
                    fact: r.interval,
                    op: CmpOp::Ge,
                    limit: interval_limit,
                    condition,
                },
            ],
        })
    }

    /// A regimen or phases where they cannot be checked as dosing.
    pub(super) fn misplaced(&mut self, span: Span, what: &str) {
        self.err(
            Diagnostic::error(
                codes::REGIMEN_PLACE,
                format!("{what} is dosing, which cannot be checked here"),
                span,
                "not a place for dosing",
            )
            .with_help("write it in the indication's `dosing`, or as a criterion of its own among the criteria, inside `all of` groups only (it is then checked as dosing, under its own label); not in `when`, `if` or `applies when`"),
        );
    }

    /// `in phases { ... }`: a `one of` whose branches are the phases, each applying to the doses
    /// its place in the course covers (by the `counting` fact: doses given before this one).
    pub(super) fn phases(
        &mut self,
        ps: &Phases,
        parent: &str,
        dosing: bool,
    ) -> Option<ir::NodeBody> {
        if !dosing {
            self.misplaced(ps.span, "a course in phases");
            return None;
        }
        let counting = match &self.regimen {
            Some(RegimenFacts {
                counting: Some(c), ..
            }) => *c,
            Some(r) => {
                let at = r.span;
                self.err(
                    Diagnostic::error(
                        codes::REGIMEN_UNDECLARED,
                        "the phases of a course follow the count of doses given, but the `regimen` declaration names no fact counting them",
                        ps.span,
                        "phases by which count?",
                    )
                    .with_label(at, "no `counting` here")
                    .with_help("add `counting doses_given` to the `regimen` line, with `fact doses_given: count \"How many doses of the course were given before this one\"`"),
                );
                return None;
            }
            None => {
                if self.regimen_declared.is_none() {
                    self.err(
                        Diagnostic::error(
                            codes::REGIMEN_UNDECLARED,
                            "the phases of a course follow the count of doses given, but the policy declares no `regimen`",
                            ps.span,
                            "phases by which count?",
                        )
                        .with_help("declare the facts once, after the facts: `regimen dose every dose_interval counting doses_given`"),
                    );
                }
                return None;
            }
        };
        if ps.phases.is_empty() {
            self.err(
                Diagnostic::error(
                    codes::EMPTY_GROUP,
                    format!("the phases of {parent} list nothing"),
                    ps.span,
                    "no phases",
                )
                .with_help(
                    "list the phases in order: `i \"...\" for 4 doses: ...` then `ii \"...\": ...`",
                ),
            );
            return None;
        }
        let mut children = Vec::new();
        let mut ok = true;
        // Doses given before the phase starts; `None` after a phase that lasts to the end.
        let mut start: Option<u32> = Some(0);
        let mut open_ended: Option<&Phase> = None;
        for p in &ps.phases {
            let full = format!("{parent}.{}", p.label.name);
            self.label(&full, p.label.span);
            let count = match &p.doses {
                Some(n) => match self.number(n) {
                    Some(v) => {
                        let whole = v.normalize();
                        let n_doses = u32::try_from(whole.mantissa())
                            .ok()
                            .filter(|x| whole.scale() == 0 && *x >= 1 && *x <= MAX_PHASE_DOSES);
                        if n_doses.is_none() {
                            self.err(
                                Diagnostic::error(
                                    codes::BAD_PHASE_COUNT,
                                    format!("a phase lasts a whole number of doses, from 1 to 10,000; `{}` is not one", n.text),
                                    n.span,
                                    "not a number of doses",
                                )
                                .with_help("write how many doses the phase lasts, as the document does: `for 4 doses`"),
                            );
                            ok = false;
                        }
                        n_doses.map(Some)
                    }
                    None => {
                        ok = false;
                        None
                    }
                },
                None => Some(None),
            };
            if let Some(prev) = open_ended {
                self.err(
                    Diagnostic::error(
                        codes::PHASES_OVERLAP,
                        format!("phase {parent}.{} lasts to the end of the course, so phase {full} after it would never apply", prev.label.name),
                        p.label.span,
                        "never reached",
                    )
                    .with_label(prev.label.span, "no `for N doses`: lasts to the end")
                    .with_help(format!("say how many doses phase {} lasts (`for 4 doses`); only the last phase may last to the end of the course", prev.label.name)),
                );
                ok = false;
            }
            let mark = self.regimens_lowered.len();
            let body = self.body(&p.body, &full, dosing);
            let regimens = self.regimens_lowered.split_off(mark);
            let (Some(count), Some(first), Some(body)) = (count, start, body) else {
                ok = false;
                start = None;
                continue;
            };
            let end = count.and_then(|c| first.checked_add(c));
            let bound = |op: CmpOp, n: u32| Cond::Compare {
                fact: counting,
                op,
                limit: Limit {
                    value: Const::Number(Decimal::from(n)),
                    text: n.to_string(),
                    alternates: Vec::new(),
                },
                condition: false,
            };
            let mut guard: Vec<Cond> = Vec::new();
            if first > 0 {
                guard.push(bound(CmpOp::Ge, first));
            }
            if let Some(e) = end {
                guard.push(bound(CmpOp::Lt, e));
            }
            let guard = match guard.len() {
                0 => None,
                1 => guard.pop(),
                _ => Some(Cond::All { all: guard }),
            };
            let node = ir::Node {
                label: full.clone(),
                text: p.text.value.clone(),
                guard,
                only_if: None,
                body,
                course: Some(ir::Course {
                    regimens,
                    phase: Some(ir::Phase {
                        doses_given: counting,
                        first: first + 1,
                        last: end,
                    }),
                }),
            };
            self.compiled.insert(full, node.clone());
            children.push(node);
            if end.is_none() {
                open_ended = Some(p);
            }
            start = end.or(Some(first));
        }
        ok.then_some(ir::NodeBody::Group {
            of: GroupKind::OneOf,
            children,
        })
    }
}
