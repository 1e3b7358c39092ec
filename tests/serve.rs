//! The decision service, end to end: the real binary on an ephemeral port, spoken to over HTTP.
//! Every error document it answers is checked against `policyc schema --error`.
//!
//! Longer than 800 lines on purpose: one test per route and failure mode of the service, sharing
//! the server start-up and HTTP helpers at the top.

#[path = "support/error_schema.rs"]
mod error_schema;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_policyc");

/// A running server, killed if the test ends without stopping it.
struct Server {
    child: Option<Child>,
    port: u16,
    stderr: mpsc::Receiver<String>,
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

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start(args: &[&str]) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .args(["--policies", "policies", "--addr", "127.0.0.1:0"])
        .args(args);
    launch(cmd)
}

/// Start `cmd` (a `policyc serve` from the repository's root) and wait for its address.
fn launch(mut cmd: Command) -> Server {
    let mut child = cmd
        .current_dir(root())
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
    let mut server = Server {
        child: Some(child),
        port: 0,
        stderr: rx,
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into(),
    };
    let line = server
        .stderr
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints its address");
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    server.port = port;
    server
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut r = self.agent.get(&self.url(path)).call().expect("GET answers");
        let status = r.status().as_u16();
        (status, r.body_mut().read_to_string().expect("a text body"))
    }

    fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let mut r = self
            .agent
            .post(&self.url(path))
            .header("Content-Type", content_type)
            .send(body)
            .expect("POST answers");
        let status = r.status().as_u16();
        (status, r.body_mut().read_to_string().expect("a text body"))
    }

    fn post_json(&self, path: &str, body: &str) -> (u16, Value) {
        let (s, b) = self.post(path, "application/json", body);
        (s, serde_json::from_str(&b).expect("a JSON body"))
    }

    /// SIGTERM, then the exit status and what the server printed after its address.
    fn stop(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let mut child = self.child.take().expect("running");
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(ok.success());
        let status = child.wait().expect("the server exits");
        let rest = self.stderr.try_iter().collect();
        (status, rest)
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON")
}

/// An error response: a valid error document, with the response's status, and the code the
/// status goes with.
fn error_doc(status: u16, body: &str, code: &str) -> Value {
    let doc = json(body);
    error_schema::assert_valid(&doc, &format!("the {status} {code} response"));
    assert_eq!(doc["status"], status, "{doc:#}");
    assert_eq!(doc["code"], code, "{doc:#}");
    doc
}

fn requests() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/requests/proleukin"))
        .expect("the requests folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    files
}

fn cli_eval(request: &Path) -> (i32, Value) {
    let out = Command::new(BIN)
        .args(["eval", "policies/proleukin.policy"])
        .arg(request)
        .args(["--format", "json"])
        .current_dir(root())
        .output()
        .expect("eval runs");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    (out.status.code().unwrap_or(-1), json(&text))
}

#[test]
fn decisions_and_request_errors_are_those_of_eval() {
    let server = start(&[]);
    for f in requests() {
        let body = std::fs::read_to_string(&f).expect("the request");
        let (code, expected) = cli_eval(&f);
        let (status, got) = server.post_json("/v1/policies/proleukin/decide", &body);
        match code {
            0 => {
                assert_eq!(status, 200, "{}", f.display());
                assert_eq!(got, expected, "{}", f.display());
                // The fast path gives the same kind and indication.
                let (s, brief) =
                    server.post_json("/v1/policies/proleukin/decide?explain=false", &body);
                assert_eq!(s, 200);
                assert_eq!(brief["format"], "policyc-decision-brief");
                assert_eq!(brief["decision"], expected["decision"], "{}", f.display());
                assert_eq!(brief["indication"], expected["indication"]);
                assert_eq!(brief["request_id"], expected["request_id"]);
            }
            3 => {
                assert_eq!(status, 400, "{}", f.display());
                for key in ["format", "format_version", "code", "exit_code", "problems"] {
                    assert_eq!(got[key], expected[key], "{key} of {}", f.display());
                }
                assert_eq!(got["status"], 400);
                error_schema::assert_valid(&got, &f.display().to_string());
            }
            other => panic!("eval exited {other} on {}", f.display()),
        }
    }
}

#[test]
fn batch_keeps_order_and_reports_bad_lines_by_number() {
    let server = start(&[]);
    let files = requests();
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    for (i, f) in files.iter().take(8).enumerate() {
        let body = std::fs::read_to_string(f).expect("the request");
        let (code, doc) = cli_eval(f);
        lines.push(serde_json::to_string(&json(&body)).expect("compact"));
        expected.push((code, doc));
        if i == 2 {
            lines.push("{not json".to_string());
            expected.push((3, Value::Null));
            lines.push(String::new()); // a blank line is skipped, and still counted
            lines.push(r#"{"facts": {"no_such_fact": 1}}"#.to_string());
            expected.push((3, Value::Null));
        }
    }
    let input = lines.join("\n") + "\n";
    for ct in ["application/x-ndjson", "application/jsonl"] {
        let (status, out) = server.post("/v1/policies/proleukin/decide/batch", ct, &input);
        assert_eq!(status, 200);
        let got: Vec<Value> = out.lines().map(json).collect();
        assert_eq!(got.len(), expected.len());
        for (g, (code, doc)) in got.iter().zip(&expected) {
            if *code == 0 {
                assert_eq!(g, doc);
            } else {
                assert_eq!(g["format"], "policyc-error");
                assert_eq!(g["code"], "invalid_request");
                error_schema::assert_valid(g, "a batch's error record");
                assert!(!g["problems"].as_array().expect("problems").is_empty());
            }
        }
        assert_eq!(got[3]["line"], 4);
        assert_eq!(got[4]["line"], 6);
        assert_eq!(got[4]["problems"][0]["path"], "facts.no_such_fact");
    }
    // The fast path in batch.
    let (status, out) = server.post(
        "/v1/policies/proleukin/decide/batch?explain=false",
        "application/x-ndjson",
        &input,
    );
    assert_eq!(status, 200);
    let kinds: Vec<Value> = out.lines().map(|l| json(l)["decision"].clone()).collect();
    let want: Vec<Value> = expected
        .iter()
        .map(|(c, d)| {
            if *c == 0 {
                d["decision"].clone()
            } else {
                Value::Null
            }
        })
        .collect();
    assert_eq!(kinds, want);
    // JSON is not JSON Lines.
    let (status, _) = server.post(
        "/v1/policies/proleukin/decide/batch",
        "application/json",
        &input,
    );
    assert_eq!(status, 415);
}

#[test]
fn describing_routes() {
    let server = start(&[]);
    let (s, list) = server.get("/v1/policies");
    assert_eq!(s, 200);
    let list = json(&list);
    let ids: Vec<&str> = list["policies"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().expect("an id"))
        .collect();
    // Every policy of the folder, and not the library.
    assert_eq!(
        ids,
        [
            "aldesleukin_other_plan",
            "binimetinib",
            "ipilimumab",
            "nivolumab",
            "proleukin",
            "talimogene",
            "tebentafusp"
        ]
    );
    // The latest version of a policy is listed, with every version.
    let proleukin = &list["policies"][4];
    assert_eq!(proleukin["effective"], "2026-07-01");
    assert_eq!(proleukin["review"], "2027-02-01");
    let versions = proleukin["versions"].as_array().expect("the versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["effective"], "2022-01-01");
    assert_eq!(versions[0]["review"], "2025-02-05");
    assert_eq!(versions[0]["in_force_until"], "2026-06-30");
    assert_eq!(versions[1]["effective"], "2026-07-01");
    assert_eq!(versions[1]["in_force_until"], Value::Null);
    assert_eq!(versions[1]["content_hash"], proleukin["content_hash"]);
    assert_ne!(versions[0]["content_hash"], versions[1]["content_hash"]);
    let hash = proleukin["content_hash"].as_str().expect("a hash");
    assert_eq!(hash.len(), 64);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));

    let (s, one) = server.get("/v1/policies/proleukin");
    assert_eq!(s, 200);
    let one = json(&one);
    assert_eq!(one["content_hash"], hash);
    assert_eq!(one["indications"][0]["label"], "1");
    let labels = one["indications"][0]["labels"].as_array().expect("labels");
    assert!(labels.iter().any(|l| l == "1.A"));

    let (s, schema) = server.get("/v1/policies/proleukin/schema");
    assert_eq!(s, 200);
    let cli = Command::new(BIN)
        .args(["schema", "policies/proleukin.policy"])
        .current_dir(root())
        .output()
        .expect("schema runs");
    assert_eq!(json(&schema), json(&String::from_utf8_lossy(&cli.stdout)));

    let (s, health) = server.get("/health");
    assert_eq!((s, json(&health)["status"].clone()), (200, "ok".into()));
    let (s, ready) = server.get("/ready");
    assert_eq!(s, 200);
    let ready = json(&ready);
    assert_eq!(ready["status"], "ready");
    assert!(ready["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .all(|p| p["state"] == "loaded"));

    // Metrics count decisions by policy and kind, latencies, and errors by status.
    let body =
        std::fs::read_to_string(root().join("policies/examples/proleukin/deny-breast-cancer.json"))
            .expect("the example");
    for _ in 0..3 {
        assert_eq!(
            server.post_json("/v1/policies/proleukin/decide", &body).0,
            200
        );
    }
    assert_eq!(
        server.post_json("/v1/policies/proleukin/decide", "{}x").0,
        400
    );
    let (s, metrics) = server.get("/metrics");
    assert_eq!(s, 200);
    assert!(metrics.contains("policyc_decisions_total{policy=\"proleukin\",decision=\"deny\"} 3\n"));
    assert!(metrics.contains("policyc_decision_duration_seconds_count 3\n"));
    assert!(metrics.contains("policyc_decision_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
    assert!(metrics.contains("policyc_request_errors_total{status=\"400\"} 1\n"));
}

/// A QuestionnaireResponse to Proleukin's adaptive Questionnaire (as `policyc questionnaire
/// --adaptive` writes it), with no answer yet.
fn adaptive_response() -> String {
    let out = Command::new(BIN)
        .args(["questionnaire", "--adaptive", "policies/proleukin.policy"])
        .current_dir(root())
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    let mut q = json(&String::from_utf8_lossy(&out.stdout));
    q["id"] = Value::String("q".into());
    serde_json::json!({
        "resourceType": "QuestionnaireResponse",
        "contained": [q],
        "questionnaire": "#q",
        "status": "in-progress",
        "authored": "2026-01-15T10:00:00Z",
        "subject": {"reference": "Patient/example"},
    })
    .to_string()
}

/// Every route of the OpenAPI document answers, and the document lists every route served.
#[test]
fn openapi_matches_the_routes() {
    let server = start(&["--x12-codes", "docs/x12-codes.example.json"]);
    let (s, doc) = server.get("/v1/openapi.json");
    assert_eq!(s, 200);
    let doc = json(&doc);
    assert_eq!(doc["openapi"], "3.1.0");
    // Its error schema is `policyc schema --error`, without `$schema` and `$id`.
    let mut errors = error_schema::schema_json().clone();
    if let Some(m) = errors.as_object_mut() {
        m.remove("$schema");
        m.remove("$id");
    }
    assert_eq!(doc["components"]["schemas"]["Error"], errors);
    let paths = doc["paths"].as_object().expect("paths");
    let mut listed: Vec<(String, String)> = Vec::new();
    let request = std::fs::read_to_string(
        root().join("policies/examples/proleukin/approve-melanoma-iv.json"),
    )
    .expect("the example");
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("operations") {
            listed.push((method.clone(), path.clone()));
            let url = path.replace("{id}", "proleukin");
            let (status, _) = match method.as_str() {
                "get" => server.get(&url),
                "post" if url.starts_with("/cds-services/") => {
                    let call = std::fs::read_to_string(root().join(
                        "policies/examples/proleukin-fhir/crd-order-sign-approve-melanoma-iv.json",
                    ))
                    .expect("the example hook call");
                    server.post(
                        &url.replace("{service}", "order-sign-crd"),
                        "application/json",
                        &call,
                    )
                }
                "post" if url.starts_with("/Questionnaire/") => {
                    server.post(&url, "application/fhir+json", &adaptive_response())
                }
                "post" if url.starts_with("/Claim/") => {
                    let pas = std::fs::read_to_string(
                        root()
                            .join("policies/examples/proleukin-fhir/pas/approve-melanoma-iv.json"),
                    )
                    .expect("the PAS example");
                    server.post(&url, "application/fhir+json", &pas)
                }
                "post" if url.ends_with("/batch") => {
                    let line = serde_json::to_string(&json(&request)).expect("compact");
                    server.post(&url, "application/x-ndjson", &line)
                }
                "post" => server.post(&url, "application/json", &request),
                other => panic!("unexpected method {other}"),
            };
            assert_eq!(status, 200, "{method} {path}");
            assert!(op["responses"]["200"].is_object(), "{method} {path}");
        }
    }
    listed.sort();
    let mut served: Vec<(String, String)> = [
        ("get", "/cds-services"),
        ("post", "/cds-services/{service}"),
        ("get", "/health"),
        ("get", "/metrics"),
        ("get", "/ready"),
        ("get", "/v1/openapi.json"),
        ("get", "/v1/policies"),
        ("get", "/v1/policies/{id}"),
        ("get", "/v1/policies/{id}/schema"),
        ("post", "/v1/policies/{id}/decide"),
        ("post", "/v1/policies/{id}/decide/batch"),
        ("post", "/Questionnaire/$next-question"),
        ("post", "/Claim/$submit"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    served.sort();
    assert_eq!(listed, served);
    // Nothing else is served: other paths and methods are JSON 404 and 405.
    for path in [
        "/",
        "/v1",
        "/v2/policies",
        "/v1/policies/proleukin/decide/other",
        "/healthz",
    ] {
        let (s, body) = server.get(path);
        assert_eq!(s, 404, "{path}");
        error_doc(s, &body, "not_found");
    }
    let (s, body) = server.post("/v1/policies", "application/json", "{}");
    assert_eq!(s, 405);
    error_doc(s, &body, "method_not_allowed");
    let (s, _) = server.get("/v1/policies/proleukin/decide");
    assert_eq!(s, 405);
}

#[test]
fn request_errors_have_their_status_and_document() {
    let server = start(&["--body-limit", "1000"]);
    // 404, with a suggestion.
    let (s, body) = server.post("/v1/policies/proleukn/decide", "application/json", "{}");
    assert_eq!(s, 404);
    let doc = error_doc(s, &body, "unknown_policy");
    assert_eq!(doc["problems"][0]["help"], "did you mean `proleukin`?");
    let (s, body) = server.get("/v1/policies/talimogen/schema");
    assert_eq!(s, 404);
    let doc = error_doc(s, &body, "unknown_policy");
    assert_eq!(doc["problems"][0]["help"], "did you mean `talimogene`?");
    // 400 with every problem.
    let (s, body) = server.post(
        "/v1/policies/proleukin/decide",
        "application/json",
        r#"{"as_of": "yesterday", "facts": {"age": "old", "nope": 1}}"#,
    );
    assert_eq!(s, 400);
    let doc = error_doc(s, &body, "invalid_request");
    assert_eq!(doc["format"], "policyc-error");
    assert_eq!(doc["code"], "invalid_request");
    assert_eq!(doc["exit_code"], 3);
    let paths: Vec<&str> = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["path"].as_str().expect("a path"))
        .collect();
    assert!(paths.len() >= 3, "{paths:?}");
    assert!(paths.contains(&"facts.nope"), "{paths:?}");
    let (s, body) = server.post(
        "/v1/policies/proleukin/decide?explain=maybe",
        "application/json",
        "{}",
    );
    assert_eq!(s, 400);
    let doc = error_doc(s, &body, "invalid_request");
    assert_eq!(doc["problems"][0]["path"], "query.explain");
    // 413 over the body limit, with the exit code `eval` gives a request over its limit.
    let big = format!(r#"{{"facts": {{}}, "pad": "{}"}}"#, "x".repeat(2000));
    let (s, body) = server.post("/v1/policies/proleukin/decide", "application/json", &big);
    assert_eq!(s, 413);
    assert_eq!(error_doc(s, &body, "too_large")["exit_code"], 4);
    // 415 when the body is not JSON.
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        let (s, body) = server.post("/v1/policies/proleukin/decide", ct, "{}");
        assert_eq!(s, 415, "{ct}");
        assert_eq!(
            error_doc(s, &body, "unsupported_media_type")["exit_code"],
            Value::Null
        );
    }
    let (s, _) = server.post(
        "/v1/policies/proleukin/decide",
        "application/json; charset=utf-8",
        r#"{"facts": {}}"#,
    );
    assert_eq!(s, 200);
    // Bytes that are not UTF-8.
    let mut r = server
        .agent
        .post(&server.url("/v1/policies/proleukin/decide"))
        .header("Content-Type", "application/json")
        .send(&[0xff, 0xfe, b'{'][..])
        .expect("answers");
    assert_eq!(r.status().as_u16(), 400);
    error_doc(
        400,
        &r.body_mut().read_to_string().expect("text"),
        "invalid_request",
    );
    let (s, metrics) = server.get("/metrics");
    assert_eq!(s, 200);
    for line in [
        "policyc_request_errors_total{status=\"404\"} 2",
        "policyc_request_errors_total{status=\"413\"} 1",
        "policyc_request_errors_total{status=\"415\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
}

/// A client that sends its headers and not its body holds a permit until the timeout: meanwhile
/// the concurrency limit answers 503, and the slow request gets 408.
#[test]
fn timeout_and_concurrency_limit() {
    let server = start(&["--max-concurrent", "1", "--timeout-ms", "1500"]);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).expect("connects");
    write!(
        slow,
        "POST /v1/policies/proleukin/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .expect("sends");
    std::thread::sleep(Duration::from_millis(300));
    let mut r = server
        .agent
        .get(&server.url("/v1/policies"))
        .call()
        .expect("answers");
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(
        r.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    error_doc(
        503,
        &r.body_mut().read_to_string().expect("text"),
        "overloaded",
    );
    // Probes are not limited.
    assert_eq!(server.get("/health").0, 200);
    assert_eq!(server.get("/ready").0, 200);
    // The slow request times out.
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\"problems\"") {
        match slow.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"timeout\""), "{answer}");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let doc = body.lines().find(|l| l.starts_with('{')).unwrap_or(body);
    error_doc(408, doc, "timeout");
    // The permit is back.
    assert_eq!(server.get("/v1/policies").0, 200);
}

#[test]
fn sigterm_flushes_the_log_and_exits_0() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    // A flush interval longer than the test: only the shutdown's flush writes the lines.
    let server = start(&[
        "--log",
        log.to_str().expect("a UTF-8 path"),
        "--log-flush-ms",
        "600000",
    ]);
    let files = requests();
    let mut expected = Vec::new();
    for f in files.iter().cycle().take(60) {
        let body = std::fs::read_to_string(f).expect("the request");
        let (s, d) = server.post_json("/v1/policies/proleukin/decide", &body);
        if s == 200 {
            expected.push(d);
        }
    }
    let batch: Vec<String> = files
        .iter()
        .take(5)
        .map(|f| {
            serde_json::to_string(&json(&std::fs::read_to_string(f).expect("read")))
                .expect("compact")
        })
        .collect();
    let (s, out) = server.post(
        "/v1/policies/proleukin/decide/batch?explain=false",
        "application/x-ndjson",
        &batch.join("\n"),
    );
    assert_eq!(s, 200);
    let fast = out
        .lines()
        .filter(|l| json(l)["format"] == "policyc-decision-brief")
        .count();
    let (_, list) = server.get("/v1/policies");
    let hash = json(&list)["policies"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["id"] == "proleukin"))
        // The requests are dated 2026-01-15: the first version decides them.
        .map(|p| p["versions"][0]["content_hash"].clone())
        .expect("proleukin is listed");
    let (status, rest) = server.stop();
    assert!(status.success(), "exit {status:?}: {rest:?}");
    let text = std::fs::read_to_string(&log).expect("the log");
    let lines: Vec<Value> = text.lines().map(json).collect();
    assert_eq!(lines.len(), expected.len() + fast);
    let mut ids = std::collections::HashSet::new();
    for (line, d) in lines.iter().zip(&expected) {
        assert_eq!(line["format"], "policyc-decision-log");
        assert_eq!(line["policy"], "proleukin");
        assert_eq!(line["effective"], "2022-01-01");
        assert_eq!(line["content_hash"], hash);
        assert_eq!(line["request_id"], d["request_id"]);
        assert_eq!(line["decision"], d["decision"]);
        assert_eq!(line["path"], d["path"]);
        assert_eq!(line["explained"], true);
        let labels = |k: &str, f: &str| -> Value {
            d[k].as_array()
                .expect("a list")
                .iter()
                .map(|x| x[f].clone())
                .collect()
        };
        assert_eq!(line["unmet"], labels("unmet", "label"));
        assert_eq!(line["missing"], labels("missing", "fact"));
        assert_eq!(line["exceeded"], labels("exceeded", "label"));
        assert!(line["latency_us"].is_u64());
        let id = line["decision_id"].as_str().expect("an id");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "7", "a UUID v7: {id}");
        assert!(ids.insert(id.to_string()), "ids are unique");
        let time = line["time"].as_str().expect("a time");
        assert!(time.ends_with('Z') && time.contains('T'), "{time}");
    }
    assert!(lines[expected.len()..]
        .iter()
        .all(|l| l["explained"] == false && l["path"].is_null()));
}

#[test]
fn refuses_to_start_when_a_policy_does_not_compile() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(dir.path().join("lib")).expect("lib");
    for f in ["proleukin.policy", "lib/common.policy"] {
        std::fs::copy(root().join("policies").join(f), dir.path().join(f)).expect("copy");
    }
    std::fs::write(
        dir.path().join("broken.policy"),
        "policy broken {\n  title \"Broken\" drug \"X\" effective 2024-13-01\n}\n",
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--policies"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.policy"), "{err}");
    assert!(err.contains("does not start"), "{err}");
    assert!(!err.contains("listening"), "{err}");
}

/// A request in flight when SIGTERM arrives is finished and answered; then the server exits 0.
#[test]
fn sigterm_finishes_the_request_in_flight() {
    let mut server = start(&[]);
    let body =
        std::fs::read_to_string(root().join("policies/examples/proleukin/deny-breast-cancer.json"))
            .expect("the example");
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).expect("connects");
    write!(
        conn,
        "POST /v1/policies/proleukin/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("sends the headers");
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.as_ref().expect("running").id();
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success());
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(body.as_bytes()).expect("sends the body");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"decision\":\"deny\""), "{answer}");
    let mut child = server.child.take().expect("running");
    let status = child.wait().expect("exits");
    assert!(status.success(), "{status:?}");
}

/// `policyc schema --log`, compiled (draft 2020-12, formats asserted).
fn log_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let out = Command::new(BIN)
        .args(["schema", "--log"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    compiler.enable_format_assertions();
    compiler
        .add_resource("policyc:decision-log:1", schema)
        .expect("the schema is accepted");
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile("policyc:decision-log:1", &mut schemas)
        .expect("the schema compiles");
    (schemas, index)
}

/// Each log line holds the date of service and the facts as the request stated them, with the
/// masked facts coarsened or left out and named.
#[test]
fn the_log_holds_the_stated_facts_masked() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let server = start(&[
        "--log",
        log.to_str().expect("a UTF-8 path"),
        "--log-mask",
        "date_of_birth=year",
        "--log-mask",
        "lesion_sites=omit",
    ]);
    let mut sent = Vec::new();
    for f in requests() {
        let body = std::fs::read_to_string(&f).expect("the request");
        let (s, _) = server.post_json("/v1/policies/proleukin/decide", &body);
        if s == 200 {
            sent.push(json(&body));
        }
    }
    let (status, rest) = server.stop();
    assert!(status.success(), "exit {status:?}: {rest:?}");
    let text = std::fs::read_to_string(&log).expect("the log");
    let lines: Vec<Value> = text.lines().map(json).collect();
    assert_eq!(lines.len(), sent.len());
    let schema = log_schema();
    for line in &lines {
        if let Err(e) = schema.0.validate(line, schema.1) {
            panic!("a log line does not match `policyc schema --log`: {e:#}\n{line}");
        }
    }
    let mut masked_seen = 0;
    for (line, req) in lines.iter().zip(&sent) {
        assert_eq!(line["as_of"], req["as_of"], "{line}");
        let stated = req["facts"].as_object().expect("facts");
        let logged = line["facts"].as_object().expect("logged facts");
        let mut masked = Vec::new();
        for (name, v) in stated {
            if v.is_null() {
                assert!(
                    !logged.contains_key(name),
                    "a null fact is left out: {name}"
                );
                continue;
            }
            match name.as_str() {
                "date_of_birth" => {
                    let year = &v.as_str().expect("a date")[..4];
                    assert_eq!(logged[name], year, "{line}");
                    masked.push(name.clone());
                }
                "lesion_sites" => {
                    assert!(!logged.contains_key(name), "{line}");
                    masked.push(name.clone());
                }
                _ => assert_eq!(&logged[name], v, "{name} in {line}"),
            }
        }
        assert_eq!(
            logged.len() + masked.iter().filter(|m| *m == "lesion_sites").count(),
            stated.values().filter(|v| !v.is_null()).count()
        );
        masked.sort();
        assert_eq!(line["masked"], serde_json::json!(masked), "{line}");
        masked_seen += masked.len();
    }
    assert!(masked_seen > 0, "the requests state a masked fact");
}

/// A crash (kill -9) loses at most the lines of the last flush interval: after an interval has
/// passed, every decision is in the log.
#[test]
fn kill_9_loses_nothing_older_than_the_flush_interval() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let mut server = start(&[
        "--log",
        log.to_str().expect("a UTF-8 path"),
        "--log-flush-ms",
        "100",
    ]);
    let body = std::fs::read_to_string(&requests()[0]).expect("the request");
    let n = 80;
    for _ in 0..n {
        let (s, _) = server.post_json("/v1/policies/proleukin/decide", &body);
        assert_eq!(s, 200);
    }
    // More than the flush interval, then no chance to flush at exit.
    std::thread::sleep(Duration::from_millis(600));
    let mut child = server.child.take().expect("running");
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("the server exits");
    assert!(!status.success());
    let text = std::fs::read_to_string(&log).expect("the log");
    assert_eq!(
        text.lines().count(),
        n,
        "every line older than the interval survives"
    );
    assert!(text.lines().all(|l| json(l)["decision"].is_string()));
}

/// With a size limit the log is rotated: FILE, FILE.1, FILE.2 hold whole lines, none is longer
/// than the limit, and no line is lost while they are kept.
#[test]
fn the_log_is_rotated_by_size() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("decisions.jsonl");
    let server = start(&[
        "--log",
        log.to_str().expect("a UTF-8 path"),
        "--log-max-bytes",
        "4000",
        "--log-keep",
        "50",
    ]);
    let body = std::fs::read_to_string(&requests()[0]).expect("the request");
    let n = 40;
    for _ in 0..n {
        let (s, _) = server.post_json("/v1/policies/proleukin/decide", &body);
        assert_eq!(s, 200);
    }
    let (status, rest) = server.stop();
    assert!(status.success(), "exit {status:?}: {rest:?}");
    let mut files = vec![log.clone()];
    for k in 1.. {
        let p = dir.path().join(format!("decisions.jsonl.{k}"));
        if !p.exists() {
            break;
        }
        files.push(p);
    }
    assert!(files.len() > 2, "rotated: {files:?}");
    let mut ids = Vec::new();
    for f in files.iter().rev() {
        let text = std::fs::read_to_string(f).expect("a log file");
        assert!(
            text.len() <= 4000,
            "{} has {} bytes",
            f.display(),
            text.len()
        );
        for l in text.lines() {
            ids.push(json(l)["decision_id"].as_str().expect("an id").to_string());
        }
    }
    assert_eq!(ids.len(), n);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "oldest file first, time-ordered ids");
}

/// The configuration file sets what the options set; the options override it; a mistake in it is
/// named, and the service does not start.
#[test]
fn a_configuration_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("policyc.toml");
    std::fs::write(
        &config,
        format!(
            "policies = {:?}\naddr = \"127.0.0.1:0\"\nmax_concurrent = 8\n\n[log]\npath = \"decisions.jsonl\"\nflush_ms = 50\nmask = {{ date_of_birth = \"omit\" }}\n",
            root().join("policies").to_str().expect("a UTF-8 path")
        ),
    )
    .expect("write the configuration");
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--config"]).arg(&config);
    let server = launch(cmd);
    let body = std::fs::read_to_string(&requests()[0]).expect("the request");
    let (s, _) = server.post_json("/v1/policies/proleukin/decide", &body);
    assert_eq!(s, 200);
    let (status, rest) = server.stop();
    assert!(status.success(), "exit {status:?}: {rest:?}");
    // The log's path is read from the configuration's folder.
    let text = std::fs::read_to_string(dir.path().join("decisions.jsonl")).expect("the log");
    let line = json(text.lines().next().expect("a line"));
    assert!(line["facts"].get("date_of_birth").is_none(), "{line}");

    std::fs::write(&config, "policies = \"policies\"\nmax_concurent = 8\n").expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("max_concurent") && err.contains("policyc.toml"),
        "{err}"
    );

    let out = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--policies"), "{err}");
}

/// The service decides under the version of a policy in force on the request's date: the first
/// Proleukin version on 2026-01-15, the revision from 2026-07-01, and none before 2022-01-01.
#[test]
fn decisions_are_made_under_the_version_in_force_on_their_date() {
    let server = start(&["--doc-url", "https://plan.example/proleukin.html"]);
    let request = |date: &str| {
        format!(
            r#"{{"as_of": "{date}", "facts": {{"diagnosis": "cutaneous_melanoma", "date_of_birth": "1971-06-02",
            "disease_extent": ["metastatic"], "other_systemic_therapies": 0, "single_agent": true,
            "prescriber_specialty": "oncologist", "route": "intravenous", "dose_per_kg": "600000 IU/kg",
            "doses_per_day": "3 doses/day", "doses_per_cycle": "14 doses"}}}}"#
        )
    };
    let (_, list) = server.get("/v1/policies/proleukin");
    let list = json(&list);
    let hashes: Vec<&str> = list["versions"]
        .as_array()
        .expect("the versions")
        .iter()
        .filter_map(|v| v["content_hash"].as_str())
        .collect();
    assert_eq!(hashes.len(), 2);

    // Before the revision: no other systemic therapy tried is a denial (1.A.iii).
    let (status, d) = server.post_json("/v1/policies/proleukin/decide", &request("2026-01-15"));
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["decision"], "deny");
    assert_eq!(d["policy"]["effective"], "2022-01-01");
    assert_eq!(d["policy"]["in_force_until"], "2026-06-30");
    assert_eq!(d["policy"]["content_hash"], hashes[0]);
    assert_eq!(d["policy"]["chosen_for"]["date"], "2026-01-15");
    assert_eq!(d["policy"]["chosen_for"]["from"], "as_of");
    assert_eq!(
        d["links"]["1.A.iii"],
        "https://plan.example/proleukin.html#1.A.iii"
    );

    // From the revision, the criterion is gone: the same request is approved.
    let (status, d) = server.post_json("/v1/policies/proleukin/decide", &request("2026-08-01"));
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["decision"], "approve");
    assert_eq!(d["policy"]["effective"], "2026-07-01");
    assert_eq!(d["policy"]["in_force_until"], Value::Null);
    assert_eq!(d["policy"]["content_hash"], hashes[1]);
    let met: Vec<&str> = d["criteria_met"]
        .as_array()
        .expect("criteria met")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert_eq!(met, ["1.A.i", "1.A.ii", "1.A.iii", "1.A.iv"]);

    // Before the first version: a clear error, never the latest version.
    let (status, e) = server.post_json("/v1/policies/proleukin/decide", &request("2021-06-01"));
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["code"], "no_version_in_force");
    assert_eq!(
        e["message"],
        "no version of policy `proleukin` was in force on 2021-06-01; the first took effect on 2022-01-01"
    );
    error_schema::check(&e).expect("the error document validates");

    // A batch decides each line under its own version.
    let lines = format!(
        "{}\n{}\n{}\n",
        request("2026-01-15").replace('\n', " "),
        request("2026-08-01").replace('\n', " "),
        request("2021-06-01").replace('\n', " ")
    );
    let (status, body) = server.post(
        "/v1/policies/proleukin/decide/batch",
        "application/x-ndjson",
        &lines,
    );
    assert_eq!(status, 200, "{body}");
    let out: Vec<Value> = body.lines().map(json).collect();
    assert_eq!(out[0]["decision"], "deny");
    assert_eq!(out[1]["decision"], "approve");
    assert_eq!(out[2]["code"], "no_version_in_force");
    let _ = server.stop();
}
