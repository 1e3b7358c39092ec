//! `file:` URIs and paths: a document's folder is where its imports are resolved.

use lsp_types::Uri;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The path of a `file:` URI (`file:///home/a/b%20c.policy` is `/home/a/b c.policy`); `None`
/// for another scheme (an unsaved `untitled:` buffer) or a path that is not valid text.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://").or_else(|| {
        // `file:` is case-insensitive.
        (s.len() > 7 && s[..7].eq_ignore_ascii_case("file://")).then(|| &s[7..])
    })?;
    // The authority: empty or `localhost` for a local file.
    let slash = rest.find('/')?;
    let (host, path) = rest.split_at(slash);
    if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path)?;
    #[cfg(windows)]
    let decoded = match decoded.strip_prefix('/') {
        Some(p) if p.as_bytes().get(1) == Some(&b':') => p.to_string(),
        _ => decoded,
    };
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut out = String::from("file://");
    #[cfg(windows)]
    out.push('/');
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            #[cfg(windows)]
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a b/≥ policy.policy");
        let uri = from_path(path).expect("a valid URI");
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%E2%89%A5%20policy.policy");
        assert_eq!(to_path(&uri).as_deref(), Some(path));
        let local = Uri::from_str("file://localhost/x/y.policy").expect("a valid URI");
        assert_eq!(to_path(&local), Some(PathBuf::from("/x/y.policy")));
        let untitled = Uri::from_str("untitled:Untitled-1").expect("a valid URI");
        assert_eq!(to_path(&untitled), None);
        let remote = Uri::from_str("file://server/share/x.policy").expect("a valid URI");
        assert_eq!(to_path(&remote), None);
        let bad = Uri::from_str("file:///x%FF.policy").expect("a valid URI");
        assert_eq!(to_path(&bad), None);
    }
}
