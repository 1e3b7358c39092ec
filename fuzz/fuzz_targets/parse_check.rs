//! Arbitrary text as a policy: parse, check, render the diagnostics and, when it compiles, lint
//! it and read its IR back. Imports resolve in a folder with no files, so they read nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let checked = policyc_fuzz::compile(text);
    policyc_fuzz::check_compiled(text, &checked);
    if let Some(program) = &checked.program {
        let _ = policyc::lint::lint(program, &checked.spans, None);
    }
});
