//! A record's lock state and its wire shape, `Locking_Information__s` (SPEC.md §3).

use recordlock_criteria::{Error, ErrorCode, JsonPath};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value as Json};

use crate::config::Reference;
use crate::config::validate::id_text;

/// A record's lock: none, manual, or automatic.
///
/// On the wire (`Locking_Information__s`) keys are read ignoring case — Zoho's docs write
/// `Locked_Reason__s`, its generated SDKs `locked_reason__s` — and written as the docs spell
/// them. `null` is no lock.
///
/// ```
/// use recordlock::LockState;
/// use serde_json::json;
///
/// let lock = LockState::from_json(&json!({"lock_source__s": "manual", "LOCKED_REASON__S": "audit"})).unwrap();
/// assert!(matches!(&lock, LockState::Manual(m) if m.reason == "audit"));
/// assert_eq!(lock.to_json()["Lock_Source__s"], "Manual");
/// assert_eq!(LockState::from_json(&json!(null)).unwrap(), LockState::Unlocked);
/// // Two spellings of one key are that key given twice.
/// let twice = json!({"Lock_Source__s": "Manual", "LOCK_SOURCE__S": "Automatic"});
/// let err = LockState::from_json(&twice).unwrap_err();
/// assert_eq!((err.code().as_str(), err.api_name()), ("INVALID_DATA", Some("Lock_Source__s")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LockState {
    /// Not locked.
    #[default]
    Unlocked,
    /// Locked by a user.
    Manual(ManualLock),
    /// Locked by a rule.
    Automatic(AutomaticLock),
}

/// A lock a user made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManualLock {
    /// Why (mandatory when locking).
    pub reason: String,
    /// The user who locked the record (`Locked_By__s`), when known.
    pub locked_by: Option<Reference>,
    /// When, RFC 3339.
    pub locked_time: Option<String>,
}

/// A lock a rule made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AutomaticLock {
    /// The rule (a rule id the configuration does not know still locks).
    pub rule_id: Option<String>,
    /// The configuration whose rule locked it (`Record_Locking_Configuration_Id__s`).
    pub configuration_id: Option<String>,
    /// When, RFC 3339.
    pub locked_time: Option<String>,
}

const SOURCE: &str = "Lock_Source__s";
const REASON: &str = "Locked_Reason__s";
const BY: &str = "Locked_By__s";
const TIME: &str = "Locked_Time__s";
const RULE: &str = "Record_Locking_Rule_Id__s";
const CONFIG: &str = "Record_Locking_Configuration_Id__s";

impl LockState {
    /// Whether the record is locked.
    pub fn is_locked(&self) -> bool {
        !matches!(self, LockState::Unlocked)
    }

    /// Reads the wire shape; `null` is unlocked. Errors are `INVALID_DATA` with paths relative
    /// to the lock object.
    pub fn from_json(json: &Json) -> Result<LockState, Error> {
        let root = JsonPath::root();
        let map = match json {
            Json::Null => return Ok(LockState::Unlocked),
            Json::Object(map) => map,
            _ => return Err(Error::new(ErrorCode::InvalidData, &root, "a lock must be an object or null")),
        };
        // Keys are read ignoring case, so two spellings of one key are one key given twice.
        for key in [SOURCE, REASON, BY, TIME, RULE, CONFIG] {
            let mut spellings = map.keys().filter(|k| k.eq_ignore_ascii_case(key));
            if let (Some(first), Some(second)) = (spellings.next(), spellings.next()) {
                let message =
                    format!("`{first}` and `{second}` are the same key `{key}` (keys are read ignoring case)");
                return Err(Error::new(ErrorCode::InvalidData, &root.key(second), message).with_api_name(key));
            }
        }
        let get =
            |key: &str| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v).filter(|v| !v.is_null());
        let text = |key: &str| -> Result<Option<String>, Error> {
            match get(key) {
                None => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::new(ErrorCode::InvalidData, &root.key(key), format!("`{key}` must be a string"))
                    .with_api_name(key)),
            }
        };
        let id = |key: &str| -> Result<Option<String>, Error> {
            match get(key) {
                None => Ok(None),
                Some(v) => id_text(v).map(Some).ok_or_else(|| {
                    Error::new(ErrorCode::InvalidData, &root.key(key), format!("`{key}` must be an id"))
                        .with_api_name(key)
                }),
            }
        };
        let source = text(SOURCE)?;
        match source.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("manual") => {
                let locked_by = match get(BY) {
                    None => None,
                    Some(Json::Object(m)) => m
                        .get("id")
                        .and_then(id_text)
                        .map(|id| Reference { id, name: m.get("name").and_then(Json::as_str).map(str::to_owned) }),
                    Some(v) => id_text(v).map(|id| Reference { id, name: None }),
                };
                Ok(LockState::Manual(ManualLock {
                    reason: text(REASON)?.unwrap_or_default(),
                    locked_by,
                    locked_time: text(TIME)?,
                }))
            }
            Some("automatic") => Ok(LockState::Automatic(AutomaticLock {
                rule_id: id(RULE)?,
                configuration_id: id(CONFIG)?,
                locked_time: text(TIME)?,
            })),
            _ => Err(Error::new(
                ErrorCode::InvalidData,
                &root.key(SOURCE),
                "`Lock_Source__s` must be Manual or Automatic",
            )
            .with_api_name(SOURCE)
            .with_supported_values(["Manual", "Automatic"])),
        }
    }

    /// The wire shape; `null` when unlocked.
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        let opt = |v: &Option<String>| v.clone().map_or(Json::Null, Json::String);
        match self {
            LockState::Unlocked => return Json::Null,
            LockState::Manual(l) => {
                m.insert(SOURCE.into(), "Manual".into());
                m.insert(REASON.into(), Json::String(l.reason.clone()));
                m.insert(
                    BY.into(),
                    l.locked_by.as_ref().map_or(Json::Null, |r| {
                        let mut o = Map::new();
                        o.insert("id".into(), Json::String(r.id.clone()));
                        o.insert("name".into(), r.name.clone().map_or(Json::Null, Json::String));
                        Json::Object(o)
                    }),
                );
                m.insert(TIME.into(), opt(&l.locked_time));
                m.insert(RULE.into(), Json::Null);
            }
            LockState::Automatic(l) => {
                m.insert(SOURCE.into(), "Automatic".into());
                m.insert(REASON.into(), Json::Null);
                m.insert(BY.into(), Json::Null);
                m.insert(TIME.into(), opt(&l.locked_time));
                m.insert(RULE.into(), opt(&l.rule_id));
                m.insert(CONFIG.into(), opt(&l.configuration_id));
            }
        }
        Json::Object(m)
    }
}

impl Serialize for LockState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LockState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LockState, D::Error> {
        let json = Json::deserialize(deserializer)?;
        LockState::from_json(&json).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// SPEC.md §3: the wire shape round-trips, rule ids kept exact.
    #[test]
    fn wire_shape_round_trips() {
        let j: Json = serde_json::from_str(
            r#"{"Lock_Source__s": "Automatic", "Record_Locking_Rule_Id__s": 5843104000001068052,
                "Locked_Time__s": "2024-01-01T00:00:00+00:00"}"#,
        )
        .unwrap();
        let lock = LockState::from_json(&j).unwrap();
        let LockState::Automatic(a) = &lock else { panic!() };
        assert_eq!(a.rule_id.as_deref(), Some("5843104000001068052"));
        assert_eq!(LockState::from_json(&lock.to_json()).unwrap(), lock);
    }

    #[test]
    fn bad_sources_are_invalid_data() {
        let e = LockState::from_json(&json!({"Lock_Source__s": "Both"})).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidData);
        assert!(LockState::from_json(&json!({})).is_err());
        assert!(LockState::from_json(&json!("locked")).is_err());
    }
}
