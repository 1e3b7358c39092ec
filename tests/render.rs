//! `policyc render`, through the real binary: every policy under `policies/` as Markdown and as
//! HTML (snapshots), every label of the compiled policy an anchor exactly once, the HTML
//! self-contained; and, where Chromium is installed, the HTML rendered by a real browser
//! (headless), its anchors and text read back from the DOM. Without Chromium that check is skipped
//! with a message, unless `POLICYC_REQUIRE_BROWSER=1` (set by `.ci/run` once it has Chromium)
//! makes it fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn policyc(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("policyc runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "policyc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The policies (not libraries) under `policies/`.
fn policies() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("policies"))
        .expect("policies/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .map(|p| {
            format!(
                "policies/{}",
                p.file_name().expect("a name").to_string_lossy()
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 8, "{out:?}");
    out
}

/// Every label of the compiled policy: indications, sections and criteria.
fn labels(policy: &str) -> Vec<String> {
    let ir: serde_json::Value = serde_json::from_str(&policyc(&["compile", policy])).expect("IR");
    fn walk(n: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(l) = n["label"].as_str() {
            out.push(l.to_string());
        }
        if let Some(children) = n["body"]["children"].as_array() {
            for c in children {
                walk(c, out);
            }
        }
    }
    let mut out = Vec::new();
    for ind in ir["indications"].as_array().expect("indications") {
        walk(&ind["criteria"], &mut out);
        if !ind["dosing"].is_null() {
            walk(&ind["dosing"], &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn name(policy: &str) -> String {
    Path::new(policy)
        .file_stem()
        .expect("a name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_policy_renders_as_markdown_with_an_anchor_per_label() {
    for policy in policies() {
        let md = policyc(&["render", &policy, "--format", "md"]);
        for l in labels(&policy) {
            let anchor = format!("<a id=\"{l}\"></a>");
            assert_eq!(md.matches(&anchor).count(), 1, "{policy}: {anchor}");
        }
        insta::assert_snapshot!(format!("md_{}", name(&policy)), md);
    }
}

#[test]
fn every_policy_renders_as_one_self_contained_accessible_html_file() {
    for policy in policies() {
        let html = policyc(&["render", &policy, "--format", "html"]);
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{policy}"
        );
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("@media print"), "{policy}: print styles");
        assert_eq!(html.matches("<h1>").count(), 1, "{policy}: one title");
        assert!(html.contains("<main>") && html.contains("</main>"));
        // Nothing is fetched from elsewhere: no script, no link, no remote source.
        for forbidden in ["<script", "<link", "src=", "http://", "https://", "@import"] {
            assert!(!html.contains(forbidden), "{policy}: {forbidden}");
        }
        // Every id once; every label among them.
        let ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{policy}: an id is used twice");
        for l in labels(&policy) {
            assert!(ids.contains(&l.as_str()), "{policy}: no anchor {l}");
        }
        insta::assert_snapshot!(format!("html_{}", name(&policy)), html);
    }
}

#[test]
fn the_document_shows_the_version_and_the_decision_links_into_it() {
    let md = policyc(&["render", "policies/proleukin.policy"]);
    assert!(md.contains("- **Effective:** 2022-01-01\n- **In force until:** 2026-06-30\n"));
    let md2 = policyc(&["render", "policies/proleukin-2026.policy"]);
    assert!(md2.contains("- **Effective:** 2026-07-01\n"));
    assert!(!md2.contains("In force until"));
    assert!(md2.contains("<a id=\"1.A.iv\"></a>**iv.** Proleukin is prescribed by or in consultation with an oncologist"));
    // Every link of a decision is to an anchor of the document.
    let d: serde_json::Value = serde_json::from_str(&policyc(&[
        "eval",
        "--format",
        "json",
        "policies/proleukin.policy",
        "policies/examples/proleukin/deny-breast-cancer.json",
        "--doc-url",
        "proleukin.html",
    ]))
    .expect("a decision");
    let html = policyc(&["render", "policies/proleukin.policy", "--format", "html"]);
    let links = d["links"].as_object().expect("links");
    assert!(links.contains_key("not covered"));
    for url in links.values() {
        let anchor = url.as_str().and_then(|u| u.strip_prefix("proleukin.html#"));
        let anchor = anchor.expect("a link into the document");
        assert!(
            html.contains(&format!(" id=\"{anchor}\"")),
            "no anchor {anchor}"
        );
    }
}

/// Chromium, if installed: `chromium` or `chromium-browser` on the PATH.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn a_real_browser_renders_the_html_with_its_anchors_and_text() {
    let Some(browser) = chromium() else {
        // CI (.ci/run) sets POLICYC_REQUIRE_BROWSER=1 once it has Chromium, so that a browser
        // that went missing fails there instead of skipping unseen.
        let required =
            std::env::var("POLICYC_REQUIRE_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "POLICYC_REQUIRE_BROWSER is set but no Chromium runs (`chromium` or `chromium-browser` on the PATH): install it (apt-get install chromium) or unset POLICYC_REQUIRE_BROWSER to skip this check"
        );
        eprintln!("skipped: Chromium is not installed (apt-get install chromium), so the HTML is not rendered in a browser; set POLICYC_REQUIRE_BROWSER=1 to make this a failure");
        return;
    };
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("proleukin.html");
    let html = policyc(&[
        "render",
        "policies/proleukin-2026.policy",
        "--format",
        "html",
    ]);
    std::fs::write(&file, &html).expect("writes the document");
    let profile = dir.path().join("profile");
    std::fs::create_dir(&profile).expect("a profile folder");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
        ])
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    // The DOM the browser built holds every anchor, as an element with that id, once.
    for l in labels("policies/proleukin-2026.policy") {
        let id = format!("id=\"{l}\"");
        assert_eq!(
            dom.matches(&id).count(),
            1,
            "the browser's DOM has no single {id}"
        );
    }
    assert!(dom.contains("<html lang=\"en\">"), "{dom}");
    assert!(dom.contains(
        "<li id=\"1.A.iii\"><span class=\"label\">iii.</span>Proleukin will be used as a single agent</li>"
    ));
    assert!(dom.contains(
        "<title>Oncology (Injectable) – Proleukin Utilization Management Medical Policy</title>"
    ));
    assert!(dom.contains("id=\"not-covered\""));
}
