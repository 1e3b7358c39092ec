//! The syntax of the policy language: the spanned AST, the pest parser, the canonical formatter,
//! and diagnostics (one `Span` type feeding miette).

#![warn(missing_docs)]

pub mod ast;
pub mod diag;
pub mod fmt;
pub mod limits;
pub mod parser;
pub mod respan;
