//! Which modules record locking supports, and their schemas (SPEC.md §1).

use std::sync::Arc;

use recordlock_criteria::schema::BUILTIN_MODULES;
use recordlock_criteria::{Error, ErrorCode, JsonPath, Schema};

/// Standard Zoho modules that record locking does not support (`NOT_SUPPORTED`, even with a
/// schema).
pub const UNSUPPORTED_STANDARD_MODULES: &[&str] = &[
    "Calls",
    "Meetings",
    "Events",
    "Campaigns",
    "Notes",
    "Attachments",
    "Activities",
    "Visits",
    "Forecasts",
    "Users",
    "Projects",
    "Social",
    "Appointments__s",
    "Services__s",
    "Approvals",
    "Feeds",
    "Home",
    "Reports",
    "Dashboards",
    "Documents",
    "Locking_Information__s",
];

/// A module record locking can be configured for, with the schema its rules are checked
/// against.
///
/// ```
/// use recordlock::Module;
/// use recordlock_criteria::ErrorCode;
///
/// let deals = Module::resolve("Deals", None).unwrap();
/// assert!(deals.schema().slot("Stage").is_some());
/// assert_eq!(Module::resolve("Calls", None).unwrap_err().code(), ErrorCode::NotSupported);
/// assert_eq!(Module::resolve("Widgets", None).unwrap_err().code(), ErrorCode::InvalidModule);
/// assert_eq!(Module::resolve("tasks", None).unwrap().name(), "Tasks");
/// ```
#[derive(Debug, Clone)]
pub struct Module {
    name: String,
    schema: Arc<Schema>,
}

/// `INVALID_MODULE`: a module without a built-in schema, given none.
fn unknown_module(name: &str) -> Error {
    Error::new(
        ErrorCode::InvalidModule,
        &JsonPath::root(),
        format!("the module `{name}` is not known; give its schema"),
    )
    .with_api_name("module")
    .with_supported_values(BUILTIN_MODULES.iter().copied())
}

impl Module {
    /// The module `name`, with `schema` replacing the built-in one when given. A supported
    /// standard module needs no schema; a custom module must be given one.
    pub fn resolve(name: &str, schema: Option<Schema>) -> Result<Module, Error> {
        let (name, schema) = match schema {
            Some(s) => (Module::checked_name(name, true)?, s),
            None => {
                let name = Module::checked_name(name, false)?;
                let builtin = Schema::builtin(name).ok_or_else(|| unknown_module(name))?;
                (name, builtin.clone())
            }
        };
        Ok(Module { name: name.to_owned(), schema: Arc::new(schema) })
    }

    /// The API name [`Module::resolve`] would give a built-in module, without building the
    /// module (its schema is not copied): for a host that only needs the name, per request.
    ///
    /// ```
    /// use recordlock::Module;
    /// assert_eq!(Module::builtin_name("deals").unwrap(), "Deals");
    /// assert!(Module::builtin_name("Calls").is_err() && Module::builtin_name("Widgets").is_err());
    /// ```
    pub fn builtin_name(name: &str) -> Result<&'static str, Error> {
        let name = Module::checked_name(name, false)?;
        BUILTIN_MODULES
            .iter()
            .find(|m| **m == name && Schema::builtin(m).is_some())
            .copied()
            .ok_or_else(|| unknown_module(name))
    }

    /// `name` with a built-in module's spelling (modules are matched ignoring ASCII case, as
    /// for the unsupported ones: `tasks` is Tasks); `NOT_SUPPORTED` for an unsupported
    /// standard module, `INVALID_MODULE` for an unknown one unless it has its own schema.
    fn checked_name(name: &str, has_schema: bool) -> Result<&str, Error> {
        if UNSUPPORTED_STANDARD_MODULES.iter().any(|m| m.eq_ignore_ascii_case(name)) {
            return Err(Error::new(
                ErrorCode::NotSupported,
                &JsonPath::root(),
                "The module name given is not supported for the feature",
            )
            .with_api_name("module"));
        }
        match BUILTIN_MODULES.iter().find(|m| m.eq_ignore_ascii_case(name)) {
            Some(builtin) => Ok(builtin),
            None if has_schema => Ok(name),
            None => Err(unknown_module(name)),
        }
    }

    /// The module's API name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The module's schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Whether this is the Tasks module, which accepts only the rule `Status equal Closed`.
    pub fn is_tasks(&self) -> bool {
        self.name == "Tasks"
    }
}
