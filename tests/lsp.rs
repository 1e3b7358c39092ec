//! `policyc lsp`: the real binary spoken to over standard input and output, with the protocol's
//! framing (`Content-Length` headers). Every read has a timeout, so a server that hangs fails the
//! test instead of hanging it.
//!
//! Longer than 800 lines on purpose: one test per capability of the server, each a few requests
//! over the protocol, sharing the framing and timeout helpers at the top.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Notifications read while waiting for something else.
    pending: Vec<Value>,
    next_id: i64,
}

/// Read framed messages from the server's standard output until it closes.
fn read_messages(out: impl Read, tx: std::sync::mpsc::Sender<Value>) {
    let mut out = BufReader::new(out);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match out.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse::<usize>().ok();
            }
        }
        let Some(length) = length else {
            panic!("a message without Content-Length");
        };
        let mut body = vec![0; length];
        if out.read_exact(&mut body).is_err() {
            return;
        }
        let value: Value = serde_json::from_slice(&body).expect("the server writes JSON");
        if tx.send(value).is_err() {
            return;
        }
    }
}

impl Client {
    /// Start `policyc lsp` and initialise it, offering these position encodings (none: the
    /// protocol's default, UTF-16).
    fn start(encodings: Option<&[&str]>) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("policyc starts");
        let stdout = child.stdout.take().expect("a piped stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || read_messages(stdout, tx));
        let stdin = child.stdin.take();
        let mut client = Client {
            child,
            stdin,
            messages: rx,
            pending: Vec::new(),
            next_id: 1,
        };
        let mut capabilities =
            json!({ "textDocument": { "hover": { "contentFormat": ["markdown"] } } });
        if let Some(e) = encodings {
            capabilities["general"] = json!({ "positionEncodings": e });
        }
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities }),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("the server reads");
        stdin.flush().expect("the server reads");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(v) => v,
            Err(e) => panic!("no message from the server within {TIMEOUT:?}: {e}"),
        }
    }

    /// The whole response to a request (with `result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.next(deadline);
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.pending.push(msg);
        }
    }

    /// The result of a request, which must succeed.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next notification of this method.
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method) {
            return self.pending.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.next(deadline);
            if msg["method"] == method {
                return msg["params"].clone();
            }
            self.pending.push(msg);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "policy", "version": 1, "text": text } }),
        );
    }

    /// The diagnostics published next for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let p = self.notification("textDocument/publishDiagnostics");
            if p["uri"] == uri {
                return p["diagnostics"].as_array().cloned().unwrap_or_default();
            }
        }
    }

    /// `shutdown` and `exit`: the server must end, with exit code 0.
    fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait().expect("the server's status") {
                Some(status) => {
                    assert!(status.success(), "policyc lsp exited with {status}");
                    return;
                }
                None if Instant::now() > deadline => panic!("policyc lsp did not exit"),
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A folder holding a copy of policies/proleukin.policy (with its cases file and the library it
/// imports, so that imports resolve beside the copy and nowhere else).
fn proleukin_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(dir.path().join("lib")).expect("a folder");
    for f in [
        "proleukin.policy",
        "proleukin.cases.yaml",
        "lib/common.policy",
    ] {
        std::fs::copy(repo().join("policies").join(f), dir.path().join(f)).expect("a copy");
    }
    let path = dir.path().join("proleukin.policy");
    (dir, path)
}

fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_str().expect("a UTF-8 path").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("a readable file")
}

/// The Proleukin policy with `age` misspelled `agee` in the first criterion that tests it, whose
/// line has a `≥` before the name.
fn misspelled(text: &str) -> String {
    text.replacen(
        "\"Patient is ≥ 18 years of age\": age at least",
        "\"Patient is ≥ 18 years of age\": agee at least",
        1,
    )
}

fn range(sl: u32, sc: u32, el: u32, ec: u32) -> Value {
    json!({ "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } })
}

#[test]
fn a_copy_of_proleukin_with_its_library_has_no_diagnostics() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"], 1);
    assert_eq!(init["serverInfo"]["name"], "policyc");
    let uri = file_uri(&path);
    client.open(&uri, &read(&path));
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn an_unknown_fact_after_a_wide_character_is_ranged_in_utf16_code_units() {
    let (_dir, path) = proleukin_copy();
    let (mut client, _) = Client::start(None);
    let uri = file_uri(&path);
    let text = misspelled(&read(&path));
    let line = text
        .lines()
        .position(|l| l.contains("agee"))
        .expect("the line") as u32;
    assert_eq!(
        line, 65,
        "the misspelled criterion is on line 66 of the policy"
    );
    client.open(&uri, &text);
    let diags = client.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    // `      i   "Patient is ≥ 18 years of age": agee`: `agee` starts at UTF-16 column 42 (byte 44).
    assert_eq!(d["range"], range(65, 42, 65, 46));
    assert_eq!(d["severity"], 1);
    assert_eq!(d["code"], "E0211");
    assert_eq!(d["source"], "policyc");
    let message = d["message"].as_str().expect("a message");
    assert!(message.contains("agee"), "{message}");
    assert!(message.contains("help: "), "{message}");

    // A change that fixes it clears the diagnostics.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": read(&path) }],
        }),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    // Closing a document clears its diagnostics too; the misspelling again first.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": text }],
        }),
    );
    assert_eq!(client.diagnostics(&uri).len(), 1);
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(Some(&["utf-8", "utf-16"]));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let uri = file_uri(&path);
    client.open(&uri, &misspelled(&read(&path)));
    let diags = client.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["range"], range(65, 44, 65, 48));
    client.shutdown();
}

/// A small policy: an unused fact, an import that is not there.
const SMALL: &str = r#"policy small {
  title "Small – a test policy" drug "Drug®" effective 2024-01-01
}
enum Diagnosis open "The condition" { melanoma "Melanoma" }
fact diagnosis: Diagnosis "The condition the drug is requested for"
fact age: years "The patient's age"
fact weight: kg "The patient's weight"
indication 1 "Melanoma" {
  applies when diagnosis is melanoma
  approve for 1 year
  criteria: all of { A "Patient is ≥ 18 years of age": age at least 18 years }
}
"#;

#[test]
fn lints_are_warnings_and_imports_resolve_beside_the_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("small.policy");
    std::fs::write(&path, SMALL).expect("a policy");
    let (mut client, _) = Client::start(None);
    let uri = file_uri(&path);
    client.open(&uri, SMALL);
    let diags = client.diagnostics(&uri);
    let codes: Vec<&Value> = diags.iter().map(|d| &d["code"]).collect();
    // The weight is unused; the policy has no cases file.
    assert_eq!(codes, [&json!("W0100"), &json!("W0106")], "{diags:#?}");
    assert!(diags.iter().all(|d| d["severity"] == 2), "{diags:#?}");
    // `fact weight` on line 7: the name `weight`.
    assert_eq!(diags[0]["range"], range(6, 5, 6, 11));
    // `indication 1` on line 8: the label `1`.
    assert_eq!(diags[1]["range"], range(7, 11, 7, 12));

    // An import of a library that is not in the file's folder is an error on the import line.
    let with_import = format!("import \"lib/missing.policy\"\n{SMALL}");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": with_import }],
        }),
    );
    let diags = client.diagnostics(&uri);
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "E0409" && d["range"]["start"]["line"] == 0),
        "{diags:#?}"
    );
    // Once the library exists beside the file, the import resolves.
    std::fs::create_dir(dir.path().join("lib")).expect("a folder");
    std::fs::write(
        dir.path().join("lib/missing.policy"),
        "library missing \"A library\"\n",
    )
    .expect("a library");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": with_import }],
        }),
    );
    let codes: Vec<Value> = client
        .diagnostics(&uri)
        .iter()
        .map(|d| d["code"].clone())
        .collect();
    assert_eq!(codes, vec![json!("W0100"), json!("W0106")]);
    client.shutdown();
}

#[test]
fn a_syntax_error_is_one_diagnostic_and_unknown_requests_are_errors() {
    let (mut client, _) = Client::start(None);
    let uri = "untitled:Untitled-1";
    client.open(uri, "policy broken {\n  title \"–\" effective\n}\n");
    let diags = client.diagnostics(uri);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "E0100");
    let response = client.call("workspace/symbol", json!({ "query": "" }));
    assert_eq!(response["error"]["code"], -32601, "{response}");
    // Parameters of the wrong shape: an error answer, and the server goes on.
    let response = client.call("textDocument/hover", json!({ "position": "here" }));
    assert_eq!(response["error"]["code"], -32602, "{response}");
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(symbols, Value::Null, "the text does not parse: no outline");
    client.shutdown();
}

/// Every syntax error of the text, one diagnostic each, with an unclosed `{` pointed at where it
/// was opened (related information).
#[test]
fn several_syntax_errors_are_several_diagnostics() {
    let (mut client, _) = Client::start(None);
    let uri = "untitled:Untitled-2";
    let text = "policy p {\n  title \"P\" drug \"D\" effective 2024-01-01\n}\nfact age: years \"Age\"\nindication 1 \"A\" {\n  approve for 1 year\n\nfact weight kg \"W\"\n";
    client.open(uri, text);
    let diags = client.diagnostics(uri);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags.iter().all(|d| d["code"] == "E0100"), "{diags:#?}");
    // The first: `fact` where the indication should have gone on; its `{` is on line 5 (4 from 0).
    assert_eq!(diags[0]["range"]["start"]["line"], 7, "{diags:#?}");
    let related = diags[0]["relatedInformation"].to_string();
    assert!(related.contains("never closed"), "{diags:#?}");
    assert_eq!(diags[1]["range"]["start"]["line"], 7, "{diags:#?}");
    client.shutdown();
}

#[test]
fn exit_without_shutdown_is_an_error_and_a_closed_input_ends_the_server() {
    let (mut client, _) = Client::start(None);
    client.notify("exit", Value::Null);
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(s) = client.child.try_wait().expect("the server's status") {
            break s;
        }
        assert!(Instant::now() < deadline, "policyc lsp did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(4));

    let (mut client, _) = Client::start(None);
    drop(client.stdin.take());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(s) = client.child.try_wait().expect("the server's status") {
            break s;
        }
        assert!(Instant::now() < deadline, "policyc lsp did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(4));
}

fn formatting(client: &mut Client, uri: &str) -> Value {
    client.request(
        "textDocument/formatting",
        json!({
            "textDocument": { "uri": uri },
            "options": { "tabSize": 2, "insertSpaces": true },
        }),
    )
}

#[test]
fn formatting_is_one_edit_to_the_canonical_layout_and_none_for_a_syntax_error() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert_eq!(init["capabilities"]["documentFormattingProvider"], true);
    let uri = file_uri(&path);
    let canonical = read(&path);
    // The policy is in the canonical layout: nothing to change.
    client.open(&uri, &canonical);
    assert_eq!(formatting(&mut client, &uri), json!([]));

    // Squeezed spaces, a lost indentation and no final newline, after a `–` and a `®`.
    let messy = canonical
        .replacen("  plan      \"All", "plan \"All", 1)
        .replacen(
            "fact diagnosis: Diagnosis",
            "fact   diagnosis :Diagnosis",
            1,
        )
        .trim_end()
        .to_string();
    assert_ne!(messy, canonical);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": messy }] }),
    );
    let edits = formatting(&mut client, &uri);
    let last = messy.lines().count() as u32 - 1;
    let last_len = messy.lines().last().map_or(0, |l| l.encode_utf16().count()) as u32;
    assert_eq!(
        edits,
        json!([{ "range": range(0, 0, last, last_len), "newText": canonical }])
    );

    // A syntax error: no edit, and no error either.
    let broken = canonical.replacen("indication 1 \"Cutaneous", "indication \"Cutaneous", 1);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": broken }] }),
    );
    assert_eq!(formatting(&mut client, &uri), json!([]));
    // A document that is not open: no edit.
    assert_eq!(
        formatting(&mut client, "file:///nowhere/x.policy"),
        Value::Null
    );
    client.shutdown();
}

/// The names of a list of document symbols.
fn names(symbols: &Value) -> Vec<String> {
    symbols
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn child<'a>(symbols: &'a Value, name: &str) -> &'a Value {
    symbols
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no symbol {name} in {:?}", names(symbols)))
}

#[test]
fn the_outline_nests_indications_sections_and_criteria_by_label() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert_eq!(init["capabilities"]["documentSymbolProvider"], true);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let top = names(&symbols);
    assert_eq!(top[0], "policy proleukin");
    let indications: Vec<&String> = top.iter().filter(|n| n.starts_with("indication")).collect();
    assert_eq!(
        indications,
        ["indication 1", "indication 2", "indication 3"]
    );
    assert!(top.contains(&"Diagnosis".to_string()) && top.contains(&"dose_per_kg".to_string()));
    assert_eq!(
        names(&child(&symbols, "Diagnosis")["children"]),
        [
            "cutaneous_melanoma",
            "renal_cell_carcinoma",
            "chronic_gvhd",
            "acute_gvhd"
        ]
    );

    let one = child(&symbols, "indication 1");
    assert_eq!(one["detail"], "Cutaneous Melanoma");
    assert_eq!(names(&one["children"]), ["criteria", "dosing"]);
    let criteria = child(&one["children"], "criteria");
    assert_eq!(
        criteria["detail"],
        "Approve for 1 year if the patient meets ONE of the following (A or B)"
    );
    assert_eq!(names(&criteria["children"]), ["A", "B"]);
    let a = child(&criteria["children"], "A");
    assert_eq!(names(&a["children"]), ["i", "ii", "iii", "iv", "v"]);
    // `    A "Intravenous Therapy…` on line 64: the label is the selection.
    assert_eq!(a["selectionRange"], range(63, 4, 63, 5));
    assert_eq!(a["range"]["start"], json!({ "line": 63, "character": 4 }));
    let i = child(&a["children"], "i");
    assert_eq!(i["detail"], "Patient is ≥ 18 years of age");
    // `      i   "Patient is ≥ 18 years of age": age at least 18 years`, to its end in UTF-16.
    let line = text.lines().nth(65).expect("line 66");
    assert_eq!(
        i["range"],
        range(65, 6, 65, line.encode_utf16().count() as u32)
    );
    assert!(i.get("children").is_none());

    // While the text does not parse, no outline.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": "indication {" }] }),
    );
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(symbols, Value::Null);
    client.shutdown();
}

/// The position (line, UTF-16 column) of the `nth` occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str, nth: usize) -> Value {
    let (offset, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` is in the text"));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": text[start..offset].encode_utf16().count() })
}

fn at(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

#[test]
fn hover_describes_a_fact_its_type_unit_and_formula() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);

    let pos = position_of(&text, "dose_per_kg at most", 0);
    let hover = client.request("textDocument/hover", at(&uri, pos.clone()));
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert_eq!(
        hover["contents"]["value"],
        "```policy\nfact dose_per_kg: IU/kg\n```\n\nEach dose per kilogram of body weight\n\n\
         A quantity in `IU/kg` (UCUM `[IU]/kg`).\n\n\
         Derived: `dose / body_weight`, computed when a request does not state it."
    );
    let line = pos["line"].as_u64().expect("a line") as u32;
    let col = pos["character"].as_u64().expect("a column") as u32;
    assert_eq!(hover["range"], range(line, col, line, col + 11));

    // `age`, from the library, just after a `≥`: UTF-16 column 42 of line 66.
    let hover = client.request(
        "textDocument/hover",
        at(&uri, json!({ "line": 65, "character": 43 })),
    );
    assert_eq!(
        hover["contents"]["value"],
        "```policy\nfact age: years\n```\n\nThe patient's age in whole years on the date of service\n\n\
         A quantity in `years` (UCUM `a`).\n\n\
         Derived: `age_in_years(date_of_birth)`, computed when a request does not state it.\n\n\
         Declared in `lib/common.policy`."
    );
    assert_eq!(hover["range"], range(65, 42, 65, 45));

    // An enumeration value, tested against a fact of that enumeration.
    let pos = position_of(&text, "is cutaneous_melanoma", 0);
    let pos =
        json!({ "line": pos["line"], "character": pos["character"].as_u64().unwrap_or(0) + 3 });
    let hover = client.request("textDocument/hover", at(&uri, pos));
    let value = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.contains("Cutaneous melanoma") && value.contains("`Diagnosis`"),
        "{value}"
    );

    // Words of a sentence and keywords are no names.
    let pos = position_of(&text, "Patient has metastatic", 0);
    assert_eq!(
        client.request("textDocument/hover", at(&uri, pos)),
        Value::Null
    );
    let pos = position_of(&text, "applies when", 0);
    assert_eq!(
        client.request("textDocument/hover", at(&uri, pos)),
        Value::Null
    );
    client.shutdown();
}

#[test]
fn definitions_of_facts_values_enumerations_and_defines_in_the_file_and_its_library() {
    let (dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert_eq!(init["capabilities"]["definitionProvider"], true);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);
    let library = dir.path().join("lib/common.policy");
    let library_uri = file_uri(&std::fs::canonicalize(&library).expect("the library"));
    let library_text = read(&library);

    let definition =
        |client: &mut Client, pos: Value| client.request("textDocument/definition", at(&uri, pos));
    // `age` after the `≥` on line 66, declared in the library.
    let loc = definition(&mut client, json!({ "line": 65, "character": 42 }));
    let decl = position_of(&library_text, "age: years", 0);
    assert_eq!(loc["uri"], library_uri.as_str());
    assert_eq!(loc["range"]["start"], decl);
    assert_eq!(
        loc["range"]["end"]["character"],
        decl["character"].as_u64().unwrap_or(0) + 3
    );

    // A fact of the document.
    let loc = definition(&mut client, position_of(&text, "dose_per_kg at most", 0));
    assert_eq!(loc["uri"], uri.as_str());
    assert_eq!(loc["range"], range(47, 5, 47, 16));
    // An enumeration value: `cutaneous_melanoma` in `applies when diagnosis is cutaneous_melanoma`.
    let pos = position_of(&text, "is cutaneous_melanoma", 0);
    let pos =
        json!({ "line": pos["line"], "character": pos["character"].as_u64().unwrap_or(0) + 3 });
    let loc = definition(&mut client, pos);
    assert_eq!(
        loc["range"]["start"],
        position_of(&text, "cutaneous_melanoma   \"", 0)
    );
    // An enumeration, used as a type.
    let loc = definition(
        &mut client,
        position_of(&text, "Diagnosis \"The condition Proleukin", 0),
    );
    assert_eq!(
        loc["range"]["start"],
        position_of(&text, "Diagnosis open", 0)
    );
    // A definition of the library, and a value passed to it.
    let loc = definition(
        &mut client,
        position_of(&text, "prescribed_by_or_with([oncologist])", 0),
    );
    assert_eq!(loc["uri"], library_uri.as_str());
    assert_eq!(
        loc["range"]["start"],
        position_of(&library_text, "prescribed_by_or_with(specialties)", 0)
    );
    let loc = definition(&mut client, position_of(&text, "dermatologist])", 0));
    assert_eq!(loc["uri"], library_uri.as_str());
    assert_eq!(
        loc["range"]["start"],
        position_of(&library_text, "dermatologist   ", 0)
    );
    // Nothing is declared at a keyword.
    assert_eq!(
        definition(&mut client, position_of(&text, "approve for", 0)),
        Value::Null
    );
    client.shutdown();
}

/// The completion items' labels of one kind (6 variable, 13 enum, 20 enum member, 3 function,
/// 14 keyword).
fn labels(items: &Value, kind: u64) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| i["kind"] == kind)
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn completion_offers_the_declared_names_and_the_keywords() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert!(init["capabilities"]["completionProvider"].is_object());
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);
    let complete = |client: &mut Client| {
        client.request(
            "textDocument/completion",
            at(&uri, position_of(&text, "age at least", 0)),
        )
    };
    let items = complete(&mut client);
    let facts = labels(&items, 6);
    // The document's facts and the library's.
    for f in [
        "diagnosis",
        "dose_per_kg",
        "lesion_sites",
        "age",
        "route",
        "single_agent",
    ] {
        assert!(facts.contains(&f.to_string()), "{f} in {facts:?}");
    }
    let values = labels(&items, 20);
    for v in ["cutaneous_melanoma", "nodal", "intravenous", "oncologist"] {
        assert!(values.contains(&v.to_string()), "{v} in {values:?}");
    }
    assert!(labels(&items, 13).contains(&"Diagnosis".to_string()));
    assert_eq!(labels(&items, 3), ["prescribed_by_or_with"]);
    let keywords = labels(&items, 14);
    for k in [
        "indication",
        "criteria",
        "reauthorization",
        "least",
        "meets",
        "known",
    ] {
        assert!(keywords.contains(&k.to_string()), "{k} in {keywords:?}");
    }
    let age = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == "age"))
        .expect("an item for age");
    assert_eq!(age["detail"], "fact: years");
    assert_eq!(
        age["documentation"],
        "The patient's age in whole years on the date of service"
    );

    // Half-way through typing a new indication, the text does not parse: the names of its last
    // text that did are offered still.
    let typing = format!("{text}\nindication 4 \"New\" {{\n  applies when diagn");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": typing }] }),
    );
    let items = client.request(
        "textDocument/completion",
        at(
            &uri,
            json!({ "line": typing.lines().count() - 1, "character": 19 }),
        ),
    );
    assert!(labels(&items, 6).contains(&"diagnosis".to_string()));
    client.shutdown();
}

/// Where the text says what comes next, completion offers only that: after `diagnosis is` the
/// values of its enumeration, inside `has any of [metastatic, ` those of the set's, after
/// `dose_per_kg at most 600,000` the units of its dimension, its own first.
#[test]
fn completion_offers_the_values_and_units_that_fit_the_place() {
    let (_dir, path) = proleukin_copy();
    let (mut client, _) = Client::start(None);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);
    let mut complete_after = |needle: &str| {
        let mut pos = position_of(&text, needle, 0);
        pos["character"] = json!(pos["character"].as_u64().unwrap_or(0) + needle.len() as u64);
        client.request("textDocument/completion", at(&uri, pos))
    };
    let all_labels = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["label"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };

    let items = complete_after("applies when diagnosis is ");
    let labels = all_labels(&items);
    assert!(
        labels.contains(&"cutaneous_melanoma".to_string()),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"renal_cell_carcinoma".to_string()),
        "{labels:?}"
    );
    // Only the Diagnosis values: no route, no fact, no keyword.
    for other in [
        "intravenous",
        "oncologist",
        "diagnosis",
        "indication",
        "metastatic",
    ] {
        assert!(
            !labels.contains(&other.to_string()),
            "{other} in {labels:?}"
        );
    }
    let values = items
        .as_array()
        .map_or(0, |a| a.iter().filter(|i| i["kind"] == 20).count());
    assert_eq!(values, labels.len(), "values only");

    let labels = all_labels(&complete_after("disease_extent has any of [metastatic, "));
    assert!(labels.contains(&"unresectable".to_string()), "{labels:?}");
    assert!(
        !labels.contains(&"cutaneous_melanoma".to_string()),
        "{labels:?}"
    );

    let items = complete_after("dose_per_kg at most 600,000 ");
    let labels = all_labels(&items);
    assert_eq!(
        labels.first().map(String::as_str),
        Some("IU/kg"),
        "{labels:?}"
    );
    assert!(labels.contains(&"[IU]/kg".to_string()), "{labels:?}");
    for other in ["mg", "kg", "IU", "dose_per_kg", "at"] {
        assert!(
            !labels.contains(&other.to_string()),
            "{other} in {labels:?}"
        );
    }
    assert!(items[0]["detail"].as_str().unwrap_or("").contains("IU/kg"));

    // Elsewhere, everything.
    let labels = all_labels(&complete_after("applies when "));
    assert!(
        labels.contains(&"diagnosis".to_string()) && labels.contains(&"indication".to_string())
    );
    client.shutdown();
}

/// Hover on a label gives its sentence and the criteria it sits under; `meets 1.A` goes to the
/// criterion labelled 1.A, and its references are the label and every `meets` of it.
#[test]
fn labels_hover_go_to_and_are_referenced_by_meets() {
    let (mut client, init) = Client::start(None);
    assert_eq!(init["capabilities"]["referencesProvider"], true);
    let uri = "untitled:labels";
    let text = "policy p {\n  title \"P\" drug \"D\" effective 2024-01-01\n}\nfact a: boolean \"A\"\nfact b: boolean \"B\"\nindication 1 \"Melanoma\" {\n  approve for 1 year\n  criteria: all of {\n    A \"Patient has tried a therapy\": a\n    B \"Patient meets A and has B\": meets 1.A and b\n    C \"Patient meets A again\": meets 1.A\n  }\n}\n";
    client.open(uri, text);
    let label_a = position_of(text, "A \"Patient has", 0);
    let hover = client.request("textDocument/hover", at(uri, label_a.clone()));
    let value = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.starts_with("**1.A** Patient has tried a therapy"),
        "{hover}"
    );
    assert!(value.contains("- **1** Melanoma"), "{hover}");
    let meets = position_of(text, "meets 1.A and", 0);
    let loc = client.request("textDocument/definition", at(uri, meets.clone()));
    assert_eq!(loc["range"]["start"], label_a, "{loc}");
    let mut params = at(uri, meets);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = client.request("textDocument/references", params.clone());
    let starts: Vec<Value> = refs
        .as_array()
        .map(|r| r.iter().map(|l| l["range"]["start"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        starts,
        vec![
            label_a,
            position_of(text, "meets 1.A and", 0),
            position_of(text, "meets 1.A\n", 0)
        ],
        "{refs}"
    );
    params["context"] = json!({ "includeDeclaration": false });
    let refs = client.request("textDocument/references", params);
    assert_eq!(refs.as_array().map(Vec::len), Some(2), "{refs}");
    client.shutdown();
}

/// The references of a fact: every place the document writes it; of a library's fact, its
/// declaration in the library and the uses in both.
#[test]
fn references_of_facts_in_the_document_and_its_library() {
    let (dir, path) = proleukin_copy();
    let (mut client, _) = Client::start(None);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);
    let mut params = at(&uri, position_of(&text, "dose_per_kg at most", 0));
    params["context"] = json!({ "includeDeclaration": true });
    let refs = client.request("textDocument/references", params);
    let list = refs.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), text.matches("dose_per_kg").count(), "{refs:#}");
    assert!(list.iter().all(|l| l["uri"] == uri.as_str()));

    let library = dir.path().join("lib/common.policy");
    let library_uri = file_uri(&std::fs::canonicalize(&library).expect("the library"));
    let library_text = read(&library);
    let mut params = at(&uri, json!({ "line": 65, "character": 42 })); // `age`
    params["context"] = json!({ "includeDeclaration": true });
    let refs = client.request("textDocument/references", params);
    let list = refs.as_array().cloned().unwrap_or_default();
    let in_library = list
        .iter()
        .filter(|l| l["uri"] == library_uri.as_str())
        .count();
    let in_document = list.iter().filter(|l| l["uri"] == uri.as_str()).count();
    assert!(
        list.iter().any(|l| l["uri"] == library_uri.as_str()
            && l["range"]["start"] == position_of(&library_text, "age: years", 0)),
        "the declaration in the library: {refs:#}"
    );
    assert!(in_library >= 1 && in_document >= 1, "{refs:#}");
    client.shutdown();
}

/// A diagnostic whose help says "did you mean `age`?" has a quick fix that writes `age`.
#[test]
fn a_misspelt_name_has_a_quick_fix() {
    let (_dir, path) = proleukin_copy();
    let (mut client, init) = Client::start(None);
    assert_eq!(
        init["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    let uri = file_uri(&path);
    let text = misspelled(&read(&path));
    client.open(&uri, &text);
    let diags = client.diagnostics(&uri);
    let d = diags
        .iter()
        .find(|d| d["code"] == "E0211")
        .cloned()
        .expect("the unknown fact is reported");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": d["range"],
            "context": { "diagnostics": [d.clone()] }
        }),
    );
    let action = &actions[0];
    assert_eq!(action["title"], "Replace with `age`", "{actions:#}");
    assert_eq!(action["kind"], "quickfix");
    let edits = &action["edit"]["changes"][uri.as_str()];
    assert_eq!(edits[0]["range"], d["range"], "{actions:#}");
    assert_eq!(edits[0]["newText"], "age");
    // Nowhere near a diagnostic: no action.
    let none = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": range(0, 0, 0, 1),
            "context": { "diagnostics": [] }
        }),
    );
    assert_eq!(none, json!([]));
    client.shutdown();
}

/// The Markdown of the hover at `pos` (empty if there is none).
fn hover_text(client: &mut Client, uri: &str, pos: Value) -> String {
    let hover = client.request("textDocument/hover", at(uri, pos));
    hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `pos` moved `by` columns to the right.
fn right(pos: &Value, by: u64) -> Value {
    json!({ "line": pos["line"], "character": pos["character"].as_u64().unwrap_or(0) + by })
}

/// Hover on a unit, wherever it is written (a fact's type, a limit, a restatement, an
/// equivalence, a duration): its name, its dimension and the canonical unit it converts to.
#[test]
fn hover_on_a_unit_gives_its_name_dimension_and_canonical_unit() {
    let (_dir, path) = proleukin_copy();
    let (mut client, _) = Client::start(None);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);

    // A fact's type.
    let pos = position_of(&text, "IU/kg \"Each dose", 0);
    let hover = client.request("textDocument/hover", at(&uri, pos.clone()));
    assert_eq!(
        hover["contents"]["value"],
        "```policy\nIU/kg\n```\n\ninternational unit per kilogram (UCUM `[IU]/kg`)\n\n\
         Dimension: international units per mass.\n\n\
         `[IU]/kg` is the canonical unit of its dimension: every unit of the dimension converts \
         to it exactly."
    );
    let line = pos["line"].as_u64().expect("a line") as u32;
    let col = pos["character"].as_u64().expect("a column") as u32;
    assert_eq!(hover["range"], range(line, col, line, col + 5));

    // A limit, and its restatement in another unit.
    assert_eq!(
        hover_text(&mut client, &uri, position_of(&text, "doses/day\n", 1)),
        "```policy\ndoses/day\n```\n\ndose per day (UCUM `{dose}/d`)\n\n\
         Dimension: doses per time.\n\n\
         Canonical unit: `{dose}/wk`, which every unit of the dimension converts to exactly: \
         1 `{dose}/d` = 7 `{dose}/wk`."
    );
    let restated = position_of(&text, "mg/kg)\n", 0);
    assert_eq!(
        hover_text(&mut client, &uri, restated),
        "```policy\nmg/kg\n```\n\nmilligram per kilogram\n\nDimension: mass per mass.\n\n\
         Canonical unit: `ug/ug`, which every unit of the dimension converts to exactly: \
         1 `mg/kg` = 0.000001 `ug/ug`."
    );
    // An equivalence, and a fact's plausible range.
    let mg = hover_text(
        &mut client,
        &uri,
        position_of(&text, "mg \"Proleukin label", 0),
    );
    assert!(
        mg.contains("\nmilligram\n") && mg.contains("1 `mg` = 1,000 `ug`"),
        "{mg}"
    );
    let kg = hover_text(&mut client, &uri, position_of(&text, "kg to 650 kg", 0));
    assert!(kg.contains("\nkilogram\n\nDimension: mass."), "{kg}");
    // A duration: `approve for 1 year`.
    let year = hover_text(
        &mut client,
        &uri,
        right(&position_of(&text, "1 year\n", 0), 2),
    );
    assert_eq!(
        year,
        "```policy\nyear\n```\n\nyear (UCUM `a`)\n\nDimension: calendar time.\n\n\
         Canonical unit: `mo`, which every unit of the dimension converts to exactly: \
         1 `a` = 12 `mo`."
    );
    // The number before a unit is no unit.
    assert_eq!(
        client.request(
            "textDocument/hover",
            at(&uri, position_of(&text, "600,000 IU", 0))
        ),
        Value::Null
    );

    // In a document of its own: a unit of length squared, a unit policyc does not know, and a
    // type that reads as a unit but is an enumeration's name.
    let uri = "untitled:units";
    let text = "enum dose \"A dose\" { low \"Low\" }\nfact kind: dose \"Its kind\"\n\
                fact bsa_dose: mg/m2 \"Dose per square metre\"\n\
                indication 1 \"X\" {\n  approve for 1 year\n  \
                criteria: bsa_dose at most 5 mg/m2 and bsa_dose at most 5 mgg/m2\n}\n";
    client.open(uri, text);
    assert_eq!(
        hover_text(&mut client, uri, right(&position_of(text, "5 mg/m2", 0), 2)),
        "```policy\nmg/m2\n```\n\nmilligram per square metre\n\nDimension: mass per length^2.\n\n\
         Canonical unit: `ug/m2`, which every unit of the dimension converts to exactly: \
         1 `mg/m2` = 1,000 `ug/m2`."
    );
    assert_eq!(
        hover_text(&mut client, uri, position_of(text, "mgg/m2", 0)),
        "```policy\nmgg/m2\n```\n\nNot a unit policyc knows: `mgg` is not a unit policyc knows.\n\n\
         Did you mean `mg`?"
    );
    let kind = hover_text(&mut client, uri, position_of(text, "dose \"Its kind", 0));
    assert!(kind.starts_with("```policy\nenum dose\n```"), "{kind}");
    client.shutdown();
}

/// Hover on an import: the file it resolves to and what the library declares, by name, with what
/// it brings in from the libraries it imports in turn; or the error `check` reports at it. Go to
/// definition on it opens the file, at its start.
#[test]
fn imports_hover_with_what_the_library_declares_and_go_to_its_file() {
    let (dir, path) = proleukin_copy();
    let (mut client, _) = Client::start(None);
    let uri = file_uri(&path);
    let text = read(&path);
    client.open(&uri, &text);
    let pos = position_of(&text, "\"lib/common.policy\"", 0);
    let hover = client.request("textDocument/hover", at(&uri, right(&pos, 4)));
    assert_eq!(
        hover["contents"]["value"],
        "```policy\nimport \"lib/common.policy\"\n```\n\nResolves to `lib/common.policy`.\n\n\
         Library `common`: Definitions shared by the plan's drug policies.\n\n\
         It declares:\n\
         - facts: `prescriber_specialty`, `consulting_specialties`, `disease_extent`, `route`, \
         `date_of_birth`, `age`, `single_agent`\n\
         - enumerations: `Specialty`, `Extent`, `Route`\n\
         - definitions: `prescribed_by_or_with`"
    );
    let line = pos["line"].as_u64().expect("a line") as u32;
    let col = pos["character"].as_u64().expect("a column") as u32;
    assert_eq!(hover["range"], range(line, col, line, col + 19));
    let library = std::fs::canonicalize(dir.path().join("lib/common.policy")).expect("a file");
    let loc = client.request("textDocument/definition", at(&uri, right(&pos, 4)));
    assert_eq!(loc["uri"], file_uri(&library).as_str(), "{loc}");
    assert_eq!(loc["range"], range(0, 0, 0, 0));

    // A library that imports another; imports that cannot be: missing, with errors, a policy,
    // outside the document's folder.
    let write = |name: &str, body: &str| {
        std::fs::write(dir.path().join(name), body).expect("a file is written");
    };
    write(
        "lib/doses.policy",
        "library doses \"Dose facts\"\nimport \"units.policy\"\nfact dose: mg \"The dose\"\n",
    );
    write(
        "lib/units.policy",
        "library units\nenum Schedule \"S\" { daily \"Daily\" }\nfact schedule: Schedule \"S\"\n\
         define scheduled(s) \"Scheduled\" = schedule is one of s\n",
    );
    write(
        "lib/broken.policy",
        "library broken \"B\"\nfact x: mgg \"X\"\n",
    );
    let outside = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(outside.path().join("far.policy"), "library far\n").expect("a file");
    let far = pathdiff(outside.path(), dir.path()).join("far.policy");
    let far = far.to_str().expect("a UTF-8 path").to_string();
    let doc_path = dir.path().join("doc.policy");
    let doc = format!(
        "import \"lib/doses.policy\"\nimport \"lib/missing.policy\"\nimport \"lib/broken.policy\"\n\
         import \"proleukin.policy\"\nimport \"{far}\"\n"
    );
    std::fs::write(&doc_path, &doc).expect("a file");
    let doc_uri = file_uri(&doc_path);
    client.open(&doc_uri, &doc);
    let at_import =
        |client: &mut Client, name: &str| hover_text(client, &doc_uri, position_of(&doc, name, 0));
    assert_eq!(
        at_import(&mut client, "lib/doses"),
        "```policy\nimport \"lib/doses.policy\"\n```\n\nResolves to `lib/doses.policy`.\n\n\
         Library `doses`: Dose facts.\n\nIt declares:\n- facts: `dose`\n\n\
         And brings in, from the libraries it imports:\n\
         - `lib/units.policy`: facts `schedule`; enumerations `Schedule`; definitions `scheduled`"
    );
    let missing = at_import(&mut client, "lib/missing");
    assert!(
        missing.starts_with(
            "```policy\nimport \"lib/missing.policy\"\n```\n\n\
             Not imported: cannot import `lib/missing.policy`: "
        ) && missing.ends_with(
            "Help: the path is relative to the importing file; check its spelling and that the \
             library exists."
        ),
        "{missing}"
    );
    assert_eq!(
        at_import(&mut client, "lib/broken"),
        "```policy\nimport \"lib/broken.policy\"\n```\n\nResolves to `lib/broken.policy`.\n\n\
         Not imported: library `lib/broken.policy` has 1 error.\n\n\
         Help: run `policyc check lib/broken.policy` to see them."
    );
    let policy = at_import(&mut client, "proleukin.policy");
    assert!(
        policy.contains("Not imported: `proleukin.policy` is a policy, not a library"),
        "{policy}"
    );
    let refused = at_import(&mut client, "far.policy");
    assert!(
        refused.contains(&format!(
            "Not imported: cannot import `{far}`: the file is outside the policy folder."
        )),
        "{refused}"
    );
    // Go to definition: a library with errors is still a file to open; a missing file or one
    // outside the folder is not.
    let definition = |client: &mut Client, name: &str| {
        client.request(
            "textDocument/definition",
            at(&doc_uri, position_of(&doc, name, 0)),
        )
    };
    let broken = std::fs::canonicalize(dir.path().join("lib/broken.policy")).expect("a file");
    let loc = definition(&mut client, "lib/broken");
    assert_eq!(loc["uri"], file_uri(&broken).as_str(), "{loc}");
    assert_eq!(definition(&mut client, "lib/missing"), Value::Null);
    assert_eq!(definition(&mut client, "far.policy"), Value::Null);
    client.shutdown();
}

/// The path of `to` relative to `from` (`../x/y`), for an import that leads out of a folder.
fn pathdiff(to: &Path, from: &Path) -> PathBuf {
    let to = std::fs::canonicalize(to).expect("a folder");
    let from = std::fs::canonicalize(from).expect("a folder");
    let common = to
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(common) {
        out.push("..");
    }
    for c in to.components().skip(common) {
        out.push(c);
    }
    out
}
