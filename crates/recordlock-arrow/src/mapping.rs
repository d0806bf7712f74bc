//! Schema mapping: which Arrow column holds each field a rule set reads, and how its values
//! are read (SPEC.md §2 field types → Arrow types).
//!
//! The mapping is checked once, before any row is read: a column a rule reads that is
//! missing, or whose Arrow type is not one its field type accepts, is a [`MappingError`]
//! naming the column, its type and the accepted types. Self-contained (it needs only a
//! [`Schema`] and an Arrow schema), so other Arrow engines (DataFusion) reuse it.
//!
//! | field type | accepted Arrow types |
//! |---|---|
//! | text, textarea, email, phone, website, autonumber, picklist | Utf8, LargeUtf8, Utf8View, or a Dictionary of those |
//! | multiselectpicklist | List or LargeList of those; or text with the options joined by `;` (Zoho's bulk CSV) |
//! | integer, bigint | Int8..Int64, UInt8..UInt64, Decimal128 (whole values), or text digits |
//! | decimal, currency, percent, double | Decimal128 (any precision and scale), integers, or text; Float64/Float32 only with [`MappingOptions::allow_float`] |
//! | date | Date32, or `YYYY-MM-DD` text |
//! | datetime | Timestamp with a time zone (any unit), or RFC 3339 text with an offset |
//! | boolean | Boolean, or `true`/`false` text (any case) |
//! | lookup, ownerlookup, userlookup | a text or integer id, or a Struct with an `id` child of those |
//!
//! Text of a non-text field is read exactly as JSON ingestion reads a JSON string (decimals
//! exact, dates strict). Any field may also be a Utf8 column of the canonical `arrow.json`
//! extension type: each value is JSON text, read as a record's JSON value is. Null and the
//! empty string are empty. A lookup column may be named `Field` or `Field.id` (Zoho's bulk
//! CSV header).
//!
//! ```
//! use arrow_schema::{DataType, Field, Schema as ArrowSchema};
//! use recordlock::criteria::Schema;
//! use recordlock_arrow::mapping::{Encoding, MappingOptions, map_columns};
//!
//! let deals = Schema::builtin("Deals").unwrap();
//! let stage = deals.slot("Stage").unwrap();
//! let amount = deals.slot("Amount").unwrap();
//! let file = ArrowSchema::new(vec![
//!     Field::new("id", DataType::Utf8, false),
//!     Field::new("Stage", DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)), true),
//!     Field::new("Amount", DataType::Decimal128(20, 2), true),
//! ]);
//! let mapping = map_columns(deals, &[stage, amount], &file, &MappingOptions::default()).unwrap();
//! assert_eq!(mapping.column(amount).unwrap().encoding, Encoding::Decimal { scale: 2 });
//! assert_eq!(mapping.projection(), [0, 1, 2]);
//!
//! let wrong = ArrowSchema::new(vec![Field::new("id", DataType::Utf8, false), Field::new("Amount", DataType::Float64, true)]);
//! let err = map_columns(deals, &[amount], &wrong, &MappingOptions::default()).unwrap_err();
//! assert!(err.to_string().contains("Float64"));
//! ```

use std::fmt;

use arrow_schema::{DataType, Field as ArrowField, Schema as ArrowSchema, TimeUnit};
use recordlock::criteria::{Field, Schema, Slot, TypeClass};

/// The metadata key and value of Arrow's canonical JSON extension type.
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
/// The canonical JSON extension type's name.
pub const JSON_EXTENSION: &str = "arrow.json";

/// Choices the caller makes about what to accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MappingOptions {
    /// Accept Float64/Float32 columns for decimal fields. Floats are not exact (`0.1` is
    /// stored as 0.1000000000000000055...): each value is read from its shortest decimal
    /// text, which is what was written only when it was written as a float.
    pub allow_float: bool,
}

/// How a column's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Utf8, LargeUtf8, Utf8View or a Dictionary of them: text, read by the field's type as
    /// JSON ingestion reads a JSON string (a multi-select as options joined by `;`).
    Text,
    /// Text of the `arrow.json` extension type: each value is a JSON value.
    Json,
    /// Signed or unsigned integers.
    Integer,
    /// Decimal128 with this scale.
    Decimal {
        /// Digits after the point.
        scale: i8,
    },
    /// Float64 or Float32 (only with [`MappingOptions::allow_float`]).
    Float,
    /// Date32: days since 1970-01-01.
    Date,
    /// Timestamp with a time zone, in this unit.
    Timestamp(TimeUnit),
    /// Boolean.
    Boolean,
    /// List or LargeList of text: a multi-select's options.
    TextList,
    /// A Struct whose child number `child` (an id, read as `id`) is text or an integer.
    IdStruct {
        /// The index of the `id` child.
        child: usize,
        /// Whether that child is an integer (else text).
        integer: bool,
    },
}

/// One mapped column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The field's slot in the module schema.
    pub slot: Slot,
    /// The field's API name.
    pub api_name: String,
    /// The column's index in the Arrow schema.
    pub index: usize,
    /// The column's name (the API name, or `API_NAME.id` for a lookup).
    pub column: String,
    /// How values are read.
    pub encoding: Encoding,
}

/// The mapping of a rule set's fields (and the record id) onto an Arrow schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    columns: Vec<ColumnMapping>,
    id: Option<(usize, Encoding)>,
}

impl Mapping {
    /// The mapped columns, one per field read, in slot order.
    pub fn columns(&self) -> &[ColumnMapping] {
        &self.columns
    }

    /// The mapping of `slot`, if it is read.
    pub fn column(&self, slot: Slot) -> Option<&ColumnMapping> {
        self.columns.iter().find(|c| c.slot == slot)
    }

    /// The `id` column's index and encoding.
    pub fn id(&self) -> Option<(usize, Encoding)> {
        self.id
    }

    /// The indices of every column read (the fields and `id`), sorted: a reader's projection.
    pub fn projection(&self) -> Vec<usize> {
        let mut p: Vec<usize> = self.columns.iter().map(|c| c.index).chain(self.id.map(|(i, _)| i)).collect();
        p.sort_unstable();
        p.dedup();
        p
    }
}

/// Why a schema cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingError {
    /// A field a rule reads has no column.
    Missing {
        /// The field's API name.
        api_name: String,
        /// Its Zoho data type.
        data_type: String,
    },
    /// Both `Field` and `Field.id` are columns: which one holds the id is ambiguous.
    Ambiguous {
        /// The field's API name.
        api_name: String,
    },
    /// A column has a type its field does not accept.
    WrongType {
        /// The column's name.
        column: String,
        /// The field's Zoho data type.
        data_type: String,
        /// The column's Arrow type.
        arrow_type: String,
        /// What the field type accepts.
        accepted: &'static str,
        /// Why a near miss is refused (floats, timestamps without a zone), if it is one.
        note: Option<&'static str>,
    },
    /// There is no `id` column: no lock could be applied to any row.
    NoId,
    /// The `id` column has a type ids cannot have.
    WrongIdType {
        /// The column's Arrow type.
        arrow_type: String,
    },
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MappingError::Missing { api_name, data_type } => {
                write!(f, "no column `{api_name}` (a {data_type} field the rules read)")
            }
            MappingError::Ambiguous { api_name } => {
                write!(f, "both `{api_name}` and `{api_name}.id` are columns: keep one")
            }
            MappingError::WrongType { column, data_type, arrow_type, accepted, note } => {
                write!(
                    f,
                    "column `{column}` is {arrow_type}, but its field is a {data_type} field, which accepts {accepted}"
                )?;
                if let Some(note) = note {
                    write!(f, " ({note})")?;
                }
                Ok(())
            }
            MappingError::NoId => {
                write!(f, "no column `id`: a lock needs the record's id (text or an integer)")
            }
            MappingError::WrongIdType { arrow_type } => {
                write!(f, "column `id` is {arrow_type}; record ids are text or integers")
            }
        }
    }
}

impl std::error::Error for MappingError {}

/// Maps the fields in `slots` of `schema` onto `file`'s columns, and finds the `id` column.
///
/// # Errors
/// The first field (in slot order) whose column is missing or of a type it does not accept;
/// then a missing `id` column, or one of a type ids cannot have.
pub fn map_columns(
    schema: &Schema,
    slots: &[Slot],
    file: &ArrowSchema,
    opts: &MappingOptions,
) -> Result<Mapping, MappingError> {
    let mut slots = slots.to_vec();
    slots.sort_unstable();
    slots.dedup();
    let mut columns = Vec::with_capacity(slots.len());
    for slot in slots {
        let Some(field) = schema.get(slot) else { continue };
        let (index, column) = find_column(field, file)?;
        let encoding = encoding_of(field, column, opts)?;
        columns.push(ColumnMapping {
            slot,
            api_name: field.api_name().to_owned(),
            index,
            column: column.name().clone(),
            encoding,
        });
    }
    let id = match file.index_of("id") {
        Err(_) => return Err(MappingError::NoId),
        Ok(i) => {
            let f = file.field(i);
            let encoding = if is_json(f) && is_text(f.data_type()) {
                Encoding::Json
            } else if is_text(f.data_type()) {
                Encoding::Text
            } else if is_integer(f.data_type()) {
                Encoding::Integer
            } else {
                return Err(MappingError::WrongIdType { arrow_type: f.data_type().to_string() });
            };
            Some((i, encoding))
        }
    };
    Ok(Mapping { columns, id })
}

fn find_column<'a>(field: &Field, file: &'a ArrowSchema) -> Result<(usize, &'a ArrowField), MappingError> {
    let name = field.api_name();
    let plain = file.index_of(name).ok();
    let dotted =
        if field.data_type().class() == TypeClass::Lookup { file.index_of(&format!("{name}.id")).ok() } else { None };
    let index = match (plain, dotted) {
        (Some(_), Some(_)) => return Err(MappingError::Ambiguous { api_name: name.to_owned() }),
        (Some(i), None) | (None, Some(i)) => i,
        (None, None) => {
            return Err(MappingError::Missing {
                api_name: name.to_owned(),
                data_type: field.data_type().as_str().to_owned(),
            });
        }
    };
    Ok((index, file.field(index)))
}

/// What a field type accepts, for error messages.
pub fn accepted_types(class: TypeClass) -> &'static str {
    match class {
        TypeClass::Text | TypeClass::Picklist => "Utf8, LargeUtf8, Utf8View or a Dictionary of them",
        TypeClass::MultiPicklist => {
            "List or LargeList of Utf8, LargeUtf8 or Utf8View (or of a Dictionary of them), or text with the options joined by `;`"
        }
        TypeClass::Number { integral: true } => {
            "Int8..Int64, UInt8..UInt64, Decimal128 (whole values) or text (Utf8, LargeUtf8, Utf8View)"
        }
        TypeClass::Number { integral: false } => {
            "Decimal128 (any precision and scale), Int8..Int64, UInt8..UInt64 or text (Utf8, LargeUtf8, Utf8View)"
        }
        TypeClass::Date => "Date32 or YYYY-MM-DD text (Utf8, LargeUtf8, Utf8View)",
        TypeClass::DateTime => "Timestamp with a time zone or RFC 3339 text with an offset (Utf8, LargeUtf8, Utf8View)",
        TypeClass::Boolean => "Boolean or true/false text (Utf8, LargeUtf8, Utf8View)",
        TypeClass::Lookup => {
            "an id as Utf8, LargeUtf8, Utf8View, Int8..Int64 or UInt8..UInt64, or a Struct with an `id` child of those"
        }
        TypeClass::Unsupported => "nothing (criteria cannot compare this type)",
    }
}

fn encoding_of(field: &Field, column: &ArrowField, opts: &MappingOptions) -> Result<Encoding, MappingError> {
    let class = field.data_type().class();
    let dt = column.data_type();
    let wrong = |note: Option<&'static str>| MappingError::WrongType {
        column: column.name().clone(),
        data_type: field.data_type().as_str().to_owned(),
        arrow_type: dt.to_string(),
        accepted: accepted_types(class),
        note,
    };
    if is_text(dt) {
        return Ok(if is_json(column) { Encoding::Json } else { Encoding::Text });
    }
    let encoding = match (class, dt) {
        (TypeClass::MultiPicklist, DataType::List(item) | DataType::LargeList(item)) if is_text(item.data_type()) => {
            Some(Encoding::TextList)
        }
        (TypeClass::Number { .. }, d) if is_integer(d) => Some(Encoding::Integer),
        (TypeClass::Number { .. }, DataType::Decimal128(_, scale)) => Some(Encoding::Decimal { scale: *scale }),
        (TypeClass::Number { integral: false }, DataType::Float64 | DataType::Float32) => {
            if opts.allow_float {
                Some(Encoding::Float)
            } else {
                return Err(wrong(Some(
                    "floats are not exact decimals; convert the column to Decimal128, or opt in to reading floats",
                )));
            }
        }
        (TypeClass::Date, DataType::Date32) => Some(Encoding::Date),
        (TypeClass::DateTime, DataType::Timestamp(unit, Some(_))) => Some(Encoding::Timestamp(*unit)),
        (TypeClass::DateTime, DataType::Timestamp(_, None)) => {
            return Err(wrong(Some("a timestamp without a time zone is not an instant; give the column a zone")));
        }
        (TypeClass::Boolean, DataType::Boolean) => Some(Encoding::Boolean),
        (TypeClass::Lookup, d) if is_integer(d) => Some(Encoding::Integer),
        (TypeClass::Lookup, DataType::Struct(children)) => {
            children.iter().position(|c| c.name() == "id").and_then(|i| {
                let child = children.get(i)?.data_type();
                if is_text(child) {
                    Some(Encoding::IdStruct { child: i, integer: false })
                } else if is_integer(child) {
                    Some(Encoding::IdStruct { child: i, integer: true })
                } else {
                    None
                }
            })
        }
        _ => None,
    };
    encoding.ok_or_else(|| wrong(None))
}

/// Whether `dt` is text: Utf8, LargeUtf8, Utf8View or a Dictionary of them.
pub fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => {
            matches!(**values, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
        }
        _ => false,
    }
}

/// Whether `dt` is a signed or unsigned integer.
pub fn is_integer(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// Whether the column is of the canonical `arrow.json` extension type.
pub fn is_json(column: &ArrowField) -> bool {
    column.metadata().get(EXTENSION_NAME_KEY).is_some_and(|n| n == JSON_EXTENSION)
}

/// The Arrow type recordlock writes for a field (as `gen --format parquet` does):
/// dictionary-encoded text for picklists, Decimal128(20, 2) for currencies and other
/// decimals, Int64 for integers, Date32, Timestamp(µs, UTC), Boolean, a List of Utf8 for
/// multi-selects, Utf8 for the rest (lookups as their id).
pub fn preferred_type(field: &Field) -> DataType {
    match field.data_type().class() {
        TypeClass::Picklist => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        TypeClass::MultiPicklist => DataType::List(std::sync::Arc::new(ArrowField::new("item", DataType::Utf8, true))),
        TypeClass::Number { integral: true } => DataType::Int64,
        TypeClass::Number { integral: false } => DataType::Decimal128(20, 2),
        TypeClass::Date => DataType::Date32,
        TypeClass::DateTime => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        TypeClass::Boolean => DataType::Boolean,
        TypeClass::Text | TypeClass::Lookup | TypeClass::Unsupported => DataType::Utf8,
    }
}
