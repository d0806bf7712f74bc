//! A set of a batch's rows, one bit per row: the selection evaluation carries through each
//! rule's AND/OR tree.
//!
//! Invariant: bits at or past `len` (in the last word) are zero, so counting and emptiness
//! need no mask.

use arrow_buffer::NullBuffer;

/// Rows per word.
pub(crate) const WORD: usize = 64;

/// A set of rows `0..len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rows {
    words: Vec<u64>,
    len: usize,
}

impl Rows {
    /// No row of `len`.
    pub(crate) fn none(len: usize) -> Rows {
        Rows { words: vec![0; len.div_ceil(WORD)], len }
    }

    /// Every row of `len`.
    pub(crate) fn all(len: usize) -> Rows {
        let mut words = vec![u64::MAX; len.div_ceil(WORD)];
        if let Some(last) = words.last_mut() {
            *last = tail_mask(len);
        }
        Rows { words, len }
    }

    /// The rows whose bit is set in `words` (bits past `len` are cleared).
    #[cfg(test)]
    fn from_words(mut words: Vec<u64>, len: usize) -> Rows {
        words.resize(len.div_ceil(WORD), 0);
        if let Some(last) = words.last_mut() {
            *last &= tail_mask(len);
        }
        Rows { words, len }
    }

    /// The rows a null buffer marks valid.
    #[cfg(test)]
    pub(crate) fn valid(nulls: &NullBuffer) -> Rows {
        let chunks = nulls.inner().bit_chunks();
        let mut words: Vec<u64> = chunks.iter().collect();
        if chunks.remainder_len() > 0 {
            words.push(chunks.remainder_bits());
        }
        Rows::from_words(words, nulls.len())
    }

    /// The number of rows the set is drawn from.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no row is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The number of rows in the set.
    #[cfg(test)]
    pub(crate) fn count(&self) -> usize {
        count_ones(&self.words)
    }

    /// Takes `row` out.
    pub(crate) fn remove(&mut self, row: usize) {
        if let Some(w) = self.words.get_mut(row / WORD) {
            *w &= !(1 << (row % WORD));
        }
    }

    /// Takes out every row of `other`.
    pub(crate) fn remove_all(&mut self, other: &Rows) {
        for (w, o) in self.words.iter_mut().zip(&other.words) {
            *w &= !o;
        }
    }

    /// Adds every row of `other`.
    pub(crate) fn add_all(&mut self, other: &Rows) {
        for (w, o) in self.words.iter_mut().zip(&other.words) {
            *w |= o;
        }
    }

    /// Adds the rows whose bits are set in `words` (a set's words over the same rows).
    pub(crate) fn add_words(&mut self, words: &[u64]) {
        for (w, o) in self.words.iter_mut().zip(words) {
            *w |= o;
        }
    }

    /// The rows of the set, ascending.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| rows_of_word(w, word))
    }

    /// The rows of the set, ascending, owning the set.
    pub(crate) fn into_rows(self) -> impl Iterator<Item = usize> {
        self.words.into_iter().enumerate().flat_map(|(w, word)| rows_of_word(w, word))
    }

    /// The rows of the set on which `test` holds, `test` called once per row of the set.
    pub(crate) fn filter(&self, mut test: impl FnMut(usize) -> bool) -> Rows {
        // A plain loop, not an iterator adapter: `test`'s state stays in registers.
        let mut words = Vec::with_capacity(self.words.len());
        for (w, &word) in self.words.iter().enumerate() {
            let base = w * WORD;
            words.push(Rows::word_filter(word, |j| test(base + j)));
        }
        Rows { words, len: self.len }
    }

    /// Replaces each word of the set by `keep(w, word)`: a subset of `word`, the rows of
    /// word `w` (rows `64w..64w + 64`) to keep. In place: a rule's AND narrows one set,
    /// leaf by leaf, with nothing allocated.
    #[inline]
    pub(crate) fn retain_words(&mut self, mut keep: impl FnMut(usize, u64) -> u64) {
        for (w, word) in self.words.iter_mut().enumerate() {
            *word &= keep(w, *word);
        }
    }

    /// The bits of `word` on which `test` (given a bit's position, 0..64) holds, tested in
    /// ascending order, branch-free: a test's answer is as likely one way as the other.
    #[inline(always)]
    pub(crate) fn word_filter(word: u64, mut test: impl FnMut(usize) -> bool) -> u64 {
        let mut rest = word;
        let mut out = 0u64;
        while rest != 0 {
            let j = rest.trailing_zeros();
            rest &= rest - 1;
            out |= u64::from(test(j as usize)) << j;
        }
        out
    }

    /// Keeps the rows of the set whose value in `data` (one per row) passes `test`. A word
    /// with many rows of the set is tested whole, branch-free, and masked; a sparse word row
    /// by row. `data` shorter than the set's rows passes none past its end.
    #[inline]
    pub(crate) fn narrow_values<T: Copy>(&mut self, data: &[T], test: impl Fn(T) -> bool) {
        self.narrow_words(data, DENSE, |chunk| pack_tests(chunk, &test), &test);
    }

    /// Keeps the rows of the set whose value in `data` (one per row) passes a test, answered
    /// a word at a time by `word_test` (bit `j` for the word's value `j`) where the word
    /// holds at least `dense` rows of the set and its 64 values, else row by row by `test`,
    /// branch-free. `data` shorter than the set's rows passes none past its end.
    #[inline]
    pub(crate) fn narrow_words<T: Copy>(
        &mut self,
        data: &[T],
        dense: u32,
        word_test: impl Fn(&[T; WORD]) -> u64,
        test: impl Fn(T) -> bool,
    ) {
        let (chunks, _) = data.as_chunks::<WORD>();
        for (w, word) in self.words.iter_mut().enumerate() {
            // A full word needs no count (no `popcnt` on baseline x86-64: ~15 instructions).
            let dense = *word == u64::MAX || word.count_ones() >= dense;
            narrow_word(w, word, dense, data, chunks, &word_test, &test);
        }
    }

    /// Keeps the rows of the set that `nulls` marks valid (`nulls` covers the set's rows).
    pub(crate) fn keep_valid(&mut self, nulls: &NullBuffer) {
        self.and_validity(nulls, false);
    }

    /// Keeps the rows of the set that `nulls` marks null (`nulls` covers the set's rows).
    pub(crate) fn keep_null(&mut self, nulls: &NullBuffer) {
        self.and_validity(nulls, true);
    }

    /// Each word ANDed with the validity bits of its rows (their complement with `invert`),
    /// read 64 at a time from the buffer, whatever its bit offset; rows past the buffer's
    /// end are taken out.
    fn and_validity(&mut self, nulls: &NullBuffer, invert: bool) {
        let flip = if invert { u64::MAX } else { 0 };
        let chunks = nulls.inner().bit_chunks();
        let remainder = (chunks.remainder_len() > 0).then(|| chunks.remainder_bits());
        let mut valid = chunks.iter().chain(remainder);
        for word in &mut self.words {
            *word &= valid.next().map_or(0, |v| v ^ flip);
        }
    }

    /// Takes every row out.
    pub(crate) fn clear(&mut self) {
        self.words.fill(0);
    }

    /// The set's words (bit `j` of word `w`: row `64w + j`).
    pub(crate) fn into_words(self) -> Vec<u64> {
        self.words
    }
}

/// The number of bits set in `words`.
pub(crate) fn count_ones(words: &[u64]) -> usize {
    words.iter().map(|w| w.count_ones() as usize).sum()
}

/// Word `w` of a set narrowed to its rows whose value in `data` passes: by `word_test` on
/// its 64 values when `dense` and they are there, else row by row by `test`.
#[inline(always)]
fn narrow_word<T: Copy>(
    w: usize,
    word: &mut u64,
    dense: bool,
    data: &[T],
    chunks: &[[T; WORD]],
    word_test: &impl Fn(&[T; WORD]) -> u64,
    test: &impl Fn(T) -> bool,
) {
    if *word == 0 {
        return;
    }
    if dense && let Some(chunk) = chunks.get(w) {
        *word &= word_test(chunk);
        return;
    }
    let base = w * WORD;
    *word = Rows::word_filter(*word, |j| data.get(base + j).is_some_and(|v| test(*v)));
}

/// Bit `j`: whether `test` passes `chunk[j]`. A byte per row first (a loop LLVM
/// vectorises for simple tests), then packed to bits eight at a time.
#[inline]
pub(crate) fn pack_tests<T: Copy>(chunk: &[T; WORD], test: impl Fn(T) -> bool) -> u64 {
    let mut bytes = [0u8; WORD];
    for (b, v) in bytes.iter_mut().zip(chunk) {
        *b = u8::from(test(*v));
    }
    pack(&bytes)
}

/// The rows of word `w` whose bits are set in `word`, ascending.
fn rows_of_word(w: usize, word: u64) -> impl Iterator<Item = usize> {
    let base = w * WORD;
    let mut rest = word;
    std::iter::from_fn(move || {
        if rest == 0 {
            return None;
        }
        let j = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        Some(base + j)
    })
}

/// 64 bytes, each 0 or 1, as the bits of a word (byte `j` is bit `j`).
#[inline]
fn pack(bytes: &[u8; WORD]) -> u64 {
    let mut bits = 0u64;
    for (g, group) in bytes.chunks_exact(8).enumerate() {
        let group: [u8; 8] = group.try_into().unwrap_or_default();
        // Byte `i` of the group (bit 8i) times the multiplier's bit 56 - 7i lands on bit
        // 56 + i; no two products meet and none carries, since every byte is 0 or 1.
        bits |= (u64::from_le_bytes(group).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (g * 8);
    }
    bits
}

/// Rows of a word from which testing the whole word beats testing row by row.
pub(crate) const DENSE: u32 = 12;

/// The bits of the last word that are rows of `len`.
fn tail_mask(len: usize) -> u64 {
    match len % WORD {
        0 => u64::MAX,
        r => (1u64 << r) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_keep_bits_past_the_end_clear() {
        for len in [0, 1, 63, 64, 65, 130] {
            let all = Rows::all(len);
            assert_eq!(all.count(), len);
            assert_eq!(all.iter().collect::<Vec<_>>(), (0..len).collect::<Vec<_>>());
            assert!(Rows::none(len).is_empty());
            let evens = all.filter(|r| r % 2 == 0);
            assert_eq!(evens.count(), len.div_ceil(2));
            let data: Vec<u32> = (0..u32::try_from(len).unwrap()).collect();
            let narrowed = |sel: &Rows| {
                let mut sel = sel.clone();
                sel.narrow_values(&data, |v| v % 2 == 0);
                sel
            };
            assert_eq!(narrowed(&all), evens);
            // Sparse words go row by row; the answer is the same.
            let sparse = all.filter(|r| r % 17 == 0);
            assert_eq!(narrowed(&sparse), sparse.filter(|r| r % 2 == 0));
            let mut rest = all.clone();
            rest.remove_all(&evens);
            assert_eq!(rest.count(), len - evens.count());
            rest.add_all(&evens);
            assert_eq!(rest, all);
        }
    }

    #[test]
    fn packing_puts_byte_j_on_bit_j() {
        for pattern in 0..=u8::MAX {
            for shift in [0, 8, 56] {
                let mut bytes = [0u8; WORD];
                for (j, b) in bytes.iter_mut().enumerate() {
                    *b = u8::from(j >= shift && j < shift + 8 && (pattern >> (j - shift)) & 1 == 1);
                }
                assert_eq!(pack(&bytes), u64::from(pattern) << shift);
            }
        }
        assert_eq!(pack(&[1; WORD]), u64::MAX);
    }

    #[test]
    fn valid_rows_follow_a_sliced_null_buffer() {
        let nulls = NullBuffer::from((0..200).map(|i| i % 3 != 0).collect::<Vec<bool>>());
        let sliced = nulls.slice(5, 130);
        let rows = Rows::valid(&sliced);
        assert_eq!(rows.len(), 130);
        assert_eq!(rows.iter().collect::<Vec<_>>(), (0..130).filter(|r| (r + 5) % 3 != 0).collect::<Vec<_>>());
        // A set narrowed in place to its valid rows, or to its null ones, from a buffer of
        // any bit offset, the last word partial or full.
        for (from, len) in [(5, 130), (0, 128), (63, 64), (1, 1), (7, 0)] {
            let sliced = nulls.slice(from, len);
            let sel = Rows::all(len).filter(|r| r % 4 != 1);
            let mut valid = sel.clone();
            valid.keep_valid(&sliced);
            assert_eq!(valid, sel.filter(|r| (r + from) % 3 != 0), "valid, {from} {len}");
            let mut null = sel.clone();
            null.keep_null(&sliced);
            assert_eq!(null, sel.filter(|r| (r + from) % 3 == 0), "null, {from} {len}");
        }
    }
}
