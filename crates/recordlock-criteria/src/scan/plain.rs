//! The scanner for plain texts: no backslash and no byte below 0x20 anywhere (compact JSON
//! Lines records are like this).
//!
//! In such a text every `"` opens or closes a string and no string holds an escape or a
//! character JSON refuses, and the only whitespace JSON allows is the space. So the text is
//! read in two stages, as simdjson does (its stages 1 and 2), in safe Rust:
//!
//! 1. [`structurals`] classifies the text 64 bytes at a time (SSE2 compares and `pmovmskb`
//!    through `safe_arch`; a portable version elsewhere) into bitmasks of quotes, of the
//!    structural characters `{}[]:,` and of spaces, and refuses the text if it is not
//!    plain. The quotes' prefix xor (shifts, carried across blocks) marks the bytes inside
//!    strings. What is left is one bit per *structural position*: each `{}[]:,` outside
//!    strings, each opening quote, and the first byte of every other run of non-space
//!    bytes outside strings (a number, a literal, or garbage: a byte after a space, a
//!    structural character or a closing quote).
//! 2. [`object`] walks those positions with bit scans, checking JSON's grammar between
//!    them: a string is its opening quote, and nothing of it is read unless its member is
//!    wanted; a number or literal is checked from its first byte by JSON's grammar and
//!    must end at a space or a delimiter; containers nest up to [`MAX_SKIP_DEPTH`].
//!
//! Between two structural positions there are only spaces, or the rest of the string or
//! scalar the first one starts (any other byte would be a position itself), so visiting
//! every position in order with the grammar checks every byte. Anything else answers
//! `None`, and the caller leaves the record to serde_json.

use super::MAX_SKIP_DEPTH;

use smallvec::SmallVec;

/// One bit per byte of the text, set at its structural positions, 64 bytes a word (inline
/// for texts of up to 2 KiB).
pub(super) type Structurals = SmallVec<[u64; 32]>;

/// The structural positions of `bytes`, if `bytes` are plain (no backslash, no byte below
/// 0x20) and close every string they open: one pass, 64 bytes at a time.
pub(super) fn structurals(bytes: &[u8]) -> Option<Structurals> {
    let mut out = Structurals::from_elem(0, bytes.len().div_ceil(64));
    let mut carry = Carry::START;
    let mut words = out.iter_mut();
    let mut blocks = bytes.chunks_exact(64);
    // Blocks first: `zip` stops at the first iterator's end without taking from the second.
    for (block, word) in (&mut blocks).zip(&mut words) {
        *word = carry.structurals(block_classes(block.try_into().ok()?)?);
    }
    let rest = blocks.remainder();
    if let Some(word) = words.next() {
        // Padded with spaces: neither structural nor refused.
        let mut block = [b' '; 64];
        block.get_mut(..rest.len())?.copy_from_slice(rest);
        *word = carry.structurals(block_classes(&block)?);
    }
    (carry.in_string == 0).then_some(out)
}

/// The bytes of a 64-byte block that are `"`, one of `{}[]:,`, and a space: bit `i` for
/// byte `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Classes {
    quotes: u64,
    operators: u64,
    spaces: u64,
}

/// What one block's structural positions take from the blocks before it.
#[derive(Debug, Clone, Copy)]
struct Carry {
    /// All ones if the previous block ended inside a string, else 0.
    in_string: u64,
    /// 1 if the previous block's last byte may precede a scalar's first byte (a space, a
    /// structural character or a quote; the text's start counts as one), else 0.
    delimiter: u64,
}

impl Carry {
    const START: Carry = Carry { in_string: 0, delimiter: 1 };

    /// The structural positions of a block of these classes, following the blocks before.
    #[inline(always)]
    fn structurals(&mut self, c: Classes) -> u64 {
        // Inside a string: from its opening quote (included) to its closing one (excluded).
        let inside = prefix_xor(c.quotes) ^ self.in_string;
        self.in_string = ((inside as i64) >> 63) as u64;
        let operators = c.operators & !inside;
        let delimiters = operators | c.quotes | c.spaces;
        let after_delimiter = (delimiters << 1) | self.delimiter;
        self.delimiter = delimiters >> 63;
        let scalar_starts = after_delimiter & !c.spaces & !inside & !c.quotes;
        operators | (c.quotes & inside) | scalar_starts
    }
}

/// Bit `i` of the result is the xor of bits `0..=i` of `x` (SSE2 has no carry-less
/// multiply; six shifts do it).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The classes of a 64-byte block, or `None` if it holds a backslash or a byte below 0x20:
/// SSE2 compares, each 16 results gathered into bits by `pmovmskb` (`safe_arch` wraps them
/// without `unsafe` here; SSE2 is part of every x86-64).
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
#[inline(always)]
fn block_classes(block: &[u8; 64]) -> Option<Classes> {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        zeroed_m128i,
    };
    let quote = set_splat_i8_m128i(b'"' as i8);
    let backslash = set_splat_i8_m128i(b'\\' as i8);
    let control = set_splat_i8_m128i(0x1f);
    let space = set_splat_i8_m128i(b' ' as i8);
    let comma = set_splat_i8_m128i(b',' as i8);
    let colon = set_splat_i8_m128i(b':' as i8);
    // `[` and `]` are `{` and `}` less 0x20: or-ing 0x20 in folds them together.
    let fold = set_splat_i8_m128i(0x20);
    let open = set_splat_i8_m128i(b'{' as i8);
    let close = set_splat_i8_m128i(b'}' as i8);
    let mut c = Classes { quotes: 0, operators: 0, spaces: 0 };
    let mut bad = zeroed_m128i();
    for (k, lane) in block.chunks_exact(16).enumerate() {
        let v = load_unaligned_m128i(lane.try_into().ok()?);
        let bits = |m| u64::from(move_mask_i8_m128i(m) as u16) << (16 * k);
        c.quotes |= bits(cmp_eq_mask_i8_m128i(v, quote));
        c.spaces |= bits(cmp_eq_mask_i8_m128i(v, space));
        let folded = bitor_m128i(v, fold);
        let brackets = bitor_m128i(cmp_eq_mask_i8_m128i(folded, open), cmp_eq_mask_i8_m128i(folded, close));
        let punctuation = bitor_m128i(cmp_eq_mask_i8_m128i(v, comma), cmp_eq_mask_i8_m128i(v, colon));
        c.operators |= bits(bitor_m128i(brackets, punctuation));
        // A byte is below 0x20 when the unsigned minimum with 0x1f is the byte itself.
        let refused =
            bitor_m128i(cmp_eq_mask_i8_m128i(v, backslash), cmp_eq_mask_i8_m128i(min_u8_m128i(v, control), v));
        bad = bitor_m128i(bad, refused);
    }
    (move_mask_i8_m128i(bad) == 0).then_some(c)
}

#[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")))]
use portable_block_classes as block_classes;

/// [`block_classes`] for targets without SSE2, in portable Rust: compares with no early exit
/// (the compiler vectorises them), then each 8 flags of 0x80 gathered into a byte by a
/// multiplication. Tested against the SSE2 version on x86-64.
#[cfg_attr(
    all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2", not(test)),
    expect(dead_code, reason = "the SSE2 version is used here; this one is for other targets and tests")
)]
#[inline(always)]
fn portable_block_classes(block: &[u8; 64]) -> Option<Classes> {
    let bad = block.iter().fold(0u8, |bad, &b| bad | u8::from(b < 0x20) | u8::from(b == b'\\'));
    if bad != 0 {
        return None;
    }
    Some(Classes {
        quotes: gather(block, |b| b == b'"'),
        operators: gather(block, |b| matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',')),
        spaces: gather(block, |b| b == b' '),
    })
}

/// Bit `i` set where `is(block[i])`, portably.
#[cfg_attr(
    all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2", not(test)),
    expect(dead_code, reason = "used by the portable pass only")
)]
#[inline(always)]
fn gather(block: &[u8; 64], is: impl Fn(u8) -> bool) -> u64 {
    /// Bit `i` of the product's top byte is the high bit of byte `i` of the word.
    const GATHER: u64 = 0x0002_0408_1020_4081;
    let flags = block.map(|b| if is(b) { 0x80u8 } else { 0 });
    let mut bits = 0u64;
    for (k, word) in flags.chunks_exact(8).enumerate() {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        bits |= (word.wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    bits
}

/// The structural positions of a text in order, with their bytes.
struct Walk<'a> {
    bytes: &'a [u8],
    words: &'a [u64],
    /// The word `bits` came from.
    word: usize,
    /// The positions of that word not visited yet.
    bits: u64,
}

impl<'a> Walk<'a> {
    fn new(bytes: &'a [u8], words: &'a [u64]) -> Walk<'a> {
        Walk { bytes, words, word: 0, bits: words.first().copied().unwrap_or(0) }
    }

    /// The next structural position and its byte; `None` at the end.
    #[inline(always)]
    fn next(&mut self) -> Option<(usize, u8)> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = *self.words.get(self.word)?;
        }
        let at = self.word * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some((at, *self.bytes.get(at)?))
    }

    /// The next position, which must hold `byte`.
    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Option<usize> {
        let (at, b) = self.next()?;
        (b == byte).then_some(at)
    }

    /// Skips the rest of an object (`KEYED`) or array whose opening bracket was the last
    /// position, `depth` containers deep; the position of its closing bracket.
    fn container<const KEYED: bool>(&mut self, depth: usize) -> Option<usize> {
        if depth >= MAX_SKIP_DEPTH {
            return None;
        }
        let close = if KEYED { b'}' } else { b']' };
        let (mut at, mut b) = self.next()?;
        if b == close {
            return Some(at);
        }
        loop {
            if KEYED {
                if b != b'"' {
                    return None;
                }
                self.expect(b':')?;
                (at, b) = self.next()?;
            }
            self.value(at, b, depth + 1)?;
            let (next, n) = self.next()?;
            if n == b',' {
                (at, b) = self.next()?;
            } else if n == close {
                return Some(next);
            } else {
                return None;
            }
        }
    }

    /// Skips the value whose first byte `b` is at the position `at` just visited (`depth`
    /// containers deep): a string's opening quote is all there is to it here.
    #[inline(always)]
    fn value(&mut self, at: usize, b: u8, depth: usize) -> Option<()> {
        match b {
            b'"' => Some(()),
            b'{' => self.container::<true>(depth).map(drop),
            b'[' => self.container::<false>(depth).map(drop),
            _ => scalar(self.bytes, at, b).map(drop),
        }
    }
}

/// Walks the top-level object of the plain `text`, whose [`structurals`] are `structurals`,
/// as [`super::scan_object`] does.
pub(super) fn object<'a, K>(
    text: &'a str,
    structurals: &[u64],
    wanted: &impl Fn(&[u8]) -> Option<K>,
    member: &mut impl FnMut(K, &'a str, &'a str),
) -> Option<()> {
    let bytes = text.as_bytes();
    let mut walk = Walk::new(bytes, structurals);
    walk.expect(b'{')?;
    let (mut at, mut b) = walk.next()?;
    if b == b'}' {
        return walk.next().is_none().then_some(());
    }
    loop {
        // A key: its opening quote at `at`, its closing one the last quote before the `:`.
        if b != b'"' {
            return None;
        }
        let colon = walk.expect(b':')?;
        let key_start = at + 1;
        let key_end = quote_before(bytes, colon)?;
        let (value_start, first) = walk.next()?;
        // The value's end where known without looking (a string's is found only if wanted).
        let value_end = match first {
            b'"' => None,
            b'{' => Some(walk.container::<true>(1)? + 1),
            b'[' => Some(walk.container::<false>(1)? + 1),
            _ => Some(scalar(bytes, value_start, first)?),
        };
        let (next, n) = walk.next()?;
        if let Some(k) = wanted(bytes.get(key_start..key_end)?) {
            let value_end = match value_end {
                Some(end) => end,
                None => quote_before(bytes, next)? + 1,
            };
            // Quotes, brackets and the value's first and last bytes are ASCII: these are
            // boundaries.
            member(k, text.get(key_start..key_end)?, text.get(value_start..value_end)?);
        }
        match n {
            b',' => (at, b) = walk.next()?,
            b'}' => return walk.next().is_none().then_some(()),
            _ => return None,
        }
    }
}

/// The position of the closing quote of the string before the structural position `at`:
/// only spaces come between them.
#[inline(always)]
fn quote_before(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at = at.checked_sub(1)?;
        match bytes.get(at)? {
            b' ' => {}
            b'"' => return Some(at),
            _ => return None,
        }
    }
}

/// The number or literal whose first byte `b` is at `at`, checked by JSON's grammar; the
/// position after it, which must hold a space or a delimiter that may follow a value.
#[inline(always)]
fn scalar(bytes: &[u8], at: usize, b: u8) -> Option<usize> {
    let end = match b {
        b'0'..=b'9' | b'-' => number(bytes, at)?,
        b't' => literal(bytes, at, b"true")?,
        b'f' => literal(bytes, at, b"false")?,
        b'n' => literal(bytes, at, b"null")?,
        _ => return None,
    };
    matches!(bytes.get(end), Some(b' ' | b',' | b'}' | b']')).then_some(end)
}

fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let end = at + word.len();
    (bytes.get(at..end)? == word).then_some(end)
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

    /// A byte-wise reference for [`structurals`]: the same positions, found one byte at a
    /// time by following strings with a flag.
    fn structurals_bytewise(bytes: &[u8]) -> Option<Vec<bool>> {
        let (mut inside, mut after_delimiter) = (false, true);
        let mut positions = Vec::with_capacity(bytes.len());
        for &b in bytes {
            if b < 0x20 || b == b'\\' {
                return None;
            }
            let (position, delimiter) = if inside {
                inside = b != b'"';
                (false, !inside || b == b' ')
            } else {
                match b {
                    b'"' => {
                        inside = true;
                        (true, true)
                    }
                    b'{' | b'}' | b'[' | b']' | b':' | b',' => (true, true),
                    b' ' => (false, true),
                    _ => (after_delimiter, false),
                }
            };
            positions.push(position);
            after_delimiter = delimiter;
        }
        (!inside).then_some(positions)
    }

    /// A small deterministic generator (no dependency for a test).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) as usize % n
        }
    }

    /// The classes of a block, byte by byte.
    fn classes_bytewise(block: &[u8; 64]) -> Option<Classes> {
        if block.iter().any(|&b| b < 0x20 || b == b'\\') {
            return None;
        }
        let bits = |is: fn(u8) -> bool| block.iter().enumerate().map(|(i, &b)| u64::from(is(b)) << i).sum();
        Some(Classes {
            quotes: bits(|b| b == b'"'),
            operators: bits(|b| b",:[]{}".contains(&b)),
            spaces: bits(|b| b == b' '),
        })
    }

    /// The SSE2 pass, the portable one and a byte-by-byte classification agree on every
    /// byte value in every position of a block, in a few backgrounds.
    #[test]
    fn block_passes_agree() {
        for background in [b' ', b'a', b'"', b'{', b',', 0xc3] {
            for b in 0..=255u8 {
                for at in 0..64 {
                    let mut block = [background; 64];
                    block[at] = b;
                    let classes = block_classes(&block);
                    assert_eq!(classes, portable_block_classes(&block), "byte {b:#x} at {at} in {background:#x}");
                    assert_eq!(classes, classes_bytewise(&block), "byte {b:#x} at {at} in {background:#x}");
                    let refused = b < 0x20 || b == b'\\';
                    assert_eq!(classes.is_none(), refused, "byte {b:#x} at {at}");
                }
            }
        }
    }

    /// The prefix xor of single bits, pairs and random words, against a loop.
    #[test]
    fn prefix_xor_is_the_running_parity() {
        let mut rng = Lcg(7);
        let mut words: Vec<u64> = (0..64).map(|i| 1 << i).collect();
        words.extend((0..64).flat_map(|i| (0..64).map(move |j| (1u64 << i) | (1u64 << j))));
        words.extend((0..2000).map(|_| (rng.below(1 << 30) as u64) << 34 ^ rng.below(1 << 30) as u64));
        words.extend([0, u64::MAX, 0xaaaa_aaaa_aaaa_aaaa]);
        for x in words {
            let mut parity = 0u64;
            let mut expected = 0u64;
            for i in 0..64 {
                parity ^= x >> i & 1;
                expected |= parity << i;
            }
            assert_eq!(prefix_xor(x), expected, "{x:#x}");
        }
    }

    /// The structural positions of random texts of every length up to a few blocks (so
    /// strings, scalars and runs of spaces straddle blocks), against the byte-wise reference.
    #[test]
    fn structural_positions_are_exactly_the_bytewise_ones() {
        let alphabet: &[&[u8]] = &[
            b"\"",
            b"\"",
            b"{",
            b"}",
            b"[",
            b"]",
            b":",
            b",",
            b" ",
            b" ",
            b"  ",
            b"a",
            b"1",
            b"-",
            b"e",
            b"tru",
            "é".as_bytes(),
            b"\"key\":",
            b"\"a long string value, with: {} [] inside\"",
            b"\\",
            b"\t",
        ];
        let mut rng = Lcg(1);
        for round in 0..6000 {
            let len = round % 300;
            let mut text = Vec::new();
            while text.len() < len {
                let piece = alphabet[rng.below(alphabet.len())];
                // Most texts plain, so most reach the comparison of positions.
                if (piece == b"\\" || piece == b"\t") && rng.below(20) != 0 {
                    continue;
                }
                text.extend_from_slice(piece);
            }
            let expected = structurals_bytewise(&text);
            let got = structurals(&text).map(|words| {
                assert_eq!(words.len(), text.len().div_ceil(64));
                (0..words.len() * 64).map(|i| words[i / 64] >> (i % 64) & 1 == 1).collect::<Vec<_>>()
            });
            match (expected, got) {
                (None, None) => {}
                (Some(expected), Some(got)) => {
                    assert_eq!(&got[..text.len()], &expected[..], "{}", String::from_utf8_lossy(&text));
                    assert!(got[text.len()..].iter().all(|&b| !b), "a position past the end");
                }
                (e, g) => panic!("{}: {e:?} vs {g:?}", String::from_utf8_lossy(&text)),
            }
        }
    }

    fn walk(text: &str) -> Option<Vec<(String, String)>> {
        let words = structurals(text.as_bytes())?;
        let mut members = Vec::new();
        object(text, &words, &|_: &[u8]| Some(()), &mut |(), k: &str, v: &str| {
            members.push((k.to_owned(), v.to_owned()))
        })?;
        Some(members)
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
            let members = walk(text).unwrap_or_else(|| panic!("{text}"));
            assert!(!members.is_empty() || text.len() < 3, "{text}");
        }
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
