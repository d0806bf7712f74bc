//! Prefix, suffix and equality tests with ASCII text, answered on a value's bytes without
//! folding it, wherever the part of the value the test looks at is ASCII: ASCII's Unicode
//! lowercase is its ASCII lowercase, one byte a character, whatever surrounds it. Anything
//! else is left to folding (`None`).

use recordlock::criteria::typed::{SubstringKind, TextTest};

/// A text test answered on bytes where it can be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AsciiTest<'t> {
    /// Starts with the needle (folded, so lowercase).
    Prefix(&'t [u8], Option<ShortPrefix>),
    /// Ends with the needle.
    Suffix(&'t [u8]),
    /// Equals the text.
    Equal(&'t [u8]),
}

/// The top bit of each byte of a word: set in a byte that is not ASCII.
pub(crate) const NON_ASCII: u64 = 0x8080_8080_8080_8080;

/// A needle of one to eight bytes as one word: a value's first eight bytes are compared at
/// once, letters with their case bit set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShortPrefix {
    /// The needle's bytes in a word's low bytes (little-endian), zero after.
    needle: u64,
    /// 0xFF on the needle's bytes.
    keep: u64,
    /// 0x20 (the ASCII case bit) on the needle's letters.
    case: u64,
    /// The needle's length in bytes, 1..=8.
    len: i32,
}

impl ShortPrefix {
    pub(crate) fn new(needle: &[u8]) -> Option<ShortPrefix> {
        if needle.is_empty() || needle.len() > 8 || !needle.is_ascii() {
            return None;
        }
        let mut word = [0u8; 8];
        let mut keep = [0u8; 8];
        let mut case = [0u8; 8];
        for (((w, k), c), b) in word.iter_mut().zip(&mut keep).zip(&mut case).zip(needle) {
            *w = b.to_ascii_lowercase();
            *k = 0xFF;
            *c = if b.is_ascii_alphabetic() { 0x20 } else { 0 };
        }
        Some(ShortPrefix {
            needle: u64::from_le_bytes(word),
            keep: u64::from_le_bytes(keep),
            case: u64::from_le_bytes(case),
            len: needle.len() as i32,
        })
    }

    /// The needle's length in bytes (1 to 8).
    #[inline(always)]
    pub(crate) fn needle_len(self) -> i32 {
        self.len
    }

    /// A value's first eight bytes (little-endian) cut to the needle's length: what
    /// [`ShortPrefix::matches`] tests, and non-ASCII exactly when some byte has its top
    /// bit (then only folding can decide).
    #[inline(always)]
    pub(crate) fn masked(self, head: u64) -> u64 {
        head & self.keep
    }

    /// Whether masked bytes ([`ShortPrefix::masked`]) are the needle, ignoring ASCII case:
    /// a byte with its case bit set equals a lowercase letter only if it is that letter in
    /// either case; other bytes of the needle must be equal. Never true of non-ASCII bytes
    /// (the needle is ASCII).
    #[inline(always)]
    pub(crate) fn matches(self, masked: u64) -> bool {
        masked | self.case == self.needle
    }

    /// As [`ShortPrefix::holds`], branch-free: (the answer, whether the bytes decide it).
    /// A match is as likely as not, so a branch on it would be mispredicted half the time;
    /// undecided values (non-ASCII bytes where the needle is) are rare.
    #[inline(always)]
    pub(crate) fn answer(self, head: [u8; 8]) -> (bool, bool) {
        let x = self.masked(u64::from_le_bytes(head));
        let equal = self.matches(x);
        (equal, equal | (x & NON_ASCII == 0))
    }

    /// The answer on a value of at least eight bytes, `None` when folding must decide.
    #[inline(always)]
    pub(crate) fn holds(self, head: [u8; 8]) -> Option<bool> {
        let (answer, decided) = self.answer(head);
        decided.then_some(answer)
    }
}

impl<'t> AsciiTest<'t> {
    /// The byte test for `t`, when `t` is one with ASCII text.
    pub(crate) fn new(t: &'t TextTest) -> Option<AsciiTest<'t>> {
        let quick = match t {
            TextTest::Substring(sub) if sub.kind == SubstringKind::StartsWith => {
                AsciiTest::Prefix(sub.needle.as_bytes(), ShortPrefix::new(sub.needle.as_bytes()))
            }
            TextTest::Substring(sub) if sub.kind == SubstringKind::EndsWith => AsciiTest::Suffix(sub.needle.as_bytes()),
            TextTest::Equal(k) => AsciiTest::Equal(k.as_bytes()),
            _ => return None,
        };
        let (AsciiTest::Prefix(n, _) | AsciiTest::Suffix(n) | AsciiTest::Equal(n)) = quick;
        n.is_ascii().then_some(quick)
    }

    /// The answer on a non-empty value's bytes, or `None` when folding must decide.
    #[inline(always)]
    pub(crate) fn holds(self, b: &[u8]) -> Option<bool> {
        match self {
            AsciiTest::Prefix(n, short) => match (short, b.first_chunk::<8>()) {
                (Some(short), Some(head)) => short.holds(*head),
                _ => match b.get(..n.len()) {
                    // Equal to ASCII text: ASCII.
                    Some(head) if head.eq_ignore_ascii_case(n) => Some(true),
                    Some(head) if head.is_ascii() => Some(false),
                    // Shorter than the needle: only if folding cannot lengthen it.
                    None if b.is_ascii() => Some(false),
                    _ => None,
                },
            },
            AsciiTest::Suffix(n) => match b.len().checked_sub(n.len()).and_then(|start| b.get(start..)) {
                Some(tail) if b.is_ascii() => Some(tail.eq_ignore_ascii_case(n)),
                None if b.is_ascii() => Some(false),
                _ => None,
            },
            AsciiTest::Equal(n) => b.is_ascii().then(|| b.eq_ignore_ascii_case(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-wise answer the word must give.
    fn bytewise(needle: &[u8], b: &[u8]) -> Option<bool> {
        AsciiTest::Prefix(needle, None).holds(b)
    }

    #[test]
    fn a_short_prefix_answers_as_the_bytes_do() {
        let needles: [&[u8]; 6] = [b"acme", b"a", b"12-b", b"a.c_", b"abcdefgh", b"z "];
        let values: [&[u8]; 12] = [
            b"ACME corp",
            b"acme",
            b"Acm\xc3\xa9 corp.",
            b"aCmEx yz",
            b"12-B and more",
            b"12-b\xe2\x84\xaa more",
            b"A.C_ etc etc",
            b"A.c- etc etc",
            b"ABCDEFGH",
            b"\xe2\x84\xaaelvin sign",
            b"Z  after",
            b"acm@ corp",
        ];
        for n in needles {
            let short = ShortPrefix::new(n).unwrap();
            let quick = AsciiTest::Prefix(n, Some(short));
            for v in values {
                assert_eq!(
                    quick.holds(v),
                    bytewise(n, v),
                    "{:?} {:?}",
                    String::from_utf8_lossy(n),
                    String::from_utf8_lossy(v)
                );
            }
            // Every byte in place of each of the needle's bytes, and '@'/'`' (one case bit
            // from a letter) in particular.
            for i in 0..n.len() {
                for byte in 0..=u8::MAX {
                    let mut v = n.to_vec();
                    v.extend_from_slice(b" tail tail");
                    v[i] = byte;
                    assert_eq!(quick.holds(&v), bytewise(n, &v), "{:?} byte {byte} at {i}", String::from_utf8_lossy(n));
                }
            }
        }
        assert!(ShortPrefix::new(b"").is_none());
        assert!(ShortPrefix::new(b"longer than 8").is_none());
    }
}
