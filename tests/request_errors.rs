//! Requests that are invalid for their policy: each problem is reported with its JSON path and a
//! hint, never a panic and never a silent unknown.

use policyc::request::bind;
use std::path::Path;

fn program() -> policyc::ir::Program {
    let src = std::fs::read_to_string("policies/proleukin.policy").expect("policy file");
    policyc::compile_source_in(&src, Path::new("policies"))
        .program
        .expect("proleukin compiles")
}

#[test]
fn invalid_requests_are_reported() {
    let program = program();
    insta::glob!("requests/invalid/proleukin/*.json", |path: &Path| {
        let text = std::fs::read_to_string(path).expect("request file");
        let errors = match bind(&program, &text, None) {
            Ok(_) => panic!("{} should be rejected", path.display()),
            Err(e) => e,
        };
        assert!(!errors.is_empty());
        for e in &errors {
            assert!(
                e.path.starts_with("facts.") || e.path == "as_of" || e.path == "facts",
                "{e}"
            );
            assert!(
                e.help.is_some(),
                "every request error says how to fix it: {e}"
            );
        }
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        insta::assert_snapshot!(shown.join("\n"));
    });
}
