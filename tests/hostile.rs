//! Hostile and careless inputs to loading and writing, through the real binary, each in its own
//! temporary folder: imports that try to leave the policy folder or read what is not a policy file,
//! diamonds and long chains of libraries, and writes through links, onto read-only files, hard links
//! and devices. Each case asserts the exit code and what the message says (and does not say).

#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A secret that must never appear in any output.
const SECRET: &str = "TOPSECRET-7f3a";

fn policyc(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create folder");
    }
    std::fs::write(path, text).expect("write file");
}

/// A policy that imports `import` and uses the fact `shared` the library declares.
fn policy_importing(imports: &[&str]) -> String {
    let imports: String = imports
        .iter()
        .map(|i| format!("import \"{i}\"\n"))
        .collect();
    format!(
        r#"{imports}
policy p {{
  title "A policy" drug "A drug" effective 2024-01-01
}}
indication 1 "Anything" {{
  approve for 1 year
  criteria: all of {{ A "Shared fact holds": shared }}
}}
"#
    )
}

fn library(name: &str, imports: &[&str], body: &str) -> String {
    let imports: String = imports
        .iter()
        .map(|i| format!("import \"{i}\"\n"))
        .collect();
    format!("{imports}library {name} \"Library {name}\"\n{body}\n")
}

const SHARED: &str = "fact shared: boolean \"A shared fact\"";

/// A folder outside the policy folder holding a file whose first line is a secret.
fn secret_file(root: &Path) -> PathBuf {
    let path = root.join("outside").join("secret.policy");
    write(&path, &format!("{SECRET} line one\n"));
    path
}

#[test]
fn a_diamond_of_imports_declares_each_name_once() {
    let t = tmp();
    let p = t.path().join("policies");
    write(&p.join("lib/base.policy"), &library("base", &[], SHARED));
    write(
        &p.join("lib/left.policy"),
        &library("left", &["base.policy"], ""),
    );
    write(
        &p.join("lib/right.policy"),
        &library("right", &["base.policy"], ""),
    );
    write(
        &p.join("p.policy"),
        &policy_importing(&["lib/left.policy", "lib/right.policy"]),
    );
    let (code, out) = policyc(t.path(), &["check", "policies/p.policy"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("policies/p.policy: ok"), "{out}");
}

#[test]
fn a_long_chain_of_libraries_is_fast_and_a_too_long_one_is_refused() {
    let t = tmp();
    let p = t.path().join("policies");
    // lib0 declares the fact; lib{i} imports lib{i-1} twice over two paths (a ladder of diamonds),
    // which without a cache would be loaded 2^n times.
    write(&p.join("lib0.policy"), &library("l0", &[], SHARED));
    for i in 1..=60 {
        let prev = format!("lib{}.policy", i - 1);
        let twin = format!("twin{}.policy", i - 1);
        write(
            &p.join(format!("twin{}.policy", i - 1)),
            &library(&format!("t{}", i - 1), &[&prev], ""),
        );
        write(
            &p.join(format!("lib{i}.policy")),
            &library(&format!("l{i}"), &[&prev, &twin], ""),
        );
    }
    write(&p.join("ok.policy"), &policy_importing(&["lib7.policy"]));
    let (code, out) = policyc(t.path(), &["check", "policies/ok.policy"]);
    assert_eq!(code, 0, "{out}");

    write(&p.join("deep.policy"), &policy_importing(&["lib60.policy"]));
    let started = std::time::Instant::now();
    let (code, out) = policyc(t.path(), &["check", "policies/deep.policy"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("libraries deep"), "{out}");
    // Not a timing assertion on speed: a generous bound that only an exponential blow-up crosses.
    assert!(
        started.elapsed().as_secs() < 60,
        "loading the chain took too long"
    );
}

#[test]
fn an_import_may_not_leave_the_policy_folder() {
    let t = tmp();
    let secret = secret_file(t.path());
    let p = t.path().join("policies");
    std::os::unix::fs::symlink(&secret, p.join("link.policy"))
        .or_else(|_| {
            std::fs::create_dir_all(&p)?;
            std::os::unix::fs::symlink(&secret, p.join("link.policy"))
        })
        .expect("symlink");
    let absolute = secret.display().to_string();
    for (import, why) in [
        ("../outside/secret.policy", "outside the policy folder"),
        ("link.policy", "outside the policy folder"),
        (absolute.as_str(), "the path is absolute"),
        ("/proc/self/environ", "the path is absolute"),
        ("/etc/passwd", "the path is absolute"),
    ] {
        write(&p.join("p.policy"), &policy_importing(&[import]));
        let (code, out) = policyc(t.path(), &["check", "policies/p.policy"]);
        assert_eq!(code, 1, "{import}: {out}");
        assert!(out.contains(why), "{import}: {out}");
        assert!(!out.contains(SECRET), "{import} printed the secret: {out}");
        assert!(
            !out.contains("root:"),
            "{import} printed /etc/passwd: {out}"
        );
    }
}

#[test]
fn an_extra_root_is_allowed_only_when_named() {
    let t = tmp();
    let shared = t.path().join("shared-libs");
    write(&shared.join("base.policy"), &library("base", &[], SHARED));
    let p = t.path().join("policies");
    write(
        &p.join("p.policy"),
        &policy_importing(&["../shared-libs/base.policy"]),
    );
    let (code, out) = policyc(t.path(), &["check", "policies/p.policy"]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = policyc(
        t.path(),
        &[
            "check",
            "policies/p.policy",
            "--allow-imports-from",
            "shared-libs",
        ],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn only_regular_files_are_imported() {
    let t = tmp();
    let p = t.path().join("policies");
    std::fs::create_dir_all(p.join("lib")).expect("folder");
    let fifo = p.join("fifo.policy");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    for (import, why) in [
        ("fifo.policy", "not a regular file"),
        ("lib", "not a regular file"),
        ("missing.policy", "No such file"),
    ] {
        write(&p.join("p.policy"), &policy_importing(&[import]));
        let (code, out) = policyc(t.path(), &["check", "policies/p.policy"]);
        assert_eq!(code, 1, "{import}: {out}");
        assert!(out.contains(why), "{import}: {out}");
    }
}

#[test]
fn a_library_too_large_is_refused_without_reading_it_whole() {
    let t = tmp();
    let p = t.path().join("policies");
    let big = format!(
        "{}\n{}",
        library("big", &[], SHARED),
        "# x\n".repeat(300_000)
    );
    write(&p.join("big.policy"), &big);
    write(&p.join("p.policy"), &policy_importing(&["big.policy"]));
    let (code, out) = policyc(t.path(), &["check", "policies/p.policy"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("larger than 1048576 bytes"), "{out}");
}

#[test]
fn errors_of_a_library_are_counted_not_quoted() {
    let t = tmp();
    let p = t.path().join("policies");
    write(
        &p.join("bad.policy"),
        &format!("library bad \"Bad\"\nfact {SECRET}x: nonsense_type \"x\"\n"),
    );
    write(&p.join("p.policy"), &policy_importing(&["bad.policy"]));
    let (code, out) = policyc(t.path(), &["check", "policies/p.policy"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("library `bad.policy` has 1 error"), "{out}");
    assert!(out.contains("run `policyc check bad.policy`"), "{out}");
    assert!(!out.contains(SECRET), "{out}");
}

#[test]
fn a_cases_file_may_not_name_a_policy_outside_the_folder() {
    let t = tmp();
    let secret = secret_file(t.path());
    let p = t.path().join("policies");
    write(
        &p.join("x.cases.yaml"),
        &format!(
            "policy: {}\ncases:\n  - name: a\n    expect: {{decision: deny}}\n",
            secret.display()
        ),
    );
    let (code, out) = policyc(t.path(), &["test", "policies"]);
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("is outside the folders given"), "{out}");
    assert!(!out.contains("line one"), "{out}");
}

/// A compiled-policy source in `dir`, and the `fmt`-unformatted version of it.
fn messy_policy(dir: &Path) -> PathBuf {
    let path = dir.join("p.policy");
    write(
        &path,
        "fact shared: boolean \"A shared fact\"\npolicy p {  title \"A policy\" drug \"A drug\" effective 2024-01-01 }\nindication 1 \"Anything\" { approve for 1 year\n criteria: all of { A \"Shared fact holds\": shared } }\n",
    );
    path
}

#[test]
fn fmt_writes_through_a_symbolic_link_and_keeps_it() {
    let t = tmp();
    let real_dir = t.path().join("real");
    let target = messy_policy(&real_dir);
    let link_dir = t.path().join("policies");
    std::fs::create_dir_all(&link_dir).expect("folder");
    let link = link_dir.join("p.policy");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let (code, out) = policyc(t.path(), &["fmt", "policies/p.policy"]);
    assert_eq!(code, 0, "{out}");
    let meta = std::fs::symlink_metadata(&link).expect("link");
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    let formatted = std::fs::read_to_string(&target).expect("target");
    assert!(formatted.starts_with("fact shared"), "{formatted}");
    assert!(
        formatted.contains("\n  title"),
        "the target was not formatted: {formatted}"
    );
}

#[test]
fn fmt_keeps_the_mode_and_the_hard_links_of_a_file() {
    let t = tmp();
    let path = messy_policy(t.path());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let (code, out) = policyc(t.path(), &["fmt", "p.policy"]);
    assert_eq!(code, 0, "{out}");
    let mode = std::fs::metadata(&path).expect("file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let other = t.path().join("q.policy");
    let linked = t.path().join("linked.policy");
    write(
        &other,
        &std::fs::read_to_string(messy_policy(t.path())).expect("read"),
    );
    std::fs::hard_link(&other, &linked).expect("hard link");
    let (code, out) = policyc(t.path(), &["fmt", "q.policy"]);
    assert_eq!(code, 0, "{out}");
    let (a, b) = (
        std::fs::metadata(&other).expect("q"),
        std::fs::metadata(&linked).expect("linked"),
    );
    assert_eq!(a.ino(), b.ino(), "the hard link was broken");
    assert_eq!(a.nlink(), 2);
    assert!(std::fs::read_to_string(&linked)
        .expect("linked")
        .contains("\n  title"));
}

#[test]
fn fmt_leaves_no_temporary_file_and_does_not_follow_a_planted_link() {
    let t = tmp();
    let path = messy_policy(t.path());
    let victim = t.path().join("victim.txt");
    write(&victim, "untouched\n");
    // The old implementation's predictable temporary name, planted as a link to the victim.
    for pid_guess in 0..50 {
        let _ = std::os::unix::fs::symlink(
            &victim,
            t.path().join(format!(".p.policy.policyc-tmp-{pid_guess}")),
        );
    }
    let (code, out) = policyc(t.path(), &["fmt", "p.policy"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "untouched\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(t.path())
        .expect("folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".policyc-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    assert!(std::fs::read_to_string(&path)
        .expect("p")
        .contains("\n  title"));
}

#[test]
fn compile_writes_a_device_directly_and_to_standard_output_with_a_dash() {
    let t = tmp();
    messy_policy(t.path());
    let (code, out) = policyc(t.path(), &["compile", "p.policy", "-o", "/dev/null"]);
    assert_eq!(code, 0, "{out}");
    let meta = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(!meta.is_file(), "/dev/null was replaced by a file");

    let (code, out) = policyc(t.path(), &["compile", "p.policy", "-o", "-"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"format\": \"policyc-ir\""), "{out}");
    assert!(!t.path().join("-").exists());

    std::fs::create_dir_all(t.path().join("out.json")).expect("folder");
    let (code, out) = policyc(t.path(), &["compile", "p.policy", "-o", "out.json"]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("it is a folder"), "{out}");
}

#[test]
fn a_directory_walk_survives_a_link_loop() {
    let t = tmp();
    let p = t.path().join("policies");
    let sub = p.join("sub");
    std::fs::create_dir_all(&sub).expect("folder");
    std::os::unix::fs::symlink(&p, sub.join("loop")).expect("symlink");
    let (code, out) = policyc(t.path(), &["fmt", "--check", "policies"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_request_from_an_endless_device_is_refused() {
    let t = tmp();
    messy_policy(t.path());
    let (code, out) = policyc(t.path(), &["eval", "p.policy", "/dev/zero"]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("larger than"), "{out}");
}
