//! Text tests: DataFusion's `lower` on the record's side (Rust's `str::to_lowercase`, as
//! recordlock's own folding is; the tests check it on ß, Σ/ς and İ), constants folded once.

use datafusion::functions::expr_fn::{contains, ends_with, lower, starts_with};
use datafusion::logical_expr::expr::Like;
use datafusion::logical_expr::lit;
use datafusion::prelude::Expr;
use recordlock::criteria::typed::{Substring, SubstringKind, TextTest};

use super::column::list_test;

/// A test on a text column `c`.
pub(crate) fn text(c: Expr, t: &TextTest) -> Expr {
    let folded = lower(c.clone());
    match t {
        TextTest::Equal(k) => folded.eq(lit(&**k)),
        TextTest::In(set) => list_test(folded, set.iter().map(|k| lit(&**k)).collect()),
        TextTest::Substring(sub) => substring(folded, sub),
        TextTest::Like(p) => {
            let pattern = like(folded, p.as_str());
            // Only a pattern of `%` alone matches ''; '' is empty, where `like` is false.
            if p.as_str().chars().all(|ch| ch == '%') { pattern.and(c.not_eq(lit(""))) } else { pattern }
        }
    }
}

/// A substring test on folded text `x`. The needle is never empty (criteria values are not
/// `""`), so it is false on `''`; an empty needle would hold on any non-empty text.
pub(crate) fn substring(x: Expr, sub: &Substring) -> Expr {
    let needle = &*sub.needle;
    if needle.is_empty() {
        return x.not_eq(lit(""));
    }
    match sub.kind {
        SubstringKind::Contains => contains(x, lit(needle)),
        SubstringKind::StartsWith => starts_with(x, lit(needle)),
        SubstringKind::EndsWith => ends_with(x, lit(needle)),
    }
}

/// `x LIKE pattern` where `pattern` has `%` and `_` and no escape character (SPEC.md §2).
/// Arrow's LIKE treats `\` as an escape even without an ESCAPE clause, so a literal `\` is
/// written `\\`.
pub fn like(x: Expr, pattern: &str) -> Expr {
    Expr::Like(Like::new(false, Box::new(x), Box::new(lit(like_pattern(pattern))), None, false))
}

/// `pattern` for Arrow's LIKE: every `\` doubled, `%` and `_` kept as wildcards.
pub(crate) fn like_pattern(pattern: &str) -> String {
    pattern.replace('\\', "\\\\")
}
