//! The service's configuration file (`policyc serve --config FILE`, TOML).
//!
//! Every key is optional; a key the file does not know is an error (a misspelt key would
//! otherwise be silently ignored). Command-line options override the file. Relative paths are
//! read from the file's folder. The README's "Configuration" lists every key.

use crate::log::{Mask, Masks};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's contents.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// The folder of policies.
    pub policies: Option<PathBuf>,
    /// The address to listen on (`127.0.0.1:8181`).
    pub addr: Option<String>,
    /// The largest request body, in bytes.
    pub body_limit: Option<usize>,
    /// How many `/v1` requests may be in flight at once.
    pub max_concurrent: Option<u32>,
    /// How long a `/v1` request may take, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The address of the policies' published documents (`doc_url`).
    pub doc_url: Option<String>,
    /// The X12 codes file of PAS review actions (`x12_codes`).
    pub x12_codes: Option<PathBuf>,
    /// The decision log.
    pub log: Option<LogFile>,
}

/// The `[log]` table.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogFile {
    /// The log file.
    pub path: Option<PathBuf>,
    /// How often it is flushed, in milliseconds.
    pub flush_ms: Option<u64>,
    /// Rotate before the file grows past this many bytes.
    pub max_bytes: Option<u64>,
    /// How many rotated files are kept.
    pub keep: Option<usize>,
    /// Masks by fact name: `"omit"` or `"year"`.
    #[serde(default)]
    pub mask: BTreeMap<String, String>,
}

impl File {
    /// Read and check the file at `path`. The error says what is wrong and where (line and
    /// column), for people.
    pub fn read(path: &Path) -> Result<File, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
        let mut file = File::parse(&text)
            .map_err(|e| format!("the configuration {} is invalid: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(p) = &mut file.policies {
            resolve(p);
        }
        if let Some(p) = file.log.as_mut().and_then(|l| l.path.as_mut()) {
            resolve(p);
        }
        if let Some(p) = &mut file.x12_codes {
            resolve(p);
        }
        Ok(file)
    }

    /// Parse the TOML text and check its values.
    pub fn parse(text: &str) -> Result<File, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(a) = &file.addr {
            a.parse::<std::net::SocketAddr>().map_err(|_| {
                format!("`addr = \"{a}\"` is not an address: write e.g. addr = \"127.0.0.1:8181\"")
            })?;
        }
        for (key, value) in [
            ("max_concurrent", file.max_concurrent.map(u64::from)),
            ("timeout_ms", file.timeout_ms),
            ("log.flush_ms", file.log.as_ref().and_then(|l| l.flush_ms)),
            ("log.max_bytes", file.log.as_ref().and_then(|l| l.max_bytes)),
        ] {
            if value == Some(0) {
                return Err(format!("`{key}` must be at least 1"));
            }
        }
        if let Some(log) = &file.log {
            log.masks()?;
            if log.path.is_none() {
                return Err(
                    "the [log] table has no `path`: write path = \"decisions.log\" (or remove the table)"
                        .into(),
                );
            }
        }
        Ok(file)
    }
}

impl LogFile {
    /// The masks, checked.
    pub fn masks(&self) -> Result<Masks, String> {
        let mut masks = BTreeMap::new();
        for (fact, mask) in &self.mask {
            let m: Mask = mask
                .parse()
                .map_err(|e: String| format!("log.mask.{fact}: {e}"))?;
            masks.insert(fact.clone(), m);
        }
        Ok(Masks(masks))
    }
}

/// Read and check the X12 codes file at `path` (`--x12-codes`, `x12_codes`); the error says what
/// is wrong, for people.
pub fn read_x12_codes(
    path: &Path,
) -> Result<policyc_fhir::write::claim_response::X12Codes, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the X12 codes file {}: {e}", path.display()))?;
    policyc_fhir::write::claim_response::X12Codes::from_json(&text)
        .map_err(|e| format!("the X12 codes file {} is invalid: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads() {
        let f = File::parse(
            r#"
policies = "policies"
addr = "0.0.0.0:8181"
body_limit = 65536
max_concurrent = 64
timeout_ms = 2000
x12_codes = "x12-codes.json"

[log]
path = "decisions.log"
flush_ms = 500
max_bytes = 1000000
keep = 3
mask = { date_of_birth = "year", prescriber_npi = "omit" }
"#,
        )
        .expect("a valid configuration");
        assert_eq!(f.addr.as_deref(), Some("0.0.0.0:8181"));
        assert_eq!(f.max_concurrent, Some(64));
        assert_eq!(f.x12_codes, Some(PathBuf::from("x12-codes.json")));
        let log = f.log.expect("a [log] table");
        assert_eq!(log.keep, Some(3));
        assert_eq!(log.masks().map(|m| m.0.len()), Ok(2), "both masks are read");
    }

    #[test]
    fn mistakes_are_named() {
        let unknown = File::parse("polices = \"p\"").expect_err("a misspelt key");
        assert!(unknown.contains("polices"), "{unknown}");
        let addr = File::parse("addr = \"localhost\"").expect_err("not an address");
        assert!(addr.contains("127.0.0.1:8181"), "{addr}");
        let zero = File::parse("timeout_ms = 0").expect_err("zero");
        assert!(zero.contains("timeout_ms"), "{zero}");
        let mask =
            File::parse("[log]\npath = \"l\"\nmask = { dob = \"hash\" }").expect_err("a bad mask");
        assert!(mask.contains("log.mask.dob"), "{mask}");
        let nopath = File::parse("[log]\nkeep = 2").expect_err("a log without a path");
        assert!(nopath.contains("path"), "{nopath}");
    }
}
