//! Arrow IPC files and streams whose schema arrow-ipc cannot convert: arrow-ipc panics on an
//! integer of 12 bits (and other corrupt layouts) while converting a schema, so the reader
//! checks the schema first and refuses the input with an error naming it, before arrow-ipc
//! reads it. The schemas are built by hand with flatbuffers, as a corrupt or hostile file
//! could hold them, beside the same schema with a valid width (which must open).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

use std::path::PathBuf;

use arrow_ipc::{
    FieldBuilder, FooterBuilder, IntBuilder, MessageBuilder, MessageHeader, MetadataVersion, SchemaBuilder, Type,
};
use flatbuffers::{FlatBufferBuilder, WIPOffset};
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy, RuleScope, RuleSet};
use recordlock_arrow::MappingOptions;
use recordlock_arrow::read;
use recordlock_arrow::sweep::SweepError;
use serde_json::json;

/// One rule on `Amount`, so a schema of `id` (text) and `Amount` (an integer) maps.
fn rules() -> RuleSet {
    let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "Big", "lock_existing_records": true,
         "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}}]}]});
    let module = Module::resolve("Deals", None).unwrap();
    Policy::new(&body, module, Limits::default(), EvalOptions::default()).unwrap().rule_set(RuleScope::All)
}

/// A nullable field named `name` of type `type_type`, its type table `type_`.
fn field<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    name: &str,
    type_type: Type,
    type_: WIPOffset<flatbuffers::UnionWIPOffset>,
) -> WIPOffset<arrow_ipc::Field<'a>> {
    let name = fbb.create_string(name);
    let mut field = FieldBuilder::new(fbb);
    field.add_name(name);
    field.add_nullable(true);
    field.add_type_type(type_type);
    field.add_type_(type_);
    field.finish()
}

/// The schema `{id: Utf8, Amount: Int(bit_width, signed)}` in `fbb`.
fn schema<'a>(fbb: &mut FlatBufferBuilder<'a>, bit_width: i32) -> WIPOffset<arrow_ipc::Schema<'a>> {
    let utf8 = arrow_ipc::Utf8Builder::new(fbb).finish();
    let id = field(fbb, "id", Type::Utf8, utf8.as_union_value());
    let mut int = IntBuilder::new(fbb);
    int.add_bitWidth(bit_width);
    int.add_is_signed(true);
    let int = int.finish();
    let amount = field(fbb, "Amount", Type::Int, int.as_union_value());
    let fields = fbb.create_vector(&[id, amount]);
    let mut schema = SchemaBuilder::new(fbb);
    schema.add_fields(fields);
    schema.finish()
}

/// A schema message, framed as IPC frames it: continuation marker, length, the message
/// padded to 8 bytes.
fn schema_message(bit_width: i32) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let header = schema(&mut fbb, bit_width);
    let mut message = MessageBuilder::new(&mut fbb);
    message.add_version(MetadataVersion::V5);
    message.add_header_type(MessageHeader::Schema);
    message.add_header(header.as_union_value());
    message.add_bodyLength(0);
    let message = message.finish();
    fbb.finish(message, None);
    let mut body = fbb.finished_data().to_vec();
    body.resize(body.len().next_multiple_of(8), 0);
    let mut framed = vec![0xff; 4];
    framed.extend_from_slice(&i32::try_from(body.len()).unwrap().to_le_bytes());
    framed.extend_from_slice(&body);
    framed
}

/// The end-of-stream marker.
const END: [u8; 8] = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];

/// An IPC stream: the schema message and the end marker (no batches).
fn stream(bit_width: i32) -> Vec<u8> {
    let mut bytes = schema_message(bit_width);
    bytes.extend_from_slice(&END);
    bytes
}

/// An IPC file: magic, the stream, a footer holding the schema and no batches, its length,
/// magic.
fn file(bit_width: i32) -> Vec<u8> {
    let mut bytes = b"ARROW1\0\0".to_vec();
    bytes.extend_from_slice(&stream(bit_width));
    let mut fbb = FlatBufferBuilder::new();
    let schema = schema(&mut fbb, bit_width);
    let batches = fbb.create_vector::<arrow_ipc::Block>(&[]);
    let dictionaries = fbb.create_vector::<arrow_ipc::Block>(&[]);
    let mut footer = FooterBuilder::new(&mut fbb);
    footer.add_version(MetadataVersion::V5);
    footer.add_schema(schema);
    footer.add_recordBatches(batches);
    footer.add_dictionaries(dictionaries);
    let footer = footer.finish();
    fbb.finish(footer, None);
    let footer = fbb.finished_data();
    bytes.extend_from_slice(footer);
    bytes.extend_from_slice(&i32::try_from(footer.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(b"ARROW1");
    bytes
}

/// `bytes` in a file of the temporary directory named after this process and `name`.
fn written(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("recordlock-arrow-ipc-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The hand-built inputs are real IPC: with a valid width, arrow-ipc opens them and the
/// sweep maps `Amount` (no rows).
#[test]
fn a_hand_built_ipc_schema_with_a_valid_int_width_opens() {
    for (name, bytes) in [("valid.arrows", stream(64)), ("valid.arrow", file(64))] {
        let path = written(name, &bytes);
        let source =
            read::arrow_ipc(&path, &rules(), MappingOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(source.parts.count(), 0, "{name}");
    }
}

/// Reading `bytes` (an IPC input whose schema holds a 12-bit integer) is refused with an
/// error naming the input, not a panic of arrow-ipc.
fn assert_refused(name: &str, bytes: &[u8]) {
    let path = written(name, bytes);
    match read::arrow_ipc(&path, &rules(), MappingOptions::default()) {
        Err(SweepError::Open { path: shown, message }) => {
            assert!(shown.ends_with(name), "{shown}");
            assert!(message.contains("schema holds a type or layout that cannot be read"), "{name}: {message}");
        }
        Err(other) => panic!("{name}: expected an open error, got {other}"),
        Ok(_) => panic!("{name}: a schema with a 12-bit integer was accepted"),
    }
}

/// An integer of 12 bits in the schema message of a stream: arrow-ipc would panic converting
/// it; the reader refuses the stream first, naming it.
#[test]
fn an_ipc_stream_whose_schema_has_an_invalid_int_width_is_an_error_not_a_panic() {
    assert_refused("int12.arrows", &stream(12));
}

/// The same in the footer of a file.
#[test]
fn an_ipc_file_whose_schema_has_an_invalid_int_width_is_an_error_not_a_panic() {
    assert_refused("int12.arrow", &file(12));
}
