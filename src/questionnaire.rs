//! `policyc questionnaire`: a policy's DTR Questionnaire (FHIR R4 JSON), standard or adaptive.

use crate::{exit, load_program, print_stdout, OutputFormat};
use policyc::load::Loader;
use policyc_fhir::write::questionnaire::{adaptive_questionnaire, questionnaire, Options};
use std::path::Path;

/// Write the Questionnaire of `policy` to `output` (standard output for none or `-`).
pub fn run(
    loader: &mut Loader,
    policy: &Path,
    adaptive: bool,
    base_url: &str,
    output: Option<&Path>,
) -> u8 {
    let base = base_url.trim_end_matches('/');
    if !(base.starts_with("https://") || base.starts_with("http://"))
        || base.contains(char::is_whitespace)
    {
        eprintln!("error: --base-url `{base_url}` is not an http(s) URL");
        eprintln!("help: give the FHIR base the Questionnaire will be served from, e.g. --base-url https://payer.example/fhir");
        return exit::USAGE;
    }
    let program = match load_program(loader, policy, OutputFormat::Human) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let opts = Options {
        base_url: base.to_string(),
    };
    let json = if adaptive {
        serde_json::to_string_pretty(&adaptive_questionnaire(&program, &opts, &[]))
    } else {
        serde_json::to_string_pretty(&questionnaire(&program, &opts))
    };
    let json = match json {
        Ok(j) => j + "\n",
        Err(e) => {
            eprintln!("error: cannot serialize the Questionnaire: {e}");
            return exit::POLICY_ERROR;
        }
    };
    match output {
        None => print_stdout(&json),
        Some(p) if p == Path::new("-") => print_stdout(&json),
        Some(p) => match policyc::write_atomic(p, json.as_bytes()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", p.display());
                exit::IO_ERROR
            }
        },
    }
}
