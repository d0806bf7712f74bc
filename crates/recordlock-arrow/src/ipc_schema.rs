//! A check that an Arrow IPC schema (a flatbuffer) can be converted without a panic.
//!
//! arrow-ipc's conversion of a schema flatbuffer into an Arrow schema panics on values a
//! corrupt file can hold: an unknown type, an integer of 12 bits, a list with two children, a
//! big-endian decimal. Parquet files written by Arrow carry such a schema as a hint
//! (`ARROW:schema` in the footer), which the Parquet reader converts when the file is opened.
//! [`convertible`] accepts exactly the schemas whose every field converts; a file whose hint
//! does not is read by its Parquet schema alone (see [`crate::read::parquet_reader`]). An
//! Arrow IPC file or stream whose schema does not convert is refused before arrow-ipc reads
//! it ([`file_schema_is_safe`], [`stream_schema_is_safe`]).

use std::io::{Read, Seek, SeekFrom};

use arrow_ipc::{DateUnit, Endianness, Field, IntervalUnit, Precision, Schema, TimeUnit, Type};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;

/// Nesting beyond this is refused (flatbuffers bound a buffer's depth; this bounds ours).
const MAX_DEPTH: usize = 64;

/// A schema message or footer longer than this is not read here (arrow-ipc reads it, and
/// reports what it finds); real ones are a few kilobytes.
const MAX_SCHEMA_BYTES: u64 = 16 << 20;

/// Whether the schema in the footer of the Arrow IPC file `file` converts without
/// panicking. `true` when there is no readable footer: arrow-ipc then reports the error.
pub(crate) fn file_schema_is_safe(file: &mut (impl Read + Seek)) -> bool {
    // The file ends with the footer, its length (4 bytes) and `ARROW1`.
    let Ok(tail_at) = file.seek(SeekFrom::End(-10)) else { return true };
    let mut tail = [0u8; 10];
    if file.read_exact(&mut tail).is_err() {
        return true;
    }
    let [a, b, c, d, ..] = tail;
    let Ok(len) = u64::try_from(i32::from_le_bytes([a, b, c, d])) else { return true };
    if len > tail_at || len > MAX_SCHEMA_BYTES {
        return true;
    }
    let mut footer = vec![0u8; usize::try_from(len).unwrap_or(0)];
    if file.seek(SeekFrom::Start(tail_at - len)).is_err() || file.read_exact(&mut footer).is_err() {
        return true;
    }
    match arrow_ipc::root_as_footer(&footer) {
        Ok(footer) => footer.schema().is_none_or(|schema| convertible(&schema)),
        Err(_) => true,
    }
}

/// Whether the schema message that starts the Arrow IPC stream `input` converts without
/// panicking. `true` when there is no readable first message: arrow-ipc reports the error.
pub(crate) fn stream_schema_is_safe(input: &mut impl Read) -> bool {
    let mut word = [0u8; 4];
    if input.read_exact(&mut word).is_err() {
        return true;
    }
    // A continuation marker, then the length (older streams: the length alone).
    if word == [255; 4] && input.read_exact(&mut word).is_err() {
        return true;
    }
    let Ok(len) = u64::try_from(i32::from_le_bytes(word)) else { return true };
    if len > MAX_SCHEMA_BYTES {
        return true;
    }
    let mut message = vec![0u8; usize::try_from(len).unwrap_or(0)];
    if input.read_exact(&mut message).is_err() {
        return true;
    }
    match arrow_ipc::root_as_message(&message) {
        Ok(message) => message.header_as_schema().is_none_or(|schema| convertible(&schema)),
        Err(_) => true,
    }
}

/// Whether the `ARROW:schema` value `encoded` (base64 of an IPC schema message, maybe after a
/// continuation marker and length) decodes to a schema arrow-ipc converts without panicking.
/// `true` too when it does not decode at all: the Parquet reader then reports an error
/// rather than panicking.
pub(crate) fn hint_is_safe(encoded: &str) -> bool {
    let Ok(bytes) = BASE64_STANDARD.decode(encoded) else { return true };
    // As the Parquet reader slices it: a continuation marker and a length come first.
    let message = match bytes.get(..4) {
        Some([255, 255, 255, 255]) if bytes.len() > 8 => bytes.get(8..).unwrap_or_default(),
        _ => bytes.as_slice(),
    };
    let Ok(message) = arrow_ipc::root_as_message(message) else { return true };
    message.header_as_schema().is_none_or(|schema| convertible(&schema))
}

/// Whether arrow-ipc converts `schema` without panicking.
pub(crate) fn convertible(schema: &Schema<'_>) -> bool {
    let Some(fields) = schema.fields() else { return false };
    let big_endian = schema.endianness() == Endianness::Big;
    fields.iter().all(|f| !(big_endian && f.type_type() == Type::Decimal) && field(&f, 0))
}

fn field(f: &Field<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if let Some(dictionary) = f.dictionary() {
        let index_ok = dictionary.indexType().is_some_and(|i| matches!(i.bitWidth(), 8 | 16 | 32 | 64));
        if !index_ok {
            return false;
        }
    }
    let children = |n: usize| f.children().is_some_and(|c| c.len() == n && c.iter().all(|c| field(&c, depth + 1)));
    let time_unit = |u: TimeUnit| {
        matches!(u, TimeUnit::SECOND | TimeUnit::MILLISECOND | TimeUnit::MICROSECOND | TimeUnit::NANOSECOND)
    };
    match f.type_type() {
        Type::Null
        | Type::Bool
        | Type::Binary
        | Type::BinaryView
        | Type::LargeBinary
        | Type::Utf8
        | Type::Utf8View
        | Type::LargeUtf8 => true,
        Type::Int => f.type_as_int().is_some_and(|i| matches!(i.bitWidth(), 8 | 16 | 32 | 64)),
        Type::FixedSizeBinary => f.type_as_fixed_size_binary().is_some(),
        Type::FloatingPoint => f
            .type_as_floating_point()
            .is_some_and(|p| matches!(p.precision(), Precision::HALF | Precision::SINGLE | Precision::DOUBLE)),
        Type::Date => f.type_as_date().is_some_and(|d| matches!(d.unit(), DateUnit::DAY | DateUnit::MILLISECOND)),
        Type::Time => f.type_as_time().is_some_and(|t| {
            matches!(
                (t.bitWidth(), t.unit()),
                (32, TimeUnit::SECOND | TimeUnit::MILLISECOND) | (64, TimeUnit::MICROSECOND | TimeUnit::NANOSECOND)
            )
        }),
        Type::Timestamp => f.type_as_timestamp().is_some_and(|t| time_unit(t.unit())),
        Type::Duration => f.type_as_duration().is_some_and(|d| time_unit(d.unit())),
        Type::Interval => f.type_as_interval().is_some_and(|i| {
            matches!(i.unit(), IntervalUnit::YEAR_MONTH | IntervalUnit::DAY_TIME | IntervalUnit::MONTH_DAY_NANO)
        }),
        Type::List | Type::LargeList | Type::ListView | Type::LargeListView => children(1),
        Type::FixedSizeList => f.type_as_fixed_size_list().is_some() && children(1),
        Type::Map => f.type_as_map().is_some() && children(1),
        Type::RunEndEncoded => children(2),
        Type::Struct_ => f.children().is_none_or(|c| c.iter().all(|c| field(&c, depth + 1))),
        Type::Decimal => f.type_as_decimal().is_some_and(|d| {
            u8::try_from(d.precision()).is_ok()
                && i8::try_from(d.scale()).is_ok()
                && matches!(d.bitWidth(), 32 | 64 | 128 | 256)
        }),
        // Unions (whose conversion can also panic) and types unknown to arrow-ipc.
        _ => false,
    }
}
