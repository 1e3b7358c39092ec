//! The versioned IR of a compiled policy, its units and its dates.
//!
//! [`ir::Program`] is what the checker produces and the evaluator consumes; it is serialized as
//! the `policyc-ir` JSON format. [`units`] holds exact quantities and their dimensions.

#![warn(missing_docs)]

pub mod dates;
pub mod ir;
pub mod units;
