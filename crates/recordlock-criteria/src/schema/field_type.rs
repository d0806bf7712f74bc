//! Zoho data types and the comparison class each belongs to (SPEC.md §2's table).

use std::fmt;

/// A Zoho field `data_type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `text`
    Text,
    /// `textarea`
    Textarea,
    /// `email`
    Email,
    /// `phone`
    Phone,
    /// `website`
    Website,
    /// `autonumber`
    Autonumber,
    /// `picklist`
    Picklist,
    /// `multiselectpicklist`
    MultiSelectPicklist,
    /// `integer`
    Integer,
    /// `bigint`
    Bigint,
    /// `double`
    Double,
    /// `currency`
    Currency,
    /// `percent`
    Percent,
    /// `decimal`
    Decimal,
    /// `date`
    Date,
    /// `datetime`
    DateTime,
    /// `boolean`
    Boolean,
    /// `lookup`
    Lookup,
    /// `ownerlookup`
    OwnerLookup,
    /// `userlookup`
    UserLookup,
    /// Any other type (subform, formula, fileupload...): the field exists, but criteria
    /// cannot compare it (`NOT_SUPPORTED`).
    Other(String),
}

/// How values of a type compare: the rows of SPEC.md §2's comparator table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeClass {
    /// Text-like types.
    Text,
    /// `picklist`.
    Picklist,
    /// `multiselectpicklist`.
    MultiPicklist,
    /// Exact decimal numbers; `integral` for `integer` and `bigint`.
    Number {
        /// Whether values must be whole numbers.
        integral: bool,
    },
    /// Calendar dates.
    Date,
    /// Instants with an offset.
    DateTime,
    /// `true`/`false`.
    Boolean,
    /// Record and user ids.
    Lookup,
    /// A type criteria cannot compare.
    Unsupported,
}

impl FieldType {
    /// The type named `name` (as Zoho spells it; other names become [`FieldType::Other`]).
    pub fn parse(name: &str) -> FieldType {
        match name {
            "text" => FieldType::Text,
            "textarea" => FieldType::Textarea,
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "website" => FieldType::Website,
            "autonumber" => FieldType::Autonumber,
            "picklist" => FieldType::Picklist,
            "multiselectpicklist" => FieldType::MultiSelectPicklist,
            "integer" => FieldType::Integer,
            "bigint" => FieldType::Bigint,
            "double" => FieldType::Double,
            "currency" => FieldType::Currency,
            "percent" => FieldType::Percent,
            "decimal" => FieldType::Decimal,
            "date" => FieldType::Date,
            "datetime" => FieldType::DateTime,
            "boolean" => FieldType::Boolean,
            "lookup" => FieldType::Lookup,
            "ownerlookup" => FieldType::OwnerLookup,
            "userlookup" => FieldType::UserLookup,
            other => FieldType::Other(other.to_owned()),
        }
    }

    /// The name as Zoho spells it.
    pub fn as_str(&self) -> &str {
        match self {
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Website => "website",
            FieldType::Autonumber => "autonumber",
            FieldType::Picklist => "picklist",
            FieldType::MultiSelectPicklist => "multiselectpicklist",
            FieldType::Integer => "integer",
            FieldType::Bigint => "bigint",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Decimal => "decimal",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Boolean => "boolean",
            FieldType::Lookup => "lookup",
            FieldType::OwnerLookup => "ownerlookup",
            FieldType::UserLookup => "userlookup",
            FieldType::Other(name) => name,
        }
    }

    /// The comparison class.
    pub fn class(&self) -> TypeClass {
        match self {
            FieldType::Text
            | FieldType::Textarea
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Website
            | FieldType::Autonumber => TypeClass::Text,
            FieldType::Picklist => TypeClass::Picklist,
            FieldType::MultiSelectPicklist => TypeClass::MultiPicklist,
            FieldType::Integer | FieldType::Bigint => TypeClass::Number { integral: true },
            FieldType::Double | FieldType::Currency | FieldType::Percent | FieldType::Decimal => {
                TypeClass::Number { integral: false }
            }
            FieldType::Date => TypeClass::Date,
            FieldType::DateTime => TypeClass::DateTime,
            FieldType::Boolean => TypeClass::Boolean,
            FieldType::Lookup | FieldType::OwnerLookup | FieldType::UserLookup => TypeClass::Lookup,
            FieldType::Other(_) => TypeClass::Unsupported,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
