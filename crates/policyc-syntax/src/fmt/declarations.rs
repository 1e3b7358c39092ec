//! Items, sections and criteria: the file's items in order, the policy header, enumerations,
//! definitions, indications and reauthorizations, and the labelled tree of a section.

use super::layout::has_condition_of_approval;
use super::text::{
    code_lists_text, expr_text, number_text, quantity_text, quote, referral_text, source_text,
    value_text, width,
};
use super::{Blank, Kind, Printer, LONE_FACT_SLACK, WIDTH};
use crate::ast::*;

impl Printer<'_> {
    pub(super) fn file(&mut self, f: &File) {
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
            Item::ExtendEnum(EnumExtension { name, values, span }) => {
                let head = format!("extend enum {} {{", name.name);
                self.put(Some(span.start), 0, &head, Kind::Open, blank);
                self.enum_values(values);
                self.close(span.end.saturating_sub(1), 0);
            }
            Item::Fact(FactDecl {
                name,
                ty,
                description,
                range,
                source,
                derived,
                span,
            }) => {
                let ty = match ty {
                    TypeRef::Set(id) => format!("set of {}", id.name),
                    TypeRef::Named(u) => u.text.clone(),
                };
                let mut line = format!("fact {}: {ty} {}", name.name, quote(&description.value));
                if let Some(r) = range {
                    let bound = |b: &RangeBound| match b {
                        RangeBound::Quantity(q) => quantity_text(q),
                        RangeBound::Date(d) => d.text.clone(),
                    };
                    line.push_str(&format!(" within {} to {}", bound(&r.low), bound(&r.high)));
                }
                // A fact is one line, as long as it takes: its source after the range.
                if let Some(src) = source {
                    line.push(' ');
                    line.push_str(&source_text(src));
                }
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
            Item::Regimen(RegimenDecl {
                doses,
                interval,
                counting,
                span,
            }) => {
                let doses: Vec<&str> = doses.iter().map(|d| d.name.as_str()).collect();
                let mut line = format!("regimen {} every {}", doses.join(" or "), interval.name);
                if let Some(c) = counting {
                    line.push_str(&format!(" counting {}", c.name));
                }
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
                    codes,
                    span,
                } => (
                    format!("{}{}", quote(&value.value), code_lists_text(codes)),
                    span,
                ),
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
        self.enum_values(values);
        self.close(span.end.saturating_sub(1), 0);
    }

    /// An enumeration's values, one per line, their names aligned.
    fn enum_values(&mut self, values: &[EnumValue]) {
        let w = values
            .iter()
            .map(|v| width(&v.name.name))
            .max()
            .unwrap_or(0);
        for EnumValue {
            name,
            description,
            codes,
        } in values
        {
            let line = format!(
                "{:<w$} {}{}",
                name.name,
                quote(&description.value),
                code_lists_text(codes)
            );
            self.put(Some(name.span.start), 2, &line, Kind::Code, Blank::Keep);
        }
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
                label_widths(body, 0, &mut widths);
                self.children(g, indent + 2, 0, &widths);
                self.close(g.span.end.saturating_sub(1), indent);
            }
            Body::Phases(ps) => {
                let line = format!("{head}: in phases {{");
                self.put(Some(start), indent, &line, Kind::Open, blank);
                let mut widths = Vec::new();
                label_widths(body, 0, &mut widths);
                self.phases(ps, indent + 2, 0, &widths);
                self.close(ps.span.end.saturating_sub(1), indent);
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
            Body::Group(_) | Body::Phases(_) => return None,
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
            Body::Group(_) | Body::Phases(_) => {}
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

    /// The labelled children of a group or of the phases of a course at `indent`, and the closing
    /// brace at `close_indent`.
    fn nested(
        &mut self,
        body: &Body,
        indent: usize,
        depth: usize,
        widths: &[usize],
        close_indent: usize,
    ) {
        match body {
            Body::Group(g) => {
                self.children(g, indent, depth, widths);
                self.close(g.span.end.saturating_sub(1), close_indent);
            }
            Body::Phases(ps) => {
                self.phases(ps, indent, depth, widths);
                self.close(ps.span.end.saturating_sub(1), close_indent);
            }
            Body::Expr(_) | Body::Referral(_) => {}
        }
    }

    /// The phases of a course, one a line as nodes are: `i "..." for 4 doses: body`.
    fn phases(&mut self, ps: &Phases, indent: usize, depth: usize, widths: &[usize]) {
        let lw = widths.get(depth).copied().unwrap_or(0);
        for p in &ps.phases {
            let Phase {
                label,
                text,
                doses,
                body,
                span,
            } = p;
            let mut head = format!("{:<lw$} {}", label.name, quote(&text.value));
            if let Some(n) = doses {
                let word = if n.text == "1" && n.scale.is_none() {
                    "dose"
                } else {
                    "doses"
                };
                head.push_str(&format!(" for {} {word}", number_text(n)));
            }
            let start = span.start;
            match body {
                Body::Group(g) => {
                    let line = format!("{head}: {} {{", g.kind.keyword());
                    self.put(Some(start), indent, &line, Kind::Open, Blank::Keep);
                    self.nested(body, indent + 2, depth + 1, widths, indent);
                }
                Body::Phases(_) => {
                    let line = format!("{head}: in phases {{");
                    self.put(Some(start), indent, &line, Kind::Open, Blank::Keep);
                    self.nested(body, indent + 2, depth + 1, widths, indent);
                }
                _ => {
                    if let Some(line) = self.inline_body(&head, start, indent, body) {
                        self.put(Some(start), indent, &line, Kind::Code, Blank::Keep);
                    } else {
                        self.put(
                            Some(start),
                            indent,
                            &format!("{head}:"),
                            Kind::Code,
                            Blank::Keep,
                        );
                        self.body_lines(body, indent + lw + 1);
                    }
                }
            }
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
            Body::Phases(_) => ": in phases {".to_string(),
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
        if let Body::Group(_) | Body::Phases(_) = body {
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
            self.nested(body, indent + 2, depth + 1, widths, indent);
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

/// The widest label at each depth of a section's tree (the nodes of its groups and the phases of
/// its courses).
fn label_widths(b: &Body, depth: usize, out: &mut Vec<usize>) {
    let children: Vec<(&Ident, &Body)> = match b {
        Body::Group(g) => g.nodes.iter().map(|n| (&n.label, &n.body)).collect(),
        Body::Phases(ps) => ps.phases.iter().map(|p| (&p.label, &p.body)).collect(),
        Body::Expr(_) | Body::Referral(_) => return,
    };
    if out.len() <= depth {
        out.resize(depth + 1, 0);
    }
    for (label, body) in children {
        out[depth] = out[depth].max(width(&label.name));
        label_widths(body, depth + 1, out);
    }
}

/// Whether two consecutive top-level items belong together without a blank line between them
/// (unless the analyst left one): facts and equivalences, imports.
fn same_run(a: &Item, b: &Item) -> bool {
    matches!(
        (a, b),
        (
            Item::Fact(_) | Item::Equivalence(_) | Item::Regimen(_),
            Item::Fact(_) | Item::Equivalence(_) | Item::Regimen(_)
        ) | (Item::Import(_), Item::Import(_))
    )
}
