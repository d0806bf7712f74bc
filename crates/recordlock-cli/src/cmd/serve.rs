//! `recordlock serve` and `recordlock token`: the HTTP API and its tokens.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use recordlock_server::db::Location;
use recordlock_server::tokens::{Principal, Scope};

use crate::common::{Failure, THREADS_PER_CORE, max_threads};

/// The SQLite file holding configurations, locks and token hashes.
const DEFAULT_STORE: &str = "recordlock.db";

/// `--store`: a SQLite file, or a `postgres://` / `postgresql://` URL.
fn store(text: &str) -> Result<Location, String> {
    if text.trim().is_empty() {
        return Err("the store must be a SQLite file or a postgres:// URL".into());
    }
    Ok(Location::parse(text))
}

/// `serve [--store PATH] [--listen ADDR] [--request-timeout SECONDS] [--workers N]`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The state: a SQLite file (created if missing) or a PostgreSQL database
    /// (`postgres://user@host/db`; several servers may share it).
    #[arg(long, default_value = DEFAULT_STORE, value_parser = store)]
    pub store: Location,
    /// The address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Seconds a request may take, body included, before it is answered 408.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// Threads serving requests (default: one a core). The same number answer JSON Lines
    /// bodies in parallel. Fewer than the cores leaves room for other processes, e.g. a load
    /// generator on the same machine.
    #[arg(long)]
    pub workers: Option<usize>,
}

/// The serving threads: `--workers`, checked as `--threads` is, or one a core.
fn workers(requested: Option<usize>) -> Result<usize, Failure> {
    let max = max_threads();
    match requested {
        None => Ok(max / THREADS_PER_CORE),
        Some(n) if n == 0 || n > max => Err(Failure::Usage(format!(
            "--workers {n}: give 1 to {max} ({THREADS_PER_CORE} per core of the {} here)",
            max / THREADS_PER_CORE
        ))),
        Some(n) => Ok(n),
    }
}

/// `token --store PATH --org ORG --user ID --profile ID [--lock-permission] [--unlock-permission] --scopes S,...`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The state: a SQLite file (created if missing) or a `postgres://` URL.
    #[arg(long, default_value = DEFAULT_STORE, value_parser = store)]
    pub store: Location,
    /// The organisation the token belongs to (it sees nothing of any other).
    #[arg(long)]
    pub org: String,
    /// The user's id.
    #[arg(long)]
    pub user: String,
    /// The user's profile id.
    #[arg(long)]
    pub profile: String,
    /// The user may lock records by hand (and edit a lock's reason).
    #[arg(long)]
    pub lock_permission: bool,
    /// The user may unlock manually locked records.
    #[arg(long)]
    pub unlock_permission: bool,
    /// Comma-separated scopes, e.g. `ZohoCRM.settings.record_locking_configurations.ALL,ZohoCRM.modules.lockinginformation.ALL,ZohoCRM.settings.fields.READ`.
    #[arg(long, value_delimiter = ',', required = true)]
    pub scopes: Vec<String>,
}

/// Threads for database work and JSON Lines bodies (tokio's blocking pool, 512 by default):
/// a database serves at most 8 of them at once (PostgreSQL's pool; SQLite's writer and four
/// readers), so more would only wait, holding their stacks; past this, work queues.
const BLOCKING_THREADS: usize = 16;

/// Serves until SIGTERM or Ctrl-C; prints `listening on http://ADDR` on stdout once bound.
pub fn serve(args: &ServeArgs) -> Result<(), Failure> {
    recordlock_server::init_logging();
    let workers = workers(args.workers)?;
    // JSON Lines bodies are answered on rayon's global pool: as many threads as serve requests.
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build_global()
        .map_err(|e| Failure::Usage(format!("cannot start {workers} threads: {e}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the runtime: {e}")))?;
    let opts = recordlock_server::ServeOptions {
        store: args.store.clone(),
        listen: args.listen,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
    };
    runtime.block_on(async {
        let (addr, serving) = recordlock_server::bind(opts, recordlock_server::shutdown_signal())
            .await
            .map_err(|e| Failure::Usage(e.to_string()))?;
        // The address line is for whoever started the server; if nobody reads stdout any
        // more, the server still serves.
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "listening on http://{addr}").and_then(|()| out.flush()) {
            let _ = writeln!(
                std::io::stderr(),
                "recordlock: cannot write the address to stdout ({e}); serving on http://{addr}"
            );
        }
        drop(out);
        serving.await.map_err(|e| Failure::Usage(format!("serving failed: {e}")))
    })
}

/// Mints a token and prints it (only its hash is stored).
pub fn token(args: &TokenArgs) -> Result<(), Failure> {
    let mut scopes = Vec::new();
    for name in &args.scopes {
        let scope =
            Scope::parse(name).ok_or_else(|| Failure::Usage(format!("`{name}` is not a scope this server knows")))?;
        scopes.push(scope);
    }
    for (flag, value) in [("--org", &args.org), ("--user", &args.user), ("--profile", &args.profile)] {
        if value.trim().is_empty() {
            return Err(Failure::Usage(format!("{flag} must not be empty")));
        }
    }
    let principal = Principal {
        org: args.org.clone(),
        user_id: args.user.clone(),
        profile_id: args.profile.clone(),
        lock_permission: args.lock_permission,
        unlock_permission: args.unlock_permission,
        scopes,
    };
    let token = recordlock_server::mint_token(&args.store, &principal).map_err(|e| Failure::Usage(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{token}").and_then(|()| out.flush()).map_err(Failure::stdout)
}
