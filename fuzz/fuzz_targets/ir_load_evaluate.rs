//! Arbitrary text as a compiled IR file: read it and, if it reads, bind a few fixed requests and
//! evaluate them. A program the reader accepts must never make the evaluator panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(program) = policyc::Program::from_json(text) else {
        return;
    };
    for request in policyc_fuzz::sample_requests() {
        policyc_fuzz::bind_and_evaluate(&program, request, None);
    }
    let _ = serde_json::to_string(&program);
});
