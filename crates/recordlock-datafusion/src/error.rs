//! Errors of the DataFusion back end.

/// What can go wrong lowering rules for a table or running them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A column cannot be compared exactly as its field's type asks (a `Float64` for a
    /// currency, a timestamp without a time zone for a datetime...). Names the column.
    #[error("column `{column}` ({found}) cannot hold a {field_type} field exactly: {why}")]
    ColumnType {
        /// The column (the field's API name).
        column: String,
        /// Its Arrow type.
        found: String,
        /// The field's Zoho type.
        field_type: String,
        /// What would be accepted.
        why: String,
    },
    /// The table's columns do not fit the rules (the shared Arrow mapping's message: a
    /// missing column, a type its field does not accept).
    #[error("{0}")]
    Mapping(String),
    /// Something a DataFusion plan cannot express (a rule index beyond 32 bits, an empty
    /// criteria group), named with where it came from.
    #[error("{0}")]
    Unrepresentable(String),
    /// The input could not be read (a file, a glob, a CSV row).
    #[error("{0}")]
    Input(String),
    /// Writing the output failed (the reader of stdout went away, a full disk).
    #[error("writing the output: {0}")]
    Output(std::io::Error),
    /// DataFusion (or Ballista) failed.
    #[error("DataFusion: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// Arrow failed building a batch.
    #[error("Arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}
