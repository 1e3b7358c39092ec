//! Allowing one lint at one place, with the reason: a comment
//!
//! ```text
//! # allow W0105: the document numbers these criteria A and C; B was removed in the 2024 revision
//! ```
//!
//! on the line above the one the warning points at (or at the end of that line) keeps the warning
//! out of `check` (and `check --strict`), which shows it as allowed, with the reason, instead.
//! Several codes may be listed (`# allow W0105, W0101: ...`). Only lints (W codes) can be allowed,
//! an allow needs its reason, and an allow that allows nothing is itself a warning (W0108), so that
//! no allow outlives the problem it was written for.

use policyc_syntax::ast::Span;
use policyc_syntax::diag::{Diagnostic, Severity};

/// The warning about an allow that cannot work: without a reason, naming what is not a lint, or
/// allowing nothing.
pub const BAD_ALLOW: &str = "W0108";

/// A lint warning kept out of the report by an allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The warning.
    pub diagnostic: Diagnostic,
    /// The reason the allow gives.
    pub reason: String,
    /// Where the allow is written.
    pub at: Span,
}

/// What the allows of a file make of its diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The diagnostics still reported, with a W0108 for each allow that cannot work.
    pub kept: Vec<Diagnostic>,
    /// The warnings allowed.
    pub allowed: Vec<Allowed>,
}

/// One `# allow` comment.
struct Directive {
    /// The comment, from its `#`.
    span: Span,
    /// The codes it names, each with its span.
    codes: Vec<(String, Span)>,
    reason: String,
    /// The line it applies to (counted from 0).
    line: usize,
    used: Vec<bool>,
}

/// The `#` that starts a comment on `line`, if any (a `#` inside a string is not one).
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_string && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_string = !in_string,
            '#' if !in_string => return Some(i),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// Every allow of `text`.
fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut pending: Vec<usize> = Vec::new();
    let mut offset = 0;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let comment = comment_start(line);
        let code_before = comment.map_or(line, |c| &line[..c]).trim();
        // A line with code ends the allows waiting above it: they apply to it.
        if !code_before.is_empty() {
            for d in pending.drain(..) {
                let d: &mut Directive = &mut out[d];
                d.line = n;
            }
        }
        if let Some(c) = comment {
            let body = line[c + 1..].trim_start();
            let rest = if body.trim_end() == "allow" {
                Some("")
            } else {
                body.strip_prefix("allow ")
            };
            if let Some(rest) = rest {
                let rest_at = offset + c + 1 + (line[c + 1..].len() - body.len()) + "allow ".len();
                let (list, reason) = match rest.split_once(':') {
                    Some((l, r)) => (l, r.trim().to_string()),
                    None => (rest, String::new()),
                };
                let mut codes = Vec::new();
                let mut at = 0;
                for part in list.split(',') {
                    let code = part.trim();
                    let start = rest_at + at + (part.len() - part.trim_start().len());
                    if !code.is_empty() {
                        codes.push((code.to_string(), Span::new(start, start + code.len())));
                    }
                    at += part.len() + 1;
                }
                let used = vec![false; codes.len()];
                out.push(Directive {
                    span: Span::new(offset + c, offset + line.len()),
                    codes,
                    reason,
                    line: n,
                    used,
                });
                if code_before.is_empty() {
                    pending.push(out.len() - 1);
                }
            }
        }
        offset += raw.len();
    }
    out
}

fn is_lint_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with('W') && code[1..].chars().all(|c| c.is_ascii_digit())
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map_or(0, |t| t.matches('\n').count())
}

fn warning(span: Span, message: String, label: &str, help: &str) -> Diagnostic {
    let mut d = Diagnostic::error(BAD_ALLOW, message, span, label).with_help(help);
    d.severity = Severity::Warning;
    d
}

/// Apply the allows of `text` (the file the diagnostics are about) to its diagnostics. `linted`:
/// the lints ran (the file compiled), so an allow that allows nothing is reported; otherwise it
/// is not judged.
pub fn apply(text: &str, diagnostics: Vec<Diagnostic>, linted: bool) -> Outcome {
    // Every allow is a comment that starts with `allow`: a file without the word has none, and
    // keeps every diagnostic (the usual case, found without reading the file line by line).
    if !text.contains("allow") {
        return Outcome {
            kept: diagnostics,
            allowed: Vec::new(),
        };
    }
    let mut dirs = directives(text);
    let mut out = Outcome::default();
    for d in diagnostics {
        let line = line_of(text, d.primary.span.start);
        let by = dirs.iter_mut().find_map(|dir| {
            if dir.line != line || dir.reason.is_empty() || !is_lint_code(d.code) {
                return None;
            }
            let k = dir.codes.iter().position(|(c, _)| c == d.code)?;
            dir.used[k] = true;
            Some((dir.reason.clone(), dir.span))
        });
        match by {
            Some((reason, at)) => out.allowed.push(Allowed {
                diagnostic: d,
                reason,
                at,
            }),
            None => out.kept.push(d),
        }
    }
    for dir in &dirs {
        if dir.codes.is_empty() {
            out.kept.push(warning(
                dir.span,
                "this allow names no lint".into(),
                "no code",
                "name the lint and give the reason: `# allow W0105: the document skips B`",
            ));
            continue;
        }
        if dir.reason.is_empty() {
            out.kept.push(warning(
                dir.span,
                "an allow needs its reason".into(),
                "no reason",
                "say why the warning does not apply here, after a colon: `# allow W0105: the document skips B`; until then the warning is reported",
            ));
            continue;
        }
        for ((code, span), used) in dir.codes.iter().zip(&dir.used) {
            if !is_lint_code(code) {
                out.kept.push(warning(
                    *span,
                    format!(
                        "`{code}` is not a lint: only warnings (W0100 to W0199) can be allowed"
                    ),
                    "not a lint",
                    "an error must be fixed; remove it from the allow",
                ));
            } else if linted && !used {
                out.kept.push(warning(
                    *span,
                    format!(
                        "{code} is not reported on line {}, so this allow allows nothing",
                        dir.line + 1
                    ),
                    "allows nothing",
                    "remove the allow (the problem it was written for is gone), or move it to the line above the one the warning points at",
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(code: &'static str, text: &str, at: &str) -> Diagnostic {
        let start = text.find(at).unwrap_or(0);
        let mut d = Diagnostic::error(code, "a lint", Span::new(start, start + at.len()), "here")
            .with_help("help");
        d.severity = Severity::Warning;
        d
    }

    #[test]
    fn an_allow_above_or_beside_the_line_keeps_its_lint_out() {
        let text = "a\n# allow W0105: the document skips B\n  # another comment\nC \"x\"\nD \"y\" # allow W0101, W0102: never fails, by design\n";
        let o = apply(
            text,
            vec![
                lint("W0105", text, "C \"x\""),
                lint("W0102", text, "D \"y\""),
                lint("W0100", text, "D \"y\""),
            ],
            false,
        );
        assert_eq!(o.allowed.len(), 2, "{o:#?}");
        assert_eq!(o.allowed[0].reason, "the document skips B");
        assert_eq!(o.allowed[1].reason, "never fails, by design");
        assert_eq!(o.kept.len(), 1);
        assert_eq!(o.kept[0].code, "W0100", "not named by the allow");
    }

    #[test]
    fn an_allow_without_reason_or_of_an_error_or_unused_is_a_warning() {
        let text = "# allow W0105\nC\n# allow E0211: no\nD\n# allow W0101: gone\nE \"# allow W0100: in a string\"\n# allow\nF\n";
        let o = apply(
            text,
            vec![
                lint("W0105", text, "C"),
                lint("E0211", text, "D"),
                lint("W0100", text, "E \""),
            ],
            true,
        );
        assert!(o.allowed.is_empty(), "{o:#?}");
        let messages: Vec<&str> = o.kept.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.contains(&"an allow needs its reason"),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("`E0211` is not a lint")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("W0101 is not reported on line 6")),
            "{messages:?}"
        );
        assert!(
            messages.contains(&"this allow names no lint"),
            "{messages:?}"
        );
        // The three diagnostics stay, and the comment inside a string is no allow.
        assert_eq!(o.kept.iter().filter(|d| d.code != BAD_ALLOW).count(), 3);
        let e = o
            .kept
            .iter()
            .find(|d| d.message.starts_with("`E0211`"))
            .map(|d| &text[d.primary.span.start..d.primary.span.end]);
        assert_eq!(e, Some("E0211"));
    }
}
