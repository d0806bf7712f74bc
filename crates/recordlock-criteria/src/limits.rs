//! The bounds on criteria input (SPEC.md §2, "Default limits").

/// Bounds on one rule's criteria. Input over any of them is `LIMIT_EXCEEDED` with a JSON path.
///
/// The defaults are SPEC.md §2's. An embedder may change them, but nesting is capped at
/// [`CriteriaLimits::MAX_DEPTH_CAP`] whatever it asks for, because depth drives recursion.
///
/// ```
/// use recordlock_criteria::CriteriaLimits;
///
/// let limits = CriteriaLimits { max_in_values: 10, ..CriteriaLimits::default() };
/// assert_eq!(limits.max_depth, 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriteriaLimits {
    /// Nested groups: a lone leaf is depth 0, each enclosing group adds 1.
    pub max_depth: usize,
    /// Items in one group.
    pub max_group_items: usize,
    /// Leaves in one rule.
    pub max_leaves: usize,
    /// Values of one `in`/`not_in` (and of one multi-select set).
    pub max_in_values: usize,
    /// Characters of one text constant.
    pub max_text_chars: usize,
}

impl CriteriaLimits {
    /// The hard cap on nesting, whatever `max_depth` says.
    pub const MAX_DEPTH_CAP: usize = 64;

    /// The nesting limit in effect: `max_depth`, capped at [`Self::MAX_DEPTH_CAP`].
    pub fn effective_depth(&self) -> usize {
        self.max_depth.min(Self::MAX_DEPTH_CAP)
    }
}

impl Default for CriteriaLimits {
    fn default() -> CriteriaLimits {
        CriteriaLimits { max_depth: 8, max_group_items: 25, max_leaves: 100, max_in_values: 100, max_text_chars: 255 }
    }
}
