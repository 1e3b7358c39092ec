//! Hot reload of the decision service, end to end: the real binary serving a temporary copy of a
//! policies folder, which the tests edit, break, fix and signal while it serves.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_policyc");
const DECIDE: &str = "/v1/policies/proleukin/decide";
/// In the copy of proleukin.policy: melanoma's criterion 1.A.iii. The example request
/// approve-melanoma-iv.json states 2 other systemic therapies: approved with 1, not with 3.
const LIMIT_1: &str = "other_systemic_therapies at least 1";
const LIMIT_3: &str = "other_systemic_therapies at least 3";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running server on a temporary copy of proleukin.policy and its library.
struct Server {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    /// Every line the server printed on standard error, after its address.
    stderr: Arc<Mutex<Vec<String>>>,
    agent: ureq::Agent,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn start() -> Server {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(dir.path().join("lib")).expect("lib");
    for f in ["proleukin.policy", "lib/common.policy"] {
        std::fs::copy(root().join("policies").join(f), dir.path().join(f)).expect("copy");
    }
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--policies"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = lines.clone();
    std::thread::spawn(move || {
        let mut first = true;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if first {
                let _ = tx.send(line);
                first = false;
            } else {
                kept.lock().expect("the lines").push(line);
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
        dir,
        stderr: lines,
        agent: agent(),
    }
}

/// A decision: its kind and the content hash of the version that made it.
#[derive(Debug, Clone, PartialEq)]
struct Decided {
    decision: String,
    hash: String,
}

fn decide_with(agent: &ureq::Agent, port: u16, body: &str) -> Result<Decided, String> {
    let mut r = agent
        .post(&format!("http://127.0.0.1:{port}{DECIDE}"))
        .header("Content-Type", "application/json")
        .send(body)
        .map_err(|e| format!("no answer: {e}"))?;
    let status = r.status().as_u16();
    let hash = r
        .headers()
        .get("x-policy-content-hash")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("status {status}: {text}"));
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(Decided {
        decision: doc["decision"].as_str().unwrap_or("").to_string(),
        hash: hash.ok_or("no x-policy-content-hash header")?,
    })
}

impl Server {
    fn get(&self, path: &str) -> Value {
        let mut r = self
            .agent
            .get(&format!("http://127.0.0.1:{}{path}", self.port))
            .call()
            .expect("GET answers");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let text = r.body_mut().read_to_string().expect("a text body");
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    /// `/ready`, checked against the `Ready` schema of the service's OpenAPI document.
    fn ready(&self) -> Value {
        let doc = self.get("/ready");
        let openapi = self.get("/v1/openapi.json");
        let schema = openapi["components"]["schemas"]["Ready"].clone();
        assert_eq!(
            openapi["paths"]["/ready"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/Ready"
        );
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler
            .add_resource("urn:ready", schema)
            .expect("the schema is accepted");
        let mut schemas = boon::Schemas::new();
        let index = compiler
            .compile("urn:ready", &mut schemas)
            .expect("the schema compiles");
        if let Err(e) = schemas.validate(&doc, index) {
            panic!("/ready does not match its schema: {e:#}\n{doc:#}");
        }
        doc
    }

    fn metrics(&self) -> String {
        match self.get("/metrics") {
            Value::String(s) => s,
            other => panic!("metrics are text: {other}"),
        }
    }

    fn decide(&self, body: &str) -> Decided {
        decide_with(&self.agent, self.port, body).expect("a decision")
    }

    fn listed_hash(&self) -> String {
        self.get("/v1/policies")["policies"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["id"] == "proleukin"))
            .and_then(|p| p["content_hash"].as_str())
            .expect("proleukin is listed")
            .to_string()
    }

    fn policy_file(&self) -> PathBuf {
        self.dir.path().join("proleukin.policy")
    }

    fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.policy_file()).expect("read");
        assert!(text.contains(from), "{from}");
        std::fs::write(self.policy_file(), text.replacen(from, to, 1)).expect("write");
    }

    fn sighup(&self) {
        let pid = self.child.as_ref().expect("running").id();
        let ok = Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success());
    }

    fn log(&self) -> String {
        self.stderr.lock().expect("the lines").join("\n")
    }
}

fn request() -> String {
    std::fs::read_to_string(root().join("policies/examples/proleukin/approve-melanoma-iv.json"))
        .expect("the example")
}

/// Poll `f` every 50 ms for up to 10 s until it holds.
fn eventually(what: &str, server: &Server, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{what}: not within 10 s; the server said:\n{}",
        server.log()
    );
}

fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
}

/// An edited limit flips the decision, and the list shows the new hash; so does an edit back.
#[test]
fn an_edit_is_served_within_seconds() {
    let server = start();
    let body = request();
    let before = server.decide(&body);
    assert_eq!(before.decision, "approve");
    assert_eq!(before.hash, server.listed_hash());
    server.edit(LIMIT_1, LIMIT_3);
    eventually("the edit is served", &server, || {
        server.decide(&body).decision != "approve"
    });
    let after = server.decide(&body);
    assert_eq!(after.decision, "deny");
    assert_ne!(after.hash, before.hash);
    assert_eq!(server.listed_hash(), after.hash);
    assert_eq!(
        server.get("/v1/policies/proleukin")["content_hash"],
        after.hash
    );
    let ready = server.ready();
    assert_eq!(ready["status"], "ready", "{ready:#}");
    assert_eq!(ready["policies"][0]["state"], "loaded");
    assert_eq!(ready["policies"][0]["content_hash"], after.hash);
    assert_eq!(ready["policies"][0]["error"], Value::Null);
    // Back to the first text: the first hash (the hash is the IR's, not the file's).
    server.edit(LIMIT_3, LIMIT_1);
    eventually("the edit back is served", &server, || {
        server.decide(&body) == before
    });
    assert_eq!(server.listed_hash(), before.hash);
    let metrics = server.metrics();
    assert!(counter(&metrics, "policyc_reloads_total") >= 2, "{metrics}");
    assert_eq!(counter(&metrics, "policyc_reload_failures_total"), 0);
    assert!(server
        .log()
        .contains("reloaded after a change in the folder"));
}

/// A policy that no longer compiles keeps deciding with its last good version; `/ready`,
/// `/metrics` and the log say so; fixed, it is ready again.
#[test]
fn a_broken_policy_keeps_its_last_good_version() {
    let server = start();
    let body = request();
    let good = server.decide(&body);
    server.edit("effective 2022-01-01", "effective 2022-13-01 {");
    eventually("the failure shows in /ready", &server, || {
        server.ready()["status"] == "degraded"
    });
    let ready = server.ready();
    let p = &ready["policies"][0];
    assert_eq!(p["id"], "proleukin", "{ready:#}");
    assert_eq!(p["state"], "stale", "{ready:#}");
    assert_eq!(p["content_hash"], good.hash);
    let error = p["error"].as_str().expect("the error");
    assert!(error.contains("proleukin.policy"), "{error}");
    assert!(error.contains("does not compile"), "{error}");
    // Still deciding, with the last good version.
    assert_eq!(server.decide(&body), good);
    assert_eq!(server.listed_hash(), good.hash);
    let metrics = server.metrics();
    assert!(
        counter(&metrics, "policyc_reload_failures_total") >= 1,
        "{metrics}"
    );
    assert!(
        metrics.contains("policyc_policies{state=\"stale\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("policyc_policy_stale{policy=\"proleukin\"} 1\n"),
        "{metrics}"
    );
    eventually("the log has the diagnostics", &server, || {
        server.log().contains("keeps serving its last good version")
    });
    assert!(server.log().contains("proleukin.policy"));
    // A new file that does not compile serves nothing, and shows as failed.
    std::fs::write(server.dir.path().join("new.policy"), "policy new {\n").expect("write");
    eventually("the new file's failure shows", &server, || {
        server.ready()["policies"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["state"] == "failed"))
    });
    std::fs::remove_file(server.dir.path().join("new.policy")).expect("remove");
    // Fixed: ready again, with the fixed version (here the same IR, so the same hash).
    server.edit("effective 2022-13-01 {", "effective 2022-01-01");
    eventually("ready again", &server, || {
        server.ready()["status"] == "ready"
    });
    let ready = server.ready();
    assert_eq!(
        ready["policies"].as_array().map(Vec::len),
        Some(1),
        "{ready:#}"
    );
    assert_eq!(ready["policies"][0]["state"], "loaded");
    assert_eq!(ready["policies"][0]["error"], Value::Null);
    let metrics = server.metrics();
    assert!(
        metrics.contains("policyc_policies{state=\"stale\"} 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("policyc_policies{state=\"failed\"} 0\n"),
        "{metrics}"
    );
    assert_eq!(server.decide(&body), good);
}

/// SIGHUP reloads (here a new policy file appears, and a deleted one disappears).
#[test]
fn sighup_reloads() {
    let server = start();
    let reloads = |s: &Server| counter(&s.metrics(), "policyc_reloads_total");
    let n = reloads(&server);
    server.sighup();
    eventually("SIGHUP reloads", &server, || reloads(&server) > n);
    assert!(server
        .log()
        .contains("reloaded after SIGHUP: no policy changed"));
    // Still serving: the signal did not stop it.
    assert_eq!(server.decide(&request()).decision, "approve");
    // A new policy appears; when its file is deleted, it disappears.
    let text = std::fs::read_to_string(server.policy_file()).expect("read");
    let copy = server.dir.path().join("copy.policy");
    std::fs::write(&copy, text.replacen("policy proleukin", "policy copy", 1)).expect("write");
    server.sighup();
    eventually("the new policy is served", &server, || {
        server.get("/v1/policies")["policies"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["id"] == "copy"))
    });
    let d = decide_with(&server.agent, server.port, &request());
    assert!(d.is_ok());
    std::fs::remove_file(&copy).expect("remove");
    server.sighup();
    eventually("the deleted policy is gone", &server, || {
        server.get("/v1/policies")["policies"]
            .as_array()
            .is_some_and(|ps| ps.len() == 1)
    });
    let mut r = server
        .agent
        .post(&format!(
            "http://127.0.0.1:{}/v1/policies/copy/decide",
            server.port
        ))
        .header("Content-Type", "application/json")
        .send(request().as_str())
        .expect("answers");
    assert_eq!(r.status().as_u16(), 404);
    let doc: Value =
        serde_json::from_str(&r.body_mut().read_to_string().expect("text")).expect("JSON");
    assert_eq!(doc["code"], "unknown_policy");
}

/// Under load while the policy is rewritten several times, no request fails and each decision is
/// the one of the version named by its hash.
#[test]
fn no_request_fails_or_mixes_versions_during_reloads() {
    let server = start();
    let body = request();
    let v1 = server.decide(&body);
    assert_eq!(v1.decision, "approve");
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::<Decided>::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (stop, seen, body, port) = (stop.clone(), seen.clone(), body.clone(), server.port);
            std::thread::spawn(move || {
                let agent = agent();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let d = decide_with(&agent, port, &body).expect("every request is decided");
                    seen.lock().expect("seen").push(d);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut v2 = None;
    for i in 0..6 {
        let (from, to, want) = if i % 2 == 0 {
            (LIMIT_1, LIMIT_3, "deny")
        } else {
            (LIMIT_3, LIMIT_1, "approve")
        };
        server.edit(from, to);
        eventually("the rewrite is served", &server, || {
            server.decide(&body).decision == want
        });
        if want == "deny" {
            v2 = Some(server.decide(&body));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let total: usize = workers
        .into_iter()
        .map(|w| w.join().expect("a worker"))
        .sum();
    let v2 = v2.expect("the second version was served");
    assert_ne!(v1.hash, v2.hash);
    let seen = seen.lock().expect("seen");
    assert_eq!(seen.len(), total);
    assert!(total > 50, "only {total} requests");
    let (mut ones, mut twos) = (0, 0);
    for d in seen.iter() {
        if *d == v1 {
            ones += 1;
        } else if *d == v2 {
            twos += 1;
        } else {
            panic!("{d:?} is neither {v1:?} nor {v2:?}");
        }
    }
    assert!(ones > 0 && twos > 0, "{ones} and {twos}");
    let metrics = server.metrics();
    assert!(counter(&metrics, "policyc_reloads_total") >= 6, "{metrics}");
}
