//! Conditions laid out over lines: one operand of an `and`/`or` chain per line, the operator
//! leading, when a condition does not fit or a comment inside it must stay in place.

use super::text::{bare_expr_text, parens_for, width, wrap_parens, Parent};
use super::{Blank, Kind, Printer, WIDTH};
use crate::ast::*;

/// One output line of a condition laid out over several: the source position of what starts it
/// (`None` for the first line, which the caller places), its indentation relative to the first
/// line, and its text.
type Laid = Vec<(Option<usize>, usize, String)>;

impl Printer<'_> {
    /// Whether a condition must be broken over lines to keep the comments inside it in place: a
    /// comment between the operands of one of its `and`/`or` chains.
    pub(super) fn needs_break(&self, e: &Expr) -> bool {
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
        self.layout_in(e, parens_for(e, None), col, tail)
    }

    /// [`Self::layout`] of a condition inside `parens` pairs of parentheses.
    fn layout_in(&self, e: &Expr, parens: u32, col: usize, tail: usize) -> Laid {
        let flat = wrap_parens(parens, bare_expr_text(e));
        let chain = matches!(e, Expr::And(..) | Expr::Or(..));
        let must_break = self.needs_break(e) || chain && has_condition_of_approval(e);
        if !must_break && col + width(&flat) + tail <= WIDTH {
            return vec![(None, 0, flat)];
        }
        if parens > 0 {
            let n = parens as usize;
            let mut sub = prefix_laid(&"(".repeat(n), self.layout_in(e, 0, col + n, tail + n));
            if let Some(last) = sub.last_mut() {
                last.2.push_str(&")".repeat(n));
            }
            return sub;
        }
        match e {
            Expr::And(parts, sp) | Expr::Or(parts, sp) => {
                let (kw, parent) = if matches!(e, Expr::And(..)) {
                    ("and ", Parent::And)
                } else {
                    ("or ", Parent::Or)
                };
                let mut out = Laid::new();
                for (k, part) in parts.iter().enumerate() {
                    let pre = if k == 0 { "" } else { kw };
                    let t = if k + 1 == parts.len() { tail } else { 0 };
                    let n = parens_for(part, Some((parent, *sp)));
                    let sub = self.layout_in(part, n, col + pre.len(), t);
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
            Expr::Not(inner, sp) => {
                let n = parens_for(inner, Some((Parent::Not, *sp)));
                let sub = self.layout_in(inner, n, col + 4, tail);
                prefix_laid("not ", sub)
            }
            _ => vec![(None, 0, flat)],
        }
    }

    /// Print a condition: its first line `prefix` + condition at `indent`, starting at source
    /// position `pos`, and `suffix` after its last line.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn put_expr(
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
}

/// Whether a condition holds a limit carried `, as a condition of approval`.
pub(super) fn has_condition_of_approval(e: &Expr) -> bool {
    match e {
        Expr::And(parts, _) | Expr::Or(parts, _) => parts.iter().any(has_condition_of_approval),
        Expr::Not(inner, _) => has_condition_of_approval(inner),
        Expr::Compare { condition, .. } | Expr::Regimen { condition, .. } => *condition,
        _ => false,
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
