//! Load on the real decision service: `policyc serve` (the release binary) on a loopback port,
//! driven by client threads that each keep one HTTP/1.1 connection open and send the Proleukin
//! requests of tests/requests/proleukin in turn, as fast as the server answers.
//!
//! For 1, 8, 32 and 64 connections, with the decision log off and on, and for explained decisions
//! and the fast path (`?explain=false`), it prints decisions per second and the p50, p99 and
//! maximum latency seen by the client (the time from writing a request to reading its whole
//! response). Run with
//!
//! ```text
//! cargo bench --bench serve_load            # every configuration, 3 s each
//! POLICYC_LOAD_SECS=10 cargo bench --bench serve_load -- 32   # only 32 connections, 10 s
//! ```
//!
//! The client and the server share the machine's cores, so the figures are a floor of what the
//! server does with the cores to itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_policyc");

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start(log: Option<&Path>) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "serve",
        "--policies",
        "policies",
        "--addr",
        "127.0.0.1:0",
        "--max-concurrent",
        "1024",
    ]);
    if let Some(l) = log {
        cmd.arg("--log").arg(l);
    }
    let mut child = cmd
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .expect("the server prints its address");
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    // Keep draining its standard error so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stderr.read_to_end(&mut sink);
    });
    Server { child, port }
}

/// The raw HTTP requests: each Proleukin request that decides (not an invalid one).
fn requests(port: u16, explain: bool) -> Vec<Vec<u8>> {
    let dir = root().join("tests/requests/proleukin");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the requests folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let path = if explain {
        "/v1/policies/proleukin/decide"
    } else {
        "/v1/policies/proleukin/decide?explain=false"
    };
    files
        .iter()
        .map(|f| {
            let body = std::fs::read(f).expect("a request");
            let mut r = format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(&body);
            r
        })
        .collect()
}

/// Read one response; its status.
fn read_response(r: &mut BufReader<TcpStream>, line: &mut String) -> Option<u16> {
    line.clear();
    r.read_line(line).ok()?;
    let status: u16 = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = 0usize;
    loop {
        line.clear();
        r.read_line(line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).ok()?;
    Some(status)
}

struct Run {
    decisions: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

fn load(port: u16, conns: usize, explain: bool, secs: f64) -> Run {
    let reqs = Arc::new(requests(port, explain));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let handles: Vec<_> = (0..conns)
        .map(|c| {
            let (reqs, stop) = (reqs.clone(), stop.clone());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
                stream.set_nodelay(true).expect("nodelay");
                let mut w = stream.try_clone().expect("clone");
                let mut r = BufReader::with_capacity(1 << 16, stream);
                let mut line = String::new();
                let (mut lat, mut errors) = (Vec::with_capacity(1 << 16), 0usize);
                let mut i = c;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    if w.write_all(&reqs[i % reqs.len()]).is_err() {
                        errors += 1;
                        break;
                    }
                    match read_response(&mut r, &mut line) {
                        Some(200) => {
                            lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX))
                        }
                        Some(_) => errors += 1,
                        None => {
                            errors += 1;
                            break;
                        }
                    }
                    i += 1;
                }
                (lat, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    let mut run = Run {
        decisions: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for h in handles {
        let (lat, errors) = h.join().expect("a client thread");
        run.decisions += lat.len();
        run.errors += errors;
        run.latencies_us.extend(lat);
    }
    run.elapsed = start.elapsed();
    run.latencies_us.sort_unstable();
    run
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number selects one connection count.
    let only: Option<usize> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    let secs: f64 = std::env::var("POLICYC_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let dir = std::env::temp_dir().join(format!("policyc-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    println!(
        "{:<6} {:<9} {:>6} {:>14} {:>9} {:>9} {:>9} {:>7}",
        "log", "decision", "conns", "decisions/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for log in [false, true] {
        let log_path = dir.join("decisions.log");
        let _ = std::fs::remove_file(&log_path);
        let server = start(log.then_some(log_path.as_path()));
        for explain in [true, false] {
            for conns in [1, 8, 32, 64] {
                if only.is_some_and(|o| o != conns) {
                    continue;
                }
                // Warm up the connections' first requests out of the figures.
                let _ = load(server.port, conns, explain, 0.2);
                let r = load(server.port, conns, explain, secs);
                println!(
                    "{:<6} {:<9} {:>6} {:>14.0} {:>9.3} {:>9.3} {:>9.3} {:>7}",
                    if log { "on" } else { "off" },
                    if explain { "explained" } else { "fast" },
                    conns,
                    r.decisions as f64 / r.elapsed.as_secs_f64(),
                    percentile(&r.latencies_us, 0.5),
                    percentile(&r.latencies_us, 0.99),
                    percentile(&r.latencies_us, 1.0),
                    r.errors
                );
            }
        }
        drop(server);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
