//! [`SortedSet`]: the constants of an `in` test or a multi-select set, sorted and without
//! duplicates, by construction.

use std::ops::Deref;

/// A set kept as a sorted slice without duplicates.
///
/// The only way to make one is [`SortedSet::new`] (or `From<Vec<T>>`), which sorts and
/// deduplicates, so every reader may rely on the order: membership is a binary search, two
/// sets are equal exactly when their slices are, and `analysis` walks them in order.
///
/// ```
/// use recordlock_criteria::SortedSet;
///
/// let set = SortedSet::new(vec![3, 1, 3, 2]);
/// assert_eq!(&*set, &[1, 2, 3]);
/// assert!(set.contains(&2));
/// assert_eq!(set, SortedSet::from(vec![2, 1, 3]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedSet<T>(Box<[T]>);

impl<T: Ord> SortedSet<T> {
    /// The set of `items` (sorted and deduplicated here).
    pub fn new(mut items: Vec<T>) -> SortedSet<T> {
        items.sort_unstable();
        items.dedup();
        SortedSet(items.into_boxed_slice())
    }

    /// Whether `item` is in the set (a binary search).
    pub fn contains(&self, item: &T) -> bool {
        self.0.binary_search(item).is_ok()
    }
}

impl<T> SortedSet<T> {
    /// The items, in order.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(Box::default())
    }
}

impl<T: Ord> From<Vec<T>> for SortedSet<T> {
    fn from(items: Vec<T>) -> Self {
        SortedSet::new(items)
    }
}

impl<T> Deref for SortedSet<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
