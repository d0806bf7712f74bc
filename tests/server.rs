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
