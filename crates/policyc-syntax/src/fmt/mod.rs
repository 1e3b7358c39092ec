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
//! - `LABEL "sentence" [when|if COND]: body` on one line if it fits in 100 columns; otherwise
//!   the condition goes on the next line, indented under the sentence (`when COND` too, if the
//!   label's line cannot hold it), and an `and`/`or` chain that still does not fit is broken one
//!   operand per line, the operator leading, nested chains the same way inside their parentheses.
//!   A lone yes/no fact may overrun by 10 columns; a limit carried `, as a condition of
//!   approval` always gets a line of its own;
//! - numbers, scale words and units exactly as written (`600,000 IU/kg (0.037 mg/kg)`); operators
//!   normalised (`at least`, `=`, `!=`, `*`), `is one of [a]` written `is a`, strings re-escaped;
//!   the parentheses the analyst wrote, needed or not (`(a and b) or c` stays as written, `((a))`
//!   too), and none added (the parse needs parentheses only where the analyst had to write them:
//!   an `or` inside an `and`, a grouping within a chain of one operator), so the formatted file
//!   parses to the same AST and compiles to the same program.
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

mod comments;
mod declarations;
mod layout;
mod text;

pub use text::quote;

use crate::diag::Diagnostic;
use comments::{blank_before, collect_file, scan_comments, Comment};

/// The line width the formatter aims for. Strings are never broken, so a line holding a long
/// sentence can be wider.
pub(crate) const WIDTH: usize = 100;

/// How far past [`WIDTH`] a criterion whose condition is a lone yes/no fact may run before the fact
/// goes on a line of its own.
pub(crate) const LONE_FACT_SLACK: usize = 10;

/// Format a policy's source text in the canonical layout.
///
/// Returns the parser's diagnostic if the text does not parse.
pub fn format_source(text: &str) -> Result<String, Box<Diagnostic>> {
    let (file, written) = crate::parser::parse_with_parens(text)?;
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
    text::with_written_parens(&written, || p.file(&file));
    Ok(p.finish())
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
}
