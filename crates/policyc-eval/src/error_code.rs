//! The stable `code` of every error document (format `policyc-error`, version 1): one list for
//! `policyc eval --format json` and for the decision service, each code with the exit code `eval`
//! ends with and the HTTP status the service answers with, where the error can happen there.
//!
//! A code never changes meaning; new codes may be added within format version 1, so a reader that
//! meets a code it does not know falls back on `exit_code` (or the HTTP status). The README's
//! "Error codes" table and `policyc schema --error` ([`crate::error_schema`]) are built from, or
//! checked against, [`ErrorCode::ALL`].

/// The `format` of an error document.
pub const ERROR_FORMAT: &str = "policyc-error";

/// The `format_version` of an error document. Fields added since version 1 are optional (the
/// per-problem `code`), so the version is still 1.
pub const ERROR_FORMAT_VERSION: u32 = 1;

// Declares `ErrorCode` and `ErrorCode::ALL` from one list, so that no code is left out of ALL.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// What went wrong, as the `code` of an error document.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $name,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the list: those of `policyc eval` first.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];
        }
    };
}

error_codes! {
    /// `usage`: the command line is wrong (an `--as-of` that is not YYYY-MM-DD). Exit 2.
    Usage,
    /// `invalid_request`: the request is not JSON, not an object, has a key written twice, or is
    /// not valid for the policy (an unknown fact, a wrong type or unit, …); every problem has its
    /// JSON path. Exit 3; HTTP 400 (also for a request body that is not UTF-8, or a bad `?explain=`).
    InvalidRequest,
    /// `no_version_in_force`: no version of the policy was in force on the request's date of
    /// service (or, for a request that states none, today): the date is before the first version
    /// took effect. Exit 3; HTTP 422.
    NoVersionInForce,
    /// `too_large`: the request (or the policy, or the IR file) is larger than its limit. Exit 4;
    /// HTTP 413 (a body over `--body-limit`).
    TooLarge,
    /// `io_error`: a file cannot be read (no such file, permission denied, not a regular file, not
    /// UTF-8 text), or standard input cannot be. Exit 4.
    IoError,
    /// `policy_error`: the policy has errors (each problem is a diagnostic, with its
    /// `file:line:column` and its code), or the file is a library. Exit 1.
    PolicyError,
    /// `invalid_ir`: the `.json` file given as a policy is not a compiled IR this `policyc` reads
    /// (not JSON, another `format_version`, a field missing or out of range). Exit 1.
    InvalidIr,
    /// `internal_error`: `policyc` could not write its own result as JSON (a bug). Exit 1.
    InternalError,
    /// `unknown_policy`: no policy of the service has the id in the path. HTTP 404.
    UnknownPolicy,
    /// `not_found`: the path is no route of the service. HTTP 404.
    NotFound,
    /// `method_not_allowed`: the route takes another method. HTTP 405.
    MethodNotAllowed,
    /// `invalid_path`: the policy id in the path cannot be read (bad percent-encoding). HTTP 400.
    InvalidPath,
    /// `invalid_body`: the request body cannot be received (the connection failed). HTTP 400.
    InvalidBody,
    /// `timeout`: the request took longer than `--timeout-ms`, its body included. HTTP 408.
    Timeout,
    /// `unsupported_media_type`: the body's `Content-Type` is not one the route accepts. HTTP 415.
    UnsupportedMediaType,
    /// `overloaded`: `--max-concurrent` requests are already in flight. HTTP 503.
    Overloaded,
}

impl ErrorCode {
    /// The code as written in the document (`snake_case`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Usage => "usage",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::NoVersionInForce => "no_version_in_force",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::IoError => "io_error",
            ErrorCode::PolicyError => "policy_error",
            ErrorCode::InvalidIr => "invalid_ir",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::UnknownPolicy => "unknown_policy",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::Timeout => "timeout",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Overloaded => "overloaded",
        }
    }

    /// The exit code `policyc eval` ends with on this error; `None` for errors only the service has
    /// (its documents then carry `"exit_code": null`).
    pub const fn exit_code(self) -> Option<u8> {
        match self {
            ErrorCode::Usage => Some(2),
            ErrorCode::InvalidRequest | ErrorCode::NoVersionInForce => Some(3),
            ErrorCode::TooLarge | ErrorCode::IoError => Some(4),
            ErrorCode::PolicyError | ErrorCode::InvalidIr | ErrorCode::InternalError => Some(1),
            ErrorCode::UnknownPolicy
            | ErrorCode::NotFound
            | ErrorCode::MethodNotAllowed
            | ErrorCode::InvalidPath
            | ErrorCode::InvalidBody
            | ErrorCode::Timeout
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::Overloaded => None,
        }
    }

    /// The HTTP status the decision service answers this error with; `None` for errors only the
    /// command line has.
    pub const fn status(self) -> Option<u16> {
        match self {
            ErrorCode::InvalidRequest | ErrorCode::InvalidPath | ErrorCode::InvalidBody => {
                Some(400)
            }
            ErrorCode::UnknownPolicy | ErrorCode::NotFound => Some(404),
            ErrorCode::MethodNotAllowed => Some(405),
            ErrorCode::NoVersionInForce => Some(422),
            ErrorCode::Timeout => Some(408),
            ErrorCode::TooLarge => Some(413),
            ErrorCode::UnsupportedMediaType => Some(415),
            ErrorCode::Overloaded => Some(503),
            ErrorCode::Usage
            | ErrorCode::IoError
            | ErrorCode::PolicyError
            | ErrorCode::InvalidIr
            | ErrorCode::InternalError => None,
        }
    }

    /// What the code means, in one sentence (the error schema's description of it).
    pub const fn meaning(self) -> &'static str {
        match self {
            ErrorCode::Usage => "The command line is wrong: an --as-of that is not YYYY-MM-DD.",
            ErrorCode::InvalidRequest => "The request is not JSON, not an object, has a key written twice, or is not valid for the policy; every problem has its JSON path.",
            ErrorCode::NoVersionInForce => "No version of the policy was in force on the request's date of service (or today, for a request that states none): it is before the first version took effect.",
            ErrorCode::TooLarge => "The request (or the policy or IR file) is larger than its limit.",
            ErrorCode::IoError => "A file or standard input cannot be read.",
            ErrorCode::PolicyError => "The policy has errors (each problem is a diagnostic at file:line:column, with its code), or is a library.",
            ErrorCode::InvalidIr => "The .json file given as a policy is not a compiled IR this policyc reads.",
            ErrorCode::InternalError => "policyc could not write its result as JSON (a bug).",
            ErrorCode::UnknownPolicy => "No policy of the service has the id in the path.",
            ErrorCode::NotFound => "The path is no route of the service.",
            ErrorCode::MethodNotAllowed => "The route takes another method.",
            ErrorCode::InvalidPath => "The policy id in the path cannot be read.",
            ErrorCode::InvalidBody => "The request body cannot be received.",
            ErrorCode::Timeout => "The request took longer than the service's timeout, its body included.",
            ErrorCode::UnsupportedMediaType => "The body's Content-Type is not one the route accepts.",
            ErrorCode::Overloaded => "The service is deciding as many requests as it is configured to; retry shortly.",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_is_listed_once_and_has_an_exit_code_or_a_status() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a code is listed twice");
        for c in ErrorCode::ALL {
            assert!(
                c.exit_code().is_some() || c.status().is_some(),
                "{c} is used nowhere"
            );
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c} is not snake_case"
            );
        }
    }
}
