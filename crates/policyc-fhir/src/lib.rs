//! FHIR R4 for policyc.
//!
//! - [`read`]: a FHIR Bundle (Patient, Condition, Observation, MedicationRequest,
//!   PractitionerRole, QuestionnaireResponse) read into a policyc request, each fact with the
//!   resource and element it came from.
//! - [`claim`]: a Da Vinci PAS request Bundle (a Claim with `use` = preauthorization) read into
//!   one request per item, through [`read`].
//! - [`hook`]: a Da Vinci CRD hook call (CDS Hooks) read into one Bundle per order, and its
//!   answer: cards and `systemActions` carrying the coverage information.
//! - [`mod@write`]: what policyc answers in FHIR: the Da Vinci CRD coverage-information extension,
//!   DTR Questionnaires, PAS ClaimResponses and OperationOutcomes.

#![warn(missing_docs)]

pub mod claim;
pub mod hook;
pub mod read;
pub mod write;
