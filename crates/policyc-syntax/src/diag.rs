//! Diagnostics: one type for every error and warning the compiler reports.
//!
//! Each diagnostic has a stable code (listed in [`codes`]), a message saying what is wrong, a primary
//! span with a label saying where, optional secondary spans, and help saying how to fix it. They are
//! rendered through miette for people, and as JSON or GitHub annotations for machines.

use crate::ast::Span;
use miette::{LabeledSpan, SourceCode};
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// How serious a diagnostic is (serialized as `error` or `warning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The policy cannot be compiled.
    Error,
    /// The policy compiles, but something in it deserves the analyst's attention.
    Warning,
}

/// A labelled location in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, in a few words.
    pub message: String,
}

/// An error or warning about a policy's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Its stable code, one of [`codes`].
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Where it is wrong.
    pub primary: Label,
    /// Other places that explain it (a first declaration, say).
    pub secondary: Vec<Label>,
    /// How to fix it, if there is advice to give.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with its code, message, and primary span and label.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A warning with its code, message, and primary span and label.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        let mut d = Diagnostic::error(code, message, span, label);
        d.severity = Severity::Warning;
        d
    }

    /// The same diagnostic with help saying how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same diagnostic with one more secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether it is an error (rather than a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Stable diagnostic codes. A code never changes meaning once released; retired codes are not reused.
pub mod codes {
    // Syntax.
    /// The text does not parse.
    pub const SYNTAX: &str = "E0100";
    /// A number cannot be held exactly (more than 28 significant digits).
    pub const BAD_NUMBER: &str = "E0101";
    /// A date is not a calendar date.
    pub const BAD_DATE: &str = "E0102";
    /// A unit is unknown, malformed, or mixes units whose ratio is not a terminating decimal.
    pub const BAD_UNIT: &str = "E0103";
    // Limits (see [`crate::limits`]).
    /// Conditions, groups, brackets or formulas nested deeper than the limit.
    pub const TOO_DEEP: &str = "E0110";
    /// A line longer than the limit.
    pub const LINE_TOO_LONG: &str = "E0111";
    /// A file larger than the limit, or with more items than the limit.
    pub const TOO_LARGE: &str = "E0112";
    // Declarations and names.
    /// A policy file has no `policy` header.
    pub const MISSING_HEADER: &str = "E0200";
    /// A file has a second `policy` header.
    pub const DUPLICATE_HEADER: &str = "E0201";
    /// A policy header gives a key twice.
    pub const DUPLICATE_META: &str = "E0202";
    /// A policy header lacks a required key.
    pub const MISSING_META: &str = "E0203";
    /// A fact is declared twice.
    pub const DUPLICATE_FACT: &str = "E0210";
    /// A name is not a declared fact.
    pub const UNKNOWN_FACT: &str = "E0211";
    /// An enumeration is declared twice.
    pub const DUPLICATE_ENUM: &str = "E0212";
    /// An enumeration lists a value twice.
    pub const DUPLICATE_ENUM_VALUE: &str = "E0213";
    /// A fact's type is not a type, an enumeration or a unit.
    pub const UNKNOWN_TYPE: &str = "E0214";
    /// A value is not one of its enumeration's.
    pub const UNKNOWN_ENUM_VALUE: &str = "E0215";
    /// A call names a function policyc does not know.
    pub const UNKNOWN_FUNCTION: &str = "E0216";
    /// An enumeration has more than 128 values.
    pub const ENUM_TOO_LARGE: &str = "E0217";
    /// An enumeration lists no values.
    pub const EMPTY_ENUM: &str = "E0218";
    /// `extend enum` of an enumeration that is not declared or imported.
    pub const UNKNOWN_EXTENDED_ENUM: &str = "E0219";
    // Types and units.
    /// A value's type does not fit its use (the other side of a comparison, a derived fact's type).
    pub const TYPE_MISMATCH: &str = "E0300";
    /// Two quantities of different dimensions are compared or combined.
    pub const UNIT_MISMATCH: &str = "E0301";
    /// A number is compared with a quantity fact but has no unit.
    pub const MISSING_UNIT: &str = "E0302";
    /// A fact stands alone as a condition but is not a yes/no fact.
    pub const NOT_BOOLEAN: &str = "E0303";
    /// `is` with a value name is applied to a fact that is not an enumeration.
    pub const NOT_ENUM: &str = "E0304";
    /// A set test (`has`) is applied to a fact that is not a set.
    pub const NOT_SET: &str = "E0305";
    /// A function or definition is given the wrong number or kind of arguments.
    pub const BAD_ARGUMENTS: &str = "E0306";
    /// An equivalence does not relate a product's own unit to a mass or volume exactly.
    pub const BAD_EQUIVALENCE: &str = "E0307";
    /// A limit's restatement in another unit disagrees with the declared equivalence.
    pub const INCONSISTENT_ALTERNATE: &str = "E0308";
    /// Derived facts depend on each other in a cycle.
    pub const DERIVED_CYCLE: &str = "E0309";
    /// A comparison has no fact on either side.
    pub const NOT_A_LIMIT: &str = "E0310";
    /// A limit is carried `, as a condition of approval` outside dosing, or compares two facts.
    pub const BAD_CONDITION: &str = "E0311";
    /// A fact's plausible range (`within ... to ...`) whose bounds are not of the fact's type or
    /// dimension, or on a fact that cannot have one (yes/no, an enumeration, a set).
    pub const BAD_RANGE: &str = "E0312";
    /// A fact's plausible range whose lower bound is above its upper bound.
    pub const RANGE_REVERSED: &str = "E0313";
    // Structure.
    /// A label is used twice.
    pub const DUPLICATE_LABEL: &str = "E0400";
    /// An indication has no approval duration.
    pub const MISSING_DURATION: &str = "E0401";
    /// An indication has a section (`applies when`, `criteria`, ...) twice.
    pub const DUPLICATE_SECTION: &str = "E0402";
    /// An indication or reauthorization has no criteria.
    pub const MISSING_CRITERIA: &str = "E0403";
    /// A group lists no nodes.
    pub const EMPTY_GROUP: &str = "E0404";
    /// An approval duration is not a whole number from 1 to 100.
    pub const BAD_DURATION: &str = "E0405";
    /// A policy has no indications.
    pub const NO_INDICATIONS: &str = "E0406";
    /// Two indications have the same label.
    pub const DUPLICATE_INDICATION: &str = "E0407";
    /// Retired: imports are supported since the library feature.
    pub const UNSUPPORTED_IMPORT: &str = "E0408";
    /// An import cannot be loaded: missing, not a library, or with errors of its own.
    pub const IMPORT: &str = "E0409";
    /// Imports form a cycle.
    pub const IMPORT_CYCLE: &str = "E0410";
    /// A library holds a policy header or indications.
    pub const LIBRARY_CONTENT: &str = "E0411";
    /// A definition is declared twice.
    pub const DUPLICATE_DEFINE: &str = "E0412";
    /// A call names no declared definition.
    pub const UNKNOWN_DEFINE: &str = "E0413";
    /// A `meets` names no criteria above it, or criteria that refer the decision to people.
    pub const UNKNOWN_LABEL: &str = "E0414";
    /// A version that cannot amend the version it names: missing or unreadable file, outside the
    /// folder, not a policy, another policy's id, errors of its own, a circle of versions, or an
    /// `effective` date that is not after the earlier version's.
    pub const AMENDS: &str = "E0415";
    /// A definition that uses itself, directly or through others.
    pub const DEFINE_CYCLE: &str = "E0420";
    /// Criteria that, with their definitions and `meets` expanded, are too large or too deep.
    pub const EXPANSION_LIMIT: &str = "E0421";
    // Regimens and the phases of a course.
    /// A regimen (`240 mg every 2 weeks`) in a policy with no `regimen` declaration, or phases of a
    /// course (`in phases`) whose `regimen` declaration names no `counting` fact.
    pub const REGIMEN_UNDECLARED: &str = "E0430";
    /// A `regimen` declaration that names a fact of the wrong type (a dose that is not a quantity,
    /// an interval that is not a time, a count of doses that is not a count), two dose facts of one
    /// dimension, or that is declared twice.
    pub const BAD_REGIMEN: &str = "E0431";
    /// A regimen whose amount is of no dimension of the declared dose facts, or whose interval is
    /// not a time.
    pub const REGIMEN_UNIT: &str = "E0432";
    /// A phase of a course whose number of doses (`for 4 doses`) is not a positive whole number.
    pub const BAD_PHASE_COUNT: &str = "E0433";
    /// Phases of a course that overlap: a phase without `for N doses` (it lasts to the end of the
    /// course) before another.
    pub const PHASES_OVERLAP: &str = "E0434";
    /// A regimen or phases where they cannot be checked as dosing: in a `when`, an `if`, an
    /// `applies when`, or among the criteria other than through `all of` groups.
    pub const REGIMEN_PLACE: &str = "E0435";
    // Where FHIR data states the facts.
    /// A code that is not of its code system's form (a wrong check digit, an ICD-10-CM code
    /// without its category), a prefix outside ICD-10-CM, or codes of a system that cannot stand
    /// for what they are written on.
    pub const BAD_CODE: &str = "E0500";
    /// A code that stands for two values of one enumeration (or overlaps another value's
    /// prefix), listed twice, or a QuestionnaireResponse linkId that answers two facts.
    pub const DUPLICATE_CODE: &str = "E0501";
    /// A fact's source (`from ...`) that its type cannot take, or that reads codes its
    /// enumeration does not list.
    pub const BAD_SOURCE: &str = "E0502";
    /// A fact's source that gives a quantity of another dimension (a LOINC height for a weight,
    /// a dose for doses per day).
    pub const SOURCE_UNIT: &str = "E0503";
}

/// A source file: its name and text, for rendering diagnostics.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name diagnostics show for it (a path, usually).
    pub name: String,
    /// Its text, which the diagnostics' spans index.
    pub text: Arc<str>,
    /// The byte offset of the start of every line after the first, computed on first use, so
    /// that placing thousands of diagnostics in a large file stays linear.
    line_starts: Arc<OnceLock<Vec<usize>>>,
}

impl Source {
    /// A source with this name and text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
            line_starts: Arc::default(),
        }
    }

    /// Where each line after the first starts: after LF, after a CR not followed by LF.
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut starts = Vec::new();
            for (i, b) in bytes.iter().enumerate() {
                match b {
                    b'\n' => starts.push(i + 1),
                    b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                    _ => {}
                }
            }
            starts
        })
    }

    /// 1-based line and column of a byte offset (column counted in characters; a line ends at LF,
    /// CR or CRLF).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.line_starts();
        // The lines that start at or before the offset (the first line starts at 0).
        let before = starts.partition_point(|&s| s <= offset);
        let start = if before == 0 { 0 } else { starts[before - 1] };
        let col = self.text[start..offset].chars().count() + 1;
        (before + 1, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A diagnostic joined to its source, implementing [`miette::Diagnostic`] for rendering.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) diagnostic: Diagnostic,
    source: CharColumns,
}

impl Report {
    pub(crate) fn new(diagnostic: Diagnostic, source: &Source) -> Self {
        Report {
            diagnostic,
            source: CharColumns(source.clone()),
        }
    }
}

/// The source as miette reads it, except that the column of a location (`file:line:column` in
/// the header of a rendered diagnostic) is counted in characters, as in the JSON and GitHub
/// formats, rather than in bytes: `≥` is one column, not three.
#[derive(Debug)]
struct CharColumns(Source);

impl SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &'a str = &self.0.text;
        // miette finds the lines around a span by scanning from the start of the text, which is
        // quadratic over many diagnostics in a large file. It is given the text from the first
        // line it needs instead (found with the line index), and its answer is shifted back.
        let starts = self.0.line_starts();
        let offset = span.offset().min(text.len());
        let line = starts.partition_point(|&s| s <= offset);
        // One line more than the context, so that miette meets the line ending before the
        // span's line as it does reading from the start (it matters for an empty span at the
        // start of a line).
        let first = line.saturating_sub(context_lines_before + 1);
        let window_start = if first == 0 { 0 } else { starts[first - 1] };
        let relative = miette::SourceSpan::new((offset - window_start).into(), span.len());
        let contents =
            text[window_start..].read_span(&relative, context_lines_before, context_lines_after)?;
        // miette gives a column only when it reads no line before the span (otherwise 0, the
        // start of the first line read); that column is a byte count.
        let column = if context_lines_before == 0 {
            self.0.line_col(offset).1 - 1
        } else {
            contents.column()
        };
        let (data, span, line, line_count) = (
            contents.data(),
            miette::SourceSpan::new(
                (contents.span().offset() + window_start).into(),
                contents.span().len(),
            ),
            contents.line() + first,
            contents.line_count() + first,
        );
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.0.name.clone(),
            data,
            span,
            line,
            column,
            line_count,
        )))
    }
}

/// The text as miette reads it: a lone CR (an old Mac line ending) becomes LF, byte for byte, so
/// that spans still index it and miette sees the same lines as the parser.
fn lf_lines(text: &Arc<str>) -> Arc<str> {
    if !text.contains('\r') {
        return text.clone();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c == '\r' && b.get(i + 1) != Some(&b'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Whether a label of the diagnostic is on a line too long for the graphical renderer (which
/// cannot show columns past 65,535); such a diagnostic is rendered without its source excerpt.
fn on_long_line(d: &Diagnostic, text: &str) -> bool {
    let long = |offset: usize| {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let start = text[..offset].rfind('\n').map(|n| n + 1).unwrap_or(0);
        let end = text[offset..]
            .find('\n')
            .map(|n| offset + n)
            .unwrap_or(text.len());
        end - start > crate::limits::MAX_LINE_CHARS
    };
    std::iter::once(&d.primary)
        .chain(&d.secondary)
        .any(|l| long(l.span.start) || long(l.span.end))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = &self.diagnostic;
        let primary =
            LabeledSpan::new_primary_with_span(Some(d.primary.message.clone()), d.primary.span);
        let rest = d
            .secondary
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), l.span));
        Some(Box::new(std::iter::once(primary).chain(rest)))
    }
}

/// Render diagnostics for a person, without colour (stable for snapshots and logs).
pub fn render_plain(diags: &[Diagnostic], source: &Source) -> String {
    render(diags, source, false)
}

/// Render diagnostics for a person; `color` adds ANSI colours for a terminal.
pub fn render(diags: &[Diagnostic], source: &Source, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let source = Source::new(source.name.clone(), lf_lines(&source.text));
    let source = &source;
    for d in diags {
        if on_long_line(d, &source.text) {
            let (line, col) = source.line_col(d.primary.span.start);
            out.push_str(&format!(
                "{}: {}\n  --> {}:{line}:{col}: {}\n",
                d.code, d.message, source.name, d.primary.message
            ));
            if let Some(h) = &d.help {
                out.push_str(&format!("  help: {h}\n"));
            }
            out.push('\n');
            continue;
        }
        let report = Report::new(d.clone(), source);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
        out.push('\n');
    }
    out
}

/// `did you mean ...?` for a name that is close to one of the candidates.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase());
        // Ties go to the alphabetically first candidate, so the suggestion never depends on order.
        let better = match best {
            None => true,
            Some((b, bc)) => score > b || (score == b && c < bc),
        };
        if score >= 0.8 && better {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// One diagnostic as a JSON line (`--error-format json`): stable keys, 1-based lines and columns.
pub fn to_json_line(d: &Diagnostic, source: &Source) -> String {
    let (line, column) = source.line_col(d.primary.span.start);
    let (end_line, end_column) = source.line_col(d.primary.span.end);
    let labels: Vec<serde_json::Value> = std::iter::once(&d.primary)
        .chain(&d.secondary)
        .map(|l| {
            let (ln, col) = source.line_col(l.span.start);
            serde_json::json!({"line": ln, "column": col, "start": l.span.start, "end": l.span.end, "message": l.message})
        })
        .collect();
    serde_json::json!({
        "file": source.name,
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "labels": labels,
        "help": d.help,
    })
    .to_string()
}

/// One diagnostic as a GitHub Actions workflow command (`--error-format github`), so that a pull
/// request shows it on the policy line.
pub fn to_github_line(d: &Diagnostic, source: &Source) -> String {
    let (line, column) = source.line_col(d.primary.span.start);
    let (end_line, end_column) = source.line_col(d.primary.span.end);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut msg = format!("{}: {}", d.primary.message, d.message);
    if let Some(h) = &d.help {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    format!(
        "::{kind} file={},line={line},col={column},endLine={end_line},endColumn={end_column},title={}::{}",
        escape_property(&source.name),
        escape_property(&format!("policyc {}", d.code)),
        escape_data(&msg)
    )
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn lines_end_at_lf_cr_and_crlf() {
        for (text, at, want) in [
            ("ab\ncd", 4, (2, 2)),
            ("ab\rcd", 4, (2, 2)),
            ("ab\r\ncd", 5, (2, 2)),
            ("ab\r\ncd", 3, (1, 4)),
            ("a\rb\r\ncd", 4, (2, 3)),
            ("a\rb\r\ncd", 7, (3, 3)),
            ("x", 0, (1, 1)),
        ] {
            assert_eq!(
                Source::new("t", text).line_col(at),
                want,
                "{text:?} at {at}"
            );
        }
    }

    /// The source as miette reads it, from the first line it needs, agrees with miette's own
    /// reading from the start of the text (ASCII text, where columns in bytes and characters are
    /// the same): the same lines, span, line numbers and column, for spans at every offset of a
    /// text with LF, CR and CRLF line endings, with and without context lines.
    #[test]
    fn reading_from_the_needed_line_agrees_with_miette() {
        use miette::SourceCode;
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("line {i} with some words"));
            text.push_str(["\n", "\r\n", "\r", "\n\n"][i % 4]);
        }
        let ours = super::CharColumns(Source::new("t", text.as_str()));
        for offset in 0..text.len() {
            for len in [0, 1, 7] {
                if offset + len > text.len() {
                    continue;
                }
                let span = miette::SourceSpan::new(offset.into(), len);
                for (before, after) in [(0, 0), (1, 1), (2, 3), (5, 0)] {
                    let a = ours.read_span(&span, before, after);
                    let b = text.as_str().read_span(&span, before, after);
                    match (a, b) {
                        (Ok(a), Ok(b)) => {
                            let what = format!("offset {offset}, len {len}, {before}/{after}");
                            assert_eq!(a.data(), b.data(), "{what}");
                            assert_eq!(a.span(), b.span(), "{what}");
                            assert_eq!(a.line(), b.line(), "{what}");
                            // At the LF of a CRLF, miette's column leaves out the CR; ours
                            // counts the characters before the offset, the CR included.
                            let lf_of_crlf =
                                text[..offset].ends_with('\r') && text[offset..].starts_with('\n');
                            if !lf_of_crlf {
                                assert_eq!(a.column(), b.column(), "{what}");
                            }
                            assert_eq!(a.line_count(), b.line_count(), "{what}");
                        }
                        (Err(_), Err(_)) => {}
                        (a, b) => panic!("offset {offset}: {:?} / {:?}", a.is_ok(), b.is_ok()),
                    }
                }
            }
        }
    }

    /// The line and column by scanning the text before the offset: slow, obviously right.
    fn scanned(text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (mut line, mut start) = (1, 0);
        let bytes = text.as_bytes();
        for (i, b) in bytes[..offset].iter().enumerate() {
            let ends = *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends {
                line += 1;
                start = i + 1;
            }
        }
        (line, text[start..offset].chars().count() + 1)
    }

    /// Every text of up to 6 characters from `a`, LF, CR and `é` (two bytes), at every offset
    /// (those inside `é` included): the line index agrees with scanning.
    #[test]
    fn the_line_index_agrees_with_scanning() {
        let alphabet = ['a', '\n', '\r', 'é'];
        let mut checked = 0;
        for len in 0..=6u32 {
            for mut k in 0..4usize.pow(len) {
                let mut text = String::new();
                for _ in 0..len {
                    text.push(alphabet[k % 4]);
                    k /= 4;
                }
                let source = Source::new("t", text.as_str());
                for at in 0..=text.len() + 1 {
                    assert_eq!(source.line_col(at), scanned(&text, at), "{text:?} at {at}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 40_000);
    }
}
