//! Recovering the comments: the grammar skips them, so they are found in the source text, outside
//! the string literals and unit texts whose spans the AST keeps.

use crate::ast::*;

/// A `#` comment found in the source.
#[derive(Debug, Clone)]
pub(super) struct Comment {
    /// Byte offset of the `#`.
    pub(super) start: usize,
    /// The comment, from `#` to the end of the line, without trailing whitespace.
    pub(super) text: String,
    /// Nothing but whitespace before it on its line.
    pub(super) own_line: bool,
    /// A blank line directly above it (own-line comments only).
    pub(super) blank_before: bool,
}

fn is_ws(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

fn all_ws(s: &str) -> bool {
    s.chars().all(is_ws)
}

/// Start of the line holding byte offset `pos`.
fn line_start(src: &str, pos: usize) -> usize {
    src.get(..pos)
        .and_then(|s| s.rfind(['\n', '\r']))
        .map(|n| n + 1)
        .unwrap_or(0)
}

/// Whether the line before the one starting at `start` is blank.
fn prev_line_blank(src: &str, start: usize) -> bool {
    // The end of the line above, before its line ending (LF, CR or CRLF).
    let bytes = src.as_bytes();
    let mut end = start;
    if end > 0 && bytes.get(end - 1) == Some(&b'\n') {
        end -= 1;
    }
    if end > 0 && bytes.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    if end == start {
        return false;
    }
    let prev_start = line_start(src, end);
    src.get(prev_start..end).is_some_and(all_ws)
}

/// Whether the source text at `pos` starts its line and has a blank line above it.
pub(super) fn blank_before(src: &str, pos: usize) -> bool {
    let ls = line_start(src, pos);
    src.get(ls..pos).is_some_and(all_ws) && prev_line_blank(src, ls)
}

/// Find every comment: a `#` outside string literals and unit texts (`opaque`, sorted spans taken
/// from the AST; `[...]` and `{...}` unit atoms may hold `#` or `"`). String literals are also
/// skipped lexically, in case a span were missing.
pub(super) fn scan_comments(src: &str, opaque: &[Span]) -> Vec<Comment> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut k = 0;
    while i < bytes.len() {
        while k < opaque.len() && opaque[k].end <= i {
            k += 1;
        }
        if let Some(sp) = opaque.get(k) {
            if sp.start <= i && i < sp.end {
                i = sp.end;
                continue;
            }
        }
        match bytes[i] {
            b'"' => {
                // A string literal: up to the closing quote on the same line.
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' && bytes[i] != b'\r'
                {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                let end = src[i..]
                    .find(['\n', '\r'])
                    .map(|n| i + n)
                    .unwrap_or(src.len());
                let ls = line_start(src, i);
                let own_line = all_ws(&src[ls..i]);
                out.push(Comment {
                    start: i,
                    text: src[i..end].trim_end_matches(is_ws).to_string(),
                    own_line,
                    blank_before: own_line && prev_line_blank(src, ls),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn collect_codes(lists: &[CodeList], out: &mut Vec<Span>) {
    for l in lists {
        out.extend(l.codes.iter().map(|c| c.span));
    }
}

// The spans of every string literal and unit text in the file.
pub(super) fn collect_file(f: &File, out: &mut Vec<Span>) {
    for item in &f.items {
        match item {
            Item::Import(s) => out.push(s.span),
            Item::Library(l) => out.extend(l.description.as_ref().map(|d| d.span)),
            Item::Define(d) => {
                out.extend(d.description.as_ref().map(|t| t.span));
                collect_expr(&d.body, out);
            }
            Item::Policy(h) => {
                for e in &h.entries {
                    match e {
                        MetaEntry::Text { value, codes, .. } => {
                            out.push(value.span);
                            collect_codes(codes, out);
                        }
                        MetaEntry::Date { .. } => {}
                        MetaEntry::Revision { text, .. } => out.push(text.span),
                    }
                }
            }
            Item::Enum(e) => {
                out.extend(e.description.as_ref().map(|d| d.span));
                for v in &e.values {
                    out.push(v.description.span);
                    collect_codes(&v.codes, out);
                }
            }
            Item::ExtendEnum(e) => {
                for v in &e.values {
                    out.push(v.description.span);
                    collect_codes(&v.codes, out);
                }
            }
            Item::Fact(f) => {
                if let TypeRef::Named(u) = &f.ty {
                    out.push(u.span);
                }
                out.push(f.description.span);
                match f.source.as_deref().map(|s| &s.kind) {
                    Some(SourceKind::Observation { loinc, .. }) => out.push(loinc.span),
                    Some(SourceKind::Questionnaire { link_id }) => out.push(link_id.span),
                    _ => {}
                }
                if let Some(r) = &f.range {
                    for b in [&r.low, &r.high] {
                        match b {
                            RangeBound::Quantity(q) => collect_quantity(q, out),
                            RangeBound::Date(_) => {}
                        }
                    }
                }
                if let Some(v) = &f.derived {
                    collect_value(v, out);
                }
            }
            Item::Regimen(_) => {}
            Item::Equivalence(e) => {
                collect_quantity(&e.left, out);
                collect_quantity(&e.right, out);
                out.push(e.text.span);
            }
            Item::Indication(ind) => {
                out.push(ind.title.span);
                collect_items(&ind.items, out);
            }
        }
    }
}

fn collect_items(items: &[IndicationItem], out: &mut Vec<Span>) {
    for it in items {
        match it {
            IndicationItem::Applies { expr, .. } => collect_expr(expr, out),
            IndicationItem::Duration(_) => {}
            IndicationItem::Criteria(s) | IndicationItem::Dosing(s) => {
                out.extend(s.text.as_ref().map(|t| t.span));
                collect_body(&s.body, out);
            }
            IndicationItem::Reauthorization(r) => {
                out.push(r.title.span);
                collect_items(&r.items, out);
            }
        }
    }
}

fn collect_body(b: &Body, out: &mut Vec<Span>) {
    match b {
        Body::Expr(e) => collect_expr(e, out),
        Body::Referral(r) => out.extend(r.redirect.as_ref().map(|t| t.span)),
        Body::Phases(ps) => {
            for p in &ps.phases {
                out.push(p.text.span);
                collect_body(&p.body, out);
            }
        }
        Body::Group(g) => {
            for n in &g.nodes {
                out.push(n.text.span);
                for c in n.guard.iter().chain(&n.only_if) {
                    collect_expr(c, out);
                }
                collect_body(&n.body, out);
            }
        }
    }
}

fn collect_expr(e: &Expr, out: &mut Vec<Span>) {
    match e {
        Expr::And(parts, _) | Expr::Or(parts, _) => {
            for p in parts {
                collect_expr(p, out);
            }
        }
        Expr::Not(inner, _) => collect_expr(inner, out),
        Expr::Compare { left, right, .. } => {
            collect_value(left, out);
            collect_value(right, out);
        }
        Expr::UseDefine { args, .. } => {
            for a in args {
                if let DefineArg::Value(v) = a {
                    collect_value(v, out);
                }
            }
        }
        Expr::Regimen { amount, every, .. } => {
            collect_quantity(amount, out);
            collect_quantity(every, out);
        }
        Expr::Membership { .. }
        | Expr::SetTest { .. }
        | Expr::Known { .. }
        | Expr::FactTest(_)
        | Expr::Meets { .. } => {}
    }
}

fn collect_value(v: &ValueExpr, out: &mut Vec<Span>) {
    match v {
        ValueExpr::Quantity(q) => collect_quantity(q, out),
        ValueExpr::Call { args, .. } => {
            for a in args {
                collect_value(a, out);
            }
        }
        ValueExpr::Binary { left, right, .. } => {
            collect_value(left, out);
            collect_value(right, out);
        }
        ValueExpr::Fact(_) | ValueExpr::Date(_) => {}
    }
}

fn collect_quantity(q: &QuantityLit, out: &mut Vec<Span>) {
    out.extend(q.unit.as_ref().map(|u| u.span));
    out.extend(q.alt.as_ref().map(|(_, u)| u.span));
}
