//! The columnar plan: a [`RuleSet`] mapped onto an Arrow schema, evaluated a whole
//! [`RecordBatch`] at a time.
//!
//! Evaluation carries a selection (the sorted indices of the rows still undecided) through
//! each rule's AND/OR tree: an AND narrows it item by item, an OR takes out the rows each
//! item holds on before trying the next, and a rule stops when no row is left. Rows whose
//! value in some read field cannot be read are taken out before any rule runs and reported
//! (fail closed, SPEC.md §4). Negation is exact: a negated leaf keeps the selected rows its
//! positive test rejects, empty values included (SPEC.md §2).

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema as ArrowSchema};
use recordlock::RuleSet;
use recordlock::criteria::typed::{Expr, Pred, Test, TextTest};
use recordlock::criteria::{Error, ErrorCode, Field, JsonPath, Value};
use serde_json::Value as Json;

use crate::column::{self, AnyText, Column, Form, Scaled};
use crate::lower::{Lowered, lower};
use crate::mapping::{Encoding, Mapping, MappingError, MappingOptions, map_columns};
use crate::value_test::{holds, text_holds};

/// One leaf, bound to its column and lowered for the column's form.
#[derive(Debug, Clone)]
struct Leaf {
    /// Index into the mapping's columns.
    column: usize,
    pred: Pred,
    lowered: Lowered,
}

#[derive(Debug, Clone)]
enum Node {
    Leaf(Box<Leaf>),
    All(Vec<Node>),
    Any(Vec<Node>),
}

impl Node {
    /// A rough cost, to try cheap items of a group first (the order does not change results:
    /// every leaf is a pure function of its row).
    fn cost(&self) -> u32 {
        match self {
            Node::Leaf(l) => match (&l.lowered, l.pred.test()) {
                (Lowered::General, Test::Text(TextTest::Like(_) | TextTest::Substring(_))) => 8,
                (Lowered::General, Test::Text(_) | Test::Choices(_)) => 4,
                (Lowered::General, _) => 2,
                _ => 1,
            },
            Node::All(items) | Node::Any(items) => items.iter().map(Node::cost).sum(),
        }
    }
}

/// A rule set mapped onto one Arrow schema: evaluates batches of that schema.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray};
/// use recordlock::{Limits, Module, RuleScope, RuleSet};
/// use recordlock::config::validate::validate;
/// use recordlock::criteria::EvalOptions;
/// use recordlock_arrow::{ColumnarPlan, MappingOptions};
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
///     {"name": "Big", "lock_existing_records": true,
///      "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": "1000.5"}}]}]});
/// let deals = Module::resolve("Deals", None).unwrap();
/// let valid = validate(&body, &deals, &Limits::default()).unwrap();
/// let rules = RuleSet::new(&valid, deals, EvalOptions::default(), RuleScope::ExistingRecords);
///
/// let ids: ArrayRef = Arc::new(StringArray::from(vec!["1", "2", "3"]));
/// let amounts: ArrayRef = Arc::new(
///     Decimal128Array::from(vec![Some(100_051), None, Some(100_050)]).with_precision_and_scale(20, 2).unwrap(),
/// );
/// let batch = RecordBatch::try_from_iter([("id", ids), ("Amount", amounts)]).unwrap();
///
/// let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();
/// let result = plan.evaluate(&batch).unwrap();
/// assert_eq!(result.rule(0), Some(0)); // 1000.51 > 1000.5
/// assert_eq!(result.rule(1), None);    // empty
/// assert_eq!(result.rule(2), None);    // 1000.50 = 1000.5
/// ```
#[derive(Debug, Clone)]
pub struct ColumnarPlan {
    rules: RuleSet,
    mapping: Mapping,
    /// Each mapped column's Arrow type, as mapped (batches must keep it).
    types: Vec<DataType>,
    fields: Vec<Field>,
    rule_trees: Vec<Node>,
}

impl ColumnarPlan {
    /// Maps `rules` onto `schema` and lowers every leaf for its column.
    ///
    /// # Errors
    /// A [`MappingError`] naming a column the rules read that is missing or of a type its
    /// field does not accept.
    pub fn new(rules: &RuleSet, schema: &ArrowSchema, opts: MappingOptions) -> Result<ColumnarPlan, MappingError> {
        let mapping = map_columns(rules.schema(), &rules.reads(), schema, &opts)?;
        let fields: Vec<Field> = mapping.columns().iter().map(|c| rules.schema().field(c.slot).clone()).collect();
        let types: Vec<DataType> =
            mapping.columns().iter().map(|c| schema.field(c.index).data_type().clone()).collect();
        let forms: Vec<Form> = mapping
            .columns()
            .iter()
            .zip(&fields)
            .zip(&types)
            .map(|((c, f), t)| column::form(f, c.encoding, t))
            .collect();
        let offset = rules.eval_options().tz.local_minus_utc();
        let lower_expr = |e: &Expr| build(e, &mapping, &forms, offset);
        let rule_trees = rules.rules().iter().map(|r| lower_expr(r.expr())).collect();
        Ok(ColumnarPlan { rules: rules.clone(), mapping, types, fields, rule_trees })
    }

    /// The rules, in order; [`Evaluation::rule`] indexes them.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The schema mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Evaluates every row of `batch`: the first rule that holds, or the error that keeps
    /// the row from being evaluated.
    ///
    /// # Errors
    /// A [`MappingError`] when the batch's columns are not those the plan was made for.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<Evaluation, MappingError> {
        let arrays = self.arrays(batch)?;
        let rows = batch.num_rows();
        let mut columns = Vec::with_capacity(arrays.len());
        let mut errors: Vec<(usize, Error)> = Vec::new();
        for ((array, mapped), field) in arrays.iter().zip(self.mapping.columns()).zip(&self.fields) {
            let (column, bad) = column::read(array, field, mapped.encoding);
            columns.push(column);
            for (row, why) in bad {
                errors.push((row, row_error(field, &why)));
            }
        }
        // The first error of each row, in column order.
        errors.sort_by_key(|(row, _)| *row);
        errors.dedup_by_key(|(row, _)| *row);
        let all = 0..u32::try_from(rows).unwrap_or(u32::MAX);
        let mut undecided: Vec<u32> = if errors.is_empty() {
            all.collect()
        } else {
            let bad: Vec<u32> = errors.iter().map(|(r, _)| u32::try_from(*r).unwrap_or(u32::MAX)).collect();
            difference(&all.collect::<Vec<u32>>(), &bad)
        };
        let mut matched = vec![NONE; rows];
        let ctx = Context { columns: &columns, fields: &self.fields, opts: self.rules.eval_options() };
        for (index, tree) in self.rule_trees.iter().enumerate() {
            if undecided.is_empty() {
                break;
            }
            let hits = eval(tree, &undecided, &ctx);
            if hits.is_empty() {
                continue;
            }
            let rule = u32::try_from(index).unwrap_or(NONE);
            for &h in &hits {
                if let Some(m) = matched.get_mut(h as usize) {
                    *m = rule;
                }
            }
            if index + 1 < self.rule_trees.len() {
                undecided = difference(&undecided, &hits);
            }
        }
        Ok(Evaluation { matched, errors })
    }

    /// Evaluates `batch` in slices of `chunk_rows` rows in parallel (in the current rayon
    /// pool): one [`Evaluation`] per slice, in order.
    ///
    /// # Errors
    /// As [`ColumnarPlan::evaluate`].
    pub fn evaluate_parallel(&self, batch: &RecordBatch, chunk_rows: usize) -> Result<Vec<Evaluation>, MappingError> {
        use rayon::prelude::*;
        let chunk = chunk_rows.max(1);
        let starts: Vec<usize> = (0..batch.num_rows()).step_by(chunk).collect();
        starts
            .par_iter()
            .map(|&start| self.evaluate(&batch.slice(start, chunk.min(batch.num_rows() - start))))
            .collect()
    }

    /// The batch's mapped columns, checked against the plan's types.
    fn arrays<'b>(&self, batch: &'b RecordBatch) -> Result<Vec<&'b ArrayRef>, MappingError> {
        let schema = batch.schema();
        self.mapping
            .columns()
            .iter()
            .zip(&self.types)
            .zip(&self.fields)
            .map(|((c, t), f)| {
                let fits = schema.fields().get(c.index).is_some_and(|bf| bf.name() == &c.column && bf.data_type() == t);
                if !fits {
                    return Err(match schema.index_of(&c.column) {
                        Err(_) => MappingError::Missing {
                            api_name: c.api_name.clone(),
                            data_type: f.data_type().as_str().to_owned(),
                        },
                        Ok(i) => MappingError::WrongType {
                            column: c.column.clone(),
                            data_type: f.data_type().as_str().to_owned(),
                            arrow_type: schema.field(i).data_type().to_string(),
                            accepted: "the type of this column in the first batch",
                            note: Some("every batch of a file must have the same schema"),
                        },
                    });
                }
                Ok(batch.column(c.index))
            })
            .collect()
    }

    /// The record id of each row of `batch` (the `id` column), as sweeps print it.
    pub fn ids<'b>(&self, batch: &'b RecordBatch) -> Ids<'b> {
        Ids(match self.mapping.id() {
            None => IdColumn::None,
            Some((index, encoding)) => match batch.columns().get(index) {
                None => IdColumn::None,
                Some(array) => match encoding {
                    Encoding::Integer => IdColumn::Integer(column::integer_texts(array.as_ref())),
                    Encoding::Json => AnyText::new(array.as_ref()).map_or(IdColumn::None, IdColumn::Json),
                    _ => AnyText::new(array.as_ref()).map_or(IdColumn::None, IdColumn::Text),
                },
            },
        })
    }
}

/// The record ids of a batch's rows.
pub struct Ids<'b>(IdColumn<'b>);

enum IdColumn<'b> {
    /// No `id` column.
    None,
    /// Text ids.
    Text(AnyText<'b>),
    /// JSON text ids (`"123"` or `123`).
    Json(AnyText<'b>),
    /// Integer ids, written out.
    Integer(Vec<Option<String>>),
}

impl Ids<'_> {
    /// The rows (of the first `len`) without an id: null, or (JSON ids) neither a string
    /// nor a number. (A CSV's empty cell is null.)
    pub fn missing(&self, len: usize) -> Vec<usize> {
        match &self.0 {
            IdColumn::Text(t) => (0..len).filter(|r| t.get(*r).is_none()).collect(),
            _ => (0..len).filter(|r| self.get(*r).is_none()).collect(),
        }
    }

    /// Row `row`'s id, when it has one.
    pub fn get(&self, row: usize) -> Option<String> {
        match &self.0 {
            IdColumn::None => None,
            IdColumn::Text(t) => t.get(row).map(str::to_owned),
            IdColumn::Json(t) => match serde_json::from_str::<Json>(t.get(row)?) {
                Ok(Json::String(s)) => Some(s),
                Ok(Json::Number(n)) => Some(n.as_str().to_owned()),
                _ => None,
            },
            IdColumn::Integer(v) => v.get(row).cloned().flatten(),
        }
    }
}

const NONE: u32 = u32::MAX;

/// What a batch's evaluation found.
#[derive(Debug, Clone)]
pub struct Evaluation {
    matched: Vec<u32>,
    errors: Vec<(usize, Error)>,
}

/// One row's outcome.
#[derive(Debug, Clone, Copy)]
pub enum RowOutcome<'e> {
    /// No rule holds.
    Unlocked,
    /// The index (in [`RuleSet::rules`]) of the first rule that holds.
    Locked(usize),
    /// The row cannot be evaluated.
    Unevaluable(&'e Error),
}

impl Evaluation {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.matched.len()
    }

    /// Whether the batch had no rows.
    pub fn is_empty(&self) -> bool {
        self.matched.is_empty()
    }

    /// The index of the first rule that holds on `row`.
    pub fn rule(&self, row: usize) -> Option<usize> {
        self.matched.get(row).filter(|m| **m != NONE).map(|m| *m as usize)
    }

    /// Why `row` cannot be evaluated, if it cannot.
    pub fn error(&self, row: usize) -> Option<&Error> {
        self.errors.binary_search_by_key(&row, |(r, _)| *r).ok().and_then(|i| self.errors.get(i)).map(|(_, e)| e)
    }

    /// Row `row`'s outcome.
    pub fn outcome(&self, row: usize) -> RowOutcome<'_> {
        match (self.error(row), self.rule(row)) {
            (Some(e), _) => RowOutcome::Unevaluable(e),
            (None, Some(r)) => RowOutcome::Locked(r),
            (None, None) => RowOutcome::Unlocked,
        }
    }

    /// The rows reported by a sweep, in order: locked or unevaluable.
    pub fn reported(&self) -> impl Iterator<Item = (usize, RowOutcome<'_>)> + '_ {
        let mut errors = self.errors.iter().peekable();
        self.matched.iter().enumerate().filter_map(move |(row, m)| {
            if errors.peek().is_some_and(|(r, _)| *r == row) {
                return errors.next().map(|(_, e)| (row, RowOutcome::Unevaluable(e)));
            }
            (*m != NONE).then_some((row, RowOutcome::Locked(*m as usize)))
        })
    }

    /// Rows a rule locks.
    pub fn locked(&self) -> usize {
        self.matched.iter().filter(|m| **m != NONE).count()
    }

    /// Rows that cannot be evaluated.
    pub fn unevaluable(&self) -> usize {
        self.errors.len()
    }
}

/// The error for a row whose value in `field` cannot be read: what JSON ingestion reports
/// for the same value (INVALID_RECORD, the field's path and expected type).
fn row_error(field: &Field, why: &str) -> Error {
    let name = field.api_name();
    Error::new(ErrorCode::InvalidRecord, &JsonPath::root().key(name), format!("`{name}`: {why}"))
        .with_api_name(name)
        .with_expected_data_type(field.data_type().as_str())
}

fn build(expr: &Expr, mapping: &Mapping, forms: &[Form], offset: i32) -> Node {
    match expr {
        Expr::Leaf(p) => {
            let column = mapping.columns().iter().position(|c| c.slot == p.slot()).unwrap_or(usize::MAX);
            let form = forms.get(column).copied().unwrap_or(Form::Values);
            Node::Leaf(Box::new(Leaf { column, pred: p.clone(), lowered: lower(p.test(), form, offset) }))
        }
        Expr::All(items) | Expr::Any(items) => {
            let mut nodes: Vec<Node> = items.iter().map(|e| build(e, mapping, forms, offset)).collect();
            nodes.sort_by_key(Node::cost);
            if matches!(expr, Expr::All(_)) { Node::All(nodes) } else { Node::Any(nodes) }
        }
    }
}

struct Context<'c, 'a> {
    columns: &'c [Column<'a>],
    fields: &'c [Field],
    opts: &'c recordlock::criteria::EvalOptions,
}

/// The rows of `sel` (sorted) on which `node` holds, sorted.
fn eval(node: &Node, sel: &[u32], ctx: &Context<'_, '_>) -> Vec<u32> {
    match node {
        Node::Leaf(leaf) => eval_leaf(leaf, sel, ctx),
        Node::All(items) => {
            let mut current = sel.to_vec();
            for item in items {
                if current.is_empty() {
                    break;
                }
                current = eval(item, &current, ctx);
            }
            current
        }
        Node::Any(items) => {
            let mut rest = sel.to_vec();
            let mut hits = Vec::new();
            for item in items {
                if rest.is_empty() {
                    break;
                }
                let h = eval(item, &rest, ctx);
                if !h.is_empty() {
                    rest = difference(&rest, &h);
                    hits.extend(h);
                }
            }
            hits.sort_unstable();
            hits
        }
    }
}

/// `a` without `b`; both sorted, `b` a subset of `a`.
fn difference(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().saturating_sub(b.len()));
    let mut b = b.iter().peekable();
    for &x in a {
        if b.peek() == Some(&&x) {
            b.next();
        } else {
            out.push(x);
        }
    }
    out
}

#[inline]
fn filter(sel: &[u32], mut keep: impl FnMut(usize) -> bool) -> Vec<u32> {
    let mut out = Vec::with_capacity(sel.len());
    for &r in sel {
        if keep(r as usize) {
            out.push(r);
        }
    }
    out
}

/// The rows of `sel` whose value (read by `key`) passes `cond`, or (`neg`) fails it; a
/// null passes no condition. One loop per shape, so the condition is not re-matched per row.
#[inline]
fn int_filter<T: Copy>(
    sel: &[u32],
    data: &[T],
    nulls: Option<&arrow_buffer::NullBuffer>,
    neg: bool,
    cond: &crate::lower::IntCond,
    key: impl Fn(T) -> i128,
) -> Vec<u32> {
    use crate::lower::IntCond;
    match (cond, nulls) {
        (IntCond::Range(lo, hi), None) => {
            filter(sel, |r| data.get(r).is_some_and(|v| (*lo..=*hi).contains(&key(*v))) != neg)
        }
        (IntCond::Range(lo, hi), Some(n)) => {
            filter(sel, |r| (n.is_valid(r) && data.get(r).is_some_and(|v| (*lo..=*hi).contains(&key(*v)))) != neg)
        }
        (IntCond::Set(set), _) => filter(sel, |r| {
            (valid(nulls, r) && data.get(r).is_some_and(|v| set.binary_search(&key(*v)).is_ok())) != neg
        }),
    }
}

#[inline]
fn valid(nulls: Option<&arrow_buffer::NullBuffer>, row: usize) -> bool {
    nulls.is_none_or(|n| n.is_valid(row))
}

fn eval_leaf(leaf: &Leaf, sel: &[u32], ctx: &Context<'_, '_>) -> Vec<u32> {
    let neg = leaf.pred.negated();
    let (Some(column), Some(field)) = (ctx.columns.get(leaf.column), ctx.fields.get(leaf.column)) else {
        // A leaf without a column (not possible: the mapping covers every read slot) holds
        // nowhere, so its negation holds everywhere.
        return if neg { sel.to_vec() } else { Vec::new() };
    };
    let test = leaf.pred.test();
    match (&leaf.lowered, column) {
        (Lowered::General, Column::Values { values, keys: Some(keys) }) => {
            // Once per distinct value, then gathered by key.
            let table: Vec<bool> = values.iter().map(|v| holds(test, v, field, ctx.opts) != neg).collect();
            filter(sel, |r| keys.get(r).and_then(|k| table.get(*k as usize)).copied().unwrap_or(false))
        }
        (Lowered::General, Column::Values { values, keys: None }) => {
            filter(sel, |r| values.get(r).is_some_and(|v| holds(test, v, field, ctx.opts) != neg))
        }
        (Lowered::General, Column::Text(strings)) => {
            let mut folded = String::new();
            filter(sel, |r| {
                let positive = match strings.get(r) {
                    None | Some("") => matches!(test, Test::IsEmpty),
                    Some(s) => match test {
                        Test::Text(t) => match ascii_text_holds(t, s) {
                            Some(answer) => answer,
                            None => text_holds(t, fold_into(s, &mut folded)),
                        },
                        _ => holds(test, &Value::Text(recordlock::criteria::fold(s).into()), field, ctx.opts),
                    },
                };
                positive != neg
            })
        }
        (Lowered::IsNull, c) => filter(sel, |r| is_null(c, r) != neg),
        (Lowered::Int(cond), Column::Scaled { data: Scaled::I128(d), nulls, .. }) => {
            int_filter(sel, d, nulls.as_ref(), neg, cond, |v| v)
        }
        (Lowered::Int(cond), Column::Scaled { data: Scaled::I64(d), nulls, .. }) => {
            int_filter(sel, d, nulls.as_ref(), neg, cond, i128::from)
        }
        (Lowered::Int(cond), Column::Date { days, nulls }) => {
            int_filter(sel, days, nulls.as_ref(), neg, cond, i128::from)
        }
        (Lowered::Int(cond), Column::Timestamp { ticks, nulls, .. }) => {
            int_filter(sel, ticks, nulls.as_ref(), neg, cond, i128::from)
        }
        (Lowered::Day { cond, per_second, offset }, Column::Timestamp { ticks, nulls, .. }) => {
            let day = |t: i64| (i128::from(t).div_euclid(*per_second) + offset).div_euclid(86_400);
            int_filter(sel, ticks, nulls.as_ref(), neg, cond, day)
        }
        (Lowered::Bool(b), Column::Boolean(a)) => {
            filter(sel, |r| (r < a.len() && a.is_valid(r) && a.value(r) == *b) != neg)
        }
        // A test the column's form cannot pass (never reached for a mapped, type-checked leaf).
        _ => filter(sel, |_| neg),
    }
}

fn is_null(column: &Column<'_>, row: usize) -> bool {
    match column {
        Column::Values { values, keys: Some(keys) } => {
            keys.get(row).and_then(|k| values.get(*k as usize)).is_none_or(Value::is_empty)
        }
        Column::Values { values, keys: None } => values.get(row).is_none_or(Value::is_empty),
        Column::Text(s) => s.get(row).is_none_or(str::is_empty),
        Column::Scaled { nulls, .. } | Column::Date { nulls, .. } | Column::Timestamp { nulls, .. } => {
            !valid(nulls.as_ref(), row)
        }
        Column::Boolean(a) => a.is_null(row),
    }
}

/// The answer of a prefix, suffix or equality test on `s` without folding it, when the part
/// of `s` the test looks at is ASCII (whose Unicode lowercase is its ASCII lowercase, one
/// byte a character); `None` when it is not, or for other tests.
#[inline]
fn ascii_text_holds(t: &TextTest, s: &str) -> Option<bool> {
    use recordlock::criteria::typed::SubstringKind;
    let b = s.as_bytes();
    match t {
        TextTest::Substring(sub) if sub.kind == SubstringKind::StartsWith => {
            let n = sub.needle.as_bytes();
            match b.get(..n.len()) {
                None => s.is_ascii().then_some(false),
                Some(head) if head.is_ascii() => Some(head.eq_ignore_ascii_case(n)),
                Some(_) => None,
            }
        }
        TextTest::Substring(sub) if sub.kind == SubstringKind::EndsWith => {
            let n = sub.needle.as_bytes();
            match b.len().checked_sub(n.len()).and_then(|start| b.get(start..)) {
                None => s.is_ascii().then_some(false),
                // A suffix inside a multi-byte character is not ASCII, so the fold decides.
                Some(tail) if tail.is_ascii() && s.is_char_boundary(b.len() - n.len()) && s.is_ascii() => {
                    Some(tail.eq_ignore_ascii_case(n))
                }
                Some(_) => None,
            }
        }
        TextTest::Equal(k) if s.is_ascii() => Some(b.eq_ignore_ascii_case(k.as_bytes())),
        _ => None,
    }
}

/// `s` folded (SPEC.md §2 Text): ASCII text without capitals as it is, other ASCII text
/// lowered in `buf`, the rest by Unicode lowercase.
#[inline]
fn fold_into<'s>(s: &'s str, buf: &'s mut String) -> &'s str {
    if s.is_ascii() {
        if !s.bytes().any(|b| b.is_ascii_uppercase()) {
            return s;
        }
        buf.clear();
        buf.push_str(s);
        buf.make_ascii_lowercase();
        return buf;
    }
    *buf = s.to_lowercase();
    buf
}
