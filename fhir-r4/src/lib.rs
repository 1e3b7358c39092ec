//! The FHIR R4 check of policyc's FHIR answers: the tests under `tests/` are all there is (see
//! Cargo.toml for why this is a package of its own).
