//! Who asks, what they want to do, and the answer (SPEC.md §4).

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

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
        json!({"id": self.id.as_deref(), "name": self.name.as_deref()}).serialize(serializer)
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
    pub fn to_json(&self) -> Json {
        let Decision::Blocked(b) = self else { return json!({"decision": "allowed"}) };
        let mut m = Map::new();
        m.insert("decision".into(), json!("blocked"));
        m.insert("code".into(), json!(b.code.as_str()));
        m.insert("action".into(), json!(b.action));
        if let Some(fields) = &b.fields {
            m.insert("fields".into(), json!(fields));
        }
        if let Some(lock) = &b.lock {
            let l = match lock {
                LockInfo::Manual { reason } => json!({"source": "manual", "reason": reason}),
                LockInfo::Automatic(rule) => json!({"source": "automatic", "rule": rule}),
            };
            m.insert("lock".into(), l);
        }
        m.insert("message".into(), json!(b.message));
        if let Some(p) = &b.json_path {
            m.insert("json_path".into(), json!(p));
        }
        Json::Object(m)
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}
