//! The statements of a back-fill: a `SELECT` of each record's first matching rule, and the
//! `UPDATE` that would record it.
//!
//! Each row gets one integer, `rule`:
//!
//! - `0..n`: the index in [`SweepSql::rules`] of the first rule that holds (configuration
//!   order, as the `CASE` tests them);
//! - `-1 - k`: the record cannot be evaluated: check `k` of [`SweepSql::checks`] found a
//!   value of the wrong type in a field some rule reads (fail closed, SPEC.md §4). The
//!   checks come first in the `CASE`, so they run whatever a rule would short-circuit;
//! - NULL: no rule holds. The `SELECT` returns only rows whose `rule` is not NULL.

use recordlock::criteria::Expr;
use recordlock::criteria::{Error, ErrorCode, JsonPath};
use recordlock::{Rule, RuleSet};
use serde_json::{Value as Json, json};

use crate::builder::Builder;
use crate::columns::TableMap;
use crate::error::SqlError;
use crate::folding::Folding;
use crate::ident::Ident;
use crate::param::Param;
use crate::predicate::{Read, predicate};
use crate::validity::checks;
use recordlock::criteria::TypeClass;

/// A statement and its parameters (`$1` is `params[0]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text; every constant is a `$n`.
    pub text: String,
    /// The parameters' values.
    pub params: Vec<Param>,
}

impl Statement {
    /// The parameters as JSON: `[{"$1": "text[]", "value": [...]}, ...]`.
    pub fn params_json(&self) -> Json {
        Json::Array(
            self.params
                .iter()
                .enumerate()
                .map(|(i, p)| json!({"param": format!("${}", i + 1), "type": p.sql_type(), "value": p.to_json()}))
                .collect(),
        )
    }
}

/// A fail-closed check: which field, and the error a record failing it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The field's API name.
    pub api_name: String,
    /// The field's Zoho type.
    pub data_type: String,
    /// What the field should hold (`expected a currency value`).
    pub why: String,
}

impl Check {
    /// The error a sweep reports, as the JSON Lines sweep reports it for the same value:
    /// `INVALID_RECORD` at `$.<field>`.
    pub fn error(&self) -> Error {
        let path = JsonPath::root().key(&self.api_name);
        Error::new(ErrorCode::InvalidRecord, &path, format!("`{}`: {}", self.api_name, self.why))
            .with_api_name(self.api_name.clone())
            .with_expected_data_type(self.data_type.clone())
    }
}

/// What one row's `rule` says.
#[derive(Debug, Clone, Copy)]
pub enum Verdict<'a> {
    /// The first matching rule.
    Rule(&'a Rule),
    /// The record cannot be evaluated.
    Unevaluable(&'a Check),
}

/// How the `SELECT` orders its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Order {
    /// By the id column (the default).
    #[default]
    Id,
    /// By this column.
    Column(String),
}

/// The statements of a back-fill of one table.
#[derive(Debug, Clone)]
pub struct SweepSql {
    /// `SELECT "id", "rule"`: the rows some rule locks or that cannot be evaluated, ordered.
    pub select: Statement,
    /// `UPDATE ... SET <lock column> = <the rule's id, or its name>` for the rows a rule locks.
    pub update: Statement,
    /// The rules, by the index `rule` gives.
    pub rules: Vec<Rule>,
    /// The fail-closed checks, by `-1 - rule`.
    pub checks: Vec<Check>,
}

impl SweepSql {
    /// The verdict of a row's `rule` value; `None` for a value the statement never gives.
    pub fn verdict(&self, rule: i32) -> Option<Verdict<'_>> {
        if rule >= 0 {
            self.rules.get(usize::try_from(rule).ok()?).map(Verdict::Rule)
        } else {
            let k = usize::try_from(-(i64::from(rule) + 1)).ok()?;
            self.checks.get(k).map(Verdict::Unevaluable)
        }
    }
}

/// How to build a back-fill's statements.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// How the `SELECT` orders its rows.
    pub order: Order,
    /// The column the `UPDATE` writes.
    pub lock_column: String,
    /// The code points the server lowercases unlike recordlock ([`Folding::probe`]).
    pub folding: Folding,
}

impl Default for SweepOptions {
    fn default() -> SweepOptions {
        SweepOptions { order: Order::Id, lock_column: "lock_rule".to_owned(), folding: Folding::default() }
    }
}

/// Builds the back-fill statements of `rules` over `table`.
///
/// ```
/// use recordlock::{Limits, Module, RuleScope, RuleSet, config::validate::validate};
/// use recordlock::criteria::EvalOptions;
/// use recordlock_sql::{ColumnMap, SweepOptions, TableMap, sweep_sql};
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
///     {"name": "Won", "lock_existing_records": true,
///      "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let deals = Module::resolve("Deals", None).unwrap();
/// let valid = validate(&body, &deals, &Limits::default()).unwrap();
/// let rules = RuleSet::new(&valid, deals.clone(), EvalOptions::default(), RuleScope::ExistingRecords);
/// let table = TableMap::new("deals", deals.schema(), &ColumnMap::default()).unwrap();
/// let sql = sweep_sql(&rules, &table, &SweepOptions::default()).unwrap();
/// // Spelled as the schema spells the option: a byte comparison; other spellings are lowered.
/// assert!(sql.select.text.contains(r#"("Stage" COLLATE "C") = ANY($1::text[])"#));
/// assert!(sql.select.text.contains(r#"lower("Stage" COLLATE "und-x-icu") = ANY($3::text[])"#));
/// assert_eq!(sql.select.params[0].to_json(), json!(["Closed Won"]));
/// assert_eq!(sql.select.params[2].to_json(), json!(["closed won"]));
/// ```
pub fn sweep_sql(rules: &RuleSet, table: &TableMap, opts: &SweepOptions) -> Result<SweepSql, SqlError> {
    let (order, lock_column) = (&opts.order, opts.lock_column.as_str());
    let mut b = Builder::default();
    let case = verdict_case(&mut b, rules, table, &opts.folding)?;
    let (case_sql, checks) = case;
    let tbl = table.table_sql();
    let id = table.id_sql();
    let key = match order {
        Order::Id => id.clone(),
        Order::Column(c) => Ident::new(c)?.quoted(),
    };
    let select = format!(
        "SELECT \"id\", \"rule\" FROM (\n  SELECT {id}::text AS \"id\", {case_sql} AS \"rule\", {key} AS \"key\"\n  FROM {tbl}\n  OFFSET 0\n) AS \"swept\"\nWHERE \"rule\" IS NOT NULL\nORDER BY \"key\""
    );
    let params = b.into_params();

    // The UPDATE: the same CASE and parameters, then the labels.
    let mut u = Builder::default();
    for p in &params {
        u.bind(p.clone());
    }
    let labels: Vec<String> =
        rules.rules().iter().map(|r| r.id().map_or_else(|| r.name().to_owned(), str::to_owned)).collect();
    let labels = u.bind(Param::TextArray(labels));
    let lock = Ident::new(lock_column)?.quoted();
    let update = format!(
        "UPDATE {tbl} AS \"t\" SET {lock} = ({labels})[\"s\".\"rule\" + 1]\nFROM (\n  SELECT {id} AS \"key\", {case_sql} AS \"rule\"\n  FROM {tbl}\n  OFFSET 0\n) AS \"s\"\nWHERE \"t\".{id} = \"s\".\"key\" AND \"s\".\"rule\" >= 0"
    );
    Ok(SweepSql {
        select: Statement { text: select, params },
        update: Statement { text: update, params: u.into_params() },
        rules: rules.rules().to_vec(),
        checks,
    })
}

/// The `CASE` giving each row's `rule`, and the checks by index.
fn verdict_case(
    b: &mut Builder,
    rules: &RuleSet,
    table: &TableMap,
    folding: &Folding,
) -> Result<(String, Vec<Check>), SqlError> {
    let pattern = folding.pattern();
    let schema = rules.schema();
    let mut whens = Vec::new();
    let mut all_checks = Vec::new();
    for slot in rules.reads() {
        let field = schema.field(slot);
        let column = table.column(slot).ok_or_else(|| {
            SqlError::Unsupported(format!(
                "`{}`: a {} field has no SQL column type",
                field.api_name(),
                field.data_type()
            ))
        })?;
        let read = Read { field, column, path: "$" };
        let mut column_checks = checks(&read);
        if let Some(p) = &pattern {
            let v = column.quoted();
            // Text of ASCII only (as many bytes as characters) cannot hold a differing code
            // point when none is ASCII: the regular expression runs on the rest only.
            let ascii_first = !folding.differing.iter().any(char::is_ascii);
            let test = |b: &mut Builder, text: &str| {
                let re = format!("{text} ~ {}", b.bind(Param::Text(p.clone())));
                if ascii_first {
                    format!("(octet_length({text}) <> char_length({text}) AND {re})")
                } else {
                    format!("({re})")
                }
            };
            let sql = match field.data_type().class() {
                TypeClass::Text | TypeClass::Picklist => Some(test(b, &format!("({v}::text)"))),
                TypeClass::MultiPicklist => Some(test(b, &format!("array_to_string({v}, ' ')"))),
                _ => None,
            };
            if let Some(sql) = sql {
                let why = "holds a character this server lowercases unlike recordlock (its ICU is of another Unicode version)";
                column_checks.push(crate::validity::Check { sql, why: why.to_owned() });
            }
        }
        for check in column_checks {
            let code = -1 - i64::try_from(all_checks.len()).unwrap_or(i64::MAX);
            whens.push(format!("    WHEN {} THEN {code}", check.sql));
            all_checks.push(Check {
                api_name: field.api_name().to_owned(),
                data_type: field.data_type().as_str().to_owned(),
                why: check.why,
            });
        }
    }
    for (i, rule) in rules.rules().iter().enumerate() {
        let cond = expr(b, rule.expr(), rules, table)?;
        whens.push(format!("    WHEN {cond} THEN {i}"));
    }
    let case = if whens.is_empty() { "NULL::integer".to_owned() } else { format!("CASE\n{}\n  END", whens.join("\n")) };
    Ok((case, all_checks))
}

/// A rule's criteria as one SQL boolean, two-valued.
fn expr(b: &mut Builder, e: &Expr, rules: &RuleSet, table: &TableMap) -> Result<String, SqlError> {
    match e {
        Expr::Leaf(p) => {
            let field = rules.schema().field(p.slot());
            let path = p.origin().path.as_str();
            let column = table.column(p.slot()).ok_or_else(|| {
                SqlError::Unsupported(format!(
                    "{path} (`{}`): a {} field has no SQL column type",
                    field.api_name(),
                    field.data_type()
                ))
            })?;
            predicate(b, p, &Read { field, column, path }, rules.eval_options())
        }
        Expr::All(items) | Expr::Any(items) => {
            let op = if matches!(e, Expr::All(_)) { " AND " } else { " OR " };
            // Cheap tests first: every item is two-valued and cannot fail, so the order
            // changes no answer, and PostgreSQL stops at the first item that decides.
            let mut ordered: Vec<&Expr> = items.iter().collect();
            ordered.sort_by_key(|i| cost(i));
            let parts: Vec<String> = ordered.into_iter().map(|i| expr(b, i, rules, table)).collect::<Result<_, _>>()?;
            Ok(format!("({})", parts.join(op)))
        }
    }
}

/// A rough cost of evaluating `e` per row: comparisons of numbers, dates, booleans and ids
/// before picklists, picklists before lowered text, multi-select sets last.
fn cost(e: &Expr) -> u32 {
    use recordlock::criteria::typed::Test;
    match e {
        Expr::Leaf(p) => match p.test() {
            Test::IsEmpty
            | Test::Number(_)
            | Test::Date(_)
            | Test::DateTime(_)
            | Test::DayOfDateTime(_)
            | Test::Bool(_)
            | Test::Id(_) => 1,
            Test::Choice(_) => 2,
            Test::Text(_) => 3,
            Test::Choices(_) => 4,
        },
        Expr::All(items) | Expr::Any(items) => items.iter().map(cost).sum(),
    }
}
