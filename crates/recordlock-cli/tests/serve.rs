//! `recordlock serve` and `recordlock token` as a user runs them: the real binary, a real
//! SQLite file, killed with SIGKILL mid-stream and stopped with SIGTERM mid-request; and two
//! servers on one PostgreSQL database serving one tenant set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use recordlock_tests::child::KillOnDrop;
use serde_json::{Value as Json, json};

const BIN: &str = env!("CARGO_BIN_EXE_recordlock");
const SCOPES: &str = "ZohoCRM.settings.record_locking_configurations.ALL,ZohoCRM.modules.lockinginformation.ALL,ZohoCRM.settings.fields.READ";

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("recordlock-serve-{name}-{}", std::process::id()));
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

/// Mints a token of organisation `acme` in `store` (a SQLite path or a PostgreSQL URL).
fn mint(store: &str) -> String {
    let out = Command::new(BIN)
        .args(["token", "--store", store, "--org", "acme", "--user", "100", "--profile", "300"])
        .args(["--lock-permission", "--unlock-permission", "--scopes", SCOPES])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("1000.") && token.len() == 69, "{token}");
    token
}

/// Starts the server; returns the child (killed when dropped, so a failing test leaves no
/// server running) and its address (read from its first stdout line).
fn start(store: &str) -> (KillOnDrop, SocketAddr) {
    start_with(store, &[])
}

/// [`start`] with more arguments to `serve`.
fn start_with(store: &str, more: &[&str]) -> (KillOnDrop, SocketAddr) {
    let mut child = KillOnDrop::new(
        Command::new(BIN)
            .args(["serve", "--store", store, "--listen", "127.0.0.1:0"])
            .args(more)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("first line: {line:?}"));
    (child, addr.parse().unwrap())
}

/// One HTTP/1.1 request on its own connection: (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, token: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Zoho-oauthtoken {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text.get(9..12).and_then(|c| c.parse().ok()).ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

/// A small xorshift generator, seeded from the clock (the seed is printed).
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

const CONFIGS: &str = "/crm/v8/settings/record_locking_configurations?module=Deals";

fn restricted(delete: bool) -> Json {
    if delete { json!(["update", "delete"]) } else { json!(["update"]) }
}

/// What the writer saw acknowledged, and what it had in flight when the server died.
#[derive(Default)]
struct Acked {
    locks: Vec<(String, String)>,
    unlocked: Vec<String>,
    restricted_delete: bool,
    in_flight_restricted: Option<bool>,
}

/// Every acknowledged write survives `kill -9` at a random moment; nothing is half-applied:
/// the database passes SQLite's integrity check, the server starts (every stored
/// configuration validates), and the configuration is the last acknowledged version or the
/// one in flight.
#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = TempDir::new("crash");
    let db = dir.0.join("state.db");
    let token = mint(db.to_str().unwrap());
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let (child, addr) = start(db.to_str().unwrap());
    let body = json!({"record_locking_configurations": [{"lock_type": "both", "restricted_actions": ["update"],
        "locking_rules": [{"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
    let (status, created) = http(addr, "POST", CONFIGS, &token, Some(&body.to_string())).unwrap();
    assert_eq!(status, 201, "{created}");
    let config_id =
        serde_json::from_str::<Json>(&created).unwrap()["record_locking_configurations"][0]["details"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut acked = Acked::default();
    let mut child = Some(child);
    let mut addr = addr;
    let mut total = 0;
    for round in 0..4 {
        let kill_after = Duration::from_millis(150 + rng.next(400));
        let mut server = child.take().unwrap();
        let token2 = token.clone();
        let config_id2 = config_id.clone();
        let mut state = std::mem::take(&mut acked);
        let writer = std::thread::spawn(move || {
            for i in 0.. {
                let result = if i % 5 == 4 {
                    let want = !state.restricted_delete;
                    state.in_flight_restricted = Some(want);
                    let update = json!({"record_locking_configurations": [{"restricted_actions": restricted(want)}]});
                    let path = format!("/crm/v8/settings/record_locking_configurations/{config_id2}?module=Deals");
                    http(addr, "PUT", &path, &token2, Some(&update.to_string())).map(|(s, b)| {
                        assert_eq!(s, 200, "{b}");
                        state.restricted_delete = want;
                        state.in_flight_restricted = None;
                    })
                } else if i % 7 == 6 && !state.locks.is_empty() {
                    let (record, lock_id) = state.locks.remove(0);
                    let path = format!("/crm/v8/Deals/{record}/Locking_Information__s/{lock_id}");
                    match http(addr, "DELETE", &path, &token2, None) {
                        Ok((s, b)) => {
                            assert_eq!(s, 200, "{b}");
                            state.unlocked.push(record);
                            Ok(())
                        }
                        // The server died with the unlock in flight: its outcome is unknown, so
                        // the lock is checked neither way.
                        Err(e) => Err(e),
                    }
                } else {
                    let record = format!("{round}{i:06}");
                    let path = format!("/crm/v8/Deals/{record}/Locking_Information__s");
                    let lock = json!({"data": [{"Locked_Reason__s": format!("reason {record}")}]});
                    http(addr, "POST", &path, &token2, Some(&lock.to_string())).map(|(s, b)| {
                        assert_eq!(s, 201, "{b}");
                        let id = serde_json::from_str::<Json>(&b).unwrap()["data"][0]["details"]["id"]
                            .as_str()
                            .unwrap()
                            .to_owned();
                        state.locks.push((record, id));
                    })
                };
                if result.is_err() {
                    return (state, i);
                }
            }
            unreachable!()
        });
        std::thread::sleep(kill_after);
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        let (state, writes) = writer.join().unwrap();
        total += writes;
        acked = state;

        // Nothing half-applied on disk.
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        drop(conn);

        let (next, next_addr) = start(db.to_str().unwrap());
        addr = next_addr;
        for (record, lock_id) in &acked.locks {
            let path = format!("/crm/v8/Deals/{record}/Locking_Information__s/{lock_id}");
            let (s, b) = http(addr, "GET", &path, &token, None).unwrap();
            assert_eq!(s, 200, "acknowledged lock of {record} lost (seed {seed}): {b}");
            assert_eq!(
                serde_json::from_str::<Json>(&b).unwrap()["data"][0]["Locked_Reason__s"],
                format!("reason {record}")
            );
        }
        for record in &acked.unlocked {
            let path = format!("/crm/v8/Deals/{record}/Locking_Information__s?fields=Lock_Source__s");
            let (s, _) = http(addr, "GET", &path, &token, None).unwrap();
            assert_eq!(s, 204, "acknowledged unlock of {record} lost (seed {seed})");
        }
        let (s, b) = http(addr, "GET", CONFIGS, &token, None).unwrap();
        assert_eq!(s, 200);
        let stored =
            serde_json::from_str::<Json>(&b).unwrap()["record_locking_configurations"][0]["restricted_actions"].clone();
        let allowed = [Some(acked.restricted_delete), acked.in_flight_restricted];
        assert!(
            allowed.iter().flatten().any(|d| restricted(*d) == stored),
            "configuration is neither the acknowledged nor the in-flight version (seed {seed}): {stored}"
        );
        // What the server now holds is the baseline for the next round.
        acked.restricted_delete = stored == restricted(true);
        acked.in_flight_restricted = None;
        child = Some(next);
    }
    eprintln!("{total} writes over 4 kills, {} locks checked", acked.locks.len());
    assert!(total >= 4, "the writer got writes in before the kills ({total})");
    let mut last = child.take().unwrap();
    last.kill().unwrap();
    last.wait().unwrap();
}

/// `--workers N` sets the serving threads: 0 or more than 4 a core is a usage error named
/// before anything starts; one worker serves single and JSON Lines decides.
#[test]
fn workers_sets_the_serving_threads() {
    let dir = TempDir::new("workers");
    let db = dir.0.join("state.db");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for bad in ["0".to_owned(), (4 * cores + 1).to_string()] {
        let out =
            Command::new(BIN).args(["serve", "--store", db.to_str().unwrap(), "--workers", &bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--workers {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("--workers {bad}: give 1 to {}", 4 * cores)), "{err}");
    }
    let token = mint(db.to_str().unwrap());
    let (child, addr) = start_with(db.to_str().unwrap(), &["--workers", "1"]);
    let threads = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let body = json!({"record_locking_configurations": [{"lock_type": "manual"}]});
    assert_eq!(http(addr, "POST", CONFIGS, &token, Some(&body.to_string())).unwrap().0, 201);
    let line = r#"{"record": {"id": "1"}, "actor": {"id": "u"}, "operation": {"action": "delete"}}"#;
    let (status, answer) = http(addr, "POST", "/recordlock/v1/decide?module=Deals", &token, Some(line)).unwrap();
    assert_eq!((status, answer.as_str()), (200, r#"{"decision":"allowed"}"#));
    let lines = format!("{line}\n").repeat(2500);
    let (status, answers) = http(addr, "POST", "/recordlock/v1/decide?module=Deals", &token, Some(&lines)).unwrap();
    assert_eq!(status, 200);
    assert_eq!(answers.matches(r#"{"decision":"allowed"}"#).count(), 2500, "every line of the body");
    if let Some(n) = threads.lines().find_map(|l| l.strip_prefix("Threads:")) {
        // The main thread, one worker, rayon's one thread, and tokio's blocking pool (idle
        // until a body or a write needs it): never a worker a core on a machine of more.
        assert!(n.trim().parse::<usize>().unwrap() <= 4, "threads at start: {n}");
    }
}

/// SIGTERM lets the request in flight finish, then the server exits 0.
#[test]
fn sigterm_finishes_requests_in_flight() {
    let dir = TempDir::new("term");
    let db = dir.0.join("state.db");
    let token = mint(db.to_str().unwrap());
    let (mut child, addr) = start(db.to_str().unwrap());
    let body = json!({"record_locking_configurations": [{"lock_type": "manual"}]});
    assert_eq!(http(addr, "POST", CONFIGS, &token, Some(&body.to_string())).unwrap().0, 201);
    let line = r#"{"record": {"id": "1"}, "lock": null, "actor": {"id": "u", "lock_permission": true}, "operation": {"action": "lock", "reason": "r"}}"#;
    let lines = 200_000;
    let mut requests = String::with_capacity(lines * (line.len() + 1));
    for _ in 0..lines {
        requests.push_str(line);
        requests.push('\n');
    }
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST /recordlock/v1/decide?module=Deals HTTP/1.1\r\nHost: x\r\nAuthorization: Zoho-oauthtoken {token}\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        requests.len()
    )
    .unwrap();
    s.write_all(requests.as_bytes()).unwrap();
    // The response's head arrives once the handler streams its answers: the request is
    // then surely in flight when SIGTERM comes.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "the response's head");
        head.push(byte[0]);
    }
    let started = Instant::now();
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let mut text = String::from_utf8(head).unwrap();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{}", text.get(..200).unwrap_or(&text));
    let answered = text.matches("{\"decision\":\"allowed\"}").count();
    assert_eq!(answered, lines, "every line answered before shutdown");
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    eprintln!("shut down {:?} after SIGTERM", started.elapsed());
}

/// Two `recordlock serve` processes on one PostgreSQL database serve one tenant set: what
/// one writes, the other reads and decides on at once; a lock taken through one is refused
/// through the other (also when both are asked at the same moment); ids never collide.
#[test]
fn two_servers_share_one_postgres_database() {
    let Some(url) = recordlock_tests::server::fresh_database("two_servers_share_one_postgres_database") else {
        return;
    };
    let token = mint(&url);
    let (mut a, addr_a) = start(&url);
    let (mut b, addr_b) = start(&url);
    let call = |addr, method, path: &str, body: Option<Json>| {
        let (status, text) = http(addr, method, path, &token, body.map(|b| b.to_string()).as_deref()).unwrap();
        (status, serde_json::from_str::<Json>(&text).unwrap_or(Json::Null))
    };
    let decide_action = |addr, record: Json, action: &str| {
        let request = json!({"record": record, "actor": {"id": "7", "profile": {"id": "301"}},
            "operation": {"action": action, "fields": ["Amount"]}});
        call(addr, "POST", "/recordlock/v1/decide?module=Deals", Some(request))
    };
    let decide = |addr, record: Json| decide_action(addr, record, "update");

    // Nothing configured yet, as both see it.
    assert_eq!(decide(addr_b, json!({"id": "9", "Stage": "Closed Won"})).0, 400);
    let config = json!({"record_locking_configurations": [{"lock_type": "both", "restricted_actions": ["update", "delete"],
        "locking_rules": [{"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
    let (status, created) = call(addr_a, "POST", CONFIGS, Some(config.clone()));
    assert_eq!(status, 201, "{created}");
    let id = created["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();

    // Written through A: read, decided on and refused a second time through B.
    let (status, got) = call(addr_b, "GET", CONFIGS, None);
    assert_eq!((status, got["record_locking_configurations"][0]["id"].as_str()), (200, Some(id.as_str())));
    assert_eq!(decide(addr_b, json!({"id": "9", "Stage": "Closed Won"})).1["decision"], "blocked");
    let (status, again) = call(addr_b, "POST", CONFIGS, Some(config.clone()));
    assert_eq!((status, &again["record_locking_configurations"][0]["code"]), (400, &json!("LIMIT_EXCEEDED")));

    // A record saved through B is locked; A decides with the stored lock.
    let (status, saved) = call(
        addr_b,
        "POST",
        "/recordlock/v1/records/saved?module=Deals",
        Some(json!({"id": "7", "Stage": "Closed Won"})),
    );
    assert_eq!((status, &saved["change"]), (200, &json!("locked")), "{saved}");
    assert_eq!(decide(addr_a, json!({"id": "7"})).1["decision"], "blocked");

    // A manual lock through A is refused through B; its id is new to both.
    let reason = json!({"data": [{"Locked_Reason__s": "audit"}]});
    let (status, locked) = call(addr_a, "POST", "/crm/v8/Deals/42/Locking_Information__s", Some(reason.clone()));
    assert_eq!(status, 201, "{locked}");
    let (status, refused) = call(addr_b, "POST", "/crm/v8/Deals/42/Locking_Information__s", Some(reason.clone()));
    assert_eq!((status, &refused["code"]), (403, &json!("NOT_ALLOWED")), "{refused}");
    let lock_ids = [saved["lock"]["id"].as_str().unwrap(), locked["data"][0]["details"]["id"].as_str().unwrap()];
    assert!(lock_ids[0] != lock_ids[1] && lock_ids.iter().all(|l| *l != id));

    // Both asked to lock the same records at the same moment: exactly one of each pair wins.
    for record in 100..112 {
        let path = format!("/crm/v8/Deals/{record}/Locking_Information__s");
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let (call, path, reason) = (&call, &path, &reason);
            let racers: Vec<_> =
                [addr_a, addr_b].map(|addr| s.spawn(move || call(addr, "POST", path, Some(reason.clone())).0)).into();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [201, 403], "record {record}: {statuses:?}");
    }

    // B edits the configuration; A serves the edit. A deletes it; B has none, and its locks
    // are gone.
    assert_eq!(decide_action(addr_a, json!({"id": "9", "Stage": "Closed Won"}), "delete").1["decision"], "blocked");
    let edit = json!({"record_locking_configurations": [{"restricted_actions": ["update"]}]});
    let (status, _) =
        call(addr_b, "PUT", &format!("/crm/v8/settings/record_locking_configurations/{id}?module=Deals"), Some(edit));
    assert_eq!(status, 200);
    assert_eq!(
        call(addr_a, "GET", CONFIGS, None).1["record_locking_configurations"][0]["restricted_actions"],
        json!(["update"])
    );
    let (_, deleting) = decide_action(addr_a, json!({"id": "9", "Stage": "Closed Won"}), "delete");
    assert_eq!(deleting["decision"], "allowed", "delete is no longer restricted: {deleting}");
    let (status, _) =
        call(addr_a, "DELETE", &format!("/crm/v8/settings/record_locking_configurations/{id}?module=Deals"), None);
    assert_eq!(status, 200);
    assert_eq!(http(addr_b, "GET", CONFIGS, &token, None).unwrap().0, 204);
    let (status, none) = decide(addr_b, json!({"id": "7"}));
    assert_eq!((status, &none["code"]), (400, &json!("NOT_ALLOWED")));
    let (status, created) = call(addr_b, "POST", CONFIGS, Some(config));
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        decide(addr_a, json!({"id": "7"})).1["decision"],
        "allowed",
        "the deleted configuration's locks were released"
    );

    for child in [&mut a, &mut b] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
