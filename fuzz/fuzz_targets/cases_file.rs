//! Arbitrary text as a cases file: if it reads, run its cases against the Proleukin policy and
//! render the coverage.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(file) = policyc::cases::parse_cases(text) else {
        return;
    };
    let program = policyc_fuzz::proleukin();
    let mut coverage = policyc::cases::Coverage::new(program);
    let results = policyc::cases::run(program, &file, &mut coverage);
    let _ = results.iter().filter(|r| r.passed()).count();
    let _ = coverage.render(true);
    let _ = coverage.percent_text();
});
