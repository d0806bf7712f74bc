//! The server's state: the database, and for each organisation a configuration [`Store`]
//! whose changes are journalled to the database before readers see them.
//!
//! Organisations are isolated by construction: each has its own `Store` (so its own
//! policies), and every database write is opened for one organisation ([`crate::db::OrgTx`]).
//!
//! The policies in memory are a cache of the database, kept current by the organisation's
//! *version* (bumped by every configuration change, whichever process makes it):
//! - a write runs against the version its policies were loaded at; if another process
//!   changed the organisation since, the database refuses it ([`WriteError::Stale`]), the
//!   organisation is reloaded and the write tried again ([`App::write`]);
//! - with a shared database (PostgreSQL), a read first checks the version (in the same
//!   query as the record's lock, for a decision) and reloads what changed;
//! - a reload recompiles only the configurations whose stored version changed, and swaps
//!   each module's policy whole (`Store::load`), so a policy is compiled once per
//!   configuration version and readers never see half of one.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use recordlock::criteria::{Error, ErrorCode, JsonPath};
use recordlock::store::{Change, IdSource, Journal, Release, Store, SystemClock};
use recordlock::{LockState, Policy};

use crate::db::{self, Abort, Backend, DbError, LockRow, OrgTx, WriteError, WriteFailure, parse_lock_state};
use crate::error::ApiError;
use crate::lock_cache::{Cached, LockCache};
use crate::tokens::Principal;

/// Ids reserved from the database at a time: a process hands them out from memory.
const ID_RANGE: u64 = 1 << 32;
/// Ids a write may use without asking the database: a range is renewed before any write
/// finds fewer left.
const ID_LOW_WATER: u64 = 1 << 24;

/// Ids for configurations, rules and locks, from a range reserved in the database
/// ([`Backend::reserve_ids`]): never reused, across restarts or processes.
#[derive(Debug, Default)]
pub struct Ids {
    /// `(next, end)` of the reserved range.
    range: Mutex<(u64, u64)>,
}

impl Ids {
    fn range(&self) -> Result<MutexGuard<'_, (u64, u64)>, DbError> {
        self.range.lock().map_err(|_| DbError("the id counter was poisoned".into()))
    }

    /// Makes sure `count` ids (and the low-water margin) are reserved; called before every
    /// write, so [`Ids::next`] never runs out.
    pub fn ensure(&self, db: &dyn Backend, count: u64) -> Result<(), DbError> {
        let mut range = self.range()?;
        let wanted = count.saturating_add(ID_LOW_WATER);
        if range.1.saturating_sub(range.0) < wanted {
            let size = ID_RANGE.max(wanted);
            let first = db.reserve_ids(size)?;
            *range = (first, first.saturating_add(size));
        }
        Ok(())
    }

    /// A new id.
    pub fn next(&self) -> u64 {
        let Ok(mut range) = self.range() else { return 0 };
        let id = range.0;
        if id >= range.1 {
            tracing::error!("the reserved id range ran out before a write renewed it");
        }
        range.0 = id.saturating_add(1);
        id
    }
}

struct SharedIds(Arc<Ids>);

impl IdSource for SharedIds {
    fn next_id(&self) -> String {
        self.0.next().to_string()
    }
}

/// What an organisation's policies were loaded from: the organisation's version, the
/// version of each module's configuration, and whether a write found them out of date.
#[derive(Debug, Default)]
struct Loaded {
    version: AtomicI64,
    modules: Mutex<HashMap<String, i64>>,
    stale: AtomicBool,
}

/// The message of the journal's refusal when the organisation changed underneath.
const STALE: &str = "another process changed the organisation's configurations";

/// Writes a store's changes to the database: the configuration body and the locks the
/// change releases, in one durable transaction that bumps the organisation's version.
struct DbJournal {
    org: String,
    db: Arc<dyn Backend>,
    loaded: Arc<Loaded>,
    locks: Arc<LockCache>,
}

impl Journal for DbJournal {
    fn commit(&self, module: &str, policy: Option<&Policy>, change: &Change) -> Result<(), Error> {
        let body = policy.map(|p| (p.config().id.clone().unwrap_or_default(), p.config().to_body().to_string()));
        let expected = self.loaded.version.load(Ordering::Acquire);
        let written = db::write(&*self.db, &self.org, expected, true, |tx| -> Result<(), Abort<Infallible>> {
            tx.put_configuration(module, body.as_ref().map(|(id, b)| (id.as_str(), b.as_str())))?;
            match &change.release {
                Release::Nothing => {}
                Release::RuleLocks(rules) => tx.release_rule_locks(module, rules)?,
                Release::AllLocks => tx.release_module_locks(module)?,
                Release::AutomaticLocks => tx.release_automatic_locks(module)?,
            }
            Ok(())
        });
        // A configuration change may release locks: cached ones are read again.
        self.locks.invalidate();
        let internal = |message: String| Error::new(ErrorCode::InternalError, &JsonPath::root(), message);
        match written {
            Ok(((), version)) => {
                if let Ok(mut modules) = self.loaded.modules.lock() {
                    match body {
                        Some(_) => modules.insert(module.to_owned(), version),
                        None => modules.remove(module),
                    };
                }
                self.loaded.version.store(version, Ordering::Release);
                Ok(())
            }
            Err(WriteFailure::Write(WriteError::Stale)) => {
                self.loaded.stale.store(true, Ordering::Release);
                Err(internal(STALE.into()))
            }
            Err(WriteFailure::Write(WriteError::Db(e))) => Err(internal(e.to_string())),
            Err(WriteFailure::Refused(never)) => match never {},
        }
    }
}

/// Whether an engine error is the journal's "changed underneath" refusal (retried, not
/// logged as a failure).
pub fn is_stale(e: &Error) -> bool {
    e.code() == ErrorCode::InternalError && e.message() == STALE
}

/// One organisation: its configurations, and the lock that serialises its writes in this
/// process (the database serialises them across processes).
pub struct Org {
    /// The organisation's id.
    pub name: String,
    /// Its configurations and compiled policies.
    pub store: Store,
    loaded: Arc<Loaded>,
    writes: Mutex<()>,
    /// The stored locks decisions read, when this process is the store's only writer.
    locks: Arc<LockCache>,
}

impl std::fmt::Debug for Org {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Org").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Org {
    fn writing(&self) -> Result<MutexGuard<'_, ()>, ApiError> {
        self.writes.lock().map_err(|_| ApiError::internal_from(&"an organisation's write lock was poisoned"))
    }

    /// The version of the organisation this process's policies were loaded at.
    pub fn version(&self) -> i64 {
        self.loaded.version.load(Ordering::Acquire)
    }

    /// Runs `step` in one durable transaction of this organisation's locks, against the
    /// policies loaded now: if another process changed the configurations since, nothing
    /// is written and [`App::write`] reloads and tries again. The step's own refusal (a
    /// transition the policy does not allow) rolls back and is answered as it is.
    pub fn write_locks<T>(
        &self,
        db: &dyn Backend,
        step: impl FnOnce(&mut dyn OrgTx) -> Result<T, Abort<ApiError>>,
    ) -> Result<T, ApiError> {
        let written = db::write(db, &self.name, self.version(), false, step);
        self.locks.invalidate();
        match written {
            Ok((value, _)) => Ok(value),
            Err(WriteFailure::Refused(e)) => Err(e),
            Err(WriteFailure::Write(WriteError::Stale)) => {
                self.loaded.stale.store(true, Ordering::Release);
                Err(ApiError::internal())
            }
            Err(WriteFailure::Write(WriteError::Db(e))) => Err(ApiError::internal_from(&e)),
        }
    }
}

/// A record's stored lock as [`App::stored_locks`] reads it: `None` for no lock, an error
/// for a stored lock that does not read.
pub type StoredLock = Result<Option<Arc<LockState>>, String>;

/// How many times a write is tried when other processes keep changing its organisation.
const WRITE_ATTEMPTS: usize = 5;

/// Everything a request handler reaches.
#[derive(Debug)]
pub struct App {
    /// The database.
    pub db: Arc<dyn Backend>,
    /// The id counter.
    pub ids: Arc<Ids>,
    orgs: RwLock<HashMap<String, Arc<Org>>>,
    /// Principals of tokens already seen, by token hash. Tokens are never changed once
    /// minted, and only valid ones are kept, so the map is as small as the token table.
    principals: RwLock<HashMap<String, Arc<Principal>>>,
}

impl App {
    /// Opens the state kept in `db`: every stored configuration is validated and compiled
    /// again (an invalid one stops the start, naming it), and a range of ids is reserved.
    pub fn load(db: Arc<dyn Backend>) -> Result<App, DbError> {
        let ids = Arc::new(Ids::default());
        ids.ensure(&*db, 0)?;
        let app = App { db, ids, orgs: RwLock::new(HashMap::new()), principals: RwLock::new(HashMap::new()) };
        for name in app.db.organisations()? {
            let org = app.org(&name)?;
            app.reload(&org)?;
        }
        Ok(app)
    }

    /// The principal of a token hash if it was seen before (no database call).
    pub fn known_principal(&self, hash: &str) -> Option<Arc<Principal>> {
        self.principals.read().ok().and_then(|m| m.get(hash).cloned())
    }

    /// The principal of a token hash, from memory or the database (tokens minted while the
    /// server runs are found there).
    pub fn principal(&self, hash: &str) -> Result<Option<Arc<Principal>>, DbError> {
        if let Some(p) = self.known_principal(hash) {
            return Ok(Some(p));
        }
        let Some(p) = self.db.principal(hash)? else { return Ok(None) };
        let p = Arc::new(p);
        if let Ok(mut m) = self.principals.write() {
            m.insert(hash.to_owned(), Arc::clone(&p));
        }
        Ok(Some(p))
    }

    /// The organisation `name` as this process has it (created empty on first use).
    pub fn org(&self, name: &str) -> Result<Arc<Org>, DbError> {
        let poisoned = || DbError("the organisation table was poisoned".into());
        if let Some(org) = self.orgs.read().map_err(|_| poisoned())?.get(name) {
            return Ok(Arc::clone(org));
        }
        let mut orgs = self.orgs.write().map_err(|_| poisoned())?;
        let org = orgs.entry(name.to_owned()).or_insert_with(|| {
            let loaded = Arc::new(Loaded::default());
            let locks = Arc::new(LockCache::default());
            let journal = DbJournal {
                org: name.to_owned(),
                db: Arc::clone(&self.db),
                loaded: Arc::clone(&loaded),
                locks: Arc::clone(&locks),
            };
            let store = Store::new(Box::new(SystemClock), Box::new(SharedIds(Arc::clone(&self.ids))))
                .with_journal(Box::new(journal));
            Arc::new(Org { name: name.to_owned(), store, loaded, writes: Mutex::new(()), locks })
        });
        Ok(Arc::clone(org))
    }

    /// The organisation `name` with its policies current: with a shared database, its
    /// version is read (one query) and what changed reloaded. Blocks on a shared database.
    pub fn fresh_org(&self, name: &str) -> Result<Arc<Org>, DbError> {
        let org = self.org(name)?;
        if self.db.shared() && self.db.org_version(name)? != org.version() {
            self.reload(&org)?;
        }
        Ok(org)
    }

    /// The organisation `name`, current, and the stored lock of a record: with a shared
    /// database the version is read in the same query as the lock.
    pub fn fresh_org_and_lock(
        &self,
        name: &str,
        module: &str,
        record_id: &str,
    ) -> Result<(Arc<Org>, Option<LockRow>), DbError> {
        let org = self.org(name)?;
        if !self.db.shared() {
            let lock = self.db.lock(name, module, record_id)?;
            return Ok((org, lock));
        }
        let (version, lock) = self.db.lock_with_version(name, module, record_id)?;
        if version == org.version() {
            return Ok((org, lock));
        }
        self.reload(&org)?;
        let lock = self.db.lock(name, module, record_id)?;
        Ok((org, lock))
    }

    /// [`App::fresh_org_and_lock`], the lock read: from memory when this process is the
    /// store's only writer ([`crate::lock_cache`]), else from the database.
    pub fn fresh_org_and_lock_state(
        &self,
        name: &str,
        module: &str,
        record_id: &str,
    ) -> Result<(Arc<Org>, Option<Arc<LockState>>), DbError> {
        let read = |row: Option<LockRow>| row.map(|r| r.lock_state().map(Arc::new)).transpose().map_err(DbError);
        if self.db.shared() {
            let (org, row) = self.fresh_org_and_lock(name, module, record_id)?;
            return Ok((org, read(row)?));
        }
        let org = self.org(name)?;
        let generation = match org.locks.get(module, record_id) {
            Cached::Hit(lock) => return Ok((org, lock)),
            Cached::Miss(generation) => generation,
        };
        let lock = read(self.db.lock(name, module, record_id)?)?;
        org.locks.insert(generation, module, record_id, lock.clone());
        Ok((org, lock))
    }

    /// The stored locks of records `ids` of `org`, in their order (`None`: no lock; an error
    /// for a lock that does not read): from memory when this process is the store's only
    /// writer ([`crate::lock_cache`]), the others in one database read.
    pub fn stored_locks<S: AsRef<str>>(&self, org: &Org, module: &str, ids: &[S]) -> Result<Vec<StoredLock>, DbError> {
        let mut cached: Vec<Option<Option<Arc<LockState>>>> = vec![None; ids.len()];
        let generation = (!self.db.shared()).then(|| org.locks.get_many(module, ids, &mut cached));
        let mut found: Vec<Option<StoredLock>> = cached.into_iter().map(|c| c.map(Ok)).collect();
        let missing: Vec<String> =
            found.iter().zip(ids).filter(|(slot, _)| slot.is_none()).map(|(_, id)| id.as_ref().to_owned()).collect();
        let read =
            if missing.is_empty() { HashMap::new() } else { self.db.lock_states(&org.name, module, &missing)? };
        Ok(found
            .iter_mut()
            .zip(ids)
            .map(|(slot, id)| {
                slot.take().unwrap_or_else(|| {
                    let id = id.as_ref();
                    // An id may be asked for twice (two lines about one record): `get`, not `remove`.
                    let lock = read.get(id).map(|text| parse_lock_state(text).map(Arc::new)).transpose();
                    if let (Ok(lock), Some(g)) = (&lock, generation) {
                        org.locks.insert(g, module, id, lock.clone());
                    }
                    lock
                })
            })
            .collect())
    }

    /// Brings the organisation's policies up to its stored version.
    fn reload(&self, org: &Org) -> Result<(), DbError> {
        let _writing = org.writes.lock().map_err(|_| DbError("an organisation's write lock was poisoned".into()))?;
        self.reload_locked(org)
    }

    /// [`App::reload`] with the organisation's write lock held: recompiles the
    /// configurations whose stored version changed and drops the ones deleted.
    fn reload_locked(&self, org: &Org) -> Result<(), DbError> {
        let snapshot = self.db.org_snapshot(&org.name)?;
        let mut loaded = org.loaded.modules.lock().map_err(|_| DbError("an organisation was poisoned".into()))?;
        for stored in &snapshot.configurations {
            if loaded.get(&stored.module) == Some(&stored.version) {
                continue;
            }
            let what = format!("the stored configuration of {}/{}", org.name, stored.module);
            let json: serde_json::Value =
                serde_json::from_str(&stored.body).map_err(|e| DbError(format!("{what} is not JSON: {e}")))?;
            org.store
                .load(&stored.module, &json)
                .map_err(|e| DbError(format!("{what} does not load: {}", e.message())))?;
            loaded.insert(stored.module.clone(), stored.version);
        }
        let gone: Vec<String> =
            loaded.keys().filter(|m| !snapshot.configurations.iter().any(|c| &c.module == *m)).cloned().collect();
        for module in gone {
            org.store.unload(&module).map_err(|e| DbError(e.message().to_owned()))?;
            loaded.remove(&module);
        }
        org.loaded.version.store(snapshot.version, Ordering::Release);
        org.loaded.stale.store(false, Ordering::Release);
        Ok(())
    }

    /// Runs one write of the organisation `name` (call on a blocking thread): under the
    /// organisation's write lock, with ids reserved, against current policies; when another
    /// process changed the organisation first, it is reloaded and `attempt` runs again.
    pub fn write<T>(&self, name: &str, mut attempt: impl FnMut(&Org) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let org = self.org(name).map_err(|e| ApiError::internal_from(&e))?;
        let _writing = org.writing()?;
        self.ids.ensure(&*self.db, 0).map_err(|e| ApiError::internal_from(&e))?;
        if self.db.shared() && self.db.org_version(name).map_err(|e| ApiError::internal_from(&e))? != org.version() {
            self.reload_locked(&org).map_err(|e| ApiError::internal_from(&e))?;
        }
        for _ in 0..WRITE_ATTEMPTS {
            let out = attempt(&org);
            if !org.loaded.stale.swap(false, Ordering::AcqRel) {
                return out;
            }
            self.reload_locked(&org).map_err(|e| ApiError::internal_from(&e))?;
        }
        Err(ApiError::internal_from(&format!("{STALE} {WRITE_ATTEMPTS} times in a row; giving up")))
    }
}
