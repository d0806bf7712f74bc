//! Who asks, what they want to do, and the answer (SPEC.md §4).

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value as Json;

/// The user asking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// The user's id.
    pub id: String,
    /// The user's profile id (exemption is by profile id).
    pub profile_id: Option<String>,
    /// Whether the user is a portal user.
    pub portal_user: bool,
    /// Whether the user's profile may lock and unlock records by hand.
    pub lock_permission: bool,
}

/// An operation on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Edit these fields (in request order).
    Update {
        /// The changed fields' API names.
        fields: Vec<String>,
    },
    /// Delete the record.
    Delete,
    /// Add or remove tags.
    Tags,
    /// Change the owner.
    ChangeOwner,
    /// Convert (a lead; inventory records).
    Convert,
    /// Send email from the record.
    SendMail,
    /// Send a survey (Zoho's `send_survery`).
    SendSurvey,
    /// Invite a portal user.
    SendPortalInvitation,
    /// Press a custom button.
    CustomButton {
        /// The button's id.
        id: String,
    },
    /// Lock by hand.
    Lock {
        /// The lock reason to store (`Locked_Reason__s`); empty is MANDATORY_NOT_FOUND.
        reason: String,
    },
    /// Remove a manual lock.
    Unlock,
    /// Change a manual lock's reason.
    EditLockReason {
        /// The new reason.
        reason: String,
    },
}

impl Operation {
    /// The action's wire name.
    pub fn action(&self) -> &'static str {
        match self {
            Operation::Update { .. } => "update",
            Operation::Delete => "delete",
            Operation::Tags => "tags",
            Operation::ChangeOwner => "change_owner",
            Operation::Convert => "convert",
            Operation::SendMail => "send_mail",
            Operation::SendSurvey => "send_survery",
            Operation::SendPortalInvitation => "send_portal_invitation",
            Operation::CustomButton { .. } => "custom_button",
            Operation::Lock { .. } => "lock",
            Operation::Unlock => "unlock",
            Operation::EditLockReason { .. } => "edit_lock_reason",
        }
    }

    /// The operation an action without operands names (`send_survey` is read as Zoho's
    /// `send_survery`); `None` for the others (`update`, `custom_button`, `lock`,
    /// `edit_lock_reason`) and unknown actions.
    ///
    /// ```
    /// use recordlock::Operation;
    /// assert_eq!(Operation::without_operands("unlock"), Some(Operation::Unlock));
    /// assert_eq!(Operation::without_operands("send_survey"), Some(Operation::SendSurvey));
    /// assert_eq!(Operation::without_operands("update"), None);
    /// ```
    pub fn without_operands(action: &str) -> Option<Operation> {
        Some(match action {
            "delete" => Operation::Delete,
            "tags" => Operation::Tags,
            "change_owner" => Operation::ChangeOwner,
            "convert" => Operation::Convert,
            "send_mail" => Operation::SendMail,
            "send_survery" | "send_survey" => Operation::SendSurvey,
            "send_portal_invitation" => Operation::SendPortalInvitation,
            "unlock" => Operation::Unlock,
            _ => return None,
        })
    }

    /// Whether this is one of the manual-lock operations of SPEC.md §3.
    pub fn is_lock_management(&self) -> bool {
        matches!(self, Operation::Lock { .. } | Operation::Unlock | Operation::EditLockReason { .. })
    }
}

/// Why an operation is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockCode {
    /// The record's lock restricts the operation.
    RecordLocked,
    /// The actor lacks the lock permission.
    NoPermission,
    /// The lock state or configuration does not allow the operation.
    NotAllowed,
    /// A mandatory operand (the lock reason) is empty.
    MandatoryNotFound,
    /// The lock had to be derived but the record cannot be evaluated (fail closed).
    InvalidRecord,
}

impl BlockCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockCode::RecordLocked => "RECORD_LOCKED",
            BlockCode::NoPermission => "NO_PERMISSION",
            BlockCode::NotAllowed => "NOT_ALLOWED",
            BlockCode::MandatoryNotFound => "MANDATORY_NOT_FOUND",
            BlockCode::InvalidRecord => "INVALID_RECORD",
        }
    }
}

/// A rule named in a decision: its id (null for rules without one) and name (null for a
/// rule id the configuration does not know). Shared strings: naming a rule in a decision
/// copies no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// The rule id.
    pub id: Option<Arc<str>>,
    /// The rule name.
    pub name: Option<Arc<str>>,
}

impl Serialize for RuleRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(2))?;
        m.serialize_entry("id", &self.id.as_deref())?;
        m.serialize_entry("name", &self.name.as_deref())?;
        m.end()
    }
}

/// The lock behind a blocked decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockInfo {
    /// A manual lock, with its reason.
    Manual {
        /// Why it was locked.
        reason: String,
    },
    /// A rule's lock.
    Automatic(RuleRef),
}

/// A blocked operation and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What blocks it: the lock, a permission, the lock state, a missing operand.
    pub code: BlockCode,
    /// The operation's action.
    pub action: &'static str,
    /// For a blocked update: the changed fields that are not excluded, in request order.
    pub fields: Option<Vec<String>>,
    /// The lock that blocks, when a lock does.
    pub lock: Option<LockInfo>,
    /// A sentence for a person.
    pub message: Cow<'static, str>,
    /// For `INVALID_RECORD`: where the offending value is.
    pub json_path: Option<String>,
}

/// The answer to "may this actor do this?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The operation may proceed.
    Allowed,
    /// Not allowed, with the reason.
    Blocked(Block),
}

/// The message of every `RECORD_LOCKED` answer (Zoho's).
pub const RECORD_LOCKED_MESSAGE: &str = "You cannot perform this operation as the record is locked.";

impl Decision {
    /// Whether the operation may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }

    /// The decision as one JSON object, in the shape of CONTRACT.md:
    /// `{"decision": "allowed"}` or
    /// `{"decision": "blocked", "code", "action", "fields"?, "lock"?, "message", "json_path"?}`.
    /// Serializing the decision ([`Serialize`]) writes the same object without building it.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// Keys in the order of a `serde_json::Map` (sorted), as `recordlock decide` has always
/// printed them.
impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Decision::Blocked(b) = self else {
            let mut m = serializer.serialize_map(Some(1))?;
            m.serialize_entry("decision", "allowed")?;
            return m.end();
        };
        let len =
            4 + usize::from(b.fields.is_some()) + usize::from(b.json_path.is_some()) + usize::from(b.lock.is_some());
        let mut m = serializer.serialize_map(Some(len))?;
        m.serialize_entry("action", b.action)?;
        m.serialize_entry("code", b.code.as_str())?;
        m.serialize_entry("decision", "blocked")?;
        if let Some(fields) = &b.fields {
            m.serialize_entry("fields", fields)?;
        }
        if let Some(p) = &b.json_path {
            m.serialize_entry("json_path", p)?;
        }
        if let Some(lock) = &b.lock {
            m.serialize_entry("lock", lock)?;
        }
        m.serialize_entry("message", &b.message)?;
        m.end()
    }
}

impl Serialize for LockInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(2))?;
        match self {
            LockInfo::Manual { reason } => {
                m.serialize_entry("reason", reason)?;
                m.serialize_entry("source", "manual")?;
            }
            LockInfo::Automatic(rule) => {
                m.serialize_entry("rule", rule)?;
                m.serialize_entry("source", "automatic")?;
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The object written is the one `to_json` built key by key before (a sorted map).
    #[test]
    fn serializing_writes_the_contract_object() {
        let rule = RuleRef { id: Some("9".into()), name: None };
        let block = |fields, lock, json_path| {
            Decision::Blocked(Block {
                code: BlockCode::InvalidRecord,
                action: "update",
                fields,
                lock,
                message: Cow::Borrowed("no \"way\""),
                json_path,
            })
        };
        let cases = [
            (Decision::Allowed, json!({"decision": "allowed"})),
            (
                block(None, None, None),
                json!({"decision": "blocked", "code": "INVALID_RECORD", "action": "update", "message": "no \"way\""}),
            ),
            (
                block(
                    Some(vec!["A".into(), "B".into()]),
                    Some(LockInfo::Automatic(rule)),
                    Some("$.record.Amount".into()),
                ),
                json!({"decision": "blocked", "code": "INVALID_RECORD", "action": "update", "fields": ["A", "B"],
                       "lock": {"source": "automatic", "rule": {"id": "9", "name": null}},
                       "message": "no \"way\"", "json_path": "$.record.Amount"}),
            ),
            (
                block(None, Some(LockInfo::Manual { reason: "audit".into() }), None),
                json!({"decision": "blocked", "code": "INVALID_RECORD", "action": "update",
                       "lock": {"source": "manual", "reason": "audit"}, "message": "no \"way\""}),
            ),
        ];
        for (decision, expected) in cases {
            assert_eq!(decision.to_json(), expected);
            // The same bytes as the value's: keys in the sorted order of `serde_json::Map`.
            assert_eq!(serde_json::to_string(&decision).unwrap(), serde_json::to_string(&expected).unwrap());
        }
    }
}
