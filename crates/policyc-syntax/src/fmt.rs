//! The canonical formatter: parse a policy, then print it in the house layout (that of
//! the policies under `policies/`), keeping every comment.
//!
//! Layout:
//! - 2-space indentation, a final newline, no trailing spaces;
//! - a blank line between top-level items, except that consecutive `fact`s and `equivalence`s (and
//!   `import`s) stay together unless the analyst separated them; a blank line before each
//!   `criteria`, `dosing` and `reauthorization` of an indication; other blank lines the analyst left
//!   between entries, values and criteria are kept (at most one), none after a `{` or before a `}`;
//! - header keys aligned (the one-word keys together, `not covered`/`outside dosing` together),
//!   enumeration value names aligned, and criterion labels aligned across all the criteria at the
//!   same depth of a section (so that `i`/`ii` line up with a cousin `iii`);
//! - `LABEL "sentence" [when|if COND]: body` on one line if it fits in [`WIDTH`] columns; otherwise
//!   the condition goes on the next line, indented under the sentence (`when COND` too, if the
//!   label's line cannot hold it), and an `and`/`or` chain that still does not fit is broken one
//!   operand per line, the operator leading, nested chains the same way inside their parentheses.
//!   A lone yes/no fact may overrun by [`LONE_FACT_SLACK`]; a limit carried `, as a condition of
//!   approval` always gets a line of its own;
//! - numbers, scale words and units exactly as written (`600,000 IU/kg (0.037 mg/kg)`); operators
//!   normalised (`at least`, `=`, `!=`, `*`), `is one of [a]` written `is a`, strings re-escaped;
//!   parentheses exactly where the parse needs them to give back the same tree (an `or` inside an
//!   `and`, and any grouping the analyst made within a chain of one operator, which the program
//!   keeps), so the formatted file parses to the same AST and compiles to the same program.
//!
//! Comments: the grammar skips `#` comments, so they are recovered from the source text (every `#`
//! outside a string literal or a unit annotation such as `{dose#1}`) and re-emitted by position.
//! The printer emits lines in source order, each with the source position where it starts; before a
//! line, every comment earlier in the source that is not printed yet is printed: one that had code
//! before it on its line at the end of the last printed line (a trailing comment), any other on a
//! line of its own at the indentation of the line that follows, so that it stays with the item,
//! entry, criterion or operand it introduces (with the blank line before it, if there was one).
//! Comments left at the end of a block go before its `}`, those after the last item at the end of
//! the file. So that a comment between the parts of a criterion or between the operands of a chain
//! stays where it was, such a criterion or chain is broken over lines even if it would fit on one.
//! A comment inside a construct that is printed on one line (a list, a comparison) moves after it.

use crate::ast::*;
use crate::diag::Diagnostic;

/// The line width the formatter aims for. Strings are never broken, so a line holding a long
/// sentence can be wider.
pub const WIDTH: usize = 100;

/// How far past [`WIDTH`] a criterion whose condition is a lone yes/no fact may run before the fact
/// goes on a line of its own.
pub const LONE_FACT_SLACK: usize = 10;

/// Format a policy's source text in the canonical layout.
///
/// Returns the parser's diagnostic if the text does not parse.
pub fn format_source(text: &str) -> Result<String, Box<Diagnostic>> {
    let file = crate::parser::parse(text)?;
    let mut opaque = Vec::new();
    collect_file(&file, &mut opaque);
    opaque.sort_by_key(|s| (s.start, s.end));
    let comments = scan_comments(text, &opaque);
    let mut p = Printer {
        src: text,
        comments,
        next: 0,
        lines: Vec::new(),
    };
    p.file(&file);
    Ok(p.finish())
}

// ---------------------------------------------------------------------------------------- comments

/// A `#` comment found in the source.
#[derive(Debug, Clone)]
struct Comment {
    /// Byte offset of the `#`.
    start: usize,
    /// The comment, from `#` to the end of the line, without trailing whitespace.
    text: String,
    /// Nothing but whitespace before it on its line.
    own_line: bool,
    /// A blank line directly above it (own-line comments only).
    blank_before: bool,
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
        .and_then(|s| s.rfind('\n'))
        .map(|n| n + 1)
        .unwrap_or(0)
}

/// Whether the line before the one starting at `start` is blank.
fn prev_line_blank(src: &str, start: usize) -> bool {
    if start == 0 {
        return false;
    }
    let prev_start = line_start(src, start - 1);
    src.get(prev_start..start - 1).is_some_and(all_ws)
}

/// Whether the source text at `pos` starts its line and has a blank line above it.
fn blank_before(src: &str, pos: usize) -> bool {
    let ls = line_start(src, pos);
    src.get(ls..pos).is_some_and(all_ws) && prev_line_blank(src, ls)
}

/// Find every comment: a `#` outside string literals and unit texts (`opaque`, sorted spans taken
/// from the AST; `[...]` and `{...}` unit atoms may hold `#` or `"`). String literals are also
/// skipped lexically, in case a span were missing.
fn scan_comments(src: &str, opaque: &[Span]) -> Vec<Comment> {
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
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                let end = src[i..].find('\n').map(|n| i + n).unwrap_or(src.len());
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

// The spans of every string literal and unit text in the file.
fn collect_file(f: &File, out: &mut Vec<Span>) {
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
                        MetaEntry::Text { value, .. } => out.push(value.span),
                        MetaEntry::Date { .. } => {}
                        MetaEntry::Revision { text, .. } => out.push(text.span),
                    }
                }
            }
            Item::Enum(e) => {
                out.extend(e.description.as_ref().map(|d| d.span));
                out.extend(e.values.iter().map(|v| v.description.span));
            }
            Item::Fact(f) => {
                if let TypeRef::Named(u) = &f.ty {
                    out.push(u.span);
                }
                out.push(f.description.span);
                if let Some(v) = &f.derived {
                    collect_value(v, out);
                }
            }
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

// ---------------------------------------------------------------------------------------- text

fn width(s: &str) -> usize {
    s.chars().count()
}

/// A string literal, escaped as the grammar reads it back.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// The printing functions destructure the AST exhaustively, so that a field added to it later
// cannot be dropped silently: the formatter stops compiling until it prints the field.

fn number_text(n: &NumberLit) -> String {
    let NumberLit {
        text,
        scale,
        span: _,
    } = n;
    match scale {
        Some(s) => format!("{text} {s}"),
        None => text.clone(),
    }
}

/// Whether `unit` starts with a scale word (`million`) the grammar would read as the number's scale
/// if a space came before it.
fn starts_with_scale(unit: &str) -> bool {
    ["thousand", "million", "billion"].iter().any(|w| {
        unit.strip_prefix(w).is_some_and(|rest| {
            !rest
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

fn number_unit(n: &NumberLit, u: &UnitExpr) -> String {
    let UnitExpr { text, span: _ } = u;
    let sep = if n.scale.is_none() && starts_with_scale(text) {
        ""
    } else {
        " "
    };
    format!("{}{sep}{text}", number_text(n))
}

/// A quantity as written: `600,000 IU/kg (0.037 mg/kg)`, `6 million IU`.
fn quantity_text(q: &QuantityLit) -> String {
    let QuantityLit {
        number,
        unit,
        alt,
        span: _,
    } = q;
    let mut s = match unit {
        Some(u) => number_unit(number, u),
        None => number_text(number),
    };
    if let Some((n, u)) = alt {
        s.push_str(" (");
        s.push_str(&number_unit(n, u));
        s.push(')');
    }
    s
}

fn value_prec(v: &ValueExpr) -> u8 {
    match v {
        ValueExpr::Binary {
            op: ArithOp::Add | ArithOp::Sub,
            ..
        } => 1,
        ValueExpr::Binary { .. } => 2,
        _ => 3,
    }
}

fn value_text(v: &ValueExpr) -> String {
    match v {
        ValueExpr::Fact(id) => id.name.clone(),
        ValueExpr::Quantity(q) => quantity_text(q),
        ValueExpr::Date(DateLit { text, span: _ }) => text.clone(),
        ValueExpr::Call {
            name,
            args,
            span: _,
        } => {
            let args: Vec<String> = args.iter().map(value_text).collect();
            format!("{}({})", name.name, args.join(", "))
        }
        ValueExpr::Binary {
            op,
            left,
            right,
            span: _,
        } => {
            let p = value_prec(v);
            let wrap = |x: &ValueExpr, paren: bool| {
                let t = value_text(x);
                if paren {
                    format!("({t})")
                } else {
                    t
                }
            };
            let sym = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            // Chains are left-associative: the right operand needs parentheses at equal precedence.
            format!(
                "{} {sym} {}",
                wrap(left, value_prec(left) < p),
                wrap(right, value_prec(right) <= p)
            )
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parent {
    And,
    Or,
    Not,
}

/// Whether `e` needs parentheses as an operand of `parent` for the parse to give it back.
fn needs_parens(e: &Expr, parent: Parent) -> bool {
    match e {
        // Kept even where only associativity differs: the program keeps the grouping.
        Expr::Or(..) => true,
        Expr::And(..) => parent != Parent::Or,
        _ => false,
    }
}

fn list_text(values: &[Ident]) -> String {
    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    format!("[{}]", names.join(", "))
}

/// A definition's parameter standing for a list (the parser keeps it as the only value).
fn param_text(values: &[Ident]) -> String {
    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    names.join(", ")
}

fn operand_text(e: &Expr, parent: Parent) -> String {
    let t = expr_text(e);
    if needs_parens(e, parent) {
        format!("({t})")
    } else {
        t
    }
}

/// A condition on one line.
fn expr_text(e: &Expr) -> String {
    match e {
        Expr::And(parts, _) => parts
            .iter()
            .map(|p| operand_text(p, Parent::And))
            .collect::<Vec<_>>()
            .join(" and "),
        Expr::Or(parts, _) => parts
            .iter()
            .map(|p| operand_text(p, Parent::Or))
            .collect::<Vec<_>>()
            .join(" or "),
        Expr::Not(inner, _) => format!("not {}", operand_text(inner, Parent::Not)),
        Expr::Membership {
            fact,
            negated,
            values,
            param,
            span: _,
        } => {
            let not = if *negated { "not " } else { "" };
            match (param, values.as_slice()) {
                // `is one of specialties`: a definition's parameter.
                (true, _) => format!("{} is {not}one of {}", fact.name, param_text(values)),
                (false, [one]) => format!("{} is {not}{}", fact.name, one.name),
                (false, _) => format!("{} is {not}one of {}", fact.name, list_text(values)),
            }
        }
        Expr::SetTest {
            fact,
            quant,
            values,
            param,
            span: _,
        } => {
            let q = match quant {
                SetQuant::Any => "any",
                SetQuant::All => "all",
                SetQuant::None => "none",
            };
            match (param, quant, values.as_slice()) {
                (true, _, _) => format!("{} has {q} of {}", fact.name, param_text(values)),
                (false, SetQuant::Any, [one]) => format!("{} has {}", fact.name, one.name),
                (false, _, _) => format!("{} has {q} of {}", fact.name, list_text(values)),
            }
        }
        Expr::Meets { label, span: _ } => format!("meets {label}"),
        Expr::UseDefine {
            name,
            args,
            span: _,
        } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match a {
                    DefineArg::List(values, _) => list_text(values),
                    DefineArg::Value(v) => value_text(v),
                })
                .collect();
            format!("{}({})", name.name, args.join(", "))
        }
        Expr::Compare {
            left,
            op,
            right,
            condition,
            span: _,
        } => {
            let cond = if *condition {
                ", as a condition of approval"
            } else {
                ""
            };
            format!(
                "{} {} {}{cond}",
                value_text(left),
                op.words(),
                value_text(right)
            )
        }
        Expr::Known {
            fact,
            negated,
            span: _,
        } => {
            let not = if *negated { "not " } else { "" };
            format!("{} is {not}known", fact.name)
        }
        Expr::FactTest(id) => id.name.clone(),
    }
}

// ---------------------------------------------------------------------------------------- printer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Code,
    /// A line ending with `{`.
    Open,
    Comment,
    Blank,
}

#[derive(Debug)]
struct Line {
    text: String,
    kind: Kind,
    trailing: bool,
}

/// Whether a blank line goes before an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    /// Never (continuation lines, closing braces).
    Never,
    /// If the analyst left one.
    Keep,
    /// Always (between top-level items, before a `criteria` or `dosing` section).
    Force,
}

/// One output line of a condition laid out over several: the source position of what starts it
/// (`None` for the first line, which the caller places), its indentation relative to the first
/// line, and its text.
type Laid = Vec<(Option<usize>, usize, String)>;

struct Printer<'a> {
    src: &'a str,
    comments: Vec<Comment>,
    /// The first comment not printed yet.
    next: usize,
    lines: Vec<Line>,
}

impl Printer<'_> {
    fn finish(self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(l.text.trim_end());
            out.push('\n');
        }
        out
    }

    fn blank_if(&mut self, b: bool) {
        if b && self
            .lines
            .last()
            .is_some_and(|l| !matches!(l.kind, Kind::Blank | Kind::Open))
        {
            self.lines.push(Line {
                text: String::new(),
                kind: Kind::Blank,
                trailing: false,
            });
        }
    }

    fn push(&mut self, indent: usize, text: &str, kind: Kind) {
        self.lines.push(Line {
            text: format!("{:indent$}{text}", ""),
            kind,
            trailing: false,
        });
    }

    /// Print the comments before source position `pos`: those that followed code on their line at
    /// the end of the last printed line, the others on their own lines at `indent`. With `force`, the
    /// first comment on its own line gets a blank line before it. Returns whether any comment was
    /// printed on its own line.
    fn flush(&mut self, pos: usize, indent: usize, force: bool) -> bool {
        let mut own = false;
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= pos {
                break;
            }
            let c = c.clone();
            self.next += 1;
            if !c.own_line {
                if let Some(last) = self.lines.last_mut() {
                    if matches!(last.kind, Kind::Code | Kind::Open) && !last.trailing {
                        last.text.push_str("  ");
                        last.text.push_str(&c.text);
                        last.trailing = true;
                        continue;
                    }
                }
            }
            self.blank_if(c.blank_before || (force && !own));
            self.push(indent, &c.text, Kind::Comment);
            own = true;
        }
        own
    }

    /// Print a line that starts at source position `pos` (`None`: not a position of its own),
    /// after the comments before it.
    fn put(&mut self, pos: Option<usize>, indent: usize, text: &str, kind: Kind, blank: Blank) {
        let own = match pos {
            Some(p) => self.flush(p, indent, blank == Blank::Force),
            None => false,
        };
        let keep = pos.is_some_and(|p| blank_before(self.src, p));
        let b = match blank {
            Blank::Never => false,
            Blank::Keep => keep,
            Blank::Force => keep || !own,
        };
        self.blank_if(b);
        self.push(indent, text, kind);
    }

    /// Print a closing brace at source position `pos`, after the comments left in its block.
    fn close(&mut self, pos: usize, indent: usize) {
        self.flush(pos, indent + 2, false);
        self.push(indent, "}", Kind::Code);
    }

    /// Whether any comment starts in `from..to`.
    fn comment_in(&self, from: usize, to: usize) -> bool {
        self.comments
            .iter()
            .any(|c| from <= c.start && c.start < to)
    }

    /// Whether a condition must be broken over lines to keep the comments inside it in place: a
    /// comment between the operands of one of its `and`/`or` chains.
    fn needs_break(&self, e: &Expr) -> bool {
        match e {
            Expr::And(parts, _) | Expr::Or(parts, _) => {
                let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
                    return false;
                };
                self.comment_in(first.span().start, last.span().start)
                    || parts.iter().any(|p| self.needs_break(p))
            }
            Expr::Not(inner, _) => self.needs_break(inner),
            _ => false,
        }
    }

    /// Lay out a condition whose first line starts at column `col`, with `tail` columns following
    /// its last line: on one line if it fits, else with its `and`/`or` chains one operand per line,
    /// the operator leading. A chain holding a limit carried as a condition of approval is always
    /// broken, so that the condition of approval has a line of its own.
    fn layout(&self, e: &Expr, col: usize, tail: usize) -> Laid {
        let flat = expr_text(e);
        let chain = matches!(e, Expr::And(..) | Expr::Or(..));
        let must_break = self.needs_break(e) || chain && has_condition_of_approval(e);
        if !must_break && col + width(&flat) + tail <= WIDTH {
            return vec![(None, 0, flat)];
        }
        match e {
            Expr::And(parts, _) | Expr::Or(parts, _) => {
                let (kw, parent) = if matches!(e, Expr::And(..)) {
                    ("and ", Parent::And)
                } else {
                    ("or ", Parent::Or)
                };
                let mut out = Laid::new();
                for (k, part) in parts.iter().enumerate() {
                    let pre = if k == 0 { "" } else { kw };
                    let t = if k + 1 == parts.len() { tail } else { 0 };
                    let sub = self.operand_layout(part, parent, col + pre.len(), t);
                    for (j, (pos, ind, text)) in sub.into_iter().enumerate() {
                        if j == 0 {
                            let pos = if k == 0 {
                                None
                            } else {
                                Some(part.span().start)
                            };
                            out.push((pos, 0, format!("{pre}{text}")));
                        } else {
                            out.push((pos, ind + pre.len(), text));
                        }
                    }
                }
                out
            }
            Expr::Not(inner, _) => {
                let sub = self.operand_layout(inner, Parent::Not, col + 4, tail);
                prefix_laid("not ", sub)
            }
            _ => vec![(None, 0, flat)],
        }
    }

    fn operand_layout(&self, e: &Expr, parent: Parent, col: usize, tail: usize) -> Laid {
        if !needs_parens(e, parent) {
            return self.layout(e, col, tail);
        }
        let mut sub = prefix_laid("(", self.layout(e, col + 1, tail + 1));
        if let Some(last) = sub.last_mut() {
            last.2.push(')');
        }
        sub
    }

    /// Print a condition: its first line `prefix` + condition at `indent`, starting at source
    /// position `pos`, and `suffix` after its last line.
    #[allow(clippy::too_many_arguments)]
    fn put_expr(
        &mut self,
        pos: usize,
        indent: usize,
        prefix: &str,
        e: &Expr,
        suffix: &str,
        last_kind: Kind,
        blank: Blank,
    ) {
        let laid = prefix_laid(
            prefix,
            self.layout(e, indent + width(prefix), width(suffix)),
        );
        let n = laid.len();
        for (j, (p, ind, mut text)) in laid.into_iter().enumerate() {
            let kind = if j + 1 == n {
                text.push_str(suffix);
                last_kind
            } else {
                Kind::Code
            };
            if j == 0 {
                self.put(Some(pos), indent, &text, kind, blank);
            } else {
                self.put(p, indent + ind, &text, kind, Blank::Never);
            }
        }
    }

    // ------------------------------------------------------------------------------ items

    fn file(&mut self, f: &File) {
        let mut prev: Option<&Item> = None;
        for item in &f.items {
            let blank = match prev {
                None => Blank::Keep,
                Some(p) if same_run(p, item) => Blank::Keep,
                Some(_) => Blank::Force,
            };
            self.item(item, blank);
            prev = Some(item);
        }
        self.flush(usize::MAX, 0, false);
    }

    fn item(&mut self, item: &Item, blank: Blank) {
        match item {
            Item::Import(s) => {
                let Str { value, span } = s;
                // The AST keeps the string's span only: find the keyword before it.
                let before = self.src.get(..span.start).unwrap_or("").trim_end();
                let pos = before
                    .strip_suffix("import")
                    .map(|b| b.len())
                    .unwrap_or(span.start);
                let line = format!("import {}", quote(value));
                self.put(Some(pos), 0, &line, Kind::Code, blank);
            }
            Item::Library(LibraryHeader {
                name,
                description,
                span,
            }) => {
                let mut line = format!("library {}", name.name);
                if let Some(d) = description {
                    line.push(' ');
                    line.push_str(&quote(&d.value));
                }
                self.put(Some(span.start), 0, &line, Kind::Code, blank);
            }
            Item::Define(d) => self.define(d, blank),
            Item::Policy(h) => self.header(h, blank),
            Item::Enum(e) => self.enum_decl(e, blank),
            Item::Fact(FactDecl {
                name,
                ty,
                description,
                derived,
                span,
            }) => {
                let ty = match ty {
                    TypeRef::Set(id) => format!("set of {}", id.name),
                    TypeRef::Named(u) => u.text.clone(),
                };
                let mut line = format!("fact {}: {ty} {}", name.name, quote(&description.value));
                if let Some(v) = derived {
                    line.push_str(" = ");
                    line.push_str(&value_text(v));
                }
                self.put(Some(span.start), 0, &line, Kind::Code, blank);
            }
            Item::Equivalence(Equivalence {
                left,
                right,
                text,
                span,
            }) => {
                let line = format!(
                    "equivalence {} = {} {}",
                    quantity_text(left),
                    quantity_text(right),
                    quote(&text.value)
                );
                self.put(Some(span.start), 0, &line, Kind::Code, blank);
            }
            Item::Indication(ind) => self.indication(ind, blank),
        }
    }

    /// `define name(params) "description" = condition`, the condition on the next lines if the
    /// whole does not fit.
    fn define(&mut self, d: &DefineDecl, blank: Blank) {
        let DefineDecl {
            name,
            params,
            description,
            body,
            span,
        } = d;
        let params: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        let mut head = format!("define {}({})", name.name, params.join(", "));
        if let Some(t) = description {
            head.push(' ');
            head.push_str(&quote(&t.value));
        }
        head.push_str(" =");
        let start = span.start;
        if !self.comment_in(start, body.span().start) && !self.needs_break(body) {
            let line = format!("{head} {}", expr_text(body));
            if width(&line) <= WIDTH {
                self.put(Some(start), 0, &line, Kind::Code, blank);
                return;
            }
        }
        self.put(Some(start), 0, &head, Kind::Code, blank);
        self.put_expr(body.span().start, 2, "", body, "", Kind::Code, Blank::Never);
    }

    fn header(&mut self, h: &PolicyHeader, blank: Blank) {
        let PolicyHeader { id, entries, span } = h;
        let head = format!("policy {} {{", id.name);
        self.put(Some(span.start), 0, &head, Kind::Open, blank);
        let key = |e: &MetaEntry| match e {
            MetaEntry::Text { key, .. } | MetaEntry::Date { key, .. } => key.keyword(),
            MetaEntry::Revision { .. } => "revision",
        };
        // Keys are aligned in runs: the one-word keys together, the two-word ones together.
        let mut widths = vec![0; entries.len()];
        let mut i = 0;
        while i < entries.len() {
            let multi = key(&entries[i]).contains(' ');
            let mut j = i;
            while j < entries.len() && key(&entries[j]).contains(' ') == multi {
                j += 1;
            }
            let w = entries[i..j]
                .iter()
                .map(|e| width(key(e)))
                .max()
                .unwrap_or(0);
            widths[i..j].iter_mut().for_each(|x| *x = w);
            i = j;
        }
        for (e, w) in entries.iter().zip(widths) {
            let k = key(e);
            let (value, at) = match e {
                MetaEntry::Text {
                    key: _,
                    value,
                    span,
                } => (quote(&value.value), span),
                MetaEntry::Date { key: _, date, span } => (date.text.clone(), span),
                MetaEntry::Revision { date, text, span } => {
                    (format!("{} {}", date.text, quote(&text.value)), span)
                }
            };
            let line = format!("{k:<w$} {value}");
            self.put(Some(at.start), 2, &line, Kind::Code, Blank::Keep);
        }
        self.close(span.end.saturating_sub(1), 0);
    }

    fn enum_decl(&mut self, e: &EnumDecl, blank: Blank) {
        let EnumDecl {
            name,
            open,
            description,
            values,
            span,
        } = e;
        let mut head = format!("enum {}", name.name);
        if *open {
            head.push_str(" open");
        }
        if let Some(d) = description {
            head.push(' ');
            head.push_str(&quote(&d.value));
        }
        head.push_str(" {");
        self.put(Some(span.start), 0, &head, Kind::Open, blank);
        let w = values
            .iter()
            .map(|v| width(&v.name.name))
            .max()
            .unwrap_or(0);
        for EnumValue { name, description } in values {
            let line = format!("{:<w$} {}", name.name, quote(&description.value));
            self.put(Some(name.span.start), 2, &line, Kind::Code, Blank::Keep);
        }
        self.close(span.end.saturating_sub(1), 0);
    }

    fn indication(&mut self, ind: &Indication, blank: Blank) {
        let Indication {
            label,
            title,
            items,
            span,
        } = ind;
        let head = format!("indication {} {} {{", label.name, quote(&title.value));
        self.put(Some(span.start), 0, &head, Kind::Open, blank);
        self.indication_items(items, 2);
        self.close(span.end.saturating_sub(1), 0);
    }

    /// The items of an indication or a reauthorization: a blank line before each section.
    fn indication_items(&mut self, items: &[IndicationItem], indent: usize) {
        for (k, item) in items.iter().enumerate() {
            let section_blank = if k == 0 { Blank::Keep } else { Blank::Force };
            match item {
                IndicationItem::Applies { expr, span } => {
                    let prefix = "applies when ";
                    let (pos, kind) = (span.start, Kind::Code);
                    self.put_expr(pos, indent, prefix, expr, "", kind, Blank::Keep);
                }
                IndicationItem::Duration(DurationLit { amount, unit, span }) => {
                    let line = format!("approve for {} {}", number_text(amount), unit.name);
                    self.put(Some(span.start), indent, &line, Kind::Code, Blank::Keep);
                }
                IndicationItem::Criteria(s) => self.section("criteria", s, indent, section_blank),
                IndicationItem::Dosing(s) => self.section("dosing", s, indent, section_blank),
                IndicationItem::Reauthorization(Reauthorization {
                    label,
                    title,
                    items,
                    span,
                }) => {
                    let head = format!("reauthorization {} {} {{", label.name, quote(&title.value));
                    self.put(Some(span.start), indent, &head, Kind::Open, section_blank);
                    self.indication_items(items, indent + 2);
                    self.close(span.end.saturating_sub(1), indent);
                }
            }
        }
    }

    fn section(&mut self, kw: &str, s: &Section, indent: usize, blank: Blank) {
        let Section { text, body, span } = s;
        let head = match text {
            Some(t) => format!("{kw} {}", quote(&t.value)),
            None => kw.to_string(),
        };
        let start = span.start;
        match body {
            Body::Group(g) => {
                let line = format!("{head}: {} {{", g.kind.keyword());
                self.put(Some(start), indent, &line, Kind::Open, blank);
                let mut widths = Vec::new();
                label_widths(g, 0, &mut widths);
                self.children(g, indent + 2, 0, &widths);
                self.close(g.span.end.saturating_sub(1), indent);
            }
            body => {
                if let Some(line) = self.inline_body(&head, start, indent, body) {
                    self.put(Some(start), indent, &line, Kind::Code, blank);
                } else {
                    self.put(Some(start), indent, &format!("{head}:"), Kind::Code, blank);
                    self.body_lines(body, indent + 2);
                }
            }
        }
    }

    /// `head: body` on one line, if a condition or referral body fits there and no comment needs a
    /// line break inside it. As in the house style, a lone yes/no fact may overrun the width by
    /// [`LONE_FACT_SLACK`] rather than sit alone on a line, and a limit carried as a condition of
    /// approval always goes on a line of its own.
    fn inline_body(&self, head: &str, start: usize, indent: usize, body: &Body) -> Option<String> {
        let (text, pos, slack) = match body {
            Body::Group(_) => return None,
            Body::Expr(e) => {
                if self.needs_break(e) || has_condition_of_approval(e) {
                    return None;
                }
                let slack = match e {
                    Expr::FactTest(_) => LONE_FACT_SLACK,
                    _ => 0,
                };
                (expr_text(e), e.span().start, slack)
            }
            Body::Referral(r) => (referral_text(r), r.span.start, 0),
        };
        if self.comment_in(start, pos) {
            return None;
        }
        let line = format!("{head}: {text}");
        (indent + width(&line) <= WIDTH + slack).then_some(line)
    }

    /// A condition or referral body on lines of its own at `indent`.
    fn body_lines(&mut self, body: &Body, indent: usize) {
        match body {
            Body::Expr(e) => {
                self.put_expr(e.span().start, indent, "", e, "", Kind::Code, Blank::Never)
            }
            Body::Referral(r) => {
                let text = referral_text(r);
                self.put(Some(r.span.start), indent, &text, Kind::Code, Blank::Never);
            }
            Body::Group(_) => {}
        }
    }

    /// The nodes of a section's group. Labels are aligned across all the nodes at the same depth of
    /// the section (`widths`, by depth), so that cousins `i`/`ii` line up with `iii`.
    fn children(&mut self, g: &Group, indent: usize, depth: usize, widths: &[usize]) {
        let lw = widths.get(depth).copied().unwrap_or(0);
        for n in &g.nodes {
            self.node(n, indent, lw, depth, widths);
        }
    }

    /// A labelled criterion or group, its label padded to `lw` to align with its cousins'.
    fn node(&mut self, n: &Node, indent: usize, lw: usize, depth: usize, widths: &[usize]) {
        let Node {
            label,
            text,
            guard,
            only_if,
            body,
            span,
        } = n;
        let head = format!("{:<lw$} {}", label.name, quote(&text.value));
        let cont = indent + lw + 1;
        let start = span.start;
        let opener = match body {
            Body::Group(g) => format!(": {} {{", g.kind.keyword()),
            _ => ":".to_string(),
        };
        // `when ...` (or `if ...`; the grammar allows one of them): on the label's line if it fits.
        let cond = match (guard, only_if) {
            (Some(g), _) => Some(("when ", g)),
            (None, Some(c)) => Some(("if ", c)),
            (None, None) => None,
        };
        let cond_inline = match cond {
            Some((kw, c)) => {
                !self.comment_in(start, c.span().start)
                    && !self.needs_break(c)
                    && indent + width(&head) + 1 + width(kw) + width(&expr_text(c)) + width(&opener)
                        <= WIDTH
            }
            None => true,
        };
        let head_cond = match cond {
            Some((kw, c)) if cond_inline => format!("{head} {kw}{}", expr_text(c)),
            _ => head.clone(),
        };
        if let Body::Group(g) = body {
            match cond {
                Some((kw, c)) if !cond_inline => {
                    self.put(Some(start), indent, &head, Kind::Code, Blank::Keep);
                    let pos = c.span().start;
                    self.put_expr(pos, cont, kw, c, &opener, Kind::Open, Blank::Never);
                }
                _ => {
                    let line = format!("{head_cond}{opener}");
                    self.put(Some(start), indent, &line, Kind::Open, Blank::Keep);
                }
            }
            self.children(g, indent + 2, depth + 1, widths);
            self.close(g.span.end.saturating_sub(1), indent);
            return;
        }
        if cond_inline {
            if let Some(line) = self.inline_body(&head_cond, start, indent, body) {
                self.put(Some(start), indent, &line, Kind::Code, Blank::Keep);
                return;
            }
        }
        match cond {
            Some((kw, c)) if !cond_inline => {
                self.put(Some(start), indent, &head, Kind::Code, Blank::Keep);
                let pos = c.span().start;
                // `when ...: body` on the next line if it fits there.
                let guard_head = format!("{kw}{}", expr_text(c));
                if let Some(line) = self.inline_body(&guard_head, pos, cont, body) {
                    self.put(Some(pos), cont, &line, Kind::Code, Blank::Never);
                    return;
                }
                self.put_expr(pos, cont, kw, c, ":", Kind::Code, Blank::Never);
            }
            _ => {
                let line = format!("{head_cond}:");
                self.put(Some(start), indent, &line, Kind::Code, Blank::Keep);
            }
        }
        self.body_lines(body, cont);
    }
}

/// Whether a condition holds a limit carried `, as a condition of approval`.
fn has_condition_of_approval(e: &Expr) -> bool {
    match e {
        Expr::And(parts, _) | Expr::Or(parts, _) => parts.iter().any(has_condition_of_approval),
        Expr::Not(inner, _) => has_condition_of_approval(inner),
        Expr::Compare { condition, .. } => *condition,
        _ => false,
    }
}

fn referral_text(r: &Referral) -> String {
    let Referral { redirect, span: _ } = r;
    match redirect {
        Some(to) => format!("redirect to {}", quote(&to.value)),
        None => "refer to a clinician".to_string(),
    }
}

/// The widest label at each depth of a section's tree.
fn label_widths(g: &Group, depth: usize, out: &mut Vec<usize>) {
    if out.len() <= depth {
        out.resize(depth + 1, 0);
    }
    for n in &g.nodes {
        out[depth] = out[depth].max(width(&n.label.name));
        if let Body::Group(inner) = &n.body {
            label_widths(inner, depth + 1, out);
        }
    }
}

/// Put `prefix` before the first line of a layout, shifting the others to stay aligned with it.
fn prefix_laid(prefix: &str, laid: Laid) -> Laid {
    let n = width(prefix);
    laid.into_iter()
        .enumerate()
        .map(|(j, (pos, ind, text))| {
            if j == 0 {
                (pos, ind, format!("{prefix}{text}"))
            } else {
                (pos, ind + n, text)
            }
        })
        .collect()
}

/// Whether two consecutive top-level items belong together without a blank line between them
/// (unless the analyst left one): facts and equivalences, imports.
fn same_run(a: &Item, b: &Item) -> bool {
    matches!(
        (a, b),
        (
            Item::Fact(_) | Item::Equivalence(_),
            Item::Fact(_) | Item::Equivalence(_)
        ) | (Item::Import(_), Item::Import(_))
    )
}
