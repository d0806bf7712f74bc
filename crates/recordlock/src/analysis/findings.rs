//! What the analysis reports: [`Finding`]s, each of a stable [`FindingKind`].

use std::fmt;

use serde::Serialize;

/// How much a finding matters. Findings are advice, never errors: a configuration with
/// findings is valid and behaves as SPEC.md says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Almost certainly a mistake: the rule can never lock anything.
    Error,
    /// Probably not what the administrator meant.
    Warning,
}

impl Severity {
    /// The name on the wire: `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a finding is about. The names on the wire (`snake_case`) are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A rule, group or condition that no record satisfies (`Amount > 100 AND Amount < 50`).
    NeverHolds,
    /// A rule, group or condition that every record satisfies, empty fields included.
    AlwaysHolds,
    /// Every record the rule locks, earlier rules already lock: it never shows as the
    /// locking rule.
    RedundantRule,
    /// The rule locks exactly the records an earlier rule locks.
    EquivalentRules,
    /// The rule reads a field of `excluded_fields`, which stays editable on a locked record:
    /// a user can edit the record out of the lock.
    ReadsExcludedField,
    /// `lock_existing_records` on a rule that holds only when fields records often leave
    /// empty are filled: the back-fill may lock few records.
    LockExistingRarelyFilled,
}

impl FindingKind {
    /// The name on the wire, e.g. `never_holds`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::NeverHolds => "never_holds",
            FindingKind::AlwaysHolds => "always_holds",
            FindingKind::RedundantRule => "redundant_rule",
            FindingKind::EquivalentRules => "equivalent_rules",
            FindingKind::ReadsExcludedField => "reads_excluded_field",
            FindingKind::LockExistingRarelyFilled => "lock_existing_rarely_filled",
        }
    }
}

/// One finding: `{"severity", "kind", "json_path", "message", "related"?}`.
///
/// `json_path` locates what the finding is about in the configuration body (a rule, its
/// criteria, a group or a leaf); `related` locates what it is about relative to (the earlier
/// rules of a redundancy, the excluded field read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// What it is about.
    pub kind: FindingKind,
    /// Where, in the configuration body.
    pub json_path: String,
    /// A sentence for a person.
    pub message: String,
    /// Related places in the configuration body; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

impl Finding {
    /// The finding as its JSON line object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for Finding {
    /// `warning[redundant_rule] $.path: message`, then `  related: $.path` lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}] {}: {}", self.severity.as_str(), self.kind.as_str(), self.json_path, self.message)?;
        for r in &self.related {
            write!(f, "\n  related: {r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_stable() {
        let f = Finding {
            severity: Severity::Warning,
            kind: FindingKind::LockExistingRarelyFilled,
            json_path: "$.x".into(),
            message: "m".into(),
            related: Vec::new(),
        };
        assert_eq!(
            f.to_json(),
            serde_json::json!({"severity": "warning", "kind": "lock_existing_rarely_filled", "json_path": "$.x", "message": "m"})
        );
        for k in [
            FindingKind::NeverHolds,
            FindingKind::AlwaysHolds,
            FindingKind::RedundantRule,
            FindingKind::EquivalentRules,
            FindingKind::ReadsExcludedField,
            FindingKind::LockExistingRarelyFilled,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
        }
        assert_eq!(f.to_string(), "warning[lock_existing_rarely_filled] $.x: m");
    }
}
