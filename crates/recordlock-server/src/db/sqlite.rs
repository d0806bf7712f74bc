//! The SQLite back end: one file, for one server process.
//!
//! One file, WAL journal, `synchronous=FULL`: a transaction is on disk (the WAL fsynced)
//! before `commit` returns, so every write the server acknowledges survives `kill -9` and a
//! power cut. Readers use their own connection and never wait for a writer's fsync.
//! The schema is created and migrated in code ([`MIGRATIONS`]); `PRAGMA user_version` holds
//! the applied version. Every statement binds its values as parameters.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{
    Backend, DbError, FIRST_ID, LockRow, OrgSnapshot, OrgTx, StoredConfiguration, WriteError, WriteStep, scopes_of,
    scopes_text,
};
use crate::tokens::Principal;

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
    // 2: organisation versions (bumped by every configuration change), and the version
    // that wrote each configuration, so a reload recompiles only what changed.
    "CREATE TABLE orgs (org TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT;
    ALTER TABLE configurations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;",
];

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError(e.to_string())
    }
}

/// Record ids per query when reading many locks at once (SQLite binds up to 32,766).
pub const LOCKS_PER_QUERY: usize = 500;

/// Reader connections: WAL lets them read while the writer commits.
const READERS: usize = 4;

/// The SQLite database: one writer connection and a few reader connections on one file.
#[derive(Debug)]
pub struct Sqlite {
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

impl Sqlite {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Sqlite, DbError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path)?;
            configure(&reader)?;
            readers.push(Mutex::new(reader));
        }
        Ok(Sqlite { writer: Mutex::new(writer), readers, next_reader: std::sync::atomic::AtomicUsize::new(0) })
    }

    /// Runs `f` in one write transaction, committed (durably) when `f` succeeds.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError>) -> Result<T, DbError> {
        let mut conn = lock_conn(&self.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
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
}

fn version_in(c: &Connection, org: &str) -> Result<i64, DbError> {
    let mut stmt = c.prepare_cached("SELECT version FROM orgs WHERE org = ?1")?;
    Ok(stmt.query_row(params![org], |r| r.get(0)).optional()?.unwrap_or(0))
}

/// The lock of a record, read through any connection or transaction.
fn lock_in(c: &Connection, org: &str, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
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

impl Backend for Sqlite {
    fn shared(&self) -> bool {
        false
    }

    fn insert_token(&self, hash: &str, p: &Principal, now: &str) -> Result<(), DbError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tokens (hash, org, user_id, profile_id, lock_permission, unlock_permission, scopes, created_time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![hash, p.org, p.user_id, p.profile_id, p.lock_permission, p.unlock_permission, scopes_text(p), now],
            )?;
            Ok(())
        })
    }

    fn principal(&self, hash: &str) -> Result<Option<Principal>, DbError> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT org, user_id, profile_id, lock_permission, unlock_permission, scopes FROM tokens WHERE hash = ?1",
                params![hash],
                |r| {
                    Ok(Principal {
                        org: r.get(0)?,
                        user_id: r.get(1)?,
                        profile_id: r.get(2)?,
                        lock_permission: r.get(3)?,
                        unlock_permission: r.get(4)?,
                        scopes: scopes_of(&r.get::<_, String>(5)?),
                    })
                },
            )
            .optional()?)
        })
    }

    fn organisations(&self) -> Result<Vec<String>, DbError> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT org FROM orgs UNION SELECT org FROM configurations ORDER BY 1")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn org_snapshot(&self, org: &str) -> Result<OrgSnapshot, DbError> {
        self.read(|c| {
            // One read transaction: the version and the configurations of one snapshot.
            c.execute_batch("BEGIN")?;
            let snapshot = (|| {
                let version = version_in(c, org)?;
                let mut stmt = c.prepare_cached(
                    "SELECT module, version, body FROM configurations WHERE org = ?1 ORDER BY module",
                )?;
                let rows = stmt.query_map(params![org], |r| {
                    Ok(StoredConfiguration { module: r.get(0)?, version: r.get(1)?, body: r.get(2)? })
                })?;
                Ok(OrgSnapshot { version, configurations: rows.collect::<Result<Vec<_>, _>>()? })
            })();
            c.execute_batch("COMMIT")?;
            snapshot
        })
    }

    fn org_version(&self, org: &str) -> Result<i64, DbError> {
        self.read(|c| version_in(c, org))
    }

    fn lock_with_version(&self, org: &str, module: &str, record_id: &str) -> Result<(i64, Option<LockRow>), DbError> {
        self.read(|c| {
            c.execute_batch("BEGIN")?;
            let read = version_in(c, org).and_then(|v| Ok((v, lock_in(c, org, module, record_id)?)));
            c.execute_batch("COMMIT")?;
            read
        })
    }

    fn lock(&self, org: &str, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
        self.read(|c| lock_in(c, org, module, record_id))
    }

    /// One query per [`LOCKS_PER_QUERY`] ids, the ids bound as parameters.
    fn lock_states(&self, org: &str, module: &str, record_ids: &[String]) -> Result<HashMap<String, String>, DbError> {
        self.read(|c| {
            let mut found = HashMap::new();
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

    fn reserve_ids(&self, count: u64) -> Result<u64, DbError> {
        let (first, count) = reservation_params(count)?;
        self.write(|tx| {
            let end: i64 = tx.query_row(
                "INSERT INTO counters (name, value) VALUES ('next_id', ?1 + ?2)
                 ON CONFLICT (name) DO UPDATE SET value = max(value, ?1) + ?2 RETURNING value",
                params![first, count],
                |r| r.get(0),
            )?;
            u64::try_from(end - count).map_err(|_| DbError("the id counter is negative".into()))
        })
    }

    fn write_org(&self, org: &str, expected: i64, bump: bool, step: &mut WriteStep<'_>) -> Result<i64, WriteError> {
        let mut conn = lock_conn(&self.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(DbError::from)?;
        let version = version_in(&tx, org)?;
        if version != expected {
            return Err(WriteError::Stale);
        }
        let version = if bump { version + 1 } else { version };
        step(&mut SqliteTx { tx: &tx, org, version })?;
        if bump {
            tx.execute(
                "INSERT INTO orgs (org, version) VALUES (?1, ?2) ON CONFLICT (org) DO UPDATE SET version = excluded.version",
                params![org, version],
            )
            .map_err(DbError::from)?;
        }
        tx.commit().map_err(DbError::from)?;
        Ok(version)
    }

    fn ping(&self) -> Result<(), DbError> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
    }
}

/// `(FIRST_ID, count)` as the database's integers.
pub(crate) fn reservation_params(count: u64) -> Result<(i64, i64), DbError> {
    let overflow = || DbError("the id counter overflowed".into());
    Ok((i64::try_from(FIRST_ID).map_err(|_| overflow())?, i64::try_from(count).map_err(|_| overflow())?))
}

/// A write transaction of one organisation.
struct SqliteTx<'a> {
    tx: &'a Transaction<'a>,
    org: &'a str,
    /// The organisation's version once this transaction commits.
    version: i64,
}

impl SqliteTx<'_> {
    /// Inserts a lock row; `on_conflict` says what happens when the record has one.
    fn insert_lock(
        &self,
        on_conflict: &str,
        module: &str,
        row: &LockRow,
        rule_id: Option<&str>,
    ) -> Result<(), DbError> {
        let sql = format!(
            "INSERT INTO locks (org, module, record_id, lock_id, rule_id, state, created_time, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) {on_conflict}"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let r = row;
        stmt.execute(params![
            self.org,
            module,
            r.record_id,
            r.lock_id,
            rule_id,
            r.state,
            r.created_time,
            r.created_by
        ])?;
        Ok(())
    }
}

impl OrgTx for SqliteTx<'_> {
    fn lock(&mut self, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
        lock_in(self.tx, self.org, module, record_id)
    }

    fn put_lock(&mut self, module: &str, row: &LockRow, rule_id: Option<&str>) -> Result<(), DbError> {
        self.insert_lock(
            "ON CONFLICT (org, module, record_id) DO UPDATE SET
               lock_id = excluded.lock_id, rule_id = excluded.rule_id, state = excluded.state,
               created_time = excluded.created_time, created_by = excluded.created_by",
            module,
            row,
            rule_id,
        )
    }

    fn add_locks(&mut self, module: &str, locks: &[(LockRow, Option<String>)]) -> Result<(), DbError> {
        for (row, rule_id) in locks {
            self.insert_lock("ON CONFLICT (org, module, record_id) DO NOTHING", module, row, rule_id.as_deref())?;
        }
        Ok(())
    }

    fn delete_lock(&mut self, module: &str, record_id: &str) -> Result<(), DbError> {
        self.tx.execute(
            "DELETE FROM locks WHERE org = ?1 AND module = ?2 AND record_id = ?3",
            params![self.org, module, record_id],
        )?;
        Ok(())
    }

    fn put_configuration(&mut self, module: &str, config: Option<(&str, &str)>) -> Result<(), DbError> {
        match config {
            Some((id, body)) => self.tx.execute(
                "INSERT INTO configurations (org, module, id, body, version) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (org, module) DO UPDATE SET id = excluded.id, body = excluded.body, version = excluded.version",
                params![self.org, module, id, body, self.version],
            )?,
            None => self
                .tx
                .execute("DELETE FROM configurations WHERE org = ?1 AND module = ?2", params![self.org, module])?,
        };
        Ok(())
    }

    fn release_rule_locks(&mut self, module: &str, rule_ids: &[String]) -> Result<(), DbError> {
        let mut stmt = self.tx.prepare_cached("DELETE FROM locks WHERE org = ?1 AND module = ?2 AND rule_id = ?3")?;
        for rule in rule_ids {
            stmt.execute(params![self.org, module, rule])?;
        }
        Ok(())
    }

    fn release_module_locks(&mut self, module: &str) -> Result<(), DbError> {
        self.tx.execute("DELETE FROM locks WHERE org = ?1 AND module = ?2", params![self.org, module])?;
        Ok(())
    }

    fn release_automatic_locks(&mut self, module: &str) -> Result<(), DbError> {
        self.tx.execute(
            "DELETE FROM locks WHERE org = ?1 AND module = ?2 AND rule_id IS NOT NULL",
            params![self.org, module],
        )?;
        Ok(())
    }
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
        let db = Sqlite::open(&path).unwrap();
        db.read(|c| {
            let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            let sync: i64 = c.pragma_query_value(None, "synchronous", |r| r.get(0))?;
            let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
            assert_eq!((mode.as_str(), sync, version), ("wal", 2, MIGRATIONS.len() as i64));
            Ok(())
        })
        .unwrap();
        drop(db);
        Sqlite::open(&path).unwrap(); // reopening applies nothing twice
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = Sqlite::open(&path).unwrap_err();
        assert!(err.0.contains("newer"), "{err}");
    }
}
