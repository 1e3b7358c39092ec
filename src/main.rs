//! The `policyc` command line. Exit codes are documented in the README and in [`exit`].

use clap::{Parser, Subcommand, ValueEnum};
use policyc::diag::{render, Diagnostic, Source};
use policyc::eval::{evaluate, render_human};
use policyc::ir::Program;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes.
mod exit {
    /// Success: the policies check, the decision was made.
    pub const OK: u8 = 0;
    /// A policy has errors (diagnostics were printed).
    pub const POLICY_ERROR: u8 = 1;
    /// The command line is wrong (clap's own code).
    #[allow(dead_code)]
    pub const USAGE: u8 = 2;
    /// The request is invalid (each problem was printed).
    pub const REQUEST_ERROR: u8 = 3;
    /// A file could not be read or written.
    pub const IO_ERROR: u8 = 4;
}

#[derive(Parser)]
#[command(name = "policyc", version, about = "Compile, check and evaluate drug coverage policies", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ErrorFormat {
    Human,
    Json,
    Github,
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
    },
    /// Compile a policy to its JSON IR.
    Compile {
        policy: PathBuf,
        /// Write the IR here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Evaluate a request against a policy (source or compiled IR).
    Eval {
        /// A `.policy` file or a compiled IR `.json` file.
        policy: PathBuf,
        /// The request JSON file, or `-` for standard input.
        request: String,
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        /// The date of service (YYYY-MM-DD), overriding the request's `as_of`.
        #[arg(long)]
        as_of: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check {
            files,
            error_format,
        } => cmd_check(&files, error_format),
        Command::Compile { policy, output } => cmd_compile(&policy, output.as_deref()),
        Command::Eval {
            policy,
            request,
            format,
            as_of,
        } => cmd_eval(&policy, &request, format, as_of.as_deref()),
    };
    ExitCode::from(code)
}

fn read(path: &Path) -> Result<String, u8> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        exit::IO_ERROR
    })
}

fn print_diagnostics(diags: &[Diagnostic], source: &Source, format: ErrorFormat) {
    match format {
        ErrorFormat::Human => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", render(diags, source, color));
        }
        ErrorFormat::Json => {
            for d in diags {
                println!("{}", policyc::diag::to_json_line(d, source));
            }
        }
        ErrorFormat::Github => {
            for d in diags {
                println!("{}", policyc::diag::to_github_line(d, source));
            }
        }
    }
}

/// Compile a policy file, printing its diagnostics. `None` when it has errors.
fn compile_file(path: &Path, format: ErrorFormat) -> Result<Program, u8> {
    let text = read(path)?;
    let source = Source::new(path.display().to_string(), text.as_str());
    let checked = policyc::compile_source(&text);
    print_diagnostics(&checked.diagnostics, &source, format);
    checked.program.ok_or(exit::POLICY_ERROR)
}

fn cmd_check(files: &[PathBuf], format: ErrorFormat) -> u8 {
    let mut code = exit::OK;
    for f in files {
        match compile_file(f, format) {
            Ok(_) => {
                if format == ErrorFormat::Human {
                    eprintln!("{}: ok", f.display());
                }
            }
            Err(c) => code = code.max(c),
        }
    }
    code
}

fn cmd_compile(policy: &Path, output: Option<&Path>) -> u8 {
    let program = match compile_file(policy, ErrorFormat::Human) {
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
        None => {
            print!("{json}");
            exit::OK
        }
        Some(path) => match policyc::write_atomic(path, json.as_bytes()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::IO_ERROR
            }
        },
    }
}

fn load_program(path: &Path) -> Result<Program, u8> {
    let is_ir = path.extension().is_some_and(|e| e == "json");
    if !is_ir {
        return compile_file(path, ErrorFormat::Human);
    }
    let text = read(path)?;
    Program::from_json(&text).map_err(|e| {
        eprintln!("error: {}: {e}", path.display());
        exit::POLICY_ERROR
    })
}

fn cmd_eval(policy: &Path, request: &str, format: OutputFormat, as_of: Option<&str>) -> u8 {
    let program = match load_program(policy) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let text = if request == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            eprintln!("error: cannot read the request from standard input: {e}");
            return exit::IO_ERROR;
        }
        s
    } else {
        match read(Path::new(request)) {
            Ok(s) => s,
            Err(c) => return c,
        }
    };
    let req = match policyc::request::bind(&program, &text, as_of) {
        Ok(r) => r,
        Err(errors) => {
            let name = if request == "-" { "<stdin>" } else { request };
            eprintln!(
                "error: the request {name} is invalid for policy `{}` ({} problem{}):",
                program.policy.id,
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            for e in &errors {
                eprintln!("  - {e}");
            }
            return exit::REQUEST_ERROR;
        }
    };
    let decision = evaluate(&program, &req);
    let out = match format {
        OutputFormat::Human => render_human(&decision),
        OutputFormat::Json => match serde_json::to_string_pretty(&decision) {
            Ok(j) => j + "\n",
            Err(e) => {
                eprintln!("error: cannot serialize the decision: {e}");
                return exit::POLICY_ERROR;
            }
        },
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).is_err() {
        return exit::IO_ERROR;
    }
    exit::OK
}
