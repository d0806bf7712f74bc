//! SQL identifiers: every table and column name is written quoted, so nothing a
//! configuration, a schema or a mapping file holds can change a statement's structure.

use crate::error::SqlError;

/// PostgreSQL's identifier length limit in bytes (NAMEDATALEN - 1). Longer names are
/// silently truncated by the server, so two long names could name one column: refused.
const MAX_IDENT_BYTES: usize = 63;

/// A table or column name, checked: not empty, no NUL, at most 63 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident(String);

impl Ident {
    /// Checks `name`.
    pub fn new(name: &str) -> Result<Ident, SqlError> {
        if name.is_empty() {
            return Err(SqlError::Identifier("an empty table or column name".to_owned()));
        }
        if name.contains('\0') {
            return Err(SqlError::Identifier(format!("{name:?}: a name cannot hold NUL")));
        }
        if name.len() > MAX_IDENT_BYTES {
            return Err(SqlError::Identifier(format!(
                "`{name}`: longer than PostgreSQL's {MAX_IDENT_BYTES}-byte limit (it would be truncated)"
            )));
        }
        Ok(Ident(name.to_owned()))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a quoted identifier: `"Stage"`, `"a ""b"""`.
    pub fn quoted(&self) -> String {
        quote(&self.0)
    }
}

/// `name` as a quoted identifier (inner `"` doubled).
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_and_bad_names_refused() {
        assert_eq!(Ident::new(r#"a "b"; DROP TABLE t; --"#).unwrap().quoted(), r#""a ""b""; DROP TABLE t; --""#);
        assert!(Ident::new("").is_err());
        assert!(Ident::new("a\0b").is_err());
        assert!(Ident::new(&"x".repeat(64)).is_err());
        assert!(Ident::new(&"x".repeat(63)).is_ok());
    }
}
