//! The scanner for plain texts: no backslash and no byte below 0x20 anywhere (compact JSON
//! Lines records are like this).
//!
//! In such a text every `"` opens or closes a string and no string holds an escape or a
//! character JSON refuses, so a string is skipped by finding the next `"`; and the only
//! whitespace JSON allows there is the space. [`quotes`] finds out whether a text is plain,
//! where its quotes are and (with [`super::utf8`]) whether it is UTF-8 in one pass, 64 bytes
//! at a time (SSE2 compares and `pmovmskb` through `safe_arch`; a portable version
//! elsewhere), for every text the scanner reads: a string's closing quote is then the
//! next set bit, a few instructions whatever the string's length. What
//! is left is the grammar between strings, walked here with positions held in registers: keys and `:`,
//! values (strings, numbers by JSON's grammar exactly, `true`/`false`/`null`, nested
//! containers up to [`MAX_SKIP_DEPTH`]), `,` and the closing brackets, then nothing but
//! spaces to the end. Anything else answers `None`, and the caller leaves the record to
//! serde_json.

use super::MAX_SKIP_DEPTH;
use super::utf8::Utf8Check;

/// Words of quote bits a text of up to 2 KiB needs: kept on the caller's stack.
pub(super) const INLINE_WORDS: usize = 32;

/// What [`quotes`] found in a text that is UTF-8.
pub(super) struct Quoted<'a> {
    /// The text, checked.
    pub(super) text: &'a str,
    /// Whether it is plain (no backslash, no byte below 0x20).
    pub(super) plain: bool,
}

/// Writes where the quotes of `record` are into `words` (one bit per byte, set where the
/// byte is `"`, 64 bytes a word: `words` has one per 64 bytes, rounded up), and answers
/// whether the record is plain, and for bytes whether they are UTF-8 (`None` if not): one
/// pass, 64 bytes at a time, whose verdicts are taken at the end. Text is UTF-8 already and
/// not checked again. The caller owns `words` (an array on its stack for most texts):
/// returning them by value copied 256 bytes twice a record.
pub(super) fn quotes<'a>(record: Record<'a>, words: &mut [u64]) -> Option<Quoted<'a>> {
    let bytes = match record {
        Record::Text(text) => {
            let plain = pass::<false>(text.as_bytes(), words).is_some_and(|found| found.plain);
            return Some(Quoted { text, plain });
        }
        Record::Bytes(bytes) => bytes,
    };
    let found = match pass::<true>(bytes, words) {
        Some(found) => found,
        // Not reached: the text checked by std, and walked by the scanner that needs no
        // quote words.
        None => return std::str::from_utf8(bytes).ok().map(|text| Quoted { text, plain: false }),
    };
    if !found.utf8 {
        return None;
    }
    debug_assert!(std::str::from_utf8(bytes).is_ok(), "the pass's UTF-8 check passed bytes std refuses");
    // SAFETY: `bytes` are UTF-8. `pass::<true>` answered, so it showed its `Utf8Check` every
    // byte of `bytes`, each block with the high bits of its bytes exactly, and `utf8` is its
    // verdict: true only if every byte of 0x80 or more belongs to a well-formed sequence,
    // the others being ASCII (see `Utf8Check`'s invariant; `verdicts_are_std_verdicts`,
    // `utf8_verdicts_of_the_pass_are_std_verdicts` and the `ingest` fuzz target hold the
    // verdict to std's).
    #[expect(
        unsafe_code,
        reason = "a separate whole-record UTF-8 pass cost 3-7% of the in-place sweep (README, Performance)"
    )]
    let text = unsafe { std::str::from_utf8_unchecked(bytes) };
    Some(Quoted { text, plain: found.plain })
}

/// A record to scan: text (UTF-8 already), or bytes to check.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Record<'a> {
    /// Text: its bytes are not checked again.
    Text(&'a str),
    /// Bytes: checked to be UTF-8 in the quote pass.
    Bytes(&'a [u8]),
}

impl<'a> Record<'a> {
    /// The record's bytes.
    pub(crate) fn bytes(self) -> &'a [u8] {
        match self {
            Record::Text(text) => text.as_bytes(),
            Record::Bytes(bytes) => bytes,
        }
    }
}

/// The verdicts of [`pass`].
struct Found {
    plain: bool,
    /// Whether the bytes are UTF-8 (always true unless the pass checks).
    utf8: bool,
}

/// The quote pass over every byte of `bytes`, a block at a time, writing `words`; checks
/// UTF-8 if `CHECK`. `None` only on paths not reached (`words` of another length).
// INVARIANT: when it answers, every byte of `bytes` was in a block shown to the check.
#[inline(always)]
fn pass<const CHECK: bool>(bytes: &[u8], words: &mut [u64]) -> Option<Found> {
    if words.len() != bytes.len().div_ceil(64) {
        return None;
    }
    let mut words = words.iter_mut();
    let mut pass = QuotePass::new();
    let mut utf8 = Utf8Check::new(bytes);
    let mut blocks = bytes.chunks_exact(64);
    let mut base = 0;
    // Blocks first: `zip` stops at the first iterator's end without taking from the second
    // (`words` has a word for each block, checked above, so it takes them all).
    for (block, word) in (&mut blocks).zip(&mut words) {
        let block = pass.block(block.try_into().ok()?);
        *word = block.quotes;
        if CHECK {
            utf8.block(base, block.high);
        }
        base += 64;
    }
    let rest = blocks.remainder().len();
    if let Some(word) = words.next() {
        *word = match bytes.len().checked_sub(64) {
            // The last 64 bytes, which end with the rest: their bits shifted down to it.
            Some(last) => {
                let block = pass.block(bytes.get(last..)?.try_into().ok()?);
                if CHECK {
                    utf8.block(last, block.high);
                }
                block.quotes >> (64 - rest)
            }
            // A text shorter than a block, padded with spaces: neither a quote nor refused.
            None => {
                let mut padded = [b' '; 64];
                padded.get_mut(..rest)?.copy_from_slice(bytes);
                let block = pass.block(&padded);
                if CHECK {
                    utf8.block(0, block.high);
                }
                block.quotes
            }
        };
    }
    Some(Found { plain: pass.plain(), utf8: utf8.valid() })
}

/// What a block holds, as bits (bit `i` for byte `i`).
struct Block {
    /// Its quotes.
    quotes: u64,
    /// Its bytes of 0x80 or more.
    high: u64,
}

#[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")))]
use PortablePass as QuotePass;
/// The quote pass over a text's blocks: each block's quote bits at once, and whether any
/// block held a backslash or a byte below 0x20, answered after the last.
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
use Sse2Pass as QuotePass;

/// [`QuotePass`] with SSE2 compares, each 16 results gathered into bits by `pmovmskb`
/// (`safe_arch` wraps them without `unsafe` here; SSE2 is part of every x86-64). What the
/// text must not hold is gathered across blocks in two registers: any backslash seen, and
/// the smallest byte seen at each of the 16 positions (a byte below 0x20 anywhere makes
/// one of them so).
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
struct Sse2Pass {
    backslashes: safe_arch::m128i,
    least: safe_arch::m128i,
}

#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
impl Sse2Pass {
    #[inline(always)]
    fn new() -> Sse2Pass {
        Sse2Pass { backslashes: safe_arch::zeroed_m128i(), least: safe_arch::set_splat_i8_m128i(-1) }
    }

    /// The quotes of `block`, and its bytes of 0x80 or more.
    #[inline(always)]
    fn block(&mut self, block: &[u8; 64]) -> Block {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i, move_mask_i8_m128i,
            set_splat_i8_m128i, zeroed_m128i,
        };
        let quote = set_splat_i8_m128i(b'"' as i8);
        let backslash = set_splat_i8_m128i(b'\\' as i8);
        let (lanes, _) = block.as_chunks::<16>();
        let mut quotes = 0u64;
        let mut any_high = zeroed_m128i();
        for (k, lane) in lanes.iter().enumerate() {
            let v = load_unaligned_m128i(lane);
            quotes |= u64::from(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, quote)) as u16) << (16 * k);
            self.backslashes = bitor_m128i(self.backslashes, cmp_eq_mask_i8_m128i(v, backslash));
            self.least = min_u8_m128i(self.least, v);
            any_high = bitor_m128i(any_high, v);
        }
        // The high bits of each byte (`pmovmskb` gathers them directly), only for a block
        // that has any: most blocks of most records are ASCII.
        let mut high = 0u64;
        if move_mask_i8_m128i(any_high) != 0 {
            for (k, lane) in lanes.iter().enumerate() {
                high |= u64::from(move_mask_i8_m128i(load_unaligned_m128i(lane)) as u16) << (16 * k);
            }
        }
        Block { quotes, high }
    }

    /// Whether no block held a backslash or a byte below 0x20.
    #[inline(always)]
    fn plain(&self) -> bool {
        use safe_arch::{cmp_eq_mask_i8_m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i};
        // A byte is below 0x20 when the unsigned minimum with 0x1f is the byte itself.
        let control = cmp_eq_mask_i8_m128i(min_u8_m128i(self.least, set_splat_i8_m128i(0x1f)), self.least);
        move_mask_i8_m128i(self.backslashes) == 0 && move_mask_i8_m128i(control) == 0
    }
}

/// [`QuotePass`] for targets without SSE2, in portable Rust: compares with no early exit
/// (the compiler vectorises them), then each 8 flags of 0x80 gathered into a byte by a
/// multiplication. Tested against the SSE2 version on x86-64.
struct PortablePass {
    refused: bool,
}

#[cfg_attr(
    all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2", not(test)),
    expect(dead_code, reason = "the SSE2 version is used here; this one is for other targets and tests")
)]
impl PortablePass {
    fn new() -> PortablePass {
        PortablePass { refused: false }
    }

    /// The quotes of `block`, and its bytes of 0x80 or more.
    #[inline(always)]
    fn block(&mut self, block: &[u8; 64]) -> Block {
        let bad = block.iter().fold(0u8, |bad, &b| bad | u8::from(b < 0x20) | u8::from(b == b'\\'));
        self.refused |= bad != 0;
        let quotes = gather(&block.map(|b| if b == b'"' { 0x80u8 } else { 0 }));
        Block { quotes, high: gather(&block.map(|b| b & 0x80)) }
    }

    /// Whether no block held a backslash or a byte below 0x20.
    fn plain(&self) -> bool {
        !self.refused
    }
}

/// Bit `i` set where byte `i` of `flags` is 0x80 (each byte 0x80 or 0): each 8 flags
/// gathered into a byte by a multiplication ([`PortablePass`]).
fn gather(flags: &[u8; 64]) -> u64 {
    /// Bit `i` of the product's top byte is the high bit of byte `i` of the word.
    const GATHER: u64 = 0x0002_0408_1020_4081;
    let mut bits = 0u64;
    for (k, word) in flags.chunks_exact(8).enumerate() {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        bits |= (word.wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    bits
}

/// Walks the top-level object of the plain `text`, whose [`quotes`] are `quotes`, as
/// [`super::scan_object`] does.
///
/// The quotes are taken in order from a [`Cursor`]: a string's opening quote must be the next
/// quote, and its closing quote is the one after. So where strings end comes from the quote
/// bits alone (a bit cleared, a `trailing_zeros`), not from positions read before, and the
/// bytes checked between strings only decide branches: the walk does not wait on them.
pub(super) fn object<'a, K>(
    text: &'a str,
    quotes: &[u64],
    wanted: &impl Fn(&[u8]) -> Option<K>,
    member: &mut impl FnMut(K, &'a str, &'a str),
) -> Option<()> {
    let bytes = text.as_bytes();
    let q = &mut Cursor::new(quotes);
    let mut at = spaces(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = spaces(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return (spaces(bytes, at + 1) == bytes.len()).then_some(());
    }
    loop {
        // A key: its opening quote at `at`.
        if q.next()? != at {
            return None;
        }
        let key_start = at + 1;
        let key_end = q.next()?;
        // Compact JSON has the value's first byte right after the colon: both read at once.
        let (value_start, first) = match pair(bytes, key_end + 1) {
            [b':', first] if first != b' ' => (key_end + 2, first),
            _ => {
                let colon = spaces(bytes, key_end + 1);
                if bytes.get(colon) != Some(&b':') {
                    return None;
                }
                let start = spaces(bytes, colon + 1);
                (start, *bytes.get(start)?)
            }
        };
        // Strings first, and objects, numbers and literals without a call: the cursor stays
        // in registers unless a value nests deeper.
        at = match first {
            b'"' => q.string(value_start)?,
            b'0'..=b'9' | b'-' => number(bytes, value_start)?,
            b'{' => container::<true>(bytes, q, value_start, 1)?,
            b'f' => literal(bytes, value_start, b"false")?,
            _ => value(bytes, q, value_start, 1)?,
        };
        if let Some(k) = wanted(bytes.get(key_start..key_end)?) {
            // Quotes and the value's first and last bytes are ASCII: these are boundaries.
            member(k, text.get(key_start..key_end)?, text.get(value_start..at)?);
        }
        // Compact JSON: `,"`, the next key's quote right after the comma.
        if pair(bytes, at) == [b',', b'"'] {
            at += 1;
            continue;
        }
        at = spaces(bytes, at);
        match bytes.get(at) {
            Some(b',') => at = spaces(bytes, at + 1),
            Some(b'}') => return (spaces(bytes, at + 1) == bytes.len()).then_some(()),
            _ => return None,
        }
    }
}

/// The two bytes from `at` (`[0, 0]` past the end: a byte no plain text holds).
#[inline(always)]
fn pair(bytes: &[u8], at: usize) -> [u8; 2] {
    match (bytes.get(at), bytes.get(at + 1)) {
        (Some(&a), Some(&b)) => [a, b],
        _ => [0, 0],
    }
}

/// The position after the spaces from `at`.
#[inline(always)]
fn spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// The quotes of a plain text, taken in order. The walk takes every quote it passes (each
/// opens or closes a string, and the bytes between strings are checked to hold none), so the
/// next quote is always the next string's opening quote or the current one's closing quote.
struct Cursor<'a> {
    quotes: &'a [u64],
    /// The word `bits` came from.
    word: usize,
    /// The quotes of that word not taken yet.
    bits: u64,
}

impl<'a> Cursor<'a> {
    fn new(quotes: &'a [u64]) -> Cursor<'a> {
        Cursor { quotes, word: 0, bits: quotes.first().copied().unwrap_or(0) }
    }

    /// The position of the next quote.
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = *self.quotes.get(self.word)?;
        }
        let at = self.word * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }

    /// The string whose opening quote is at `at` (it must be the next quote): the position
    /// after its closing quote.
    #[inline(always)]
    fn string(&mut self, at: usize) -> Option<usize> {
        if self.next()? != at {
            return None;
        }
        Some(self.next()? + 1)
    }
}

/// Skips the value starting at `at` (`depth` containers deep); the position after it.
#[inline(never)]
fn value(bytes: &[u8], q: &mut Cursor<'_>, at: usize, depth: usize) -> Option<usize> {
    match *bytes.get(at)? {
        b'"' => q.string(at),
        b'0'..=b'9' | b'-' => number(bytes, at),
        b'{' => container::<true>(bytes, q, at, depth),
        b'[' => container::<false>(bytes, q, at, depth),
        b't' => literal(bytes, at, b"true"),
        b'f' => literal(bytes, at, b"false"),
        b'n' => literal(bytes, at, b"null"),
        _ => None,
    }
}

fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let end = at + word.len();
    (bytes.get(at..end)? == word).then_some(end)
}

/// An object (`KEYED`) or array whose opening bracket is at `at`; the position after it.
#[inline(always)]
fn container<const KEYED: bool>(bytes: &[u8], q: &mut Cursor<'_>, at: usize, depth: usize) -> Option<usize> {
    if depth >= MAX_SKIP_DEPTH {
        return None;
    }
    let close = if KEYED { b'}' } else { b']' };
    let mut at = spaces(bytes, at + 1);
    if bytes.get(at) == Some(&close) {
        return Some(at + 1);
    }
    loop {
        if KEYED {
            let key_end = q.string(at)?;
            // As in `object`: compact JSON's `:` and the value's first byte at once.
            at = match pair(bytes, key_end) {
                [b':', first] if first != b' ' => key_end + 1,
                _ => {
                    let colon = spaces(bytes, key_end);
                    if bytes.get(colon) != Some(&b':') {
                        return None;
                    }
                    spaces(bytes, colon + 1)
                }
            };
        }
        at = match bytes.get(at) {
            Some(b'"') => q.string(at)?,
            Some(b'0'..=b'9' | b'-') => number(bytes, at)?,
            _ => value(bytes, q, at, depth + 1)?,
        };
        // Compact JSON: a comma and then no space, or the closing bracket, right after.
        match pair(bytes, at) {
            [b',', next] if next != b' ' => at += 1,
            [b, _] if b == close => return Some(at + 1),
            _ => {
                at = spaces(bytes, at);
                match bytes.get(at) {
                    Some(b',') => at = spaces(bytes, at + 1),
                    Some(&b) if b == close => return Some(at + 1),
                    _ => return None,
                }
            }
        }
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` from `at`; the position after it.
#[inline(always)]
fn number(bytes: &[u8], mut at: usize) -> Option<usize> {
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    match bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at = digits(bytes, at + 1),
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        at = some_digits(bytes, at + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        at = some_digits(bytes, at)?;
    }
    Some(at)
}

/// The position after the digits from `at`: eight bytes at a time while eight remain (a
/// byte `b` is a digit when `b ^ b'0'` is below 10: adding 0x76 to its low seven bits sets
/// its high bit otherwise, without a carry into the next byte), then one at a time.
#[inline(always)]
fn digits(bytes: &[u8], mut at: usize) -> usize {
    const LOW: u64 = u64::MAX / 255 * 0x7f;
    while let Some(word) = bytes.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let x = u64::from_le_bytes(word) ^ (u64::MAX / 255 * u64::from(b'0'));
        let not_digits = ((x & LOW).wrapping_add(u64::MAX / 255 * 0x76) | x) & !LOW;
        if not_digits != 0 {
            return at + not_digits.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    while bytes.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    at
}

#[inline(always)]
fn some_digits(bytes: &[u8], at: usize) -> Option<usize> {
    let end = digits(bytes, at);
    (end > at).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quote words of `bytes` if they are plain, as the scanner gets them.
    fn quote_words(bytes: &[u8]) -> Option<Vec<u64>> {
        let mut words = vec![u64::MAX; bytes.len().div_ceil(64)];
        quotes(Record::Bytes(bytes), &mut words).is_some_and(|q| q.plain).then_some(words)
    }

    /// The quote bits of every length of text (whole blocks, a remainder, none), against a
    /// byte-by-byte count; texts with a backslash or a control character are not plain.
    #[test]
    fn quote_bits_are_exactly_the_quotes() {
        let base = br#"{"id":"1","Deal_Name":"ACME \u00e9 x","n":[1,{"a":"b"}],"s":"caf\xc3\xa9 \"q\""}"#;
        let base: Vec<u8> = base.iter().copied().filter(|&b| b != b'\\').collect();
        // Every length up to ~600 bytes, then around the 2 KiB the quote words hold inline.
        let lengths = (0..=base.len().min(200)).map(|len| len * 3).chain(2040..2120).chain([4096, 5000]);
        for len in lengths {
            let text: Vec<u8> = base.iter().copied().cycle().take(len).collect();
            let quotes = quote_words(&text).unwrap();
            assert_eq!(quotes.len(), text.len().div_ceil(64));
            for (i, &b) in text.iter().enumerate() {
                let bit = quotes[i / 64] >> (i % 64) & 1;
                assert_eq!(bit == 1, b == b'"', "byte {i} of {len}");
            }
            // No bit past the end.
            if let Some(last) = quotes.last() {
                let used = text.len() - (quotes.len() - 1) * 64;
                assert_eq!(last >> used.min(63) >> u32::from(used == 64), 0);
            }
        }
        for bad in [&b"{\"a\": \"x\\ny\"}"[..], b"{\"a\":\t1}", b"{\"a\": \"\x01\"}"] {
            let mut long = vec![b' '; 70];
            long.extend_from_slice(bad);
            assert!(quote_words(bad).is_none() && quote_words(&long).is_none(), "{bad:?}");
        }
    }

    /// The pass's UTF-8 verdict on texts of every length up to 200 bytes holding, at every
    /// position, a character of two, three or four bytes, one cut short, a surrogate or a
    /// byte no UTF-8 holds: std's (the whole blocks, the overlapping last one and the padded
    /// short text are each shown to the check). Release builds have no `debug_assert!`.
    #[test]
    fn utf8_verdicts_of_the_pass_are_std_verdicts() {
        let pieces: [&[u8]; 7] =
            [b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xe2\x82", b"\xed\xa0\x80", b"\xff", b"\x80"];
        for len in 0..=200 {
            for at in 0..len {
                for piece in pieces {
                    let mut text = vec![b'x'; len];
                    let end = (at + piece.len()).min(len);
                    text.splice(at..end, piece.iter().copied());
                    // A piece past the end is cut short there.
                    let text = &text[..len];
                    let mut words = vec![0; text.len().div_ceil(64)];
                    let checked = quotes(Record::Bytes(text), &mut words).map(|q| q.text.as_bytes());
                    assert_eq!(checked, std::str::from_utf8(text).ok().map(str::as_bytes), "{text:x?}");
                }
            }
        }
    }

    /// The SSE2 pass, the portable one and a byte-by-byte count agree on every byte value in
    /// every position of a block, in a few backgrounds, alone and after a plain block (the
    /// verdict is gathered across blocks): on quotes, and on the bytes of 0x80 or more.
    #[test]
    fn block_passes_agree() {
        fn sse2(blocks: &[[u8; 64]]) -> Option<u64> {
            let mut pass = QuotePass::new();
            let bits = blocks.iter().map(|b| pass.block(b).quotes).last();
            if pass.plain() { bits } else { None }
        }
        fn portable(blocks: &[[u8; 64]]) -> Option<u64> {
            let mut pass = PortablePass::new();
            let bits = blocks.iter().map(|b| pass.block(b).quotes).last();
            if pass.plain() { bits } else { None }
        }
        let high = |block: &[u8; 64]| block.iter().enumerate().map(|(i, &b)| u64::from(b >= 0x80) << i).sum::<u64>();
        for background in [b' ', b'a', b'"', b'{', 0xc3] {
            for b in 0..=255u8 {
                for at in 0..64 {
                    let mut block = [background; 64];
                    block[at] = b;
                    for blocks in [vec![block], vec![[b'x'; 64], block], vec![block, [b'x'; 64]]] {
                        let quotes = sse2(&blocks);
                        assert_eq!(quotes, portable(&blocks), "byte {b:#x} at {at} in {background:#x}");
                        let last = blocks.last().unwrap();
                        let bytewise = last.iter().enumerate().map(|(i, &b)| u64::from(b == b'"') << i).sum::<u64>();
                        assert!(quotes.is_none_or(|q| q == bytewise), "byte {b:#x} at {at} in {background:#x}");
                        let refused = b < 0x20 || b == b'\\';
                        assert_eq!(quotes.is_none(), refused, "byte {b:#x} at {at}");
                        assert_eq!(QuotePass::new().block(last).high, high(last), "byte {b:#x} at {at}");
                        assert_eq!(PortablePass::new().block(last).high, high(last), "byte {b:#x} at {at}");
                    }
                }
            }
        }
    }

    /// Generated-looking compact records take this path to the end (a record it gave up on
    /// would still be read, by serde_json, so only this shows the fast path is taken).
    #[test]
    fn compact_records_are_scanned_to_the_end() {
        let records = [
            r#"{"id":"5843104000100000000","Owner":{"id":"58","name":"Gus Nakamura"},"Deal_Name":"Cyberdyne expansion","Amount":7281.08,"Stage":"Closed Won","Probability":70,"Tags":["a","b"],"Locked__s":false,"X":null,"Y":true,"E":-1.5e+3}"#,
            r#" { "id" : 12 , "Émile" : "García" , "e" : {} , "f" : [ ] } "#,
            r#"{}"#,
        ];
        for text in records {
            let quotes = quote_words(text.as_bytes()).unwrap();
            let mut keys = 0;
            let walked = object(text, &quotes, &|_: &[u8]| Some(()), &mut |(), _, _| keys += 1);
            assert_eq!(walked, Some(()), "{text}");
            assert!(keys > 0 || text.len() < 3, "{text}");
        }
    }

    fn walk(text: &str) -> Option<Vec<(String, String)>> {
        let quotes = quote_words(text.as_bytes())?;
        let mut members = Vec::new();
        object(text, &quotes, &|_: &[u8]| Some(()), &mut |(), k: &str, v: &str| {
            members.push((k.to_owned(), v.to_owned()))
        })?;
        Some(members)
    }

    /// A record shifted by 0 to 130 spaces, so that each of its keys, values and delimiters
    /// straddles a block boundary in some shift, and with spaces between its tokens: the
    /// same members as serde_json reads, raw values as written.
    #[test]
    fn records_straddling_blocks_give_every_member() {
        let record = r#"{"id":"5843104000100000000","Owner":{"id":"58","name":"Gus Nakamura"},"":"","Deal_Name":"a string of forty bytes or so, with [{:,}]","Amount":7281.08,"N":[1,-0.5e-3,true,false,null,[[]],{}],"Locked__s":false,"X":null,"E":-1.5E+3,"Z":0}"#;
        let spaced = record.replace(',', " , ").replace(':', " :  ").replace('{', "{ ").replace('}', " } ");
        for base in [record, spaced.as_str()] {
            let expected: Vec<(String, String)> =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(base)
                    .unwrap()
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect();
            for shift in 0..130 {
                let text = format!("{}{base}{}", " ".repeat(shift), " ".repeat(shift % 3));
                let mut got: Vec<(String, String)> = walk(&text)
                    .unwrap_or_else(|| panic!("shift {shift}: {text}"))
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::from_str::<serde_json::Value>(&v).unwrap().to_string()))
                    .collect();
                got.sort();
                assert_eq!(got, expected, "shift {shift}");
                // Raw values as written (the exponent `E+3` stays as it is).
                assert!(walk(&text).unwrap().iter().any(|(k, v)| k == "E" && v == "-1.5E+3"));
            }
        }
    }

    /// Strings and keys of every length from 0 to 200 bytes (so a string may span whole words
    /// of quote bits holding no quote, one or two of them), at shifts that move their quotes
    /// across word boundaries, top level and nested: the walk takes each quote in turn and
    /// gives the members serde_json reads.
    #[test]
    fn strings_spanning_quote_free_words_are_walked() {
        for len in 0..=200 {
            let s = "x".repeat(len);
            let record = format!(r#"{{"{s}":"{s}","n":{{"{s}":["{s}",1,"{s}"]}},"z":"{s}"}}"#);
            for shift in [0, 1, 63] {
                let text = format!("{}{record}", " ".repeat(shift));
                let got = walk(&text).unwrap_or_else(|| panic!("length {len}, shift {shift}"));
                let mut expected: Vec<(String, String)> =
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
                        .unwrap()
                        .into_iter()
                        .map(|(k, v)| (k, v.to_string()))
                        .collect();
                let mut got: Vec<(String, String)> = got
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::from_str::<serde_json::Value>(&v).unwrap().to_string()))
                    .collect();
                got.sort();
                expected.sort();
                assert_eq!(got, expected, "length {len}, shift {shift}");
            }
        }
    }

    /// Every one-byte change of a record (deleted, or replaced by a byte that matters to
    /// JSON), at every position and shift across a block boundary: accepted exactly when
    /// serde_json accepts the text.
    #[test]
    fn damaged_records_are_refused_exactly_when_serde_json_refuses_them() {
        let record = r#"{"a":"xy","bb":[1,{"c":-0.5e3}],"d":{"e":[]},"f":true,"g":null,"h":12}"#;
        let bytes: &[u8] = b" \"{}[]:,0-.eE+ntfx";
        for shift in [0, 30, 60] {
            let base = format!("{}{record}", " ".repeat(shift));
            for at in 0..base.len() {
                let mut variants = vec![format!("{}{}", &base[..at], &base[at + 1..])];
                for &b in bytes {
                    variants.push(format!("{}{}{}", &base[..at], b as char, &base[at + 1..]));
                    variants.push(format!("{}{}{}", &base[..at], b as char, &base[at..]));
                }
                for text in variants {
                    let serde_ok = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text).is_ok();
                    assert_eq!(walk(&text).is_some(), serde_ok, "{text}");
                }
            }
        }
    }
}
