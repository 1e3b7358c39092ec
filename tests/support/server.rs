//! The decision service for the tests that speak HTTP to it: the real binary, started on an
//! ephemeral loopback port over `policies/`, killed when the handle is dropped; and the FHIR
//! samples its answers leave for the R4 check.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `policyc serve`.
pub struct Server {
    /// The process, until it is stopped.
    pub child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// An HTTP client that answers every status as a response, not an error.
    pub agent: ureq::Agent,
}

impl Server {
    /// SIGTERM, and wait for the exit (the decision log is flushed).
    pub fn stop(mut self) {
        let mut child = self.child.take().expect("running");
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success());
        assert!(child.wait().expect("exits").success());
    }
}

/// Check the resource's type and keep it for the FHIR R4 check, as
/// `target/fhir-r4-samples/NAME.json` (the `fhir-r4/` package parses every file there).
pub fn keep_r4(v: &serde_json::Value, ty: &str, name: &str) {
    assert_eq!(v["resourceType"], ty, "{name}: {v:#}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fhir-r4-samples");
    std::fs::create_dir_all(&dir).expect("the samples folder");
    let file: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    std::fs::write(dir.join(format!("{file}.json")), v.to_string()).expect("the sample is written");
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Start `policyc serve --policies policies --addr 127.0.0.1:0 ARGS` at the repository's root, and
/// wait (up to a minute) for the line that names its port.
pub fn start(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(["serve", "--policies", "policies", "--addr", "127.0.0.1:0"])
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints its address");
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    Server {
        child: Some(child),
        port,
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into(),
    }
}
