//! JSON paths (`$.locking_rules[1].criteria.group[0].value`) that locate an error in its input.

use std::fmt;

/// A JSON path in the dotted style Zoho uses in error details, built up key by key.
///
/// ```
/// use recordlock_criteria::JsonPath;
///
/// let p = JsonPath::root().key("group").index(2).key("value");
/// assert_eq!(p.as_str(), "$.group[2].value");
/// assert_eq!(JsonPath::root().key("odd key").as_str(), "$['odd key']");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPath(String);

impl JsonPath {
    /// The document root, `$`.
    pub fn root() -> JsonPath {
        JsonPath("$".to_owned())
    }

    /// The path of member `name` under this one.
    pub fn key(&self, name: &str) -> JsonPath {
        let mut s = self.0.clone();
        let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if plain {
            s.push('.');
            s.push_str(name);
        } else {
            s.push_str("['");
            for c in name.chars() {
                if c == '\'' || c == '\\' {
                    s.push('\\');
                }
                s.push(c);
            }
            s.push_str("']");
        }
        JsonPath(s)
    }

    /// The path of element `i` under this one.
    pub fn index(&self, i: usize) -> JsonPath {
        JsonPath(format!("{}[{i}]", self.0))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for JsonPath {
    fn default() -> JsonPath {
        JsonPath::root()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
