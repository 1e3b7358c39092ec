//! What policyc answers in FHIR R4: DTR Questionnaires ([`questionnaire`]), the adaptive
//! `$next-question` ([`next_question`]), the CRD coverage-information extension ([`coverage`]),
//! PAS ClaimResponses ([`claim_response`]), OperationOutcomes ([`outcome`]) and the CDS Hooks
//! discovery document ([`cds`]).
//!
//! The resources are hand-written serde types ([`types`]) holding only the elements policyc
//! fills in; the test suite parses every one of them with a complete R4 model and checks the
//! elements its profile requires.

pub mod cds;
pub mod claim_response;
pub mod coverage;
pub mod next_question;
pub mod outcome;
pub mod questionnaire;
pub mod types;
