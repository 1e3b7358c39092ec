//! The policyc decision service (`policyc serve`): every policy of a folder compiled at start and
//! recompiled when the folder changes (or on SIGHUP), decided over HTTP (axum on tokio), every
//! decision counted and, with a log file, logged.
//!
//! The README's "The decision service" section documents the routes, the errors, the limits and
//! the decision log's line format. Only this crate and the command line depend on tokio and axum.

#![warn(missing_docs)]

pub mod config;
mod crd;
pub mod fhir;
pub mod http;
pub mod log;
pub mod metrics;
pub mod pas;
pub mod policies;
pub mod reload;

pub use policies::{load, LoadError, Policies};

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How to run the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on (port 0: any free port; the bound address is printed).
    pub addr: SocketAddr,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// How many `/v1` requests may be in flight at once; more are answered 503.
    pub max_concurrent: usize,
    /// How long a `/v1` request may take, its body included; longer ones are answered 408.
    pub timeout: Duration,
    /// The decision log, if decisions are logged.
    pub log: Option<log::LogOptions>,
    /// The address of the policies' published documents (`policyc render --format html`): an
    /// explained decision links each label it cites to `URL#label`.
    pub doc_url: Option<String>,
    /// The X12 codes of PAS review actions (`--x12-codes`): without them, `POST /Claim/$submit`
    /// is answered 501.
    pub x12_codes: Option<policyc_fhir::write::claim_response::X12Codes>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8181)),
            body_limit: 1 << 20,
            max_concurrent: 256,
            timeout: Duration::from_secs(5),
            log: None,
            doc_url: None,
            x12_codes: None,
        }
    }
}

/// Serve `policies`, compiled from the folder `dir`, until SIGTERM or SIGINT: then stop accepting,
/// finish the requests in flight, flush the decision log and return. Meanwhile a change under
/// `dir`, or SIGHUP, recompiles the folder ([`reload`]). The error is why it could not start (a
/// message for people).
pub fn run(config: Config, dir: &Path, policies: Policies) -> Result<(), String> {
    let log = match &config.log {
        Some(options) => Some(log::DecisionLog::open(options.clone()).map_err(|e| {
            format!(
                "cannot open the decision log {}: {e}",
                options.path.display()
            )
        })?),
        None => None,
    };
    let ids = policies.by_id.keys().cloned().collect();
    let state = Arc::new(http::AppState {
        policies: std::sync::RwLock::new(Arc::new(policies)),
        metrics: metrics::Metrics::new(ids),
        log,
        permits: Arc::new(tokio::sync::Semaphore::new(config.max_concurrent.max(1))),
        doc_url: config.doc_url.clone(),
        x12_codes: config.x12_codes.clone(),
        timeout: config.timeout,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let reloader = reload::Reloader::start(dir, state.clone());
    let served = runtime.block_on(async {
        // Before the address is printed: from then on a SIGHUP reloads, and never kills.
        reloader.on_sighup()?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let bound = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let n = state.snapshot().by_id.len();
        eprintln!(
            "listening on http://{bound} ({n} polic{})",
            if n == 1 { "y" } else { "ies" }
        );
        let app = http::router(state.clone(), config.body_limit);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| format!("the server failed: {e}"))
    });
    drop(runtime);
    reloader.stop();
    if let Some(log) = &state.log {
        log.close();
    }
    eprintln!("stopped");
    served
}

/// SIGTERM or SIGINT.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
