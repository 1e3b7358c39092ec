//! Several syntax errors in one run: after the first, the parse resumes at the next item.
//!
//! The grammar cannot resynchronise inside an item, but items are easy to find again: each starts
//! at the beginning of a line with its keyword (`fact`, `enum`, `indication`, …), which is how
//! `policyc fmt` lays them out and how every policy is written. So the text is cut at those lines,
//! and each piece after the one that failed is parsed alone; each failure is one more error. An
//! unclosed `{`, `(`, `[` or `"` is found by a scan of the failing piece (strings and comments
//! skipped) and pointed at where it was opened.

use super::errors::syntax_error;
use super::{PolicyParser, Rule};
use crate::ast::Span;
use crate::diag::{Diagnostic, Label};
use pest::Parser as _;

/// At most this many syntax errors are reported for one file.
pub const MAX_SYNTAX_ERRORS: usize = 20;

/// The keywords an item starts with.
const ITEM_KEYWORDS: [&str; 9] = [
    "import",
    "policy",
    "library",
    "enum",
    "fact",
    "regimen",
    "define",
    "equivalence",
    "indication",
];

/// The byte offsets where items start: lines that begin, at their first column, with an item's
/// keyword followed by a space. Always starts with 0.
fn item_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let word_end = line.find([' ', '\t']).unwrap_or(line.len());
        if at > 0 && ITEM_KEYWORDS.contains(&&line[..word_end]) {
            starts.push(at);
        }
        at += line.len();
    }
    starts
}

/// An opening delimiter that is never closed in `text`: its offset and the character. Strings
/// (which end on their own line) and `#` comments are skipped; the outermost unclosed bracket is
/// the one reported, since the closers that follow it may all belong to brackets inside it.
fn unclosed(text: &str) -> Option<(usize, char)> {
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\n' => break,
                        _ => {}
                    }
                }
                if !closed {
                    return Some((i, '"'));
                }
            }
            '{' | '(' | '[' => stack.push((i, c)),
            '}' | ')' | ']' => {
                let open = match c {
                    '}' => '{',
                    ')' => '(',
                    _ => '[',
                };
                if stack.last().is_some_and(|(_, o)| *o == open) {
                    stack.pop();
                }
            }
            _ => {}
        }
    }
    stack.first().copied()
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Point `d` at the delimiter left open in `text[piece.0..piece.1]`, if one is.
fn explain_unclosed(text: &str, piece: (usize, usize), d: &mut Diagnostic) {
    let Some((at, c)) = unclosed(&text[piece.0..piece.1]) else {
        return;
    };
    let at = piece.0 + at;
    let span = Span::new(at, at + c.len_utf8());
    let line = line_of(text, at);
    let (label, help) = match c {
        '"' => (
            "this string is never closed".to_string(),
            format!("close the string opened on line {line} with `\"` on the same line: a sentence is written on one line"),
        ),
        _ => {
            let close = match c {
                '{' => '}',
                '(' => ')',
                _ => ']',
            };
            (
                format!("this `{c}` is never closed"),
                format!("add the `{close}` that closes the `{c}` opened on line {line}, before the next declaration"),
            )
        }
    };
    d.secondary.push(Label {
        span,
        message: label,
    });
    d.help = Some(help);
}

/// Shift every span of `d` by `by` bytes.
fn shift(d: &mut Diagnostic, by: usize) {
    let s = |sp: &mut Span| *sp = Span::new(sp.start + by, sp.end + by);
    s(&mut d.primary.span);
    for l in &mut d.secondary {
        s(&mut l.span);
    }
}

/// Every syntax error of `text`, given the first (that of the whole parse, at `first`'s span):
/// the first, explained, then one for each later item that does not parse on its own.
pub(super) fn all_errors(text: &str, mut first: Diagnostic) -> Vec<Diagnostic> {
    let starts = item_starts(text);
    let piece = |k: usize| (starts[k], starts.get(k + 1).copied().unwrap_or(text.len()));
    let at = first.primary.span.start;
    // The piece the first error is in; an error at the very start of an item (its keyword seen
    // where the previous item should have gone on) belongs to the previous item.
    let mut k = starts.partition_point(|&s| s <= at).saturating_sub(1);
    if k > 0 && starts[k] == at {
        k -= 1;
    }
    explain_unclosed(text, piece(k), &mut first);
    let mut out = vec![first];
    for j in k + 1..starts.len() {
        if out.len() >= MAX_SYNTAX_ERRORS {
            break;
        }
        let (from, to) = piece(j);
        if let Err(e) = PolicyParser::parse(Rule::file, &text[from..to]) {
            // The piece alone ends where the next item starts; parsed with the rest of the file,
            // the error says what is really there (`fact`, not "the end of the file"), and the
            // parse still stops at it, within this piece or at the next one's first word.
            // (After the newline that ends the previous item, as in the whole file: at the very
            // start of a text, pest reports an item that fails early with no expectations.)
            let rest = &text[from - 1..];
            let mut d = match PolicyParser::parse(Rule::file, rest) {
                Err(e) => {
                    let mut d = syntax_error(rest, e);
                    shift(&mut d, from - 1);
                    d
                }
                Ok(_) => {
                    let mut d = syntax_error(&text[from..to], e);
                    shift(&mut d, from);
                    d
                }
            };
            explain_unclosed(text, (from, to), &mut d);
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_start_at_their_keyword_at_the_first_column() {
        let text = "policy p {\n}\n  fact x: count \"x\"\nfact y: count \"y\"\nfacts z\nindication 1 \"a\" {\n}\n";
        let starts = item_starts(text);
        let words: Vec<&str> = starts.iter().map(|&s| &text[s..s + 4]).collect();
        assert_eq!(words, ["poli", "fact", "indi"]);
    }

    #[test]
    fn the_outermost_unclosed_bracket_or_an_unclosed_string() {
        assert_eq!(unclosed("a { b { c } "), Some((2, '{')));
        assert_eq!(unclosed("a { b } ( c"), Some((8, '(')));
        assert_eq!(unclosed("a { \"}\" # }\n }"), None);
        assert_eq!(unclosed("x \"never\n y"), Some((2, '"')));
        assert_eq!(unclosed("x \"esc \\\" still\" { }"), None);
    }
}
