//! Arbitrary bytes as a request to the Proleukin policy: bind, then decide and evaluate, which
//! must reach the same decision.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let program = policyc_fuzz::proleukin();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    policyc_fuzz::bind_and_evaluate(program, text, None);
    policyc_fuzz::bind_and_evaluate(program, text, Some("2026-01-15"));
});
