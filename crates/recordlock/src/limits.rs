//! Every bound on input, in one value the embedder may change (SPEC.md §1 and §2).

use recordlock_criteria::CriteriaLimits;

/// The limits on configurations, rules and records. Input over a limit is `LIMIT_EXCEEDED`
/// (with `limit` and `available_limit` in the error details) and a JSON path.
///
/// | limit | default | source |
/// |---|---|---|
/// | `rules` | 5 | Zoho (K109, OAS maxItems) |
/// | `excluded_fields` | 15 | Zoho OAS maxItems (the UI says 10) |
/// | `excluded_profiles` | 15 | Zoho OAS maxItems |
/// | `custom_buttons` | 30 | Zoho OAS maxItems |
/// | `rule_name_chars` | 256 | Zoho OAS maxLength |
/// | `criteria.max_depth` | 8 nested groups | ours |
/// | `criteria.max_group_items` | 25 | ours (Zoho workflow criteria) |
/// | `criteria.max_leaves` | 100 per rule | ours |
/// | `criteria.max_in_values` | 100 | ours (Zoho search caps `in` at 100) |
/// | `criteria.max_text_chars` | 255 | ours |
/// | `record_bytes` | 1 MiB per record line (its line ending not counted) | ours |
/// | `config_bytes` | 1 MiB per configuration or schema body, checked before parsing | ours |
/// | JSON nesting | 128 levels | serde_json's parser |
///
/// ```
/// use recordlock::Limits;
/// let strict = Limits { rules: 3, ..Limits::default() };
/// assert_eq!(strict.criteria.max_depth, 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Locking rules per configuration.
    pub rules: usize,
    /// Entries of `excluded_fields`.
    pub excluded_fields: usize,
    /// Entries of `lock_excluded_profiles`.
    pub excluded_profiles: usize,
    /// Entries of `restricted_custom_buttons`.
    pub custom_buttons: usize,
    /// Characters of a rule name.
    pub rule_name_chars: usize,
    /// Bytes of one record (one JSON line) read by `decide` and `sweep`.
    pub record_bytes: usize,
    /// Bytes of a configuration (or schema) body, checked before it is parsed
    /// ([`crate::config::parse_config_bytes`]): parsing costs memory in proportion to the
    /// text, so the text is bounded first. A configuration within every other default limit
    /// and realistic values is a few kilobytes to a few hundred.
    pub config_bytes: usize,
    /// Bounds on each rule's criteria.
    pub criteria: CriteriaLimits,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            rules: 5,
            excluded_fields: 15,
            excluded_profiles: 15,
            custom_buttons: 30,
            rule_name_chars: 256,
            record_bytes: 1 << 20,
            config_bytes: 1 << 20,
            criteria: CriteriaLimits::default(),
        }
    }
}
