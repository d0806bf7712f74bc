//! The PostgreSQL back end (`--store postgres://...`): several server processes serve one
//! tenant set.
//!
//! The tables live in their own schema, `recordlock`, created and migrated in code
//! ([`MIGRATIONS`], under an advisory lock so processes starting together migrate once).
//! The sessions set `synchronous_commit = on`: a commit returns once its WAL is flushed, so
//! an acknowledged write survives a crash of the server or of the process (whatever the
//! cluster's default; `fsync` stays the cluster's).
//!
//! Processes coordinate through the database alone: a write of an organisation locks the
//! organisation's row in `recordlock.orgs` (`SELECT ... FOR UPDATE`) for its transaction, so
//! writes of one organisation are serialised across processes and a lock's read-decide-write
//! is never interleaved with another; the row's `version`, bumped by every configuration
//! change, tells every process whether its compiled policies are current.
//!
//! Connections come from a small pool of synchronous clients (the `postgres` crate the
//! workspace already uses); calls block, so the server makes them on its blocking threads.
//! A broken connection is replaced on its next use. Statements are prepared once per
//! connection. TLS is not supported (`sslmode=require` fails to connect): use a Unix socket
//! or loopback, or a TLS proxy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Statement};

use super::sqlite::reservation_params;
use super::{
    Backend, DbError, LockRow, OrgSnapshot, OrgTx, StoredConfiguration, WriteError, WriteStep, scopes_of, scopes_text,
};
use crate::tokens::Principal;

/// The schema, one migration a step; `recordlock.schema_version` holds the number applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: tokens, organisation versions, configurations, locks, the id counter (the same
    // tables and meaning as the SQLite back end's).
    "CREATE TABLE recordlock.tokens (
        hash TEXT PRIMARY KEY,
        org TEXT NOT NULL,
        user_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        lock_permission BOOLEAN NOT NULL,
        unlock_permission BOOLEAN NOT NULL,
        scopes TEXT NOT NULL,
        created_time TEXT NOT NULL
    );
    CREATE TABLE recordlock.orgs (org TEXT PRIMARY KEY, version BIGINT NOT NULL);
    CREATE TABLE recordlock.configurations (
        org TEXT NOT NULL,
        module TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        version BIGINT NOT NULL,
        PRIMARY KEY (org, module)
    );
    CREATE TABLE recordlock.locks (
        org TEXT NOT NULL,
        module TEXT NOT NULL,
        record_id TEXT NOT NULL,
        lock_id TEXT NOT NULL UNIQUE,
        rule_id TEXT,
        state TEXT NOT NULL,
        created_time TEXT NOT NULL,
        created_by TEXT,
        PRIMARY KEY (org, module, record_id)
    );
    CREATE INDEX locks_by_rule ON recordlock.locks (org, module, rule_id);
    CREATE TABLE recordlock.counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);",
];

/// Connections in the pool: enough for the blocking threads of a 2-to-8-core host.
const CONNECTIONS: usize = 8;

/// Key of the advisory lock migrations hold (any constant: "rl" "mig").
const MIGRATION_LOCK: i64 = 0x0072_6c6d_6967;

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        // The server's message (with its SQLSTATE) when there is one.
        match e.as_db_error() {
            Some(db) => DbError(format!("PostgreSQL: {} ({})", db.message(), db.code().code())),
            None => DbError(format!("PostgreSQL: {e}")),
        }
    }
}

/// A URL with its password, if any, replaced by `***` (for messages and logs).
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    match tail {
        Some(t) => format!("{scheme}://{authority}/{t}"),
        None => format!("{scheme}://{authority}"),
    }
}

/// A connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// Prepares `sql` on `client` once per connection.
fn prepared(
    client: &mut impl GenericClient,
    cache: &mut HashMap<&'static str, Statement>,
    sql: &'static str,
) -> Result<Statement, DbError> {
    if let Some(s) = cache.get(sql) {
        return Ok(s.clone());
    }
    let statement = client.prepare(sql)?;
    cache.insert(sql, statement.clone());
    Ok(statement)
}

/// The PostgreSQL database.
pub struct Postgres {
    config: postgres::Config,
    pool: Vec<Mutex<Option<Conn>>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").field("connections", &self.pool.len()).finish_non_exhaustive()
    }
}

impl Drop for Postgres {
    /// Closes the connections on a thread of their own: closing one blocks on the client's
    /// runtime, which must not happen on an async thread (where the server drops its state).
    fn drop(&mut self) {
        let pool = std::mem::take(&mut self.pool);
        let _ = std::thread::Builder::new().name("recordlock-pg-close".into()).spawn(move || drop(pool));
    }
}

fn connect(config: &postgres::Config) -> Result<Client, DbError> {
    let mut client = config.connect(NoTls).map_err(|e| DbError(format!("cannot connect to PostgreSQL: {e}")))?;
    client.batch_execute("SET synchronous_commit = on; SET application_name = 'recordlock'")?;
    Ok(client)
}

fn migrate(client: &mut Client) -> Result<(), DbError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS recordlock;
         CREATE TABLE IF NOT EXISTS recordlock.schema_version (version INTEGER NOT NULL)",
    )?;
    let applied: Option<i32> = tx.query_opt("SELECT version FROM recordlock.schema_version", &[])?.map(|r| r.get(0));
    let applied = usize::try_from(applied.unwrap_or(0)).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(DbError(format!(
            "the database is at schema version {applied}, newer than this server's {}",
            MIGRATIONS.len()
        )));
    }
    for sql in MIGRATIONS.iter().skip(applied) {
        tx.batch_execute(sql)?;
    }
    let version = i32::try_from(MIGRATIONS.len()).map_err(|_| DbError("too many migrations".into()))?;
    tx.execute("DELETE FROM recordlock.schema_version", &[])?;
    tx.execute("INSERT INTO recordlock.schema_version (version) VALUES ($1)", &[&version])?;
    tx.commit()?;
    Ok(())
}

impl Postgres {
    /// Connects to the database at `url`, creating or migrating the `recordlock` schema.
    pub fn open(url: &str) -> Result<Postgres, DbError> {
        let config: postgres::Config =
            url.parse().map_err(|e| DbError(format!("`{}` is not a PostgreSQL URL: {e}", without_password(url))))?;
        let mut first = connect(&config)?;
        migrate(&mut first)?;
        let mut pool = Vec::with_capacity(CONNECTIONS);
        pool.push(Mutex::new(Some(Conn { client: first, statements: HashMap::new() })));
        pool.extend((1..CONNECTIONS).map(|_| Mutex::new(None)));
        Ok(Postgres { config, pool, next: AtomicUsize::new(0) })
    }

    /// Runs `f` on a pooled connection (the first free one, else the next in turn),
    /// connecting first when it has none or its connection broke.
    fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, DbError>) -> Result<T, DbError> {
        let poisoned = |_| DbError("a database connection was poisoned by a panic".into());
        let mut slot: MutexGuard<'_, Option<Conn>> = match self.pool.iter().find_map(|c| c.try_lock().ok()) {
            Some(slot) => slot,
            None => {
                let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len().max(1);
                self.pool.get(turn).ok_or_else(|| DbError("no connection".into()))?.lock().map_err(poisoned)?
            }
        };
        if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
            *slot = Some(Conn { client: connect(&self.config)?, statements: HashMap::new() });
        }
        let conn = slot.as_mut().ok_or_else(|| DbError("no connection".into()))?;
        f(conn)
    }

    /// Runs one prepared query.
    fn query(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<postgres::Row>, DbError> {
        self.with(|c| {
            let statement = prepared(&mut c.client, &mut c.statements, sql)?;
            Ok(c.client.query(&statement, params)?)
        })
    }
}

/// A record's lock: `$1` organisation, `$2` module, `$3` record id.
const SELECT_LOCK: &str = "SELECT record_id, lock_id, state, created_time, created_by FROM recordlock.locks
     WHERE org = $1 AND module = $2 AND record_id = $3";

fn lock_row(r: &postgres::Row) -> LockRow {
    LockRow { record_id: r.get(0), lock_id: r.get(1), state: r.get(2), created_time: r.get(3), created_by: r.get(4) }
}

impl Backend for Postgres {
    fn shared(&self) -> bool {
        true
    }

    fn insert_token(&self, hash: &str, p: &Principal, now: &str) -> Result<(), DbError> {
        self.query(
            "INSERT INTO recordlock.tokens (hash, org, user_id, profile_id, lock_permission, unlock_permission, scopes, created_time)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&hash, &p.org, &p.user_id, &p.profile_id, &p.lock_permission, &p.unlock_permission, &scopes_text(p), &now],
        )?;
        Ok(())
    }

    fn principal(&self, hash: &str) -> Result<Option<Principal>, DbError> {
        let rows = self.query(
            "SELECT org, user_id, profile_id, lock_permission, unlock_permission, scopes FROM recordlock.tokens WHERE hash = $1",
            &[&hash],
        )?;
        Ok(rows.first().map(|r| Principal {
            org: r.get(0),
            user_id: r.get(1),
            profile_id: r.get(2),
            lock_permission: r.get(3),
            unlock_permission: r.get(4),
            scopes: scopes_of(r.get(5)),
        }))
    }

    fn organisations(&self) -> Result<Vec<String>, DbError> {
        let rows = self
            .query("SELECT org FROM recordlock.orgs UNION SELECT org FROM recordlock.configurations ORDER BY 1", &[])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn org_snapshot(&self, org: &str) -> Result<OrgSnapshot, DbError> {
        // One statement, one snapshot: the version on every row (and on the one row of an
        // organisation without configurations).
        let rows = self.query(
            "SELECT COALESCE((SELECT version FROM recordlock.orgs WHERE org = $1), 0), c.module, c.version, c.body
             FROM (SELECT 1) AS one
             LEFT JOIN recordlock.configurations c ON c.org = $1
             ORDER BY c.module",
            &[&org],
        )?;
        let version = rows.first().map_or(0, |r| r.get(0));
        let configurations = rows
            .iter()
            .filter_map(|r| {
                let module: Option<String> = r.get(1);
                Some(StoredConfiguration { module: module?, version: r.get(2), body: r.get(3) })
            })
            .collect();
        Ok(OrgSnapshot { version, configurations })
    }

    fn org_version(&self, org: &str) -> Result<i64, DbError> {
        let rows = self.query("SELECT version FROM recordlock.orgs WHERE org = $1", &[&org])?;
        Ok(rows.first().map_or(0, |r| r.get(0)))
    }

    fn lock_with_version(&self, org: &str, module: &str, record_id: &str) -> Result<(i64, Option<LockRow>), DbError> {
        let rows = self.query(
            "SELECT COALESCE((SELECT version FROM recordlock.orgs WHERE org = $1), 0),
                    l.record_id, l.lock_id, l.state, l.created_time, l.created_by
             FROM (SELECT 1) AS one
             LEFT JOIN recordlock.locks l ON l.org = $1 AND l.module = $2 AND l.record_id = $3",
            &[&org, &module, &record_id],
        )?;
        let Some(r) = rows.first() else { return Ok((0, None)) };
        let lock = r.get::<_, Option<String>>(1).map(|record_id| LockRow {
            record_id,
            lock_id: r.get(2),
            state: r.get(3),
            created_time: r.get(4),
            created_by: r.get(5),
        });
        Ok((r.get(0), lock))
    }

    fn lock(&self, org: &str, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
        Ok(self.query(SELECT_LOCK, &[&org, &module, &record_id])?.first().map(lock_row))
    }

    /// One query, the ids bound as one array parameter.
    fn lock_states(&self, org: &str, module: &str, record_ids: &[String]) -> Result<HashMap<String, String>, DbError> {
        let rows = self.query(
            "SELECT record_id, state FROM recordlock.locks WHERE org = $1 AND module = $2 AND record_id = ANY($3)",
            &[&org, &module, &record_ids],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn reserve_ids(&self, count: u64) -> Result<u64, DbError> {
        let (first, count) = reservation_params(count)?;
        let rows = self.query(
            "INSERT INTO recordlock.counters (name, value) VALUES ('next_id', $1::BIGINT + $2::BIGINT)
             ON CONFLICT (name) DO UPDATE SET value = GREATEST(recordlock.counters.value, $1::BIGINT) + $2::BIGINT
             RETURNING value",
            &[&first, &count],
        )?;
        let end: i64 = rows.first().map(|r| r.get(0)).ok_or_else(|| DbError("no id reserved".into()))?;
        u64::try_from(end - count).map_err(|_| DbError("the id counter is negative".into()))
    }

    fn write_org(&self, org: &str, expected: i64, bump: bool, step: &mut WriteStep<'_>) -> Result<i64, WriteError> {
        self.with(|conn| {
            let Conn { client, statements } = conn;
            let mut tx = client.transaction()?;
            // The organisation's row, locked until the commit: created at version 0 first
            // if it is new (two processes creating it at once: one insert wins, both lock).
            let insert = prepared(
                &mut tx,
                statements,
                "INSERT INTO recordlock.orgs (org, version) VALUES ($1, 0) ON CONFLICT (org) DO NOTHING",
            )?;
            let select =
                prepared(&mut tx, statements, "SELECT version FROM recordlock.orgs WHERE org = $1 FOR UPDATE")?;
            let version: i64 = match tx.query_opt(&select, &[&org])? {
                Some(row) => row.get(0),
                None => {
                    tx.execute(&insert, &[&org])?;
                    tx.query_one(&select, &[&org])?.get(0)
                }
            };
            if version != expected {
                return Ok(Err(WriteError::Stale));
            }
            let version = if bump { version + 1 } else { version };
            if let Err(e) = step(&mut PgTx { tx: &mut tx, statements, org, version }) {
                return Ok(Err(WriteError::Db(e)));
            }
            if bump {
                let update = prepared(&mut tx, statements, "UPDATE recordlock.orgs SET version = $2 WHERE org = $1")?;
                tx.execute(&update, &[&org, &version])?;
            }
            tx.commit()?;
            Ok(Ok(version))
        })?
    }

    fn ping(&self) -> Result<(), DbError> {
        self.query("SELECT 1", &[]).map(|_| ())
    }
}

/// A write transaction of one organisation.
struct PgTx<'a, 'c> {
    tx: &'a mut postgres::Transaction<'c>,
    statements: &'a mut HashMap<&'static str, Statement>,
    org: &'a str,
    /// The organisation's version once this transaction commits.
    version: i64,
}

impl PgTx<'_, '_> {
    fn run(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<postgres::Row>, DbError> {
        let statement = prepared(self.tx, self.statements, sql)?;
        Ok(self.tx.query(&statement, params)?)
    }
}

impl OrgTx for PgTx<'_, '_> {
    fn lock(&mut self, module: &str, record_id: &str) -> Result<Option<LockRow>, DbError> {
        let org = self.org;
        Ok(self.run(SELECT_LOCK, &[&org, &module, &record_id])?.first().map(lock_row))
    }

    fn put_lock(&mut self, module: &str, row: &LockRow, rule_id: Option<&str>) -> Result<(), DbError> {
        let org = self.org;
        self.run(
            "INSERT INTO recordlock.locks (org, module, record_id, lock_id, rule_id, state, created_time, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (org, module, record_id) DO UPDATE SET
               lock_id = excluded.lock_id, rule_id = excluded.rule_id, state = excluded.state,
               created_time = excluded.created_time, created_by = excluded.created_by",
            &[&org, &module, &row.record_id, &row.lock_id, &rule_id, &row.state, &row.created_time, &row.created_by],
        )?;
        Ok(())
    }

    /// One statement: the rows as arrays, unnested.
    fn add_locks(&mut self, module: &str, locks: &[(LockRow, Option<String>)]) -> Result<(), DbError> {
        let org = self.org;
        let column = |f: fn(&LockRow) -> &String| locks.iter().map(|(r, _)| f(r).as_str()).collect::<Vec<_>>();
        let (records, lock_ids) = (column(|r| &r.record_id), column(|r| &r.lock_id));
        let (states, times) = (column(|r| &r.state), column(|r| &r.created_time));
        let rules: Vec<Option<&str>> = locks.iter().map(|(_, rule)| rule.as_deref()).collect();
        let by: Vec<Option<&str>> = locks.iter().map(|(r, _)| r.created_by.as_deref()).collect();
        self.run(
            "INSERT INTO recordlock.locks (org, module, record_id, lock_id, rule_id, state, created_time, created_by)
             SELECT $1, $2, * FROM unnest($3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[])
             ON CONFLICT (org, module, record_id) DO NOTHING",
            &[&org, &module, &records, &lock_ids, &rules, &states, &times, &by],
        )?;
        Ok(())
    }

    fn delete_lock(&mut self, module: &str, record_id: &str) -> Result<(), DbError> {
        let org = self.org;
        self.run(
            "DELETE FROM recordlock.locks WHERE org = $1 AND module = $2 AND record_id = $3",
            &[&org, &module, &record_id],
        )?;
        Ok(())
    }

    fn put_configuration(&mut self, module: &str, config: Option<(&str, &str)>) -> Result<(), DbError> {
        let (org, version) = (self.org, self.version);
        match config {
            Some((id, body)) => self.run(
                "INSERT INTO recordlock.configurations (org, module, id, body, version) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (org, module) DO UPDATE SET id = excluded.id, body = excluded.body, version = excluded.version",
                &[&org, &module, &id, &body, &version],
            )?,
            None => {
                self.run("DELETE FROM recordlock.configurations WHERE org = $1 AND module = $2", &[&org, &module])?
            }
        };
        Ok(())
    }

    fn release_rule_locks(&mut self, module: &str, rule_ids: &[String]) -> Result<(), DbError> {
        let org = self.org;
        self.run(
            "DELETE FROM recordlock.locks WHERE org = $1 AND module = $2 AND rule_id = ANY($3)",
            &[&org, &module, &rule_ids],
        )?;
        Ok(())
    }

    fn release_module_locks(&mut self, module: &str) -> Result<(), DbError> {
        let org = self.org;
        self.run("DELETE FROM recordlock.locks WHERE org = $1 AND module = $2", &[&org, &module])?;
        Ok(())
    }

    fn release_automatic_locks(&mut self, module: &str) -> Result<(), DbError> {
        let org = self.org;
        self.run(
            "DELETE FROM recordlock.locks WHERE org = $1 AND module = $2 AND rule_id IS NOT NULL",
            &[&org, &module],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(without_password("postgres://app:s3cret@db:5432/crm"), "postgres://app:***@db:5432/crm");
        assert_eq!(without_password("postgresql://app@db/crm"), "postgresql://app@db/crm");
        assert_eq!(without_password("postgresql:///crm?host=/run/pg"), "postgresql:///crm?host=/run/pg");
    }
}
