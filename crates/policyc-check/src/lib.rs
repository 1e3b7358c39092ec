//! The checker: names, types, units and structure of a parsed policy, lowered to the IR; and the
//! lints (`W01xx`) that evaluate the compiled program.

#![warn(missing_docs)]

pub mod allow;
pub mod check;
pub mod lint;
