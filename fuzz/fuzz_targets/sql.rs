//! Generated criteria and column mappings through the PostgreSQL SQL generator: never a
//! panic, and the statements' structure is fixed whatever the configuration and mapping hold.
//! Checked without a server, on a tokenisation of each statement's text:
//!
//! - no constant of a rule is in the text: the only string literals are the generator's own
//!   (date bounds, `ESCAPE ''`), the only bare words are SQL's, the only numbers small codes
//!   or the generator's bounds;
//! - every quoted identifier is a name the mapping gave (its `"` doubled) or the
//!   generator's own; no comment, no `;`;
//! - every `$n` is a parameter, cast to that parameter's type, and every parameter is used;
//! - the `UPDATE` binds the `SELECT`'s parameters, then the rules' labels; every rule and
//!   check has its `WHEN`, and `verdict` maps each code back.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use recordlock::criteria::{EvalOptions, Schema};
use recordlock::{Limits, Module, RuleScope, RuleSet};
use recordlock_sql::{ColumnMap, Folding, Order, Statement, SweepOptions, TableMap, Verdict, sweep_sql};
use serde_json::{Value as Json, json};

#[path = "shared/criteria.rs"]
mod criteria;
use criteria::{C, Vocabulary, pick};

const VOCABULARY: Vocabulary = Vocabulary {
    fields: &[
        "Deal_Name", "Amount", "Stage", "Closing_Date", "Created_Time", "Probability", "Type", "Account_Name",
        "Locked__s", "Description", "Lead_Conversion_Time", "Lead_Source", "Expected_Revenue", "Owner",
    ],
    // Values that try to break out of a parameter, and values of every type.
    texts: &[
        "Closed Won", "x'; DROP TABLE deals; --", "\"Stage\"", "$1", "/* c */", "a\"\"b", "%a_", "É", "${EMPTY}",
        "${NOTEMPTY}", "2024-01-01", "2024-01-01T10:00:00+05:30", "2023-12-31T23:59:60Z", "77", "1000.50", "true", "",
        "-None-", "5843104000000000798", "0001-01-01", "9999-12-31T23:59:59-23:59", "NaN", "1e3", "ß", "İ",
    ],
    scales: 12,
};
const SQL_TYPES: &[&str] = &[
    "text", "varchar(40)", "citext", "smallint", "integer", "bigint", "numeric", "numeric(12,2)", "numeric(30,40)",
    "date", "timestamptz", "boolean", "text[]",
];

/// A column for a field: a name (free or one of a few), maybe a type.
#[derive(Debug, Arbitrary)]
struct Col {
    field: u8,
    name: Option<String>,
    sql_type: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    rules: Vec<(Option<String>, C)>,
    columns: Vec<Col>,
    table: String,
    id: Option<String>,
    lock_column: String,
    order: Option<String>,
    differing: Vec<char>,
    tz_minutes: i16,
}

fuzz_target!(|input: Input| {
    let schema = Schema::builtin("Deals").expect("Deals");
    let rules: Vec<Json> = input
        .rules
        .iter()
        .take(6)
        .enumerate()
        .map(|(i, (id, c))| {
            let mut rule = json!({"name": format!("R{i}"), "lock_existing_records": true, "criteria": c.json(0, &VOCABULARY)});
            if let Some(id) = id {
                rule["id"] = json!(id);
            }
            rule
        })
        .collect();
    let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": rules}]});
    let Ok(deals) = Module::resolve("Deals", None) else { return };
    let Ok(valid) = recordlock::config::validate::validate(&body, &deals, &Limits::default()) else { return };
    let opts = EvalOptions { tz: offset(input.tz_minutes) };
    let rule_set = RuleSet::new(&valid, deals, opts, RuleScope::ExistingRecords);

    let mut columns = serde_json::Map::new();
    for col in input.columns.iter().take(8) {
        let field = pick(VOCABULARY.fields, col.field);
        let mut spec = serde_json::Map::new();
        if let Some(name) = &col.name {
            spec.insert("column".into(), json!(name));
        }
        if let Some(t) = col.sql_type {
            spec.insert("type".into(), json!(SQL_TYPES[t as usize % SQL_TYPES.len()]));
        }
        columns.insert(field.to_owned(), Json::Object(spec));
    }
    let mut map = json!({"columns": columns});
    if let Some(id) = &input.id {
        map["id"] = json!(id);
    }
    let Ok(map) = ColumnMap::from_json(&map) else { return };
    let Ok(table) = TableMap::new(&input.table, schema, &map) else { return };
    let sweep_opts = SweepOptions {
        order: input.order.clone().map_or(Order::Id, Order::Column),
        lock_column: input.lock_column.clone(),
        folding: Folding { differing: input.differing.iter().take(4).copied().collect() },
    };
    let Ok(sql) = sweep_sql(&rule_set, &table, &sweep_opts) else { return };
    let again = sweep_sql(&rule_set, &table, &sweep_opts).expect("the same input builds again");
    assert_eq!((&sql.select, &sql.update), (&again.select, &again.update), "building is deterministic");

    // The names the text may quote: the mapping's, and the generator's own.
    let mut names: BTreeSet<String> =
        ["id", "rule", "key", "swept", "s", "t", "C", "und-x-icu"].into_iter().map(str::to_owned).collect();
    names.extend(input.table.split('.').map(str::to_owned));
    names.insert(table.id().to_owned());
    names.insert(input.lock_column.clone());
    names.extend(input.order.iter().cloned());
    for (_, column) in table.columns() {
        names.insert(column.name().to_owned());
    }
    let select = check(&sql.select, &names);
    let update = check(&sql.update, &names);
    let n = sql.select.params.len();
    assert_eq!(sql.update.params.get(..n), Some(sql.select.params.as_slice()), "the UPDATE binds the SELECT's parameters first");
    assert_eq!(sql.update.params.len(), n + 1, "then one array of labels");
    let rules_n = i64::try_from(sql.rules.len()).unwrap_or(i64::MAX);
    let checks_n = i64::try_from(sql.checks.len()).unwrap_or(i64::MAX);
    for codes in [&select, &update] {
        let expected: BTreeSet<i64> = (-checks_n..rules_n).collect();
        assert_eq!(codes, &expected, "one WHEN per check and rule");
    }
    for code in -checks_n..rules_n {
        let code = i32::try_from(code).expect("few rules");
        match sql.verdict(code) {
            Some(Verdict::Rule(r)) => assert!(code >= 0 && std::ptr::eq(r, &sql.rules[code as usize])),
            Some(Verdict::Unevaluable(_)) => assert!(code < 0),
            None => panic!("no verdict for {code}"),
        }
    }
    assert!(sql.verdict(i32::try_from(rules_n).unwrap_or(i32::MAX)).is_none());
    assert!(sql.verdict(-1 - i32::try_from(checks_n).unwrap_or(i32::MAX)).is_none());
});

/// An offset within ±24 h, in minutes.
fn offset(minutes: i16) -> chrono::FixedOffset {
    let seconds = i32::from(minutes % 1440) * 60;
    chrono::FixedOffset::east_opt(seconds).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"))
}

/// String literals the generator writes itself.
const LITERALS: &[&str] =
    &["", "0001-01-01 BC", "9999-12-31", "0002-12-31 00:01:00+00 BC", "10000-01-01 23:58:59.999999+00"];
/// Numbers the generator writes itself (beside small codes).
const NUMBERS: &[&str] = &["79228162514264337593543950335", "1000000000000000000"];
/// SQL's words in the generator's statements (keywords, functions, types, aliases).
const WORDS: &[&str] = &[
    "SELECT", "FROM", "OFFSET", "AS", "WHERE", "IS", "NOT", "NULL", "ORDER", "BY", "UPDATE", "SET", "AND", "OR", "CASE",
    "WHEN", "THEN", "ELSE", "END", "COALESCE", "false", "true", "octet_length", "unnest", "u", "v", "EXISTS", "lower",
    "COLLATE", "ANY", "LIKE", "ESCAPE", "strpos", "starts_with", "right", "char_length", "BETWEEN", "text", "integer",
    "numeric", "date", "timestamptz", "boolean", "bigint", "trunc", "scale", "abs", "power", "array_ndims",
    "array_position", "array_to_string",
];

/// Tokenises `s.text`, checks it as the module says, and returns the codes of its `THEN`s.
fn check(s: &Statement, names: &BTreeSet<String>) -> BTreeSet<i64> {
    let text = s.text.as_str();
    let bytes = text.as_bytes();
    let mut used = vec![false; s.params.len()];
    let mut codes = BTreeSet::new();
    let mut after_then = false;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let rest = &text[i..];
        assert!(!rest.starts_with("--") && !rest.starts_with("/*"), "a comment in {text}");
        match c {
            b'"' => {
                let (name, len) = quoted(rest, '"').unwrap_or_else(|| panic!("an unclosed identifier in {text}"));
                assert!(names.contains(&name), "identifier {name:?} is not one of {names:?}: {text}");
                i += len;
                after_then = false;
            }
            b'\'' => {
                let (lit, len) = quoted(rest, '\'').unwrap_or_else(|| panic!("an unclosed literal in {text}"));
                assert!(LITERALS.contains(&lit.as_str()), "literal {lit:?} in {text}");
                i += len;
            }
            b'$' => {
                let digits: String = rest[1..].chars().take_while(char::is_ascii_digit).collect();
                let n: usize = digits.parse().unwrap_or_else(|_| panic!("a `$` that is no parameter in {text}"));
                assert!(n >= 1 && n <= s.params.len(), "${n} of {} parameters", s.params.len());
                used[n - 1] = true;
                let cast = format!("${n}::{}", s.params[n - 1].sql_type());
                assert!(rest.starts_with(&cast), "${n} is not cast as `{cast}`: {text}");
                i += cast.len();
                after_then = false;
            }
            b'0'..=b'9' => {
                let number: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
                let value: Option<i64> = number.parse().ok();
                let small = value.is_some_and(|v| v < 10_000);
                assert!(small || NUMBERS.contains(&number.as_str()), "number {number} in {text}");
                if after_then {
                    let negative = text[..i].ends_with('-');
                    codes.insert(if negative { -value.unwrap_or(0) } else { value.unwrap_or(0) });
                }
                i += number.len();
                after_then = false;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                assert!(WORDS.contains(&word.as_str()), "word {word} in {text}");
                after_then = word == "THEN";
                i += word.len();
            }
            b';' => panic!("a `;` in {text}"),
            c if c.is_ascii() => {
                assert!(b"()[],.:=<>+-*~ \n".contains(&c), "character {:?} in {text}", c as char);
                // A code is `THEN 3` or `THEN -4`.
                after_then &= matches!(c, b' ' | b'-');
                i += 1;
            }
            _ => panic!("a non-ASCII character outside quotes in {text}"),
        }
    }
    assert!(used.iter().all(|u| *u), "a parameter is never used: {text}");
    codes
}

/// The text of a quoted token at the start of `s` (quote doubled inside), and its length.
fn quoted(s: &str, q: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == q {
            if chars.peek().map(|(_, c)| *c) == Some(q) {
                out.push(q);
                chars.next();
            } else {
                return Some((out, i + 1));
            }
        } else {
            out.push(c);
        }
    }
    None
}
