//! An in-process server on a fresh store (a SQLite file, or a new PostgreSQL database), and
//! a client that speaks to it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    reason = "tests"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use recordlock_server::db::Location;
use recordlock_server::tokens::{Principal, Scope};
use recordlock_server::{ServeOptions, bind, mint_token};
use serde_json::Value as Json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ALL_SCOPES: &str = "ZohoCRM.settings.record_locking_configurations.ALL,ZohoCRM.modules.lockinginformation.ALL,ZohoCRM.settings.fields.READ";

/// A directory of its own under the system's temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "recordlock-server-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `f` on a thread of its own: the PostgreSQL client blocks on a runtime of its own,
/// which cannot start inside the test's.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// A back end to test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A new database on the PostgreSQL server of `recordlock_tests::server`.
    Postgres,
}

/// A fresh, empty store.
pub struct TestStore {
    pub location: Location,
    _dir: Option<TempDir>,
}

impl TestStore {
    /// A new store of `kind`; `None` when PostgreSQL is wanted and there is none (the test
    /// skips loudly, or fails under `CI=1`).
    pub fn new(kind: Kind, test: &str) -> Option<TestStore> {
        match kind {
            Kind::Sqlite => {
                let dir = TempDir::new();
                Some(TestStore { location: Location::Sqlite(dir.0.join("state.db")), _dir: Some(dir) })
            }
            Kind::Postgres => {
                let url = off_runtime(|| recordlock_tests::server::fresh_database(test))?;
                Some(TestStore { location: Location::Postgres(url), _dir: None })
            }
        }
    }

    /// Makes the database refuse (or again accept) updates of stored configurations, with a
    /// trigger: a write the database refuses.
    pub fn refuse_configuration_updates(&self, refuse: bool) {
        match &self.location {
            Location::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch(if refuse {
                    "CREATE TRIGGER no_writes BEFORE UPDATE ON configurations BEGIN SELECT RAISE(ABORT, 'read-only'); END;"
                } else {
                    "DROP TRIGGER no_writes;"
                })
                .unwrap();
            }
            Location::Postgres(url) => off_runtime(|| {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                client
                    .batch_execute(if refuse {
                        "CREATE FUNCTION recordlock.refuse() RETURNS trigger LANGUAGE plpgsql AS
                           $$ BEGIN RAISE EXCEPTION 'read-only'; END $$;
                         CREATE TRIGGER no_writes BEFORE UPDATE ON recordlock.configurations
                           FOR EACH ROW EXECUTE FUNCTION recordlock.refuse();"
                    } else {
                        "DROP TRIGGER no_writes ON recordlock.configurations; DROP FUNCTION recordlock.refuse();"
                    })
                    .unwrap();
            }),
        }
    }
}

/// A running server.
pub struct Server {
    pub base: String,
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start(store: &Location) -> Server {
        let (stop, stopped) = oneshot::channel::<()>();
        let opts = ServeOptions {
            store: store.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            request_timeout: Duration::from_secs(2),
        };
        let (addr, serving) = bind(opts, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
        let task = tokio::spawn(serving);
        Server { base: format!("http://{addr}"), addr, stop: Some(stop), task: Some(task) }
    }

    /// Graceful shutdown: waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }
}

/// Mints a token in `store`.
pub fn token(store: &Location, org: &str, user: &str, profile: &str, lock: bool, unlock: bool, scopes: &str) -> String {
    let principal = Principal {
        org: org.into(),
        user_id: user.into(),
        profile_id: profile.into(),
        lock_permission: lock,
        unlock_permission: unlock,
        scopes: scopes.split(',').map(|s| Scope::parse(s).unwrap()).collect(),
    };
    off_runtime(|| mint_token(store, &principal).unwrap())
}

/// A response: status, content type and body (JSON when it parses, else a string).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts a Zoho JSON answer with this status, returns its body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Json {
        assert_eq!(self.status, status, "body: {}", self.text);
        if status == 204 {
            assert!(self.text.is_empty());
            return Json::Null;
        }
        assert_eq!(self.content_type.as_deref(), Some("application/json"), "body: {}", self.text);
        self.json()
    }

    /// Asserts a Zoho error with this status and code at the top level, returns it.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> Json {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "body: {body}");
        assert_eq!(body["status"], "error");
        body
    }

    /// Asserts a Zoho error with this status and code as the item of `wrapper`.
    #[track_caller]
    pub fn item_error(&self, status: u16, wrapper: &str, code: &str) -> Json {
        let body = self.expect(status);
        let item = &body[wrapper][0];
        assert_eq!(item["code"], code, "body: {body}");
        assert_eq!(item["status"], "error");
        item.clone()
    }
}

/// A client holding one token (or none).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(server: &Server, token: Option<&str>) -> Client {
        Client { base: server.base.clone(), token: token.map(str::to_owned), http: reqwest::Client::new() }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<String>, content_type: Option<&str>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Zoho-oauthtoken {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let text = res.text().await.unwrap();
        Reply { status, content_type, text }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, None).await
    }

    /// POST/PUT a JSON body without a Content-Type header, as Zoho's SDK does.
    pub async fn post(&self, path: &str, body: &Json) -> Reply {
        self.send("POST", path, Some(body.to_string()), None).await
    }

    pub async fn put(&self, path: &str, body: &Json) -> Reply {
        self.send("PUT", path, Some(body.to_string()), None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, None).await
    }
}

pub const CONFIGS: &str = "/crm/v8/settings/record_locking_configurations";

/// `lock_type: both`, one rule `Won` (Stage = Closed Won, lock_existing_records), delete restricted.
pub fn both_config() -> Json {
    serde_json::json!({"record_locking_configurations": [{
        "lock_type": "both",
        "restricted_actions": ["delete"],
        "excluded_fields": [{"api_name": "Description"}],
        "locking_rules": [{"name": "Won", "lock_existing_records": true, "criteria":
            {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]})
}
