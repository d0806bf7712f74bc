//! `recordlock`: the command-line face of the engine (CONTRACT.md).
//!
//! Exit status: 0 success; 1 the input was read but is invalid (a configuration that fails
//! validation); 2 usage or I/O error.

#![forbid(unsafe_code)]

mod cmd;
mod common;
mod pg;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::common::{Failure, Inputs, Stream, print_stderr};

/// The binary's allocator (the `mimalloc` feature, on by default): the server allocates a
/// few small blocks per request, which glibc's allocator served at about a tenth of its
/// time (README, "Load test").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Record locking for CRM data, wire-compatible with Zoho CRM.
#[derive(Debug, Parser)]
#[command(name = "recordlock", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a configuration; print it normalised (exit 0) or the error (exit 1).
    Validate {
        /// The configuration body (a create body or a GET response).
        config: String,
        #[command(flatten)]
        module: common::ModuleArgs,
    },
    /// Report what a configuration's rules will do, one JSON finding a line (exit 0).
    Lint(cmd::lint::LintArgs),
    /// The records whose lock a configuration change would change, in input order.
    Diff(cmd::diff::DiffArgs),
    /// Answer decide requests, one JSON line in, one decision line out.
    Decide {
        #[command(flatten)]
        inputs: Inputs,
        /// Requests as JSON Lines (`-` or absent: stdin).
        requests: Option<String>,
    },
    /// Back-fill: print each record a rule locks, in input order.
    Sweep {
        #[command(flatten)]
        inputs: Inputs,
        /// Apply every rule, not only those with `lock_existing_records`.
        #[arg(long)]
        all_rules: bool,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// The records' format (default: by extension — `.csv`, `.parquet`, `.arrow`/`.arrows`/`.ipc`
        /// — else JSON Lines; stdin is JSON Lines unless given).
        #[arg(long, value_enum)]
        format: Option<common::Format>,
        /// Run the rules inside this PostgreSQL server (a connection string such as
        /// `postgresql://user@host/db` or `host=/run/postgresql dbname=crm`) over `--table`,
        /// instead of reading records.
        #[arg(long, requires = "table")]
        postgres: Option<String>,
        #[command(flatten)]
        table: cmd::sql::TableArgs,
        /// The engine: `vm` (recordlock's own, JSON Lines) or `datafusion` (Parquet, CSV and
        /// JSON Lines files; needs the `datafusion` feature).
        #[arg(long, value_enum, default_value_t = cmd::Engine::Vm)]
        engine: cmd::Engine,
        /// With `--engine datafusion`: run on a Ballista cluster, `df://HOST:PORT`.
        #[arg(long)]
        cluster: Option<String>,
        /// Records as JSON Lines, CSV, Parquet or Arrow IPC (`-` or absent: stdin); with
        /// `--engine datafusion`, a file, a directory or a glob of `.parquet`, `.csv` and
        /// `.jsonl` files.
        records: Option<String>,
    },
    /// Print the back-fill as SQL: a `SELECT id, rule` and the `UPDATE` that records it.
    Sql(cmd::sql::SqlArgs),
    /// Show, for one record, each rule's verdict and every leaf's value and result.
    Explain {
        #[command(flatten)]
        inputs: Inputs,
        /// Print the explanation as JSON instead of a tree.
        #[arg(long)]
        json: bool,
        /// The record (one JSON object).
        record: String,
    },
    /// Print each rule's compiled bytecode, one instruction a line.
    Disasm {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Write deterministic synthetic records (JSON Lines) for a module.
    Gen {
        #[command(flatten)]
        module: common::ModuleArgs,
        /// How many records.
        #[arg(long)]
        count: u64,
        /// The seed: the same seed gives the same records.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// `jsonl` (default), `csv` (Zoho bulk-export form) or `parquet` (to stdout, or `--output`).
        #[arg(long, value_enum, default_value = "jsonl")]
        format: common::Format,
        /// Write to this file instead of stdout (Parquet needs a file or a pipe).
        #[arg(long)]
        output: Option<String>,
    },
    /// Serve Zoho's record locking API over HTTP, state in SQLite or PostgreSQL (until SIGTERM).
    #[cfg(feature = "server")]
    Serve(cmd::serve::ServeArgs),
    /// Mint an access token for the server: prints it once, stores only its hash.
    #[cfg(feature = "server")]
    Token(cmd::serve::TokenArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = match cli.command {
        Command::Validate { config, module } => cmd::validate::run(&config, &module),
        Command::Lint(args) => cmd::lint::run(&args),
        Command::Diff(args) => cmd::diff::run(&args),
        Command::Decide { inputs, requests } => cmd::decide::run(&inputs, requests.as_deref()),
        Command::Sweep { inputs, all_rules, postgres: Some(conninfo), table, records, .. } => match records {
            Some(_) => Err(Failure::Usage("--postgres reads the table, not records: drop the RECORDS argument".into())),
            None => cmd::sql::sweep(&inputs, &table, &conninfo, all_rules),
        },
        Command::Sweep { inputs, all_rules, threads, format, postgres: None, table, engine, cluster, records } => {
            if table.table.is_some() || table.columns.is_some() || table.order_by.is_some() {
                Err(Failure::Usage("--table, --columns and --order-by go with --postgres".into()))
            } else {
                match engine {
                    cmd::Engine::Vm if cluster.is_some() => {
                        Err(Failure::Usage("--cluster needs --engine datafusion".into()))
                    }
                    cmd::Engine::Vm => cmd::sweep::run(&inputs, all_rules, threads, format, records.as_deref()),
                    cmd::Engine::Datafusion if format.is_some() => Err(Failure::Usage(
                        "--engine datafusion reads the format from each file's extension; --format goes with the VM"
                            .into(),
                    )),
                    cmd::Engine::Datafusion => {
                        cmd::sweep_datafusion::run(&inputs, all_rules, threads, cluster.as_deref(), records.as_deref())
                    }
                }
            }
        }
        Command::Sql(args) => cmd::sql::run(&args),
        Command::Explain { inputs, json, record } => cmd::explain::run(&inputs, json, &record),
        Command::Disasm { inputs } => cmd::disasm::run(&inputs),
        Command::Gen { module, count, seed, format, output } => {
            cmd::gen_records::run(&module, count, seed, format, output.as_deref())
        }
        #[cfg(feature = "server")]
        Command::Serve(args) => cmd::serve::serve(&args),
        #[cfg(feature = "server")]
        Command::Token(args) => cmd::serve::token(&args),
    };
    exit_status(result)
}

/// The exit status of a command's result, after printing what it failed with. Printing
/// never panics: a closed pipe is quiet, and a failed write of the error object itself is an
/// I/O error (exit 2) named on stderr.
fn exit_status(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(body)) => {
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{body}").and_then(|()| out.flush()) {
                Ok(()) => ExitCode::from(1),
                Err(e) => match Failure::write(Stream::Stdout, &e) {
                    Failure::BrokenPipe => ExitCode::from(1),
                    other => exit_status(Err(other)),
                },
            }
        }
        Err(Failure::Usage(message)) => {
            // Nowhere is left to report a failing stderr: the status says it.
            let _ = print_stderr(&format!("recordlock: {message}"));
            ExitCode::from(2)
        }
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
    }
}

/// Prints clap's usage error (or help, or version) and gives its status; a failed write of
/// it (other than a closed pipe) is an I/O error, exit 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    match e.print() {
        Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::from(2),
        _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
    }
}
