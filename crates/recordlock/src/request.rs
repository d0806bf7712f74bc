//! Decide requests: one JSON object a line, as CONTRACT.md's `recordlock decide` reads them.
//!
//! ```json
//! {"record": {...}, "lock": null | {...} (absent: derive it),
//!  "actor": {"id", "profile": {"id", "name"}, "portal_user", "lock_permission"},
//!  "operation": {"action": "update", "fields": ["Amount"]}}
//! ```

mod fast;
mod record_id;

use recordlock_criteria::ast::reject_unknown_keys;
use recordlock_criteria::{Error, ErrorCode, JsonPath, Row, Scanned, scan_object};
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use crate::config::validate::id_text;
use crate::decision::{Actor, Decision, Operation};
use crate::lock::LockState;
use crate::policy::Policy;

/// One parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct DecideRequest {
    /// The record, as sent.
    pub record: Json,
    /// The lock the host gives; `None` when it is to be derived from the rules.
    pub lock: Option<LockState>,
    /// The user asking: id, profile, portal flag, lock permissions.
    pub actor: Actor,
    /// What they want to do.
    pub operation: Operation,
}

impl DecideRequest {
    /// Parses a request object. Errors are `INVALID_DATA` (or `MANDATORY_NOT_FOUND`) at the
    /// offending key.
    pub fn from_json(json: &Json) -> Result<DecideRequest, Error> {
        let root = JsonPath::root();
        let Json::Object(map) = json else {
            return Err(Error::new(ErrorCode::InvalidData, &root, "a request must be a JSON object"));
        };
        reject_unknown_keys(map, &root, &["record", "lock", "actor", "operation"])?;
        let record = match map.get("record") {
            Some(r @ Json::Object(_)) => r.clone(),
            Some(_) => return Err(invalid(&root.key("record"), "record", "`record` must be an object")),
            None => return Err(mandatory(&root.key("record"), "record")),
        };
        let lock = match map.get("lock") {
            None => None,
            Some(l) => Some(LockState::from_json(l).map_err(|e| e.under(&root.key("lock")))?),
        };
        let actor = parse_actor(map.get("actor"), &root.key("actor"))?;
        let operation = parse_operation(map.get("operation"), &root.key("operation"))?;
        Ok(DecideRequest { record, lock, actor, operation })
    }
}

impl Policy {
    /// Answers a request: with the given lock, or deriving it from the record (failing closed
    /// when the record cannot be read).
    pub fn answer(&self, req: &DecideRequest) -> Decision {
        match &req.lock {
            Some(lock) => self.decide(&req.actor, lock, &req.operation),
            None => {
                let mut row = self.new_row();
                match self.ingest_json(&req.record, &mut row) {
                    Ok(()) => self.decide_derived(&req.actor, &row, &req.operation),
                    Err(e) => {
                        let e = Error::from(e).under(&JsonPath::root().key("record"));
                        self.decide_unevaluable(&req.actor, &e, &req.operation)
                    }
                }
            }
        }
    }

    /// Answers one request line: the decision object, or `{"error": {...}}` for a line that
    /// is not a valid request. To answer many lines, [`LineDecider`] reuses its buffers.
    ///
    /// ```
    /// use recordlock::{Module, Policy, Limits};
    /// use recordlock_criteria::EvalOptions;
    /// use serde_json::json;
    ///
    /// let body = json!({"record_locking_configurations": [{"lock_type": "manual"}]});
    /// let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
    /// let out = policy.answer_line(r#"{"record": {}, "lock": null, "actor": {"id": "u", "lock_permission": true},
    ///                                  "operation": {"action": "lock", "reason": "audit"}}"#);
    /// assert_eq!(out, json!({"decision": "allowed"}));
    /// let out = policy.answer_line(r#"{"record": {}, "actor": {}, "operation": {"action": "fly"}}"#);
    /// assert_eq!(out["error"]["code"], "INVALID_DATA");
    /// ```
    pub fn answer_line(&self, line: &str) -> Json {
        match LineDecider::new(self).decide(line) {
            Ok(decision) => decision.to_json(),
            Err(e) => error_line(&e),
        }
    }

    /// Answers a request line already read ([`RequestLine::parse`]): with its lock, or
    /// deriving the lock from the record's text (failing closed when it cannot be read).
    pub fn answer_request_line(&self, line: &RequestLine<'_>) -> Decision {
        self.answer_request_line_in(line, &mut self.new_row())
    }

    /// As [`Policy::answer_request_line`], reading the record (when its lock is derived) into
    /// `row`, a row of this policy's ([`Policy::new_row`]) reused from line to line.
    pub fn answer_request_line_in(&self, line: &RequestLine<'_>, row: &mut Row) -> Decision {
        let req = &line.request;
        match &req.lock {
            Some(lock) => self.decide(&req.actor, lock, &req.operation),
            // The record is read from its own text, as a sweep reads a record line.
            None => match self.ingest_str(line.record, row) {
                Ok(()) => self.decide_derived(&req.actor, row, &req.operation),
                Err(e) => {
                    let e = Error::from(e).under(&JsonPath::root().key("record"));
                    self.decide_unevaluable(&req.actor, &e, &req.operation)
                }
            },
        }
    }
}

/// Answers request lines one after another as `recordlock decide` does, reusing its buffers:
/// once they have grown to the lines' shape, answering a line allocates nothing unless the
/// answer names fields or the line is not a valid request.
///
/// ```
/// use recordlock::{Decision, LineDecider, Limits, Module, Policy};
/// use recordlock::criteria::{EvalOptions, ErrorCode};
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "restricted_actions": ["delete"],
///     "locking_rules": [{"name": "Won", "criteria":
///         {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
/// let mut decider = LineDecider::new(&policy);
/// let line = |stage: &str| format!(r#"{{"record": {{"id": "1", "Stage": "{stage}"}}, "actor": {{"id": "7"}}, "operation": {{"action": "delete"}}}}"#);
/// assert!(decider.decide(&line("Closed Won")).unwrap().is_blocked_by_lock());
/// assert_eq!(decider.decide(&line("Open")).unwrap(), Decision::Allowed);
/// let e = decider.decide(r#"{"record": {}, "actor": 7, "operation": {"action": "delete"}}"#).unwrap_err();
/// assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.actor"));
/// ```
#[derive(Debug)]
pub struct LineDecider<'p> {
    policy: &'p Policy,
    line: RequestLine<'static>,
    row: Row,
}

impl<'p> LineDecider<'p> {
    /// A decider answering with `policy`.
    pub fn new(policy: &'p Policy) -> LineDecider<'p> {
        LineDecider { policy, line: RequestLine::empty(), row: policy.new_row() }
    }

    /// Answers one request line (without its line ending): the decision, or the error that
    /// makes it no valid request (a line over the record limit is `LIMIT_EXCEEDED`).
    pub fn decide(&mut self, line: &str) -> Result<Decision, Error> {
        let limit = self.policy.limits().record_bytes;
        if line.len() > limit {
            return Err(Error::limit_exceeded(&JsonPath::root(), "the size of a request line in bytes", limit));
        }
        let mut request = std::mem::replace(&mut self.line, RequestLine::empty()).recycle();
        let answer = request.read(line).map(|()| self.policy.answer_request_line_in(&request, &mut self.row));
        self.line = request.recycle();
        answer
    }
}

/// A request line read but not yet answered: the request parsed strictly, its record kept
/// as text borrowed from the line (read once, by the policy's ingestor, when it is
/// answered). A host that stores locks looks the record's lock up by
/// [`RequestLine::record_id`] in between.
///
/// ```
/// use recordlock::{LockState, RequestLine};
/// let mut line = RequestLine::parse(r#"{"record": {"id": 17, "Stage": "Won"}, "actor": {"id": "u"},
///                                       "operation": {"action": "delete"}}"#).unwrap();
/// assert_eq!(line.record_id().as_deref(), Some("17"));
/// assert!(line.lock().is_none());
/// line.set_lock(LockState::Unlocked);
/// assert!(line.lock().is_some());
/// ```
#[derive(Debug, Clone)]
pub struct RequestLine<'a> {
    record: &'a str,
    request: DecideRequest,
}

impl<'a> RequestLine<'a> {
    /// Reads a request line (CONTRACT.md's decide input): `INVALID_DATA` or
    /// `MANDATORY_NOT_FOUND` at the offending key, as [`Policy::answer_line`] answers.
    pub fn parse(line: &'a str) -> Result<RequestLine<'a>, Error> {
        let mut request = RequestLine::empty();
        request.read(line)?;
        Ok(request)
    }

    /// A placeholder to [`RequestLine::read`] lines into (not itself a request to answer).
    pub fn empty() -> RequestLine<'a> {
        RequestLine {
            record: "{}",
            request: DecideRequest {
                record: Json::Object(Map::new()),
                lock: None,
                actor: Actor::default(),
                operation: Operation::Delete,
            },
        }
    }

    /// Reads `line` into this request, reusing its buffers, as [`RequestLine::parse`] reads
    /// it. On an error this holds no request of the line's: answer only after `Ok`.
    ///
    /// The common shapes are read in place without building JSON values or paths; any other
    /// line (every invalid one among them) is read again by the exact reader, which words
    /// the error: both give the same request for a line both read.
    pub fn read(&mut self, line: &'a str) -> Result<(), Error> {
        let req = &mut self.request;
        if let Some(record) = fast::read(line, &mut req.actor, &mut req.operation, &mut req.lock) {
            self.record = record;
            return Ok(());
        }
        let (record, request) = read_request_line(line)?;
        self.record = record;
        self.request = request;
        Ok(())
    }

    /// The same buffers, for lines of another lifetime (the record is forgotten).
    pub fn recycle<'b>(self) -> RequestLine<'b> {
        RequestLine { record: "{}", request: self.request }
    }

    /// The request (its `record` left empty: [`RequestLine::record_text`] holds it).
    pub fn request(&self) -> &DecideRequest {
        &self.request
    }

    /// The record's text, as the line gives it.
    pub fn record_text(&self) -> &'a str {
        self.record
    }

    /// The record's `id` as decimal text (a string or a number), if it has a readable one.
    pub fn record_id(&self) -> Option<String> {
        match record_id::top_level_id(self.record) {
            Some(record_id::IdMember::Once(raw)) => id_of(raw),
            Some(record_id::IdMember::None) => None,
            None => scanned_record_id(self.record),
        }
    }

    /// The lock the request gives (`None`: to be derived from the record).
    pub fn lock(&self) -> Option<&LockState> {
        self.request.lock.as_ref()
    }

    /// Sets the lock to decide with (a host's stored lock of the record).
    pub fn set_lock(&mut self, lock: LockState) {
        self.request.lock = Some(lock);
    }
}

/// The record's `id` read by the record scanner, or by serde_json for a record the scanner
/// leaves to it (an escaped key): [`RequestLine::record_id`]'s reading where its light walk
/// declines, and the reading it is held to by the tests.
fn scanned_record_id(record: &str) -> Option<String> {
    let mut ids = (None, 0);
    match scan_object(record, |k| (k == b"id").then_some(()), |(), _, raw| ids = (Some(raw), ids.1 + 1)) {
        Scanned::Done if ids.1 > 1 => None,
        Scanned::Done => id_of(ids.0?),
        Scanned::Unusual => {
            #[derive(serde::Deserialize)]
            struct Id<'a> {
                #[serde(borrow)]
                id: Option<&'a RawValue>,
            }
            id_of(serde_json::from_str::<Id<'_>>(record).ok()?.id?.get())
        }
    }
}

/// A record id's text: a non-empty string's content, or a number's text as serde_json keeps
/// it (as written, but for an exponent).
fn id_of(raw: &str) -> Option<String> {
    match raw.as_bytes().first()? {
        b'"' => match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(plain) if !plain.contains('\\') => (!plain.is_empty()).then(|| plain.to_owned()),
            _ => Some(serde_json::from_str::<String>(raw).ok()?).filter(|s| !s.is_empty()),
        },
        _ if raw.bytes().all(|b| b.is_ascii_digit()) => Some(raw.to_owned()),
        b'-' | b'0'..=b'9' => Some(serde_json::from_str::<serde_json::Number>(raw).ok()?.to_string()),
        _ => None,
    }
}

/// A request line: its record's text as given, and the rest parsed strictly into a
/// [`DecideRequest`] (whose `record` is left empty). Keys of the request must not repeat;
/// keys of the record are the ingestor's to check, as in every command that reads records.
/// The exact reader: it builds the JSON path of any error.
fn read_request_line(line: &str) -> Result<(&str, DecideRequest), Error> {
    let root = JsonPath::root();
    let members = serde_json::from_str::<RawMembers<'_>>(line)
        .map_err(|e| recordlock_criteria::error_from_json(&e, line.as_bytes()))?;
    let mut rest = Map::new();
    let mut record = None;
    for (key, raw) in members.0 {
        let path = root.key(&key);
        if key == "record" && record.is_none() && !rest.contains_key(&key) {
            if !raw.get().starts_with('{') {
                return Err(invalid(&path, "record", "`record` must be an object"));
            }
            rest.insert(key, Json::Object(Map::new()));
            record = Some(raw.get());
        } else if rest.contains_key(&key) {
            let message = format!("the key `{key}` is given twice");
            return Err(Error::new(ErrorCode::InvalidData, &path, message).with_api_name(key));
        } else {
            let value = recordlock_criteria::parse_json_strict(raw.get()).map_err(|e| e.under(&path))?;
            rest.insert(key, value);
        }
    }
    let req = DecideRequest::from_json(&Json::Object(rest))?;
    // `from_json` has required `record`, so it is there.
    let record = record.ok_or_else(|| mandatory(&root.key("record"), "record"))?;
    Ok((record, req))
}

/// A JSON object's members, each value kept as its text.
struct RawMembers<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawMembers<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawMembers<'a>, D::Error> {
        deserializer.deserialize_map(RawMembersVisitor(std::marker::PhantomData))
    }
}

struct RawMembersVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for RawMembersVisitor<'a> {
    type Value = RawMembers<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a request (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMembers<'a>, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            members.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(RawMembers(members))
    }
}

/// An answer as the `number`th (1-based) input line's: an error answer gains `"line"`
/// (CONTRACT.md: every error line of `decide`, `sweep` and `diff` names its input line);
/// a decision is unchanged.
///
/// ```
/// use recordlock::{error_line, with_line};
/// use recordlock::criteria::{Error, ErrorCode, JsonPath};
/// use serde_json::json;
///
/// let e = Error::new(ErrorCode::InvalidData, &JsonPath::root(), "bad");
/// assert_eq!(with_line(error_line(&e), 3)["line"], 3);
/// assert_eq!(with_line(json!({"decision": "allowed"}), 3), json!({"decision": "allowed"}));
/// ```
pub fn with_line(mut answer: Json, number: u64) -> Json {
    if let Json::Object(m) = &mut answer
        && m.contains_key("error")
    {
        m.insert("line".to_owned(), Json::from(number));
    }
    answer
}

/// `{"error": {...}}`.
pub fn error_line(e: &Error) -> Json {
    let mut m = Map::new();
    m.insert("error".into(), serde_json::to_value(e).unwrap_or(Json::Null));
    Json::Object(m)
}

fn invalid(path: &JsonPath, key: &str, why: &str) -> Error {
    Error::new(ErrorCode::InvalidData, path, why).with_api_name(key)
}

fn mandatory(path: &JsonPath, key: &str) -> Error {
    Error::new(ErrorCode::MandatoryNotFound, path, "required field not found").with_api_name(key)
}

fn parse_actor(json: Option<&Json>, path: &JsonPath) -> Result<Actor, Error> {
    let map = match json {
        Some(Json::Object(m)) => m,
        Some(_) => return Err(invalid(path, "actor", "`actor` must be an object")),
        None => return Err(mandatory(path, "actor")),
    };
    reject_unknown_keys(map, path, &["id", "name", "profile", "portal_user", "lock_permission"])?;
    let id = match map.get("id") {
        None | Some(Json::Null) => String::new(),
        Some(v) => id_text(v).ok_or_else(|| invalid(&path.key("id"), "id", "`id` must be an id"))?,
    };
    let profile_id = match map.get("profile") {
        None | Some(Json::Null) => None,
        Some(Json::Object(p)) => match p.get("id") {
            None | Some(Json::Null) => None,
            Some(v) => {
                Some(id_text(v).ok_or_else(|| invalid(&path.key("profile").key("id"), "id", "`id` must be an id"))?)
            }
        },
        Some(v) => {
            Some(id_text(v).ok_or_else(|| invalid(&path.key("profile"), "profile", "`profile` must be an object"))?)
        }
    };
    let flag = |key: &str| match map.get(key) {
        None | Some(Json::Null) => Ok(false),
        Some(Json::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(&path.key(key), key, "expected true or false")),
    };
    Ok(Actor { id, profile_id, portal_user: flag("portal_user")?, lock_permission: flag("lock_permission")? })
}

const ACTIONS: &[&str] = &[
    "update",
    "delete",
    "tags",
    "change_owner",
    "convert",
    "send_mail",
    "send_survery",
    "send_portal_invitation",
    "custom_button",
    "lock",
    "unlock",
    "edit_lock_reason",
];

fn parse_operation(json: Option<&Json>, path: &JsonPath) -> Result<Operation, Error> {
    let map: &Map<String, Json> = match json {
        Some(Json::Object(m)) => m,
        Some(_) => return Err(invalid(path, "operation", "`operation` must be an object")),
        None => return Err(mandatory(path, "operation")),
    };
    reject_unknown_keys(map, path, &["action", "fields", "button", "reason"])?;
    let action = match map.get("action") {
        Some(Json::String(s)) => s.as_str(),
        Some(_) => return Err(invalid(&path.key("action"), "action", "`action` must be a string")),
        None => return Err(mandatory(&path.key("action"), "action")),
    };
    let reason = || match map.get("reason") {
        Some(Json::String(s)) => Ok(s.clone()),
        Some(Json::Null) | None => Err(mandatory(&path.key("reason"), "reason")),
        Some(_) => Err(invalid(&path.key("reason"), "reason", "`reason` must be a string")),
    };
    Ok(match action {
        "update" => {
            let fpath = path.key("fields");
            let items = match map.get("fields") {
                Some(Json::Array(items)) => items,
                Some(_) => return Err(invalid(&fpath, "fields", "`fields` must be an array of field names")),
                None => return Err(mandatory(&fpath, "fields")),
            };
            let mut fields = Vec::with_capacity(items.len());
            for (i, f) in items.iter().enumerate() {
                match f {
                    Json::String(s) => fields.push(s.clone()),
                    _ => return Err(invalid(&fpath.index(i), "fields", "a field name must be a string")),
                }
            }
            Operation::Update { fields }
        }
        "custom_button" => {
            let bpath = path.key("button");
            // Missing (or null) is MANDATORY_NOT_FOUND; given but not an id is INVALID_DATA.
            let (given, at) = match map.get("button") {
                Some(Json::Object(b)) => (b.get("id").filter(|v| !v.is_null()), bpath.key("id")),
                Some(Json::Null) | None => (None, bpath.key("id")),
                Some(v) => (Some(v), bpath.clone()),
            };
            let Some(given) = given else { return Err(mandatory(&at, "button")) };
            let id = id_text(given).ok_or_else(|| {
                invalid(
                    &at,
                    "id",
                    "a button `id` must be an id: a non-empty string, or a whole number without sign or fraction",
                )
                .with_expected_data_type("bigint")
            })?;
            Operation::CustomButton { id }
        }
        "lock" => Operation::Lock { reason: reason()? },
        "edit_lock_reason" => Operation::EditLockReason { reason: reason()? },
        other => match Operation::without_operands(other) {
            Some(operation) => operation,
            None => {
                return Err(invalid(&path.key("action"), "action", &format!("`{other}` is not an action"))
                    .with_supported_values(ACTIONS.iter().copied()));
            }
        },
    })
}
