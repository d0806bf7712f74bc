//! Issue 15, items 1–3: how the process behaves when its output fails and when asked for
//! absurd resources. Never a panic (exit 101): a closed pipe ends a run quietly, any other
//! write error is exit 2 naming the stream, and a failed stdout stops the readers and the
//! workers instead of working through the rest of the input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deals.json");
const LOCKED: &str = "{\"id\":\"1\",\"Stage\":\"Closed Won\"}\n";

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_recordlock"));
    c.args(args);
    c
}

fn temp_file(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("recordlock-process-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// `/dev/full`: every write fails with "No space left on device".
fn full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

/// Waits for the child, killing it and failing the test if it has not exited after a
/// minute: a liveness bound (the run must end at all), not a timing assertion.
fn wait_or_kill(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{what} did not stop after its output failed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_full_stdout_is_exit_2_naming_stdout() {
    let bad = temp_file("bad.json", r#"{"record_locking_configurations": [{"lock_type": "sometimes"}]}"#);
    let good = temp_file("good.jsonl", LOCKED);
    let cases: [&[&str]; 4] = [
        &["validate", &bad, "--module", "Deals"],
        &["validate", EXAMPLE, "--module", "Deals"],
        &["sweep", "--all-rules", "--config", EXAMPLE, "--module", "Deals", &good],
        &["gen", "--module", "Deals", "--count", "10"],
    ];
    for args in cases {
        let out = command(args).stdout(full()).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("recordlock: cannot write to stdout: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_stderr_is_exit_2_without_a_panic() {
    let good = temp_file("good-stderr.jsonl", LOCKED);
    let cases: [(&[&str], i32); 4] = [
        // The summary line after a good sweep.
        (&["sweep", "--all-rules", "--config", EXAMPLE, "--module", "Deals", &good], 2),
        // Usage errors: clap's, and ours.
        (&["sweep", "--no-such-flag"], 2),
        (&["sweep", "--config", EXAMPLE, "--module", "Deals", "--threads", "0", &good], 2),
        // `--help` printed fine to stdout.
        (&["--help"], 0),
    ];
    for (args, code) in cases {
        let out = command(args).stdout(Stdio::null()).stderr(full()).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
    }
    let out = command(&["--help"]).stdout(full()).stderr(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "help on a full stdout");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let bad = temp_file("bad-pipe.json", r#"{"record_locking_configurations": [{"lock_type": "sometimes"}]}"#);
    for (args, code) in
        [(["validate", bad.as_str(), "--module", "Deals"], 1), (["validate", EXAMPLE, "--module", "Deals"], 0)]
    {
        let mut child = command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("cannot write") && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `yes RECORD | recordlock sweep - | head -1` must end: the first failed write stops the
/// readers and the workers. The same for `diff`.
#[test]
fn sweep_and_diff_stop_when_stdout_closes() {
    let cases: [&[&str]; 2] = [
        &["sweep", "--all-rules", "--config", EXAMPLE, "--module", "Deals", "-"],
        &["diff", "--old", "/dev/null", "--new", EXAMPLE, "--module", "Deals", "-"],
    ];
    let empty = temp_file("manual.json", r#"{"record_locking_configurations": [{"lock_type": "manual"}]}"#);
    for args in cases {
        let args: Vec<&str> = args.iter().map(|a| if *a == "/dev/null" { empty.as_str() } else { a }).collect();
        let mut child =
            command(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            let block = LOCKED.repeat(1024);
            // An endless input, until the reader goes away.
            while stdin.write_all(block.as_bytes()).is_ok() {}
        });
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(first.contains("\"id\":\"1\""), "{args:?}: {first}");
        // The reader (`head -1`) is gone now.
        let status = wait_or_kill(&mut child, args[0]);
        feeder.join().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: a closed pipe ends quietly");
    }
}

/// Issue 15 item 3: thousands of threads took seconds to start before any record was read.
#[test]
fn threads_are_bounded() {
    let good = temp_file("good-threads.jsonl", LOCKED);
    for n in ["0", "3000", "1000000"] {
        let out =
            command(&["sweep", "--config", EXAMPLE, "--module", "Deals", "--threads", n, &good]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--threads {n}: {stderr}");
        assert!(stderr.contains(&format!("--threads {n}: give 1 to ")), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = command(&["sweep", "--all-rules", "--config", EXAMPLE, "--module", "Deals", "--threads", "2", &good])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), 1);
}
