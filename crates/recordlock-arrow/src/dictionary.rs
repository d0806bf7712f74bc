//! Dictionaries read once for every batch that carries them.
//!
//! A Parquet reader hands out the batches of one column chunk with one dictionary: each
//! batch's dictionary is a new array over the same buffers. So a dictionary's values are read
//! into [`Value`]s (picklist text matched to options, say) once per dictionary rather than
//! once per batch. A plan keeps, per column, the last few dictionaries it met, as their
//! `ArrayData`; holding it keeps the buffers alive, so an array of the same type, length
//! and offset over buffers at the same addresses is the same dictionary, unchanged (Arrow
//! buffers are immutable while shared).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arrow_array::{Array, StringArray};
use arrow_data::ArrayData;
use recordlock::criteria::Value;

use crate::key_test::KeyTest;

/// A dictionary's values as read, why each that cannot be read cannot, and the key test of
/// each of the column's dictionary leaves, made when a batch first needs it.
#[derive(Debug)]
pub(crate) struct DictionaryValues {
    /// One per dictionary value (`Value::Empty` for a null or unreadable one).
    pub(crate) values: Vec<Value>,
    /// Why value `k` cannot be read, when it cannot.
    pub(crate) bad: Vec<Option<String>>,
    /// Whether some value cannot be read (found once, not per batch).
    pub(crate) any_bad: bool,
    /// The key test of the column's leaf with memo slot `i` (see `plan::Leaf`).
    key_tests: Vec<OnceLock<KeyTest>>,
}

impl DictionaryValues {
    /// The key test of the leaf with memo slot `slot`, made by `make` the first time;
    /// `None` for a slot the memo was not made for.
    pub(crate) fn key_test(&self, slot: usize, make: impl FnOnce() -> KeyTest) -> Option<&KeyTest> {
        self.key_tests.get(slot).map(|cell| cell.get_or_init(make))
    }
}

/// Dictionaries kept per column: as many as threads commonly read at once, each on its own
/// row group.
const KEPT: usize = 4;

/// A dictionary met: its data (holding its buffers), its buffers' addresses when it is text,
/// and its values as read.
struct Kept {
    data: ArrayData,
    buffers: Option<TextBuffers>,
    values: Arc<DictionaryValues>,
}

/// Where a Utf8 array's offsets, bytes and validity lie (address, length; the validity's
/// bit offset too): its whole content while those buffers live and are shared (so cannot
/// change). Found without allocating, where `ArrayData` is a copy of the array's parts.
#[derive(Debug, Clone, Copy)]
struct TextBuffers([usize; 7]);

impl PartialEq for TextBuffers {
    /// Branch-free, inline (the derived compare of the array calls `bcmp`).
    fn eq(&self, other: &TextBuffers) -> bool {
        self.0.iter().zip(&other.0).fold(0, |diff, (a, b)| diff | (a ^ b)) == 0
    }
}

impl TextBuffers {
    fn of(array: &dyn Array) -> Option<TextBuffers> {
        let text = array.as_any().downcast_ref::<StringArray>()?;
        let offsets = text.value_offsets();
        let nulls = text.nulls().map_or([0; 3], |n| [n.buffer().as_ptr() as usize, n.offset(), n.len()]);
        let [nulls_at, nulls_from, nulls_len] = nulls;
        Some(TextBuffers([
            offsets.as_ptr() as usize,
            offsets.len(),
            text.value_data().as_ptr() as usize,
            text.value_data().len(),
            nulls_at,
            nulls_from,
            nulls_len,
        ]))
    }
}

/// The last dictionaries one column met, most recent first, with their values as read.
pub(crate) struct DictionaryMemo {
    kept: Mutex<Vec<Kept>>,
    /// How many of the plan's leaves test this column by dictionary key.
    leaves: usize,
}

impl DictionaryMemo {
    /// A memo for a column that `leaves` leaves test by dictionary key.
    pub(crate) fn new(leaves: usize) -> DictionaryMemo {
        DictionaryMemo { kept: Mutex::default(), leaves }
    }

    /// `dictionary`'s values: as read before when this memo has met it, else `read()`
    /// (the values and why each unreadable one is; outside the lock: another thread's
    /// dictionary is not kept waiting).
    pub(crate) fn values(
        &self,
        dictionary: &dyn Array,
        read: impl FnOnce() -> (Vec<Value>, Vec<Option<String>>),
    ) -> Arc<DictionaryValues> {
        // Text dictionaries by their buffers' addresses; others by their data, copied.
        let buffers = TextBuffers::of(dictionary);
        let mut data = None;
        {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = |k: &Kept| match buffers {
                Some(b) => k.buffers.is_some_and(|kb| kb == b),
                None => k.data.ptr_eq(data.get_or_insert_with(|| dictionary.to_data())),
            };
            if let Some(at) = kept.iter().position(seen) {
                // The most recent already (a row group's batches, one after another): as it is.
                if let Some(first) = kept.first().filter(|_| at == 0) {
                    return Arc::clone(&first.values);
                }
                let hit = kept.remove(at);
                let values = Arc::clone(&hit.values);
                kept.insert(0, hit);
                return values;
            }
        }
        let (values, bad) = read();
        let key_tests = (0..self.leaves).map(|_| OnceLock::new()).collect();
        let any_bad = bad.iter().any(Option::is_some);
        let values = Arc::new(DictionaryValues { values, bad, any_bad, key_tests });
        let data = data.unwrap_or_else(|| dictionary.to_data());
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.insert(0, Kept { data, buffers, values: Arc::clone(&values) });
        kept.truncate(KEPT);
        values
    }
}

impl Clone for DictionaryMemo {
    /// A new, empty memo: a copy of a plan meets its own dictionaries.
    fn clone(&self) -> DictionaryMemo {
        DictionaryMemo::new(self.leaves)
    }
}

impl std::fmt::Debug for DictionaryMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.kept.lock().map_or(0, |k| k.len());
        f.debug_struct("DictionaryMemo").field("kept", &kept).field("leaves", &self.leaves).finish()
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, DictionaryArray, LargeStringArray, RecordBatch, make_array};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    fn read_as(text: &str) -> impl FnOnce() -> (Vec<Value>, Vec<Option<String>>) {
        move || (vec![Value::Text(text.into())], vec![None])
    }

    #[test]
    fn a_dictionary_is_read_once_while_kept_and_equal_arrays_are_not_confused() {
        let memo = DictionaryMemo::new(1);
        let a: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        // An equal array at another address is another dictionary: read again.
        let b: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let first = memo.values(&a, read_as("a"));
        // A new array over the same buffers (as a Parquet reader makes for each batch).
        let again = memo.values(&make_array(a.to_data()), || unreachable!("read once"));
        assert!(Arc::ptr_eq(&first, &again));
        // A leaf's key test is made once per dictionary.
        assert_eq!(first.key_test(0, || KeyTest::Pair(0, 2)), Some(&KeyTest::Pair(0, 2)));
        assert_eq!(again.key_test(0, || unreachable!("made once")), Some(&KeyTest::Pair(0, 2)));
        assert_eq!(again.key_test(1, || unreachable!("no such slot")), None);
        assert_eq!(memo.values(&b, read_as("b")).values, vec![Value::Text("b".into())]);
        // Over the same buffers but another slice: another dictionary.
        let two: ArrayRef = Arc::new(StringArray::from(vec!["x", "y"]));
        memo.values(&two, read_as("two"));
        assert_eq!(memo.values(&two.slice(1, 1), read_as("tail")).values, vec![Value::Text("tail".into())]);
        assert_eq!(
            memo.values(&make_array(two.to_data()), || unreachable!("kept")).values,
            vec![Value::Text("two".into())]
        );
        // Arrays of other types are recognised by their data.
        let large: ArrayRef = Arc::new(LargeStringArray::from(vec!["x"]));
        memo.values(&large, read_as("large"));
        assert_eq!(
            memo.values(&make_array(large.to_data()), || unreachable!("kept")).values,
            vec![Value::Text("large".into())]
        );
        // Up to KEPT dictionaries stay; the least recently met goes first.
        let others: Vec<ArrayRef> =
            (0..KEPT).map(|i| Arc::new(StringArray::from(vec![i.to_string()])) as ArrayRef).collect();
        for o in &others {
            memo.values(o, read_as("o"));
        }
        assert_eq!(memo.values(&a, read_as("a2")).values, vec![Value::Text("a2".into())]);
        assert_eq!(memo.values(&others[KEPT - 1], || unreachable!("kept")).values, vec![Value::Text("o".into())]);
    }

    /// What the memo counts on: the batches a Parquet reader makes from one row group carry
    /// one dictionary (new arrays over the same buffers); another row group's is another.
    #[test]
    fn the_batches_of_a_parquet_row_group_share_their_dictionary() {
        let stages: DictionaryArray<Int32Type> =
            (0..10_000).map(|i| ["Qualification", "Closed Won", "Closed Lost"][i % 3]).collect();
        let batch = RecordBatch::try_from_iter([("Stage", Arc::new(stages) as ArrayRef)]).unwrap();
        let mut file = Vec::new();
        let props =
            parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(5_000)).build();
        let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(file))
            .unwrap()
            .with_batch_size(1_000)
            .build()
            .unwrap();
        let memo = DictionaryMemo::new(0);
        let mut reads = 0;
        for batch in reader {
            let batch = batch.unwrap();
            let column = batch.column(0).as_any_dictionary_opt().unwrap().values().clone();
            memo.values(column.as_ref(), || {
                reads += 1;
                (vec![], vec![])
            });
        }
        // Ten batches, two row groups: two reads.
        assert_eq!(reads, 2);
    }
}
