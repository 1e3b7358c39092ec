//! What policyc answers in FHIR.
