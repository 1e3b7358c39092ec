//! The schema describes format `policyc-error`, version 1: what `policyc eval --format json`
//! prints on standard output when it cannot decide, and what the decision service answers with
//! an error status (and writes as a batch's error record). It is built from
//! [`ErrorCode::ALL`](crate::error_code::ErrorCode::ALL),
//! so the codes it allows are exactly those of [`crate::error_code`], and it states, for each code,
//! the exit code that goes with it. It has no `$ref`, so that it can be embedded as is (the
//! service's OpenAPI document does).

use crate::error_code::{ErrorCode, ERROR_FORMAT, ERROR_FORMAT_VERSION};
use serde_json::{json, Value};

/// The `$id` of the error schema: the format and its version.
pub const ERROR_SCHEMA_ID: &str = "policyc:error:1";

/// The JSON Schema (draft 2020-12) of an error document, as `policyc schema --error` prints it.
pub fn error_schema() -> Value {
    let mut schema = error_document_schema();
    if let Some(m) = schema.as_object_mut() {
        m.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        m.insert("$id".into(), json!(ERROR_SCHEMA_ID));
    }
    schema
}

/// The error schema without `$schema` and `$id`, to embed in another document (an OpenAPI
/// document's `components.schemas`).
pub fn error_document_schema() -> Value {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let meanings: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| format!("`{c}`: {}", c.meaning()))
        .collect();
    json!({
        "title": "A policyc error",
        "description": "Why a request was not decided: the JSON that `policyc eval --format json` prints on standard output instead of a decision (its exit code is `exit_code`), and the body of the decision service's error responses (with `status`). Optional fields may be added within format version 1; a reader that meets a code it does not know relies on `exit_code` or `status`.",
        "type": "object",
        "additionalProperties": false,
        "required": ["format", "format_version", "code", "exit_code", "message", "problems"],
        "properties": {
            "format": {
                "const": ERROR_FORMAT,
                "description": "Always `policyc-error`: tells an error apart from a decision.",
            },
            "format_version": {
                "type": "integer",
                "const": ERROR_FORMAT_VERSION,
                "description": "The version of this format.",
            },
            "code": {
                "enum": codes,
                "description": format!("What went wrong, stable. {}", meanings.join(" ")),
            },
            "exit_code": {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": 255,
                "description": "The exit code `policyc eval` ends with on this error; in the service, the one eval gives for the same error, or null for errors only the service has.",
            },
            "status": {
                "type": "integer",
                "minimum": 400,
                "maximum": 599,
                "description": "The HTTP status of the response (service only).",
            },
            "line": {
                "type": "integer",
                "minimum": 1,
                "description": "In a batch's error record, the number of the input line it answers (service only).",
            },
            "message": {
                "type": "string",
                "description": "What went wrong, for people.",
            },
            "problems": {
                "type": "array",
                "description": "Every problem found, in order: those of the request for `invalid_request`, the policy's error diagnostics for `policy_error`; empty when the message says it all.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["path", "message", "help"],
                    "properties": {
                        "path": {
                            "type": "string",
                            "description": "Where: a JSON path in the request (`facts.dose_per_kg`), `line L, column C` of a request that is not JSON, `file:line:column` of a policy diagnostic, an option (`--as-of`), or what the service names (`policy`, `query.explain`, `Content-Type`).",
                        },
                        "message": {"type": "string", "description": "What is wrong."},
                        "help": {
                            "type": ["string", "null"],
                            "description": "How to put it right, or null when there is nothing to suggest.",
                        },
                        "code": {
                            "type": "string",
                            "pattern": "^[EW][0-9]{4}$",
                            "description": "The diagnostic's code (`E0211`), for a problem that is a policy diagnostic; absent otherwise.",
                        },
                    },
                },
            },
        },
        "allOf": exit_code_rules(),
    })
}

/// For each code: the exit code it goes with (null for an error only the service has, whose
/// documents then need a `status`), and the HTTP status, which the command line's documents of
/// codes the service never answers with do not have.
fn exit_code_rules() -> Vec<Value> {
    ErrorCode::ALL
        .iter()
        .map(|c| {
            let mut then = serde_json::Map::new();
            let mut properties = serde_json::Map::new();
            properties.insert("exit_code".into(), json!({"const": c.exit_code()}));
            match c.status() {
                Some(s) => {
                    properties.insert("status".into(), json!({"const": s}));
                }
                None => {
                    then.insert("not".into(), json!({"required": ["status"]}));
                }
            }
            if c.exit_code().is_none() {
                then.insert("required".into(), json!(["status"]));
            }
            then.insert("properties".into(), Value::Object(properties));
            json!({
                "if": {"properties": {"code": {"const": c.as_str()}}, "required": ["code"]},
                "then": then,
            })
        })
        .collect()
}
