//! AST rewriting for libraries and definitions.
//!
//! - [`item`] / [`expr`] re-point every span of a declaration to one place: declarations imported
//!   from a library are reported at the `import` line (their text is in another file), those a
//!   later version keeps from the version it amends at the `amends` line, and an imported
//!   definition's body at the place it is used.
//! - [`substitute`] puts a definition's arguments in place of its parameters.

use crate::ast::*;
use std::collections::HashMap;

/// Point every span in a top-level item at `sp`.
pub fn item(it: &mut Item, sp: Span) {
    match it {
        Item::Import(s) => s.span = sp,
        Item::Policy(h) => {
            h.id.span = sp;
            h.span = sp;
        }
        Item::Library(l) => {
            l.name.span = sp;
            l.span = sp;
        }
        Item::Define(d) => {
            d.name.span = sp;
            d.params.iter_mut().for_each(|p| p.span = sp);
            expr(&mut d.body, sp);
            d.span = sp;
        }
        Item::Enum(e) => {
            e.name.span = sp;
            e.span = sp;
            for v in &mut e.values {
                v.name.span = sp;
                v.description.span = sp;
                codes(&mut v.codes, sp);
            }
        }
        Item::ExtendEnum(e) => {
            e.name.span = sp;
            e.span = sp;
            for v in &mut e.values {
                v.name.span = sp;
                v.description.span = sp;
                codes(&mut v.codes, sp);
            }
        }
        Item::Fact(f) => {
            f.name.span = sp;
            f.description.span = sp;
            match &mut f.ty {
                TypeRef::Set(i) => i.span = sp,
                TypeRef::Named(u) => u.span = sp,
            }
            if let Some(r) = &mut f.range {
                for b in [&mut r.low, &mut r.high] {
                    match b {
                        RangeBound::Quantity(q) => quantity(q, sp),
                        RangeBound::Date(d) => d.span = sp,
                    }
                }
                r.span = sp;
            }
            if let Some(src) = &mut f.source {
                match &mut src.kind {
                    SourceKind::Observation { loinc, within } => {
                        loinc.span = sp;
                        if let Some(w) = within {
                            w.amount.span = sp;
                            w.unit.span = sp;
                            w.span = sp;
                        }
                    }
                    SourceKind::Questionnaire { link_id } => link_id.span = sp,
                    _ => {}
                }
                src.span = sp;
            }
            if let Some(v) = &mut f.derived {
                value(v, sp);
            }
            f.span = sp;
        }
        Item::Equivalence(e) => {
            quantity(&mut e.left, sp);
            quantity(&mut e.right, sp);
            e.text.span = sp;
            e.span = sp;
        }
        Item::Regimen(r) => {
            r.doses.iter_mut().for_each(|d| d.span = sp);
            r.interval.span = sp;
            if let Some(c) = &mut r.counting {
                c.span = sp;
            }
            r.span = sp;
        }
        // An indication a later version keeps from the version it amends.
        Item::Indication(ind) => indication(ind, sp),
    }
}

/// Point every span of an indication at `sp`.
fn indication(ind: &mut Indication, sp: Span) {
    ind.label.span = sp;
    ind.title.span = sp;
    ind.span = sp;
    indication_items(&mut ind.items, sp);
}

fn indication_items(items: &mut [IndicationItem], sp: Span) {
    for it in items {
        match it {
            IndicationItem::Applies { expr: e, span } => {
                expr(e, sp);
                *span = sp;
            }
            IndicationItem::Duration(d) => {
                d.amount.span = sp;
                d.unit.span = sp;
                d.span = sp;
            }
            IndicationItem::Criteria(s) | IndicationItem::Dosing(s) => section(s, sp),
            IndicationItem::Reauthorization(r) => {
                r.label.span = sp;
                r.title.span = sp;
                r.span = sp;
                indication_items(&mut r.items, sp);
            }
        }
    }
}

fn section(s: &mut Section, sp: Span) {
    if let Some(t) = &mut s.text {
        t.span = sp;
    }
    body(&mut s.body, sp);
    s.span = sp;
}

fn body(b: &mut Body, sp: Span) {
    match b {
        Body::Group(g) => {
            g.span = sp;
            for n in &mut g.nodes {
                n.label.span = sp;
                n.text.span = sp;
                if let Some(g) = &mut n.guard {
                    expr(g, sp);
                }
                if let Some(o) = &mut n.only_if {
                    expr(o, sp);
                }
                body(&mut n.body, sp);
                n.span = sp;
            }
        }
        Body::Expr(e) => expr(e, sp),
        Body::Referral(r) => {
            if let Some(t) = &mut r.redirect {
                t.span = sp;
            }
            r.span = sp;
        }
        Body::Phases(ps) => {
            ps.span = sp;
            for p in &mut ps.phases {
                p.label.span = sp;
                p.text.span = sp;
                if let Some(n) = &mut p.doses {
                    n.span = sp;
                }
                body(&mut p.body, sp);
                p.span = sp;
            }
        }
    }
}

fn codes(lists: &mut [CodeList], sp: Span) {
    for l in lists {
        l.span = sp;
        l.codes.iter_mut().for_each(|c| c.span = sp);
    }
}

fn quantity(q: &mut QuantityLit, sp: Span) {
    q.number.span = sp;
    if let Some(u) = &mut q.unit {
        u.span = sp;
    }
    if let Some((n, u)) = &mut q.alt {
        n.span = sp;
        u.span = sp;
    }
    q.span = sp;
}

/// Point every span in a value at `sp`.
pub(crate) fn value(v: &mut ValueExpr, sp: Span) {
    match v {
        ValueExpr::Fact(i) => i.span = sp,
        ValueExpr::Quantity(q) => quantity(q, sp),
        ValueExpr::Date(d) => d.span = sp,
        ValueExpr::Call { name, args, span } => {
            name.span = sp;
            args.iter_mut().for_each(|a| value(a, sp));
            *span = sp;
        }
        ValueExpr::Binary {
            left, right, span, ..
        } => {
            value(left, sp);
            value(right, sp);
            *span = sp;
        }
    }
}

/// Point every span in a condition at `sp`.
pub fn expr(e: &mut Expr, sp: Span) {
    match e {
        Expr::And(v, s) | Expr::Or(v, s) => {
            v.iter_mut().for_each(|x| expr(x, sp));
            *s = sp;
        }
        Expr::Not(x, s) => {
            expr(x, sp);
            *s = sp;
        }
        Expr::Membership {
            fact, values, span, ..
        }
        | Expr::SetTest {
            fact, values, span, ..
        } => {
            fact.span = sp;
            values.iter_mut().for_each(|v| v.span = sp);
            *span = sp;
        }
        Expr::Compare {
            left, right, span, ..
        } => {
            value(left, sp);
            value(right, sp);
            *span = sp;
        }
        Expr::Known { fact, span, .. } => {
            fact.span = sp;
            *span = sp;
        }
        Expr::FactTest(i) => i.span = sp,
        Expr::Meets { span, .. } => *span = sp,
        Expr::Regimen {
            amount,
            every,
            span,
            ..
        } => {
            quantity(amount, sp);
            quantity(every, sp);
            *span = sp;
        }
        Expr::UseDefine { name, args, span } => {
            name.span = sp;
            for a in args {
                match a {
                    DefineArg::List(l, s) => {
                        l.iter_mut().for_each(|v| v.span = sp);
                        *s = sp;
                    }
                    DefineArg::Value(v) => value(v, sp),
                }
            }
            *span = sp;
        }
    }
}

type Bindings<'a> = HashMap<&'a str, &'a DefineArg>;
/// The parameter that could not be substituted, and why.
type SubstError = (String, String);

/// The names a list position stands for: a list argument, or a single name.
fn as_list(arg: &DefineArg) -> Option<Vec<Ident>> {
    match arg {
        DefineArg::List(l, _) => Some(l.clone()),
        DefineArg::Value(ValueExpr::Fact(i)) => Some(vec![i.clone()]),
        DefineArg::Value(_) => None,
    }
}

fn as_fact(arg: &DefineArg) -> Option<Ident> {
    match arg {
        DefineArg::Value(ValueExpr::Fact(i)) => Some(i.clone()),
        _ => None,
    }
}

fn fact_param(fact: &mut Ident, b: &Bindings) -> Result<(), SubstError> {
    if let Some(arg) = b.get(fact.name.as_str()) {
        *fact = as_fact(arg).ok_or_else(|| {
            (
                fact.name.clone(),
                "a fact's name is expected here".to_string(),
            )
        })?;
    }
    Ok(())
}

fn list_param(values: &mut Vec<Ident>, b: &Bindings) -> Result<(), SubstError> {
    if let [only] = values.as_slice() {
        if let Some(arg) = b.get(only.name.as_str()) {
            *values = as_list(arg).ok_or_else(|| {
                (
                    only.name.clone(),
                    "a list of values `[a, b]` is expected here".to_string(),
                )
            })?;
        }
    }
    Ok(())
}

fn value_param(v: &mut ValueExpr, b: &Bindings) -> Result<(), SubstError> {
    match v {
        ValueExpr::Fact(i) => {
            if let Some(arg) = b.get(i.name.as_str()) {
                *v = match arg {
                    DefineArg::Value(x) => x.clone(),
                    DefineArg::List(..) => {
                        return Err((
                            i.name.clone(),
                            "a single value is expected here, not a list".into(),
                        ))
                    }
                };
            }
        }
        ValueExpr::Call { args, .. } => {
            for a in args {
                value_param(a, b)?;
            }
        }
        ValueExpr::Binary { left, right, .. } => {
            value_param(left, b)?;
            value_param(right, b)?;
        }
        ValueExpr::Quantity(_) | ValueExpr::Date(_) => {}
    }
    Ok(())
}

/// Replace a definition's parameters in `e` by the arguments bound to them.
pub fn substitute(e: &mut Expr, b: &Bindings) -> Result<(), SubstError> {
    match e {
        Expr::And(v, _) | Expr::Or(v, _) => v.iter_mut().try_for_each(|x| substitute(x, b)),
        Expr::Not(x, _) => substitute(x, b),
        Expr::Membership {
            fact,
            values,
            param,
            ..
        }
        | Expr::SetTest {
            fact,
            values,
            param,
            ..
        } => {
            fact_param(fact, b)?;
            list_param(values, b)?;
            *param = false;
            Ok(())
        }
        Expr::Compare { left, right, .. } => {
            value_param(left, b)?;
            value_param(right, b)
        }
        Expr::Known { fact, .. } => fact_param(fact, b),
        Expr::FactTest(i) => fact_param(i, b),
        Expr::Meets { .. } | Expr::Regimen { .. } => Ok(()),
        Expr::UseDefine { args, .. } => {
            for a in args {
                match a {
                    DefineArg::List(l, _) => list_param(l, b)?,
                    DefineArg::Value(v) => value_param(v, b)?,
                }
            }
            Ok(())
        }
    }
}
