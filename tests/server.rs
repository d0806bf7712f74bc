//! Finding the PostgreSQL server tests run against.
//!
//! `.ci/run` starts a throwaway cluster and exports `PGHOST` (its socket directory), `PGUSER`,
//! `PGDATABASE` and `DATABASE_URL`. Tests that need a server call [`conninfo`]: with neither
//! `DATABASE_URL` nor `PGHOST` set they FAIL when `CI` is set (CI must have a server) and
//! otherwise skip with a loud message on stderr.

/// The connection string of the test server (`DATABASE_URL`, or a key=value string from
/// `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`), or `None` (after saying so) to skip `test`.
///
/// # Panics
/// When no server is configured and `CI` is set to anything but `0` or `false`.
#[expect(clippy::panic, reason = "a test that needs a server fails under CI without one")]
pub fn conninfo(test: &str) -> Option<String> {
    if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        return Some(url);
    }
    if let Some(host) = std::env::var("PGHOST").ok().filter(|h| !h.is_empty()) {
        let mut parts = vec![format!("host={host}")];
        for (var, key) in [("PGPORT", "port"), ("PGUSER", "user"), ("PGDATABASE", "dbname")] {
            if let Some(v) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
                parts.push(format!("{key}={v}"));
            }
        }
        if !parts.iter().any(|p| p.starts_with("user=")) {
            parts.push("user=postgres".to_owned());
        }
        return Some(parts.join(" "));
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if ci {
        panic!(
            "{test}: CI is set but no PostgreSQL server is configured (set DATABASE_URL or PGHOST; .ci/run starts one)"
        );
    }
    // Written to the process's stderr directly: the test harness captures `eprintln!`.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!! SKIPPED {test}: no PostgreSQL server (set DATABASE_URL or PGHOST; `.ci/run` starts one). \
         Under CI=1 this test fails instead. !!!!!!!!\n"
    );
    None
}

/// A new, empty database on the test server, as a `postgresql://` URL (what `--store`
/// takes), or `None` to skip `test` (see [`conninfo`]). Its name carries the process id and
/// a counter; it is left behind for inspection (the CI cluster is thrown away).
///
/// # Panics
/// When the server refuses to create the database.
#[expect(clippy::panic, reason = "a test helper: a server that refuses is a failed test")]
pub fn fresh_database(test: &str) -> Option<String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let conninfo = conninfo(test)?;
    let name = format!("recordlock_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let mut client = postgres::Client::connect(&conninfo, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{test}: cannot connect to {conninfo}: {e}"));
    // A database name cannot be a bind parameter; this one is made of [a-z0-9_] here.
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("{test}: cannot create database {name}: {e}"));
    Some(url_with_database(&conninfo, &name))
}

/// `conninfo` (a URL or `key=value` pairs) as a `postgresql://` URL naming `database`.
pub fn url_with_database(conninfo: &str, database: &str) -> String {
    if let Some(rest) = conninfo.strip_prefix("postgresql://").or_else(|| conninfo.strip_prefix("postgres://")) {
        let (authority, query) = match rest.split_once('/') {
            Some((authority, tail)) => (authority, tail.split_once('?').map(|(_, q)| q)),
            None => (rest.split_once('?').map_or(rest, |(a, _)| a), rest.split_once('?').map(|(_, q)| q)),
        };
        return match query {
            Some(q) => format!("postgresql://{authority}/{database}?{q}"),
            None => format!("postgresql://{authority}/{database}"),
        };
    }
    let mut host = String::new();
    let mut port = String::new();
    let mut user = String::new();
    for pair in conninfo.split_whitespace() {
        match pair.split_once('=') {
            Some(("host", v)) => host = v.replace('/', "%2F"),
            Some(("port", v)) => port = format!(":{v}"),
            Some(("user", v)) => user = format!("{v}@"),
            _ => {}
        }
    }
    format!("postgresql://{user}{host}{port}/{database}")
}
