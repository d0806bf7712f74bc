//! Zoho CRM's record locking API served over HTTP: a thin adapter over the `recordlock`
//! library's [`recordlock::store::Store`], policies and lock transitions, with its state in
//! SQLite (one process) or PostgreSQL (several processes serving one tenant set).
//!
//! | module | what |
//! |---|---|
//! | [`routes`] | Zoho's endpoints (`/crm/v8/...`), recordlock's own (`/recordlock/v1/...`), `/health`, `/openapi.json` |
//! | [`state`] | the organisations, each with its `Store`, journalled to the database |
//! | [`db`] | the state: SQLite (WAL, `synchronous=FULL`) or PostgreSQL, migrations in code |
//! | [`tokens`], [`auth`] | hashed tokens, scopes, `Authorization: Zoho-oauthtoken` |
//! | [`serve`] | middleware (request ids, tracing, timeouts, panics) and graceful shutdown |
//!
//! `recordlock serve --store PATH|postgres://... --listen ADDR` runs it; `recordlock token`
//! mints tokens.

#![forbid(unsafe_code)]

pub mod auth;
pub mod body;
pub mod db;
pub mod error;
pub mod lock_cache;
pub mod query;
pub mod routes;
pub mod serve;
pub mod state;
pub mod tokens;

pub use crate::serve::{ServeOptions, bind, shutdown_signal};

/// Mints a token for `principal` in the database at `store`, storing only its hash;
/// returns the token (to be printed once).
pub fn mint_token(store: &db::Location, principal: &tokens::Principal) -> Result<String, db::DbError> {
    let db = db::open(store)?;
    let token = tokens::mint().map_err(|e| db::DbError(format!("no randomness: {e}")))?;
    let now = recordlock::rfc3339(crate::routes::now());
    db.insert_token(&tokens::hash(&token), principal, &now)?;
    Ok(token)
}

/// Logs to stderr, one line an event, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false).try_init();
}
