//! A FHIR Bundle read into a policyc request, with provenance.
