//! Evaluation: binding a JSON request to fact slots, deciding it (fast path) and explaining it,
//! running test cases with coverage, and the JSON Schema of a policy's requests.

#![warn(missing_docs)]

pub mod cases;
/// The JSON Schema of the decision JSON (`policyc schema --decision`).
pub mod decision_schema;
pub mod error_code;
/// The JSON Schema of the error document (`policyc schema --error`).
pub mod error_schema;
pub mod eval;
pub mod request;
pub mod schema;
