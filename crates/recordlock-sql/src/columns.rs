//! Where each field lives in the table: a column name and a PostgreSQL type that holds the
//! field's values exactly.
//!
//! By default a field is the column of the same name, of the type [`SqlType::default_for`]
//! gives its Zoho type. A mapping (`--columns MAP.json`) renames columns, names the id column
//! and may state types; a live table's catalog (read by the caller) overrides the types, and
//! each type must be one the field's type accepts ([`SqlType::accepts`]).
//!
//! ```
//! use recordlock_sql::{ColumnMap, SqlType, TableMap};
//! use recordlock::criteria::Schema;
//! use serde_json::json;
//!
//! let deals = Schema::builtin("Deals").unwrap();
//! let map = ColumnMap::from_json(&json!({"id": "deal_id", "columns": {
//!     "Amount": {"column": "amount", "type": "numeric(12,2)"}, "Stage": "stage"}})).unwrap();
//! let table = TableMap::new("deals", deals, &map).unwrap();
//! let amount = deals.slot("Amount").unwrap();
//! assert_eq!(table.column(amount).unwrap().name(), "amount");
//! assert_eq!(table.column(amount).unwrap().sql_type(), SqlType::Numeric);
//! assert!(ColumnMap::from_json(&json!({"columns": {"Amount": {"type": "double precision"}}})).is_err());
//! ```

use std::collections::BTreeMap;
use std::fmt;

use recordlock::criteria::{Field, Schema, Slot, TypeClass};
use serde_json::Value as Json;

use crate::error::SqlError;
use crate::ident::Ident;

/// A PostgreSQL column type recordlock reads exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// `text`.
    Text,
    /// `character varying` (`varchar`, with or without a length).
    Varchar,
    /// `citext` (the extension's case-insensitive text; read as text).
    Citext,
    /// `smallint`.
    Smallint,
    /// `integer`.
    Integer,
    /// `bigint`.
    Bigint,
    /// `numeric`, with or without precision and scale.
    Numeric,
    /// `date`.
    Date,
    /// `timestamp with time zone`.
    Timestamptz,
    /// `boolean`.
    Boolean,
    /// `text[]` (or `character varying[]`): multi-select picklists.
    TextArray,
}

impl SqlType {
    /// Reads a type name as `format_type` (the catalog) or a person writes it: `text`,
    /// `character varying(40)`, `varchar`, `citext`, `int4`, `numeric(12,2)`, `timestamptz`,
    /// `text[]`, ... Types that cannot hold a field's values exactly are refused with the
    /// reason: `double precision` and `real` round decimals, `timestamp without time zone` is
    /// no instant, `character(n)` pads with spaces, `money` depends on a locale.
    pub fn parse(name: &str) -> Result<SqlType, String> {
        let lower = name.trim().to_ascii_lowercase();
        let (base, array) = match lower.strip_suffix("[]") {
            Some(b) => (b.trim(), true),
            None => (lower.as_str(), false),
        };
        // Drop a type modifier: `varchar(40)`, `numeric(12, 2)`.
        let base = base.split_once('(').map_or(base, |(b, _)| b).trim();
        // An extension's type may come schema-qualified (`public.citext`).
        let base = base.rsplit_once('.').map_or(base, |(_, b)| b);
        let scalar = match base {
            "text" => SqlType::Text,
            "character varying" | "varchar" => SqlType::Varchar,
            "citext" => SqlType::Citext,
            "smallint" | "int2" => SqlType::Smallint,
            "integer" | "int" | "int4" => SqlType::Integer,
            "bigint" | "int8" => SqlType::Bigint,
            "numeric" | "decimal" => SqlType::Numeric,
            "date" => SqlType::Date,
            "timestamp with time zone" | "timestamptz" => SqlType::Timestamptz,
            "boolean" | "bool" => SqlType::Boolean,
            "double precision" | "float8" | "real" | "float4" | "float" => {
                return Err(format!("`{name}` is refused: a binary float cannot hold decimals exactly; use numeric"));
            }
            "timestamp without time zone" | "timestamp" => {
                return Err(format!(
                    "`{name}` is refused: it is no instant (datetimes compare as instants); use timestamp with time zone"
                ));
            }
            "character" | "char" | "bpchar" => {
                return Err(format!("`{name}` is refused: it pads values with spaces; use text or varchar"));
            }
            "money" => return Err(format!("`{name}` is refused: its scale depends on a locale; use numeric")),
            _ => return Err(format!("`{name}` is not a column type recordlock reads")),
        };
        match (scalar, array) {
            (_, false) => Ok(scalar),
            (SqlType::Text | SqlType::Varchar, true) => Ok(SqlType::TextArray),
            _ => Err(format!(
                "`{name}` is not a column type recordlock reads (arrays: text[] for multi-select picklists)"
            )),
        }
    }

    /// The type's name in SQL (for `CREATE TABLE`).
    pub fn as_sql(self) -> &'static str {
        match self {
            SqlType::Text => "text",
            SqlType::Varchar => "character varying",
            SqlType::Citext => "citext",
            SqlType::Smallint => "smallint",
            SqlType::Integer => "integer",
            SqlType::Bigint => "bigint",
            SqlType::Numeric => "numeric",
            SqlType::Date => "date",
            SqlType::Timestamptz => "timestamp with time zone",
            SqlType::Boolean => "boolean",
            SqlType::TextArray => "text[]",
        }
    }

    /// Whether a column of this type can hold values of a field of class `class`.
    pub fn accepts(self, class: TypeClass) -> bool {
        use SqlType as S;
        match class {
            TypeClass::Text | TypeClass::Picklist => matches!(self, S::Text | S::Varchar | S::Citext),
            TypeClass::MultiPicklist => self == S::TextArray,
            TypeClass::Number { .. } => matches!(self, S::Smallint | S::Integer | S::Bigint | S::Numeric),
            TypeClass::Date => self == S::Date,
            TypeClass::DateTime => self == S::Timestamptz,
            TypeClass::Boolean => self == S::Boolean,
            TypeClass::Lookup => matches!(self, S::Text | S::Varchar | S::Citext | S::Integer | S::Bigint),
            TypeClass::Unsupported => false,
        }
    }

    /// The type a field's column has when nothing says otherwise.
    pub fn default_for(class: TypeClass) -> Option<SqlType> {
        Some(match class {
            TypeClass::Text | TypeClass::Picklist | TypeClass::Lookup => SqlType::Text,
            TypeClass::MultiPicklist => SqlType::TextArray,
            TypeClass::Number { .. } => SqlType::Numeric,
            TypeClass::Date => SqlType::Date,
            TypeClass::DateTime => SqlType::Timestamptz,
            TypeClass::Boolean => SqlType::Boolean,
            TypeClass::Unsupported => return None,
        })
    }

    /// Whether the type is text-like (read through `::text`).
    pub(crate) fn is_text(self) -> bool {
        matches!(self, SqlType::Text | SqlType::Varchar | SqlType::Citext)
    }

    /// Whether the type is a whole-number type.
    pub(crate) fn is_integer(self) -> bool {
        matches!(self, SqlType::Smallint | SqlType::Integer | SqlType::Bigint)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

/// Where one field lives, as a mapping file states it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The column's name (default: the field's API name).
    pub column: Option<String>,
    /// The column's type (default: [`SqlType::default_for`], or the live table's).
    pub sql_type: Option<SqlType>,
    /// The type as written (`numeric(12,2)`), for its modifier.
    pub type_name: Option<String>,
}

/// A mapping file: `{"id": "deal_id", "columns": {"Amount": "amount", "Stage": {"column":
/// "stage", "type": "varchar"}}}`. Every key is optional; fields not named keep their API name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// The id column (default `id`).
    pub id: Option<String>,
    /// Fields by API name.
    pub columns: BTreeMap<String, ColumnSpec>,
}

impl ColumnMap {
    /// Reads a mapping file's JSON. Errors name the key that is wrong.
    pub fn from_json(json: &Json) -> Result<ColumnMap, SqlError> {
        let bad = |path: &str, why: &str| SqlError::Mapping(format!("{path}: {why}"));
        let Json::Object(top) = json else { return Err(bad("$", "expected an object")) };
        let mut map = ColumnMap::default();
        for (key, value) in top {
            match (key.as_str(), value) {
                ("id", Json::String(s)) => map.id = Some(s.clone()),
                ("id", _) => return Err(bad("$.id", "expected a column name (a string)")),
                ("columns", Json::Object(cols)) => {
                    for (field, spec) in cols {
                        let path = format!("$.columns.{field}");
                        let spec = match spec {
                            Json::String(s) => ColumnSpec { column: Some(s.clone()), ..ColumnSpec::default() },
                            Json::Object(o) => {
                                let mut spec = ColumnSpec::default();
                                for (k, v) in o {
                                    match (k.as_str(), v) {
                                        ("column", Json::String(s)) => spec.column = Some(s.clone()),
                                        ("type", Json::String(t)) => {
                                            spec.sql_type =
                                                Some(SqlType::parse(t).map_err(|e| bad(&format!("{path}.type"), &e))?);
                                            spec.type_name = Some(t.clone());
                                        }
                                        _ => {
                                            return Err(bad(
                                                &format!("{path}.{k}"),
                                                "unknown key or not a string (expected `column` and `type`)",
                                            ));
                                        }
                                    }
                                }
                                spec
                            }
                            _ => return Err(bad(&path, "expected a column name or {\"column\", \"type\"}")),
                        };
                        map.columns.insert(field.clone(), spec);
                    }
                }
                ("columns", _) => return Err(bad("$.columns", "expected an object")),
                _ => return Err(bad(&format!("$.{key}"), "unknown key (expected `id` and `columns`)")),
            }
        }
        Ok(map)
    }
}

/// One column: its name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    name: Ident,
    sql_type: SqlType,
    digits: Option<NumericDigits>,
}

/// A `numeric(precision, scale)` column's type modifier: at most `precision` digits, so
/// (with `precision <= 28`) every value but NaN and ±Infinity is an exact 96-bit decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumericDigits {
    /// The most digits a value has.
    pub precision: u32,
    /// Digits after the point.
    pub scale: i32,
}

impl NumericDigits {
    /// The modifier of a type written `numeric(12,2)` or `numeric(12)` (scale 0).
    pub fn parse(name: &str) -> Option<NumericDigits> {
        let lower = name.trim().to_ascii_lowercase();
        let args = lower.strip_prefix("numeric").or_else(|| lower.strip_prefix("decimal"))?.trim();
        let inner = args.strip_prefix('(')?.strip_suffix(')')?;
        let (p, s) = match inner.split_once(',') {
            Some((p, s)) => (p.trim().parse().ok()?, s.trim().parse().ok()?),
            None => (inner.trim().parse().ok()?, 0),
        };
        Some(NumericDigits { precision: p, scale: s })
    }
}

impl Column {
    /// The column's name (unquoted).
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The quoted identifier.
    pub fn quoted(&self) -> String {
        self.name.quoted()
    }

    /// The column's type.
    pub fn sql_type(&self) -> SqlType {
        self.sql_type
    }

    /// The column's type in SQL, with a `numeric` column's precision and scale.
    pub fn type_sql(&self) -> String {
        match self.digits {
            Some(d) if self.sql_type == SqlType::Numeric => format!("numeric({},{})", d.precision, d.scale),
            _ => self.sql_type.as_sql().to_owned(),
        }
    }

    /// A `numeric` column's precision and scale, when its type states them.
    pub fn digits(&self) -> Option<NumericDigits> {
        self.digits
    }
}

/// The table a module's records live in: its name, its id column and each field's column.
#[derive(Debug, Clone)]
pub struct TableMap {
    table: Vec<Ident>,
    id: Ident,
    columns: Vec<Option<Column>>,
    api_names: Vec<String>,
}

impl TableMap {
    /// The table `table` (`name` or `schema.name`) for `schema`'s fields, mapped by `map`.
    /// Fields whose type no column can hold (unsupported Zoho types) have no column; a rule
    /// reading one is refused when the SQL is built.
    pub fn new(table: &str, schema: &Schema, map: &ColumnMap) -> Result<TableMap, SqlError> {
        let parts: Vec<Ident> = table.split('.').map(Ident::new).collect::<Result<_, _>>()?;
        if parts.len() > 2 {
            return Err(SqlError::Identifier(format!(
                "`{table}`: a table is `name` or `schema.name` (a name with a dot is not supported)"
            )));
        }
        for name in map.columns.keys() {
            if schema.slot(name).is_none() {
                return Err(SqlError::Mapping(format!("$.columns.{name}: the module has no field `{name}`")));
            }
        }
        let id = Ident::new(map.id.as_deref().unwrap_or("id"))?;
        let mut columns = Vec::with_capacity(schema.len());
        for field in schema.fields() {
            let spec = map.columns.get(field.api_name()).cloned().unwrap_or_default();
            let class = field.data_type().class();
            let sql_type = match spec.sql_type {
                Some(t) if !t.accepts(class) => return Err(wrong_type(field, t)),
                Some(t) => Some(t),
                None => SqlType::default_for(class),
            };
            let column = match sql_type {
                Some(sql_type) => {
                    let name = Ident::new(spec.column.as_deref().unwrap_or(field.api_name()))?;
                    let digits = spec.type_name.as_deref().and_then(NumericDigits::parse);
                    Some(Column { name, sql_type, digits })
                }
                None => None,
            };
            columns.push(column);
        }
        // Two fields in one column would be read as one; the id column may be a field's own.
        let mut seen = std::collections::BTreeSet::new();
        for c in columns.iter().flatten() {
            if !seen.insert(c.name.as_str()) {
                return Err(SqlError::Mapping(format!("two fields are mapped to the column `{}`", c.name.as_str())));
            }
        }
        Ok(TableMap {
            table: parts,
            id,
            columns,
            api_names: schema.fields().iter().map(|f| f.api_name().to_owned()).collect(),
        })
    }

    /// Takes the types of a live table's columns (name → `format_type` text, as the catalog
    /// gives them): every mapped column must exist with a type its field accepts. Only the
    /// fields in `needed` (the ones the rules read) and the id column are checked; the others
    /// keep their mapping.
    pub fn with_live_types(
        mut self,
        schema: &Schema,
        live: &BTreeMap<String, String>,
        needed: &[Slot],
    ) -> Result<TableMap, SqlError> {
        if !live.contains_key(self.id.as_str()) {
            return Err(SqlError::Catalog(format!(
                "the table {} has no id column `{}`",
                self.table_sql(),
                self.id.as_str()
            )));
        }
        for &slot in needed {
            let field = schema.field(slot);
            let Some(Some(column)) = self.columns.get_mut(slot.index()) else {
                return Err(SqlError::Unsupported(format!(
                    "`{}`: a {} field has no column type recordlock reads",
                    field.api_name(),
                    field.data_type()
                )));
            };
            let Some(type_name) = live.get(column.name.as_str()) else {
                return Err(SqlError::Catalog(format!(
                    "the table {} has no column `{}` for the field `{}`",
                    self.table.iter().map(Ident::quoted).collect::<Vec<_>>().join("."),
                    column.name.as_str(),
                    field.api_name()
                )));
            };
            let sql_type = SqlType::parse(type_name).map_err(|why| {
                SqlError::Catalog(format!("column `{}` (field `{}`): {why}", column.name.as_str(), field.api_name()))
            })?;
            if !sql_type.accepts(field.data_type().class()) {
                return Err(wrong_type(field, sql_type));
            }
            column.sql_type = sql_type;
            column.digits = NumericDigits::parse(type_name);
        }
        Ok(self)
    }

    /// The table, quoted (`"deals"` or `"crm"."deals"`).
    pub fn table_sql(&self) -> String {
        self.table.iter().map(Ident::quoted).collect::<Vec<_>>().join(".")
    }

    /// The table's name as given (unquoted parts, for catalog lookups): `(schema, name)`.
    pub fn table_parts(&self) -> (Option<&str>, &str) {
        match self.table.as_slice() {
            [schema, name] => (Some(schema.as_str()), name.as_str()),
            [name] => (None, name.as_str()),
            _ => (None, ""),
        }
    }

    /// The id column.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The id column, quoted.
    pub fn id_sql(&self) -> String {
        self.id.quoted()
    }

    /// The column of the field in `slot`, if its type has one.
    pub fn column(&self, slot: Slot) -> Option<&Column> {
        self.columns.get(slot.index()).and_then(Option::as_ref)
    }

    /// Every field's column, by slot.
    pub fn columns(&self) -> impl Iterator<Item = (Slot, &Column)> {
        self.columns.iter().enumerate().filter_map(|(i, c)| Some((Slot::new(i)?, c.as_ref()?)))
    }

    /// The field columns other than the id column (a schema may have an `id` field: it is
    /// the id column).
    pub fn data_columns(&self) -> impl Iterator<Item = (Slot, &Column)> {
        self.columns().filter(|(_, c)| c.name != self.id)
    }

    /// The id column's type: its field's, when a field is the id column; else text.
    pub fn id_type(&self) -> SqlType {
        self.columns().find(|(_, c)| c.name == self.id).map_or(SqlType::Text, |(_, c)| c.sql_type)
    }

    /// The API name of the field in `slot`.
    pub fn api_name(&self, slot: Slot) -> &str {
        self.api_names.get(slot.index()).map_or("", String::as_str)
    }
}

fn wrong_type(field: &Field, t: SqlType) -> SqlError {
    SqlError::Catalog(format!(
        "`{}`: a {} field cannot be read from a {t} column (accepted: {})",
        field.api_name(),
        field.data_type(),
        accepted(field.data_type().class())
    ))
}

fn accepted(class: TypeClass) -> String {
    use SqlType as S;
    let all = [
        S::Text,
        S::Varchar,
        S::Citext,
        S::Smallint,
        S::Integer,
        S::Bigint,
        S::Numeric,
        S::Date,
        S::Timestamptz,
        S::Boolean,
        S::TextArray,
    ];
    let names: Vec<&str> = all.iter().filter(|t| t.accepts(class)).map(|t| t.as_sql()).collect();
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_as_the_catalog_writes_them() {
        assert_eq!(SqlType::parse("character varying(40)"), Ok(SqlType::Varchar));
        assert_eq!(SqlType::parse("numeric(12,2)"), Ok(SqlType::Numeric));
        assert_eq!(SqlType::parse("timestamp with time zone"), Ok(SqlType::Timestamptz));
        assert_eq!(SqlType::parse("text[]"), Ok(SqlType::TextArray));
        assert_eq!(SqlType::parse("character varying[]"), Ok(SqlType::TextArray));
        assert!(SqlType::parse("double precision").is_err());
        assert!(SqlType::parse("timestamp without time zone").is_err());
        assert!(SqlType::parse("integer[]").is_err());
        assert!(SqlType::parse("character(3)").is_err());
    }
}
