//! Access tokens: who a request is, and what it may do.
//!
//! `recordlock token` mints a token: 32 random bytes, printed once as
//! `1000.<64 hex digits>` (the shape of Zoho's access tokens). The database keeps only its
//! SHA-256, so a stolen database file grants nothing. A token maps to an organisation, a
//! user (id, profile, lock and unlock permission) and scopes.

use std::fmt;

use sha2::{Digest, Sha256};

/// What a scope grants on its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// GET.
    Read,
    /// POST.
    Create,
    /// PUT.
    Update,
    /// DELETE.
    Delete,
    /// Every operation.
    All,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Read => "READ",
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::All => "ALL",
        }
    }

    fn parse(s: &str) -> Option<Operation> {
        Some(match s.to_ascii_uppercase().as_str() {
            "READ" => Operation::Read,
            "CREATE" => Operation::Create,
            "UPDATE" => Operation::Update,
            "DELETE" => Operation::Delete,
            "ALL" => Operation::All,
            _ => return None,
        })
    }
}

/// The resources the server guards, as Zoho names their scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `ZohoCRM.settings.record_locking_configurations`.
    Configurations,
    /// `ZohoCRM.modules.lockinginformation`: manual locks, and recordlock's decide,
    /// record-saved and sweep endpoints.
    LockingInformation,
    /// `ZohoCRM.settings.fields` (only READ is used).
    Fields,
    /// `ZohoCRM.settings`: every settings resource (`ZohoCRM.settings.ALL`).
    AllSettings,
    /// `ZohoCRM.modules`: every module resource (`ZohoCRM.modules.ALL`).
    AllModules,
}

impl Resource {
    fn as_str(self) -> &'static str {
        match self {
            Resource::Configurations => "ZohoCRM.settings.record_locking_configurations",
            Resource::LockingInformation => "ZohoCRM.modules.lockinginformation",
            Resource::Fields => "ZohoCRM.settings.fields",
            Resource::AllSettings => "ZohoCRM.settings",
            Resource::AllModules => "ZohoCRM.modules",
        }
    }

    fn covers(self, wanted: Resource) -> bool {
        self == wanted
            || (self == Resource::AllSettings && matches!(wanted, Resource::Configurations | Resource::Fields))
            || (self == Resource::AllModules && wanted == Resource::LockingInformation)
    }
}

/// One scope: a resource and an operation, e.g.
/// `ZohoCRM.settings.record_locking_configurations.READ`.
///
/// ```
/// use recordlock_server::tokens::{Operation, Resource, Scope};
/// let s = Scope::parse("ZohoCRM.settings.record_locking_configurations.ALL").unwrap();
/// assert!(s.grants(Resource::Configurations, Operation::Delete));
/// assert!(!s.grants(Resource::LockingInformation, Operation::Read));
/// assert!(Scope::parse("ZohoCRM.settings.ALL").unwrap().grants(Resource::Fields, Operation::Read));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    resource: Resource,
    operation: Operation,
}

impl Scope {
    /// Parses a scope name (the operation ignores case); `None` for a scope this server
    /// does not know. `ZohoCRM.settings.ALL` and `ZohoCRM.modules.ALL` cover their families.
    pub fn parse(text: &str) -> Option<Scope> {
        let text = text.trim();
        let (resource, operation) = text.rsplit_once('.')?;
        let operation = Operation::parse(operation)?;
        let resource = [
            Resource::Configurations,
            Resource::LockingInformation,
            Resource::Fields,
            Resource::AllSettings,
            Resource::AllModules,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(resource))?;
        if matches!(resource, Resource::AllSettings | Resource::AllModules) && operation != Operation::All {
            return None;
        }
        Some(Scope { resource, operation })
    }

    /// Whether this scope allows `operation` on `resource`.
    pub fn grants(&self, resource: Resource, operation: Operation) -> bool {
        self.resource.covers(resource) && (self.operation == operation || self.operation == Operation::All)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.resource.as_str(), self.operation.as_str())
    }
}

/// Who a token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The organisation: the only tenant the token can see or change.
    pub org: String,
    /// The user's id.
    pub user_id: String,
    /// The user's profile id (exemption from locks is by profile).
    pub profile_id: String,
    /// Whether the user may lock records by hand.
    pub lock_permission: bool,
    /// Whether the user may unlock (and edit the reason of) manual locks.
    pub unlock_permission: bool,
    /// What the token may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether any of the token's scopes allows `operation` on `resource`.
    pub fn may(&self, resource: Resource, operation: Operation) -> bool {
        self.scopes.iter().any(|s| s.grants(resource, operation))
    }
}

/// The hex SHA-256 of a token: what the database stores and looks up.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new random token, `1000.` and 64 hex digits.
pub fn mint() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("1000.{}", hex(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            s.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_grant_by_family() {
        for name in [
            "ZohoCRM.settings.record_locking_configurations.READ",
            "ZohoCRM.modules.lockinginformation.ALL",
            "ZohoCRM.settings.fields.READ",
            "ZohoCRM.settings.ALL",
        ] {
            assert_eq!(Scope::parse(name).unwrap().to_string(), name);
        }
        assert!(Scope::parse("ZohoCRM.settings.READ").is_none());
        assert!(Scope::parse("ZohoCRM.users.ALL").is_none());
        let read = Scope::parse("ZohoCRM.settings.record_locking_configurations.read").unwrap();
        assert!(read.grants(Resource::Configurations, Operation::Read));
        assert!(!read.grants(Resource::Configurations, Operation::Create));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (mint().unwrap(), mint().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 69);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }
}
