//! The parser: pest grammar (`grammar/policy.pest`) to the spanned AST of [`crate::ast`].
//!
//! A syntax error stops the parse of that file (the grammar cannot resynchronise reliably), and is
//! reported with the location and, in analyst's words, what was expected there.

use crate::ast::*;
use crate::diag::{codes, Diagnostic};
use pest::iterators::Pair;
use pest::Parser as _;

mod grammar {
    //! The parser pest derives from the grammar; its `Rule` enum stays inside this crate.
    #[derive(pest_derive::Parser)]
    #[grammar = "../../../grammar/policy.pest"]
    pub(super) struct PolicyParser;
}
use grammar::{PolicyParser, Rule};

mod errors;
use errors::syntax_error;

type P<'a> = Pair<'a, Rule>;

/// Parse a policy file into its AST.
pub fn parse(text: &str) -> Result<File, Box<Diagnostic>> {
    let mut pairs =
        PolicyParser::parse(Rule::file, text).map_err(|e| Box::new(syntax_error(text, e)))?;
    let file = pairs
        .next()
        .ok_or_else(|| Diagnostic::error(codes::SYNTAX, "empty parse", Span::default(), "here"))?;
    let mut items = Vec::new();
    for p in file.into_inner() {
        match p.as_rule() {
            Rule::import => items.push(Item::Import(string(first(p)))),
            Rule::policy_header => items.push(Item::Policy(policy_header(p))),
            Rule::library_header => {
                let sp = span(&p);
                let mut i = p.into_inner();
                let name = ident(i.next().expect("library name"));
                let description = i.next().map(string);
                items.push(Item::Library(LibraryHeader {
                    name,
                    description,
                    span: sp,
                }));
            }
            Rule::define_decl => items.push(Item::Define(define_decl(p))),
            Rule::enum_decl => items.push(Item::Enum(enum_decl(p))),
            Rule::fact_decl => items.push(Item::Fact(fact_decl(p))),
            Rule::equivalence => items.push(Item::Equivalence(equivalence(p))),
            Rule::indication => items.push(Item::Indication(indication(p))),
            _ => {}
        }
    }
    Ok(File { items })
}

fn first(p: P) -> P {
    // Every caller passes a rule whose grammar guarantees at least one inner pair.
    p.into_inner()
        .next()
        .expect("grammar guarantees an inner pair")
}

fn span(p: &P) -> Span {
    p.as_span().into()
}

fn ident(p: P) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: span(&p),
    }
}

fn string(p: P) -> Str {
    let sp = span(&p);
    let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => value.push('\n'),
                Some(other) => value.push(other),
                None => {}
            }
        } else {
            value.push(c);
        }
    }
    Str { value, span: sp }
}

fn date(p: P) -> DateLit {
    DateLit {
        text: p.as_str().to_string(),
        span: span(&p),
    }
}

fn policy_header(p: P) -> PolicyHeader {
    let sp = span(&p);
    let mut inner = p.into_inner();
    let id = ident(inner.next().expect("policy id"));
    let mut entries = Vec::new();
    for e in inner {
        let esp = span(&e);
        let e = first(e);
        match e.as_rule() {
            Rule::meta_revision => {
                let mut i = e.into_inner();
                let d = date(i.next().expect("date"));
                let t = string(i.next().expect("text"));
                entries.push(MetaEntry::Revision {
                    date: d,
                    text: t,
                    span: esp,
                });
            }
            Rule::meta_date => {
                let mut i = e.into_inner();
                let key = match first(i.next().expect("key")).as_rule() {
                    Rule::key_effective => MetaKey::Effective,
                    _ => MetaKey::Review,
                };
                entries.push(MetaEntry::Date {
                    key,
                    date: date(i.next().expect("date")),
                    span: esp,
                });
            }
            _ => {
                let mut i = e.into_inner();
                let key = match first(i.next().expect("key")).as_rule() {
                    Rule::key_title => MetaKey::Title,
                    Rule::key_drug => MetaKey::Drug,
                    Rule::key_plan => MetaKey::Plan,
                    Rule::key_not_covered => MetaKey::NotCovered,
                    _ => MetaKey::OutsideDosing,
                };
                entries.push(MetaEntry::Text {
                    key,
                    value: string(i.next().expect("text")),
                    span: esp,
                });
            }
        }
    }
    PolicyHeader {
        id,
        entries,
        span: sp,
    }
}

fn enum_decl(p: P) -> EnumDecl {
    let sp = span(&p);
    let mut name = None;
    let mut open = false;
    let mut description = None;
    let mut values = Vec::new();
    for i in p.into_inner() {
        match i.as_rule() {
            Rule::ident => name = Some(ident(i)),
            Rule::open_kw => open = true,
            Rule::string => description = Some(string(i)),
            Rule::enum_value => {
                let mut v = i.into_inner();
                let n = ident(v.next().expect("value name"));
                let d = string(v.next().expect("value text"));
                values.push(EnumValue {
                    name: n,
                    description: d,
                });
            }
            _ => {}
        }
    }
    EnumDecl {
        name: name.expect("enum name"),
        open,
        description,
        values,
        span: sp,
    }
}

fn unit_expr(p: P) -> UnitExpr {
    UnitExpr {
        text: p.as_str().to_string(),
        span: span(&p),
    }
}

fn fact_decl(p: P) -> FactDecl {
    let sp = span(&p);
    let mut inner = p.into_inner();
    let name = ident(inner.next().expect("fact name"));
    let ty_pair = first(inner.next().expect("type"));
    let ty = match ty_pair.as_rule() {
        Rule::set_type => TypeRef::Set(ident(first(ty_pair))),
        _ => TypeRef::Named(unit_expr(ty_pair)),
    };
    let description = string(inner.next().expect("description"));
    let derived = inner.next().map(value_expr);
    FactDecl {
        name,
        ty,
        description,
        derived,
        span: sp,
    }
}

fn equivalence(p: P) -> Equivalence {
    let sp = span(&p);
    let mut i = p.into_inner();
    let left = quantity(i.next().expect("left"));
    let right = quantity(i.next().expect("right"));
    let text = string(i.next().expect("text"));
    Equivalence {
        left,
        right,
        text,
        span: sp,
    }
}

fn define_decl(p: P) -> DefineDecl {
    let sp = span(&p);
    let mut name = None;
    let mut params = Vec::new();
    let mut description = None;
    let mut body = None;
    for i in p.into_inner() {
        match i.as_rule() {
            Rule::ident if name.is_none() => name = Some(ident(i)),
            Rule::ident => params.push(ident(i)),
            Rule::string => description = Some(string(i)),
            Rule::expr => body = Some(expr(i)),
            _ => {}
        }
    }
    DefineDecl {
        name: name.expect("define name"),
        params,
        description,
        body: body.expect("define body"),
        span: sp,
    }
}

fn indication(p: P) -> Indication {
    let sp = span(&p);
    let mut inner = p.into_inner();
    let label = ident(inner.next().expect("label"));
    let title = string(inner.next().expect("title"));
    let items = indication_items(inner);
    Indication {
        label,
        title,
        items,
        span: sp,
    }
}

fn indication_items(inner: pest::iterators::Pairs<Rule>) -> Vec<IndicationItem> {
    let mut items = Vec::new();
    for i in inner {
        let isp = span(&i);
        match i.as_rule() {
            Rule::applies => items.push(IndicationItem::Applies {
                expr: expr(first(i)),
                span: isp,
            }),
            Rule::duration => {
                let mut d = i.into_inner();
                let amount = number(d.next().expect("amount"), None);
                let unit = ident(d.next().expect("unit"));
                items.push(IndicationItem::Duration(DurationLit {
                    amount,
                    unit,
                    span: isp,
                }));
            }
            Rule::criteria => items.push(IndicationItem::Criteria(section(i))),
            Rule::dosing => items.push(IndicationItem::Dosing(section(i))),
            Rule::reauthorization => {
                let mut r = i.into_inner();
                let label = ident(r.next().expect("label"));
                let title = string(r.next().expect("title"));
                let sub = indication_items(r);
                items.push(IndicationItem::Reauthorization(Reauthorization {
                    label,
                    title,
                    items: sub,
                    span: isp,
                }));
            }
            _ => {}
        }
    }
    items
}

fn section(p: P) -> Section {
    let sp = span(&p);
    let mut text = None;
    let mut body_ = None;
    for i in p.into_inner() {
        match i.as_rule() {
            Rule::string => text = Some(string(i)),
            Rule::body => body_ = Some(body(i)),
            _ => {}
        }
    }
    Section {
        text,
        body: body_.expect("section body"),
        span: sp,
    }
}

fn body(p: P) -> Body {
    let i = first(p);
    match i.as_rule() {
        Rule::group => Body::Group(group(i)),
        Rule::referral => {
            let sp = span(&i);
            let k = first(i);
            let redirect = match k.as_rule() {
                Rule::redirect => Some(string(first(k))),
                _ => None,
            };
            Body::Referral(Referral { redirect, span: sp })
        }
        _ => Body::Expr(expr(i)),
    }
}

fn group(p: P) -> Group {
    let sp = span(&p);
    let mut inner = p.into_inner();
    let kind = match first(inner.next().expect("kind")).as_rule() {
        Rule::all_of => GroupKind::AllOf,
        Rule::one_of => GroupKind::OneOf,
        _ => GroupKind::NoneOf,
    };
    let nodes = inner.map(node).collect();
    Group {
        kind,
        nodes,
        span: sp,
    }
}

fn node(p: P) -> Node {
    let sp = span(&p);
    let mut label = None;
    let mut text = None;
    let mut guard = None;
    let mut only_if = None;
    let mut body_ = None;
    for i in p.into_inner() {
        match i.as_rule() {
            Rule::label => label = Some(ident(i)),
            Rule::string => text = Some(string(i)),
            Rule::guard => guard = Some(expr(first(i))),
            Rule::only_if => only_if = Some(expr(first(i))),
            Rule::body => body_ = Some(body(i)),
            _ => {}
        }
    }
    Node {
        label: label.expect("label"),
        text: text.expect("text"),
        guard,
        only_if,
        body: body_.expect("body"),
        span: sp,
    }
}

fn expr(p: P) -> Expr {
    let sp = span(&p);
    let parts: Vec<Expr> = p
        .into_inner()
        .filter(|i| i.as_rule() == Rule::and_expr)
        .map(and_expr)
        .collect();
    collapse(parts, sp, Expr::Or)
}

fn and_expr(p: P) -> Expr {
    let sp = span(&p);
    let parts: Vec<Expr> = p
        .into_inner()
        .filter(|i| i.as_rule() == Rule::not_expr)
        .map(not_expr)
        .collect();
    collapse(parts, sp, Expr::And)
}

fn collapse(mut parts: Vec<Expr>, sp: Span, f: fn(Vec<Expr>, Span) -> Expr) -> Expr {
    if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        f(parts, sp)
    }
}

fn not_expr(p: P) -> Expr {
    let sp = span(&p);
    let mut nots = 0;
    let mut inner = None;
    for i in p.into_inner() {
        match i.as_rule() {
            Rule::not_op => nots += 1,
            _ => inner = Some(primary(i)),
        }
    }
    let mut e = inner.expect("primary");
    for _ in 0..nots {
        e = Expr::Not(Box::new(e), sp);
    }
    e
}

fn list(p: P) -> Vec<Ident> {
    p.into_inner().map(ident).collect()
}

fn primary(p: P) -> Expr {
    let sp = span(&p);
    match p.as_rule() {
        Rule::expr => expr(p),
        Rule::membership => {
            let mut fact = None;
            let mut negated = false;
            let mut values = Vec::new();
            let mut param = false;
            for i in p.into_inner() {
                match i.as_rule() {
                    Rule::fact_ref => fact = Some(ident(first(i))),
                    Rule::not_kw => negated = true,
                    Rule::one_of_list => {
                        let l = first(i);
                        if l.as_rule() == Rule::list_param {
                            param = true;
                            values = vec![ident(first(l))];
                        } else {
                            values = list(l);
                        }
                    }
                    Rule::ident_value => values = vec![ident(first(i))],
                    _ => {}
                }
            }
            Expr::Membership {
                fact: fact.expect("fact"),
                negated,
                values,
                param,
                span: sp,
            }
        }
        Rule::set_test => {
            let mut fact = None;
            let mut quant = SetQuant::Any;
            let mut values = Vec::new();
            let mut param = false;
            for i in p.into_inner() {
                match i.as_rule() {
                    Rule::fact_ref => fact = Some(ident(first(i))),
                    Rule::set_quant => {
                        quant = match first(i).as_rule() {
                            Rule::any_of => SetQuant::Any,
                            Rule::every_of => SetQuant::All,
                            _ => SetQuant::None,
                        }
                    }
                    Rule::list => values = list(i),
                    Rule::list_param => {
                        param = true;
                        values = vec![ident(first(i))];
                    }
                    Rule::ident_value => values = vec![ident(first(i))],
                    _ => {}
                }
            }
            Expr::SetTest {
                fact: fact.expect("fact"),
                quant,
                values,
                param,
                span: sp,
            }
        }
        Rule::comparison => {
            let mut i = p.into_inner();
            let left = value_expr(i.next().expect("left"));
            let op = match first(i.next().expect("op")).as_rule() {
                Rule::cmp_ge => CmpOp::Ge,
                Rule::cmp_le => CmpOp::Le,
                Rule::cmp_gt => CmpOp::Gt,
                Rule::cmp_lt => CmpOp::Lt,
                Rule::cmp_ne => CmpOp::Ne,
                _ => CmpOp::Eq,
            };
            let right = value_expr(i.next().expect("right"));
            let condition = i.next().is_some();
            Expr::Compare {
                left,
                op,
                right,
                condition,
                span: sp,
            }
        }
        Rule::meets => Expr::Meets {
            label: first(p).as_str().to_string(),
            span: sp,
        },
        Rule::use_define => {
            let mut i = p.into_inner();
            let name = ident(i.next().expect("name"));
            let args = i
                .map(|a| {
                    let a = first(a);
                    match a.as_rule() {
                        Rule::list => {
                            let s = span(&a);
                            DefineArg::List(list(a), s)
                        }
                        _ => DefineArg::Value(value_expr(a)),
                    }
                })
                .collect();
            Expr::UseDefine {
                name,
                args,
                span: sp,
            }
        }
        Rule::known_test => {
            let mut fact = None;
            let mut negated = false;
            for i in p.into_inner() {
                match i.as_rule() {
                    Rule::fact_ref => fact = Some(ident(first(i))),
                    Rule::not_kw => negated = true,
                    _ => {}
                }
            }
            Expr::Known {
                fact: fact.expect("fact"),
                negated,
                span: sp,
            }
        }
        _ => Expr::FactTest(ident(first(p))),
    }
}

fn value_expr(p: P) -> ValueExpr {
    let sp = span(&p);
    binary_chain(p.into_inner(), sp, value_term)
}

fn value_term(p: P) -> ValueExpr {
    let sp = span(&p);
    binary_chain(p.into_inner(), sp, value_atom)
}

fn binary_chain<'a>(
    inner: pest::iterators::Pairs<'a, Rule>,
    sp: Span,
    operand: fn(P<'a>) -> ValueExpr,
) -> ValueExpr {
    let mut acc: Option<ValueExpr> = None;
    let mut pending: Option<ArithOp> = None;
    for i in inner {
        match i.as_rule() {
            Rule::add_op | Rule::mul_op => {
                pending = Some(match i.as_str() {
                    "+" => ArithOp::Add,
                    "-" => ArithOp::Sub,
                    "/" => ArithOp::Div,
                    _ => ArithOp::Mul,
                })
            }
            _ => {
                let rhs = operand(i);
                acc = Some(match (acc, pending.take()) {
                    (Some(lhs), Some(op)) => {
                        let s = Span::new(lhs.span().start, rhs.span().end.max(sp.start));
                        ValueExpr::Binary {
                            op,
                            left: Box::new(lhs),
                            right: Box::new(rhs),
                            span: s,
                        }
                    }
                    (_, _) => rhs,
                });
            }
        }
    }
    acc.expect("value")
}

fn value_atom(p: P) -> ValueExpr {
    let sp = span(&p);
    match p.as_rule() {
        Rule::value_expr => value_expr(p),
        Rule::value_term => value_term(p),
        Rule::call => {
            let mut i = p.into_inner();
            let name = ident(i.next().expect("name"));
            let args = i.map(value_expr).collect();
            ValueExpr::Call {
                name,
                args,
                span: sp,
            }
        }
        Rule::quantity => ValueExpr::Quantity(quantity(p)),
        Rule::date => ValueExpr::Date(date(p)),
        _ => ValueExpr::Fact(ident(first(p))),
    }
}

fn number(p: P, scale: Option<P>) -> NumberLit {
    let mut sp = span(&p);
    if let Some(s) = &scale {
        sp.end = span(s).end;
    }
    NumberLit {
        text: p.as_str().to_string(),
        scale: scale.map(|s| s.as_str().to_string()),
        span: sp,
    }
}

fn number_scale_unit(
    inner: pest::iterators::Pairs<Rule>,
) -> (NumberLit, Option<UnitExpr>, Option<(NumberLit, UnitExpr)>) {
    let mut num = None;
    let mut scale = None;
    let mut unit = None;
    let mut alt = None;
    for i in inner {
        match i.as_rule() {
            Rule::number => num = Some(i),
            Rule::scale => scale = Some(i),
            Rule::unit_expr => unit = Some(unit_expr(i)),
            Rule::alt_quantity => {
                let (n, u, _) = number_scale_unit(first(i).into_inner());
                if let Some(u) = u {
                    alt = Some((n, u));
                }
            }
            _ => {}
        }
    }
    let n = number(num.expect("number"), scale);
    (n, unit, alt)
}

fn quantity(p: P) -> QuantityLit {
    let sp = span(&p);
    let (number, unit, alt) = number_scale_unit(p.into_inner());
    QuantityLit {
        number,
        unit,
        alt,
        span: sp,
    }
}
