//! The server's state: the database, and for each organisation a configuration [`Store`]
//! whose changes are journalled to the database before readers see them.
//!
//! Organisations are isolated by construction: each has its own `Store` (so its own
//! policies), and every lock query carries the organisation of the request's token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use recordlock::Policy;
use recordlock::criteria::{Error, ErrorCode, JsonPath};
use recordlock::store::{Change, IdSource, Journal, Release, Store, SystemClock};

use crate::db::{self, Db, DbError};
use crate::tokens::Principal;

/// Ids for configurations, rules and locks: one counter for the whole server, so an id is
/// never reused across organisations or restarts (its floor is stored with every write).
#[derive(Debug)]
pub struct Ids(AtomicU64);

/// Where ids start in a new database: 19 digits, like Zoho's.
const FIRST_ID: u64 = 5_843_104_000_000_000_001;

impl Ids {
    /// Ids from `floor`, or from 5843104000000000001 in a new database.
    pub fn starting_at(floor: u64) -> Ids {
        Ids(AtomicU64::new(floor.max(FIRST_ID)))
    }

    /// A new id.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }

    /// The next id to be handed out: every id handed out so far is below it.
    pub fn floor(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct SharedIds(Arc<Ids>);

impl IdSource for SharedIds {
    fn next_id(&self) -> String {
        self.0.next().to_string()
    }
}

/// Writes a store's changes to the database: the configuration body, the locks the change
/// releases and the id floor, in one durable transaction.
struct DbJournal {
    org: String,
    db: Arc<Db>,
    ids: Arc<Ids>,
}

impl Journal for DbJournal {
    fn commit(&self, module: &str, policy: Option<&Policy>, change: &Change) -> Result<(), Error> {
        let body = policy.map(|p| (p.config().id.clone().unwrap_or_default(), p.config().to_body().to_string()));
        self.db
            .write(|tx| {
                db::put_configuration(tx, &self.org, module, body.as_ref().map(|(id, b)| (id.as_str(), b.as_str())))?;
                match &change.release {
                    Release::Nothing => {}
                    Release::RuleLocks(rules) => db::release_rule_locks(tx, &self.org, module, rules)?,
                    Release::AllLocks => db::release_module_locks(tx, &self.org, module)?,
                }
                db::raise_id_floor(tx, self.ids.floor())
            })
            .map_err(|e| Error::new(ErrorCode::InternalError, &JsonPath::root(), e.to_string()))
    }
}

/// One organisation: its configurations, and the lock that serialises its writes.
pub struct Org {
    /// The organisation's id.
    pub name: String,
    /// Its configurations and compiled policies.
    pub store: Store,
    writes: Mutex<()>,
}

impl std::fmt::Debug for Org {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Org").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Org {
    /// Holds the organisation's write lock: configuration changes and lock changes of one
    /// organisation happen one at a time, so a lock is never written beside a
    /// configuration that was just deleted.
    pub fn writing(&self) -> Result<MutexGuard<'_, ()>, DbError> {
        self.writes.lock().map_err(|_| DbError("an organisation's write lock was poisoned".into()))
    }
}

/// Everything a request handler reaches.
#[derive(Debug)]
pub struct App {
    /// The database.
    pub db: Arc<Db>,
    /// The id counter.
    pub ids: Arc<Ids>,
    orgs: RwLock<HashMap<String, Arc<Org>>>,
    /// Principals of tokens already seen, by token hash. Tokens are never changed once
    /// minted, and only valid ones are kept, so the map is as small as the token table.
    principals: RwLock<HashMap<String, Arc<Principal>>>,
}

impl App {
    /// Opens the state kept in `db`: every stored configuration is validated and compiled
    /// again (an invalid one stops the start, naming it).
    pub fn load(db: Db) -> Result<App, DbError> {
        let db = Arc::new(db);
        let ids = Arc::new(Ids::starting_at(db.id_floor()?));
        let app = App {
            db: Arc::clone(&db),
            ids,
            orgs: RwLock::new(HashMap::new()),
            principals: RwLock::new(HashMap::new()),
        };
        for (org, module, body) in db.configurations()? {
            let json: serde_json::Value = serde_json::from_str(&body)
                .map_err(|e| DbError(format!("stored configuration of {org}/{module} is not JSON: {e}")))?;
            app.org(&org)?.store.load(&module, &json).map_err(|e| {
                DbError(format!("stored configuration of {org}/{module} does not load: {}", e.message()))
            })?;
        }
        Ok(app)
    }

    /// The principal of a token hash, from memory or the database (tokens minted while the
    /// server runs are found there).
    pub fn principal(&self, hash: &str) -> Result<Option<Arc<Principal>>, DbError> {
        if let Some(p) = self.principals.read().ok().and_then(|m| m.get(hash).cloned()) {
            return Ok(Some(p));
        }
        let Some(p) = self.db.principal(hash)? else { return Ok(None) };
        let p = Arc::new(p);
        if let Ok(mut m) = self.principals.write() {
            m.insert(hash.to_owned(), Arc::clone(&p));
        }
        Ok(Some(p))
    }

    /// The organisation `name` (created empty on first use).
    pub fn org(&self, name: &str) -> Result<Arc<Org>, DbError> {
        let poisoned = || DbError("the organisation table was poisoned".into());
        if let Some(org) = self.orgs.read().map_err(|_| poisoned())?.get(name) {
            return Ok(Arc::clone(org));
        }
        let mut orgs = self.orgs.write().map_err(|_| poisoned())?;
        let org = orgs.entry(name.to_owned()).or_insert_with(|| {
            let journal = DbJournal { org: name.to_owned(), db: Arc::clone(&self.db), ids: Arc::clone(&self.ids) };
            let store = Store::new(Box::new(SystemClock), Box::new(SharedIds(Arc::clone(&self.ids))))
                .with_journal(Box::new(journal));
            Arc::new(Org { name: name.to_owned(), store, writes: Mutex::new(()) })
        });
        Ok(Arc::clone(org))
    }
}
