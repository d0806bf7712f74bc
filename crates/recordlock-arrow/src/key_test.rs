//! A leaf on a dictionary column as a test on its keys: the leaf is evaluated once per
//! dictionary value, and the keys of the values it holds on become the cheapest comparison
//! that selects exactly them — a range of keys or a pair of keys (compares LLVM vectorises),
//! else a bit mask or a table.

use crate::rows::Rows;
use crate::word_bits::{pair_bits, range_bits};

/// The keys (indices into a dictionary's values) a leaf holds on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyTest {
    /// No key.
    None,
    /// Keys `first..=last`.
    Range { first: i32, last: i32 },
    /// One of two keys.
    Pair(i32, i32),
    /// Key `k` when bit `k` is set (dictionaries of at most 64 values).
    Mask(u64),
    /// Key `k` when `table[k]`.
    Table(Vec<bool>),
}

impl KeyTest {
    /// The test selecting the keys `k` with `holds[k]`.
    pub(crate) fn new(holds: &[bool]) -> KeyTest {
        // One pass, nothing allocated: the first two keys, the last, how many, and the mask
        // of those below 64.
        let (mut count, mut first, mut second, mut last, mut mask) = (0usize, None, None, 0i32, 0u64);
        for (k, _) in holds.iter().enumerate().filter(|(_, h)| **h) {
            // Keys past i32 (not possible for an Int32-keyed dictionary's values): the table.
            let Ok(key) = i32::try_from(k) else { return KeyTest::Table(holds.to_vec()) };
            match (first, second) {
                (None, _) => first = Some(key),
                (Some(_), None) => second = Some(key),
                _ => {}
            }
            last = key;
            count += 1;
            mask |= 1u64.checked_shl(key.unsigned_abs()).unwrap_or(0);
        }
        let Some(first) = first else { return KeyTest::None };
        match second {
            Some(b) if count == 2 && b - first > 1 => KeyTest::Pair(first, b),
            _ if usize::try_from(last - first + 1).is_ok_and(|span| span == count) => KeyTest::Range { first, last },
            _ if holds.len() <= 64 => KeyTest::Mask(mask),
            _ => KeyTest::Table(holds.to_vec()),
        }
    }

    /// Keeps the rows of `sel` whose key (in `index`, one per row) the test selects.
    pub(crate) fn narrow(&self, sel: &mut Rows, index: &[i32]) {
        match self {
            KeyTest::None => sel.clear(),
            KeyTest::Range { first, last } => {
                // One unsigned compare: keys below `first` wrap to large values.
                let span = last.abs_diff(*first);
                let test = |k: i32| k.wrapping_sub(*first) as u32 <= span;
                sel.narrow_words(index, KEY_DENSE, |keys| range_bits(keys, *first, span), test);
            }
            KeyTest::Pair(a, b) => {
                let test = |k: i32| (k == *a) | (k == *b);
                sel.narrow_words(index, KEY_DENSE, |keys| pair_bits(keys, *a, *b), test);
            }
            KeyTest::Mask(mask) => {
                sel.narrow_values(index, |k| u32::try_from(k).is_ok_and(|k| k < 64 && (mask >> k) & 1 == 1));
            }
            KeyTest::Table(table) => {
                sel.narrow_values(index, |k| usize::try_from(k).ok().and_then(|k| table.get(k)).copied() == Some(true));
            }
        }
    }
}

/// Rows of a word from which its 64 keys are tested at once (four compares per
/// instruction): a few.
const KEY_DENSE: u32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(n: usize, keys: &[usize]) -> Vec<bool> {
        (0..n).map(|k| keys.contains(&k)).collect()
    }

    #[test]
    fn the_cheapest_test_that_selects_exactly_the_keys() {
        assert_eq!(KeyTest::new(&holds(5, &[])), KeyTest::None);
        assert_eq!(KeyTest::new(&holds(5, &[3])), KeyTest::Range { first: 3, last: 3 });
        assert_eq!(KeyTest::new(&holds(5, &[1, 2, 3])), KeyTest::Range { first: 1, last: 3 });
        assert_eq!(KeyTest::new(&holds(5, &[1, 2])), KeyTest::Range { first: 1, last: 2 });
        assert_eq!(KeyTest::new(&holds(5, &[0, 4])), KeyTest::Pair(0, 4));
        assert_eq!(KeyTest::new(&holds(5, &[0, 2, 4])), KeyTest::Mask(0b10101));
        assert!(matches!(KeyTest::new(&holds(100, &[0, 2, 99])), KeyTest::Table(_)));
    }

    #[test]
    fn every_form_selects_the_same_rows_as_the_table() {
        // Keys include nulls' arbitrary keys (negative, past the dictionary).
        let index: Vec<i32> = (0..300).map(|i| (i * 7 % 23) - 3).collect();
        let sel = Rows::all(index.len()).filter(|r| r % 5 != 0);
        for n in [10usize, 20, 70] {
            for keys in [vec![], vec![4], vec![2, 3, 4], vec![1, 9], vec![0, 5, 6], vec![0, n - 1]] {
                let h = holds(n, &keys);
                let want = sel.filter(|r| {
                    index.get(r).and_then(|k| usize::try_from(*k).ok()).is_some_and(|k| h.get(k) == Some(&true))
                });
                for test in [KeyTest::new(&h), KeyTest::Table(h.clone())] {
                    let mut got = sel.clone();
                    test.narrow(&mut got, &index);
                    assert_eq!(got, want, "{n} {keys:?} {test:?}");
                }
            }
        }
    }
}
