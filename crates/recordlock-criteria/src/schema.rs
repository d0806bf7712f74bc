//! Module schemas: the fields a record may hold, their data types and picklist options.
//!
//! A [`Schema`] is read from a Zoho fields-metadata body
//! (`{"fields": [{"api_name", "id"?, "data_type", "pick_list_values"?}]}`) or taken from the
//! built-in schemas of the standard modules ([`Schema::builtin`]). Each field gets a [`Slot`]:
//! its index in the schema, which compiled programs and rows use instead of names.

mod builtin;
mod field_type;

use std::collections::HashMap;

use serde_json::Value as Json;

pub use self::builtin::BUILTIN_MODULES;
pub use self::field_type::{FieldType, TypeClass};
use crate::error::{Error, ErrorCode};
use crate::json_path::JsonPath;
use crate::text::fold;

/// The index of a field in its [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(u32);

impl Slot {
    /// The slot of the `index`th field.
    pub fn new(index: usize) -> Option<Slot> {
        u32::try_from(index).ok().map(Slot)
    }

    /// The field's index in the schema.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The index of an option in its picklist field's option list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OptionCode(u32);

impl OptionCode {
    /// The option's index in [`Field::options`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One picklist option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PicklistOption {
    /// The value stored and sent by the API.
    pub actual_value: String,
    /// The label shown to users; often equal to `actual_value`.
    pub display_value: String,
}

/// Up to this many option names, [`Field::option_of`] compares them one by one; beyond,
/// it hashes.
const MAX_LISTED_OPTIONS: usize = 48;

/// Whether ASCII `text` is `folded` (a folded name, so lower case) ignoring ASCII case,
/// compared eight bytes at a time (`eq_ignore_ascii_case` goes byte by byte below 16).
fn equals_folded_ascii(folded: &[u8], text: &[u8]) -> bool {
    if folded.len() != text.len() {
        return false;
    }
    let ((names, name_tail), (texts, text_tail)) = (folded.as_chunks::<8>(), text.as_chunks::<8>());
    names.iter().zip(texts).all(|(n, t)| u64::from_le_bytes(*n) == lower_ascii_word(u64::from_le_bytes(*t)))
        && name_tail.iter().zip(text_tail).all(|(n, t)| *n == t.to_ascii_lowercase())
}

/// Eight ASCII bytes with their letters lowered: a byte gains the case bit (0x20) when it
/// lies in `A..=Z`, found by two additions that carry into its top bit (no ASCII byte has
/// that bit, so no addition carries into the next byte).
fn lower_ascii_word(x: u64) -> u64 {
    const EACH: u64 = 0x0101_0101_0101_0101;
    let from_a = x.wrapping_add(EACH * (0x80 - u64::from(b'A')));
    let past_z = x.wrapping_add(EACH * (0x80 - u64::from(b'Z') - 1));
    x | ((from_a & !past_z & (EACH * 0x80)) >> 2)
}

/// One field of a module.
#[derive(Debug, Clone)]
pub struct Field {
    api_name: String,
    id: Option<String>,
    data_type: FieldType,
    options: Vec<PicklistOption>,
    /// Case-folded actual and display values → option. An actual value wins over another
    /// option's equal display value.
    option_index: HashMap<String, OptionCode>,
    /// The same, as a list: a record's picklist value of ASCII text is matched against it
    /// ignoring ASCII case, without folding it into a new string and hashing that.
    option_list: Vec<(Box<str>, OptionCode)>,
}

impl Field {
    /// A field without picklist options.
    pub fn new(api_name: impl Into<String>, data_type: FieldType) -> Field {
        Field {
            api_name: api_name.into(),
            id: None,
            data_type,
            options: Vec::new(),
            option_index: HashMap::new(),
            option_list: Vec::new(),
        }
    }

    /// Sets the field's id.
    pub fn with_id(mut self, id: impl Into<String>) -> Field {
        self.id = Some(id.into());
        self
    }

    /// Sets the picklist options, in order.
    pub fn with_options(mut self, options: Vec<PicklistOption>) -> Field {
        let mut index = HashMap::new();
        for (i, o) in options.iter().enumerate() {
            let code = OptionCode(u32::try_from(i).unwrap_or(u32::MAX));
            index.entry(fold(&o.actual_value)).or_insert(code);
        }
        for (i, o) in options.iter().enumerate() {
            let code = OptionCode(u32::try_from(i).unwrap_or(u32::MAX));
            index.entry(fold(&o.display_value)).or_insert(code);
        }
        self.options = options;
        self.option_list = index.iter().map(|(k, c)| (k.as_str().into(), *c)).collect();
        self.option_index = index;
        self
    }

    /// The API name, e.g. `Stage`.
    pub fn api_name(&self) -> &str {
        &self.api_name
    }

    /// The field id, when the schema gives one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The data type.
    pub fn data_type(&self) -> &FieldType {
        &self.data_type
    }

    /// The picklist options (empty for other types, or a picklist without listed options).
    pub fn options(&self) -> &[PicklistOption] {
        &self.options
    }

    /// The option named by `value` (actual or display value, ignoring case).
    pub fn option(&self, value: &str) -> Option<OptionCode> {
        self.option_index.get(&fold(value)).copied()
    }

    /// The option named by `value`, as [`Field::option`]. ASCII text is compared with the
    /// folded names ignoring ASCII case (the names are folded, so lower case, and a name
    /// with other characters cannot equal ASCII text): nothing is allocated or hashed.
    pub fn option_of(&self, value: &str) -> Option<OptionCode> {
        if value.is_ascii() && self.option_list.len() <= MAX_LISTED_OPTIONS {
            return self
                .option_list
                .iter()
                .find(|(name, _)| equals_folded_ascii(name.as_bytes(), value.as_bytes()))
                .map(|(_, code)| *code);
        }
        self.option(value)
    }

    /// The option named by already case-folded text.
    pub fn option_folded(&self, folded: &str) -> Option<OptionCode> {
        self.option_index.get(folded).copied()
    }

    /// The option with code `code`.
    pub fn option_by_code(&self, code: OptionCode) -> Option<&PicklistOption> {
        self.options.get(code.index())
    }

    /// Whether this picklist compares by option (it lists options) or as text.
    pub fn has_options(&self) -> bool {
        !self.options.is_empty()
    }
}

/// The fields of one module.
///
/// ```
/// use recordlock_criteria::{Schema, FieldType};
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let stage = deals.field(deals.slot("Stage").unwrap());
/// assert_eq!(stage.data_type(), &FieldType::Picklist);
/// assert!(stage.option("closed-lost to competition").is_some());
///
/// let custom = Schema::from_json_str(
///     r#"{"fields": [{"api_name": "Score", "id": "42", "data_type": "integer"}]}"#,
/// ).unwrap();
/// assert_eq!(custom.slot_by_id("42"), custom.slot("Score"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Schema {
    fields: Vec<Field>,
    by_api_name: HashMap<String, Slot>,
    by_id: HashMap<String, Slot>,
}

impl Schema {
    /// A schema of `fields`. Two fields with one api_name or one id are `INVALID_DATA`.
    pub fn new(fields: Vec<Field>) -> Result<Schema, Error> {
        let root = JsonPath::root().key("fields");
        let mut by_api_name = HashMap::with_capacity(fields.len());
        let mut by_id = HashMap::new();
        for (i, f) in fields.iter().enumerate() {
            let path = root.index(i);
            let slot =
                Slot::new(i).ok_or_else(|| Error::limit_exceeded(&root, "the number of fields", u32::MAX as usize))?;
            if by_api_name.insert(f.api_name.clone(), slot).is_some() {
                return Err(Error::new(
                    ErrorCode::DuplicateData,
                    &path.key("api_name"),
                    format!("two fields are named `{}`", f.api_name),
                )
                .with_api_name(f.api_name.clone()));
            }
            if let Some(id) = &f.id
                && by_id.insert(id.clone(), slot).is_some()
            {
                return Err(Error::new(
                    ErrorCode::DuplicateData,
                    &path.key("id"),
                    format!("two fields have the id `{id}`"),
                )
                .with_api_name(f.api_name.clone()));
            }
        }
        Ok(Schema { fields, by_api_name, by_id })
    }

    /// Reads a Zoho fields-metadata body. Keys other than `api_name`, `id`, `data_type` and
    /// `pick_list_values` are ignored (Zoho's metadata carries many); a data type the criteria
    /// language does not compare is kept as [`FieldType::Other`].
    pub fn from_json(body: &Json) -> Result<Schema, Error> {
        let root = JsonPath::root();
        let fields_path = root.key("fields");
        let Some(items) = body.get("fields") else {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &fields_path, "required field not found")
                .with_api_name("fields"));
        };
        let Json::Array(items) = items else {
            return Err(
                Error::new(ErrorCode::InvalidData, &fields_path, "`fields` must be an array").with_api_name("fields")
            );
        };
        let mut fields = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            fields.push(parse_field(item, &fields_path.index(i))?);
        }
        Schema::new(fields)
    }

    /// Reads a Zoho fields-metadata body from JSON text.
    pub fn from_json_str(text: &str) -> Result<Schema, Error> {
        let body: Json = serde_json::from_str(text).map_err(|e| crate::error_from_json(&e, text.as_bytes()))?;
        Schema::from_json(&body)
    }

    /// The built-in schema of a supported standard module (`Deals`, `Leads`, ...), parsed once.
    pub fn builtin(module: &str) -> Option<&'static Schema> {
        builtin::get(module)
    }

    /// The fields, in slot order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the schema has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The field in `slot`. Slots come from this schema, so the field exists; a slot from
    /// another, larger schema yields the first field rather than a panic.
    pub fn field(&self, slot: Slot) -> &Field {
        static NONE: std::sync::OnceLock<Field> = std::sync::OnceLock::new();
        self.fields
            .get(slot.index())
            .unwrap_or_else(|| NONE.get_or_init(|| Field::new("", FieldType::Other(String::new()))))
    }

    /// The field in `slot`, or `None` for a slot outside the schema.
    pub fn get(&self, slot: Slot) -> Option<&Field> {
        self.fields.get(slot.index())
    }

    /// The slot of the field named `api_name`.
    pub fn slot(&self, api_name: &str) -> Option<Slot> {
        self.by_api_name.get(api_name).copied()
    }

    /// The slot of the field with id `id`.
    pub fn slot_by_id(&self, id: &str) -> Option<Slot> {
        self.by_id.get(id).copied()
    }
}

fn parse_field(item: &Json, path: &JsonPath) -> Result<Field, Error> {
    let Json::Object(map) = item else {
        return Err(Error::new(ErrorCode::InvalidData, path, "a field must be an object"));
    };
    let api_name = match map.get("api_name") {
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidData,
                &path.key("api_name"),
                "`api_name` must be a non-empty string",
            ));
        }
        None => {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("api_name"), "required field not found")
                .with_api_name("api_name"));
        }
    };
    let data_type = match map.get("data_type") {
        Some(Json::String(s)) => FieldType::parse(s),
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &path.key("data_type"), "`data_type` must be a string")
                .with_api_name(api_name));
        }
        None => {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("data_type"), "required field not found")
                .with_api_name(api_name));
        }
    };
    let mut field = Field::new(api_name, data_type);
    match map.get("id") {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) => field.id = Some(s.clone()),
        Some(Json::Number(n)) => field.id = Some(n.as_str().to_owned()),
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &path.key("id"), "`id` must be a string or a number")
                .with_api_name(field.api_name));
        }
    }
    if let Some(values) = map.get("pick_list_values") {
        let vpath = path.key("pick_list_values");
        let options = match values {
            Json::Null => Vec::new(),
            Json::Array(items) => {
                let mut options = Vec::with_capacity(items.len());
                for (i, o) in items.iter().enumerate() {
                    options.push(parse_option(o, &vpath.index(i), &field.api_name)?);
                }
                options
            }
            _ => {
                return Err(Error::new(ErrorCode::InvalidData, &vpath, "`pick_list_values` must be an array")
                    .with_api_name(field.api_name));
            }
        };
        field = field.with_options(options);
    }
    Ok(field)
}

fn parse_option(item: &Json, path: &JsonPath, api_name: &str) -> Result<PicklistOption, Error> {
    let text = |key: &str| match item.get(key) {
        Some(Json::String(s)) => Ok(Some(s.clone())),
        None | Some(Json::Null) => Ok(None),
        Some(_) => Err(Error::new(ErrorCode::InvalidData, &path.key(key), format!("`{key}` must be a string"))
            .with_api_name(api_name)),
    };
    let actual = text("actual_value")?;
    let display = text("display_value")?;
    match (actual, display) {
        (Some(actual_value), display) => {
            let display_value = display.unwrap_or_else(|| actual_value.clone());
            Ok(PicklistOption { actual_value, display_value })
        }
        (None, Some(display_value)) => Ok(PicklistOption { actual_value: display_value.clone(), display_value }),
        (None, None) => {
            Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("actual_value"), "required field not found")
                .with_api_name(api_name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lower_as_bytes_do() {
        // Every ASCII byte at every position of a word of other bytes.
        for b in 0..0x80u8 {
            for at in 0..8 {
                for fill in [b'Q', b'q', b'@', b'[', b'`', b'{', 0, 0x7f] {
                    let mut bytes = [fill; 8];
                    bytes[at] = b;
                    let want = u64::from_le_bytes(bytes.map(|c| c.to_ascii_lowercase()));
                    assert_eq!(lower_ascii_word(u64::from_le_bytes(bytes)), want, "{b:#x} at {at} among {fill:#x}");
                }
            }
        }
    }

    #[test]
    fn option_of_names_the_option_that_option_does() {
        // Every listed option of every built-in picklist, in several casings, and near
        // misses: shorter, longer, one byte changed at the start, in the first eight bytes
        // and past them, and non-ASCII text.
        for module in BUILTIN_MODULES {
            let schema = Schema::builtin(module).unwrap_or_else(|| panic!("{module}"));
            for field in schema.fields().iter().filter(|f| f.has_options()) {
                for o in field.options() {
                    for name in [&o.actual_value, &o.display_value] {
                        let mut tries = vec![
                            name.clone(),
                            name.to_uppercase(),
                            name.to_lowercase(),
                            format!("{name}x"),
                            name.chars().skip(1).collect(),
                            format!("{name}\u{df}"),
                            format!("\u{130}{name}"),
                        ];
                        for at in [0, 3, 7, 8, 12] {
                            let mut bytes = name.clone().into_bytes();
                            if let Some(b) = bytes.get_mut(at) {
                                *b ^= 0x01;
                            }
                            tries.extend(String::from_utf8(bytes).ok());
                        }
                        for t in &tries {
                            assert_eq!(field.option_of(t), field.option(t), "{}: {t:?}", field.api_name());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_builtin_schema_parses_and_has_the_common_fields() {
        for module in BUILTIN_MODULES {
            let s = Schema::builtin(module).unwrap_or_else(|| panic!("{module} does not parse"));
            for name in ["id", "Owner", "Created_Time", "Modified_Time", "Locked__s"] {
                assert!(s.slot(name).is_some(), "{module} lacks {name}");
            }
        }
        assert!(Schema::builtin("Calls").is_none());
    }

    #[test]
    fn deals_stage_has_zoho_actual_and_display_values() {
        let deals = Schema::builtin("Deals").unwrap();
        let stage = deals.field(deals.slot("Stage").unwrap());
        let by_actual = stage.option("Closed Lost to Competition").unwrap();
        let by_display = stage.option("CLOSED-LOST TO COMPETITION").unwrap();
        assert_eq!(by_actual, by_display);
        assert_eq!(stage.option("Identify Decision Makers"), stage.option("Id. Decision Makers"));
        assert_eq!(stage.options().len(), 9);
    }

    #[test]
    fn fields_metadata_with_unknown_types_and_keys_is_read() {
        let s = Schema::from_json_str(
            r#"{"fields": [
                {"api_name": "Name", "data_type": "text", "field_label": "Name", "length": 120},
                {"api_name": "Items", "data_type": "subform", "id": 5843104000001068052},
                {"api_name": "Tier", "data_type": "picklist", "pick_list_values": [{"actual_value": "Gold"}]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(s.len(), 3);
        assert!(matches!(s.field(s.slot("Items").unwrap()).data_type(), FieldType::Other(_)));
        assert_eq!(s.slot_by_id("5843104000001068052"), s.slot("Items"));
        assert!(s.field(s.slot("Tier").unwrap()).option("gold").is_some());
    }

    #[test]
    fn duplicate_api_names_are_rejected_with_a_path() {
        let err = Schema::from_json_str(
            r#"{"fields": [{"api_name": "A", "data_type": "text"}, {"api_name": "A", "data_type": "integer"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::DuplicateData);
        assert_eq!(err.json_path(), "$.fields[1].api_name");
    }

    #[test]
    fn missing_data_type_is_mandatory_not_found() {
        let err = Schema::from_json_str(r#"{"fields": [{"api_name": "A"}]}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MandatoryNotFound);
        assert_eq!(err.json_path(), "$.fields[0].data_type");
    }
}
