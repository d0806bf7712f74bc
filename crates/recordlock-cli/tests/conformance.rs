//! The conformance suites (Zoho's and ours), through the `recordlock` binary and its
//! command-line contract (CONTRACT.md).
#![expect(clippy::unwrap_used, reason = "a test helper that cannot do its job should fail the test")]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use recordlock_tests::{Engine, Output, Suite};
use serde_json::Value as Json;

struct CliEngine {
    binary: PathBuf,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A scratch directory of this test process.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("recordlock-conformance-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl CliEngine {
    fn run(&self, suite: &Suite, command: &str, extra: &[&str], stdin: &str) -> Output {
        let scratch = Scratch::new();
        let config = scratch.write("config.json", &suite.config_text());
        let mut args: Vec<String> = vec![command.to_owned()];
        if command == "validate" {
            args.push(config);
        } else {
            args.extend(["--config".to_owned(), config]);
        }
        args.extend(["--module".to_owned(), suite.module().to_owned()]);
        if let Some(schema) = suite.json.get("schema") {
            args.extend(["--schema".to_owned(), scratch.write("schema.json", &schema.to_string())]);
        }
        if let Some(tz) = suite.json.get("tz").and_then(Json::as_str)
            && command != "validate"
        {
            args.extend(["--tz".to_owned(), tz.to_owned()]);
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let mut child = Command::new(&self.binary)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let text = stdin.to_owned();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(text.as_bytes());
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| Json::String(l.to_owned())))
            .collect();
        Output { status: out.status.code().unwrap_or(-1), lines }
    }
}

impl Engine for CliEngine {
    fn validate(&self, suite: &Suite) -> Output {
        self.run(suite, "validate", &[], "")
    }

    fn decide(&self, suite: &Suite, requests: &[String]) -> Output {
        self.run(suite, "decide", &["-"], &(requests.join("\n") + "\n"))
    }

    fn sweep(&self, suite: &Suite, records: &[String], all_rules: bool) -> Output {
        let mut extra = vec![];
        if all_rules {
            extra.push("--all-rules");
        }
        extra.push("-");
        self.run(suite, "sweep", &extra, &(records.join("\n") + "\n"))
    }
}

#[test]
fn conformance_suites_pass_through_the_binary() {
    let engine = CliEngine { binary: PathBuf::from(env!("CARGO_BIN_EXE_recordlock")) };
    let passed = recordlock_tests::run_all(&engine);
    assert_eq!(passed, recordlock_tests::EXPECTED_CHECKS);
}

#[test]
fn usage_errors_exit_2_and_invalid_configurations_exit_1() {
    let bin = env!("CARGO_BIN_EXE_recordlock");
    let status = |args: &[&str]| Command::new(bin).args(args).output().unwrap().status.code();
    assert_eq!(status(&["validate", "/no/such/file.json", "--module", "Deals"]), Some(2));
    assert_eq!(status(&["frobnicate"]), Some(2));
    let scratch = Scratch::new();
    let bad = scratch.write("bad.json", r#"{"record_locking_configurations": [{"locking_rules": []}]}"#);
    assert_eq!(status(&["validate", &bad, "--module", "Deals"]), Some(1));
    assert_eq!(status(&["sweep", "--config", &bad, "--module", "Deals", "/dev/null"]), Some(1));
}
