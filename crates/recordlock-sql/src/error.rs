//! Why a rule set cannot be put to PostgreSQL.

/// An error building SQL, each naming where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// A table or column name PostgreSQL cannot take as written.
    #[error("invalid identifier: {0}")]
    Identifier(String),
    /// A mapping file that is not what it should be.
    #[error("invalid column mapping: {0}")]
    Mapping(String),
    /// A column missing from the table, or of a type its field does not accept.
    #[error("column check failed: {0}")]
    Catalog(String),
    /// A rule the SQL cannot express exactly (named by its leaf's JSON path).
    #[error("not expressible in SQL exactly: {0}")]
    Unsupported(String),
}
