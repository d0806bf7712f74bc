//! The UTF-8 check done inside the quote pass ([`super::plain::quotes`]).
//!
//! The pass reads every 64-byte block of a record anyway. It tells this check where a block
//! holds bytes of 0x80 or more (the high bit of each byte, a few instructions a block, and
//! none at all for a block of ASCII). Only those bytes need a look: each one must start a
//! well-formed sequence (Unicode's table 3-7, as `std::str::from_utf8` reads it) or belong
//! to the sequence just checked. Compact records in Latin scripts hold a few such bytes
//! (a `ü` in a name), so this costs far less than a separate SIMD pass over the whole
//! record, which the sweep's profile showed reading each line from memory first.

/// Whether the bytes a pass shows are UTF-8, shown block by block in order.
///
/// INVARIANT: `bytes[..done]` is UTF-8, and every byte of 0x80 or more shown so far lies
/// below `done`, or `valid` is false. Blocks are shown in increasing order (the last block
/// of a text may overlap the one before: its bytes below `done` were seen already), so a
/// byte of 0x80 or more at or past `done` begins the next sequence, with only ASCII between
/// `done` and it. Once every byte of a text has been shown, `valid` says whether the text
/// is UTF-8.
pub(super) struct Utf8Check<'a> {
    bytes: &'a [u8],
    /// The end of the last sequence checked.
    done: usize,
    valid: bool,
}

impl<'a> Utf8Check<'a> {
    /// A check of `bytes`, shown nothing yet.
    pub(super) fn new(bytes: &'a [u8]) -> Utf8Check<'a> {
        Utf8Check { bytes, done: 0, valid: true }
    }

    /// Shows the block of `bytes` at `base` whose bytes of 0x80 or more are the set bits of
    /// `high` (bit `i` for the byte at `base + i`).
    #[inline(always)]
    pub(super) fn block(&mut self, base: usize, high: u64) {
        if high != 0 {
            self.sequences(base, high);
        }
    }

    /// Whether every byte shown so far is part of a well-formed sequence.
    pub(super) fn valid(&self) -> bool {
        self.valid
    }

    /// Checks the sequences that start at the set bits of `high` from `base` and were not
    /// checked already (a sequence's continuation bytes, and those of the previous block's
    /// last sequence, are skipped).
    #[inline(never)]
    fn sequences(&mut self, base: usize, mut high: u64) {
        while high != 0 {
            let at = base + high.trailing_zeros() as usize;
            high &= high - 1;
            if at < self.done {
                continue;
            }
            match sequence_len(self.bytes, at) {
                Some(len) => self.done = at + len,
                None => {
                    self.valid = false;
                    // Nothing shown later can make the text UTF-8 again.
                    self.done = usize::MAX;
                    return;
                }
            }
        }
    }
}

/// The length of the well-formed sequence of two to four bytes at `at` (Unicode's table
/// 3-7: no overlong form, no surrogate, nothing past U+10FFFF), or `None`. Bytes past the
/// end are missing, so a sequence cut short is not well-formed.
#[inline(always)]
fn sequence_len(bytes: &[u8], at: usize) -> Option<usize> {
    let within = |i: usize, low: u8, high: u8| bytes.get(at + i).is_some_and(|&b| (low..=high).contains(&b));
    let tail = |from: usize, to: usize| (from..to).all(|i| within(i, 0x80, 0xBF));
    let (second_low, second_high, len) = match *bytes.get(at)? {
        0xC2..=0xDF => (0x80, 0xBF, 2),
        0xE0 => (0xA0, 0xBF, 3),
        0xE1..=0xEC | 0xEE..=0xEF => (0x80, 0xBF, 3),
        0xED => (0x80, 0x9F, 3),
        0xF0 => (0x90, 0xBF, 4),
        0xF1..=0xF3 => (0x80, 0xBF, 4),
        0xF4 => (0x80, 0x8F, 4),
        _ => return None,
    };
    (within(1, second_low, second_high) && tail(2, len)).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check's verdict on `bytes`, shown in blocks as the pass shows them: whole blocks,
    /// then the last 64 bytes (overlapping) or, for a short text, the text itself.
    fn verdict(bytes: &[u8]) -> bool {
        let high =
            |from: usize, to: usize| (from..to).filter(|&i| bytes[i] >= 0x80).map(|i| 1u64 << (i - from)).sum::<u64>();
        let mut check = Utf8Check::new(bytes);
        let whole = bytes.len() / 64 * 64;
        for base in (0..whole).step_by(64) {
            check.block(base, high(base, base + 64));
        }
        if whole < bytes.len() {
            let base = bytes.len().saturating_sub(64);
            check.block(base, high(base, bytes.len()));
        }
        check.valid()
    }

    /// Every pair of bytes, every lead of three bytes with every second byte, every lead of
    /// four with the edge values of the continuation ranges after it, and then every edge
    /// value after those: at positions around block boundaries and at the end of the text,
    /// after ASCII and right after a two-byte character. The verdict is std's.
    #[test]
    fn verdicts_are_std_verdicts() {
        let edges = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF];
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        for a in 0x80..=0xFFu8 {
            let seconds: Vec<u8> = if a >= 0xF0 { edges.to_vec() } else { (0..=0xFF).collect() };
            for &b in &seconds {
                pieces.push(vec![a, b]);
                if a >= 0xE0 {
                    for &c in &edges {
                        pieces.push(vec![a, b, c]);
                        if a >= 0xF0 {
                            pieces.extend(edges.iter().map(|&d| vec![a, b, c, d]));
                        }
                    }
                }
            }
        }
        let mut tried = 0;
        for piece in &pieces {
            for (len, at) in [(10, 3), (70, 62), (70, 63), (128, 64), (131, 127), (64, 60)] {
                let mut text = vec![b'x'; len];
                text.splice(at..at + piece.len(), piece.iter().copied());
                let mut after_two = text.clone();
                after_two.splice(at - 2..at, "é".bytes());
                for text in [&text[..], &text[..at + piece.len()], &after_two[..]] {
                    assert_eq!(verdict(text), std::str::from_utf8(text).is_ok(), "{text:x?}");
                    tried += 1;
                }
            }
        }
        assert!(tried > 2_000_000, "{tried}");
    }
}
