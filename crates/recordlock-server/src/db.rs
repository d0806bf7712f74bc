//! The server's state in SQLite: tokens, configurations and locks.
//!
//! One file, WAL journal, `synchronous=FULL`: a transaction is on disk (the WAL fsynced)
//! before `commit` returns, so every write the server acknowledges survives `kill -9` and a
//! power cut. Readers use their own connection and never wait for a writer's fsync.
//! The schema is created and migrated in code ([`MIGRATIONS`]); `PRAGMA user_version` holds
//! the applied version. Every statement binds its values as parameters.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::tokens::{Principal, Scope};

/// The schema, one migration a step; `PRAGMA user_version` is the number applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: tokens, configurations, locks, the id counter.
    "CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        org TEXT NOT NULL,
        user_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        lock_permission INTEGER NOT NULL,
        unlock_permission INTEGER NOT NULL,
        scopes TEXT NOT NULL,
        created_time TEXT NOT NULL
    ) STRICT;
    CREATE TABLE configurations (
        org TEXT NOT NULL,
        module TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (org, module)
    ) STRICT;
    CREATE TABLE locks (
        org TEXT NOT NULL,
        module TEXT NOT NULL,
        record_id TEXT NOT NULL,
        lock_id TEXT NOT NULL UNIQUE,
        rule_id TEXT,
        state TEXT NOT NULL,
        created_time TEXT NOT NULL,
        created_by TEXT,
        PRIMARY KEY (org, module, record_id)
    ) STRICT;
    CREATE INDEX locks_by_rule ON locks (org, module, rule_id);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;",
];

/// A database error, as text for the log (clients see `INTERNAL_ERROR`).
#[derive(Debug)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError(e.to_string())
    }
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

/// Record ids per query when reading many locks at once (SQLite binds up to 32,766).
pub const LOCKS_PER_QUERY: usize = 500;

/// Reader connections: WAL lets them read while the writer commits.
const READERS: usize = 4;

/// The database: one writer connection and a few reader connections on one file.
#[derive(Debug)]
pub struct Db {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
}

fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn lock_conn(m: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>, DbError> {
    m.lock().map_err(|_| DbError("a database connection was poisoned by a panic".into()))
}

impl Db {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path)?;
            configure(&reader)?;
            readers.push(Mutex::new(reader));
        }
        Ok(Db { writer: Mutex::new(writer), readers, next_reader: std::sync::atomic::AtomicUsize::new(0) })
    }

    /// Runs `f` in one write transaction, committed (durably) when `f` succeeds.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError>) -> Result<T, DbError> {
        let mut conn = lock_conn(&self.writer)?;
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a reader connection: the first free one, else the next in turn.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, DbError>) -> Result<T, DbError> {
        if let Some(conn) = self.readers.iter().find_map(|r| r.try_lock().ok()) {
            return f(&conn);
        }
        let turn = self.next_reader.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let reader = self.readers.get(turn % READERS).ok_or_else(|| DbError("no reader connection".into()))?;
        let conn = lock_conn(reader)?;
        f(&conn)
    }

    /// Stores a new token's hash and what it grants.
    pub fn insert_token(&self, hash: &str, p: &Principal, now: &str) -> Result<(), DbError> {
        let scopes: Vec<String> = p.scopes.iter().map(Scope::to_string).collect();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tokens (hash, org, user_id, profile_id, lock_permission, unlock_permission, scopes, created_time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![hash, p.org, p.user_id, p.profile_id, p.lock_permission, p.unlock_permission, scopes.join(","), now],
            )?;
            Ok(())
        })
    }

    /// The principal a token hash stands for.
    pub fn principal(&self, hash: &str) -> Result<Option<Principal>, DbError> {
        self.read(|c| {
            let row = c
                .query_row(
                    "SELECT org, user_id, profile_id, lock_permission, unlock_permission, scopes FROM tokens WHERE hash = ?1",
                    params![hash],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, bool>(3)?,
                            r.get::<_, bool>(4)?,
                            r.get::<_, String>(5)?,
                        ))
                    },
                )
                .optional()?;
            Ok(row.map(|(org, user_id, profile_id, lock_permission, unlock_permission, scopes)| Principal {
                org,
                user_id,
                profile_id,
                lock_permission,
                unlock_permission,
                scopes: scopes.split(',').filter_map(Scope::parse).collect(),
            }))
        })
    }

    /// Every stored configuration: `(org, module, body)`.
    pub fn configurations(&self) -> Result<Vec<(String, String, String)>, DbError> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT org, module, body FROM configurations ORDER BY org, module")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The id counter's stored floor (every id handed out before is below it).
    pub fn id_floor(&self) -> Result<u64, DbError> {
        self.read(|c| {
            let v: Option<i64> =
                c.query_row("SELECT value FROM counters WHERE name = 'next_id'", [], |r| r.get(0)).optional()?;
            Ok(v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
        })
    }

    /// The lock of a record, if any.
    pub fn lock(&self, org: &str, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
        self.read(|c| lock_in(c, org, module, record_id))
    }

    /// The stored lock states (wire JSON) of these records, by record id: one query per
    /// [`LOCKS_PER_QUERY`] ids, the ids bound as parameters.
    pub fn lock_states(
        &self,
        org: &str,
        module: &str,
        record_ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, DbError> {
        self.read(|c| {
            let mut found = std::collections::HashMap::new();
            for ids in record_ids.chunks(LOCKS_PER_QUERY) {
                let marks = vec!["?"; ids.len()].join(", ");
                let sql = format!(
                    "SELECT record_id, state FROM locks WHERE org = ? AND module = ? AND record_id IN ({marks})"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let values = [org, module].into_iter().chain(ids.iter().map(String::as_str));
                let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| Ok((r.get(0)?, r.get(1)?)))?;
                for row in rows {
                    let (id, state): (String, String) = row?;
                    found.insert(id, state);
                }
            }
            Ok(found)
        })
    }
}

/// The lock of a record, read through any connection or transaction.
pub fn lock_in(c: &Connection, org: &str, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
    // Cached: this is the read every decide without a lock makes.
    let mut stmt = c.prepare_cached(
        "SELECT record_id, lock_id, state, created_time, created_by FROM locks WHERE org = ?1 AND module = ?2 AND record_id = ?3",
    )?;
    Ok(stmt
        .query_row(params![org, module, record_id], |r| {
            Ok(LockRow {
                record_id: r.get(0)?,
                lock_id: r.get(1)?,
                state: r.get(2)?,
                created_time: r.get(3)?,
                created_by: r.get(4)?,
            })
        })
        .optional()?)
}

/// Inserts or replaces a record's lock.
pub fn put_lock(
    tx: &Transaction<'_>,
    org: &str,
    module: &str,
    row: &LockRow,
    rule_id: Option<&str>,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO locks (org, module, record_id, lock_id, rule_id, state, created_time, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (org, module, record_id) DO UPDATE SET
           lock_id = excluded.lock_id, rule_id = excluded.rule_id, state = excluded.state,
           created_time = excluded.created_time, created_by = excluded.created_by",
        params![org, module, row.record_id, row.lock_id, rule_id, row.state, row.created_time, row.created_by],
    )?;
    Ok(())
}

/// Removes a record's lock.
pub fn delete_lock(tx: &Transaction<'_>, org: &str, module: &str, record_id: &str) -> Result<(), DbError> {
    tx.execute("DELETE FROM locks WHERE org = ?1 AND module = ?2 AND record_id = ?3", params![org, module, record_id])?;
    Ok(())
}

/// Stores (or, with `None`, removes) a module's configuration body.
pub fn put_configuration(
    tx: &Transaction<'_>,
    org: &str,
    module: &str,
    config: Option<(&str, &str)>,
) -> Result<(), DbError> {
    match config {
        Some((id, body)) => tx.execute(
            "INSERT INTO configurations (org, module, id, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (org, module) DO UPDATE SET id = excluded.id, body = excluded.body",
            params![org, module, id, body],
        )?,
        None => tx.execute("DELETE FROM configurations WHERE org = ?1 AND module = ?2", params![org, module])?,
    };
    Ok(())
}

/// Releases the automatic locks of these rules.
pub fn release_rule_locks(tx: &Transaction<'_>, org: &str, module: &str, rule_ids: &[String]) -> Result<(), DbError> {
    let mut stmt = tx.prepare_cached("DELETE FROM locks WHERE org = ?1 AND module = ?2 AND rule_id = ?3")?;
    for rule in rule_ids {
        stmt.execute(params![org, module, rule])?;
    }
    Ok(())
}

/// Releases every lock of a module.
pub fn release_module_locks(tx: &Transaction<'_>, org: &str, module: &str) -> Result<(), DbError> {
    tx.execute("DELETE FROM locks WHERE org = ?1 AND module = ?2", params![org, module])?;
    Ok(())
}

/// Raises the stored id floor to `next` (ids below it may have been handed out).
pub fn raise_id_floor(tx: &Transaction<'_>, next: u64) -> Result<(), DbError> {
    let next = i64::try_from(next).map_err(|_| DbError("the id counter overflowed".into()))?;
    tx.execute(
        "INSERT INTO counters (name, value) VALUES ('next_id', ?1)
         ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
        params![next],
    )?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(DbError(format!(
            "the database is at schema version {applied}, newer than this server's {}",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("recordlock-db-{name}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        path
    }

    /// Migrations run once, in WAL mode with full syncs; a database from a newer server is
    /// refused rather than misread.
    #[test]
    fn migrations_durability_and_versions() {
        let path = temp_db("migrate");
        let db = Db::open(&path).unwrap();
        db.read(|c| {
            let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            let sync: i64 = c.pragma_query_value(None, "synchronous", |r| r.get(0))?;
            let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
            assert_eq!((mode.as_str(), sync, version), ("wal", 2, MIGRATIONS.len() as i64));
            Ok(())
        })
        .unwrap();
        drop(db);
        Db::open(&path).unwrap(); // reopening applies nothing twice
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = Db::open(&path).unwrap_err();
        assert!(err.0.contains("newer"), "{err}");
    }

    /// The id floor only rises.
    #[test]
    fn id_floor_only_rises() {
        let db = Db::open(&temp_db("floor")).unwrap();
        assert_eq!(db.id_floor().unwrap(), 0);
        db.write(|tx| raise_id_floor(tx, 50)).unwrap();
        db.write(|tx| raise_id_floor(tx, 40)).unwrap();
        assert_eq!(db.id_floor().unwrap(), 50);
    }
}
