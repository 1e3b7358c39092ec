//! Conditions: each `Expr` of the criteria typed and lowered to an IR [`Cond`] — fact tests,
//! enumeration and set membership, comparisons, uses of definitions and `meets` references.

use super::{same_type, Checker, Ty, FUNCTIONS};
use policyc_ir::dates::days_since_epoch;
use policyc_ir::ir::{self, Cond, Const, Limit};
use policyc_syntax::ast::*;
use policyc_syntax::diag::{codes, did_you_mean, Diagnostic};
use std::collections::HashMap;

impl Checker<'_> {
    /// A condition typed and lowered; `None` (after reporting) if any part of it is wrong.
    ///
    /// Definitions and `meets` are expanded in place, so the lowered condition can be larger and
    /// deeper than its text: both are bounded ([`ir::MAX_DEPTH`] levels, [`ir::MAX_CONDITIONS`]
    /// condition nodes in the program), and the cost of checking is bounded with them.
    pub(super) fn cond(&mut self, e: &Expr, dosing: bool) -> Option<Cond> {
        if self.expansion_reported {
            return None;
        }
        if self.cond_depth >= ir::MAX_DEPTH {
            self.expansion_limit(
                e.span(),
                format!(
                    "with its definitions and `meets` expanded, this condition nests more than {} levels deep",
                    ir::MAX_DEPTH
                ),
            );
            return None;
        }
        self.cond_depth += 1;
        let c = self.cond_inner(e, dosing);
        self.cond_depth -= 1;
        if let Some(c) = &c {
            // As many as the IR holds: a test may lower to two (`is not`: `not` of a test).
            let n = match e {
                Expr::And(..) | Expr::Or(..) | Expr::Not(..) => 1,
                Expr::Meets { .. } | Expr::UseDefine { .. } => 1,
                _ => ir::cond_size(c),
            };
            self.count_conditions(n, e.span())?;
        }
        c
    }

    /// Count condition nodes against the program's limit; `None` (after reporting) past it.
    fn count_conditions(&mut self, n: usize, span: Span) -> Option<()> {
        self.expanded = self.expanded.saturating_add(n);
        if self.expanded > ir::MAX_CONDITIONS {
            self.expansion_limit(
                span,
                format!(
                    "with definitions and `meets` expanded, the criteria hold more than {} conditions",
                    ir::MAX_CONDITIONS
                ),
            );
            return None;
        }
        Some(())
    }

    fn expansion_limit(&mut self, span: Span, message: String) {
        if self.expansion_reported {
            return;
        }
        self.expansion_reported = true;
        let mut d = Diagnostic::error(codes::EXPANSION_LIMIT, message, span, "expanded here");
        if let Some(root) = self.expansion_root.filter(|r| *r != span) {
            d = d.with_label(root, "in the expansion of this use");
        }
        self.err(
            d
                .with_help(format!(
                    "each use of a definition or `meets` copies its condition: a definition that uses another \
                     twice doubles at each level. Write the shared condition once (as a criterion) and refer to it, \
                     or simplify the definitions (limits: {} levels, {} conditions)",
                    ir::MAX_DEPTH,
                    ir::MAX_CONDITIONS
                )),
        );
    }

    /// Report definitions that use themselves, directly or through others, with the circle's path
    /// (`d → d`, `a → b → a`), once each, at the use that closes the circle.
    pub(super) fn define_cycles(&mut self) {
        let mut names: Vec<&str> = self.defines.keys().map(|s| s.as_str()).collect();
        names.sort_unstable_by_key(|n| self.defines[*n].0.span.start);
        // The definitions each one uses, with the span of the use.
        let uses = |d: &DefineDecl| -> Vec<Use> {
            let mut out = Vec::new();
            let mut todo = vec![&d.body];
            while let Some(e) = todo.pop() {
                match e {
                    Expr::And(p, _) | Expr::Or(p, _) => todo.extend(p.iter().rev()),
                    Expr::Not(i, _) => todo.push(i),
                    Expr::UseDefine { name, .. } => out.push((name.name.clone(), name.span)),
                    _ => {}
                }
            }
            out
        };
        let mut state: HashMap<String, u8> = HashMap::new();
        let mut found: Vec<(Vec<String>, Span, Span)> = Vec::new();
        for start in names {
            if state.contains_key(start) {
                continue;
            }
            // Depth first, with an explicit stack: (definition, its uses, next use).
            let mut stack: Vec<(String, Vec<Use>, usize)> = Vec::new();
            state.insert(start.to_string(), 1);
            stack.push((start.to_string(), uses(self.defines[start].0), 0));
            while let Some((_, us, next)) = stack.last_mut() {
                let Some((u, at)) = us.get(*next).cloned() else {
                    if let Some((d, _, _)) = stack.pop() {
                        state.insert(d, 2);
                    }
                    continue;
                };
                *next += 1;
                let Some((def, _)) = self.defines.get(&u).copied() else {
                    continue;
                };
                match state.get(&u) {
                    Some(1) => {
                        let from = stack.iter().position(|(d, _, _)| *d == u).unwrap_or(0);
                        let mut path: Vec<String> =
                            stack[from..].iter().map(|(d, _, _)| d.clone()).collect();
                        path.push(u.clone());
                        found.push((path, at, def.name.span));
                    }
                    Some(_) => {}
                    None => {
                        state.insert(u.clone(), 1);
                        stack.push((u, uses(def), 0));
                    }
                }
            }
        }
        for (path, at, defined) in found {
            let first = path[0].clone();
            for d in &path {
                self.cyclic.insert(d.clone());
            }
            let path = path.join(" → ");
            self.err(
                Diagnostic::error(
                    codes::DEFINE_CYCLE,
                    format!("definition `{first}` uses itself: {path}"),
                    at,
                    "closes the circle",
                )
                .with_label(defined, "defined here")
                .with_help("a definition is expanded where it is used, so it cannot use itself, directly or through other definitions: write the condition out in full"),
            );
        }
    }

    fn cond_inner(&mut self, e: &Expr, dosing: bool) -> Option<Cond> {
        match e {
            Expr::Meets { label, span } => {
                let Some(n) = self.compiled.get(label).cloned() else {
                    let known: Vec<String> = self.compiled.keys().cloned().collect();
                    let help = match did_you_mean(label, known.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `meets {s}`? A criterion can refer only to criteria written above it"),
                        None => "`meets` names the full label of criteria written above it in this policy, e.g. `meets 1.A`".into(),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNKNOWN_LABEL,
                            format!("there are no criteria labelled {label} above this line"),
                            *span,
                            "unknown label",
                        )
                        .with_help(help),
                    );
                    return None;
                };
                match node_cond(&n) {
                    Some(c) => {
                        if self.cond_depth + ir::cond_depth(&c) > ir::MAX_DEPTH {
                            self.expansion_limit(
                                *span,
                                format!(
                                    "with criteria {label} copied here, this condition nests more than {} levels deep",
                                    ir::MAX_DEPTH
                                ),
                            );
                            return None;
                        }
                        // One node is counted by the caller.
                        self.count_conditions(ir::cond_size(&c).saturating_sub(1), *span)?;
                        Some(c)
                    }
                    None => {
                        self.err(
                            Diagnostic::error(codes::UNKNOWN_LABEL, format!("criteria {label} leave the decision to people (`refer` or `redirect`), so they cannot be met by reference"), *span, "refers to a referral")
                                .with_help("refer to the criteria inside it that decide automatically"),
                        );
                        None
                    }
                }
            }
            Expr::UseDefine { name, args, span } => {
                let Some((def, imported)) = self.defines.get(&name.name).copied() else {
                    let known: Vec<String> = self
                        .defines
                        .keys()
                        .cloned()
                        .chain(FUNCTIONS.iter().map(|s| s.to_string()))
                        .collect();
                    let help = match did_you_mean(&name.name, known.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("define it: `define {}(...) \"what it means\" = condition`, or import the library that defines it", name.name),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNKNOWN_DEFINE,
                            format!("`{}` is not defined", name.name),
                            name.span,
                            "not defined",
                        )
                        .with_help(help),
                    );
                    return None;
                };
                if def.params.len() != args.len() {
                    let params: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
                    self.err(
                        Diagnostic::error(
                            codes::BAD_ARGUMENTS,
                            format!(
                                "`{}` takes {} argument{}, but is given {}",
                                name.name,
                                params.len(),
                                if params.len() == 1 { "" } else { "s" },
                                args.len()
                            ),
                            *span,
                            "wrong number of arguments",
                        )
                        .with_help(format!(
                            "write `{}({})`",
                            name.name,
                            params.join(", ")
                        )),
                    );
                    return None;
                }
                let mut body = def.body.clone();
                let bindings: HashMap<&str, &DefineArg> = def
                    .params
                    .iter()
                    .map(|p| p.name.as_str())
                    .zip(args.iter())
                    .collect();
                if let Err((bad, why)) = policyc_syntax::respan::substitute(&mut body, &bindings) {
                    self.err(Diagnostic::error(codes::BAD_ARGUMENTS, format!("argument `{bad}` of `{}`: {why}", name.name), *span, "this use").with_help("pass a list `[a, b]` where the definition tests membership, and a value where it compares"));
                    return None;
                }
                if imported {
                    // The definition's text is in another file: point at this use.
                    policyc_syntax::respan::expr(&mut body, *span);
                }
                if self.cyclic.contains(&name.name) {
                    // Reported once, at the definition, by `define_cycles`.
                    return None;
                }
                if let Some(first) = self.expanding.iter().position(|d| *d == name.name) {
                    let path: Vec<&str> = self.expanding[first..]
                        .iter()
                        .map(|s| s.as_str())
                        .chain(std::iter::once(name.name.as_str()))
                        .collect();
                    let path = path.join(" → ");
                    self.err(
                        Diagnostic::error(
                            codes::DEFINE_CYCLE,
                            format!("definition `{}` uses itself: {path}", name.name),
                            name.span,
                            "uses itself",
                        )
                        .with_label(def.name.span, "defined here")
                        .with_help("a definition is expanded where it is used, so it cannot use itself, directly or through other definitions: write the condition out"),
                    );
                    return None;
                }
                if self.expanding.is_empty() {
                    self.expansion_root = Some(name.span);
                }
                self.expanding.push(name.name.clone());
                // The expansion is one level: the definition's body takes this use's place.
                self.cond_depth -= 1;
                let c = self.cond(&body, dosing);
                self.cond_depth += 1;
                self.expanding.pop();
                if self.expanding.is_empty() {
                    self.expansion_root = None;
                }
                // The body's nodes are counted by the inner call; this use adds none.
                if c.is_some() {
                    self.expanded -= 1;
                }
                c
            }
            Expr::And(parts, _) | Expr::Or(parts, _) => {
                let cs: Vec<Option<Cond>> = parts.iter().map(|p| self.cond(p, dosing)).collect();
                let cs: Vec<Cond> = cs.into_iter().collect::<Option<_>>()?;
                Some(if matches!(e, Expr::And(..)) {
                    Cond::All { all: cs }
                } else {
                    Cond::Any { any: cs }
                })
            }
            Expr::Not(inner, _) => Some(Cond::Not {
                not: Box::new(self.cond(inner, dosing)?),
            }),
            Expr::FactTest(id) => {
                let slot = self.fact(id)?;
                if self.facts[slot as usize].ty != Ty::Bool {
                    let t = self.describe_fact_type(slot);
                    self.err(
                        Diagnostic::error(codes::NOT_BOOLEAN, format!("`{}` is {t}, not a yes/no fact, so it cannot stand alone as a condition", id.name), id.span, "not yes/no")
                            .with_help(format!("compare it with something, e.g. `{} at least ...` or `{} is ...`", id.name, id.name)),
                    );
                    return None;
                }
                Some(Cond::IsTrue { fact: slot })
            }
            Expr::Known { fact, negated, .. } => {
                let slot = self.fact(fact)?;
                let c = Cond::Known { fact: slot };
                Some(if *negated {
                    Cond::Not { not: Box::new(c) }
                } else {
                    c
                })
            }
            Expr::Membership {
                fact,
                negated,
                values,
                span,
                ..
            } => {
                let slot = self.fact(fact)?;
                let c = match self.facts[slot as usize].ty {
                    Ty::Enum(en) => {
                        let mask = self.enum_mask(en, values)?;
                        Cond::EnumIn {
                            fact: slot,
                            mask,
                            values: values.iter().map(|v| v.name.clone()).collect(),
                        }
                    }
                    Ty::Bool if values.len() == 1 => match values[0].name.as_str() {
                        "yes" | "true" => Cond::IsTrue { fact: slot },
                        "no" | "false" => Cond::Not {
                            not: Box::new(Cond::IsTrue { fact: slot }),
                        },
                        other => {
                            self.err(
                                Diagnostic::error(
                                    codes::TYPE_MISMATCH,
                                    format!(
                                        "`{}` is a yes/no fact; `{other}` is not yes or no",
                                        fact.name
                                    ),
                                    values[0].span,
                                    "not yes or no",
                                )
                                .with_help(format!(
                                    "write `{} is yes`, `{} is no`, or just `{}`",
                                    fact.name, fact.name, fact.name
                                )),
                            );
                            return None;
                        }
                    },
                    Ty::Set(_) => {
                        self.err(
                            Diagnostic::error(
                                codes::NOT_ENUM,
                                format!(
                                    "`{}` is a set of values, so `is` does not apply",
                                    fact.name
                                ),
                                *span,
                                "a set",
                            )
                            .with_help(format!(
                                "test its members with `{} has {}` or `{} has any of [...]`",
                                fact.name,
                                values.first().map(|v| v.name.as_str()).unwrap_or("value"),
                                fact.name
                            )),
                        );
                        return None;
                    }
                    _ => {
                        // `age is 18 years` and the like parse as a value; `age is adult` does not.
                        let t = self.describe_fact_type(slot);
                        let v = values.first().map(|v| v.name.clone()).unwrap_or_default();
                        self.err(
                            Diagnostic::error(codes::NOT_ENUM, format!("`{}` is {t}; `{v}` is not a value it can take", fact.name), *span, "not an enumeration")
                                .with_help("`is` with a name tests an enumeration fact; compare numbers and quantities with `at least`, `at most`, `=`"),
                        );
                        return None;
                    }
                };
                Some(if *negated {
                    Cond::Not { not: Box::new(c) }
                } else {
                    c
                })
            }
            Expr::SetTest {
                fact,
                quant,
                values,
                span,
                ..
            } => {
                let slot = self.fact(fact)?;
                let Ty::Set(en) = self.facts[slot as usize].ty else {
                    let t = self.describe_fact_type(slot);
                    let help = if matches!(self.facts[slot as usize].ty, Ty::Enum(_)) {
                        format!("`{}` holds one value: test it with `{} is ...` or `{} is one of [...]`", fact.name, fact.name, fact.name)
                    } else {
                        "`has` tests a fact declared as `set of` an enumeration".to_string()
                    };
                    self.err(
                        Diagnostic::error(
                            codes::NOT_SET,
                            format!("`{}` is {t}, not a set of values", fact.name),
                            *span,
                            "not a set",
                        )
                        .with_help(help),
                    );
                    return None;
                };
                let mask = self.enum_mask(en, values)?;
                Some(Cond::SetHas {
                    fact: slot,
                    quant: *quant,
                    mask,
                    values: values.iter().map(|v| v.name.clone()).collect(),
                })
            }
            Expr::Compare {
                left,
                op,
                right,
                condition,
                span,
            } => self.compare(left, *op, right, *condition, *span, dosing),
            Expr::Regimen {
                amount,
                every,
                condition,
                span,
            } => self.regimen_cond(amount, every, *condition, *span, dosing),
        }
    }

    fn enum_mask(&mut self, en: u32, values: &[Ident]) -> Option<u128> {
        let mut mask = 0u128;
        let mut ok = true;
        for v in values {
            let def = &self.enums[en as usize];
            match def.values.iter().position(|x| x.name == v.name) {
                Some(i) => mask |= 1u128 << i,
                None => {
                    let name = def.name.clone();
                    let listed: Vec<String> = def.values.iter().map(|x| x.name.clone()).collect();
                    let help = match did_you_mean(&v.name, listed.iter().map(|s| s.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "`{name}` lists: {}; add `{}` to it if the policy names it",
                            listed.join(", "),
                            v.name
                        ),
                    };
                    self.err(
                        Diagnostic::error(
                            codes::UNKNOWN_ENUM_VALUE,
                            format!("`{}` is not a value of `{name}`", v.name),
                            v.span,
                            format!("not in `{name}`"),
                        )
                        .with_help(help),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(mask)
    }

    fn compare(
        &mut self,
        left: &ValueExpr,
        op: CmpOp,
        right: &ValueExpr,
        condition: bool,
        span: Span,
        dosing: bool,
    ) -> Option<Cond> {
        if condition && !dosing {
            self.err(
                Diagnostic::error(codes::BAD_CONDITION, "only a dosing limit can be carried as a condition of approval", span, "in the criteria")
                    .with_help("remove `, as a condition of approval`, or move this limit into the indication's `dosing`"),
            );
            return None;
        }
        // `route = intravenous`: an enumeration value on the right.
        if let (ValueExpr::Fact(f), ValueExpr::Fact(v)) = (left, right) {
            if let (Some(&slot), None) =
                (self.fact_index.get(&f.name), self.fact_index.get(&v.name))
            {
                if let Ty::Enum(en) = self.facts[slot as usize].ty {
                    if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                        let mask = self.enum_mask(en, std::slice::from_ref(v))?;
                        let c = Cond::EnumIn {
                            fact: slot,
                            mask,
                            values: vec![v.name.clone()],
                        };
                        return Some(if op == CmpOp::Ne {
                            Cond::Not { not: Box::new(c) }
                        } else {
                            c
                        });
                    }
                }
            }
        }
        let (fact_side, other, op) = match (left, right) {
            (ValueExpr::Fact(_), _) => (left, right, op),
            (_, ValueExpr::Fact(_)) => (right, left, flip(op)),
            _ => {
                self.err(
                    Diagnostic::error(codes::NOT_A_LIMIT, "a comparison needs a fact on one side", span, "no fact here")
                        .with_help("compare a fact with a value (`age at least 18 years`); compute anything else as a derived fact: `fact dose_per_kg: [IU]/kg \"...\" = dose / body_weight`"),
                );
                return None;
            }
        };
        let ValueExpr::Fact(fid) = fact_side else {
            return None;
        };
        let slot = self.fact(fid)?;
        let fty = self.facts[slot as usize].ty;
        if let ValueExpr::Fact(oid) = other {
            // `single_agent = true`: a yes/no fact is tested on its own, not compared.
            if fty == Ty::Bool
                && !self.fact_index.contains_key(&oid.name)
                && matches!(oid.name.as_str(), "true" | "false" | "yes" | "no")
            {
                let negated = matches!(oid.name.as_str(), "false" | "no") != (op == CmpOp::Ne);
                let write = if negated {
                    format!("not {}", fid.name)
                } else {
                    fid.name.clone()
                };
                self.err(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`{}` is a yes/no fact, which is tested on its own, not compared with `{}`",
                            fid.name, oid.name
                        ),
                        span,
                        "a comparison of a yes/no fact",
                    )
                    .with_help(format!(
                        "write `{write}` (or `{} is {}`)",
                        fid.name,
                        if negated { "no" } else { "yes" }
                    )),
                );
                return None;
            }
            let oslot = self.fact(oid)?;
            let oty = self.facts[oslot as usize].ty;
            if !same_type(fty, oty) {
                self.mismatch(fid, slot, other.span(), &self.describe_fact_type(oslot));
                return None;
            }
            // Only numbers, quantities and dates are ordered: two yes/no facts, two values of an
            // enumeration or two sets are not compared (the evaluator would leave the comparison
            // unknown whatever the request states).
            if !matches!(fty, Ty::Count | Ty::Number | Ty::Quantity(_) | Ty::Date) {
                let t = self.describe_fact_type(slot);
                let help = match fty {
                    Ty::Bool => format!(
                        "test each yes/no fact on its own: `{a} and {b}`, or `{a} and {b} or not {a} and not {b}` for \"both or neither\"",
                        a = fid.name,
                        b = oid.name
                    ),
                    Ty::Enum(_) => format!(
                        "test each against the values it may have: `{} is one of [...] and {} is one of [...]`",
                        fid.name, oid.name
                    ),
                    _ => format!(
                        "test each set against the values it may hold: `{} has any of [...]`",
                        fid.name
                    ),
                };
                self.err(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`{}` and `{}` are each {t}, which cannot be compared with each other; only numbers, quantities and dates can",
                            fid.name, oid.name
                        ),
                        span,
                        "two facts that are not numbers, quantities or dates",
                    )
                    .with_help(help),
                );
                return None;
            }
            if condition {
                self.err(
                    Diagnostic::error(
                        codes::BAD_CONDITION,
                        "a condition of approval compares a fact with a stated limit",
                        span,
                        "two facts",
                    )
                    .with_help("compare the fact with a value, e.g. `rest_days at least 9 days`"),
                );
                return None;
            }
            return Some(Cond::CompareFacts {
                left: slot,
                op,
                right: oslot,
            });
        }
        let limit = match other {
            ValueExpr::Quantity(_) if fty == Ty::Date => {
                self.err(
                    Diagnostic::error(codes::TYPE_MISMATCH, format!("`{}` is a date, but is compared with a quantity", fid.name), other.span(), "a quantity, not a date")
                        .with_label(fid.span, "a date")
                        .with_help(format!("compare a date with a date (`{} at least 2020-01-01`); for an age, compare `age` (computed from the date of birth) with years", fid.name)),
                );
                return None;
            }
            ValueExpr::Quantity(q) => self.limit(fid, slot, q)?,
            ValueExpr::Date(d) => {
                let date = self.date(d)?;
                if fty != Ty::Date {
                    self.mismatch(fid, slot, d.span, "a date");
                    return None;
                }
                Limit {
                    value: Const::Date(days_since_epoch(date)),
                    text: d.text.clone(),
                    alternates: Vec::new(),
                }
            }
            _ => {
                self.err(
                    Diagnostic::error(codes::NOT_A_LIMIT, "a fact can be compared with a stated value or another fact, not a formula", other.span(), "a formula")
                        .with_help("declare a derived fact for the formula (`fact x: ... = ...`) and compare that"),
                );
                return None;
            }
        };
        if matches!(fty, Ty::Bool | Ty::Enum(_) | Ty::Set(_)) {
            self.mismatch(fid, slot, other.span(), "a number");
            return None;
        }
        Some(Cond::Compare {
            fact: slot,
            op,
            limit,
            condition,
        })
    }

    fn mismatch(&mut self, fid: &Ident, slot: u32, other: Span, other_desc: &str) {
        let t = self.describe_fact_type(slot);
        self.err(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!("`{}` is {t}, but is compared with {other_desc}", fid.name),
                other,
                format!("this is {other_desc}"),
            )
            .with_label(fid.span, format!("this is {t}"))
            .with_help("compare facts only with values of their own type"),
        );
    }
}

/// A use of a definition in another's body: its name, and where it is written.
type Use = (String, Span);

/// A node as a plain condition (for `meets`); `None` if it contains a referral.
fn node_cond(n: &ir::Node) -> Option<Cond> {
    let body = match &n.body {
        ir::NodeBody::Condition { condition } => condition.clone(),
        ir::NodeBody::Referral { .. } => return None,
        ir::NodeBody::Group { of, children } => {
            let cs: Vec<Cond> = children.iter().map(node_cond).collect::<Option<_>>()?;
            match of {
                GroupKind::AllOf => Cond::All { all: cs },
                GroupKind::OneOf => Cond::Any { any: cs },
                GroupKind::NoneOf => Cond::Not {
                    not: Box::new(Cond::Any { any: cs }),
                },
            }
        }
    };
    let body = match &n.only_if {
        Some(p) => Cond::Any {
            any: vec![
                Cond::Not {
                    not: Box::new(p.clone()),
                },
                body,
            ],
        },
        None => body,
    };
    Some(match &n.guard {
        Some(g) => Cond::All {
            all: vec![g.clone(), body],
        },
        None => body,
    })
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Lt => CmpOp::Gt,
        o => o,
    }
}
