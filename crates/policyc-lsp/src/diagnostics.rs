//! Diagnostics: what `policyc check` reports for a document (its errors, and its lints as
//! warnings, the ones `check --strict` makes errors), as the protocol's diagnostics.

use crate::text::{Encoding, LineIndex};
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use policyc::diag::Severity;
use std::path::Path;

/// Check a document's text as `policyc check` checks the file: imports relative to the file's
/// folder on disk (and inside it), lints when it compiles, with the coverage of the cases file
/// beside it. An unsaved document (no path) resolves its imports in the current folder.
pub fn check(text: &str, path: Option<&Path>) -> Vec<policyc::Diagnostic> {
    let checked = match path {
        Some(p) => policyc::load::Loader::default().compile_file(p, text),
        None => policyc::compile_source(text),
    };
    let mut diags = checked.diagnostics;
    if let Some(program) = &checked.program {
        let coverage = path.and_then(|p| policyc::cases_coverage(p, program));
        diags.extend(policyc::lint::lint(
            program,
            &checked.spans,
            coverage.as_ref(),
        ));
    }
    // As `check`: an allowed lint is not shown; an allow that cannot work is a warning.
    policyc::allow::apply(text, diags, checked.program.is_some()).kept
}

/// A policyc diagnostic in the protocol's terms: the message with its label and help, the code,
/// the primary span as the range and the secondary spans as related information.
pub fn to_lsp(
    d: &policyc::Diagnostic,
    uri: &Uri,
    text: &str,
    index: &LineIndex,
    enc: Encoding,
) -> Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() && d.primary.message != d.message {
        message.push_str(&format!(" ({})", d.primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), index.range(text, l.span, enc)),
            message: l.message.clone(),
        })
        .collect();
    Diagnostic {
        range: index.range(text, d.primary.span, enc),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some("policyc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
