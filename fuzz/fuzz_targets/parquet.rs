//! Parquet bytes through the Parquet reader and the columnar plan: never a panic (a corrupt
//! file is an error naming it, before or part way through the rows), every row read is
//! counted, and the output does not depend on how many batches are evaluated at once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use recordlock_arrow::{MappingOptions, read};

#[path = "shared/columnar.rs"]
mod columnar;

fuzz_target!(|data: &[u8]| {
    // The reader turns a panic of the Parquet crate while decoding into a read error
    // (catch_unwind); libfuzzer-sys's panic hook would abort before that. A panic nobody
    // catches still aborts (libfuzzer-sys checks every run's result).
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
    let rules = columnar::rules();
    let bytes = bytes::Bytes::copy_from_slice(data);
    let open = || read::parquet_reader(bytes.clone(), "fuzz.parquet", rules, MappingOptions::default()).ok();
    let Some((records, stopped)) = columnar::sweep_checked(open) else { return };
    // The row groups' own counts: every row is read unless reading stopped part way. (The
    // footer without its Arrow schema hint, which arrow-ipc may not convert.)
    let plain = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let metadata = ArrowReaderMetadata::load(&bytes, plain).expect("the file opened above");
    let total: i64 = metadata.metadata().row_groups().iter().map(|g| g.num_rows()).sum();
    let total = u64::try_from(total).unwrap_or(0);
    // A file whose pages hold more rows than its metadata says stops with a read error,
    // every row decoded before it counted: only a complete read must match the metadata.
    if !stopped {
        assert_eq!(records, total, "rows read, of the row groups' rows");
    }
});
