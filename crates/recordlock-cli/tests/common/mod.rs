//! What the CLI's integration tests share: the example configuration, the binary run with
//! arguments and standard input, and scratch files.
#![allow(dead_code, reason = "each test binary uses some of the helpers")]
#![allow(clippy::unwrap_used, reason = "helpers of tests fail by panicking")]

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The README's Deals configuration.
pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deals.json");

/// Runs the `recordlock` binary with `args`, `stdin` on its standard input.
pub fn run(args: &[impl AsRef<OsStr>], stdin: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_recordlock"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_ref()).unwrap();
    child.wait_with_output().unwrap()
}

/// The JSON lines the binary printed on its standard output.
pub fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// This test process's scratch directory (under the system's temporary directory), created.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("recordlock-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to a new file of [`scratch_dir`] whose name ends in `name`; its path. Each
/// call has a file of its own: the tests of one process run in parallel and share the directory.
pub fn temp_file(name: &str, bytes: impl AsRef<[u8]>) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = scratch_dir().join(format!("{n}-{name}"));
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}
