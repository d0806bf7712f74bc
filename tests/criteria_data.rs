//! Engine-independent test data: the criteria cases under `tests/criteria/*.json`.
//!
//! Each file is one topic (text, picklists, numbers, ...), read with typed serde: unknown
//! keys are errors, and a case name used twice (in any file) is an error. A file:
//!
//! ```json
//! {"about": "what the file covers and how its expectations were derived",
//!  "module": "Deals",
//!  "schema": {"fields": [...]},
//!  "cases": [
//!    {"name": "equal ignores case", "tz": "+05:30",
//!     "criteria": {"field": {"api_name": "Deal_Name"}, "comparator": "equal", "value": "acme"},
//!     "records": [{"record": {"Deal_Name": "ACME"}, "holds": true},
//!                 {"record": {"Deal_Name": 7}, "holds": false},
//!                 {"record": {"Deal_Name": true}, "unevaluable": true}]},
//!    {"name": "between needs low <= high",
//!     "criteria": {"field": {"api_name": "Amount"}, "comparator": "between", "value": [5, 1]},
//!     "rejected": {"code": "INVALID_DATA", "json_path": "$.value"}}]}
//! ```
//!
//! `module` defaults to `Deals`; with a `schema`, the module is a custom one of that schema
//! (`module` names it). A case may override either, and gives `tz` (default `+00:00`).
//! A record case's criteria become the only rule of an automatic configuration; every engine
//! must answer each record as written. A rejection case is checked by the validator only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use recordlock::Module;
use recordlock::criteria::{EvalOptions, Schema, parse_datetime};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::backend::Answer;

/// One file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// What the file covers and how its expectations were derived.
    #[expect(dead_code, reason = "documentation for readers of the file; required so every file says it")]
    about: String,
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    schema: Option<Json>,
    cases: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    schema: Option<Json>,
    #[serde(default)]
    tz: Option<String>,
    criteria: Json,
    #[serde(default)]
    records: Option<Vec<RecordCase>>,
    #[serde(default)]
    rejected: Option<Rejection>,
}

/// A record and what every engine must answer for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordCase {
    /// The record (an `id` is added when missing).
    pub record: Json,
    /// Whether the criteria hold.
    #[serde(default)]
    pub holds: Option<bool>,
    /// Whether the record cannot be evaluated (a value of the wrong type).
    #[serde(default)]
    pub unevaluable: Option<bool>,
}

impl RecordCase {
    /// The answer a one-rule configuration must give.
    pub fn answer(&self) -> Answer {
        if self.unevaluable == Some(true) {
            Answer::Unevaluable
        } else {
            Answer::Rule(self.holds.unwrap_or(false).then_some(0))
        }
    }

    /// The record, with `"id": "1"` when it has none.
    pub fn record_with_id(&self) -> Json {
        let mut r = self.record.clone();
        if let Json::Object(m) = &mut r {
            m.entry("id").or_insert_with(|| Json::String("1".into()));
        }
        r
    }
}

/// The error a rejected criteria must give.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// The Zoho error code.
    pub code: String,
    /// Where, relative to the criteria (`$` is the criteria object).
    pub json_path: String,
}

/// What a case expects.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Each record's answer.
    Records(Vec<RecordCase>),
    /// The criteria are rejected.
    Rejected(Rejection),
}

/// One case, ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file it came from.
    pub file: String,
    /// Its name (unique across files).
    pub name: String,
    module: String,
    schema: Option<Json>,
    tz: Option<String>,
    /// The criteria.
    pub criteria: Json,
    /// What it expects.
    pub expect: Expect,
}

impl Case {
    /// The module the case runs in.
    ///
    /// # Errors
    /// The schema or module does not resolve.
    pub fn module(&self) -> Result<Module, String> {
        let schema = match &self.schema {
            Some(s) => Some(Schema::from_json(s).map_err(|e| e.to_string())?),
            None => None,
        };
        Module::resolve(&self.module, schema).map_err(|e| e.to_string())
    }

    /// The evaluation options (the case's time zone).
    pub fn eval_options(&self) -> EvalOptions {
        self.tz
            .as_deref()
            .and_then(|tz| parse_datetime(&format!("2000-01-01T00:00:00{tz}")))
            .map(|t| EvalOptions { tz: *t.offset() })
            .unwrap_or_default()
    }

    /// A configuration whose only rule is the case's criteria, applied to existing records.
    pub fn config(&self) -> Json {
        json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
            {"name": "rule", "lock_existing_records": true, "criteria": self.criteria}]}]})
    }
}

/// The data directory.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("criteria")
}

/// Every case of every file, in file then case order.
///
/// # Errors
/// A file that does not read or parse (unknown keys included), a case that gives neither or
/// both of `records` and `rejected`, a record that gives neither or both of `holds` and
/// `unevaluable`, a time zone that does not parse, or a name used twice.
pub fn load_all() -> Result<Vec<Case>, String> {
    let dir = data_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no data files under {}", dir.display()));
    }
    let mut names = BTreeSet::new();
    let mut cases = Vec::new();
    for path in files {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{file_name}: {e}"))?;
        let file: File = serde_json::from_str(&text).map_err(|e| format!("{file_name}: {e}"))?;
        for raw in file.cases {
            let at = format!("{file_name}: case `{}`", raw.name);
            if !names.insert(raw.name.clone()) {
                return Err(format!("{at}: the name is used twice"));
            }
            let expect = match (raw.records, raw.rejected) {
                (Some(records), None) => {
                    if let Some(r) = records.iter().find(|r| r.holds.is_some() == r.unevaluable.is_some()) {
                        return Err(format!(
                            "{at}: record {} needs exactly one of `holds` and `unevaluable`",
                            r.record
                        ));
                    }
                    Expect::Records(records)
                }
                (None, Some(rejected)) => Expect::Rejected(rejected),
                _ => return Err(format!("{at}: give exactly one of `records` and `rejected`")),
            };
            if let Some(tz) = &raw.tz
                && parse_datetime(&format!("2000-01-01T00:00:00{tz}")).is_none()
            {
                return Err(format!("{at}: time zone `{tz}` is not an offset like +05:30"));
            }
            cases.push(Case {
                file: file_name.clone(),
                name: raw.name,
                module: raw.module.or_else(|| file.module.clone()).unwrap_or_else(|| "Deals".into()),
                schema: raw.schema.or_else(|| file.schema.clone()),
                tz: raw.tz,
                criteria: raw.criteria,
                expect,
            });
        }
    }
    Ok(cases)
}
