//! A child process that is killed when its guard drops: a test that panics (or returns
//! early) leaves no `recordlock serve` running behind it.

use std::ops::{Deref, DerefMut};
use std::process::Child;

/// Owns a spawned child; dropping it kills the child (if it still runs) and reaps it.
/// It derefs to the [`Child`], so a test uses it as one (`id`, `stdout`, `kill`, `wait`).
///
/// ```
/// use std::process::Command;
/// use recordlock_tests::child::KillOnDrop;
///
/// let child = KillOnDrop::new(Command::new("sleep").arg("30").spawn().unwrap());
/// let pid = child.id();
/// drop(child);
/// assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
/// ```
#[derive(Debug)]
pub struct KillOnDrop(Child);

impl KillOnDrop {
    /// Guards `child`.
    pub fn new(child: Child) -> KillOnDrop {
        KillOnDrop(child)
    }
}

impl Deref for KillOnDrop {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Already exited and reaped: `kill` fails and `wait` returns the stored status.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn running(pid: u32) -> bool {
        // A reaped child has no /proc entry; a zombie would still show `Z`.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
    }

    #[test]
    fn a_panicking_test_leaves_no_child_running() {
        let mut pid = 0;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let child = KillOnDrop::new(Command::new("sleep").arg("30").spawn().unwrap());
            pid = child.id();
            assert!(running(pid));
            panic!("the test fails while its server runs");
        }));
        assert!(outcome.is_err());
        assert!(pid != 0 && !running(pid), "the child {pid} outlived the panic");
    }

    #[test]
    fn a_child_waited_for_is_dropped_quietly() {
        let mut child = KillOnDrop::new(Command::new("true").spawn().unwrap());
        assert!(child.wait().unwrap().success());
        drop(child);
    }
}
