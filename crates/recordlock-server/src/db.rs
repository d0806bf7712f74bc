//! The server's state in a database: tokens, configurations, locks, organisation versions
//! and the id counter. Two back ends give the same schema and the same semantics:
//!
//! | back end | `--store` | for |
//! |---|---|---|
//! | [`sqlite`] | a file path (the default `recordlock.db`) | one server process; nothing to install |
//! | [`postgres`] | `postgres://...` or `postgresql://...` | several server processes serving one tenant set |
//!
//! Every write of an organisation is one durable transaction that holds the organisation's
//! write lock against every process ([`Backend::write_org`]): it first checks that the
//! organisation's *version* (bumped by every configuration change) is the one the caller's
//! compiled policies were built from, so a process never writes on top of a configuration
//! another process changed since ([`WriteError::Stale`]: reload and try again). Every
//! statement binds its values as parameters.

pub mod postgres;
pub mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use recordlock::LockState;

use crate::tokens::{Principal, Scope};

/// A database error, as text for the log (clients see `INTERNAL_ERROR`).
#[derive(Debug)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

/// Where the state lives: `--store`'s value.
///
/// ```
/// use recordlock_server::db::Location;
/// assert!(matches!(Location::parse("postgresql://app@db.internal/crm"), Location::Postgres(_)));
/// assert!(matches!(Location::parse("state/recordlock.db"), Location::Sqlite(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (URL form).
    Postgres(String),
}

impl Location {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is a SQLite path.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_owned())
        } else {
            Location::Sqlite(PathBuf::from(text))
        }
    }
}

impl fmt::Display for Location {
    /// The SQLite path, or the PostgreSQL URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&postgres::without_password(url)),
        }
    }
}

/// Opens (creating and migrating as needed) the database at `location`.
pub fn open(location: &Location) -> Result<Arc<dyn Backend>, DbError> {
    Ok(match location {
        Location::Sqlite(path) => Arc::new(sqlite::Sqlite::open(path)?),
        Location::Postgres(url) => Arc::new(postgres::Postgres::open(url)?),
    })
}

/// A stored lock row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRow {
    /// The record's id.
    pub record_id: String,
    /// The lock's own id (`Locking_Information__s` record id).
    pub lock_id: String,
    /// The lock in its wire shape (`LockState::to_json`).
    pub state: String,
    /// When the lock row was created (RFC 3339).
    pub created_time: String,
    /// Who created it (a user id; none for automatic locks).
    pub created_by: Option<String>,
}

impl LockRow {
    /// The stored lock, read from its wire JSON.
    pub fn lock_state(&self) -> Result<LockState, String> {
        parse_lock_state(&self.state)
    }
}

/// A stored lock state (`LockRow::state`, wire JSON), read.
pub fn parse_lock_state(text: &str) -> Result<LockState, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    LockState::from_json(&json).map_err(|e| e.message().to_owned())
}

/// A stored configuration: its module, the organisation version that wrote it, its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConfiguration {
    /// The module's API name.
    pub module: String,
    /// The organisation's version when this configuration was last written.
    pub version: i64,
    /// The configuration in its GET shape (JSON text).
    pub body: String,
}

/// An organisation as stored, read in one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgSnapshot {
    /// The organisation's version (0 before its first configuration change).
    pub version: i64,
    /// Its configurations.
    pub configurations: Vec<StoredConfiguration>,
}

/// Why a write did not commit.
#[derive(Debug)]
pub enum WriteError {
    /// The organisation's version is not the one expected: another process changed its
    /// configurations. Nothing was written.
    Stale,
    /// The database failed (or the write's own step refused); nothing was written.
    Db(DbError),
}

impl From<DbError> for WriteError {
    fn from(e: DbError) -> WriteError {
        WriteError::Db(e)
    }
}

/// What a write may do, inside its transaction, to its one organisation: every method is
/// about the organisation the write was opened for, so a write cannot reach another.
pub trait OrgTx {
    /// The record's lock, if any.
    fn lock(&mut self, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError>;
    /// Inserts or replaces a record's lock.
    fn put_lock(&mut self, module: &str, row: &LockRow, rule_id: Option<&str>) -> Result<(), DbError>;
    /// Adds locks `(row, rule id)` to the records that have none (a record keeps the lock
    /// it has): one statement for all of them where the database allows.
    fn add_locks(&mut self, module: &str, locks: &[(LockRow, Option<String>)]) -> Result<(), DbError>;
    /// Removes a record's lock.
    fn delete_lock(&mut self, module: &str, record_id: &str) -> Result<(), DbError>;
    /// Stores `(configuration id, body)` as the module's configuration, or removes it.
    fn put_configuration(&mut self, module: &str, config: Option<(&str, &str)>) -> Result<(), DbError>;
    /// Releases the automatic locks of these rules.
    fn release_rule_locks(&mut self, module: &str, rule_ids: &[String]) -> Result<(), DbError>;
    /// Releases every lock of the module.
    fn release_module_locks(&mut self, module: &str) -> Result<(), DbError>;
    /// Releases every automatic lock of the module (the rows with a rule id: the store gives
    /// every rule an id, and manual locks have none); manual locks stay.
    fn release_automatic_locks(&mut self, module: &str) -> Result<(), DbError>;
}

/// One step of a write: runs inside the transaction; an error rolls it back.
pub type WriteStep<'a> = dyn FnMut(&mut dyn OrgTx) -> Result<(), DbError> + 'a;

/// A database holding the server's state.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Whether other processes may change the same state, so that a reader must check the
    /// organisation's version on every request (PostgreSQL). Such a back end's calls block
    /// on the network and must run off the async threads; the others' reads are local and
    /// take microseconds.
    fn shared(&self) -> bool;
    /// Stores a new token's hash and what it grants.
    fn insert_token(&self, hash: &str, principal: &Principal, now: &str) -> Result<(), DbError>;
    /// The principal a token hash stands for.
    fn principal(&self, hash: &str) -> Result<Option<Principal>, DbError>;
    /// The organisations that have a version or a configuration.
    fn organisations(&self) -> Result<Vec<String>, DbError>;
    /// The organisation's version and configurations, in one snapshot.
    fn org_snapshot(&self, org: &str) -> Result<OrgSnapshot, DbError>;
    /// The organisation's version.
    fn org_version(&self, org: &str) -> Result<i64, DbError>;
    /// The organisation's version and a record's lock, read together.
    fn lock_with_version(&self, org: &str, module: &str, record_id: &str) -> Result<(i64, Option<LockRow>), DbError>;
    /// The lock of a record, if any.
    fn lock(&self, org: &str, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError>;
    /// The stored lock states (wire JSON) of these records, by record id.
    fn lock_states(&self, org: &str, module: &str, record_ids: &[String]) -> Result<HashMap<String, String>, DbError>;
    /// Reserves `count` new ids, durably: returns the first; they are never handed out
    /// again, by any process.
    fn reserve_ids(&self, count: u64) -> Result<u64, DbError>;
    /// Runs `step` in one durable transaction holding the organisation's write lock, if
    /// the organisation's version is `expected` (else [`WriteError::Stale`]); with `bump`,
    /// the version goes up by one and the configurations written carry the new version.
    /// Returns the organisation's version after the commit.
    fn write_org(&self, org: &str, expected: i64, bump: bool, step: &mut WriteStep<'_>) -> Result<i64, WriteError>;
    /// Whether the database answers.
    fn ping(&self) -> Result<(), DbError>;
}

/// Why [`write()`] did not commit: the database's reason, or the step's own.
#[derive(Debug)]
pub enum WriteFailure<E> {
    /// See [`WriteError`].
    Write(WriteError),
    /// The step refused (e.g. a lock transition the policy does not allow); rolled back.
    Refused(E),
}

/// Why a write's step stopped: its own refusal, or the database's error.
#[derive(Debug)]
pub enum Abort<E> {
    /// The step refused; the transaction rolls back.
    Refused(E),
    /// The database failed.
    Db(DbError),
}

impl<E> From<DbError> for Abort<E> {
    fn from(e: DbError) -> Abort<E> {
        Abort::Db(e)
    }
}

/// [`Backend::write_org`] with a step that returns a value, or its own error (which rolls
/// the transaction back and is handed back as [`WriteFailure::Refused`]).
pub fn write<T, E>(
    db: &dyn Backend,
    org: &str,
    expected: i64,
    bump: bool,
    step: impl FnOnce(&mut dyn OrgTx) -> Result<T, Abort<E>>,
) -> Result<(T, i64), WriteFailure<E>> {
    let mut step = Some(step);
    let mut outcome: Option<Result<T, E>> = None;
    let result = db.write_org(org, expected, bump, &mut |tx| {
        let step = step.take().ok_or_else(|| DbError("a write step ran twice".into()))?;
        match step(tx) {
            Ok(value) => {
                outcome = Some(Ok(value));
                Ok(())
            }
            Err(Abort::Refused(refused)) => {
                outcome = Some(Err(refused));
                Err(DbError("refused by the write's step".into()))
            }
            Err(Abort::Db(e)) => Err(e),
        }
    });
    match (result, outcome) {
        (Ok(version), Some(Ok(value))) => Ok((value, version)),
        (_, Some(Err(refused))) => Err(WriteFailure::Refused(refused)),
        (Err(e), _) => Err(WriteFailure::Write(e)),
        (Ok(_), None) => Err(WriteFailure::Write(WriteError::Db(DbError("a write step did not run".into())))),
    }
}

/// Scopes as stored: comma-separated names.
pub(crate) fn scopes_text(p: &Principal) -> String {
    p.scopes.iter().map(Scope::to_string).collect::<Vec<_>>().join(",")
}

/// Scopes from their stored text (unknown names are dropped).
pub(crate) fn scopes_of(text: &str) -> Vec<Scope> {
    text.split(',').filter_map(Scope::parse).collect()
}

/// Where ids start in a new database: 19 digits, like Zoho's.
pub const FIRST_ID: u64 = 5_843_104_000_000_000_001;
