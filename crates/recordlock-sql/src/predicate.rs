//! SPEC.md §2's tests as SQL boolean expressions, two-valued.
//!
//! Every positive test is built so it is false on an empty value (NULL, `''`, an array of no
//! non-empty item) and wrapped in `COALESCE(..., false)`, so it is never NULL; `not_*` is
//! `NOT` of that, the exact negation, true on empty values. SQL's three-valued logic never
//! reaches a rule.
//!
//! Text is compared as Rust's `str::to_lowercase` folds it: constants are folded here (the
//! typed tree holds them folded), record values by `lower(... COLLATE "und-x-icu")` on the
//! server, whose ICU lowercasing is the same mapping (checked by the server tests over every
//! code point; see the README for what the server must have). PostgreSQL text cannot hold
//! NUL, so a constant holding one matches no value and is never sent.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use recordlock::criteria::typed::{
    ChoiceTest, ChoicesTest, IdTest, OrdTest, Pred, Substring, SubstringKind, Test, TextTest,
};
use recordlock::criteria::{Choice, EvalOptions, Field, RecordId, TypeClass, fold};

use crate::builder::Builder;
use crate::columns::{Column, SqlType};
use crate::error::SqlError;
use crate::ident::quote;
use crate::instant::{Bound, day_start};
use crate::param::Param;

/// The ICU collation whose `lower()` is Rust's `to_lowercase`.
pub const FOLD_COLLATION: &str = "und-x-icu";

/// What the SQL reads of one column.
pub(crate) struct Read<'a> {
    pub(crate) field: &'a Field,
    pub(crate) column: &'a Column,
    pub(crate) path: &'a str,
}

impl Read<'_> {
    /// The column's value: text-like columns as `text`.
    fn value(&self) -> String {
        let q = self.column.quoted();
        match self.column.sql_type() {
            SqlType::Varchar | SqlType::Citext => format!("({q}::text)"),
            _ => q,
        }
    }

    fn unsupported(&self, why: &str) -> SqlError {
        SqlError::Unsupported(format!("{} (`{}`): {why}", self.path, self.field.api_name()))
    }
}

/// `lower(x)` as Rust folds text.
fn folded(x: &str) -> String {
    format!("lower({x} COLLATE {})", quote(FOLD_COLLATION))
}

/// Whether PostgreSQL text can hold `s` (it cannot hold NUL).
fn storable(s: &str) -> bool {
    !s.contains('\0')
}

/// The predicate as a two-valued SQL expression.
pub(crate) fn predicate(b: &mut Builder, pred: &Pred, read: &Read<'_>, opts: &EvalOptions) -> Result<String, SqlError> {
    let positive = match pred.test() {
        Test::IsEmpty => is_empty(read),
        test => format!("COALESCE({}, false)", positive(b, test, read, opts)?),
    };
    Ok(if pred.negated() { format!("(NOT {positive})") } else { positive })
}

/// Whether the column's value is empty: NULL, `''`, or an array without a non-empty item.
pub(crate) fn is_empty(read: &Read<'_>) -> String {
    let v = read.value();
    match read.column.sql_type() {
        t if t.is_text() => format!("(COALESCE(octet_length({v}), 0) = 0)"),
        SqlType::TextArray => format!("(NOT EXISTS (SELECT FROM unnest({v}) AS u(v) WHERE octet_length(u.v) > 0))"),
        _ => format!("({v} IS NULL)"),
    }
}

/// The positive test; may be NULL on NULL input (the caller wraps it).
fn positive(b: &mut Builder, test: &Test, read: &Read<'_>, opts: &EvalOptions) -> Result<String, SqlError> {
    let class = read.field.data_type().class();
    let v = read.value();
    let sql = match (test, class) {
        (Test::IsEmpty, _) => is_empty(read),
        (Test::Text(t), TypeClass::Text) => nonempty_text(&v, &text(b, t, &folded(&v))),
        (Test::Choice(t), TypeClass::Picklist) => nonempty_text(&v, &choice(b, t, read.field, &v)),
        (Test::Choices(t), TypeClass::MultiPicklist) => choices(b, t, read.field, &v),
        (Test::Number(t), TypeClass::Number { .. }) => ordered(b, t, &v, |d| Param::Numeric(*d), Param::NumericArray),
        (Test::Date(t), TypeClass::Date) => ordered(b, t, &v, |d| Param::Date(*d), Param::DateArray),
        (Test::DateTime(t), TypeClass::DateTime) => {
            instants(b, t, &v).ok_or_else(|| read.unsupported("an instant PostgreSQL cannot hold"))?
        }
        (Test::DayOfDateTime(t), TypeClass::DateTime) => {
            days(b, t, &v, opts.tz).ok_or_else(|| read.unsupported("a day PostgreSQL cannot hold"))?
        }
        (Test::Bool(x), TypeClass::Boolean) => format!("({v} = {})", b.bind(Param::Boolean(*x))),
        (Test::Id(t), TypeClass::Lookup) => ids(b, t, read),
        _ => return Err(read.unsupported("a test the field's type does not have")),
    };
    Ok(sql)
}

/// `test` only on a non-empty text value (`''` is empty).
fn nonempty_text(v: &str, test: &str) -> String {
    format!("(octet_length({v}) > 0 AND {test})")
}

const FALSE: &str = "false";

fn text(b: &mut Builder, t: &TextTest, f: &str) -> String {
    match t {
        TextTest::Equal(k) if storable(k) => format!("({f} = {})", b.bind(Param::Text(k.to_string()))),
        TextTest::Equal(_) => FALSE.to_owned(),
        TextTest::In(set) => {
            let items: Vec<String> = set.iter().filter(|k| storable(k)).map(|k| k.to_string()).collect();
            format!("({f} = ANY({}))", b.bind(Param::TextArray(items)))
        }
        TextTest::Substring(sub) => substring(b, sub, f),
        TextTest::Like(p) if storable(p.as_str()) => {
            // No escape character: `%` and `_` are the only specials, as in Zoho.
            format!("({f} LIKE {} ESCAPE '')", b.bind(Param::Text(p.as_str().to_owned())))
        }
        TextTest::Like(_) => FALSE.to_owned(),
    }
}

fn substring(b: &mut Builder, sub: &Substring, f: &str) -> String {
    if !storable(&sub.needle) {
        return FALSE.to_owned();
    }
    let n = b.bind(Param::Text(sub.needle.to_string()));
    match sub.kind {
        SubstringKind::Contains => format!("(strpos({f}, {n}) > 0)"),
        SubstringKind::StartsWith => format!("starts_with({f}, {n})"),
        // A suffix in characters is a suffix in bytes (UTF-8 synchronises).
        SubstringKind::EndsWith => format!("(right({f}, char_length({n})) = {n})"),
    }
}

/// The folded texts a record value may have to be `choice`: an option's folded actual and
/// display values that name it, or unlisted text itself (if it names no option).
fn names_of(field: &Field, choice: &Choice) -> Vec<String> {
    match choice {
        Choice::Option(code) => {
            option_names(field).into_iter().filter(|n| field.option_folded(n) == Some(*code)).collect()
        }
        Choice::Other(text) if field.option_folded(text).is_none() && storable(text) => vec![text.to_string()],
        Choice::Other(_) => Vec::new(),
    }
}

/// Every folded name of every option, each once, sorted.
fn option_names(field: &Field) -> Vec<String> {
    let mut names: Vec<String> = field
        .options()
        .iter()
        .flat_map(|o| [fold(&o.actual_value), fold(&o.display_value)])
        .filter(|n| storable(n))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `raw` compared byte for byte (whatever the column's collation).
fn bytes(raw: &str) -> String {
    format!("({raw} COLLATE \"C\")")
}

/// Every option's actual and display value as the schema spells them, each once, sorted.
fn spellings(field: &Field) -> Vec<String> {
    let mut all: Vec<String> = field
        .options()
        .iter()
        .flat_map(|o| [o.actual_value.clone(), o.display_value.clone()])
        .filter(|n| storable(n))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Whether picklist text `raw` is one of the choices whose folded names are `names`.
///
/// Text spelled exactly as the schema spells an option's actual or display value is that
/// option, known without lowering it: most values take this byte comparison, and only other
/// spellings (`CLOSED WON`, unlisted text) are lowered.
fn names_match(b: &mut Builder, field: &Field, raw: &str, names: Vec<String>) -> String {
    let f = folded(raw);
    if !field.has_options() {
        return format!("({f} = ANY({}))", b.bind(Param::TextArray(names)));
    }
    let all = spellings(field);
    let pass: Vec<String> = all.iter().filter(|s| names.contains(&fold(s))).cloned().collect();
    let (r, pass, all) = (bytes(raw), b.bind(Param::TextArray(pass)), b.bind(Param::TextArray(all)));
    let names = b.bind(Param::TextArray(names));
    format!("({r} = ANY({pass}) OR (NOT ({r} = ANY({all})) AND {f} = ANY({names})))")
}

/// The folded names of a set of choices, each once.
fn set_names(field: &Field, set: &[Choice]) -> Vec<String> {
    let mut names: Vec<String> = set.iter().flat_map(|c| names_of(field, c)).collect();
    names.sort();
    names.dedup();
    names
}

/// A picklist value `raw` against a choice test.
fn choice(b: &mut Builder, t: &ChoiceTest, field: &Field, raw: &str) -> String {
    match t {
        ChoiceTest::Equal(c) => names_match(b, field, raw, names_of(field, c)),
        ChoiceTest::In(set) => names_match(b, field, raw, set_names(field, set.as_slice())),
        ChoiceTest::Substring(sub) => choice_substring(b, sub, field, raw),
    }
}

/// A listed option passes when its actual or display value does
/// ([`Substring::holds_on_option`], decided here over the schema's options); unlisted text
/// on its own folded text.
fn choice_substring(b: &mut Builder, sub: &Substring, field: &Field, raw: &str) -> String {
    let f = folded(raw);
    let on_text = substring(b, sub, &f);
    if !field.has_options() {
        return on_text;
    }
    let option_passes =
        |n: &str| field.option_folded(n).and_then(|c| field.option_by_code(c)).is_some_and(|o| sub.holds_on_option(o));
    let names = option_names(field);
    let passing: Vec<String> = names.iter().filter(|n| option_passes(n)).cloned().collect();
    let all_spellings = spellings(field);
    let pass_spellings: Vec<String> = all_spellings.iter().filter(|s| option_passes(&fold(s))).cloned().collect();
    let r = bytes(raw);
    let (pass_spellings, all_spellings) =
        (b.bind(Param::TextArray(pass_spellings)), b.bind(Param::TextArray(all_spellings)));
    let (names, passing) = (b.bind(Param::TextArray(names)), b.bind(Param::TextArray(passing)));
    format!(
        "(CASE WHEN {r} = ANY({pass_spellings}) THEN true WHEN {r} = ANY({all_spellings}) THEN false \
         WHEN {f} = ANY({names}) THEN {f} = ANY({passing}) ELSE {on_text} END)"
    )
}

/// A multi-select value (`text[]`) against a set test. Items are unnested; empty items
/// are not choices (as ingest skips them).
fn choices(b: &mut Builder, t: &ChoicesTest, field: &Field, v: &str) -> String {
    let item = "u.v";
    let exists =
        |cond: &str| format!("EXISTS (SELECT FROM unnest({v}) AS u(v) WHERE octet_length(u.v) > 0 AND {cond})");
    let nonempty = exists("true");
    match t {
        ChoicesTest::Equal(set) | ChoicesTest::IncludeAll(set) => {
            let mut parts = vec![nonempty];
            for c in set.as_slice() {
                let cond = names_match(b, field, item, names_of(field, c));
                parts.push(exists(&cond));
            }
            if let ChoicesTest::Equal(_) = t {
                let cond = names_match(b, field, item, set_names(field, set.as_slice()));
                parts.push(format!("NOT {}", exists(&format!("NOT {cond}"))));
            }
            format!("({})", parts.join(" AND "))
        }
        ChoicesTest::IncludeAny(set) => {
            let cond = names_match(b, field, item, set_names(field, set.as_slice()));
            exists(&cond)
        }
        ChoicesTest::Substring(sub) => {
            let cond = choice_substring(b, sub, field, item);
            exists(&cond)
        }
    }
}

/// An ordered test on a column of the constants' own type.
fn ordered<T>(
    b: &mut Builder,
    t: &OrdTest<T>,
    v: &str,
    one: impl Fn(&T) -> Param,
    many: impl Fn(Vec<T>) -> Param,
) -> String
where
    T: Clone,
{
    match t {
        OrdTest::Equal(c) => format!("({v} = {})", b.bind(one(c))),
        OrdTest::In(set) => format!("({v} = ANY({}))", b.bind(many(set.as_slice().to_vec()))),
        OrdTest::Less(c) => format!("({v} < {})", b.bind(one(c))),
        OrdTest::LessEqual(c) => format!("({v} <= {})", b.bind(one(c))),
        OrdTest::Greater(c) => format!("({v} > {})", b.bind(one(c))),
        OrdTest::GreaterEqual(c) => format!("({v} >= {})", b.bind(one(c))),
        OrdTest::Between(lo, hi) => format!("({v} BETWEEN {} AND {})", b.bind(one(lo)), b.bind(one(hi))),
    }
}

/// Datetime constants against a column of whole microseconds ([`Bound`]).
fn instants(b: &mut Builder, t: &OrdTest<DateTime<FixedOffset>>, v: &str) -> Option<String> {
    let ts = |b: &mut Builder, t: DateTime<Utc>| b.bind(Param::Timestamptz(t));
    // `v >= c` and `v <= c` against a column value `v`.
    let at_least = |b: &mut Builder, c: Bound| match c {
        Bound::Exact(t) => format!("({v} >= {})", ts(b, t)),
        Bound::JustAfter(t) => format!("({v} > {})", ts(b, t)),
    };
    let at_most = |b: &mut Builder, c: Bound| format!("({v} <= {})", ts(b, c.micros()));
    Some(match t {
        OrdTest::Equal(c) => match Bound::of(c)? {
            Bound::Exact(t) => format!("({v} = {})", ts(b, t)),
            Bound::JustAfter(_) => FALSE.to_owned(),
        },
        OrdTest::In(set) => {
            let mut exact = Vec::new();
            for c in set.as_slice() {
                if let Bound::Exact(t) = Bound::of(c)? {
                    exact.push(t);
                }
            }
            format!("({v} = ANY({}))", b.bind(Param::TimestamptzArray(exact)))
        }
        OrdTest::Less(c) => match Bound::of(c)? {
            Bound::Exact(t) => format!("({v} < {})", ts(b, t)),
            Bound::JustAfter(t) => format!("({v} <= {})", ts(b, t)),
        },
        OrdTest::LessEqual(c) => at_most(b, Bound::of(c)?),
        OrdTest::Greater(c) => format!("({v} > {})", ts(b, Bound::of(c)?.micros())),
        OrdTest::GreaterEqual(c) => at_least(b, Bound::of(c)?),
        OrdTest::Between(lo, hi) => {
            let (lo, hi) = (Bound::of(lo)?, Bound::of(hi)?);
            format!("({} AND {})", at_least(b, lo), at_most(b, hi))
        }
    })
}

/// Date constants against a datetime column: the instant's calendar day in `tz`, as a range
/// of instants (`[start(day), start(day + 1))`).
fn days(b: &mut Builder, t: &OrdTest<NaiveDate>, v: &str, tz: FixedOffset) -> Option<String> {
    let start = |d: &NaiveDate| day_start(*d, tz);
    let next = |d: &NaiveDate| day_start(d.succ_opt()?, tz);
    let ts = |b: &mut Builder, t: DateTime<Utc>| b.bind(Param::Timestamptz(t));
    Some(match t {
        OrdTest::Equal(d) => {
            let (lo, hi) = (start(d)?, next(d)?);
            format!("({v} >= {} AND {v} < {})", ts(b, lo), ts(b, hi))
        }
        OrdTest::In(set) => {
            let mut ranges = Vec::new();
            for d in set.as_slice() {
                let (lo, hi) = (start(d)?, next(d)?);
                ranges.push(format!("({v} >= {} AND {v} < {})", ts(b, lo), ts(b, hi)));
            }
            if ranges.is_empty() { FALSE.to_owned() } else { format!("({})", ranges.join(" OR ")) }
        }
        OrdTest::Less(d) => format!("({v} < {})", ts(b, start(d)?)),
        OrdTest::LessEqual(d) => format!("({v} < {})", ts(b, next(d)?)),
        OrdTest::Greater(d) => format!("({v} >= {})", ts(b, next(d)?)),
        OrdTest::GreaterEqual(d) => format!("({v} >= {})", ts(b, start(d)?)),
        OrdTest::Between(lo, hi) => {
            let (lo, hi) = (start(lo)?, next(hi)?);
            format!("({v} >= {} AND {v} < {})", ts(b, lo), ts(b, hi))
        }
    })
}

/// Ids compare as decimal strings. A text column holds the id's text, and two ids are equal
/// exactly when their texts are ([`RecordId`] keeps non-canonical text as it is); a bigint
/// column's id text is the number's decimal, so only constants written that way can match.
fn ids(b: &mut Builder, t: &IdTest, read: &Read<'_>) -> String {
    let v = read.value();
    let texts: Vec<String> = match t {
        IdTest::Equal(id) => vec![id.to_string()],
        IdTest::In(set) => set.as_slice().iter().map(RecordId::to_string).collect(),
    };
    if read.column.sql_type().is_integer() {
        let numbers: Vec<i64> =
            texts.iter().filter_map(|s| s.parse::<i64>().ok().filter(|n| n.to_string() == *s)).collect();
        format!("({v} = ANY({}))", b.bind(Param::BigintArray(numbers)))
    } else {
        let texts: Vec<String> = texts.into_iter().filter(|s| storable(s)).collect();
        format!("({v} = ANY({}))", b.bind(Param::TextArray(texts)))
    }
}
