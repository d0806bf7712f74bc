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

impl Module {
    /// The module `name`, with `schema` replacing the built-in one when given. A supported
    /// standard module needs no schema; a custom module must be given one.
    pub fn resolve(name: &str, schema: Option<Schema>) -> Result<Module, Error> {
        let root = JsonPath::root();
        if UNSUPPORTED_STANDARD_MODULES.iter().any(|m| m.eq_ignore_ascii_case(name)) {
            return Err(Error::new(
                ErrorCode::NotSupported,
                &root,
                "The module name given is not supported for the feature",
            )
            .with_api_name("module"));
        }
        // Module names are matched ignoring ASCII case, as for the unsupported ones: `tasks`
        // is Tasks, with its built-in schema and its one-rule restriction.
        let name = BUILTIN_MODULES.iter().find(|m| m.eq_ignore_ascii_case(name)).copied().unwrap_or(name);
        let schema = match (schema, Schema::builtin(name)) {
            (Some(s), _) => s,
            (None, Some(builtin)) => builtin.clone(),
            (None, None) => {
                return Err(Error::new(
                    ErrorCode::InvalidModule,
                    &root,
                    format!("the module `{name}` is not known; give its schema"),
                )
                .with_api_name("module")
                .with_supported_values(BUILTIN_MODULES.iter().copied()));
            }
        };
        Ok(Module { name: name.to_owned(), schema: Arc::new(schema) })
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
