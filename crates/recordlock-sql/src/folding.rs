//! Does the server lowercase as recordlock does? Where it does not, fail closed.
//!
//! SPEC.md §2 folds text with Rust's `str::to_lowercase`; the SQL uses `lower()` under the
//! ICU collation "und-x-icu". Both follow Unicode's case mappings, but of their own Unicode
//! versions: Debian 12's ICU 72 (Unicode 15) does not know the capital letters Unicode 16 and
//! 17 added (U+1C89, U+A7CB..., Garay, Beria Erfe: 55 code points with Rust 1.95), so it
//! leaves them as they are where Rust lowers them. [`Folding::probe`] asks the server to lower
//! every code point Rust lowers (about 1,450, one round trip); each one lowered differently
//! goes into [`Folding::differing`], and a record whose text in a field a text test reads
//! holds one of them cannot be evaluated (fail closed) rather than be compared differently.
//! A server whose ICU is newer than Rust's Unicode could lower code points Rust leaves alone;
//! the probe cannot see those, so the README requires an ICU no newer than Rust's Unicode
//! (the server tests check every code point).

use crate::builder::Builder;
use crate::param::Param;
use crate::predicate::FOLD_COLLATION;
use crate::sweep::Statement;
use recordlock::criteria::fold;

/// The code points the server lowercases unlike Rust.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folding {
    /// Sorted.
    pub differing: Vec<char>,
}

impl Folding {
    /// Every character Rust's lowercase changes, as one-character strings.
    pub fn rust_lowered() -> Vec<String> {
        (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| c != '\0')
            .map(|c| c.to_string())
            .filter(|s| fold(s) != *s)
            .collect()
    }

    /// The probe: `SELECT c, lower(c)` over [`Folding::rust_lowered`].
    pub fn probe() -> Statement {
        let mut b = Builder::default();
        let list = b.bind(Param::TextArray(Folding::rust_lowered()));
        let text = format!("SELECT c, lower(c COLLATE \"{FOLD_COLLATION}\") FROM unnest({list}) AS c");
        Statement { text, params: b.into_params() }
    }

    /// The folding the probe's rows (`c`, the server's `lower(c)`) show.
    pub fn from_probe(rows: impl IntoIterator<Item = (String, String)>) -> Folding {
        let mut differing: Vec<char> =
            rows.into_iter().filter(|(c, lowered)| fold(c) != *lowered).filter_map(|(c, _)| c.chars().next()).collect();
        differing.sort_unstable();
        differing.dedup();
        Folding { differing }
    }

    /// A regular expression matching any differing character (`[\u1c89...]`), or `None`.
    pub(crate) fn pattern(&self) -> Option<String> {
        if self.differing.is_empty() {
            return None;
        }
        let class: String = self.differing.iter().map(|c| format!("\\U{:08x}", u32::from(*c))).collect();
        Some(format!("[{class}]"))
    }
}
