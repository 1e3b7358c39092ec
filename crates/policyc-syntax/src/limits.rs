//! The limits on a policy text, enforced before and while it is parsed so that no later stage
//! (checker, formatter, lowering, evaluator, IR writer) ever sees input deeper or larger than these.
//!
//! Every limit is far above what a real coverage document needs; each is reported with its own
//! diagnostic (see [`crate::diag::codes`]) rather than by crashing or exhausting memory.

use crate::ast::Span;
use crate::diag::{codes, Diagnostic};

/// The deepest nesting of a policy text: brackets (`(`, `{`, `[`), `not`s, and operators of a
/// formula each count one level, as do the groups, `and`/`or` chains and nodes of the parsed tree.
pub const MAX_DEPTH: usize = 64;

/// The longest line, in characters (a line ends at LF, CR or CRLF).
pub const MAX_LINE_CHARS: usize = 10_000;

/// The largest policy text, in bytes (1 MiB), as the loader reads it.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// The most top-level items (imports, declarations, indications) in one file.
pub const MAX_ITEMS: usize = 5_000;

fn too_deep(span: Span, what: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            codes::TOO_DEEP,
            format!("{what} nested more than {MAX_DEPTH} levels deep"),
            span,
            "too deep",
        )
        .with_help(format!(
            "policyc reads at most {MAX_DEPTH} levels of nesting (groups, parentheses, `not`s, formula operators); \
             no policy document needs that many: split the condition into definitions (`define`) or flatten the groups"
        )),
    )
}

/// The nesting-depth error for a construct of the parsed tree.
pub(crate) fn too_deep_tree(span: Span) -> Box<Diagnostic> {
    too_deep(span, "conditions, groups or formulas")
}

/// Check the size, line lengths and bracket and `not` nesting of a text, lexically, before the
/// grammar (which recurses once per level) sees it.
pub fn prescan(text: &str) -> Result<(), Box<Diagnostic>> {
    if text.len() > MAX_SOURCE_BYTES {
        return Err(Box::new(
            Diagnostic::error(
                codes::TOO_LARGE,
                format!(
                    "the file is {} bytes; policyc reads policy files of at most {MAX_SOURCE_BYTES} bytes (1 MiB)",
                    text.len()
                ),
                Span::new(0, 0),
                "file too large",
            )
            .with_help("split the policy into libraries (`import`), or check that this is a policy file"),
        ));
    }
    let bytes = text.as_bytes();
    // Line lengths, in characters. A line has at most as many characters as bytes, so only a line
    // of more than MAX_LINE_CHARS bytes has its characters counted.
    let mut line_start = 0;
    for end in bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'\n' | b'\r'))
        .map(|(i, _)| i)
        .chain([text.len()])
    {
        let line = text.get(line_start..end).unwrap_or_default();
        let long = line.len() > MAX_LINE_CHARS && line.chars().count() > MAX_LINE_CHARS;
        if long {
            return Err(Box::new(
                Diagnostic::error(
                    codes::LINE_TOO_LONG,
                    format!("this line is longer than {MAX_LINE_CHARS} characters"),
                    Span::new(line_start, line_start),
                    "line too long",
                )
                .with_help(format!(
                    "policyc reads lines of at most {MAX_LINE_CHARS} characters (this one has {} bytes): \
                     break it over several lines; a policy text never needs lines this long",
                    end - line_start
                )),
            ));
        }
        line_start = end + 1;
    }
    // Nesting: each open bracket is one level deeper than where it opens, counting the `not`s
    // that precede it.
    let mut stack: Vec<usize> = Vec::new();
    let mut nots = 0;
    let mut after_is = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' && bytes[i] != b'\r'
                {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                nots = 0;
                after_is = false;
                continue;
            }
            b'(' | b'{' | b'[' => {
                let depth = stack.last().copied().unwrap_or(0) + nots + 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(
                        Span::new(i, i + 1),
                        "groups, parentheses and `not`s",
                    ));
                }
                stack.push(depth);
                nots = 0;
                after_is = false;
            }
            b')' | b'}' | b']' => {
                stack.pop();
                nots = 0;
                after_is = false;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if word == "not" && !after_is {
                    nots += 1;
                    if stack.last().copied().unwrap_or(0) + nots > MAX_DEPTH {
                        return Err(too_deep(
                            Span::new(start, i),
                            "groups, parentheses and `not`s",
                        ));
                    }
                } else {
                    nots = 0;
                }
                after_is = word == "is";
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                nots = 0;
                after_is = false;
            }
        }
        i += 1;
    }
    Ok(())
}

/// The depth of a parsed file's deepest construct, measured without recursion; the span of the
/// first construct past [`MAX_DEPTH`], if any.
pub(crate) fn check_tree(file: &crate::ast::File) -> Result<(), Box<Diagnostic>> {
    use crate::ast::*;
    use Walk as W;
    let mut stack: Vec<(W, usize)> = Vec::new();
    for item in &file.items {
        match item {
            Item::Define(d) => stack.push((W::E(&d.body), 1)),
            Item::Fact(f) => stack.extend(f.derived.iter().map(|v| (W::V(v), 1))),
            Item::Indication(ind) => push_indication_items(&ind.items, &mut stack),
            _ => {}
        }
        while let Some((w, depth)) = stack.pop() {
            let span = match &w {
                W::E(e) => e.span(),
                W::V(v) => v.span(),
                W::N(n) => n.span,
                W::B(b) => body_span(b),
            };
            if depth > MAX_DEPTH {
                return Err(too_deep_tree(span));
            }
            let d = depth + 1;
            match w {
                W::E(e) => match e {
                    Expr::And(parts, _) | Expr::Or(parts, _) => {
                        stack.extend(parts.iter().map(|p| (W::E(p), d)))
                    }
                    Expr::Not(inner, _) => stack.push((W::E(inner), d)),
                    Expr::Compare { left, right, .. } => {
                        stack.push((W::V(left), d));
                        stack.push((W::V(right), d));
                    }
                    Expr::UseDefine { args, .. } => {
                        for a in args {
                            if let DefineArg::Value(v) = a {
                                stack.push((W::V(v), d));
                            }
                        }
                    }
                    _ => {}
                },
                W::V(v) => match v {
                    ValueExpr::Call { args, .. } => stack.extend(args.iter().map(|a| (W::V(a), d))),
                    ValueExpr::Binary { left, right, .. } => {
                        stack.push((W::V(left), d));
                        stack.push((W::V(right), d));
                    }
                    _ => {}
                },
                W::N(n) => {
                    for g in n.guard.iter().chain(n.only_if.iter()) {
                        stack.push((W::E(g), d));
                    }
                    stack.push((W::B(&n.body), depth));
                }
                W::B(b) => match b {
                    Body::Group(g) => stack.extend(g.nodes.iter().map(|n| (W::N(n), d))),
                    Body::Phases(ps) => stack.extend(ps.phases.iter().map(|p| (W::B(&p.body), d))),
                    Body::Expr(e) => stack.push((W::E(e), depth)),
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

fn body_span(b: &crate::ast::Body) -> Span {
    use crate::ast::Body;
    match b {
        Body::Group(g) => g.span,
        Body::Expr(e) => e.span(),
        Body::Referral(r) => r.span,
        Body::Phases(p) => p.span,
    }
}

/// A construct of the parsed tree, for [`check_tree`]'s explicit stack.
enum Walk<'a> {
    E(&'a crate::ast::Expr),
    V(&'a crate::ast::ValueExpr),
    N(&'a crate::ast::Node),
    B(&'a crate::ast::Body),
}

fn push_indication_items<'a>(
    items: &'a [crate::ast::IndicationItem],
    stack: &mut Vec<(Walk<'a>, usize)>,
) {
    use crate::ast::IndicationItem;
    for it in items {
        match it {
            IndicationItem::Applies { expr, .. } => stack.push((Walk::E(expr), 1)),
            IndicationItem::Criteria(s) | IndicationItem::Dosing(s) => {
                stack.push((Walk::B(&s.body), 1))
            }
            IndicationItem::Reauthorization(r) => push_indication_items(&r.items, stack),
            IndicationItem::Duration(_) => {}
        }
    }
}
