//! Arbitrary text through the formatter: if it formats, formatting again changes nothing, and the
//! formatted text compiles to the same diagnostic codes and the same program as the original.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn codes(checked: &policyc::Checked) -> Vec<&'static str> {
    let mut codes: Vec<_> = checked.diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes
}

fuzz_target!(|text: &str| {
    let Ok(once) = policyc::fmt::format_source(text) else {
        return;
    };
    let twice = match policyc::fmt::format_source(&once) {
        Ok(t) => t,
        Err(d) => panic!("the formatted text does not parse: {}", d.message),
    };
    assert!(once == twice, "formatting is not idempotent");
    let before = policyc_fuzz::compile(text);
    let after = policyc_fuzz::compile(&once);
    assert_eq!(
        codes(&before),
        codes(&after),
        "formatting changed the diagnostics"
    );
    assert!(
        before.program == after.program,
        "formatting changed the compiled program"
    );
});
