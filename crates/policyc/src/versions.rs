//! Versions of a policy: several files of one folder that declare the same `policy <id>` with
//! different `effective` dates. A request is decided under the version in force on its date of
//! service: the latest version that took effect on or before it. A date before the first version
//! is an error ([`NotInForce`]), never the latest version; a request that states no date is
//! decided under the version in force today, and the decision says so ([`ChosenFor`]).
//!
//! A later version may restate only what changed: its header says `amends "earlier.policy"` (see
//! [`crate::check::merge_version`]). Each version is compiled to its own program, with its own
//! [`content_hash`].

use crate::eval::{ChosenFor, Decision};
use crate::ir::Program;
use crate::load::{read_text, Loader, MAX_SOURCE_BYTES};
use policyc_ir::dates::{date_from_days, parse_date};
use std::path::{Path, PathBuf};

/// The SHA-256 of a program's compact JSON IR (as `policyc compile` writes it, without
/// indentation), in lowercase hex: what names a compiled version exactly.
pub fn content_hash(program: &Program) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(program).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's date (UTC), `YYYY-MM-DD`: the date a request that states no date of service is
/// decided for.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i32::try_from(secs / 86_400).unwrap_or(0);
    date_from_days(days)
        .map(|d| d.to_string())
        .unwrap_or_else(|| "1970-01-01".into())
}

/// One compiled version of a policy.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its file, when it was compiled from one.
    pub path: Option<PathBuf>,
    /// The compiled program.
    pub program: Program,
    /// [`content_hash`] of the program.
    pub content_hash: String,
}

impl Version {
    /// A version of `program`, hashed.
    pub fn new(path: Option<PathBuf>, program: Program) -> Version {
        let content_hash = content_hash(&program);
        Version {
            path,
            program,
            content_hash,
        }
    }
}

/// The versions of one policy, in the order they took effect.
#[derive(Debug, Clone)]
pub struct Versions {
    list: Vec<Version>,
    broken: Vec<Broken>,
}

/// A file that declares the policy's id but does not compile: a version that cannot decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The file.
    pub path: PathBuf,
    /// The `effective` date its header states, when it states a valid one.
    pub effective: Option<String>,
}

/// No version of the policy was in force on the date: it is before the first took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotInForce {
    /// The policy's id.
    pub id: String,
    /// The date asked for.
    pub date: String,
    /// When the first version took effect.
    pub first: String,
    /// Where the date comes from: `as_of` (the request, or `--as-of`) or `today`.
    pub from: &'static str,
}

impl std::fmt::Display for NotInForce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let date = match self.from {
            "today" => format!(
                "today ({}; the request states no date of service)",
                self.date
            ),
            _ => self.date.clone(),
        };
        write!(
            f,
            "no version of policy `{}` was in force on {date}; the first took effect on {}",
            self.id, self.first
        )
    }
}

/// The date a request is decided for, as [`request_date`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestDate {
    /// The request's `as_of` (or the override), a valid date.
    Stated(String),
    /// The request states no date of service.
    Unstated,
    /// The request's `as_of` is not a date (or the request is not a JSON object): binding
    /// reports it.
    Invalid,
}

/// The date of service of a request's JSON text: `as_of_override` (the command line's `--as-of`)
/// if given, else the request's own `as_of`.
pub fn request_date(text: &str, as_of_override: Option<&str>) -> RequestDate {
    let stated = |s: &str| match parse_date(s) {
        Some(_) => RequestDate::Stated(s.to_string()),
        None => RequestDate::Invalid,
    };
    if let Some(o) = as_of_override {
        return stated(o);
    }
    // Only `as_of` is read; the rest of the request is skipped, not built (binding reads it).
    match serde_json::from_str::<AsOfOnly>(text) {
        Ok(AsOfOnly(None | Some(AsOf::Null))) => RequestDate::Unstated,
        Ok(AsOfOnly(Some(AsOf::Text(s)))) => stated(&s),
        Ok(AsOfOnly(Some(AsOf::Other))) | Err(_) => RequestDate::Invalid,
    }
}

/// A request's `as_of` as JSON states it: what [`request_date`] tells apart.
enum AsOf {
    Null,
    Text(String),
    Other,
}

/// A JSON object's `as_of` member (the last, if written twice, as in a JSON tree), every other
/// member skipped; anything but an object is an error.
struct AsOfOnly(Option<AsOf>);

impl<'de> serde::Deserialize<'de> for AsOfOnly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = AsOfOnly;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<AsOfOnly, A::Error> {
                let mut as_of = None;
                while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "as_of" {
                        as_of = Some(m.next_value::<AsOf>()?);
                    } else {
                        m.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(AsOfOnly(as_of))
            }
        }
        d.deserialize_map(Object)
    }
}

impl<'de> serde::Deserialize<'de> for AsOf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Value;
        impl<'de> serde::de::Visitor<'de> for Value {
            type Value = AsOf;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, s: &str) -> Result<AsOf, E> {
                Ok(AsOf::Text(s.to_string()))
            }
            fn visit_unit<E>(self) -> Result<AsOf, E> {
                Ok(AsOf::Null)
            }
            fn visit_none<E>(self) -> Result<AsOf, E> {
                Ok(AsOf::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<AsOf, E> {
                Ok(AsOf::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<AsOf, E> {
                Ok(AsOf::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<AsOf, E> {
                Ok(AsOf::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<AsOf, E> {
                Ok(AsOf::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<AsOf, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(AsOf::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<AsOf, A::Error> {
                while m
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(AsOf::Other)
            }
        }
        d.deserialize_any(Value)
    }
}

impl Versions {
    /// The versions in `list`, which must all be of one policy and take effect on different days;
    /// the error says which two do not.
    pub fn new(mut list: Vec<Version>) -> Result<Versions, String> {
        if list.is_empty() {
            return Err("no version of the policy was given".into());
        }
        list.sort_by(|a, b| a.program.policy.effective.cmp(&b.program.policy.effective));
        let shown = |v: &Version| {
            v.path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(a program)".into())
        };
        for w in list.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if a.program.policy.id != b.program.policy.id {
                return Err(format!(
                    "{} and {} are versions of different policies (`{}` and `{}`)",
                    shown(a),
                    shown(b),
                    a.program.policy.id,
                    b.program.policy.id
                ));
            }
            if a.program.policy.effective == b.program.policy.effective {
                return Err(format!(
                    "{} and {} are both versions of policy `{}` that take effect on {}: a later version takes effect on a later day",
                    shown(a),
                    shown(b),
                    a.program.policy.id,
                    a.program.policy.effective
                ));
            }
        }
        Ok(Versions {
            list,
            broken: Vec::new(),
        })
    }

    /// The files of the policy's id that do not compile ([`discover`] records them).
    pub fn broken(&self) -> &[Broken] {
        &self.broken
    }

    /// A file that does not compile and would be the version in force instead of version `i`
    /// on `date`: one that takes effect after version `i` and on or before `date`, or whose
    /// date cannot be read. Deciding under version `i` would then be deciding under the wrong
    /// version; a broken file that took effect earlier (or later than the date) does not matter.
    pub fn broken_in_force(&self, i: usize, date: &str) -> Option<&Broken> {
        let chosen = self.list.get(i)?.program.policy.effective.as_str();
        self.broken.iter().find(|b| match &b.effective {
            None => true,
            Some(e) => e.as_str() > chosen && e.as_str() <= date,
        })
    }

    /// One version only (a compiled IR, or a policy with no other versions).
    pub fn single(version: Version) -> Versions {
        Versions {
            list: vec![version],
            broken: Vec::new(),
        }
    }

    /// The policy's id.
    pub fn id(&self) -> &str {
        &self.list[0].program.policy.id
    }

    /// Every version, in the order they took effect.
    pub fn all(&self) -> &[Version] {
        &self.list
    }

    /// The version that took effect last.
    pub fn latest(&self) -> &Version {
        &self.list[self.list.len() - 1]
    }

    /// The index of the version that took effect on `effective`.
    pub fn by_effective(&self, effective: &str) -> Option<usize> {
        self.list
            .iter()
            .position(|v| v.program.policy.effective == effective)
    }

    /// The index of the version in force on `date` (`YYYY-MM-DD`): the latest that took effect
    /// on or before it. `from` says where the date comes from, for the error.
    pub fn in_force(&self, date: &str, from: &'static str) -> Result<usize, NotInForce> {
        match self
            .list
            .iter()
            .rposition(|v| v.program.policy.effective.as_str() <= date)
        {
            Some(i) => Ok(i),
            None => Err(NotInForce {
                id: self.id().to_string(),
                date: date.to_string(),
                first: self.list[0].program.policy.effective.clone(),
                from,
            }),
        }
    }

    /// The last day version `i` is in force: the day before the next took effect; `None` for the
    /// latest.
    pub fn in_force_until(&self, i: usize) -> Option<String> {
        let next = self.list.get(i + 1)?;
        day_before(&next.program.policy.effective)
    }

    /// The version for a request: the one in force on its date (`RequestDate::Stated`), or today
    /// (`Unstated`); for a request whose date cannot be read, the latest, whose binding reports
    /// the problem. Returns the version's index and the date it was chosen for (`None` for an
    /// unreadable date).
    pub fn choose(&self, date: &RequestDate) -> Result<(usize, Option<ChosenFor>), NotInForce> {
        let effective: Vec<&str> = self
            .list
            .iter()
            .map(|v| v.program.policy.effective.as_str())
            .collect();
        choose(self.id(), &effective, date)
    }

    /// Name version `i` in a decision made under it: its content hash, the last day it is in
    /// force, and the date it was chosen for.
    pub fn stamp(&self, i: usize, chosen: Option<ChosenFor>, decision: &mut Decision) {
        let v = &self.list[i];
        decision.policy.content_hash = Some(v.content_hash.clone());
        decision.policy.in_force_until = self.in_force_until(i);
        decision.policy.chosen_for = chosen;
    }
}

/// The version for a request among versions that took effect on `effective` (in increasing
/// order) of policy `id`, as [`Versions::choose`] chooses; for callers that keep their versions
/// in their own structures (the decision service).
pub fn choose(
    id: &str,
    effective: &[&str],
    date: &RequestDate,
) -> Result<(usize, Option<ChosenFor>), NotInForce> {
    let (d, from) = match date {
        RequestDate::Stated(d) => (d.clone(), "as_of"),
        RequestDate::Unstated => (today(), "today"),
        RequestDate::Invalid => return Ok((effective.len().saturating_sub(1), None)),
    };
    match effective.iter().rposition(|e| *e <= d.as_str()) {
        Some(i) => Ok((i, Some(ChosenFor { date: d, from }))),
        None => Err(NotInForce {
            id: id.to_string(),
            date: d,
            first: effective.first().map(|e| e.to_string()).unwrap_or_default(),
            from,
        }),
    }
}

/// The last day a version is in force when the next took effect on `next_effective`: the day
/// before.
pub fn day_before(next_effective: &str) -> Option<String> {
    let days = parse_date(next_effective)?;
    date_from_days(days - 1).map(|d| d.to_string())
}

/// The `.policy` files under `dir` (recursively, as [`crate::load::policy_files`] walks) whose
/// header declares `policy <id>`, apart from `except`: the other versions of that policy. A file
/// that cannot be read or parsed declares nothing and is skipped.
pub fn sibling_files(dir: &Path, id: &str, except: &Path) -> std::io::Result<Vec<PathBuf>> {
    let except = std::fs::canonicalize(except).unwrap_or_else(|_| except.to_path_buf());
    let mut out = Vec::new();
    for f in crate::load::policy_files(dir)? {
        if std::fs::canonicalize(&f).is_ok_and(|c| c == except) {
            continue;
        }
        let Ok(text) = read_text(&f, MAX_SOURCE_BYTES, false) else {
            continue;
        };
        let Ok(file) = crate::parser::parse(&text) else {
            continue;
        };
        let declares = file.items.iter().any(|i| match i {
            crate::ast::Item::Policy(h) => h.id.name == id,
            _ => false,
        });
        if declares {
            out.push(f);
        }
    }
    Ok(out)
}

/// The versions of the policy compiled from `path`: it, and the other files of its folder (and
/// the folders below) that declare the same id, each compiled with `loader`. Another file of the
/// same id and the same `effective` date as `path` is another copy of that version, and `path`,
/// the one named, is used. A file of that id that does not compile is recorded ([`Versions::broken_in_force`] says when it matters). The
/// error says which file cannot be read, or which two versions take effect on the same day.
pub fn discover(loader: &mut Loader, path: &Path, program: Program) -> Result<Versions, String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let id = program.policy.id.clone();
    let mut list = vec![Version::new(Some(path.to_path_buf()), program)];
    let mut broken = Vec::new();
    let files = sibling_files(dir, &id, path)
        .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?;
    for f in files {
        let checked = loader
            .compile_path(&f)
            .map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        match checked.program {
            // Another file of the version named (a draft, a copy): the file named is the one meant.
            Some(p) if p.policy.effective == list[0].program.policy.effective => {}
            Some(p) => list.push(Version::new(Some(f), p)),
            None => {
                let effective = header_effective(&f);
                if effective.as_deref() != Some(list[0].program.policy.effective.as_str()) {
                    broken.push(Broken { path: f, effective });
                }
            }
        }
    }
    let mut versions = Versions::new(list)?;
    versions.broken = broken;
    Ok(versions)
}

/// The `effective` date a policy file's header states, if it parses and states a valid one.
fn header_effective(path: &Path) -> Option<String> {
    let text = read_text(path, MAX_SOURCE_BYTES, false).ok()?;
    let file = crate::parser::parse(&text).ok()?;
    file.items.iter().find_map(|i| match i {
        crate::ast::Item::Policy(h) => h.entries.iter().find_map(|e| match e {
            crate::ast::MetaEntry::Date {
                key: crate::ast::MetaKey::Effective,
                date,
                ..
            } if parse_date(&date.text).is_some() => Some(date.text.clone()),
            _ => None,
        }),
        _ => None,
    })
}

/// The message for a request that would be decided under a version that does not compile.
pub fn broken_message(id: &str, b: &Broken, date: &str) -> String {
    let when = match &b.effective {
        Some(e) => format!("takes effect on {e}"),
        None => "states no valid `effective` date".to_string(),
    };
    format!(
        "{} declares policy `{id}` and {when}, so it may be the version in force on {date}, but it does not compile (`policyc check {}` shows its errors)",
        b.path.display(),
        b.path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_of_service_is_read_from_the_request_alone() {
        let date = |t: &str| request_date(t, None);
        let stated = |d: &str| RequestDate::Stated(d.to_string());
        assert_eq!(date(r#"{"as_of": "2026-01-15"}"#), stated("2026-01-15"));
        assert_eq!(
            date(r#"{"facts": {"a": [1, {"b": null}], "as_of": "x"}, "as_of": "2026-01-15"}"#),
            stated("2026-01-15"),
            "only the top level's as_of"
        );
        assert_eq!(date(r#"{"facts": {}}"#), RequestDate::Unstated);
        assert_eq!(date(r#"{"as_of": null}"#), RequestDate::Unstated);
        assert_eq!(date("{}"), RequestDate::Unstated);
        // Written twice: the last, as a JSON tree keeps it (binding refuses the request anyway).
        assert_eq!(
            date(r#"{"as_of": "2025-01-01", "as_of": "2026-01-15"}"#),
            stated("2026-01-15")
        );
        for invalid in [
            r#"{"as_of": "2026-02-30"}"#,
            r#"{"as_of": "soon"}"#,
            r#"{"as_of": 20260115}"#,
            r#"{"as_of": 2026.5}"#,
            r#"{"as_of": true}"#,
            r#"{"as_of": ["2026-01-15"]}"#,
            r#"{"as_of": {"date": "2026-01-15"}}"#,
            r#"["as_of", "2026-01-15"]"#,
            r#""2026-01-15""#,
            r#"{"as_of": "2026-01-15"} trailing"#,
            r#"{"as_of": "2026-01-15""#,
            "",
        ] {
            assert_eq!(date(invalid), RequestDate::Invalid, "{invalid}");
        }
        assert_eq!(
            request_date(r#"{"as_of": "soon"}"#, Some("2026-03-01")),
            stated("2026-03-01"),
            "the override wins"
        );
    }
}
