//! The error schema as `policyc schema --error` prints it, compiled with a draft 2020-12 validator
//! (format assertions on): shared by tests/error_schema.rs and tests/serve.rs, which check every
//! error document they see against it.

use serde_json::Value;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The schema, from the real binary.
pub fn schema_json() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(["schema", "--error"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .output()
            .expect("the policyc binary runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "policyc schema --error fails: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "it prints nothing on stderr");
        serde_json::from_slice(&out.stdout).expect("the schema is JSON")
    })
}

struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema = schema_json();
        let id = schema["$id"].as_str().expect("the schema has an $id");
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.enable_format_assertions();
        compiler
            .add_resource(id, schema.clone())
            .unwrap_or_else(|e| panic!("the schema is not accepted: {e}"));
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile(id, &mut schemas)
            .unwrap_or_else(|e| panic!("the schema does not compile: {e:#}"));
        Validator { schemas, index }
    })
}

/// Whether `doc` validates; the validator's explanation if not.
pub fn check(doc: &Value) -> Result<(), String> {
    let v = validator();
    v.schemas
        .validate(doc, v.index)
        .map_err(|e| format!("{e:#}"))
}

/// Panics, naming `what`, unless `doc` is a valid error document.
pub fn assert_valid(doc: &Value, what: &str) {
    if let Err(e) = check(doc) {
        panic!(
            "{what}: the error document does not match `policyc schema --error`: {e}\n{}",
            serde_json::to_string_pretty(doc).unwrap_or_default()
        );
    }
}
