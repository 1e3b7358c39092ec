//! The `policyc` command line. Exit codes are documented in the README and in [`exit`].
//!
//! Longer than 800 lines on purpose: one command per function, in the order of `policyc --help`; each is short, and splitting them into files would scatter the exit-code handling they share.

use clap::{Parser, Subcommand, ValueEnum};
use policyc::diag::{render, Diagnostic, Source};
use policyc::eval::{evaluate, render_human};
use policyc::ir::Program;
use policyc::ErrorCode;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use policyc::load::{read_text, Loader, ReadError, MAX_IR_BYTES, MAX_SOURCE_BYTES};

mod batch;
mod questionnaire;
mod replay;

/// `println!` to standard output, ending the program quietly with exit code 4 when standard output
/// is closed (`policyc test | head`) instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(i32::from(exit::IO_ERROR));
        }
    }};
}

/// `print!` to standard output, as [`out!`].
macro_rules! outp {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(i32::from(exit::IO_ERROR));
        }
    }};
}

/// Exit codes. The `code` of each error document, and its exit code, are in [`ErrorCode`].
mod exit {
    /// Success: the policies check, the decision was made.
    pub const OK: u8 = 0;
    /// A policy has errors (diagnostics were printed).
    pub const POLICY_ERROR: u8 = 1;
    /// The command line is wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// The request is invalid (each problem was printed).
    pub const REQUEST_ERROR: u8 = 3;
    /// A file could not be read or written.
    pub const IO_ERROR: u8 = 4;
    /// A policy test case failed, or coverage is below `--min-coverage`.
    pub const TEST_FAILURE: u8 = 5;

    use policyc::ErrorCode as C;
    // The error codes of `eval` end with these exit codes: checked when compiling.
    const _: () = {
        assert!(matches!(C::Usage.exit_code(), Some(USAGE)));
        assert!(matches!(C::InvalidRequest.exit_code(), Some(REQUEST_ERROR)));
        assert!(matches!(C::TooLarge.exit_code(), Some(IO_ERROR)));
        assert!(matches!(C::IoError.exit_code(), Some(IO_ERROR)));
        assert!(matches!(C::PolicyError.exit_code(), Some(POLICY_ERROR)));
        assert!(matches!(C::InvalidIr.exit_code(), Some(POLICY_ERROR)));
        assert!(matches!(C::InternalError.exit_code(), Some(POLICY_ERROR)));
    };
}

#[derive(Parser)]
#[command(name = "policyc", version, about = "Compile, check and evaluate drug coverage policies", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Also allow imports from this folder (repeatable). By default a policy may import only
    /// libraries inside the folders and files' folders given on the command line.
    #[arg(long, global = true, value_name = "DIR")]
    allow_imports_from: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ErrorFormat {
    Human,
    Json,
    Github,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum RenderFormat {
    Md,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check policy files and report every error.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        error_format: ErrorFormat,
        /// Treat lint warnings (unused facts, criteria that can never hold or fail, label gaps,
        /// indications without cases, ...) as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Compile a policy to its JSON IR.
    Compile {
        policy: PathBuf,
        /// Write the IR here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Evaluate a request against a policy (source or compiled IR); with `--batch`, JSON Lines of requests.
    #[command(
        long_about = "Evaluate a request against a policy (source or compiled IR).\n\nWith --batch, REQUEST is a JSON Lines file (default `-`, standard input), one request per line: each non-blank line gives one line of output, in order, the decision JSON (compact, as `--format json` prints it; with --brief, the decision kind and indication only, as the service's `?explain=false`) or an error record (the `policyc-error` document with `line`, as the service's batch route writes it). A summary is printed on standard error. Exit 0 when every line is decided, 3 when a line is an invalid request, 4 when a line is too large or a file cannot be read or written."
    )]
    Eval {
        /// A `.policy` file or a compiled IR `.json` file.
        policy: PathBuf,
        /// The request JSON file, or `-` for standard input; with `--batch`, JSON Lines (default `-`).
        #[arg(required_unless_present = "batch")]
        request: Option<String>,
        #[arg(long, value_enum, default_value = "human", conflicts_with = "batch")]
        format: OutputFormat,
        /// Read JSON Lines of requests and write one decision (or error record) per line, in order.
        #[arg(long)]
        batch: bool,
        /// REQUEST is a FHIR R4 Bundle (Patient, Condition, Observation, MedicationRequest,
        /// PractitionerRole, QuestionnaireResponse), read where the policy's `from` clauses say;
        /// the decision says which resource and element each fact came from.
        #[arg(long, conflicts_with = "batch")]
        fhir: bool,
        /// With `--batch`: write each decision without its explanation, as the service's
        /// `?explain=false` answers (`policyc-decision-brief`: the decision kind and indication).
        #[arg(long, requires = "batch", conflicts_with = "doc_url")]
        brief: bool,
        /// With `--batch`: also append one decision-log line per decision to FILE (the format of
        /// `serve --log`).
        #[arg(long, value_name = "FILE", requires = "batch")]
        log: Option<PathBuf>,
        /// With `--log`: mask a fact in the decision log (FACT=year keeps a date's year,
        /// FACT=omit leaves the fact out), as `serve --log-mask` does. Repeatable.
        #[arg(long, value_name = "FACT=MASK", value_parser = parse_mask, requires = "log")]
        log_mask: Vec<(String, policyc_serve::log::Mask)>,
        /// The date of service (YYYY-MM-DD), overriding the request's `as_of`.
        // Checked by `eval` itself rather than by clap, so that with `--format json` a bad date is
        // an error document like the others (code `usage`, exit 2).
        #[arg(long)]
        as_of: Option<String>,
        /// The address of the policy's published document (`policyc render --format html`):
        /// the decision links every label it cites to its anchor there (`URL#1.A.iii`).
        #[arg(long, value_name = "URL")]
        doc_url: Option<String>,
    },
    /// Format policy files in the canonical layout (in place, atomically), or check that they are.
    Fmt {
        /// Policy files or directories (searched recursively for `*.policy`). Default: `policies`.
        paths: Vec<PathBuf>,
        /// Change nothing; exit 1 if any file is not formatted.
        #[arg(long)]
        check: bool,
        /// Show what formatting would change, as a unified diff; change nothing.
        #[arg(long)]
        diff: bool,
    },
    /// Print a JSON Schema: of a policy's requests, with `--decision` of decisions, with `--error` of errors.
    #[command(
        long_about = "Print a JSON Schema (draft 2020-12).\n\nGiven a policy, the schema of its requests: the facts it takes, their types and units. With --decision (and no policy), the schema of the decision JSON that `policyc eval --format json` prints, the same for every policy (see docs/decision-format.md). With --error (and no policy), the schema of the error document that `policyc eval --format json` prints when it cannot decide, and that the decision service answers errors with. With --log (and no policy), the schema of one line of the decision log (`serve --log`, `eval --batch --log`).",
        group(clap::ArgGroup::new("what").required(true).args(["policy", "decision", "error", "log"]))
    )]
    Schema {
        /// A `.policy` file or a compiled IR `.json` file. Required unless `--decision`, `--error` or `--log` is given.
        policy: Option<PathBuf>,
        /// Print the schema of decisions instead (format `policyc-decision`); takes no policy.
        #[arg(long)]
        decision: bool,
        /// Print the schema of error documents instead (format `policyc-error`); takes no policy.
        #[arg(long)]
        error: bool,
        /// Print the schema of a decision-log line instead (format `policyc-decision-log`);
        /// takes no policy.
        #[arg(long)]
        log: bool,
    },
    /// Run the test cases kept beside policies (`<policy>.cases.yaml`) and report criterion coverage.
    Test {
        /// Cases files, policy files, or directories to search. Default: `policies`.
        paths: Vec<PathBuf>,
        /// Fail unless at least this percentage of criteria, branches and limits has been seen both
        /// holding and failing (compared exactly, e.g. `100`).
        #[arg(long)]
        min_coverage: Option<String>,
        /// List every criterion and limit with what the cases have seen, not only the uncovered ones.
        #[arg(long)]
        coverage: bool,
    },
    /// What changed between two versions of a policy, by meaning.
    #[command(
        long_about = "What changed between two versions of a policy, by meaning: the header, the indications added or removed, and in each indication its title, when it applies, its approval duration, and its criteria and dosing, criterion by criterion.\n\nCriteria are matched by meaning: a criterion of NEW with the same condition as one of OLD is the same criterion, and a new label is shown as a relabelling (`1.A.iv → 1.A.iii`), not as a removal and an addition. A changed limit shows the old and the new value. Exit 0 whether or not they differ."
    )]
    Diff {
        /// The old version (`.policy` or IR `.json`).
        old: PathBuf,
        /// The new version (`.policy` or IR `.json`).
        new: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        /// Write a witness request of each region shown as cases (one per version, expecting
        /// that version's decision) to FILE, for `policyc test`.
        #[arg(long, value_name = "FILE")]
        witnesses: Option<PathBuf>,
        /// How many regions of requests decided differently to show (and write as witnesses) at
        /// most; every transition keeps one region even past this cap.
        #[arg(long, value_name = "N", default_value_t = 20)]
        regions: usize,
    },
    /// Render a policy back as the analyst's document: Markdown, or one self-contained HTML file.
    #[command(
        long_about = "Render a policy back as the analyst's document: its header and dates, its revision history, each indication with its approval duration, the criteria and dosing with their labels and sentences in the document's nesting, and its statements on what it does not cover and on doses outside its dosing.\n\nEvery label is an anchor (`#1.A.iii`; `#not-covered`, `#outside-dosing`), so that `eval --doc-url URL` and `serve --doc-url URL` can link each label a decision cites to it. HTML is one self-contained file (no script, style or font from elsewhere) that prints well."
    )]
    Render {
        /// A `.policy` file or a compiled IR `.json` file.
        policy: PathBuf,
        /// `md` (Markdown) or `html`.
        #[arg(long, value_enum, default_value = "md")]
        format: RenderFormat,
        /// Write the document here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Decide JSON Lines of requests under two policies and count the decisions that change.
    #[command(
        long_about = "Decide JSON Lines of requests under two policies (or two versions of one) and count the decisions that change, by transition (`deny → approve: 12`), with up to 3 example requests each.\n\nThe input is JSON Lines of requests (the input of `eval --batch`), or a decision log (`serve --log`, `eval --batch --log`), whose lines hold each request's stated facts; with a log, `--policy NEW` alone compares with the decisions the log records. A request that does not bind under a policy is `invalid` under it. Exit 0 when every request is decided under both policies, 3 when one is invalid under either, 4 when the input cannot be read."
    )]
    Replay {
        /// JSON Lines of requests or of a decision log, one per line, or `-` for standard input.
        requests: String,
        /// The policy before, then the policy after: `--policy OLD --policy NEW` (`.policy` or IR
        /// `.json`); with a decision log, `--policy NEW` alone compares with the logged decisions.
        #[arg(long, value_name = "POLICY", required = true)]
        policy: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        /// The date of service (YYYY-MM-DD), overriding each request's `as_of`.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Serve decisions over HTTP: every policy under a folder, compiled at start.
    #[command(
        long_about = "Serve decisions over HTTP (see the README's \"The decision service\").\n\nEvery policy under --policies is compiled at start (libraries are skipped); if one does not compile, the diagnostics are printed and the service does not start (exit 1). The bound address is printed on standard error. SIGTERM or SIGINT stops it: it finishes the requests in flight, flushes the decision log and exits 0."
    )]
    Serve {
        /// A configuration file (TOML; see the README's "Configuration"). The options below
        /// override its keys.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The folder of policies (searched recursively for `*.policy`); it is also the import
        /// root. Required, here or in the configuration file.
        #[arg(long, value_name = "DIR")]
        policies: Option<PathBuf>,
        /// The address to listen on; port 0 picks a free port [default: 127.0.0.1:8181].
        #[arg(long)]
        addr: Option<std::net::SocketAddr>,
        /// The largest request body, in bytes (answered 413 above it) [default: 1048576].
        #[arg(long, value_name = "BYTES")]
        body_limit: Option<usize>,
        /// How many /v1 requests may be in flight at once (answered 503 above it) [default: 256].
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        max_concurrent: Option<u32>,
        /// How long a /v1 request may take, its body included (answered 408 after it), in
        /// milliseconds [default: 5000].
        #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
        timeout_ms: Option<u64>,
        /// Log every decision to this file, one JSON line each (appended).
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// How often the decision log is flushed, in milliseconds [default: 1000].
        #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
        log_flush_ms: Option<u64>,
        /// Rotate the decision log before it grows past this many bytes: FILE becomes FILE.1,
        /// FILE.1 becomes FILE.2, and so on [default: never].
        #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
        log_max_bytes: Option<u64>,
        /// How many rotated decision logs are kept [default: 5].
        #[arg(long, value_name = "N")]
        log_keep: Option<usize>,
        /// Mask a fact in the decision log: FACT=year keeps a date's year, FACT=omit leaves the
        /// fact out. Repeatable.
        #[arg(long, value_name = "FACT=MASK", value_parser = parse_mask)]
        log_mask: Vec<(String, policyc_serve::log::Mask)>,
        /// The address of the policies' published documents (`policyc render --format html`):
        /// explained decisions link every label they cite to `URL#label`.
        #[arg(long, value_name = "URL")]
        doc_url: Option<String>,
        /// The X12 codes of PAS review actions (approved, denied, pended), a JSON file (see the
        /// README's "X12 codes"): `POST /Claim/$submit` answers with them, and without them is
        /// answered 501. An unreadable or invalid file stops the start.
        #[arg(long, value_name = "FILE")]
        x12_codes: Option<PathBuf>,
    },
    /// Write a policy's FHIR R4 Questionnaire (Da Vinci DTR): one question per fact it asks.
    #[command(
        long_about = "Write a policy's FHIR R4 Questionnaire (Da Vinci DTR), as JSON.\n\nOne question per fact a request states and the policy reads (facts it computes are not asked: their inputs are), typed by the fact (yes/no, integer, decimal, quantity in its unit, date, choice of an enumeration's values, open choice for an open one; a set repeats), its text the fact's description and its linkId the fact's name. enableWhen mirrors the policy's `applies when` and `when`, so a question shows only where it can matter. With --adaptive, the empty adaptive Questionnaire that `policyc serve` fills one question at a time (POST /Questionnaire/$next-question)."
    )]
    Questionnaire {
        /// A `.policy` file or a compiled IR `.json` file.
        policy: PathBuf,
        /// Write the adaptive Questionnaire (no questions yet) instead of the standard one.
        #[arg(long)]
        adaptive: bool,
        /// The FHIR base URL of the canonical URLs (`{base}/Questionnaire/<policy id>`).
        #[arg(long, value_name = "URL", default_value = policyc_fhir::write::questionnaire::DEFAULT_BASE)]
        base_url: String,
        /// Write the Questionnaire here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run the language server for editors, over standard input and output.
    #[command(
        long_about = "Run the language server for editors (see the README's \"Editor support\").\n\nIt speaks the Language Server Protocol over standard input and output: an editor starts it and talks to it; it is not meant to be run by hand. It reports what `policyc check` reports as the document is edited (errors, and the lints as warnings), formats the document, lists its indications and criteria, describes a fact under the cursor, goes to the declaration of a fact, enumeration, definition or label, finds references, offers quick fixes for misspelt names, and completes names and keywords. It exits 0 after the editor's `shutdown` and `exit`, 4 if the connection breaks."
    )]
    Lsp,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut loader = Loader::new(Vec::new());
    for r in &cli.allow_imports_from {
        loader.allow_root(r);
    }
    let loader = &mut loader;
    let code = match cli.command {
        Command::Check {
            files,
            error_format,
            strict,
        } => cmd_check(loader, &files, error_format, strict),
        Command::Compile { policy, output } => cmd_compile(loader, &policy, output.as_deref()),
        Command::Eval {
            policy,
            request,
            batch: true,
            brief,
            log,
            log_mask,
            as_of,
            doc_url,
            ..
        } => batch::run(
            loader,
            &policy,
            request.as_deref().unwrap_or("-"),
            &batch::Options {
                as_of: as_of.as_deref(),
                explain: !brief,
                doc_url: doc_url.as_deref(),
            },
            log.as_deref(),
            &policyc_serve::log::Masks(log_mask.into_iter().collect()),
        ),
        Command::Eval {
            policy,
            request,
            format,
            as_of,
            fhir: true,
            ..
        } => cmd_eval_fhir(
            loader,
            &policy,
            request.as_deref().unwrap_or("-"),
            format,
            as_of.as_deref(),
        ),
        Command::Eval {
            policy,
            request,
            format,
            as_of,
            doc_url,
            ..
        } => cmd_eval(
            loader,
            &policy,
            request.as_deref().unwrap_or("-"),
            format,
            as_of.as_deref(),
            doc_url.as_deref(),
        ),
        Command::Replay {
            requests,
            policy,
            format,
            as_of,
        } => replay::run(loader, &requests, &policy, format, as_of.as_deref()),
        Command::Diff {
            old,
            new,
            format,
            witnesses,
            regions,
        } => cmd_diff(loader, &old, &new, format, witnesses.as_deref(), regions),
        Command::Render {
            policy,
            format,
            output,
        } => cmd_render(loader, &policy, format, output.as_deref()),
        Command::Fmt { paths, check, diff } => cmd_fmt(&paths, check, diff),
        Command::Schema {
            policy,
            decision,
            error,
            log,
        } => cmd_schema(loader, policy.as_deref(), decision, error, log),
        Command::Test {
            paths,
            min_coverage,
            coverage,
        } => cmd_test(loader, &paths, min_coverage.as_deref(), coverage),
        Command::Serve {
            config,
            policies,
            addr,
            body_limit,
            max_concurrent,
            timeout_ms,
            log,
            log_flush_ms,
            log_max_bytes,
            log_keep,
            log_mask,
            doc_url,
            x12_codes,
        } => {
            let flags = ServeFlags {
                policies,
                addr,
                body_limit,
                max_concurrent,
                timeout_ms,
                log,
                log_flush_ms,
                log_max_bytes,
                log_keep,
                log_mask,
                doc_url,
                x12_codes,
            };
            match serve_config(config.as_deref(), flags) {
                Ok((dir, config)) => cmd_serve(&dir, config),
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::USAGE
                }
            }
        }
        Command::Questionnaire {
            policy,
            adaptive,
            base_url,
            output,
        } => questionnaire::run(loader, &policy, adaptive, &base_url, output.as_deref()),
        Command::Lsp => cmd_lsp(),
    };
    ExitCode::from(code)
}

/// `policyc lsp`: the language server, until the editor says `shutdown` and `exit`.
fn cmd_lsp() -> u8 {
    match policyc_lsp::run_stdio() {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::IO_ERROR
        }
    }
}

/// `--log-mask FACT=MASK`.
fn parse_mask(arg: &str) -> Result<(String, policyc_serve::log::Mask), String> {
    policyc_serve::log::Masks::parse_arg(arg)
}

/// The options of `policyc serve` given on the command line.
struct ServeFlags {
    policies: Option<PathBuf>,
    addr: Option<std::net::SocketAddr>,
    body_limit: Option<usize>,
    max_concurrent: Option<u32>,
    timeout_ms: Option<u64>,
    log: Option<PathBuf>,
    log_flush_ms: Option<u64>,
    log_max_bytes: Option<u64>,
    log_keep: Option<usize>,
    log_mask: Vec<(String, policyc_serve::log::Mask)>,
    doc_url: Option<String>,
    x12_codes: Option<PathBuf>,
}

/// The service's configuration: the command line over the configuration file over the defaults.
fn serve_config(
    file: Option<&Path>,
    flags: ServeFlags,
) -> Result<(PathBuf, policyc_serve::Config), String> {
    let file = match file {
        Some(path) => policyc_serve::config::File::read(path)?,
        None => policyc_serve::config::File::default(),
    };
    let defaults = policyc_serve::Config::default();
    let dir = flags.policies.or(file.policies).ok_or(
        "no policies to serve: pass --policies DIR (or set `policies` in the --config file)",
    )?;
    let addr = match (flags.addr, &file.addr) {
        (Some(a), _) => a,
        (None, Some(a)) => a
            .parse()
            .map_err(|_| format!("`addr = \"{a}\"` is not an address"))?,
        (None, None) => defaults.addr,
    };
    let log_file = file.log.unwrap_or_default();
    let mut masks = log_file.masks()?;
    masks.0.extend(flags.log_mask);
    let log = flags.log.or(log_file.path).map(|path| {
        let mut o = policyc_serve::log::LogOptions::new(path);
        if let Some(ms) = flags.log_flush_ms.or(log_file.flush_ms) {
            o.flush = std::time::Duration::from_millis(ms);
        }
        o.max_bytes = flags.log_max_bytes.or(log_file.max_bytes);
        if let Some(k) = flags.log_keep.or(log_file.keep) {
            o.keep = k;
        }
        o.masks = masks;
        o
    });
    let config = policyc_serve::Config {
        addr,
        body_limit: flags
            .body_limit
            .or(file.body_limit)
            .unwrap_or(defaults.body_limit),
        max_concurrent: flags
            .max_concurrent
            .or(file.max_concurrent)
            .map_or(defaults.max_concurrent, |n| n as usize),
        timeout: flags
            .timeout_ms
            .or(file.timeout_ms)
            .map_or(defaults.timeout, std::time::Duration::from_millis),
        log,
        doc_url: flags.doc_url.or(file.doc_url),
        x12_codes: match flags.x12_codes.or(file.x12_codes) {
            Some(path) => Some(policyc_serve::config::read_x12_codes(&path)?),
            None => None,
        },
    };
    Ok((dir, config))
}

/// `policyc serve`: compile the folder's policies, then serve until SIGTERM or SIGINT, recompiling
/// them when the folder changes or on SIGHUP.
fn cmd_serve(dir: &Path, config: policyc_serve::Config) -> u8 {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let policies = match policyc_serve::load(dir, color) {
        Ok(p) => p,
        Err(policyc_serve::LoadError::Policies(text)) => {
            eprint!("{text}");
            eprintln!(
                "error: the service does not start: every policy under {} must compile",
                dir.display()
            );
            return exit::POLICY_ERROR;
        }
        Err(policyc_serve::LoadError::Io(e)) => {
            eprintln!("error: {e}");
            return exit::IO_ERROR;
        }
    };
    match policyc_serve::run(config, dir, policies) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::IO_ERROR
        }
    }
}

/// `--as-of`: a date of service written YYYY-MM-DD; anything else is a command-line error (exit
/// 2, code `usage`).
fn check_as_of(text: &str) -> Result<(), Problem> {
    match policyc::dates::parse_date(text) {
        Some(_) => Ok(()),
        None => Err(Problem {
            path: "--as-of".into(),
            message: format!("`{text}` is not a date"),
            help: Some("write the date of service as YYYY-MM-DD, e.g. 2026-01-15".into()),
            code: None,
        }),
    }
}

/// The JSON error document (`policyc-error`, version 1), fields in this order; its schema is
/// `policyc schema --error`.
#[derive(serde::Serialize)]
struct ErrorDoc<'a> {
    format: &'static str,
    format_version: u32,
    code: ErrorCode,
    exit_code: u8,
    message: &'a str,
    problems: &'a [Problem],
}

/// One problem: where (a request's JSON path, a policy's `file:line:column`, an option), what is
/// wrong, how to fix it, and for a policy diagnostic its code.
#[derive(serde::Serialize)]
struct Problem {
    path: String,
    message: String,
    help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
}

impl From<&policyc::RequestError> for Problem {
    fn from(e: &policyc::RequestError) -> Self {
        Problem {
            path: e.path.clone(),
            message: e.message.clone(),
            help: e.help.clone(),
            code: None,
        }
    }
}

/// An error of `eval`: for people on standard error, or with `--format json` a JSON document on
/// standard output (`policyc-error`, version 1) with a stable `code`. Returns the exit code, the
/// code's own ([`ErrorCode::exit_code`]).
fn eval_error(format: OutputFormat, code: ErrorCode, message: &str, problems: &[Problem]) -> u8 {
    let exit_code = code.exit_code().unwrap_or(exit::POLICY_ERROR);
    match format {
        OutputFormat::Human => {
            let colon = if problems.is_empty() { "" } else { ":" };
            eprintln!("error: {message}{colon}");
            for p in problems {
                eprintln!("  - {}: {}", p.path, p.message);
                if let Some(h) = &p.help {
                    eprintln!("  help: {h}");
                }
            }
        }
        OutputFormat::Json => {
            let doc = ErrorDoc {
                format: policyc::error_code::ERROR_FORMAT,
                format_version: policyc::error_code::ERROR_FORMAT_VERSION,
                code,
                exit_code,
                message,
                problems,
            };
            let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
            if print_stdout(&text) != exit::OK {
                return exit::IO_ERROR;
            }
        }
    }
    exit_code
}

/// The code of a file that cannot be read: `too_large` over its limit, else `io_error`.
fn read_error_code(e: &ReadError) -> ErrorCode {
    match e {
        ReadError::TooLarge(_) => ErrorCode::TooLarge,
        ReadError::Io(_) | ReadError::NotAFile | ReadError::NotText => ErrorCode::IoError,
    }
}

/// `policyc schema`: the decision schema with `--decision`, the error schema with `--error`, else
/// the request schema of `policy`.
fn cmd_schema(
    loader: &mut Loader,
    policy: Option<&Path>,
    decision: bool,
    error: bool,
    log: bool,
) -> u8 {
    let schema = match (decision, error, log, policy) {
        (true, _, _, _) => policyc::decision_schema::decision_schema(),
        (_, true, _, _) => policyc::error_schema::error_schema(),
        (_, _, true, _) => policyc_serve::log::log_schema(),
        (false, false, false, Some(path)) => {
            match load_program(loader, path, OutputFormat::Human) {
                Ok(p) => policyc::schema::request_schema(&p),
                Err(c) => return c,
            }
        }
        // clap requires a policy unless --decision or --error is given.
        (false, false, false, None) => {
            eprintln!("error: give a policy file, or --decision, --error or --log for the schema of decisions, errors or decision-log lines");
            return exit::USAGE;
        }
    };
    match serde_json::to_string_pretty(&schema) {
        Ok(j) => print_stdout(&(j + "\n")),
        Err(_) => exit::POLICY_ERROR,
    }
}

/// Read a file named on the command line (or in a cases file), at most `MAX_SOURCE_BYTES`.
fn read(path: &Path) -> Result<String, u8> {
    read_text(path, MAX_SOURCE_BYTES, true).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        exit::IO_ERROR
    })
}

/// Let the loader read imports from the folders the command names (a file's own folder, or the
/// folder itself), in addition to those allowed by `--allow-imports-from`.
fn allow_roots(loader: &mut Loader, paths: &[PathBuf]) {
    for p in paths {
        if p.is_dir() {
            loader.allow_root(p);
        } else {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            loader.allow_root(dir);
        }
    }
}

fn print_diagnostics(diags: &[Diagnostic], source: &Source, format: ErrorFormat) {
    match format {
        ErrorFormat::Human => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", render(diags, source, color));
        }
        ErrorFormat::Json => {
            for d in diags {
                out!("{}", policyc::diag::to_json_line(d, source));
            }
        }
        ErrorFormat::Github => {
            for d in diags {
                out!("{}", policyc::diag::to_github_line(d, source));
            }
        }
    }
}

/// The warnings an allow kept out of the report, with their reasons: notes on standard error for
/// people, `::notice` lines for GitHub; the JSON format lists only what is reported.
fn write_allowed(
    report: &mut FileReport,
    allowed: &[policyc::allow::Allowed],
    path: &Path,
    text: &str,
    format: ErrorFormat,
) {
    use std::fmt::Write as _;
    for a in allowed {
        let at = a.diagnostic.primary.span.start.min(text.len());
        let before = text.get(..at).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let (code, message) = (a.diagnostic.code, &a.diagnostic.message);
        let _ = match format {
            ErrorFormat::Human => writeln!(
                report.stderr,
                "note: {code} allowed at {}:{line}:{col}: {message}\n  reason: {}",
                path.display(),
                a.reason
            ),
            ErrorFormat::Github => writeln!(
                report.stdout,
                "::notice file={},line={line},col={col},title={code} allowed::{}",
                path.display(),
                a.reason.replace('%', "%25").replace('\n', "%0A")
            ),
            ErrorFormat::Json => Ok(()),
        };
    }
}

/// Compile a policy file, printing its diagnostics. `None` when it has errors.
fn compile_file(loader: &mut Loader, path: &Path, format: ErrorFormat) -> Result<Program, u8> {
    let text = read(path)?;
    let source = Source::new(path.display().to_string(), text.as_str());
    allow_roots(loader, std::slice::from_ref(&path.to_path_buf()));
    let checked = loader.compile_file(path, &text);
    print_diagnostics(&checked.diagnostics, &source, format);
    if checked.library && !checked.diagnostics.iter().any(|d| d.is_error()) {
        eprintln!(
            "error: {} is a library: it holds shared declarations and no indications; give a policy that imports it",
            path.display()
        );
    }
    checked.program.ok_or(exit::POLICY_ERROR)
}

/// What checking one file prints, and the exit code it asks for.
struct FileReport {
    stdout: String,
    stderr: String,
    code: u8,
}

/// How many files are checked (in parallel) before their reports are printed, in order.
const CHECK_CHUNK: usize = 128;

fn cmd_check(loader: &mut Loader, files: &[PathBuf], format: ErrorFormat, strict: bool) -> u8 {
    allow_roots(loader, files);
    let color = format == ErrorFormat::Human
        && std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    let mut code = exit::OK;
    // Files are checked a chunk at a time, each thread with a loader of its own that shares the
    // libraries loaded (so a library is parsed and checked once per run), and reported in the
    // order given, at constant memory.
    for chunk in files.chunks(CHECK_CHUNK) {
        let reports: Vec<FileReport> = if threads <= 1 || chunk.len() == 1 {
            chunk
                .iter()
                .map(|f| check_one(loader, f, format, strict, color))
                .collect()
        } else {
            let next = std::sync::atomic::AtomicUsize::new(0);
            let mut done: Vec<(usize, FileReport)> = std::thread::scope(|s| {
                let workers: Vec<_> = (0..threads)
                    .map(|_| {
                        let next = &next;
                        let mut own = loader.fork();
                        s.spawn(move || {
                            let mut out = Vec::new();
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(f) = chunk.get(i) else { break };
                                out.push((i, check_one(&mut own, f, format, strict, color)));
                            }
                            out
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|w| match w.join() {
                        Ok(part) => part,
                        Err(panic) => std::panic::resume_unwind(panic),
                    })
                    .collect()
            });
            done.sort_by_key(|(i, _)| *i);
            done.into_iter().map(|(_, r)| r).collect()
        };
        for r in reports {
            if !r.stdout.is_empty() {
                outp!("{}", r.stdout);
            }
            eprint!("{}", r.stderr);
            code = code.max(r.code);
        }
    }
    code
}

/// Check one file, keeping what it prints.
fn check_one(
    loader: &mut Loader,
    f: &Path,
    format: ErrorFormat,
    strict: bool,
    color: bool,
) -> FileReport {
    use std::fmt::Write as _;
    let mut report = FileReport {
        stdout: String::new(),
        stderr: String::new(),
        code: exit::OK,
    };
    let text = match read_text(f, MAX_SOURCE_BYTES, true) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(report.stderr, "error: cannot read {}: {e}", f.display());
            report.code = exit::IO_ERROR;
            return report;
        }
    };
    let source = Source::new(f.display().to_string(), text.as_str());
    let checked = loader.compile_file(f, &text);
    let mut diags = checked.diagnostics;
    if let Some(program) = &checked.program {
        let coverage = policyc::cases_coverage(f, program);
        diags.extend(policyc::lint::lint(
            program,
            &checked.spans,
            coverage.as_ref(),
        ));
    }
    // A lint allowed at its place (`# allow W0105: reason`) is left out and shown as a note; an
    // allow that cannot work is itself a warning (W0108), made an error by --strict like the rest.
    let outcome = policyc::allow::apply(&text, diags, checked.program.is_some());
    let mut diags = outcome.kept;
    if strict {
        for d in diags.iter_mut().filter(|d| d.code.starts_with('W')) {
            d.severity = policyc::diag::Severity::Error;
        }
    }
    match format {
        ErrorFormat::Human => report.stderr.push_str(&render(&diags, &source, color)),
        ErrorFormat::Json => {
            for d in &diags {
                let _ = writeln!(report.stdout, "{}", policyc::diag::to_json_line(d, &source));
            }
        }
        ErrorFormat::Github => {
            for d in &diags {
                let _ = writeln!(
                    report.stdout,
                    "{}",
                    policyc::diag::to_github_line(d, &source)
                );
            }
        }
    }
    write_allowed(&mut report, &outcome.allowed, f, &text, format);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if errors > 0 || (checked.program.is_none() && !checked.library) {
        report.code = exit::POLICY_ERROR;
    } else if format == ErrorFormat::Human {
        let w = if warnings == 0 {
            String::new()
        } else {
            format!(
                " ({warnings} warning{})",
                if warnings == 1 { "" } else { "s" }
            )
        };
        let _ = writeln!(report.stderr, "{}: ok{w}", f.display());
    }
    report
}

fn cmd_compile(loader: &mut Loader, policy: &Path, output: Option<&Path>) -> u8 {
    let program = match compile_file(loader, policy, ErrorFormat::Human) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let json = match serde_json::to_string_pretty(&program) {
        Ok(j) => j + "\n",
        Err(e) => {
            eprintln!("error: cannot serialize the IR: {e}");
            return exit::POLICY_ERROR;
        }
    };
    match output {
        None => print_stdout(&json),
        Some(path) if path == Path::new("-") => print_stdout(&json),
        Some(path) => match policyc::write_atomic(path, json.as_bytes()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::IO_ERROR
            }
        },
    }
}

/// `policyc diff OLD NEW`: what changed between two versions, by meaning, and which requests
/// they decide differently; with `--witnesses FILE`, those requests as cases.
fn cmd_diff(
    loader: &mut Loader,
    old: &Path,
    new: &Path,
    format: OutputFormat,
    witnesses: Option<&Path>,
    regions: usize,
) -> u8 {
    let a = match load_program(loader, old, OutputFormat::Human) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let b = match load_program(loader, new, OutputFormat::Human) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let opts = policyc::eval::compare::Options {
        max_regions: regions,
        ..Default::default()
    };
    let d = policyc::diff::diff_with(&a, &b, &opts);
    if let Some(file) = witnesses {
        let code = write_witnesses(loader, &d, old, new, b.clone(), file);
        if code != exit::OK {
            return code;
        }
    }
    match format {
        OutputFormat::Human => print_stdout(&policyc::diff::render_human(
            &d,
            &old.display().to_string(),
            &new.display().to_string(),
        )),
        OutputFormat::Json => match serde_json::to_string_pretty(&d) {
            Ok(j) => print_stdout(&(j + "\n")),
            Err(e) => {
                eprintln!("error: cannot serialize the diff: {e}");
                exit::POLICY_ERROR
            }
        },
    }
}

/// `path` relative to the folder `from` (both made absolute first), with `/` between parts.
fn relative_to(path: &Path, from: &Path) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let from = std::fs::canonicalize(from).ok()?;
    let (a, b): (Vec<_>, Vec<_>) = (path.components().collect(), from.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); b.len() - common];
    parts.extend(
        a[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

/// Write the witnesses of a diff's regions as a cases file: each witness twice, as a case of the
/// old version (its `version:` and date of service the old version's `effective` date) expecting
/// the old decision, and as one of the new version expecting the new decision.
fn write_witnesses(
    loader: &mut Loader,
    d: &policyc::diff::Diff,
    old: &Path,
    new: &Path,
    new_program: Program,
    file: &Path,
) -> u8 {
    let refuse = |why: String| {
        eprintln!("error: --witnesses: {why}");
        eprintln!("  help: the witnesses are cases that name each version by its `effective` date, so OLD and NEW must be two versions of one policy, `.policy` files in one folder");
        exit::USAGE
    };
    if new.extension().is_some_and(|e| e == "json") {
        return refuse(format!(
            "{} is a compiled IR, not a `.policy` file",
            new.display()
        ));
    }
    if d.old.effective == d.new.effective || d.old.id != d.new.id {
        return refuse(format!(
            "{} and {} are not two versions of one policy (policy `{}` effective {}, policy `{}` effective {})",
            old.display(),
            new.display(),
            d.old.id,
            d.old.effective,
            d.new.id,
            d.new.effective
        ));
    }
    let versions = match policyc::versions::discover(loader, new, new_program) {
        Ok(v) => v,
        Err(m) => return refuse(m),
    };
    let found = versions
        .by_effective(&d.old.effective)
        .map(|i| &versions.all()[i]);
    if found.is_none_or(|v| v.content_hash != d.old.content_hash) {
        return refuse(format!(
            "the version of policy `{}` effective {} beside {} is not {}",
            d.new.id,
            d.old.effective,
            new.display(),
            old.display()
        ));
    }
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(policy) = relative_to(new, folder) else {
        eprintln!(
            "error: --witnesses: cannot find {} from {}",
            new.display(),
            folder.display()
        );
        return exit::IO_ERROR;
    };
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut y = format!(
        "# Witnesses of `policyc diff {} {}`: one request of each region of requests the two\n# versions decide differently, as a case of each version expecting that version's decision.\n# Run with `policyc test` (the cases name their version; each is dated on the day it took effect).\npolicy: {}\ncases:\n",
        old.display(),
        new.display(),
        q(&policy)
    );
    let c = &d.decisions;
    for (n, r) in c.regions.iter().enumerate() {
        for (side, decided, facts, effective) in [
            ("old", &r.from, &r.witness.old, &d.old.effective),
            ("new", &r.to, &r.witness.new, &d.new.effective),
        ] {
            let name = format!(
                "region {} ({} → {}), {side} version",
                n + 1,
                r.from.words(),
                r.to.words()
            );
            y.push_str(&format!(
                "  - name: {}\n    version: {effective}\n    as_of: {effective}\n    facts: {}\n    expect:\n      decision: {}\n",
                q(&name),
                serde_json::to_string(facts).unwrap_or_default(),
                decided.decision.as_str()
            ));
            if let Some(duration) = &decided.duration {
                y.push_str(&format!("      duration: {}\n", q(duration)));
            }
        }
    }
    if c.regions.is_empty() {
        y.push_str("  []\n");
        y = y.replace("cases:\n  []\n", "cases: []\n");
    }
    match policyc::write_atomic(file, y.as_bytes()) {
        Ok(()) => {
            eprintln!(
                "wrote {} cases ({} regions, each under both versions) to {}",
                2 * c.regions.len(),
                c.regions.len(),
                file.display()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", file.display());
            exit::IO_ERROR
        }
    }
}

/// `policyc render`: the document of the policy version in `policy` (with the last day it is in
/// force, when a later version of the policy is in its folder).
fn cmd_render(
    loader: &mut Loader,
    policy: &Path,
    format: RenderFormat,
    output: Option<&Path>,
) -> u8 {
    let versions = match load_versions(loader, policy, OutputFormat::Human) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let i = versions
        .all()
        .iter()
        .position(|v| v.path.as_deref() == Some(policy))
        .unwrap_or(0);
    let v = &versions.all()[i];
    let info = policyc::render::VersionInfo {
        in_force_until: versions.in_force_until(i),
        content_hash: Some(v.content_hash.clone()),
    };
    let text = match format {
        RenderFormat::Md => policyc::render::markdown(&v.program, &info),
        RenderFormat::Html => policyc::render::html(&v.program, &info),
    };
    match output {
        None => print_stdout(&text),
        Some(path) if path == Path::new("-") => print_stdout(&text),
        Some(path) => match policyc::write_atomic(path, text.as_bytes()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::IO_ERROR
            }
        },
    }
}

/// Write to standard output; a closed or full output is an I/O error, not a panic.
fn print_stdout(text: &str) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => exit::OK,
        Err(_) => exit::IO_ERROR,
    }
}

/// The program of a `.policy` file or of a compiled IR `.json` file. Its errors are reported as
/// `eval` reports errors (with `--format json`, one error document); warnings go to standard error.
fn load_program(loader: &mut Loader, path: &Path, format: OutputFormat) -> Result<Program, u8> {
    let is_ir = path.extension().is_some_and(|e| e == "json");
    let max = if is_ir {
        MAX_IR_BYTES
    } else {
        MAX_SOURCE_BYTES
    };
    let text = read_text(path, max, true).map_err(|e| {
        let message = format!("cannot read {}: {e}", path.display());
        eval_error(format, read_error_code(&e), &message, &[])
    })?;
    if is_ir {
        return Program::from_json(&text).map_err(|e| {
            let message = format!("{}: {e}", path.display());
            eval_error(format, ErrorCode::InvalidIr, &message, &[])
        });
    }
    let source = Source::new(path.display().to_string(), text.as_str());
    allow_roots(loader, std::slice::from_ref(&path.to_path_buf()));
    let checked = loader.compile_file(path, &text);
    let errors: Vec<&Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    if format == OutputFormat::Human || errors.is_empty() {
        print_diagnostics(&checked.diagnostics, &source, ErrorFormat::Human);
    }
    if let Some(program) = checked.program {
        return Ok(program);
    }
    if errors.is_empty() && checked.library {
        let message = format!(
            "{} is a library: it holds shared declarations and no indications; give a policy that imports it",
            path.display()
        );
        return Err(eval_error(format, ErrorCode::PolicyError, &message, &[]));
    }
    if format == OutputFormat::Human {
        return Err(exit::POLICY_ERROR);
    }
    let problems: Vec<Problem> = errors
        .iter()
        .map(|d| {
            let (line, column) = source.line_col(d.primary.span.start);
            Problem {
                path: format!("{}:{line}:{column}", source.name),
                message: d.message.clone(),
                help: d.help.clone(),
                code: Some(d.code),
            }
        })
        .collect();
    let n = problems.len();
    let message = format!(
        "the policy {} does not compile ({n} error{}); `policyc check {}` shows each in context",
        path.display(),
        if n == 1 { "" } else { "s" },
        path.display()
    );
    Err(eval_error(
        format,
        ErrorCode::PolicyError,
        &message,
        &problems,
    ))
}

/// The versions of the policy in `path`: for a `.policy` file, it and the other files of its
/// folder that declare the same id; for a compiled IR, that program alone. Errors are reported as
/// `eval` reports them.
fn load_versions(
    loader: &mut Loader,
    path: &Path,
    format: OutputFormat,
) -> Result<policyc::versions::Versions, u8> {
    use policyc::versions::{discover, Version, Versions};
    let program = load_program(loader, path, format)?;
    if path.extension().is_some_and(|e| e == "json") {
        return Ok(Versions::single(Version::new(
            Some(path.to_path_buf()),
            program,
        )));
    }
    discover(loader, path, program).map_err(|m| eval_error(format, ErrorCode::PolicyError, &m, &[]))
}

/// The error of a request dated before the policy's first version (code `no_version_in_force`).
fn not_in_force(
    format: OutputFormat,
    versions: &policyc::versions::Versions,
    e: &policyc::versions::NotInForce,
) -> u8 {
    let list: Vec<String> = versions
        .all()
        .iter()
        .map(|v| {
            let file = v
                .path
                .as_ref()
                .map(|p| format!(" ({})", p.display()))
                .unwrap_or_default();
            format!("{}{file}", v.program.policy.effective)
        })
        .collect();
    let message = match e.from {
        "today" => format!(
            "the request states no date of service, and today ({}) is before {}, when the first version of policy `{}` took effect",
            e.date, e.first, e.id
        ),
        _ => format!(
            "{} is before {}, when the first version of policy `{}` took effect",
            e.date, e.first, e.id
        ),
    };
    let p = Problem {
        path: "as_of".into(),
        message,
        help: Some(format!(
            "check the date of service; the versions of policy `{}` took effect on {}",
            e.id,
            list.join(", ")
        )),
        code: None,
    };
    eval_error(format, ErrorCode::NoVersionInForce, &e.to_string(), &[p])
}

/// `policyc eval`. Every error it can end with is reported by [`eval_error`], with its
/// [`ErrorCode`]: with `--format json`, as one error document on standard output. Only a closed
/// standard output (exit 4) cannot be reported there.
fn cmd_eval(
    loader: &mut Loader,
    policy: &Path,
    request: &str,
    format: OutputFormat,
    as_of: Option<&str>,
    doc_url: Option<&str>,
) -> u8 {
    if let (Some(date), Some(Err(p))) = (as_of, as_of.map(check_as_of)) {
        let message = format!("invalid value `{date}` for --as-of");
        return eval_error(format, ErrorCode::Usage, &message, &[p]);
    }
    let versions = match load_versions(loader, policy, format) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let text = if request == "-" {
        let mut bytes = Vec::new();
        let fail = |code, m: String| eval_error(format, code, &m, &[]);
        if let Err(e) = std::io::stdin()
            .take(MAX_SOURCE_BYTES + 1)
            .read_to_end(&mut bytes)
        {
            let m = format!("cannot read the request from standard input: {e}");
            return fail(ErrorCode::IoError, m);
        }
        if bytes.len() as u64 > MAX_SOURCE_BYTES {
            let m =
                format!("the request on standard input is larger than {MAX_SOURCE_BYTES} bytes");
            return fail(ErrorCode::TooLarge, m);
        }
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                let m = "the request on standard input is not UTF-8 text".to_string();
                return fail(ErrorCode::IoError, m);
            }
        }
    } else {
        match read_text(Path::new(request), MAX_SOURCE_BYTES, true) {
            Ok(s) => s,
            Err(e) => {
                let m = format!("cannot read {request}: {e}");
                return eval_error(format, read_error_code(&e), &m, &[]);
            }
        }
    };
    let date = policyc::versions::request_date(&text, as_of);
    let (chosen, chosen_for) = match versions.choose(&date) {
        Ok(c) => c,
        Err(e) => return not_in_force(format, &versions, &e),
    };
    if let Some(c) = &chosen_for {
        if let Some(b) = versions.broken_in_force(chosen, &c.date) {
            let m = policyc::versions::broken_message(versions.id(), b, &c.date);
            return eval_error(format, ErrorCode::PolicyError, &m, &[]);
        }
    }
    let program = &versions.all()[chosen].program;
    let req = match policyc::request::bind(program, &text, as_of) {
        Ok(r) => r,
        Err(errors) => {
            let name = if request == "-" { "<stdin>" } else { request };
            let message = format!(
                "the request {name} is invalid for policy `{}` ({} problem{})",
                program.policy.id,
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            let problems: Vec<Problem> = errors.iter().map(Problem::from).collect();
            return eval_error(format, ErrorCode::InvalidRequest, &message, &problems);
        }
    };
    let mut decision = evaluate(program, &req);
    versions.stamp(chosen, chosen_for, &mut decision);
    if let Some(url) = doc_url {
        decision.link_to(url);
    }
    print_decision(&decision, format)
}

/// The largest FHIR Bundle `eval --fhir` reads: an EHR's Bundle of a patient's resources is
/// larger than a request.
const MAX_BUNDLE_BYTES: u64 = 16 * MAX_SOURCE_BYTES;

/// `policyc eval --fhir`: read a FHIR Bundle where the policy's `from` clauses say, and decide
/// it; the decision's `provenance` names the resource and element of each fact.
fn cmd_eval_fhir(
    loader: &mut Loader,
    policy: &Path,
    bundle: &str,
    format: OutputFormat,
    as_of: Option<&str>,
) -> u8 {
    if let (Some(date), Some(Err(p))) = (as_of, as_of.map(check_as_of)) {
        let message = format!("invalid value `{date}` for --as-of");
        return eval_error(format, ErrorCode::Usage, &message, &[p]);
    }
    let program = match load_program(loader, policy, format) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let name = if bundle == "-" { "<stdin>" } else { bundle };
    let text = if bundle == "-" {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin()
            .take(MAX_BUNDLE_BYTES + 1)
            .read_to_end(&mut bytes)
        {
            let m = format!("cannot read the Bundle from standard input: {e}");
            return eval_error(format, ErrorCode::IoError, &m, &[]);
        }
        if bytes.len() as u64 > MAX_BUNDLE_BYTES {
            let m = format!("the Bundle on standard input is larger than {MAX_BUNDLE_BYTES} bytes");
            return eval_error(format, ErrorCode::TooLarge, &m, &[]);
        }
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                let m = "the Bundle on standard input is not UTF-8 text".to_string();
                return eval_error(format, ErrorCode::IoError, &m, &[]);
            }
        }
    } else {
        match read_text(Path::new(bundle), MAX_BUNDLE_BYTES, true) {
            Ok(s) => s,
            Err(e) => {
                let m = format!("cannot read {bundle}: {e}");
                return eval_error(format, read_error_code(&e), &m, &[]);
            }
        }
    };
    let invalid = |problems: Vec<policyc_fhir::read::ReadProblem>| {
        let message = format!(
            "the Bundle {name} cannot be decided under policy `{}` ({} problem{})",
            program.policy.id,
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        let problems: Vec<Problem> = problems
            .into_iter()
            .map(|p| Problem {
                path: p.path,
                message: p.message,
                help: p.help,
                code: None,
            })
            .collect();
        eval_error(format, ErrorCode::InvalidRequest, &message, &problems)
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(j) => j,
        Err(e) => {
            return invalid(vec![policyc_fhir::read::ReadProblem {
            path: format!("line {}, column {}", e.line(), e.column()),
            message: format!("the Bundle is not valid JSON: {e}"),
            help: Some(
                "a FHIR Bundle is a JSON object: {\"resourceType\": \"Bundle\", \"entry\": [...]}"
                    .into(),
            ),
        }])
        }
    };
    let decision = match policyc_fhir::read::evaluate_bundle(&program, &json, as_of) {
        Ok(d) => d,
        Err(problems) => return invalid(problems),
    };
    print_decision(&decision, format)
}

/// Print a decision for people, or as its JSON document.
fn print_decision(decision: &policyc::Decision, format: OutputFormat) -> u8 {
    let out = match format {
        OutputFormat::Human => render_human(decision),
        OutputFormat::Json => match serde_json::to_string_pretty(decision) {
            Ok(j) => j + "\n",
            Err(e) => {
                let m = format!("cannot serialize the decision: {e}");
                return eval_error(format, ErrorCode::InternalError, &m, &[]);
            }
        },
    };
    print_stdout(&out)
}

/// The cases files named by `paths` (files, or directories searched for `*.cases.yaml`).
fn find_cases(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    let defaults = [PathBuf::from("policies")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| {
                eprintln!("error: cannot read directory {}: {e}", p.display());
                exit::IO_ERROR
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.to_string_lossy().ends_with(".cases.yaml"))
                .collect();
            found.sort();
            out.extend(found);
        } else if p.extension().is_some_and(|e| e == "policy") {
            out.push(p.with_extension("cases.yaml"));
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn cmd_test(loader: &mut Loader, paths: &[PathBuf], min_coverage: Option<&str>, full: bool) -> u8 {
    let min = match min_coverage.map(|m| m.trim_end_matches('%').parse::<rust_decimal::Decimal>()) {
        None => None,
        Some(Ok(m))
            if m >= rust_decimal::Decimal::ZERO && m <= rust_decimal::Decimal::from(100) =>
        {
            Some(m)
        }
        Some(_) => {
            eprintln!(
                "error: --min-coverage takes a percentage from 0 to 100, e.g. `--min-coverage 100`"
            );
            return exit::USAGE;
        }
    };
    let files = match find_cases(paths) {
        Ok(f) => f,
        Err(c) => return c,
    };
    allow_roots(loader, &files);
    if files.is_empty() {
        eprintln!("error: no `*.cases.yaml` files found");
        return exit::TEST_FAILURE;
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut code = exit::OK;
    for file in &files {
        let text = match read(file) {
            Ok(t) => t,
            Err(c) => {
                code = code.max(c);
                continue;
            }
        };
        let mut cases = match policyc::cases::parse_cases(&text) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                failed += 1;
                code = code.max(exit::TEST_FAILURE);
                continue;
            }
        };
        cases.path = Some(file.display().to_string());
        let policy_path = match &cases.policy {
            Some(p) => file.parent().unwrap_or(Path::new(".")).join(p),
            None => PathBuf::from(
                file.to_string_lossy()
                    .trim_end_matches(".cases.yaml")
                    .to_string()
                    + ".policy",
            ),
        };
        if policy_path.exists() && !loader.allows(&policy_path) {
            eprintln!(
                "error: {}: the policy `{}` is outside the folders given on the command line",
                file.display(),
                policy_path.display()
            );
            eprintln!("  help: keep the cases file beside its policy, or add the policy's folder with `--allow-imports-from`");
            failed += cases.cases.len();
            code = code.max(exit::TEST_FAILURE);
            continue;
        }
        let program = match compile_file(loader, &policy_path, ErrorFormat::Human) {
            Ok(p) => p,
            Err(c) => {
                eprintln!(
                    "error: {}: cannot run cases: the policy {} does not compile",
                    file.display(),
                    policy_path.display()
                );
                code = code.max(c);
                failed += cases.cases.len();
                continue;
            }
        };
        // The version the cases test: the one they name (`version:`), or the policy file's.
        let versions = match policyc::versions::discover(loader, &policy_path, program) {
            Ok(v) => v,
            Err(m) => {
                eprintln!("error: {}: cannot run cases: {m}", file.display());
                code = code.max(exit::POLICY_ERROR);
                failed += cases.cases.len();
                continue;
            }
        };
        // The cases' versions, in the order they first appear: each group runs against its own.
        let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
        for i in 0..cases.cases.len() {
            let v = cases.version_of(i).map(str::to_string);
            match groups.iter_mut().find(|g| g.0 == v) {
                Some(g) => g.1.push(i),
                None => groups.push((v, vec![i])),
            }
        }
        if groups.is_empty() {
            groups.push((cases.version.clone(), Vec::new()));
        }
        for (version, which) in &groups {
            let tested = match version {
                None => versions.all().iter().position(|v| {
                    v.path
                        .as_deref()
                        .is_some_and(|p| p == policy_path.as_path())
                }),
                Some(effective) => versions.by_effective(effective),
            };
            let Some(tested) = tested else {
                let list: Vec<&str> = versions
                    .all()
                    .iter()
                    .map(|v| v.program.policy.effective.as_str())
                    .collect();
                eprintln!(
                    "error: {}: no version of policy `{}` takes effect on {}",
                    file.display(),
                    versions.id(),
                    version.as_deref().unwrap_or("?")
                );
                eprintln!(
                    "  help: `version:` names a version by the date it takes effect: {}",
                    list.join(", ")
                );
                failed += which.len();
                code = code.max(exit::TEST_FAILURE);
                continue;
            };
            let program = &versions.all()[tested].program;
            if versions.all().len() > 1 {
                out!(
                    "{} (policy {}, version effective {})",
                    file.display(),
                    program.policy.id,
                    program.policy.effective
                );
            } else {
                out!("{} (policy {})", file.display(), program.policy.id);
            }
            let mut coverage = policyc::cases::Coverage::new(program);
            let mut results = policyc::cases::run_some(program, &cases, which, &mut coverage);
            // A case is of the version it tests only if that version is in force on its date, as
            // `eval` and the service choose.
            for (&i, r) in which.iter().zip(results.iter_mut()) {
                let date = match cases.date_of(i) {
                    Some(d) => policyc::versions::RequestDate::Stated(d.to_string()),
                    None => policyc::versions::RequestDate::Unstated,
                };
                let wrong = match versions.choose(&date) {
                Ok((j, Some(c))) if j == tested => versions
                    .broken_in_force(j, &c.date)
                    .map(|b| policyc::versions::broken_message(versions.id(), b, &c.date)),
                Ok((j, _)) if j == tested => None,
                Ok((j, Some(c))) => Some(format!(
                    "the case is dated {}, when the version effective {} is in force, not this one (effective {}): give the case a date from {} or move it to that version's cases",
                    c.date,
                    versions.all()[j].program.policy.effective,
                    program.policy.effective,
                    program.policy.effective
                )),
                Ok((_, None)) => None,
                Err(e) => Some(format!("{e}: give the case a date on which this version is in force")),
            };
                if let Some(w) = wrong {
                    r.failures.push(w);
                }
            }
            for r in &results {
                if r.passed() {
                    passed += 1;
                    out!("  ok    {}", r.name);
                } else {
                    failed += 1;
                    out!("  FAIL  {} (line {})", r.name, r.line);
                    for f in &r.failures {
                        out!("          {}", f.replace('\n', "\n          "));
                    }
                    if let Some(s) = &r.summary {
                        out!("          actual: {s}");
                    }
                }
            }
            outp!(
                "{}",
                coverage
                    .render(full)
                    .lines()
                    .map(|l| format!("  {l}\n"))
                    .collect::<String>()
            );
            if let Some(m) = min {
                if !coverage.meets(m) {
                    out!(
                        "  coverage {} is below the required {}%",
                        coverage.percent_text(),
                        m.normalize()
                    );
                    code = code.max(exit::TEST_FAILURE);
                }
            }
        }
    }
    if failed > 0 {
        code = code.max(exit::TEST_FAILURE);
    }
    out!("{passed} passed, {failed} failed");
    code
}

fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    let defaults = [PathBuf::from("policies")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = policyc::load::policy_files(p).map_err(|e| {
                eprintln!("error: cannot read directory {}: {e}", p.display());
                exit::IO_ERROR
            })?;
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn cmd_fmt(paths: &[PathBuf], check: bool, diff: bool) -> u8 {
    let files = match policy_files(paths) {
        Ok(f) => f,
        Err(c) => return c,
    };
    let mut code = exit::OK;
    let mut unformatted = 0;
    for f in &files {
        let text = match read(f) {
            Ok(t) => t,
            Err(c) => {
                code = code.max(c);
                continue;
            }
        };
        let formatted = match policyc::fmt::format_source(&text) {
            Ok(t) => t,
            Err(d) => {
                let source = Source::new(f.display().to_string(), text.as_str());
                print_diagnostics(&[*d], &source, ErrorFormat::Human);
                code = code.max(exit::POLICY_ERROR);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if diff {
            let name = f.display().to_string();
            let d = similar::TextDiff::from_lines(&text, &formatted);
            outp!(
                "{}",
                d.unified_diff()
                    .context_radius(3)
                    .header(&name, &format!("{name} (formatted)"))
            );
        }
        if check || diff {
            if check {
                eprintln!(
                    "{}: not formatted (run `policyc fmt {}`)",
                    f.display(),
                    f.display()
                );
            }
            continue;
        }
        match policyc::write_atomic(f, formatted.as_bytes()) {
            Ok(()) => eprintln!("formatted {}", f.display()),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", f.display());
                code = code.max(exit::IO_ERROR);
            }
        }
    }
    if check && unformatted > 0 {
        code = code.max(exit::POLICY_ERROR);
    }
    code
}
