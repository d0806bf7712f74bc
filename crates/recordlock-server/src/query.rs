//! Query strings as Zoho's clients send them (`?module=Deals&`, with a trailing `&`), and
//! the `module` parameter every endpoint needs.

use axum::extract::RawQuery;
use recordlock::Module;

use crate::error::ApiError;

/// A supported module's API name, as the library spells it (`deals` is `Deals`): what every
/// endpoint needs per request, without building the module's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleName(&'static str);

impl ModuleName {
    /// `name` resolved: `INVALID_MODULE` / `NOT_SUPPORTED` as SPEC.md §1 says.
    pub fn resolve(name: &str) -> Result<ModuleName, ApiError> {
        Module::builtin_name(name).map(ModuleName).map_err(|e| ApiError::engine(&e))
    }

    /// The API name.
    pub fn name(&self) -> &'static str {
        self.0
    }
}

/// The decoded `name=value` pairs of a query string.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes a raw query; empty pairs (a trailing `&`) are skipped.
    pub fn from_raw(raw: &RawQuery) -> Result<Params, ApiError> {
        let text = raw.0.as_deref().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(text)
            .map(|pairs| Params(pairs.into_iter().filter(|(k, _)| !k.is_empty()).collect()))
            .map_err(|_| ApiError::invalid(serde_json::json!({}), "the query string could not be decoded"))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The `module` parameter, resolved: `REQUIRED_PARAM_MISSING` when absent,
    /// `INVALID_MODULE` / `NOT_SUPPORTED` as SPEC.md §1 says.
    pub fn module(&self) -> Result<ModuleName, ApiError> {
        let name =
            self.get("module").filter(|m| !m.trim().is_empty()).ok_or_else(|| ApiError::required_param("module"))?;
        ModuleName::resolve(name.trim())
    }

    /// A boolean flag (`true`/`false`, absent: false); anything else is `INVALID_DATA`.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ApiError::invalid(serde_json::json!({"param_name": name}), "expected true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Zoho's SDK ends query strings with `&`; values are percent-decoded.
    #[test]
    fn trailing_ampersands_and_decoding() {
        let p = Params::from_raw(&RawQuery(Some("module=Deals&&fields=Lock_Source__s%2CLocked_Reason__s&".into())))
            .unwrap();
        assert_eq!(p.module().unwrap().name(), "Deals");
        assert_eq!(p.get("fields"), Some("Lock_Source__s,Locked_Reason__s"));
        assert!(Params::from_raw(&RawQuery(None)).unwrap().module().is_err());
        assert!(p.flag("all_rules").is_ok_and(|f| !f));
        let p = Params::from_raw(&RawQuery(Some("all_rules=yes".into()))).unwrap();
        assert!(p.flag("all_rules").is_err());
    }
}
