//! CSV bytes through the bulk-export reader and the columnar plan: never a panic, every row
//! the CSV parser finds is read and counted (ragged rows and non-UTF-8 cells as error lines),
//! and the output does not depend on how many batches are evaluated at once.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use recordlock_arrow::{MappingOptions, read};

#[path = "shared/columnar.rs"]
mod columnar;

fuzz_target!(|data: &[u8]| {
    let rules = columnar::rules();
    let open = || {
        read::csv_reader(Box::new(Cursor::new(data.to_vec())), "fuzz.csv", rules, MappingOptions::default()).ok()
    };
    let Some((records, stopped)) = columnar::sweep_checked(open) else { return };
    // The rows an independent read of the same bytes finds, up to its first error.
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(data);
    let mut rows = 0u64;
    let mut failed = false;
    for record in reader.byte_records() {
        if record.is_err() {
            failed = true;
            break;
        }
        rows += 1;
    }
    assert_eq!((records, stopped), (rows, failed), "rows read, and whether reading stopped");
});
