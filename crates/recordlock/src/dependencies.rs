//! Field dependencies: which fields can change a record's automatic lock.
//!
//! A rule reads a handful of fields; a save that changes none of them cannot change which
//! rule matches, so the host can keep the record's lock as it is and skip re-evaluation —
//! the common case, since most edits touch fields no rule reads.

use crate::policy::Policy;

impl Policy {
    /// The fields whose value can change a record's automatic lock: every field a rule
    /// reads, each once, in schema order. Empty when `lock_type` is manual (rules do not
    /// apply).
    ///
    /// ```
    /// use recordlock::{Limits, Module, Policy};
    /// use recordlock::criteria::EvalOptions;
    /// use serde_json::json;
    ///
    /// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
    ///     {"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}},
    ///     {"name": "Big", "criteria": {"group_operator": "AND", "group": [
    ///         {"field": {"api_name": "Stage"}, "comparator": "not_equal", "value": "Closed Lost"},
    ///         {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 100000}]}}]}]});
    /// let policy = Policy::new(&body, Module::resolve("Deals", None)?, Limits::default(), EvalOptions::default())?;
    /// assert_eq!(policy.lock_fields(), ["Amount", "Stage"]);
    /// assert!(policy.may_change_lock(&["Description", "Amount"]));
    /// assert!(!policy.may_change_lock(&["Description", "Next_Step"]));
    /// # Ok::<(), recordlock::criteria::Error>(())
    /// ```
    pub fn lock_fields(&self) -> Vec<&str> {
        if !self.config().lock_type.is_automatic() {
            return Vec::new();
        }
        let mut fields: Vec<_> = self.rules().iter().flat_map(|r| r.program().read_fields()).collect();
        fields.sort_unstable_by_key(|f| f.slot);
        fields.dedup_by_key(|f| f.slot);
        fields.into_iter().map(|f| &*f.api_name).collect()
    }

    /// Whether a save that changes `changed_fields` (API names, as in an update) may change
    /// the record's automatic lock. `false` is a guarantee: the rule that matches (if any)
    /// is the same before and after, so the host may keep the lock without evaluating the
    /// rules. A record being created has no "before": evaluate it.
    ///
    /// Allocation-free: a few short string comparisons per changed field.
    pub fn may_change_lock(&self, changed_fields: &[&str]) -> bool {
        self.config().lock_type.is_automatic()
            && self
                .rules()
                .iter()
                .any(|r| r.program().read_fields().iter().any(|f| changed_fields.contains(&&*f.api_name)))
    }
}

#[cfg(test)]
mod tests {
    use recordlock_criteria::EvalOptions;
    use serde_json::json;

    use crate::{Limits, Module, Policy};

    fn policy(lock_type: &str) -> Policy {
        let body = json!({"record_locking_configurations": [{"lock_type": lock_type, "locking_rules": [
            {"name": "Won", "criteria": {"group_operator": "OR", "group": [
                {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"},
                {"field": {"api_name": "Closing_Date"}, "comparator": "less_than", "value": "2020-01-01"}]}}]}]});
        Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap()
    }

    #[test]
    fn fields_any_rule_reads() {
        let p = policy("both");
        assert_eq!(p.lock_fields(), ["Closing_Date", "Stage"]);
        assert!(p.may_change_lock(&["Closing_Date"]));
        assert!(!p.may_change_lock(&[]));
        assert!(!p.may_change_lock(&["stage"]), "API names are compared exactly");
    }

    /// Rules do not apply when `lock_type` is manual, so no field changes a lock.
    #[test]
    fn manual_configurations_depend_on_nothing() {
        let p = policy("manual");
        assert!(p.lock_fields().is_empty());
        assert!(!p.may_change_lock(&["Stage"]));
    }
}
