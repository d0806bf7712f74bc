//! Scalars from their JSON text: decimals, dates, datetimes, booleans.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value as Json;

/// The longest numeric text read; anything longer cannot be an exact `Decimal` anyway, and
/// the bound keeps a 10,000-digit number from costing more than a glance.
const MAX_NUMBER_TEXT: usize = 64;

/// Reads a number written as JSON writes it (`-12.50`, `1e3`) or as a plain numeric string,
/// exactly. `None` for anything else, and for values a `Decimal` cannot hold exactly.
///
/// ```
/// use recordlock_criteria::parse_decimal;
/// assert_eq!(parse_decimal("1000.10"), parse_decimal("1000.1"));
/// assert_ne!(parse_decimal("9007199254740993"), parse_decimal("9007199254740992"));
/// assert_eq!(parse_decimal("NaN"), None);
/// assert_eq!(parse_decimal(&"9".repeat(10_000)), None);
/// ```
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    if let Some(d) = short_decimal(text) {
        return Some(d);
    }
    if text.len() > MAX_NUMBER_TEXT || !is_number_syntax(text) {
        return None;
    }
    match text.split_once(['e', 'E']) {
        None => Decimal::from_str_exact(text).ok(),
        Some((mantissa, exponent)) => scale_exactly(Decimal::from_str_exact(mantissa).ok()?, exponent.parse().ok()?),
    }
}

/// The common case read directly: `-?digits(.digits)?` of at most 18 digits (so no
/// arithmetic below can overflow an `i64`), not a negative zero; exactly the `Decimal` the
/// general path reads (the digits as the mantissa, the fraction's length as the scale).
/// `None` sends anything else to the general path.
fn short_decimal(text: &str) -> Option<Decimal> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    // At most 18 digits: 19 bytes when one is the point.
    if digits.len() > 19 || (digits.len() == 19 && !digits.contains(&b'.')) {
        return None;
    }
    let mut mantissa: i64 = 0;
    // Where the point is (`digits.len()` while none was seen).
    let mut point = digits.len();
    for (i, &b) in digits.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa * 10 + i64::from(digit);
        } else if b == b'.' && point == digits.len() && i > 0 {
            point = i;
        } else {
            return None;
        }
    }
    // A point needs a digit after it (and has one before it, above); no negative zero.
    let scale = digits.len().saturating_sub(point + 1) as u32;
    if digits.is_empty() || point + 1 == digits.len() || (negative && mantissa == 0) {
        return None;
    }
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}

/// `m × 10^exp`, or `None` if that needs more digits than a `Decimal` holds. (Not
/// `Decimal::from_scientific`, which rounds a long mantissa instead of refusing it.)
fn scale_exactly(mut m: Decimal, exp: i32) -> Option<Decimal> {
    if exp >= 0 {
        let mut result = m;
        for _ in 0..exp.min(64) {
            result = result.checked_mul(Decimal::TEN)?;
        }
        // A zero mantissa stays zero however large the exponent; anything else overflowed.
        return (exp <= 64 || result.is_zero()).then_some(result);
    }
    // Dividing by 10^k is raising the scale by k; trailing zeros of the mantissa give room.
    m = m.normalize();
    let scale = m.scale().checked_add(exp.unsigned_abs())?;
    if scale > Decimal::MAX_SCALE {
        return m.is_zero().then_some(Decimal::ZERO);
    }
    m.set_scale(scale).ok()?;
    Some(m)
}

/// `-?digits(.digits)?([eE][+-]?digits)?`
fn is_number_syntax(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Reads a `YYYY-MM-DD` date, strictly (four-digit year, two-digit month and day).
///
/// ```
/// use recordlock_criteria::parse_date;
/// assert!(parse_date("2024-02-29").is_some());
/// assert!(parse_date("2024-2-29").is_none());
/// ```
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// Reads an RFC 3339 datetime with an offset (`2024-01-01T10:00:00+05:30`, `...Z`).
pub fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    if text.len() > MAX_NUMBER_TEXT {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// Reads a boolean: JSON `true`/`false` or the strings `"true"`/`"false"` in any case.
pub fn parse_bool(json: &Json) -> Option<bool> {
    match json {
        Json::Bool(b) => Some(*b),
        Json::String(s) => parse_bool_text(s),
        _ => None,
    }
}

/// A boolean written as text: `"true"` or `"false"`, in any case.
pub fn parse_bool_text(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_syntax() {
        for ok in ["0", "-1", "1.5", "1e3", "1E-3", "-0.25e+2", "007"] {
            assert!(parse_decimal(ok).is_some(), "{ok}");
        }
        for bad in ["", "-", "1.", ".5", "1e", "+1", "1,000", " 1", "Infinity", "NaN", "0x10"] {
            assert!(parse_decimal(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_decimal("1e3"), parse_decimal("1000"));
        assert_eq!(parse_decimal("-2.5E-3"), parse_decimal("-0.0025"));
        assert_eq!(parse_decimal("1.500e-27"), parse_decimal("0.0000000000000000000000000015"));
    }

    /// The short path reads exactly what the general one reads, digit for digit and scale
    /// for scale (`1.50` keeps its scale of 2), and leaves everything else to it.
    #[test]
    fn short_decimals_are_read_as_the_general_path_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "-0.50",
            "007",
            "1.",
            ".5",
            "-",
            "",
            "1.2.3",
            "12a",
            "1e3",
            "-.5",
            "--1",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "99999999999999999999",
            "0.000000000000000001",
            "123456789.123456789",
            "1234567890123456789",
            "7281.08",
            "1508.30",
            // The short path's bounds: 18 digits, with and without a point, and 19.
            "999999999999999999",
            "-99999999999999999.9",
            "12345678901234567.8",
            "1234567890123456789.0",
            "9999999999999999999",
            "0.5",
            "5.",
            "5..0",
        ]
        .map(str::to_owned)
        .to_vec();
        for i in 0..2000u64 {
            let n = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 60);
            let digits = n.to_string();
            let point = (i as usize) % (digits.len() + 1);
            let (a, b) = digits.split_at(point);
            texts.push(if b.is_empty() { a.to_owned() } else { format!("{a}.{b}") });
            texts.push(format!("-{}", texts.last().unwrap()));
        }
        for text in &texts {
            let exact = if text.len() <= MAX_NUMBER_TEXT && is_number_syntax(text) && !text.contains(['e', 'E']) {
                Decimal::from_str_exact(text).ok()
            } else {
                None
            };
            match short_decimal(text) {
                Some(d) => {
                    let e = exact.unwrap_or_else(|| panic!("{text}: short path read what the general one refuses"));
                    assert_eq!(
                        (d.mantissa(), d.scale(), d.is_sign_negative()),
                        (e.mantissa(), e.scale(), e.is_sign_negative()),
                        "{text}"
                    );
                }
                None if text.contains(['e', 'E']) => {}
                None => assert_eq!(
                    parse_decimal(text).map(|d| (d.mantissa(), d.scale())),
                    exact.map(|d| (d.mantissa(), d.scale())),
                    "{text}"
                ),
            }
        }
    }

    /// SPEC.md §2 Numbers: exact, also in exponent form — digits are never rounded away.
    #[test]
    fn exponent_form_is_exact_or_refused() {
        assert_eq!(parse_decimal("1.00000000000000000000000000001e0"), None, "too many digits to hold");
        assert_eq!(parse_decimal("0.99999999999999999999999999999e0"), None);
        assert_eq!(parse_decimal("1.00000000000000000000000000001"), None);
        assert_eq!(parse_decimal("1e29"), None, "beyond 96 bits");
        assert_eq!(parse_decimal("1e-29"), None, "beyond 28 decimals");
        assert_eq!(parse_decimal("1e28"), parse_decimal("10000000000000000000000000000"));
        assert!(parse_decimal("1e99999999999").is_none());
    }
}
